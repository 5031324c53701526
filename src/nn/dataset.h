/* dataset.h: images and labels for the CNN: MNIST-format IDX files (gzip or plain, through
 * zlib) such as Debian's Fashion-MNIST, a held-out validation split, seeded synthetic shapes. */
#ifndef OPTISCOPE_NN_DATASET_H
#define OPTISCOPE_NN_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NN_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"
#define NN_CLASSES 10

/* One split: n grayscale images of h x w pixels with their labels. */
struct nn_dataset {
    int n;              /* images */
    int h, w;           /* image size in pixels */
    uint8_t *images;    /* (n, h, w) pixels 0..255 */
    uint8_t *labels;    /* (n) classes 0..NN_CLASSES-1 */
    float mean, std;    /* batches are (pixel/255 - mean) / std: the training split's pixel
                           statistics, shared by all splits (0 and 1 before they are set) */
};

/* Train, validation (held out of the training files) and test splits. */
struct nn_data {
    struct nn_dataset train, val, test;
    char source[320];   /* for messages: "fashion-mnist in DIR" or "synthetic shapes, seed 1" */
};

/* Reads an IDX image file (magic 0x803) and its IDX label file (magic 0x801), gzip-compressed
 * or not. Missing, corrupt, truncated, oversized or mismatched files return false with a message
 * naming the file and the problem; nothing is left allocated then. */
bool nn_idx_load(struct nn_dataset *out, const char *images_path, const char *labels_path,
                 char *err, size_t errlen);

/* Loads train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz]
 * and t10k-labels-idx1-ubyte[.gz] from dir; the last val_count training images become the
 * validation split (val_count < 0: one twelfth, 5000 of Fashion-MNIST's 60000). */
bool nn_data_load_dir(struct nn_data *out, const char *dir, int val_count, char *err,
                      size_t errlen);

/* Procedural shapes in 28x28, ten classes (filled and hollow squares, disc, ring, horizontal and
 * vertical bars, plus, cross, triangle, two dots) with random position, size, brightness and
 * noise. The same seed gives the same images. */
void nn_data_synthetic(struct nn_data *out, int ntrain, int nval, int ntest, uint64_t seed);

/* Sets every split's mean and std to the training split's pixel statistics (in [0, 1] units),
 * so the network sees standardized inputs, as torchvision's Normalize((0.2860,), (0.3530,))
 * for Fashion-MNIST. The loaders call it. */
void nn_data_standardize(struct nn_data *d);

/* Keeps at most `limit` images of each split (the first ones). */
void nn_data_limit(struct nn_data *d, int limit);

void nn_dataset_finish(struct nn_dataset *d);
void nn_data_finish(struct nn_data *d);

/* x (B, 1, h, w) = images index[0..B) as (pixel/255 - mean) / std (torchvision's ToTensor then
 * Normalize), y (B) their labels. */
void nn_dataset_batch(const struct nn_dataset *d, const int *index, int B, float *x, uint8_t *y);

#endif

/* inspect.h: what a lecture shows of a network besides its loss: each weight layer's
 * histogram and sparsity (L1 against L2), the confusion matrix of a split and the classes it
 * predicts for given images (the histograms through nn_weight_stats). Read-only over a
 * struct cnn, except for its activation buffers. */
#ifndef OPTISCOPE_NN_INSPECT_H
#define OPTISCOPE_NN_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/cnn.h"
#include "nn/dataset.h"

#define NN_INSPECT_MAX_LAYERS 4    /* conv1.w, conv2.w, fc1.w, out.w */
#define NN_INSPECT_BINS 61         /* odd: zero is the middle bin's centre */
#define NN_NEAR_ZERO 1e-3          /* |w| below this counts as near zero */

/* One penalized weight tensor (not biases, not batch norm: what L1/L2 act on). */
struct nn_layer_stats {
    char name[24];                 /* "conv1.w" */
    long count;                    /* weights */
    long zeros;                    /* exactly 0 */
    long near;                     /* |w| < NN_NEAR_ZERO, zeros included */
    double norm;                   /* sqrt(sum w^2) */
    double max_abs;                /* largest |w| */
    double range;                  /* the histogram covers [-range, range] */
    float hist[NN_INSPECT_BINS];   /* weights per bin; those beyond the range in the end bins */
};

/* Every weight tensor's statistics (in the network's order), at most NN_INSPECT_MAX_LAYERS;
 * returns how many. Each histogram's range is 3 / sqrt(fan_in): three times the bound of the
 * initial weights (torch's kaiming_uniform(a=sqrt(5))), so every racer's histograms of a layer
 * share their axis from the first step to the last. */
int nn_inspect_layers(const struct cnn *net, struct nn_layer_stats *out);

/* Sums over layers: weights, exact zeros, near zeros; the whole weight vector's norm. */
void nn_inspect_totals(const struct nn_layer_stats *l, int n, long *count, long *zeros,
                       long *near, double *norm);

/* The confusion matrix of net on d in evaluation mode: conf[true * NN_CLASSES + predicted]
 * images, in batches of the net's batch size through x and y (batch buffers as the trainer's).
 * Returns the share classified right. */
double nn_inspect_confusion(struct cnn *net, const struct nn_dataset *d, float *x, uint8_t *y,
                            int *conf);

/* The predicted class and its probability for d's images index[0..n) (n <= the net's batch),
 * evaluation mode. */
void nn_inspect_predict(struct cnn *net, const struct nn_dataset *d, const int *index, int n,
                        float *x, uint8_t *y, uint8_t *pred, float *prob);

/* Fashion-MNIST's class names ("T-shirt/top", ... "Ankle boot"), or the synthetic shapes'
 * ("square", ... "two dots"), class 0..NN_CLASSES-1. */
const char *nn_class_name(bool synthetic, int c);
/* The same, shorter where a name is long ("T-shirt", "Boot"): for narrow cells. */
const char *nn_class_short_name(bool synthetic, int c);

#endif

/* landscape.h: a 2-D slice of the CNN's loss around given weights (Li et al. 2018, "Visualizing
 * the Loss Landscape of Neural Nets"): filter-normalized random directions or the first two
 * principal components of a trajectory, projection of any weights onto the plane, and the
 * loss on a grid of the plane, computed on worker threads, cancellable, with progress.
 *
 * The plane: centre + alpha * d1 + beta * d2, every vector in the network's parameter layout
 * (struct cnn's params: net->pl.total floats, the padding between tensors zero).
 *
 * Typical use (on a worker thread; the window's frame reads ctl.done and may set ctl.cancel):
 *
 *     struct nn_landscape_dirs dirs;
 *     nn_landscape_random(&dirs, centre, seed);            // or nn_landscape_pca(...)
 *     struct nn_landscape_images im;
 *     nn_landscape_images_init(&im, &data->train, 512);     // the first 512 training images
 *     struct nn_landscape_desc desc = {.centre = centre, .dirs = &dirs, .images = &im,
 *         .n = 25, .alpha = {-1, 1}, .beta = {-1, 1}, .threads = 2};
 *     double *loss = malloc(25 * 25 * sizeof *loss);
 *     struct nn_landscape_control ctl;
 *     nn_landscape_control_init(&ctl);
 *     bool done = nn_landscape_slice(&desc, loss, &ctl);   // false: cancelled
 *
 * nn/ only: no drawing here; draw/ and the CLI turn the grid into pictures and files. */
#ifndef OPTISCOPE_NN_LANDSCAPE_H
#define OPTISCOPE_NN_LANDSCAPE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/cnn.h"
#include "nn/dataset.h"

/* ======================================================================== directions */

enum nn_landscape_kind {
    NN_LANDSCAPE_RANDOM,   /* filter-normalized Gaussian directions (not orthogonal) */
    NN_LANDSCAPE_PCA,      /* the trajectory's first two principal components (orthonormal) */
};

/* Two directions in the parameter layout, and what projecting onto them needs. */
struct nn_landscape_dirs {
    enum nn_landscape_kind kind;
    size_t n;              /* floats in each: the network's pl.total */
    float *d1, *d2;        /* (n) each; zero on the padding (and, random, on biases and bn) */
    double gram[3];        /* d1.d1, d1.d2, d2.d2 (in double): the 2x2 system of projection */
    double explained[2];   /* PCA: share of the checkpoints' summed squared distance to the
                              centre along d1 and along d2, in [0, 1], descending; random: 0 */
};

/* Filter-normalized random directions around the centre's weights: every entry N(0, 1) from a
 * generator seeded by `seed` (the same seed, the same directions), then each conv filter
 * (output channel of conv1.w (8, C, 3, 3), conv2.w (16, 8, 3, 3)) and each dense row (of
 * fc1.w (hidden, F), out.w (classes, F or hidden)) scaled so that its norm equals the norm of
 * the same filter (row) of the weights (a zero filter gets a zero direction). Biases and
 * batch-norm parameters are 0 in both directions: the plane leaves them at the centre's.
 * The weights are the tensors cnn_penalty acts on (tensor->penalized). Allocates d1, d2. */
void nn_landscape_random(struct nn_landscape_dirs *out, const struct cnn *centre,
                         uint64_t seed);

/* The first two principal components of the K checkpoints about the centre: the unit vectors
 * d1, d2 spanning the plane through the centre that is closest to the checkpoints (least
 * summed squared distance), i.e. the top eigenvectors of sum_k v_k v_k^T with v_k =
 * ckpt[k] - centre->params, found from the K x K Gram matrix (K small, n ~ 10^4). Unlike
 * Li et al.'s sklearn PCA the differences are not centred on their mean: the plane must pass
 * through the centre, where the slice is drawn. Every parameter takes part (biases and batch
 * norm too: they move along the trajectory). explained[i] = lambda_i / sum(lambda). Signs are
 * chosen so that the first checkpoint has alpha <= 0 and beta <= 0 (the path runs towards
 * the centre from the lower left). Each ckpt[k] holds centre->pl.total floats.
 * Costs O(K^2 n + K^3): keep K to a few hundred (the CLI thins longer trajectories).
 * Fails (message in err, nothing allocated) when K < 2 or the checkpoints span less than two
 * dimensions about the centre (all equal to it, or all on one line through it). */
bool nn_landscape_pca(struct nn_landscape_dirs *out, const struct cnn *centre,
                      const float *const *ckpt, int k, char *err, size_t errlen);

/* Frees d1, d2; accepts a zeroed struct. */
void nn_landscape_dirs_finish(struct nn_landscape_dirs *d);

/* The plane's coordinates of params (n floats): the least-squares solution of
 * alpha d1 + beta d2 ~ params - centre (the 2x2 normal equations with dirs->gram; for PCA's
 * orthonormal directions these are the dot products). centre: the slice's centre->params. */
void nn_landscape_project(const struct nn_landscape_dirs *d, const float *centre,
                          const float *params, double *alpha, double *beta);

/* ======================================================================== the images */

/* A fixed subset the slice is evaluated on, as the network takes it. */
struct nn_landscape_images {
    int n;              /* images */
    int c, h, w;        /* each (1, h, w) */
    float *x;           /* (n, c, h, w) standardized as nn_dataset_batch makes them */
    uint8_t *y;         /* (n) labels */
};

/* The first m images of d (all of them when m <= 0 or m > d->n). */
void nn_landscape_images_init(struct nn_landscape_images *im, const struct nn_dataset *d,
                              int m);
void nn_landscape_images_finish(struct nn_landscape_images *im);   /* accepts a zeroed one */

/* ======================================================================== the slice */

/* Shared with other threads while a slice runs. */
struct nn_landscape_control {
    atomic_bool cancel;    /* set from any thread: the workers stop before their next point */
    atomic_long done;      /* grid points computed so far (of n * n); readable any time */
};

void nn_landscape_control_init(struct nn_landscape_control *ctl);   /* not cancelled, 0 done */

/* What to compute. Zero means default where one is named. */
struct nn_landscape_desc {
    const struct cnn *centre;   /* weights, running statistics and configuration; read only
                                   (not touched while the slice runs: callers copy it first
                                   when training goes on) */
    const struct nn_landscape_dirs *dirs;
    const struct nn_landscape_images *images;
    int n;                      /* grid points per side (>= 1) */
    double alpha[2];            /* [min, max] of alpha; n points, both ends included */
    double beta[2];             /* [min, max] of beta */
    int threads;                /* worker threads (each with its own copy of the network),
                                   the calling thread being one of them; 0 or 1: one */
    int chunk;                  /* images per forward; 0: NN_LANDSCAPE_CHUNK */
    bool plain_forward;         /* cnn_forward for every point, not the fused evaluation
                                   forward (cnn_forward_eval_fast): the reference the tests
                                   hold the fast one to */
};

/* Images per forward by default: small enough that a chunk's activations stay in the caches.
 * With cnn_forward, one forward of all 512 images (each conv one sgemm) is 2.8x slower than
 * 32 at a time (35 against 12.3 ms for 512 images on one core here: the im2col of 73 x 100352
 * floats falls out of the caches); the fused forward is also fastest at 32 (about 3 ms). */
#define NN_LANDSCAPE_CHUNK 32

/* Coordinate i (0..n-1) of [lo, hi]: lo + (hi - lo) * i / (n - 1) (the middle, n == 1). A
 * symmetric range with odd n puts the centre exactly at 0. */
double nn_landscape_coord(const double range[2], int n, int i);

/* loss[j * n + i] (n * n doubles: alpha varies fastest) = the mean cross-entropy over the
 * images at centre + alpha_i d1 + beta_j d2, in evaluation mode (batch norm with the centre's
 * running statistics, no dropout). Grid points are shared among the threads as they come, so
 * the result does not depend on the thread count; the point (0, 0) gives exactly
 * nn_landscape_loss(centre, images, chunk) (plain_forward unset). ctl may be NULL; with it, done counts the points
 * finished and cancel stops the workers between points. Returns true when every point was
 * computed, false when cancelled (loss then holds the finished points, NaN elsewhere). */
bool nn_landscape_slice(const struct nn_landscape_desc *desc, double *loss,
                        struct nn_landscape_control *ctl);

/* The network's own mean cross-entropy over the images in evaluation mode, `chunk` images a
 * forward (0: NN_LANDSCAPE_CHUNK), as the slice computes each point (the fused forward where
 * the CPU runs it). Runs on a copy: net is not changed. */
double nn_landscape_loss(const struct cnn *net, const struct nn_landscape_images *images,
                         int chunk);

/* A range for each axis that holds the points (alpha[k], beta[k]), k < count, and the centre
 * (0, 0): [lo - margin * span, hi + margin * span] of the points' [lo, hi] (0 included); with
 * `symmetric`, [-R, R] with R = (1 + margin) * max |coordinate| (so an odd grid has the centre
 * on a point). An axis on which every point is 0 gets [-1, 1]. */
void nn_landscape_fit_range(const double *alpha, const double *beta, int count, double margin,
                            bool symmetric, double arange[2], double brange[2]);

#endif

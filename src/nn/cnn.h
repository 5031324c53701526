/* cnn.h: the model `small`: conv(1->8,3x3,pad 1)-ReLU-maxpool-conv(8->16,3x3,pad 1)-ReLU-maxpool-
 * dense(784->10), with optional batch norm after each conv, dropout and a hidden dense layer. */
#ifndef OPTISCOPE_NN_CNN_H
#define OPTISCOPE_NN_CNN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/layers.h"
#include "nn/tensor.h"
#include "sim/util.h"

/* What to build; zero means default where a default exists (see cnn_config_defaults). */
struct cnn_config {
    int in_c, in_h, in_w;   /* input image (1, 28, 28); in_h and in_w multiples of 4 */
    int classes;            /* 10 */
    bool batchnorm;         /* BatchNorm2d after each conv, before its ReLU */
    float dropout;          /* inverted dropout before each dense layer, 0 for none */
    int hidden;             /* a hidden dense layer of this width with ReLU, 0 for none */
    int batch;              /* the largest batch forward will see */
};

/* Known models: "small" (the only one so far). Fills the defaults for it. */
bool cnn_config_for_model(const char *name, struct cnn_config *out, char *err, size_t errlen);
const char *const *cnn_model_names(size_t *count);

/* The network: one allocation for parameters, one for their gradients (same layout, so the
 * optimizer steps them as one vector), one for running statistics, one for activations. */
struct cnn {
    struct cnn_config cfg;     /* as built */
    struct nn_group pl;        /* parameter layout (also the gradients') */
    float *params;             /* (pl.total) every parameter, one vector */
    float *grads;              /* (pl.total) their gradients */
    size_t nparams;            /* == pl.total: what the optimizer sees (padding included) */
    struct nn_group bl;        /* buffer layout: batch norm running mean and variance */
    float *buffers;            /* (bl.total) */
    struct nn_group al;        /* activation layout for cfg.batch images */
    float *acts;               /* (al.total) */
    int8_t *args;              /* max-pool winners: (B, 8, H/2, W/2) then (B, 16, H/4, W/4) */
    struct util_rng rng;       /* dropout masks */
    struct nn_ctx ctx;         /* time in sgemm (when on) and the worker threads (not owned) */
    /* the last forward, for backward */
    int last_b;                /* its batch size */
    bool last_train;           /* whether it ran in training mode */
    const uint8_t *last_y;     /* its labels (B) */

    /* views into params (p_*) and grads (g_*); NULL where the layer is absent */
    float *p_conv1_w, *p_conv1_b, *p_bn1_w, *p_bn1_b;    /* (8, C, 3, 3) (8) (8) (8) */
    float *p_conv2_w, *p_conv2_b, *p_bn2_w, *p_bn2_b;    /* (16, 8, 3, 3) (16) (16) (16) */
    float *p_fc1_w, *p_fc1_b;                            /* (hidden, F) (hidden) */
    float *p_out_w, *p_out_b;                            /* (classes, F or hidden) (classes) */
    float *g_conv1_w, *g_conv1_b, *g_bn1_w, *g_bn1_b;
    float *g_conv2_w, *g_conv2_b, *g_bn2_w, *g_bn2_b;
    float *g_fc1_w, *g_fc1_b;
    float *g_out_w, *g_out_b;
    float *bn1_mean, *bn1_var, *bn2_mean, *bn2_var;      /* running statistics (8) or (16) */
    /* views into acts, for batch B = cfg.batch; H, W the input size, F = 16*(H/4)*(W/4) */
    float *col1;      /* (C*9 + 1, B*H*W) im2col of the input and a row of ones, then
                         weight slots: nn_conv_col_size floats */
    float *c1;        /* (8, B, H, W) conv1 output, batch-normed in place; later its gradient */
    float *xhat1;     /* (8, B*H*W) batch norm's normalized input */
    float *invstd1;   /* (8) */
    float *p1;        /* (B, 8, H/2, W/2) after ReLU and pool */
    float *dp1;       /* (B, 8, H/2, W/2) its gradient */
    float *col2;      /* (72 + 1, B*H/2*W/2) im2col of p1 and ones, then weight slots;
                         its first 72 rows later hold the gradient of the im2col */
    float *c2;        /* (16, B, H/2, W/2) conv2 output; later its gradient */
    float *xhat2;     /* (16, B*H/2*W/2) */
    float *invstd2;   /* (16) */
    float *p2;        /* (B, F) after ReLU and pool: the flattened features (NCHW order) */
    float *dp2;       /* (B, F) */
    float *d0;        /* (B, F) features after dropout */
    float *mask0;     /* (B, F) dropout factors */
    float *h1;        /* (B, hidden) hidden layer after ReLU */
    float *dh1;       /* (B, hidden) */
    float *d1;        /* (B, hidden) after dropout */
    float *mask1;     /* (B, hidden) */
    float *logits;    /* (B, classes) */
    float *probs;     /* (B, classes) */
    float *dlogits;   /* (B, classes) */
};

struct cnn *cnn_create(const struct cnn_config *cfg);
void cnn_destroy(struct cnn *net);   /* accepts NULL */

/* PyTorch-like initialization: weights and biases uniform in +-1/sqrt(fan_in) (torch's
 * kaiming_uniform_(a=sqrt(5)) and bias default), batch norm weight 1, bias 0, running mean 0,
 * variance 1. Seeds the dropout generator from the same seed. */
void cnn_init(struct cnn *net, uint64_t seed);

/* Runs the batch x (B, C, H, W) with labels y (B); returns the mean cross-entropy and counts
 * the correct predictions in *correct (may be NULL). B <= cfg.batch. */
double cnn_forward(struct cnn *net, const float *x, const uint8_t *y, int B, bool train,
                   int *correct);
/* The same forward in evaluation mode only, fused and vectorized (cnn_eval.c: each conv block
 * one pass per image, no im2col, AVX2/FMA over output channels): about 3x cnn_forward's speed
 * for the loss landscape. Writes *loss (the mean cross-entropy) and *correct (may be NULL) and
 * returns true; returns false, writing nothing, where it cannot run (no AVX2 and FMA on this
 * CPU, or in_c != 1): call cnn_forward then. Agrees with cnn_forward(train=false) to float
 * rounding (within 1e-6 on the mean loss). Leaves nothing for cnn_backward. */
bool cnn_forward_eval_fast(struct cnn *net, const float *x, const uint8_t *y, int B,
                           double *loss, int *correct);
/* Gradients of the last (training) forward's mean loss into net->grads (overwritten). */
void cnn_backward(struct cnn *net);

/* The penalty l1 * sum|w| + l2 * sum w^2 over weights (not biases nor batch norm), and when
 * add_grad its gradient added to net->grads (d|w|/dw = 0 at 0, as torch's sign). */
double cnn_penalty(struct cnn *net, double l1, double l2, bool add_grad);

/* The proximal step of l1 * sum|w| (soft-thresholding, the ISTA step): every weight w_j (the
 * tensors cnn_penalty acts on) moves t_j = threshold * scale[j] towards 0 and stops at exactly
 * 0: w_j = sign(w_j) * max(|w_j| - t_j, 0). scale (nparams) may be NULL: 1 everywhere. The
 * trainer's proximal L1 calls it after each optimizer step with threshold l1 and scale the
 * step's learning rate per parameter in the optimizer's metric (optim_metric_lr: lr for sgd,
 * so the threshold is lr * l1). */
void cnn_prox_l1(struct cnn *net, double threshold, const float *scale);

/* Copies parameters, running statistics and the dropout generator (same config). */
void cnn_copy_state(struct cnn *dst, const struct cnn *src);

/* Saves the parameters and running statistics: a text header naming the model and each
 * tensor's shape, then little-endian float32 data. Written to FILE.tmp and renamed. */
bool cnn_save(const struct cnn *net, const char *path, char *err, size_t errlen);
/* Loads a file written by cnn_save into a network of the same configuration. */
bool cnn_load(struct cnn *net, const char *path, char *err, size_t errlen);

#endif

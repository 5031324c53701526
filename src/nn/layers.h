/* layers.h: the CNN's layers, each a forward/backward pair on caller memory (llm.c-style):
 * conv2d (im2col + sgemm, and a naive reference), ReLU, 2x2 max-pool, dense (sgemm, and naive),
 * inverted dropout, batch normalization, softmax cross-entropy. */
#ifndef OPTISCOPE_NN_LAYERS_H
#define OPTISCOPE_NN_LAYERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/tensor.h"
#include "sim/util.h"

/* Layouts. Images and everything between blocks are NCHW. A convolution writes its output
 * channel-major, (OC, B, OH, OW), because one sgemm over the whole batch produces exactly that;
 * batch norm and ReLU work on it in place of layout, and the max-pool reads it and writes NCHW
 * again, so the transpose costs no extra pass. Backward functions overwrite their outputs
 * (gradients are not accumulated). */

/* ======================================================================== conv2d */

/* A stride-1 convolution with k x k kernels and zero padding `pad` on a batch. */
struct nn_conv_shape {
    int B, C, H, W;    /* input (B, C, H, W) */
    int OC, k, pad;    /* output channels, kernel size, padding */
};
int nn_conv_oh(const struct nn_conv_shape *s);   /* H + 2 pad - k + 1 */
int nn_conv_ow(const struct nn_conv_shape *s);   /* W + 2 pad - k + 1 */
/* Scratch for the fast convolution: col (C*k*k + 1, B*OH*OW), im2col plus a row of ones that
 * carries the bias through the sgemm, then NN_MAX_THREADS slots of OC*(C*k*k + 1) floats: the
 * weights with their bias column (forward), each worker's share of their gradient (backward). */
size_t nn_conv_col_size(const struct nn_conv_shape *s);

/* col (C*k*k, B*OH*OW) from in (B, C, H, W): row (c, ky, kx), column (b, oy, ox). */
void nn_im2col(const struct nn_conv_shape *s, float *col, const float *in);
/* din (B, C, H, W) = the sum of col's entries back onto the pixels they were copied from.
 * col is scratch: the entries that fall outside the image may be zeroed. */
void nn_col2im(const struct nn_conv_shape *s, float *din, float *col);

/* out (OC, B, OH, OW) = w (OC, C*k*k) x im2col(in) + b (OC). col is scratch of
 * nn_conv_col_size floats that backward reads again. One sgemm for the batch, bias included;
 * im2col split across ctx's workers. ctx may be NULL (serial, no time account). */
void nn_conv2d_forward(struct nn_ctx *ctx, const struct nn_conv_shape *s, float *out,
                       float *col, const float *in, const float *w, const float *b);
/* dw (OC, C*k*k), db (OC) from dout (OC, B, OH, OW) and the forward's col; din (B, C, H, W)
 * through dcol ((C*k*k, B*OH*OW) scratch; may be col itself) unless din is NULL (the first
 * layer needs none). */
void nn_conv2d_backward(struct nn_ctx *ctx, const struct nn_conv_shape *s, float *din,
                        float *dw, float *db, float *dcol, const float *dout, const float *col,
                        const float *w);
/* The same two by the definition, loop by loop: the reference for the tests. */
void nn_conv2d_forward_naive(const struct nn_conv_shape *s, float *out, const float *in,
                             const float *w, const float *b);
void nn_conv2d_backward_naive(const struct nn_conv_shape *s, float *din, float *dw, float *db,
                              const float *dout, const float *in, const float *w);

/* ======================================================================== ReLU, max-pool */

void nn_relu_forward(float *out, const float *in, size_t n);
/* din = dout where out > 0, else 0 (torch: the gradient at 0 is 0). */
void nn_relu_backward(float *din, const float *dout, const float *out, size_t n);

/* 2x2 max-pool, stride 2, H and W even. in (C, B, H, W) channel-major, out (B, C, H/2, W/2);
 * arg (B, C, H/2, W/2) keeps which of the window's four won (0..3, first maximum as torch).
 * Channels are split across ctx's workers (ctx may be NULL). */
void nn_maxpool2_forward(struct nn_ctx *ctx, float *out, int8_t *arg, const float *in, int C,
                         int B, int H, int W);
/* din (C, B, H, W) from dout (B, C, H/2, W/2): every din entry is written once. */
void nn_maxpool2_backward(struct nn_ctx *ctx, float *din, const float *dout, const int8_t *arg,
                          int C, int B, int H, int W);
/* ReLU then max-pool in one pass (max(relu(x)) = relu(max(x))); arg is -1 where the ReLU
 * clipped the window's maximum, so backward passes no gradient there. */
void nn_relu_maxpool2_forward(struct nn_ctx *ctx, float *out, int8_t *arg, const float *in,
                              int C, int B, int H, int W);
void nn_relu_maxpool2_backward(struct nn_ctx *ctx, float *din, const float *dout,
                               const int8_t *arg, int C, int B, int H, int W);

/* ======================================================================== dense */

/* out (B, O) = in (B, I) x w^T + b, with w (O, I) as torch.nn.Linear keeps it. */
void nn_dense_forward(struct nn_ctx *ctx, float *out, const float *in, const float *w,
                      const float *b, int B, int I, int O);
/* dw (O, I), db (O), and din (B, I) unless NULL, from dout (B, O). */
void nn_dense_backward(struct nn_ctx *ctx, float *din, float *dw, float *db, const float *dout,
                       const float *in, const float *w, int B, int I, int O);
void nn_dense_forward_naive(float *out, const float *in, const float *w, const float *b, int B,
                            int I, int O);
void nn_dense_backward_naive(float *din, float *dw, float *db, const float *dout,
                             const float *in, const float *w, int B, int I, int O);

/* ======================================================================== dropout */

/* Inverted dropout: in training each entry is zeroed with probability p and the rest scaled by
 * 1/(1-p), so evaluation is the identity. mask (n) keeps the factor (0 or 1/(1-p)). */
void nn_dropout_forward(float *out, float *mask, const float *in, size_t n, float p, bool train,
                        struct util_rng *rng);
void nn_dropout_backward(float *din, const float *dout, const float *mask, size_t n, bool train);

/* ======================================================================== batch norm */

/* Per-channel batch normalization on x (C, N) with N values per channel (channel-major conv
 * output: N = B*H*W), as torch.nn.BatchNorm2d: training uses the batch's mean and biased
 * variance and moves run_mean, run_var (unbiased) by `momentum`; evaluation uses the running
 * statistics. xhat (C, N) and invstd (C) are kept for backward (training only). */
struct nn_bn_shape {
    int C;             /* channels */
    int N;             /* values per channel */
    float momentum;    /* torch's default 0.1 */
    float eps;         /* torch's default 1e-5 */
};
void nn_batchnorm_forward(struct nn_ctx *ctx, const struct nn_bn_shape *s, float *out,
                          float *xhat, float *invstd, float *run_mean, float *run_var,
                          const float *in, const float *gamma, const float *beta, bool train);
/* din (C, N), dgamma (C), dbeta (C) from dout (C, N); training-mode forward only. Both split
 * channels across ctx's workers (ctx may be NULL). */
void nn_batchnorm_backward(struct nn_ctx *ctx, const struct nn_bn_shape *s, float *din,
                           float *dgamma, float *dbeta, const float *dout, const float *xhat,
                           const float *invstd, const float *gamma);

/* ======================================================================== loss */

/* probs (B, K) = softmax(logits (B, K)); returns the mean cross-entropy against labels (B)
 * and counts the argmax hits in *correct (may be NULL). */
double nn_softmax_ce_forward(float *probs, const float *logits, const uint8_t *labels, int B,
                             int K, int *correct);
/* dlogits (B, K) = (probs - onehot(labels)) / B: the gradient of the mean loss. */
void nn_softmax_ce_backward(float *dlogits, const float *probs, const uint8_t *labels, int B,
                            int K);

#endif

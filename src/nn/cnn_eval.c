/* cnn_eval.c: the model's forward in evaluation mode only, fused for speed (the loss
 * landscape runs hundreds of them): each conv block (convolution, batch norm folded into a
 * per-channel scale and shift, ReLU, 2x2 max-pool) is one pass per image with no im2col,
 * vectorized over output channels with AVX2 and FMA (8 lanes: conv1's 8 channels, conv2's 16
 * in two), on zero-padded channel-last planes that stay in L1. cnn_forward is its reference
 * (test_landscape compares them). */
#include "nn/cnn.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_PATH 1
#else
#define HAVE_AVX2_PATH 0
#endif

/* Batch norm in evaluation mode and the conv bias as one affine map per channel:
 * y = conv * scale + shift (no batch norm: scale 1, shift the bias). */
static void fold_affine(const float *bias, const float *gamma, const float *beta,
                        const float *mean, const float *var, int C, float *scale, float *shift)
{
    for (int c = 0; c < C; c++) {
        if (gamma) {
            float s = gamma[c] / sqrtf(var[c] + 1e-5f);
            scale[c] = s;
            shift[c] = (bias[c] - mean[c]) * s + beta[c];
        } else {
            scale[c] = 1.0f;
            shift[c] = bias[c];
        }
    }
}

#if HAVE_AVX2_PATH

/* conv1 (1 -> 8, 3x3, pad 1) + affine + ReLU + max-pool of one image: pad (H+2, W+2) holds
 * the image with a zero border; p1 (H/2+2, W/2+2, 8) gets the pooled channels in its interior
 * (its border stays 0: conv2's padding). w1t (9, 8): tap-major weights. */
__attribute__((target("avx2,fma")))
static void conv1_block(const float *pad, int H, int W, const float *w1t, const float *scale,
                        const float *shift, float *p1)
{
    int PW = W + 2, QW = W / 2 + 2;
    __m256 s = _mm256_loadu_ps(scale), t = _mm256_loadu_ps(shift), zero = _mm256_setzero_ps();
    __m256 w[9];
    for (int k = 0; k < 9; k++) {
        w[k] = _mm256_loadu_ps(w1t + 8 * k);
    }
    for (int py = 0; py < H / 2; py++) {
        for (int px = 0; px < W / 2; px++) {
            /* the pool window's four pixels (2py + dy, 2px + dx) */
            __m256 a00 = zero, a01 = zero, a10 = zero, a11 = zero;
            const float *r = pad + (size_t)(2 * py) * PW + 2 * px;
            for (int ky = 0; ky < 3; ky++) {
                for (int kx = 0; kx < 3; kx++) {
                    const float *q = r + ky * PW + kx;
                    __m256 wk = w[ky * 3 + kx];
                    a00 = _mm256_fmadd_ps(_mm256_broadcast_ss(q), wk, a00);
                    a01 = _mm256_fmadd_ps(_mm256_broadcast_ss(q + 1), wk, a01);
                    a10 = _mm256_fmadd_ps(_mm256_broadcast_ss(q + PW), wk, a10);
                    a11 = _mm256_fmadd_ps(_mm256_broadcast_ss(q + PW + 1), wk, a11);
                }
            }
            __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_fmadd_ps(a00, s, t),
                                                   _mm256_fmadd_ps(a01, s, t)),
                                     _mm256_max_ps(_mm256_fmadd_ps(a10, s, t),
                                                   _mm256_fmadd_ps(a11, s, t)));
            _mm256_storeu_ps(p1 + ((size_t)(py + 1) * QW + px + 1) * 8, _mm256_max_ps(m, zero));
        }
    }
}

/* conv2 (8 -> 16, 3x3, pad 1) + affine + ReLU + max-pool of one image: from p1 (H2+2, W2+2, 8)
 * to feat (16, H2/2, W2/2) (NCHW: the dense layer's order). w2t (9, 8, 16): tap, input channel,
 * output channel. */
__attribute__((target("avx2,fma")))
static void conv2_block(const float *p1, int H2, int W2, const float *w2t, const float *scale,
                        const float *shift, float *feat)
{
    int QW = W2 + 2, H4 = H2 / 2, W4 = W2 / 2;
    size_t row = (size_t)QW * 8;
    __m256 s0 = _mm256_loadu_ps(scale), s1 = _mm256_loadu_ps(scale + 8);
    __m256 t0 = _mm256_loadu_ps(shift), t1 = _mm256_loadu_ps(shift + 8);
    __m256 zero = _mm256_setzero_ps();
    for (int py = 0; py < H4; py++) {
        for (int px = 0; px < W4; px++) {
            /* four pixels of the pool window, two vectors of 8 output channels each */
            __m256 a00 = zero, b00 = zero, a01 = zero, b01 = zero;
            __m256 a10 = zero, b10 = zero, a11 = zero, b11 = zero;
            const float *r = p1 + (size_t)(2 * py) * row + (size_t)(2 * px) * 8;
            for (int ky = 0; ky < 3; ky++) {
                for (int kx = 0; kx < 3; kx++) {
                    const float *q = r + ky * row + kx * 8;
                    const float *wk = w2t + (size_t)(ky * 3 + kx) * 8 * 16;
                    for (int c = 0; c < 8; c++) {
                        __m256 w0 = _mm256_loadu_ps(wk + 16 * c);
                        __m256 w1 = _mm256_loadu_ps(wk + 16 * c + 8);
                        __m256 i00 = _mm256_broadcast_ss(q + c);
                        __m256 i01 = _mm256_broadcast_ss(q + 8 + c);
                        __m256 i10 = _mm256_broadcast_ss(q + row + c);
                        __m256 i11 = _mm256_broadcast_ss(q + row + 8 + c);
                        a00 = _mm256_fmadd_ps(i00, w0, a00);
                        b00 = _mm256_fmadd_ps(i00, w1, b00);
                        a01 = _mm256_fmadd_ps(i01, w0, a01);
                        b01 = _mm256_fmadd_ps(i01, w1, b01);
                        a10 = _mm256_fmadd_ps(i10, w0, a10);
                        b10 = _mm256_fmadd_ps(i10, w1, b10);
                        a11 = _mm256_fmadd_ps(i11, w0, a11);
                        b11 = _mm256_fmadd_ps(i11, w1, b11);
                    }
                }
            }
            __m256 ma = _mm256_max_ps(_mm256_max_ps(_mm256_fmadd_ps(a00, s0, t0),
                                                    _mm256_fmadd_ps(a01, s0, t0)),
                                      _mm256_max_ps(_mm256_fmadd_ps(a10, s0, t0),
                                                    _mm256_fmadd_ps(a11, s0, t0)));
            __m256 mb = _mm256_max_ps(_mm256_max_ps(_mm256_fmadd_ps(b00, s1, t1),
                                                    _mm256_fmadd_ps(b01, s1, t1)),
                                      _mm256_max_ps(_mm256_fmadd_ps(b10, s1, t1),
                                                    _mm256_fmadd_ps(b11, s1, t1)));
            float out[16];
            _mm256_storeu_ps(out, _mm256_max_ps(ma, zero));
            _mm256_storeu_ps(out + 8, _mm256_max_ps(mb, zero));
            size_t plane = (size_t)H4 * W4, at = (size_t)py * W4 + px;
            for (int oc = 0; oc < 16; oc++) {
                feat[oc * plane + at] = out[oc];
            }
        }
    }
}

static bool have_avx2(void)
{
    static atomic_int known = -1;   /* racing threads compute the same answer */
    int k = atomic_load(&known);
    if (k < 0) {
        __builtin_cpu_init();
        k = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        atomic_store(&known, k);
    }
    return k;
}

#endif

bool cnn_forward_eval_fast(struct cnn *net, const float *x, const uint8_t *y, int B,
                           double *loss, int *correct)
{
#if HAVE_AVX2_PATH
    const struct cnn_config *cfg = &net->cfg;
    if (!have_avx2() || cfg->in_c != 1 || B < 1 || B > cfg->batch) {
        return false;
    }
    int H = cfg->in_h, W = cfg->in_w, H2 = H / 2, W2 = W / 2;
    int F = 16 * (H / 4) * (W / 4);
    /* the weights, tap-major, and the folded affine maps */
    float w1t[9 * 8], w2t[9 * 8 * 16], sc1[8], sh1[8], sc2[16], sh2[16];
    for (int oc = 0; oc < 8; oc++) {
        for (int k = 0; k < 9; k++) {
            w1t[k * 8 + oc] = net->p_conv1_w[oc * 9 + k];
        }
    }
    for (int oc = 0; oc < 16; oc++) {
        for (int c = 0; c < 8; c++) {
            for (int k = 0; k < 9; k++) {
                w2t[(k * 8 + c) * 16 + oc] = net->p_conv2_w[(oc * 8 + c) * 9 + k];
            }
        }
    }
    fold_affine(net->p_conv1_b, net->p_bn1_w, net->p_bn1_b, net->bn1_mean, net->bn1_var, 8,
                sc1, sh1);
    fold_affine(net->p_conv2_b, net->p_bn2_w, net->p_bn2_b, net->bn2_mean, net->bn2_var, 16,
                sc2, sh2);
    /* per-image scratch in col1 (at least 10 H W floats a batch image): the padded image,
     * then the padded pooled conv1 output */
    size_t npad = (size_t)(H + 2) * (W + 2), np1 = (size_t)(H2 + 2) * (W2 + 2) * 8;
    float *pad = net->col1, *p1 = net->col1 + npad;
    memset(pad, 0, npad * sizeof(float));
    memset(p1, 0, np1 * sizeof(float));
    for (int b = 0; b < B; b++) {
        const float *img = x + (size_t)b * H * W;
        for (int r = 0; r < H; r++) {
            memcpy(pad + (size_t)(r + 1) * (W + 2) + 1, img + (size_t)r * W,
                   (size_t)W * sizeof(float));
        }
        conv1_block(pad, H, W, w1t, sc1, sh1, p1);
        conv2_block(p1, H2, W2, w2t, sc2, sh2, net->p2 + (size_t)b * F);
    }
    /* dropout is the identity in evaluation; the dense layers as cnn_forward runs them */
    if (cfg->hidden) {
        int Hd = cfg->hidden;
        nn_dense_forward(NULL, net->h1, net->p2, net->p_fc1_w, net->p_fc1_b, B, F, Hd);
        nn_relu_forward(net->h1, net->h1, (size_t)B * Hd);
        nn_dense_forward(NULL, net->logits, net->h1, net->p_out_w, net->p_out_b, B, Hd,
                         cfg->classes);
    } else {
        nn_dense_forward(NULL, net->logits, net->p2, net->p_out_w, net->p_out_b, B, F,
                         cfg->classes);
    }
    net->last_b = 0;   /* nothing for backward */
    net->last_train = false;
    *loss = nn_softmax_ce_forward(net->probs, net->logits, y, B, cfg->classes, correct);
    return true;
#else
    (void)net;
    (void)x;
    (void)y;
    (void)B;
    (void)loss;
    (void)correct;
    return false;
#endif
}

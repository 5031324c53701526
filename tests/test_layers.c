/* test_layers.c: every layer's backward against finite differences, the im2col+sgemm convolution
 * and the sgemm dense layer against their naive references, pooling ties, dropout scaling,
 * batch norm in training and evaluation, and softmax cross-entropy. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/layers.h"

/* ======================================================================== helpers */

static struct util_rng rng;

static float *rand_array(size_t n, float lo, float hi)
{
    float *a = nn_alloc(n);
    for (size_t i = 0; i < n; i++) {
        a[i] = lo + (hi - lo) * (float)util_rng_uniform(&rng);
    }
    return a;
}

/* n distinct values spaced 0.05 apart, shuffled, centred on zero: no ties and no kink within
 * a finite-difference step. */
static float *distinct_array(size_t n)
{
    float *a = nn_alloc(n);
    for (size_t i = 0; i < n; i++) {
        a[i] = 0.05f * ((float)i - (float)n / 2.0f) + 0.0123f;
    }
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = util_rng_next(&rng) % (i + 1);
        float t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
    return a;
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += (double)a[i] * b[i];
    }
    return s;
}

static double max_rel_diff(const float *a, const float *b, size_t n, double floor_)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double s = fmax(fmax(fabs(a[i]), fabs(b[i])), floor_);
        double d = fabs((double)a[i] - b[i]) / s;
        worst = d > worst ? d : worst;
    }
    return worst;
}

/* ======================================================================== conv2d */

struct conv_case {
    const struct nn_conv_shape *s;
    float *in, *w, *b, *out, *r;   /* r: the upstream gradient, L = sum(out * r) */
};

static double conv_loss(struct conv_case *c)
{
    nn_conv2d_forward_naive(c->s, c->out, c->in, c->w, c->b);
    size_t no = (size_t)c->s->OC * c->s->B * nn_conv_oh(c->s) * nn_conv_ow(c->s);
    return dot(c->out, c->r, no);
}

/* Central difference of L in x[i]; L is linear in every conv input, so h can be large. */
static double fd(double (*loss)(void *), void *ctx, float *x, size_t i, float h)
{
    float keep = x[i];
    x[i] = keep + h;
    double lp = loss(ctx);
    x[i] = keep - h;
    double lm = loss(ctx);
    x[i] = keep;
    return (lp - lm) / (2.0 * (double)h);
}

static double conv_loss_v(void *ctx)
{
    return conv_loss(ctx);
}

static void test_conv(int B, int C, int H, int W, int OC, int k, int pad)
{
    struct nn_conv_shape s = {B, C, H, W, OC, k, pad};
    int OH = nn_conv_oh(&s), OW = nn_conv_ow(&s);
    size_t nin = (size_t)B * C * H * W, nw = (size_t)OC * C * k * k;
    size_t nout = (size_t)OC * B * OH * OW;
    float *in = rand_array(nin, -1, 1), *w = rand_array(nw, -1, 1), *b = rand_array(OC, -1, 1);
    float *out_fast = nn_alloc(nout), *out_naive = nn_alloc(nout);
    float *col = nn_alloc(nn_conv_col_size(&s)), *dcol = nn_alloc(nn_conv_col_size(&s));
    struct nn_ctx prof = {true, 0, 0, NULL};

    nn_conv2d_forward(&prof, &s, out_fast, col, in, w, b);
    nn_conv2d_forward_naive(&s, out_naive, in, w, b);
    CHECK(max_rel_diff(out_fast, out_naive, nout, 1.0) < 1e-5);
    CHECK(prof.sgemm_calls == 1);

    /* a hand-computed pixel: output (oc=0, b=B-1, 0, 0) */
    double acc = b[0];
    for (int c = 0; c < C; c++) {
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                int iy = ky - pad, ix = kx - pad;
                if (iy >= 0 && ix >= 0 && iy < H && ix < W) {
                    acc += (double)w[(c * k + ky) * k + kx] *
                           in[(((size_t)(B - 1) * C + c) * H + iy) * W + ix];
                }
            }
        }
    }
    CHECK_NEAR(out_naive[(size_t)(B - 1) * OH * OW], acc, 1e-5);

    float *r = rand_array(nout, -1, 1);
    float *din_f = nn_alloc(nin), *dw_f = nn_alloc(nw), *db_f = nn_alloc(OC);
    float *din_n = nn_alloc(nin), *dw_n = nn_alloc(nw), *db_n = nn_alloc(OC);
    nn_conv2d_backward(&prof, &s, din_f, dw_f, db_f, dcol, r, col, w);
    nn_conv2d_backward_naive(&s, din_n, dw_n, db_n, r, in, w);
    CHECK(max_rel_diff(din_f, din_n, nin, 1.0) < 1e-5);
    CHECK(max_rel_diff(dw_f, dw_n, nw, 1.0) < 1e-4);   /* sums of B*OH*OW terms */
    CHECK(max_rel_diff(db_f, db_n, OC, 1.0) < 1e-4);
    /* split across three workers: the same gradients up to rounding (each worker's sgemm
     * blocks its columns its own way), and the same numbers on every run */
    struct nn_pool *pool = nn_pool_create(3);
    struct nn_ctx pctx = {false, 0, 0, pool};
    float *out_p = nn_alloc(nout), *din_p = nn_alloc(nin), *dw_p = nn_alloc(nw);
    float *db_p = nn_alloc(OC), *dw_q = nn_alloc(nw);
    nn_conv2d_forward(&pctx, &s, out_p, col, in, w, b);
    CHECK(max_rel_diff(out_p, out_fast, nout, 1.0) < 1e-5);
    nn_conv2d_backward(&pctx, &s, din_p, dw_p, db_p, dcol, r, col, w);
    CHECK(max_rel_diff(din_p, din_f, nin, 1.0) < 1e-6);
    CHECK(max_rel_diff(dw_p, dw_f, nw, 1.0) < 1e-4);
    CHECK(max_rel_diff(db_p, db_f, OC, 1.0) < 1e-4);
    nn_conv2d_forward(&pctx, &s, out_p, col, in, w, b);
    nn_conv2d_backward(&pctx, &s, din_p, dw_q, db_p, dcol, r, col, w);
    CHECK(memcmp(dw_p, dw_q, nw * sizeof(float)) == 0);
    nn_free(dw_q);
    nn_pool_destroy(pool);
    nn_free(out_p);
    nn_free(din_p);
    nn_free(dw_p);
    nn_free(db_p);
    /* without din (the first layer): dw and db still right */
    float *dw_2 = nn_alloc(nw), *db_2 = nn_alloc(OC);
    nn_conv2d_backward(&prof, &s, NULL, dw_2, db_2, NULL, r, col, w);
    CHECK(max_rel_diff(dw_2, dw_f, nw, 1.0) < 1e-6);
    /* dcol may overwrite col (the model does this): the same gradients */
    float *din_3 = nn_alloc(nin);
    nn_conv2d_backward(&prof, &s, din_3, dw_2, db_2, col, r, col, w);
    CHECK(max_rel_diff(din_3, din_f, nin, 1.0) < 1e-6);
    CHECK(max_rel_diff(dw_2, dw_f, nw, 1.0) < 1e-6);

    /* the naive backward against finite differences of the naive forward */
    struct conv_case cc = {&s, in, w, b, out_naive, r};
    double worst = 0.0;
    for (int t = 0; t < 12; t++) {
        size_t iw = util_rng_next(&rng) % nw, ii = util_rng_next(&rng) % nin;
        size_t ib = util_rng_next(&rng) % OC;
        worst = fmax(worst, fabs(fd(conv_loss_v, &cc, w, iw, 0.05f) - dw_n[iw]));
        worst = fmax(worst, fabs(fd(conv_loss_v, &cc, in, ii, 0.05f) - din_n[ii]));
        worst = fmax(worst, fabs(fd(conv_loss_v, &cc, b, ib, 0.05f) - db_n[ib]));
    }
    CHECK(worst < 2e-3 * (1.0 + sqrt((double)nout)));

    float *bufs[] = {in, w, b, out_fast, out_naive, col, dcol, r, din_f, dw_f, db_f,
                     din_n, dw_n, db_n, dw_2, db_2, din_3};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        nn_free(bufs[i]);
    }
}

/* im2col then col2im multiplies each pixel by the number of windows that see it. */
static void test_im2col_adjoint(void)
{
    struct nn_conv_shape s = {2, 3, 5, 6, 4, 3, 1};
    size_t nin = 2 * 3 * 5 * 6, ncol = (size_t)3 * 9 * 2 * 5 * 6;   /* (C*k*k, B*OH*OW) */
    CHECK(nn_conv_col_size(&s) == ncol + 2 * 5 * 6 + NN_MAX_THREADS * 4 * 28);   /* + ones */
    float *x = rand_array(nin, -1, 1), *y = rand_array(ncol, -1, 1);
    float *cx = nn_alloc(ncol), *ty = nn_alloc(nin);
    nn_im2col(&s, cx, x);
    nn_col2im(&s, ty, y);
    /* <im2col x, y> == <x, col2im y>: col2im is im2col's transpose */
    CHECK_NEAR(dot(cx, y, ncol), dot(x, ty, nin), 1e-4);
    /* the corner pixel (0,0) is seen by 4 windows of a 3x3 pad-1 conv, an inner one by 9 */
    float *ones = nn_alloc(ncol), *cnt = nn_alloc(nin);
    nn_fill(ones, ncol, 1.0f);
    nn_col2im(&s, cnt, ones);
    CHECK_NEAR(cnt[0], 4.0, 0);
    CHECK_NEAR(cnt[1 * 6 + 1], 9.0, 0);
    nn_free(x);
    nn_free(y);
    nn_free(cx);
    nn_free(ty);
    nn_free(ones);
    nn_free(cnt);
}

/* ======================================================================== ReLU, pool */

static void test_relu(void)
{
    float in[6] = {-2, -0.0f, 0, 0.5f, 3, -1e-7f}, out[6], dout[6] = {1, 2, 3, 4, 5, 6}, din[6];
    nn_relu_forward(out, in, 6);
    CHECK(out[0] == 0 && out[2] == 0 && out[3] == 0.5f && out[4] == 3 && out[5] == 0);
    nn_relu_backward(din, dout, out, 6);
    CHECK(din[0] == 0 && din[1] == 0 && din[2] == 0 && din[3] == 4 && din[4] == 5 && din[5] == 0);
}

struct pool_case {
    int C, B, H, W;
    float *in, *out, *r;
    int8_t *arg;
    bool relu;
};

static double pool_loss(void *ctx)
{
    struct pool_case *p = ctx;
    if (p->relu) {
        nn_relu_maxpool2_forward(NULL, p->out, p->arg, p->in, p->C, p->B, p->H, p->W);
    } else {
        nn_maxpool2_forward(NULL, p->out, p->arg, p->in, p->C, p->B, p->H, p->W);
    }
    return dot(p->out, p->r, (size_t)p->C * p->B * p->H * p->W / 4);
}

static void test_pool(void)
{
    /* ties go to the first maximum in row-major order, as torch */
    float in[16] = {1, 1, 5, 2,  1, 1, 5, 5,  0, 3, -1, -2,  3, 3, -3, -1};   /* (1,1,4,4) */
    float out[4], din[16], dout[4] = {10, 20, 30, 40};
    int8_t arg[4];
    nn_maxpool2_forward(NULL, out, arg, in, 1, 1, 4, 4);
    CHECK(out[0] == 1 && out[1] == 5 && out[2] == 3 && out[3] == -1);
    CHECK(arg[0] == 0 && arg[1] == 0 && arg[2] == 1 && arg[3] == 0);
    nn_maxpool2_backward(NULL, din, dout, arg, 1, 1, 4, 4);
    CHECK(din[0] == 10 && din[1] == 0 && din[4] == 0 && din[5] == 0);
    CHECK(din[2] == 20 && din[3] == 0 && din[6] == 0 && din[7] == 0);
    CHECK(din[9] == 30 && din[12] == 0 && din[13] == 0);
    CHECK(din[10] == 40 && din[11] == 0 && din[15] == 0);
    /* the fused version clips at zero and passes no gradient where it clipped */
    nn_relu_maxpool2_forward(NULL, out, arg, in, 1, 1, 4, 4);
    CHECK(out[3] == 0 && arg[3] == -1 && out[1] == 5);
    nn_relu_maxpool2_backward(NULL, din, dout, arg, 1, 1, 4, 4);
    CHECK(din[11] == 0 && din[15] == 0 && din[10] == 0 && din[14] == 0 && din[2] == 20);

    /* channel-major in, NCHW out, on sizes with a SIMD body and a scalar tail (W/2 = 7, 14) */
    int sizes[2][2] = {{14, 14}, {28, 28}};
    for (int si = 0; si < 2; si++) {
        for (int relu = 0; relu < 2; relu++) {
            int C = 3, B = 2, H = sizes[si][0], W = sizes[si][1];
            size_t n = (size_t)C * B * H * W, no = n / 4;
            struct pool_case pc = {C, B, H, W, distinct_array(n), nn_alloc(no),
                                   rand_array(no, -1, 1), xmalloc(no), relu != 0};
            pool_loss(&pc);
            /* each output against a direct scan of its window */
            bool all = true;
            for (int c = 0; c < C; c++) {
                for (int b = 0; b < B; b++) {
                    for (int py = 0; py < H / 2; py++) {
                        for (int px = 0; px < W / 2; px++) {
                            const float *pl = pc.in + ((size_t)c * B + b) * H * W;
                            float m = -INFINITY;
                            for (int dy = 0; dy < 2; dy++) {
                                for (int dx = 0; dx < 2; dx++) {
                                    m = fmaxf(m, pl[(2 * py + dy) * W + 2 * px + dx]);
                                }
                            }
                            if (relu) {
                                m = fmaxf(m, 0.0f);
                            }
                            size_t o = (((size_t)b * C + c) * (H / 2) + py) * (W / 2) + px;
                            all = all && pc.out[o] == m;
                        }
                    }
                }
            }
            CHECK(all);
            float *dn = nn_alloc(n);
            if (relu) {
                nn_relu_maxpool2_backward(NULL, dn, pc.r, pc.arg, C, B, H, W);
            } else {
                nn_maxpool2_backward(NULL, dn, pc.r, pc.arg, C, B, H, W);
            }
            double worst = 0.0;
            for (size_t i = 0; i < n; i += 7) {
                worst = fmax(worst, fabs(fd(pool_loss, &pc, pc.in, i, 1e-3f) - dn[i]));
            }
            CHECK(worst < 1e-3);
            /* by channel across two workers: identical */
            struct nn_pool *pool = nn_pool_create(2);
            struct nn_ctx pctx = {false, 0, 0, pool};
            float *out2 = nn_alloc(no), *dn2 = nn_alloc(n);
            int8_t *arg2 = xmalloc(no);
            if (relu) {
                nn_relu_maxpool2_forward(&pctx, out2, arg2, pc.in, C, B, H, W);
                nn_relu_maxpool2_backward(&pctx, dn2, pc.r, arg2, C, B, H, W);
            } else {
                nn_maxpool2_forward(&pctx, out2, arg2, pc.in, C, B, H, W);
                nn_maxpool2_backward(&pctx, dn2, pc.r, arg2, C, B, H, W);
            }
            pool_loss(&pc);
            CHECK(memcmp(out2, pc.out, no * sizeof(float)) == 0);
            CHECK(memcmp(arg2, pc.arg, no) == 0 && memcmp(dn2, dn, n * sizeof(float)) == 0);
            nn_pool_destroy(pool);
            nn_free(out2);
            nn_free(dn2);
            free(arg2);
            nn_free(dn);
            nn_free(pc.in);
            nn_free(pc.out);
            nn_free(pc.r);
            free(pc.arg);
        }
    }
}

/* ======================================================================== dense */

struct dense_case {
    int B, I, O;
    float *in, *w, *b, *out, *r;
};

static double dense_loss(void *ctx)
{
    struct dense_case *d = ctx;
    nn_dense_forward_naive(d->out, d->in, d->w, d->b, d->B, d->I, d->O);
    return dot(d->out, d->r, (size_t)d->B * d->O);
}

static void test_dense(int B, int I, int O)
{
    size_t nin = (size_t)B * I, nw = (size_t)O * I, nout = (size_t)B * O;
    struct dense_case d = {B, I, O, rand_array(nin, -1, 1), rand_array(nw, -1, 1),
                           rand_array(O, -1, 1), nn_alloc(nout), rand_array(nout, -1, 1)};
    float *fast = nn_alloc(nout);
    nn_dense_forward(NULL, fast, d.in, d.w, d.b, B, I, O);
    dense_loss(&d);
    CHECK(max_rel_diff(fast, d.out, nout, 1.0) < 1e-5);
    /* out[0][0] by hand */
    double acc = d.b[0];
    for (int i = 0; i < I; i++) {
        acc += (double)d.in[i] * d.w[i];
    }
    CHECK_NEAR(d.out[0], acc, 1e-5);

    float *din_f = nn_alloc(nin), *dw_f = nn_alloc(nw), *db_f = nn_alloc(O);
    float *din_n = nn_alloc(nin), *dw_n = nn_alloc(nw), *db_n = nn_alloc(O);
    nn_dense_backward(NULL, din_f, dw_f, db_f, d.r, d.in, d.w, B, I, O);
    nn_dense_backward_naive(din_n, dw_n, db_n, d.r, d.in, d.w, B, I, O);
    CHECK(max_rel_diff(din_f, din_n, nin, 1.0) < 1e-5);
    CHECK(max_rel_diff(dw_f, dw_n, nw, 1.0) < 1e-4);   /* sums of B*OH*OW terms */
    CHECK(max_rel_diff(db_f, db_n, O, 1.0) < 1e-5);
    double worst = 0.0;
    for (int t = 0; t < 10; t++) {
        size_t iw = util_rng_next(&rng) % nw, ii = util_rng_next(&rng) % nin;
        size_t ib = util_rng_next(&rng) % O;
        worst = fmax(worst, fabs(fd(dense_loss, &d, d.w, iw, 0.05f) - dw_n[iw]));
        worst = fmax(worst, fabs(fd(dense_loss, &d, d.in, ii, 0.05f) - din_n[ii]));
        worst = fmax(worst, fabs(fd(dense_loss, &d, d.b, ib, 0.05f) - db_n[ib]));
    }
    CHECK(worst < 2e-3 * (1.0 + sqrt((double)nout)));
    float *bufs[] = {d.in, d.w, d.b, d.out, d.r, fast, din_f, dw_f, db_f, din_n, dw_n, db_n};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        nn_free(bufs[i]);
    }
}

/* ======================================================================== dropout */

static void test_dropout(void)
{
    size_t n = 100000;
    float *in = rand_array(n, 0.5f, 1.5f), *out = nn_alloc(n), *mask = nn_alloc(n);
    float p = 0.3f;
    struct util_rng r1;
    util_rng_seed(&r1, 5);
    nn_dropout_forward(out, mask, in, n, p, true, &r1);
    size_t zeros = 0;
    bool scaled = true;
    for (size_t i = 0; i < n; i++) {
        if (out[i] == 0.0f) {
            zeros++;
            scaled = scaled && mask[i] == 0.0f;
        } else {
            scaled = scaled && fabsf(out[i] - in[i] / (1.0f - p)) < 1e-6f;
        }
    }
    CHECK(scaled);
    CHECK_NEAR((double)zeros / n, p, 0.01);
    /* inverted: the expectation is kept, so evaluation needs no rescaling */
    double s_in = 0, s_out = 0;
    for (size_t i = 0; i < n; i++) {
        s_in += in[i];
        s_out += out[i];
    }
    CHECK_REL(s_out, s_in, 0.01, 1.0);
    /* backward multiplies by the same mask */
    float *dout = rand_array(n, -1, 1), *din = nn_alloc(n);
    nn_dropout_backward(din, dout, mask, n, true);
    bool same = true;
    for (size_t i = 0; i < n; i++) {
        same = same && din[i] == dout[i] * mask[i];
    }
    CHECK(same);
    /* the same seed gives the same mask */
    float *mask2 = nn_alloc(n);
    util_rng_seed(&r1, 5);
    nn_dropout_forward(out, mask2, in, n, p, true, &r1);
    CHECK(memcmp(mask, mask2, n * sizeof(float)) == 0);
    /* evaluation is the identity, and so is its backward */
    nn_dropout_forward(out, NULL, in, n, p, false, &r1);
    CHECK(memcmp(out, in, n * sizeof(float)) == 0);
    nn_dropout_backward(din, dout, NULL, n, false);
    CHECK(memcmp(din, dout, n * sizeof(float)) == 0);
    float *bufs[] = {in, out, mask, dout, din, mask2};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        nn_free(bufs[i]);
    }
}

/* ======================================================================== batch norm */

struct bn_case {
    struct nn_bn_shape s;
    float *in, *gamma, *beta, *out, *xhat, *invstd, *rm, *rv, *r;
};

static double bn_loss(void *ctx)
{
    struct bn_case *c = ctx;
    /* running statistics are side effects: keep them out of the finite differences */
    float rm[8], rv[8];
    memcpy(rm, c->rm, (size_t)c->s.C * sizeof(float));
    memcpy(rv, c->rv, (size_t)c->s.C * sizeof(float));
    nn_batchnorm_forward(NULL, &c->s, c->out, c->xhat, c->invstd, rm, rv, c->in, c->gamma,
                         c->beta, true);
    return dot(c->out, c->r, (size_t)c->s.C * c->s.N);
}

static void test_batchnorm(void)
{
    int C = 3, N = 50;
    size_t n = (size_t)C * N;
    struct bn_case c = {{C, N, 0.1f, 1e-5f}, rand_array(n, -2, 3), rand_array(C, 0.5f, 1.5f),
                        rand_array(C, -1, 1), nn_alloc(n), nn_alloc(n), nn_alloc(C),
                        nn_alloc(C), nn_alloc(C), rand_array(n, -1, 1)};
    nn_fill(c.rm, C, 0.0f);
    nn_fill(c.rv, C, 1.0f);
    nn_batchnorm_forward(NULL, &c.s, c.out, c.xhat, c.invstd, c.rm, c.rv, c.in, c.gamma, c.beta,
                         true);
    for (int ch = 0; ch < C; ch++) {
        double mean = 0, var = 0, om = 0, ov = 0;
        for (int i = 0; i < N; i++) {
            mean += c.in[ch * N + i];
            om += c.out[ch * N + i];
        }
        mean /= N;
        om /= N;
        for (int i = 0; i < N; i++) {
            double d = c.in[ch * N + i] - mean, e = c.out[ch * N + i] - om;
            var += d * d;
            ov += e * e;
        }
        /* the output has mean beta and standard deviation gamma (biased, as torch uses) */
        CHECK_NEAR(om, c.beta[ch], 1e-5);
        CHECK_NEAR(sqrt(ov / N), c.gamma[ch] * sqrt(var / N / (var / N + 1e-5)), 1e-4);
        /* running statistics: torch's momentum update with the unbiased variance */
        CHECK_NEAR(c.rm[ch], 0.1 * mean, 1e-6);
        CHECK_NEAR(c.rv[ch], 0.9 + 0.1 * var / (N - 1), 1e-5);
    }
    /* evaluation uses the running statistics: (x - rm) / sqrt(rv + eps) * gamma + beta */
    float *ev = nn_alloc(n);
    nn_batchnorm_forward(NULL, &c.s, ev, NULL, NULL, c.rm, c.rv, c.in, c.gamma, c.beta,
                         false);
    double want = (c.in[N + 7] - c.rm[1]) / sqrt(c.rv[1] + 1e-5) * c.gamma[1] + c.beta[1];
    CHECK_NEAR(ev[N + 7], want, 1e-5);
    float rm_keep = c.rm[1];
    nn_batchnorm_forward(NULL, &c.s, ev, NULL, NULL, c.rm, c.rv, c.in, c.gamma, c.beta,
                         false);
    CHECK(c.rm[1] == rm_keep);   /* evaluation leaves the statistics alone */

    /* backward against finite differences (x, gamma, beta) */
    bn_loss(&c);
    float *din = nn_alloc(n), *dg = nn_alloc(C), *dbeta = nn_alloc(C);
    nn_batchnorm_backward(NULL, &c.s, din, dg, dbeta, c.r, c.xhat, c.invstd, c.gamma);
    double worst = 0.0;
    for (size_t i = 0; i < n; i += 5) {
        worst = fmax(worst, fabs(fd(bn_loss, &c, c.in, i, 1e-2f) - din[i]));
    }
    for (int ch = 0; ch < C; ch++) {
        worst = fmax(worst, fabs(fd(bn_loss, &c, c.gamma, ch, 1e-2f) - dg[ch]));
        worst = fmax(worst, fabs(fd(bn_loss, &c, c.beta, ch, 1e-2f) - dbeta[ch]));
    }
    CHECK(worst < 5e-3);
    /* in place, as the model runs it: the same gradient */
    float *dio = nn_alloc(n);
    memcpy(dio, c.r, n * sizeof(float));
    nn_batchnorm_backward(NULL, &c.s, dio, dg, dbeta, dio, c.xhat, c.invstd, c.gamma);
    CHECK(max_rel_diff(dio, din, n, 1e-3) < 1e-6);
    /* channels split across two workers: identical (each channel is on its own) */
    struct nn_pool *pool = nn_pool_create(2);
    struct nn_ctx pctx = {false, 0, 0, pool};
    float *dpar = nn_alloc(n), *dgp = nn_alloc(C), *dbp = nn_alloc(C);
    nn_batchnorm_backward(&pctx, &c.s, dpar, dgp, dbp, c.r, c.xhat, c.invstd, c.gamma);
    CHECK(memcmp(dpar, din, n * sizeof(float)) == 0 && memcmp(dgp, dg, C * sizeof(float)) == 0);
    float *opar = nn_alloc(n), *oser = nn_alloc(n);
    nn_batchnorm_forward(NULL, &c.s, oser, NULL, NULL, c.rm, c.rv, c.in, c.gamma, c.beta, false);
    nn_batchnorm_forward(&pctx, &c.s, opar, NULL, NULL, c.rm, c.rv, c.in, c.gamma, c.beta, false);
    CHECK(memcmp(opar, oser, n * sizeof(float)) == 0);
    nn_pool_destroy(pool);
    nn_free(dpar);
    nn_free(dgp);
    nn_free(dbp);
    nn_free(opar);
    nn_free(oser);
    float *bufs[] = {c.in, c.gamma, c.beta, c.out, c.xhat, c.invstd, c.rm, c.rv, c.r, ev, din,
                     dg, dbeta, dio};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        nn_free(bufs[i]);
    }
}

/* ======================================================================== softmax CE */

struct ce_case {
    int B, K;
    float *z, *p;
    uint8_t *y;
};

static double ce_loss(void *ctx)
{
    struct ce_case *c = ctx;
    return nn_softmax_ce_forward(c->p, c->z, c->y, c->B, c->K, NULL);
}

static void test_softmax_ce(void)
{
    float z[6] = {1, 2, 3, 0, 0, 0}, p[6], dz[6];
    uint8_t y[2] = {2, 1};
    int correct;
    double loss = nn_softmax_ce_forward(p, z, y, 2, 3, &correct);
    double want0 = log(exp(1) + exp(2) + exp(3)) - 3, want1 = log(3.0);
    CHECK_NEAR(loss, (want0 + want1) / 2, 1e-6);
    CHECK(correct == 1);   /* row 0 right; row 1 a three-way tie, argmax 0 */
    CHECK_NEAR(p[0] + p[1] + p[2], 1.0, 1e-6);
    /* huge logits stay finite */
    float big[3] = {1000, -1000, 0}, pb[3];
    uint8_t yb = 1;
    double lb = nn_softmax_ce_forward(pb, big, &yb, 1, 3, NULL);
    CHECK(isfinite(lb));
    CHECK_NEAR(lb, 2000.0, 1e-3);

    int B = 4, K = 10;
    struct ce_case c = {B, K, rand_array((size_t)B * K, -3, 3), nn_alloc((size_t)B * K),
                        xmalloc((size_t)B)};
    for (int i = 0; i < B; i++) {
        c.y[i] = (uint8_t)(util_rng_next(&rng) % K);
    }
    ce_loss(&c);
    float *g = nn_alloc((size_t)B * K);
    nn_softmax_ce_backward(g, c.p, c.y, B, K);
    double worst = 0.0;
    for (int i = 0; i < B * K; i++) {
        worst = fmax(worst, fabs(fd(ce_loss, &c, c.z, (size_t)i, 1e-2f) - g[i]));
    }
    CHECK(worst < 1e-4);
    nn_softmax_ce_backward(dz, p, y, 2, 3);
    CHECK_NEAR(dz[2], (p[2] - 1) / 2, 1e-7);
    nn_free(c.z);
    nn_free(c.p);
    free(c.y);
    nn_free(g);
}

int main(void)
{
    nn_set_threads(1);   /* our own workers only (and ThreadSanitizer sees OpenBLAS's none) */
    util_rng_seed(&rng, 42);
    test_conv(2, 1, 6, 5, 3, 3, 1);
    test_conv(3, 4, 7, 7, 5, 3, 1);
    test_conv(2, 2, 6, 8, 3, 3, 0);
    test_conv(2, 2, 5, 5, 3, 3, 2);      /* output larger than the input */
    test_conv(1, 3, 9, 9, 2, 5, 2);
    test_conv(4, 8, 14, 14, 16, 3, 1);   /* the model's second layer, small batch */
    test_im2col_adjoint();
    test_relu();
    test_pool();
    test_dense(5, 13, 7);
    test_dense(64, 784, 10);
    test_dropout();
    test_batchnorm();
    test_softmax_ce();
    return check_done("layers");
}

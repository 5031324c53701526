/* layers.c: forward and backward of every CNN layer on caller memory; the fast convolution and
 * dense layers go through one sgemm per batch, the naive ones stay as references for tests. */
#include "nn/layers.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ======================================================================== conv2d */

int nn_conv_oh(const struct nn_conv_shape *s)
{
    return s->H + 2 * s->pad - s->k + 1;
}

int nn_conv_ow(const struct nn_conv_shape *s)
{
    return s->W + 2 * s->pad - s->k + 1;
}

size_t nn_conv_col_size(const struct nn_conv_shape *s)
{
    size_t K = (size_t)s->C * s->k * s->k, N = (size_t)s->B * nn_conv_oh(s) * nn_conv_ow(s);
    return (K + 1) * N + (size_t)NN_MAX_THREADS * s->OC * (K + 1);
}

/* The output columns [lo, hi) whose input column ox - pad + kx lies inside the image. */
static void valid_range(int kx, int pad, int W, int OW, int *lo, int *hi)
{
    *lo = pad - kx > 0 ? pad - kx : 0;
    *hi = W + pad - kx < OW ? W + pad - kx : OW;
    if (*hi < *lo) {
        *hi = *lo;
    }
}

static void im2col_rows(const struct nn_conv_shape *s, float *col, const float *in, int b0,
                        int b1)
{
    int OH = nn_conv_oh(s), OW = nn_conv_ow(s), k = s->k;
    size_t N = (size_t)s->B * OH * OW;   /* columns of col */
    /* Image by image, so the image's planes stay in L1 while its 9*C strips are written. */
    for (int b = b0; b < b1; b++) {
        for (int c = 0; c < s->C; c++) {
            const float *plane = in + ((size_t)b * s->C + c) * s->H * s->W;   /* (H, W) */
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    size_t row = ((size_t)c * k + ky) * k + kx;
                    float *dst = col + row * N + (size_t)b * OH * OW;   /* (OH, OW) */
                    int lo, hi;
                    valid_range(kx, s->pad, s->W, OW, &lo, &hi);
                    for (int oy = 0; oy < OH; oy++, dst += OW) {
                        int iy = oy - s->pad + ky;
                        if (iy < 0 || iy >= s->H) {
                            memset(dst, 0, (size_t)OW * sizeof(float));
                            continue;
                        }
                        const float *src = plane + (size_t)iy * s->W - s->pad + kx;
                        for (int ox = 0; ox < lo; ox++) {
                            dst[ox] = 0.0f;
                        }
                        for (int ox = lo; ox < hi; ox++) {
                            dst[ox] = src[ox];   /* short rows: a loop beats memcpy's call */
                        }
                        for (int ox = hi; ox < OW; ox++) {
                            dst[ox] = 0.0f;
                        }
                    }
                }
            }
        }
    }
}

static void col2im_rows(const struct nn_conv_shape *s, float *din, const float *col, int b0,
                        int b1)
{
    int OH = nn_conv_oh(s), OW = nn_conv_ow(s), k = s->k;
    size_t N = (size_t)s->B * OH * OW;
    for (int b = b0; b < b1; b++) {
        for (int c = 0; c < s->C; c++) {
            float *plane = din + ((size_t)b * s->C + c) * s->H * s->W;   /* (H, W) */
            memset(plane, 0, (size_t)s->H * s->W * sizeof(float));
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    size_t row = ((size_t)c * k + ky) * k + kx;
                    const float *src = col + row * N + (size_t)b * OH * OW;
                    int lo, hi;
                    valid_range(kx, s->pad, s->W, OW, &lo, &hi);
                    for (int oy = 0; oy < OH; oy++, src += OW) {
                        int iy = oy - s->pad + ky;
                        if (iy < 0 || iy >= s->H) {
                            continue;
                        }
                        float *dst = plane + (size_t)iy * s->W - s->pad + kx;
                        for (int ox = lo; ox < hi; ox++) {
                            dst[ox] += src[ox];
                        }
                    }
                }
            }
        }
    }
}

/* "Same" convolutions (output as large as the input: 2 pad = k - 1, the model's) see each
 * image plane as one flat array: the strip for kernel tap (ky, kx) is the plane shifted by
 * d = (ky - pad) W + (kx - pad), with zeros where the shift leaves the plane or wraps a row.
 * One long copy per strip instead of a short one per row. */
static bool same_size(const struct nn_conv_shape *s)
{
    return nn_conv_oh(s) == s->H && nn_conv_ow(s) == s->W;
}

static void im2col_same(const struct nn_conv_shape *s, float *col, const float *in, int b0,
                        int b1)
{
    int H = s->H, W = s->W, k = s->k, P = H * W;
    size_t N = (size_t)s->B * P;
    for (int b = b0; b < b1; b++) {
        for (int c = 0; c < s->C; c++) {
            const float *plane = in + ((size_t)b * s->C + c) * P;   /* (H, W) */
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    int dy = ky - s->pad, dx = kx - s->pad, d = dy * W + dx;
                    float *dst = col + (((size_t)c * k + ky) * k + kx) * N + (size_t)b * P;
                    /* rows oy whose source row oy + dy exists: [y0, y1), trimmed so that
                     * j + d stays inside the plane (what is cut would wrap anyway) */
                    int y0 = dy < 0 ? -dy : 0, y1 = dy > 0 ? H - dy : H;
                    int j0 = y0 * W + (dx < 0 ? -dx : 0), j1 = y1 * W - (dx > 0 ? dx : 0);
                    for (int j = 0; j < j0; j++) {
                        dst[j] = 0.0f;
                    }
                    for (int j = j0; j < j1; j++) {
                        dst[j] = plane[j + d];
                    }
                    for (int j = j1; j < P; j++) {
                        dst[j] = 0.0f;
                    }
                    /* the columns whose source column ox + dx is off the row wrapped: zero */
                    for (int x = 0; x < (dx < 0 ? -dx : dx); x++) {
                        int ox = dx < 0 ? x : W - 1 - x;
                        for (int oy = y0; oy < y1; oy++) {
                            dst[oy * W + ox] = 0.0f;
                        }
                    }
                }
            }
        }
    }
}

static void col2im_same(const struct nn_conv_shape *s, float *din, float *col, int b0, int b1)
{
    int H = s->H, W = s->W, k = s->k, P = H * W;
    size_t N = (size_t)s->B * P;
    for (int b = b0; b < b1; b++) {
        for (int c = 0; c < s->C; c++) {
            float *plane = din + ((size_t)b * s->C + c) * P;   /* (H, W) */
            /* the centre tap covers every pixel once: it sets the plane, the others add */
            const float *centre = col + (((size_t)c * k + s->pad) * k + s->pad) * N +
                                  (size_t)b * P;
            memcpy(plane, centre, (size_t)P * sizeof(float));
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    if (ky == s->pad && kx == s->pad) {
                        continue;
                    }
                    int dy = ky - s->pad, dx = kx - s->pad, d = dy * W + dx;
                    float *src = col + (((size_t)c * k + ky) * k + kx) * N + (size_t)b * P;
                    int y0 = dy < 0 ? -dy : 0, y1 = dy > 0 ? H - dy : H;
                    /* entries whose column wraps onto the next or previous row belong to no
                     * pixel: zero them, then one flat add does the rest */
                    for (int x = 0; x < (dx < 0 ? -dx : dx); x++) {
                        int ox = dx < 0 ? x : W - 1 - x;
                        for (int oy = y0; oy < y1; oy++) {
                            src[oy * W + ox] = 0.0f;
                        }
                    }
                    /* trimmed so that j + d stays inside the plane (what is cut wraps) */
                    int j0 = y0 * W + (dx < 0 ? -dx : 0), j1 = y1 * W - (dx > 0 ? dx : 0);
                    float *dst = plane + d;
                    for (int j = j0; j < j1; j++) {
                        dst[j] += src[j];
                    }
                }
            }
        }
    }
}

static void im2col_range(const struct nn_conv_shape *s, float *col, const float *in, int b0,
                         int b1)
{
    if (same_size(s) && s->k <= 7) {
        im2col_same(s, col, in, b0, b1);
    } else {
        im2col_rows(s, col, in, b0, b1);
    }
}

static void col2im_range(const struct nn_conv_shape *s, float *din, float *col, int b0, int b1)
{
    if (same_size(s) && s->k <= 7) {
        col2im_same(s, din, col, b0, b1);
    } else {
        col2im_rows(s, din, col, b0, b1);
    }
}

void nn_im2col(const struct nn_conv_shape *s, float *col, const float *in)
{
    im2col_range(s, col, in, 0, s->B);
}

void nn_col2im(const struct nn_conv_shape *s, float *din, float *col)
{
    col2im_range(s, din, col, 0, s->B);
}

/* The fast convolution's work for images [lo, hi): their im2col strips and their columns of
 * each sgemm, so a worker's images stay in its cache from im2col to output. Only part 0 (the
 * calling thread) accounts its sgemm time. */
struct conv_job {
    struct nn_ctx *ctx;
    const struct nn_conv_shape *s;
    int K, P, N;              /* C*k*k, OH*OW, B*P */
    float *col;               /* (K+1, N) then the scratch tail */
    const float *in;          /* forward: (B, C, H, W) */
    float *out;               /* forward: (OC, N) */
    const float *waug;        /* forward: (OC, K+1) */
    const float *dout;        /* backward: (OC, N) */
    const float *w;           /* backward: (OC, K) */
    float *dcol;              /* backward: (K, N), may be col */
    float *din;               /* backward: (B, C, H, W) or NULL */
};

static void conv_forward_task(void *job, int part, int lo, int hi)
{
    struct conv_job *j = job;
    struct nn_ctx *ctx = part == 0 ? j->ctx : NULL;
    size_t c0 = (size_t)lo * j->P;
    int nc = (hi - lo) * j->P;
    im2col_range(j->s, j->col, j->in, lo, hi);
    nn_fill(j->col + (size_t)j->K * j->N + c0, (size_t)nc, 1.0f);
    nn_sgemm(ctx, false, false, j->s->OC, nc, j->K + 1, 1.0f, j->waug, j->K + 1, j->col + c0,
             j->N, 0.0f, j->out + c0, j->N);
}

void nn_conv2d_forward(struct nn_ctx *ctx, const struct nn_conv_shape *s, float *out,
                       float *col, const float *in, const float *w, const float *b)
{
    int K = s->C * s->k * s->k, P = nn_conv_oh(s) * nn_conv_ow(s), N = s->B * P;
    /* The bias rides in the product: col gets a row of ones and the weights a bias column, so
     * the sgemm adds it and no pass over the output is needed (backward gets db the same way). */
    float *waug = col + (size_t)(K + 1) * N;   /* (OC, K+1) */
    for (int oc = 0; oc < s->OC; oc++) {
        memcpy(waug + (size_t)oc * (K + 1), w + (size_t)oc * K, (size_t)K * sizeof(float));
        waug[(size_t)oc * (K + 1) + K] = b[oc];
    }
    struct conv_job job = {ctx, s, K, P, N, col, in, out, waug, NULL, NULL, NULL, NULL};
    nn_pool_for(ctx ? ctx->pool : NULL, s->B, conv_forward_task, &job);
}

static void conv_backward_task(void *job, int part, int lo, int hi)
{
    struct conv_job *j = job;
    struct nn_ctx *ctx = part == 0 ? j->ctx : NULL;
    int K = j->K, OC = j->s->OC;
    size_t c0 = (size_t)lo * j->P;
    int nc = (hi - lo) * j->P;
    /* this part's [dw | db]^T (K+1, OC) = [col; ones][:, cols] x dout[:, cols]^T, in its slot
     * (transposed: OpenBLAS runs this shape 15-20% faster than (OC, K+1)) */
    float *dwt = j->col + (size_t)(K + 1) * j->N + (size_t)part * OC * (K + 1);
    nn_sgemm(ctx, false, true, K + 1, OC, nc, 1.0f, j->col + c0, j->N, j->dout + c0, j->N, 0.0f,
             dwt, OC);
    if (j->din) {
        /* dcol[:, cols] (K, nc) = w^T (K, OC) x dout[:, cols]; may overwrite this part's columns
         * of col, which it has just finished reading */
        nn_sgemm(ctx, true, false, K, nc, OC, 1.0f, j->w, K, j->dout + c0, j->N, 0.0f,
                 j->dcol + c0, j->N);
        col2im_range(j->s, j->din, j->dcol, lo, hi);
    }
}

void nn_conv2d_backward(struct nn_ctx *ctx, const struct nn_conv_shape *s, float *din,
                        float *dw, float *db, float *dcol, const float *dout, const float *col,
                        const float *w)
{
    int K = s->C * s->k * s->k, P = nn_conv_oh(s) * nn_conv_ow(s), N = s->B * P;
    struct nn_pool *pool = ctx ? ctx->pool : NULL;
    int parts = nn_pool_threads(pool);
    float *slots = (float *)col + (size_t)(K + 1) * N;   /* (parts, K+1, OC) */
    /* a part with no images (B < parts) leaves its slot as it is: zero */
    memset(slots, 0, (size_t)parts * s->OC * (K + 1) * sizeof(float));
    struct conv_job job = {ctx, s, K, P, N, (float *)col, NULL, NULL, NULL, dout, w, dcol, din};
    nn_pool_for(pool, s->B, conv_backward_task, &job);
    /* the parts' sums, added in a fixed order: the same numbers on every run */
    for (int oc = 0; oc < s->OC; oc++) {
        for (int k = 0; k <= K; k++) {
            float acc = 0.0f;
            for (int p = 0; p < parts; p++) {
                acc += slots[((size_t)p * (K + 1) + k) * s->OC + oc];
            }
            if (k < K) {
                dw[(size_t)oc * K + k] = acc;
            } else {
                db[oc] = acc;
            }
        }
    }
}

void nn_conv2d_forward_naive(const struct nn_conv_shape *s, float *out, const float *in,
                             const float *w, const float *b)
{
    int OH = nn_conv_oh(s), OW = nn_conv_ow(s), k = s->k;
    for (int oc = 0; oc < s->OC; oc++) {
        for (int n = 0; n < s->B; n++) {
            for (int oy = 0; oy < OH; oy++) {
                for (int ox = 0; ox < OW; ox++) {
                    double acc = b[oc];
                    for (int c = 0; c < s->C; c++) {
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) {
                                int iy = oy - s->pad + ky, ix = ox - s->pad + kx;
                                if (iy < 0 || iy >= s->H || ix < 0 || ix >= s->W) {
                                    continue;
                                }
                                double x = in[(((size_t)n * s->C + c) * s->H + iy) * s->W + ix];
                                acc += x * w[(((size_t)oc * s->C + c) * k + ky) * k + kx];
                            }
                        }
                    }
                    out[(((size_t)oc * s->B + n) * OH + oy) * OW + ox] = (float)acc;
                }
            }
        }
    }
}

void nn_conv2d_backward_naive(const struct nn_conv_shape *s, float *din, float *dw, float *db,
                              const float *dout, const float *in, const float *w)
{
    int OH = nn_conv_oh(s), OW = nn_conv_ow(s), k = s->k;
    size_t nin = (size_t)s->B * s->C * s->H * s->W;
    size_t nw = (size_t)s->OC * s->C * k * k;
    if (din) {
        memset(din, 0, nin * sizeof(float));
    }
    memset(dw, 0, nw * sizeof(float));
    memset(db, 0, (size_t)s->OC * sizeof(float));
    for (int oc = 0; oc < s->OC; oc++) {
        for (int n = 0; n < s->B; n++) {
            for (int oy = 0; oy < OH; oy++) {
                for (int ox = 0; ox < OW; ox++) {
                    float g = dout[(((size_t)oc * s->B + n) * OH + oy) * OW + ox];
                    db[oc] += g;
                    for (int c = 0; c < s->C; c++) {
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) {
                                int iy = oy - s->pad + ky, ix = ox - s->pad + kx;
                                if (iy < 0 || iy >= s->H || ix < 0 || ix >= s->W) {
                                    continue;
                                }
                                size_t ii = (((size_t)n * s->C + c) * s->H + iy) * s->W + ix;
                                size_t wi = (((size_t)oc * s->C + c) * k + ky) * k + kx;
                                dw[wi] += g * in[ii];
                                if (din) {
                                    din[ii] += g * w[wi];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/* ======================================================================== ReLU, max-pool */

void nn_relu_forward(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = in[i] > 0.0f ? in[i] : 0.0f;
    }
}

void nn_relu_backward(float *din, const float *dout, const float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        din[i] = out[i] > 0.0f ? dout[i] : 0.0f;
    }
}

/* One output pixel by the scalar rule: a tournament of pairs picks the same winner as scanning
 * the window in row-major order with "strictly greater" (torch's first maximum). */
static inline void pool_one(const float *r0, const float *r1, int px, bool relu, float *m_out,
                            int8_t *a_out)
{
    float v0 = r0[2 * px], v1 = r0[2 * px + 1];
    float v2 = r1[2 * px], v3 = r1[2 * px + 1];
    bool t01 = v1 > v0, t23 = v3 > v2;
    float m01 = t01 ? v1 : v0, m23 = t23 ? v3 : v2;
    bool t = m23 > m01;
    float m = t ? m23 : m01;
    int a = t ? 2 + t23 : t01;
    if (relu && !(m > 0.0f)) {
        m = 0.0f;
        a = -1;
    }
    *m_out = m;
    *a_out = (int8_t)a;
}

#ifdef __SSE2__
/* Outputs px..px+3 of a row, with SSE2 (the same tournament as pool_one). */
static inline void pool4(float *po, int8_t *pa, const float *r0, const float *r1, int px,
                         bool relu)
{
    const __m128i one = _mm_set1_epi32(1), two = _mm_set1_epi32(2);
    const __m128i minus1 = _mm_set1_epi32(-1);
    __m128 a0 = _mm_loadu_ps(r0 + 2 * px), a1 = _mm_loadu_ps(r0 + 2 * px + 4);
    __m128 b0 = _mm_loadu_ps(r1 + 2 * px), b1 = _mm_loadu_ps(r1 + 2 * px + 4);
    __m128 v0 = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0));   /* even columns */
    __m128 v1 = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1));   /* odd columns */
    __m128 v2 = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0));
    __m128 v3 = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1));
    __m128 t01 = _mm_cmpgt_ps(v1, v0), t23 = _mm_cmpgt_ps(v3, v2);
    __m128 m01 = _mm_or_ps(_mm_and_ps(t01, v1), _mm_andnot_ps(t01, v0));
    __m128 m23 = _mm_or_ps(_mm_and_ps(t23, v3), _mm_andnot_ps(t23, v2));
    __m128 t = _mm_cmpgt_ps(m23, m01);
    __m128 m = _mm_or_ps(_mm_and_ps(t, m23), _mm_andnot_ps(t, m01));
    __m128i i01 = _mm_and_si128(_mm_castps_si128(t01), one);
    __m128i i23 = _mm_add_epi32(two, _mm_and_si128(_mm_castps_si128(t23), one));
    __m128i ti = _mm_castps_si128(t);
    __m128i a = _mm_or_si128(_mm_and_si128(ti, i23), _mm_andnot_si128(ti, i01));
    if (relu) {
        __m128 pos = _mm_cmpgt_ps(m, _mm_setzero_ps());
        m = _mm_and_ps(pos, m);
        __m128i pi = _mm_castps_si128(pos);
        a = _mm_or_si128(_mm_and_si128(pi, a), _mm_andnot_si128(pi, minus1));
    }
    _mm_storeu_ps(po + px, m);
    __m128i packed = _mm_packs_epi16(_mm_packs_epi32(a, a), _mm_setzero_si128());
    int32_t four = _mm_cvtsi128_si32(packed);
    memcpy(pa + px, &four, 4);
}
#endif

/* One row of PW outputs from the input rows r0, r1 (2*PW each); four at a time with SSE2, the
 * last four overlapping the ones before when PW is not a multiple of 4 (same values again). */
static void pool_row(float *po, int8_t *pa, const float *r0, const float *r1, int PW, bool relu)
{
    int px = 0;
#ifdef __SSE2__
    for (; px + 4 <= PW; px += 4) {
        pool4(po, pa, r0, r1, px, relu);
    }
    if (px < PW && PW >= 4) {
        pool4(po, pa, r0, r1, PW - 4, relu);
        px = PW;
    }
#endif
    for (; px < PW; px++) {
        pool_one(r0, r1, px, relu, &po[px], &pa[px]);
    }
}

#ifdef __SSE2__
static inline void unpool4(float *r0, float *r1, const float *g, const int8_t *pa, int px)
{
    int32_t four;
    memcpy(&four, pa + px, 4);
    __m128i a8 = _mm_cvtsi32_si128(four);
    __m128i a16 = _mm_srai_epi16(_mm_unpacklo_epi8(a8, a8), 8);
    __m128i a = _mm_srai_epi32(_mm_unpacklo_epi16(a16, a16), 16);   /* sign-extended */
    __m128 gv = _mm_loadu_ps(g + px);
    __m128 e0 = _mm_and_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(a, _mm_set1_epi32(0))), gv);
    __m128 e1 = _mm_and_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(a, _mm_set1_epi32(1))), gv);
    __m128 e2 = _mm_and_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(a, _mm_set1_epi32(2))), gv);
    __m128 e3 = _mm_and_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(a, _mm_set1_epi32(3))), gv);
    _mm_storeu_ps(r0 + 2 * px, _mm_unpacklo_ps(e0, e1));
    _mm_storeu_ps(r0 + 2 * px + 4, _mm_unpackhi_ps(e0, e1));
    _mm_storeu_ps(r1 + 2 * px, _mm_unpacklo_ps(e2, e3));
    _mm_storeu_ps(r1 + 2 * px + 4, _mm_unpackhi_ps(e2, e3));
}
#endif

/* The gradient of one output row back onto its two input rows (every entry written; the last
 * four overlap as in pool_row). */
static void unpool_row(float *r0, float *r1, const float *g, const int8_t *pa, int PW)
{
    int px = 0;
#ifdef __SSE2__
    for (; px + 4 <= PW; px += 4) {
        unpool4(r0, r1, g, pa, px);
    }
    if (px < PW && PW >= 4) {
        unpool4(r0, r1, g, pa, PW - 4);
        px = PW;
    }
#endif
    for (; px < PW; px++) {
        int a = pa[px];
        r0[2 * px] = a == 0 ? g[px] : 0.0f;
        r0[2 * px + 1] = a == 1 ? g[px] : 0.0f;
        r1[2 * px] = a == 2 ? g[px] : 0.0f;
        r1[2 * px + 1] = a == 3 ? g[px] : 0.0f;
    }
}

/* Channels [c0, c1) of a pool; relu says whether to clip at zero. */
static void pool_forward(float *out, int8_t *arg, const float *in, int C, int B, int H, int W,
                         bool relu, int c0, int c1)
{
    assert(H % 2 == 0 && W % 2 == 0);
    int PH = H / 2, PW = W / 2;
    for (int c = c0; c < c1; c++) {
        for (int b = 0; b < B; b++) {
            const float *plane = in + ((size_t)c * B + b) * H * W;       /* (H, W) */
            size_t o = ((size_t)b * C + c) * PH * PW;                     /* (PH, PW) */
            for (int py = 0; py < PH; py++, o += PW) {
                const float *r0 = plane + (size_t)(2 * py) * W;
                pool_row(out + o, arg + o, r0, r0 + W, PW, relu);
            }
        }
    }
}

static void pool_backward(float *din, const float *dout, const int8_t *arg, int C, int B, int H,
                          int W, int c0, int c1)
{
    assert(H % 2 == 0 && W % 2 == 0);
    int PH = H / 2, PW = W / 2;
    for (int c = c0; c < c1; c++) {
        for (int b = 0; b < B; b++) {
            float *plane = din + ((size_t)c * B + b) * H * W;
            size_t o = ((size_t)b * C + c) * PH * PW;
            for (int py = 0; py < PH; py++, o += PW) {
                float *r0 = plane + (size_t)(2 * py) * W;
                unpool_row(r0, r0 + W, dout + o, arg + o, PW);
            }
        }
    }
}

/* A pool split across workers by channel. */
struct pool_job {
    float *out, *din;          /* forward: out; backward: din */
    const float *in, *dout;
    int8_t *arg;
    int C, B, H, W;
    bool relu;
};

static void pool_forward_task(void *job, int part, int lo, int hi)
{
    (void)part;
    struct pool_job *j = job;
    pool_forward(j->out, j->arg, j->in, j->C, j->B, j->H, j->W, j->relu, lo, hi);
}

static void pool_backward_task(void *job, int part, int lo, int hi)
{
    (void)part;
    struct pool_job *j = job;
    pool_backward(j->din, j->dout, j->arg, j->C, j->B, j->H, j->W, lo, hi);
}

static void run_pool_forward(struct nn_ctx *ctx, float *out, int8_t *arg, const float *in,
                             int C, int B, int H, int W, bool relu)
{
    struct pool_job j = {out, NULL, in, NULL, arg, C, B, H, W, relu};
    nn_pool_for(ctx ? ctx->pool : NULL, C, pool_forward_task, &j);
}

static void run_pool_backward(struct nn_ctx *ctx, float *din, const float *dout,
                              const int8_t *arg, int C, int B, int H, int W)
{
    struct pool_job j = {NULL, din, NULL, dout, (int8_t *)arg, C, B, H, W, false};
    nn_pool_for(ctx ? ctx->pool : NULL, C, pool_backward_task, &j);
}

void nn_maxpool2_forward(struct nn_ctx *ctx, float *out, int8_t *arg, const float *in, int C,
                         int B, int H, int W)
{
    run_pool_forward(ctx, out, arg, in, C, B, H, W, false);
}

void nn_maxpool2_backward(struct nn_ctx *ctx, float *din, const float *dout, const int8_t *arg,
                          int C, int B, int H, int W)
{
    run_pool_backward(ctx, din, dout, arg, C, B, H, W);
}

void nn_relu_maxpool2_forward(struct nn_ctx *ctx, float *out, int8_t *arg, const float *in,
                              int C, int B, int H, int W)
{
    run_pool_forward(ctx, out, arg, in, C, B, H, W, true);
}

void nn_relu_maxpool2_backward(struct nn_ctx *ctx, float *din, const float *dout,
                               const int8_t *arg, int C, int B, int H, int W)
{
    run_pool_backward(ctx, din, dout, arg, C, B, H, W);   /* arg -1 matches no position */
}

/* ======================================================================== dense */

void nn_dense_forward(struct nn_ctx *ctx, float *out, const float *in, const float *w,
                      const float *b, int B, int I, int O)
{
    for (int n = 0; n < B; n++) {
        memcpy(out + (size_t)n * O, b, (size_t)O * sizeof(float));
    }
    nn_sgemm(ctx, false, true, B, O, I, 1.0f, in, I, w, I, 1.0f, out, O);
}

void nn_dense_backward(struct nn_ctx *ctx, float *din, float *dw, float *db, const float *dout,
                       const float *in, const float *w, int B, int I, int O)
{
    for (int o = 0; o < O; o++) {
        float acc = 0.0f;
        for (int n = 0; n < B; n++) {
            acc += dout[(size_t)n * O + o];
        }
        db[o] = acc;
    }
    /* dw (O, I) = dout^T (O, B) x in (B, I) */
    nn_sgemm(ctx, true, false, O, I, B, 1.0f, dout, O, in, I, 0.0f, dw, I);
    if (din) {
        /* din (B, I) = dout (B, O) x w (O, I) */
        nn_sgemm(ctx, false, false, B, I, O, 1.0f, dout, O, w, I, 0.0f, din, I);
    }
}

void nn_dense_forward_naive(float *out, const float *in, const float *w, const float *b, int B,
                            int I, int O)
{
    for (int n = 0; n < B; n++) {
        for (int o = 0; o < O; o++) {
            double acc = b[o];
            for (int i = 0; i < I; i++) {
                acc += (double)in[(size_t)n * I + i] * w[(size_t)o * I + i];
            }
            out[(size_t)n * O + o] = (float)acc;
        }
    }
}

void nn_dense_backward_naive(float *din, float *dw, float *db, const float *dout,
                             const float *in, const float *w, int B, int I, int O)
{
    for (int o = 0; o < O; o++) {
        double acc = 0.0;
        for (int n = 0; n < B; n++) {
            acc += dout[(size_t)n * O + o];
        }
        db[o] = (float)acc;
        for (int i = 0; i < I; i++) {
            double a = 0.0;
            for (int n = 0; n < B; n++) {
                a += (double)dout[(size_t)n * O + o] * in[(size_t)n * I + i];
            }
            dw[(size_t)o * I + i] = (float)a;
        }
    }
    if (din) {
        for (int n = 0; n < B; n++) {
            for (int i = 0; i < I; i++) {
                double a = 0.0;
                for (int o = 0; o < O; o++) {
                    a += (double)dout[(size_t)n * O + o] * w[(size_t)o * I + i];
                }
                din[(size_t)n * I + i] = (float)a;
            }
        }
    }
}

/* ======================================================================== dropout */

void nn_dropout_forward(float *out, float *mask, const float *in, size_t n, float p, bool train,
                        struct util_rng *rng)
{
    if (!train || p <= 0.0f) {
        if (out != in) {
            memmove(out, in, n * sizeof(float));
        }
        return;
    }
    float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
    for (size_t i = 0; i < n; i++) {
        mask[i] = util_rng_uniform(rng) < (double)p ? 0.0f : scale;
        out[i] = in[i] * mask[i];
    }
}

void nn_dropout_backward(float *din, const float *dout, const float *mask, size_t n, bool train)
{
    if (!train || !mask) {
        if (din != dout) {
            memmove(din, dout, n * sizeof(float));
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        din[i] = dout[i] * mask[i];
    }
}

/* ======================================================================== batch norm */

/* Sums in double with eight lanes, so the compiler can vectorize what one accumulator would
 * serialize: sum x[i] (y == NULL), sum (x[i] - shift)^2 (y == NULL, square), or sum x[i] y[i]. */
static double lane_sum(const float *x, const float *y, size_t n, double shift, bool square)
{
    double acc[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int l = 0; l < 8; l++) {
            double v = (double)x[i + l] - shift;
            acc[l] += square ? v * v : y ? v * y[i + l] : v;
        }
    }
    double total = 0.0;
    for (; i < n; i++) {
        double v = (double)x[i] - shift;
        total += square ? v * v : y ? v * y[i] : v;
    }
    for (int l = 0; l < 8; l++) {
        total += acc[l];
    }
    return total;
}

struct bn_job {
    const struct nn_bn_shape *s;
    float *out, *xhat, *invstd, *run_mean, *run_var, *din, *dgamma, *dbeta;
    const float *in, *gamma, *beta, *dout;
    bool train;
};

static void bn_forward_task(void *job, int part, int c0, int c1)
{
    (void)part;
    struct bn_job *j = job;
    const struct nn_bn_shape *s = j->s;
    size_t N = (size_t)s->N;
    for (int c = c0; c < c1; c++) {
        const float *x = j->in + (size_t)c * N;
        float *y = j->out + (size_t)c * N;
        if (!j->train) {
            float is = 1.0f / sqrtf(j->run_var[c] + s->eps);
            float scale = j->gamma[c] * is, shift = j->beta[c] - j->run_mean[c] * scale;
            for (size_t i = 0; i < N; i++) {
                y[i] = x[i] * scale + shift;
            }
            continue;
        }
        /* Two passes in double: the mean, then the variance about it (no cancellation). */
        double mean = lane_sum(x, NULL, N, 0.0, false) / (double)N;
        double ss = lane_sum(x, NULL, N, mean, true);
        double var = ss / (double)N;
        float is = (float)(1.0 / sqrt(var + s->eps));
        j->invstd[c] = is;
        float *xh = j->xhat + (size_t)c * N;
        float m = (float)mean, g = j->gamma[c], bt = j->beta[c];
        for (size_t i = 0; i < N; i++) {
            xh[i] = (x[i] - m) * is;
            y[i] = g * xh[i] + bt;
        }
        double unbiased = N > 1 ? ss / (double)(N - 1) : var;
        j->run_mean[c] = (float)((1.0 - s->momentum) * j->run_mean[c] + s->momentum * mean);
        j->run_var[c] = (float)((1.0 - s->momentum) * j->run_var[c] + s->momentum * unbiased);
    }
}

void nn_batchnorm_forward(struct nn_ctx *ctx, const struct nn_bn_shape *s, float *out,
                          float *xhat, float *invstd, float *run_mean, float *run_var,
                          const float *in, const float *gamma, const float *beta, bool train)
{
    struct bn_job j = {s, out, xhat, invstd, run_mean, run_var, NULL, NULL, NULL,
                       in, gamma, beta, NULL, train};
    nn_pool_for(ctx ? ctx->pool : NULL, s->C, bn_forward_task, &j);
}

static void bn_backward_task(void *job, int part, int c0, int c1)
{
    (void)part;
    struct bn_job *j = job;
    size_t N = (size_t)j->s->N;
    for (int c = c0; c < c1; c++) {
        const float *dy = j->dout + (size_t)c * N;
        const float *xh = j->xhat + (size_t)c * N;
        double sdy = lane_sum(dy, NULL, N, 0.0, false);
        double sdyx = lane_sum(dy, xh, N, 0.0, false);
        j->dgamma[c] = (float)sdyx;
        j->dbeta[c] = (float)sdy;
        /* dx = gamma * invstd / N * (N dy - sum dy - xhat * sum(dy xhat)) */
        float k = j->gamma[c] * j->invstd[c] / (float)N;
        float a = (float)sdy, g = (float)sdyx, n = (float)N;
        float *dx = j->din + (size_t)c * N;
        for (size_t i = 0; i < N; i++) {
            dx[i] = k * (n * dy[i] - a - xh[i] * g);
        }
    }
}

void nn_batchnorm_backward(struct nn_ctx *ctx, const struct nn_bn_shape *s, float *din,
                           float *dgamma, float *dbeta, const float *dout, const float *xhat,
                           const float *invstd, const float *gamma)
{
    struct bn_job j = {s, NULL, (float *)xhat, (float *)invstd, NULL, NULL, din, dgamma, dbeta,
                       NULL, gamma, NULL, dout, true};
    nn_pool_for(ctx ? ctx->pool : NULL, s->C, bn_backward_task, &j);
}

/* ======================================================================== loss */

double nn_softmax_ce_forward(float *probs, const float *logits, const uint8_t *labels, int B,
                             int K, int *correct)
{
    double loss = 0.0;
    int hits = 0;
    for (int n = 0; n < B; n++) {
        const float *z = logits + (size_t)n * K;
        float *p = probs + (size_t)n * K;
        float zmax = z[0];
        int best = 0;
        for (int j = 1; j < K; j++) {
            if (z[j] > zmax) {
                zmax = z[j];
                best = j;
            }
        }
        double sum = 0.0;
        for (int j = 0; j < K; j++) {
            p[j] = expf(z[j] - zmax);
            sum += p[j];
        }
        float inv = (float)(1.0 / sum);
        for (int j = 0; j < K; j++) {
            p[j] *= inv;
        }
        /* -log softmax = log(sum) - (z - zmax), exact even where p underflows */
        loss += log(sum) - (double)(z[labels[n]] - zmax);
        hits += best == labels[n];
    }
    if (correct) {
        *correct = hits;
    }
    return loss / B;
}

void nn_softmax_ce_backward(float *dlogits, const float *probs, const uint8_t *labels, int B,
                            int K)
{
    float inv = 1.0f / (float)B;
    for (int n = 0; n < B; n++) {
        for (int j = 0; j < K; j++) {
            float t = j == labels[n] ? 1.0f : 0.0f;
            dlogits[(size_t)n * K + j] = (probs[(size_t)n * K + j] - t) * inv;
        }
    }
}

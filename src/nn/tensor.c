/* tensor.c: tensor-group layouts, float allocations, the profiled sgemm and its naive
 * reference, and initializers. */
#include "nn/tensor.h"

#include <assert.h>
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ======================================================================== groups */

void nn_group_init(struct nn_group *g)
{
    memset(g, 0, sizeof(*g));
}

int nn_group_add(struct nn_group *g, const char *name, bool penalized, int ndim, const int *shape)
{
    assert(g->count < NN_MAX_TENSORS);
    assert(ndim >= 1 && ndim <= NN_MAX_DIMS);
    struct nn_tensor *t = &g->t[g->count];
    memset(t, 0, sizeof(*t));
    snprintf(t->name, sizeof(t->name), "%s", name);
    t->ndim = ndim;
    t->size = 1;
    for (int i = 0; i < ndim; i++) {
        assert(shape[i] > 0);
        t->shape[i] = shape[i];
        t->size *= (size_t)shape[i];
    }
    t->offset = g->total;
    t->penalized = penalized;
    /* Pad each tensor to 16 floats (64 bytes) so every tensor starts on a cache line. */
    g->total += (t->size + 15) / 16 * 16;
    return g->count++;
}

float *nn_group_alloc(const struct nn_group *g)
{
    float *p = nn_alloc(g->total);
    memset(p, 0, (g->total ? g->total : 1) * sizeof(float));
    return p;
}

const struct nn_tensor *nn_group_find(const struct nn_group *g, const char *name)
{
    for (int i = 0; i < g->count; i++) {
        if (strcmp(g->t[i].name, name) == 0) {
            return &g->t[i];
        }
    }
    return NULL;
}

float *nn_alloc(size_t n)
{
    return xmalloc((n ? n : 1) * sizeof(float));
}

void nn_free(void *p)
{
    free(p);
}

/* ======================================================================== sgemm */

double nn_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void nn_sgemm(struct nn_prof *prof, bool ta, bool tb, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    double t0 = prof && prof->on ? nn_now() : 0.0;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (prof && prof->on) {
        prof->sgemm_s += nn_now() - t0;
        prof->sgemm_calls++;
    }
}

void nn_sgemm_naive(bool ta, bool tb, int m, int n, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc)
{
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            double acc = 0.0;
            for (int p = 0; p < k; p++) {
                double av = ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                double bv = tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                acc += av * bv;
            }
            float *cij = &c[(size_t)i * ldc + j];
            *cij = (float)(alpha * acc + (beta == 0.0f ? 0.0 : (double)beta * *cij));
        }
    }
}

void nn_set_threads(int threads)
{
    openblas_set_num_threads(threads < 1 ? 1 : threads);
}

/* ======================================================================== initializers */

void nn_fill_uniform(float *x, size_t n, float bound, struct util_rng *rng)
{
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)((2.0 * util_rng_uniform(rng) - 1.0) * bound);
    }
}

void nn_fill(float *x, size_t n, float value)
{
    for (size_t i = 0; i < n; i++) {
        x[i] = value;
    }
}

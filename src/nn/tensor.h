/* tensor.h: float32 tensor groups (one allocation, named tensors with shapes and offsets into
 * it, llm.c-style), the profiled sgemm every fast layer calls, and PyTorch-like initializers. */
#ifndef OPTISCOPE_NN_TENSOR_H
#define OPTISCOPE_NN_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/util.h"

#define NN_MAX_TENSORS 24
#define NN_MAX_DIMS 4

/* One named tensor inside a group: a view of `size` floats at `offset` from the group base. */
struct nn_tensor {
    char name[24];              /* "conv1.w" */
    int ndim;                   /* 1..NN_MAX_DIMS */
    int shape[NN_MAX_DIMS];     /* e.g. (8, 1, 3, 3) */
    size_t offset;              /* in floats from the group's base */
    size_t size;                /* product of shape */
    bool penalized;             /* a weight that L1/L2 act on (not a bias, not batch norm) */
};

/* The layout of a group: which tensors, where. The floats themselves live in allocations the
 * owner makes with nn_group_alloc, so parameters and gradients share one layout. */
struct nn_group {
    int count;                              /* used entries of t */
    struct nn_tensor t[NN_MAX_TENSORS];     /* in the order added */
    size_t total;                           /* floats in all, each tensor padded to 16 floats */
};

void nn_group_init(struct nn_group *g);
/* Adds a tensor of shape (d0, d1, ...) (ndim dims) and returns its index. */
int nn_group_add(struct nn_group *g, const char *name, bool penalized, int ndim, const int *shape);
/* A zeroed allocation of g->total floats; free with nn_free. */
float *nn_group_alloc(const struct nn_group *g);
/* The tensor named `name`, or NULL. */
const struct nn_tensor *nn_group_find(const struct nn_group *g, const char *name);

/* Float arrays for activations and scratch, through xmalloc (out-of-memory aborts). */
float *nn_alloc(size_t n);
void nn_free(void *p);   /* accepts NULL */

/* ---- sgemm with an optional time account ---- */

/* Where the time goes: seconds in sgemm against the whole, for `optiscope bench train`. */
struct nn_prof {
    bool on;             /* account time (two clock reads per sgemm call) */
    double sgemm_s;      /* seconds inside cblas_sgemm */
    long sgemm_calls;    /* number of calls */
};

/* Row-major C (m, n) = alpha * op(A) op(B) + beta * C, where op(A) is (m, k), op(B) (k, n);
 * ta/tb say whether A or B is stored transposed. Calls cblas_sgemm, timed when prof->on. */
void nn_sgemm(struct nn_prof *prof, bool ta, bool tb, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
/* The same product by three loops in double accumulation: the reference the tests use. */
void nn_sgemm_naive(bool ta, bool tb, int m, int n, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc);

/* OpenBLAS's thread count (1 for a single-threaded run). */
void nn_set_threads(int threads);
double nn_now(void);   /* monotonic seconds */

/* ---- initializers ---- */

/* Uniform in [-bound, bound): torch's kaiming_uniform_(a=sqrt(5)) for a layer of fan_in inputs
 * gives bound = 1/sqrt(fan_in), and so does its default bias init. */
void nn_fill_uniform(float *x, size_t n, float bound, struct util_rng *rng);
void nn_fill(float *x, size_t n, float value);

#endif

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

/* ---- worker threads ---- */

/* A fork-join pool: nn_pool_for splits [0, n) into one contiguous range per thread, runs the
 * first on the calling thread and the rest on the workers, and returns when all are done. */
struct nn_pool;
#define NN_MAX_THREADS 16
/* fn(job, part, lo, hi): part 0 runs on the calling thread, parts 1.. on workers. */
typedef void (*nn_task_fn)(void *job, int part, int lo, int hi);
/* NULL for threads <= 1 (run serially); at most NN_MAX_THREADS. */
struct nn_pool *nn_pool_create(int threads);
void nn_pool_destroy(struct nn_pool *pool);    /* accepts NULL */
int nn_pool_threads(const struct nn_pool *pool);
/* fn over [0, n) split across the pool; NULL pool: fn(job, 0, 0, n). */
void nn_pool_for(struct nn_pool *pool, int n, nn_task_fn fn, void *job);

/* ---- what the fast layers share ---- */

/* Where the time goes (seconds in sgemm against the whole, for `optiscope bench train`) and
 * the workers that split a batch. A context the caller owns and passes to the fast layers. */
struct nn_ctx {
    bool on;                 /* account sgemm time (two clock reads per call) */
    double sgemm_s;          /* seconds inside cblas_sgemm */
    long sgemm_calls;        /* number of calls */
    struct nn_pool *pool;    /* workers that split a batch's images (im2col, the conv sgemms,
                                col2im) and channels (pooling); NULL: serial */
};

/* Row-major C (m, n) = alpha * op(A) op(B) + beta * C, where op(A) is (m, k), op(B) (k, n);
 * ta/tb say whether A or B is stored transposed. Calls cblas_sgemm, timed when ctx->on. */
void nn_sgemm(struct nn_ctx *ctx, bool ta, bool tb, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
/* The same product by three loops in double accumulation: the reference the tests use. */
void nn_sgemm_naive(bool ta, bool tb, int m, int n, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc);

/* OpenBLAS's thread count (1 for a single-threaded run); nn_pool's are separate. */
void nn_set_threads(int threads);
double nn_now(void);   /* monotonic seconds */

/* ---- initializers ---- */

/* Uniform in [-bound, bound): torch's kaiming_uniform_(a=sqrt(5)) for a layer of fan_in inputs
 * gives bound = 1/sqrt(fan_in), and so does its default bias init. */
void nn_fill_uniform(float *x, size_t n, float bound, struct util_rng *rng);
void nn_fill(float *x, size_t n, float value);

#endif

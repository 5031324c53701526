/* tensor.c: tensor-group layouts, float allocations, the profiled sgemm and its naive
 * reference, and initializers. */
#include "nn/tensor.h"
#include "sim/i18n.h"

#include <assert.h>
#include <cblas.h>
#include <pthread.h>
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

void nn_sgemm(struct nn_ctx *ctx, bool ta, bool tb, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    double t0 = ctx && ctx->on ? nn_now() : 0.0;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (ctx && ctx->on) {
        ctx->sgemm_s += nn_now() - t0;
        ctx->sgemm_calls++;
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

/* ======================================================================== worker pool */

struct nn_worker {
    struct nn_pool *pool;    /* its pool */
    int part;                /* which range of each job it runs: 1..threads-1 */
    pthread_t tid;
};

struct nn_pool {
    int threads;                  /* workers + the caller */
    struct nn_worker *workers;    /* (threads - 1) */
    pthread_mutex_t mu;
    pthread_cond_t start;         /* a new job (generation) or quit */
    pthread_cond_t done;          /* pending reached 0 */
    long generation;              /* bumped for every job */
    int pending;                  /* workers still on the current job */
    bool quit;
    nn_task_fn fn;                /* the current job */
    void *job;
    int n;
};

static void run_part(struct nn_pool *p, int part)
{
    int lo = (int)((long)p->n * part / p->threads);
    int hi = (int)((long)p->n * (part + 1) / p->threads);
    if (lo < hi) {
        p->fn(p->job, part, lo, hi);
    }
}

static void *worker_main(void *arg)
{
    struct nn_worker *w = arg;
    struct nn_pool *p = w->pool;
    long seen = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->generation == seen && !p->quit) {
            pthread_cond_wait(&p->start, &p->mu);
        }
        if (p->quit) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        run_part(p, w->part);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0) {
            pthread_cond_signal(&p->done);
        }
        pthread_mutex_unlock(&p->mu);
    }
}

struct nn_pool *nn_pool_create(int threads)
{
    if (threads <= 1) {
        return NULL;
    }
    threads = threads > NN_MAX_THREADS ? NN_MAX_THREADS : threads;
    struct nn_pool *p = xcalloc(1, sizeof(*p));
    p->threads = threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->start, NULL);
    pthread_cond_init(&p->done, NULL);
    p->workers = xcalloc((size_t)threads - 1, sizeof(*p->workers));
    for (int i = 0; i < threads - 1; i++) {
        p->workers[i].pool = p;
        p->workers[i].part = i + 1;
        if (pthread_create(&p->workers[i].tid, NULL, worker_main, &p->workers[i]) != 0) {
            fprintf(stderr, _("optiscope: cannot start a worker thread\n"));
            abort();
        }
    }
    return p;
}

void nn_pool_destroy(struct nn_pool *p)
{
    if (!p) {
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->quit = true;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->threads - 1; i++) {
        pthread_join(p->workers[i].tid, NULL);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->start);
    pthread_cond_destroy(&p->done);
    free(p->workers);
    free(p);
}

int nn_pool_threads(const struct nn_pool *p)
{
    return p ? p->threads : 1;
}

void nn_pool_for(struct nn_pool *p, int n, nn_task_fn fn, void *job)
{
    if (!p || n < 2) {
        if (n > 0) {
            fn(job, 0, 0, n);
        }
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->job = job;
    p->n = n;
    p->pending = p->threads - 1;
    p->generation++;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->mu);
    run_part(p, 0);
    pthread_mutex_lock(&p->mu);
    while (p->pending > 0) {
        pthread_cond_wait(&p->done, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
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

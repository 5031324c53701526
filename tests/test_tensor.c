/* test_tensor.c: tensor-group layouts (offsets, padding, shapes, lookup), the profiled sgemm
 * against its naive reference in every transpose combination, and the seeded initializers. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/tensor.h"

static void test_group(void)
{
    struct nn_group g;
    nn_group_init(&g);
    int s1[4] = {8, 1, 3, 3}, s2[1] = {8}, s3[2] = {10, 784};
    CHECK(nn_group_add(&g, "conv1.w", true, 4, s1) == 0);
    CHECK(nn_group_add(&g, "conv1.b", false, 1, s2) == 1);
    CHECK(nn_group_add(&g, "out.w", true, 2, s3) == 2);
    CHECK(g.count == 3);
    CHECK(g.t[0].size == 72 && g.t[0].offset == 0);
    CHECK(g.t[1].size == 8 && g.t[1].offset == 80);      /* 72 padded to 80 */
    CHECK(g.t[2].offset == 96 && g.t[2].size == 7840);   /* 8 padded to 16 */
    CHECK(g.total == 96 + 7840);
    CHECK(g.t[0].penalized && !g.t[1].penalized);
    CHECK(g.t[0].ndim == 4 && g.t[0].shape[3] == 3);
    const struct nn_tensor *t = nn_group_find(&g, "out.w");
    CHECK(t && t->shape[1] == 784);
    CHECK(nn_group_find(&g, "nope") == NULL);
    float *p = nn_group_alloc(&g);
    bool zero = true;
    for (size_t i = 0; i < g.total; i++) {
        zero = zero && p[i] == 0.0f;
    }
    CHECK(zero);
    nn_free(p);
    nn_free(NULL);
}

static void test_sgemm(void)
{
    struct util_rng rng;
    util_rng_seed(&rng, 3);
    int m = 7, n = 11, k = 5;
    float *a = nn_alloc(64), *b = nn_alloc(64), *c1 = nn_alloc(77), *c2 = nn_alloc(77);
    nn_fill_uniform(a, 64, 1.0f, &rng);
    nn_fill_uniform(b, 64, 1.0f, &rng);
    struct nn_ctx prof = {true, 0, 0, NULL};
    for (int ta = 0; ta < 2; ta++) {
        for (int tb = 0; tb < 2; tb++) {
            int lda = ta ? m : k, ldb = tb ? k : n;
            nn_fill(c1, 77, 0.5f);
            nn_fill(c2, 77, 0.5f);
            nn_sgemm(&prof, ta, tb, m, n, k, 2.0f, a, lda, b, ldb, 1.0f, c1, n);
            nn_sgemm_naive(ta, tb, m, n, k, 2.0f, a, lda, b, ldb, 1.0f, c2, n);
            double worst = 0;
            for (int i = 0; i < 77; i++) {
                worst = fmax(worst, fabs(c1[i] - c2[i]));
            }
            CHECK(worst < 1e-5);
        }
    }
    /* one element by hand: C[2][3] with no transposes, alpha 1, beta 0 */
    nn_sgemm(NULL, false, false, m, n, k, 1.0f, a, k, b, n, 0.0f, c1, n);
    double want = 0;
    for (int p = 0; p < k; p++) {
        want += (double)a[2 * k + p] * b[p * n + 3];
    }
    CHECK_NEAR(c1[2 * n + 3], want, 1e-6);
    CHECK(prof.sgemm_calls == 4 && prof.sgemm_s >= 0.0);
    nn_free(a);
    nn_free(b);
    nn_free(c1);
    nn_free(c2);
}

static void test_init(void)
{
    struct util_rng r1, r2;
    util_rng_seed(&r1, 9);
    util_rng_seed(&r2, 9);
    size_t n = 10000;
    float *x = nn_alloc(n), *y = nn_alloc(n);
    nn_fill_uniform(x, n, 0.25f, &r1);
    nn_fill_uniform(y, n, 0.25f, &r2);
    CHECK(memcmp(x, y, n * sizeof(float)) == 0);
    float lo = 1, hi = -1;
    double mean = 0;
    for (size_t i = 0; i < n; i++) {
        lo = fminf(lo, x[i]);
        hi = fmaxf(hi, x[i]);
        mean += x[i];
    }
    CHECK(lo >= -0.25f && hi <= 0.25f && lo < -0.24f && hi > 0.24f);
    CHECK_NEAR(mean / n, 0.0, 0.01);
    nn_fill(y, n, 3.0f);
    CHECK(y[0] == 3.0f && y[n - 1] == 3.0f);
    double t0 = nn_now();
    CHECK(nn_now() >= t0);
    nn_free(x);
    nn_free(y);
}

struct sum_job {
    int *hits;     /* (n) how often each index was visited */
};

static void mark(void *job, int part, int lo, int hi)
{
    (void)part;
    struct sum_job *j = job;
    for (int i = lo; i < hi; i++) {
        j->hits[i]++;
    }
}

static void test_pool(void)
{
    int n = 1001;
    int *hits = xcalloc((size_t)n, sizeof(int));
    struct sum_job j = {hits};
    CHECK(nn_pool_create(1) == NULL && nn_pool_threads(NULL) == 1);
    nn_pool_for(NULL, n, mark, &j);
    struct nn_pool *p = nn_pool_create(3);
    CHECK(nn_pool_threads(p) == 3);
    struct nn_pool *big = nn_pool_create(1000);
    CHECK(nn_pool_threads(big) == NN_MAX_THREADS);
    nn_pool_destroy(big);
    for (int rep = 0; rep < 200; rep++) {
        nn_pool_for(p, n, mark, &j);   /* many jobs: workers must not miss or repeat one */
    }
    nn_pool_for(p, 0, mark, &j);
    nn_pool_for(p, 1, mark, &j);
    bool all = true;
    for (int i = 0; i < n; i++) {
        all = all && hits[i] == (i == 0 ? 202 : 201);
    }
    CHECK(all);
    nn_pool_destroy(p);
    nn_pool_destroy(NULL);
    free(hits);
}

int main(void)
{
    test_pool();
    nn_set_threads(1);
    test_group();
    test_sgemm();
    test_init();
    return check_done("tensor");
}

/* test_landscape.c: the loss landscape: its centre is the model's own loss (against
 * nn_evaluate and one whole-batch forward), filter normalization, PCA directions that
 * reproduce the checkpoints within the unexplained variance (and a plane they lie in exactly),
 * projection, the fused evaluation forward against cnn_forward, a slice that does not depend
 * on the thread count, cancel and progress. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "nn/landscape.h"
#include "nn/train.h"
#include "sim/util.h"

#define MAX_CKPT 32

/* A small trained network (batch norm and a hidden layer, so every kind of tensor is there)
 * and checkpoints of its trajectory, every 2 steps. */
struct fixture {
    struct nn_data data;
    struct nn_trainer *t;
    struct cnn *net;                 /* the trained racer (owned by t) */
    float *ckpt[MAX_CKPT];           /* (pl.total) each */
    int nckpt;
};

static void fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    nn_data_synthetic(&f->data, 640, 64, 64, 11);
    struct nn_train_config c;
    memset(&c, 0, sizeof(c));
    char err[256];
    cnn_config_for_model("small", &c.model, err, sizeof(err));
    c.model.batchnorm = true;
    c.model.hidden = 16;
    c.batch = 32;
    c.epochs = 1;
    c.seed = 5;
    c.nopt = 1;
    CHECK(optim_parse("adam(lr=0.003)", &c.opt[0], err, sizeof(err)));
    sched_default(&c.sched);
    f->t = nn_trainer_create(&c, &f->data, err, sizeof(err));
    CHECK(f->t != NULL);
    f->net = f->t->r[0].net;
    size_t n = f->net->pl.total;
    for (int s = 0; s < 20; s++) {
        if (s % 2 == 0 && f->nckpt < MAX_CKPT) {
            f->ckpt[f->nckpt] = nn_alloc(n);
            memcpy(f->ckpt[f->nckpt++], f->net->params, n * sizeof(float));
        }
        nn_trainer_step(f->t, NULL, NULL);
    }
}

static void fixture_finish(struct fixture *f)
{
    for (int i = 0; i < f->nckpt; i++) {
        nn_free(f->ckpt[i]);
    }
    nn_trainer_destroy(f->t);
    nn_data_finish(&f->data);
}

/* ======================================================================== directions */

static void test_filter_normalization(struct fixture *f)
{
    struct nn_landscape_dirs d, same, other;
    nn_landscape_random(&d, f->net, 42);
    nn_landscape_random(&same, f->net, 42);
    nn_landscape_random(&other, f->net, 43);
    const struct nn_group *pl = &f->net->pl;
    CHECK(d.kind == NN_LANDSCAPE_RANDOM && d.n == pl->total);
    CHECK(memcmp(d.d1, same.d1, d.n * sizeof(float)) == 0);   /* seeded: reproducible */
    CHECK(memcmp(d.d2, same.d2, d.n * sizeof(float)) == 0);
    CHECK(memcmp(d.d1, other.d1, d.n * sizeof(float)) != 0);
    CHECK(memcmp(d.d1, d.d2, d.n * sizeof(float)) != 0);
    CHECK(d.explained[0] == 0.0 && d.explained[1] == 0.0);
    /* every filter (row) of each direction has the norm of the weight's filter; biases, batch
     * norm and the padding are 0 */
    int filters = 0, bad_norm = 0, nonzero_left_out = 0, tensors_left_out = 0;
    char *covered = calloc(d.n, 1);
    for (int i = 0; i < pl->count; i++) {
        const struct nn_tensor *t = &pl->t[i];
        memset(covered + t->offset, 1, t->size);
        if (!t->penalized) {
            tensors_left_out++;
            for (size_t j = 0; j < t->size; j++) {
                nonzero_left_out += d.d1[t->offset + j] != 0.0f || d.d2[t->offset + j] != 0.0f;
            }
            continue;
        }
        size_t len = t->size / (size_t)t->shape[0];
        for (int r = 0; r < t->shape[0]; r++) {
            size_t o = t->offset + (size_t)r * len;
            double w = 0, a = 0, b = 0;
            for (size_t j = 0; j < len; j++) {
                w += (double)f->net->params[o + j] * f->net->params[o + j];
                a += (double)d.d1[o + j] * d.d1[o + j];
                b += (double)d.d2[o + j] * d.d2[o + j];
            }
            filters++;
            bad_norm += fabs(sqrt(a) - sqrt(w)) > 1e-5 * sqrt(w) ||
                        fabs(sqrt(b) - sqrt(w)) > 1e-5 * sqrt(w);
        }
    }
    for (size_t j = 0; j < d.n; j++) {
        nonzero_left_out += !covered[j] && (d.d1[j] != 0.0f || d.d2[j] != 0.0f);
    }
    free(covered);
    /* conv1 8 filters, conv2 16, fc1 16 rows, out 10 rows; 8 bias and bn tensors */
    CHECK(filters == 8 + 16 + 16 + 10);
    CHECK(tensors_left_out == 8);
    CHECK(bad_norm == 0);
    CHECK(nonzero_left_out == 0);
    /* a zero filter gets a zero direction */
    struct cnn *z = cnn_create(&f->net->cfg);
    cnn_copy_state(z, f->net);
    memset(z->p_conv1_w, 0, 9 * sizeof(float));   /* filter 0 of conv1 */
    struct nn_landscape_dirs dz;
    nn_landscape_random(&dz, z, 42);
    bool zero = true;
    for (int j = 0; j < 9; j++) {
        zero = zero && dz.d1[z->p_conv1_w - z->params + j] == 0.0f;
    }
    CHECK(zero);
    nn_landscape_dirs_finish(&dz);
    cnn_destroy(z);
    nn_landscape_dirs_finish(&d);
    nn_landscape_dirs_finish(&same);
    nn_landscape_dirs_finish(&other);
}

static void test_projection(struct fixture *f)
{
    /* non-orthogonal random directions: the 2x2 system recovers the coordinates */
    struct nn_landscape_dirs d;
    nn_landscape_random(&d, f->net, 7);
    CHECK(fabs(d.gram[1]) > 0.0);
    size_t n = d.n;
    float *p = nn_alloc(n);
    for (size_t j = 0; j < n; j++) {
        p[j] = (float)((double)f->net->params[j] + 0.3 * d.d1[j] - 0.7 * d.d2[j]);
    }
    double a, b;
    nn_landscape_project(&d, f->net->params, p, &a, &b);
    CHECK_NEAR(a, 0.3, 1e-4);
    CHECK_NEAR(b, -0.7, 1e-4);
    nn_landscape_project(&d, f->net->params, f->net->params, &a, &b);
    CHECK(a == 0.0 && b == 0.0);
    nn_free(p);
    nn_landscape_dirs_finish(&d);
}

static void test_pca(struct fixture *f)
{
    struct nn_landscape_dirs d;
    char err[256];
    const float *const *ck = (const float *const *)f->ckpt;
    CHECK(f->nckpt == 10);
    CHECK(nn_landscape_pca(&d, f->net, ck, f->nckpt, err, sizeof(err)));
    CHECK(d.kind == NN_LANDSCAPE_PCA);
    /* ratios in [0, 1], descending, summing to at most 1 */
    CHECK(d.explained[0] >= d.explained[1] && d.explained[1] > 0.0 && d.explained[0] <= 1.0);
    CHECK(d.explained[0] + d.explained[1] <= 1.0 + 1e-9);
    /* orthonormal */
    CHECK_NEAR(d.gram[0], 1.0, 1e-5);
    CHECK_NEAR(d.gram[2], 1.0, 1e-5);
    CHECK_NEAR(d.gram[1], 0.0, 1e-5);
    /* each checkpoint minus its reconstruction from (alpha, beta): what is left is the
     * unexplained variance: summed over the checkpoints it is (1 - e1 - e2) of the total, and
     * no checkpoint's residual is more than that */
    size_t n = d.n;
    double total = 0, resid = 0, worst = 0;
    double a0 = 0, b0 = 0;
    for (int k = 0; k < f->nckpt; k++) {
        double a, b, r = 0;
        nn_landscape_project(&d, f->net->params, f->ckpt[k], &a, &b);
        if (k == 0) {
            a0 = a;
            b0 = b;
        }
        for (size_t j = 0; j < n; j++) {
            double v = (double)f->ckpt[k][j] - f->net->params[j];
            double e = v - a * d.d1[j] - b * d.d2[j];
            total += v * v;
            r += e * e;
        }
        resid += r;
        worst = r > worst ? r : worst;
    }
    double unexplained = (1.0 - d.explained[0] - d.explained[1]) * total;
    CHECK_NEAR(resid, unexplained, 1e-4 * total);
    CHECK(worst <= unexplained + 1e-4 * total);
    CHECK(a0 <= 0.0 && b0 <= 0.0);   /* the start lies to the lower left */
    nn_landscape_dirs_finish(&d);

    /* checkpoints that lie in a plane through the centre: it is found exactly, all of the
     * variance explained, the coordinates reproduced up to the plane's rotation (distances) */
    float *plane[6];
    double xs[6] = {-3, -2, -1.5, -1, -0.5, 0.2}, ys[6] = {2, 1.5, -1, 0.4, 0.3, -0.1};
    struct nn_landscape_dirs r;
    nn_landscape_random(&r, f->net, 3);   /* two independent vectors to build it from */
    for (int k = 0; k < 6; k++) {
        plane[k] = nn_alloc(n);
        for (size_t j = 0; j < n; j++) {
            plane[k][j] = (float)((double)f->net->params[j] + xs[k] * r.d1[j] + ys[k] * r.d2[j]);
        }
    }
    CHECK(nn_landscape_pca(&d, f->net, (const float *const *)plane, 6, err, sizeof(err)));
    CHECK_NEAR(d.explained[0] + d.explained[1], 1.0, 1e-6);
    double worst_rel = 0;
    for (int k = 0; k < 6; k++) {
        double a, b, v2 = 0, e2 = 0;
        nn_landscape_project(&d, f->net->params, plane[k], &a, &b);
        for (size_t j = 0; j < n; j++) {
            double v = (double)plane[k][j] - f->net->params[j];
            double e = v - a * d.d1[j] - b * d.d2[j];
            v2 += v * v;
            e2 += e * e;
        }
        worst_rel = fmax(worst_rel, sqrt(e2 / v2));
    }
    CHECK(worst_rel < 1e-4);
    nn_landscape_dirs_finish(&d);
    nn_landscape_dirs_finish(&r);

    /* too few, or nothing to span */
    CHECK(!nn_landscape_pca(&d, f->net, (const float *const *)plane, 1, err, sizeof(err)));
    CHECK(strstr(err, "at least 2 checkpoints") != NULL);
    const float *same[3] = {f->net->params, f->net->params, f->net->params};
    CHECK(!nn_landscape_pca(&d, f->net, same, 3, err, sizeof(err)));
    CHECK(strstr(err, "are all the centre") != NULL);
    const float *line[2] = {plane[0], f->net->params};
    CHECK(!nn_landscape_pca(&d, f->net, line, 2, err, sizeof(err)));
    CHECK(strstr(err, "only one direction") != NULL);
    CHECK(d.d1 == NULL && d.d2 == NULL);
    for (int k = 0; k < 6; k++) {
        nn_free(plane[k]);
    }
}

/* ======================================================================== the slice */

/* The fused evaluation forward against cnn_forward, its reference: logits, loss and the count
 * right, with batch norm and a hidden layer (the fixture) and without (the plain model). */
static void test_fast_forward(struct fixture *f)
{
    struct cnn_config plain_cfg;
    char err[64];
    cnn_config_for_model("small", &plain_cfg, err, sizeof(err));
    plain_cfg.batch = 48;
    struct cnn *plain = cnn_create(&plain_cfg);
    cnn_init(plain, 9);
    struct cnn_config cfg = f->net->cfg;
    cfg.batch = 48;
    struct cnn *bn = cnn_create(&cfg);
    cnn_copy_state(bn, f->net);
    struct cnn *nets[2] = {plain, bn};
    struct nn_landscape_images im;
    nn_landscape_images_init(&im, &f->data.train, 48);
    for (int k = 0; k < 2; k++) {
        struct cnn *net = nets[k];
        int right_ref, right = -1;
        double ref = cnn_forward(net, im.x, im.y, 37, false, &right_ref), loss = -1;
        float logits[48 * 10];
        memcpy(logits, net->logits, sizeof(float) * 37 * 10);
        if (!cnn_forward_eval_fast(net, im.x, im.y, 37, &loss, &right)) {
            printf("test_landscape: the fused forward does not run on this CPU; skipped\n");
            break;
        }
        double worst = 0;
        for (int j = 0; j < 37 * 10; j++) {
            worst = fmax(worst, fabs(logits[j] - net->logits[j]));
        }
        CHECK(worst < 1e-4);
        CHECK_NEAR(loss, ref, 1e-6);
        CHECK(right == right_ref);
    }
    /* a slice with either forward: the same to float rounding */
    struct nn_landscape_dirs d;
    nn_landscape_random(&d, f->net, 4);
    double fast[9], ref[9];
    struct nn_landscape_desc desc = {.centre = f->net, .dirs = &d, .images = &im, .n = 3,
                                     .alpha = {-1, 1}, .beta = {-1, 1}};
    CHECK(nn_landscape_slice(&desc, fast, NULL));
    desc.plain_forward = true;
    CHECK(nn_landscape_slice(&desc, ref, NULL));
    for (int p = 0; p < 9; p++) {
        CHECK_NEAR(fast[p], ref[p], 1e-5 * fmax(1.0, ref[p]));
    }
    nn_landscape_dirs_finish(&d);
    nn_landscape_images_finish(&im);
    cnn_destroy(plain);
    cnn_destroy(bn);
}

static void test_centre_is_the_model_loss(struct fixture *f)
{
    struct nn_landscape_images im;
    nn_landscape_images_init(&im, &f->data.train, 200);
    CHECK(im.n == 200 && im.h == 28 && im.w == 28);
    struct nn_landscape_dirs d;
    nn_landscape_random(&d, f->net, 1);
    double loss[9];
    struct nn_landscape_desc desc = {.centre = f->net, .dirs = &d, .images = &im, .n = 3,
                                     .alpha = {-1, 1}, .beta = {-0.5, 0.5}, .threads = 1};
    CHECK(nn_landscape_slice(&desc, loss, NULL));
    /* the same computation: bit for bit */
    CHECK(loss[4] == nn_landscape_loss(f->net, &im, 0));
    /* the trainer's own evaluation (batches of 32 from the dataset) on the same images */
    struct nn_dataset sub = f->data.train;
    sub.n = 200;
    double ref, acc;
    nn_evaluate(f->net, &sub, f->t->x, f->t->y, &ref, &acc);
    CHECK_NEAR(loss[4], ref, 1e-6);
    /* one forward of all 200 in one batch */
    struct cnn_config cfg = f->net->cfg;
    cfg.batch = 200;
    struct cnn *whole = cnn_create(&cfg);
    cnn_copy_state(whole, f->net);
    CHECK_NEAR(loss[4], cnn_forward(whole, im.x, im.y, 200, false, NULL), 1e-6);
    /* another point is the loss of the network with those weights */
    double a = nn_landscape_coord(desc.alpha, 3, 2), b = nn_landscape_coord(desc.beta, 3, 0);
    CHECK(a == 1.0 && b == -0.5);
    for (size_t j = 0; j < whole->pl.total; j++) {
        whole->params[j] = (float)((double)f->net->params[j] + a * d.d1[j] + b * d.d2[j]);
    }
    CHECK_NEAR(loss[0 * 3 + 2], cnn_forward(whole, im.x, im.y, 200, false, NULL), 1e-6);
    CHECK(loss[2] != loss[4]);
    /* the centre is a low point of this trained network's slice, compared to far away */
    CHECK(loss[4] < loss[0] && loss[4] < loss[8]);
    cnn_destroy(whole);
    nn_landscape_dirs_finish(&d);
    nn_landscape_images_finish(&im);
}

static void test_threads_agree(struct fixture *f)
{
    struct nn_landscape_images im;
    nn_landscape_images_init(&im, &f->data.train, 64);
    struct nn_landscape_dirs d;
    nn_landscape_random(&d, f->net, 2);
    enum { N = 5 };
    double one[N * N], two[N * N], three[N * N];
    struct nn_landscape_desc desc = {.centre = f->net, .dirs = &d, .images = &im, .n = N,
                                     .alpha = {-0.8, 0.8}, .beta = {-0.8, 0.8}, .chunk = 16};
    struct nn_landscape_control ctl;
    nn_landscape_control_init(&ctl);
    desc.threads = 1;
    CHECK(nn_landscape_slice(&desc, one, &ctl));
    CHECK(atomic_load(&ctl.done) == N * N);
    desc.threads = 2;
    CHECK(nn_landscape_slice(&desc, two, NULL));
    desc.threads = 3;
    CHECK(nn_landscape_slice(&desc, three, NULL));
    CHECK(memcmp(one, two, sizeof(one)) == 0);
    CHECK(memcmp(one, three, sizeof(one)) == 0);
    bool finite = true;
    for (int p = 0; p < N * N; p++) {
        finite = finite && isfinite(one[p]) && one[p] > 0;
    }
    CHECK(finite);
    nn_landscape_dirs_finish(&d);
    nn_landscape_images_finish(&im);
}

struct cancel_run {
    struct nn_landscape_desc desc;
    double *loss;
    struct nn_landscape_control ctl;
    bool result;
};

static void *run_slice(void *arg)
{
    struct cancel_run *r = arg;
    r->result = nn_landscape_slice(&r->desc, r->loss, &r->ctl);
    return NULL;
}

static void test_cancel(struct fixture *f)
{
    struct nn_landscape_images im;
    nn_landscape_images_init(&im, &f->data.train, 32);
    struct nn_landscape_dirs d;
    nn_landscape_random(&d, f->net, 2);
    enum { N = 60 };
    struct cancel_run *r = calloc(1, sizeof(*r));
    r->loss = malloc(N * N * sizeof(double));
    r->desc = (struct nn_landscape_desc){.centre = f->net, .dirs = &d, .images = &im, .n = N,
                                         .alpha = {-1, 1}, .beta = {-1, 1}, .threads = 2};
    /* cancelled before it starts: nothing computed */
    nn_landscape_control_init(&r->ctl);
    atomic_store(&r->ctl.cancel, true);
    CHECK(!nn_landscape_slice(&r->desc, r->loss, &r->ctl));
    CHECK(atomic_load(&r->ctl.done) == 0 && isnan(r->loss[0]));
    /* cancelled from another thread once progress shows: it stops between points */
    nn_landscape_control_init(&r->ctl);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, run_slice, r) == 0);
    while (atomic_load(&r->ctl.done) < 3) {
        usleep(1000);
    }
    atomic_store(&r->ctl.cancel, true);
    pthread_join(th, NULL);
    long done = atomic_load(&r->ctl.done);
    CHECK(!r->result);
    CHECK(done >= 3 && done < N * N);
    int finite = 0;
    for (int p = 0; p < N * N; p++) {
        finite += isfinite(r->loss[p]);
    }
    CHECK(finite == done);   /* the points finished hold their loss, the rest NaN */
    free(r->loss);
    free(r);
    nn_landscape_dirs_finish(&d);
    nn_landscape_images_finish(&im);
}

static void test_fit_range(void)
{
    double a[3] = {-2, 0.5, 1}, b[3] = {0.25, 0.5, 1}, ar[2], br[2];
    nn_landscape_fit_range(a, b, 3, 0.1, false, ar, br);
    CHECK_NEAR(ar[0], -2.3, 1e-12);
    CHECK_NEAR(ar[1], 1.3, 1e-12);
    CHECK_NEAR(br[0], -0.1, 1e-12);   /* the centre (0) is included */
    CHECK_NEAR(br[1], 1.1, 1e-12);
    nn_landscape_fit_range(a, b, 3, 0.1, true, ar, br);
    CHECK_NEAR(ar[0], -2.2, 1e-12);
    CHECK_NEAR(ar[1], 2.2, 1e-12);
    CHECK_NEAR(br[1], 1.1, 1e-12);
    double z[2] = {0, 0};
    nn_landscape_fit_range(z, z, 2, 0.1, true, ar, br);
    CHECK(ar[0] == -1 && ar[1] == 1 && br[0] == -1 && br[1] == 1);
    double r[2] = {-1.5, 1.5};
    CHECK(nn_landscape_coord(r, 7, 3) == 0.0);
    CHECK(nn_landscape_coord(r, 7, 0) == -1.5 && nn_landscape_coord(r, 7, 6) == 1.5);
    CHECK(nn_landscape_coord(r, 1, 0) == 0.0);
}

int main(void)
{
    struct fixture f;
    fixture_init(&f);
    test_filter_normalization(&f);
    test_projection(&f);
    test_pca(&f);
    test_fast_forward(&f);
    test_centre_is_the_model_loss(&f);
    test_threads_agree(&f);
    test_cancel(&f);
    test_fit_range();
    fixture_finish(&f);
    return check_done("landscape");
}

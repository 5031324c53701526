/* test_cnn_session.c: the CNN mode's session and what it shows: its live run (on its worker)
 * gives the numbers a synchronous run of the same settings gives (the run `optiscope train`
 * makes); the inspections (weight histograms and sparsity, confusion matrix, predictions)
 * against direct computations; toggles restart the race with the change; a missing dataset is
 * reported; the dashboard is filled; destroying it mid-run returns promptly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "nn/inspect.h"
#include "session/cnn.h"
#include "session/train.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* 320 synthetic training images in batches of 32, two racers, validation every 4 batches. */
static void small_settings(struct train_settings *ts)
{
    train_settings_init(ts);
    char err[256];
    CHECK(train_settings_set(ts, "data", "synthetic", err, sizeof err));
    CHECK(train_settings_set(ts, "limit", "320", err, sizeof err));
    CHECK(train_settings_set(ts, "val", "48", err, sizeof err));
    CHECK(train_settings_set(ts, "batch", "32", err, sizeof err));
    CHECK(train_settings_set(ts, "epochs", "2", err, sizeof err));
    CHECK(train_settings_set(ts, "eval-every", "4", err, sizeof err));
    CHECK(train_settings_set(ts, "seed", "7", err, sizeof err));
    CHECK(train_settings_set(ts, "optimizer", "adam(lr=0.003)", err, sizeof err));
    CHECK(train_settings_set(ts, "optimizer", "nag(lr=0.05,momentum=0.9)", err, sizeof err));
}

/* The run `optiscope train` makes of the same settings: on this thread. */
static struct session_train *sync_run(const struct train_settings *ts)
{
    struct session_train_config cfg;
    char err[512];
    CHECK(session_train_config_from(ts, &cfg, err, sizeof err));
    struct session_train_data_desc dd;
    session_train_data_from(ts, &dd);
    struct nn_data data;
    CHECK(session_train_load_data(&dd, &data, err, sizeof err));
    struct session_train *t = session_train_create(&cfg, &data, err, sizeof err);
    CHECK(t != NULL);
    CHECK(session_train_run(t, NULL));
    return t;
}

static void test_live_equals_sync(void)
{
    struct train_settings ts;
    small_settings(&ts);
    char err[512];
    struct session_cnn_desc desc = {.ts = &ts};
    struct session_cnn *s = session_cnn_create(&desc, err, sizeof err);
    CHECK(s != NULL);
    CHECK(session_cnn_finish_run(s, err, sizeof err));
    struct session_train_state live;
    session_cnn_state(s, &live);
    CHECK(live.phase == SESSION_TRAIN_DONE);
    CHECK(live.nracers == 2);

    struct session_train *t = sync_run(&ts);
    struct session_train_snapshot snap;
    memset(&snap, 0, sizeof snap);
    session_train_read(t, &snap);
    CHECK(snap.state.nracers == 2);
    for (int i = 0; i < 2; i++) {
        const struct session_train_racer *a = &live.racer[i], *b = &snap.state.racer[i];
        CHECK(!strcmp(a->label, b->label));
        CHECK(a->steps == b->steps && a->steps == 20);
        CHECK(a->loss == b->loss);
        CHECK(a->val.loss == b->val.loss);
        CHECK(a->tested && b->tested && a->test_acc == b->test_acc);
        CHECK(a->insp.zeros == b->insp.zeros && a->insp.norm == b->insp.norm);
        CHECK(!memcmp(a->insp.conf, b->insp.conf, sizeof a->insp.conf));
    }
    /* the dashboard holds the same curves: validation every 4 batches and at epochs' ends */
    struct dash *d = calloc(1, sizeof *d);
    session_cnn_dash(s, d, 1600, 900, 0.0);
    CHECK(d->nracers == 2);
    for (int i = 0; i < 2; i++) {
        const struct session_train_history *h = &snap.hist[i];
        CHECK(d->r[i].val_loss.n == h->nvals);
        CHECK(h->nvals == 6);   /* batches 4, 8 and the end (10), twice */
        for (size_t k = 0; k < h->nvals && k < d->r[i].val_loss.n; k++) {
            CHECK(d->r[i].val_loss.y[k] == (float)h->vals[k].loss);
            CHECK(d->r[i].val_loss.x[k] == (float)h->vals[k].images);
        }
        CHECK(d->r[i].train_loss.n == h->nsamples && h->nsamples == 20);
        CHECK(d->r[i].lr.n == 20);
        /* one weight summary per inspection: the start, 6 validations */
        CHECK(d->r[i].wnorm.n == 7);
        CHECK(d->r[i].nlayers == 3);   /* conv1, conv2, out */
        CHECK(d->r[i].has_conf);
        CHECK(d->r[i].count == (long)snap.state.nweights - (8 + 16 + 10));   /* no biases */
    }
    CHECK(d->npred == SESSION_TRAIN_PREDS);
    CHECK(d->pred_img != NULL);
    CHECK(!strncmp(d->status[0], "done", 4));
    CHECK(strstr(d->title, "synthetic") != NULL);
    free(d);
    session_train_snapshot_finish(&snap);
    session_train_destroy(t);
    session_cnn_destroy(s);
}

/* nn_inspect_* against sums written out here. */
static void test_inspections(void)
{
    struct train_settings ts;
    small_settings(&ts);
    struct session_train *t = sync_run(&ts);
    struct nn_trainer *tr = (struct nn_trainer *)session_train_trainer(t);
    struct cnn *net = tr->r[0].net;
    /* some exact zeros and near zeros in conv2 */
    const struct nn_tensor *w2 = nn_group_find(&net->pl, "conv2.w");
    CHECK(w2 != NULL);
    float *p = net->params + w2->offset;
    for (int k = 0; k < 100; k++) {
        p[k] = 0.0f;
    }
    p[100] = 5e-4f;
    p[101] = -9e-4f;
    struct nn_layer_stats l[NN_INSPECT_MAX_LAYERS];
    int n = nn_inspect_layers(net, l);
    CHECK(n == 3);
    long total = 0;
    for (int i = 0; i < n; i++) {
        const struct nn_tensor *t2 = nn_group_find(&net->pl, l[i].name);
        CHECK(t2 != NULL && t2->penalized);
        const float *w = net->params + t2->offset;
        long zeros = 0, near = 0;
        double ss = 0, hsum = 0;
        for (size_t k = 0; k < t2->size; k++) {
            zeros += w[k] == 0.0f;
            near += fabs(w[k]) < 1e-3;
            ss += (double)w[k] * w[k];
        }
        for (int b = 0; b < NN_INSPECT_BINS; b++) {
            hsum += l[i].hist[b];
        }
        CHECK(l[i].count == (long)t2->size);
        CHECK(l[i].zeros == zeros);
        CHECK(l[i].near == near);
        CHECK_NEAR(l[i].norm, sqrt(ss), 1e-9 * sqrt(ss) + 1e-12);
        CHECK(hsum == (double)t2->size);
        /* the middle bin holds every zero */
        CHECK(l[i].hist[NN_INSPECT_BINS / 2] >= zeros);
        total += l[i].count;
        if (!strcmp(l[i].name, "conv2.w")) {
            CHECK(zeros >= 100 && near >= 102);
        }
    }
    long c, z, nz;
    double norm;
    nn_inspect_totals(l, n, &c, &z, &nz, &norm);
    CHECK(c == total);
    /* the confusion matrix: every validation image once, its trace the accuracy */
    const struct nn_data *data = session_train_data(t);
    int conf[NN_CLASSES * NN_CLASSES];
    double acc = nn_inspect_confusion(net, &data->val, tr->x, tr->y, conf);
    long sum = 0, diag = 0;
    for (int k = 0; k < NN_CLASSES * NN_CLASSES; k++) {
        sum += conf[k];
    }
    for (int k = 0; k < NN_CLASSES; k++) {
        diag += conf[k * NN_CLASSES + k];
        long row = 0;
        for (int q = 0; q < NN_CLASSES; q++) {
            row += conf[k * NN_CLASSES + q];
        }
        long truth = 0;
        for (int m = 0; m < data->val.n; m++) {
            truth += data->val.labels[m] == k;
        }
        CHECK(row == truth);
    }
    double loss, acc2;
    nn_evaluate(net, &data->val, tr->x, tr->y, &loss, &acc2);
    CHECK(sum == data->val.n);
    CHECK_NEAR(acc, (double)diag / data->val.n, 1e-12);
    CHECK_NEAR(acc, acc2, 1e-12);
    /* predictions: the arg max of a forward of those images */
    int idx[5] = {0, 3, 4, 9, 11};
    uint8_t pred[5];
    float prob[5];
    nn_inspect_predict(net, &data->test, idx, 5, tr->x, tr->y, pred, prob);
    for (int k = 0; k < 5; k++) {
        nn_dataset_batch(&data->test, &idx[k], 1, tr->x, tr->y);
        cnn_forward(net, tr->x, tr->y, 1, false, NULL);
        int best = 0;
        for (int q = 1; q < NN_CLASSES; q++) {
            best = net->probs[q] > net->probs[best] ? q : best;
        }
        CHECK(pred[k] == best);
        CHECK_NEAR(prob[k], net->probs[best], 1e-6);
    }
    CHECK(!strcmp(nn_class_name(false, 9), "Ankle boot"));
    CHECK(!strcmp(nn_class_name(true, 3), "ring"));
    session_train_destroy(t);
}

/* Waits (up to 20 s) until the session's race has at least `steps` updates of racer 0. */
static bool wait_steps(struct session_cnn *s, long steps)
{
    double t0 = now_s();
    while (now_s() - t0 < 20.0) {
        session_cnn_advance(s, now_s());
        struct session_train_state st;
        session_cnn_state(s, &st);
        if (st.nracers > 0 && st.racer[0].steps >= steps) {
            return true;
        }
        if (st.phase == SESSION_TRAIN_DONE) {
            return st.racer[0].steps >= steps;
        }
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    return false;
}

static void test_toggles(void)
{
    struct train_settings ts;
    small_settings(&ts);
    char err[512];
    CHECK(train_settings_set(&ts, "epochs", "50", err, sizeof err));
    struct session_cnn_desc desc = {.ts = &ts};
    struct session_cnn *s = session_cnn_create(&desc, err, sizeof err);
    CHECK(s != NULL);
    CHECK(wait_steps(s, 3));
    session_cnn_act(s, CNN_DROPOUT, 0, 0.0);
    CHECK(session_cnn_settings(s)->dropout == 0.3);
    /* the race starts again: from step 0 */
    struct session_train_state st;
    session_cnn_state(s, &st);
    CHECK(st.nracers == 0 || st.racer[0].steps == 0);
    CHECK(wait_steps(s, 2));
    session_cnn_act(s, CNN_BATCHNORM, 0, 0.0);
    CHECK(session_cnn_settings(s)->batchnorm);
    session_cnn_act(s, CNN_PENALTY, 0, 0.0);
    CHECK(session_cnn_settings(s)->l1 > 0 && session_cnn_settings(s)->l2 == 0);
    CHECK(session_cnn_settings(s)->l1_mode == TRAIN_L1_SUBGRADIENT);
    session_cnn_act(s, CNN_PENALTY, 0, 0.0);
    CHECK(session_cnn_settings(s)->l1 > 0 && session_cnn_settings(s)->l1_mode == TRAIN_L1_PROXIMAL);
    session_cnn_act(s, CNN_PENALTY, 0, 0.0);
    CHECK(session_cnn_settings(s)->l1 == 0 && session_cnn_settings(s)->l2 > 0);
    session_cnn_act(s, CNN_PENALTY, 0, 0.0);
    CHECK(session_cnn_settings(s)->l1 == 0 && session_cnn_settings(s)->l2 == 0);
    session_cnn_act(s, CNN_PATIENCE, 0, 0.0);
    CHECK(session_cnn_settings(s)->patience == 1);
    session_cnn_act(s, CNN_COMPARE, 0, 0.0);
    CHECK(session_cnn_settings(s)->compare_penalties);
    CHECK(wait_steps(s, 1));
    session_cnn_state(s, &st);
    CHECK(st.nracers == 3);
    CHECK(strstr(st.racer[0].label, "no penalty") != NULL);
    CHECK(strstr(st.racer[1].label, "+L1") != NULL);
    CHECK(strstr(st.racer[2].label, "+L2") != NULL);
    CHECK(session_cnn_settings(s)->l1_mode == TRAIN_L1_PROXIMAL);
    /* pause: no more steps while paused */
    session_cnn_act(s, CNN_PLAY, 0, 0.0);
    struct timespec pause = {0, 100000000};
    nanosleep(&pause, NULL);
    session_cnn_advance(s, now_s());
    session_cnn_state(s, &st);
    long before = st.racer[0].steps;
    nanosleep(&pause, NULL);
    session_cnn_advance(s, now_s());
    session_cnn_state(s, &st);
    CHECK(st.racer[0].steps == before);
    session_cnn_act(s, CNN_PLAY, 0, 0.0);
    CHECK(wait_steps(s, before + 2));
    /* destroying mid-run is prompt */
    double t0 = now_s();
    session_cnn_destroy(s);
    CHECK(now_s() - t0 < 2.0);
}

/* render --cnn's path: the run, then the slice around the selected racer (PCA of its path) */
static void test_landscape(void)
{
    struct train_settings ts;
    small_settings(&ts);
    char err[512];
    struct session_cnn_desc desc = {.ts = &ts, .landscape = true, .landscape_threads = 2};
    struct session_cnn *s = session_cnn_create(&desc, err, sizeof err);
    CHECK(s != NULL);
    session_cnn_act(s, CNN_SELECT_NEXT, 0, 0.0);   /* the second racer: no-op before it runs */
    CHECK(session_cnn_finish_run(s, err, sizeof err));
    struct dash *d = calloc(1, sizeof *d);
    session_cnn_dash(s, d, 1600, 900, 0.0);
    const struct dash_landscape *L = &d->land;
    CHECK(L->have && !L->busy);
    CHECK(L->n == 25 && L->loss != NULL);
    CHECK(strstr(L->what, "PCA") != NULL);
    /* the range holds every racer's projected path, which ends at the centre for its own */
    for (int r = 0; r < d->nracers; r++) {
        CHECK(L->path[r].n == 7);
        for (size_t k = 0; k < L->path[r].n; k++) {
            CHECK(L->path[r].x[k] >= L->range[0] && L->path[r].x[k] <= L->range[1]);
            CHECK(L->path[r].y[k] >= L->range[2] && L->path[r].y[k] <= L->range[3]);
        }
    }
    const struct dash_curve *own = &L->path[L->racer];
    CHECK_NEAR(own->x[own->n - 1], 0.0, 1e-4);
    CHECK_NEAR(own->y[own->n - 1], 0.0, 1e-4);
    /* every point finite and positive; the lowest near the trained weights, not at the start */
    double lo = INFINITY;
    int lo_k = -1;
    for (int k = 0; k < 25 * 25; k++) {
        CHECK(isfinite(L->loss[k]) && L->loss[k] > 0);
        if (L->loss[k] < lo) {
            lo = L->loss[k];
            lo_k = k;
        }
    }
    double a0 = L->range[0] + (L->range[1] - L->range[0]) * (lo_k % 25) / 24.0;
    double b0 = L->range[2] + (L->range[3] - L->range[2]) * (lo_k / 25) / 24.0;
    double da = own->x[0] - own->x[own->n - 1], db = own->y[0] - own->y[own->n - 1];
    CHECK(hypot(a0, b0) < hypot(a0 - own->x[0], b0 - own->y[0]) || hypot(da, db) < 1e-9);
    /* V: 3-D; O: random directions, recomputed */
    session_cnn_act(s, CNN_VIEW3D, 0, 0.0);
    session_cnn_dash(s, d, 1600, 900, 0.0);
    CHECK(d->land.view3d);
    free(d);
    session_cnn_destroy(s);
}

static void test_missing_data(void)
{
    struct train_settings ts;
    train_settings_init(&ts);
    char err[512];
    CHECK(train_settings_set(&ts, "data-dir", "/nonexistent-optiscope", err, sizeof err));
    struct session_cnn_desc desc = {.ts = &ts};
    struct session_cnn *s = session_cnn_create(&desc, err, sizeof err);
    CHECK(s != NULL);
    CHECK(!session_cnn_finish_run(s, err, sizeof err));
    CHECK(strstr(err, "/nonexistent-optiscope: no such data directory") != NULL);
    session_cnn_advance(s, 1.0);
    struct dash *d = calloc(1, sizeof *d);
    session_cnn_dash(s, d, 800, 600, 1.0);
    CHECK(strstr(d->toast, "no such data directory") != NULL && d->toast_error);
    free(d);
    session_cnn_destroy(s);
}

int main(void)
{
    test_live_equals_sync();
    test_inspections();
    test_toggles();
    test_landscape();
    test_missing_data();
    return check_done("cnn_session");
}

/* cnn.c: the CNN mode's session: a starter thread loads the data (once; restarts reuse it)
 * and runs the training session; the frame reads its snapshots, turns them into the
 * dashboard's curves and pictures, and never waits for a batch. */
#include "session/cnn.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn/inspect.h"
#include "nn/landscape.h"
#include "session/train.h"
#include "sim/i18n.h"
#include "sim/optim.h"
#include "sim/sched.h"
#include "sim/settings.h"
#include "sim/util.h"

/* ======================================================================== curves */

/* The dashboard's curves of one racer, grown from the snapshot's history. */
enum { C_TRAIN_LOSS, C_VAL_LOSS, C_TRAIN_ACC, C_VAL_ACC, C_LR, C_WNORM, C_WNEAR, C_COUNT };

struct curve {
    float *x, *y;
    size_t n, cap;
};

struct racer_curves {
    struct curve c[C_COUNT];
    size_t samples, vals, weights;   /* history entries taken */
};

static void curve_push(struct curve *c, double x, double y)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        c->x = xrealloc(c->x, c->cap * sizeof *c->x);
        c->y = xrealloc(c->y, c->cap * sizeof *c->y);
    }
    c->x[c->n] = (float)x;
    c->y[c->n] = (float)y;
    c->n++;
}

static void curves_reset(struct racer_curves *rc)
{
    for (int k = 0; k < C_COUNT; k++) {
        rc->c[k].n = 0;
    }
    rc->samples = rc->vals = rc->weights = 0;
}

static void curves_free(struct racer_curves *rc)
{
    for (int k = 0; k < C_COUNT; k++) {
        free(rc->c[k].x);
        free(rc->c[k].y);
    }
    memset(rc, 0, sizeof *rc);
}

/* ======================================================================== the landscape */

#define LAND_GRID 25          /* points per side, by default */
#define LAND_IMAGES 512       /* the fixed training subset it is evaluated on, by default */

/* One computation of the slice, on its own thread: inputs gathered there from the training
 * session's checkpoints (thread-safe copies), the result published under the session's lock. */
struct land_job {
    struct session_cnn *s;
    struct session_train *tr;      /* the run it reads (joined before the run is destroyed) */
    int racer;                     /* the centre's */
    enum nn_landscape_kind kind;
    int threads;
    uint64_t seed;
    struct nn_landscape_control ctl;
    pthread_t thread;
};

/* A finished slice, as the dashboard shows it. */
struct land_result {
    bool have;
    int n, racer;
    float *loss;                   /* (n * n) */
    double range[4];
    char what[160];
    struct curve path[NN_MAX_RACERS];   /* each racer's checkpoints projected */
};

/* ======================================================================== the session */

struct session_cnn {
    struct train_settings ts;        /* what the race runs with now */
    bool landscape;
    int land_threads, land_grid, land_images;

    /* the run: the starter thread loads (once) and trains; guarded by lock */
    pthread_mutex_t lock;
    pthread_t starter;
    bool started;                    /* starter to join */
    bool stop;                       /* asked to stop before training begins */
    struct session_train *tr;        /* published by the starter once created */
    bool failed;                     /* loading or creating failed: err says why */
    char err[1024];
    bool have_data;                  /* data loaded (kept for restarts) */
    struct nn_data data;
    struct session_train_config cfg; /* of the run */
    bool paused;                     /* Space */
    double run_t0;                   /* when training began (monotonic seconds) */

    /* the frame's side */
    struct session_train_snapshot snap;
    struct racer_curves rc[NN_MAX_RACERS];
    int selected;
    bool help;
    char toast[512];
    bool toast_error;
    double toast_until;
    unsigned long part_gen[DASH_PARTS];
    uint64_t read_gen;               /* the training generation last read */
    bool done_reported;

    /* the landscape */
    struct land_job *job;            /* running (or finished, to join); NULL none */
    bool job_done;                   /* under lock: the job's thread has finished */
    char land_err[256];              /* under lock: why the last one failed ("" none) */
    struct land_result land;         /* under lock: the latest finished slice */
    unsigned long land_gen;          /* under lock: grows with each new slice */
    unsigned long land_seen;         /* the frame's */
    long land_progress_seen;
    enum nn_landscape_kind land_kind;   /* K computes with these directions */
    bool land_3d;
    double yaw, pitch;
    int epochs_seen;                 /* epoch ends that asked for a slice */
    struct land_result shown;        /* the frame's copy */
};

void session_cnn_lecture_defaults(struct train_settings *ts)
{
    ts->limit = 10000;
    ts->has_val = true;
    ts->val = 2000;
    ts->eval_every = 40;
    ts->epochs = 6;
    const char *specs[] = {"sgd(lr=0.05)", "momentum(lr=0.02)", "adam(lr=0.002)",
                           "rmsprop(lr=0.001)"};
    ts->nopt = 0;
    for (int i = 0; i < 4; i++) {
        char err[256];
        if (optim_parse(specs[i], &ts->opt[ts->nopt], err, sizeof err)) {
            ts->nopt++;
        }
    }
}

static void bump(struct session_cnn *s, int part)
{
    if (part < 0) {
        for (int p = 0; p < DASH_PARTS; p++) {
            s->part_gen[p]++;
        }
    } else {
        s->part_gen[part]++;
    }
}

void session_cnn_toast(struct session_cnn *s, double now, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->toast, sizeof s->toast, fmt, ap);
    va_end(ap);
    s->toast_error = error;
    s->toast_until = now + (error ? 8.0 : 3.0);
    bump(s, DASH_PART_TOAST);
}

/* A deep copy of d (the trainer takes its data over; the session keeps the loaded set). */
static void data_copy(struct nn_data *dst, const struct nn_data *src)
{
    *dst = *src;
    const struct nn_dataset *from[3] = {&src->train, &src->val, &src->test};
    struct nn_dataset *to[3] = {&dst->train, &dst->val, &dst->test};
    for (int i = 0; i < 3; i++) {
        size_t px = (size_t)from[i]->n * from[i]->h * from[i]->w;
        to[i]->images = xmalloc(px + 1);
        to[i]->labels = xmalloc((size_t)from[i]->n + 1);
        memcpy(to[i]->images, from[i]->images, px);
        memcpy(to[i]->labels, from[i]->labels, (size_t)from[i]->n);
    }
}


/* ---------------------------------------------------------------- the landscape's worker */

static void land_result_free(struct land_result *r)
{
    free(r->loss);
    for (int i = 0; i < NN_MAX_RACERS; i++) {
        free(r->path[i].x);
        free(r->path[i].y);
    }
    memset(r, 0, sizeof *r);
}

static void land_result_copy(struct land_result *dst, const struct land_result *src)
{
    land_result_free(dst);
    *dst = *src;
    size_t nn = (size_t)src->n * src->n;
    dst->loss = src->loss ? xmalloc(nn * sizeof *dst->loss) : NULL;
    if (src->loss) {
        memcpy(dst->loss, src->loss, nn * sizeof *dst->loss);
    }
    for (int i = 0; i < NN_MAX_RACERS; i++) {
        const struct curve *c = &src->path[i];
        dst->path[i] = (struct curve){0};
        for (size_t k = 0; k < c->n; k++) {
            curve_push(&dst->path[i], c->x[k], c->y[k]);
        }
    }
}

/* Every racer's checkpoints projected; the range that holds them. */
static void land_paths(struct land_job *j, struct cnn *centre,
                       const struct nn_landscape_dirs *dirs, struct land_result *out)
{
    size_t n = centre->pl.total;
    float *tmp = xmalloc(n * sizeof *tmp);
    int nr = j->s->cfg.train.nopt;
    for (int r = 0; r < nr; r++) {
        size_t K = session_train_checkpoints(j->tr, r);
        for (size_t k = 0; k < K; k++) {
            if (!session_train_checkpoint(j->tr, r, k, tmp, NULL, NULL)) {
                break;
            }
            double a, b;
            nn_landscape_project(dirs, centre->params, tmp, &a, &b);
            if (isfinite(a) && isfinite(b)) {
                curve_push(&out->path[r], a, b);
            }
        }
    }
    free(tmp);
}

/* The slice around racer j->racer's latest checkpoint. False with a message, or cancelled
 * (err ""). */
static bool land_compute(struct land_job *j, struct land_result *out, char *err, size_t errlen)
{
    struct session_cnn *s = j->s;
    const struct nn_data *data = session_train_data(j->tr);
    struct cnn_config mc = s->cfg.train.model;
    mc.in_c = 1;
    mc.in_h = data->train.h;
    mc.in_w = data->train.w;
    mc.batch = NN_LANDSCAPE_CHUNK;
    size_t K = session_train_checkpoints(j->tr, j->racer);
    if (K == 0) {
        snprintf(err, errlen, "%s", _("no weights to look around yet"));
        return false;
    }
    struct cnn *centre = cnn_create(&mc);
    session_train_checkpoint(j->tr, j->racer, K - 1, centre->params, centre->buffers, NULL);
    struct nn_landscape_dirs dirs;
    memset(&dirs, 0, sizeof dirs);
    memset(out, 0, sizeof *out);
    bool ok = true;
    if (j->kind == NN_LANDSCAPE_PCA) {
        float **ck = xcalloc(K, sizeof *ck);
        for (size_t k = 0; k < K; k++) {
            ck[k] = xmalloc(centre->pl.total * sizeof **ck);
            session_train_checkpoint(j->tr, j->racer, k, ck[k], NULL, NULL);
        }
        char why[200];
        ok = nn_landscape_pca(&dirs, centre, (const float *const *)ck, (int)K, why, sizeof why);
        if (!ok) {
            snprintf(err, errlen, _("no PCA yet (%s): it needs a few validation points"), why);
        }
        for (size_t k = 0; k < K; k++) {
            free(ck[k]);
        }
        free(ck);
        snprintf(out->what, sizeof out->what, _("PCA %.0f%% + %.0f%%"),
                 100 * dirs.explained[0], 100 * dirs.explained[1]);
    } else {
        nn_landscape_random(&dirs, centre, j->seed);
        snprintf(out->what, sizeof out->what, "%s", _("random directions"));
    }
    if (ok) {
        land_paths(j, centre, &dirs, out);
        /* the range: every projected checkpoint of every racer, and at least the unit square
         * for random directions (a step of 1 is each filter's own norm) */
        size_t count = 0;
        for (int r = 0; r < NN_MAX_RACERS; r++) {
            count += out->path[r].n;
        }
        double *a = xmalloc((count + 1) * sizeof *a), *b = xmalloc((count + 1) * sizeof *b);
        size_t m = 0;
        for (int r = 0; r < NN_MAX_RACERS; r++) {
            for (size_t k = 0; k < out->path[r].n; k++) {
                a[m] = out->path[r].x[k];
                b[m++] = out->path[r].y[k];
            }
        }
        double ar[2], br[2];
        nn_landscape_fit_range(a, b, (int)m, 0.2, true, ar, br);
        free(a);
        free(b);
        if (j->kind == NN_LANDSCAPE_RANDOM) {
            ar[0] = fmin(ar[0], -1.0);
            ar[1] = fmax(ar[1], 1.0);
            br[0] = fmin(br[0], -1.0);
            br[1] = fmax(br[1], 1.0);
        }
        struct nn_landscape_images im;
        int grid = s->land_grid;
        nn_landscape_images_init(&im, &data->train, s->land_images);
        struct nn_landscape_desc desc = {
            .centre = centre, .dirs = &dirs, .images = &im, .n = grid,
            .alpha = {ar[0], ar[1]}, .beta = {br[0], br[1]}, .threads = j->threads};
        double *loss = xmalloc((size_t)grid * grid * sizeof *loss);
        ok = nn_landscape_slice(&desc, loss, &j->ctl);
        if (ok) {
            out->n = grid;
            out->racer = j->racer;
            out->range[0] = ar[0];
            out->range[1] = ar[1];
            out->range[2] = br[0];
            out->range[3] = br[1];
            out->loss = xmalloc((size_t)grid * grid * sizeof *out->loss);
            for (int k = 0; k < grid * grid; k++) {
                out->loss[k] = (float)loss[k];
            }
            out->have = true;
        } else {
            err[0] = '\0';   /* cancelled */
        }
        free(loss);
        nn_landscape_images_finish(&im);
    }
    if (!ok) {
        land_result_free(out);
    }
    nn_landscape_dirs_finish(&dirs);
    cnn_destroy(centre);
    return ok;
}

static void *land_main(void *arg)
{
    struct land_job *j = arg;
    struct session_cnn *s = j->s;
    struct land_result res;
    char err[256] = "";
    bool ok = land_compute(j, &res, err, sizeof err);
    pthread_mutex_lock(&s->lock);
    if (ok) {
        land_result_free(&s->land);
        s->land = res;
        s->land_gen++;
        s->land_err[0] = '\0';
    } else if (err[0]) {
        snprintf(s->land_err, sizeof s->land_err, "%s", err);
        s->land_gen++;
    }
    s->job_done = true;
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Waits for the job (cancelled first when cancel) and forgets it. */
static void land_join(struct session_cnn *s, bool cancel)
{
    if (!s->job) {
        return;
    }
    if (cancel) {
        atomic_store(&s->job->ctl.cancel, true);
    }
    pthread_join(s->job->thread, NULL);
    free(s->job);
    s->job = NULL;
}

/* Starts a slice around the selected racer (cancelling one under way when `replace`). */
static void land_request(struct session_cnn *s, bool replace, int threads)
{
    if (!s->landscape) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    struct session_train *tr = s->tr;
    bool done = s->job_done;
    pthread_mutex_unlock(&s->lock);
    if (!tr) {
        return;
    }
    if (s->job && !done && !replace) {
        return;   /* the one under way will do */
    }
    land_join(s, true);
    struct land_job *j = xcalloc(1, sizeof *j);
    j->s = s;
    j->tr = tr;
    j->racer = s->selected;
    j->kind = s->land_kind;
    j->threads = threads;
    j->seed = s->ts.seed;
    nn_landscape_control_init(&j->ctl);
    pthread_mutex_lock(&s->lock);
    s->job_done = false;
    pthread_mutex_unlock(&s->lock);
    if (pthread_create(&j->thread, NULL, land_main, j) != 0) {
        free(j);
        return;
    }
    s->job = j;
    s->part_gen[DASH_PART_LAND]++;
}

static void *starter_main(void *arg)
{
    struct session_cnn *s = arg;
    char err[1024] = "";
    pthread_mutex_lock(&s->lock);
    bool have = s->have_data;
    struct train_settings ts = s->ts;
    pthread_mutex_unlock(&s->lock);
    if (!have) {
        struct session_train_data_desc desc;
        session_train_data_from(&ts, &desc);
        struct nn_data d;
        bool ok = session_train_load_data(&desc, &d, err, sizeof err);
        if (!ok && desc.source == SESSION_TRAIN_FASHION_MNIST && !ts.data_dir[0] &&
            access(NN_FASHION_MNIST_DIR, F_OK) != 0) {
            size_t n = strlen(err);
            snprintf(err + n, sizeof err - n, " %s",
                     _("(install Debian's dataset-fashion-mnist, or press Y to train on "
                       "synthetic shapes)"));
        }
        pthread_mutex_lock(&s->lock);
        if (ok) {
            s->data = d;
            s->have_data = true;
        } else {
            s->failed = true;
            snprintf(s->err, sizeof s->err, "%s", err);
        }
        pthread_mutex_unlock(&s->lock);
        if (!ok) {
            return NULL;
        }
    }
    struct nn_data copy;
    pthread_mutex_lock(&s->lock);
    data_copy(&copy, &s->data);
    bool stop = s->stop;
    pthread_mutex_unlock(&s->lock);
    if (stop) {
        nn_data_finish(&copy);
        return NULL;
    }
    struct session_train *tr = session_train_create(&s->cfg, &copy, err, sizeof err);
    pthread_mutex_lock(&s->lock);
    if (!tr) {
        s->failed = true;
        snprintf(s->err, sizeof s->err, "%s", err);
    }
    s->tr = tr;
    bool paused = s->paused;
    stop = s->stop;
    pthread_mutex_unlock(&s->lock);
    if (!tr || stop) {
        return NULL;
    }
    session_train_pause(tr, paused);
    pthread_mutex_lock(&s->lock);
    s->run_t0 = nn_now();
    pthread_mutex_unlock(&s->lock);
    session_train_run(tr, NULL);
    return NULL;
}

/* Stops the run under way (if any) and forgets it. */
static void stop_run(struct session_cnn *s)
{
    land_join(s, true);
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    struct session_train *tr = s->tr;
    pthread_mutex_unlock(&s->lock);
    if (tr) {
        session_train_cancel(tr);
    }
    if (s->started) {
        pthread_join(s->starter, NULL);
        s->started = false;
    }
    pthread_mutex_lock(&s->lock);
    tr = s->tr;
    s->tr = NULL;
    pthread_mutex_unlock(&s->lock);
    if (tr) {
        session_train_cancel(tr);   /* it may have been published after the first cancel */
        session_train_destroy(tr);
    }
    session_train_snapshot_finish(&s->snap);
    memset(&s->snap, 0, sizeof s->snap);
    for (int i = 0; i < NN_MAX_RACERS; i++) {
        curves_reset(&s->rc[i]);
    }
    s->read_gen = 0;
    s->epochs_seen = 0;
    pthread_mutex_lock(&s->lock);
    land_result_free(&s->land);
    s->land_gen++;
    s->land_err[0] = '\0';
    pthread_mutex_unlock(&s->lock);
}

static bool start_run(struct session_cnn *s, char *err, size_t errlen)
{
    struct session_train_config cfg;
    if (!session_train_config_from(&s->ts, &cfg, err, errlen)) {
        return false;
    }
    pthread_mutex_lock(&s->lock);
    s->cfg = cfg;
    s->stop = false;
    s->failed = false;
    s->err[0] = '\0';
    pthread_mutex_unlock(&s->lock);
    s->done_reported = false;
    if (s->selected >= cfg.train.nopt) {
        s->selected = 0;
    }
    int rc = pthread_create(&s->starter, NULL, starter_main, s);
    if (rc != 0) {
        snprintf(err, errlen, _("cannot start the training thread: %s"), strerror(rc));
        return false;
    }
    s->started = true;
    bump(s, -1);
    return true;
}

struct session_cnn *session_cnn_create(const struct session_cnn_desc *desc, char *err,
                                       size_t errlen)
{
    struct session_cnn *s = xcalloc(1, sizeof *s);
    s->ts = *desc->ts;
    s->ts.log[0] = s->ts.save[0] = '\0';   /* the window neither logs nor saves */
    s->paused = desc->paused;
    s->landscape = desc->landscape;
    s->land_threads = desc->landscape_threads > 0 ? desc->landscape_threads : 1;
    s->land_grid = desc->landscape_grid > 0 ? desc->landscape_grid : LAND_GRID;
    s->land_images = desc->landscape_images > 0 ? desc->landscape_images : LAND_IMAGES;
    s->yaw = -0.6;
    s->pitch = 0.7;
    /* the path's own plane: every optimizer's trajectory shows on it (random directions, O,
     * are nearly orthogonal to any path in ~9,000 dimensions) */
    s->land_kind = NN_LANDSCAPE_PCA;
    pthread_mutex_init(&s->lock, NULL);
    if (!start_run(s, err, errlen)) {
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    return s;
}

void session_cnn_destroy(struct session_cnn *s)
{
    if (!s) {
        return;
    }
    stop_run(s);
    for (int i = 0; i < NN_MAX_RACERS; i++) {
        curves_free(&s->rc[i]);
    }
    land_result_free(&s->land);
    land_result_free(&s->shown);
    if (s->have_data) {
        nn_data_finish(&s->data);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* ======================================================================== actions */

static void restart(struct session_cnn *s, double now, const char *what)
{
    stop_run(s);
    char err[1024];
    if (!start_run(s, err, sizeof err)) {
        session_cnn_toast(s, now, true, _("cannot restart: %s"), err);
        return;
    }
    if (what) {
        session_cnn_toast(s, now, false, _("%s: the race starts again"), what);
    }
}

static struct session_train *current(struct session_cnn *s)
{
    pthread_mutex_lock(&s->lock);
    struct session_train *tr = s->tr;
    pthread_mutex_unlock(&s->lock);
    return tr;
}

void session_cnn_act(struct session_cnn *s, enum cnn_action a, int arg, double now)
{
    (void)arg;
    char what[160];
    switch (a) {
    case CNN_NONE:
        return;
    case CNN_PLAY: {
        s->paused = !s->paused;
        pthread_mutex_lock(&s->lock);
        struct session_train *tr = s->tr;
        pthread_mutex_unlock(&s->lock);
        if (tr) {
            session_train_pause(tr, s->paused);
        }
        bump(s, DASH_PART_STATUS);
        return;
    }
    case CNN_RESTART:
        restart(s, now, NULL);
        return;
    case CNN_DROPOUT:
        s->ts.dropout = s->ts.dropout > 0 ? 0.0 : 0.3;
        snprintf(what, sizeof what, "%s", s->ts.dropout > 0 ? _("dropout 0.3 on") : _("dropout off"));
        restart(s, now, what);
        return;
    case CNN_BATCHNORM:
        s->ts.batchnorm = !s->ts.batchnorm;
        snprintf(what, sizeof what, "%s", s->ts.batchnorm ? _("batch norm on") : _("batch norm off"));
        restart(s, now, what);
        return;
    case CNN_PENALTY:
        /* none -> L1 (subgradient) -> L1 (proximal: exact zeros) -> L2 -> none */
        if (s->ts.compare_penalties || (s->ts.l1 <= 0 && s->ts.l2 <= 0)) {
            s->ts.l1 = 1e-3;
            s->ts.l2 = 0;
            s->ts.l1_mode = TRAIN_L1_SUBGRADIENT;
        } else if (s->ts.l1 > 0 && s->ts.l1_mode == TRAIN_L1_SUBGRADIENT) {
            s->ts.l1_mode = TRAIN_L1_PROXIMAL;
        } else if (s->ts.l1 > 0) {
            s->ts.l1 = 0;
            s->ts.l2 = 1e-2;
            s->ts.l1_mode = TRAIN_L1_SUBGRADIENT;
        } else {
            s->ts.l1 = s->ts.l2 = 0;
        }
        s->ts.compare_penalties = false;
        if (s->ts.l1 > 0) {
            snprintf(what, sizeof what,
                     s->ts.l1_mode == TRAIN_L1_PROXIMAL ? _("penalty L1 %g, proximal (exact zeros)")
                                                        : _("penalty L1 %g"),
                     s->ts.l1);
        } else if (s->ts.l2 > 0) {
            snprintf(what, sizeof what, _("penalty L2 %g"), s->ts.l2);
        } else {
            snprintf(what, sizeof what, "%s", _("no penalty"));
        }
        restart(s, now, what);
        return;
    case CNN_PATIENCE:
        s->ts.patience = s->ts.patience >= 3 ? 0 : s->ts.patience + 1;
        if (s->ts.patience > 0) {
            snprintf(what, sizeof what,
                     ngettext("early stopping after %ld epoch without a better validation loss",
                              "early stopping after %ld epochs without a better validation loss",
                              (unsigned long)s->ts.patience),
                     s->ts.patience);
        } else {
            snprintf(what, sizeof what, "%s", _("early stopping off"));
        }
        restart(s, now, what);
        return;
    case CNN_COMPARE:
        s->ts.compare_penalties = !s->ts.compare_penalties;
        if (s->ts.compare_penalties) {
            /* L1 by its proximal step: its weights reach zero, the spike is plain */
            s->ts.l1_mode = TRAIN_L1_PROXIMAL;
        }
        snprintf(what, sizeof what, "%s", s->ts.compare_penalties
                 ? _("no penalty against L1 against L2, one optimizer") : _("the optimizers' race"));
        restart(s, now, what);
        return;
    case CNN_SELECT_NEXT:
    case CNN_SELECT_PREV: {
        int n = s->snap.state.nracers > 0 ? s->snap.state.nracers : 1;
        s->selected = (s->selected + (a == CNN_SELECT_NEXT ? 1 : n - 1)) % n;
        bump(s, -1);
        return;
    }
    case CNN_SYNTHETIC:
        if (s->ts.data != TRAIN_DATA_SYNTHETIC) {
            s->ts.data = TRAIN_DATA_SYNTHETIC;
            s->ts.data_dir[0] = '\0';
            stop_run(s);
            if (s->have_data) {
                nn_data_finish(&s->data);
                s->have_data = false;
            }
            restart(s, now, _("synthetic shapes"));
        }
        return;
    case CNN_HELP:
        s->help = !s->help;
        bump(s, DASH_PART_HELP);
        return;
    case CNN_LANDSCAPE:
        land_request(s, true, s->land_threads);
        bump(s, DASH_PART_LAND);
        return;
    case CNN_DIRECTIONS:
        s->land_kind = s->land_kind == NN_LANDSCAPE_PCA ? NN_LANDSCAPE_RANDOM : NN_LANDSCAPE_PCA;
        session_cnn_toast(s, now, false, _("landscape directions: %s"),
                          s->land_kind == NN_LANDSCAPE_PCA
                              ? _("the first two principal components of the path")
                              : _("random, filter-normalized"));
        land_request(s, true, s->land_threads);
        bump(s, DASH_PART_LAND);
        return;
    case CNN_VIEW3D:
        s->land_3d = !s->land_3d;
        bump(s, DASH_PART_LAND);
        return;
    case CNN_ROTATE:
        s->yaw += 0.01 * arg;
        bump(s, DASH_PART_LAND);
        return;
    case CNN_TILT:
        s->pitch = fmin(1.45, fmax(0.1, s->pitch + 0.01 * arg));
        bump(s, DASH_PART_LAND);
        return;
    }
}

/* ======================================================================== reading */

/* The snapshot's new history entries onto each racer's curves. */
static void grow_curves(struct session_cnn *s)
{
    for (int i = 0; i < s->snap.state.nracers; i++) {
        const struct session_train_history *h = &s->snap.hist[i];
        struct racer_curves *rc = &s->rc[i];
        for (; rc->samples < h->nsamples; rc->samples++) {
            const struct session_train_sample *p = &h->samples[rc->samples];
            curve_push(&rc->c[C_TRAIN_LOSS], (double)p->images, p->loss_ema);
            curve_push(&rc->c[C_TRAIN_ACC], (double)p->images, p->acc_ema);
            curve_push(&rc->c[C_LR], (double)p->images, p->lr);
        }
        for (; rc->vals < h->nvals; rc->vals++) {
            const struct nn_val_point *v = &h->vals[rc->vals];
            curve_push(&rc->c[C_VAL_LOSS], (double)v->images, v->loss);
            curve_push(&rc->c[C_VAL_ACC], (double)v->images, v->acc);
        }
        for (; rc->weights < h->nweights; rc->weights++) {
            const struct session_train_weights *w = &h->weights[rc->weights];
            curve_push(&rc->c[C_WNORM], (double)w->images, w->norm);
            curve_push(&rc->c[C_WNEAR], (double)w->images, w->near_share);
        }
    }
}

bool session_cnn_advance(struct session_cnn *s, double now)
{
    bool changed = false;
    if (s->toast[0] && now >= s->toast_until) {
        s->toast[0] = '\0';
        bump(s, DASH_PART_TOAST);
        changed = true;
    }
    pthread_mutex_lock(&s->lock);
    struct session_train *tr = s->tr;
    bool failed = s->failed;
    pthread_mutex_unlock(&s->lock);
    if (failed && !s->toast_error && !s->done_reported) {
        session_cnn_toast(s, now, true, "%s", s->err);
        s->toast_until = now + 1e9;   /* until the user acts */
        s->done_reported = true;
        bump(s, -1);
        return true;
    }
    if (!tr) {
        return changed;
    }
    /* the landscape: a finished job joined, a new slice copied, progress shown */
    pthread_mutex_lock(&s->lock);
    bool job_done = s->job_done;
    unsigned long land_gen = s->land_gen;
    if (land_gen != s->land_seen) {
        land_result_copy(&s->shown, &s->land);
        s->land_seen = land_gen;
        s->part_gen[DASH_PART_LAND]++;
        changed = true;
    }
    pthread_mutex_unlock(&s->lock);
    if (s->job && job_done) {
        land_join(s, false);
        s->part_gen[DASH_PART_LAND]++;
    }
    if (s->job) {
        long done = atomic_load(&s->job->ctl.done);
        if (done != s->land_progress_seen) {
            s->land_progress_seen = done;
            s->part_gen[DASH_PART_LAND]++;
        }
    }
    enum session_train_phase before = s->snap.state.phase;
    int epoch_before = s->snap.state.epoch;
    long insp_before = s->snap.state.nracers ? s->snap.state.racer[0].insp.images : -1;
    if (!session_train_read(tr, &s->snap)) {
        return changed;
    }
    grow_curves(s);
    s->part_gen[DASH_PART_CURVES]++;
    s->part_gen[DASH_PART_STATUS]++;
    bool insp = false;
    for (int i = 0; i < s->snap.state.nracers; i++) {
        insp |= s->snap.hist[i].nweights != 0 && s->rc[i].weights != 0;
    }
    long insp_now = s->snap.state.nracers ? s->snap.state.racer[0].insp.images : -1;
    if (insp && (insp_now != insp_before || s->snap.state.epoch != epoch_before ||
                 s->snap.state.phase != before)) {
        s->part_gen[DASH_PART_WEIGHTS]++;
        s->part_gen[DASH_PART_NET]++;
    }
    /* a new slice at each epoch's end and at the end of the run */
    if (s->snap.state.epoch > s->epochs_seen ||
        (s->snap.state.phase == SESSION_TRAIN_DONE && before != SESSION_TRAIN_DONE)) {
        s->epochs_seen = s->snap.state.epoch;
        land_request(s, s->snap.state.phase == SESSION_TRAIN_DONE, s->land_threads);
    }
    if (s->snap.state.phase != before) {
        s->part_gen[DASH_PART_BACK]++;
        if (s->snap.state.phase == SESSION_TRAIN_DONE && !s->done_reported) {
            s->done_reported = true;
            int best = -1;
            for (int i = 0; i < s->snap.state.nracers; i++) {
                const struct session_train_racer *r = &s->snap.state.racer[i];
                if (r->tested && (best < 0 || r->test_acc > s->snap.state.racer[best].test_acc)) {
                    best = i;
                }
            }
            if (best >= 0) {
                session_cnn_toast(s, now, false, _("done: best on the test split %s, %.1f%%"),
                                  s->snap.state.racer[best].label,
                                  100 * s->snap.state.racer[best].test_acc);
            }
        }
    }
    return true;
}

unsigned long session_cnn_part_gen(const struct session_cnn *s, int part)
{
    return part >= 0 && part < DASH_PARTS ? s->part_gen[part] : 0;
}

double session_cnn_images_per_s(const struct session_cnn *s)
{
    long images = 0;
    for (int i = 0; i < s->snap.state.nracers; i++) {
        images += s->snap.state.racer[i].images;
    }
    pthread_mutex_lock((pthread_mutex_t *)&s->lock);
    double t0 = s->run_t0;
    pthread_mutex_unlock((pthread_mutex_t *)&s->lock);
    double dt = nn_now() - t0;
    return t0 > 0 && dt > 0 && images > 0 ? images / dt : 0.0;
}

bool session_cnn_help(const struct session_cnn *s)
{
    return s->help;
}

const struct train_settings *session_cnn_settings(const struct session_cnn *s)
{
    return &s->ts;
}

void session_cnn_state(const struct session_cnn *s, struct session_train_state *out)
{
    *out = s->snap.state;
}

/* ======================================================================== the dashboard */

static struct dash_curve as_dash(const struct curve *c)
{
    return (struct dash_curve){c->x, c->y, c->n};
}

static void group_digits(long v, char *buf, size_t len)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%ld", v);
    size_t n = strlen(tmp), o = 0;
    for (size_t i = 0; i < n && o + 2 < len; i++) {
        buf[o++] = tmp[i];
        if ((n - 1 - i) % 3 == 0 && i + 1 < n) {
            buf[o++] = ',';
        }
    }
    buf[o] = '\0';
}

void session_cnn_dash(struct session_cnn *s, struct dash *d, int width, int height,
                      double now)
{
    (void)now;
    dash_init(d, width, height);
    const struct session_train_state *st = &s->snap.state;
    const struct train_settings *ts = &s->ts;
    struct session_train *tr = current(s);
    const struct nn_data *data = tr ? session_train_data(tr) : NULL;
    bool synthetic = ts->data == TRAIN_DATA_SYNTHETIC;
    int nr = st->nracers;
    if (ts->compare_penalties) {
        snprintf(d->title, sizeof d->title, _("L1 against L2 on the CNN: %s"),
                 synthetic ? _("synthetic shapes") : "Fashion-MNIST");
    } else {
        snprintf(d->title, sizeof d->title, _("%d optimizers train a CNN on %s"),
                 nr > 0 ? nr : s->cfg.train.nopt, synthetic ? _("synthetic shapes") : "Fashion-MNIST");
    }
    char sched[128], ntr[32] = "?", nval[32] = "?", npar[32] = "?";
    sched_format(&ts->sched, sched, sizeof sched);
    if (data) {
        group_digits(data->train.n, ntr, sizeof ntr);
        group_digits(data->val.n, nval, sizeof nval);
    }
    group_digits((long)st->nweights, npar, sizeof npar);
    snprintf(d->subtitle, sizeof d->subtitle,
             _("%s training, %s validation images \xC2\xB7 small CNN, %s weights \xC2\xB7 batch %ld "
               "\xC2\xB7 %ld epochs \xC2\xB7 schedule %s \xC2\xB7 seed %llu"),
             ntr, nval, npar, ts->batch, ts->epochs, sched, ts->seed);
    d->nracers = nr;
    d->selected = s->selected < nr ? s->selected : 0;
    long per_epoch = data ? data->train.n : 0;
    d->images_total = (double)per_epoch * ts->epochs;
    for (int i = 0; i < nr; i++) {
        const struct session_train_racer *r = &st->racer[i];
        struct dash_racer *dr = &d->r[i];
        snprintf(dr->label, sizeof dr->label, "%s", r->label);
        dr->color = i;
        dr->train_loss = as_dash(&s->rc[i].c[C_TRAIN_LOSS]);
        dr->val_loss = as_dash(&s->rc[i].c[C_VAL_LOSS]);
        dr->train_acc = as_dash(&s->rc[i].c[C_TRAIN_ACC]);
        dr->val_acc = as_dash(&s->rc[i].c[C_VAL_ACC]);
        dr->lr = as_dash(&s->rc[i].c[C_LR]);
        dr->wnorm = as_dash(&s->rc[i].c[C_WNORM]);
        dr->wnear = as_dash(&s->rc[i].c[C_WNEAR]);
        dr->diverged = r->diverged;
        dr->stopped = r->stopped;
        dr->restored = r->restored;
        dr->best_epoch = ts->patience > 0 ? r->best_epoch : 0;
        dr->best_val_loss = r->best_val_loss;
        /* the images seen at the best epoch's end */
        const struct session_train_history *h = &s->snap.hist[i];
        for (size_t k = 0; k < h->nvals; k++) {
            if (h->vals[k].epoch_end && h->vals[k].epoch == r->best_epoch) {
                dr->best_images = (double)h->vals[k].images;
            }
        }
        dr->tested = r->tested;
        dr->test_acc = r->test_acc;
        const struct session_train_inspection *in = &r->insp;
        dr->nlayers = in->nlayers < DASH_MAX_LAYERS ? in->nlayers : DASH_MAX_LAYERS;
        for (int l = 0; l < dr->nlayers; l++) {
            struct dash_layer *L = &dr->layer[l];
            snprintf(L->name, sizeof L->name, "%s", in->layer[l].name);
            L->range = in->layer[l].range;
            _Static_assert(DASH_BINS == NN_INSPECT_BINS, "one histogram");
            memcpy(L->hist, in->layer[l].hist, sizeof L->hist);
            L->count = in->layer[l].count;
            L->zeros = in->layer[l].zeros;
            L->near = in->layer[l].near;
            L->norm = in->layer[l].norm;
        }
        dr->count = in->count;
        dr->zeros = in->zeros;
        dr->near = in->near;
        dr->norm = in->norm;
        _Static_assert(DASH_FILTERS == SESSION_TRAIN_FILTERS, "filters");
        memcpy(dr->filter, in->filter, sizeof dr->filter);
        _Static_assert(DASH_PREDS == SESSION_TRAIN_PREDS, "predictions");
        memcpy(dr->pred, in->pred, sizeof dr->pred);
        memcpy(dr->pred_prob, in->pred_prob, sizeof dr->pred_prob);
        dr->has_conf = in->has_conf;
        memcpy(dr->conf, in->conf, sizeof dr->conf);
    }
    if (data && tr) {
        int np;
        const int *idx = session_train_pred_index(tr, &np);
        d->npred = np;
        d->img_w = data->test.w;
        d->img_h = data->test.h;
        /* the indices are 0..np-1: the first test images, contiguous */
        d->pred_img = np > 0 && idx[0] == 0 ? data->test.images : NULL;
        for (int k = 0; k < np; k++) {
            d->pred_true[k] = data->test.labels[idx[k]];
        }
    }
    for (int c = 0; c < DASH_CLASSES; c++) {
        d->class_name[c] = nn_class_name(synthetic, c);
        d->class_short[c] = nn_class_short_name(synthetic, c);
    }
    struct dash_landscape *L = &d->land;
    const struct land_result *lr = &s->shown;
    L->have = lr->have && lr->racer < nr;
    L->busy = s->job != NULL;
    L->progress = s->job ? (double)atomic_load(&s->job->ctl.done) / (s->land_grid * s->land_grid)
                         : 0;
    L->view3d = s->land_3d;
    L->yaw = s->yaw;
    L->pitch = s->pitch;
    if (L->have) {
        L->n = lr->n;
        L->loss = lr->loss;
        memcpy(L->range, lr->range, sizeof L->range);
        L->racer = lr->racer;
        snprintf(L->what, sizeof L->what, "%s", lr->what);
        for (int i = 0; i < nr && i < DASH_MAX_RACERS; i++) {
            L->path[i] = as_dash(&lr->path[i]);
        }
    }
    pthread_mutex_lock(&s->lock);
    if (s->land_err[0]) {
        snprintf(L->note, sizeof L->note, "%s", s->land_err);
    } else if (!s->landscape) {
        snprintf(L->note, sizeof L->note, "%s", _("not computed"));
    } else {
        snprintf(L->note, sizeof L->note, "%s", _("after the first epoch (or press K)"));
    }
    pthread_mutex_unlock(&s->lock);

    /* status */
    const char *phase = _("loading the data\xE2\x80\xA6");
    if (s->failed) {
        phase = _("could not start");
    } else if (st->phase == SESSION_TRAIN_RUNNING || st->phase == SESSION_TRAIN_READY) {
        phase = s->paused ? _("paused") : (s->tr ? _("training") : phase);
    } else if (st->phase == SESSION_TRAIN_PAUSED) {
        phase = _("paused");
    } else if (st->phase == SESSION_TRAIN_DONE) {
        phase = _("done");
    } else if (st->phase == SESSION_TRAIN_CANCELLED) {
        phase = _("stopped");
    }
    if (tr && st->batches > 0 && st->phase != SESSION_TRAIN_DONE) {
        snprintf(d->status[0], sizeof d->status[0],
                 _("%s \xC2\xB7 epoch %d of %d \xC2\xB7 batch %d of %d"), phase,
                 st->epoch + (st->batch > 0 && st->epoch < st->epochs ? 1 : 0), st->epochs,
                 st->batch, st->batches);
    } else if (st->phase == SESSION_TRAIN_DONE) {
        size_t n = (size_t)snprintf(d->status[0], sizeof d->status[0],
                                    ngettext("done after %d epoch \xC2\xB7 test accuracy:",
                                             "done after %d epochs \xC2\xB7 test accuracy:",
                                             (unsigned long)st->epoch),
                                    st->epoch);
        for (int i = 0; i < nr && n < sizeof d->status[0]; i++) {
            const struct session_train_racer *r = &st->racer[i];
            if (r->tested) {
                n += (size_t)snprintf(d->status[0] + n, sizeof d->status[0] - n, "%s %s %.1f%%",
                                      i ? "," : "", r->label, 100 * r->test_acc);
            } else {
                n += (size_t)snprintf(d->status[0] + n, sizeof d->status[0] - n,
                                      _("%s %s diverged"), i ? "," : "", r->label);
            }
        }
    } else {
        snprintf(d->status[0], sizeof d->status[0], "%s", phase);
    }
    char pen[64];
    if (ts->compare_penalties) {
        snprintf(pen, sizeof pen, "%s", _("none / L1 / L2 race"));
    } else if (ts->l1 > 0) {
        snprintf(pen, sizeof pen, ts->l1_mode == TRAIN_L1_PROXIMAL ? _("L1 %g proximal") : "L1 %g",
                 ts->l1);
    } else if (ts->l2 > 0) {
        snprintf(pen, sizeof pen, "L2 %g", ts->l2);
    } else {
        snprintf(pen, sizeof pen, "%s", _("none"));
    }
    char es[32];
    if (ts->patience > 0) {
        snprintf(es, sizeof es, _("patience %ld"), ts->patience);
    } else {
        snprintf(es, sizeof es, "%s", _("off"));
    }
    snprintf(d->status[1], sizeof d->status[1],
             _("dropout %s (D) \xC2\xB7 batch norm %s (B) \xC2\xB7 penalty %s (P, F) \xC2\xB7 "
               "early stopping %s (E) \xC2\xB7 Space pause \xC2\xB7 R restart \xC2\xB7 N toy "
               "race \xC2\xB7 H help"),
             ts->dropout > 0 ? "0.3" : _("off"), ts->batchnorm ? _("on") : _("off"), pen, es);
    if (s->toast[0]) {
        snprintf(d->toast, sizeof d->toast, "%s", s->toast);
        d->toast_error = s->toast_error;
    }
    d->help = s->help;
    d->help_title = N_("keys: the CNN mode");
    dash_layout(d);
}

/* ======================================================================== headless */

bool session_cnn_finish_run(struct session_cnn *s, char *err, size_t errlen)
{
    if (s->started) {
        pthread_join(s->starter, NULL);
        s->started = false;
    }
    if (s->failed) {
        snprintf(err, errlen, "%s", s->err);
        return false;
    }
    session_cnn_advance(s, 0.0);
    if (s->landscape) {
        land_request(s, true, s->land_threads);
        land_join(s, false);
        session_cnn_advance(s, 0.0);
    }
    s->toast[0] = '\0';
    return true;
}

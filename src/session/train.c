/* train.c: a CNN training session: one run loop for the synchronous and the threaded run, so
 * both give the same numbers; the worker publishes each batch's state under a short lock. */
#include "session/train.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "nn/cnn.h"
#include "sim/i18n.h"
#include "sim/train_settings.h"
#include "sim/util.h"

struct session_train {
    struct nn_data data;              /* owned */
    struct nn_trainer *t;             /* touched only by the run (or when none is under way) */
    FILE *log;                        /* not owned; NULL for none */
    int log_errno;                    /* of the first failed write, 0 while none */
    struct session_train_hooks hooks; /* of the run under way */

    /* The run's own state, written by the run only; published as `pub`. */
    struct session_train_state cur;
    /* What the latest batch adds to each racer's history, waiting to be published. */
    struct session_train_sample cur_sample[NN_MAX_RACERS];
    bool new_sample[NN_MAX_RACERS];   /* cur_sample[i] */
    bool new_val[NN_MAX_RACERS];      /* the trainer's r[i].val */
    bool new_epoch[NN_MAX_RACERS];    /* the trainer's r[i].last */

    /* Under `lock`: what readers see, and the controls. */
    pthread_mutex_t lock;
    pthread_cond_t cond;              /* broadcast on publication and on any control */
    struct session_train_state pub;
    struct session_train_history hist[NN_MAX_RACERS];
    bool pause;                       /* asked to pause */
    bool cancel;                      /* asked to cancel */
    bool active;                      /* a run is under way */

    pthread_t thread;
    bool started;                     /* thread is to be joined */

    int pred_index[SESSION_TRAIN_PREDS];   /* test images inspections predict */
    int npred;
    /* Under `lock`: each racer's checkpoints, one per inspection. */
    struct checkpoints {
        float **params, **buffers;
        long *images;
        size_t n, cap;
    } ck[NN_MAX_RACERS];
};

/* ======================================================================== data */

bool session_train_load_data(const struct session_train_data_desc *desc, struct nn_data *out,
                             char *err, size_t errlen)
{
    if (desc->source == SESSION_TRAIN_SYNTHETIC) {
        nn_data_synthetic(out, 12000, desc->val > 0 ? desc->val : 2000, 2000, desc->seed);
    } else {
        const char *dir = desc->dir ? desc->dir : NN_FASHION_MNIST_DIR;
        if (!nn_data_load_dir(out, dir, desc->val > 0 ? desc->val : -1, err, errlen)) {
            return false;
        }
        char src[400];
        snprintf(src, sizeof(src), _("%s in %s"), desc->dir ? _("MNIST-format data") : "fashion-mnist",
                 out->source);
        snprintf(out->source, sizeof(out->source), "%s", src);
    }
    nn_data_limit(out, desc->limit);
    return true;
}

void session_train_data_from(const struct train_settings *ts,
                             struct session_train_data_desc *out)
{
    *out = (struct session_train_data_desc){
        .source = ts->data == TRAIN_DATA_SYNTHETIC ? SESSION_TRAIN_SYNTHETIC
                                                   : SESSION_TRAIN_FASHION_MNIST,
        .dir = ts->data_dir[0] ? ts->data_dir : NULL, .val = ts->has_val ? (int)ts->val : -1,
        .limit = (int)ts->limit, .seed = ts->seed};
}

bool session_train_config_from(const struct train_settings *ts, struct session_train_config *out,
                               char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    struct nn_train_config *cfg = &out->train;
    if (!cnn_config_for_model(ts->model, &cfg->model, err, errlen)) {
        return false;
    }
    cfg->model.batchnorm = ts->batchnorm;
    cfg->model.dropout = (float)ts->dropout;
    cfg->model.hidden = (int)ts->hidden;
    cfg->batch = (int)ts->batch;
    cfg->epochs = (int)ts->epochs;
    cfg->l1 = ts->l1;
    cfg->l2 = ts->l2;
    cfg->l1_proximal = ts->l1_mode == TRAIN_L1_PROXIMAL;
    cfg->patience = (int)ts->patience;
    cfg->seed = ts->seed;
    cfg->threads = (int)ts->threads;
    cfg->eval_every = (int)ts->eval_every;
    cfg->nopt = ts->nopt;
    memcpy(cfg->opt, ts->opt, (size_t)ts->nopt * sizeof ts->opt[0]);
    cfg->sched = ts->sched;
    if (ts->compare_penalties) {
        cfg->nopt = 3;
        cfg->opt[1] = cfg->opt[2] = cfg->opt[0];
        cfg->racer_penalty = true;
        cfg->pen[0] = (struct nn_penalty){0, 0};
        cfg->pen[1] = (struct nn_penalty){ts->has_l1 && ts->l1 > 0 ? ts->l1 : 1e-3, 0};
        cfg->pen[2] = (struct nn_penalty){0, ts->has_l2 && ts->l2 > 0 ? ts->l2 : 1e-2};
    }
    return true;
}

/* ======================================================================== history */

/* p (of *cap elements of size `size`) grown to hold at least n: p itself or its new place. */
static void *reserve(void *p, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap) {
        return p;
    }
    size_t c = *cap ? *cap : 256;
    while (c < n) {
        c *= 2;
    }
    *cap = c;
    return xrealloc(p, c * size);
}

static void history_finish(struct session_train_history *h)
{
    free(h->samples);
    free(h->vals);
    free(h->epochs);
    free(h->weights);
    memset(h, 0, sizeof(*h));
}

void session_train_snapshot_finish(struct session_train_snapshot *snap)
{
    for (int i = 0; i < NN_MAX_RACERS; i++) {
        history_finish(&snap->hist[i]);
    }
}

/* dst (holding *n of *cap elements of size `size`) with src[*n..m) copied onto its end;
 * returns dst or its new place. */
static void *copy_tail(void *dst, size_t *n, size_t *cap, const void *src, size_t m,
                       size_t size)
{
    assert(*n <= m);   /* a snapshot is read from one session only */
    if (m == *n) {
        return dst;   /* nothing new (and src may still be NULL) */
    }
    dst = reserve(dst, cap, m, size);
    memcpy((char *)dst + *n * size, (const char *)src + *n * size, (m - *n) * size);
    *n = m;
    return dst;
}

/* Copies src's entries past dst's counts onto dst. */
static void history_sync(struct session_train_history *dst,
                         const struct session_train_history *src)
{
    dst->samples = copy_tail(dst->samples, &dst->nsamples, &dst->cap_samples, src->samples,
                             src->nsamples, sizeof(*dst->samples));
    dst->vals = copy_tail(dst->vals, &dst->nvals, &dst->cap_vals, src->vals, src->nvals,
                          sizeof(*dst->vals));
    dst->epochs = copy_tail(dst->epochs, &dst->nepochs, &dst->cap_epochs, src->epochs,
                            src->nepochs, sizeof(*dst->epochs));
    dst->weights = copy_tail(dst->weights, &dst->nweights, &dst->cap_weights, src->weights,
                             src->nweights, sizeof(*dst->weights));
}

/* ======================================================================== inspections */

/* Racer i's network now into its state's inspection (with the confusion matrix of the
 * validation split when conf), its weight summary onto the history and a checkpoint onto
 * its list. Run by the run's thread between batches (the nets are its own); the shared
 * parts under the lock. */
static void inspect(struct session_train *s, int i, bool conf)
{
    struct nn_trainer *t = s->t;
    struct nn_racer *tr = &t->r[i];
    struct session_train_inspection *in = &s->cur.racer[i].insp;
    struct cnn *net = tr->net;
    in->images = tr->images;
    in->nlayers = nn_inspect_layers(net, in->layer);
    nn_inspect_totals(in->layer, in->nlayers, &in->count, &in->zeros, &in->near, &in->norm);
    int C = net->cfg.in_c;
    for (int f = 0; f < SESSION_TRAIN_FILTERS; f++) {
        for (int k = 0; k < 9; k++) {
            in->filter[f][k] = net->p_conv1_w[(size_t)f * C * 9 + k];
        }
    }
    if (!tr->diverged) {
        nn_inspect_predict(net, &s->data.test, s->pred_index, s->npred, t->x, t->y, in->pred,
                           in->pred_prob);
        if (conf) {
            nn_inspect_confusion(net, &s->data.val, t->x, t->y, in->conf);
            in->has_conf = true;
            in->conf_images = tr->images;
        }
    }
    struct session_train_weights w = {
        .images = tr->images, .norm = (float)in->norm,
        .near_share = in->count ? (float)in->near / (float)in->count : 0.0f,
        .zero_share = in->count ? (float)in->zeros / (float)in->count : 0.0f};
    float *params = xmalloc(net->pl.total * sizeof(float));
    float *buffers = xmalloc((net->bl.total + 1) * sizeof(float));
    memcpy(params, net->params, net->pl.total * sizeof(float));
    memcpy(buffers, net->buffers, net->bl.total * sizeof(float));
    pthread_mutex_lock(&s->lock);
    struct session_train_history *h = &s->hist[i];
    h->weights = reserve(h->weights, &h->cap_weights, h->nweights + 1, sizeof(*h->weights));
    h->weights[h->nweights++] = w;
    struct checkpoints *c = &s->ck[i];
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 32;
        c->params = xrealloc(c->params, c->cap * sizeof(*c->params));
        c->buffers = xrealloc(c->buffers, c->cap * sizeof(*c->buffers));
        c->images = xrealloc(c->images, c->cap * sizeof(*c->images));
    }
    c->params[c->n] = params;
    c->buffers[c->n] = buffers;
    c->images[c->n] = tr->images;
    c->n++;
    pthread_mutex_unlock(&s->lock);
}

/* ======================================================================== create/destroy */

struct session_train *session_train_create(const struct session_train_config *cfg,
                                           struct nn_data *data, char *err, size_t errlen)
{
    struct session_train *s = xcalloc(1, sizeof(*s));
    s->data = *data;
    memset(data, 0, sizeof(*data));
    s->t = nn_trainer_create(&cfg->train, &s->data, err, errlen);
    if (!s->t) {
        nn_data_finish(&s->data);
        free(s);
        return NULL;
    }
    s->log = cfg->log;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);

    struct session_train_state *st = &s->cur;
    st->phase = SESSION_TRAIN_READY;
    st->epochs = cfg->train.epochs;
    st->batches = s->t->batches;
    st->nracers = s->t->nracers;
    const struct cnn *net = s->t->r[0].net;
    for (int i = 0; i < net->pl.count; i++) {
        st->nweights += net->pl.t[i].size;
    }
    for (int i = 0; i < st->nracers; i++) {
        struct session_train_racer *r = &st->racer[i];
        snprintf(r->label, sizeof(r->label), "%s", s->t->r[i].label);
        r->best_val_loss = INFINITY;
    }
    s->npred = s->data.test.n < SESSION_TRAIN_PREDS ? s->data.test.n : SESSION_TRAIN_PREDS;
    for (int k = 0; k < s->npred; k++) {
        s->pred_index[k] = k;
    }
    for (int i = 0; i < st->nracers; i++) {
        inspect(s, i, true);
    }
    s->pub = *st;
    if (s->log &&
        fprintf(s->log, "optimizer,epoch,step,loss,penalty,accuracy,lr,diverged\n") < 0) {
        s->log_errno = errno ? errno : EIO;
    }
    return s;
}

void session_train_destroy(struct session_train *s)
{
    if (!s) {
        return;
    }
    session_train_cancel(s);
    session_train_join(s);
    for (int i = 0; i < NN_MAX_RACERS; i++) {
        history_finish(&s->hist[i]);
        struct checkpoints *c = &s->ck[i];
        for (size_t k = 0; k < c->n; k++) {
            free(c->params[k]);
            free(c->buffers[k]);
        }
        free(c->params);
        free(c->buffers);
        free(c->images);
    }
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    nn_trainer_destroy(s->t);
    nn_data_finish(&s->data);
    free(s);
}

/* ======================================================================== the run */

/* A CSV field: quoted (RFC 4180) when it holds a comma or a quote, as "adam(lr=0.1,beta1=0.8)". */
static int csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        return fputs(s, f);
    }
    if (fputc('"', f) == EOF) {
        return EOF;
    }
    for (; *s; s++) {
        if ((*s == '"' && fputc('"', f) == EOF) || fputc(*s, f) == EOF) {
            return EOF;
        }
    }
    return fputc('"', f);
}

/* A number of a log row: empty when it is not finite (the row of a diverging step), so no
 * reader gets NaN or infinity. */
static int csv_number(FILE *f, double v)
{
    return isfinite(v) ? fprintf(f, ",%.9g", v) : fprintf(f, ",");
}

/* The trainer's step callback: the log row, the racer's state and its history sample. */
static void on_trainer_step(void *user, const struct nn_step_info *si)
{
    struct session_train *s = user;
    const struct nn_racer *tr = &s->t->r[si->racer];
    struct session_train_racer *r = &s->cur.racer[si->racer];
    if (s->log && !s->log_errno) {
        errno = 0;
        /* A diverging step's row is the racer's last: diverged = 1, the update that would
         * have been, its non-finite numbers empty. */
        if (csv_field(s->log, tr->label) == EOF ||
            fprintf(s->log, ",%d,%ld", si->epoch, tr->diverged ? tr->steps + 1 : si->step) < 0 ||
            csv_number(s->log, si->loss) < 0 || csv_number(s->log, si->penalty) < 0 ||
            csv_number(s->log, si->accuracy) < 0 || csv_number(s->log, si->lr) < 0 ||
            fprintf(s->log, ",%d\n", tr->diverged ? 1 : 0) < 0) {
            s->log_errno = errno ? errno : EIO;
        }
    }
    if (tr->diverged) {
        /* its last finite numbers stay: nothing NaN reaches a reader's plot */
        r->diverged = true;
        r->diverged_step = tr->steps + 1;
        r->diverged_loss = si->loss;
    } else {
        r->loss = si->loss;
        r->acc = si->accuracy;
        r->penalty = si->penalty;
        r->lr = si->lr;
        bool first = r->steps == 0;
        r->loss_ema = first ? si->loss : 0.95 * r->loss_ema + 0.05 * si->loss;
        r->acc_ema = first ? si->accuracy : 0.95 * r->acc_ema + 0.05 * si->accuracy;
        r->steps = tr->steps;
        r->images = tr->images;
        s->cur_sample[si->racer] = (struct session_train_sample){
            .step = tr->steps, .images = tr->images, .epoch = si->epoch, .batch = si->batch,
            .loss = (float)si->loss, .acc = (float)si->accuracy,
            .loss_ema = (float)r->loss_ema, .acc_ema = (float)r->acc_ema, .lr = (float)si->lr};
        s->new_sample[si->racer] = true;
    }
    if (s->hooks.on_step) {
        s->hooks.on_step(s->hooks.user, &s->cur, si);
    }
}

/* Appends what the latest step added to the history and makes cur what readers see.
 * Called with the lock held. */
static void publish_locked(struct session_train *s)
{
    const struct nn_trainer *t = s->t;
    for (int i = 0; i < s->cur.nracers; i++) {
        struct session_train_history *h = &s->hist[i];
        const struct nn_racer *tr = &t->r[i];
        if (s->new_sample[i]) {
            h->samples = reserve(h->samples, &h->cap_samples, h->nsamples + 1,
                                 sizeof(*h->samples));
            h->samples[h->nsamples++] = s->cur_sample[i];
            s->new_sample[i] = false;
        }
        if (s->new_val[i]) {
            h->vals = reserve(h->vals, &h->cap_vals, h->nvals + 1, sizeof(*h->vals));
            h->vals[h->nvals++] = tr->val;
            s->new_val[i] = false;
        }
        if (s->new_epoch[i]) {
            h->epochs = reserve(h->epochs, &h->cap_epochs, h->nepochs + 1, sizeof(*h->epochs));
            h->epochs[h->nepochs++] = tr->last;
            s->new_epoch[i] = false;
        }
    }
    s->cur.generation++;
    s->pub = s->cur;
    pthread_cond_broadcast(&s->cond);
}

static void publish(struct session_train *s)
{
    pthread_mutex_lock(&s->lock);
    publish_locked(s);
    pthread_mutex_unlock(&s->lock);
}

/* After nn_trainer_step: what it evaluated, and the epoch's end. */
static void after_step(struct session_train *s)
{
    const struct nn_trainer *t = s->t;
    struct session_train_state *st = &s->cur;
    st->epoch = t->epoch;
    st->batch = t->batch;
    st->batches_done++;
    for (int i = 0; i < st->nracers; i++) {
        const struct nn_racer *tr = &t->r[i];
        struct session_train_racer *r = &st->racer[i];
        if (tr->val_new) {
            r->val = tr->val;
            s->new_val[i] = true;
            /* an epoch's end evaluates exactly the racers that trained in it */
            s->new_epoch[i] = t->epoch_ended;
            inspect(s, i, t->epoch_ended);
        }
        r->last = tr->last;
        r->best_val_loss = tr->best_val_loss;
        r->best_epoch = tr->best_epoch;
        r->stopped = tr->stopped;
    }
    if (t->epoch_ended && s->hooks.on_epoch) {
        s->hooks.on_epoch(s->hooks.user, st);
    }
    publish(s);
}

/* Waits while paused; returns false when cancelled. Publishes phase changes. */
static bool may_go_on(struct session_train *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->pause && !s->cancel) {
        if (s->cur.phase != SESSION_TRAIN_PAUSED) {
            s->cur.phase = SESSION_TRAIN_PAUSED;
            publish_locked(s);
        }
        pthread_cond_wait(&s->cond, &s->lock);
    }
    bool go = !s->cancel;
    if (go && s->cur.phase != SESSION_TRAIN_RUNNING) {
        s->cur.phase = SESSION_TRAIN_RUNNING;
        publish_locked(s);
    }
    pthread_mutex_unlock(&s->lock);
    return go;
}

/* The one loop both runs share. */
static bool run_loop(struct session_train *s)
{
    struct nn_trainer *t = s->t;
    bool more = true, cancelled = false;
    while (more && t->epoch < s->cur.epochs) {
        if (!may_go_on(s)) {
            cancelled = true;
            break;
        }
        more = nn_trainer_step(t, on_trainer_step, s);
        after_step(s);
    }
    if (!cancelled) {
        nn_trainer_finish(t);
        for (int i = 0; i < t->nracers; i++) {
            struct nn_racer *tr = &t->r[i];
            struct session_train_racer *r = &s->cur.racer[i];
            if (!tr->diverged) {
                nn_evaluate(tr->net, &s->data.test, t->x, t->y, &r->test_loss, &r->test_acc);
                r->tested = true;
            }
            r->restored = t->cfg.patience > 0 && tr->best_epoch > 0 && !tr->diverged;
            if (r->restored || tr->images != r->insp.images) {
                inspect(s, i, true);
            }
        }
    }
    pthread_mutex_lock(&s->lock);
    s->cur.phase = cancelled ? SESSION_TRAIN_CANCELLED : SESSION_TRAIN_DONE;
    s->active = false;
    publish_locked(s);
    pthread_mutex_unlock(&s->lock);
    return !cancelled;
}

/* Marks the run begun; a session runs once. */
static void begin(struct session_train *s, const struct session_train_hooks *hooks)
{
    pthread_mutex_lock(&s->lock);
    assert(s->cur.phase == SESSION_TRAIN_READY && !s->active);
    s->active = true;
    pthread_mutex_unlock(&s->lock);
    s->hooks = hooks ? *hooks : (struct session_train_hooks){0};
}

bool session_train_run(struct session_train *s, const struct session_train_hooks *hooks)
{
    begin(s, hooks);
    return run_loop(s);
}

static void *worker(void *arg)
{
    run_loop(arg);
    return NULL;
}

bool session_train_start(struct session_train *s, const struct session_train_hooks *hooks,
                         char *err, size_t errlen)
{
    begin(s, hooks);
    int rc = pthread_create(&s->thread, NULL, worker, s);
    if (rc != 0) {
        snprintf(err, errlen, _("cannot start the training thread: %s"), strerror(rc));
        pthread_mutex_lock(&s->lock);
        s->active = false;
        pthread_mutex_unlock(&s->lock);
        return false;
    }
    s->started = true;
    return true;
}

void session_train_pause(struct session_train *s, bool paused)
{
    pthread_mutex_lock(&s->lock);
    s->pause = paused;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void session_train_cancel(struct session_train *s)
{
    pthread_mutex_lock(&s->lock);
    s->cancel = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void session_train_join(struct session_train *s)
{
    if (s->started) {
        pthread_join(s->thread, NULL);
        s->started = false;
    }
}

uint64_t session_train_wait(struct session_train *s, uint64_t after)
{
    pthread_mutex_lock(&s->lock);
    while (s->active && s->pub.generation <= after) {
        pthread_cond_wait(&s->cond, &s->lock);
    }
    uint64_t g = s->pub.generation;
    pthread_mutex_unlock(&s->lock);
    return g;
}

/* ======================================================================== reading */

void session_train_get_state(struct session_train *s, struct session_train_state *out)
{
    pthread_mutex_lock(&s->lock);
    *out = s->pub;
    pthread_mutex_unlock(&s->lock);
}

bool session_train_read(struct session_train *s, struct session_train_snapshot *snap)
{
    pthread_mutex_lock(&s->lock);
    bool changed = snap->state.generation != s->pub.generation;
    snap->state = s->pub;
    for (int i = 0; i < s->pub.nracers; i++) {
        history_sync(&snap->hist[i], &s->hist[i]);
    }
    pthread_mutex_unlock(&s->lock);
    return changed;
}

const int *session_train_pred_index(const struct session_train *s, int *n)
{
    *n = s->npred;
    return s->pred_index;
}

size_t session_train_checkpoints(struct session_train *s, int racer)
{
    pthread_mutex_lock(&s->lock);
    size_t n = racer >= 0 && racer < s->cur.nracers ? s->ck[racer].n : 0;
    pthread_mutex_unlock(&s->lock);
    return n;
}

bool session_train_checkpoint(struct session_train *s, int racer, size_t k, float *params,
                              float *buffers, long *images)
{
    pthread_mutex_lock(&s->lock);
    bool ok = racer >= 0 && racer < s->cur.nracers && k < s->ck[racer].n;
    if (ok) {
        const struct cnn *net = s->t->r[racer].net;   /* its layout only: set at creation */
        if (params) {
            memcpy(params, s->ck[racer].params[k], net->pl.total * sizeof(float));
        }
        if (buffers) {
            memcpy(buffers, s->ck[racer].buffers[k], net->bl.total * sizeof(float));
        }
        if (images) {
            *images = s->ck[racer].images[k];
        }
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}

/* ======================================================================== after a run */

const struct nn_data *session_train_data(const struct session_train *s)
{
    return &s->data;
}

/* For the asserts: a run is under way. */
static bool is_active(struct session_train *s)
{
    pthread_mutex_lock(&s->lock);
    bool active = s->active;
    pthread_mutex_unlock(&s->lock);
    return active;
}

const struct nn_trainer *session_train_trainer(struct session_train *s)
{
    assert(!is_active(s));
    return s->t;
}

int session_train_log_errno(const struct session_train *s)
{
    return s->log_errno;
}

bool session_train_save(struct session_train *s, int racer, const char *path, char *err,
                        size_t errlen)
{
    assert(!is_active(s) && racer >= 0 && racer < s->t->nracers);
    return cnn_save(s->t->r[racer].net, path, err, errlen);
}

void session_train_save_path(char *buf, size_t len, const char *path, int index, int count)
{
    if (count == 1 || index == 0) {
        snprintf(buf, len, "%s", path);
        return;
    }
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash)) {
        snprintf(buf, len, "%s-%d", path, index + 1);
    } else {
        snprintf(buf, len, "%.*s-%d%s", (int)(dot - path), path, index + 1, dot);
    }
}

/* train.c: the training loop shared by `optiscope train`, the benchmark and the window: one
 * batch order for all racers, penalties, schedules, optimizer steps, evaluation and early
 * stopping. */
#include "nn/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/i18n.h"
#include "sim/util.h"

/* ======================================================================== create/destroy */

struct nn_trainer *nn_trainer_create(const struct nn_train_config *cfg,
                                     const struct nn_data *data, char *err, size_t errlen)
{
    if (cfg->nopt < 1 || cfg->nopt > NN_MAX_RACERS) {
        snprintf(err, errlen, _("between 1 and %d optimizers, not %d"), NN_MAX_RACERS, cfg->nopt);
        return NULL;
    }
    if (data->train.n < 1 || data->val.n < 1 || data->test.n < 1) {
        snprintf(err, errlen, _("%s: the training, validation and test splits must not be empty "
                 "(%d, %d, %d images)"), data->source, data->train.n, data->val.n, data->test.n);
        return NULL;
    }
    if (data->train.h % 4 != 0 || data->train.w % 4 != 0) {
        snprintf(err, errlen, _("%s: images are %dx%d; the model needs sides that are multiples "
                 "of 4"), data->source, data->train.h, data->train.w);
        return NULL;
    }
    struct nn_trainer *t = xcalloc(1, sizeof(*t));
    t->cfg = *cfg;
    t->cfg.model.batch = cfg->batch;
    t->cfg.model.in_c = 1;
    t->cfg.model.in_h = data->train.h;
    t->cfg.model.in_w = data->train.w;
    t->data = data;
    /* Our workers split each batch's images (im2col, the conv sgemms, col2im) and channels;
     * every sgemm call is then single-threaded: OpenBLAS's own threads only add overhead on
     * matrices this small. */
    nn_set_threads(1);
    t->pool = nn_pool_create(cfg->threads);
    t->nracers = cfg->nopt;
    for (int i = 0; i < t->nracers; i++) {
        struct nn_racer *r = &t->r[i];
        r->opt = cfg->opt[i];
        r->l1 = cfg->racer_penalty ? cfg->pen[i].l1 : cfg->l1;
        r->l2 = cfg->racer_penalty ? cfg->pen[i].l2 : cfg->l2;
        optim_format(&r->opt, r->label, sizeof(r->label));
        if (cfg->racer_penalty) {
            /* a race of penalties: the label says which one (the log's optimizer column too) */
            size_t n = strlen(r->label);
            if (r->l1 > 0) {
                n += (size_t)snprintf(r->label + n, sizeof(r->label) - n, " +L1 %g", r->l1);
            }
            if (r->l2 > 0 && n < sizeof(r->label)) {
                snprintf(r->label + n, sizeof(r->label) - n, " +L2 %g", r->l2);
            }
            if (r->l1 <= 0 && r->l2 <= 0) {
                snprintf(r->label + n, sizeof(r->label) - n, " no penalty");
            }
        }
        r->net = cnn_create(&t->cfg.model);
        r->net->ctx.pool = t->pool;
        cnn_init(r->net, cfg->seed);   /* the same seed: the same initial weights */
        r->state = optim_state_create(&r->opt, r->net->nparams);
        r->metric_lr = cfg->l1_proximal || optim_proximal(r->opt.kind) ? nn_alloc(r->net->nparams) : NULL;
        r->best_params = nn_alloc(r->net->pl.total);
        r->best_buffers = nn_alloc(r->net->bl.total);
        r->best_val_loss = INFINITY;
    }
    t->order = xmalloc((size_t)data->train.n * sizeof(int));
    for (int i = 0; i < data->train.n; i++) {
        t->order[i] = i;
    }
    /* the last batch may be partial, as torch's */
    t->batches = (data->train.n + cfg->batch - 1) / cfg->batch;
    t->x = nn_alloc((size_t)cfg->batch * data->train.h * data->train.w);
    t->y = xmalloc((size_t)cfg->batch);
    util_rng_seed(&t->rng, cfg->seed ^ 0x5851f42d4c957f2dull);
    return t;
}

void nn_trainer_destroy(struct nn_trainer *t)
{
    if (!t) {
        return;
    }
    for (int i = 0; i < t->nracers; i++) {
        cnn_destroy(t->r[i].net);
        optim_state_destroy(t->r[i].state);
        nn_free(t->r[i].metric_lr);
        nn_free(t->r[i].best_params);
        nn_free(t->r[i].best_buffers);
    }
    nn_pool_destroy(t->pool);
    free(t->order);
    nn_free(t->x);
    free(t->y);
    free(t);
}

/* ======================================================================== evaluation */

void nn_evaluate(struct cnn *net, const struct nn_dataset *d, float *x, uint8_t *y,
                 double *loss, double *accuracy)
{
    nn_evaluate_confusion(net, d, x, y, loss, accuracy, NULL);
}

void nn_evaluate_confusion(struct cnn *net, const struct nn_dataset *d, float *x, uint8_t *y,
                           double *loss, double *accuracy, int *conf)
{
    int B = net->cfg.batch, C = net->cfg.classes;
    int *idx = xmalloc((size_t)B * sizeof(int));
    if (conf) {
        memset(conf, 0, (size_t)NN_CLASSES * NN_CLASSES * sizeof *conf);
    }
    double sum = 0.0;
    long right = 0;
    for (int start = 0; start < d->n; start += B) {
        int nb = d->n - start < B ? d->n - start : B;
        for (int i = 0; i < nb; i++) {
            idx[i] = start + i;
        }
        nn_dataset_batch(d, idx, nb, x, y);
        int correct;
        sum += cnn_forward(net, x, y, nb, false, &correct) * nb;
        right += correct;
        for (int i = 0; conf && i < nb; i++) {
            const float *p = net->probs + (size_t)i * C;
            int best = 0;
            for (int k = 1; k < C; k++) {
                best = p[k] > p[best] ? k : best;
            }
            if (y[i] < NN_CLASSES && best < NN_CLASSES) {
                conf[y[i] * NN_CLASSES + best]++;
            }
        }
    }
    free(idx);
    *loss = d->n > 0 ? sum / d->n : 0.0;
    *accuracy = d->n > 0 ? (double)right / d->n : 0.0;
}

/* ======================================================================== training */

static void shuffle(int *order, int n, struct util_rng *rng)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(util_rng_next(rng) % (uint64_t)(i + 1));
        int tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
}

/* One update of racer r on the batch in t->x, t->y (nb images). */
static void racer_step(struct nn_trainer *t, struct nn_racer *r, int nb, struct nn_step_info *si)
{
    struct cnn *net = r->net;
    int correct;
    double loss = cnn_forward(net, t->x, t->y, nb, true, &correct);
    cnn_backward(net);
    /* proximal L1 leaves the gradient to L2 alone; the penalty reported is the whole one.
     * A proximal optimizer (ista) always takes L1 so. */
    bool prox = t->cfg.l1_proximal || optim_proximal(r->opt.kind);
    double penalty = cnn_penalty(net, prox ? 0.0 : r->l1, r->l2, true);
    if (prox) {
        penalty += cnn_penalty(net, r->l1, 0.0, false);
    }
    double lr = sched_lr(optim_schedule(&r->opt, &t->cfg.sched), r->opt.lr, r->steps);
    si->loss = loss;
    si->penalty = penalty;
    si->accuracy = (double)correct / nb;
    si->lr = lr;
    if (!isfinite(loss) || !isfinite(penalty)) {
        r->diverged = true;
        return;
    }
    optim_step_f32(&r->opt, r->state, lr, net->params, net->grads);
    if (prox) {
        /* ISTA in the optimizer's metric: sgd's threshold is lr * l1; an adaptive optimizer
         * steps about lr whatever the gradient, so lr * l1 alone would zero almost nothing */
        optim_metric_lr(&r->opt, r->state, lr, r->metric_lr);
        cnn_prox_l1(net, r->l1, r->metric_lr);
    }
    r->steps++;
    si->step = r->steps;
}

/* Racer r's evaluation on the validation split, now, into r->val. */
static void evaluate_val(struct nn_trainer *t, struct nn_racer *r, int epoch, bool epoch_end)
{
    struct nn_val_point *v = &r->val;
    v->epoch = epoch;
    v->batch = t->batch;
    v->step = r->steps;
    v->images = r->images;
    v->epoch_end = epoch_end;
    nn_evaluate(r->net, &t->data->val, t->x, t->y, &v->loss, &v->acc);
    r->val_new = true;
}

/* The epoch's end: each racer that trained in it gets its epoch's metrics and validation, and
 * early stopping is applied. Returns true while some racer is still training. */
static bool end_epoch(struct nn_trainer *t, int epoch)
{
    bool any = false;
    for (int i = 0; i < t->nracers; i++) {
        struct nn_racer *r = &t->r[i];
        const struct nn_epoch_sums *s = &r->sums;
        if (r->stopped || r->diverged || s->seen == 0) {
            continue;
        }
        struct nn_epoch_info *e = &r->last;
        e->epoch = epoch;
        e->train_loss = s->loss / s->seen;
        e->train_acc = (double)s->right / s->seen;
        e->lr = s->lr;
        e->seconds = s->seconds;
        e->images_per_s = s->seconds > 0 ? s->seen / s->seconds : 0.0;
        evaluate_val(t, r, epoch, true);
        e->val_loss = r->val.loss;
        e->val_acc = r->val.acc;
        e->improved = e->val_loss < r->best_val_loss;
        if (e->improved) {
            r->best_val_loss = e->val_loss;
            r->best_epoch = epoch;
            r->bad_epochs = 0;
            memcpy(r->best_params, r->net->params, r->net->pl.total * sizeof(float));
            memcpy(r->best_buffers, r->net->buffers, r->net->bl.total * sizeof(float));
        } else {
            r->bad_epochs++;
        }
        if (t->cfg.patience > 0 && r->bad_epochs >= t->cfg.patience) {
            r->stopped = true;
        }
        any = any || !r->stopped;
    }
    return any;
}

bool nn_trainer_step(struct nn_trainer *t, nn_step_fn on_step, void *user)
{
    const struct nn_dataset *train = &t->data->train;
    int B = t->cfg.batch;
    int epoch = t->epoch + 1;
    if (t->batch == 0) {
        shuffle(t->order, train->n, &t->rng);
        for (int i = 0; i < t->nracers; i++) {
            memset(&t->r[i].sums, 0, sizeof(t->r[i].sums));
        }
    }
    t->epoch_ended = false;
    for (int i = 0; i < t->nracers; i++) {
        t->r[i].val_new = false;
    }

    int bi = t->batch;
    int start = bi * B;
    int nb = train->n - start < B ? train->n - start : B;
    nn_dataset_batch(train, t->order + start, nb, t->x, t->y);
    for (int i = 0; i < t->nracers; i++) {
        struct nn_racer *r = &t->r[i];
        if (r->stopped || r->diverged) {
            continue;
        }
        struct nn_step_info si = {i, epoch, r->steps, bi + 1, t->batches, 0, 0, 0, 0};
        double t0 = nn_now();
        racer_step(t, r, nb, &si);
        struct nn_epoch_sums *s = &r->sums;
        s->seconds += nn_now() - t0;
        s->loss += si.loss * nb;
        s->right += lround(si.accuracy * nb);
        s->seen += nb;
        s->lr = si.lr;
        if (!r->diverged) {
            r->images += nb;
        }
        if (on_step) {
            on_step(user, &si);
        }
    }
    t->batch = bi + 1;

    if (t->batch == t->batches) {
        bool any = end_epoch(t, epoch);
        t->epoch = epoch;
        t->batch = 0;
        t->epoch_ended = true;
        return any;
    }
    bool any = false;
    for (int i = 0; i < t->nracers; i++) {
        struct nn_racer *r = &t->r[i];
        if (r->stopped || r->diverged) {
            continue;
        }
        any = true;
        /* the batch buffers are free again: every racer has stepped on this batch */
        if (t->cfg.eval_every > 0 && t->batch % t->cfg.eval_every == 0) {
            evaluate_val(t, r, epoch, false);
        }
    }
    return any;
}

bool nn_trainer_epoch(struct nn_trainer *t, nn_step_fn on_step, void *user)
{
    bool more;
    do {
        more = nn_trainer_step(t, on_step, user);
    } while (!t->epoch_ended);
    return more;
}

void nn_trainer_finish(struct nn_trainer *t)
{
    if (t->cfg.patience <= 0) {
        return;
    }
    for (int i = 0; i < t->nracers; i++) {
        struct nn_racer *r = &t->r[i];
        if (r->best_epoch > 0 && !r->diverged) {
            memcpy(r->net->params, r->best_params, r->net->pl.total * sizeof(float));
            memcpy(r->net->buffers, r->best_buffers, r->net->bl.total * sizeof(float));
        }
    }
}

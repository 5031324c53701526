/* train.c: the training loop shared by `optiscope train`, the benchmark and the window: one
 * batch order for all racers, penalties, schedules, optimizer steps, evaluation and early
 * stopping. */
#include "nn/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

/* ======================================================================== create/destroy */

struct nn_trainer *nn_trainer_create(const struct nn_train_config *cfg,
                                     const struct nn_data *data, char *err, size_t errlen)
{
    if (cfg->nopt < 1 || cfg->nopt > NN_MAX_RACERS) {
        snprintf(err, errlen, "between 1 and %d optimizers, not %d", NN_MAX_RACERS, cfg->nopt);
        return NULL;
    }
    if (data->train.n < 1 || data->val.n < 1 || data->test.n < 1) {
        snprintf(err, errlen, "%s: the training, validation and test splits must not be empty "
                 "(%d, %d, %d images)", data->source, data->train.n, data->val.n, data->test.n);
        return NULL;
    }
    if (data->train.h % 4 != 0 || data->train.w % 4 != 0) {
        snprintf(err, errlen, "%s: images are %dx%d; the model needs sides that are multiples "
                 "of 4", data->source, data->train.h, data->train.w);
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
        optim_format(&r->opt, r->label, sizeof(r->label));
        r->net = cnn_create(&t->cfg.model);
        r->net->ctx.pool = t->pool;
        cnn_init(r->net, cfg->seed);   /* the same seed: the same initial weights */
        r->state = optim_state_create(&r->opt, r->net->nparams);
        r->best_params = nn_alloc(r->net->pl.total);
        r->best_buffers = nn_alloc(r->net->bl.total);
        r->best_val_loss = INFINITY;
    }
    t->order = xmalloc((size_t)data->train.n * sizeof(int));
    for (int i = 0; i < data->train.n; i++) {
        t->order[i] = i;
    }
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
    int B = net->cfg.batch;
    int *idx = xmalloc((size_t)B * sizeof(int));
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
    }
    free(idx);
    *loss = sum / d->n;
    *accuracy = (double)right / d->n;
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
    double penalty = cnn_penalty(net, t->cfg.l1, t->cfg.l2, true);
    double lr = sched_lr(&t->cfg.sched, r->opt.lr, r->steps);
    si->loss = loss;
    si->penalty = penalty;
    si->accuracy = (double)correct / nb;
    si->lr = lr;
    if (!isfinite(loss) || !isfinite(penalty)) {
        r->diverged = true;
        return;
    }
    optim_step_f32(&r->opt, r->state, lr, net->params, net->grads);
    r->steps++;
    si->step = r->steps;
}

bool nn_trainer_epoch(struct nn_trainer *t, nn_step_fn on_step, void *user)
{
    const struct nn_dataset *train = &t->data->train;
    int B = t->cfg.batch;
    int batches = (train->n + B - 1) / B;   /* the last batch may be partial, as torch's */
    int epoch = t->epoch + 1;
    double sum_loss[NN_MAX_RACERS] = {0}, seconds[NN_MAX_RACERS] = {0};
    long right[NN_MAX_RACERS] = {0}, seen[NN_MAX_RACERS] = {0};
    double last_lr[NN_MAX_RACERS] = {0};

    shuffle(t->order, train->n, &t->rng);
    for (int bi = 0; bi < batches; bi++) {
        int start = bi * B;
        int nb = train->n - start < B ? train->n - start : B;
        nn_dataset_batch(train, t->order + start, nb, t->x, t->y);
        for (int i = 0; i < t->nracers; i++) {
            struct nn_racer *r = &t->r[i];
            if (r->stopped || r->diverged) {
                continue;
            }
            struct nn_step_info si = {i, epoch, r->steps, bi + 1, batches, 0, 0, 0, 0};
            double t0 = nn_now();
            racer_step(t, r, nb, &si);
            seconds[i] += nn_now() - t0;
            sum_loss[i] += si.loss * nb;
            right[i] += lround(si.accuracy * nb);
            seen[i] += nb;
            last_lr[i] = si.lr;
            if (on_step) {
                on_step(user, &si);
            }
        }
    }

    bool any = false;
    for (int i = 0; i < t->nracers; i++) {
        struct nn_racer *r = &t->r[i];
        if (r->stopped || r->diverged || seen[i] == 0) {
            continue;
        }
        struct nn_epoch_info *e = &r->last;
        e->epoch = epoch;
        e->train_loss = sum_loss[i] / seen[i];
        e->train_acc = (double)right[i] / seen[i];
        e->lr = last_lr[i];
        e->seconds = seconds[i];
        e->images_per_s = seconds[i] > 0 ? seen[i] / seconds[i] : 0.0;
        nn_evaluate(r->net, &t->data->val, t->x, t->y, &e->val_loss, &e->val_acc);
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
    t->epoch = epoch;
    return any;
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

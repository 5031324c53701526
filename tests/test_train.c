/* test_train.c: the training loop: same seed same numbers, a race whose racers start from the
 * same weights and see the same batches, loss that falls on the synthetic shapes, early stopping
 * that restores the best weights, L1 against L2, schedules, divergence, and the per-batch step
 * against the whole-epoch loop it replaced. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/train.h"
#include "nn/weight_stats.h"
#include "sim/util.h"

#define MAX_LOG 4096

struct log {
    int n;                        /* steps seen */
    double loss[MAX_LOG];         /* in order of the callback */
    double lr[MAX_LOG];
    int racer[MAX_LOG];
};

static void record(void *user, const struct nn_step_info *si)
{
    struct log *l = user;
    if (l->n < MAX_LOG) {
        l->loss[l->n] = si->loss;
        l->lr[l->n] = si->lr;
        l->racer[l->n] = si->racer;
        l->n++;
    }
}

static struct nn_train_config base_config(const char *opt)
{
    struct nn_train_config c;
    memset(&c, 0, sizeof(c));
    char err[256];
    cnn_config_for_model("small", &c.model, err, sizeof(err));
    c.batch = 32;
    c.epochs = 1;
    c.seed = 3;
    c.nopt = 1;
    c.threads = 1;
    CHECK(optim_parse(opt, &c.opt[0], err, sizeof(err)));
    sched_default(&c.sched);
    return c;
}

static void test_determinism_and_race(void)
{
    struct nn_data d;
    nn_data_synthetic(&d, 640, 64, 64, 5);
    struct nn_train_config c = base_config("adam(lr=0.002)");
    char err[256];
    c.nopt = 3;
    CHECK(optim_parse("sgd(lr=0.05)", &c.opt[1], err, sizeof(err)));
    c.opt[2] = c.opt[0];   /* a twin of the first racer */
    c.model.dropout = 0.2f;
    struct log *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    struct nn_trainer *t1 = nn_trainer_create(&c, &d, err, sizeof(err));
    struct nn_trainer *t2 = nn_trainer_create(&c, &d, err, sizeof(err));
    CHECK(t1 && t2);
    /* every racer starts from the same weights */
    size_t bytes = t1->r[0].net->nparams * sizeof(float);
    CHECK(memcmp(t1->r[0].net->params, t1->r[1].net->params, bytes) == 0);
    CHECK(strcmp(t1->r[0].label, "adam(lr=0.002)") == 0);
    nn_trainer_epoch(t1, record, a);
    nn_trainer_epoch(t2, record, b);
    /* the same seed gives the same numbers, step by step */
    CHECK(a->n == 3 * 20 && b->n == a->n);
    CHECK(memcmp(a->loss, b->loss, sizeof(a->loss)) == 0);
    CHECK(t1->r[1].last.val_loss == t2->r[1].last.val_loss);
    /* racers see the same batches: the twin of the first racer ends identical to it, and the
     * first step (same weights, same batch, same dropout mask) has the same loss for all */
    CHECK(memcmp(t1->r[0].net->params, t1->r[2].net->params, bytes) == 0);
    CHECK(a->loss[0] == a->loss[1] && a->loss[1] == a->loss[2]);
    CHECK(a->racer[0] == 0 && a->racer[1] == 1 && a->racer[2] == 2);
    CHECK(memcmp(t1->r[0].net->params, t1->r[1].net->params, bytes) != 0);
    /* a different seed, different numbers */
    c.seed = 4;
    struct nn_trainer *t3 = nn_trainer_create(&c, &d, err, sizeof(err));
    b->n = 0;
    nn_trainer_epoch(t3, record, b);
    CHECK(a->loss[0] != b->loss[0]);
    /* two worker threads: the same numbers run after run, and close to one thread's */
    c.seed = 3;
    c.threads = 2;
    struct nn_trainer *t4 = nn_trainer_create(&c, &d, err, sizeof(err));
    struct nn_trainer *t5 = nn_trainer_create(&c, &d, err, sizeof(err));
    struct log *e = calloc(1, sizeof(*e)), *f = calloc(1, sizeof(*f));
    nn_trainer_epoch(t4, record, e);
    nn_trainer_epoch(t5, record, f);
    CHECK(e->n == a->n && memcmp(e->loss, f->loss, sizeof(e->loss)) == 0);
    CHECK(fabs(e->loss[e->n - 1] - a->loss[a->n - 1]) < 1e-3);
    CHECK(fabs(e->loss[0] - a->loss[0]) < 1e-5);
    nn_trainer_destroy(t1);
    nn_trainer_destroy(t2);
    nn_trainer_destroy(t3);
    nn_trainer_destroy(t4);
    nn_trainer_destroy(t5);
    free(a);
    free(b);
    free(e);
    free(f);
    nn_data_finish(&d);
}

static void test_learns(void)
{
    struct nn_data d;
    nn_data_synthetic(&d, 2000, 200, 300, 6);
    struct nn_train_config c = base_config("adam(lr=0.003)");
    c.model.batchnorm = true;
    c.model.hidden = 32;
    char err[256];
    struct nn_trainer *t = nn_trainer_create(&c, &d, err, sizeof(err));
    struct log *l = calloc(1, sizeof(*l));
    double loss0, acc0;
    nn_evaluate(t->r[0].net, &d.test, t->x, t->y, &loss0, &acc0);
    for (int e = 0; e < 3; e++) {
        nn_trainer_epoch(t, record, l);
    }
    double first = 0, last = 0;
    for (int i = 0; i < 10; i++) {
        first += l->loss[i] / 10;
        last += l->loss[l->n - 1 - i] / 10;
    }
    CHECK(last < 0.5 * first);
    double loss, acc;
    nn_evaluate(t->r[0].net, &d.test, t->x, t->y, &loss, &acc);
    CHECK(loss < 0.5 * loss0);
    CHECK(acc > 0.8);   /* ten shapes are easy */
    CHECK(t->r[0].last.val_acc > 0.8 && t->epoch == 3);
    CHECK(t->r[0].steps == 3 * 63);   /* 2000 / 32: 62 full batches and one of 16 */
    nn_trainer_destroy(t);
    free(l);
    nn_data_finish(&d);
}

static void test_early_stopping(void)
{
    /* Validation labels shifted by one class: the better the network learns the shapes, the
     * worse its validation loss, so the best epoch is the first and patience 2 stops at 3. */
    struct nn_data d;
    nn_data_synthetic(&d, 1000, 200, 100, 7);
    for (int i = 0; i < d.val.n; i++) {
        d.val.labels[i] = (uint8_t)((d.val.labels[i] + 1) % NN_CLASSES);
    }
    struct nn_train_config c = base_config("adam(lr=0.003)");
    c.patience = 2;
    c.model.batchnorm = true;
    char err[256];
    struct nn_trainer *t = nn_trainer_create(&c, &d, err, sizeof(err));
    struct nn_racer *r = &t->r[0];
    int epochs = 0;
    double val[10];
    while (epochs < 10 && nn_trainer_epoch(t, NULL, NULL)) {
        val[epochs++] = r->last.val_loss;
    }
    val[epochs++] = r->last.val_loss;
    CHECK(r->stopped);
    CHECK(epochs == r->best_epoch + 2);
    CHECK(r->best_epoch >= 1 && r->best_epoch < epochs);
    CHECK(val[epochs - 1] > r->best_val_loss);
    /* a stopped racer takes no more steps */
    long steps = r->steps;
    nn_trainer_epoch(t, NULL, NULL);
    CHECK(r->steps == steps);
    /* finish restores the best weights: the validation loss is the best one again, exactly */
    nn_trainer_finish(t);
    double loss, acc;
    nn_evaluate(r->net, &d.val, t->x, t->y, &loss, &acc);
    CHECK(loss == r->best_val_loss);
    CHECK(loss < val[epochs - 1]);
    nn_trainer_destroy(t);

    /* patience 0: never stops */
    c.patience = 0;
    t = nn_trainer_create(&c, &d, err, sizeof(err));
    for (int e = 0; e < 4; e++) {
        CHECK(nn_trainer_epoch(t, NULL, NULL));
    }
    CHECK(!t->r[0].stopped);
    nn_trainer_destroy(t);
    nn_data_finish(&d);
}

/* Share of weights (penalized tensors) with |w| < tol, and their L2 norm. */
static void weight_stats(const struct cnn *net, double tol, double *small_share, double *norm)
{
    long small = 0, count = 0;
    double ss = 0;
    for (int i = 0; i < net->pl.count; i++) {
        const struct nn_tensor *t = &net->pl.t[i];
        if (!t->penalized) {
            continue;
        }
        for (size_t j = 0; j < t->size; j++) {
            float w = net->params[t->offset + j];
            small += fabsf(w) < tol;
            ss += (double)w * w;
            count++;
        }
    }
    *small_share = (double)small / count;
    *norm = sqrt(ss);
}

static void test_penalties(void)
{
    /* The same run three times: no penalty, L1, and an L2 strong enough to shrink the norm
     * more than L1 does. L1's constant pull still makes far more weights (near) zero; L2's
     * pull fades as a weight nears zero, so it shrinks all and zeroes few. */
    struct nn_data d;
    nn_data_synthetic(&d, 1000, 50, 50, 8);
    double share[3], norm[3];
    double l1s[3] = {0, 1e-2, 0}, l2s[3] = {0, 0, 0.2};
    for (int k = 0; k < 3; k++) {
        struct nn_train_config c = base_config("sgd(lr=0.05)");
        c.l1 = l1s[k];
        c.l2 = l2s[k];
        char err[256];
        struct nn_trainer *t = nn_trainer_create(&c, &d, err, sizeof(err));
        for (int e = 0; e < 3; e++) {
            nn_trainer_epoch(t, NULL, NULL);
        }
        /* |w| within one L1 step (lr * l1) of zero counts as zero: sgd jitters about it */
        weight_stats(t->r[0].net, 2 * 0.05 * 1e-2, &share[k], &norm[k]);
        nn_trainer_destroy(t);
    }
    CHECK(share[1] > 0.3);                     /* L1: sparse */
    CHECK(share[1] > 5 * share[2]);            /* far sparser than L2 */
    CHECK(share[1] > 5 * share[0]);
    CHECK(norm[2] < 0.8 * norm[0]);            /* L2 shrinks */
    CHECK(norm[2] < norm[1] && norm[1] < norm[0]);
    nn_data_finish(&d);
}

static void test_proximal_l1(void)
{
    /* cnn_prox_l1 is soft-thresholding of the weights, and leaves biases alone */
    struct cnn_config mc;
    char err[256];
    cnn_config_for_model("small", &mc, err, sizeof(err));
    struct cnn *net = cnn_create(&mc);
    cnn_init(net, 1);
    net->p_conv1_w[0] = 0.5f;
    net->p_conv1_w[1] = -0.5f;
    net->p_conv1_w[2] = 0.05f;
    net->p_conv1_w[3] = -0.1f;
    net->p_conv1_b[0] = 0.05f;
    cnn_prox_l1(net, 0.1, NULL);
    CHECK(net->p_conv1_w[0] == 0.4f && net->p_conv1_w[1] == -0.4f);
    CHECK(net->p_conv1_w[2] == 0.0f && net->p_conv1_w[3] == 0.0f);
    CHECK(!signbit(net->p_conv1_w[3]));   /* +0, not -0 */
    CHECK(net->p_conv1_b[0] == 0.05f);
    /* per-parameter thresholds: 0.4 - 0.1 * 2 */
    float *scale = nn_alloc(net->nparams);
    nn_fill(scale, net->nparams, 2.0f);
    cnn_prox_l1(net, 0.1, scale);
    CHECK_NEAR(net->p_conv1_w[0], 0.2, 1e-7);
    nn_free(scale);
    cnn_destroy(net);

    /* The same sgd run (the proximal step is then ISTA) with L1 as a subgradient, L1 by its
     * proximal step, and L2 of the same strength: only the proximal step reaches exact zeros,
     * many of them (6572 of 9064 here, after 20 steps); both L1s leave far more weights near
     * zero than L2 (4462 and 6919 against 250). */
    struct nn_data d;
    nn_data_synthetic(&d, 640, 32, 32, 8);
    struct nn_weight_stats ws[4];
    float *prox_w = NULL;
    for (int k = 0; k < 4; k++) {
        /* the fourth is ista: L1 by its proximal step whatever l1_proximal says, so the very
         * weights of the second */
        struct nn_train_config c = base_config(k < 3 ? "sgd(lr=0.05)" : "ista(lr=0.05)");
        c.l1 = k < 2 || k == 3 ? 3e-2 : 0.0;
        c.l2 = k == 2 ? 3e-2 : 0.0;
        c.l1_proximal = k == 1;
        struct nn_trainer *t = nn_trainer_create(&c, &d, err, sizeof(err));
        nn_trainer_epoch(t, NULL, NULL);
        nn_weight_stats(t->r[0].net, 64, 0.5, 1e-3, &ws[k]);
        size_t bytes = t->r[0].net->pl.total * sizeof(float);
        if (k == 1) {
            prox_w = malloc(bytes);
            memcpy(prox_w, t->r[0].net->params, bytes);
        } else if (k == 3) {
            CHECK(!memcmp(prox_w, t->r[0].net->params, bytes));
        }
        nn_trainer_destroy(t);
    }
    free(prox_w);
    CHECK(ws[3].all.zeros == ws[1].all.zeros);
    size_t count = ws[0].all.count;
    CHECK(count == 8 * 9 + 16 * 72 + 10 * 784);
    CHECK(ws[0].all.zeros == 0);                   /* subgradient: none exactly 0 */
    CHECK(ws[1].all.zeros > count / 3);            /* proximal: many */
    CHECK(ws[2].all.zeros == 0);
    CHECK(ws[1].all.small >= ws[1].all.zeros);
    CHECK(ws[1].all.small > 5 * ws[2].all.small);  /* L1 near zero, L2 not */
    CHECK(ws[0].all.small > 2 * ws[2].all.small);

    /* adam steps about lr whatever the gradient: its proximal step thresholds in adam's own
     * metric (lr * l1 / its denominator), and so it too reaches exact zeros (1047 here, after
     * 20 steps), where its subgradient L1 reaches none */
    for (int k = 0; k < 2; k++) {
        struct nn_train_config c = base_config("adam(lr=0.003)");
        c.l1 = 1e-3;
        c.l1_proximal = k == 1;
        struct nn_trainer *t = nn_trainer_create(&c, &d, err, sizeof(err));
        nn_trainer_epoch(t, NULL, NULL);
        nn_weight_stats(t->r[0].net, 64, 0.5, 1e-3, &ws[k]);
        nn_trainer_destroy(t);
    }
    CHECK(ws[0].all.zeros == 0);
    CHECK(ws[1].all.zeros > count / 10);
    nn_data_finish(&d);
}

static void test_weight_stats(void)
{
    struct cnn_config mc;
    char err[256];
    cnn_config_for_model("small", &mc, err, sizeof(err));
    mc.batchnorm = true;
    struct cnn *net = cnn_create(&mc);
    cnn_init(net, 2);
    net->p_out_w[0] = 0.0f;
    net->p_out_w[1] = -0.0f;
    net->p_out_w[2] = 5e-4f;
    net->p_out_w[3] = 2.0f;    /* beyond the range: the last bin */
    net->p_out_w[4] = -3.0f;   /* the first */
    struct nn_weight_stats s;
    nn_weight_stats(net, 10, 1.0, 1e-3, &s);
    CHECK(s.nlayers == 3 && s.nbins == 10);
    CHECK(!strcmp(s.layer[0].name, "conv1.w") && !strcmp(s.layer[2].name, "out.w"));
    CHECK(s.layer[0].count == 72 && s.layer[1].count == 16 * 72 && s.layer[2].count == 7840);
    CHECK(s.all.count == 72 + 16 * 72 + 7840);
    const struct nn_weight_layer *o = &s.layer[2];
    CHECK(o->zeros == 2 && o->small >= 3);
    CHECK(o->max == 2.0 && o->min == -3.0);
    long sum = 0;
    for (int b = 0; b < s.nbins; b++) {
        sum += o->hist[b];
    }
    CHECK(sum == 7840 && o->hist[0] >= 1 && o->hist[9] >= 1 && o->hist[10] == 0);
    /* the reference: two loops over the tensor */
    double ss = 0;
    size_t small = 0;
    for (int j = 0; j < 7840; j++) {
        ss += (double)net->p_out_w[j] * net->p_out_w[j];
        small += fabsf(net->p_out_w[j]) < 1e-3f;
    }
    CHECK_NEAR(o->norm, sqrt(ss), 1e-9 * sqrt(ss));
    CHECK(o->small == small);
    CHECK(s.all.zeros == s.layer[0].zeros + s.layer[1].zeros + s.layer[2].zeros);
    cnn_destroy(net);
}

static void test_schedule_and_divergence(void)
{
    struct nn_data d;
    nn_data_synthetic(&d, 320, 32, 32, 9);
    struct nn_train_config c = base_config("sgd(lr=0.1)");
    char err[256];
    CHECK(sched_parse("step(step_size=3, gamma=0.5)", &c.sched, err, sizeof(err)));
    c.nopt = 3;
    CHECK(optim_parse("sgd(lr=1e30)", &c.opt[1], err, sizeof(err)));
    /* the third has its own schedule (`train --optimizer "sgd(lr=0.1,schedule=...)"`) */
    CHECK(optim_parse("sgd(lr=0.1,schedule=exponential(0.8))", &c.opt[2], err, sizeof(err)));
    struct nn_trainer *t = nn_trainer_create(&c, &d, err, sizeof(err));
    struct log *l = calloc(1, sizeof(*l));
    nn_trainer_epoch(t, record, l);
    /* the first racer's learning rates follow the schedule, step by step; the third's its
     * own */
    int k = 0, k3 = 0;
    bool follows = true, own = true;
    for (int i = 0; i < l->n; i++) {
        if (l->racer[i] == 0) {
            follows = follows && l->lr[i] == sched_lr(&c.sched, 0.1, k);
            k++;
        } else if (l->racer[i] == 2) {
            own = own && l->lr[i] == 0.1 * pow(0.8, k3);
            k3++;
        }
    }
    CHECK(follows && k == 10);
    CHECK(own && k3 == 10);
    CHECK(l->lr[0] == 0.1 && sched_lr(&c.sched, 0.1, 3) == 0.05);
    /* the second diverges and stops; the first goes on */
    CHECK(t->r[1].diverged && !t->r[0].diverged && !t->r[2].diverged);
    CHECK(t->r[1].steps < 10 && t->r[0].steps == 10);
    nn_trainer_finish(t);
    nn_trainer_destroy(t);
    free(l);

    /* bad configurations are refused with a message */
    c.nopt = 0;
    CHECK(nn_trainer_create(&c, &d, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "optimizers") != NULL);
    c.nopt = 1;
    d.val.n = 0;
    CHECK(nn_trainer_create(&c, &d, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "empty") != NULL);
    d.val.n = 32;
    nn_data_finish(&d);
}


/* ======================================================================== the old epoch loop */

/* nn_trainer_epoch as it was before nn_trainer_step, kept as the reference the step must match
 * bit for bit: one shuffle, every batch steps every racer, then evaluation and early stopping. */
static void ref_shuffle(int *order, int n, struct util_rng *rng)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(util_rng_next(rng) % (uint64_t)(i + 1));
        int tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
}

static void ref_racer_step(struct nn_trainer *t, struct nn_racer *r, int nb,
                           struct nn_step_info *si)
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

static bool ref_epoch(struct nn_trainer *t, nn_step_fn on_step, void *user)
{
    const struct nn_dataset *train = &t->data->train;
    int B = t->cfg.batch;
    int batches = (train->n + B - 1) / B;
    int epoch = t->epoch + 1;
    double sum_loss[NN_MAX_RACERS] = {0}, seconds[NN_MAX_RACERS] = {0};
    long right[NN_MAX_RACERS] = {0}, seen[NN_MAX_RACERS] = {0};
    double last_lr[NN_MAX_RACERS] = {0};

    ref_shuffle(t->order, train->n, &t->rng);
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
            ref_racer_step(t, r, nb, &si);
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

/* The same numbers, step for step, in racers a and b: weights, buffers, epoch metrics (all
 * but the timings) and early-stopping state. */
static bool same_racers(const struct nn_trainer *a, const struct nn_trainer *b)
{
    bool same = a->nracers == b->nracers && a->epoch == b->epoch;
    for (int i = 0; same && i < a->nracers; i++) {
        const struct nn_racer *p = &a->r[i], *q = &b->r[i];
        same = memcmp(p->net->params, q->net->params, p->net->pl.total * sizeof(float)) == 0 &&
               memcmp(p->net->buffers, q->net->buffers, p->net->bl.total * sizeof(float)) == 0 &&
               p->steps == q->steps && p->stopped == q->stopped &&
               p->diverged == q->diverged && p->best_epoch == q->best_epoch &&
               p->best_val_loss == q->best_val_loss && p->last.epoch == q->last.epoch &&
               p->last.train_loss == q->last.train_loss &&
               p->last.train_acc == q->last.train_acc && p->last.val_loss == q->last.val_loss &&
               p->last.val_acc == q->last.val_acc && p->last.lr == q->last.lr &&
               p->last.improved == q->last.improved;
    }
    return same;
}

static bool same_logs(const struct log *a, const struct log *b)
{
    return a->n == b->n && memcmp(a->loss, b->loss, (size_t)a->n * sizeof(double)) == 0 &&
           memcmp(a->lr, b->lr, (size_t)a->n * sizeof(double)) == 0 &&
           memcmp(a->racer, b->racer, (size_t)a->n * sizeof(int)) == 0;
}

static void test_step_matches_old_epoch(void)
{
    /* A race with everything that keeps state across batches: dropout masks, batch norm's
     * running statistics, a schedule, an L2 penalty, early stopping with patience 1 (the
     * validation labels shifted so it fires) and a racer that diverges. 330 images in batches
     * of 32: ten full batches and a partial one. */
    struct nn_data d;
    nn_data_synthetic(&d, 330, 48, 16, 11);
    for (int i = 0; i < d.val.n; i += 2) {
        d.val.labels[i] = (uint8_t)((d.val.labels[i] + 1) % NN_CLASSES);
    }
    struct nn_train_config c = base_config("adam(lr=0.003)");
    char err[256];
    c.nopt = 3;
    CHECK(optim_parse("sgd(lr=1e30)", &c.opt[1], err, sizeof(err)));
    CHECK(optim_parse("nag(lr=0.05,momentum=0.9)", &c.opt[2], err, sizeof(err)));
    CHECK(sched_parse("cosine(t_max=25)", &c.sched, err, sizeof(err)));
    c.model.dropout = 0.25f;
    c.model.batchnorm = true;
    c.model.hidden = 16;
    c.l2 = 1e-3;
    c.patience = 1;
    struct nn_trainer *old = nn_trainer_create(&c, &d, err, sizeof(err));
    struct nn_trainer *ep = nn_trainer_create(&c, &d, err, sizeof(err));
    struct nn_trainer *st = nn_trainer_create(&c, &d, err, sizeof(err));
    c.eval_every = 4;
    struct nn_trainer *ev = nn_trainer_create(&c, &d, err, sizeof(err));
    CHECK(old && ep && st && ev);
    struct log *lo = calloc(1, sizeof(*lo)), *le = calloc(1, sizeof(*le));
    struct log *ls = calloc(1, sizeof(*ls)), *lv = calloc(1, sizeof(*lv));
    bool same = true, more_same = true;
    int steps = 0, mid_evals = 0, end_evals = 0;
    for (int e = 0; e < 4; e++) {
        bool m_old = ref_epoch(old, record, lo);
        bool m_ep = nn_trainer_epoch(ep, record, le);
        bool m_st, m_ev;
        do {
            m_st = nn_trainer_step(st, record, ls);
            m_ev = nn_trainer_step(ev, record, lv);
            steps++;
            for (int i = 0; i < ev->nracers; i++) {
                const struct nn_racer *r = &ev->r[i];
                if (r->val_new) {
                    mid_evals += !r->val.epoch_end;
                    end_evals += r->val.epoch_end;
                    same = same && r->val.epoch == e + 1 && r->val.step == r->steps &&
                           r->val.batch == (r->val.epoch_end ? 11 : ev->batch) &&
                           isfinite(r->val.loss);
                }
            }
            CHECK(st->epoch_ended == ev->epoch_ended);
        } while (!st->epoch_ended);
        more_same = more_same && m_old == m_ep && m_old == m_st && m_old == m_ev;
        same = same && same_racers(old, ep) && same_racers(old, st) && same_racers(old, ev);
        same = same && ev->r[0].val.loss == ev->r[0].last.val_loss;
    }
    CHECK(same && more_same);
    CHECK(steps == 4 * 11 && st->epoch == 4 && st->batch == 0 && st->batches == 11);
    CHECK(same_logs(lo, le) && same_logs(lo, ls) && same_logs(lo, lv));
    /* the race did what it was built for: a divergence and an early stop */
    CHECK(old->r[1].diverged && old->r[2].stopped && !old->r[0].stopped);
    CHECK(lo->n > 30);
    /* eval_every 4 of 11 batches: after batches 4 and 8 of each epoch a racer trained in */
    CHECK(end_evals > 0 && mid_evals == 2 * end_evals);
    CHECK(ev->r[0].images == ev->r[0].steps * 32 - (ev->r[0].steps / 11) * 22);
    nn_trainer_destroy(old);
    nn_trainer_destroy(ep);
    nn_trainer_destroy(st);
    nn_trainer_destroy(ev);
    free(lo);
    free(le);
    free(ls);
    free(lv);
    nn_data_finish(&d);
}

int main(void)
{
    test_determinism_and_race();
    test_learns();
    test_early_stopping();
    test_penalties();
    test_proximal_l1();
    test_weight_stats();
    test_schedule_and_divergence();
    test_step_matches_old_epoch();
    return check_done("train");
}

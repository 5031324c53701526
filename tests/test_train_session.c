/* test_train_session.c: the CNN training session: a synchronous run is deterministic and equals
 * the trainer's epoch loop; a run on the worker thread gives the same numbers; snapshots read
 * while it runs; pause, resume and cancel between batches; divergence; data loading and save
 * paths. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "session/train.h"

/* ======================================================================== helpers */

/* 320 synthetic images in batches of 32: ten batches an epoch. */
static void small_data(struct nn_data *d)
{
    nn_data_synthetic(d, 320, 48, 32, 21);
}

static struct session_train_config two_racers(int epochs)
{
    struct session_train_config c;
    memset(&c, 0, sizeof(c));
    char err[256];
    CHECK(cnn_config_for_model("small", &c.train.model, err, sizeof(err)));
    c.train.model.dropout = 0.2f;   /* masks drawn from the seed: part of what must match */
    c.train.batch = 32;
    c.train.epochs = epochs;
    c.train.seed = 7;
    c.train.threads = 1;
    c.train.nopt = 2;
    CHECK(optim_parse("adam(lr=0.003)", &c.train.opt[0], err, sizeof(err)));
    CHECK(optim_parse("nag(lr=0.05,momentum=0.9)", &c.train.opt[1], err, sizeof(err)));
    sched_default(&c.train.sched);
    return c;
}

static struct session_train *make(const struct session_train_config *c)
{
    struct nn_data d;
    small_data(&d);
    char err[256];
    struct session_train *s = session_train_create(c, &d, err, sizeof(err));
    CHECK(s != NULL);
    return s;
}

static bool same_sample(const struct session_train_sample *a, const struct session_train_sample *b)
{
    return a->step == b->step && a->images == b->images && a->epoch == b->epoch &&
           a->batch == b->batch && a->loss == b->loss && a->acc == b->acc &&
           a->loss_ema == b->loss_ema && a->acc_ema == b->acc_ema && a->lr == b->lr;
}

static bool same_val(const struct nn_val_point *a, const struct nn_val_point *b)
{
    return a->epoch == b->epoch && a->batch == b->batch && a->step == b->step &&
           a->images == b->images && a->loss == b->loss && a->acc == b->acc &&
           a->epoch_end == b->epoch_end;
}

/* Epoch metrics but the timings. */
static bool same_epoch(const struct nn_epoch_info *a, const struct nn_epoch_info *b)
{
    return a->epoch == b->epoch && a->train_loss == b->train_loss &&
           a->train_acc == b->train_acc && a->val_loss == b->val_loss &&
           a->val_acc == b->val_acc && a->lr == b->lr && a->improved == b->improved;
}

/* Two snapshots hold the same numbers: histories, racers' state, test results. */
static bool same_snapshots(const struct session_train_snapshot *a,
                           const struct session_train_snapshot *b)
{
    const struct session_train_state *p = &a->state, *q = &b->state;
    bool same = p->nracers == q->nracers && p->epoch == q->epoch &&
                p->batches_done == q->batches_done && p->phase == q->phase;
    for (int i = 0; same && i < p->nracers; i++) {
        const struct session_train_history *h = &a->hist[i], *g = &b->hist[i];
        same = h->nsamples == g->nsamples && h->nvals == g->nvals && h->nepochs == g->nepochs;
        for (size_t k = 0; same && k < h->nsamples; k++) {
            same = same_sample(&h->samples[k], &g->samples[k]);
        }
        for (size_t k = 0; same && k < h->nvals; k++) {
            same = same_val(&h->vals[k], &g->vals[k]);
        }
        for (size_t k = 0; same && k < h->nepochs; k++) {
            same = same_epoch(&h->epochs[k], &g->epochs[k]);
        }
        const struct session_train_racer *r = &p->racer[i], *t = &q->racer[i];
        same = same && r->steps == t->steps && r->images == t->images &&
               r->loss_ema == t->loss_ema && same_val(&r->val, &t->val) &&
               same_epoch(&r->last, &t->last) && r->best_epoch == t->best_epoch &&
               r->tested == t->tested && r->test_loss == t->test_loss &&
               r->test_acc == t->test_acc && r->diverged == t->diverged;
    }
    return same;
}

static bool same_params(struct session_train *a, struct session_train *b)
{
    const struct nn_trainer *p = session_train_trainer(a), *q = session_train_trainer(b);
    bool same = p->nracers == q->nracers;
    for (int i = 0; same && i < p->nracers; i++) {
        same = memcmp(p->r[i].net->params, q->r[i].net->params,
                      p->r[i].net->pl.total * sizeof(float)) == 0;
    }
    return same;
}

static void nap(void)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* ======================================================================== synchronous */

struct counts {
    int steps, epochs;        /* hook calls */
    int cancel_after_epoch;   /* cancel from on_epoch after this epoch (0: never) */
    struct session_train *s;
};

static void count_step(void *user, const struct session_train_state *st,
                       const struct nn_step_info *si)
{
    struct counts *c = user;
    c->steps++;
    CHECK(st->racer[si->racer].steps == si->step);
}

static void count_epoch(void *user, const struct session_train_state *st)
{
    struct counts *c = user;
    c->epochs++;
    CHECK(st->batch == 0 && st->racer[0].last.epoch == st->epoch);
    if (c->cancel_after_epoch && st->epoch == c->cancel_after_epoch) {
        session_train_cancel(c->s);
    }
}

/* The trainer's losses, one per step, for comparison with the session's. */
struct losses {
    int n;
    double loss[256];
};

static void record_loss(void *user, const struct nn_step_info *si)
{
    struct losses *l = user;
    if (l->n < 256) {
        l->loss[l->n++] = si->loss;
    }
}

static void test_sync(void)
{
    struct session_train_config c = two_racers(2);
    c.train.eval_every = 4;
    FILE *log = tmpfile();
    c.log = log;
    struct session_train *s1 = make(&c);
    c.log = NULL;
    struct session_train *s2 = make(&c);
    struct counts n1 = {0, 0, 0, s1}, n2 = {0, 0, 0, s2};
    struct session_train_hooks h1 = {count_step, count_epoch, &n1};
    struct session_train_hooks h2 = {count_step, count_epoch, &n2};
    CHECK(session_train_run(s1, &h1));
    CHECK(session_train_run(s2, &h2));
    struct session_train_snapshot a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    CHECK(session_train_read(s1, &a));
    CHECK(session_train_read(s2, &b));
    /* the same seed, the same numbers: a log or none, hooks or none */
    CHECK(same_snapshots(&a, &b));
    CHECK(same_params(s1, s2));
    /* what the run holds: 2 epochs of 10 batches; validation after batches 4, 8 and 10 */
    const struct session_train_state *st = &a.state;
    CHECK(st->phase == SESSION_TRAIN_DONE && st->epoch == 2 && st->batches == 10);
    CHECK(st->batches_done == 20 && st->generation == 22);   /* running, 20 batches, done */
    CHECK(n1.steps == 40 && n1.epochs == 2);
    CHECK(a.hist[0].nsamples == 20 && a.hist[1].nsamples == 20);
    CHECK(a.hist[0].nvals == 6 && a.hist[0].nepochs == 2);
    CHECK(a.hist[0].vals[0].batch == 4 && !a.hist[0].vals[0].epoch_end);
    CHECK(a.hist[0].vals[2].batch == 10 && a.hist[0].vals[2].epoch_end);
    CHECK(a.hist[0].vals[5].loss == a.hist[0].epochs[1].val_loss);
    CHECK(a.hist[1].samples[19].step == 20 && a.hist[1].samples[19].images == 20 * 32);
    CHECK(strcmp(st->racer[0].label, "adam(lr=0.003)") == 0);
    CHECK(st->racer[0].tested && st->racer[1].tested && st->racer[0].test_acc > 0);
    CHECK(st->racer[0].best_epoch >= 1 && isfinite(st->racer[0].best_val_loss));
    CHECK(a.hist[0].samples[0].loss_ema == a.hist[0].samples[0].loss);
    const struct cnn *net = session_train_trainer(s1)->r[0].net;
    size_t nweights = 0;   /* the tensors, without the layout's padding */
    for (int i = 0; i < net->pl.count; i++) {
        nweights += net->pl.t[i].size;
    }
    CHECK(st->nweights == nweights && nweights > 1000 && nweights <= net->nparams);
    /* a second read brings nothing new */
    CHECK(!session_train_read(s1, &a));
    CHECK(a.hist[0].nsamples == 20);
    /* the log: a header and one row per racer's step */
    CHECK(session_train_log_errno(s1) == 0);
    rewind(log);
    char line[256];
    int rows = 0;
    CHECK(fgets(line, sizeof(line), log) &&
          strcmp(line, "optimizer,epoch,step,loss,penalty,accuracy,lr,diverged\n") == 0);
    while (fgets(line, sizeof(line), log)) {
        rows++;
    }
    CHECK(rows == 40);
    fclose(log);

    /* the trainer's own epoch loop, without a session: the same losses and weights */
    struct nn_data d;
    small_data(&d);
    char err[256];
    struct nn_trainer *t = nn_trainer_create(&c.train, &d, err, sizeof(err));
    struct losses *l = calloc(1, sizeof(*l));
    nn_trainer_epoch(t, record_loss, l);
    nn_trainer_epoch(t, record_loss, l);
    bool same = l->n == 40;
    for (int k = 0; same && k < 20; k++) {
        same = (float)l->loss[2 * k] == a.hist[0].samples[k].loss &&
               (float)l->loss[2 * k + 1] == a.hist[1].samples[k].loss;
    }
    CHECK(same);
    const struct nn_trainer *ts = session_train_trainer(s1);
    for (int i = 0; i < 2; i++) {
        CHECK(memcmp(t->r[i].net->params, ts->r[i].net->params,
                     t->r[i].net->pl.total * sizeof(float)) == 0);
        CHECK(t->r[i].last.val_loss == st->racer[i].last.val_loss);
    }
    nn_trainer_destroy(t);
    nn_data_finish(&d);
    free(l);

    /* cancelled from a hook after the first epoch: it stops there, untested */
    struct session_train *s3 = make(&c);
    struct counts n3 = {0, 0, 1, s3};
    struct session_train_hooks h3 = {count_step, count_epoch, &n3};
    CHECK(!session_train_run(s3, &h3));
    struct session_train_state st3;
    session_train_get_state(s3, &st3);
    CHECK(st3.phase == SESSION_TRAIN_CANCELLED && st3.epoch == 1 && st3.batches_done == 10);
    CHECK(!st3.racer[0].tested && n3.steps == 20);
    /* its numbers so far are the full run's */
    CHECK(st3.racer[1].last.val_loss == a.hist[1].epochs[0].val_loss);

    session_train_snapshot_finish(&a);
    session_train_snapshot_finish(&b);
    session_train_destroy(s1);
    session_train_destroy(s2);
    session_train_destroy(s3);
}

/* ======================================================================== threaded */

static void test_threaded(void)
{
    struct session_train_config c = two_racers(3);
    c.train.eval_every = 3;
    struct session_train *sync = make(&c);
    CHECK(session_train_run(sync, NULL));
    struct session_train *s = make(&c);
    char err[256];
    CHECK(session_train_start(s, NULL, err, sizeof(err)));
    /* read while it runs: each read sees a later generation and at least as much history */
    struct session_train_snapshot live;
    memset(&live, 0, sizeof(live));
    uint64_t g = 0;
    int reads = 0;
    bool grows = true, consistent = true;
    for (;;) {
        uint64_t next = session_train_wait(s, g);
        size_t before = live.hist[0].nsamples;
        session_train_read(s, &live);
        grows = grows && live.state.generation >= next && next > g &&
                live.hist[0].nsamples >= before;
        /* one sample per batch stepped, published together */
        consistent = consistent &&
                     live.hist[0].nsamples == (size_t)live.state.batches_done &&
                     live.state.racer[0].steps == live.state.batches_done;
        g = live.state.generation;
        reads++;
        if (live.state.phase == SESSION_TRAIN_DONE) {
            break;
        }
    }
    session_train_join(s);
    session_train_join(s);   /* twice is fine */
    CHECK(grows && consistent && reads >= 2);
    CHECK(session_train_wait(s, g) == g);   /* ended: no waiting */
    /* the same numbers as the synchronous run */
    struct session_train_snapshot ref;
    memset(&ref, 0, sizeof(ref));
    session_train_read(sync, &ref);
    session_train_read(s, &live);
    CHECK(same_snapshots(&live, &ref));
    CHECK(same_params(s, sync));
    CHECK(live.state.batches_done == 30 && live.hist[1].nvals == 3 * 4);
    CHECK(live.state.generation == ref.state.generation);
    /* a fresh snapshot of the finished run is the whole history at once */
    struct session_train_snapshot late;
    memset(&late, 0, sizeof(late));
    CHECK(session_train_read(s, &late));
    CHECK(same_snapshots(&late, &ref));
    session_train_snapshot_finish(&live);
    session_train_snapshot_finish(&ref);
    session_train_snapshot_finish(&late);
    session_train_destroy(s);
    session_train_destroy(sync);
}

/* Waits until the worker's published phase is `phase`; returns that state. */
static struct session_train_state wait_phase(struct session_train *s,
                                             enum session_train_phase phase)
{
    struct session_train_state st;
    session_train_get_state(s, &st);
    while (st.phase != phase && (st.phase == SESSION_TRAIN_RUNNING ||
                                 st.phase == SESSION_TRAIN_PAUSED ||
                                 st.phase == SESSION_TRAIN_READY)) {
        session_train_wait(s, st.generation);
        session_train_get_state(s, &st);
    }
    return st;
}

static void test_pause_and_cancel(void)
{
    /* a long run: 2000 epochs of 10 batches, far more than it is let run */
    struct session_train_config c = two_racers(2000);
    c.train.nopt = 1;
    struct session_train *s = make(&c);
    char err[256];
    CHECK(session_train_start(s, NULL, err, sizeof(err)));
    uint64_t g = 0;
    while (g < 5) {
        g = session_train_wait(s, g);
    }
    /* paused: the worker parks between two batches and nothing moves until resumed */
    session_train_pause(s, true);
    struct session_train_state p1 = wait_phase(s, SESSION_TRAIN_PAUSED);
    CHECK(p1.phase == SESSION_TRAIN_PAUSED && p1.batches_done >= 4);
    nap();
    struct session_train_state p2;
    session_train_get_state(s, &p2);
    CHECK(p2.generation == p1.generation && p2.batches_done == p1.batches_done);
    CHECK(p2.racer[0].steps == p1.racer[0].steps);
    /* resumed: progress again */
    session_train_pause(s, false);
    uint64_t after = p1.generation;
    struct session_train_state r;
    do {
        after = session_train_wait(s, after);
        session_train_get_state(s, &r);
    } while (r.batches_done < p1.batches_done + 3);
    CHECK(r.phase == SESSION_TRAIN_RUNNING);
    /* cancelled while running: it stops before its next batch, far from the end */
    session_train_cancel(s);
    session_train_join(s);
    struct session_train_state e;
    session_train_get_state(s, &e);
    CHECK(e.phase == SESSION_TRAIN_CANCELLED);
    CHECK(e.batches_done >= r.batches_done && e.batches_done < 2000 * 10);
    CHECK(!e.racer[0].tested);
    /* the weights are there to look at or save */
    CHECK(session_train_trainer(s)->r[0].steps == e.racer[0].steps);
    session_train_destroy(s);

    /* cancelled while paused: no batch after the pause */
    s = make(&c);
    CHECK(session_train_start(s, NULL, err, sizeof(err)));
    session_train_wait(s, 2);
    session_train_pause(s, true);
    p1 = wait_phase(s, SESSION_TRAIN_PAUSED);
    session_train_cancel(s);
    session_train_join(s);
    session_train_get_state(s, &e);
    CHECK(e.phase == SESSION_TRAIN_CANCELLED && e.batches_done == p1.batches_done);
    session_train_destroy(s);

    /* destroyed while running: destroy cancels and joins */
    s = make(&c);
    CHECK(session_train_start(s, NULL, err, sizeof(err)));
    session_train_wait(s, 1);
    session_train_destroy(s);
}

/* ======================================================================== divergence */

static void test_divergence(void)
{
    /* the second racer diverges at once: it stops with its step and loss on record, keeps no
     * non-finite number for a plot, and is not tested; the first goes on */
    struct session_train_config c = two_racers(2);
    char err[256];
    CHECK(optim_parse("sgd(lr=1e30)", &c.train.opt[1], err, sizeof(err)));
    struct session_train *s = make(&c);
    CHECK(session_train_run(s, NULL));
    struct session_train_snapshot snap;
    memset(&snap, 0, sizeof(snap));
    session_train_read(s, &snap);
    const struct session_train_racer *d = &snap.state.racer[1], *ok = &snap.state.racer[0];
    CHECK(d->diverged && !d->tested && !isfinite(d->diverged_loss));
    CHECK(d->diverged_step == d->steps + 1 && d->steps < 5);
    CHECK(snap.hist[1].nsamples == (size_t)d->steps && snap.hist[1].nepochs == 0);
    bool finite = isfinite(d->loss) && isfinite(d->loss_ema) && isfinite(d->lr);
    for (size_t k = 0; k < snap.hist[1].nsamples; k++) {
        finite = finite && isfinite(snap.hist[1].samples[k].loss) &&
                 isfinite(snap.hist[1].samples[k].loss_ema);
    }
    CHECK(finite);
    CHECK(!ok->diverged && ok->tested && ok->steps == 20 && snap.hist[0].nepochs == 2);
    session_train_snapshot_finish(&snap);
    session_train_destroy(s);
}

/* ======================================================================== data and paths */

static void test_data_and_paths(void)
{
    struct nn_data d;
    char err[512];
    struct session_train_data_desc syn = {SESSION_TRAIN_SYNTHETIC, NULL, 100, 150, 3};
    CHECK(session_train_load_data(&syn, &d, err, sizeof(err)));
    CHECK(d.train.n == 150 && d.val.n == 100 && d.test.n == 150 && d.train.h == 28);
    /* a session takes the data over, also when it refuses them */
    struct session_train_config c = two_racers(1);
    d.val.n = 0;
    CHECK(session_train_create(&c, &d, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "empty") != NULL);
    CHECK(d.train.images == NULL && d.train.n == 0);

    struct session_train_data_desc bad = {SESSION_TRAIN_FASHION_MNIST, "/nonexistent", 0, 0, 1};
    CHECK(!session_train_load_data(&bad, &d, err, sizeof(err)));
    CHECK(strstr(err, "/nonexistent") != NULL);

    char p[256];
    session_train_save_path(p, sizeof(p), "out/net.bin", 0, 3);
    CHECK(strcmp(p, "out/net.bin") == 0);
    session_train_save_path(p, sizeof(p), "out/net.bin", 2, 3);
    CHECK(strcmp(p, "out/net-3.bin") == 0);
    session_train_save_path(p, sizeof(p), "out.d/net", 1, 2);
    CHECK(strcmp(p, "out.d/net-2") == 0);
    session_train_save_path(p, sizeof(p), "net.bin", 1, 1);
    CHECK(strcmp(p, "net.bin") == 0);
}

int main(void)
{
    test_sync();
    test_threaded();
    test_pause_and_cancel();
    test_divergence();
    test_data_and_paths();
    return check_done("train_session");
}

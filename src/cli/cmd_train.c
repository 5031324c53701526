/* cmd_train.c: `optiscope train`: parses the options, then runs session/'s training session
 * in the terminal: a progress bar, per-epoch lines, the test report and the saves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "nn/train.h"
#include "session/train.h"
#include "sim/spec.h"
#include "sim/util.h"

/* ======================================================================== options */

struct train_opts {
    const char *data;             /* "fashion-mnist" or "synthetic" */
    const char *data_dir;         /* an MNIST-format folder, or NULL */
    const char *model;            /* "small" */
    bool batchnorm;
    double dropout;
    long hidden;
    char optimizers[NN_MAX_RACERS][256];   /* one spec each */
    int nopt;
    const char *schedule;         /* a schedule spec, or NULL for constant */
    double l1, l2;
    long patience;                /* --early-stop; 0 for none */
    long epochs, batch, limit, threads, val;
    unsigned long long seed;
    const char *log;              /* CSV of every step, or NULL */
    const char *save;             /* saved network, or NULL */
    bool progress;                /* a progress bar on stderr */
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: optiscope train [OPTIONS]\n"
            "Trains the small CNN (conv 1->8, conv 8->16, dense) and reports its accuracy.\n"
            "  --data fashion-mnist|synthetic  the dataset (default fashion-mnist, from "
            NN_FASHION_MNIST_DIR ")\n"
            "  --data-dir DIR        any folder of MNIST-format IDX files (.gz or plain)\n"
            "  --model small         the network (only small so far)\n"
            "  --batchnorm           batch normalization after each convolution\n"
            "  --dropout P           inverted dropout before each dense layer (0 <= P < 1)\n"
            "  --hidden N            a hidden dense layer of N units with ReLU\n"
            "  --optimizer SPEC[,SPEC...]  repeatable; several race on the same batches "
            "(default adam)\n"
            "  --schedule S          constant, step(step_size,gamma), exponential(gamma),\n"
            "                        cosine(t_max,eta_min), inverse_time(decay); warmup=N\n"
            "  --l1 A  --l2 B        penalty A*sum|w| + B*sum w^2 on weights (not biases)\n"
            "  --early-stop N        stop after N epochs without a lower validation loss and\n"
            "                        restore the best weights\n"
            "  --epochs N            passes over the training split (default 1)\n"
            "  --batch B             images per step (default 64)\n"
            "  --limit N             use at most N images of each split\n"
            "  --val N               validation images held out of training (default 1/12)\n"
            "  --threads T           threads (default 1)\n"
            "  --seed S              initial weights, batch order, dropout (default 1)\n"
            "  --log FILE.csv        every step: optimizer,epoch,step,loss,penalty,accuracy,lr\n"
            "  --save FILE           save the trained network (FILE-2, ... for more racers)\n"
            "  --no-progress         no progress bar even on a terminal\n");
}

static bool want_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (!strncmp(a, name, n) && a[n] == '=') {
        *value = a + n + 1;
        return true;
    }
    if (strcmp(a, name) != 0) {
        return false;
    }
    if (*i + 1 >= argc) {
        cli_error("train", "%s needs a value", name);
        *value = NULL;
        return true;
    }
    *value = argv[++*i];
    return true;
}

static bool parse_long_opt(const char *name, const char *v, long lo, long hi, long *out)
{
    if (!util_parse_long(v, lo, hi, out)) {
        cli_error("train", "%s: '%s' is not a whole number in %ld..%ld", name, v, lo, hi);
        return false;
    }
    return true;
}

static bool parse_double_opt(const char *name, const char *v, double lo, double hi, bool hi_open,
                             double *out)
{
    if (!util_parse_double(v, out) || *out < lo || *out > hi || (hi_open && *out >= hi)) {
        cli_error("train", "%s: '%s' is not a number in [%g, %g%s", name, v, lo, hi,
                  hi_open ? ")" : "]");
        return false;
    }
    return true;
}

/* Returns 0 when parsed, 2 on bad input, -1 when --help was answered. */
static int parse_opts(int argc, char **argv, struct train_opts *o)
{
    static const char *const known[] = {
        "--data", "--data-dir", "--model", "--batchnorm", "--dropout", "--hidden",
        "--optimizer", "--schedule", "--l1", "--l2", "--early-stop", "--epochs", "--batch",
        "--limit", "--val", "--threads", "--seed", "--log", "--save", "--no-progress", "--help"};
    memset(o, 0, sizeof(*o));
    o->data = "fashion-mnist";
    o->model = "small";
    o->epochs = 1;
    o->batch = 64;
    o->threads = 1;
    o->seed = 1;
    o->val = -1;
    o->progress = isatty(STDERR_FILENO);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        }
        if (!strcmp(a, "--batchnorm")) {
            o->batchnorm = true;
        } else if (!strcmp(a, "--no-progress")) {
            o->progress = false;
        } else if (want_value(argc, argv, &i, "--data", &v)) {
            if (!v) {
                return 2;
            }
            if (strcmp(v, "fashion-mnist") && strcmp(v, "synthetic")) {
                cli_error("train", "--data: unknown dataset '%s' (known: fashion-mnist, "
                          "synthetic; any MNIST-format folder with --data-dir)", v);
                return 2;
            }
            o->data = v;
        } else if (want_value(argc, argv, &i, "--data-dir", &v)) {
            if (!v) {
                return 2;
            }
            o->data_dir = v;
        } else if (want_value(argc, argv, &i, "--model", &v)) {
            if (!v) {
                return 2;
            }
            o->model = v;
        } else if (want_value(argc, argv, &i, "--dropout", &v)) {
            if (!v || !parse_double_opt("--dropout", v, 0.0, 1.0, true, &o->dropout)) {
                return 2;
            }
        } else if (want_value(argc, argv, &i, "--hidden", &v)) {
            if (!v || !parse_long_opt("--hidden", v, 0, 4096, &o->hidden)) {
                return 2;
            }
        } else if (want_value(argc, argv, &i, "--optimizer", &v)) {
            if (!v) {
                return 2;
            }
            char items[NN_MAX_RACERS + 1][256], err[256];
            int n = spec_split_list(v, items, NN_MAX_RACERS + 1, err, sizeof(err));
            if (n < 0) {
                cli_error("train", "--optimizer: %s", err);
                return 2;
            }
            if (o->nopt + n > NN_MAX_RACERS) {
                cli_error("train", "--optimizer: at most %d optimizers race at once",
                          NN_MAX_RACERS);
                return 2;
            }
            for (int k = 0; k < n; k++) {
                snprintf(o->optimizers[o->nopt++], sizeof(o->optimizers[0]), "%s", items[k]);
            }
        } else if (want_value(argc, argv, &i, "--schedule", &v)) {
            if (!v) {
                return 2;
            }
            o->schedule = v;
        } else if (want_value(argc, argv, &i, "--l1", &v)) {
            if (!v || !parse_double_opt("--l1", v, 0.0, 1e6, false, &o->l1)) {
                return 2;
            }
        } else if (want_value(argc, argv, &i, "--l2", &v)) {
            if (!v || !parse_double_opt("--l2", v, 0.0, 1e6, false, &o->l2)) {
                return 2;
            }
        } else if (want_value(argc, argv, &i, "--early-stop", &v)) {
            if (!v || !parse_long_opt("--early-stop", v, 0, 100000, &o->patience)) {
                return 2;
            }
        } else if (want_value(argc, argv, &i, "--epochs", &v)) {
            if (!v || !parse_long_opt("--epochs", v, 1, 100000, &o->epochs)) {
                return 2;
            }
        } else if (want_value(argc, argv, &i, "--batch", &v)) {
            if (!v || !parse_long_opt("--batch", v, 1, 4096, &o->batch)) {
                return 2;
            }
        } else if (want_value(argc, argv, &i, "--limit", &v)) {
            if (!v || !parse_long_opt("--limit", v, 1, 100000000, &o->limit)) {
                return 2;
            }
        } else if (want_value(argc, argv, &i, "--val", &v)) {
            if (!v || !parse_long_opt("--val", v, 1, 100000000, &o->val)) {
                return 2;
            }
        } else if (want_value(argc, argv, &i, "--threads", &v)) {
            if (!v || !parse_long_opt("--threads", v, 1, 256, &o->threads)) {
                return 2;
            }
        } else if (want_value(argc, argv, &i, "--seed", &v)) {
            long s;
            if (!v || !parse_long_opt("--seed", v, 0, 0x7fffffffffffffffL, &s)) {
                return 2;
            }
            o->seed = (unsigned long long)s;
        } else if (want_value(argc, argv, &i, "--log", &v)) {
            if (!v) {
                return 2;
            }
            o->log = v;
        } else if (want_value(argc, argv, &i, "--save", &v)) {
            if (!v) {
                return 2;
            }
            o->save = v;
        } else {
            char msg[512];
            snprintf(msg, sizeof(msg), "unknown option '%s'", a);
            const char *eq = strchr(a, '=');
            char name[128];
            snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
            util_append_suggestion(msg, sizeof(msg), name, known,
                                   sizeof(known) / sizeof(known[0]));
            cli_error("train", "%s", msg);
            return 2;
        }
    }
    if (o->nopt == 0) {
        snprintf(o->optimizers[0], sizeof(o->optimizers[0]), "adam");
        o->nopt = 1;
    }
    if (o->data_dir && !strcmp(o->data, "synthetic")) {
        cli_error("train", "--data-dir reads MNIST-format files; it does not go with --data "
                  "synthetic");
        return 2;
    }
    return 0;
}

/* ======================================================================== progress */

/* What the terminal shows while the session trains: a bar on stderr, divergence warnings. */
struct progress {
    bool on;                 /* draw the bar */
    long patience;           /* --early-stop: improved epochs get a star */
    double last_draw;        /* when the bar was last drawn */
    bool bar_shown;          /* a bar is on the line */
    bool warned[NN_MAX_RACERS];   /* divergence reported */
};

static void clear_bar(struct progress *p)
{
    if (p->bar_shown) {
        fprintf(stderr, "\r\033[K");
        p->bar_shown = false;
    }
}

static void on_step(void *user, const struct session_train_state *st,
                    const struct nn_step_info *si)
{
    struct progress *p = user;
    const struct session_train_racer *r = &st->racer[si->racer];
    if (r->diverged && !p->warned[si->racer]) {
        p->warned[si->racer] = true;
        clear_bar(p);
        fprintf(stderr, "optiscope train: %s diverged at step %ld (loss %g); it stops, the "
                "others go on\n", r->label, r->diverged_step, r->diverged_loss);
    }
    if (!p->on || si->racer != st->nracers - 1) {
        return;
    }
    double now = nn_now();
    if (now - p->last_draw < 0.1 && si->batch != si->batches) {
        return;
    }
    p->last_draw = now;
    int width = 30, filled = (int)((long)width * si->batch / si->batches);
    char bar[64];
    for (int i = 0; i < width; i++) {
        bar[i] = i < filled ? '#' : '.';
    }
    bar[width] = '\0';
    fprintf(stderr, "\repoch %d/%d [%s] %d/%d  loss %.4f", si->epoch, st->epochs, bar,
            si->batch, si->batches, st->racer[0].loss_ema);
    fflush(stderr);
    p->bar_shown = true;
}

static void on_epoch(void *user, const struct session_train_state *st)
{
    struct progress *p = user;
    clear_bar(p);
    for (int i = 0; i < st->nracers; i++) {
        const struct session_train_racer *r = &st->racer[i];
        if (r->last.epoch != st->epoch) {
            continue;   /* stopped or diverged earlier */
        }
        const struct nn_epoch_info *ei = &r->last;
        printf("epoch %d/%d  %-24s train loss %.4f acc %6.2f%%  val loss %.4f acc "
               "%6.2f%%  lr %.3g  %.1f s  %.0f img/s%s\n", ei->epoch, st->epochs, r->label,
               ei->train_loss, 100 * ei->train_acc, ei->val_loss, 100 * ei->val_acc, ei->lr,
               ei->seconds, ei->images_per_s, ei->improved && p->patience > 0 ? "  *" : "");
        if (r->stopped) {
            printf("early stop: %s after epoch %d, best validation loss %.4f at epoch %d "
                   "restored\n", r->label, ei->epoch, r->best_val_loss, r->best_epoch);
        }
    }
    fflush(stdout);
}

/* ======================================================================== the command */

int cmd_train(int argc, char **argv)
{
    struct train_opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }
    struct session_train_config sc;
    memset(&sc, 0, sizeof(sc));
    struct nn_train_config *cfg = &sc.train;
    char err[1024];
    if (!cnn_config_for_model(o.model, &cfg->model, err, sizeof(err))) {
        cli_error("train", "--model: %s", err);
        return 2;
    }
    cfg->model.batchnorm = o.batchnorm;
    cfg->model.dropout = (float)o.dropout;
    cfg->model.hidden = (int)o.hidden;
    cfg->batch = (int)o.batch;
    cfg->epochs = (int)o.epochs;
    cfg->l1 = o.l1;
    cfg->l2 = o.l2;
    cfg->patience = (int)o.patience;
    cfg->seed = o.seed;
    cfg->threads = (int)o.threads;
    cfg->nopt = o.nopt;
    for (int i = 0; i < o.nopt; i++) {
        if (!optim_parse(o.optimizers[i], &cfg->opt[i], err, sizeof(err))) {
            cli_error("train", "--optimizer: %s", err);
            return 2;
        }
    }
    sched_default(&cfg->sched);
    if (o.schedule && !sched_parse(o.schedule, &cfg->sched, err, sizeof(err))) {
        cli_error("train", "--schedule: %s", err);
        return 2;
    }

    /* ---- the log file opens before the long part, so a bad path fails at once ---- */
    struct util_outfile log = {0};
    if (o.log && !util_outfile_open(&log, o.log, err, sizeof(err))) {
        cli_error("train", "--log: %s", err);
        return 2;
    }
    sc.log = o.log ? log.f : NULL;

    /* ---- data and session ---- */
    struct session_train_data_desc desc = {
        .source = strcmp(o.data, "synthetic") ? SESSION_TRAIN_FASHION_MNIST
                                              : SESSION_TRAIN_SYNTHETIC,
        .dir = o.data_dir, .val = (int)o.val, .limit = (int)o.limit, .seed = o.seed};
    struct nn_data data;
    if (!session_train_load_data(&desc, &data, err, sizeof(err))) {
        if (!o.data_dir && access(NN_FASHION_MNIST_DIR, F_OK) != 0) {
            cli_error("train", "%s (install Debian's dataset-fashion-mnist, or use --data "
                      "synthetic or --data-dir DIR)", err);
        } else {
            cli_error("train", "%s", err);
        }
        util_outfile_abort(&log);
        return 2;
    }
    struct session_train *s = session_train_create(&sc, &data, err, sizeof(err));
    if (!s) {
        cli_error("train", "%s", err);
        util_outfile_abort(&log);
        return 2;
    }
    const struct nn_data *d = session_train_data(s);
    struct session_train_state st;
    session_train_get_state(s, &st);
    char sched_label[128];
    sched_format(&cfg->sched, sched_label, sizeof(sched_label));
    printf("data: %s: %d train, %d validation, %d test images of %dx%d\n", d->source,
           d->train.n, d->val.n, d->test.n, d->train.h, d->train.w);
    printf("model: %s%s%s%s, %zu parameters; batch %d, %ld epoch%s, schedule %s, seed %llu, "
           "%ld thread%s\n", o.model, o.batchnorm ? " +batchnorm" : "",
           o.dropout > 0 ? " +dropout" : "", o.hidden ? " +hidden" : "", st.nweights,
           cfg->batch, o.epochs, o.epochs == 1 ? "" : "s", sched_label, o.seed, o.threads,
           o.threads == 1 ? "" : "s");
    if (o.l1 > 0 || o.l2 > 0 || o.patience > 0) {
        printf("regularization: l1 %g, l2 %g, early stopping %s\n", o.l1, o.l2,
               o.patience > 0 ? "on" : "off");
    }
    fflush(stdout);

    /* ---- training, then the test split and the saves ---- */
    struct progress prog = {.on = o.progress, .patience = o.patience};
    struct session_train_hooks hooks = {on_step, on_epoch, &prog};
    session_train_run(s, &hooks);
    clear_bar(&prog);
    session_train_get_state(s, &st);
    rc = 0;
    for (int i = 0; i < st.nracers; i++) {
        const struct session_train_racer *r = &st.racer[i];
        if (!r->tested) {
            printf("test  %-24s diverged\n", r->label);
            continue;
        }
        printf("test  %-24s loss %.4f  accuracy %.2f%%%s\n", r->label, r->test_loss,
               100 * r->test_acc, o.patience > 0 ? " (best weights)" : "");
        if (o.save) {
            char path[4096];
            session_train_save_path(path, sizeof(path), o.save, i, st.nracers);
            if (!session_train_save(s, i, path, err, sizeof(err))) {
                cli_error("train", "--save: %s", err);
                rc = 1;
            } else {
                printf("saved %s to %s\n", r->label, path);
            }
        }
    }
    if (o.log) {
        int e = session_train_log_errno(s);
        if (e) {
            cli_error("train", "--log: %s: write failed: %s", o.log, strerror(e));
            util_outfile_abort(&log);
            rc = 1;
        } else if (!util_outfile_commit(&log, err, sizeof(err))) {
            cli_error("train", "--log: %s", err);
            rc = 1;
        }
    }
    session_train_destroy(s);
    return rc;
}

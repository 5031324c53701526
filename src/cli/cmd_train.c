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
#include "sim/settings.h"
#include "sim/train_settings.h"
#include "sim/util.h"

/* ======================================================================== options */

/* Every option is a row of settings_train() (sim/settings.c): its name, range, default and
 * help are declared there once, and both the parser and --help below read them. */

_Static_assert(TRAIN_MAX_OPT == NN_MAX_RACERS, "as many racers as the trainer takes");

static void usage(FILE *out)
{
    fprintf(out,
            "usage: optiscope train [OPTIONS]\n"
            "Trains the small CNN (conv 1->8, conv 8->16, dense) and reports its accuracy.\n"
            "Options are --key VALUE or --key=VALUE; a flag alone means true (--key=false).\n");
    setting_help(settings_train(), out);
    fprintf(out,
            "Fashion-MNIST is read from " NN_FASHION_MNIST_DIR "\n"
            "unless --data-dir is given.\n"
            "Optimizer and schedule SPECs are name(key=value,...), as listed by\n"
            "`optiscope trace --help`.\n");
}

/* "unknown option 'ARG'" with the nearest option's spelling, from the table. */
static void unknown_option(const char *arg, const char *name)
{
    const char *keys[64], *names[65];
    size_t nk = setting_names(settings_train(), -1, keys, 64), n = 0;
    char spelled[64][40];
    for (size_t i = 0; i < nk; i++) {
        snprintf(spelled[i], sizeof spelled[i], "--%s", keys[i]);
        names[n++] = spelled[i];
    }
    names[n++] = "--help";
    char msg[512], dashed[80];
    snprintf(msg, sizeof msg, "unknown option '%s'", arg);
    snprintf(dashed, sizeof dashed, "%s%s", name[0] ? "--" : "", name[0] ? name : arg);
    util_append_suggestion(msg, sizeof msg, dashed, names, n);
    cli_error("train", "%s", msg);
}

/* Returns 0 when parsed, 2 on bad input, -1 when --help was answered. */
static int parse_opts(int argc, char **argv, struct train_settings *ts)
{
    train_settings_init(ts);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        }
        /* "--key=VALUE" or "--key" (its value the next argument, or true for a flag) */
        char name[64] = "";
        const char *value = NULL;
        if (!strncmp(a, "--", 2)) {
            const char *eq = strchr(a + 2, '=');
            size_t n = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), a + 2);
            value = eq ? eq + 1 : NULL;
        }
        const struct setting *row = name[0] ? setting_find(settings_train(), name, 0) : NULL;
        if (!row) {
            unknown_option(a, name);
            return 2;
        }
        if (!value && row->type == SETTING_BOOL && !row->metavar) {
            value = "true";
        } else if (!value && i + 1 >= argc) {
            cli_error("train", "--%s needs a value", name);
            return 2;
        } else if (!value) {
            value = argv[++i];
        }
        char err[1024];
        if (!train_settings_set(ts, name, value, err, sizeof err)) {
            cli_error("train", "--%s", err);
            return 2;
        }
    }
    if (ts->data_dir[0] && ts->data == TRAIN_DATA_SYNTHETIC) {
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
    struct train_settings o;
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }
    const char *log_path = o.log[0] ? o.log : NULL, *save_path = o.save[0] ? o.save : NULL;
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
    cfg->eval_every = (int)o.eval_every;
    cfg->nopt = o.nopt;
    memcpy(cfg->opt, o.opt, (size_t)o.nopt * sizeof o.opt[0]);
    cfg->sched = o.sched;

    /* ---- the log file opens, and every save path is checked, before the long part, so a
     * bad path fails at once ---- */
    for (int i = 0; save_path && i < cfg->nopt; i++) {
        char path[4096];
        session_train_save_path(path, sizeof(path), save_path, i, cfg->nopt);
        if (!util_outfile_check(path, err, sizeof(err))) {
            cli_error("train", "--save: %s", err);
            return 2;
        }
    }
    struct util_outfile log = {0};
    if (log_path && !util_outfile_open(&log, log_path, err, sizeof(err))) {
        cli_error("train", "--log: %s", err);
        return 2;
    }
    sc.log = log_path ? log.f : NULL;

    /* ---- data and session ---- */
    struct session_train_data_desc desc = {
        .source = o.data == TRAIN_DATA_SYNTHETIC ? SESSION_TRAIN_SYNTHETIC
                                                 : SESSION_TRAIN_FASHION_MNIST,
        .dir = o.data_dir[0] ? o.data_dir : NULL, .val = o.has_val ? (int)o.val : -1,
        .limit = (int)o.limit, .seed = o.seed};
    struct nn_data data;
    if (!session_train_load_data(&desc, &data, err, sizeof(err))) {
        if (!o.data_dir[0] && access(NN_FASHION_MNIST_DIR, F_OK) != 0) {
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
    struct progress prog = {.on = !o.no_progress && isatty(STDERR_FILENO),
                            .patience = o.patience};
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
        if (save_path) {
            char path[4096];
            session_train_save_path(path, sizeof(path), save_path, i, st.nracers);
            if (!session_train_save(s, i, path, err, sizeof(err))) {
                cli_error("train", "--save: %s", err);
                rc = 1;
            } else {
                printf("saved %s to %s\n", r->label, path);
            }
        }
    }
    if (log_path) {
        int e = session_train_log_errno(s);
        if (e) {
            cli_error("train", "--log: %s: write failed: %s", log_path, strerror(e));
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

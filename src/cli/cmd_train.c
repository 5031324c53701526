/* cmd_train.c: `optiscope train`: parses the options, then runs session/'s training session
 * in the terminal: a progress bar, per-epoch lines, the test report and the saves. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/train_opts.h"
#include "nn/train.h"
#include "session/train.h"
#include "sim/i18n.h"
#include "sim/settings.h"
#include "sim/train_settings.h"
#include "sim/util.h"

/* ======================================================================== options */

/* Every option is a row of settings_train() (sim/settings.c): its name, range, default and
 * help are declared there once, and both the parser and --help below read them. */

_Static_assert(TRAIN_MAX_OPT == NN_MAX_RACERS, "as many racers as the trainer takes");

static void usage(FILE *out)
{
    fprintf(out, "%s\n%s\n%s\n", _("usage: optiscope train [OPTIONS]"),
            _("Trains the small CNN (conv 1->8, conv 8->16, dense) and reports its accuracy."),
            _("Options are --key VALUE or --key=VALUE; a flag alone means true (--key=false)."));
    setting_help(settings_train(), out);
    fprintf(out, _("Fashion-MNIST is read from %s\nunless --data-dir is given.\n"),
            NN_FASHION_MNIST_DIR);
    fprintf(out, "%s\n", _("Optimizer and schedule SPECs are name(key=value,...), as listed by "
                           "`optiscope trace --help`."));
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
        char why[64];   /* in words: no NaN or infinity reaches the terminal */
        if (isfinite(r->diverged_loss)) {
            snprintf(why, sizeof why, _("loss %g, its penalty not finite"), r->diverged_loss);
        } else {
            snprintf(why, sizeof why, "%s", isnan(r->diverged_loss) ? _("its loss is NaN")
                                                                    : _("its loss is infinite"));
        }
        fprintf(stderr,
                _("optiscope train: %s diverged at step %ld (%s); it stops, the others go on\n"),
                r->label, r->diverged_step, why);
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
    fprintf(stderr, "\r");
    fprintf(stderr, _("epoch %d/%d [%s] %d/%d  loss %.4f"), si->epoch, st->epochs, bar,
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
        printf(_("epoch %d/%d  %-24s train loss %.4f acc %6.2f%%  val loss %.4f acc "
                 "%6.2f%%  lr %.3g  %.1f s  %.0f img/s%s\n"), ei->epoch, st->epochs, r->label,
               ei->train_loss, 100 * ei->train_acc, ei->val_loss, 100 * ei->val_acc, ei->lr,
               ei->seconds, ei->images_per_s, ei->improved && p->patience > 0 ? "  *" : "");
        if (r->stopped) {
            printf(_("early stop: %s after epoch %d, best validation loss %.4f at epoch %d "
                     "restored\n"), r->label, ei->epoch, r->best_val_loss, r->best_epoch);
        }
    }
    fflush(stdout);
}

/* ======================================================================== the command */

int cmd_train(int argc, char **argv)
{
    struct train_settings o;
    train_settings_init(&o);
    int rc = cli_train_parse("train", argc, argv, &o, NULL, usage);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }
    const char *log_path = o.log[0] ? o.log : NULL, *save_path = o.save[0] ? o.save : NULL;
    struct session_train_config sc;
    char err[1024];
    if (!session_train_config_from(&o, &sc, err, sizeof(err))) {
        cli_error("train", "--model: %s", err);
        return 2;
    }
    const struct nn_train_config *cfg = &sc.train;

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
    struct nn_data data;
    if (!cli_train_data("train", &o, &data)) {
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
    char sched_label[160];
    sched_format(&cfg->sched, sched_label, sizeof(sched_label));
    int own = 0;   /* racers with a schedule of their own (their labels name it) */
    for (int i = 0; i < cfg->nopt; i++) {
        own += cfg->opt[i].has_sched;
    }
    if (own == cfg->nopt) {
        snprintf(sched_label, sizeof(sched_label), "%s", _("per optimizer"));
    } else if (own > 0) {
        size_t n = strlen(sched_label);
        snprintf(sched_label + n, sizeof(sched_label) - n, "%s", _(" for the others"));
    }
    printf(_("data: %s: %d train, %d validation, %d test images of %dx%d\n"), d->source,
           d->train.n, d->val.n, d->test.n, d->train.h, d->train.w);
    printf(_("model: %s%s%s%s, %zu parameters; batch %d, epochs %ld, schedule %s, seed %llu, "
             "threads %ld\n"), o.model, o.batchnorm ? " +batchnorm" : "",
           o.dropout > 0 ? " +dropout" : "", o.hidden ? " +hidden" : "", st.nweights,
           cfg->batch, o.epochs, sched_label, o.seed, o.threads);
    if (cfg->racer_penalty) {
        char first[96];
        optim_format(&cfg->opt[0], first, sizeof first);
        printf(_("regularization: %s three times: no penalty, L1 %g%s, L2 %g; early stopping "
                 "%s\n"),
               first, cfg->pen[1].l1, cfg->l1_proximal ? _(" (proximal)") : "", cfg->pen[2].l2,
               o.patience > 0 ? _("on") : _("off"));
    } else if (o.l1 > 0 || o.l2 > 0 || o.patience > 0) {
        printf(_("regularization: l1 %g%s, l2 %g, early stopping %s\n"), o.l1,
               o.l1 > 0 && o.l1_mode == TRAIN_L1_PROXIMAL ? _(" (proximal)") : "", o.l2,
               o.patience > 0 ? _("on") : _("off"));
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
        cli_print_test_line(stdout, r, o.patience > 0);
        if (!r->tested) {
            continue;
        }
        if (save_path) {
            char path[4096];
            session_train_save_path(path, sizeof(path), save_path, i, st.nracers);
            if (!session_train_save(s, i, path, err, sizeof(err))) {
                cli_error("train", "--save: %s", err);
                rc = 1;
            } else {
                printf(_("saved %s to %s\n"), r->label, path);
            }
        }
    }
    /* how sparse each racer ended: exact zeros (proximal L1) against near zeros */
    const struct nn_trainer *tr = session_train_trainer(s);
    for (int i = 0; i < tr->nracers; i++) {
        cli_train_print_weights(stdout, tr->r[i].label, tr->r[i].net);
    }
    if (log_path) {
        int e = session_train_log_errno(s);
        if (e) {
            cli_error("train", _("--log: %s: write failed: %s"), log_path, strerror(e));
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

/* train_opts.c: the train options parsed from the settings tables, the configuration and data
 * they give, and the reports: shared by train, landscape, view --cnn and render --cnn. */
#include "cli/train_opts.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "nn/weight_stats.h"
#include "session/train.h"
#include "sim/i18n.h"
#include "sim/util.h"

/* ======================================================================== options */

/* The flag or option of `flags` that arg names ("--size", "--size=V", "-o"), with *value set
 * for "=V". */
static const struct cli_extra *find_flag(const struct cli_extra *flags, const char *arg,
                                         const char **value)
{
    for (const struct cli_extra *e = flags; e && e->name; e++) {
        const char *names[2] = {e->name, e->alias};
        for (int k = 0; k < 2; k++) {
            size_t n = names[k] ? strlen(names[k]) : 0;
            if (!n || strncmp(arg, names[k], n)) {
                continue;
            }
            if (arg[n] == '\0') {
                *value = NULL;
                return e;
            }
            if (arg[n] == '=' && e->takes_value) {
                *value = arg + n + 1;
                return e;
            }
        }
    }
    return NULL;
}

/* "unknown option 'ARG'" with the nearest option's spelling, from the tables. */
static void unknown_option(const char *cmd, const char *arg, const char *name,
                           const struct cli_train_extra *extra)
{
    const char *keys[128], *names[131];
    size_t nk = 0, n = 0;
    if (extra && extra->table) {
        nk = setting_names(extra->table, -1, keys, 64);
    }
    nk += setting_names(settings_train(), -1, keys + nk, 64);
    char spelled[128][40];
    for (size_t i = 0; i < nk; i++) {
        snprintf(spelled[i], sizeof spelled[i], "--%s", keys[i]);
        names[n++] = spelled[i];
    }
    names[n++] = "--help";
    if (extra && extra->output) {
        names[n++] = "--output";
    }
    for (const struct cli_extra *e = extra ? extra->flags : NULL; e && e->name && n < 130; e++) {
        names[n++] = e->name;
    }
    char msg[512], dashed[80];
    snprintf(msg, sizeof msg, _("unknown option '%s'"), UTIL_ESC(arg));
    snprintf(dashed, sizeof dashed, "%s%s", name[0] ? "--" : "", name[0] ? name : arg);
    util_append_suggestion(msg, sizeof msg, dashed, names, n);
    cli_error(cmd, "%s", msg);
}

/* A key of a table without kinds, as train_settings_set does it for the train table. */
static bool table_set(void *obj, const struct setting *row, const char *key,
                      const char *value, char *err, size_t errlen)
{
    char msg[768];
    if (!setting_parse(row, obj, value, true, msg, sizeof msg)) {
        snprintf(err, errlen, "%s: %s", key, msg);
        return false;
    }
    return true;
}

int cli_train_parse(const char *cmd, int argc, char **argv, struct train_settings *ts,
                    const struct cli_train_extra *extra, void (*usage)(FILE *out))
{
    const struct setting_table *et = extra ? extra->table : NULL;
    if (et) {
        setting_defaults(et, 0, extra->obj);
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        }
        if (extra && extra->output && (!strcmp(a, "-o") || !strcmp(a, "--output") ||
                                       !strncmp(a, "--output=", 9))) {
            const char *v = a[1] == 'o' ? NULL : strchr(a, '=') ? strchr(a, '=') + 1 : NULL;
            if (!v && i + 1 >= argc) {
                cli_error(cmd, _("%s needs a file name"), a);
                return 2;
            }
            *extra->output = v ? v : argv[++i];
            continue;
        }
        const char *value = NULL;
        const struct cli_extra *f = find_flag(extra ? extra->flags : NULL, a, &value);
        if (f) {
            if (!f->takes_value) {
                *f->value = "1";
            } else if (value) {
                *f->value = value;
            } else if (i + 1 >= argc) {
                cli_error(cmd, _("%s needs a value"), f->name);
                return 2;
            } else {
                *f->value = argv[++i];
            }
            continue;
        }
        /* "--key=VALUE" or "--key" (its value the next argument, or true for a flag) */
        char name[64] = "";
        if (!strncmp(a, "--", 2)) {
            const char *eq = strchr(a + 2, '=');
            size_t n = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1),
                     a + 2);
            value = eq ? eq + 1 : NULL;
        }
        const struct setting *row = NULL;
        bool own = false;
        if (name[0] && et) {
            row = setting_find(et, name, 0);
            own = row != NULL;
        }
        if (name[0] && !row) {
            row = setting_find(settings_train(), name, 0);
        }
        if (!row) {
            unknown_option(cmd, a, name, extra);
            return 2;
        }
        if (!value && row->type == SETTING_BOOL && !row->metavar) {
            value = "true";
        } else if (!value && i + 1 >= argc) {
            cli_error(cmd, _("--%s needs a value"), name);
            return 2;
        } else if (!value) {
            value = argv[++i];
        }
        char err[1024];
        bool ok = own ? table_set(extra->obj, row, name, value, err, sizeof err)
                      : train_settings_set(ts, name, value, err, sizeof err);
        if (!ok) {
            cli_error(cmd, "--%s", err);
            return 2;
        }
    }
    if (ts->data_dir[0] && ts->data == TRAIN_DATA_SYNTHETIC) {
        cli_error(cmd, "%s",
                  _("--data-dir reads MNIST-format files; it does not go with --data synthetic"));
        return 2;
    }
    return 0;
}

/* ======================================================================== config, data */

bool cli_train_config(const char *cmd, const struct train_settings *o,
                      struct nn_train_config *cfg)
{
    struct session_train_config sc;
    char err[1024];
    if (!session_train_config_from(o, &sc, err, sizeof(err))) {
        cli_error(cmd, "--model: %s", err);
        return false;
    }
    *cfg = sc.train;
    return true;
}

bool cli_train_data(const char *cmd, const struct train_settings *o, struct nn_data *out)
{
    struct session_train_data_desc desc;
    session_train_data_from(o, &desc);
    char err[1024];
    if (!session_train_load_data(&desc, out, err, sizeof(err))) {
        if (!o->data_dir[0] && access(NN_FASHION_MNIST_DIR, F_OK) != 0) {
            cli_error(cmd, _("%s (install Debian's dataset-fashion-mnist, or use --data "
                             "synthetic or --data-dir DIR)"), err);
        } else {
            cli_error(cmd, "%s", err);
        }
        return false;
    }
    return true;
}

/* ======================================================================== report */

void cli_train_print_weights(FILE *out, const char *label, const struct cnn *net)
{
    struct nn_weight_stats s;
    nn_weight_stats(net, 1, 1.0, 1e-3, &s);
    fprintf(out, _("weights %-22s %zu weights, %zu exact zeros, %zu below 1e-3 (%.1f%%)\n"),
            label, s.all.count, s.all.zeros, s.all.small,
            s.all.count ? 100.0 * (double)s.all.small / (double)s.all.count : 0.0);
}

void cli_print_test_line(FILE *out, const struct session_train_racer *r, bool best_weights)
{
    if (!r->tested) {
        fprintf(out, _("test  %-24s diverged\n"), r->label);
        return;
    }
    fprintf(out, _("test  %-24s loss %.4f  accuracy %.2f%%%s\n"), r->label, r->test_loss,
            100 * r->test_acc, best_weights ? _(" (best weights)") : "");
}

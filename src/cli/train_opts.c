/* train_opts.c: the CNN's training options on the command line (train, view --cnn,
 * render --cnn, landscape): every option is a row of settings_train() (sim/settings.c), so its
 * name, range, default and help are declared once. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "session/train.h"
#include "sim/settings.h"
#include "sim/train_settings.h"
#include "sim/util.h"

/* "unknown option 'ARG'" with the nearest option's spelling, from the table and the extras. */
static void unknown_option(const char *cmd, const char *arg, const char *name,
                           const struct cli_extra *extras)
{
    const char *keys[64], *names[96];
    size_t nk = setting_names(settings_train(), -1, keys, 64), n = 0;
    char spelled[64][40];
    for (size_t i = 0; i < nk; i++) {
        snprintf(spelled[i], sizeof spelled[i], "--%s", keys[i]);
        names[n++] = spelled[i];
    }
    for (const struct cli_extra *e = extras; e && e->name && n < 95; e++) {
        names[n++] = e->name;
    }
    names[n++] = "--help";
    char msg[512], dashed[80];
    snprintf(msg, sizeof msg, "unknown option '%s'", arg);
    snprintf(dashed, sizeof dashed, "%s%s", name[0] ? "--" : "", name[0] ? name : arg);
    util_append_suggestion(msg, sizeof msg, dashed, names, n);
    cli_error(cmd, "%s", msg);
}

/* The extra that arg names ("--size", "--size=V", "-o"), with *value set for "=V". */
static const struct cli_extra *find_extra(const struct cli_extra *extras, const char *arg,
                                          const char **value)
{
    for (const struct cli_extra *e = extras; e && e->name; e++) {
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

int cli_parse_train(const char *cmd, int argc, char **argv, struct train_settings *ts,
                    const struct cli_extra *extras, bool *help)
{
    *help = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            *help = true;
            return 0;
        }
        const char *value = NULL;
        const struct cli_extra *e = find_extra(extras, a, &value);
        if (e) {
            if (!e->takes_value) {
                *e->value = "1";
            } else if (value) {
                *e->value = value;
            } else if (i + 1 >= argc) {
                cli_error(cmd, "%s needs a value", e->name);
                return 2;
            } else {
                *e->value = argv[++i];
            }
            continue;
        }
        /* "--key=VALUE" or "--key" (its value the next argument, or true for a flag) */
        char name[64] = "";
        if (!strncmp(a, "--", 2)) {
            const char *eq = strchr(a + 2, '=');
            size_t n = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), a + 2);
            value = eq ? eq + 1 : NULL;
        }
        const struct setting *row = name[0] ? setting_find(settings_train(), name, 0) : NULL;
        if (!row) {
            unknown_option(cmd, a, name, extras);
            return 2;
        }
        if (!value && row->type == SETTING_BOOL && !row->metavar) {
            value = "true";
        } else if (!value && i + 1 >= argc) {
            cli_error(cmd, "--%s needs a value", name);
            return 2;
        } else if (!value) {
            value = argv[++i];
        }
        char err[1024];
        if (!train_settings_set(ts, name, value, err, sizeof err)) {
            cli_error(cmd, "--%s", err);
            return 2;
        }
    }
    if (ts->data_dir[0] && ts->data == TRAIN_DATA_SYNTHETIC) {
        cli_error(cmd, "--data-dir reads MNIST-format files; it does not go with --data "
                  "synthetic");
        return 2;
    }
    return 0;
}

void cli_print_test_line(FILE *out, const struct session_train_racer *r, bool best_weights)
{
    if (!r->tested) {
        fprintf(out, "test  %-24s diverged\n", r->label);
        return;
    }
    fprintf(out, "test  %-24s loss %.4f  accuracy %.2f%%%s\n", r->label, r->test_loss,
            100 * r->test_acc, best_weights ? " (best weights)" : "");
}

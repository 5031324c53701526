/* main.c: the optiscope command: dispatches to the subcommands (view, render, trace, train,
 * landscape, list, bench, tune) and answers --version and --help. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "config.h"
#include "sim/i18n.h"
#include "sim/util.h"

static void usage(FILE *out)
{
    static const struct {
        const char *synopsis, *what;
    } lines[] = {
        {"optiscope", N_("the default demo (same as `optiscope view`)")},
        {"optiscope view   [SCENE OPTIONS]", N_("the interactive window")},
        {"optiscope render [SCENE OPTIONS] -o FILE.png|.svg|.pdf|.gif [--size WxH]",
         N_("a figure of the race, headless")},
        {"optiscope trace  [SCENE OPTIONS]",
         N_("CSV on stdout (or -o FILE): optimizer,step,x,y,loss,lr,diverged")},
        {"optiscope train  [CNN OPTIONS]", N_("train the small CNN in the terminal")},
        {"optiscope landscape [CNN OPTIONS] -o FILE.csv",
         N_("the CNN's loss slice with projected paths")},
        {"optiscope tune   [SCENE OPTIONS] [-o TUNED.scene]",
         N_("search each optimizer's learning rate")},
        {"optiscope list   functions|optimizers|schedules|presets", N_("what there is")},
        {"optiscope bench  train|render|landscape", N_("benchmarks")},
    };
    fprintf(out, _("optiscope %s: watch gradient-descent optimizers race across loss surfaces"),
            OPTISCOPE_VERSION);
    fprintf(out, "\n\n%s\n", _("usage:"));
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        if (strlen(lines[i].synopsis) <= 33) {
            fprintf(out, "  %-33s %s\n", lines[i].synopsis, _(lines[i].what));
        } else {
            fprintf(out, "  %s\n  %-33s %s\n", lines[i].synopsis, "", _(lines[i].what));
        }
    }
    fprintf(out, "\n%s\n%s\n",
            _("Every command also takes --lang en|ko: the language of the window, the figures "
              "and the messages (by default the locale's: LANGUAGE, LC_ALL, LC_MESSAGES, LANG)."),
            _("`optiscope COMMAND --help` describes each command's options."));
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        char *args[] = {"view", NULL};
        return cmd_view(1, args);
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("optiscope %s\n", OPTISCOPE_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } commands[] = {
        {"view", cmd_view},   {"render", cmd_render}, {"trace", cmd_trace},
        {"train", cmd_train}, {"list", cmd_list},     {"bench", cmd_bench},
        {"landscape", cmd_landscape},
        {"tune", cmd_tune},
    };
    static const char *const names[] = {"view", "render", "trace", "train", "list", "bench",
                                        "landscape", "tune"};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!strcmp(cmd, commands[i].name)) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    if (cmd[0] == '-') {
        /* Scene options with no command: the window, as `optiscope view OPTIONS`. */
        argv[0] = "view";
        return cmd_view(argc, argv);
    }
    char msg[256];
    snprintf(msg, sizeof msg, _("unknown command '%s'"), UTIL_ESC(cmd));
    util_append_suggestion(msg, sizeof msg, cmd, names, sizeof names / sizeof names[0]);
    fprintf(stderr, _("optiscope: %s; see `optiscope --help`\n"), msg);
    return 2;
}

/* Every command's printed output is checked at the end: a full disk or a closed pipe behind
 * stdout is said, never silent (exit 1). */
/* --lang LANG or --lang=LANG, anywhere before a lone "--": taken out of argv (every command
 * takes it), the language set. Exit status 2 on a bad one, else -1. */
static int take_lang(int *argc, char **argv)
{
    int out = 1;
    int status = -1;
    bool rest = false;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        bool is_lang = false;
        if (!rest && !strcmp(a, "--")) {
            rest = true;
        } else if (!rest && !strcmp(a, "--lang")) {
            is_lang = true;
            if (i + 1 >= *argc) {
                fprintf(stderr, _("optiscope: --lang needs a value (%s)\n"), I18N_LANGS);
                return 2;
            }
            val = argv[++i];
        } else if (!rest && !strncmp(a, "--lang=", 7)) {
            is_lang = true;
            val = a + 7;
        }
        if (!is_lang) {
            argv[out++] = argv[i];
            continue;
        }
        if (!i18n_set(val)) {
            fprintf(stderr, _("optiscope: --lang: unknown language '%s' (have: %s)\n"),
                    UTIL_ESC(val), I18N_LANGS);
            status = 2;
        }
    }
    argv[out] = NULL;
    *argc = out;
    return status;
}

int main(int argc, char **argv)
{
    i18n_init(cli_localedir());
    int status = take_lang(&argc, argv);
    if (status >= 0) {
        return status;
    }
    status = run(argc, argv);
    return cli_close_stdout(argc < 2 ? "view" : argv[1], status, 0);
}

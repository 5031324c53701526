/* main.c: the optiscope command: dispatches to the subcommands (view, render, trace, train,
 * landscape, list, bench, tune) and answers --version and --help. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "config.h"
#include "sim/util.h"

static void usage(FILE *out)
{
    fprintf(out,
            "optiscope %s: watch gradient-descent optimizers race across loss surfaces\n"
            "\n"
            "usage:\n"
            "  optiscope                        the default demo (same as `optiscope view`)\n"
            "  optiscope view   [SCENE OPTIONS] interactive window\n"
            "  optiscope render [SCENE OPTIONS] -o FILE.png|.svg|.pdf|.gif [--size WxH]\n"
            "  optiscope trace  [SCENE OPTIONS] CSV on stdout (or -o FILE):\n"
            "                                   optimizer,step,x,y,loss,lr,diverged\n"
            "  optiscope train  [CNN OPTIONS]   train the small CNN in the terminal\n"
            "  optiscope landscape [CNN OPTIONS] -o FILE.csv\n"
            "                                   the CNN's loss slice with projected paths\n"
            "  optiscope tune   [SCENE OPTIONS] [-o TUNED.scene]\n"
            "                                   search each optimizer's learning rate\n"
            "  optiscope list   functions|optimizers|schedules|presets\n"
            "  optiscope bench  train|render|landscape  benchmarks\n"
            "\n"
            "`optiscope COMMAND --help` describes each command's options.\n",
            OPTISCOPE_VERSION);
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
    snprintf(msg, sizeof msg, "unknown command '%s'", UTIL_ESC(cmd));
    util_append_suggestion(msg, sizeof msg, cmd, names, sizeof names / sizeof names[0]);
    fprintf(stderr, "optiscope: %s; see `optiscope --help`\n", msg);
    return 2;
}

/* Every command's printed output is checked at the end: a full disk or a closed pipe behind
 * stdout is said, never silent (exit 1). */
int main(int argc, char **argv)
{
    int status = run(argc, argv);
    return cli_close_stdout(argc < 2 ? "view" : argv[1], status, 0);
}

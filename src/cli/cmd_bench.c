/* cmd_bench.c: `optiscope bench WHAT`: dispatches to the benchmarks. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "sim/i18n.h"
#include "sim/spec.h"
#include "sim/util.h"

int cmd_bench(int argc, char **argv)
{
    static const char *const what[] = {"train", "render", "landscape"};
    if (argc >= 2 && !strcmp(argv[1], "train")) {
        return bench_train(argc - 1, argv + 1);
    }
    if (argc >= 2 && !strcmp(argv[1], "render")) {
        return bench_render(argc - 1, argv + 1);
    }
    if (argc >= 2 && !strcmp(argv[1], "landscape")) {
        return bench_landscape(argc - 1, argv + 1);
    }
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        /* asked for: the usage on stdout; missing: an error, so on stderr with exit 2 */
        FILE *out = argc < 2 ? stderr : stdout;
        if (argc < 2) {
            cli_error("bench", _("which benchmark? train, render or landscape"));
        }
        fprintf(out,
                _("usage: optiscope bench train [OPTIONS]   CNN training speed against PyTorch\n"
                "       optiscope bench render [OPTIONS]  frame times of the live view\n"
                "       optiscope bench landscape [OPTIONS]  the CNN's loss slice against "
                "PyTorch\n"));
        return argc < 2 ? 2 : 0;
    }
    char msg[256];
    snprintf(msg, sizeof msg, _("unknown benchmark '%s'"), UTIL_ESC(argv[1]));
    util_append_suggestion(msg, sizeof msg, argv[1], what, 3);
    cli_error("bench", "%s", msg);
    return 2;
}

bool bench_parse_threads(const char *v, long *threads, int cap, long max, int *n)
{
    char items[16][256], err[256];
    int k = spec_split_list(v, items, cap < 16 ? cap : 16, err, sizeof err);
    bool ok = k > 0;
    for (int i = 0; i < k; i++) {
        ok = ok && util_parse_long(items[i], 1, max, &threads[i]);
    }
    if (!ok) {
        cli_error("bench", _("--threads: '%s' is not a list of thread counts (1..%ld)"), v, max);
        *n = 0;
        return false;
    }
    *n = k;
    return true;
}

bool bench_parse_data(const char *v)
{
    if (strcmp(v, "fashion-mnist") && strcmp(v, "synthetic")) {
        cli_error("bench", _("--data: unknown dataset '%s' (known: fashion-mnist, synthetic)"), v);
        return false;
    }
    return true;
}

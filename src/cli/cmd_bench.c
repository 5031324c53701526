/* cmd_bench.c: `optiscope bench WHAT`: dispatches to the benchmarks. */
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
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
        printf("usage: optiscope bench train [OPTIONS]   CNN training speed against PyTorch\n"
               "       optiscope bench render [OPTIONS]  frame times of the live view\n"
               "       optiscope bench landscape [OPTIONS]  the CNN's loss slice against "
               "PyTorch\n");
        return argc < 2 ? 2 : 0;
    }
    char msg[256];
    snprintf(msg, sizeof msg, "unknown benchmark '%s'", argv[1]);
    util_append_suggestion(msg, sizeof msg, argv[1], what, 3);
    cli_error("bench", "%s", msg);
    return 2;
}

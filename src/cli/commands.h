/* commands.h: the subcommands of the optiscope binary. Each takes the arguments after its own
 * name (argv[0] is the command name) and returns the process exit status: 0 success, 1 a
 * runtime failure, 2 bad input. */
#ifndef OPTISCOPE_CLI_COMMANDS_H
#define OPTISCOPE_CLI_COMMANDS_H

#include <stdbool.h>

int cmd_list(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_view(int argc, char **argv);
int cmd_tune(int argc, char **argv);           /* cmd_tune.c: each optimizer's lr tuned */
int cmd_train(int argc, char **argv);          /* cmd_train.c (nn/) */
int cmd_render_cnn(int argc, char **argv);     /* cmd_cnn.c: `render --cnn` */
struct app_options;
/* cmd_cnn.c: `view --cnn`; base holds the toy mode's options (scene, shaders, presets). */
int cmd_view_cnn(int argc, char **argv, const struct app_options *base);
int cmd_landscape(int argc, char **argv);      /* cmd_landscape.c: the CNN's loss slice */
int cmd_bench(int argc, char **argv);          /* dispatches to the bench_* below */
/* For the bench_* commands: --threads LIST (1..max each, at most cap of them) into threads[],
 * their count into *n; --data NAME (fashion-mnist or synthetic). False after saying why. */
bool bench_parse_threads(const char *v, long *threads, int cap, long max, int *n);
bool bench_parse_data(const char *v);
int bench_train(int argc, char **argv);        /* cmd_bench_train.c: `optiscope bench train` */
int bench_render(int argc, char **argv);       /* cmd_bench_render.c: `optiscope bench render` */
int bench_landscape(int argc, char **argv);    /* cmd_bench_landscape.c: `optiscope bench
                                                  landscape` */

#endif

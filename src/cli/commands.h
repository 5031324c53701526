/* commands.h: the subcommands of the optiscope binary. Each takes the arguments after its own
 * name (argv[0] is the command name) and returns the process exit status: 0 success, 1 a
 * runtime failure, 2 bad input. */
#ifndef OPTISCOPE_CLI_COMMANDS_H
#define OPTISCOPE_CLI_COMMANDS_H

int cmd_list(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_view(int argc, char **argv);
int cmd_train(int argc, char **argv);          /* cmd_train.c (nn/) */
int cmd_bench(int argc, char **argv);          /* dispatches to the bench_* below */
int bench_train(int argc, char **argv);        /* cmd_bench_train.c: `optiscope bench train` */
int bench_render(int argc, char **argv);       /* cmd_bench_render.c: `optiscope bench render` */

#include <stdbool.h>
struct scene;
/* cmd_view.c: the window's frame drawn offscreen through OpenGL (EGL) to a PNG: `render --view
 * 3d`. Returns the exit status after printing errors as "optiscope CMD: ...". */
int render_gl_png(const char *cmd, struct scene *scene, const char *path, int width,
                  int height, bool view3d);

#endif

/* cli.h: what the commands share: scene-option parsing with file/preset/override semantics,
 * the data directory (presets, shaders), atomic output files, and error reporting. */
#ifndef OPTISCOPE_CLI_CLI_H
#define OPTISCOPE_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "sim/scene.h"

/* An option a command adds to the scene options, e.g. -o FILE. */
struct cli_extra {
    const char *name;     /* "--size" or "-o" */
    const char *alias;    /* another spelling ("--output"), or NULL */
    bool takes_value;     /* false: a flag */
    const char **value;   /* where the value goes (flags get "1") */
};

/* Parses argv[1..argc) (argv[0] is the command name): --scene FILE and --preset NAME first,
 * then every scene key as --key VALUE or --key=VALUE (later wins over the file), then the
 * extras. On a problem prints "optiscope CMD: ..." to stderr and returns false. Sets *help when
 * --help or -h is given. */
bool cli_parse_scene(int argc, char **argv, struct scene *scene, const struct cli_extra *extras,
                     bool *help);

/* A scene command's options (trace, tune): cli_parse_scene with the command's extras, then the
 * scene resolved once to check it (the function compiles, the start is finite). Returns 0 when
 * parsed and sound, 2 on bad input (one message on stderr), -1 when --help was asked (usage,
 * which prints cli_print_scene_help among its own lines, written to stdout). scene is
 * initialised here, and finished unless 0 is returned. */
int cli_scene_command_parse(int argc, char **argv, struct scene *scene,
                            const struct cli_extra *extras, void (*usage)(FILE *out));

/* Whether argv[1..argc) names a scene file or preset (--scene, --preset) as an option, not as
 * another option's value: `view` loads its default demo only when none is given. */
bool cli_scene_given(int argc, char **argv, const struct cli_extra *extras);

/* Prints the scene options' help text. */
void cli_print_scene_help(FILE *out);

/* Where presets and shaders live: $OPTISCOPE_DATA, then the installed share/optiscope next to
 * the binary (../share/optiscope), then the configured install path, then the source tree's
 * assets/ (only when the binary runs from its build folder). NULL if none has presets/. */
const char *cli_datadir(void);
/* The folder of the message catalogs: the build folder's po/locale, or the installed one. */
const char *cli_localedir(void);
/* PATH of a preset; false with a message (and a suggestion) if unknown. */
bool cli_preset_path(const char *name, char *path, size_t len, char *err, size_t errlen);
/* The names of the presets found, sorted; returns the count (at most max). */
int cli_preset_names(char names[][64], int max);

/* Flushes and closes standard output (once; later calls only return status). A write or close
 * that failed is reported as "optiscope CMD: standard output: write failed: REASON" and makes a
 * status of 0 into 1. `seen` is the errno of a failed write the command saw earlier (0: none),
 * for the reason when the final flush itself succeeds. main() calls it after every command. */
int cli_close_stdout(const char *cmd, int status, int seen);

/* Starts argv[0] (found on PATH, as a shell would) with argv as its arguments, never through a
 * shell, its stdout and stderr both into the returned stream; NULL with a message when it cannot
 * start. Read to the end, fclose, then cli_spawn_wait. */
FILE *cli_spawn_read(char *const argv[], pid_t *pid, char *err, size_t errlen);
/* Waits for the child; its wait status, and in `how` (when not NULL) "exit status N" or
 * "killed by signal N". */
int cli_spawn_wait(pid_t pid, char *how, size_t len);

/* "optiscope CMD: message" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

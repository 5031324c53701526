/* cmd_tune.c: `optiscope tune`: each optimizer's learning rate searched on the scene (a log
 * grid, then golden section; objective the final loss after the scene's steps, divergence
 * penalized), a table of defaults against tuned on stdout, the tuned scene written with -o. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "session/session.h"
#include "sim/i18n.h"
#include "sim/util.h"

static void usage(FILE *out)
{
    fprintf(out, _("usage: optiscope tune [SCENE OPTIONS] [-o TUNED.scene]\n"
            "Searches each optimizer's learning rate on the scene: its own lr times\n"
            "10^(k/2) for k = -%d..%d, then %d golden-section steps on log10(lr) about the\n"
            "best (rates rounded to 3 digits); the objective is the final loss after the\n"
            "scene's steps, a run that diverges counts as infinitely bad, and the default\n"
            "rate is a candidate, so the tuned loss is never above it. Each optimizer runs\n"
            "alone in the scene's race (the same noise stream as in the race), so the\n"
            "same scene gives the same rates, byte for byte. Prints optimizer, default\n"
            "lr, default final loss, tuned lr, tuned final loss; the time taken goes to\n"
            "stderr.\n\n"), TUNE_GRID_HALF, TUNE_GRID_HALF, TUNE_GOLDEN);
    cli_print_scene_help(out);
    fprintf(out, _("  -o, --output FILE      write the scene with the tuned rates to FILE\n"
            "                         (atomically; `optiscope render --scene FILE` draws it)\n"));
}

int cmd_tune(int argc, char **argv)
{
    const char *output = NULL;
    const struct cli_extra extras[] = {
        {"-o", "--output", true, &output},
        {0},
    };
    struct scene scene;
    int rc = cli_scene_command_parse(argc, argv, &scene, extras, usage);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }
    char err[1024];
    /* The output path is checked before the work: a wrong folder fails now, not after it. */
    struct util_outfile out = {0};
    if (output && !util_outfile_open(&out, output, err, sizeof err)) {
        cli_error("tune", "%s", err);
        scene_finish(&scene);
        return 2;
    }
    struct session_tuning t;
    struct scene tuned;
    if (!session_tune_scene(&scene, &t, &tuned, NULL, NULL, err, sizeof err)) {
        cli_error("tune", "%s", err);
        if (output) {
            util_outfile_abort(&out);
        }
        scene_finish(&scene);
        return 1;
    }
    session_tune_table(&t, stdout);
    int runs = 0;
    for (int i = 0; i < t.n; i++) {
        runs += t.res[i].runs;
    }
    fprintf(stderr,
            ngettext("optiscope tune: %d optimizer, %d runs of %ld steps in %.3f s\n",
                     "optiscope tune: %d optimizers, %d runs of %ld steps in %.3f s\n",
                     (unsigned long)t.n),
            t.n, runs, tuned.steps, t.secs);
    int status = 0;
    if (output) {
        char msg[768];
        fprintf(out.f, "# the scene with each optimizer's learning rate tuned by `optiscope "
                "tune` (final loss after %ld steps)\n", tuned.steps);
        if (!scene_write(&tuned, out.f, msg, sizeof msg)) {
            cli_error("tune", "%s: %s", UTIL_ESC(output), msg);
            util_outfile_abort(&out);
            status = 1;
        } else if (!util_outfile_commit(&out, err, sizeof err)) {
            cli_error("tune", "%s", err);
            status = 1;
        }
    }
    scene_finish(&tuned);
    scene_finish(&scene);
    return status;
}

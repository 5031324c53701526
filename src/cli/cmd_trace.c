/* cmd_trace.c: `optiscope trace`: runs a race and writes every optimizer's every step as CSV
 * (optimizer,step,x,y,loss,lr,diverged), streaming, so a million steps need no more memory
 * than ten. The rows are session_trace's, which the window's X writes too. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "session/session.h"
#include "sim/i18n.h"
#include "sim/util.h"
#include "sim/race.h"
#include "sim/scene.h"

static void usage(FILE *out)
{
    fprintf(out, _("usage: optiscope trace [SCENE OPTIONS] [-o FILE.csv]\n"
            "Runs the race and writes optimizer,step,x,y,loss,lr,diverged for every\n"
            "optimizer at every step (step 0 is the start; lr is the rate used for the step\n"
            "that led there; diverged is 0). An optimizer that diverges (NaN, infinity, or\n"
            "far outside the view) stops: its last row has diverged = 1, the step that\n"
            "diverged and empty x, y and loss; stderr says so too. A start where the\n"
            "objective or its gradient is not finite is refused.\n\n"));
    cli_print_scene_help(out);
    fprintf(out, _("  -o, --output FILE      write the CSV to FILE (atomically) instead of stdout\n"
            "  --state                add the optimizer's state after each step under\n"
            "                         torch's names with _x, _y (momentum_buffer_x,\n"
            "                         exp_avg_x, exp_avg_sq_y, ..., mu_product), empty\n"
            "                         where it has none\n"
            "  --hessian              add hxx,hxy,hyy,lambda_min,lambda_max of the objective\n"
            "                         at each row's point (exact second derivatives)\n"));
}

int cmd_trace(int argc, char **argv)
{
    const char *output = NULL, *with_state = NULL, *with_hessian = NULL;
    const struct cli_extra extras[] = {
        {"-o", "--output", true, &output},
        {"--state", NULL, false, &with_state},
        {"--hessian", NULL, false, &with_hessian},
        {0},
    };
    struct scene scene;
    int rc = cli_scene_command_parse(argc, argv, &scene, extras, usage);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }
    char err[1024];
    if (scene.split != SCENE_SPLIT_NONE) {
        cli_error("trace", _("a split view (split = l1_vs_l2) runs two races; trace one side "
                  "with --split none and --l2 0 (the L1 side) or --l1 0 (the L2 side)"));
        scene_finish(&scene);
        return 2;
    }
    struct util_outfile out = {0};
    FILE *f = stdout;
    if (output) {
        if (!util_outfile_open(&out, output, err, sizeof err)) {
            cli_error("trace", "%s", err);
            scene_finish(&scene);
            return 2;
        }
        f = out.f;
    }
    static char buf[1 << 16];
    if (f == stdout) {
        setvbuf(stdout, buf, _IOFBF, sizeof buf);
    }
    unsigned cols = (with_state ? SESSION_TRACE_STATE : 0u) |
                    (with_hessian ? SESSION_TRACE_HESSIAN : 0u);
    bool ok = session_trace_cols(&scene, scene.steps, cols, f, stderr, "optiscope trace", err,
                                 sizeof err);
    int write_errno = ok ? 0 : errno;
    int status = 0;
    if (output) {
        /* a failed write shows in the commit, which names the file and the cause */
        if (!util_outfile_commit(&out, err, sizeof err)) {
            cli_error("trace", "%s", err);
            status = 1;
        }
    } else {
        status = cli_close_stdout("trace", status, write_errno);
    }
    scene_finish(&scene);
    return status;
}

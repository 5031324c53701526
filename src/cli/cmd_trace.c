/* cmd_trace.c: `optiscope trace`: runs a race and writes every optimizer's every step as CSV
 * (optimizer,step,x,y,loss,lr,diverged), streaming, so a million steps need no more memory
 * than ten. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "sim/util.h"
#include "sim/race.h"
#include "sim/scene.h"

/* Labels contain commas ("adam(lr=0.1,beta1=0.8)"): quote them as CSV requires. */
static void write_label(FILE *f, const char *label)
{
    if (strpbrk(label, ",\"")) {
        fputc('"', f);
        for (const char *p = label; *p; p++) {
            if (*p == '"') {
                fputc('"', f);
            }
            fputc(*p, f);
        }
        fputc('"', f);
    } else {
        fputs(label, f);
    }
}

/* Every number a race keeps is finite (race_start_ok refuses a start that is not, and a step
 * that is not stops the runner before it is kept), so no row holds NaN or infinity. */
static void write_row(FILE *f, const struct race_runner *r)
{
    write_label(f, r->label);
    fprintf(f, ",%ld,%.17g,%.17g,%.17g,%.17g,0\n", r->step, r->p[0], r->p[1], r->loss, r->lr);
}

/* The runner's last row: the step that diverged, its position and loss unknown (empty), the
 * lr it used (empty too when a growing schedule took it past a double's range), diverged = 1.
 * No row of that runner follows. */
static void write_diverged_row(FILE *f, const struct race_runner *r, double lr)
{
    write_label(f, r->label);
    fprintf(f, ",%ld,,,,", r->diverged_step);
    if (isfinite(lr)) {
        fprintf(f, "%.17g", lr);
    }
    fprintf(f, ",1\n");
}

int cmd_trace(int argc, char **argv)
{
    struct scene scene;
    scene_init(&scene);
    const char *output = NULL;
    const struct cli_extra extras[] = {
        {"-o", "--output", true, &output},
        {0},
    };
    bool help;
    if (!cli_parse_scene(argc, argv, &scene, extras, &help)) {
        scene_finish(&scene);
        return 2;
    }
    if (help) {
        printf("usage: optiscope trace [SCENE OPTIONS] [-o FILE.csv]\n"
               "Runs the race and writes optimizer,step,x,y,loss,lr,diverged for every\n"
               "optimizer at every step (step 0 is the start; lr is the rate used for the step\n"
               "that led there; diverged is 0). An optimizer that diverges (NaN, infinity, or\n"
               "far outside the view) stops: its last row has diverged = 1, the step that\n"
               "diverged and empty x, y and loss; stderr says so too. A start where the\n"
               "objective or its gradient is not finite is refused.\n\n");
        cli_print_scene_help(stdout);
        printf("  -o, --output FILE      write the CSV to FILE (atomically) instead of stdout\n");
        scene_finish(&scene);
        return 0;
    }
    char err[1024];
    struct scene_resolved res;
    if (!scene_resolve(&scene, &res, err, sizeof err)) {
        cli_error("trace", "%s", err);
        scene_finish(&scene);
        return 2;
    }
    struct util_outfile out = {0};
    FILE *f = stdout;
    if (output) {
        if (!util_outfile_open(&out, output, err, sizeof err)) {
            cli_error("trace", "%s", err);
            scene_resolved_finish(&res);
            scene_finish(&scene);
            return 2;
        }
        f = out.f;
    }
    static char buf[1 << 16];
    if (f == stdout) {
        setvbuf(stdout, buf, _IOFBF, sizeof buf);
    }
    struct race race;
    scene_make_race(&scene, &res, &race);
    fprintf(f, "optimizer,step,x,y,loss,lr,diverged\n");
    for (int i = 0; i < race.n; i++) {
        write_row(f, &race.r[i]);
    }
    /* a failed write (a full disk, a closed pipe) ends the run: the rest could not land */
    int write_errno = 0;
    for (long s = 1; s <= scene.steps && race_active(&race) > 0; s++) {
        if (ferror(f)) {
            write_errno = errno;
            break;
        }
        for (int i = 0; i < race.n; i++) {
            struct race_runner *r = &race.r[i];
            if (r->diverged) {
                continue;
            }
            if (race_step_runner(&race, i)) {
                write_diverged_row(f, r, sched_lr(&race.sched, r->params.lr, r->step));
                fflush(f);
                fprintf(stderr, "optiscope trace: %s diverged at step %ld (last finite point "
                        "(%.6g, %.6g), loss %.6g)\n", r->label, r->diverged_step, r->p[0],
                        r->p[1], r->loss);
                continue;
            }
            write_row(f, r);
        }
    }
    int status = 0;
    if (output) {
        if (!util_outfile_commit(&out, err, sizeof err)) {
            cli_error("trace", "%s", err);
            status = 1;
        }
    } else {
        status = cli_close_stdout("trace", status, write_errno);
    }
    race_finish(&race);
    scene_resolved_finish(&res);
    scene_finish(&scene);
    return status;
}

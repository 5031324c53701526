/* cmd_bench_render.c: `optiscope bench render`: frame times of the live view (p50, p95) at
 * 1280x720 and 1920x1080, 2-D and 3-D, 8 optimizers with 10,000-step trails; the time from
 * launch to the first frame; the CPU the default demo uses while it animates. */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "sim/i18n.h"
#include "sim/util.h"

extern char **environ;

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Runs this binary with args, reading its stdout; returns the seconds until a line starting
 * with `key` appeared (-1 if never) and copies that line into line. Waits for the child. */
static double run_child(char *const args[], const char *key, char *line, size_t len)
{
    int fd[2];
    if (pipe(fd) != 0) {
        return -1.0;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    pid_t pid;
    double t0 = wall_s();
    int rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (rc != 0) {
        close(fd[0]);
        return -1.0;
    }
    FILE *f = fdopen(fd[0], "r");
    double found = -1.0;
    char buf[512];
    while (f && fgets(buf, sizeof buf, f)) {
        if (found < 0.0 && !strncmp(buf, key, strlen(key))) {
            found = wall_s() - t0;
            snprintf(line, len, "%s", buf);
        }
    }
    if (f) {
        fclose(f);
    }
    int status;
    waitpid(pid, &status, 0);
    return found;
}

int bench_render(int argc, char **argv)
{
    long frames = 240;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--frames") && i + 1 < argc) {
            if (!util_parse_long(argv[++i], 10, 100000, &frames)) {
                cli_error("bench render", _("--frames: expected 10..100000, got '%s'"), argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf(_("usage: optiscope bench render [--frames N]\n"
                   "Frame times (p50, p95) of the live view at 1280x720 and 1920x1080, 2-D and\n"
                   "3-D, with the beale preset's 8 optimizers after 10,000 steps each; then the\n"
                   "time from launch to the first frame (with one other client holding the\n"
                   "display, as on a desktop) and the CPU the default demo uses.\n"
                   "Uses the display when there is one (DISPLAY), else EGL offscreen.\n"));
            return 0;
        } else {
            cli_error("bench render", _("unknown option '%s'"), argv[i]);
            return 2;
        }
    }
    struct scene scene;
    scene_init(&scene);
    char path[4096], err[4600], shaders[4200];
    if (!cli_preset_path("beale", path, sizeof path, err, sizeof err) ||
        !scene_load_file(&scene, path, err, sizeof err)) {
        cli_error("bench render", "%s", err);
        scene_finish(&scene);
        return 1;
    }
    if (!app_shader_dir(cli_datadir(), shaders, sizeof shaders)) {
        cli_error("bench render", _("cannot find the shaders"));
        scene_finish(&scene);
        return 1;
    }
    static const int sizes[2][2] = {{1280, 720}, {1920, 1080}};
    double *t = xmalloc((size_t)frames * sizeof *t);
    int status = 0;
    printf(_("optiscope bench render: %s, 8 optimizers, 10000-step trails, %ld frames each\n"),
           scene.function, frames);
    for (int s = 0; s < 2 && status == 0; s++) {
        for (int d = 0; d < 2; d++) {
            bool window;
            if (!app_bench_frames(&scene, shaders, sizes[s][0], sizes[s][1], d == 1, 10000,
                                  (int)frames, t, &window, err, sizeof err)) {
                cli_error("bench render", "%s", err);
                status = 1;
                break;
            }
            qsort(t, (size_t)frames, sizeof *t, cmp_double);
            double p50 = t[frames / 2], p95 = t[(size_t)(0.95 * (double)(frames - 1))];
            printf(_("  %4dx%-4d %s  p50 %6.2f ms  p95 %6.2f ms  max %6.2f ms  (%s)\n"),
                   sizes[s][0], sizes[s][1], d ? "3-D" : "2-D", p50, p95, t[frames - 1],
                   window ? "window" : "EGL offscreen");
            fflush(stdout);
        }
    }
    free(t);
    scene_finish(&scene);
    const char *display = getenv("DISPLAY");
    if (status != 0 || !display || !*display) {
        if (status == 0) {
            printf(_("  launch to first frame, CPU use: need a display (run under Xvfb)\n"));
        }
        return status;
    }
    /* Launch to first frame, best and median of 9 runs, with one client connected to the
     * display throughout, as on a desktop (see app_display_hold). */
    double launch[9];
    char line[512];
    char *first_args[] = {"optiscope", "view", "--frames", "1", "--stats", "--size",
                          "1280x720", NULL};
    int nl = 0;
    bool held = app_display_hold();
    for (int i = 0; i < 9; i++) {
        double s = run_child(first_args, "first-frame-ms", line, sizeof line);
        if (s >= 0.0) {
            launch[nl++] = 1000.0 * s;
        }
    }
    if (held) {
        app_display_release();
    }
    if (nl > 0) {
        qsort(launch, (size_t)nl, sizeof *launch, cmp_double);
        printf(_("  launch to first frame (1280x720, default demo): median %.0f ms, best %.0f ms\n"),
               launch[nl / 2], launch[0]);
    } else {
        printf(_("  launch to first frame: the window did not start\n"));
        return 1;
    }
    /* CPU while the default demo animates: 600 frames at 60 per second. */
    char *cpu_args[] = {"optiscope", "view", "--frames", "600", "--stats", "--size", "1280x720",
                        NULL};
    if (run_child(cpu_args, "frames ", line, sizeof line) >= 0.0) {
        double fps = 0, p50 = 0, p95 = 0, cpu = 0, rss = 0, wall = 0;
        long n = 0;
        if (sscanf(line, "frames %ld wall-s %lf fps %lf frame-p50-ms %lf frame-p95-ms %lf "
                   "cpu-pct %lf maxrss-mb %lf", &n, &wall, &fps, &p50, &p95, &cpu, &rss) == 7) {
            printf(_("  default demo live (1280x720, 10 s): %.1f fps, frame work p50 %.2f ms, "
                   "p95 %.2f ms, CPU %.0f%% of one core, max RSS %.0f MB\n"),
                   fps, p50, p95, cpu, rss);
        } else {
            printf(_("  default demo: %s"), line);
        }
    } else {
        printf(_("  CPU use: the window did not report\n"));
        return 1;
    }
    return 0;
}

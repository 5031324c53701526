/* test_session.c: the session's actions, clock and figure with no display: the scene's steps
 * are honoured, hidden runners keep running, selection, learning rates, speed, mouse, what the
 * figure says (labels, settings, status) and where it puts things, escapes that are not
 * divergence, and exports. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "session_fixture.h"

static const char *const preset_names[] = {"banana", "beale", "saddle"};

/* A session on a preset (or on `function` when preset is NULL), paused or not, with the three
 * presets above for P and Tab. */
static struct session *open_session(const char *preset, const char *const *kv, bool paused)
{
    return fixture_open(preset, kv, (struct session_desc){.preset_dir = FIXTURE_PRESETS,
                                                          .presets = preset_names, .npresets = 3,
                                                          .paused = paused});
}

/* Runs the clock until the session stops by itself (at most `limit` seconds of frames). */
static void run_until_stopped(struct session *s, double limit)
{
    for (double t = 0; t < limit && s->running; t += 0.1) {
        session_advance(s, 0.1, t);
    }
}

static struct figure fig, fig2;

static void test_steps_honoured(void)
{
    /* banana's scene says 150 steps: the animation stops there (it ran past 350 before) */
    struct session *s = open_session("banana", NULL, false);
    CHECK(s->target == 150);
    s->speed_idx = SESSION_NSPEEDS - 1;   /* fast */
    run_until_stopped(s, 100);
    CHECK(!s->running);
    CHECK(session_step(s) == 150);
    for (int i = 0; i < s->race->n; i++) {
        CHECK(s->race->r[i].step == 150);
    }
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    CHECK(strstr(fig.status[0], "done") != NULL);
    CHECK(strstr(fig.status[0], "step 150 of 150") != NULL);
    /* Space then runs the scene's steps once more */
    session_act(s, SESSION_PLAY, 0, 0.0);
    CHECK(s->running && s->target == 300);
    run_until_stopped(s, 100);
    CHECK(session_step(s) == 300);
    /* one step past the end works and pauses */
    session_act(s, SESSION_STEP, 0, 0.0);
    CHECK(session_step(s) == 301 && !s->running);
    /* reset: back to step 0 with a new generation, the target back to the scene's */
    unsigned long gen = s->gen;
    session_act(s, SESSION_RESET, 0, 0.0);
    CHECK(session_step(s) == 0 && s->gen != gen && s->target == 150);
    fixture_close(s);
}

/* The l1_sparsity scene with ista: its legend line counts its exact zeros (y lands on 0);
 * sgd's, a subgradient method that never lands on the kink, has no such count. */
static void test_legend_counts_exact_zeros(void)
{
    const char *kv[] = {"optimizer", "sgd(lr=0.02), ista(lr=0.05)", NULL};
    struct session *s = open_session("l1_sparsity", kv, false);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    CHECK(strstr(fig.entry[1].detail, "0 exact zeros") != NULL);   /* at the start */
    s->speed_idx = SESSION_NSPEEDS - 1;
    run_until_stopped(s, 100);
    CHECK(session_step(s) == 300);
    CHECK(s->race->r[1].p[1] == 0.0 && s->race->r[1].p[0] != 0.0);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    CHECK(strstr(fig.entry[1].detail, "1 exact zero") != NULL);
    CHECK(strstr(fig.entry[1].detail, "zeros") == NULL);
    CHECK(strstr(fig.entry[0].detail, "exact zero") == NULL);
    fixture_close(s);
}

/* A runner with its own schedule is named with it in the legend; the others follow the
 * race's, which the subtitle names. */
static void test_legend_names_own_schedules(void)
{
    const char *kv[] = {"optimizer", "sgd(lr=0.1,schedule=cosine(t_max=200,warmup=10)), "
                        "adam(lr=0.1)", "schedule", "step(50)", NULL};
    struct session *s = open_session(NULL, kv, true);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    CHECK(!strcmp(fig.entry[0].label, "sgd(lr=0.1) \xC2\xB7 cosine(200, warmup=10)"));
    CHECK(!strcmp(fig.entry[1].label, "adam(lr=0.1)"));
    CHECK(strstr(fig.subtitle, "schedule step(step_size=50) for the others") != NULL);
    CHECK(strstr(fig.entry[0].detail, "lr 0.01") != NULL);   /* warmup's first step */
    fixture_close(s);
}

static void test_hidden_runner_keeps_running(void)
{
    struct session *s = open_session("beale", NULL, false);
    int n = s->race->n;
    CHECK(n == 8);
    session_act(s, SESSION_TOGGLE_RUNNER, 0, 0.0);
    CHECK(!s->shown[0]);
    for (int k = 0; k < 20; k++) {
        session_advance(s, 0.1, k * 0.1);
    }
    long step = session_step(s);
    CHECK(step > 50);
    CHECK(s->race->r[0].step == step);   /* it did not pause while hidden */
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 2.0);
    CHECK(fig.npaths == n - 1 && fig.nseries == n - 1);   /* not drawn, not in the loss plot */
    for (int k = 0; k < fig.npaths; k++) {
        CHECK(fig.path[k].color != 0);
        CHECK(fig.series[k].color != 0);
    }
    CHECK(fig.nentries == n && fig.entry[0].hidden);
    CHECK(strstr(fig.entry[0].detail, "hidden") != NULL);
    /* shown again, it is level with the others */
    session_act(s, SESSION_TOGGLE_RUNNER, 0, 2.0);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 2.0);
    CHECK(fig.npaths == n && !fig.entry[0].hidden);
    CHECK(strstr(fig.entry[0].detail, "behind") == NULL);
    /* a runner that does not exist: an error toast, nothing else */
    session_act(s, SESSION_TOGGLE_RUNNER, 12, 2.0);
    CHECK(s->toast_error && strstr(s->toast, "no optimizer 13") != NULL);
    fixture_close(s);
}

static void test_selection_lr_speed(void)
{
    struct session *s = open_session("beale", NULL, true);
    CHECK(s->selected == 0);
    session_act(s, SESSION_SELECT_PREV, 0, 0.0);
    CHECK(s->selected == s->race->n - 1);
    session_act(s, SESSION_SELECT_NEXT, 0, 0.0);
    CHECK(s->selected == 0);
    session_act(s, SESSION_SELECT_NEXT, 0, 0.0);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    CHECK(fig.entry[1].highlight && !fig.entry[0].highlight);
    CHECK(fig.path[fig.npaths - 1].color == 1 && fig.path[fig.npaths - 1].highlight);
    CHECK(fig.path[0].dimmed);
    /* an export highlights nobody */
    session_figure(s, &fig, 1280, 800, SESSION_FOR_EXPORT, 0.0);
    CHECK(!fig.entry[1].highlight && !fig.path[0].dimmed);

    double lr = s->race->r[1].params.lr;
    session_act(s, SESSION_LR_UP, 0, 0.0);
    CHECK(s->race->r[1].params.lr == 2 * lr);
    session_act(s, SESSION_LR_DOWN, 0, 0.0);
    session_act(s, SESSION_LR_DOWN, 0, 0.0);
    CHECK(s->race->r[1].params.lr == 0.5 * lr);
    /* a thousand presses never make it infinite, and [ brings it back */
    for (int k = 0; k < 1000; k++) {
        session_act(s, SESSION_LR_UP, 0, 0.0);
    }
    double big = s->race->r[1].params.lr;
    CHECK(isfinite(big) && big <= 1e6 && big > 1e5);
    CHECK(s->toast_error);
    session_act(s, SESSION_LR_DOWN, 0, 0.0);
    CHECK(s->race->r[1].params.lr == 0.5 * big);

    int sp = s->speed_idx;
    session_act(s, SESSION_FASTER, 0, 0.0);
    CHECK(s->speed_idx == sp + 1 && session_speed(s) > 60);
    for (int k = 0; k < 40; k++) {
        session_act(s, SESSION_SLOWER, 0, 0.0);
    }
    CHECK(s->speed_idx == 0 && session_speed(s) == 1);
    /* paused: the clock takes no steps; Right takes exactly one */
    CHECK(session_advance(s, 5.0, 0.0) == 0);
    session_act(s, SESSION_STEP, 0, 0.0);
    CHECK(session_step(s) == 1);
    /* playing at 1 step/s: half a second owes nothing yet, one more second one step */
    session_act(s, SESSION_PLAY, 0, 0.0);
    CHECK(session_advance(s, 0.5, 0.0) == 0);
    CHECK(session_advance(s, 0.6, 0.0) == 1);
    fixture_close(s);
}

static void test_figure_says_what_is_on(void)
{
    const char *kv[] = {"optimizer", "momentum(lr=0.003), rmsprop, adam(lr=0.1, beta1=0.8)",
                        "l1", "0.5", "noise", "0.1", "schedule", "cosine(t_max=200)", NULL};
    struct session *s = open_session(NULL, kv, true);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    CHECK(!strcmp(fig.title, "beale"));
    CHECK(strstr(fig.subtitle, "L1 penalty 0.5") != NULL);
    CHECK(strstr(fig.subtitle, "noise") != NULL && strstr(fig.subtitle, "0.1") != NULL);
    CHECK(strstr(fig.subtitle, "cosine(t_max=200") != NULL);
    CHECK(strstr(fig.subtitle, "500 steps") != NULL);
    /* labels carry the learning rate and momentum even at their defaults */
    CHECK(!strcmp(fig.entry[0].label, "momentum(lr=0.003, momentum=0.9)"));
    CHECK(strstr(fig.entry[1].label, "rmsprop(lr=0.01") == fig.entry[1].label);
    CHECK(!strcmp(fig.entry[2].label, "adam(lr=0.1, beta1=0.8)"));
    CHECK(strstr(fig.entry[0].detail, "lr 0.003") != NULL);
    CHECK(fig.axes && fig.colorbar && fig.legend && fig.inset);
    CHECK(fig.status[0][0] && strstr(fig.status[0], "paused") != NULL);
    CHECK(strstr(fig.status[1], "H help") != NULL);
    /* the export has no status and no hints, and everything else in the same place */
    session_figure(s, &fig2, 1280, 800, SESSION_FOR_EXPORT, 0.0);
    CHECK(fig2.status[0][0] == '\0' && fig2.lay.status.w == 0);
    CHECK(!memcmp(&fig.lay.plot, &fig2.lay.plot, sizeof fig.lay.plot));
    CHECK(!memcmp(&fig.lay.legend, &fig2.lay.legend, sizeof fig.lay.legend));
    CHECK(!memcmp(&fig.lay.inset, &fig2.lay.inset, sizeof fig.lay.inset));
    CHECK(!memcmp(&fig.lay.colorbar, &fig2.lay.colorbar, sizeof fig.lay.colorbar));
    CHECK(fig.lay.title_y == fig2.lay.title_y && fig.lay.subtitle_y == fig2.lay.subtitle_y);
    /* the status sits below the panels, over nothing else */
    CHECK(fig.lay.status.y >= fig.lay.inset.y + fig.lay.inset.h);
    CHECK(fig.lay.status.y + fig.lay.status.h <= 800);
    /* the layout does not move as numbers grow: a long run gives the same rectangles */
    s->speed_idx = SESSION_NSPEEDS - 1;
    session_act(s, SESSION_PLAY, 0, 0.0);
    run_until_stopped(s, 100);
    session_figure(s, &fig2, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    fig.lay.toast = fig2.lay.toast;   /* a toast comes and goes; nothing else moves */
    CHECK(!memcmp(&fig.lay, &fig2.lay, sizeof fig.lay));
    fixture_close(s);
}

static void test_escape_is_not_divergence(void)
{
    /* On the saddle the runners leave the view downhill: that is an escape, not divergence */
    struct session *s = open_session("saddle", (const char *const[]){"steps", "400", NULL},
                                     false);
    s->speed_idx = SESSION_NSPEEDS - 1;
    run_until_stopped(s, 100);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    int escaped = 0, diverged = 0;
    for (int i = 0; i < fig.nentries; i++) {
        escaped += strstr(fig.entry[i].detail, "downhill") != NULL;
        diverged += fig.entry[i].diverged;
    }
    CHECK(escaped >= 3);
    CHECK(diverged == 0);
    for (int k = 0; k < fig.nmarkers; k++) {
        CHECK(fig.marker[k].shape != FIGURE_MARK_CROSS);
    }
    fixture_close(s);

    /* a learning rate far too large does diverge, and says so */
    s = open_session(NULL, (const char *const[]){"function", "bowl", "optimizer",
                                                 "sgd(lr=5), adam(lr=0.1)", NULL}, false);
    run_until_stopped(s, 100);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    CHECK(fig.entry[0].diverged && strstr(fig.entry[0].detail, "diverged at step") != NULL);
    CHECK(!fig.entry[1].diverged);
    bool cross = false;
    for (int k = 0; k < fig.nmarkers; k++) {
        cross |= fig.marker[k].shape == FIGURE_MARK_CROSS && fig.marker[k].color == 0;
    }
    CHECK(cross);
    CHECK(isfinite(fig.marker[fig.nmarkers - 1].x));   /* never NaN to a renderer */
    fixture_close(s);
}

static void test_mouse_and_view(void)
{
    struct session *s = open_session("beale", NULL, true);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    struct figure_rect p = fig.lay.plot;
    double d0[4];
    memcpy(d0, s->domain, sizeof d0);
    /* a click in the plot's centre restarts everyone at the domain's centre */
    session_click(s, p.x + 0.5 * p.w, p.y + 0.5 * p.h, 0.0);
    CHECK_NEAR(s->race->start[0], 0.5 * (d0[0] + d0[1]), 1e-9 * (d0[1] - d0[0]) + 1e-9);
    CHECK_NEAR(s->race->start[1], 0.5 * (d0[2] + d0[3]), 1e-9 * (d0[3] - d0[2]) + 1e-9);
    CHECK(strstr(s->subtitle, "start (0, 0)") != NULL);
    /* a click on the axes or the legend does nothing */
    session_click(s, p.x - 20, p.y + 10, 0.0);
    CHECK_NEAR(s->race->start[0], 0.0, 1e-9);
    /* the wheel zooms around the point under it: a point at the top-left quarter stays put */
    double px = p.x + 0.25 * p.w, py = p.y + 0.25 * p.h;
    struct figure_frame fr = {p, {0}};
    memcpy(fr.view, s->domain, sizeof fr.view);
    double before[2], after[2];
    figure_frame_unmap(&fr, px, py, before);
    session_wheel(s, px, py, 2.0);
    CHECK(s->domain[1] - s->domain[0] < 0.8 * (d0[1] - d0[0]));
    memcpy(fr.view, s->domain, sizeof fr.view);
    figure_frame_unmap(&fr, px, py, after);
    CHECK_NEAR(after[0], before[0], 1e-9);
    CHECK_NEAR(after[1], before[1], 1e-9);
    /* a drag pans: the data under the pointer follows it */
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    double w = s->domain[1] - s->domain[0];
    session_drag(s, 0.1 * fig.lay.plot.w, 0.0);
    CHECK_NEAR(s->domain[1] - s->domain[0], w, 1e-9);
    CHECK_NEAR(s->domain[0], after[0] - 0.25 * w - 0.1 * w, 1e-6 * w + 1e-9);
    /* Home puts it back */
    session_act(s, SESSION_HOME, 0, 0.0);
    CHECK(!memcmp(s->domain, d0, sizeof d0));
    /* 3-D: a drag turns the camera, the wheel brings it closer, a click only explains */
    session_act(s, SESSION_VIEW3D, 0, 0.0);
    double yaw = s->camera[0], dist = s->camera[2];
    session_drag(s, 30, 0);
    session_wheel(s, 0, 0, 1);
    CHECK(s->camera[0] != yaw && s->camera[2] < dist);
    double st[2] = {s->race->start[0], s->race->start[1]};
    session_click(s, p.x + 10, p.y + 10, 0.0);
    CHECK(s->race->start[0] == st[0] && s->race->start[1] == st[1]);
    CHECK(strstr(s->toast, "2-D") != NULL);
    /* the flags reach the figure */
    session_act(s, SESSION_VIEW3D, 0, 0.0);
    session_act(s, SESSION_CONTOURS, 0, 0.0);
    session_act(s, SESSION_TRAILS, 0, 0.0);
    session_act(s, SESSION_LOG, 0, 0.0);
    session_act(s, SESSION_HELP, 0, 0.0);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    CHECK(!fig.view3d && !fig.field.contours && !fig.trails && !fig.field.scale.log);
    CHECK(fig.help);
    session_act(s, SESSION_ARROWS, 0, 0.0);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    CHECK(fig.narrows == 1);   /* sgd: the negative gradient only */
    session_act(s, SESSION_SELECT_NEXT, 0, 0.0);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    CHECK(fig.narrows == 2);   /* momentum: and its velocity */
    CHECK(fig.arrow[0].x == s->race->r[1].p[0] && fig.arrow[0].y == s->race->r[1].p[1]);
    fixture_close(s);
}

static void test_click_not_finite(void)
{
    struct session *s;
    struct figure_rect p;
    /* a click where the objective is not finite (log of a negative) is refused with a toast
     * naming the point; the race stays where it was */
    s = open_session(NULL, (const char *const[]){"expr", "log(x)", "start", "1,1", "domain",
                                                 "-2,2,-2,2", NULL}, true);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    p = fig.lay.plot;
    session_click(s, p.x + 0.25 * p.w, p.y + 0.5 * p.h, 0.0);
    CHECK(s->race->start[0] == 1.0 && s->race->start[1] == 1.0);
    CHECK(strstr(s->toast, "the objective is NaN there") != NULL && s->toast_error);
    session_click(s, p.x + 0.75 * p.w, p.y + 0.5 * p.h, 0.0);   /* x = 1: finite, taken */
    CHECK_NEAR(s->race->start[0], 1.0, 1e-9);
    CHECK(strstr(s->toast, "every optimizer restarts there") != NULL);
    fixture_close(s);
}

static void test_scenes(void)
{
    struct session *s = open_session("beale", NULL, true);
    session_act(s, SESSION_FUNC_NEXT, 0, 0.0);
    CHECK(strcmp(s->title, "beale") != 0);
    session_act(s, SESSION_FUNC_PREV, 0, 0.0);
    CHECK(!strcmp(s->title, "beale"));
    unsigned long g = s->scene_gen;
    session_act(s, SESSION_PRESET_NEXT, 0, 0.0);
    CHECK(!strcmp(s->title, "banana") && s->scene_gen != g && s->target == 150);
    CHECK(strstr(s->toast, "preset 1/3") != NULL);
    /* a bad scene leaves the old one */
    struct scene bad;
    scene_init(&bad);
    char err[256];
    CHECK(scene_set(&bad, "expr", "log(x)", false, err, sizeof err));
    CHECK(scene_set(&bad, "start", "-1,0", false, err, sizeof err));
    bool ok = session_set_scene(s, &bad, err, sizeof err);
    if (!ok) {
        CHECK(!strcmp(s->title, "banana"));
    }
    fixture_close(s);
}

static bool file_starts(const char *path, const char *magic)
{
    FILE *f = fopen(path, "rb");
    char buf[16] = {0};
    size_t n = f ? fread(buf, 1, strlen(magic), f) : 0;
    if (f) {
        fclose(f);
    }
    return n == strlen(magic) && !memcmp(buf, magic, n);
}

static void test_exports(void)
{
    struct session *s = open_session("banana", NULL, true);
    char dir[] = "/tmp/optiscope-test-session-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[512], err[512];
    session_run_to_target(s, NULL, NULL);
    CHECK(session_step(s) == 150);
    snprintf(path, sizeof path, "%s/a.png", dir);
    CHECK(session_export(s, path, 640, 400, SESSION_FOR_EXPORT, 0.0, err, sizeof err));
    CHECK(file_starts(path, "\x89PNG"));
    snprintf(path, sizeof path, "%s/a.svg", dir);
    CHECK(session_export(s, path, 640, 400, SESSION_FOR_WINDOW, 0.0, err, sizeof err));
    CHECK(file_starts(path, "<?xml"));
    snprintf(path, sizeof path, "%s/a.pdf", dir);
    CHECK(session_export(s, path, 640, 400, SESSION_FOR_EXPORT, 0.0, err, sizeof err));
    CHECK(file_starts(path, "%PDF"));
    snprintf(path, sizeof path, "%s/a.gif", dir);
    CHECK(session_export_gif(s, path, 320, 200, NULL, NULL, err, sizeof err));
    CHECK(file_starts(path, "GIF89a"));
    CHECK(session_step(s) == 150);   /* left at the scene's steps */
    /* 3-D figures need GL: refused with a reason, nothing written */
    session_act(s, SESSION_VIEW3D, 0, 0.0);
    snprintf(path, sizeof path, "%s/b.png", dir);
    CHECK(!session_export(s, path, 640, 400, SESSION_FOR_EXPORT, 0.0, err, sizeof err));
    CHECK(strstr(err, "3-D") != NULL && access(path, F_OK) != 0);
    /* screenshot names do not collide */
    char p1[600], p2[600];
    snprintf(s->shot_dir, sizeof s->shot_dir, "%s", dir);
    session_shot_path(s, "png", p1, sizeof p1);
    FILE *f = fopen(p1, "w");
    CHECK(f != NULL);
    if (f) {
        fclose(f);
    }
    session_shot_path(s, "png", p2, sizeof p2);
    CHECK(strcmp(p1, p2) != 0 && strstr(p2, "-2.png") != NULL);
    unlink(p1);
    const char *names[] = {"a.png", "a.svg", "a.pdf", "a.gif"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    CHECK(rmdir(dir) == 0);   /* nothing else was left behind */
    fixture_close(s);
}

/* The whole file (caller frees), its size in *n; NULL when unreadable. */
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t k;
    while ((k = fread(buf + len, 1, cap - len, f)) > 0) {
        len += k;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    *n = len;
    return buf;
}

static bool same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    bool same = x && y && na == nb && na > 0 && !memcmp(x, y, na);
    free(x);
    free(y);
    return same;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* W: what the user changed in the window reaches the scene file, and the scene file opens to
 * the same state and the same figure, byte for byte. */
static void test_saved_scene(void)
{
    struct session *s = open_session("beale", NULL, true);
    char dir[] = "/tmp/optiscope-test-scene-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    snprintf(s->shot_dir, sizeof s->shot_dir, "%s", dir);
    char err[1024];
    session_figure(s, &fig, 1000, 625, SESSION_FOR_WINDOW, 0.0);   /* the mouse's plot */
    struct figure_rect p = s->last_plot;
    session_act(s, SESSION_SELECT_NEXT, 0, 0.0);
    double lr1 = s->race->r[1].params.lr;
    session_act(s, SESSION_LR_UP, 0, 0.0);
    session_act(s, SESSION_LR_UP, 0, 0.0);
    CHECK(s->race->r[1].params.lr == 4 * lr1);
    session_click(s, p.x + 0.4 * p.w, p.y + 0.3 * p.h, 0.0);   /* a new start (restarts) */
    double start[2] = {s->race->start[0], s->race->start[1]};
    session_wheel(s, p.x + 0.6 * p.w, p.y + 0.5 * p.h, 3);
    session_drag(s, 25, -10);
    double zoom[4];
    memcpy(zoom, s->domain, sizeof zoom);
    session_act(s, SESSION_CONTOURS, 0, 0.0);
    session_act(s, SESSION_LOG, 0, 0.0);
    session_act(s, SESSION_ARROWS, 0, 0.0);
    session_act(s, SESSION_VIEW3D, 0, 0.0);
    session_drag(s, 40, 15);   /* the camera turns */
    session_wheel(s, 0, 0, -2);
    double camera[3];
    memcpy(camera, s->camera, sizeof camera);
    session_act(s, SESSION_VIEW3D, 0, 0.0);
    CHECK(camera[0] != -0.65 && camera[2] != 4.8);

    session_act(s, SESSION_SAVE_SCENE, 0, 1.0);
    char path[4200];
    snprintf(path, sizeof path, "%s", s->last_export);
    CHECK(ends_with(path, ".scene") && strstr(s->toast, path) && !s->toast_error);
    struct scene sc;
    scene_init(&sc);
    CHECK(scene_load_file(&sc, path, err, sizeof err));
    struct session *t = malloc(sizeof *t);
    struct session_desc d = {.scene = &sc, .shot_dir = dir, .paused = true};
    CHECK(session_init(t, &d, err, sizeof err));
    scene_finish(&sc);
    /* the same state ... */
    CHECK(!memcmp(t->domain, zoom, sizeof zoom));
    CHECK(!memcmp(t->camera, camera, sizeof camera));
    CHECK(t->race->start[0] == start[0] && t->race->start[1] == start[1]);
    CHECK(!t->contours && t->trails && t->arrows && !t->view3d);
    CHECK(t->log_scale == s->log_scale && t->log_scale != s->res.log_scale);
    CHECK(t->race->n == s->race->n);
    for (int i = 0; i < s->race->n && i < t->race->n; i++) {
        CHECK(!memcmp(&t->race->r[i].params, &s->race->r[i].params,
                      sizeof t->race->r[i].params));
    }
    CHECK(t->race->r[1].params.lr == 4 * lr1);
    /* ... and the same figure, to the byte */
    session_run_to_target(s, NULL, NULL);
    session_run_to_target(t, NULL, NULL);
    char a[4300], b[4300];
    snprintf(a, sizeof a, "%s/a.png", dir);
    snprintf(b, sizeof b, "%s/b.png", dir);
    s->selected = 0;   /* the arrows follow the first runner in a scene file */
    CHECK(session_export(s, a, 800, 500, SESSION_FOR_EXPORT, 0.0, err, sizeof err));
    CHECK(session_export(t, b, 800, 500, SESSION_FOR_EXPORT, 0.0, err, sizeof err));
    CHECK(same_file(a, b));
    fixture_close(t);
    unlink(a);
    unlink(b);
    unlink(path);

    /* 3-D is saved as such */
    session_act(s, SESSION_VIEW3D, 0, 2.0);
    struct scene s3;
    session_scene(s, &s3);
    CHECK(s3.view == SCENE_VIEW_3D && s3.has_zoom && !s3.contours && s3.arrows);
    scene_finish(&s3);

    /* E in 3-D: the 2-D figure as SVG and PDF, and the toast says so */
    session_act(s, SESSION_EXPORT_VECTOR, 0, 3.0);
    CHECK(!s->toast_error && strstr(s->toast, "2-D only") != NULL);
    CHECK(ends_with(s->last_export, ".pdf") && file_starts(s->last_export, "%PDF"));
    char svg[4200];
    snprintf(svg, sizeof svg, "%.*s.svg", (int)strlen(s->last_export) - 4, s->last_export);
    CHECK(file_starts(svg, "<?xml"));
    CHECK(s->view3d);   /* still in 3-D */
    unlink(svg);
    unlink(s->last_export);
    session_act(s, SESSION_VIEW3D, 0, 3.0);

    /* X: the rows `trace` writes for the scene W saves, to the step the race stands at */
    session_act(s, SESSION_RESET, 0, 4.0);
    for (int k = 0; k < 37; k++) {
        session_act(s, SESSION_STEP, 0, 4.0);
    }
    session_act(s, SESSION_EXPORT_CSV, 0, 4.0);
    CHECK(ends_with(s->last_export, ".csv") && !s->toast_error);
    session_scene(s, &s3);
    char *mem = NULL;
    size_t nmem = 0;
    FILE *m = open_memstream(&mem, &nmem);
    CHECK(session_trace(&s3, 37, m, NULL, NULL, err, sizeof err));
    fclose(m);
    scene_finish(&s3);
    size_t ncsv = 0;
    char *csv = slurp(s->last_export, &ncsv);
    CHECK(csv && ncsv == nmem && !memcmp(csv, mem, nmem));
    CHECK(csv && !strncmp(csv, "optimizer,step,x,y,loss,lr,diverged\n", 36));
    /* header, then 8 runners at steps 0..37 (beale's eight do not diverge that early) */
    int lines = 0;
    for (size_t i = 0; csv && i < ncsv; i++) {
        lines += csv[i] == '\n';
    }
    CHECK(lines == 1 + 8 * 38);
    /* the last rows are where the window's runners stand */
    char want[128];
    snprintf(want, sizeof want, ",37,%.17g,%.17g,", s->race->r[7].p[0], s->race->r[7].p[1]);
    CHECK(csv && strstr(csv, want) != NULL);
    free(csv);
    free(mem);
    unlink(s->last_export);

    /* A: recorded on a worker; the session goes on meanwhile; one at a time */
    session_act(s, SESSION_EXPORT_GIF, 0, 5.0);
    CHECK(session_recording(s) && strstr(s->toast, "recording") != NULL);
    session_figure(s, &fig, 1000, 625, SESSION_FOR_WINDOW, 5.0);
    CHECK(strstr(fig.status[0], "recording GIF") != NULL);
    session_act(s, SESSION_STEP, 0, 5.0);   /* the window's race is not the recording's */
    char gif[4200];
    CHECK(!session_record_gif(s, "/tmp/never.gif", 5.0));
    CHECK(s->toast_error && strstr(s->toast, "already recording") != NULL);
    session_wait_recording(s, 6.0);
    CHECK(!session_recording(s) && !s->toast_error && strstr(s->toast, "saved") != NULL);
    snprintf(gif, sizeof gif, "%s", s->last_export);
    CHECK(ends_with(gif, ".gif") && file_starts(gif, "GIF89a"));
    CHECK(access("/tmp/never.gif", F_OK) != 0);
    unlink(gif);
    /* a recording under way when the session ends is cancelled, leaving nothing */
    snprintf(gif, sizeof gif, "%s/cancelled.gif", dir);
    CHECK(session_record_gif(s, gif, 7.0));
    fixture_close(s);
    CHECK(access(gif, F_OK) != 0);
    CHECK(rmdir(dir) == 0);   /* nothing else was left behind (no temporaries) */
}

static bool disjoint(const struct figure_rect *a, const struct figure_rect *b)
{
    if (a->w <= 0 || b->w <= 0) {
        return true;
    }
    return a->x + a->w <= b->x || b->x + b->w <= a->x || a->y + a->h <= b->y ||
           b->y + b->h <= a->y;
}

static bool inside(const struct figure_rect *a, double w, double h)
{
    return a->w <= 0 || (a->x >= 0 && a->y >= 0 && a->x + a->w <= w + 0.5 &&
                         a->y + a->h <= h + 0.5);
}

static void test_layout_never_overlaps(void)
{
    /* every preset (banana's header used to overlap its legend), at projector, laptop and
     * narrow sizes: the panels never cover each other or leave the frame */
    static const char *const presets[] = {"banana", "beale", "saddle", "rosenbrock",
                                          "long_valley", "rastrigin", "himmelblau",
                                          "l1_sparsity", "l2_shrinkage"};
    static const int sizes[][2] = {{1280, 800}, {1920, 1080}, {1280, 720}, {800, 600},
                                   {700, 900}, {640, 480}};
    for (size_t p = 0; p < sizeof presets / sizeof presets[0]; p++) {
        struct session *s = open_session(presets[p], NULL, true);
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            int w = sizes[k][0], h = sizes[k][1];
            session_figure(s, &fig, w, h, SESSION_FOR_WINDOW, 0.0);
            const struct figure_layout *l = &fig.lay;
            const struct figure_rect *r[] = {&l->plot, &l->legend, &l->inset, &l->colorbar,
                                             &l->status};
            bool ok = true;
            for (int i = 0; i < 5; i++) {
                ok &= inside(r[i], w, h);
                for (int j = i + 1; j < 5; j++) {
                    bool in_plot = l->legend_inside && i == 0 && (j == 1 || j == 2);
                    ok &= in_plot || disjoint(r[i], r[j]);
                }
            }
            ok &= l->title_y > 0 && l->title_y < l->plot.y;
            ok &= l->subtitle_y > l->title_y && l->subtitle_y < l->plot.y;
            CHECK(ok);
            if (!ok) {
                fprintf(stderr, "layout overlap: %s at %dx%d\n", presets[p], w, h);
            }
        }
        fixture_close(s);
    }
}

static void test_figure_rules(void)
{
    /* step dots: a step of many dot sizes on screen gets one, a crawl does not */
    struct figure_frame fr = {{0, 0, 500, 500}, {0, 1, 0, 1}};
    CHECK(figure_step_dot(&fr, 0.1, 0.1, 0.2, 0.1, 5.0));     /* 50 px */
    CHECK(!figure_step_dot(&fr, 0.1, 0.1, 0.101, 0.1, 5.0));  /* half a pixel */
    CHECK(!figure_step_dot(&fr, 0.1, 0.1, NAN, 0.1, 5.0));
    CHECK(figure_dot_size(3.0) > 3.0);
    /* the loss plot is logarithmic while every loss is positive, linear once one is not */
    struct session *s = open_session("beale", NULL, true);
    session_run_to_target(s, NULL, NULL);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_EXPORT, 0.0);
    CHECK(figure_series_log_axis(&fig));
    fixture_close(s);
    s = open_session("saddle", NULL, true);
    session_run_to_target(s, NULL, NULL);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_EXPORT, 0.0);
    CHECK(!figure_series_log_axis(&fig));
    fixture_close(s);
}

int main(void)
{
    test_steps_honoured();
    test_legend_counts_exact_zeros();
    test_legend_names_own_schedules();
    test_hidden_runner_keeps_running();
    test_selection_lr_speed();
    test_figure_says_what_is_on();
    test_escape_is_not_divergence();
    test_mouse_and_view();
    test_click_not_finite();
    test_scenes();
    test_exports();
    test_saved_scene();
    test_layout_never_overlaps();
    test_figure_rules();
    return check_done("session");
}

/* test_lrtune.c: the learning rate shown (each loss-plot point's lr is torch's scheduler value
 * from the fixtures, the width rule, the lr plot drawn under the loss plot), the preset
 * lr_range (its diverging runner diverges at the step the closed form says), and the tune
 * (reproducible to the byte, never worse than the defaults, at the closed-form best rate on a
 * bowl, its scene re-opens, a stop stops it, and U in the session). */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>

#include "check.h"
#include "draw/draw.h"
#include "session/session.h"
#include "sim/tune.h"

#define PRESETS TEST_SRCDIR "/../assets/presets"
#define FIXTURES TEST_SRCDIR "/fixtures"

static struct session *open_scene(struct scene *sc, bool paused)
{
    struct session *s = malloc(sizeof *s);
    struct session_desc d = {.scene = sc, .shot_dir = "/tmp", .paused = paused};
    char err[512];
    if (!session_init(s, &d, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    return s;
}

static void load_preset(struct scene *sc, const char *name)
{
    char path[512], err[512];
    scene_init(sc);
    snprintf(path, sizeof path, "%s/%s.scene", PRESETS, name);
    if (!scene_load_file(sc, path, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
}

/* ======================================================================== the lr plot's data */

/* One torch fixture with a schedule: its race run in a session; every point of the loss
 * plot's series (which the lr plot draws) carries the lr of torch's scheduler at that row
 * (row k: the lr of update k-1; row 0: of update 0). Returns the points checked. */
static long check_fixture_lr(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    char line[512], expr[256] = "", opt[256] = "", sched[256] = "", start[64] = "";
    char l1[32] = "0", l2[32] = "0";
    long steps = 0;
    double lr[4096];
    long rows = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (sscanf(line, "# expr %255[^\n]", expr) == 1 ||
            sscanf(line, "# optimizer %255s", opt) == 1 ||
            sscanf(line, "# schedule %255s", sched) == 1 ||
            sscanf(line, "# start %63s", start) == 1 || sscanf(line, "# l1 %31s", l1) == 1 ||
            sscanf(line, "# l2 %31s", l2) == 1 || sscanf(line, "# steps %ld", &steps) == 1 ||
            line[0] == '#' || !strncmp(line, "step,", 5)) {
            continue;
        }
        /* step,x,y,loss,lr: the last column */
        const char *c = strrchr(line, ',');
        if (c && rows < 4096) {
            lr[rows++] = strtod(c + 1, NULL);
        }
    }
    fclose(f);
    if (!expr[0] || !opt[0] || !sched[0] || rows < 2) {
        return 0;
    }
    struct scene sc;
    scene_init(&sc);
    char err[512], nsteps[32];
    snprintf(nsteps, sizeof nsteps, "%ld", rows - 1);
    const char *kv[] = {"expr", expr, "optimizer", opt, "schedule", sched, "start", start,
                        "l1", l1, "l2", l2, "steps", nsteps, NULL};
    for (int i = 0; kv[i]; i += 2) {
        if (!scene_set(&sc, kv[i], kv[i + 1], true, err, sizeof err)) {
            fprintf(stderr, "%s: %s\n", path, err);
            CHECK(false);
            scene_finish(&sc);
            return 0;
        }
    }
    struct session *s = open_scene(&sc, true);
    scene_finish(&sc);
    session_run_to_target(s, NULL, NULL);
    struct figure *fig = malloc(sizeof *fig);
    /* wide enough that the loss plot keeps every step (one per bucket) */
    session_figure(s, fig, 8000, 5000, SESSION_FOR_EXPORT, 0.0);
    long n = 0;
    CHECK(fig->nseries == 1 && fig->lrplot && fig->lay.lrplot.w > 0);
    for (int i = 0; i < fig->nseries; i++) {
        const struct figure_series *sr = &fig->series[i];
        CHECK((long)sr->n == rows);
        for (size_t k = 0; k < sr->n; k++) {
            long st = sr->pts[k].step;
            CHECK(st >= 0 && st < rows);
            if (st >= 0 && st < rows) {
                CHECK_REL(sr->pts[k].lr, lr[st], 1e-13, 1e-300);
                n++;
            }
        }
    }
    free(fig);
    session_finish(s);
    free(s);
    return n;
}

static void test_lr_series_match_torch(void)
{
    DIR *d = opendir(FIXTURES);
    CHECK(d != NULL);
    int files = 0;
    long points = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strncmp(e->d_name, "optim_sched_", 12) && strcmp(e->d_name, "optim_ista_sched.csv")) {
            continue;
        }
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", FIXTURES, e->d_name);
        long n = check_fixture_lr(path);
        CHECK(n > 50);
        points += n;
        files++;
    }
    if (d) {
        closedir(d);
    }
    CHECK(files >= 10);   /* step, exponential, cosine, inverse time, warmups, ista */
    printf("lr plot: %ld points of %d torch fixtures match\n", points, files);
}

/* A live change of lr ([ ]) shows in the lr plot from the step it was made. */
static void test_lr_series_live_change(void)
{
    struct scene sc;
    scene_init(&sc);
    char err[256];
    CHECK(scene_set(&sc, "expr", "x^2 + 3*y^2", true, err, sizeof err));
    CHECK(scene_set(&sc, "start", "1,1", true, err, sizeof err));
    CHECK(scene_set(&sc, "optimizer", "sgd(lr=0.001)", true, err, sizeof err));
    CHECK(scene_set(&sc, "steps", "20", true, err, sizeof err));
    struct session *s = open_scene(&sc, true);
    scene_finish(&sc);
    for (int k = 0; k < 10; k++) {
        session_act(s, SESSION_STEP, 0, 0.0);
    }
    session_act(s, SESSION_LR_UP, 0, 0.0);
    for (int k = 0; k < 10; k++) {
        session_act(s, SESSION_STEP, 0, 0.0);
    }
    struct figure *fig = malloc(sizeof *fig);
    session_figure(s, fig, 1600, 1000, SESSION_FOR_EXPORT, 0.0);
    CHECK(fig->nseries == 1);
    const struct figure_series *sr = &fig->series[0];
    CHECK(sr->n == 21);
    for (size_t k = 0; k < sr->n; k++) {
        CHECK(sr->pts[k].lr == (sr->pts[k].step <= 10 ? 0.001 : 0.002));
    }
    /* the path's full width is the largest lr it ran at */
    CHECK(fig->npaths == 1 && fig->path[0].lr_ref == 0.002);
    free(fig);
    session_finish(s);
    free(s);
}

static void test_width_rule(void)
{
    CHECK(figure_lr_width(0.1, 0.1) == 1.0);
    CHECK_NEAR(figure_lr_width(0.01, 0.1), 0.6, 1.0 / 32);     /* a decade below */
    CHECK(figure_lr_width(1e-6, 0.1) == 0.3);                  /* the floor */
    CHECK(figure_lr_width(0.0, 0.1) == 0.3);                   /* cosine's end */
    CHECK(figure_lr_width(0.5, 0.0) == 1.0);                   /* no reference: one width */
    /* monotone in lr */
    double last = 0.0;
    for (double lr = 1e-4; lr <= 0.1; lr *= 1.1) {
        double w = figure_lr_width(lr, 0.1);
        CHECK(w >= last);
        last = w;
    }
}

/* The lr plot lies under the loss plot, inside the panel, and draws each runner's colour;
 * without it, the loss plot has the space alone. */
static void test_lr_plot_drawn(void)
{
    struct scene sc;
    load_preset(&sc, "lr_schedules");
    struct session *s = open_scene(&sc, true);
    scene_finish(&sc);
    session_run_to_target(s, NULL, NULL);
    struct figure *fig = malloc(sizeof *fig);
    session_figure(s, fig, 1600, 1000, SESSION_FOR_EXPORT, 0.0);
    const struct figure_rect *in = &fig->lay.inset, *lp = &fig->lay.lrplot;
    CHECK(lp->w > 0 && lp->h > 5 * fig->lay.font);
    CHECK(lp->y >= in->y + in->h);                          /* under it, no overlap */
    CHECK(fabs(lp->x - in->x) < 1e-9 && fabs(lp->w - in->w) < 1e-9);
    CHECK(lp->y + lp->h <= fig->height);
    struct figure_rect a = figure_inset_area(fig);
    CHECK(a.y == in->y && fabs(a.y + a.h - (lp->y + lp->h)) < 1e-9);
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1600, 1000);
    cairo_t *cr = cairo_create(img);
    draw_figure(cr, fig);
    cairo_surface_flush(img);
    /* runner 0 (constant lr 0.18) is a horizontal line in its colour at log10(0.18) */
    double rgb[3];
    draw_runner_color(0, rgb);
    unsigned char *px = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    long hits = 0;
    for (int y = (int)lp->y; y < (int)(lp->y + lp->h); y++) {
        for (int x = (int)lp->x; x < (int)(lp->x + lp->w); x++) {
            unsigned char *p = px + y * stride + 4 * x;   /* BGRA */
            hits += abs(p[2] - (int)(255 * rgb[0])) < 20 && abs(p[1] - (int)(255 * rgb[1])) < 20
                    && abs(p[0] - (int)(255 * rgb[2])) < 20;
        }
    }
    CHECK(hits > 200);
    cairo_destroy(cr);
    cairo_surface_destroy(img);
    /* without the lr plot the loss plot takes its place */
    double inset_h = in->h;
    fig->lrplot = false;
    figure_layout(fig);
    CHECK(fig->lay.lrplot.w == 0 && fig->lay.inset.h > inset_h);
    free(fig);
    session_finish(s);
    free(s);
}

/* ======================================================================== the preset */

/* sgd on 0.5x^2 + 5y^2 from (-4.5, 2.5): y_k = 2.5 (1 - 10 lr)^k. At lr 0.25 that is
 * 2.5 (-1.5)^k, which passes 50 domain heights (300) from the centre at k = 12 (2.5*1.5^12 =
 * 324.4; at 11, 216.3): the race marks it diverged at step 12, no escape. The others converge,
 * and the right rate ends far below the too small one. */
static void test_preset_lr_range(void)
{
    struct scene sc;
    load_preset(&sc, "lr_range");
    struct session *s = open_scene(&sc, true);
    scene_finish(&sc);
    CHECK(s->race->n == 4);
    double want[4] = {0.01, 0.1, 0.19, 0.25};
    const char *labels[4] = {"too small", "right", "too large", "diverging"};
    for (int i = 0; i < s->race->n && i < 4; i++) {
        CHECK(s->race->r[i].params.kind == OPTIM_SGD && s->race->r[i].params.lr == want[i]);
        CHECK(!strcmp(s->race->r[i].params.label, labels[i]));
    }
    session_run_to_target(s, NULL, NULL);
    const struct race_runner *r = s->race->r;
    CHECK(!r[0].diverged && !r[1].diverged && !r[2].diverged);
    CHECK(r[3].diverged && !r[3].escaped && r[3].diverged_step == 12);
    CHECK(r[1].loss < 1e-6 && r[0].loss > 1.0);            /* right against too small */
    CHECK(r[2].loss > r[1].loss);                          /* too large zigzags slower */
    /* too large: its y flips sign every step (1 - 10*0.19 = -0.9) */
    CHECK_NEAR(r[2].p[1], 2.5 * pow(-0.9, 100), 1e-12);
    struct figure *fig = malloc(sizeof *fig);
    session_figure(s, fig, 1600, 1000, SESSION_FOR_EXPORT, 0.0);
    CHECK(fig->entry[3].diverged && strstr(fig->entry[3].detail, "diverged at step 12"));
    /* the legend says what each shows, then the spec */
    CHECK(!strcmp(fig->entry[0].label, "too small \xC2\xB7 sgd(lr=0.01)"));
    CHECK(!strcmp(fig->entry[3].label, "diverging \xC2\xB7 sgd(lr=0.25)"));
    free(fig);
    session_finish(s);
    free(s);
}

/* ======================================================================== the tune */

static bool files_equal(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    bool same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        same = ca == cb;
        if (ca == EOF || cb == EOF) {
            break;
        }
    }
    if (fa) {
        fclose(fa);
    }
    if (fb) {
        fclose(fb);
    }
    return same;
}

static void test_tune_beale(void)
{
    struct scene sc;
    load_preset(&sc, "beale");
    char err[512];
    struct session_tuning t1, t2;
    struct scene s1, s2;
    CHECK(session_tune_scene(&sc, &t1, &s1, NULL, NULL, err, sizeof err));
    CHECK(session_tune_scene(&sc, &t2, &s2, NULL, NULL, err, sizeof err));
    CHECK(t1.n == 8 && t2.n == 8);
    int better = 0;
    for (int i = 0; i < t1.n; i++) {
        const struct tune_result *r = &t1.res[i];
        /* the same numbers, bit for bit */
        CHECK(r->lr == t2.res[i].lr && r->loss == t2.res[i].loss && r->loss0 == t2.res[i].loss0);
        CHECK(r->lr0 == sc.opt[i].lr);
        CHECK(!r->diverged && r->loss <= r->loss0);
        better += r->loss < r->loss0;
        CHECK(s1.opt[i].lr == r->lr && s1.opt[i].kind == sc.opt[i].kind);
    }
    CHECK(better >= 6);
    /* the default loss is the race's own: the final loss trace ends with */
    struct session *s = open_scene(&sc, true);
    session_run_to_target(s, NULL, NULL);
    for (int i = 0; i < s->race->n; i++) {
        CHECK(s->race->r[i].loss == t1.res[i].loss0);
    }
    session_finish(s);
    free(s);
    /* ... and the tuned scene's race ends at the tuned losses */
    s = open_scene(&s1, true);
    session_run_to_target(s, NULL, NULL);
    for (int i = 0; i < s->race->n; i++) {
        CHECK(s->race->r[i].loss == t1.res[i].loss);
    }
    session_finish(s);
    free(s);
    /* written twice: the same bytes; read back: the same rates */
    char a[64], b[64];
    snprintf(a, sizeof a, "/tmp/optiscope-tune-%d-a.scene", (int)getpid());
    snprintf(b, sizeof b, "/tmp/optiscope-tune-%d-b.scene", (int)getpid());
    CHECK(session_write_scene(&s1, a, "tuned", err, sizeof err));
    CHECK(session_write_scene(&s2, b, "tuned", err, sizeof err));
    CHECK(files_equal(a, b));
    struct scene back;
    scene_init(&back);
    CHECK(scene_load_file(&back, a, err, sizeof err));
    struct scene_resolved res;
    CHECK(scene_resolve(&back, &res, err, sizeof err));
    scene_resolved_finish(&res);
    CHECK(back.nopt == 8 && back.steps == sc.steps);
    for (int i = 0; i < back.nopt; i++) {
        CHECK(back.opt[i].lr == t1.res[i].lr);
    }
    scene_finish(&back);
    unlink(a);
    unlink(b);
    /* a missing folder: refused, nothing written */
    CHECK(!session_write_scene(&s1, "/nonexistent-dir/x.scene", NULL, err, sizeof err));
    CHECK(strstr(err, "/nonexistent-dir") != NULL);
    scene_finish(&s1);
    scene_finish(&s2);
    scene_finish(&sc);
}

/* On 0.5x^2 + 5y^2 gradient descent contracts x by |1 - lr| and y by |1 - 10 lr| a step; the
 * worst of the two is smallest at lr = 2/11 (both 9/11). After 100 steps the final loss is
 * ruled by it: every runner of lr_range, whatever its start (0.01, or the diverging 0.25),
 * tunes to about 2/11. */
static void test_tune_closed_form(void)
{
    struct scene sc;
    load_preset(&sc, "lr_range");
    char err[512];
    struct session_tuning t;
    struct scene tuned;
    CHECK(session_tune_scene(&sc, &t, &tuned, NULL, NULL, err, sizeof err));
    CHECK(t.n == 4);
    for (int i = 0; i < t.n; i++) {
        CHECK_NEAR(t.res[i].lr, 2.0 / 11.0, 0.004);
        CHECK(!t.res[i].diverged && t.res[i].loss <= t.res[i].loss0);
        CHECK(t.res[i].loss < 1e-15);
    }
    CHECK(t.res[3].diverged0 && t.res[3].diverged_step0 == 12);
    /* the table says so */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    session_tune_table(&t, f);
    fclose(f);
    CHECK(strstr(buf, "default lr") && strstr(buf, "tuned loss") && strstr(buf, "diverged (step 12)"));
    CHECK(strstr(buf, "  0.18  ") != NULL);   /* the tuned column (2/11 to 2 digits) */
    free(buf);
    scene_finish(&tuned);
    /* a default far past divergence: the whole grid diverges, the search goes on down */
    CHECK(scene_set(&sc, "optimizer", "sgd(lr=1e6)", true, err, sizeof err));
    CHECK(session_tune_scene(&sc, &t, &tuned, NULL, NULL, err, sizeof err));
    CHECK(t.n == 1 && t.res[0].diverged0 && t.res[0].diverged_step0 == 1);
    CHECK(!t.res[0].diverged);
    CHECK_NEAR(t.res[0].lr, 2.0 / 11.0, 0.004);
    scene_finish(&tuned);
    scene_finish(&sc);
}

static int stop_calls;
static bool stop_after_5(void *ud)
{
    (void)ud;
    return ++stop_calls > 5;
}

static void test_tune_stop(void)
{
    struct scene sc;
    load_preset(&sc, "beale");
    char err[256];
    struct session_tuning t;
    struct scene tuned;
    stop_calls = 0;
    CHECK(!session_tune_scene(&sc, &t, &tuned, stop_after_5, NULL, err, sizeof err));
    CHECK(strstr(err, "stopped") != NULL);
    CHECK(stop_calls == 6);
    scene_finish(&sc);
}

/* U: tuned on a worker, collected by the clock; the race shown has the tuned rates, the
 * legend gives the defaults' final losses, the scene W would save holds the tuned rates; U
 * again: the defaults, and back. */
static void test_session_u(void)
{
    struct scene sc;
    load_preset(&sc, "beale");
    char err[512];
    struct session_tuning t;
    struct scene tuned;
    CHECK(session_tune_scene(&sc, &t, &tuned, NULL, NULL, err, sizeof err));
    struct session *s = open_scene(&sc, true);
    unsigned long gen = s->scene_gen;
    session_act(s, SESSION_TUNE, 0, 0.0);
    CHECK(session_tuning(s));
    session_act(s, SESSION_TUNE, 0, 0.1);   /* while tuning: a toast, nothing else */
    CHECK(session_tuning(s) && s->scene_gen == gen);
    session_wait_tune(s, 0.2);
    CHECK(!session_tuning(s) && s->scene_gen != gen);
    CHECK(s->running);                      /* the tuned race plays */
    for (int i = 0; i < s->race->n; i++) {
        CHECK(s->race->r[i].params.lr == t.res[i].lr);
    }
    CHECK(strstr(s->toast, "tuned in") != NULL);
    CHECK(strstr(s->subtitle, "tuned lr") != NULL);
    struct figure *fig = malloc(sizeof *fig);
    session_figure(s, fig, 1600, 1000, SESSION_FOR_WINDOW, 0.3);
    char want[64];
    snprintf(want, sizeof want, "default %.3g", t.res[0].loss0);
    CHECK(strstr(fig->entry[0].detail, want) != NULL);
    struct scene w;
    session_scene(s, &w);
    for (int i = 0; i < w.nopt; i++) {
        CHECK(w.opt[i].lr == t.res[i].lr);
    }
    scene_finish(&w);
    session_act(s, SESSION_TUNE, 0, 1.0);   /* the defaults */
    CHECK(!session_tuning(s));
    for (int i = 0; i < s->race->n; i++) {
        CHECK(s->race->r[i].params.lr == t.res[i].lr0);
    }
    session_figure(s, fig, 1600, 1000, SESSION_FOR_WINDOW, 1.1);
    snprintf(want, sizeof want, "tuned %.3g", t.res[0].loss);
    CHECK(t.res[0].lr == t.res[0].lr0 || strstr(fig->entry[0].detail, want) != NULL);
    session_act(s, SESSION_TUNE, 0, 2.0);   /* tuned again, no new search */
    CHECK(!session_tuning(s) && s->race->r[0].params.lr == t.res[0].lr);
    /* another scene: U tunes anew */
    session_act(s, SESSION_FUNC_NEXT, 0, 3.0);
    session_figure(s, fig, 1600, 1000, SESSION_FOR_WINDOW, 3.1);
    CHECK(strstr(fig->entry[0].detail, "default ") == NULL);
    session_act(s, SESSION_TUNE, 0, 3.2);
    CHECK(session_tuning(s));
    free(fig);
    session_finish(s);                      /* stops the tune under way */
    free(s);
    scene_finish(&tuned);
    scene_finish(&sc);
}

int main(void)
{
    test_width_rule();
    test_lr_series_match_torch();
    test_lr_series_live_change();
    test_lr_plot_drawn();
    test_preset_lr_range();
    test_tune_beale();
    test_tune_closed_form();
    test_tune_stop();
    test_session_u();
    return check_done("lrtune");
}

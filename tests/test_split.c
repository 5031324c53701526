/* test_split.c: the l1_vs_l2 split view in a session with no display: both races against the
 * exact minimizers, J/K moving lambda on both sides, the figure's two plots and their level
 * sets (the diamond and the circle found in the rendered pixels), scene round trip, refusals. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "check.h"
#include "session/session.h"
#include "session/split.h"
#include "session_fixture.h"

static const char *const preset_names[] = {"beale", "l1_vs_l2"};

static bool try_open(struct session *s, const char *preset, const char *const *kv, char *err,
                     size_t errlen)
{
    struct scene sc;
    scene_init(&sc);
    char path[512];
    snprintf(path, sizeof path, "%s/%s.scene", FIXTURE_PRESETS, preset);
    if (!scene_load_file(&sc, path, err, errlen)) {
        scene_finish(&sc);
        return false;
    }
    for (int i = 0; kv && kv[i]; i += 2) {
        if (!scene_set(&sc, kv[i], kv[i + 1], true, err, errlen)) {
            scene_finish(&sc);
            return false;
        }
    }
    struct session_desc d = {.scene = &sc, .preset_dir = FIXTURE_PRESETS, .presets = preset_names,
                             .npresets = 2, .shot_dir = "/tmp", .paused = true};
    bool ok = session_init(s, &d, err, errlen);
    scene_finish(&sc);
    return ok;
}

static struct session *open_split(const char *const *kv)
{
    struct session *s = malloc(sizeof *s);
    char err[512];
    if (!try_open(s, "l1_vs_l2", kv, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    session_run_to_target(s, NULL, NULL);
    return s;
}

static struct figure fig;

/* Both sides at the exact minimizers: ista's y exactly 0.0, sgd's none. */
static void check_sides(struct session *s, double lambda)
{
    struct regpath_quad *q = &s->split->q;
    double w1[2], w2[2];
    regpath_l1(q, s->race->l1, w1);
    regpath_l2(q, s->split->right.l2, w2);
    CHECK_NEAR(s->race->l1, lambda, 1e-12);
    CHECK(s->race->l2 == 0.0);
    CHECK_NEAR(s->split->right.l2, lambda, 1e-12);
    CHECK(s->split->right.l1 == 0.0);
    const struct race_runner *a = &s->race->r[0], *b = &s->split->right.r[0];
    CHECK(a->step == s->scene.steps && b->step == s->scene.steps);
    CHECK_NEAR(a->p[0], w1[0], 1e-5);   /* 200 steps of lr 0.05 */
    CHECK_NEAR(a->p[1], w1[1], 1e-5);
    CHECK((a->p[0] == 0.0) == (w1[0] == 0.0));   /* the exact zeros, where the KKT says */
    CHECK((a->p[1] == 0.0) == (w1[1] == 0.0));
    CHECK_NEAR(b->p[0], w2[0], 1e-5);
    CHECK_NEAR(b->p[1], w2[1], 1e-5);
    CHECK(race_exact_zeros(b) == 0);
    CHECK_NEAR(s->split->w1[0], w1[0], 0.0);
    CHECK_NEAR(s->split->w2[1], w2[1], 0.0);
}

static void test_races(void)
{
    struct session *s = open_split(NULL);
    CHECK(s->split != NULL);
    CHECK(s->race->n == 1 && s->split->right.n == 1);
    CHECK(s->race->r[0].params.kind == OPTIM_ISTA);
    CHECK(s->split->right.r[0].params.kind == OPTIM_SGD);   /* ista with no L1 is sgd */
    CHECK_NEAR(s->split->right.r[0].params.lr, s->race->r[0].params.lr, 0.0);
    check_sides(s, 3.0);
    CHECK(s->race->r[0].p[1] == 0.0);   /* lambda 3 >= 2.5: y is exactly 0 on the left */

    /* K: lambda * 1.25 on both sides, both paths re-run to the step they stood at */
    session_act(s, SESSION_LAMBDA_UP, 0, 1.0);
    CHECK_NEAR(s->scene.l1, 3.75, 1e-12);
    CHECK_NEAR(s->scene.l2, 3.75, 1e-12);
    check_sides(s, 3.75);
    CHECK_NEAR(s->race->r[0].p[0], 0.375, 1e-7);   /* (4.5 - lambda) / 2 */
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 1.0);
    CHECK(strstr(fig.status[0], "\xCE\xBB = 3.75") != NULL);   /* the HUD says it */
    CHECK(strstr(fig.subtitle, "\xCE\xBB = 3.75") != NULL);
    CHECK(strstr(fig.caption, "minimum (0.375, 0), 1 zero") != NULL);
    char w2[64];
    snprintf(w2, sizeof w2, "minimum (%.3g, %.3g), no zero", s->split->w2[0],
             s->split->w2[1]);
    CHECK(fig.twin && strstr(fig.twin->caption, w2) != NULL);
    /* J twice: 2.4, below the kink at 2.5: no zero left */
    session_act(s, SESSION_LAMBDA_DOWN, 0, 2.0);
    session_act(s, SESSION_LAMBDA_DOWN, 0, 3.0);
    CHECK_NEAR(s->scene.l1, 2.4, 1e-12);
    check_sides(s, 2.4);
    CHECK(race_exact_zeros(&s->race->r[0]) == 0);
    /* many K: kept under 1e4, with a toast */
    for (int k = 0; k < 60; k++) {
        session_act(s, SESSION_LAMBDA_UP, 0, 4.0);
    }
    CHECK(s->scene.l1 <= 1e4 && s->scene.l1 > 1e4 / 1.25);
    CHECK(s->toast_error && strstr(s->toast, "kept between") != NULL);
    fixture_close(s);

    /* [ ] change the lr on both sides; a reset restarts both; a click moves both starts */
    s = open_split(NULL);
    session_act(s, SESSION_LR_DOWN, 0, 0.0);
    CHECK_NEAR(s->split->right.r[0].params.lr, 0.025, 1e-15);
    session_act(s, SESSION_RESET, 0, 0.0);
    CHECK(s->race->r[0].step == 0 && s->split->right.r[0].step == 0);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    struct figure_frame fr = figure_plot_frame(&fig);
    double px[2];
    figure_frame_map(&fr, 1.5, -1.0, px);
    session_click(s, px[0], px[1], 0.0);
    CHECK_NEAR(s->race->start[0], 1.5, 0.02);
    CHECK_NEAR(s->split->right.start[0], s->race->start[0], 0.0);
    CHECK_NEAR(s->split->right.start[1], s->race->start[1], 0.0);
    /* a click on the right plot is the same plane */
    struct figure_frame fr2 = {fig.lay.plot2, {0}};
    memcpy(fr2.view, fr.view, sizeof fr2.view);
    figure_frame_map(&fr2, -0.5, 2.0, px);
    session_click(s, px[0], px[1], 0.0);
    CHECK_NEAR(s->race->start[0], -0.5, 0.02);
    CHECK_NEAR(s->race->start[1], 2.0, 0.02);
    CHECK_NEAR(s->split->right.start[0], s->race->start[0], 0.0);
    fixture_close(s);
}

/* ------------------------------------------------------------------ the figure */

static bool is_cyan(const unsigned char *p)   /* cairo ARGB32: B G R A */
{
    return abs(p[2] - 46) < 60 && abs(p[1] - 224) < 60 && abs(p[0] - 255) < 50;
}

/* Whether a cyan pixel lies within r pixels of (x, y). */
static bool cyan_near(cairo_surface_t *img, double x, double y, int r)
{
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *d = cairo_image_surface_get_data(img);
    for (int j = (int)y - r; j <= (int)y + r; j++) {
        for (int i = (int)x - r; i <= (int)x + r; i++) {
            if (i >= 0 && j >= 0 && i < w && j < h && is_cyan(d + (size_t)j * stride + 4 * i)) {
                return true;
            }
        }
    }
    return false;
}

static void test_figure(void)
{
    struct session *s = open_split(NULL);
    session_figure(s, &fig, 1200, 800, SESSION_FOR_EXPORT, 0.0);
    const struct figure_layout *lay = &fig.lay;
    CHECK(fig.twin != NULL);
    CHECK(lay->plot2.w > 100 && lay->plot2.h > 100);
    CHECK_NEAR(lay->plot2.w, lay->plot.w, 1e-9);   /* one size, side by side */
    CHECK_NEAR(lay->plot2.y, lay->plot.y, 1e-9);
    CHECK(lay->plot2.x > lay->plot.x + lay->plot.w);
    CHECK(lay->colorbar.x > lay->plot2.x + lay->plot2.w);
    CHECK(lay->legend.y > lay->plot.y + lay->plot.h);   /* the legend under both */
    /* one scale on both sides, of f alone (no penalty): the same bowl */
    CHECK(fig.twin->field.race == fig.field.race);
    CHECK(!memcmp(&fig.twin->field.scale, &fig.field.scale, sizeof fig.field.scale));
    CHECK(fig.field.race->l1 == 0.0 && fig.field.race->l2 == 0.0);
    /* equal scales on x and y: the circle is drawn round */
    double ux = lay->plot.w / (fig.field.view[1] - fig.field.view[0]);
    double uy = lay->plot.h / (fig.field.view[3] - fig.field.view[2]);
    CHECK_REL(ux, uy, 1e-9, 1e-9);
    /* the legend: each side's runner with its exact zeros */
    CHECK(fig.nentries == 2);
    CHECK(strstr(fig.entry[0].label, "L1") && strstr(fig.entry[0].detail, "1 exact zero"));
    CHECK(strstr(fig.entry[1].label, "L2 \xC2\xB7 sgd") &&
          strstr(fig.entry[1].detail, "0 exact zeros"));
    /* the lines: the loss contour through each minimum (f there), the level sets through it */
    const struct session_split *sp = s->split;
    double f1 = regpath_quad_value(&sp->q, sp->w1), f2 = regpath_quad_value(&sp->q, sp->w2);
    int rings = 0;
    for (int k = 0; k < fig.nlines; k++) {
        const struct figure_line *l = &fig.line[k];
        if (l->xy == sp->ring1) {
            rings++;
            for (int i = 0; i < l->n; i++) {
                CHECK_NEAR(regpath_quad_value(&sp->q, l->xy + 2 * i), f1, 1e-9);
            }
        }
    }
    for (int k = 0; k < fig.twin->nlines; k++) {
        const struct figure_line *l = &fig.twin->line[k];
        if (l->xy == sp->ring2) {
            rings++;
            for (int i = 0; i < l->n; i++) {
                CHECK_NEAR(regpath_quad_value(&sp->q, l->xy + 2 * i), f2, 1e-9);
            }
        }
    }
    CHECK(rings == 2);
    double r1 = fabs(sp->w1[0]) + fabs(sp->w1[1]), r2 = hypot(sp->w2[0], sp->w2[1]);
    CHECK_NEAR(sp->diamond[0], sp->w1[0], 1e-15);   /* the corner (r, 0) is the minimum */

    /* the pixels: a diamond on the left, a circle on the right (their lower-left parts,
     * where nothing else is drawn): |x|+|y| = r passes through (-r/2, -r/2), a circle of
     * radius r through (-r/sqrt2, -r/sqrt2) */
    const char *png = "/tmp/optiscope-test-split.png";
    char err[512];
    CHECK(session_export(s, png, 1200, 800, SESSION_FOR_EXPORT, 0.0, err, sizeof err));
    cairo_surface_t *img = cairo_image_surface_create_from_png(png);
    CHECK(cairo_surface_status(img) == CAIRO_STATUS_SUCCESS);
    CHECK(cairo_image_surface_get_width(img) == 1200);
    struct figure_frame L = figure_plot_frame(&fig), R = L;
    R.r = lay->plot2;
    double u[2];
    const double c = sqrt(0.5);
    figure_frame_map(&L, -0.5 * r1, -0.5 * r1, u);
    CHECK(cyan_near(img, u[0], u[1], 2));
    figure_frame_map(&L, -c * r1, -c * r1, u);
    CHECK(!cyan_near(img, u[0], u[1], 1));
    figure_frame_map(&R, -c * r2, -c * r2, u);
    CHECK(cyan_near(img, u[0], u[1], 2));
    figure_frame_map(&R, -0.5 * r2, -0.5 * r2, u);
    CHECK(!cyan_near(img, u[0], u[1], 1));
    figure_frame_map(&R, -0.5 * r1, -0.5 * r1, u);   /* no diamond on the right */
    CHECK(!cyan_near(img, u[0], u[1], 1));
    cairo_surface_destroy(img);
    remove(png);
    /* vector exports write both plots */
    CHECK(session_export(s, "/tmp/optiscope-test-split.svg", 1200, 800, SESSION_FOR_EXPORT,
                         0.0, err, sizeof err));
    FILE *f = fopen("/tmp/optiscope-test-split.svg", "rb");
    char head[64] = "";
    CHECK(f && fread(head, 1, 5, f) == 5 && !strncmp(head, "<?xml", 5));
    if (f) {
        fclose(f);
    }
    remove("/tmp/optiscope-test-split.svg");

    /* W writes the split and the weights back */
    struct scene sc;
    session_act(s, SESSION_LAMBDA_UP, 0, 0.0);
    session_scene(s, &sc);
    CHECK(sc.split == SCENE_SPLIT_L1_VS_L2);
    CHECK_NEAR(sc.l1, 3.75, 1e-12);
    CHECK_NEAR(sc.l2, 3.75, 1e-12);
    scene_finish(&sc);
    fixture_close(s);
}

static void test_refusals(void)
{
    struct session s;
    char err[512];
    CHECK(!try_open(&s, "l1_vs_l2", (const char *const[]){"expr", "(1-x)^2 + 100*(y-x^2)^2",
                                                           NULL}, err, sizeof err));
    CHECK(strstr(err, "split = l1_vs_l2") && strstr(err, "not a quadratic"));
    CHECK(!try_open(&s, "l1_vs_l2", (const char *const[]){"expr", "x^2 - y^2", NULL}, err,
                    sizeof err));
    CHECK(strstr(err, "not a bowl") != NULL);
    CHECK(!try_open(&s, "l1_vs_l2", (const char *const[]){"l2", "0", NULL}, err, sizeof err));
    CHECK(strstr(err, "needs l1 > 0 and l2 > 0") != NULL);
    /* a bad value of the key names it */
    CHECK(!try_open(&s, "l1_vs_l2", (const char *const[]){"split", "l1vsl2", NULL}, err,
                    sizeof err));
    CHECK(strstr(err, "split") != NULL);

    /* J in a one-plot scene says where it works; trace is refused, saying why */
    CHECK(try_open(&s, "beale", NULL, err, sizeof err));
    session_act(&s, SESSION_LAMBDA_UP, 0, 0.0);
    CHECK(strstr(s.toast, "split view") != NULL);
    CHECK(s.scene.l1 == 0.0);
    session_finish(&s);
    CHECK(try_open(&s, "l1_vs_l2", NULL, err, sizeof err));
    /* the GIF races both sides to the scene's steps (its frames: test_split.sh) */
    CHECK(session_export_gif(&s, "/tmp/optiscope-test-split.gif", 320, 200, NULL, NULL, err,
                             sizeof err));
    CHECK(s.split->right.r[0].step == s.scene.steps && s.race->r[0].step == s.scene.steps);
    FILE *gf = fopen("/tmp/optiscope-test-split.gif", "rb");
    char magic[6] = "";
    CHECK(gf && fread(magic, 1, 6, gf) == 6 && !memcmp(magic, "GIF89a", 6));
    if (gf) {
        fclose(gf);
    }
    remove("/tmp/optiscope-test-split.gif");
    CHECK(!session_trace(&s.scene, 10, stdout, NULL, NULL, err, sizeof err));
    CHECK(strstr(err, "split view") != NULL);
    /* P reaches it and leaves it: the twin goes with the scene */
    session_act(&s, SESSION_PRESET_NEXT, 0, 0.0);   /* the first preset: beale */
    CHECK(s.split == NULL);
    session_figure(&s, &fig, 800, 600, SESSION_FOR_WINDOW, 0.0);
    CHECK(fig.twin == NULL && fig.lay.plot2.w == 0);
    session_act(&s, SESSION_PRESET_NEXT, 0, 0.0);
    CHECK(s.split != NULL);
    session_finish(&s);
}

int main(void)
{
    test_races();
    test_figure();
    test_refusals();
    return check_done("split");
}

/* test_draw.c: the race figure drawn on an image surface and checked by pixel statistics
 * (heatmap, trails in their colours, legend text), layout, scales, export and bad input. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "draw/draw.h"
#include "draw/text.h"
#include "sim/race.h"

/* ------------------------------------------------------------------ fixtures */

static struct optim_params parse(const char *spec)
{
    struct optim_params p;
    char err[256];
    if (!optim_parse(spec, &p, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    return p;
}

/* A race of three optimizers on an elongated bowl, from (-2.5, 2): three different paths. */
static struct race *make_race(const char *src, long steps)
{
    struct expr_error e;
    struct expr *f = expr_compile(src, &e);
    if (!f) {
        fprintf(stderr, "%s\n", e.msg);
        abort();
    }
    struct optim_params params[3] = {
        parse("sgd(lr=0.02)"), parse("momentum(lr=0.01, momentum=0.9)"),
        parse("adam(lr=0.08)"),
    };
    struct race_desc d = {
        .f = f, .xmin = -3, .xmax = 3, .ymin = -3, .ymax = 3,
        .start = {-2.5, 2.0}, .n = 3, .params = params,
    };
    struct race *race = malloc(sizeof *race);
    race_init(race, &d);
    for (long s = 0; s < steps; s++) {
        race_step(race);
    }
    return race;
}

static void free_race(struct race *race)
{
    const struct expr *f = race->f;
    race_finish(race);
    free(race);
    expr_destroy((struct expr *)f);
}

/* The figure of a race as the session builds one, laid out for width x height: field, paths,
 * markers (a minimum, the start, the heads), legend rows and loss curves. */
static struct traj_point series_pts[RACE_MAX][8192];

static void full_figure(struct figure *fig, const struct race *race, int width, int height)
{
    figure_init(fig, width, height);
    snprintf(fig->title, sizeof fig->title, "bowl");
    snprintf(fig->subtitle, sizeof fig->subtitle, "start (-2.5, 2) \xC2\xB7 no penalty");
    double view[4] = {-3, 3, -3, 3};
    memcpy(fig->field.view, view, sizeof view);
    fig->field.race = race;
    fig->field.contours = true;
    if (race) {
        figure_scale_fit_view(&fig->field.scale, race, view, true);
    }
    fig->axes = fig->colorbar = fig->legend = fig->inset = fig->trails = fig->minima = true;
    fig->marker[fig->nmarkers++] = (struct figure_marker){1.0, -0.5, 0.0, FIGURE_MARK_STAR,
                                                          -1, 20.0};
    for (int i = 0; race && i < race->n; i++) {
        const struct race_runner *r = &race->r[i];
        fig->path[fig->npaths++] = (struct figure_path){&r->traj, i, 3.0, false, false,
                                                        r->diverged, 1, (unsigned long)r->step, 0};
        struct figure_entry *e = &fig->entry[fig->nentries++];
        snprintf(e->label, sizeof e->label, "%s", r->label);
        snprintf(e->detail, sizeof e->detail, "loss %.3g", r->loss);
        e->color = i;
        e->diverged = r->diverged;
        size_t n = traj_count(&r->traj);
        n = n > 8192 ? 8192 : n;
        for (size_t k = 0; k < n; k++) {
            series_pts[i][k] = traj_get(&r->traj, k);
        }
        fig->series[fig->nseries++] = (struct figure_series){series_pts[i], n, i, false,
                                                             r->diverged};
        fig->series_steps = r->step > fig->series_steps ? r->step : fig->series_steps;
        fig->marker[fig->nmarkers++] = (struct figure_marker){
            r->p[0], r->p[1], r->loss, r->diverged ? FIGURE_MARK_CROSS : FIGURE_MARK_DISC, i,
            12.0};
    }
    figure_layout(fig);
}

/* Pixel (x, y) of an RGB24/ARGB32 image as rgb in [0, 1]. */
static void pixel(cairo_surface_t *s, int x, int y, double rgb[3])
{
    const unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    uint32_t p = *(const uint32_t *)(const void *)(d + (size_t)y * stride + 4 * (size_t)x);
    rgb[0] = ((p >> 16) & 255) / 255.0;
    rgb[1] = ((p >> 8) & 255) / 255.0;
    rgb[2] = (p & 255) / 255.0;
}

static double color_dist(const double a[3], const double b[3])
{
    return fmax(fabs(a[0] - b[0]), fmax(fabs(a[1] - b[1]), fabs(a[2] - b[2])));
}

static cairo_surface_t *render(const struct figure *fig)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, fig->width,
                                                    fig->height);
    cairo_t *cr = cairo_create(s);
    draw_figure(cr, fig);
    CHECK(cairo_status(cr) == CAIRO_STATUS_SUCCESS);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    return s;
}

/* ------------------------------------------------------------------ pieces */

static void test_nice_step_and_frame(void)
{
    CHECK_NEAR(figure_nice_step(9.0, 6), 2.0, 1e-12);
    CHECK_NEAR(figure_nice_step(1.0, 5), 0.2, 1e-12);
    CHECK_NEAR(figure_nice_step(1000.0, 4), 200.0, 1e-9);
    CHECK_NEAR(figure_nice_step(0.03, 3), 0.01, 1e-15);
    CHECK_NEAR(figure_nice_step(7.0, 1), 5.0, 1e-12);
    CHECK(figure_nice_step(0.0, 5) == 1.0);
    CHECK(figure_nice_step(NAN, 5) == 1.0);

    struct figure_frame fr = {{100, 50, 400, 200}, {-2, 2, 0, 1}};
    double u[2], p[2];
    figure_frame_map(&fr, -2, 1, u);   /* top-left */
    CHECK_NEAR(u[0], 100, 1e-12);
    CHECK_NEAR(u[1], 50, 1e-12);
    figure_frame_map(&fr, 2, 0, u);    /* bottom-right */
    CHECK_NEAR(u[0], 500, 1e-12);
    CHECK_NEAR(u[1], 250, 1e-12);
    figure_frame_map(&fr, 0.3, 0.7, u);
    figure_frame_unmap(&fr, u[0], u[1], p);
    CHECK_NEAR(p[0], 0.3, 1e-12);
    CHECK_NEAR(p[1], 0.7, 1e-12);
}

static void test_scale(void)
{
    /* 1000 values 0..999 plus a few enormous outliers: the range stops at the 98th
     * percentile, not at the outliers. */
    double v[1010];
    for (int i = 0; i < 1000; i++) {
        v[i] = i;
    }
    for (int i = 1000; i < 1010; i++) {
        v[i] = 1e12;
    }
    v[5] = NAN;
    struct figure_scale s;
    figure_scale_fit(&s, v, 1010, false);
    CHECK_NEAR(s.lo, 0.0, 1e-12);
    CHECK(s.hi > 900 && s.hi < 1000);
    CHECK_NEAR(figure_scale_t(&s, 0.0), 0.0, 1e-12);
    CHECK(isnan(figure_scale_t(&s, NAN)));
    CHECK_NEAR(figure_scale_value(&s, figure_scale_t(&s, 123.0)), 123.0, 1e-9);

    /* log: t from the minimum to the 98th percentile, decades evenly spaced */
    double w[1000];
    for (int i = 0; i < 1000; i++) {
        w[i] = 5.0 + pow(10.0, -3.0 + 7.0 * i / 999.0);
    }
    figure_scale_fit(&s, w, 1000, true);
    CHECK(s.log);
    CHECK_NEAR(s.fmin, 5.0 + 1e-3, 1e-12);
    CHECK(s.eps > 0);
    CHECK_NEAR(figure_scale_t(&s, s.fmin), 0.0, 1e-12);
    double t1 = figure_scale_t(&s, 5.0 + 1e2), t2 = figure_scale_t(&s, 5.0 + 1e3);
    double t3 = figure_scale_t(&s, 5.0 + 1e1);
    CHECK_NEAR(t2 - t1, t1 - t3, 0.01);   /* equal steps per decade */
    CHECK(figure_scale_t(&s, 5.0 + 1e4) > 0.9);
    CHECK_NEAR(figure_scale_value(&s, figure_scale_t(&s, 42.0)), 42.0, 1e-9);
    CHECK(figure_scale_t(&s, 4.0) == 0.0);   /* below the sampled minimum: clamped, not NaN */

    /* constant and empty inputs still give a usable range */
    double c[4] = {2, 2, 2, 2};
    figure_scale_fit(&s, c, 4, true);
    CHECK(s.hi > s.lo && isfinite(figure_scale_t(&s, 2.0)));
    double nan4[4] = {NAN, NAN, INFINITY, -INFINITY};
    figure_scale_fit(&s, nan4, 4, false);
    CHECK(s.hi > s.lo);
}

static void test_palette(void)
{
    /* distinct colours for the first 8 runners, and text shades dark enough for white */
    double a[3], b[3];
    int close = 0;
    for (int i = 0; i < 8; i++) {
        draw_runner_color(i, a);
        for (int j = i + 1; j < 8; j++) {
            draw_runner_color(j, b);
            close += color_dist(a, b) < 0.25;
        }
        draw_runner_text_color(i, b);
        CHECK(0.2126 * b[0] + 0.7152 * b[1] + 0.0722 * b[2] <= 0.37);
    }
    CHECK(close == 0);
    draw_runner_color(-1, a);   /* never out of bounds */
    draw_runner_color(1000, b);
    CHECK(a[0] >= 0 && b[0] >= 0);
}

/* ------------------------------------------------------------------ the figure */

static void test_figure_pixels(void)
{
    struct race *race = make_race("(x - 1)^2 + 4*(y + 0.5)^2", 60);
    int W = 1280, H = 800;
    static struct figure fig;
    full_figure(&fig, race, W, H);
    struct figure_layout lay = fig.lay;
    /* side panel on a wide figure: legend and inset right of the plot, not over it */
    CHECK(!lay.legend_inside);
    CHECK(lay.legend.w > 0 && lay.inset.w > 0);
    CHECK(lay.legend.x >= lay.plot.x + lay.plot.w);
    CHECK(lay.inset.x >= lay.plot.x + lay.plot.w);
    CHECK(lay.inset.y >= lay.legend.y + lay.legend.h);
    CHECK(lay.plot.x >= 0 && lay.plot.y >= 0 && lay.plot.x + lay.plot.w <= W &&
          lay.plot.y + lay.plot.h <= H);
    CHECK(lay.legend.x + lay.legend.w <= W && lay.inset.y + lay.inset.h <= H);
    CHECK(lay.plot.w > 0.45 * W);
    CHECK(lay.font >= 12.0);   /* legible from the back of a room */

    /* snapshot of the state: drawing must not change it */
    double p0[2] = {race->r[0].p[0], race->r[0].p[1]};
    long step0 = race->r[0].step;
    size_t n0 = traj_count(&race->r[0].traj);

    cairo_surface_t *s = render(&fig);
    CHECK(race->r[0].p[0] == p0[0] && race->r[0].p[1] == p0[1]);
    CHECK(race->r[0].step == step0 && traj_count(&race->r[0].traj) == n0);

    /* heatmap: every sampled pixel of the plot is coloured (not the white page), with many
     * distinct colours */
    int white = 0, distinct = 0;
    static unsigned char seen[1 << 15];
    memset(seen, 0, sizeof seen);
    for (int j = 2; j < 40; j++) {
        for (int i = 2; i < 40; i++) {
            int x = (int)(lay.plot.x + lay.plot.w * i / 42.0);
            int y = (int)(lay.plot.y + lay.plot.h * j / 42.0);
            double c[3];
            pixel(s, x, y, c);
            white += c[0] > 0.97 && c[1] > 0.97 && c[2] > 0.97;
            int q = ((int)(c[0] * 31) << 10) | ((int)(c[1] * 31) << 5) | (int)(c[2] * 31);
            distinct += !seen[q];
            seen[q] = 1;
        }
    }
    CHECK(white < 40);   /* a few may be the white runner's trail or the star */
    CHECK(distinct > 60);

    /* trails: pixels at the middle of each runner's path have that runner's colour */
    struct figure_frame fr = {lay.plot, {-3, 3, -3, 3}};
    for (int r = 0; r < race->n; r++) {
        double want[3];
        draw_runner_color(r, want);
        const struct traj *t = &race->r[r].traj;
        size_t n = traj_count(t);
        int tried = 0, hit = 0;
        for (size_t k = n / 5; k < n - n / 5; k += 3) {
            struct traj_point p = traj_get(t, k);
            double u[2];
            figure_frame_map(&fr, p.x, p.y, u);
            bool found = false;
            for (int dy = -1; dy <= 1 && !found; dy++) {
                for (int dx = -1; dx <= 1 && !found; dx++) {
                    double c[3];
                    pixel(s, (int)u[0] + dx, (int)u[1] + dy, c);
                    found = color_dist(c, want) < 0.12;
                }
            }
            tried++;
            hit += found;
        }
        CHECK(tried >= 5);
        CHECK(hit >= 0.7 * tried);
    }

    /* legend: dark text pixels and each runner's swatch colour */
    int dark = 0;
    int swatch[3] = {0, 0, 0};
    for (int y = (int)lay.legend.y; y < (int)(lay.legend.y + lay.legend.h); y++) {
        for (int x = (int)lay.legend.x; x < (int)(lay.legend.x + lay.legend.w); x++) {
            double c[3];
            pixel(s, x, y, c);
            dark += 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] < 0.35;
            for (int r = 0; r < 3; r++) {
                double want[3];
                draw_runner_color(r, want);
                swatch[r] += color_dist(c, want) < 0.1;
            }
        }
    }
    CHECK(dark > 800);
    CHECK(swatch[0] > 30 && swatch[1] > 30 && swatch[2] > 30);

    /* inset: the loss curves are drawn in the runners' colours too */
    int curve = 0;
    for (int y = (int)lay.inset.y; y < (int)(lay.inset.y + lay.inset.h); y++) {
        for (int x = (int)lay.inset.x; x < (int)(lay.inset.x + lay.inset.w); x++) {
            double c[3], want[3];
            pixel(s, x, y, c);
            draw_runner_color(2, want);
            curve += color_dist(c, want) < 0.1;
        }
    }
    CHECK(curve > 30);
    cairo_surface_destroy(s);

    /* a narrow figure puts legend and inset inside the plot, in different corners */
    full_figure(&fig, race, 700, 900);
    lay = fig.lay;
    CHECK(lay.legend_inside);
    CHECK(lay.legend.x >= lay.plot.x && lay.legend.x + lay.legend.w <= lay.plot.x + lay.plot.w);
    bool apart = lay.legend.x + lay.legend.w <= lay.inset.x || lay.inset.x + lay.inset.w <=
                 lay.legend.x || lay.legend.y + lay.legend.h <= lay.inset.y ||
                 lay.inset.y + lay.inset.h <= lay.legend.y;
    CHECK(apart);
    s = render(&fig);
    cairo_surface_destroy(s);

    /* highlight and the bare flags draw without trouble */
    fig.font_scale = 1.6;
    full_figure(&fig, race, 1600, 1000);
    fig.path[1].highlight = fig.entry[1].highlight = true;
    fig.path[0].dimmed = fig.path[2].dimmed = true;
    s = render(&fig);
    cairo_surface_destroy(s);
    static struct figure bare;
    figure_init(&bare, 320, 200);
    bare.field.race = race;
    memcpy(bare.field.view, (double[4]){-3, 3, -3, 3}, sizeof bare.field.view);
    figure_layout(&bare);
    s = render(&bare);
    double c[3];
    pixel(s, 160, 100, c);   /* heatmap only: the whole figure is the plot */
    CHECK(!(c[0] > 0.97 && c[1] > 0.97 && c[2] > 0.97));
    cairo_surface_destroy(s);
    free_race(race);
}

static void test_nan_and_divergence(void)
{
    /* log(x) is NaN for x < 0: grey there, no crash; a runner diverged with a NaN point and
     * a far-away point */
    struct race *race = make_race("log(x) + y^2", 0);
    race->r[0].diverged = true;
    race->r[0].diverged_step = 3;
    traj_push(&race->r[0].traj, (struct traj_point){0.5, 0.5, 1.0, 1, 0});
    traj_push(&race->r[0].traj, (struct traj_point){1e300, -1e300, INFINITY, 2, 0});
    traj_push(&race->r[0].traj, (struct traj_point){NAN, NAN, NAN, 3, 0});
    traj_push(&race->r[1].traj, (struct traj_point){2.0, 1e30, 1e60, 1, 0});
    race->r[0].loss = NAN;
    static struct figure fig;
    full_figure(&fig, race, 900, 600);
    for (int k = 0; k < 5; k++) {   /* markers far away and at NaN */
        fig.marker[fig.nmarkers++] = (struct figure_marker){k ? 1e300 : NAN, 0, NAN,
                                                            FIGURE_MARK_STAR, -1, 20.0};
    }
    cairo_surface_t *s = render(&fig);
    struct figure_layout lay = fig.lay;
    double c[3];
    pixel(s, (int)(lay.plot.x + 0.1 * lay.plot.w), (int)(lay.plot.y + 0.9 * lay.plot.h), c);
    CHECK_NEAR(c[0], 0.5, 0.06);   /* x < 0: undefined, drawn grey */
    CHECK_NEAR(c[1], 0.5, 0.06);
    cairo_surface_destroy(s);

    /* a view with NaN, an empty race and a NULL race */
    full_figure(&fig, race, 400, 300);
    fig.field.view[0] = NAN;
    figure_layout(&fig);
    s = render(&fig);
    cairo_surface_destroy(s);
    full_figure(&fig, NULL, 400, 300);
    s = render(&fig);
    cairo_surface_destroy(s);
    /* vector surfaces take the fixed-resolution heatmap path */
    full_figure(&fig, race, 800, 500);
    cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
    cairo_t *cr = cairo_create(rec);
    draw_figure(cr, &fig);
    CHECK(cairo_status(cr) == CAIRO_STATUS_SUCCESS);
    cairo_destroy(cr);
    double x0, y0, w, h;
    cairo_recording_surface_ink_extents(rec, &x0, &y0, &w, &h);
    CHECK(w > 700 && h > 450);
    cairo_surface_destroy(rec);
    free_race(race);
}

/* ------------------------------------------------------------------ export */

static bool starts_with_file(const char *path, const char *magic, size_t n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        return false;
    }
    char buf[16] = {0};
    size_t got = fread(buf, 1, n, fp);
    fclose(fp);
    return got == n && memcmp(buf, magic, n) == 0;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) {
        return -1;
    }
    for (struct dirent *e; (e = readdir(d));) {
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    }
    closedir(d);
    return n;
}

static void test_export(void)
{
    struct race *race = make_race("(x - 1)^2 + 4*(y + 0.5)^2", 40);
    static struct figure fig;
    full_figure(&fig, race, 640, 400);
    char dir[] = "/tmp/optiscope-test-draw-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[512], err[512];

    snprintf(path, sizeof path, "%s/fig.png", dir);
    CHECK(draw_export(path, &fig, err, sizeof err));
    CHECK(starts_with_file(path, "\x89PNG\r\n\x1a\n", 8));
    cairo_surface_t *png = cairo_image_surface_create_from_png(path);
    CHECK(cairo_surface_status(png) == CAIRO_STATUS_SUCCESS);
    CHECK(cairo_image_surface_get_width(png) == 640 && cairo_image_surface_get_height(png) == 400);
    cairo_surface_destroy(png);
    unlink(path);

    snprintf(path, sizeof path, "%s/fig.svg", dir);
    CHECK(draw_export(path, &fig, err, sizeof err));
    CHECK(starts_with_file(path, "<?xml", 5));
    unlink(path);

    snprintf(path, sizeof path, "%s/FIG.PDF", dir);
    CHECK(draw_export(path, &fig, err, sizeof err));
    CHECK(starts_with_file(path, "%PDF-", 5));
    CHECK(count_entries(dir) == 1);   /* no temporary left beside it */
    unlink(path);

    /* unknown extension: an error naming it, no file */
    snprintf(path, sizeof path, "%s/fig.bmp", dir);
    err[0] = 0;
    CHECK(!draw_export(path, &fig, err, sizeof err));
    CHECK(strstr(err, ".bmp") != NULL);
    snprintf(path, sizeof path, "%s/noext", dir);
    CHECK(!draw_export(path, &fig, err, sizeof err));
    CHECK(strstr(err, "noext") != NULL);
    CHECK(count_entries(dir) == 0);

    /* a directory that does not exist: the path and the system's reason */
    snprintf(path, sizeof path, "%s/missing/fig.png", dir);
    err[0] = 0;
    CHECK(!draw_export(path, &fig, err, sizeof err));
    CHECK(strstr(err, path) != NULL);
    CHECK(strstr(err, strerror(ENOENT)) != NULL);
    CHECK(count_entries(dir) == 0);

    /* a path that is a directory: rename fails, the temporary is removed */
    snprintf(path, sizeof path, "%s/sub.png", dir);
    CHECK(mkdir(path, 0700) == 0);
    char inner[600];
    snprintf(inner, sizeof inner, "%s/x", path);
    FILE *fp = fopen(inner, "w");   /* a non-empty directory cannot be replaced */
    CHECK(fp != NULL);
    if (fp) {
        fclose(fp);
    }
    err[0] = 0;
    CHECK(!draw_export(path, &fig, err, sizeof err));
    CHECK(strstr(err, path) != NULL);
    CHECK(count_entries(dir) == 1);
    unlink(inner);
    rmdir(path);

    rmdir(dir);
    free_race(race);
}

/* Trails drawn a few steps at a time (a GIF's frames) against the same trails drawn whole:
 * the same pixels but for antialiased edges, no seam where the pieces join; a start-over is
 * drawn afresh. One path per figure, so no crossing order differs. */
#define CHECK_SAY(cond, ...)                                                           \
    do {                                                                               \
        bool check_ok_ = (cond);                                                       \
        CHECK(check_ok_);                                                              \
        if (!check_ok_) {                                                              \
            fprintf(stderr, __VA_ARGS__);                                              \
            fputc('\n', stderr);                                                       \
        }                                                                              \
    } while (0)

static int trail_diff(cairo_surface_t *a, cairo_surface_t *b, int over, int *ink)
{
    cairo_surface_flush(a);
    cairo_surface_flush(b);
    int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
    int bad = 0;
    *ink = 0;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            const unsigned char *pa = cairo_image_surface_get_data(a) +
                                      (size_t)y * cairo_image_surface_get_stride(a) + 4 * x;
            const unsigned char *pb = cairo_image_surface_get_data(b) +
                                      (size_t)y * cairo_image_surface_get_stride(b) + 4 * x;
            int d = 0;
            for (int c = 0; c < 4; c++) {
                d = abs(pa[c] - pb[c]) > d ? abs(pa[c] - pb[c]) : d;
            }
            *ink += pb[3] > 0;
            bad += d > over;
        }
    }
    return bad;
}

static void test_trails_more(void)
{
    for (int i = 0; i < 3; i++) {
        struct race *race = make_race("(x - 1)^2 + 10*(y + 0.5)^2", 0);
        struct figure *fig = malloc(sizeof *fig);
        full_figure(fig, race, 640, 420);
        fig->path[0] = fig->path[i];
        fig->npaths = 1;
        enum { W = 640, H = 420 };
        cairo_surface_t *more = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
        cairo_surface_t *whole = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
        cairo_t *mc = cairo_create(more);
        struct draw_trails *st = calloc(1, sizeof *st);
        for (int k = 0; k < 40; k++) {
            for (int j = 0; j < 3 + k % 4; j++) {
                race_step(race);
            }
            draw_trails_more(mc, fig, st);
        }
        cairo_t *wc = cairo_create(whole);
        draw_paths(wc, fig);
        cairo_destroy(wc);
        /* A seam is outline where the line was (a difference of about 230 in red); edges
         * move by a fraction of a pixel (the pieces keep points the whole path skips), and
         * where a path crosses itself its later steps lie on top. */
        int ink = 0, bad = trail_diff(more, whole, 192, &ink);
        CHECK_SAY(ink > 2000 && bad <= ink / 100, "path %d: %d of %d inked pixels differ", i,
                  bad, ink);

        /* A call with nothing new keeps the drawing (a mark put on it stays); a start-over
         * clears it and draws the whole path, as draw_paths does. */
        struct figure_frame fr = figure_plot_frame(fig);
        cairo_set_source_rgb(mc, 0, 0, 1);
        cairo_rectangle(mc, fr.r.x + 1, fr.r.y + 1, 4, 4);
        cairo_fill(mc);
        draw_trails_more(mc, fig, st);
        double rgb[3];
        cairo_surface_flush(more);
        pixel(more, (int)fr.r.x + 3, (int)fr.r.y + 3, rgb);
        CHECK_SAY(rgb[2] > 0.9 && rgb[0] < 0.1, "path %d: nothing new, nothing redrawn", i);
        fig->path[0].restart++;
        draw_trails_more(mc, fig, st);
        cairo_surface_flush(more);
        pixel(more, (int)fr.r.x + 3, (int)fr.r.y + 3, rgb);
        CHECK_SAY(rgb[2] < 0.1, "path %d: a start-over clears the drawing", i);
        CHECK_SAY(trail_diff(more, whole, 0, &ink) == 0, "path %d: a start-over draws it whole", i);
        cairo_destroy(mc);
        cairo_surface_destroy(more);
        cairo_surface_destroy(whole);
        free(st);
        free(fig);
        free_race(race);
    }
}

int main(void)
{
    test_nice_step_and_frame();
    test_scale();
    test_palette();
    test_figure_pixels();
    test_nan_and_divergence();
    test_export();
    test_trails_more();
    /* Our layouts go; cairo's and fontconfig's process-lifetime caches stay (Pango's font
     * map loads fonts on threads of its own, so resetting cairo's static data here could
     * race them; tests/lsan.supp names those libraries for the leak checker). */
    draw_text_finish();
    return check_done("draw");
}

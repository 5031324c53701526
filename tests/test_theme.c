/* test_theme.c: the two looks. Dark is the look before themes, value for value; light's map is
 * light and perceptually ordered; its paths are Okabe and Ito's colours and stay apart for
 * protanopes and deuteranopes (Machado et al. 2009); a figure drawn in each theme shows its
 * map, its page and each path in its own colour; large text enlarges the text and keeps the
 * legend's rows whole; the session's F5 and F6 actions switch and W's scene keeps them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "draw/draw.h"
#include "draw/text.h"
#include "figure/theme.h"
#include "session/session.h"

/* ------------------------------------------------------------------ colour science */

static double lin(double c)
{
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double enc(double x)
{
    x = x < 0 ? 0 : (x > 1 ? 1 : x);
    return x <= 0.0031308 ? 12.92 * x : 1.055 * pow(x, 1 / 2.4) - 0.055;
}

/* sRGB (0..1) to OKLab (Ottosson 2020). */
static void oklab(const double rgb[3], double out[3])
{
    double r = lin(rgb[0]), g = lin(rgb[1]), b = lin(rgb[2]);
    double l = cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
    double m = cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
    double s = cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
    out[0] = 0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s;
    out[1] = 1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s;
    out[2] = 0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s;
}

/* Machado, Oliveira & Fernandes (2009), severity 1, on linear RGB. */
static const double protan[3][3] = {{0.152286, 1.052583, -0.204868},
                                    {0.114503, 0.786281, 0.099216},
                                    {-0.003882, -0.048116, 1.051998}};
static const double deutan[3][3] = {{0.367322, 0.860646, -0.227968},
                                    {0.280085, 0.672501, 0.047413},
                                    {-0.011820, 0.042940, 0.968881}};

static void simulate(const double (*m)[3], const double rgb[3], double out[3])
{
    double l[3] = {lin(rgb[0]), lin(rgb[1]), lin(rgb[2])};
    for (int i = 0; i < 3; i++) {
        out[i] = m ? enc(m[i][0] * l[0] + m[i][1] * l[1] + m[i][2] * l[2]) : rgb[i];
    }
}

/* The smallest OKLab distance between two of the theme's first n runner colours, as seen
 * through m (NULL: normal vision). */
static double min_distance(enum scene_theme t, int n, const double (*m)[3])
{
    double best = INFINITY;
    for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
            double a[3], b[3], sa[3], sb[3], la[3], lb[3];
            figure_theme_runner_rgb(t, i, a);
            figure_theme_runner_rgb(t, j, b);
            simulate(m, a, sa);
            simulate(m, b, sb);
            oklab(sa, la);
            oklab(sb, lb);
            best = fmin(best, hypot(hypot(la[0] - lb[0], la[1] - lb[1]), la[2] - lb[2]));
        }
    }
    return best;
}

/* ------------------------------------------------------------------ tables */

static void test_palettes(void)
{
    /* dark is today's look */
    for (int i = -3; i < 25; i++) {
        double a[3], b[3];
        figure_runner_rgb(i, a);
        figure_theme_runner_rgb(SCENE_THEME_DARK, i, b);
        CHECK(!memcmp(a, b, sizeof a));
        draw_colormap(i / 24.0, a);
        draw_colormap_theme(SCENE_THEME_DARK, i / 24.0, b);
        CHECK(!memcmp(a, b, sizeof a));
    }
    /* light's first eight are Okabe & Ito's published colours (black lifted a little) */
    static const unsigned hex[8] = {0xD55E00, 0x0072B2, 0x009E73, 0xCC79A7, 0xE69F00, 0x56B4E9,
                                    0x1A1A1A, 0xF0E442};
    for (int i = 0; i < 8; i++) {
        double c[3];
        figure_theme_runner_rgb(SCENE_THEME_LIGHT, i, c);
        for (int k = 0; k < 3; k++) {
            CHECK_NEAR(c[k] * 255, (hex[i] >> (16 - 8 * k)) & 0xFF, 0.6);
        }
    }
    /* the eight runners of the default demo stay apart, for everyone: about three times as
     * far apart as dark's for protanopes and deuteranopes */
    CHECK(min_distance(SCENE_THEME_LIGHT, 8, NULL) > 0.12);
    CHECK(min_distance(SCENE_THEME_LIGHT, 8, protan) > 0.07);
    CHECK(min_distance(SCENE_THEME_LIGHT, 8, deutan) > 0.07);
    CHECK(min_distance(SCENE_THEME_LIGHT, 8, deutan) > 2.5 * min_distance(SCENE_THEME_DARK, 8,
                                                                          deutan));
    /* the light map: OKLab lightness strictly rising from 0.55 to above 0.95, mean above 0.75
     * (light under dark paths); viridis' mean is far darker */
    double prev = -1.0, mean_l = 0.0, mean_d = 0.0;
    for (int i = 0; i <= 255; i++) {
        double c[3], lab[3];
        draw_colormap_theme(SCENE_THEME_LIGHT, i / 255.0, c);
        oklab(c, lab);
        CHECK(lab[0] > prev);
        prev = lab[0];
        mean_l += lab[0] / 256;
        if (i == 0) {
            CHECK(lab[0] > 0.55);
        }
        draw_colormap_theme(SCENE_THEME_DARK, i / 255.0, c);
        oklab(c, lab);
        mean_d += lab[0] / 256;
    }
    CHECK(prev > 0.95);
    CHECK(mean_l > 0.75);
    CHECK(mean_d < mean_l - 0.15);
    /* the packed form agrees */
    unsigned p = draw_colormap_theme_rgb24(SCENE_THEME_LIGHT, 0.0);
    double c0[3];
    draw_colormap_theme(SCENE_THEME_LIGHT, 0.0, c0);
    CHECK((int)(p >> 16) == (int)lround(c0[0] * 255) && (int)(p & 0xFF) == (int)lround(c0[2] * 255));
    CHECK(figure_theme_of(SCENE_THEME_LIGHT)->ink[0] < figure_theme_of(SCENE_THEME_DARK)->ink[0]);
}

/* ------------------------------------------------------------------ figures */

static struct session *start(const char *theme, const char *large)
{
    struct scene sc;
    scene_init(&sc);
    char err[512];
    bool ok = scene_set(&sc, "function", "booth", false, err, sizeof err) &&
              scene_set(&sc, "optimizer",
                        "sgd(lr=0.02),momentum(lr=0.01),adam(lr=0.3),rmsprop(lr=0.05),"
                        "nag(lr=0.01),adagrad(lr=1),adadelta(lr=10),nadam(lr=0.2)",
                        false, err, sizeof err) &&
              scene_set(&sc, "steps", "80", false, err, sizeof err) &&
              scene_set(&sc, "start", "-8,8", false, err, sizeof err) &&
              scene_set(&sc, "theme", theme, false, err, sizeof err) &&
              scene_set(&sc, "large-text", large, false, err, sizeof err);
    if (!ok) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    struct session *s = calloc(1, sizeof *s);
    struct session_desc d = {.scene = &sc, .paused = true};
    if (!session_init(s, &d, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    scene_finish(&sc);
    session_run_to_target(s, NULL, NULL);
    return s;
}

struct picture {
    cairo_surface_t *img;
    struct figure fig;
};

static void draw_it(struct session *s, struct picture *p, int w, int h)
{
    session_figure(s, &p->fig, w, h, SESSION_FOR_EXPORT, 0.0);
    figure_layout(&p->fig);
    p->img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(p->img);
    draw_figure(cr, &p->fig);
    cairo_destroy(cr);
    cairo_surface_flush(p->img);
}

static void rgb_at(cairo_surface_t *s, int x, int y, double out[3])
{
    const unsigned char *d = cairo_image_surface_get_data(s);
    unsigned px = *(const unsigned *)(const void *)(d + (size_t)y *
                                                      cairo_image_surface_get_stride(s) + 4 * x);
    out[0] = ((px >> 16) & 0xFF) / 255.0;
    out[1] = ((px >> 8) & 0xFF) / 255.0;
    out[2] = (px & 0xFF) / 255.0;
}

/* Mean OKLab lightness over a rectangle. */
static double lightness(cairo_surface_t *s, const struct figure_rect *r)
{
    double sum = 0;
    long n = 0;
    for (int y = (int)r->y + 2; y < (int)(r->y + r->h) - 2; y += 3) {
        for (int x = (int)r->x + 2; x < (int)(r->x + r->w) - 2; x += 3) {
            double c[3], lab[3];
            rgb_at(s, x, y, c);
            oklab(c, lab);
            sum += lab[0];
            n++;
        }
    }
    return n ? sum / n : NAN;
}

/* Pixels inside the plot within 3/255 of runner i's colour in theme t. */
static long runner_pixels(cairo_surface_t *s, const struct figure_rect *r, enum scene_theme t,
                          int i)
{
    double want[3];
    figure_theme_runner_rgb(t, i, want);
    long n = 0;
    for (int y = (int)r->y; y < (int)(r->y + r->h); y++) {
        for (int x = (int)r->x; x < (int)(r->x + r->w); x++) {
            double c[3];
            rgb_at(s, x, y, c);
            n += fabs(c[0] - want[0]) < 3.5 / 255 && fabs(c[1] - want[1]) < 3.5 / 255 &&
                 fabs(c[2] - want[2]) < 3.5 / 255;
        }
    }
    return n;
}

static void test_figures(void)
{
    struct session *sd = start("dark", "no"), *sl = start("light", "no");
    struct picture d, l;
    draw_it(sd, &d, 1280, 720);
    draw_it(sl, &l, 1280, 720);
    CHECK(d.fig.theme == SCENE_THEME_DARK && l.fig.theme == SCENE_THEME_LIGHT);
    CHECK(l.fig.field.theme == SCENE_THEME_LIGHT);
    /* the map behind the paths: light in light, darker in dark */
    double Ld = lightness(d.img, &d.fig.lay.plot), Ll = lightness(l.img, &l.fig.lay.plot);
    CHECK(Ll > 0.78);
    CHECK(Ld < Ll - 0.12);
    /* paper white around the plot in both */
    double c[3];
    rgb_at(l.img, 3, 3, c);
    CHECK(c[0] > 0.99 && c[1] > 0.99 && c[2] > 0.99);
    rgb_at(d.img, 3, 3, c);
    CHECK(c[0] > 0.99 && c[1] > 0.99 && c[2] > 0.99);
    /* each path drawn in its own theme's colour, not in the other theme's */
    for (int i = 0; i < 8; i++) {
        long own = runner_pixels(l.img, &l.fig.lay.plot, SCENE_THEME_LIGHT, i);
        CHECK(own > 40);
        if (own <= 40) {
            fprintf(stderr, "  light runner %d: %ld pixels\n", i, own);
        }
        CHECK(runner_pixels(d.img, &d.fig.lay.plot, SCENE_THEME_DARK, i) > 40);
    }
    CHECK(runner_pixels(d.img, &d.fig.lay.plot, SCENE_THEME_LIGHT, 0) < 10);   /* vermillion */
    CHECK(runner_pixels(l.img, &l.fig.lay.plot, SCENE_THEME_DARK, 0) < 10);    /* red */

    /* large text: 1.5 times the font, the legend one whole row per runner, nothing shrunk */
    struct session *sb = start("light", "yes");
    struct picture b;
    draw_it(sb, &b, 1280, 720);
    CHECK_NEAR(b.fig.lay.font / l.fig.lay.font, FIGURE_LARGE_TEXT_SCALE, 1e-9);
    CHECK(b.fig.lay.legend_compact && !l.fig.lay.legend_compact);
    CHECK(b.fig.lay.legend.h >= 8 * FIGURE_LEGEND_COMPACT_ROW * b.fig.lay.font);
    CHECK(b.fig.lay.inset.h > 6 * b.fig.lay.font);
    /* the settings line and the colour bar's name no longer share a line */
    CHECK(b.fig.lay.colorbar.y - 0.55 * b.fig.lay.font - b.fig.lay.font >
          b.fig.lay.subtitle_y);

    /* F5 and F6 in the session; W's scene keeps both */
    session_act(sd, SESSION_THEME, 0, 0.0);
    CHECK(sd->theme == SCENE_THEME_LIGHT && strstr(sd->toast, "light"));
    session_act(sd, SESSION_LARGE_TEXT, 0, 0.0);
    CHECK(sd->large_text);
    struct scene out;
    session_scene(sd, &out);
    CHECK(out.theme == SCENE_THEME_LIGHT && out.large_text);
    scene_finish(&out);
    session_act(sd, SESSION_THEME, 0, 0.0);
    session_act(sd, SESSION_LARGE_TEXT, 0, 0.0);
    CHECK(sd->theme == SCENE_THEME_DARK && !sd->large_text);

    struct picture *all[] = {&d, &l, &b};
    for (int i = 0; i < 3; i++) {
        cairo_surface_destroy(all[i]->img);
    }
    struct session *ss[] = {sd, sl, sb};
    for (int i = 0; i < 3; i++) {
        session_finish(ss[i]);
        free(ss[i]);
    }
}

int main(void)
{
    test_palettes();
    test_figures();
    draw_text_finish();
    return check_done("theme");
}

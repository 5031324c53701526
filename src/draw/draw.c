/* draw.c: the figure of a race on a 2-D function, drawn with cairo onto any surface: heatmap,
 * contours, trails, markers, axes, colour bar, legend and loss inset, and their layout. */
#include "draw/draw.h"
#include "draw/explain.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "draw/overlay.h"
#include "draw/text.h"
#include "figure/theme.h"
#include "sim/i18n.h"
#include "sim/util.h"

/* ------------------------------------------------------------------ small helpers */

/* Outline colour around trails and markers: reads on bright and dark parts of the map. */
static const double outline_rgb[3] = {0.08, 0.06, 0.12};

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

static bool finite2(double x, double y)
{
    return isfinite(x) && isfinite(y);
}

/* ======================================================================== fonts */

/* Text itself is text.c's (Pango). */
static void set_font(cairo_t *cr, double size, bool bold, bool italic)
{
    draw_set_font(cr, size, bold, italic);
}

int draw_text_wrapped(cairo_t *cr, double cx, double cy, const char *s, double maxw,
                      double line_h, int maxlines)
{
    enum { MAXL = 16, LEN = 512 };
    char lines[MAXL][LEN];
    int n = 0;
    maxlines = maxlines < 1 ? 1 : maxlines > MAXL ? MAXL : maxlines;
    const char *p = s;
    while (*p && n < maxlines) {
        while (*p == ' ') {
            p++;
        }
        if (!*p) {
            break;
        }
        /* the longest run of whole words from p that fits */
        size_t best = 0, i = 0;
        char try[LEN];
        while (true) {
            while (p[i] && p[i] != ' ') {
                i++;
            }
            size_t len = i < LEN - 1 ? i : LEN - 1;
            memcpy(try, p, len);
            try[len] = '\0';
            if (best > 0 && draw_text_width(cr, try) > maxw) {
                break;
            }
            best = len;
            if (!p[i] || draw_text_width(cr, try) > maxw) {
                break;
            }
            i++;
        }
        bool last = n == maxlines - 1;
        size_t take = last ? strlen(p) : best;
        char piece[LEN];
        size_t plen = take < LEN - 1 ? take : LEN - 1;
        memcpy(piece, p, plen);
        piece[plen] = '\0';
        draw_fit_text(cr, piece, maxw, lines[n], LEN);
        n++;
        p += take;
    }
    for (int k = 0; k < n; k++) {
        draw_text_at(cr, cx, cy + (k - 0.5 * (n - 1)) * line_h, lines[k], 0.5, 0.5);
    }
    return n;
}

/* "10" with a raised exponent k; ha and va as text_at. Returns the width. */
double draw_pow10_label(cairo_t *cr, double x, double y, int k, double size, double ha,
                          double va, bool draw)
{
    char base[8] = "10", ex[16];
    snprintf(ex, sizeof ex, "%d", k);
    if (k < 0) {
        snprintf(ex, sizeof ex, "\xE2\x88\x92%d", -k);   /* a real minus sign */
    }
    set_font(cr, size, false, false);
    double wb = draw_text_width(cr, base);
    set_font(cr, size * 0.68, false, false);
    double we = draw_text_width(cr, ex);
    double w = wb + we + size * 0.04;
    if (draw) {
        double x0 = x - ha * w;
        set_font(cr, size, false, false);
        draw_text_at(cr, x0, y, base, 0.0, va);
        set_font(cr, size * 0.68, false, false);
        draw_text_at(cr, x0 + wb + size * 0.04, y - size * 0.42, ex, 0.0, va);
        set_font(cr, size, false, false);
    }
    return w;
}

/* Tick label with as many decimals as the step needs; never "-0". */
void draw_format_tick(double v, double step, char *buf, size_t len)
{
    int dec = (int)ceil(-log10(step) - 1e-9);
    dec = dec < 0 ? 0 : (dec > 12 ? 12 : dec);
    if (fabs(v) < step * 1e-6) {
        v = 0.0;
    }
    if (fabs(v) >= 1e6 || (fabs(v) > 0 && fabs(v) < 1e-4)) {
        snprintf(buf, len, "%.3g", v);
    } else {
        snprintf(buf, len, "%.*f", dec, v);
    }
    if (buf[0] == '-') {   /* typographic minus, as in the exponents */
        char tmp[64];
        snprintf(tmp, sizeof tmp, "\xE2\x88\x92%s", buf + 1);
        snprintf(buf, len, "%s", tmp);
    }
}

static bool in_rect(const struct figure_rect *r, double x, double y)
{
    return x >= r->x && x <= r->x + r->w && y >= r->y && y <= r->y + r->h;
}

/* Liang-Barsky: clips the segment p0-p1 to r in place; false when nothing is left. */
static bool clip_segment(const struct figure_rect *r, double p0[2], double p1[2])
{
    double dx = p1[0] - p0[0], dy = p1[1] - p0[1];
    double t0 = 0.0, t1 = 1.0;
    double p[4] = {-dx, dx, -dy, dy};
    double q[4] = {p0[0] - r->x, r->x + r->w - p0[0], p0[1] - r->y, r->y + r->h - p0[1]};
    for (int k = 0; k < 4; k++) {
        if (p[k] == 0.0) {
            if (q[k] < 0.0) {
                return false;
            }
            continue;
        }
        double t = q[k] / p[k];
        if (p[k] < 0.0) {
            t0 = t > t0 ? t : t0;
        } else {
            t1 = t < t1 ? t : t1;
        }
        if (t0 > t1) {
            return false;
        }
    }
    double a[2] = {p0[0] + t0 * dx, p0[1] + t0 * dy};
    double b[2] = {p0[0] + t1 * dx, p0[1] + t1 * dy};
    p0[0] = a[0];
    p0[1] = a[1];
    p1[0] = b[0];
    p1[1] = b[1];
    return true;
}

void draw_rounded_rect(cairo_t *cr, double x, double y, double w, double h, double r)
{
    r = fmin(r, 0.5 * fmin(w, h));
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
    cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
    cairo_close_path(cr);
}

/* ------------------------------------------------------------------ palette */

void draw_runner_color(int i, double rgb[3])
{
    figure_runner_rgb(i, rgb);
}

void draw_runner_text_color(int i, double rgb[3])
{
    draw_theme_runner_text_color(SCENE_THEME_DARK, i, rgb);
}

void draw_theme_runner_color(enum scene_theme theme, int i, double rgb[3])
{
    figure_theme_runner_rgb(theme, i, rgb);
}

void draw_theme_runner_text_color(enum scene_theme theme, int i, double rgb[3])
{
    /* Darkened until its relative luminance is low enough to read on white. */
    draw_theme_runner_color(theme, i, rgb);
    double f = 1.0;
    for (int it = 0; it < 20; it++) {
        double l = 0.2126 * rgb[0] * f + 0.7152 * rgb[1] * f + 0.0722 * rgb[2] * f;
        if (l <= 0.36) {
            break;
        }
        f *= 0.9;
    }
    for (int c = 0; c < 3; c++) {
        rgb[c] *= f;
    }
}

/* ------------------------------------------------------------------ field */

/* The objective sampled on an nx x ny grid over view: at pixel centres (heatmaps) or at the
 * corners and edges (contour grids). (ny, nx) row-major, row 0 at the top (ymax). */
static double *sample_field(const struct race *race, const double view[4], int nx, int ny,
                            bool corners)
{
    double *v = xmalloc((size_t)nx * (size_t)ny * sizeof *v);
    double dx = view[1] - view[0], dy = view[3] - view[2];
    for (int j = 0; j < ny; j++) {
        double fy = corners ? (double)j / (ny - 1) : (j + 0.5) / ny;
        double y = view[3] - fy * dy;
        for (int i = 0; i < nx; i++) {
            double fx = corners ? (double)i / (nx - 1) : (i + 0.5) / nx;
            double grad[2];
            v[(size_t)j * nx + i] = race_objective(race, view[0] + fx * dx, y, grad);
        }
    }
    return v;
}

/* ------------------------------------------------------------------ heatmap */

void draw_heatmap(cairo_t *cr, const struct figure_frame *fr, const struct figure_field *fld)
{
    if (!(fr->r.w >= 1.0 && fr->r.h >= 1.0) || !fld->race) {
        return;
    }
    /* Raster resolution: device pixels on image surfaces, a fixed ~400 wide image elsewhere
     * (vector files stay small and the viewer interpolates). */
    int nx, ny;
    cairo_surface_t *target = cairo_get_target(cr);
    if (cairo_surface_get_type(target) == CAIRO_SURFACE_TYPE_IMAGE) {
        double dw = fr->r.w, dh = fr->r.h;
        cairo_user_to_device_distance(cr, &dw, &dh);
        nx = (int)ceil(clampd(fabs(dw), 2.0, 4096.0));
        ny = (int)ceil(clampd(fabs(dh), 2.0, 4096.0));
    } else {
        double a = fr->r.h / fr->r.w;
        nx = a <= 1.0 ? 400 : (int)ceil(400.0 / a);
        ny = a <= 1.0 ? (int)ceil(400.0 * a) : 400;
        nx = nx < 2 ? 2 : nx;
        ny = ny < 2 ? 2 : ny;
    }
    double *v = sample_field(fld->race, fr->view, nx, ny, false);
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, nx, ny);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        free(v);
        return;
    }
    cairo_surface_flush(img);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int j = 0; j < ny; j++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)j * stride);
        for (int i = 0; i < nx; i++) {
            double t = figure_scale_t(&fld->scale, v[(size_t)j * nx + i]);
            /* Clamped like the window's shader; grey where the function is undefined. */
            row[i] = isfinite(t) ? draw_colormap_theme_rgb24(fld->theme, clampd(t, 0.0, 1.0))
                                 : 0x808080u;
        }
    }
    cairo_surface_mark_dirty(img);
    free(v);

    cairo_save(cr);
    cairo_rectangle(cr, fr->r.x, fr->r.y, fr->r.w, fr->r.h);
    cairo_clip(cr);
    cairo_translate(cr, fr->r.x, fr->r.y);
    cairo_scale(cr, fr->r.w / nx, fr->r.h / ny);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_t *pat = cairo_get_source(cr);
    cairo_pattern_set_extend(pat, CAIRO_EXTEND_PAD);
    cairo_pattern_set_filter(pat, CAIRO_FILTER_BILINEAR);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
}

/* ------------------------------------------------------------------ contours */

struct contour_ctx {
    cairo_t *cr;                    /* target */
    const struct figure_rect *r;      /* plot rectangle the grid spans */
    int nx, ny;                     /* grid size */
};

static void contour_segment(void *ud, double x0, double y0, double x1, double y1)
{
    struct contour_ctx *c = ud;
    double sx = c->r->w / (c->nx - 1), sy = c->r->h / (c->ny - 1);
    cairo_move_to(c->cr, c->r->x + x0 * sx, c->r->y + y0 * sy);
    cairo_line_to(c->cr, c->r->x + x1 * sx, c->r->y + y1 * sy);
}

void draw_contours(cairo_t *cr, const struct figure_frame *fr, const struct figure_field *f,
                   int nlevels, double font)
{
    if (nlevels < 2 || !(fr->r.w >= 2.0 && fr->r.h >= 2.0) || !f->race) {
        return;
    }
    const struct figure_scale *scale = &f->scale;
    /* A cell of ~3 units: smooth curves without millions of segments. */
    int nx = (int)clampd(fr->r.w / 3.0, 24.0, 360.0);
    int ny = (int)clampd(fr->r.h / 3.0, 24.0, 360.0);
    double *fv = sample_field(f->race, fr->view, nx, ny, true);
    for (size_t k = 0; k < (size_t)nx * ny; k++) {
        fv[k] = figure_scale_t(scale, fv[k]);   /* contour in colour units */
    }
    struct contour_ctx ctx = {cr, &fr->r, nx, ny};
    cairo_save(cr);
    cairo_rectangle(cr, fr->r.x, fr->r.y, fr->r.w, fr->r.h);
    cairo_clip(cr);
    cairo_set_line_width(cr, fmax(0.75, 0.065 * font));
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (int l = 1; l < nlevels; l++) {
        double t = (double)l / nlevels;
        cairo_new_path(cr);
        draw_contour_grid(fv, nx, ny, t, contour_segment, &ctx);
        /* Light lines on the dark end, dark lines on the bright end (the theme's). */
        const struct figure_theme *th = figure_theme_of(f->theme);
        const double *c = t < 0.62 ? th->isoline_low : th->isoline_high;
        cairo_set_source_rgba(cr, c[0], c[1], c[2], c[3]);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
    free(fv);
}

/* ------------------------------------------------------------------ trails and markers */

/* What is stroked over the plot (paths, arrows, lines): cr saved, clipped to the plot, round
 * joins and caps; the caller restores cr. Returns the plot's frame. */
static struct figure_frame plot_strokes_begin(cairo_t *cr, const struct figure *fig)
{
    struct figure_frame fr = figure_plot_frame(fig);
    cairo_save(cr);
    cairo_rectangle(cr, fr.r.x, fr.r.y, fr.r.w, fr.r.h);
    cairo_clip(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    return fr;
}

/* Strokes runner's path from point `from` on, segments clipped to `clip` (in user units) and broken at non-finite
 * points, in the colour rgb at width lw (outline: outline_rgb at lw + 2*ow). Each segment is
 * lw times figure_lr_width of its end point's learning rate: runs of equal width are one
 * stroke. Returns the number of segments. */
static int trail_stroke(cairo_t *cr, const struct figure_frame *fr, const struct traj *t,
                        size_t from, const struct figure_rect *clip, double lr_ref,
                        const double rgb[3], double lw, double ow, bool outline)
{
    size_t n = traj_count(t);
    bool have_prev = false, pen = false;
    double prev[2] = {0, 0}, pen_at[2] = {0, 0};
    double run_w = -1.0;   /* width factor of the run being built; < 0: none yet */
    int segs = 0;
    if (outline) {
        cairo_set_source_rgb(cr, outline_rgb[0], outline_rgb[1], outline_rgb[2]);
    } else {
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
    }
    cairo_new_path(cr);
    for (size_t i = from; i < n; i++) {
        struct traj_point p = traj_get(t, i);
        double u[2];
        if (!finite2(p.x, p.y)) {
            have_prev = false;
            continue;
        }
        figure_frame_map(fr, p.x, p.y, u);
        if (!finite2(u[0], u[1])) {
            have_prev = false;
            continue;
        }
        /* A point within half a pixel of the last one drawn changes no pixel worth
         * a join: 1,500-step paths cost what their pixels do, not what their steps do. */
        if (have_prev && i + 1 < n && fabs(u[0] - prev[0]) < 0.5 &&
            fabs(u[1] - prev[1]) < 0.5) {
            continue;
        }
        if (have_prev) {
            double a[2] = {prev[0], prev[1]}, b[2] = {u[0], u[1]};
            if (clip_segment(clip, a, b)) {
                double w = figure_lr_width(p.lr, lr_ref);
                if (run_w >= 0.0 && w != run_w) {
                    cairo_set_line_width(cr, lw * run_w + (outline ? 2.0 * ow : 0.0));
                    cairo_stroke(cr);
                    pen = false;
                }
                run_w = w;
                if (!pen || a[0] != pen_at[0] || a[1] != pen_at[1]) {
                    cairo_move_to(cr, a[0], a[1]);
                }
                cairo_line_to(cr, b[0], b[1]);
                pen = true;
                pen_at[0] = b[0];
                pen_at[1] = b[1];
                segs++;
            }
        }
        prev[0] = u[0];
        prev[1] = u[1];
        have_prev = true;
    }
    cairo_set_line_width(cr, lw * (run_w >= 0.0 ? run_w : 1.0) + (outline ? 2.0 * ow : 0.0));
    cairo_stroke(cr);
    return segs;
}

static void stroke_outlined(cairo_t *cr, const double rgb[3], double lw, double ow)
{
    cairo_set_source_rgb(cr, outline_rgb[0], outline_rgb[1], outline_rgb[2]);
    cairo_set_line_width(cr, lw + 2.0 * ow);
    cairo_stroke_preserve(cr);
    cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
    cairo_set_line_width(cr, lw);
    cairo_stroke(cr);
}

static void end_dot(cairo_t *cr, double x, double y, double r, const double rgb[3], double ow)
{
    cairo_new_path(cr);
    cairo_arc(cr, x, y, r, 0, 2 * M_PI);
    cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, outline_rgb[0], outline_rgb[1], outline_rgb[2]);
    cairo_set_line_width(cr, ow);
    cairo_stroke(cr);
}

static void end_cross(cairo_t *cr, double x, double y, double r, const double rgb[3],
                      double lw, double ow)
{
    cairo_new_path(cr);
    cairo_move_to(cr, x - r, y - r);
    cairo_line_to(cr, x + r, y + r);
    cairo_move_to(cr, x + r, y - r);
    cairo_line_to(cr, x - r, y + r);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    stroke_outlined(cr, rgb, lw, ow);
}

static double outline_width(double lw)
{
    return 0.35 * lw + 0.6;
}

/* The point of t at least `px` pixels of path back from point k (0 at the latest). */
static size_t back_along(const struct figure_frame *fr, const struct traj *t, size_t k, double px)
{
    double u[2], v[2];
    struct traj_point p = traj_get(t, k);
    figure_frame_map(fr, p.x, p.y, u);
    double run = 0.0;
    while (k > 0 && run < px) {
        p = traj_get(t, k - 1);
        figure_frame_map(fr, p.x, p.y, v);
        if (!finite2(v[0], v[1]) || !finite2(u[0], u[1])) {
            return k - 1;   /* a break in the path: nothing before it touches point k */
        }
        run += hypot(v[0] - u[0], v[1] - u[1]);
        u[0] = v[0];
        u[1] = v[1];
        k--;
    }
    return k;
}

/* One path: the line, outlined, and a dot at every step long enough to see (figure's rule);
 * from > 0: only what points from..n add to a drawing that holds points 0..from-1 (the
 * outline from point from-1 on, and the line and dots again from as far back as that
 * outline's cap reaches, so the joint shows no seam). */
static void draw_one_path(cairo_t *cr, const struct figure_frame *fr,
                          const struct figure_path *p, enum scene_theme theme, size_t from)
{
    double rgb[3];
    draw_theme_runner_color(theme, p->color, rgb);
    double lw = p->width, ow = outline_width(lw);
    /* Clip the geometry to the plot: far-away points (a diverging runner) would overflow
     * cairo's fixed-point coordinates. */
    struct figure_rect clip = fr->r;
    size_t n = traj_count(p->traj);
    size_t out_from = from > 0 ? from - 1 : 0;
    size_t line_from = from > 0 ? back_along(fr, p->traj, out_from, 2.0 * (lw + 2.0 * ow)) : 0;
    trail_stroke(cr, fr, p->traj, out_from, &clip, p->lr_ref, rgb, lw, ow, true);
    trail_stroke(cr, fr, p->traj, line_from, &clip, p->lr_ref, rgb, lw, ow, false);

    double dot = figure_dot_size(lw);
    for (size_t k = line_from > 1 ? line_from - 1 : 1; k < n; k++) {
        struct traj_point a = traj_get(p->traj, k - 1), b = traj_get(p->traj, k);
        if (!finite2(b.x, b.y) || !figure_step_dot(fr, a.x, a.y, b.x, b.y, dot)) {
            continue;
        }
        double u[2];
        figure_frame_map(fr, b.x, b.y, u);
        if (finite2(u[0], u[1]) && in_rect(&fr->r, u[0], u[1])) {
            end_dot(cr, u[0], u[1], 0.5 * dot, rgb, 0.5 * ow);
        }
    }
}

/* The paths of fig, path k from point since[k] on (since NULL: every path whole). */
static void paths_from(cairo_t *cr, const struct figure *fig, const size_t *since)
{
    struct figure_frame fr = plot_strokes_begin(cr, fig);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < fig->npaths; i++) {
            const struct figure_path *p = &fig->path[i];
            if (p->highlight != (pass == 1) || !p->traj) {
                continue;
            }
            size_t from = since ? since[i] : 0;
            if (from > 0 && from >= traj_count(p->traj)) {
                continue;   /* nothing new */
            }
            if (p->dimmed) {
                /* Dim the others: a group keeps line and outline one translucent layer. */
                cairo_push_group(cr);
                draw_one_path(cr, &fr, p, fig->theme, from);
                cairo_pop_group_to_source(cr);
                cairo_paint_with_alpha(cr, 0.7);
            } else {
                draw_one_path(cr, &fr, p, fig->theme, from);
            }
        }
    }
    cairo_restore(cr);
}

void draw_paths(cairo_t *cr, const struct figure *fig)
{
    paths_from(cr, fig, NULL);
}

static void star_path(cairo_t *cr, double x, double y, double r)
{
    cairo_new_path(cr);
    for (int k = 0; k < 10; k++) {
        double a = -M_PI / 2 + k * M_PI / 5;
        double rr = (k % 2) ? 0.45 * r : r;
        if (k == 0) {
            cairo_move_to(cr, x + rr * cos(a), y + rr * sin(a));
        } else {
            cairo_line_to(cr, x + rr * cos(a), y + rr * sin(a));
        }
    }
    cairo_close_path(cr);
}

void draw_markers(cairo_t *cr, const struct figure *fig)
{
    struct figure_frame fr = figure_plot_frame(fig);
    double font = fig->lay.font;
    cairo_save(cr);
    /* Markers on the edge of the view stay whole. */
    cairo_rectangle(cr, fr.r.x - font, fr.r.y - font, fr.r.w + 2 * font, fr.r.h + 2 * font);
    cairo_clip(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (int k = 0; k < fig->nmarkers; k++) {
        const struct figure_marker *m = &fig->marker[k];
        double u[2];
        figure_frame_map(&fr, m->x, m->y, u);
        if (!finite2(u[0], u[1]) || !in_rect(&fr.r, u[0], u[1])) {
            continue;
        }
        double rgb[3] = {1.0, 1.0, 1.0};
        if (m->color >= 0) {
            draw_theme_runner_color(fig->theme, m->color, rgb);
        }
        double r = 0.5 * m->size, ow = 0.07 * font + 0.6;
        switch (m->shape) {
        case FIGURE_MARK_DISC:
            end_dot(cr, u[0], u[1], r, rgb, ow);
            break;
        case FIGURE_MARK_RING:
            cairo_new_path(cr);
            cairo_arc(cr, u[0], u[1], r, 0, 2 * M_PI);
            stroke_outlined(cr, rgb, 0.3 * r, ow);
            break;
        case FIGURE_MARK_CROSS:
            end_cross(cr, u[0], u[1], 0.75 * r, rgb, 0.3 * r, ow);
            break;
        case FIGURE_MARK_STAR:
            star_path(cr, u[0], u[1], r);
            cairo_set_source_rgb(cr, outline_rgb[0], outline_rgb[1], outline_rgb[2]);
            cairo_set_line_width(cr, 0.16 * font + 1.0);
            cairo_stroke_preserve(cr);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_fill(cr);
            break;
        }
    }
    cairo_restore(cr);
}

void draw_arrows(cairo_t *cr, const struct figure *fig)
{
    struct figure_frame fr = plot_strokes_begin(cr, fig);
    for (int k = 0; k < fig->narrows; k++) {
        const struct figure_arrow *a = &fig->arrow[k];
        double u[2], v[2];
        figure_frame_map(&fr, a->x, a->y, u);
        /* Direction on screen: y flips. */
        double sx = a->dx * fr.r.w / (fr.view[1] - fr.view[0]);
        double sy = -a->dy * fr.r.h / (fr.view[3] - fr.view[2]);
        double n = hypot(sx, sy);
        if (!(n > 0.0) || !isfinite(n) || !finite2(u[0], u[1])) {
            continue;
        }
        double ux = sx / n, uy = sy / n, L = a->len;
        double hd = fmin(0.32 * L, 14.0);
        v[0] = u[0] + ux * L;
        v[1] = u[1] + uy * L;
        cairo_new_path(cr);
        cairo_move_to(cr, u[0], u[1]);
        cairo_line_to(cr, v[0], v[1]);
        cairo_move_to(cr, v[0] - hd * (ux * 0.87 - uy * 0.5), v[1] - hd * (uy * 0.87 + ux * 0.5));
        cairo_line_to(cr, v[0], v[1]);
        cairo_line_to(cr, v[0] - hd * (ux * 0.87 + uy * 0.5), v[1] - hd * (uy * 0.87 - ux * 0.5));
        stroke_outlined(cr, a->rgb, 3.0, 1.5);
    }
    cairo_restore(cr);
}

/* ------------------------------------------------------------------ axes and colour bar */

/* Text and frames in the theme's ink (th->ink), secondary text in th->ink_soft. */

void draw_axes(cairo_t *cr, const struct figure_frame *fr, double font, enum scene_theme theme)
{
    const struct figure_theme *th = figure_theme_of(theme);
    const struct figure_rect *r = &fr->r;
    cairo_save(cr);
    cairo_set_source_rgb(cr, th->ink[0], th->ink[1], th->ink[2]);
    cairo_set_line_width(cr, fmax(1.0, 0.07 * font));
    cairo_rectangle(cr, r->x, r->y, r->w, r->h);
    cairo_stroke(cr);

    double tick = 0.4 * font;
    double size = 0.9 * font;
    set_font(cr, size, false, false);
    double maxw = 0.0;
    for (int axis = 0; axis < 2; axis++) {
        double lo = fr->view[2 * axis], hi = fr->view[2 * axis + 1];
        double len = axis == 0 ? r->w : r->h;
        int target = (int)clampd(len / (4.5 * font), 2.0, 10.0);
        double step = figure_nice_step(hi - lo, target);
        double first = ceil(lo / step - 1e-9) * step;
        for (int k = 0; k < 200; k++) {
            double v = first + k * step;
            if (v > hi + step * 1e-9) {
                break;
            }
            double u[2];
            figure_frame_map(fr, axis == 0 ? v : fr->view[0], axis == 0 ? fr->view[2] : v, u);
            char buf[64];
            draw_format_tick(v, step, buf, sizeof buf);
            if (axis == 0) {
                cairo_move_to(cr, u[0], r->y + r->h);
                cairo_line_to(cr, u[0], r->y + r->h + tick);
                cairo_stroke(cr);
                draw_text_at(cr, u[0], r->y + r->h + tick + 0.35 * font, buf, 0.5, 1.0);
            } else {
                cairo_move_to(cr, r->x, u[1]);
                cairo_line_to(cr, r->x - tick, u[1]);
                cairo_stroke(cr);
                draw_text_at(cr, r->x - tick - 0.3 * font, u[1], buf, 1.0, 0.5);
                maxw = fmax(maxw, draw_text_width(cr, buf));
            }
        }
    }
    set_font(cr, 1.05 * font, false, true);
    draw_text_at(cr, r->x + 0.5 * r->w, r->y + r->h + tick + 1.45 * font, "x", 0.5, 1.0);
    draw_text_at(cr, r->x - tick - 0.3 * font - maxw - 0.6 * font, r->y + 0.5 * r->h, "y", 1.0, 0.5);
    cairo_restore(cr);
}

void draw_colorbar(cairo_t *cr, const struct figure_rect *r, const struct figure_scale *scale,
                   double font, enum scene_theme theme)
{
    const struct figure_theme *th = figure_theme_of(theme);
    if (!(r->w > 0 && r->h > 0)) {
        return;
    }
    cairo_save(cr);
    cairo_pattern_t *grad = cairo_pattern_create_linear(0, r->y + r->h, 0, r->y);
    for (int k = 0; k <= 32; k++) {
        double rgb[3];
        draw_colormap_theme(theme, k / 32.0, rgb);
        cairo_pattern_add_color_stop_rgb(grad, k / 32.0, rgb[0], rgb[1], rgb[2]);
    }
    cairo_rectangle(cr, r->x, r->y, r->w, r->h);
    cairo_set_source(cr, grad);
    cairo_fill_preserve(cr);
    cairo_pattern_destroy(grad);
    cairo_set_source_rgb(cr, th->ink[0], th->ink[1], th->ink[2]);
    cairo_set_line_width(cr, fmax(1.0, 0.06 * font));
    cairo_stroke(cr);

    double size = 0.85 * font;
    double tick = 0.3 * font;
    double x = r->x + r->w;
    set_font(cr, size, false, false);
    if (scale->log) {
        int k0 = (int)ceil(scale->lo - 1e-9), k1 = (int)floor(scale->hi + 1e-9);
        int every = 1 + (k1 - k0) / 7;
        for (int k = k0; k <= k1; k++) {
            if ((k - k0) % every != 0) {
                continue;
            }
            double y = r->y + r->h - (k - scale->lo) / (scale->hi - scale->lo) * r->h;
            cairo_move_to(cr, x, y);
            cairo_line_to(cr, x + tick, y);
            cairo_stroke(cr);
            draw_pow10_label(cr, x + tick + 0.25 * font, y, k, size, 0.0, 0.5, true);
        }
    } else {
        double step = figure_nice_step(scale->hi - scale->lo, (int)clampd(r->h / (3 * font), 2, 8));
        double first = ceil(scale->lo / step - 1e-9) * step;
        for (int k = 0; k < 100; k++) {
            double v = first + k * step;
            if (v > scale->hi + step * 1e-9) {
                break;
            }
            double y = r->y + r->h - (v - scale->lo) / (scale->hi - scale->lo) * r->h;
            char buf[64];
            draw_format_tick(v, step, buf, sizeof buf);
            cairo_move_to(cr, x, y);
            cairo_line_to(cr, x + tick, y);
            cairo_stroke(cr);
            draw_text_at(cr, x + tick + 0.25 * font, y, buf, 0.0, 0.5);
        }
    }
    /* Name of the quantity, above the bar. On a log scale the bar shows f - min f; say so
     * unless the minimum is negligible next to the smallest value shown. */
    const char *name = "f(x, y)";
    if (scale->log && fabs(scale->fmin) > 0.1 * pow(10.0, scale->lo)) {
        name = "f \xE2\x88\x92 min f";
    }
    set_font(cr, 0.85 * font, false, true);
    draw_text_at(cr, r->x, r->y - 0.55 * font, name, 0.0, 0.0);
    cairo_restore(cr);
}

/* ------------------------------------------------------------------ legend */

static void legend_swatch(cairo_t *cr, double x, double y, double w, int i, double font,
                          bool diverged, enum scene_theme theme)
{
    double rgb[3];
    draw_theme_runner_color(theme, i, rgb);
    double lw = 0.17 * font, ow = 0.07 * font + 0.6;
    cairo_new_path(cr);
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, x + w, y);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    stroke_outlined(cr, rgb, lw, ow);
    if (diverged) {
        end_cross(cr, x + w, y, 0.32 * font, rgb, 0.15 * font, ow);
    } else {
        end_dot(cr, x + w, y, 0.32 * font, rgb, ow);
    }
}

void draw_legend(cairo_t *cr, const struct figure_rect *r, const struct figure *fig,
                 double font, bool boxed)
{
    int n = fig->nentries;
    if (n <= 0 || !(r->w > 0 && r->h > 0)) {
        return;
    }
    const struct figure_theme *th = figure_theme_of(fig->theme);
    cairo_save(cr);
    double pad = 0.6 * font;
    /* Two lines per runner (one in a compact legend: the label, in the runner's colour when
     * it diverged); shrink the text when they do not fit. */
    bool compact = fig->lay.legend_compact;
    double row = compact ? FIGURE_LEGEND_COMPACT_ROW : 2.55;
    double f = font;
    double need = n * row * f + 2 * pad;
    if (need > r->h) {
        f = fmax(0.5 * font, font * (r->h - 2 * pad) / (n * row * font));
    }
    draw_rounded_rect(cr, r->x, r->y, r->w, r->h, 0.4 * font);
    cairo_set_source_rgba(cr, th->card[0], th->card[1], th->card[2], boxed ? 0.88 : 1.0);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, th->ink[0], th->ink[1], th->ink[2], boxed ? 0.6 : 0.25);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
    double x = r->x + pad, y = r->y + pad;
    double sw = 2.0 * f;                   /* swatch length */
    double tx = x + sw + 0.9 * f;          /* text column */
    double maxw = r->x + r->w - pad - tx;
    for (int i = 0; i < n; i++) {
        const struct figure_entry *e = &fig->entry[i];
        double h = row * f;
        if (e->highlight) {
            draw_rounded_rect(cr, x - 0.3 * f, y, r->x + r->w - pad - x + 0.6 * f,
                              h - 0.25 * f, 0.3 * f);
            cairo_set_source_rgba(cr, 0.2, 0.35, 0.9, 0.14);
            cairo_fill(cr);
        }
        double y1 = y + 1.05 * f;          /* label baseline */
        double y2 = y + 2.05 * f;          /* detail baseline */
        if (e->hidden) {
            cairo_push_group(cr);
        }
        legend_swatch(cr, x + 0.3 * f, y1 - 0.36 * f, sw - 0.3 * f, e->color, f, e->diverged,
                      fig->theme);

        char buf[160];
        /* A long label gets smaller text when that fits it whole (down to 80%), else it loses
         * arguments ("momentum(lr=3e-05, \u2026)") unless that makes it read as another
         * runner's (then down to 65%), else an ellipsis. */
        const char *label = e->label[0] ? e->label : "?";
        const char *tail = ", \xE2\x80\xA6)";
        set_font(cr, f, e->highlight, false);
        double lw = draw_text_width(cr, label);
        bool items = true;
        if (lw > maxw && maxw / lw < 0.8) {
            draw_fit_items(cr, label, ", ", tail, maxw, buf, sizeof buf);
            size_t kept = strlen(buf) >= strlen(tail) ? strlen(buf) - strlen(tail) : 0;
            for (int j = 0; j < n && kept > 0; j++) {
                items = items && (j == i || strncmp(fig->entry[j].label, label, kept) != 0);
            }
        }
        double least = items ? 0.8 : 0.65;   /* telling runners apart comes first */
        if (lw > maxw && (maxw / lw >= least || !items)) {
            /* text widths do not scale exactly with the size (hinting): a few tries */
            for (double k = fmax(maxw / lw, least); k > 0.95 * least; k *= 0.98) {
                set_font(cr, f * k, e->highlight, false);
                if (draw_text_width(cr, label) <= maxw) {
                    break;
                }
            }
        }
        cairo_set_source_rgb(cr, th->ink[0], th->ink[1], th->ink[2]);
        if (compact && e->diverged) {
            double rgb[3];
            draw_theme_runner_text_color(fig->theme, e->color, rgb);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        }
        if (items) {
            draw_fit_items(cr, label, ", ", tail, maxw, buf, sizeof buf);
        } else {
            draw_fit_text(cr, label, maxw, buf, sizeof buf);
        }
        draw_text_at(cr, tx, y1, buf, 0.0, 0.0);

        if (compact) {
            /* no detail line */
        } else if (e->diverged) {
            double rgb[3];
            draw_theme_runner_text_color(fig->theme, e->color, rgb);
            set_font(cr, 0.82 * f, true, false);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        } else {
            set_font(cr, 0.82 * f, false, false);
            cairo_set_source_rgb(cr, th->ink_soft[0], th->ink_soft[1], th->ink_soft[2]);
        }
        if (!compact) {
            draw_fit_text(cr, e->detail, maxw, buf, sizeof buf);
            draw_text_at(cr, tx, y2, buf, 0.0, 0.0);
        }
        if (e->hidden) {
            cairo_pop_group_to_source(cr);
            cairo_paint_with_alpha(cr, 0.4);
        }
        y += h;
    }
    cairo_restore(cr);
}

/* ------------------------------------------------------------------ loss inset */

/* The loss plot's y for a loss: log10(loss) on a log axis, the loss itself on a linear one
 * (used when some loss is not positive: a function unbounded below, a saddle escaped). */
static double inset_y(double loss, bool log_axis)
{
    if (!isfinite(loss)) {
        return NAN;
    }
    if (!log_axis) {
        return loss;
    }
    return loss > 0.0 ? log10(loss) : NAN;
}

/* A series' polyline (the path built on cr) stroked in its runner's colour over an outline,
 * and a cross at last (inside plot area a) when it diverged; last NULL: no point drawn. */
static void stroke_series(cairo_t *cr, const struct figure *fig, const struct figure_series *sr,
                          const struct figure_rect *a, double font, const double *last)
{
    double rgb[3];
    draw_theme_runner_color(fig->theme, sr->color, rgb);
    double lw = (sr->highlight ? 0.2 : 0.12) * font;
    stroke_outlined(cr, rgb, lw, 0.045 * font + 0.5);
    if (sr->diverged && last) {
        double cx = clampd(last[0], a->x + 0.35 * font, a->x + a->w - 0.35 * font);
        double cy = clampd(last[1], a->y + 0.35 * font, a->y + a->h - 0.35 * font);
        end_cross(cr, cx, cy, 0.3 * font, rgb, 0.12 * font, 0.5);
    }
}
void draw_loss_inset(cairo_t *cr, const struct figure_rect *r, const struct figure *fig,
                     double font)
{
    if (!(r->w > 4 * font && r->h > 4 * font)) {
        return;
    }
    const struct figure_theme *th = figure_theme_of(fig->theme);
    /* A diverged runner's exploding losses would squash everyone else's curves: only its
     * start counts for the range, and its curve leaves through the top. */
    double lmin = INFINITY, lmax = -INFINITY;
    long smax = fig->series_steps > 1 ? fig->series_steps : 1;
    for (int i = 0; i < fig->nseries; i++) {
        const struct figure_series *sr = &fig->series[i];
        for (size_t k = 0; k < sr->n; k++) {
            if (isfinite(sr->pts[k].loss) && (k == 0 || !sr->diverged)) {
                lmin = fmin(lmin, sr->pts[k].loss);
                lmax = fmax(lmax, sr->pts[k].loss);
            }
        }
    }
    bool log_axis = figure_series_log_axis(fig);
    double y0 = -1.0, y1 = 1.0;   /* axis range: decades (log) or loss (linear) */
    double ystep = 1.0;
    if (isfinite(lmin) && log_axis) {
        y0 = floor(log10(lmin) + 1e-9);
        y1 = ceil(log10(lmax) - 1e-9);
        if (y1 <= y0) {
            y1 = y0 + 1;
        }
        if (y1 - y0 > 16) {
            y0 = y1 - 16;
        }
    } else if (isfinite(lmin)) {
        /* about four labels, fewer when the plot (its height, below) is short for them */
        ystep = figure_nice_step(lmax - lmin, (int)clampd((r->h - 4.9 * font) / (2.2 * font),
                                                          2.0, 4.0));
        y0 = floor(lmin / ystep) * ystep;
        y1 = ceil(lmax / ystep) * ystep;
        if (y1 <= y0) {
            y1 = y0 + ystep;
        }
    }

    cairo_save(cr);
    /* Card and title. */
    draw_rounded_rect(cr, r->x, r->y, r->w, r->h, 0.4 * font);
    cairo_set_source_rgb(cr, 0.975, 0.975, 0.98);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, th->ink[0], th->ink[1], th->ink[2], 0.5);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
    double size = 0.8 * font;
    const char *title = log_axis ? _("loss (log scale)") : _("loss (linear: some losses \xE2\x89\xA4 0)");
    set_font(cr, 0.9 * font, true, false);
    cairo_set_source_rgb(cr, th->ink[0], th->ink[1], th->ink[2]);
    char buf[128];
    draw_fit_text(cr, title, r->w - 1.2 * font, buf, sizeof buf);
    draw_text_at(cr, r->x + 0.6 * font, r->y + 0.6 * font, buf, 0.0, 1.0);

    /* Plot area inside the card: room for y labels left, step labels and name below. */
    /* A short card (large text) leaves out the axis name "step" for the curves' sake. */
    bool short_card = r->h - 4.9 * font < 4.0 * font;
    struct figure_rect a = {r->x + (log_axis ? 3.4 : 4.4) * font, r->y + 2.0 * font, 0, 0};
    a.w = r->x + r->w - 0.9 * font - a.x;
    a.h = r->y + r->h - (short_card ? 1.8 : 2.9) * font - a.y;
    if (a.w < 2 * font || a.h < 2 * font) {
        cairo_restore(cr);
        return;
    }
    cairo_rectangle(cr, a.x, a.y, a.w, a.h);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, th->ink[0], th->ink[1], th->ink[2]);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);

    /* Grid lines and labels: decades, or 1-2-5 steps. */
    set_font(cr, size, false, false);
    if (log_axis) {
        /* At most about five labels, and never closer than 1.4 lines (large text). */
        int every = 1 + (int)((y1 - y0) / 5);
        double gap = a.h / (y1 - y0);
        if (every * gap < 1.4 * size) {
            every = (int)ceil(1.4 * size / gap);
        }
        for (int k = (int)y0; k <= (int)y1; k++) {
            double y = a.y + a.h - (k - y0) / (y1 - y0) * a.h;
            if ((k - (int)y0) % every != 0) {
                continue;
            }
            cairo_set_source_rgba(cr, th->ink[0], th->ink[1], th->ink[2], 0.15);
            cairo_move_to(cr, a.x, y);
            cairo_line_to(cr, a.x + a.w, y);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, th->ink[0], th->ink[1], th->ink[2]);
            draw_pow10_label(cr, a.x - 0.35 * font, y, k, size, 1.0, 0.5, true);
        }
    } else {
        for (int k = 0; k < 50; k++) {
            double v = y0 + k * ystep;
            if (v > y1 + 1e-9 * ystep) {
                break;
            }
            double y = a.y + a.h - (v - y0) / (y1 - y0) * a.h;
            cairo_set_source_rgba(cr, th->ink[0], th->ink[1], th->ink[2], 0.15);
            cairo_move_to(cr, a.x, y);
            cairo_line_to(cr, a.x + a.w, y);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, th->ink[0], th->ink[1], th->ink[2]);
            draw_format_tick(v, ystep, buf, sizeof buf);
            draw_text_at(cr, a.x - 0.35 * font, y, buf, 1.0, 0.5);
        }
    }
    double step = figure_nice_step((double)smax, (int)clampd(a.w / (4.0 * font), 2, 6));
    for (int k = 0; k < 100; k++) {
        double v = k * step;
        if (v > smax + step * 1e-9) {
            break;
        }
        double x = a.x + v / smax * a.w;
        cairo_set_source_rgb(cr, th->ink[0], th->ink[1], th->ink[2]);
        cairo_move_to(cr, x, a.y + a.h);
        cairo_line_to(cr, x, a.y + a.h + 0.3 * font);
        cairo_stroke(cr);
        draw_format_tick(v, step, buf, sizeof buf);
        draw_text_at(cr, x, a.y + a.h + 0.55 * font, buf, 0.5, 1.0);
    }
    set_font(cr, size, false, true);
    if (!short_card) {
        draw_text_at(cr, a.x + 0.5 * a.w, a.y + a.h + 1.75 * font, _("step"), 0.5, 1.0);
    }

    /* Curves, highlighted one last. */
    cairo_rectangle(cr, a.x, a.y, a.w, a.h);
    cairo_clip(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    double span = y1 - y0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < fig->nseries; i++) {
            const struct figure_series *sr = &fig->series[i];
            if (sr->highlight != (pass == 1)) {
                continue;
            }
            bool pen = false, have_last = false;
            double last[2] = {0, 0};
            cairo_new_path(cr);
            for (size_t k = 0; k < sr->n; k++) {
                struct traj_point p = sr->pts[k];
                double ly = inset_y(p.loss, log_axis);
                if (!isfinite(ly)) {
                    pen = false;
                    continue;
                }
                ly = clampd(ly, y0 - 0.1 * span, y1 + 0.1 * span);   /* pinned just outside */
                double x = a.x + (double)p.step / smax * a.w;
                double y = a.y + a.h - (ly - y0) / span * a.h;
                if (pen) {
                    cairo_line_to(cr, x, y);
                } else {
                    cairo_move_to(cr, x, y);
                }
                pen = true;
                have_last = true;
                last[0] = x;
                last[1] = y;
            }
            stroke_series(cr, fig, sr, &a, font, have_last ? last : NULL);
        }
    }
    cairo_restore(cr);
}

/* ------------------------------------------------------------------ lr plot */

void draw_lr_plot(cairo_t *cr, const struct figure_rect *r, const struct figure *fig,
                  double font)
{
    const struct figure_theme *th = figure_theme_of(fig->theme);
    const double *ink = th->ink;
    if (!(r->w > 4 * font && r->h > 4 * font)) {
        return;
    }
    /* Decades that hold every positive lr shown, at most 3 of them below the largest (a
     * schedule decaying to 0 leaves through the bottom instead of squashing the rest). */
    double lmin = INFINITY, lmax = -INFINITY;
    long smax = fig->series_steps > 1 ? fig->series_steps : 1;
    for (int i = 0; i < fig->nseries; i++) {
        const struct figure_series *sr = &fig->series[i];
        for (size_t k = 0; k < sr->n; k++) {
            double lr = sr->pts[k].lr;
            if (isfinite(lr) && lr > 0.0) {
                lmin = fmin(lmin, lr);
                lmax = fmax(lmax, lr);
            }
        }
    }
    double y0 = -3.0, y1 = -1.0;
    if (isfinite(lmin)) {
        y0 = floor(log10(lmin) - 0.1);   /* a constant lr of 0.01 is not on the frame */
        y1 = ceil(log10(lmax) + 0.1);
        if (y1 - y0 > 3) {
            y0 = y1 - 3;
        }
    }
    cairo_save(cr);
    draw_rounded_rect(cr, r->x, r->y, r->w, r->h, 0.4 * font);
    cairo_set_source_rgb(cr, th->card[0], th->card[1], th->card[2]);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, ink[0], ink[1], ink[2], 0.5);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
    double size = 0.8 * font;
    set_font(cr, 0.9 * font, true, false);
    cairo_set_source_rgb(cr, ink[0], ink[1], ink[2]);
    char buf[128];
    draw_fit_text(cr, _("learning rate (log scale)"), r->w - 1.2 * font, buf, sizeof buf);
    draw_text_at(cr, r->x + 0.6 * font, r->y + 0.6 * font, buf, 0.0, 1.0);
    struct figure_rect a = {r->x + 3.4 * font, r->y + 2.0 * font, 0, 0};
    a.w = r->x + r->w - 0.9 * font - a.x;
    a.h = r->y + r->h - 1.7 * font - a.y;
    if (a.w < 2 * font || a.h < 1.5 * font) {
        cairo_restore(cr);
        return;
    }
    cairo_rectangle(cr, a.x, a.y, a.w, a.h);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, ink[0], ink[1], ink[2]);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
    set_font(cr, size, false, false);
    /* as many decade labels as fit, about 1.3 text lines apart */
    int every = 1 + (int)((y1 - y0) * 1.3 * size / fmax(a.h, 1.0));
    for (int k = (int)y0; k <= (int)y1; k++) {
        double y = a.y + a.h - (k - y0) / (y1 - y0) * a.h;
        if (((int)y1 - k) % every != 0) {
            continue;
        }
        cairo_set_source_rgba(cr, ink[0], ink[1], ink[2], 0.15);
        cairo_move_to(cr, a.x, y);
        cairo_line_to(cr, a.x + a.w, y);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, ink[0], ink[1], ink[2]);
        draw_pow10_label(cr, a.x - 0.35 * font, y, k, size, 1.0, 0.5, true);
    }
    double step = figure_nice_step((double)smax, (int)clampd(a.w / (4.0 * font), 2, 6));
    for (int k = 0; k < 100; k++) {
        double v = k * step;
        if (v > smax + step * 1e-9) {
            break;
        }
        double x = a.x + v / smax * a.w;
        cairo_set_source_rgb(cr, ink[0], ink[1], ink[2]);
        cairo_move_to(cr, x, a.y + a.h);
        cairo_line_to(cr, x, a.y + a.h + 0.3 * font);
        cairo_stroke(cr);
        draw_format_tick(v, step, buf, sizeof buf);
        draw_text_at(cr, x, a.y + a.h + 0.45 * font, buf, 0.5, 1.0);
    }
    /* Curves as steps (an lr holds for a whole step), highlighted one last; a diverged
     * runner's curve ends in a cross at the step that diverged. */
    cairo_rectangle(cr, a.x, a.y, a.w, a.h);
    cairo_clip(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    double span = y1 - y0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < fig->nseries; i++) {
            const struct figure_series *sr = &fig->series[i];
            if (sr->highlight != (pass == 1)) {
                continue;
            }
            bool pen = false;
            double last[2] = {0, 0};
            cairo_new_path(cr);
            for (size_t k = 0; k < sr->n; k++) {
                struct traj_point p = sr->pts[k];
                if (!isfinite(p.lr)) {
                    pen = false;
                    continue;
                }
                double ly = p.lr > 0.0 ? log10(p.lr) : y0 - 0.1 * span;
                ly = clampd(ly, y0 - 0.1 * span, y1 + 0.1 * span);
                /* point k's lr is that of the step into it: it holds from step - 1 */
                double xa = a.x + (double)(p.step > 0 ? p.step - 1 : 0) / smax * a.w;
                double x = a.x + (double)p.step / smax * a.w;
                double y = a.y + a.h - (ly - y0) / span * a.h;
                if (pen) {
                    cairo_line_to(cr, xa, y);
                } else {
                    cairo_move_to(cr, xa, y);
                }
                cairo_line_to(cr, x, y);
                pen = true;
                last[0] = x;
                last[1] = y;
            }
            stroke_series(cr, fig, sr, &a, font, pen ? last : NULL);
        }
    }
    cairo_restore(cr);
}

/* ------------------------------------------------------------------ split views */

/* The right plot's frame (w == 0 without one). */
static struct figure_frame split_frame(const struct figure *fig)
{
    struct figure_frame fr = {fig->lay.plot2, {0, 1, 0, 1}};
    if (fig->twin && fr.r.w > 0) {
        memcpy(fr.view, figure_plot_frame(fig).view, sizeof fr.view);
    } else {
        fr.r.w = 0;
    }
    return fr;
}

void draw_lines(cairo_t *cr, const struct figure *fig)
{
    struct figure_frame fr = plot_strokes_begin(cr, fig);
    for (int k = 0; k < fig->nlines; k++) {
        const struct figure_line *l = &fig->line[k];
        if (l->n < 2 || !l->xy) {
            continue;
        }
        cairo_new_path(cr);
        bool pen = false;
        for (int i = 0; i < l->n; i++) {
            double u[2];
            figure_frame_map(&fr, l->xy[2 * i], l->xy[2 * i + 1], u);
            if (!finite2(u[0], u[1])) {
                pen = false;
                continue;
            }
            /* far points would overflow cairo's fixed point; the clip hides them anyway */
            u[0] = clampd(u[0], fr.r.x - 4 * fr.r.w, fr.r.x + 5 * fr.r.w);
            u[1] = clampd(u[1], fr.r.y - 4 * fr.r.h, fr.r.y + 5 * fr.r.h);
            if (pen) {
                cairo_line_to(cr, u[0], u[1]);
            } else {
                cairo_move_to(cr, u[0], u[1]);
                pen = true;
            }
        }
        if (l->closed) {
            cairo_close_path(cr);
        }
        double dash = 2.6 * l->width;
        if (l->dashed) {
            cairo_set_dash(cr, (double[]){dash, 1.1 * dash}, 2, 0.0);
        }
        stroke_outlined(cr, l->rgb, l->width, 0.5 * outline_width(l->width));
        cairo_set_dash(cr, NULL, 0, 0.0);
    }
    cairo_restore(cr);
}

/* The split view's right plot as a figure of its own, laid out in the left one's place
 * (freed by the caller). */
static struct figure *twin_figure(const struct figure *fig)
{
    struct figure *t = xmalloc(sizeof *t);
    *t = *fig->twin;
    t->lay = fig->lay;
    t->lay.plot = fig->lay.plot2;
    memcpy(t->field.view, figure_plot_frame(fig).view, sizeof t->field.view);
    t->trails = fig->trails;
    return t;
}

/* The twin's lines, or its paths and markers, in the right plot, drawn as the left plot's. */
static void draw_twin_plot(cairo_t *cr, const struct figure *fig, bool lines)
{
    struct figure *t = twin_figure(fig);
    if (lines) {
        draw_lines(cr, t);
    } else {
        if (t->trails) {
            draw_paths(cr, t);
        }
        draw_markers(cr, t);
    }
    free(t);
}

/* Whether what st says it drew of plot k is the start of what f shows now. */
static bool trails_continue(const struct draw_trails *st, int k, const struct figure *f)
{
    struct figure_frame fr = figure_plot_frame(f);
    if (st->npaths[k] != f->npaths || st->theme != f->theme ||
        memcmp(&st->frame[k], &fr, sizeof fr)) {
        return false;
    }
    for (int i = 0; i < f->npaths; i++) {
        const struct figure_path *p = &f->path[i], *q = &st->path[k][i];
        if (p->traj != q->traj || p->color != q->color || p->width != q->width ||
            p->highlight != q->highlight || p->dimmed != q->dimmed ||
            p->restart != q->restart || p->lr_ref != q->lr_ref ||
            traj_count(p->traj) < st->since[k][i]) {
            return false;
        }
    }
    return true;
}

void draw_trails_more(cairo_t *cr, const struct figure *fig, struct draw_trails *st)
{
    struct figure *t = fig->twin && fig->lay.plot2.w > 0 ? twin_figure(fig) : NULL;
    const struct figure *plot[2] = {fig, t};
    bool fresh = !st->drawn;
    for (int k = 0; k < 2 && !fresh; k++) {
        fresh = plot[k] ? !trails_continue(st, k, plot[k]) : st->npaths[k] != 0;
    }
    if (fresh) {
        cairo_save(cr);
        cairo_set_operator(cr, CAIRO_OPERATOR_CLEAR);
        cairo_paint(cr);
        cairo_restore(cr);
        memset(st, 0, sizeof *st);
        st->drawn = true;
        st->theme = fig->theme;
    }
    for (int k = 0; k < 2; k++) {
        const struct figure *f = plot[k];
        if (!f) {
            continue;
        }
        paths_from(cr, f, st->since[k]);
        st->npaths[k] = f->npaths;
        st->frame[k] = figure_plot_frame(f);
        for (int i = 0; i < f->npaths; i++) {
            st->path[k][i] = f->path[i];
            st->since[k][i] = traj_count(f->path[i].traj);
        }
    }
    free(t);
}

/* Each plot's heading, centred over it. */
static void draw_captions(cairo_t *cr, const struct figure *fig, const struct figure_frame *fr,
                          const struct figure_frame *fr2, double F)
{
    const double *ink = figure_theme_of(fig->theme)->ink;
    char buf[320];
    cairo_set_source_rgb(cr, ink[0], ink[1], ink[2]);
    set_font(cr, 1.0 * F, true, false);
    const char *cap[2] = {fig->caption, fig->twin ? fig->twin->caption : ""};
    const struct figure_frame *where[2] = {fr, fr2};
    for (int k = 0; k < 2; k++) {
        if (!cap[k][0] || where[k]->r.w <= 0) {
            continue;
        }
        /* too wide (large text): what comes before its first " · " (the split view's
         * penalty; its minimum is in the legend too) rather than a cut */
        const char *dot = strstr(cap[k], " \xC2\xB7 ");
        if (dot && draw_text_width(cr, cap[k]) > where[k]->r.w) {
            char head[320];
            snprintf(head, sizeof head, "%.*s", (int)(dot - cap[k]), cap[k]);
            draw_fit_text(cr, head, where[k]->r.w, buf, sizeof buf);
        } else {
            draw_fit_text(cr, cap[k], where[k]->r.w, buf, sizeof buf);
        }
        draw_text_at(cr, where[k]->r.x + 0.5 * where[k]->r.w, fig->lay.caption_y, buf, 0.5,
                     0.0);
    }
}

/* ------------------------------------------------------------------ the figure */

/* The background around the plot: the frame minus the plot rectangle (even-odd), so that
 * whatever is in the plot (cairo's field or the window's GL surface) stays. */
static void chrome_background(cairo_t *cr, const struct figure *fig)
{
    const struct figure_rect *p = &fig->lay.plot, *p2 = &fig->lay.plot2;
    cairo_save(cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_rectangle(cr, 0, 0, fig->width, fig->height);
    cairo_rectangle(cr, p->x, p->y, p->w, p->h);
    if (p2->w > 0) {
        cairo_rectangle(cr, p2->x, p2->y, p2->w, p2->h);
    }
    const double *pg = figure_theme_of(fig->theme)->page;
    cairo_set_source_rgb(cr, pg[0], pg[1], pg[2]);
    cairo_fill(cr);
    cairo_restore(cr);
}

static void draw_chrome(cairo_t *cr, const struct figure *fig)
{
    const struct figure_layout *lay = &fig->lay;
    const struct figure_theme *th = figure_theme_of(fig->theme);
    double F = lay->font;
    chrome_background(cr, fig);
    struct figure_frame fr = figure_plot_frame(fig);
    if (fig->axes && !fig->view3d) {
        draw_axes(cr, &fr, F, fig->theme);
    }
    struct figure_frame fr2 = split_frame(fig);
    if (fig->axes && !fig->view3d && fr2.r.w > 0) {
        draw_axes(cr, &fr2, F, fig->theme);
    }
    if (fig->colorbar) {
        draw_colorbar(cr, &lay->colorbar, &fig->field.scale, F, fig->theme);
    }
    double cx = lay->legend_inside || lay->legend.w + lay->inset.w == 0
                ? 0.5 * fig->width : lay->plot.x + 0.5 * lay->plot.w;
    if (fr2.r.w > 0 && !lay->legend_inside) {
        cx = 0.5 * (lay->plot.x + fr2.r.x + fr2.r.w);
    }
    char buf[320];
    if (lay->caption_y > 0) {
        draw_captions(cr, fig, &fr, &fr2, F);
    }
    if (lay->title_y > 0) {
        cairo_set_source_rgb(cr, th->ink[0], th->ink[1], th->ink[2]);
        set_font(cr, 1.3 * F, true, false);
        draw_fit_text(cr, fig->title, fig->width - 2 * F, buf, sizeof buf);
        draw_text_at(cr, cx, lay->title_y, buf, 0.5, 0.0);
    }
    if (lay->subtitle_y > 0) {
        cairo_set_source_rgb(cr, th->ink_soft[0], th->ink_soft[1], th->ink_soft[2]);
        set_font(cr, 0.85 * F, false, false);
        draw_fit_text(cr, fig->subtitle, fig->width - 2 * F, buf, sizeof buf);
        draw_text_at(cr, cx, lay->subtitle_y, buf, 0.5, 0.0);
    }
}

void draw_figure_part(cairo_t *cr, const struct figure *fig, enum draw_part part)
{
    const struct figure_layout *lay = &fig->lay;
    double F = lay->font;
    struct figure_frame fr = figure_plot_frame(fig);
    cairo_save(cr);
    switch (part) {
    case DRAW_PART_FIELD:
        if (fig->field.race && !fig->view3d) {
            draw_heatmap(cr, &fr, &fig->field);
            if (fig->field.contours) {
                draw_contours(cr, &fr, &fig->field, FIGURE_LEVELS, F);
            }
            struct figure_frame fr2 = split_frame(fig);
            if (fr2.r.w > 0 && fig->twin->field.race) {
                draw_heatmap(cr, &fr2, &fig->twin->field);
                if (fig->twin->field.contours) {
                    draw_contours(cr, &fr2, &fig->twin->field, FIGURE_LEVELS, F);
                }
            }
        } else if (!fig->view3d) {
            const double *e = figure_theme_of(fig->theme)->empty_plot;
            cairo_set_source_rgb(cr, e[0], e[1], e[2]);
            cairo_rectangle(cr, fr.r.x, fr.r.y, fr.r.w, fr.r.h);
            cairo_fill(cr);
        }
        break;
    case DRAW_PART_LINES:
        if (!fig->view3d) {
            draw_lines(cr, fig);
            if (fig->twin && fig->lay.plot2.w > 0) {
                draw_twin_plot(cr, fig, true);
            }
        }
        break;
    case DRAW_PART_PLOT:
        if (!fig->view3d) {
            if (fig->trails) {
                draw_paths(cr, fig);
            }
            draw_arrows(cr, fig);
            draw_markers(cr, fig);
            if (fig->twin && fig->lay.plot2.w > 0) {
                draw_twin_plot(cr, fig, false);
            }
        }
        break;
    case DRAW_PART_CHROME:
        draw_chrome(cr, fig);
        break;
    case DRAW_PART_LEGEND:
        if (fig->legend && lay->legend.w > 0) {
            draw_legend(cr, &lay->legend, fig, lay->legend_inside ? 0.8 * F : F,
                        lay->legend_inside);
        }
        break;
    case DRAW_PART_INSET:
        if (fig->inset && lay->inset.w > 0) {
            draw_loss_inset(cr, &lay->inset, fig, lay->legend_inside ? 0.75 * F : F);
        }
        if (fig->inset && fig->lrplot && lay->lrplot.w > 0) {
            draw_lr_plot(cr, &lay->lrplot, fig, lay->legend_inside ? 0.75 * F : F);
        }
        break;
    case DRAW_PART_STATUS:
        if (lay->status.w > 0) {
            draw_status(cr, &lay->status, fig->status[0], fig->status[1], F);
        }
        break;
    case DRAW_PART_TOAST:
        if (fig->toast[0] && lay->toast.w > 0) {
            draw_toast(cr, lay->toast.x, lay->toast.y, fig->toast, fig->toast_error, 0.9 * F,
                       fig->width - lay->toast.x - 1.0);
        }
        break;
    case DRAW_PART_HELP:
        if (fig->help && fig->nhelp > 0) {
            draw_help(cr, fig->width, fig->height, fig->help_title ? fig->help_title : "",
                      fig->help_entries, fig->nhelp, fmax(2.0 * F, 18.0));
        }
        break;
    case DRAW_PARTS:
        break;
    }
    cairo_restore(cr);
}

void draw_figure(cairo_t *cr, const struct figure *fig)
{
    if (fig->width <= 0 || fig->height <= 0) {
        return;
    }
    if (fig->view3d) {
        /* No GL here: the plot is left to whoever composites the surface (the window). */
        cairo_save(cr);
        const double *b = figure_theme_of(fig->theme)->backdrop3d;
        cairo_set_source_rgb(cr, b[0], b[1], b[2]);
        const struct figure_rect *p = &fig->lay.plot;
        cairo_rectangle(cr, p->x, p->y, p->w, p->h);
        cairo_fill(cr);
        cairo_restore(cr);
    }
    for (int part = 0; part < DRAW_PARTS; part++) {
        draw_figure_part(cr, fig, (enum draw_part)part);
    }
    draw_explain(cr, fig);   /* the explain mode and the hover readout, over everything */
}

/* draw.c: the figure of a race on a 2-D function, drawn with cairo onto any surface: heatmap,
 * contours, trails, markers, axes, colour bar, legend and loss inset, and their layout. */
#include "draw/draw.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef OPTISCOPE_HAVE_CAIRO_FT
#include <cairo-ft.h>
#include <fontconfig/fontconfig.h>
#include <pthread.h>
#endif

#include "sim/util.h"

/* ------------------------------------------------------------------ small helpers */

#define FONT_FACE "DejaVu Sans"

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

#ifdef OPTISCOPE_HAVE_CAIRO_FT
/* DejaVu Sans from its files, as fontconfig resolves it on Debian (fonts-dejavu-core) and
 * with the options fontconfig gives it there (slight hinting, grey antialiasing), so text is
 * pixel for pixel the same as through cairo's toy API, without fontconfig reading its whole
 * configuration first (~8 ms of the window's startup). Index: bold + 2 * italic. */
#define DEJAVU_DIR "/usr/share/fonts/truetype/dejavu/"
static const char *const dejavu_files[4] = {
    DEJAVU_DIR "DejaVuSans.ttf", DEJAVU_DIR "DejaVuSans-Bold.ttf",
    DEJAVU_DIR "DejaVuSans-Oblique.ttf", DEJAVU_DIR "DejaVuSans-BoldOblique.ttf"};
/* The faces, made once per process and shared (immutable, like cairo's own toy cache); NULL
 * where the file is missing. */
static cairo_font_face_t *dejavu_faces[4];
static pthread_once_t dejavu_once = PTHREAD_ONCE_INIT;

static void dejavu_load(void)
{
    for (int i = 0; i < 4; i++) {
        if (access(dejavu_files[i], R_OK) != 0) {
            continue;
        }
        FcPattern *pat = FcPatternCreate();
        FcPatternAddString(pat, FC_FILE, (const FcChar8 *)dejavu_files[i]);
        FcPatternAddInteger(pat, FC_INDEX, 0);
        FcPatternAddBool(pat, FC_ANTIALIAS, FcTrue);
        FcPatternAddBool(pat, FC_HINTING, FcTrue);
        FcPatternAddInteger(pat, FC_HINT_STYLE, FC_HINT_SLIGHT);
        cairo_font_face_t *f = cairo_ft_font_face_create_for_pattern(pat);
        FcPatternDestroy(pat);
        if (cairo_font_face_status(f) == CAIRO_STATUS_SUCCESS) {
            dejavu_faces[i] = f;
        } else {
            cairo_font_face_destroy(f);
        }
    }
}
#endif

void draw_set_font(cairo_t *cr, double size, bool bold, bool italic)
{
#ifdef OPTISCOPE_HAVE_CAIRO_FT
    pthread_once(&dejavu_once, dejavu_load);
    cairo_font_face_t *f = dejavu_faces[(bold ? 1 : 0) + (italic ? 2 : 0)];
    if (f) {
        cairo_set_font_face(cr, f);
        cairo_set_font_size(cr, size);
        return;
    }
#endif
    cairo_select_font_face(cr, FONT_FACE,
                           italic ? CAIRO_FONT_SLANT_OBLIQUE : CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static void set_font(cairo_t *cr, double size, bool bold, bool italic)
{
    draw_set_font(cr, size, bold, italic);
}

static double text_width(cairo_t *cr, const char *s)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

/* Shows s with the current font: ha is the fraction of its width left of x (0 left-aligned,
 * 0.5 centred, 1 right-aligned); va places y: 0 baseline, 0.5 middle, 1 top of capitals. */
static void text_at(cairo_t *cr, double x, double y, const char *s, double ha, double va)
{
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    double cap = 0.72 * (fe.ascent + fe.descent) / 1.164;   /* DejaVu: cap height ~0.73 em */
    cairo_move_to(cr, x - ha * text_width(cr, s), y + va * cap);
    cairo_show_text(cr, s);
}

/* Copies s into buf, cut at a UTF-8 boundary and ended with an ellipsis so that it fits in
 * maxw with the current font. */
static void fit_text(cairo_t *cr, const char *s, double maxw, char *buf, size_t len)
{
    snprintf(buf, len, "%s", s);
    if (text_width(cr, buf) <= maxw) {
        return;
    }
    size_t n = strlen(buf);
    while (n > 0) {
        n--;
        while (n > 0 && ((unsigned char)buf[n] & 0xC0) == 0x80) {
            n--;
        }
        if (n + 4 > len) {
            continue;
        }
        memcpy(buf + n, "\xE2\x80\xA6", 4);   /* U+2026 and the NUL */
        if (text_width(cr, buf) <= maxw) {
            return;
        }
    }
}

/* "10" with a raised exponent k; ha and va as text_at. Returns the width. */
static double pow10_label(cairo_t *cr, double x, double y, int k, double size, double ha,
                          double va, bool draw)
{
    char base[8] = "10", ex[16];
    snprintf(ex, sizeof ex, "%d", k);
    if (k < 0) {
        snprintf(ex, sizeof ex, "\xE2\x88\x92%d", -k);   /* a real minus sign */
    }
    set_font(cr, size, false, false);
    double wb = text_width(cr, base);
    set_font(cr, size * 0.68, false, false);
    double we = text_width(cr, ex);
    double w = wb + we + size * 0.04;
    if (draw) {
        double x0 = x - ha * w;
        set_font(cr, size, false, false);
        text_at(cr, x0, y, base, 0.0, va);
        set_font(cr, size * 0.68, false, false);
        text_at(cr, x0 + wb + size * 0.04, y - size * 0.42, ex, 0.0, va);
        set_font(cr, size, false, false);
    }
    return w;
}

/* Tick label with as many decimals as the step needs; never "-0". */
static void format_tick(double v, double step, char *buf, size_t len)
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

double draw_nice_step(double range, int target)
{
    if (!(range > 0) || !isfinite(range)) {
        return 1.0;
    }
    if (target < 1) {
        target = 1;
    }
    double raw = range / target;
    double mag = pow(10.0, floor(log10(raw)));
    double r = raw / mag;
    double m = r < 1.5 ? 1.0 : (r < 3.5 ? 2.0 : (r < 7.5 ? 5.0 : 10.0));
    return m * mag;
}

static bool in_rect(const struct draw_rect *r, double x, double y)
{
    return x >= r->x && x <= r->x + r->w && y >= r->y && y <= r->y + r->h;
}

/* Liang-Barsky: clips the segment p0-p1 to r in place; false when nothing is left. */
static bool clip_segment(const struct draw_rect *r, double p0[2], double p1[2])
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

/* Saturated or light colours, each far from the others and from the colour map's own hues,
 * always drawn over a dark outline so they read on purple, teal and yellow alike. */
static const double palette[][3] = {
    {1.00, 0.25, 0.21},   /* red */
    {1.00, 0.60, 0.10},   /* orange */
    {1.00, 1.00, 1.00},   /* white */
    {1.00, 0.30, 0.95},   /* magenta */
    {0.18, 0.88, 1.00},   /* cyan */
    {1.00, 0.90, 0.30},   /* yellow */
    {0.70, 0.55, 1.00},   /* lavender */
    {0.60, 1.00, 0.35},   /* light green */
    {1.00, 0.65, 0.75},   /* pink */
    {0.75, 0.50, 0.30},   /* brown */
};
#define NPALETTE ((int)(sizeof palette / sizeof palette[0]))

void draw_runner_color(int i, double rgb[3])
{
    int k = ((i % NPALETTE) + NPALETTE) % NPALETTE;
    for (int c = 0; c < 3; c++) {
        rgb[c] = palette[k][c];
    }
}

void draw_runner_text_color(int i, double rgb[3])
{
    /* Darkened until its relative luminance is low enough to read on white. */
    draw_runner_color(i, rgb);
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

/* ------------------------------------------------------------------ frame */

void draw_frame_map(const struct draw_frame *fr, double x, double y, double out[2])
{
    out[0] = fr->r.x + (x - fr->view[0]) / (fr->view[1] - fr->view[0]) * fr->r.w;
    out[1] = fr->r.y + (fr->view[3] - y) / (fr->view[3] - fr->view[2]) * fr->r.h;
}

void draw_frame_unmap(const struct draw_frame *fr, double ux, double uy, double out[2])
{
    out[0] = fr->view[0] + (ux - fr->r.x) / fr->r.w * (fr->view[1] - fr->view[0]);
    out[1] = fr->view[3] - (uy - fr->r.y) / fr->r.h * (fr->view[3] - fr->view[2]);
}

/* ------------------------------------------------------------------ colour scale */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void draw_scale_fit(struct draw_scale *s, const double *v, size_t n, bool log_scale)
{
    /* Percentiles from at most ~64k evenly strided samples: plenty for a colour range. */
    size_t stride = n / 65536 + 1;
    double *tmp = xmalloc((n / stride + 1) * sizeof *tmp);
    size_t m = 0;
    double fmin = INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(v[i])) {
            fmin = v[i] < fmin ? v[i] : fmin;
            if (i % stride == 0) {
                tmp[m++] = v[i];
            }
        }
    }
    s->log = log_scale;
    if (m == 0) {
        s->fmin = 0.0;
        s->eps = 1.0;
        s->lo = 0.0;
        s->hi = 1.0;
        free(tmp);
        return;
    }
    qsort(tmp, m, sizeof *tmp, cmp_double);
    double p2 = tmp[(size_t)((m - 1) * 0.02)];
    double p98 = tmp[(size_t)((m - 1) * 0.98)];
    free(tmp);
    s->fmin = fmin;
    if (log_scale) {
        double span = p98 - fmin;
        double eps = p2 - fmin;
        if (!(eps > 0.0)) {
            eps = 1e-6 * span;
        }
        if (!(eps > 0.0)) {
            eps = 1e-12 * fmax(1.0, fabs(fmin));
        }
        s->eps = eps;
        s->lo = log10(eps);
        s->hi = log10(span + eps);
    } else {
        s->eps = 0.0;
        s->lo = fmin;
        s->hi = p98;
    }
    if (!(s->hi > s->lo)) {
        s->hi = s->lo + fmax(1.0, fabs(s->lo) * 1e-3);
    }
}

double draw_scale_t(const struct draw_scale *s, double f)
{
    if (!isfinite(f)) {
        return NAN;
    }
    double u = s->log ? log10(fmax(f - s->fmin, 0.0) + s->eps) : f;
    return (u - s->lo) / (s->hi - s->lo);
}

double draw_scale_value(const struct draw_scale *s, double t)
{
    double u = s->lo + t * (s->hi - s->lo);
    return s->log ? pow(10.0, u) - s->eps + s->fmin : u;
}

/* ------------------------------------------------------------------ field */

void draw_field_sample(struct draw_field *fld, const struct race *race, const double view[4],
                       int nx, int ny, bool corners)
{
    nx = nx < 2 ? 2 : nx;
    ny = ny < 2 ? 2 : ny;
    fld->nx = nx;
    fld->ny = ny;
    fld->corners = corners;
    memcpy(fld->view, view, sizeof fld->view);
    fld->v = xmalloc((size_t)nx * (size_t)ny * sizeof *fld->v);
    double dx = view[1] - view[0], dy = view[3] - view[2];
    for (int j = 0; j < ny; j++) {
        double fy = corners ? (double)j / (ny - 1) : (j + 0.5) / ny;
        double y = view[3] - fy * dy;
        for (int i = 0; i < nx; i++) {
            double fx = corners ? (double)i / (nx - 1) : (i + 0.5) / nx;
            double grad[2];
            fld->v[(size_t)j * nx + i] = race_objective(race, view[0] + fx * dx, y, grad);
        }
    }
}

void draw_field_finish(struct draw_field *fld)
{
    free(fld->v);
    fld->v = NULL;
    fld->nx = fld->ny = 0;
}

/* ------------------------------------------------------------------ heatmap */

void draw_heatmap(cairo_t *cr, const struct draw_frame *fr, const struct race *race,
                  bool log_scale, struct draw_scale *scale)
{
    if (!(fr->r.w >= 1.0 && fr->r.h >= 1.0)) {
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
    struct draw_field fld;
    draw_field_sample(&fld, race, fr->view, nx, ny, false);
    draw_scale_fit(scale, fld.v, (size_t)nx * ny, log_scale);

    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, nx, ny);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        draw_field_finish(&fld);
        return;
    }
    cairo_surface_flush(img);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int j = 0; j < ny; j++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)j * stride);
        for (int i = 0; i < nx; i++) {
            double t = draw_scale_t(scale, fld.v[(size_t)j * nx + i]);
            row[i] = isfinite(t) ? draw_colormap_rgb24(t) : 0x808080u;   /* grey: undefined */
        }
    }
    cairo_surface_mark_dirty(img);
    draw_field_finish(&fld);

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
    const struct draw_rect *r;      /* plot rectangle the grid spans */
    int nx, ny;                     /* grid size */
};

static void contour_segment(void *ud, double x0, double y0, double x1, double y1)
{
    struct contour_ctx *c = ud;
    double sx = c->r->w / (c->nx - 1), sy = c->r->h / (c->ny - 1);
    cairo_move_to(c->cr, c->r->x + x0 * sx, c->r->y + y0 * sy);
    cairo_line_to(c->cr, c->r->x + x1 * sx, c->r->y + y1 * sy);
}

void draw_contours(cairo_t *cr, const struct draw_frame *fr, const struct race *race,
                   const struct draw_scale *scale, int nlevels, double font)
{
    if (nlevels < 2 || !(fr->r.w >= 2.0 && fr->r.h >= 2.0)) {
        return;
    }
    /* A cell of ~3 units: smooth curves without millions of segments. */
    int nx = (int)clampd(fr->r.w / 3.0, 24.0, 360.0);
    int ny = (int)clampd(fr->r.h / 3.0, 24.0, 360.0);
    struct draw_field fld;
    draw_field_sample(&fld, race, fr->view, nx, ny, true);
    for (size_t k = 0; k < (size_t)nx * ny; k++) {
        fld.v[k] = draw_scale_t(scale, fld.v[k]);   /* contour in colour units */
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
        draw_contour_grid(fld.v, nx, ny, t, contour_segment, &ctx);
        /* Light lines on the dark end, dark lines on the bright end. */
        if (t < 0.62) {
            cairo_set_source_rgba(cr, 1.0, 1.0, 1.0, 0.30);
        } else {
            cairo_set_source_rgba(cr, 0.10, 0.10, 0.20, 0.30);
        }
        cairo_stroke(cr);
    }
    cairo_restore(cr);
    draw_field_finish(&fld);
}

/* ------------------------------------------------------------------ trails and markers */

/* Appends runner's path to cr's current path, segments clipped to `clip` (in user units), and
 * broken at non-finite points. Returns the number of segments. */
static int trail_path(cairo_t *cr, const struct draw_frame *fr, const struct traj *t,
                      const struct draw_rect *clip)
{
    size_t n = traj_count(t);
    bool have_prev = false, pen = false;
    double prev[2] = {0, 0}, pen_at[2] = {0, 0};
    int segs = 0;
    for (size_t i = 0; i < n; i++) {
        struct traj_point p = traj_get(t, i);
        double u[2];
        if (!finite2(p.x, p.y)) {
            have_prev = false;
            continue;
        }
        draw_frame_map(fr, p.x, p.y, u);
        if (!finite2(u[0], u[1])) {
            have_prev = false;
            continue;
        }
        if (have_prev) {
            double a[2] = {prev[0], prev[1]}, b[2] = {u[0], u[1]};
            if (clip_segment(clip, a, b)) {
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
    return segs;
}

/* The last finite point of a trajectory inside the rectangle; false if none. */
static bool last_point_in(const struct draw_frame *fr, const struct traj *t,
                          const struct draw_rect *r, double out[2])
{
    for (size_t i = traj_count(t); i-- > 0;) {
        struct traj_point p = traj_get(t, i);
        if (!finite2(p.x, p.y)) {
            continue;
        }
        double u[2];
        draw_frame_map(fr, p.x, p.y, u);
        if (finite2(u[0], u[1]) && in_rect(r, u[0], u[1])) {
            out[0] = u[0];
            out[1] = u[1];
            return true;
        }
    }
    return false;
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

static void draw_one_trail(cairo_t *cr, const struct draw_frame *fr, const struct race *race,
                           int i, double font, bool emphasis)
{
    const struct race_runner *run = &race->r[i];
    double rgb[3];
    draw_runner_color(i, rgb);
    double lw = (emphasis ? 0.26 : 0.17) * font;
    double ow = 0.07 * font + 0.6;
    /* Clip the geometry to the plot: far-away points (a diverging runner) would overflow
     * cairo's fixed-point coordinates, and the markers may stick out a little. */
    struct draw_rect clip = fr->r;
    cairo_new_path(cr);
    trail_path(cr, fr, &run->traj, &clip);
    stroke_outlined(cr, rgb, lw, ow);

    /* Step dots when there are few steps: they show step sizes (overshoot, slow starts). */
    size_t n = traj_count(&run->traj);
    if (n >= 2 && n <= 80) {
        for (size_t k = 1; k + 1 < n; k++) {
            struct traj_point p = traj_get(&run->traj, k);
            double u[2];
            if (!finite2(p.x, p.y)) {
                continue;
            }
            draw_frame_map(fr, p.x, p.y, u);
            if (finite2(u[0], u[1]) && in_rect(&fr->r, u[0], u[1])) {
                end_dot(cr, u[0], u[1], 0.75 * lw, rgb, 0.5 * ow);
            }
        }
    }

    double end[2];
    if (run->diverged) {
        if (last_point_in(fr, &run->traj, &fr->r, end)) {
            end_cross(cr, end[0], end[1], 0.38 * font, rgb, 0.16 * font, ow);
        }
    } else if (n > 0 && last_point_in(fr, &run->traj, &clip, end)) {
        struct traj_point last = traj_last(&run->traj);
        double u[2];
        draw_frame_map(fr, last.x, last.y, u);
        if (finite2(u[0], u[1]) && in_rect(&fr->r, u[0], u[1])) {
            end_dot(cr, u[0], u[1], (emphasis ? 0.40 : 0.32) * font, rgb, ow);
        }
    }
}

void draw_trails(cairo_t *cr, const struct draw_frame *fr, const struct race *race,
                 int highlight, double font)
{
    if (!race) {
        return;
    }
    cairo_save(cr);
    /* Markers on the edge of the view stay whole; lines are clipped to the plot by geometry. */
    cairo_rectangle(cr, fr->r.x - font, fr->r.y - font, fr->r.w + 2 * font, fr->r.h + 2 * font);
    cairo_clip(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);

    /* Start rings first, under the trails (every runner usually starts at the same point). */
    for (int i = 0; i < race->n; i++) {
        if (traj_count(&race->r[i].traj) == 0) {
            continue;
        }
        struct traj_point p = traj_get(&race->r[i].traj, 0);
        double u[2];
        draw_frame_map(fr, p.x, p.y, u);
        if (!finite2(u[0], u[1]) || !in_rect(&fr->r, u[0], u[1])) {
            continue;
        }
        cairo_new_path(cr);
        cairo_arc(cr, u[0], u[1], 0.5 * font, 0, 2 * M_PI);
        double white[3] = {1, 1, 1};
        stroke_outlined(cr, white, 0.16 * font, 0.07 * font + 0.6);
    }

    bool have_hl = highlight >= 0 && highlight < race->n;
    for (int i = 0; i < race->n; i++) {
        if (have_hl && i == highlight) {
            continue;
        }
        if (have_hl) {
            /* Dim the others: a group keeps line and outline one translucent layer. */
            cairo_push_group(cr);
            draw_one_trail(cr, fr, race, i, font, false);
            cairo_pop_group_to_source(cr);
            cairo_paint_with_alpha(cr, 0.45);
        } else {
            draw_one_trail(cr, fr, race, i, font, false);
        }
    }
    if (have_hl) {
        draw_one_trail(cr, fr, race, highlight, font, true);
    }
    cairo_restore(cr);
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

void draw_minima(cairo_t *cr, const struct draw_frame *fr, int n, const double (*minima)[2],
                 double font)
{
    cairo_save(cr);
    cairo_rectangle(cr, fr->r.x - font, fr->r.y - font, fr->r.w + 2 * font, fr->r.h + 2 * font);
    cairo_clip(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (int k = 0; k < n; k++) {
        double u[2];
        draw_frame_map(fr, minima[k][0], minima[k][1], u);
        if (!finite2(u[0], u[1]) || !in_rect(&fr->r, u[0], u[1])) {
            continue;
        }
        star_path(cr, u[0], u[1], 0.62 * font);
        cairo_set_source_rgb(cr, outline_rgb[0], outline_rgb[1], outline_rgb[2]);
        cairo_set_line_width(cr, 0.16 * font + 1.0);
        cairo_stroke_preserve(cr);
        cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
        cairo_fill(cr);
    }
    cairo_restore(cr);
}

/* ------------------------------------------------------------------ axes and colour bar */

static const double ink[3] = {0.13, 0.13, 0.16};      /* text and frames */
static const double ink_soft[3] = {0.36, 0.36, 0.40}; /* secondary text */

void draw_axes(cairo_t *cr, const struct draw_frame *fr, double font)
{
    const struct draw_rect *r = &fr->r;
    cairo_save(cr);
    cairo_set_source_rgb(cr, ink[0], ink[1], ink[2]);
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
        double step = draw_nice_step(hi - lo, target);
        double first = ceil(lo / step - 1e-9) * step;
        for (int k = 0; k < 200; k++) {
            double v = first + k * step;
            if (v > hi + step * 1e-9) {
                break;
            }
            double u[2];
            draw_frame_map(fr, axis == 0 ? v : fr->view[0], axis == 0 ? fr->view[2] : v, u);
            char buf[64];
            format_tick(v, step, buf, sizeof buf);
            if (axis == 0) {
                cairo_move_to(cr, u[0], r->y + r->h);
                cairo_line_to(cr, u[0], r->y + r->h + tick);
                cairo_stroke(cr);
                text_at(cr, u[0], r->y + r->h + tick + 0.35 * font, buf, 0.5, 1.0);
            } else {
                cairo_move_to(cr, r->x, u[1]);
                cairo_line_to(cr, r->x - tick, u[1]);
                cairo_stroke(cr);
                text_at(cr, r->x - tick - 0.3 * font, u[1], buf, 1.0, 0.5);
                maxw = fmax(maxw, text_width(cr, buf));
            }
        }
    }
    set_font(cr, 1.05 * font, false, true);
    text_at(cr, r->x + 0.5 * r->w, r->y + r->h + tick + 1.45 * font, "x", 0.5, 1.0);
    text_at(cr, r->x - tick - 0.3 * font - maxw - 0.6 * font, r->y + 0.5 * r->h, "y", 1.0, 0.5);
    cairo_restore(cr);
}

void draw_colorbar(cairo_t *cr, const struct draw_rect *r, const struct draw_scale *scale,
                   double font)
{
    if (!(r->w > 0 && r->h > 0)) {
        return;
    }
    cairo_save(cr);
    cairo_pattern_t *grad = cairo_pattern_create_linear(0, r->y + r->h, 0, r->y);
    for (int k = 0; k <= 32; k++) {
        double rgb[3];
        draw_colormap(k / 32.0, rgb);
        cairo_pattern_add_color_stop_rgb(grad, k / 32.0, rgb[0], rgb[1], rgb[2]);
    }
    cairo_rectangle(cr, r->x, r->y, r->w, r->h);
    cairo_set_source(cr, grad);
    cairo_fill_preserve(cr);
    cairo_pattern_destroy(grad);
    cairo_set_source_rgb(cr, ink[0], ink[1], ink[2]);
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
            pow10_label(cr, x + tick + 0.25 * font, y, k, size, 0.0, 0.5, true);
        }
    } else {
        double step = draw_nice_step(scale->hi - scale->lo, (int)clampd(r->h / (3 * font), 2, 8));
        double first = ceil(scale->lo / step - 1e-9) * step;
        for (int k = 0; k < 100; k++) {
            double v = first + k * step;
            if (v > scale->hi + step * 1e-9) {
                break;
            }
            double y = r->y + r->h - (v - scale->lo) / (scale->hi - scale->lo) * r->h;
            char buf[64];
            format_tick(v, step, buf, sizeof buf);
            cairo_move_to(cr, x, y);
            cairo_line_to(cr, x + tick, y);
            cairo_stroke(cr);
            text_at(cr, x + tick + 0.25 * font, y, buf, 0.0, 0.5);
        }
    }
    /* Name of the quantity, above the bar. On a log scale the bar shows f - min f; say so
     * unless the minimum is negligible next to the smallest value shown. */
    const char *name = "f(x, y)";
    if (scale->log && fabs(scale->fmin) > 0.1 * pow(10.0, scale->lo)) {
        name = "f \xE2\x88\x92 min f";
    }
    set_font(cr, 0.85 * font, false, true);
    text_at(cr, r->x, r->y - 0.55 * font, name, 0.0, 0.0);
    cairo_restore(cr);
}

/* ------------------------------------------------------------------ legend */

static void legend_swatch(cairo_t *cr, double x, double y, double w, int i, double font,
                          bool diverged)
{
    double rgb[3];
    draw_runner_color(i, rgb);
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

void draw_legend(cairo_t *cr, const struct draw_rect *r, const struct race *race, int highlight,
                 double font, bool boxed)
{
    if (!race || race->n <= 0 || !(r->w > 0 && r->h > 0)) {
        return;
    }
    cairo_save(cr);
    double pad = boxed ? 0.6 * font : 0.0;
    /* Two lines per runner; shrink the text when they do not fit. */
    double f = font;
    double need = race->n * 2.55 * f + 2 * pad;
    if (need > r->h) {
        f = fmax(0.5 * font, font * (r->h - 2 * pad) / (race->n * 2.55 * font));
    }
    if (boxed) {
        draw_rounded_rect(cr, r->x, r->y, r->w, r->h, 0.4 * font);
        cairo_set_source_rgba(cr, 1.0, 1.0, 1.0, 0.88);
        cairo_fill_preserve(cr);
        cairo_set_source_rgba(cr, ink[0], ink[1], ink[2], 0.6);
        cairo_set_line_width(cr, 1.0);
        cairo_stroke(cr);
    }
    double x = r->x + pad, y = r->y + pad;
    double sw = 2.0 * f;                   /* swatch length */
    double tx = x + sw + 0.9 * f;          /* text column */
    double maxw = r->x + r->w - pad - tx;
    for (int i = 0; i < race->n; i++) {
        const struct race_runner *run = &race->r[i];
        double h = 2.55 * f;
        if (i == highlight) {
            draw_rounded_rect(cr, x - 0.3 * f, y, r->x + r->w - pad - x + 0.6 * f,
                              h - 0.25 * f, 0.3 * f);
            cairo_set_source_rgba(cr, 0.2, 0.35, 0.9, 0.14);
            cairo_fill(cr);
        }
        double y1 = y + 1.05 * f;          /* label baseline */
        double y2 = y + 2.05 * f;          /* stats baseline */
        legend_swatch(cr, x + 0.3 * f, y1 - 0.36 * f, sw - 0.3 * f, i, f, run->diverged);

        char buf[160];
        /* A long label first gets smaller text (down to 80%), then an ellipsis. */
        const char *label = run->label[0] ? run->label : "?";
        set_font(cr, f, i == highlight, false);
        double lw = text_width(cr, label);
        if (lw > maxw) {
            set_font(cr, f * fmax(0.8, maxw / lw), i == highlight, false);
        }
        cairo_set_source_rgb(cr, ink[0], ink[1], ink[2]);
        fit_text(cr, label, maxw, buf, sizeof buf);
        text_at(cr, tx, y1, buf, 0.0, 0.0);

        char stats[160];
        if (run->diverged) {
            double rgb[3];
            draw_runner_text_color(i, rgb);
            snprintf(stats, sizeof stats, "diverged at step %ld", run->diverged_step);
            set_font(cr, 0.82 * f, true, false);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        } else {
            snprintf(stats, sizeof stats, "loss %.3g \xC2\xB7 %ld step%s%s", run->loss,
                     run->step, run->step == 1 ? "" : "s", run->enabled ? "" : " (paused)");
            set_font(cr, 0.82 * f, false, false);
            cairo_set_source_rgb(cr, ink_soft[0], ink_soft[1], ink_soft[2]);
        }
        fit_text(cr, stats, maxw, buf, sizeof buf);
        text_at(cr, tx, y2, buf, 0.0, 0.0);
        y += h;
    }
    cairo_restore(cr);
}

/* ------------------------------------------------------------------ loss inset */

/* What the inset plots for a loss: log10(loss - shift), shift = 0 when every loss is
 * positive, else just below the smallest loss (so non-positive losses stay drawable). */
static double inset_y(double loss, double shift)
{
    double v = loss - shift;
    return v > 0.0 && isfinite(v) ? log10(v) : NAN;
}

void draw_loss_inset(cairo_t *cr, const struct draw_rect *r, const struct race *race,
                     int highlight, double font)
{
    if (!race || !(r->w > 4 * font && r->h > 4 * font)) {
        return;
    }
    /* Ranges over every runner's finite losses. */
    /* A diverged runner's exploding losses would squash everyone else's curves: only its
     * start counts for the range, and its curve leaves through the top. */
    double lmin = INFINITY, lmax = -INFINITY;
    long smax = 1;
    for (int i = 0; i < race->n; i++) {
        const struct traj *t = &race->r[i].traj;
        for (size_t k = 0; k < traj_count(t); k++) {
            struct traj_point p = traj_get(t, k);
            if (isfinite(p.loss) && (k == 0 || !race->r[i].diverged)) {
                lmin = fmin(lmin, p.loss);
                lmax = fmax(lmax, p.loss);
            }
            smax = p.step > smax ? p.step : smax;
        }
    }
    double shift = 0.0;
    bool shifted = false;
    if (isfinite(lmin) && lmin <= 0.0) {
        shifted = true;
        double span = lmax - lmin;
        shift = lmin - fmax(span * 1e-6, 1e-12);
    }
    double y0 = -1.0, y1 = 1.0;   /* decades shown */
    if (isfinite(lmin)) {
        y0 = floor(inset_y(lmin, shift) + 1e-9);
        y1 = ceil(inset_y(lmax, shift) - 1e-9);
        if (y1 <= y0) {
            y1 = y0 + 1;
        }
        if (y1 - y0 > 16) {
            y0 = y1 - 16;
        }
    }

    cairo_save(cr);
    /* Card and title. */
    draw_rounded_rect(cr, r->x, r->y, r->w, r->h, 0.4 * font);
    cairo_set_source_rgb(cr, 0.975, 0.975, 0.98);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, ink[0], ink[1], ink[2], 0.5);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
    double size = 0.8 * font;
    char title[96];
    if (shifted) {
        snprintf(title, sizeof title, "loss \xE2\x88\x92 (%.3g), log scale", shift);
    } else {
        snprintf(title, sizeof title, "loss (log scale)");
    }
    set_font(cr, 0.9 * font, true, false);
    cairo_set_source_rgb(cr, ink[0], ink[1], ink[2]);
    char buf[128];
    fit_text(cr, title, r->w - 1.2 * font, buf, sizeof buf);
    text_at(cr, r->x + 0.6 * font, r->y + 0.6 * font, buf, 0.0, 1.0);

    /* Plot area inside the card: room for decade labels left, step labels and name below. */
    struct draw_rect a = {r->x + 3.4 * font, r->y + 2.0 * font, 0, 0};
    a.w = r->x + r->w - 0.9 * font - a.x;
    a.h = r->y + r->h - 2.9 * font - a.y;
    if (a.w < 2 * font || a.h < 2 * font) {
        cairo_restore(cr);
        return;
    }
    cairo_rectangle(cr, a.x, a.y, a.w, a.h);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, ink[0], ink[1], ink[2]);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);

    /* Decade grid lines and labels. */
    int every = 1 + (int)((y1 - y0) / 5);
    set_font(cr, size, false, false);
    for (int k = (int)y0; k <= (int)y1; k++) {
        double y = a.y + a.h - (k - y0) / (y1 - y0) * a.h;
        if ((k - (int)y0) % every != 0) {
            continue;
        }
        cairo_set_source_rgba(cr, ink[0], ink[1], ink[2], 0.15);
        cairo_move_to(cr, a.x, y);
        cairo_line_to(cr, a.x + a.w, y);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, ink[0], ink[1], ink[2]);
        pow10_label(cr, a.x - 0.35 * font, y, k, size, 1.0, 0.5, true);
    }
    double step = draw_nice_step((double)smax, (int)clampd(a.w / (4.0 * font), 2, 6));
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
        format_tick(v, step, buf, sizeof buf);
        text_at(cr, x, a.y + a.h + 0.55 * font, buf, 0.5, 1.0);
    }
    set_font(cr, size, false, true);
    text_at(cr, a.x + 0.5 * a.w, a.y + a.h + 1.75 * font, "step", 0.5, 1.0);

    /* Curves, highlighted one last. */
    cairo_rectangle(cr, a.x, a.y, a.w, a.h);
    cairo_clip(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < race->n; i++) {
            if ((i == highlight) != (pass == 1)) {
                continue;
            }
            const struct traj *t = &race->r[i].traj;
            size_t n = traj_count(t);
            bool pen = false, have_last = false;
            double last[2] = {0, 0};
            cairo_new_path(cr);
            for (size_t k = 0; k < n; k++) {
                struct traj_point p = traj_get(t, k);
                double ly = inset_y(p.loss, shift);
                if (!isfinite(ly)) {
                    pen = false;
                    continue;
                }
                ly = clampd(ly, y0 - 1.0, y1 + 1.0);   /* off the axis: pinned just outside */
                double x = a.x + (double)p.step / smax * a.w;
                double y = a.y + a.h - (ly - y0) / (y1 - y0) * a.h;
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
            double rgb[3];
            draw_runner_color(i, rgb);
            double lw = (i == highlight ? 0.2 : 0.12) * font;
            stroke_outlined(cr, rgb, lw, 0.045 * font + 0.5);
            if (race->r[i].diverged && have_last) {
                double cx = clampd(last[0], a.x + 0.35 * font, a.x + a.w - 0.35 * font);
                double cy = clampd(last[1], a.y + 0.35 * font, a.y + a.h - 0.35 * font);
                end_cross(cr, cx, cy, 0.3 * font, rgb, 0.12 * font, 0.5);
            }
        }
    }
    cairo_restore(cr);
}

/* ------------------------------------------------------------------ layout */

static double base_font(int width, int height, const struct draw_figure *fig)
{
    double s = fig->font_scale > 0 ? fig->font_scale : 1.0;
    double h = fmin((double)height, width / 1.2);
    return fmax(8.0, 0.0215 * h) * s;
}

/* How many trajectory points fall in r: how busy a corner of the plot is. */
static long points_in(const struct draw_figure *fig, const struct draw_frame *fr,
                      const struct draw_rect *r)
{
    long count = 0;
    if (!fig->race) {
        return 0;
    }
    for (int i = 0; i < fig->race->n; i++) {
        const struct traj *t = &fig->race->r[i].traj;
        for (size_t k = 0; k < traj_count(t); k++) {
            struct traj_point p = traj_get(t, k);
            double u[2];
            draw_frame_map(fr, p.x, p.y, u);
            if (finite2(u[0], u[1]) && in_rect(r, u[0], u[1])) {
                count++;
            }
        }
    }
    for (int k = 0; k < fig->nminima && k < 6; k++) {
        double u[2];
        draw_frame_map(fr, fig->minima_xy[k][0], fig->minima_xy[k][1], u);
        if (in_rect(r, u[0], u[1])) {
            count += 50;
        }
    }
    return count;
}

void draw_layout(int width, int height, const struct draw_figure *fig, struct draw_layout *out)
{
    memset(out, 0, sizeof *out);
    double F = base_font(width, height, fig);
    out->font = F;
    double W = width, H = height;
    double m = 0.9 * F;
    double top = m, bottom = H - m, left = m, right = W - m;
    if (fig->title && fig->title[0]) {
        out->title_y = m + 1.25 * F;
        top = out->title_y + 1.1 * F;
    }
    if (fig->axes) {
        left += 4.6 * F;      /* y tick labels and the axis name */
        bottom -= 3.0 * F;    /* x tick labels and the axis name */
        top = fmax(top, m + 0.5 * F);
    }
    double cb_space = fig->axes && fig->race ? 5.6 * F : 0.0;
    if (cb_space > 0 && !(fig->title && fig->title[0])) {
        top = fmax(top, m + 1.4 * F);   /* room for the colour bar's name */
    }
    int n = fig->race ? fig->race->n : 0;
    bool want_panel = (fig->legend && n > 0) || (fig->inset && fig->race);
    double panel_w = want_panel ? clampd(0.29 * W, 15.0 * F, 26.0 * F) : 0.0;
    bool side = want_panel && W - panel_w - (left + cb_space) - m >= 0.55 * (bottom - top)
                && W >= 1.2 * H;
    double box_r = right - (side ? panel_w + 1.4 * F : 0.0) - cb_space;
    double bw = box_r - left, bh = bottom - top;
    if (bw < 10 || bh < 10) {
        bw = fmax(bw, 10);
        bh = fmax(bh, 10);
    }
    /* Nearly equal scales on x and y, so paths keep their angles: one unit of x may be drawn
     * at most 1.6 times as long as one unit of y (or the reverse) to fill the space. */
    double dx = fig->view[1] - fig->view[0], dy = fig->view[3] - fig->view[2];
    double aspect = dx > 0 && dy > 0 ? dx / dy : 1.0;
    struct draw_rect plot = {left, top, bw, bh};
    const double stretch = 1.6;
    if (bw / bh > aspect * stretch) {
        plot.w = bh * aspect * stretch;
    } else if (bw / bh < aspect / stretch) {
        plot.h = bw / aspect * stretch;   /* top-aligned: stays close to its title */
    }
    out->plot = plot;
    if (cb_space > 0) {
        out->colorbar = (struct draw_rect){plot.x + plot.w + 1.0 * F, plot.y, 0.85 * F, plot.h};
    }
    double px = plot.x + plot.w + cb_space + (cb_space > 0 ? 0.6 * F : 1.4 * F);
    if (side) {
        /* Right-hand panel: legend on top, inset below, spanning the plot's height. */
        double pw = fmin(right - px, 30.0 * F);
        double ph = fmax(plot.h + (fig->axes ? 1.0 * F : 0.0), fmin(bottom - plot.y, 26.0 * F));
        double legend_need = fig->legend && n > 0 ? n * 2.55 * F : 0.0;
        double inset_h = 0.0;
        if (fig->inset) {
            inset_h = legend_need > 0 ? clampd(ph - legend_need - 1.2 * F, 0.36 * ph, 0.5 * ph)
                                      : 0.5 * ph;
        }
        if (legend_need > 0) {
            double lh = ph - (inset_h > 0 ? inset_h + 1.2 * F : 0.0);
            out->legend = (struct draw_rect){px, plot.y, pw, fmin(lh, legend_need)};
        }
        if (inset_h > 0) {
            out->inset = (struct draw_rect){px, plot.y + ph - inset_h, pw, inset_h};
        }
        return;
    }
    if (!want_panel) {
        return;
    }
    /* Narrow figure: legend and inset inside the plot, in its least busy corners. */
    out->legend_inside = true;
    struct draw_frame fr = {plot, {fig->view[0], fig->view[1], fig->view[2], fig->view[3]}};
    double lf = 0.8 * F;
    double lw = 0, lh = 0;
    if (fig->legend && n > 0) {
        size_t longest = 22;
        for (int i = 0; i < n; i++) {
            size_t len = strlen(fig->race->r[i].label);
            longest = len > longest ? len : longest;
        }
        lw = fmin(0.55 * plot.w, (double)longest * 0.6 * lf + 4.2 * lf);
        lh = fmin(0.7 * plot.h, n * 2.55 * lf + 1.2 * lf);
    }
    double iw = fig->inset ? 0.45 * plot.w : 0.0, ih = fig->inset ? 0.32 * plot.h : 0.0;
    double g = 0.6 * F;
    struct draw_rect corner[4];
    double w = fmax(lw, iw), h = fmax(lh, ih);
    corner[0] = (struct draw_rect){plot.x + plot.w - g - w, plot.y + g, w, h};           /* TR */
    corner[1] = (struct draw_rect){plot.x + g, plot.y + g, w, h};                        /* TL */
    corner[2] = (struct draw_rect){plot.x + plot.w - g - w, plot.y + plot.h - g - h, w, h};
    corner[3] = (struct draw_rect){plot.x + g, plot.y + plot.h - g - h, w, h};           /* BL */
    long busy[4];
    for (int c = 0; c < 4; c++) {
        busy[c] = points_in(fig, &fr, &corner[c]);
    }
    int best = 0, second = -1;
    for (int c = 1; c < 4; c++) {
        if (busy[c] < busy[best]) {
            best = c;
        }
    }
    for (int c = 0; c < 4; c++) {
        if (c != best && (second < 0 || busy[c] < busy[second])) {
            second = c;
        }
    }
    int lc = lw > 0 ? best : -1;
    int ic = fig->inset ? (lc >= 0 ? second : best) : -1;
    if (lc >= 0) {
        struct draw_rect c = corner[lc];
        double x = (lc == 0 || lc == 2) ? c.x + c.w - lw : c.x;
        double y = (lc >= 2) ? c.y + c.h - lh : c.y;
        out->legend = (struct draw_rect){x, y, lw, lh};
    }
    if (ic >= 0) {
        struct draw_rect c = corner[ic];
        double x = (ic == 0 || ic == 2) ? c.x + c.w - iw : c.x;
        double y = (ic >= 2) ? c.y + c.h - ih : c.y;
        out->inset = (struct draw_rect){x, y, iw, ih};
    }
}

/* ------------------------------------------------------------------ the figure */

void draw_figure(cairo_t *cr, int width, int height, const struct draw_figure *fig)
{
    if (width <= 0 || height <= 0) {
        return;
    }
    struct draw_layout lay;
    draw_layout(width, height, fig, &lay);
    double F = lay.font;
    cairo_save(cr);
    cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
    cairo_rectangle(cr, 0, 0, width, height);
    cairo_fill(cr);

    bool view_ok = finite2(fig->view[0], fig->view[1]) && finite2(fig->view[2], fig->view[3])
                   && fig->view[1] > fig->view[0] && fig->view[3] > fig->view[2];
    struct draw_frame fr = {lay.plot, {0, 1, 0, 1}};
    if (view_ok) {
        memcpy(fr.view, fig->view, sizeof fr.view);
    }
    struct draw_scale scale = {false, 0.0, 1.0, 0.0, 1.0};
    if (fig->race && view_ok) {
        draw_heatmap(cr, &fr, fig->race, fig->log_scale, &scale);
        if (fig->contours) {
            draw_contours(cr, &fr, fig->race, &scale, 14, F);
        }
    } else {
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.92);
        cairo_rectangle(cr, fr.r.x, fr.r.y, fr.r.w, fr.r.h);
        cairo_fill(cr);
    }
    if (fig->minima && view_ok) {
        int nm = fig->nminima < 0 ? 0 : (fig->nminima > 6 ? 6 : fig->nminima);
        draw_minima(cr, &fr, nm, (const double (*)[2])fig->minima_xy, F);
    }
    if (fig->trails && fig->race && view_ok) {
        draw_trails(cr, &fr, fig->race, fig->highlight, F);
    }
    if (fig->axes) {
        draw_axes(cr, &fr, F);
        if (fig->race && view_ok) {
            draw_colorbar(cr, &lay.colorbar, &scale, F);
        }
    }
    if (lay.title_y > 0) {
        cairo_set_source_rgb(cr, ink[0], ink[1], ink[2]);
        set_font(cr, 1.3 * F, true, false);
        char buf[256];
        fit_text(cr, fig->title, width - 2 * F, buf, sizeof buf);
        double cx = lay.legend_inside || lay.legend.w + lay.inset.w == 0
                    ? 0.5 * width : lay.plot.x + 0.5 * lay.plot.w;
        text_at(cr, cx, lay.title_y, buf, 0.5, 0.0);
    }
    if (fig->legend && lay.legend.w > 0) {
        draw_legend(cr, &lay.legend, fig->race, fig->highlight,
                    lay.legend_inside ? 0.8 * F : F, lay.legend_inside);
    }
    if (fig->inset && lay.inset.w > 0) {
        draw_loss_inset(cr, &lay.inset, fig->race, fig->highlight,
                        lay.legend_inside ? 0.75 * F : F);
    }
    cairo_restore(cr);
}

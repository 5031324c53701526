/* figure.c: the figure's geometry: frames, ticks, the colour scale, the layout of every
 * element, and the step-dot rule, shared by the cairo and GL renderers. */
#include "figure/figure.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/i18n.h"
#include "sim/util.h"

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* ------------------------------------------------------------------ geometry */

void figure_frame_map(const struct figure_frame *fr, double x, double y, double out[2])
{
    out[0] = fr->r.x + (x - fr->view[0]) / (fr->view[1] - fr->view[0]) * fr->r.w;
    out[1] = fr->r.y + (fr->view[3] - y) / (fr->view[3] - fr->view[2]) * fr->r.h;
}

void figure_frame_unmap(const struct figure_frame *fr, double ux, double uy, double out[2])
{
    out[0] = fr->view[0] + (ux - fr->r.x) / fr->r.w * (fr->view[1] - fr->view[0]);
    out[1] = fr->view[3] - (uy - fr->r.y) / fr->r.h * (fr->view[3] - fr->view[2]);
}

bool figure_rect_contains(const struct figure_rect *r, double x, double y)
{
    return x >= r->x && x <= r->x + r->w && y >= r->y && y <= r->y + r->h;
}

double figure_nice_step(double range, int target)
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

struct figure_frame figure_plot_frame(const struct figure *fig)
{
    struct figure_frame fr = {fig->lay.plot, {0, 1, 0, 1}};
    const double *v = fig->field.view;
    if (isfinite(v[0]) && isfinite(v[1]) && isfinite(v[2]) && isfinite(v[3]) && v[1] > v[0] &&
        v[3] > v[2]) {
        memcpy(fr.view, v, sizeof fr.view);
    }
    return fr;
}

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

void figure_runner_rgb(int i, double rgb[3])
{
    int k = ((i % NPALETTE) + NPALETTE) % NPALETTE;
    for (int c = 0; c < 3; c++) {
        rgb[c] = palette[k][c];
    }
}

/* ------------------------------------------------------------------ colour scale */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void figure_scale_fit(struct figure_scale *s, const double *v, size_t n, bool log_scale)
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

void figure_scale_fit_view(struct figure_scale *s, const struct race *race,
                           const double view[4], bool log_scale)
{
    enum { N = 96 };
    double *v = xmalloc((size_t)N * N * sizeof *v);
    double dx = view[1] - view[0], dy = view[3] - view[2];
    for (int j = 0; j < N; j++) {
        double y = view[3] - (j + 0.5) / N * dy;
        for (int i = 0; i < N; i++) {
            double g[2];
            v[(size_t)j * N + i] = race_objective(race, view[0] + (i + 0.5) / N * dx, y, g);
        }
    }
    figure_scale_fit(s, v, (size_t)N * N, log_scale);
    free(v);
}

double figure_scale_t(const struct figure_scale *s, double f)
{
    if (!isfinite(f)) {
        return NAN;
    }
    double u = s->log ? log10(fmax(f - s->fmin, 0.0) + s->eps) : f;
    return (u - s->lo) / (s->hi - s->lo);
}

double figure_scale_value(const struct figure_scale *s, double t)
{
    double u = s->lo + t * (s->hi - s->lo);
    return s->log ? pow(10.0, u) - s->eps + s->fmin : u;
}

/* ------------------------------------------------------------------ steps */

double figure_dot_size(double width)
{
    return fmax(5.0, 1.8 * width);
}

bool figure_step_dot(const struct figure_frame *fr, double ax, double ay, double bx, double by,
                     double dot_px)
{
    double a[2], b[2];
    figure_frame_map(fr, ax, ay, a);
    figure_frame_map(fr, bx, by, b);
    double d = hypot(b[0] - a[0], b[1] - a[1]);
    return isfinite(d) && d >= 2.5 * dot_px;
}

bool figure_series_log_axis(const struct figure *fig)
{
    for (int i = 0; i < fig->nseries; i++) {
        const struct figure_series *sr = &fig->series[i];
        for (size_t k = 0; k < sr->n; k++) {
            if (isfinite(sr->pts[k].loss) && (k == 0 || !sr->diverged) &&
                sr->pts[k].loss <= 0.0) {
                return false;
            }
        }
    }
    return true;
}

double figure_lr_width(double lr, double lr_ref)
{
    if (!(lr_ref > 0.0) || !isfinite(lr_ref)) {
        return 1.0;
    }
    if (!(lr > 0.0) || !isfinite(lr)) {
        return isfinite(lr) ? 0.3 : 1.0;
    }
    double w = 1.0 + 0.4 * log10(lr / lr_ref);
    w = round(w * 16.0) / 16.0;
    return clampd(w, 0.3, 1.0);
}

struct figure_rect figure_inset_area(const struct figure *fig)
{
    struct figure_rect a = fig->lay.inset;
    const struct figure_rect *b = &fig->lay.lrplot;
    if (a.w <= 0) {
        return *b;
    }
    if (b->w > 0) {
        double x1 = fmax(a.x + a.w, b->x + b->w), y1 = fmax(a.y + a.h, b->y + b->h);
        a.x = fmin(a.x, b->x);
        a.y = fmin(a.y, b->y);
        a.w = x1 - a.x;
        a.h = y1 - a.y;
    }
    return a;
}

/* The loss plot's rectangle split: the loss plot above, the learning-rate plot below it with
 * a small gap, when fig->lrplot asks and there is room for both. */
static void split_inset(struct figure *fig, double F)
{
    struct figure_rect *in = &fig->lay.inset;
    if (!fig->lrplot || in->w <= 0 || in->h < 14.0 * F) {
        return;
    }
    double gap = 0.5 * F;
    double lh = fmax(0.4 * (in->h - gap), 6.5 * F);
    fig->lay.lrplot = (struct figure_rect){in->x, in->y + in->h - lh, in->w, lh};
    in->h -= lh + gap;
}

/* ------------------------------------------------------------------ layout */

void figure_init(struct figure *fig, int width, int height)
{
    memset(fig, 0, sizeof *fig);
    fig->width = width;
    fig->height = height;
    fig->font_scale = 1.0;
    fig->field.view[1] = fig->field.view[3] = 1.0;
    fig->field.scale = (struct figure_scale){false, 0.0, 1.0, 0.0, 1.0};
}

static double base_font(const struct figure *fig)
{
    double s = fig->font_scale > 0 ? fig->font_scale : 1.0;
    double h = fmin((double)fig->height, fig->width / 1.2);
    return fmax(8.0, 0.0215 * h) * s;
}

/* How many path points and minima fall in r: how busy a corner of the plot is. */
static long points_in(const struct figure *fig, const struct figure_frame *fr,
                      const struct figure_rect *r)
{
    long count = 0;
    for (int i = 0; i < fig->npaths; i++) {
        const struct traj *t = fig->path[i].traj;
        size_t n = t ? traj_count(t) : 0;
        for (size_t k = 0; k < n; k++) {
            struct traj_point p = traj_get(t, k);
            double u[2];
            figure_frame_map(fr, p.x, p.y, u);
            if (isfinite(u[0]) && isfinite(u[1]) && figure_rect_contains(r, u[0], u[1])) {
                count++;
            }
        }
    }
    for (int k = 0; k < fig->nmarkers; k++) {
        double u[2];
        figure_frame_map(fr, fig->marker[k].x, fig->marker[k].y, u);
        if (fig->marker[k].shape == FIGURE_MARK_STAR && figure_rect_contains(r, u[0], u[1])) {
            count += 50;
        }
    }
    return count;
}

/* Width of s at size: measured by fig->measure, else estimated (0.62 em a character). */
static double text_width(const struct figure *fig, const char *s, double size, bool bold)
{
    if (fig->measure) {
        return fig->measure(s, size, bold);
    }
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        chars += (*p & 0xC0) != 0x80;   /* code points, not bytes */
    }
    return (double)chars * 0.62 * size;
}

/* The toast: centred low over the plot, as wide as its text needs. */
static void place_toast(struct figure *fig, double F)
{
    if (!fig->toast[0]) {
        return;
    }
    double tf = 0.9 * F;
    double w = fmin(text_width(fig, fig->toast, tf, false) + 2.4 * tf, fig->width - 2.0);
    double h = 2.2 * tf;
    struct figure_rect *pl = &fig->lay.plot;
    fig->lay.toast = (struct figure_rect){pl->x + 0.5 * pl->w - 0.5 * w,
                                          pl->y + pl->h - h - 1.2 * F, w, h};
    if (fig->lay.toast.x < 1.0) {
        fig->lay.toast.x = 1.0;
    }
}

void figure_layout(struct figure *fig)
{
    struct figure_layout *out = &fig->lay;
    memset(out, 0, sizeof *out);
    double F = base_font(fig);
    out->font = F;
    double W = fig->width, H = fig->height;
    double m = 0.9 * F;
    double top = m, bottom = H - m, left = m, right = W - m;
    if (fig->title[0]) {
        out->title_y = m + 1.25 * F;
        top = out->title_y + 1.1 * F;
    }
    /* Large text (font_scale above 1): the settings line would run into the colour bar's
     * name, so that name gets a line of its own below it. */
    bool large = fig->font_scale > 1.0;
    if (fig->subtitle[0]) {
        out->subtitle_y = (out->title_y > 0 ? out->title_y : m) + 1.3 * F;
        top = out->subtitle_y + (large && fig->colorbar ? 1.7 : 0.9) * F;
    }
    if (fig->axes) {
        left += 4.6 * F;      /* y tick labels and the axis name */
        bottom -= 3.0 * F;    /* x tick labels and the axis name */
        top = fmax(top, m + 0.5 * F);
    }
    if (fig->twin && (fig->caption[0] || fig->twin->caption[0])) {
        out->caption_y = top + 1.0 * F;   /* each plot's heading */
        top = out->caption_y + 0.6 * F;
    }
    double cb_space = fig->colorbar ? 5.6 * F : 0.0;
    if (cb_space > 0 && !fig->title[0]) {
        top = fmax(top, m + 1.4 * F);   /* room for the colour bar's name */
    }
    int n = fig->nentries;
    bool want_panel = (fig->legend && n > 0) || fig->inset;
    double panel_w = want_panel ? clampd(0.29 * W, 15.0 * F, 26.0 * F) : 0.0;
    bool side = want_panel && W - panel_w - (left + cb_space) - m >= 0.55 * (bottom - top)
                && W >= 1.2 * H && !fig->twin;
    /* A split view's legend: a strip under both plots (they need the width). */
    double strip_h = fig->twin && fig->legend && n > 0 ? n * 2.55 * F + 1.2 * F
                                                       : 0.0;
    double status_need = fig->twin && (fig->status[0][0] || fig->status[1][0]) ? 2.7 * F : 0.0;
    if (fig->twin) {
        bottom -= strip_h + status_need + (strip_h > 0 ? 0.6 * F : 0.0);
    }
    double box_r = right - (side ? panel_w + 1.4 * F : 0.0) - cb_space;
    double bw = box_r - left, bh = bottom - top;
    /* A split view: two plots of one size, the right one's y labels in the gap. */
    double gap = fig->twin ? (fig->axes ? 5.2 * F : 1.4 * F) : 0.0;
    if (fig->twin) {
        bw = 0.5 * (bw - gap);
    }
    bw = fmax(bw, 10);
    bh = fmax(bh, 10);
    /* Nearly equal scales on x and y, so paths keep their angles: one unit of x may be drawn
     * at most 1.6 times as long as one unit of y (or the reverse) to fill the space. */
    double dx = fig->field.view[1] - fig->field.view[0];
    double dy = fig->field.view[3] - fig->field.view[2];
    double aspect = dx > 0 && dy > 0 ? dx / dy : 1.0;
    struct figure_rect plot = {left, top, bw, bh};
    const double stretch = fig->twin ? 1.0 : 1.6;   /* split: circles stay circles */
    if (!fig->view3d) {
        if (bw / bh > aspect * stretch) {
            plot.w = bh * aspect * stretch;
        } else if (bw / bh < aspect / stretch) {
            plot.h = bw / aspect * stretch;   /* top-aligned: stays close to its title */
        }
    }
    out->plot = plot;
    struct figure_rect last = plot;   /* the rightmost plot: the colour bar and panels follow */
    if (fig->twin) {
        out->plot2 = (struct figure_rect){plot.x + plot.w + gap, plot.y, plot.w, plot.h};
        last = out->plot2;
    }
    if (cb_space > 0) {
        out->colorbar = (struct figure_rect){last.x + last.w + 1.0 * F, plot.y, 0.85 * F,
                                             plot.h};
    }
    /* The window's status: two small lines at the bottom right, under the panels; exports
     * leave the place empty, so every other element sits where the window has it. Large
     * text: room for the first line on two (draw_status breaks it after a comma or a dot). */
    double status_h = (large ? 3.5 : 2.3) * F;
    if (fig->twin) {
        double below = plot.y + plot.h + (fig->axes ? 3.0 * F : 0.6 * F);
        double x0 = fig->axes ? plot.x - 3.6 * F : plot.x;
        double w = fmax(last.x + last.w + cb_space - x0, 10.0);
        if (strip_h > 0) {   /* as wide as its rows need, not the whole figure */
            out->legend = (struct figure_rect){x0, below, fmin(w, fmax(plot.w, 32.0 * F)),
                                               strip_h};
        }
        if (status_need > 0) {
            out->status = (struct figure_rect){x0, below + strip_h + 0.4 * F, w, status_h};
        }
        place_toast(fig, F);
        return;
    }
    if (side) {
        double px = last.x + last.w + cb_space + (cb_space > 0 ? 0.6 * F : 1.4 * F);
        double pw = fmin(right - px, 30.0 * F);
        double ph = fmax(plot.h + (fig->axes ? 1.0 * F : 0.0), fmin(bottom - plot.y, 26.0 * F));
        ph = fmin(ph, H - m - status_h - 0.4 * F - plot.y);
        double legend_need = fig->legend && n > 0 ? n * 2.55 * F + 1.2 * F : 0.0;
        /* Large text: one line per runner (its label) when two would crowd out the loss
         * plot, so that neither has to shrink its text. */
        if (large && legend_need > 0 && fig->inset && legend_need + 1.2 * F > 0.64 * ph) {
            out->legend_compact = true;
            legend_need = n * FIGURE_LEGEND_COMPACT_ROW * F + 1.2 * F;
        }
        double inset_h = 0.0;
        if (fig->inset) {
            double most = (out->legend_compact ? 0.7 : fig->lrplot ? 0.62 : 0.5) * ph;
            inset_h = legend_need > 0 ? clampd(ph - legend_need - 1.2 * F,
                                               (out->legend_compact ? 0.3 : 0.36) * ph, most)
                                      : (fig->lrplot ? 0.62 : 0.5) * ph;   /* the lr plot shares it */
        }
        if (legend_need > 0) {
            double lh = ph - (inset_h > 0 ? inset_h + 1.2 * F : 0.0);
            out->legend = (struct figure_rect){px, plot.y, pw, fmin(lh, legend_need)};
        }
        if (inset_h > 0) {
            out->inset = (struct figure_rect){px, plot.y + ph - inset_h, pw, inset_h};
            split_inset(fig, F);
        }
        if (fig->status[0][0] || fig->status[1][0]) {
            out->status = (struct figure_rect){px, H - m - status_h, pw, status_h};
        }
        place_toast(fig, F);
        return;
    }
    if (fig->status[0][0] || fig->status[1][0]) {
        out->status = (struct figure_rect){m, H - m - status_h, W - 2 * m, status_h};
    }
    place_toast(fig, F);
    if (!want_panel) {
        return;
    }
    /* Narrow figure: legend and inset inside the plot, in its least busy corners. */
    out->legend_inside = true;
    struct figure_frame fr = figure_plot_frame(fig);
    fr.r = plot;
    double lf = 0.8 * F;
    double lw = 0, lh = 0;
    if (fig->legend && n > 0) {
        /* the widest label, and at least room for a detail line (which changes each step:
         * measured, it would move the card) */
        /* TRANSLATORS: as wide as a legend's detail line, "%sloss %.4g · lr %.3g%s%s" */
        double widest = text_width(fig, _("loss 0.00000 \xC2\xB7 lr 0.00000"), 0.82 * lf, false);
        for (int i = 0; i < n; i++) {
            widest = fmax(widest, text_width(fig, fig->entry[i].label, lf,
                                             fig->entry[i].highlight));
        }
        lw = fmin(0.55 * plot.w, widest + 4.2 * lf);
        lh = fmin(0.7 * plot.h, n * 2.55 * lf + 1.2 * lf);
    }
    double iw = fig->inset ? 0.45 * plot.w : 0.0, ih = fig->inset ? 0.32 * plot.h : 0.0;
    double g = 0.6 * F;
    struct figure_rect corner[4];
    double w = fmax(lw, iw), h = fmax(lh, ih);
    corner[0] = (struct figure_rect){plot.x + plot.w - g - w, plot.y + g, w, h};       /* TR */
    corner[1] = (struct figure_rect){plot.x + g, plot.y + g, w, h};                    /* TL */
    corner[2] = (struct figure_rect){plot.x + plot.w - g - w, plot.y + plot.h - g - h, w, h};
    corner[3] = (struct figure_rect){plot.x + g, plot.y + plot.h - g - h, w, h};       /* BL */
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
        struct figure_rect c = corner[lc];
        double x = (lc == 0 || lc == 2) ? c.x + c.w - lw : c.x;
        double y = (lc >= 2) ? c.y + c.h - lh : c.y;
        out->legend = (struct figure_rect){x, y, lw, lh};
    }
    if (ic >= 0) {
        struct figure_rect c = corner[ic];
        double x = (ic == 0 || ic == 2) ? c.x + c.w - iw : c.x;
        double y = (ic >= 2) ? c.y + c.h - ih : c.y;
        out->inset = (struct figure_rect){x, y, iw, ih};
        split_inset(fig, 0.75 * F);
    }
}

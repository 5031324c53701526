/* dash.c: the CNN dashboard painted with cairo: training curves against images seen (loss,
 * accuracy, learning rate), weight histograms per racer and layer, weight norm and sparsity
 * over time, conv1's filters, test predictions, a confusion matrix and the loss landscape
 * (2-D heatmap with isolines, or a 3-D surface) with every racer's path projected on it. */
#include "draw/dash.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/colormap.h"
#include "draw/contour.h"
#include "draw/draw.h"
#include "draw/overlay.h"
#include "sim/i18n.h"
#include "figure/theme.h"

static const double ink[3] = {0.13, 0.13, 0.16};
static const double soft[3] = {0.40, 0.40, 0.44};
static const double good[3] = {0.10, 0.55, 0.20};
static const double bad[3] = {0.80, 0.12, 0.12};

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

static void set_rgb(cairo_t *cr, const double c[3])
{
    cairo_set_source_rgb(cr, c[0], c[1], c[2]);
}

/* ------------------------------------------------------------------ plot frames */

/* A data window on a rectangle, y up; y may be log10. */
struct axes {
    struct figure_rect a;       /* the plotting area */
    double x0, x1, y0, y1;      /* data range (y in log10 when ylog) */
    bool ylog;
};

static double ax_x(const struct axes *ax, double x)
{
    return ax->a.x + (x - ax->x0) / (ax->x1 - ax->x0) * ax->a.w;
}

static double ax_y(const struct axes *ax, double y)
{
    double v = ax->ylog ? (y > 0 ? log10(y) : NAN) : y;
    return ax->a.y + ax->a.h - (v - ax->y0) / (ax->y1 - ax->y0) * ax->a.h;
}

/* Count with a k/M suffix: 12k, 1.5M. */
static void format_count(double v, char *buf, size_t len)
{
    if (fabs(v) >= 1e6) {
        snprintf(buf, len, "%gM", v / 1e6);
    } else if (fabs(v) >= 1e3) {
        snprintf(buf, len, "%gk", v / 1e3);
    } else {
        snprintf(buf, len, "%g", v);
    }
}

/* The first of a caption's forms (longest first, NULL-terminated) that fits maxw in the
 * current font; when none does, the last one cut with an ellipsis. So a narrow panel (large
 * text) says less instead of cutting a word. */
static void fit_forms(cairo_t *cr, const char *const *forms, double maxw, char *buf, size_t len)
{
    int n = 0;
    while (forms[n]) {
        n++;
    }
    for (int i = 0; i < n - 1; i++) {
        if (draw_text_width(cr, forms[i]) <= maxw) {
            snprintf(buf, len, "%s", forms[i]);
            return;
        }
    }
    draw_fit_text(cr, n ? forms[n - 1] : "", maxw, buf, len);
}

/* Draws a card with a title, the area's frame, grid lines and tick labels; fills ax->a from
 * r. x ticks and the x name only when xname is given. titles and xname are a caption's forms
 * (fit_forms). pct: y labels as percentages. */
static void plot_frame(cairo_t *cr, const struct figure_rect *r, const char *const *titles,
                       struct axes *ax, const char *const *xname, bool pct, double F)
{
    cairo_save(cr);
    double lab = ax->ylog ? 3.0 * F : 3.6 * F;
    ax->a = (struct figure_rect){r->x + lab, r->y + 1.7 * F, 0, 0};
    ax->a.w = r->x + r->w - 0.6 * F - ax->a.x;
    ax->a.h = r->y + r->h - (xname ? 2.7 * F : 0.9 * F) - ax->a.y;
    if (titles) {
        draw_set_font(cr, 0.95 * F, true, false);
        set_rgb(cr, ink);
        char buf[200];
        fit_forms(cr, titles, r->w - 0.4 * F, buf, sizeof buf);
        draw_text_at(cr, r->x + 0.2 * F, r->y + 0.4 * F, buf, 0.0, 1.0);
    }
    if (ax->a.w < 2 * F || ax->a.h < 1.5 * F) {
        ax->a.w = ax->a.h = 0;
        cairo_restore(cr);
        return;
    }
    struct figure_rect a = ax->a;
    cairo_rectangle(cr, a.x, a.y, a.w, a.h);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, ink[0], ink[1], ink[2], 0.7);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
    double size = 0.78 * F;
    draw_set_font(cr, size, false, false);
    char buf[64];
    /* y grid */
    if (ax->ylog) {
        int k0 = (int)ceil(ax->y0 - 1e-9), k1 = (int)floor(ax->y1 + 1e-9);
        int every = 1 + (k1 - k0) / 4;
        /* labels at least 1.3 lines apart: a short plot (large text) labels fewer decades */
        int room = (int)fmax(2.0, floor(a.h / (1.3 * size)));   /* both ends at least */
        while ((k1 - k0) / every + 1 > room && every < k1 - k0 + 1) {
            every++;
        }
        for (int k = k0; k <= k1; k++) {
            if ((k - k0) % every) {
                continue;
            }
            double y = a.y + a.h - (k - ax->y0) / (ax->y1 - ax->y0) * a.h;
            cairo_set_source_rgba(cr, ink[0], ink[1], ink[2], 0.12);
            cairo_move_to(cr, a.x, y);
            cairo_line_to(cr, a.x + a.w, y);
            cairo_stroke(cr);
            set_rgb(cr, ink);
            draw_pow10_label(cr, a.x - 0.3 * F, y, k, size, 1.0, 0.5, true);
        }
    } else {
        double step = figure_nice_step(ax->y1 - ax->y0, (int)clampd(a.h / (2.2 * F), 2, 6));
        for (int k = 0; k < 60; k++) {
            double v = ceil(ax->y0 / step - 1e-9) * step + k * step;
            if (v > ax->y1 + 1e-9 * step) {
                break;
            }
            double y = a.y + a.h - (v - ax->y0) / (ax->y1 - ax->y0) * a.h;
            cairo_set_source_rgba(cr, ink[0], ink[1], ink[2], 0.12);
            cairo_move_to(cr, a.x, y);
            cairo_line_to(cr, a.x + a.w, y);
            cairo_stroke(cr);
            set_rgb(cr, ink);
            if (pct) {
                snprintf(buf, sizeof buf, "%g%%", 100 * v);
            } else {
                draw_format_tick(v, step, buf, sizeof buf);
            }
            draw_text_at(cr, a.x - 0.3 * F, y, buf, 1.0, 0.5);
        }
    }
    if (xname) {
        double step = figure_nice_step(ax->x1 - ax->x0, (int)clampd(a.w / (4.5 * F), 2, 8));
        for (int k = 0; k < 100; k++) {
            double v = ceil(ax->x0 / step - 1e-9) * step + k * step;
            if (v > ax->x1 + 1e-9 * step) {
                break;
            }
            double x = ax_x(ax, v);
            set_rgb(cr, ink);
            cairo_move_to(cr, x, a.y + a.h);
            cairo_line_to(cr, x, a.y + a.h + 0.3 * F);
            cairo_stroke(cr);
            format_count(v, buf, sizeof buf);
            draw_text_at(cr, x, a.y + a.h + 0.5 * F, buf, 0.5, 1.0);
        }
        draw_set_font(cr, size, false, true);
        fit_forms(cr, xname, r->w, buf, sizeof buf);
        double half = 0.5 * draw_text_width(cr, buf);   /* centred, inside the card */
        double cx = fmin(fmax(a.x + 0.5 * a.w, r->x + half), r->x + r->w - half);
        draw_text_at(cr, cx, a.y + a.h + 1.65 * F, buf, 0.5, 1.0);
    }
    cairo_restore(cr);
}

/* One curve, clipped to the area; dots at each point when dot > 0. */
static void plot_curve(cairo_t *cr, const struct axes *ax, const struct dash_curve *c,
                       const double rgb[3], double alpha, double lw, double dot)
{
    if (!c->n || ax->a.w <= 0) {
        return;
    }
    cairo_save(cr);
    cairo_rectangle(cr, ax->a.x, ax->a.y, ax->a.w, ax->a.h);
    cairo_clip(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_width(cr, lw);
    cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], alpha);
    bool pen = false;
    /* long curves: at most about two points per pixel */
    size_t stride = 1 + c->n / (size_t)fmax(1.0, 2.0 * ax->a.w);
    for (size_t k = 0; k < c->n; k += stride) {
        size_t i = k + stride >= c->n ? c->n - 1 : k;
        double x = ax_x(ax, c->x[i]), y = ax_y(ax, c->y[i]);
        if (!isfinite(x) || !isfinite(y)) {
            pen = false;
            continue;
        }
        y = clampd(y, ax->a.y - 2 * lw, ax->a.y + ax->a.h + 2 * lw);
        if (pen) {
            cairo_line_to(cr, x, y);
        } else {
            cairo_move_to(cr, x, y);
        }
        pen = true;
    }
    cairo_stroke(cr);
    if (dot > 0) {
        for (size_t k = 0; k < c->n; k++) {
            double x = ax_x(ax, c->x[k]), y = ax_y(ax, c->y[k]);
            if (isfinite(x) && isfinite(y)) {
                cairo_arc(cr, x, y, dot, 0, 2 * M_PI);
                cairo_fill(cr);
            }
        }
    }
    cairo_restore(cr);
}

static void curve_range(const struct dash_curve *c, double *lo, double *hi)
{
    for (size_t k = 0; k < c->n; k++) {
        if (isfinite(c->y[k])) {
            *lo = fmin(*lo, c->y[k]);
            *hi = fmax(*hi, c->y[k]);
        }
    }
}

static void star(cairo_t *cr, double x, double y, double r)
{
    for (int k = 0; k < 10; k++) {
        double a = -M_PI / 2 + k * M_PI / 5, rr = k % 2 ? 0.45 * r : r;
        if (k == 0) {
            cairo_move_to(cr, x + rr * cos(a), y + rr * sin(a));
        } else {
            cairo_line_to(cr, x + rr * cos(a), y + rr * sin(a));
        }
    }
    cairo_close_path(cr);
}

/* ------------------------------------------------------------------ training curves */

static double x_end(const struct dash *d)
{
    double e = d->images_total;
    for (int i = 0; i < d->nracers; i++) {
        const struct dash_curve *c = &d->r[i].train_loss;
        if (c->n) {
            e = fmax(e, c->x[c->n - 1]);
        }
    }
    return e > 0 ? e : 1;
}

/* How many of the curves' points fall inside the box: where a legend would hide them. */
static long points_under(const struct dash *d, const struct axes *ax, double x, double y,
                         double w, double h)
{
    long n = 0;
    for (int i = 0; i < d->nracers; i++) {
        const struct dash_curve *cs[2] = {&d->r[i].train_loss, &d->r[i].val_loss};
        for (int c = 0; c < 2; c++) {
            for (size_t k = 0; k < cs[c]->n; k++) {
                double px = ax_x(ax, cs[c]->x[k]), py = ax_y(ax, cs[c]->y[k]);
                py = clampd(py, ax->a.y, ax->a.y + ax->a.h);
                n += px >= x && px <= x + w && py >= y && py <= y + h;
            }
        }
    }
    return n;
}

static void draw_legend_rows(cairo_t *cr, const struct dash *d, const struct axes *ax, double F)
{
    /* a card in the corner of the loss plot that hides the fewest points of the curves: each
     * racer and the line styles (on two rows when one is too narrow for both) */
    double size = 0.78 * F;
    draw_set_font(cr, size, false, false);
    double w = 0;
    for (int i = 0; i < d->nracers; i++) {
        char buf[200];
        snprintf(buf, sizeof buf, "%s%s%s", d->r[i].label, d->r[i].detail[0] ? " " : "",
                 d->r[i].detail);
        w = fmax(w, draw_text_width(cr, buf));
    }
    double vw = draw_text_width(cr, _("validation"));
    double tw = draw_text_width(cr, _("training (smoothed)"));
    double styles = vw + tw + 2.9 * F;
    double wmax = 0.75 * ax->a.w;
    bool two = styles + 0.6 * F > wmax;   /* the line styles one under the other */
    double need = two ? fmax(vw, tw) + 2.4 * F : styles + 0.6 * F;
    w = fmin(fmax(w + 2.6 * F, need), fmax(wmax, need));
    double rh = 1.15 * size, h = (d->nracers + (two ? 2 : 1)) * rh + 0.6 * F;
    double pad = 0.4 * F;
    double xs[2] = {ax->a.x + ax->a.w - w - pad, ax->a.x + pad};
    double ys[2] = {ax->a.y + pad, ax->a.y + ax->a.h - h - pad};
    /* top right, bottom left, bottom right, top left: the first that hides the fewest */
    static const int order[4][2] = {{0, 0}, {1, 1}, {0, 1}, {1, 0}};
    double x = xs[0], y = ys[0];
    long best = -1;
    for (int k = 0; k < 4 && ys[1] > ys[0]; k++) {
        long n = points_under(d, ax, xs[order[k][0]], ys[order[k][1]], w, h);
        if (best < 0 || n < best) {
            best = n;
            x = xs[order[k][0]];
            y = ys[order[k][1]];
        }
    }
    cairo_save(cr);
    draw_rounded_rect(cr, x, y, w, h, 0.3 * F);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.88);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, ink[0], ink[1], ink[2], 0.3);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    for (int i = 0; i < d->nracers; i++) {
        const struct dash_racer *r = &d->r[i];
        double rgb[3], yy = y + 0.3 * F + (i + 0.5) * rh;
        dash_racer_rgb(r->color, rgb);
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        cairo_set_line_width(cr, 0.22 * F);
        cairo_move_to(cr, x + 0.4 * F, yy);
        cairo_line_to(cr, x + 1.7 * F, yy);
        cairo_stroke(cr);
        char buf[200], fit[200];
        snprintf(buf, sizeof buf, "%s%s%s%s", r->label, r->detail[0] ? " " : "", r->detail,
                 r->diverged ? _(" \xE2\x80\x94 diverged")
                 : r->stopped ? _(" \xE2\x80\x94 stopped early") : "");
        draw_fit_text(cr, buf, w - 2.3 * F, fit, sizeof fit);
        set_rgb(cr, r->diverged ? bad : ink);
        draw_text_at(cr, x + 2.0 * F, yy, fit, 0.0, 0.5);
    }
    double yy = y + 0.3 * F + (d->nracers + 0.5) * rh;
    set_rgb(cr, soft);
    cairo_set_line_width(cr, 0.22 * F);
    cairo_move_to(cr, x + 0.4 * F, yy);
    cairo_line_to(cr, x + 1.7 * F, yy);
    cairo_stroke(cr);
    draw_text_at(cr, x + 2.0 * F, yy, _("validation"), 0.0, 0.5);
    double x2 = x + 2.0 * F + vw + 1.0 * F;
    if (two) {
        x2 = x + 0.4 * F;
        yy += rh;
    }
    cairo_set_source_rgba(cr, soft[0], soft[1], soft[2], 0.45);
    cairo_set_line_width(cr, 0.11 * F);
    cairo_move_to(cr, x2, yy);
    cairo_line_to(cr, x2 + 1.3 * F, yy);
    cairo_stroke(cr);
    set_rgb(cr, soft);
    draw_text_at(cr, x2 + 1.6 * F, yy, _("training (smoothed)"), 0.0, 0.5);
    cairo_restore(cr);
}

/* The x axes' name, long and short. */
#define IMAGES_SEEN (const char *[]){_("training images seen"), _("images seen"), NULL}

static void draw_curves(cairo_t *cr, const struct dash *d)
{
    const char *const *seen = IMAGES_SEEN;
    double F = d->lay.font, xe = x_end(d);
    /* loss */
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < d->nracers; i++) {
        curve_range(&d->r[i].val_loss, &lo, &hi);
        curve_range(&d->r[i].train_loss, &lo, &hi);
    }
    if (!isfinite(hi)) {
        lo = 0;
        hi = 2.5;
    }
    hi = fmin(hi, 4.0);   /* a diverging racer leaves through the top */
    struct axes ax = {.x0 = 0, .x1 = xe, .y0 = 0, .y1 = fmax(0.5, hi * 1.05)};
    plot_frame(cr, &d->lay.loss,
               (const char *[]){_("loss (cross-entropy) against training images seen"),
                                _("loss (cross-entropy)"), _("loss"), NULL},
               &ax, NULL, false, F);
    for (int i = 0; i < d->nracers; i++) {
        const struct dash_racer *r = &d->r[i];
        double rgb[3];
        dash_racer_rgb(r->color, rgb);
        plot_curve(cr, &ax, &r->train_loss, rgb, 0.45, 0.11 * F, 0);
        plot_curve(cr, &ax, &r->val_loss, rgb, 1.0, (i == d->selected ? 0.26 : 0.2) * F,
                   0.2 * F);
    }
    /* early stopping: the best epoch's point, and whether its weights came back */
    for (int i = 0; i < d->nracers; i++) {
        const struct dash_racer *r = &d->r[i];
        if (!(r->stopped || r->restored) || r->best_epoch <= 0 || ax.a.w <= 0) {
            continue;
        }
        double rgb[3], x = ax_x(&ax, r->best_images), y = ax_y(&ax, r->best_val_loss);
        dash_racer_rgb(r->color, rgb);
        cairo_save(cr);
        cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], 0.6);
        double dash[2] = {0.4 * F, 0.3 * F};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_set_line_width(cr, 0.08 * F);
        cairo_move_to(cr, x, ax.a.y);
        cairo_line_to(cr, x, ax.a.y + ax.a.h);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        star(cr, x, y, 0.6 * F);
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        cairo_fill_preserve(cr);
        set_rgb(cr, ink);
        cairo_set_line_width(cr, 1.0);
        cairo_stroke(cr);
        char buf[96];
        snprintf(buf, sizeof buf, r->restored ? _("best: epoch %d, weights restored")
                                             : _("best: epoch %d"), r->best_epoch);
        draw_set_font(cr, 0.75 * F, true, false);
        double tw = draw_text_width(cr, buf);
        double tx = x + tw + 0.8 * F > ax.a.x + ax.a.w ? x - 0.7 * F : x + 0.7 * F;
        draw_text_at(cr, tx, y + 1.1 * F + 0.9 * F * (i % 3), buf, tx < x ? 1.0 : 0.0, 0.5);
        cairo_restore(cr);
    }
    if (ax.a.w > 0 && d->nracers > 0) {
        draw_legend_rows(cr, d, &ax, F);
    }
    /* accuracy */
    struct axes aa = {.x0 = 0, .x1 = xe, .y0 = 0, .y1 = 1};
    plot_frame(cr, &d->lay.acc, (const char *[]){_("accuracy"), NULL}, &aa, NULL, true, F);
    for (int i = 0; i < d->nracers; i++) {
        const struct dash_racer *r = &d->r[i];
        double rgb[3];
        dash_racer_rgb(r->color, rgb);
        plot_curve(cr, &aa, &r->train_acc, rgb, 0.45, 0.11 * F, 0);
        plot_curve(cr, &aa, &r->val_acc, rgb, 1.0, 0.2 * F, 0.2 * F);
    }
    /* learning rate */
    double llo = INFINITY, lhi = -INFINITY;
    for (int i = 0; i < d->nracers; i++) {
        curve_range(&d->r[i].lr, &llo, &lhi);
    }
    struct axes al = {.x0 = 0, .x1 = xe, .ylog = true, .y0 = -4, .y1 = 0};
    if (isfinite(llo) && llo > 0) {
        al.y0 = floor(log10(llo) - 0.15);
        al.y1 = ceil(log10(lhi) + 0.15);
        if (al.y1 - al.y0 < 1) {
            al.y1 = al.y0 + 1;
        }
    }
    plot_frame(cr, &d->lay.lr,
               (const char *[]){_("learning rate of each optimizer"), _("learning rate"), NULL},
               &al, seen, false, F);
    for (int i = 0; i < d->nracers; i++) {
        double rgb[3];
        dash_racer_rgb(d->r[i].color, rgb);
        plot_curve(cr, &al, &d->r[i].lr, rgb, 1.0, 0.18 * F, 0);
    }
}

/* ------------------------------------------------------------------ weights */

static void draw_histograms(cairo_t *cr, const struct dash *d)
{
    const struct figure_rect *R = &d->lay.hist;
    double F = d->lay.font;
    cairo_save(cr);
    set_rgb(cr, ink);
    draw_set_font(cr, 0.95 * F, true, false);
    char heading[200];
    fit_forms(cr,
              (const char *[]){_("weights of each layer (log counts; the middle bar is zero)"),
                               _("weights of each layer (log counts)"),
                               _("weights of each layer"), NULL},
              R->w - 0.2 * F, heading, sizeof heading);
    draw_text_at(cr, R->x + 0.2 * F, R->y + 0.4 * F, heading, 0.0, 1.0);
    int nl = 0;
    for (int i = 0; i < d->nracers; i++) {
        nl = d->r[i].nlayers > nl ? d->r[i].nlayers : nl;
    }
    if (nl == 0 || d->nracers == 0) {
        cairo_restore(cr);
        return;
    }
    double top = R->y + 2.0 * F, head = 1.1 * F;
    double cw = R->w / nl, rh = (R->h - (top - R->y) - head) / d->nracers;
    double size = 0.72 * F;
    /* column heads: the layer and its size */
    draw_set_font(cr, size, true, false);
    for (int l = 0; l < nl; l++) {
        char buf[64];
        const struct dash_layer *L = &d->r[0].layer[l];
        snprintf(buf, sizeof buf, "%s (%ld)", L->name, L->count);
        draw_text_at(cr, R->x + (l + 0.5) * cw, top + 0.2 * F, buf, 0.5, 1.0);
    }
    /* one shared count axis per column */
    double cmax[DASH_MAX_LAYERS] = {0};
    for (int i = 0; i < d->nracers; i++) {
        for (int l = 0; l < d->r[i].nlayers; l++) {
            for (int b = 0; b < DASH_BINS; b++) {
                cmax[l] = fmax(cmax[l], d->r[i].layer[l].hist[b]);
            }
        }
    }
    for (int i = 0; i < d->nracers; i++) {
        const struct dash_racer *r = &d->r[i];
        double rgb[3];
        dash_racer_rgb(r->color, rgb);
        double y = top + head + i * rh;
        /* the row's label: the racer, its zeros and near zeros (narrow: less of it; the
         * plots below show the norm and the near-zero share) */
        char full[256], mid[256], who[192], fit[256];
        snprintf(who, sizeof who, "%s%s%s", r->label, r->detail[0] ? " " : "", r->detail);
        snprintf(full, sizeof full,
                 _("%s%s%s   exact zeros %ld \xC2\xB7 |w| < 10\xE2\x81\xBB\xC2\xB3: %.1f%% "
                   "\xC2\xB7 \xE2\x80\x96w\xE2\x80\x96 %.2f"),
                 r->label, r->detail[0] ? " " : "", r->detail, r->zeros,
                 r->count ? 100.0 * r->near / r->count : 0.0, r->norm);
        snprintf(mid, sizeof mid, _("%s \xC2\xB7 exact zeros %ld"), who, r->zeros);
        draw_set_font(cr, size, i == d->selected, false);
        fit_forms(cr, (const char *[]){full, mid, who, NULL}, R->w - 0.4 * F, fit, sizeof fit);
        cairo_set_source_rgb(cr, 0.75 * rgb[0], 0.75 * rgb[1], 0.75 * rgb[2]);
        draw_text_at(cr, R->x + 0.2 * F, y + 0.25 * F, fit, 0.0, 1.0);
        double hy = y + 1.2 * F, hh = rh - 1.5 * F;
        if (hh < 0.8 * F) {
            continue;
        }
        for (int l = 0; l < r->nlayers; l++) {
            const struct dash_layer *L = &r->layer[l];
            double x = R->x + l * cw + 0.3 * F, w = cw - 0.6 * F;
            cairo_rectangle(cr, x, hy, w, hh);
            cairo_set_source_rgb(cr, 1, 1, 1);
            cairo_fill_preserve(cr);
            cairo_set_source_rgba(cr, ink[0], ink[1], ink[2], 0.35);
            cairo_set_line_width(cr, 1);
            cairo_stroke(cr);
            double lmax = log10(1.0 + cmax[l]);
            double bw = w / DASH_BINS;
            for (int b = 0; b < DASH_BINS; b++) {
                double c = L->hist[b];
                if (c <= 0 || lmax <= 0) {
                    continue;
                }
                double bh = log10(1.0 + c) / lmax * (hh - 1);
                cairo_rectangle(cr, x + b * bw, hy + hh - bh, fmax(bw - 0.5, 0.5), bh);
            }
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_fill(cr);
            /* zero */
            cairo_set_source_rgba(cr, ink[0], ink[1], ink[2], 0.5);
            cairo_move_to(cr, x + 0.5 * w, hy);
            cairo_line_to(cr, x + 0.5 * w, hy + hh);
            cairo_stroke(cr);
            if (i == d->nracers - 1) {
                char lb[32];
                draw_set_font(cr, 0.65 * F, false, false);
                set_rgb(cr, soft);
                snprintf(lb, sizeof lb, "\xE2\x88\x92%.2g", L->range);
                draw_text_at(cr, x, hy + hh + 0.15 * F, lb, 0.0, 1.0);
                snprintf(lb, sizeof lb, "%.2g", L->range);
                draw_text_at(cr, x + w, hy + hh + 0.15 * F, lb, 1.0, 1.0);
                draw_text_at(cr, x + 0.5 * w, hy + hh + 0.15 * F, "0", 0.5, 1.0);
            }
        }
    }
    cairo_restore(cr);
}

static void draw_weight_time(cairo_t *cr, const struct dash *d)
{
    const struct figure_rect *R = &d->lay.wtime;
    double F = d->lay.font, xe = x_end(d);
    struct figure_rect a = {R->x, R->y + 0.6 * F, 0.5 * R->w - 0.4 * F, R->h - 0.6 * F};
    struct figure_rect b = {R->x + 0.5 * R->w + 0.4 * F, a.y, a.w, a.h};
    double lo = INFINITY, hi = -INFINITY, nlo = INFINITY, nhi = -INFINITY;
    for (int i = 0; i < d->nracers; i++) {
        curve_range(&d->r[i].wnorm, &lo, &hi);
        curve_range(&d->r[i].wnear, &nlo, &nhi);
    }
    if (!isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    double pad = fmax(0.05 * (hi - lo), 1e-3);
    struct axes an = {.x0 = 0, .x1 = xe, .y0 = fmax(0, lo - pad), .y1 = hi + pad};
    plot_frame(cr, &a,
               (const char *[]){_("weight norm \xE2\x80\x96w\xE2\x80\x96"),
                                "\xE2\x80\x96w\xE2\x80\x96", NULL},
               &an, IMAGES_SEEN, false, F);
    struct axes az = {.x0 = 0, .x1 = xe, .y0 = 0,
                      .y1 = isfinite(nhi) ? fmax(0.02, ceil(nhi * 1.1 * 50) / 50) : 0.1};
    plot_frame(cr, &b,
               (const char *[]){_("share |w| < 10\xE2\x81\xBB\xC2\xB3"),
                                "|w| < 10\xE2\x81\xBB\xC2\xB3", NULL},
               &az, IMAGES_SEEN, true, F);
    for (int i = 0; i < d->nracers; i++) {
        double rgb[3];
        dash_racer_rgb(d->r[i].color, rgb);
        plot_curve(cr, &an, &d->r[i].wnorm, rgb, 1.0, 0.18 * F, 0.16 * F);
        plot_curve(cr, &az, &d->r[i].wnear, rgb, 1.0, 0.18 * F, 0.16 * F);
    }
}

/* ------------------------------------------------------------------ the selected network */

/* Blue (negative), white, red (positive). */
static void diverging(double t, double rgb[3])
{
    t = clampd(t, -1, 1);
    if (t < 0) {
        rgb[0] = 1 + t * 0.85;
        rgb[1] = 1 + t * 0.6;
        rgb[2] = 1 + t * 0.2;
    } else {
        rgb[0] = 1 - t * 0.2;
        rgb[1] = 1 - t * 0.85;
        rgb[2] = 1 - t * 0.8;
    }
}

/* Class c's name in the interface's language, or its short form. */
static const char *class_label(const struct dash *d, int c, bool shortname)
{
    if (c < 0 || c >= DASH_CLASSES) {
        return "?";
    }
    const char *name = shortname && d->class_short[c] ? d->class_short[c] : d->class_name[c];
    return name && name[0] ? _(name) : "?";
}

static void draw_network(cairo_t *cr, const struct dash *d)
{
    if (d->nracers == 0) {
        return;
    }
    const struct dash_racer *r = &d->r[d->selected < d->nracers ? d->selected : 0];
    double F = d->lay.font;
    double rgb[3];
    dash_racer_rgb(r->color, rgb);
    cairo_save(cr);
    /* filters */
    const struct figure_rect *R = &d->lay.filters;
    char buf[200], fit[200];
    snprintf(buf, sizeof buf, _("conv1 filters, %s"), r->label);
    draw_set_font(cr, 0.9 * F, true, false);
    set_rgb(cr, ink);
    double side = fmin(R->h - 0.6 * F, (0.5 * R->w) / DASH_FILTERS - 0.4 * F);
    double fx = R->x + R->w - DASH_FILTERS * (side + 0.4 * F);
    fit_forms(cr, (const char *[]){buf, _("conv1 filters"), NULL}, fx - R->x - 0.6 * F, fit,
              sizeof fit);
    draw_text_at(cr, R->x + 0.2 * F, R->y + 0.5 * R->h, fit, 0.0, 0.5);
    double fmax_abs = 1e-12;
    for (int f = 0; f < DASH_FILTERS; f++) {
        for (int k = 0; k < 9; k++) {
            fmax_abs = fmax(fmax_abs, fabs(r->filter[f][k]));
        }
    }
    for (int f = 0; f < DASH_FILTERS && side > 3; f++) {
        double x = fx + f * (side + 0.4 * F), y = R->y + 0.5 * (R->h - side);
        for (int k = 0; k < 9; k++) {
            double c[3];
            diverging(r->filter[f][k] / fmax_abs, c);
            cairo_rectangle(cr, x + (k % 3) * side / 3, y + (k / 3) * side / 3, side / 3 + 0.3,
                            side / 3 + 0.3);
            cairo_set_source_rgb(cr, c[0], c[1], c[2]);
            cairo_fill(cr);
        }
        cairo_rectangle(cr, x, y, side, side);
        cairo_set_source_rgba(cr, ink[0], ink[1], ink[2], 0.5);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
    }
    /* predictions */
    R = &d->lay.preds;
    draw_set_font(cr, 0.9 * F, true, false);
    set_rgb(cr, ink);
    int cols = d->lay.pred_cols > 0 ? d->lay.pred_cols : 6;
    int npred = d->npred;
    if (d->lay.pred_rows > 0 && npred > cols * d->lay.pred_rows) {
        npred = cols * d->lay.pred_rows;   /* compact: fewer, larger */
    }
    int rows = (npred + cols - 1) / cols;
    int right = 0;
    for (int k = 0; k < npred; k++) {
        right += r->pred[k] == d->pred_true[k];
    }
    char shorter[96];
    snprintf(buf, sizeof buf, _("test images: %d of %d right"), right, npred);
    snprintf(shorter, sizeof shorter, _("%d of %d right"), right, npred);
    fit_forms(cr, (const char *[]){buf, shorter, NULL}, R->w - 0.4 * F, fit, sizeof fit);
    draw_text_at(cr, R->x + 0.2 * F, R->y + 0.4 * F, fit, 0.0, 1.0);
    if (rows > 0 && d->pred_img) {
        double top = R->y + 1.9 * F;
        double cellw = R->w / cols, cellh = (R->y + R->h - top) / rows;
        double img = fmin(cellw - 0.4 * F, cellh - 1.3 * F);
        cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, d->img_w, d->img_h);
        for (int k = 0; k < npred && img > 4; k++) {
            unsigned char *px = cairo_image_surface_get_data(s);
            int stride = cairo_image_surface_get_stride(s);
            cairo_surface_flush(s);
            const uint8_t *src = d->pred_img + (size_t)k * d->img_w * d->img_h;
            for (int yy = 0; yy < d->img_h; yy++) {
                uint32_t *row = (uint32_t *)(px + (size_t)yy * stride);
                for (int xx = 0; xx < d->img_w; xx++) {
                    unsigned v = 255u - src[yy * d->img_w + xx];   /* dark ink on white */
                    row[xx] = (v << 16) | (v << 8) | v;
                }
            }
            cairo_surface_mark_dirty(s);
            double x = R->x + (k % cols) * cellw + 0.5 * (cellw - img);
            double y = top + (k / cols) * cellh;
            cairo_save(cr);
            cairo_translate(cr, x, y);
            cairo_scale(cr, img / d->img_w, img / d->img_h);
            cairo_set_source_surface(cr, s, 0, 0);
            cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
            cairo_paint(cr);
            cairo_restore(cr);
            bool ok = r->pred[k] == d->pred_true[k];
            const double *c = ok ? good : bad;
            cairo_rectangle(cr, x - 1, y - 1, img + 2, img + 2);
            set_rgb(cr, c);
            cairo_set_line_width(cr, ok ? 1.5 : 0.18 * F);
            cairo_stroke(cr);
            /* the name, its short form, or that smaller (to half the size) before any cut */
            const char *shortname = class_label(d, r->pred[k], true);
            draw_set_font(cr, 0.68 * F, !ok, false);
            for (double size = 0.62; size > 0.47 &&
                 draw_text_width(cr, shortname) > cellw - 0.2 * F; size -= 0.04) {
                draw_set_font(cr, size * F, !ok, false);
            }
            fit_forms(cr, (const char *[]){class_label(d, r->pred[k], false), shortname, NULL},
                      cellw - 0.2 * F, fit, sizeof fit);
            draw_text_at(cr, x + 0.5 * img, y + img + 0.25 * F, fit, 0.5, 1.0);
        }
        cairo_surface_destroy(s);
    }
    /* confusion matrix (none where compact) */
    R = &d->lay.conf;
    if (R->w <= 0 || R->h <= 0) {
        cairo_restore(cr);
        return;
    }
    draw_set_font(cr, 0.9 * F, true, false);
    set_rgb(cr, ink);
    fit_forms(cr, (const char *[]){_("confusion: true \xE2\x86\x93 predicted \xE2\x86\x92"),
                                   _("confusion"), NULL}, R->w, fit, sizeof fit);
    draw_text_at(cr, R->x, R->y + 0.4 * F, fit, 0.0, 1.0);
    if (r->has_conf) {
        double lab = 4.2 * F;
        double top = R->y + 2.0 * F;
        double cell = fmin((R->w - lab) / DASH_CLASSES, (R->y + R->h - top - 1.2 * F) / DASH_CLASSES);
        for (int t = 0; t < DASH_CLASSES && cell > 2; t++) {
            long row = 0;
            for (int p = 0; p < DASH_CLASSES; p++) {
                row += r->conf[t * DASH_CLASSES + p];
            }
            for (int p = 0; p < DASH_CLASSES; p++) {
                double share = row ? (double)r->conf[t * DASH_CLASSES + p] / row : 0;
                double v = sqrt(share);
                double c[3] = {1 - v * (1 - 0.6 * rgb[0]), 1 - v * (1 - 0.6 * rgb[1]),
                               1 - v * (1 - 0.6 * rgb[2])};
                if (t != p && share > 0.05) {
                    c[0] = 1 - 0.2 * v;
                    c[1] = 1 - 0.9 * v;
                    c[2] = 1 - 0.9 * v;
                }
                cairo_rectangle(cr, R->x + lab + p * cell, top + t * cell, cell - 0.5, cell - 0.5);
                cairo_set_source_rgb(cr, c[0], c[1], c[2]);
                cairo_fill(cr);
                if (cell > 1.6 * F && share >= 0.005) {
                    char n[16];
                    snprintf(n, sizeof n, "%.0f", 100 * share);
                    draw_set_font(cr, 0.55 * F, false, false);
                    set_rgb(cr, v > 0.7 ? (const double[3]){1, 1, 1} : ink);
                    draw_text_at(cr, R->x + lab + (p + 0.5) * cell, top + (t + 0.5) * cell, n,
                                 0.5, 0.5);
                }
            }
            draw_set_font(cr, fmin(0.62 * F, 0.8 * cell), false, false);
            set_rgb(cr, ink);
            draw_text_at(cr, R->x + lab - 0.2 * F, top + (t + 0.5) * cell, class_label(d, t, true),
                         1.0, 0.5);
            char n[8];
            snprintf(n, sizeof n, "%d", t);
            draw_text_at(cr, R->x + lab + (t + 0.5) * cell, top + DASH_CLASSES * cell + 0.2 * F, n,
                         0.5, 1.0);
        }
    } else {
        draw_set_font(cr, 0.75 * F, false, true);
        set_rgb(cr, soft);
        draw_text_at(cr, R->x, R->y + 2.4 * F, _("after the first epoch"), 0.0, 1.0);
    }
    cairo_restore(cr);
}

/* ------------------------------------------------------------------ the landscape */

/* The grid's colour coordinate: log of the loss between the grid's min and max. */
static void land_scale(const struct dash_landscape *L, double *lmin, double *lmax)
{
    *lmin = INFINITY;
    *lmax = -INFINITY;
    for (int k = 0; k < L->n * L->n; k++) {
        double v = L->loss[k];
        if (isfinite(v) && v > 0) {
            *lmin = fmin(*lmin, v);
            *lmax = fmax(*lmax, v);
        }
    }
    if (!isfinite(*lmin)) {
        *lmin = 1;
        *lmax = 10;
    }
    if (*lmax <= *lmin * 1.0001) {
        *lmax = *lmin * 1.01;
    }
}

static double land_t(double v, double lmin, double lmax)
{
    if (!isfinite(v) || v <= 0) {
        return 1.0;
    }
    return clampd(log(v / lmin) / log(lmax / lmin), 0, 1);
}

struct seg_ctx {
    cairo_t *cr;
    const struct axes *ax;
    int n;
};

static void land_segment(void *ud, double x0, double y0, double x1, double y1)
{
    struct seg_ctx *c = ud;
    const struct axes *ax = c->ax;
    double sx = ax->a.w / (c->n - 1), sy = ax->a.h / (c->n - 1);
    cairo_move_to(c->cr, ax->a.x + x0 * sx, ax->a.y + ax->a.h - y0 * sy);
    cairo_line_to(c->cr, ax->a.x + x1 * sx, ax->a.y + ax->a.h - y1 * sy);
}

/* The grid bilinearly at (alpha, beta), in t. */
static double land_at(const struct dash_landscape *L, double a, double b, double lmin,
                      double lmax)
{
    double gx = (a - L->range[0]) / (L->range[1] - L->range[0]) * (L->n - 1);
    double gy = (b - L->range[2]) / (L->range[3] - L->range[2]) * (L->n - 1);
    gx = clampd(gx, 0, L->n - 1.001);
    gy = clampd(gy, 0, L->n - 1.001);
    int i = (int)gx, j = (int)gy;
    double fx = gx - i, fy = gy - j;
    double t00 = land_t(L->loss[j * L->n + i], lmin, lmax);
    double t10 = land_t(L->loss[j * L->n + i + 1], lmin, lmax);
    double t01 = land_t(L->loss[(j + 1) * L->n + i], lmin, lmax);
    double t11 = land_t(L->loss[(j + 1) * L->n + i + 1], lmin, lmax);
    return (1 - fy) * ((1 - fx) * t00 + fx * t10) + fy * ((1 - fx) * t01 + fx * t11);
}

/* 3-D: (u, v, t) in [-1, 1]^2 x [0, 1] to the screen, by yaw and pitch. */
struct cam {
    double cx, cy, s, yaw, pitch;
};

static void project(const struct cam *c, double u, double v, double t, double out[3])
{
    double z = 1.1 * t - 0.55;
    double x1 = cos(c->yaw) * u - sin(c->yaw) * v;
    double y1 = sin(c->yaw) * u + cos(c->yaw) * v;   /* depth before the tilt: away > 0 */
    out[0] = c->cx + c->s * x1;
    out[1] = c->cy - c->s * (z * cos(c->pitch) + y1 * sin(c->pitch));
    out[2] = y1 * cos(c->pitch) - z * sin(c->pitch);   /* larger: farther */
}

struct quad {
    double depth;
    int i, j;
};

static int cmp_quad(const void *a, const void *b)
{
    double x = ((const struct quad *)a)->depth, y = ((const struct quad *)b)->depth;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void draw_land3d(cairo_t *cr, const struct dash *d, const struct figure_rect *area,
                        double lmin, double lmax)
{
    const struct dash_landscape *L = &d->land;
    double F = d->lay.font;
    int n = L->n;
    struct cam c = {area->x + 0.5 * area->w, area->y + 0.55 * area->h,
                    0.36 * fmin(area->w, 1.25 * area->h), L->yaw, L->pitch};
    struct quad *q = malloc(sizeof *q * (size_t)(n - 1) * (n - 1));
    if (!q) {
        return;
    }
    int nq = 0;
    for (int j = 0; j < n - 1; j++) {
        for (int i = 0; i < n - 1; i++) {
            double u = -1 + 2.0 * (i + 0.5) / (n - 1), v = -1 + 2.0 * (j + 0.5) / (n - 1);
            double p[3];
            project(&c, u, v, 0.5, p);
            q[nq++] = (struct quad){p[2], i, j};
        }
    }
    qsort(q, (size_t)nq, sizeof *q, cmp_quad);
    cairo_save(cr);
    cairo_rectangle(cr, area->x, area->y, area->w, area->h);
    cairo_clip(cr);
    cairo_set_line_width(cr, 0.5);
    for (int k = 0; k < nq; k++) {
        int i = q[k].i, j = q[k].j;
        double pts[4][3];
        int di[4] = {0, 1, 1, 0}, dj[4] = {0, 0, 1, 1};
        double tsum = 0;
        for (int m = 0; m < 4; m++) {
            int ii = i + di[m], jj = j + dj[m];
            double t = land_t(L->loss[jj * n + ii], lmin, lmax);
            tsum += t;
            project(&c, -1 + 2.0 * ii / (n - 1), -1 + 2.0 * jj / (n - 1), t, pts[m]);
        }
        cairo_move_to(cr, pts[0][0], pts[0][1]);
        for (int m = 1; m < 4; m++) {
            cairo_line_to(cr, pts[m][0], pts[m][1]);
        }
        cairo_close_path(cr);
        double rgb[3];
        draw_colormap_theme(d->theme, tsum / 4, rgb);
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        cairo_fill_preserve(cr);
        cairo_set_source_rgba(cr, 0, 0, 0, 0.25);
        cairo_stroke(cr);
    }
    free(q);
    /* paths on the surface */
    for (int r = 0; r < d->nracers; r++) {
        const struct dash_curve *pc = &L->path[r];
        if (!pc->n) {
            continue;
        }
        double rgb[3];
        dash_racer_rgb(d->r[r].color, rgb);
        cairo_new_path(cr);
        for (size_t k = 0; k < pc->n; k++) {
            double a = pc->x[k], b = pc->y[k];
            double u = -1 + 2 * (a - L->range[0]) / (L->range[1] - L->range[0]);
            double v = -1 + 2 * (b - L->range[2]) / (L->range[3] - L->range[2]);
            double p[3];
            project(&c, clampd(u, -1, 1), clampd(v, -1, 1), land_at(L, a, b, lmin, lmax) + 0.02,
                    p);
            if (k == 0) {
                cairo_move_to(cr, p[0], p[1]);
            } else {
                cairo_line_to(cr, p[0], p[1]);
            }
        }
        cairo_set_source_rgb(cr, 0.05, 0.05, 0.08);
        cairo_set_line_width(cr, 0.34 * F);
        cairo_stroke_preserve(cr);
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        cairo_set_line_width(cr, 0.2 * F);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
}

static void draw_landscape(cairo_t *cr, const struct dash *d)
{
    const struct dash_landscape *L = &d->land;
    const struct figure_rect *R = &d->lay.land;
    double F = d->lay.font;
    char title[256], around[200];
    if (L->have && L->racer >= 0 && L->racer < d->nracers) {
        snprintf(title, sizeof title, _("landscape around %s \xC2\xB7 %s"), d->r[L->racer].label,
                 L->what);
        snprintf(around, sizeof around, _("landscape around %s"), d->r[L->racer].label);
    } else {
        snprintf(title, sizeof title, "%s", _("loss landscape"));
        snprintf(around, sizeof around, "%s", title);
    }
    const char *const titles[] = {title, around, _("loss landscape"), NULL};
    cairo_save(cr);
    if (!L->have) {
        draw_set_font(cr, 0.95 * F, true, false);
        set_rgb(cr, ink);
        char fit[256];
        fit_forms(cr, titles, R->w - 0.4 * F, fit, sizeof fit);
        draw_text_at(cr, R->x + 0.2 * F, R->y + 0.4 * F, fit, 0.0, 1.0);
        draw_rounded_rect(cr, R->x, R->y + 1.8 * F, R->w, R->h - 1.8 * F, 0.4 * F);
        cairo_set_source_rgb(cr, 0.95, 0.95, 0.96);
        cairo_fill(cr);
        draw_set_font(cr, 0.9 * F, false, true);
        set_rgb(cr, soft);
        char buf[512];
        snprintf(buf, sizeof buf, "%s", L->busy ? _("computing the slice\xE2\x80\xA6") : L->note);
        /* as many lines as the card holds (large text needs more of them) */
        int lines = (int)fmax(4.0, floor((R->h - 3.0 * F) / (1.3 * F)));
        draw_text_wrapped(cr, R->x + 0.5 * R->w, R->y + 0.9 * F + 0.5 * R->h, buf, 0.9 * R->w,
                          1.3 * F, lines);
        if (L->busy) {
            double bw = 0.5 * R->w, bx = R->x + 0.25 * R->w, by = R->y + 0.5 * R->h + 1.2 * F;
            cairo_rectangle(cr, bx, by, bw, 0.5 * F);
            set_rgb(cr, soft);
            cairo_set_line_width(cr, 1);
            cairo_stroke(cr);
            cairo_rectangle(cr, bx, by, bw * clampd(L->progress, 0, 1), 0.5 * F);
            cairo_fill(cr);
        }
        cairo_restore(cr);
        return;
    }
    double lmin, lmax;
    land_scale(L, &lmin, &lmax);
    struct axes ax = {.x0 = L->range[0], .x1 = L->range[1], .y0 = L->range[2],
                      .y1 = L->range[3]};
    struct figure_rect box = *R;
    if (L->view3d) {
        draw_set_font(cr, 0.95 * F, true, false);
        set_rgb(cr, ink);
        char fit[256];
        fit_forms(cr, titles, R->w - 0.4 * F, fit, sizeof fit);
        draw_text_at(cr, R->x + 0.2 * F, R->y + 0.4 * F, fit, 0.0, 1.0);
        struct figure_rect area = {R->x, R->y + 1.8 * F, R->w, R->h - 1.8 * F};
        draw_rounded_rect(cr, area.x, area.y, area.w, area.h, 0.4 * F);
        cairo_set_source_rgb(cr, 0.16, 0.17, 0.21);
        cairo_fill(cr);
        draw_land3d(cr, d, &area, lmin, lmax);
    } else {
        /* square cells: the area as wide as it is tall */
        double side = fmin(R->w - 4.4 * F, R->h - 4.5 * F);
        box.w = side + 4.4 * F;
        plot_frame(cr, &box, NULL, &ax,
                   (const char *[]){_("\xCE\xB1 (direction 1)"), "\xCE\xB1", NULL}, false, F);
        draw_set_font(cr, 0.95 * F, true, false);
        set_rgb(cr, ink);
        char fit[256];
        fit_forms(cr, titles, R->w - 0.4 * F, fit, sizeof fit);
        draw_text_at(cr, R->x + 0.2 * F, R->y + 0.4 * F, fit, 0.0, 1.0);
        if (ax.a.w <= 0) {
            cairo_restore(cr);
            return;
        }
        int n = L->n;
        cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, n, n);
        cairo_surface_flush(s);
        unsigned char *px = cairo_image_surface_get_data(s);
        int stride = cairo_image_surface_get_stride(s);
        for (int j = 0; j < n; j++) {
            uint32_t *row = (uint32_t *)(px + (size_t)(n - 1 - j) * stride);
            for (int i = 0; i < n; i++) {
                row[i] = draw_colormap_theme_rgb24(d->theme,
                                                   land_t(L->loss[j * n + i], lmin, lmax));
            }
        }
        cairo_surface_mark_dirty(s);
        cairo_save(cr);
        cairo_rectangle(cr, ax.a.x, ax.a.y, ax.a.w, ax.a.h);
        cairo_clip(cr);
        /* grid points at cell centres of an n x n image spanning the range */
        double cw = ax.a.w / (n - 1), ch = ax.a.h / (n - 1);
        cairo_translate(cr, ax.a.x - 0.5 * cw, ax.a.y - 0.5 * ch);
        cairo_scale(cr, cw, ch);
        cairo_set_source_surface(cr, s, 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BILINEAR);
        cairo_paint(cr);
        cairo_restore(cr);
        cairo_surface_destroy(s);
        /* isolines, evenly spaced in the colour scale */
        double *g = malloc(sizeof *g * (size_t)n * n);
        if (g) {
            for (int k = 0; k < n * n; k++) {
                g[k] = land_t(L->loss[k], lmin, lmax);
            }
            cairo_save(cr);
            struct seg_ctx sc = {cr, &ax, n};
            for (int lv = 1; lv < 12; lv++) {
                draw_contour_grid(g, n, n, lv / 12.0, land_segment, &sc);
            }
            if (d->theme == SCENE_THEME_LIGHT) {   /* dark lines on the light map */
                const double *c = figure_theme_of(d->theme)->isoline_low;
                cairo_set_source_rgba(cr, c[0], c[1], c[2], 0.4);
            } else {
                cairo_set_source_rgba(cr, 1, 1, 1, 0.45);
            }
            cairo_set_line_width(cr, 0.06 * F + 0.5);
            cairo_stroke(cr);
            cairo_restore(cr);
            free(g);
        }
        /* paths */
        cairo_save(cr);
        cairo_rectangle(cr, ax.a.x, ax.a.y, ax.a.w, ax.a.h);
        cairo_clip(cr);
        for (int r = 0; r < d->nracers; r++) {
            const struct dash_curve *pc = &L->path[r];
            if (!pc->n) {
                continue;
            }
            double rgb[3];
            dash_racer_rgb(d->r[r].color, rgb);
            cairo_new_path(cr);
            for (size_t k = 0; k < pc->n; k++) {
                double x = ax_x(&ax, pc->x[k]), y = ax_y(&ax, pc->y[k]);
                if (k == 0) {
                    cairo_move_to(cr, x, y);
                } else {
                    cairo_line_to(cr, x, y);
                }
            }
            cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
            cairo_set_source_rgb(cr, 0.05, 0.05, 0.08);
            cairo_set_line_width(cr, 0.36 * F);
            cairo_stroke_preserve(cr);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_set_line_width(cr, 0.22 * F);
            cairo_stroke(cr);
            for (size_t k = 0; k < pc->n; k++) {
                double x = ax_x(&ax, pc->x[k]), y = ax_y(&ax, pc->y[k]);
                cairo_arc(cr, x, y, k + 1 == pc->n ? 0.38 * F : 0.16 * F, 0, 2 * M_PI);
                cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
                cairo_fill_preserve(cr);
                cairo_set_source_rgb(cr, 0.05, 0.05, 0.08);
                cairo_set_line_width(cr, 1);
                cairo_stroke(cr);
            }
        }
        /* the centre: the weights the slice is taken around */
        double cx = ax_x(&ax, 0), cy = ax_y(&ax, 0);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_set_line_width(cr, 0.12 * F);
        cairo_move_to(cr, cx - 0.5 * F, cy);
        cairo_line_to(cr, cx + 0.5 * F, cy);
        cairo_move_to(cr, cx, cy - 0.5 * F);
        cairo_line_to(cr, cx, cy + 0.5 * F);
        cairo_stroke(cr);
        cairo_restore(cr);
        cairo_save(cr);
        draw_set_font(cr, 0.8 * F, false, true);
        set_rgb(cr, ink);
        cairo_translate(cr, box.x + 0.6 * F, ax.a.y + 0.5 * ax.a.h);
        cairo_rotate(cr, -M_PI / 2);
        draw_text_at(cr, 0, 0, _("\xCE\xB2 (direction 2)"), 0.5, 0.5);
        cairo_restore(cr);
    }
    /* colour key: loss at both ends of the map */
    double kx = L->view3d ? R->x + R->w - 1.6 * F : box.x + box.w + 0.8 * F;
    double ky = R->y + 2.6 * F, kh = fmin(R->h - 6 * F, 14 * F);
    if (kx + 1.0 * F < R->x + R->w + 1 && kh > 2 * F) {
        for (int k = 0; k < 64; k++) {
            double rgb[3];
            draw_colormap_theme(d->theme, 1.0 - k / 63.0, rgb);
            cairo_rectangle(cr, kx, ky + k * kh / 64, 0.9 * F, kh / 64 + 0.5);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_fill(cr);
        }
        char buf[32];
        draw_set_font(cr, 0.72 * F, false, false);
        set_rgb(cr, L->view3d ? (const double[3]){0.9, 0.9, 0.9} : ink);
        snprintf(buf, sizeof buf, "%.3g", lmax);
        draw_text_at(cr, kx + 0.45 * F, ky - 0.3 * F, buf, L->view3d ? 1.0 : 0.0, 0.0);
        snprintf(buf, sizeof buf, "%.3g", lmin);
        draw_text_at(cr, kx + 0.45 * F, ky + kh + 1.0 * F, buf, L->view3d ? 1.0 : 0.0, 0.0);
        if (!L->view3d) {
            draw_text_at(cr, kx, ky + kh + 2.2 * F, _("loss (log)"), 0.0, 0.0);
        }
        /* which path is whose, where the picture is the landscape alone */
        double ly = ky + kh + 3.6 * F;
        for (int r = 0; L->legend && r < d->nracers && ly < R->y + R->h - 0.5 * F; r++) {
            if (!L->path[r].n) {
                continue;
            }
            double rgb[3];
            dash_racer_rgb(d->r[r].color, rgb);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_arc(cr, kx + 0.4 * F, ly, 0.3 * F, 0, 2 * M_PI);
            cairo_fill(cr);
            set_rgb(cr, L->view3d ? (const double[3]){0.9, 0.9, 0.9} : ink);
            char fit[96];
            draw_fit_text(cr, d->r[r].label, R->x + R->w - kx - 1.1 * F, fit, sizeof fit);
            draw_text_at(cr, kx + 1.0 * F, ly, fit, 0.0, 0.5);
            ly += 1.2 * F;
        }
    }
    if (L->busy) {
        char buf[64];
        snprintf(buf, sizeof buf, _("recomputing\xE2\x80\xA6 %.0f%%"), 100 * L->progress);
        draw_set_font(cr, 0.8 * F, true, false);
        double tw = draw_text_width(cr, buf);
        draw_rounded_rect(cr, R->x + R->w - tw - 1.4 * F, R->y + R->h - 1.9 * F, tw + 1.0 * F,
                          1.5 * F, 0.3 * F);
        cairo_set_source_rgba(cr, 0.1, 0.1, 0.12, 0.8);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 1, 1, 1);
        draw_text_at(cr, R->x + R->w - tw - 0.9 * F, R->y + R->h - 1.15 * F, buf, 0.0, 0.5);
    }
    cairo_restore(cr);
}

/* ------------------------------------------------------------------ the whole */

static void draw_back(cairo_t *cr, const struct dash *d)
{
    const struct dash_layout *l = &d->lay;
    cairo_save(cr);
    const double *bg = figure_theme_of(d->theme)->dash_back;
    cairo_set_source_rgb(cr, bg[0], bg[1], bg[2]);
    cairo_paint(cr);
    set_rgb(cr, ink);
    char fit[256];
    if (l->title_y > 0) {
        draw_set_font(cr, 1.35 * l->font, true, false);
        draw_fit_text(cr, d->title, d->width - 2 * l->font, fit, sizeof fit);
        draw_text_at(cr, 0.8 * l->font, l->title_y, fit, 0.0, 0.0);
    }
    if (l->subtitle_y > 0) {
        draw_set_font(cr, 0.9 * l->font, false, false);
        set_rgb(cr, soft);
        draw_fit_text(cr, d->subtitle, d->width - 2 * l->font, fit, sizeof fit);
        draw_text_at(cr, 0.8 * l->font, l->subtitle_y, fit, 0.0, 0.0);
    }
    cairo_restore(cr);
}

void draw_dash_part(cairo_t *cr, const struct dash *d, enum dash_part part)
{
    switch (part) {
    case DASH_PART_BACK:
        draw_back(cr, d);
        break;
    case DASH_PART_CURVES:
        draw_curves(cr, d);
        break;
    case DASH_PART_WEIGHTS:
        draw_histograms(cr, d);
        draw_weight_time(cr, d);
        break;
    case DASH_PART_LAND:
        draw_landscape(cr, d);
        break;
    case DASH_PART_NET:
        draw_network(cr, d);
        break;
    case DASH_PART_STATUS:
        if (d->lay.status.w > 0) {
            draw_status(cr, &d->lay.status, d->status[0], d->status[1], d->lay.font);
        }
        break;
    case DASH_PART_TOAST:
        if (d->toast[0]) {
            double w, h;
            draw_toast_size(cr, d->toast, d->lay.font, &w, &h);
            double x = fmax(1.0, 0.5 * (d->width - w));
            draw_toast(cr, x, d->lay.toast.y, d->toast, d->toast_error, d->lay.font,
                       d->width - 2.0 * x);
        }
        break;
    case DASH_PART_HELP:
        if (d->help && d->help_entries) {
            draw_help(cr, d->width, d->height, d->help_title ? d->help_title : N_("keys"),
                      d->help_entries, d->nhelp, 1.6 * d->lay.font);
        }
        break;
    case DASH_PARTS:
        break;
    }
}

void draw_dash(cairo_t *cr, const struct dash *d)
{
    for (int p = 0; p < DASH_PARTS; p++) {
        draw_dash_part(cr, d, (enum dash_part)p);
    }
}

static void paint_dash(cairo_t *cr, const void *d)
{
    draw_dash(cr, d);
}

bool draw_dash_export(const char *path, const struct dash *d, char *err, size_t errlen)
{
    return draw_export_paint(path, d->width, d->height, paint_dash, d, err, errlen);
}

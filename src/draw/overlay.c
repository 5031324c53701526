/* overlay.c: the window's status lines, help overlay and toasts drawn with cairo for the window and headless
 * frames; cards in the style of draw.c's legend so that everything reads as one figure. */
#include "draw/overlay.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "draw/draw.h"
#include "sim/i18n.h"

static const double ink[3] = {0.13, 0.13, 0.16};       /* text */
static const double soft[3] = {0.36, 0.36, 0.40};      /* secondary text */

/* ======================================================================== helpers */

static void font(cairo_t *cr, double size, bool bold)
{
    draw_set_font(cr, size, bold, false);
}

static double width_of(cairo_t *cr, const char *s, double size, bool bold)
{
    font(cr, size, bold);
    return draw_text_width(cr, s);
}

static void text(cairo_t *cr, double x, double baseline, const char *s, double size, bool bold,
                 const double rgb[3])
{
    font(cr, size, bold);
    cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
    draw_text_at(cr, x, baseline, s, 0.0, 0.0);
}

static void card(cairo_t *cr, double x, double y, double w, double h, double r,
                 double alpha)
{
    draw_rounded_rect(cr, x, y, w, h, r);
    cairo_set_source_rgba(cr, 1.0, 1.0, 1.0, alpha);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, ink[0], ink[1], ink[2], 0.6);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
}

/* ======================================================================== status */

void draw_status(cairo_t *cr, const struct figure_rect *r, const char *line1, const char *line2,
                 double f)
{
    cairo_save(cr);
    char buf[256];
    bool wrapped = false;
    if (line1 && line1[0]) {
        font(cr, 0.85 * f, true);
        /* alone and too long for one line (large text): broken after the last ", " or " · "
         * that fits, the rest on the second line */
        char head[256] = "";
        const char *rest = NULL;
        bool room = !(line2 && line2[0]) || r->h >= 3.5 * f;   /* a third line */
        if (room && width_of(cr, line1, 0.85 * f, true) > r->w) {
            for (const char *p = line1; *p; p++) {
                size_t sep = !strncmp(p, ", ", 2) ? 2 : !strncmp(p, " \xC2\xB7 ", 4) ? 4 : 0;
                size_t n = (size_t)(p - line1) + (sep == 2 ? 1 : 0);
                if (!sep || n >= sizeof head) {
                    continue;
                }
                char try[256];
                memcpy(try, line1, n);
                try[n] = '\0';
                if (width_of(cr, try, 0.85 * f, true) > r->w) {
                    break;
                }
                memcpy(head, try, n + 1);
                rest = p + sep;
            }
        }
        draw_fit_text(cr, rest ? head : line1, r->w, buf, sizeof buf);
        text(cr, r->x, r->y + 1.0 * f, buf, 0.85 * f, true, ink);
        if (rest) {
            wrapped = true;
            draw_fit_text(cr, rest, r->w, buf, sizeof buf);
            text(cr, r->x, r->y + 2.05 * f, buf, 0.85 * f, true, ink);
        }
    }
    if (line2 && line2[0]) {
        font(cr, 0.78 * f, false);
        /* key hints: the ones that fit, whole (H lists every key) */
        draw_fit_items(cr, line2, " \xC2\xB7 ", "", r->w, buf, sizeof buf);
        text(cr, r->x, r->y + (wrapped ? 3.1 : 2.05) * f, buf, 0.78 * f, false, soft);
    }
    cairo_restore(cr);
}

/* ======================================================================== help */

void draw_help(cairo_t *cr, int width, int height, const char *title,
               const struct figure_help_entry *e, int n, double max_font)
{
    cairo_save(cr);
    cairo_set_source_rgba(cr, 0.0, 0.0, 0.0, 0.55);
    cairo_paint(cr);
    /* Natural sizes at font 1, then the largest font that fits. */
    double kw = 0.0, ww = 0.0;
    for (int i = 0; i < n; i++) {
        kw = fmax(kw, width_of(cr, _(e[i].keys), 1.0, true));
        ww = fmax(ww, width_of(cr, _(e[i].what), 1.0, false));
    }
    title = _(title);
    double tw = width_of(cr, title, 1.3, true);
    double colw = kw + 1.0 + ww;              /* keys, gap, description */
    double best = 0.0;
    int best_cols = 1;
    for (int cols = 1; cols <= 2; cols++) {
        int rows = (n + cols - 1) / cols;
        double cw = fmax(cols * colw + (cols - 1) * 2.0, tw) + 2.4;   /* card width at 1 */
        double ch = rows * 1.6 + 4.2;                                  /* card height at 1 */
        double fsz = fmin(0.94 * width / cw, 0.92 * height / ch);
        if (fsz > best + 0.5) {
            best = fsz;
            best_cols = cols;
        }
    }
    double f = fmin(best, max_font);
    int rows = (n + best_cols - 1) / best_cols;
    double cw = (fmax(best_cols * colw + (best_cols - 1) * 2.0, tw) + 2.4) * f;
    double ch = (rows * 1.6 + 4.2) * f;
    double x = floor(0.5 * (width - cw)), y = floor(0.5 * (height - ch));
    card(cr, x, y, cw, ch, 0.5 * f, 0.96);
    text(cr, x + 1.2 * f, y + 2.0 * f, title, 1.3 * f, true, ink);
    for (int i = 0; i < n; i++) {
        int c = i / rows, r = i % rows;
        double cx = x + 1.2 * f + c * (colw + 2.0) * f;
        double by = y + 3.9 * f + r * 1.6 * f;
        text(cr, cx, by, _(e[i].keys), f, true, (const double[3]){0.1, 0.25, 0.62});
        text(cr, cx + (kw + 1.0) * f, by, _(e[i].what), f, false, ink);
    }
    cairo_restore(cr);
}

/* ======================================================================== toasts */

void draw_toast_size(cairo_t *cr, const char *s, double f, double *w, double *h)
{
    *w = ceil(width_of(cr, s, f, false) + 1.6 * f);
    *h = ceil(2.0 * f);
}

void draw_toast(cairo_t *cr, double x, double y, const char *s, bool error, double f,
                double maxw)
{
    double w, h;
    draw_toast_size(cr, s, f, &w, &h);
    char buf[512];
    if (w > maxw) {   /* a long one (a preset's description) ends in an ellipsis */
        w = maxw;
        font(cr, f, false);
        draw_fit_text(cr, s, maxw - 1.6 * f, buf, sizeof buf);
        s = buf;
    }
    cairo_save(cr);
    double r = 0.5 * f;
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
    cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
    cairo_close_path(cr);
    if (error) {
        cairo_set_source_rgba(cr, 0.55, 0.08, 0.08, 0.94);
    } else {
        cairo_set_source_rgba(cr, 0.1, 0.1, 0.13, 0.9);
    }
    cairo_fill(cr);
    text(cr, x + 0.8 * f, y + 1.35 * f, s, f, false, (const double[3]){1.0, 1.0, 1.0});
    cairo_restore(cr);
}

/* explain.c (draw): the explain mode's arrows, eigen-cross and caption, and the hover readout,
 * drawn from the figure (which holds sim/explain's numbers) onto any cairo_t. */
#include "draw/explain.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "draw/draw.h"
#include "sim/i18n.h"

/* ======================================================================== colours */

static const double COL_GRAD[3] = {1.0, 1.0, 1.0};        /* -lr g */
static const double COL_MOM[3] = {1.0, 0.62, 0.1};        /* momentum / velocity part */
static const double COL_STEP[3] = {0.2, 0.95, 0.45};      /* the step taken */
static const double COL_LOOK[3] = {0.85, 0.5, 1.0};       /* nag's look-ahead */
static const double COL_EIG[3] = {0.35, 0.85, 1.0};       /* the Hessian's directions */

/* ======================================================================== arrows */

/* An arrow from a to b (pixels), with a head, outlined in black so it reads on any colour. */
static void arrow_px(cairo_t *cr, double ax, double ay, double bx, double by,
                     const double rgb[3], double w, bool dashed)
{
    double dx = bx - ax, dy = by - ay, len = hypot(dx, dy);
    if (!(len > 0.5) || !isfinite(len)) {
        return;
    }
    double ux = dx / len, uy = dy / len, head = fmin(3.2 * w, 0.45 * len);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0) {
            cairo_set_source_rgba(cr, 0, 0, 0, 0.75);
            cairo_set_line_width(cr, w + 2.0);
        } else {
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_set_line_width(cr, w);
        }
        if (dashed) {
            double d[2] = {2.2 * w, 1.6 * w};
            cairo_set_dash(cr, d, 2, 0);
        }
        cairo_move_to(cr, ax, ay);
        cairo_line_to(cr, bx - ux * head * 0.6, by - uy * head * 0.6);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        cairo_move_to(cr, bx, by);
        cairo_line_to(cr, bx - ux * head - uy * head * 0.55, by - uy * head + ux * head * 0.55);
        cairo_line_to(cr, bx - ux * head + uy * head * 0.55, by - uy * head - ux * head * 0.55);
        cairo_close_path(cr);
        if (pass == 0) {
            cairo_stroke_preserve(cr);
        }
        cairo_fill(cr);
    }
}

/* Data displacement (dx, dy) at p in pixels, magnified by mag. */
static void to_px(const struct figure_frame *fr, const double p[2], double dx, double dy,
                  double mag, double out[2])
{
    double a[2], b[2];
    figure_frame_map(fr, p[0], p[1], a);
    figure_frame_map(fr, p[0] + dx, p[1] + dy, b);
    out[0] = a[0] + mag * (b[0] - a[0]);
    out[1] = a[1] + mag * (b[1] - a[1]);
}

static double px_len(const struct figure_frame *fr, const double p[2], const double v[2])
{
    double a[2], b[2];
    figure_frame_map(fr, p[0], p[1], a);
    figure_frame_map(fr, p[0] + v[0], p[1] + v[1], b);
    double l = hypot(b[0] - a[0], b[1] - a[1]);
    return isfinite(l) ? l : 0.0;
}

/* The magnification that makes the step taken about `target` pixels (never below 1: a step
 * already long on screen is drawn as it is; the other parts get the same factor). */
static double magnification(const struct figure_frame *fr, const struct explain *e,
                            double target)
{
    double m = px_len(fr, e->p, e->step_taken);
    if (!(m > 0.0)) {
        m = fmax(px_len(fr, e->p, e->neg_grad), px_len(fr, e->p, e->momentum));
    }
    if (!(m > 0.0)) {
        return 1.0;
    }
    double k = target / m;
    if (k <= 1.0) {
        return 1.0;
    }
    /* a round factor: 1, 2, 5, 10, 20, ... */
    double p10 = pow(10.0, floor(log10(k)));
    double r = k / p10;
    return p10 * (r >= 5 ? 5 : r >= 2 ? 2 : 1);
}

/* A part v (data) at p, magnified by mag; one longer than cap pixels is cut to cap, with a
 * break mark and its true length beside the tip, so an lr*g of 30 next to a step of 0.05
 * still shows where it points. */
static void part_arrow(cairo_t *cr, const struct figure_frame *fr, const double p[2],
                       const double v[2], double mag, double cap, const double rgb[3],
                       double w, bool dashed, double F, int slot)
{
    double o[2], b[2];
    figure_frame_map(fr, p[0], p[1], o);
    to_px(fr, p, v[0], v[1], mag, b);
    double dx = b[0] - o[0], dy = b[1] - o[1], len = hypot(dx, dy);
    if (!(len > 0.5) || !isfinite(len)) {
        return;
    }
    bool cut = len > cap;
    if (cut) {
        b[0] = o[0] + dx * cap / len;
        b[1] = o[1] + dy * cap / len;
    }
    arrow_px(cr, o[0], o[1], b[0], b[1], rgb, w, dashed);
    if (cut) {
        /* two short bars across the shaft: "not to scale" */
        double ux = dx / len, uy = dy / len;
        for (int k = 0; k < 2; k++) {
            double cx = o[0] + ux * (0.6 * cap + k * 0.35 * F);
            double cy = o[1] + uy * (0.6 * cap + k * 0.35 * F);
            cairo_move_to(cr, cx - uy * 0.5 * F + ux * 0.2 * F, cy + ux * 0.5 * F + uy * 0.2 * F);
            cairo_line_to(cr, cx + uy * 0.5 * F - ux * 0.2 * F, cy - ux * 0.5 * F - uy * 0.2 * F);
            cairo_set_source_rgb(cr, 0, 0, 0);
            cairo_set_line_width(cr, 0.18 * F);
            cairo_stroke(cr);
        }
        char lab[48];
        snprintf(lab, sizeof lab, "|%.3g|", hypot(v[0], v[1]));
        draw_set_font(cr, 0.6 * F, true, false);
        /* slot: labels of arrows that may coincide stack downwards */
        double tx = b[0] + ux * 0.5 * F, ty = b[1] + uy * 0.5 * F + slot * 0.75 * F;
        cairo_set_source_rgba(cr, 0, 0, 0, 0.7);
        draw_text_at(cr, tx + 1, ty + 1, lab, ux < 0 ? 1.0 : 0.0, 0.5);
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        draw_text_at(cr, tx, ty, lab, ux < 0 ? 1.0 : 0.0, 0.5);
    }
}

static void draw_parts(cairo_t *cr, const struct figure *fig, double mag)
{
    const struct explain *e = &fig->explain.ex;
    struct figure_frame fr = figure_plot_frame(fig);
    const struct figure_rect *pl = &fig->lay.plot;
    double F = fig->lay.font, w = fmax(2.0, 0.22 * F);
    cairo_save(cr);
    cairo_rectangle(cr, pl->x, pl->y, pl->w, pl->h);
    cairo_clip(cr);
    double o[2];
    figure_frame_map(&fr, e->p[0], e->p[1], o);

    /* the Hessian's eigen-directions: a cross, each arm longer for the larger |lambda|,
     * dashed where the curvature is negative */
    double lmax = fmax(fabs(e->lam[0]), fabs(e->lam[1]));
    for (int k = 0; k < 2 && lmax > 0 && isfinite(lmax); k++) {
        double arm = 1.6 * F * (0.35 + 0.65 * fabs(e->lam[k]) / lmax);
        double ux = e->vec[k][0], uy = -e->vec[k][1];   /* screen y down */
        /* the frame may scale x and y differently: map the direction */
        double a2[2];
        figure_frame_map(&fr, e->p[0] + e->vec[k][0], e->p[1] + e->vec[k][1], a2);
        double sx = a2[0] - o[0], sy = a2[1] - o[1], sl = hypot(sx, sy);
        if (sl > 0) {
            ux = sx / sl;
            uy = sy / sl;
        }
        for (int pass = 0; pass < 2; pass++) {
            cairo_set_line_width(cr, pass ? 0.12 * F : 0.12 * F + 2);
            if (pass) {
                cairo_set_source_rgb(cr, COL_EIG[0], COL_EIG[1], COL_EIG[2]);
            } else {
                cairo_set_source_rgba(cr, 0, 0, 0, 0.6);
            }
            if (e->lam[k] < 0) {
                double d[2] = {0.3 * F, 0.2 * F};
                cairo_set_dash(cr, d, 2, 0);
            }
            cairo_move_to(cr, o[0] - ux * arm, o[1] - uy * arm);
            cairo_line_to(cr, o[0] + ux * arm, o[1] + uy * arm);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
        }
        char lab[48];
        snprintf(lab, sizeof lab, "\xCE\xBB%s %.3g", k ? "\xE2\x82\x82" : "\xE2\x82\x81",
                 e->lam[k]);
        draw_set_font(cr, 0.62 * F, false, false);
        double tx = o[0] + ux * (arm + 0.3 * F), ty = o[1] + uy * (arm + 0.3 * F);
        cairo_set_source_rgba(cr, 0, 0, 0, 0.7);
        draw_text_at(cr, tx + 1, ty + 1, lab, ux < 0 ? 1.0 : 0.0, 0.5);
        cairo_set_source_rgb(cr, COL_EIG[0], COL_EIG[1], COL_EIG[2]);
        draw_text_at(cr, tx, ty, lab, ux < 0 ? 1.0 : 0.0, 0.5);
    }

    /* -lr g, the momentum part, the look-ahead, the step */
    double cap = 0.3 * fmin(pl->w, pl->h);
    part_arrow(cr, &fr, e->p, e->neg_grad, mag, cap, COL_GRAD, w,
               e->adaptive || e->has_momentum, F, 0);
    if (e->has_momentum) {
        part_arrow(cr, &fr, e->p, e->momentum, mag, cap, COL_MOM, w, e->adaptive, F, 1);
    }
    if (e->has_lookahead) {
        double la[2];
        to_px(&fr, e->p, e->lookahead[0] - e->p[0], e->lookahead[1] - e->p[1], mag, la);
        double end[2];
        to_px(&fr, e->p, e->step_taken[0], e->step_taken[1], mag, end);
        arrow_px(cr, la[0], la[1], end[0], end[1], COL_GRAD, 0.7 * w, true);
        cairo_arc(cr, la[0], la[1], 0.28 * F, 0, 2 * M_PI);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_line_width(cr, 2.0);
        cairo_stroke_preserve(cr);
        cairo_set_source_rgb(cr, COL_LOOK[0], COL_LOOK[1], COL_LOOK[2]);
        cairo_fill(cr);
    }
    part_arrow(cr, &fr, e->p, e->step_taken, mag, cap, COL_STEP, 1.3 * w, false, F, 2);
    cairo_restore(cr);
}

/* ======================================================================== caption */

/* The caption's lines: a heading, the formula, the Hessian and the stability line, the arrows'
 * key, then the sentence wrapped to the box. */
struct caption {
    int n;
    char text[EXPLAIN_LINES + 16][240];
    int kind[EXPLAIN_LINES + 16];   /* 0 heading, 1 formula, 2 note, 3 sentence, 4 key */
};

static void add(struct caption *c, int kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add(struct caption *c, int kind, const char *fmt, ...)
{
    if (c->n >= (int)(sizeof c->text / sizeof c->text[0])) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->text[c->n], sizeof c->text[0], fmt, ap);
    va_end(ap);
    c->kind[c->n++] = kind;
}

/* Adds s as lines of at most maxw (breaking at spaces). */
static void add_wrapped(cairo_t *cr, struct caption *c, int kind, const char *s, double maxw)
{
    char buf[480];
    snprintf(buf, sizeof buf, "%s", s);
    char *p = buf;
    while (*p) {
        char *best = NULL;
        for (char *q = p; ; q++) {
            if (*q == ' ' || *q == '\0') {
                char save = *q;
                *q = '\0';
                bool fits = draw_text_width(cr, p) <= maxw;
                *q = save;
                if (!fits && best) {
                    break;
                }
                best = q;
                if (*q == '\0' || !fits) {
                    break;
                }
            }
        }
        char save = *best;
        *best = '\0';
        add(c, kind, "%s", p);
        *best = save;
        p = *best ? best + 1 : best;
    }
}

static void build_caption(cairo_t *cr, const struct figure *fig, double mag, double F,
                          double maxw, struct caption *c)
{
    const struct figure_explain *fx = &fig->explain;
    const struct explain *e = &fx->ex;
    c->n = 0;
    if (!fx->valid) {
        add(c, 0, _("explain: %s"), fx->label);
        draw_set_font(cr, 0.78 * F, false, false);
        add_wrapped(cr, c, 3, fx->note, maxw);
        return;
    }
    add(c, 0, _("next: step %ld of %s"), e->step, fx->label);
    for (int k = 0; k < e->nlines; k++) {
        add(c, 1, "%s", e->line[k]);
    }
    add(c, 2, _("Hessian [%.4g %.4g; %.4g %.4g], \xCE\xBB = %.4g, %.4g"), e->hess[0], e->hess[1],
        e->hess[1], e->hess[2], e->lam[0], e->lam[1]);
    if (e->has_bound) {
        const char *form = e->kind == OPTIM_MOMENTUM && e->has_momentum
                               ? "2(1+\xCE\xB2)/\xCE\xBB" "max"
                           : e->kind == OPTIM_NAG ? "2(1+\xCE\xB2)/((1+2\xCE\xB2)\xCE\xBB" "max)"
                                                  : "2/\xCE\xBB" "max";
        char st[240];
        snprintf(st, sizeof st, _("stable while lr < %s = %.4g: lr %.4g is %s"), form, e->bound,
                 e->lr, e->lr > e->bound ? _("ABOVE it (diverges on this curvature)") : _("below it"));
        draw_set_font(cr, 0.72 * F, false, false);
        add_wrapped(cr, c, 2, st, maxw);
    } else if (e->lam[1] <= 0) {
        add(c, 2, "%s",
            _("no curvature bound here (\xCE\xBBmax \xE2\x89\xA4 0: no valley to overshoot)"));
    } else {
        add(c, 2, _("no simple lr bound for %s (its steps adapt to the gradients)"),
            optim_name(e->kind));
    }
    draw_set_font(cr, 0.78 * F, false, false);
    add_wrapped(cr, c, 3, e->sentence, maxw);
    char key[200];
    snprintf(key, sizeof key, _("arrows \xC3\x97%.3g"), mag);
    add(c, 4, "%s", key);
}

/* Heights per line kind, in units of F. */
static double line_h(int kind)
{
    return kind == 0 ? 1.25 : kind == 3 ? 1.15 : 1.0;
}

/* The caption's key: each arrow's colour and name, those this step draws. */
struct key {
    const double *rgb;
    const char *name;
};
enum { KEYS = 5 };

static int arrow_keys(const struct figure *fig, struct key out[KEYS])
{
    const struct explain *e = &fig->explain.ex;
    int n = 0;
    if (!fig->explain.valid) {
        return 0;
    }
    out[n++] = (struct key){COL_GRAD, "\xE2\x88\x92lr\xC2\xB7g"};
    if (e->has_momentum) {
        bool m = explain_adam_family(e->kind);
        out[n++] = (struct key){COL_MOM, m ? "\xE2\x88\x92lr\xC2\xB7m\xCC\x82" : N_("momentum")};
    }
    if (e->has_lookahead) {
        out[n++] = (struct key){COL_LOOK, N_("look-ahead")};
    }
    out[n++] = (struct key){COL_STEP, N_("step")};
    out[n++] = (struct key){COL_EIG, N_("Hessian")};
    return n;
}

static void caption_size(cairo_t *cr, const struct figure *fig, const struct caption *c,
                         double F, double *w, double *h)
{
    *w = 0;
    *h = 0.5 * F;
    for (int k = 0; k < c->n; k++) {
        draw_set_font(cr, (c->kind[k] == 0 ? 0.86 : 0.72) * F, c->kind[k] == 0, false);
        double tw = draw_text_width(cr, c->text[k]);
        if (c->kind[k] == 4) {
            struct key keys[KEYS];
            int nk = arrow_keys(fig, keys);
            tw += 0.8 * F;
            for (int q = 0; q < nk; q++) {
                tw += 2.0 * F + draw_text_width(cr, _(keys[q].name));
            }
        }
        *w = fmax(*w, tw);
        *h += line_h(c->kind[k]) * F;
    }
    *w += 1.2 * F;
    *h += 0.3 * F;
}

static double fig_mag(const struct figure *fig)
{
    if (!fig->explain.valid || fig->view3d) {
        return 1.0;
    }
    struct figure_frame fr = figure_plot_frame(fig);
    return magnification(&fr, &fig->explain.ex, 0.16 * fmin(fig->lay.plot.w, fig->lay.plot.h));
}

struct figure_rect draw_explain_box(cairo_t *cr, const struct figure *fig)
{
    struct figure_rect r = {0, 0, 0, 0};
    if (!fig->explain.on) {
        return r;
    }
    const struct figure_rect *pl = &fig->lay.plot;
    double F = fig->lay.font;
    struct caption c;
    build_caption(cr, fig, fig_mag(fig), F, 0.62 * pl->w, &c);
    caption_size(cr, fig, &c, F, &r.w, &r.h);
    r.w = fmin(r.w, 0.8 * pl->w);
    r.h = fmin(r.h, pl->h - F);
    /* the corner of the plot farthest from the runner, so the box never hides it */
    double px = pl->x + 0.5 * pl->w, py = pl->y + 0.5 * pl->h;
    if (fig->explain.valid && !fig->view3d) {
        struct figure_frame fr = figure_plot_frame(fig);
        double o[2];
        figure_frame_map(&fr, fig->explain.ex.p[0], fig->explain.ex.p[1], o);
        px = o[0];
        py = o[1];
    }
    double m = 0.5 * F;
    r.x = px > pl->x + 0.5 * pl->w ? pl->x + m : pl->x + pl->w - r.w - m;
    r.y = py > pl->y + 0.5 * pl->h ? pl->y + m : pl->y + pl->h - r.h - m;
    /* clear of the toast (bottom left), which would be drawn under it */
    const struct figure_rect *t = &fig->lay.toast;
    if (t->w > 0 && fig->toast[0] && r.x < t->x + t->w && t->x < r.x + r.w &&
        r.y < t->y + t->h && t->y < r.y + r.h && t->y - r.h - m >= pl->y) {
        r.y = t->y - r.h - m;
    }
    return r;
}

static void draw_caption(cairo_t *cr, const struct figure *fig, double mag)
{
    const struct figure_rect *pl = &fig->lay.plot;
    double F = fig->lay.font;
    struct caption c;
    build_caption(cr, fig, mag, F, 0.62 * pl->w, &c);
    struct figure_rect r = draw_explain_box(cr, fig);
    cairo_save(cr);
    draw_rounded_rect(cr, r.x, r.y, r.w, r.h, 0.4 * F);
    cairo_set_source_rgba(cr, 0.06, 0.07, 0.1, 0.86);
    cairo_fill_preserve(cr);
    double rgb[3];
    draw_runner_color(fig->explain.color, rgb);
    cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
    cairo_set_line_width(cr, 0.12 * F);
    cairo_stroke(cr);
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_clip(cr);
    double x = r.x + 0.6 * F, y = r.y + 0.5 * F;
    for (int k = 0; k < c.n; k++) {
        int kind = c.kind[k];
        y += line_h(kind) * F;
        draw_set_font(cr, (kind == 0 ? 0.86 : 0.72) * F, kind == 0, kind == 3);
        if (kind == 0) {
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        } else if (kind == 2) {
            cairo_set_source_rgb(cr, COL_EIG[0], COL_EIG[1], COL_EIG[2]);
        } else if (kind == 3) {
            cairo_set_source_rgb(cr, 1.0, 0.93, 0.6);
        } else {
            cairo_set_source_rgb(cr, 0.93, 0.94, 0.96);
        }
        if (kind == 2 && strstr(c.text[k], "ABOVE")) {
            cairo_set_source_rgb(cr, 1.0, 0.45, 0.4);
        }
        if (kind != 4) {
            draw_text_at(cr, x, y - 0.22 * F, c.text[k], 0.0, 0.0);
            continue;
        }
        /* the key: a short arrow of each colour and its name */
        cairo_set_source_rgb(cr, 0.75, 0.76, 0.8);
        draw_text_at(cr, x, y - 0.22 * F, c.text[k], 0.0, 0.0);
        double kx = x + draw_text_width(cr, c.text[k]) + 0.8 * F;
        struct key keys[KEYS];
        int nk = arrow_keys(fig, keys);
        for (int q = 0; q < nk; q++) {
            arrow_px(cr, kx, y - 0.5 * F, kx + 1.4 * F, y - 0.5 * F, keys[q].rgb, 0.15 * F,
                     false);
            cairo_set_source_rgb(cr, 0.93, 0.94, 0.96);
            draw_text_at(cr, kx + 1.6 * F, y - 0.22 * F, _(keys[q].name), 0.0, 0.0);
            kx += 2.0 * F + draw_text_width(cr, _(keys[q].name));
        }
    }
    cairo_restore(cr);
}

/* ======================================================================== hover */

struct figure_rect draw_hover_box(cairo_t *cr, const struct figure *fig)
{
    const struct figure_hover *h = &fig->hover;
    if (!h->on || fig->help) {
        return (struct figure_rect){0, 0, 0, 0};
    }
    double F = fig->lay.font;
    cairo_save(cr);
    draw_set_font(cr, 0.72 * F, false, false);
    double w = fmax(draw_text_width(cr, h->text[0]), draw_text_width(cr, h->text[1])) + F;
    cairo_restore(cr);
    double hh = 2.4 * F;
    const struct figure_rect *pl = &fig->lay.plot;
    double x = h->px + 1.0 * F, y = h->py + 1.0 * F;
    if (x + w > pl->x + pl->w) {
        x = h->px - 1.0 * F - w;
    }
    if (y + hh > pl->y + pl->h) {
        y = h->py - 1.0 * F - hh;
    }
    return (struct figure_rect){x, y, w, hh};
}

static void draw_hover(cairo_t *cr, const struct figure *fig)
{
    const struct figure_hover *h = &fig->hover;
    double F = fig->lay.font;
    struct figure_rect b = draw_hover_box(cr, fig);
    double x = b.x, y = b.y, w = b.w, hh = b.h;
    draw_set_font(cr, 0.72 * F, false, false);
    cairo_save(cr);
    draw_rounded_rect(cr, x, y, w, hh, 0.3 * F);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.12);
    draw_text_at(cr, x + 0.5 * F, y + 1.0 * F, h->text[0], 0.0, 0.0);
    draw_text_at(cr, x + 0.5 * F, y + 2.0 * F, h->text[1], 0.0, 0.0);
    cairo_restore(cr);
}

void draw_explain(cairo_t *cr, const struct figure *fig)
{
    if (fig->explain.on && !fig->help) {
        double mag = fig_mag(fig);
        if (fig->explain.valid && !fig->view3d) {
            draw_parts(cr, fig, mag);
        }
        draw_caption(cr, fig, mag);
    }
    if (fig->hover.on && !fig->help) {
        draw_hover(cr, fig);
    }
}

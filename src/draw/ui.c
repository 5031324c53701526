/* ui.c: the settings panel's widgets painted onto any cairo_t: a white card, keys over value
 * boxes with a slider track, buttons, a focused field with its caret or selection, and refused
 * values in red with the reason beneath. */
#include "draw/ui.h"

#include <math.h>
#include <string.h>

#include "draw/draw.h"

static void rgb(cairo_t *cr, unsigned c)
{
    cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0,
                         (c & 255) / 255.0);
}

#define INK 0x1f2328       /* text */
#define MUTED 0x636c76     /* keys */
#define LINE_C 0xc8ccd1    /* box outlines */
#define HOT 0x0969da       /* under the mouse, focus */
#define BAD 0xcf222e       /* refused */
#define TRACK 0x9ec5f8     /* slider fill */

/* Text in a box (x, w) at baseline y, scrolled so the caret stays inside; the caret or the
 * selection and a refused expression's marker drawn over it. */
static void field_text(cairo_t *cr, const struct figure_ui_widget *w, double x, double bw,
                       double y)
{
    const char *s = w->text;
    bool focused = w->flags & FIGURE_UI_FOCUS;
    char pre[512];
    int caret = focused ? w->caret : 0;
    caret = caret < 0 ? 0 : caret > (int)strlen(s) ? (int)strlen(s) : caret;
    memcpy(pre, s, (size_t)caret);
    pre[caret] = '\0';
    double cw = draw_text_width(cr, pre), tw = draw_text_width(cr, s);
    double shift = 0.0;
    if (focused && cw > bw - 10.0) {
        shift = cw - (bw - 10.0);
    } else if (!focused && tw > bw - 8.0 && !(w->flags & FIGURE_UI_BAD)) {
        shift = 0.0;   /* unfocused long text: its start, cut at the box */
    }
    cairo_save(cr);
    cairo_rectangle(cr, x + 2.0, w->r.y + 1.0, bw - 4.0, w->r.h - 2.0);
    cairo_clip(cr);
    double tx = x + 4.0 - shift;
    if (focused && (w->flags & FIGURE_UI_SELECT) && s[0]) {
        rgb(cr, 0xb6d5fb);
        cairo_rectangle(cr, tx - 1.0, w->r.y + 3.0, tw + 2.0, w->r.h - 6.0);
        cairo_fill(cr);
    }
    rgb(cr, (w->flags & FIGURE_UI_BAD) ? BAD : INK);
    draw_text_at(cr, tx, y, s, 0.0, 0.0);
    if (w->err_at >= 0 && w->err_at <= (int)strlen(s)) {
        /* the offending position: a red wedge under it and a line beneath what follows */
        char upto[512];
        memcpy(upto, s, (size_t)w->err_at);
        upto[w->err_at] = '\0';
        double ex = tx + draw_text_width(cr, upto);
        rgb(cr, BAD);
        cairo_move_to(cr, ex, w->r.y + w->r.h - 5.0);
        cairo_line_to(cr, ex - 4.0, w->r.y + w->r.h - 1.0);
        cairo_line_to(cr, ex + 4.0, w->r.y + w->r.h - 1.0);
        cairo_close_path(cr);
        cairo_fill(cr);
        cairo_set_line_width(cr, 1.5);
        cairo_move_to(cr, ex, w->r.y + w->r.h - 3.5);
        cairo_line_to(cr, fmax(ex + 8.0, tx + tw), w->r.y + w->r.h - 3.5);
        cairo_stroke(cr);
    }
    if (focused && !(w->flags & FIGURE_UI_SELECT)) {
        rgb(cr, HOT);
        cairo_set_line_width(cr, 1.5);
        cairo_move_to(cr, tx + cw + 0.5, w->r.y + 3.0);
        cairo_line_to(cr, tx + cw + 0.5, w->r.y + w->r.h - 3.0);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
}

static void box(cairo_t *cr, const struct figure_ui_widget *w, double x, double bw)
{
    draw_rounded_rect(cr, x + 0.5, w->r.y + 0.5, bw - 1.0, w->r.h - 1.0, 3.0);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    unsigned edge = (w->flags & FIGURE_UI_BAD)     ? BAD
                    : (w->flags & (FIGURE_UI_FOCUS | FIGURE_UI_HOT)) ? HOT
                                                                       : LINE_C;
    rgb(cr, edge);
    cairo_set_line_width(cr, (w->flags & (FIGURE_UI_FOCUS | FIGURE_UI_BAD)) ? 2.0 : 1.0);
    cairo_stroke(cr);
}

static void draw_value(cairo_t *cr, const struct figure_ui_widget *w, double font)
{
    draw_set_font(cr, font * 0.9, false, false);
    double kw = draw_text_width(cr, w->label);
    double bw = fmax(40.0, w->r.w - kw - 6.0);
    double bx = w->r.x + w->r.w - bw;
    rgb(cr, MUTED);
    draw_text_at(cr, bx - 4.0, w->r.y + w->r.h * 0.5, w->label, 1.0, 0.5);
    box(cr, w, bx, bw);
    if (w->fill >= 0 && !(w->flags & FIGURE_UI_FOCUS)) {
        rgb(cr, TRACK);
        cairo_rectangle(cr, bx + 2.0, w->r.y + w->r.h - 4.0, (bw - 4.0) * w->fill, 2.5);
        cairo_fill(cr);
    }
    draw_set_font(cr, font, false, false);
    field_text(cr, w, bx, bw, w->r.y + w->r.h * 0.5 + font * 0.36);
}

static void draw_text_field(cairo_t *cr, const struct figure_ui_widget *w, double font)
{
    draw_set_font(cr, font, false, true);
    double kw = draw_text_width(cr, w->label);
    rgb(cr, MUTED);
    draw_text_at(cr, w->r.x, w->r.y + w->r.h * 0.5, w->label, 0.0, 0.5);
    double bx = w->r.x + kw + 6.0, bw = w->r.w - kw - 6.0;
    box(cr, w, bx, bw);
    draw_set_font(cr, font, false, false);
    field_text(cr, w, bx, bw, w->r.y + w->r.h * 0.5 + font * 0.36);
}

static void draw_button(cairo_t *cr, const struct figure_ui_widget *w, double font)
{
    bool on = w->flags & FIGURE_UI_ON, hot = w->flags & FIGURE_UI_HOT;
    bool accent = w->flags & FIGURE_UI_ACCENT;
    draw_rounded_rect(cr, w->r.x + 0.5, w->r.y + 0.5, w->r.w - 1.0, w->r.h - 1.0, 4.0);
    rgb(cr, accent ? (hot ? 0x1a7f37 : 0x2da44e) : on ? 0xddf4ff : hot ? 0xeef1f4 : 0xf6f8fa);
    cairo_fill_preserve(cr);
    rgb(cr, accent ? 0x1a7f37 : on || hot ? HOT : LINE_C);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
    draw_set_font(cr, font * 0.95, on, false);
    char t[128];
    draw_fit_text(cr, w->label, w->r.w - 8.0, t, sizeof t);
    if (accent) {
        cairo_set_source_rgb(cr, 1, 1, 1);
    } else {
        rgb(cr, on ? HOT : INK);
    }
    draw_text_at(cr, w->r.x + w->r.w * 0.5, w->r.y + w->r.h * 0.5, t, 0.5, 0.5);
}

/* s in up to two lines of width maxw from (x, y) in a box h high: broken at the last space
 * that fits, the rest cut with an ellipsis. */
static void two_lines(cairo_t *cr, const char *s, double x, double y, double maxw, double h)
{
    char first[600], rest[600];
    size_t n = strlen(s), cut = n;
    snprintf(first, sizeof first, "%s", s);
    while (cut > 0 && draw_text_width(cr, first) > maxw) {
        do {
            cut--;
        } while (cut > 0 && s[cut] != ' ');
        first[cut] = '\0';
    }
    if (cut == 0) {   /* one word wider than the line */
        draw_fit_text(cr, s, maxw, first, sizeof first);
        cut = n;
    }
    draw_text_at(cr, x, y + h * 0.25, first, 0.0, 0.5);
    if (cut < n) {
        draw_fit_text(cr, s + cut + 1, maxw, rest, sizeof rest);
        draw_text_at(cr, x, y + h * 0.75, rest, 0.0, 0.5);
    }
}

void draw_ui(cairo_t *cr, const struct figure_ui *ui)
{
    if (ui->r.w <= 0) {
        return;
    }
    cairo_save(cr);
    cairo_new_path(cr);
    double font = ui->font > 0 ? ui->font : 12.0;
    /* the card, with a soft shadow so it reads over the colour map */
    draw_rounded_rect(cr, ui->r.x + 2.0, ui->r.y + 3.0, ui->r.w, ui->r.h, 8.0);
    cairo_set_source_rgba(cr, 0, 0, 0, 0.25);
    cairo_fill(cr);
    draw_rounded_rect(cr, ui->r.x, ui->r.y, ui->r.w, ui->r.h, 8.0);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    rgb(cr, LINE_C);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
    bool clipped = false;
    for (int i = 0; i < ui->n; i++) {
        const struct figure_ui_widget *w = &ui->w[i];
        if (w->kind == FIGURE_UI_POPUP) {
            if (clipped) {
                cairo_restore(cr);
                clipped = false;
            }
            draw_rounded_rect(cr, w->r.x + 2.0, w->r.y + 3.0, w->r.w, w->r.h, 6.0);
            cairo_set_source_rgba(cr, 0, 0, 0, 0.3);
            cairo_fill(cr);
            draw_rounded_rect(cr, w->r.x, w->r.y, w->r.w, w->r.h, 6.0);
            cairo_set_source_rgb(cr, 1, 1, 1);
            cairo_fill_preserve(cr);
            rgb(cr, HOT);
            cairo_stroke(cr);
            continue;
        }
        if (!clipped && i == 0) {
            /* the card's widgets scroll inside it; pickers (after a POPUP) lie over all */
            cairo_save(cr);
            cairo_rectangle(cr, ui->r.x, ui->r.y, ui->r.w, ui->r.h);
            cairo_clip(cr);
            clipped = true;
        }
        switch (w->kind) {
        case FIGURE_UI_HEADING:
            draw_set_font(cr, font * 1.1, true, false);
            rgb(cr, INK);
            draw_text_at(cr, w->r.x, w->r.y + w->r.h * 0.6, w->label, 0.0, 0.5);
            break;
        case FIGURE_UI_LABEL:
            if (w->rgb[0] >= 0) {
                cairo_new_path(cr);
                cairo_arc(cr, w->r.x + 7.0, w->r.y + w->r.h * 0.5, 6.0, 0, 2 * M_PI);
                cairo_set_source_rgb(cr, w->rgb[0], w->rgb[1], w->rgb[2]);
                cairo_fill_preserve(cr);
                rgb(cr, INK);   /* an outline: one runner's colour is white */
                cairo_set_line_width(cr, 1.2);
                cairo_stroke(cr);
            }
            draw_set_font(cr, font * 1.04, true, false);
            rgb(cr, INK);
            draw_text_at(cr, w->r.x + (w->rgb[0] >= 0 ? 18.0 : 0.0), w->r.y + w->r.h * 0.5,
                         w->label, 0.0, 0.5);
            break;
        case FIGURE_UI_VALUE:
            draw_value(cr, w, font);
            break;
        case FIGURE_UI_TEXT:
            draw_text_field(cr, w, font);
            break;
        case FIGURE_UI_BUTTON:
            draw_button(cr, w, font);
            break;
        case FIGURE_UI_ERROR: {
            draw_set_font(cr, font * 0.95, false, false);
            char t[600];
            draw_fit_text(cr, w->text, w->r.w - 4.0, t, sizeof t);
            rgb(cr, BAD);
            draw_text_at(cr, w->r.x + 2.0, w->r.y + w->r.h * 0.5, t, 0.0, 0.5);
            break;
        }
        case FIGURE_UI_HINT:
            draw_set_font(cr, font * 0.88, false, true);
            rgb(cr, MUTED);
            two_lines(cr, w->text, w->r.x, w->r.y, w->r.w - 4.0, w->r.h);
            break;
        case FIGURE_UI_POPUP:
            break;
        }
    }
    if (clipped) {
        cairo_restore(cr);
    }
    if (ui->scroll_len < 1.0) {
        /* more below or above: the wheel over the card (not over a value) scrolls it */
        double x = ui->r.x + ui->r.w - 6.0, h = ui->r.h - 16.0;
        rgb(cr, 0xeef1f4);
        draw_rounded_rect(cr, x, ui->r.y + 8.0, 4.0, h, 2.0);
        cairo_fill(cr);
        rgb(cr, 0x8c959f);
        draw_rounded_rect(cr, x, ui->r.y + 8.0 + h * ui->scroll_at, 4.0, h * ui->scroll_len,
                          2.0);
        cairo_fill(cr);
    }
    cairo_restore(cr);
}

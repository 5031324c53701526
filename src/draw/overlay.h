/* overlay.h: the window's cairo overlays beyond the figure's pieces: the HUD card, the help
 * overlay (large, for the back of a room), toasts, and the sizes they need, so the window,
 * `render --view 3d` and screenshots draw them with one code. */
#ifndef OPTISCOPE_DRAW_OVERLAY_H
#define OPTISCOPE_DRAW_OVERLAY_H

#include <stdbool.h>

#include <cairo.h>

#include "sim/race.h"

/* What the HUD says. Strings may be NULL (line left out). */
struct draw_hud {
    const char *title;        /* the function: a catalog name or "f = EXPR" */
    long step;                /* steps taken by the furthest runner */
    bool running;             /* playing or paused */
    double speed;             /* animation speed, optimizer steps per second */
    const char *flags;        /* "2-D · log colours · contours", secondary text */
    const char *selected;     /* "selected: adam(lr=0.05) · loss 1.2e-3" */
    const char *hint;         /* "H help · S screenshot", smallest text */
};

/* The size the HUD card needs at base text size font. */
void draw_hud_size(cairo_t *cr, const struct draw_hud *hud, double font, double *w, double *h);
/* The HUD card with its top-left corner at (x, y). */
void draw_hud(cairo_t *cr, double x, double y, const struct draw_hud *hud, double font);

/* The width a legend (draw_legend) needs for race's labels at font, box padding included;
 * its height is race->n * 2.55 * font + 1.2 * font. */
double draw_legend_width(cairo_t *cr, const struct race *race, double font);

/* One line of the help overlay. */
struct draw_help_entry {
    const char *keys;         /* "Space", "[ ]" */
    const char *what;         /* "play / pause" */
};

/* Dims the whole width x height area and draws a card listing the entries in one or two
 * columns, with the text as large as fits (at most max_font). */
void draw_help(cairo_t *cr, int width, int height, const char *title,
               const struct draw_help_entry *e, int n, double max_font);

/* A toast: one line of text on a dark card (red-tinted for errors). Size, then draw. */
void draw_toast_size(cairo_t *cr, const char *text, double font, double *w, double *h);
void draw_toast(cairo_t *cr, double x, double y, const char *text, bool error, double font);

#endif

/* overlay.h: the window's cairo overlays beyond the figure's plot pieces: the status lines, the
 * help overlay (large, for the back of a room) and toasts, drawn for the window, screenshots
 * and tests by the same code. */
#ifndef OPTISCOPE_DRAW_OVERLAY_H
#define OPTISCOPE_DRAW_OVERLAY_H

#include <stdbool.h>

#include <cairo.h>

#include "figure/figure.h"

/* Two lines in r: line1 bold (play state, step, speed), line2 smaller (key hints). A line1
 * too long for r is broken after a ", " or " · " onto the next line where r has room (no
 * line2, or r at least 3.5 f tall: line2 goes third). */
void draw_status(cairo_t *cr, const struct figure_rect *r, const char *line1, const char *line2,
                 double font);

/* Dims the whole width x height area and draws a card listing the entries in one or two
 * columns, with the text as large as fits (at most max_font). */
void draw_help(cairo_t *cr, int width, int height, const char *title,
               const struct figure_help_entry *e, int n, double max_font);

/* A toast: one line of text on a dark card (red-tinted for errors). Size, then draw. */
void draw_toast_size(cairo_t *cr, const char *text, double font, double *w, double *h);
/* At most maxw wide: a longer text is cut with an ellipsis. */
void draw_toast(cairo_t *cr, double x, double y, const char *text, bool error, double font,
                double maxw);

#endif

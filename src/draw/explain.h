/* explain.h (draw): the explain mode over the plot (the next step's parts as arrows, the
 * Hessian's eigen-cross, the caption with the formula and its numbers) and the hover readout,
 * onto any cairo_t: the window's overlay panel, screenshots and exports share it. */
#ifndef OPTISCOPE_DRAW_EXPLAIN_H
#define OPTISCOPE_DRAW_EXPLAIN_H

#include <cairo.h>

#include "figure/figure.h"

/* Draws fig->explain (when on) and fig->hover (when on), in frame coordinates. The arrows and
 * the cross only in 2-D (the plot's frame maps them); the caption in both views. */
void draw_explain(cairo_t *cr, const struct figure *fig);

/* The caption box's rectangle for the figure (where draw_explain puts it): beside the
 * runner, on the side of the plot away from it. w = 0 when the mode is off. */
struct figure_rect draw_explain_box(cairo_t *cr, const struct figure *fig);

/* The hover readout's rectangle (where draw_explain puts it, by the cursor); w = 0 when it
 * is not shown. */
struct figure_rect draw_hover_box(cairo_t *cr, const struct figure *fig);

#endif

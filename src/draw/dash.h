/* dash.h: the CNN dashboard (figure/dash.h) painted with cairo onto any cairo_t: the window's
 * CNN mode paints each part into its own texture, `render --cnn` the whole to PNG/SVG/PDF. */
#ifndef OPTISCOPE_DRAW_DASH_H
#define OPTISCOPE_DRAW_DASH_H

#include <stdbool.h>
#include <stddef.h>

#include <cairo.h>

#include "figure/dash.h"

/* One part; d->lay must be filled (dash_layout). cr's state is restored. */
void draw_dash_part(cairo_t *cr, const struct dash *d, enum dash_part part);
/* Every part in order. */
void draw_dash(cairo_t *cr, const struct dash *d);
/* The whole dashboard to path (.png, .svg, .pdf), atomically as draw_export. */
bool draw_dash_export(const char *path, const struct dash *d, char *err, size_t errlen);

#endif

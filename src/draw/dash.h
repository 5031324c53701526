/* dash.h: the CNN dashboard (figure/dash.h) painted with cairo onto any cairo_t: the window's
 * CNN mode paints each part into its own texture, `render --cnn` the whole to PNG/SVG/PDF. */
#ifndef OPTISCOPE_DRAW_DASH_H
#define OPTISCOPE_DRAW_DASH_H

#include <stdbool.h>
#include <stddef.h>

#include <cairo.h>

#include "figure/dash.h"

/* The dashboard's parts, each where d->lay puts it. */
enum dash_part {
    DASH_PART_BACK,      /* background, title and settings line */
    DASH_PART_CURVES,    /* loss, accuracy and learning rate against images seen */
    DASH_PART_WEIGHTS,   /* histograms per racer and layer; norm and near-zero share */
    DASH_PART_LAND,      /* the loss landscape with the projected paths */
    DASH_PART_NET,       /* the selected racer's filters, predictions, confusion matrix */
    DASH_PART_STATUS,
    DASH_PART_TOAST,
    DASH_PART_HELP,
    DASH_PARTS
};

/* One part; d->lay must be filled (dash_layout). cr's state is restored. */
void draw_dash_part(cairo_t *cr, const struct dash *d, enum dash_part part);
/* Every part in order. */
void draw_dash(cairo_t *cr, const struct dash *d);
/* The whole dashboard to path (.png, .svg, .pdf), atomically as draw_export. */
bool draw_dash_export(const char *path, const struct dash *d, char *err, size_t errlen);

#endif

/* ui.h: a widget panel (figure/ui.h) painted with cairo: the window's settings panel, the
 * same drawing in tests. */
#ifndef OPTISCOPE_DRAW_UI_H
#define OPTISCOPE_DRAW_UI_H

#include <cairo.h>

#include "figure/ui.h"

/* Draws the card and every widget where ui puts it (frame coordinates); cr's state is
 * restored. Nothing when the panel is closed (ui->r.w == 0). */
void draw_ui(cairo_t *cr, const struct figure_ui *ui);

#endif

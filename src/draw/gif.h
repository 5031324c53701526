/* gif.h: animated GIF export of cairo image frames (the race growing step by step), one global
 * palette fitted to a reference frame, written to a temporary file and renamed into place. */
#ifndef OPTISCOPE_DRAW_GIF_H
#define OPTISCOPE_DRAW_GIF_H

#include <stdbool.h>
#include <stddef.h>

#include <cairo.h>

#include "sim/scene.h"

struct draw_gif;   /* an animation being written */

/* Opens PATH.tmp-XXXXXX beside path for a width x height animation that loops forever. The
 * 256-colour palette is fitted to `reference` (an ARGB32 image surface of that size, usually
 * the last frame, which holds every colour the animation will show) and to the theme's colour
 * map and runner colours. NULL with err on failure. */
struct draw_gif *draw_gif_begin(const char *path, int width, int height, enum scene_theme theme,
                                cairo_surface_t *reference, char *err, size_t errlen);
/* Appends a frame (ARGB32 image surface, width x height) shown for delay_cs hundredths of a
 * second. */
bool draw_gif_frame(struct draw_gif *g, cairo_surface_t *frame, int delay_cs, char *err,
                    size_t errlen);
/* Finishes the file and renames it into place; on failure removes it. Frees g either way. */
bool draw_gif_end(struct draw_gif *g, char *err, size_t errlen);
/* Removes the temporary file and frees g (accepts NULL). */
void draw_gif_abort(struct draw_gif *g);

#endif

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
/* A frame mapped to the palette. Mapping only reads g's palette, so several threads map
 * frames at once, each into pixels of its own, while another thread puts mapped frames. */
struct draw_gif_pixels;
struct draw_gif_pixels *draw_gif_pixels_new(const struct draw_gif *g);
void draw_gif_pixels_free(struct draw_gif_pixels *px);   /* accepts NULL */
/* Maps frame (ARGB32 image surface, width x height) to g's palette into px. */
void draw_gif_map(const struct draw_gif *g, struct draw_gif_pixels *px, cairo_surface_t *frame);
/* Appends px as the next frame, shown for delay_cs hundredths of a second; only the rectangle
 * that changed since the last frame put is written. px is written to while it runs. */
bool draw_gif_put(struct draw_gif *g, struct draw_gif_pixels *px, int delay_cs, char *err,
                  size_t errlen);
/* Finishes the file and renames it into place; on failure removes it. Frees g either way. */
bool draw_gif_end(struct draw_gif *g, char *err, size_t errlen);
/* Removes the temporary file and frees g (accepts NULL). */
void draw_gif_abort(struct draw_gif *g);

#endif

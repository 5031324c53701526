/* colormap.h: a perceptually uniform, viridis-like colour map (dark purple -> teal -> yellow)
 * for heatmaps, contour levels and colour bars. */
#ifndef OPTISCOPE_DRAW_COLORMAP_H
#define OPTISCOPE_DRAW_COLORMAP_H

#include "sim/scene.h"

#define DRAW_COLORMAP_SIZE 256

/* Colour at t in [0, 1] (clamped; NaN gives the low end), rgb in [0, 1] (sRGB), linearly
 * interpolated between the entries of a 256-entry table. Lightness rises monotonically with t. */
void draw_colormap(double t, double rgb[3]);

/* The same as a packed 0x00RRGGBB, for filling image surfaces quickly. */
unsigned draw_colormap_rgb24(double t);

/* The colour map of a theme (scene key theme): dark is the viridis-like map above; light is a
 * light cividis-like map for projectors (steel blue -> light grey -> pale yellow, OKLab
 * lightness 0.58 -> 0.97: a blue-yellow axis that red-green colour-blind viewers see whole,
 * light enough for dark paths and text on a washed-out screen). */
void draw_colormap_theme(enum scene_theme theme, double t, double rgb[3]);
unsigned draw_colormap_theme_rgb24(enum scene_theme theme, double t);

#endif

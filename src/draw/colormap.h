/* colormap.h: a perceptually uniform, viridis-like colour map (dark purple -> teal -> yellow)
 * for heatmaps, contour levels and colour bars. */
#ifndef OPTISCOPE_DRAW_COLORMAP_H
#define OPTISCOPE_DRAW_COLORMAP_H

#define DRAW_COLORMAP_SIZE 256

/* Colour at t in [0, 1] (clamped; NaN gives the low end), rgb in [0, 1] (sRGB), linearly
 * interpolated between the entries of a 256-entry table. Lightness rises monotonically with t. */
void draw_colormap(double t, double rgb[3]);

/* The same as a packed 0x00RRGGBB, for filling image surfaces quickly. */
unsigned draw_colormap_rgb24(double t);

#endif

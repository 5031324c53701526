/* contour.h: level sets of a sampled 2-D field by marching squares, as line segments in grid
 * coordinates; the caller maps them to the screen. */
#ifndef OPTISCOPE_DRAW_CONTOUR_H
#define OPTISCOPE_DRAW_CONTOUR_H

/* grid: (ny, nx) row-major, grid[j * nx + i] is the sample at grid point (i, j). Calls
 * segment(ud, x0, y0, x1, y1) for each piece of the curve f = level, with x in [0, nx - 1] and
 * y in [0, ny - 1] in cell units (point (i, j) is at x = i, y = j). A cell with a non-finite
 * corner is skipped. A saddle cell (corners alternating above/below) is resolved by the average
 * of its four corners: the two corners on the other side of that centre value get cut off. */
void draw_contour_grid(const double *grid, int nx, int ny, double level,
                       void (*segment)(void *ud, double x0, double y0, double x1, double y1),
                       void *ud);

#endif

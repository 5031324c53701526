/* contour.c: marching squares over a sampled grid, one cell at a time, with linear
 * interpolation along the cell edges and centre-average resolution of saddles. */
#include "draw/contour.h"

#include <math.h>
#include <stdbool.h>

/* ------------------------------------------------------------------ marching squares */

/* Cell corners, counter-clockwise from (i, j): 0 = (i, j), 1 = (i+1, j), 2 = (i+1, j+1),
 * 3 = (i, j+1). Edge k joins corner k and corner (k + 1) % 4: 0 bottom, 1 right, 2 top, 3 left. */
static const int corner_dx[4] = {0, 1, 1, 0};
static const int corner_dy[4] = {0, 0, 1, 1};

/* Where the level crosses edge k of the cell at (i, j), in grid units. */
static void edge_point(const double v[4], int i, int j, int k, double level, double *x, double *y)
{
    int a = k, b = (k + 1) % 4;
    double t = (level - v[a]) / (v[b] - v[a]);   /* v[a] != v[b]: they lie on opposite sides */
    *x = i + corner_dx[a] + t * (corner_dx[b] - corner_dx[a]);
    *y = j + corner_dy[a] + t * (corner_dy[b] - corner_dy[a]);
}

static void emit(const double v[4], int i, int j, int ea, int eb, double level,
                 void (*segment)(void *, double, double, double, double), void *ud)
{
    double x0, y0, x1, y1;
    edge_point(v, i, j, ea, level, &x0, &y0);
    edge_point(v, i, j, eb, level, &x1, &y1);
    segment(ud, x0, y0, x1, y1);
}

void draw_contour_grid(const double *grid, int nx, int ny, double level,
                       void (*segment)(void *ud, double x0, double y0, double x1, double y1),
                       void *ud)
{
    if (!grid || nx < 2 || ny < 2 || !isfinite(level)) {
        return;
    }
    for (int j = 0; j + 1 < ny; j++) {
        for (int i = 0; i + 1 < nx; i++) {
            double v[4];
            bool ok = true;
            bool above[4];
            int nabove = 0;
            for (int c = 0; c < 4; c++) {
                v[c] = grid[(j + corner_dy[c]) * nx + i + corner_dx[c]];
                ok = ok && isfinite(v[c]);
                above[c] = v[c] >= level;
                nabove += above[c];
            }
            if (!ok || nabove == 0 || nabove == 4) {
                continue;
            }
            if (nabove == 2 && above[0] == above[2]) {
                /* Saddle: opposite corners agree. The centre value decides which pair of
                 * opposite corners is connected through the cell; the other pair is cut off. */
                bool centre_above = (v[0] + v[1] + v[2] + v[3]) * 0.25 >= level;
                if (centre_above == above[0]) {
                    emit(v, i, j, 0, 1, level, segment, ud);   /* around corner 1 */
                    emit(v, i, j, 2, 3, level, segment, ud);   /* around corner 3 */
                } else {
                    emit(v, i, j, 3, 0, level, segment, ud);   /* around corner 0 */
                    emit(v, i, j, 1, 2, level, segment, ud);   /* around corner 2 */
                }
                continue;
            }
            /* Exactly two edges change side. */
            int e[2], ne = 0;
            for (int k = 0; k < 4; k++) {
                if (above[k] != above[(k + 1) % 4]) {
                    e[ne++] = k;
                }
            }
            emit(v, i, j, e[0], e[1], level, segment, ud);
        }
    }
}

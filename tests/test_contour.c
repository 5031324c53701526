/* test_contour.c: marching squares: a circle's level set lies on the circle and closes with the
 * right length, saddles follow the centre value, and levels outside the data give nothing. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "draw/contour.h"

struct collect {
    int n;                 /* segments seen */
    double seg[64][4];     /* the first 64: x0, y0, x1, y1 */
    double cx, cy, r;      /* circle to compare with */
    double max_err;        /* largest | |p - c| - r | over endpoints */
    double length;         /* total length */
    double xmin, xmax, ymin, ymax;   /* endpoint bounds */
};

static void on_segment(void *ud, double x0, double y0, double x1, double y1)
{
    struct collect *c = ud;
    if (c->n < 64) {
        c->seg[c->n][0] = x0;
        c->seg[c->n][1] = y0;
        c->seg[c->n][2] = x1;
        c->seg[c->n][3] = y1;
    }
    c->n++;
    double e0 = fabs(hypot(x0 - c->cx, y0 - c->cy) - c->r);
    double e1 = fabs(hypot(x1 - c->cx, y1 - c->cy) - c->r);
    c->max_err = fmax(c->max_err, fmax(e0, e1));
    c->length += hypot(x1 - x0, y1 - y0);
    c->xmin = fmin(c->xmin, fmin(x0, x1));
    c->xmax = fmax(c->xmax, fmax(x0, x1));
    c->ymin = fmin(c->ymin, fmin(y0, y1));
    c->ymax = fmax(c->ymax, fmax(y0, y1));
}

static void collect_init(struct collect *c, double cx, double cy, double r)
{
    *c = (struct collect){0};
    c->cx = cx;
    c->cy = cy;
    c->r = r;
    c->xmin = c->ymin = INFINITY;
    c->xmax = c->ymax = -INFINITY;
}

static void test_circle(void)
{
    int nx = 41, ny = 31;
    double cx = 20.3, cy = 14.6;
    double *g = malloc(sizeof *g * nx * ny);
    for (int j = 0; j < ny; j++) {
        for (int i = 0; i < nx; i++) {
            g[j * nx + i] = (i - cx) * (i - cx) + (j - cy) * (j - cy);   /* distance squared */
        }
    }
    for (double r = 3.0; r <= 12.0; r += 4.5) {
        struct collect c;
        collect_init(&c, cx, cy, r);
        draw_contour_grid(g, nx, ny, r * r, on_segment, &c);
        CHECK(c.n > 8);
        /* linear interpolation of r^2 along an edge: error well under a tenth of a cell */
        CHECK(c.max_err < 0.08);
        CHECK_NEAR(c.length, 2 * M_PI * r, 0.02 * 2 * M_PI * r);
        CHECK_NEAR(c.xmin, cx - r, 0.1);
        CHECK_NEAR(c.xmax, cx + r, 0.1);
        CHECK_NEAR(c.ymin, cy - r, 0.1);
        CHECK_NEAR(c.ymax, cy + r, 0.1);
    }
    /* A circle cut by the grid's edge: only the inside part, all of it on the circle. */
    struct collect c;
    collect_init(&c, cx, cy, 18.0);
    draw_contour_grid(g, nx, ny, 18.0 * 18.0, on_segment, &c);
    CHECK(c.n > 0);
    CHECK(c.max_err < 0.08);
    CHECK(c.xmin >= 0 && c.xmax <= nx - 1 && c.ymin >= 0 && c.ymax <= ny - 1);
    free(g);
}

/* Which corner of the unit cell a segment cuts off: the corner both its ends are next to. */
static bool cuts_corner(const double s[4], double cx, double cy)
{
    return hypot(s[0] - cx, s[1] - cy) < 0.75 && hypot(s[2] - cx, s[3] - cy) < 0.75;
}

static void test_saddle(void)
{
    /* corners (0,0)=1, (1,0)=0, (0,1)=0, (1,1)=1: alternating */
    double g[4] = {1.0, 0.0, 0.0, 1.0};
    struct collect c;
    /* Centre average 0.5 is above the level 0.4: the high corners join through the middle,
     * so the low corners (1,0) and (0,1) are cut off. */
    collect_init(&c, 0, 0, 0);
    draw_contour_grid(g, 2, 2, 0.4, on_segment, &c);
    CHECK(c.n == 2);
    bool a = cuts_corner(c.seg[0], 1, 0) || cuts_corner(c.seg[1], 1, 0);
    bool b = cuts_corner(c.seg[0], 0, 1) || cuts_corner(c.seg[1], 0, 1);
    CHECK(a && b);
    /* Centre 0.5 below the level 0.6: the low corners join, the high ones are cut off. */
    collect_init(&c, 0, 0, 0);
    draw_contour_grid(g, 2, 2, 0.6, on_segment, &c);
    CHECK(c.n == 2);
    a = cuts_corner(c.seg[0], 0, 0) || cuts_corner(c.seg[1], 0, 0);
    b = cuts_corner(c.seg[0], 1, 1) || cuts_corner(c.seg[1], 1, 1);
    CHECK(a && b);
    /* Crossing points by linear interpolation: level 0.4 on edge (0,0)-(1,0) at x = 0.6. */
    bool found = false;
    for (int k = 0; k < 2; k++) {
        for (int e = 0; e < 2; e++) {
            if (fabs(c.seg[k][2 * e + 1]) < 1e-12 && fabs(c.seg[k][2 * e] - 0.4) < 1e-12) {
                found = true;   /* level 0.6 between 1 at x=0 and 0 at x=1: x = 0.4 */
            }
        }
    }
    CHECK(found);
}

static void test_outside_range_and_nan(void)
{
    double g[9] = {0, 1, 2, 1, 2, 3, 2, 3, 4};
    struct collect c;
    collect_init(&c, 0, 0, 0);
    draw_contour_grid(g, 3, 3, 10.0, on_segment, &c);
    CHECK(c.n == 0);
    draw_contour_grid(g, 3, 3, -1.0, on_segment, &c);
    CHECK(c.n == 0);
    draw_contour_grid(g, 3, 3, NAN, on_segment, &c);
    CHECK(c.n == 0);
    draw_contour_grid(g, 1, 3, 1.5, on_segment, &c);   /* no cells */
    CHECK(c.n == 0);
    /* A NaN sample drops the cells around it and nothing else. */
    collect_init(&c, 0, 0, 0);
    draw_contour_grid(g, 3, 3, 1.5, on_segment, &c);
    int all = c.n;
    CHECK(all == 3);
    g[0] = NAN;
    collect_init(&c, 0, 0, 0);
    draw_contour_grid(g, 3, 3, 1.5, on_segment, &c);
    CHECK(c.n == all - 1);
    CHECK(isfinite(c.length));
}

int main(void)
{
    test_circle();
    test_saddle();
    test_outside_range_and_nan();
    return check_done("contour");
}

/* draw.h: cairo drawing of a race on a 2-D function onto any cairo_t (window overlays, PNG, SVG,
 * PDF, tests): the whole figure, its layout, and the pieces the window reuses one by one. */
#ifndef OPTISCOPE_DRAW_DRAW_H
#define OPTISCOPE_DRAW_DRAW_H

#include <stdbool.h>
#include <stddef.h>

#include <cairo.h>

#include "draw/colormap.h"
#include "draw/contour.h"
#include "sim/race.h"

/* ------------------------------------------------------------------ the figure */

struct draw_figure {
    const struct race *race;        /* runners, trajectories, the objective via race_objective;
                                       NULL draws an empty frame */
    double view[4];                 /* xmin, xmax, ymin, ymax shown */
    bool log_scale;                 /* colour by log10(f - fmin + eps) */
    bool contours, trails, legend, inset, axes, minima;  /* what to draw; zero-init then set */
    int nminima;                    /* known minima in minima_xy (at most 6) */
    double minima_xy[6][2];         /* (x, y) of each known minimum (`minima` is the flag) */
    const char *title;              /* NULL: none */
    double font_scale;              /* 0 means 1; the window uses larger text for projection */
    int highlight;                  /* selected runner index, -1 none */
};

/* Draws the whole figure into the rectangle (0, 0, width, height) of cr's user space: white
 * background, heatmap, contours, trails and markers, axes, colour bar, title, legend and loss
 * inset. Reads the race only. cr's state is restored on return. */
void draw_figure(cairo_t *cr, int width, int height, const struct draw_figure *fig);

/* Writes the figure to path, by extension: .png (width x height pixels), .svg or .pdf (width x
 * height points). Writes PATH.tmp-XXXXXX in the same directory, then renames it into place; on
 * any failure the temporary is removed, no file is left and err names the path and the cause. */
bool draw_export(const char *path, int width, int height, const struct draw_figure *fig,
                 char *err, size_t errlen);

/* ------------------------------------------------------------------ layout */

struct draw_rect {
    double x, y, w, h;              /* top-left corner and size, cairo user units */
};

struct draw_layout {
    double font;                    /* base text size, user units (font_scale applied) */
    struct draw_rect plot;          /* the heatmap: view[] maps onto it */
    struct draw_rect colorbar;      /* w == 0: none */
    struct draw_rect legend;        /* w == 0: none */
    struct draw_rect inset;         /* w == 0: none */
    double title_y;                 /* title baseline; 0: no title */
    bool legend_inside;             /* the legend sits in a corner of the plot (narrow figure) */
};

/* Where everything goes in a width x height figure (what draw_figure uses). The window uses
 * layout.plot to map the mouse to the function's coordinates (draw_frame_unmap). */
void draw_layout(int width, int height, const struct draw_figure *fig, struct draw_layout *out);

/* A data window mapped onto a rectangle: x grows right, y grows up (screen y down). */
struct draw_frame {
    struct draw_rect r;             /* where, in user units */
    double view[4];                 /* xmin, xmax, ymin, ymax */
};

void draw_frame_map(const struct draw_frame *fr, double x, double y, double out[2]);
void draw_frame_unmap(const struct draw_frame *fr, double ux, double uy, double out[2]);

/* ------------------------------------------------------------------ colour scale and field */

/* How function values map to t in [0, 1] of the colour map. */
struct draw_scale {
    bool log;                       /* s(f) = log10(max(f - fmin, 0) + eps); else s(f) = f */
    double fmin;                    /* smallest sampled value */
    double eps;                     /* log offset: the 2nd percentile of f - fmin (robust) */
    double lo, hi;                  /* s range mapped to t = 0 .. 1 (hi: 98th percentile) */
};

/* Fits the scale to n samples (non-finite ones ignored): t = 0 at the minimum, t = 1 at the
 * 98th percentile, so a few huge values do not flatten the picture. */
void draw_scale_fit(struct draw_scale *s, const double *v, size_t n, bool log_scale);
/* t for value f, not clamped (NaN for non-finite f). */
double draw_scale_t(const struct draw_scale *s, double f);
/* The value whose t is t (inverse of draw_scale_t). */
double draw_scale_value(const struct draw_scale *s, double t);

/* The objective sampled on a grid over a view. */
struct draw_field {
    double *v;                      /* (ny, nx) row-major; row 0 at the top (ymax) */
    int nx, ny;                     /* samples across and down */
    double view[4];                 /* xmin, xmax, ymin, ymax */
    bool corners;                   /* samples at the view's corners and edges (contour grids);
                                       false: at pixel centres (heatmaps) */
};

/* Samples race_objective on an nx x ny grid (allocates v). */
void draw_field_sample(struct draw_field *fld, const struct race *race, const double view[4],
                       int nx, int ny, bool corners);
void draw_field_finish(struct draw_field *fld);

/* ------------------------------------------------------------------ pieces */

/* Runner i's trail colour (a qualitative palette that reads on the colour map), and a darker
 * shade of it for text on white. */
void draw_runner_color(int i, double rgb[3]);
void draw_runner_text_color(int i, double rgb[3]);

/* A rectangle with corners of radius r (clamped to half the shorter side), as a new sub-path. */
/* DejaVu Sans at size (user units), bold and/or italic (oblique) as asked, on cr. */
void draw_set_font(cairo_t *cr, double size, bool bold, bool italic);
void draw_rounded_rect(cairo_t *cr, double x, double y, double w, double h, double r);

/* A 1-2-5 tick step for `range` with about `target` ticks. */
double draw_nice_step(double range, int target);

/* Heatmap of race_objective over fr: one sample per device pixel on image surfaces, a 400-wide
 * image on vector surfaces. Fits *scale to the samples (pass it on to contours and colour bar). */
void draw_heatmap(cairo_t *cr, const struct draw_frame *fr, const struct race *race,
                  bool log_scale, struct draw_scale *scale);
/* nlevels - 1 contour lines evenly spaced in t (so log-spaced on a log scale). */
void draw_contours(cairo_t *cr, const struct draw_frame *fr, const struct race *race,
                   const struct draw_scale *scale, int nlevels, double font);
/* Every runner's path (clipped to fr), start ring, end dot (a cross when diverged). */
void draw_trails(cairo_t *cr, const struct draw_frame *fr, const struct race *race,
                 int highlight, double font);
void draw_minima(cairo_t *cr, const struct draw_frame *fr, int n, const double (*minima)[2],
                 double font);
/* Frame, 1-2-5 ticks and tick labels, axis names x and y, outside fr. */
void draw_axes(cairo_t *cr, const struct draw_frame *fr, double font);
/* Vertical colour bar in r with value labels to its right. */
void draw_colorbar(cairo_t *cr, const struct draw_rect *r, const struct draw_scale *scale,
                   double font);
/* Legend: per runner a swatch, the label, final loss and steps or "diverged at step N". */
void draw_legend(cairo_t *cr, const struct draw_rect *r, const struct race *race, int highlight,
                 double font, bool boxed);
/* Loss against step on a log axis, one curve per runner. */
void draw_loss_inset(cairo_t *cr, const struct draw_rect *r, const struct race *race,
                     int highlight, double font);

#endif

/* figure.h: the description of one frame: the field (the objective over a view and its colour
 * scale), paths, markers, arrows, axes, legend, loss series, labels and panels, and where each
 * goes. The session builds it; draw/ paints it onto any cairo_t (PNG, SVG, PDF, GIF, the
 * window's panels) and gl/ paints its plot in the window, so both show one picture. libc. */
#ifndef OPTISCOPE_FIGURE_FIGURE_H
#define OPTISCOPE_FIGURE_FIGURE_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/explain.h"
#include "sim/race.h"
#include "sim/scene.h"

#define FIGURE_MAX_PATHS RACE_MAX
#define FIGURE_MAX_MARKERS (2 * RACE_MAX + 8)
#define FIGURE_MAX_ARROWS 4
#define FIGURE_MAX_MINIMA 6
#define FIGURE_LEVELS 16   /* isolines: FIGURE_LEVELS - 1 lines evenly spaced in colour */

/* ------------------------------------------------------------------ geometry */

struct figure_rect {
    double x, y, w, h;              /* top-left corner and size, pixels (points in SVG/PDF) */
};

/* A data window mapped onto a rectangle: x grows right, y grows up (screen y down). */
struct figure_frame {
    struct figure_rect r;           /* where */
    double view[4];                 /* xmin, xmax, ymin, ymax */
};

void figure_frame_map(const struct figure_frame *fr, double x, double y, double out[2]);
void figure_frame_unmap(const struct figure_frame *fr, double ux, double uy, double out[2]);
bool figure_rect_contains(const struct figure_rect *r, double x, double y);

/* A 1-2-5 tick step for `range` with about `target` ticks. */
double figure_nice_step(double range, int target);

/* Runner i's colour (a qualitative palette that reads on the colour map), RGB in 0..1. */
void figure_runner_rgb(int i, double rgb[3]);

/* ------------------------------------------------------------------ colour scale */

/* How objective values map to t in [0, 1] of the colour map. */
struct figure_scale {
    bool log;                       /* s(f) = log10(max(f - fmin, 0) + eps); else s(f) = f */
    double fmin;                    /* smallest sampled value */
    double eps;                     /* log offset: the 2nd percentile of f - fmin (robust) */
    double lo, hi;                  /* s range mapped to t = 0 .. 1 (hi: 98th percentile) */
};

/* Fits the scale to n samples (non-finite ones ignored): t = 0 at the minimum, t = 1 at the
 * 98th percentile, so a few huge values do not flatten the picture. */
void figure_scale_fit(struct figure_scale *s, const double *v, size_t n, bool log_scale);
/* Samples the race's objective on a 96 x 96 grid over view and fits the scale to it: what
 * both renderers colour by, so the window and its exports agree. */
void figure_scale_fit_view(struct figure_scale *s, const struct race *race,
                           const double view[4], bool log_scale);
/* t for value f, not clamped (NaN for non-finite f). */
double figure_scale_t(const struct figure_scale *s, double f);
/* The value whose t is t (inverse of figure_scale_t). */
double figure_scale_value(const struct figure_scale *s, double t);

/* ------------------------------------------------------------------ elements */

/* The objective over the plot. */
struct figure_field {
    const struct race *race;        /* race_objective gives the values (not owned) */
    double view[4];                 /* xmin, xmax, ymin, ymax mapped onto the plot */
    struct figure_scale scale;      /* colours (and 3-D heights) */
    bool contours;                  /* isolines */
    enum scene_theme theme;         /* its colour map (draw_colormap_theme) and isolines */
};

/* One optimizer's path. */
struct figure_path {
    const struct traj *traj;        /* points, oldest first (not owned) */
    int color;                      /* palette index (draw_runner_color) */
    double width;                   /* line width, pixels */
    bool highlight;                 /* the selected one: drawn last */
    bool dimmed;                    /* another one is selected */
    bool diverged;                  /* its end is a cross */
    unsigned long restart;          /* changes when the path starts over (reset, new scene) */
    unsigned long gen;              /* changes whenever points were added */
    double lr_ref;                  /* the largest learning rate along the path: segments at
                                       it get the full width, smaller ones thinner
                                       (figure_lr_width); 0: one width */
};

enum figure_marker_shape { FIGURE_MARK_DISC, FIGURE_MARK_RING, FIGURE_MARK_CROSS,
                           FIGURE_MARK_STAR };

struct figure_marker {
    double x, y;                    /* data */
    double loss;                    /* objective there (3-D height) */
    enum figure_marker_shape shape;
    int color;                      /* palette index, -1 white */
    double size;                    /* diameter, pixels */
};

struct figure_arrow {
    double x, y;                    /* foot, data */
    double dx, dy;                  /* direction, data units (length ignored) */
    double len;                     /* on-screen length, pixels */
    double rgb[3];
};

/* One legend row: the label, and a detail line. */
struct figure_entry {
    char label[128];                /* "momentum(lr=0.003, momentum=0.9)" */
    char detail[128];               /* "loss 0.0253 · lr 0.003" or "diverged at step 12" */
    int color;
    bool highlight, diverged, hidden;
};

/* One curve of the loss plot (points in step order, already thinned for the plot's width). */
struct figure_series {
    const struct traj_point *pts;   /* (n), not owned */
    size_t n;
    int color;
    bool highlight, diverged;
};

/* One line of the help overlay. */
struct figure_help_entry {
    const char *keys;               /* "Space", "[ ]" */
    const char *what;               /* "play / pause" */
};

/* A polyline over the plot in data units: a penalty's level set, the curve of the minimizers
 * against lambda (the split view's regularization scene). */
#define FIGURE_MAX_LINES 6
struct figure_line {
    const double *xy;               /* (n, 2) points, not owned */
    int n;
    bool closed;                    /* back to the first point */
    bool dashed;
    double rgb[3];
    double width;                   /* pixels, over a dark outline */
};

/* The explain mode: the selected runner's next step taken apart (explain.h), drawn over the
 * plot by draw_explain: its parts as arrows, the Hessian's cross, the caption beside it. */
struct figure_explain {
    bool on;                        /* the mode is on */
    bool valid;                     /* ex holds a step (else note says why not) */
    struct explain ex;
    int color;                      /* the runner's palette index */
    char label[192];                /* the runner's label */
    char note[160];                 /* "adam(lr=0.1) diverged: R restarts" */
};

/* The value under the mouse (2-D: the plot's point under the cursor). */
struct figure_hover {
    bool on;
    double px, py;                  /* the cursor, frame pixels */
    char text[2][128];              /* "f(0.5, -1.2) = 3.25", "\u2207f = (1.2, -0.3)" */
};

/* Where everything goes (figure_layout fills it). */
struct figure_layout {
    double font;                    /* base text size, pixels */
    struct figure_rect plot;        /* the field: view maps onto it */
    struct figure_rect colorbar;    /* w == 0: none */
    struct figure_rect legend;      /* w == 0: none */
    struct figure_rect inset;       /* the loss plot; w == 0: none */
    struct figure_rect lrplot;      /* the learning-rate plot under it; w == 0: none */
    struct figure_rect status;      /* the window's status lines; w == 0: none */
    struct figure_rect toast;       /* w == 0: none */
    double title_y;                 /* title baseline; 0: no title */
    double subtitle_y;              /* the settings line's baseline; 0: none */
    bool legend_inside;             /* the legend sits in a corner of the plot (narrow) */
    struct figure_rect plot2;       /* a split view's right plot (the twin's); w == 0: none */
    double caption_y;               /* the plots' captions' baseline; 0: none */
    bool legend_compact;            /* one line per runner, no detail (large text) */
};

/* A compact legend row's height, in fonts (a full row, label and detail, is 2.55). */
#define FIGURE_LEGEND_COMPACT_ROW 1.4

struct figure {
    int width, height;              /* pixels (points for SVG/PDF) */
    double font_scale;              /* 0 means 1 */
    enum scene_theme theme;         /* colours (figure/theme.h); the field has its own copy */
    bool view3d;                    /* the plot is the 3-D surface (the window, render 3d) */
    double camera[3];               /* 3-D: yaw, pitch (radians), distance */

    char title[160];                /* "beale" or "f = EXPR"; "" none */
    char subtitle[256];             /* what is on: penalties, noise, schedule; "" none */
    char status[2][160];            /* the window's status lines ("" none) */

    struct figure_field field;
    bool axes, colorbar, legend, inset, trails, minima;   /* what to draw */
    bool lrplot;                    /* the learning rate against step under the loss plot (the
                                       series' lr; needs inset) */

    int npaths;
    struct figure_path path[FIGURE_MAX_PATHS];
    int nmarkers;                   /* minima, start, current positions, in drawing order */
    struct figure_marker marker[FIGURE_MAX_MARKERS];
    int narrows;
    struct figure_arrow arrow[FIGURE_MAX_ARROWS];
    int nentries;
    struct figure_entry entry[FIGURE_MAX_PATHS];
    int nseries;
    struct figure_series series[FIGURE_MAX_PATHS];
    long series_steps;              /* the loss plot's x range: 0 .. this */

    char toast[512];                /* "" none */
    bool toast_error;
    bool help;                      /* the help overlay */
    const char *help_title;
    int nhelp;
    const struct figure_help_entry *help_entries;

    /* A split view: two plots side by side sharing one view and colour scale, the left one
     * this figure's, the right one the twin's (its field, paths, markers, lines, caption; its
     * legend rows sit in this figure's entries). */
    const struct figure *twin;      /* the right plot, or NULL: one plot */
    char caption[160];              /* heading over the plot (split views); "" none */
    int nlines;
    struct figure_line line[FIGURE_MAX_LINES];

    struct figure_layout lay;       /* filled by figure_layout */

    struct figure_explain explain;  /* the explain mode (I) */
    struct figure_hover hover;      /* the readout under the mouse */
    /* How wide s is at size (user units, regular or bold), for the layout: the renderers'
     * text engine (draw_text_measure); NULL: estimated from its number of characters. */
    double (*measure)(const char *s, double size, bool bold);
};

/* Zeroes the figure for a width x height frame with nothing drawn. */
void figure_init(struct figure *fig, int width, int height);

/* Fills fig->lay from the size and what is drawn: arithmetic on sizes, and text widths from
 * fig->measure (the toast's, the labels' of a legend inside the plot), so the window's panels
 * and every export put each element in the same place. */
void figure_layout(struct figure *fig);

/* Whether the step from a to b (data) gets a dot on its path: steps longer than a few dot
 * sizes on screen do, so step sizes are visible; a converged crawl adds none. Both
 * renderers ask this, in the plot frame fr. */
bool figure_step_dot(const struct figure_frame *fr, double ax, double ay, double bx, double by,
                     double dot_px);
/* The dot diameter for a path of line width w. */
double figure_dot_size(double width);

/* Whether the loss plot takes a log axis: every loss it shows is positive. Otherwise (a function
 * unbounded below, a saddle escaped) it is linear: a log of a shifted loss reads wrong. The
 * range counts a diverged series' first point only. */
bool figure_series_log_axis(const struct figure *fig);

/* A path segment's width as a fraction of the path's: affine in log10(lr / lr_ref), 1 at
 * lr_ref, 0.6 a decade below, never under 0.3 (1.75 decades below), in steps of 1/16 so
 * a schedule changes the stroke a few times, not at every step. lr_ref <= 0 or lr not finite
 * and positive beyond the floor: 1 (lr_ref 0) or 0.3 (lr 0). Both renderers ask this. */
double figure_lr_width(double lr, double lr_ref);

/* The rectangle the loss plot and the learning-rate plot under it cover together (the inset
 * part's area; w == 0: neither). */
struct figure_rect figure_inset_area(const struct figure *fig);

/* The plot's frame (the field's view on the layout's plot). */
struct figure_frame figure_plot_frame(const struct figure *fig);

#endif

/* draw.h: a figure (figure/figure.h) painted with cairo onto any cairo_t: PNG, SVG and PDF
 * exports, GIF frames, the window's panels and tests all use these, so every picture of a
 * scene is one drawing. Renderers read the figure only. */
#ifndef OPTISCOPE_DRAW_DRAW_H
#define OPTISCOPE_DRAW_DRAW_H

#include <stdbool.h>
#include <stddef.h>

#include <cairo.h>

#include "draw/colormap.h"
#include "draw/contour.h"
#include "figure/figure.h"

/* ------------------------------------------------------------------ the figure */

/* The figure's parts, each drawn where fig->lay puts it (in the figure's coordinates). */
enum draw_part {
    DRAW_PART_FIELD,    /* heatmap and isolines inside the plot (2-D) */
    DRAW_PART_LINES,    /* the figure's lines over the field (a split view's level sets and
                           paths of minimizers, both plots): they change with lambda, not
                           with the steps */
    DRAW_PART_PLOT,     /* paths with step dots, arrows, markers, clipped to the plot */
    DRAW_PART_CHROME,   /* background around the plot (the plot left untouched), axes,
                           colour bar, title and settings line */
    DRAW_PART_LEGEND,
    DRAW_PART_INSET,    /* the loss plot and the learning-rate plot under it */
    DRAW_PART_STATUS,   /* the window's status lines */
    DRAW_PART_TOAST,
    DRAW_PART_HELP,     /* the help overlay over everything */
    DRAW_PARTS
};

/* Draws one part; fig->lay must be filled (figure_layout). cr's state is restored. */
void draw_figure_part(cairo_t *cr, const struct figure *fig, enum draw_part part);

/* Every part in order: the whole figure, as the window shows it (3-D plots excepted: cairo
 * draws the 2-D field; the window's GL draws the surface). */
void draw_figure(cairo_t *cr, const struct figure *fig);

/* Writes the figure to path, by extension: .png (width x height pixels), .svg or .pdf (width x
 * height points). Writes PATH.tmp-XXXXXX in the same directory, then renames it into place; on
 * any failure the temporary is removed, no file is left and err names the path and the cause. */
bool draw_export(const char *path, const struct figure *fig, char *err, size_t errlen);

/* ------------------------------------------------------------------ pieces */

/* Runner i's trail colour (a qualitative palette that reads on the colour map), and a darker
 * shade of it for text on white. */
void draw_runner_color(int i, double rgb[3]);
void draw_runner_text_color(int i, double rgb[3]);
/* The same in a theme (figure/theme.h): these two are the dark theme's. */
void draw_theme_runner_color(enum scene_theme theme, int i, double rgb[3]);
void draw_theme_runner_text_color(enum scene_theme theme, int i, double rgb[3]);

/* Text (text.c, through Pango): DejaVu Sans, with a Korean font and others as fallbacks, at
 * size (user units), bold and/or italic (oblique) as asked, on cr (kept in cr's state, so
 * cairo_save/restore keep it). */
void draw_set_font(cairo_t *cr, double size, bool bold, bool italic);
/* Width of s with the current font. */
double draw_text_width(cairo_t *cr, const char *s);
/* Shows s with the current font: ha is the fraction of its width left of x (0 left-aligned,
 * 0.5 centred, 1 right-aligned); va places y: 0 baseline, 0.5 middle, 1 top of capitals. */
void draw_text_at(cairo_t *cr, double x, double y, const char *s, double ha, double va);
/* s into buf, cut at a UTF-8 boundary with an ellipsis so that it fits in maxw. */
void draw_fit_text(cairo_t *cr, const char *s, double maxw, char *buf, size_t len);
/* s in buf, cut at a separator when wider than maxw (cr's font): its longest prefix of whole
 * items (separated by sep) that fits with tail after it. A tail that starts with ','
 * ("sgd(lr=0.1, \u2026)") cuts only between the arguments of one bracket. Not even one item
 * fits: draw_fit_text's cut. "a \u00b7 b \u00b7 c" with sep " \u00b7 ", tail "": "a \u00b7 b". */
void draw_fit_items(cairo_t *cr, const char *s, const char *sep, const char *tail, double maxw,
                    char *buf, size_t len);
/* Shows s centred on (cx, cy) with the current font, broken at spaces into lines no wider
 * than maxw (a word wider than that is cut with an ellipsis), at most maxlines of them (the
 * last one ellipsized); line_h apart. Returns the number of lines drawn. */
int draw_text_wrapped(cairo_t *cr, double cx, double cy, const char *s, double maxw,
                      double line_h, int maxlines);
/* A tick label with as many decimals as the step needs; never "-0"; a real minus sign. */
void draw_format_tick(double v, double step, char *buf, size_t len);
/* "10" with a raised exponent k at (x, y), ha and va as draw_text_at; returns the width
 * (drawn only when draw). Leaves the font at size. */
double draw_pow10_label(cairo_t *cr, double x, double y, int k, double size, double ha,
                        double va, bool draw);
/* Draws with paint(cr, ud) onto a width x height surface written to path by its extension
 * (.png pixels, .svg or .pdf points) through a temporary file renamed into place; on failure
 * no file is left and err names the path and the cause. draw_export is this for a figure. */
bool draw_export_paint(const char *path, int width, int height,
                       void (*paint)(cairo_t *cr, const void *ud), const void *ud, char *err,
                       size_t errlen);

/* A rectangle with corners of radius r (clamped to half the shorter side), as a new sub-path. */
void draw_rounded_rect(cairo_t *cr, double x, double y, double w, double h, double r);

/* Heatmap of the field over fr: one sample per device pixel on image surfaces, a 400-wide
 * image on vector surfaces, coloured by the field's scale. */
void draw_heatmap(cairo_t *cr, const struct figure_frame *fr, const struct figure_field *fld);
/* nlevels - 1 contour lines evenly spaced in t (so log-spaced on a log scale). */
void draw_contours(cairo_t *cr, const struct figure_frame *fr, const struct figure_field *fld,
                   int nlevels, double font);
/* The figure's paths (with step dots), markers and arrows. */
void draw_paths(cairo_t *cr, const struct figure *fig);
/* An animation's trails, drawn on a surface of their own that keeps what the last call drew:
 * each call adds what the paths (the split view's right plot's too) gained since, so a
 * 60-frame race strokes each path about once, not 60 times. The joints show no seam; where
 * paths cross, the newer steps lie on top (a full drawing puts later runners on top). When
 * what was drawn is not the start of what fig shows (a reset, another race, layout, theme,
 * line width or learning-rate scale changed) the surface is cleared and drawn afresh. st
 * starts zeroed. */
struct draw_trails {
    bool drawn;
    enum scene_theme theme;
    int npaths[2];
    struct figure_frame frame[2];
    struct figure_path path[2][FIGURE_MAX_PATHS];
    size_t since[2][FIGURE_MAX_PATHS];
};
void draw_trails_more(cairo_t *cr, const struct figure *fig, struct draw_trails *st);
void draw_markers(cairo_t *cr, const struct figure *fig);
void draw_arrows(cairo_t *cr, const struct figure *fig);
/* The figure's lines (level sets, paths of minimizers), outlined, clipped to the plot. */
void draw_lines(cairo_t *cr, const struct figure *fig);
/* Frame, 1-2-5 ticks and tick labels, axis names x and y, outside fr. */
void draw_axes(cairo_t *cr, const struct figure_frame *fr, double font, enum scene_theme theme);
/* Vertical colour bar in r with value labels to its right. */
void draw_colorbar(cairo_t *cr, const struct figure_rect *r, const struct figure_scale *scale,
                   double font, enum scene_theme theme);
/* Legend: per entry a swatch, the label and its detail line. boxed: a translucent card over
 * the plot (narrow figures), else a white card. */
void draw_legend(cairo_t *cr, const struct figure_rect *r, const struct figure *fig,
                 double font, bool boxed);
/* Loss against step (log axis when every loss is positive), one curve per series. */
void draw_loss_inset(cairo_t *cr, const struct figure_rect *r, const struct figure *fig,
                     double font);
/* Learning rate against step (log axis), one curve per series from its points' lr: each
 * point's lr drawn over the step that led to it, a diverged series ends in a cross. */
void draw_lr_plot(cairo_t *cr, const struct figure_rect *r, const struct figure *fig,
                  double font);

#endif

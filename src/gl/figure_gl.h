/* figure_gl.h: a figure's plot drawn with OpenGL: the heatmap or lit surface of its field, its
 * paths (with step dots), markers and arrows. Paths go into a cached layer that each frame only
 * extends, keyed by the figure's generation counters, so 10,000-step trails stay cheap. The
 * panels around the plot are cairo's (draw/), composited by the caller. */
#ifndef OPTISCOPE_GL_FIGURE_GL_H
#define OPTISCOPE_GL_FIGURE_GL_H

#include <stdbool.h>
#include <stddef.h>

#include "figure/figure.h"
#include "gl/gl.h"

/* What the scene layer (background and trails) depends on; any change redraws it whole. */
struct gl_figure_key {
    float mvp[16];                  /* data to clip space */
    double view[4];                 /* the field's view */
    double scale[4];                /* fmin, eps, lo, hi of the colour scale */
    int w, h;                       /* frame size */
    int log, view3d, trails, contours;
    unsigned long chrome_gen;       /* the chrome texture composited into the layer */
    unsigned long restart[FIGURE_MAX_PATHS];   /* per runner (colour index) */
    int style[FIGURE_MAX_PATHS];    /* per runner: 0 hidden, 1 plain, 2 dimmed, 3 highlighted */
    double lr_ref[FIGURE_MAX_PATHS];   /* per runner: the lr of its full width (the widths of
                                          what is drawn change with it) */
};

/* GL objects and caches for drawing figures (one per window). */
struct gl_figure {
    struct gl_polyline trail[FIGURE_MAX_PATHS];   /* per runner: (x, y, t, 0) points */
    long *pt_step[FIGURE_MAX_PATHS];   /* (pt_cap) the step of each uploaded point */
    float *pt_xyz[FIGURE_MAX_PATHS];   /* (4 * pt_cap) the uploaded points, for step dots */
    size_t pt_cap[FIGURE_MAX_PATHS];
    unsigned long trail_gen[FIGURE_MAX_PATHS];   /* path gen uploaded; 0 none */
    unsigned long trail_restart[FIGURE_MAX_PATHS];
    bool trail_valid[FIGURE_MAX_PATHS];
    struct gl_polyline floor;       /* the 3-D view's base rectangle */
    struct gl_layer layer;          /* field and trails drawn so far */
    struct gl_figure_key key;       /* what the layer holds */
    bool key_valid;
    long layer_step[FIGURE_MAX_PATHS];   /* last step drawn into the layer per runner */
    float *scratch;                 /* (scratch_cap) floats for uploads */
    size_t scratch_cap;
    struct gl_marker *dots;         /* (dots_cap) step dots of one frame */
    size_t dots_cap;
    long frames;                    /* frames drawn */
};

/* Draws the figure's plot into the bound framebuffer of the figure's size: the field, then
 * `chrome` (a frame-sized premultiplied texture: everything around the plot, which hides the
 * field outside it; 0 texture: none), then paths, markers and arrows, cut to the plot. The
 * field, chrome and paths go into the cached layer, redrawn whole only when the key (view,
 * scale, size, flags, restarts, chrome_gen) changes and else only extended, so a frame costs
 * one copy of the layer plus the new segments. `direct`: draw straight into the frame without
 * the layer (the first frame, before any frame-sized texture exists). */
void gl_figure_draw(struct gl_renderer *r, struct gl_figure *g, const struct figure *fig,
                    bool direct, const struct gl_panel *chrome, unsigned long chrome_gen);

void gl_figure_finish(struct gl_figure *g);   /* needs the context */

/* The data point under window pixel (px, py) of the figure's plot: in 2-D the plot's point; in
 * 3-D where the cursor's ray meets the surface the GL draws (its nearest crossing, found on a
 * grid of the view, then refined). False off the plot or the surface. No GL calls. */
bool gl_figure_pick(const struct figure *fig, double px, double py, double out[2]);
/* Where the surface point over data (x, y) lands: window pixels px[0], px[1] (y down) and
 * depth px[2] (clip z / w; smaller is nearer). False behind the eye. No GL calls. */
bool gl_figure_project(const struct figure *fig, double x, double y, double px[3]);

#endif

/* gl.h: the OpenGL 3.3 core renderer: shader loading with the function's GLSL substituted, the
 * 2-D heatmap (cached in a texture), the 3-D lit surface, thick lines, markers, cairo panels,
 * and an offscreen context (EGL, Mesa surfaceless) for headless frames. GL types only. */
#ifndef OPTISCOPE_GL_GL_H
#define OPTISCOPE_GL_GL_H

#include <stdbool.h>
#include <stddef.h>

#include <epoxy/gl.h>

#include "gl/gl_math.h"

/* ------------------------------------------------------------------ shaders */

/* Text substituted for a marker line in a shader source: the line `//@NAME@` becomes `text`,
 * wrapped in #line directives so that compile errors still name the file and its line. */
struct gl_subst {
    const char *marker;   /* "//@FUNCTION@" */
    const char *text;     /* the replacement (may span lines) */
    const char *origin;   /* how errors inside it are named, e.g. "<expression>" */
};

/* Reads dir/vert and dir/frag, substitutes, compiles and links. On failure returns 0 and err
 * says "shaders/heatmap.frag:23: error: ..." (file and line of the first error). */
GLuint gl_program_load(const char *dir, const char *vert, const char *frag,
                       const struct gl_subst *subst, int nsubst, char *err, size_t errlen);

/* ------------------------------------------------------------------ the renderer */

/* How function values map to t in [0, 1]: the meaning of draw/'s struct draw_scale. */
struct gl_scale {
    bool log;             /* s = log10(max(f - fmin, 0) + eps), else s = f */
    double fmin, eps;     /* log offset terms */
    double lo, hi;        /* s at t = 0 and t = 1 */
};

struct gl_renderer;

/* Needs a current OpenGL 3.3 core context. Loads every program that does not depend on the
 * function from shader_dir. NULL with err on failure. */
struct gl_renderer *gl_renderer_create(const char *shader_dir, char *err, size_t errlen);
void gl_renderer_destroy(struct gl_renderer *r);   /* accepts NULL; needs the context */

/* The function: a GLSL float expression in x and y, and the helper functions it calls.
 * Recompiles the heatmap and field programs; on failure keeps the previous ones. */
bool gl_renderer_set_function(struct gl_renderer *r, const char *prelude, const char *glsl,
                              char *err, size_t errlen);
/* 256 RGB triples, 0..255. */
void gl_renderer_set_colormap(struct gl_renderer *r, const unsigned char *rgb);
/* The colour isolines are drawn towards (white on the dark theme's map, dark on the light). */
void gl_renderer_set_isolines(struct gl_renderer *r, const float rgb[3]);

/* Starts a frame on the bound framebuffer of width x height pixels, cleared to rgb (NULL: not
 * cleared, for a frame that covers every pixel). */
void gl_begin_frame(struct gl_renderer *r, int width, int height, const float rgb[3]);

/* The heatmap of the window's data rectangle view over the whole frame. Evaluated per pixel
 * into a texture only when the view, scale, flags, size or function changed; else copied. */
void gl_draw_heatmap(struct gl_renderer *r, const double view[4], const struct gl_scale *scale,
                     bool contours, int levels);

/* The same evaluated straight into the current framebuffer, neither cached nor using the
 * cache: for a frame drawn before any frame-sized texture exists (the window's first). */
void gl_draw_heatmap_uncached(struct gl_renderer *r, const double view[4],
                              const struct gl_scale *scale, bool contours, int levels);
/* The surface over the data rectangle view (n x n grid), heights from the function through
 * the scale, lit, seen through mvp (data (x, y, t) to clip). eye: camera position, world.
 * Drawn into a cached layer (on background bg) only when something changed, else copied with
 * its depth when drawing into a layer, so that lines drawn with `occlude` hide behind it. */
void gl_draw_surface(struct gl_renderer *r, const double view[4], const struct gl_scale *scale,
                     bool contours, int levels, const float mvp[16], float height,
                     const float eye[3], const float bg[3]);

/* A polyline of n points (x, y, t, unused) in a buffer the caller keeps. */
struct gl_polyline {
    GLuint buf;           /* n * 4 floats */
    GLuint tex;           /* the buffer as an RGBA32F buffer texture */
    int n;                /* points */
    size_t cap;           /* floats the buffer holds */
};
void gl_polyline_set(struct gl_polyline *l, const float *xyzw, int n);
void gl_polyline_finish(struct gl_polyline *l);
/* How a polyline is drawn. */
struct gl_line_style {
    float width;          /* pixels */
    float rgba[4];        /* colour, non-premultiplied */
    float rim;            /* dark border each side, pixels (0 none) */
    const double *clip;   /* data rectangle (xmin, xmax, ymin, ymax) to clip to, or NULL */
    bool occlude;         /* hidden behind the surface's depth in the framebuffer (3-D) */
};
/* Draws points [first, first + count) of it (the neighbours outside the range still shape the
 * joins, so ranges drawn one after another meet cleanly). */
void gl_draw_polyline_range(struct gl_renderer *r, const struct gl_polyline *l, int first,
                            int count, const float mvp[16], const struct gl_line_style *st);
/* All of it, width pixels wide in rgba with a dark border rim pixels wide each side, in one
 * pass; clip (xmin, xmax, ymin, ymax) or NULL. */
void gl_draw_polyline(struct gl_renderer *r, const struct gl_polyline *l, const float mvp[16],
                      float width, const float rgba[4], float rim, const double *clip);
/* The same for points given now (arrows, frames): uploads into a scratch buffer. */
void gl_draw_lines_now(struct gl_renderer *r, const float *xyzw, int n, const float mvp[16],
                       float width, const float rgba[4], float rim);

enum gl_marker_shape { GL_MARKER_DISC, GL_MARKER_RING, GL_MARKER_CROSS, GL_MARKER_DIAMOND };

struct gl_marker {
    float pos[3];         /* data (x, y, t) */
    float rgba[4];        /* fill colour */
    float size;           /* diameter, pixels */
    float shape;          /* enum gl_marker_shape */
};
void gl_draw_markers(struct gl_renderer *r, const struct gl_marker *m, int n,
                     const float mvp[16]);

/* A cairo-drawn overlay in a texture. */
struct gl_panel {
    GLuint tex;           /* BGRA premultiplied, row 0 at the top */
    int w, h;             /* pixels */
};
/* Uploads w x h pixels of cairo's ARGB32 data (stride bytes a row). */
void gl_panel_upload(struct gl_panel *p, const void *data, int w, int h, int stride);
void gl_panel_finish(struct gl_panel *p);
/* Draws it with its top-left corner at pixel (x, y) (y down), blended. */
void gl_draw_panel(struct gl_renderer *r, const struct gl_panel *p, int x, int y);

/* An offscreen layer of the frame's size: an RGBA8 colour texture and, for the 3-D view, a
 * depth texture. */
struct gl_layer {
    GLuint fbo, color, depth;   /* objects; depth 0: none */
    int w, h;                   /* pixels */
};
/* Draws into the layer from now on (resized to the frame), cleared to transparent if asked;
 * the heatmap and the surface then go into it. With depth (3-D) it has a depth texture, which
 * blit_surface fills so that lines hide behind hills; without, the layer skips allocating and
 * zeroing one (a few ms per frame-sized buffer on llvmpipe, at startup and on resize). */
void gl_layer_begin(struct gl_renderer *r, struct gl_layer *l, bool clear, bool depth);
/* Back to the frame's framebuffer. */
void gl_layer_end(struct gl_renderer *r);
/* Composites the layer (premultiplied colour) over the frame. */
void gl_draw_layer(struct gl_renderer *r, const struct gl_layer *l);
/* Copies the layer's colour over the frame (opaque layers). */
void gl_blit_layer(struct gl_renderer *r, const struct gl_layer *l);
void gl_layer_finish(struct gl_layer *l);
/* Limits what is drawn (and cleared) from now on to the w x h pixels at (x, y) (y down) of the
 * frame or layer drawn into; w or h < 1 lifts the limit. gl_begin_frame lifts it too. */
void gl_clip(struct gl_renderer *r, int x, int y, int w, int h);
/* Fills what the clip lets through with an opaque colour. */
void gl_clear(struct gl_renderer *r, const float rgb[3]);

/* Reads the bound framebuffer's width x height pixels into cairo ARGB32 order (row 0 at the
 * top, stride bytes a row, opaque). */
void gl_read_pixels(int width, int height, unsigned char *out, int stride);

/* The first pending GL error as text ("GL_INVALID_OPERATION"), or NULL; clears the queue. */
const char *gl_error_string(void);

/* ------------------------------------------------------------------ offscreen target */

/* A framebuffer object with an RGBA8 colour buffer and a depth buffer. */
struct gl_target {
    GLuint fbo, color, depth;   /* objects */
    int w, h;                   /* pixels */
};
bool gl_target_init(struct gl_target *t, int w, int h, char *err, size_t errlen);
void gl_target_finish(struct gl_target *t);

/* An OpenGL 3.3 core context with no window and no X server: EGL on Mesa's surfaceless
 * platform, made current. NULL with err naming what is missing. */
struct gl_headless;
struct gl_headless *gl_headless_create(char *err, size_t errlen);
void gl_headless_destroy(struct gl_headless *h);   /* accepts NULL */
/* Under AddressSanitizer, marks every library loaded now (the GL driver, once a context is
 * current) never to be unloaded, so leak reports name its modules and tests/lsan_gl.supp
 * matches them; does nothing in other builds. */
void gl_keep_driver_loaded(void);


#endif

/* view.h: the session's figure drawn in GL inside app/: the plot through gl/ (cached by the
 * figure's generations) and the panels around it through draw/ (cairo, mirrored in textures).
 * Used by the SDL window, headless `render --view 3d` and the render benchmark alike. */
#ifndef OPTISCOPE_APP_VIEW_H
#define OPTISCOPE_APP_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include <cairo.h>

#include "figure/figure.h"
#include "gl/figure_gl.h"
#include "gl/gl.h"
#include "session/session.h"

struct app_settings;

/* A cairo-drawn panel: an image surface mirrored in a GL texture. */
struct app_panel {
    cairo_surface_t *surf;       /* ARGB32; NULL until first drawn */
    struct gl_panel gl;          /* its texture */
    int x, y;                    /* where, framebuffer pixels, y down */
    bool shown;                  /* composited this frame */
    double drawn_at;             /* time of the last redraw, seconds; < 0 stale */
};

/* Paints panel p with paint(cr, ud) in frame coordinates over the w x h pixels at (x, y) (y
 * down), on a cleared surface kept between calls, and uploads it; w or h < 1 hides it. The
 * three steps below, in a row. */
void app_panel_paint(struct app_panel *p, int x, int y, int w, int h,
                     void (*paint)(cairo_t *cr, const void *ud), const void *ud, double now);
/* p's surface, made w x h (w, h >= 1) unless it is that size already. */
cairo_surface_t *app_panel_surface(struct app_panel *p, int w, int h);
/* The painting: clears surf and paints paint(cr, ud) on it in frame coordinates, surf's
 * origin at (x, y). Touches nothing but surf, so it may run on another thread. */
void app_panel_paint_surface(cairo_surface_t *surf, int x, int y,
                             void (*paint)(cairo_t *cr, const void *ud), const void *ud);
/* The upload: p's painted surface into its texture, shown at (x, y) from now on. */
void app_panel_upload(struct app_panel *p, int x, int y, double now);

enum { APP_PANEL_CHROME, APP_PANEL_LEGEND, APP_PANEL_INSET, APP_PANEL_STATUS, APP_PANEL_TOAST,
       APP_PANEL_HELP, APP_PANEL_EXPLAIN, APP_PANEL_COUNT };

/* Phases of a frame, for profiling. */
enum { APP_PHASE_PREPARE, APP_PHASE_PLOT, APP_PHASE_PANELS, APP_PHASES };

/* What the chrome panel (background, axes, colour bar, titles) was drawn for. */
struct app_chrome_key {
    int w, h, view3d;
    double view[4], scale[4];
    int log;
    unsigned long lang;          /* i18n_generation(): the words change with the language */
    char title[160], subtitle[256];
    int theme;                   /* colours and */
    double font_scale;           /* text size (large text) */
};

struct app_view {
    struct session *s;           /* the session shown (owned) */
    enum session_purpose purpose;   /* window, or a headless export */
    struct gl_renderer *gl;      /* programs and caches (owned) */
    struct gl_figure glf;        /* the plot's GL caches */
    struct figure *fig;          /* the last frame's figure (owned) */
    unsigned long scene_gen;     /* the scene whose function the programs evaluate */
    unsigned long input_seen;    /* session input drawn so far */
    struct app_panel panel[APP_PANEL_COUNT];
    struct app_chrome_key chrome_key;
    unsigned long chrome_gen;    /* bumped at each repaint of the chrome (the layer keys on it) */
    char toast_drawn[512];       /* the toast text in the toast panel */
    long frames;                 /* frames drawn */
    int buffer_age;              /* this frame: what the window's back buffer holds, in frames
                                    (1: the last frame shown; 0: unknown, draw every pixel) */
    bool present_damage;         /* set by a mode's draw: only damage[] changed (the window
                                    then shows just that, where it can) */
    int damage[4];               /* x, y, w, h in pixels, y down; w 0: nothing changed */
    const char *gl_error;        /* first GL error seen, or NULL */
    bool profile;                /* finish the GPU after each phase and time it */
    double phase_ms[APP_PHASES]; /* accumulated */
    bool shot_pending;           /* save the next frame */
    char last_shot[4096];        /* path of the last screenshot */
    /* A split view (two plots, which gl/ does not draw): cairo paints the fields and chrome
     * into the chrome panel, repainted when their key or captions change, and the lines,
     * paths and markers into split_plot, repainted when the session changed. */
    struct app_panel split_plot;
    unsigned long split_change;  /* the session change split_plot shows */
    char split_caps[2][160];     /* the captions the chrome panel shows */
    unsigned long explain_key[4];   /* input, step, paths' generation and hover the explain
                                       overlay was drawn for */
    struct app_settings *settings;   /* the settings panel (O; app/panel.h), NULL: none */
    int cmap_theme;              /* the theme whose colour map GL holds; -1 none yet */
};

/* The help overlay's lines (keys and mouse), in keymap.c beside the key table. */
const struct figure_help_entry *app_help_entries(int *n);

/* The GL context must be current. Takes the session (owned from now on, also on failure);
 * false with err when the shaders or the function's GLSL fail. */
bool app_view_init(struct app_view *v, struct session *s, enum session_purpose purpose,
                   const char *shader_dir, char *err, size_t errlen);
void app_view_finish(struct app_view *v);

/* An action from the window: most go to the session; S is performed here. */
void app_view_action(struct app_view *v, enum session_action a, int arg, double now);
/* Whether the next frame would differ from the last. */
bool app_view_busy(const struct app_view *v, double now);

/* Draws the frame into the bound framebuffer (width x height). When a screenshot is pending,
 * saves it after drawing. */
void app_view_draw(struct app_view *v, int width, int height, double now);

/* Reads the frame just drawn and writes it to path as a PNG (temporary file + rename). */
bool app_write_frame_png(int width, int height, const char *path, char *err, size_t errlen);

#endif

/* view.h: the live view inside app/: a scene's race, what is shown (2-D or 3-D, flags, camera,
 * selection), the cairo panels, and the frame drawn from it with gl/ and draw/. Used by the SDL
 * window, headless rendering and the benchmark alike. */
#ifndef OPTISCOPE_APP_VIEW_H
#define OPTISCOPE_APP_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include <cairo.h>

#include "draw/draw.h"
#include "draw/overlay.h"
#include "gl/gl.h"
#include "sim/scene.h"

/* What a key (or a menu, or a test) asks the view to do. */
enum app_action_kind {
    APP_ACT_NONE,
    APP_ACT_PLAY,            /* play / pause */
    APP_ACT_STEP,            /* one step (pauses) */
    APP_ACT_RESET,           /* all runners back to the start */
    APP_ACT_FUNC_NEXT,       /* next catalog function */
    APP_ACT_FUNC_PREV,       /* previous catalog function */
    APP_ACT_PRESET_NEXT,     /* next preset */
    APP_ACT_TOGGLE_RUNNER,   /* arg: runner index */
    APP_ACT_SELECT_PREV,     /* Up */
    APP_ACT_SELECT_NEXT,     /* Down */
    APP_ACT_LR_DOWN,         /* halve the selected runner's learning rate */
    APP_ACT_LR_UP,           /* double it */
    APP_ACT_SLOWER,          /* fewer steps per second */
    APP_ACT_FASTER,          /* more steps per second */
    APP_ACT_LOG,             /* log / linear colour scale */
    APP_ACT_CONTOURS,        /* isolines on / off */
    APP_ACT_ARROWS,          /* gradient and velocity arrows on / off */
    APP_ACT_TRAILS,          /* trails on / off */
    APP_ACT_VIEW3D,          /* 2-D / 3-D */
    APP_ACT_HOME,            /* reset zoom, pan and camera */
    APP_ACT_HELP,            /* help overlay on / off */
    APP_ACT_SCREENSHOT,      /* save a PNG of the next frame */
    APP_ACT_FULLSCREEN,      /* handled by the window */
    APP_ACT_QUIT,            /* handled by the window (Esc closes the help first) */
};

struct app_action {
    enum app_action_kind kind;   /* what */
    int arg;                     /* runner index for APP_ACT_TOGGLE_RUNNER */
};

/* What the scene layer (background and trails) depends on; any change redraws it whole. */
struct app_scene_key {
    float mvp[16];               /* data to clip space */
    double view[4], domain[4];   /* 2-D view, data rectangle */
    double scale[4];             /* fmin, eps, lo, hi of the colour scale */
    int w, h;                    /* frame size */
    int selected, n;             /* selected runner, runners */
    unsigned enabled;            /* bit i: runner i shown */
    unsigned gen;                /* race generation */
    int view3d, trails, contours, log;   /* flags */
    double font;                 /* line widths follow it */
};

/* A cairo-drawn overlay: an image surface mirrored in a GL texture. */
struct app_panel {
    cairo_surface_t *surf;       /* ARGB32, w x h; NULL until first drawn */
    struct gl_panel gl;          /* its texture */
    int x, y, w, h;              /* where, framebuffer pixels, y down */
    bool shown;                  /* drawn this frame */
    double drawn_at;             /* time of the last redraw, seconds */
};

/* Phases of a frame, for profiling. */
enum { APP_PHASE_PREPARE, APP_PHASE_SURFACE, APP_PHASE_PATHS, APP_PHASE_PANELS, APP_PHASES };

enum { APP_PANEL_HUD, APP_PANEL_LEGEND, APP_PANEL_LOSS, APP_PANEL_HELP, APP_PANEL_TOAST,
       APP_PANEL_COUNT };

struct app_view {
    struct scene scene;          /* the scene shown (owned) */
    struct scene_resolved res;   /* its function, domain, minima (owned) */
    struct race *race;           /* the live race (owned) */
    char title[160];             /* the function's name, or "f = EXPR" */
    char shader_dir[4096];       /* shaders */
    char preset_dir[4096];       /* presets, "" when none */
    char (*presets)[64];         /* (npresets) names for P */
    int npresets, preset_idx;    /* count; the last one loaded (-1 none) */
    int func_idx;                /* catalog index of the function (-1 custom) */
    char shot_dir[4096];         /* where screenshots go */

    double domain[4];            /* data rectangle fitted into the plot area (pan/zoom) */
    double view[4];              /* domain extended to the whole frame (2-D) */
    struct gl_camera cam;        /* 3-D orbit camera */
    bool view3d, log_scale, contours, trails, arrows, help, running;
    int selected;                /* selected runner */
    int speed_idx;               /* index into the speed table */
    double step_debt;            /* steps owed to the animation, fractional */

    struct draw_scale scale;     /* colour scale fitted to domain */
    double scale_domain[4];      /* the domain it was fitted on */
    bool scale_log;              /* and its log flag */
    bool scale_valid;

    struct gl_renderer *gl;      /* programs and caches (owned) */
    struct gl_polyline trail[RACE_MAX];   /* each runner's path, (x, y, t) */
    struct gl_polyline floor;    /* the 3-D view's base rectangle */
    long trail_key[RACE_MAX];    /* runner step + points when uploaded, -1 stale */
    long *pt_step[RACE_MAX];     /* (pt_cap[i]) the step of each uploaded trail point */
    size_t pt_cap[RACE_MAX];
    struct gl_layer scene_layer; /* heatmap or surface with the trails drawn so far, added to
                                    as runners step; copied to the frame each frame */
    struct app_scene_key layer_key;   /* what the layer was drawn for */
    long layer_step[RACE_MAX];   /* last step drawn into the layer per runner, -1 none */
    unsigned race_gen;           /* bumped when paths restart (reset, new scene) */
    struct app_panel panel[APP_PANEL_COUNT];
    bool panels_stale;           /* redraw every panel next frame */
    bool dirty;                  /* the next frame differs (pan, zoom, camera) */
    char toast[512];             /* message, "" none */
    bool toast_error;            /* red toast */
    double toast_until;          /* seconds */

    int fb_w, fb_h;              /* frame size, pixels */
    double font;                 /* overlay text size, pixels */
    double plot[4];              /* x, y, w, h: where the domain is fitted, pixels */
    bool shot_pending;           /* save the next frame */
    char last_shot[4096];        /* path of the last screenshot */
    long frames;                 /* frames drawn */
    const char *gl_error;        /* first GL error seen, or NULL */
    bool headless;               /* a rendered figure: no key hints */
    bool profile;                /* finish the GPU after each phase and time it */
    double phase_ms[APP_PHASES]; /* accumulated: prepare, surface, paths, panels */
    struct race *loss_race;      /* the race with thinned trajectories, for the loss plot */
    struct traj_point *loss_pts[RACE_MAX];   /* (loss_cap[i]) its points per runner */
    size_t loss_cap[RACE_MAX];
    float *scratch;              /* (scratch_cap) floats for uploads */
    size_t scratch_cap;
};

/* The help overlay's lines (keys and mouse), in keymap.c beside the key table. */
const struct draw_help_entry *app_help_entries(int *n);

/* Speeds the - and = keys step through, optimizer steps per second. */
double app_view_speed(const struct app_view *v);

/* The GL context must be current. Takes a copy of scene; false with err when the scene or the
 * shaders fail. */
bool app_view_init(struct app_view *v, const struct scene *scene, const char *shader_dir,
                   char *err, size_t errlen);
void app_view_finish(struct app_view *v);

/* Replaces the scene (takes ownership of *s, even on failure). On failure the old scene stays
 * and err says why. */
bool app_view_set_scene(struct app_view *v, struct scene *s, char *err, size_t errlen);

void app_view_action(struct app_view *v, struct app_action a, double now);
/* Steps the race by what `dt` seconds owe at the current speed (when running). */
void app_view_advance(struct app_view *v, double dt);
/* Whether the next frame would differ from the last (animation, toast timing, staleness). */
bool app_view_busy(const struct app_view *v, double now);

/* Mouse, in frame pixels (y down). */
void app_view_click(struct app_view *v, double px, double py, double now);
void app_view_drag(struct app_view *v, double dx, double dy, bool rotate_or_pan);
void app_view_wheel(struct app_view *v, double px, double py, double notches);

/* Shows a toast for a few seconds. */
void app_view_toast(struct app_view *v, double now, bool error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Draws the frame into the bound framebuffer (width x height). When a screenshot is pending,
 * saves it after drawing. */
void app_view_draw(struct app_view *v, int width, int height, double now);

/* Reads the frame just drawn and writes it to path as a PNG (temporary file + rename). */
bool app_write_frame_png(int width, int height, const char *path, char *err, size_t errlen);

#endif

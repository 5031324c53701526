/* session.h: what the user is doing with a toy race, with no SDL or GL inside: the scene and
 * its race, what is shown (2-D or 3-D, flags, zoom, camera, selection), the animation speed,
 * the actions keys and the mouse map to, toasts, the figure of the current state, and exports
 * (PNG, SVG, PDF, GIF, CSV, scene files). The window, `render` and the tests all drive it. */
#ifndef OPTISCOPE_SESSION_SESSION_H
#define OPTISCOPE_SESSION_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "figure/figure.h"
#include "sim/scene.h"

/* What a key (or a test, or later a panel) asks the session to do. */
enum session_action {
    SESSION_NONE,
    SESSION_PLAY,            /* play / pause (after the last step: run the scene's steps again) */
    SESSION_STEP,            /* one step (pauses) */
    SESSION_RESET,           /* all runners back to the start */
    SESSION_FUNC_NEXT,       /* next catalog function */
    SESSION_FUNC_PREV,       /* previous catalog function */
    SESSION_PRESET_NEXT,     /* next preset */
    SESSION_TOGGLE_RUNNER,   /* arg: runner index: show / hide (it keeps running) */
    SESSION_SELECT_PREV,
    SESSION_SELECT_NEXT,
    SESSION_LR_DOWN,         /* halve the selected runner's learning rate */
    SESSION_LR_UP,           /* double it */
    SESSION_SLOWER,          /* fewer steps per second */
    SESSION_FASTER,          /* more steps per second */
    SESSION_LOG,             /* log / linear colour scale */
    SESSION_CONTOURS,        /* isolines */
    SESSION_ARROWS,          /* gradient and velocity arrows */
    SESSION_TRAILS,          /* trails */
    SESSION_VIEW3D,          /* 2-D / 3-D */
    SESSION_HOME,            /* reset zoom, pan and camera */
    SESSION_HELP,            /* help overlay */
    SESSION_SCREENSHOT,      /* save what is on screen as a PNG (the window performs it) */
    SESSION_SAVE_SCENE,      /* W: the scene as it stands to DIR/optiscope-STAMP.scene */
    SESSION_EXPORT_VECTOR,   /* E: the figure as .svg and .pdf (3-D: the 2-D figure) */
    SESSION_EXPORT_GIF,      /* A: record the race from the start as a GIF, on a worker */
    SESSION_EXPORT_CSV,      /* X: the trajectories as CSV, the rows `optiscope trace` writes */
    SESSION_FULLSCREEN,      /* the window's */
    SESSION_QUIT,            /* the window's (Esc closes the help first) */
    SESSION_THEME,           /* F5: dark / light theme (both modes) */
    SESSION_LARGE_TEXT,      /* F6: large text on / off (both modes) */
};

/* The steps per second the - and = keys step through. */
#define SESSION_NSPEEDS 14

/* The GIF A records: slide-sized (16:10). */
#define SESSION_GIF_WIDTH 1280
#define SESSION_GIF_HEIGHT 800

struct session_job;   /* a GIF being recorded on a worker thread (session.c) */

/* How to start a session. */
struct session_desc {
    const struct scene *scene;      /* copied */
    const char *preset_dir;         /* folder of NAME.scene files for P and Tab; NULL none */
    const char *const *presets;     /* preset names for P, in order */
    int npresets;
    const char *shot_dir;           /* where screenshots go; NULL: "." */
    bool paused;
    bool view3d;
};

struct session {
    struct scene scene;             /* the scene shown (owned) */
    struct scene_resolved res;      /* its function, domain, minima (owned) */
    struct race *race;              /* the live race (owned) */
    char title[160];                /* the function's name, the scene's title, or "f = EXPR" */
    char subtitle[256];             /* what is on: penalties, noise, schedule */
    char preset_dir[4096];          /* "" none */
    char (*presets)[64];            /* (npresets) names for P */
    int npresets, preset_idx;       /* count; the last one loaded (-1 none) */
    int func_idx;                   /* catalog index of the function (-1 custom) */
    char shot_dir[4096];

    bool shown[RACE_MAX];           /* drawn (hidden runners keep stepping) */
    long target;                    /* the race runs to this step, then stops */
    bool running;
    int speed_idx;                  /* index into the speed table */
    double step_debt;               /* steps owed to the animation, fractional */
    int selected;                   /* selected runner */

    bool view3d, log_scale, contours, trails, arrows, help;
    enum scene_theme theme;         /* the look (F5 toggles it) */
    bool large_text;                /* captions for the back of a room (F6) */
    double domain[4];               /* the data rectangle shown (pan, zoom) */
    double camera[3];               /* 3-D yaw, pitch, distance */
    struct figure_scale scale;      /* colour scale fitted to domain */
    bool scale_valid;

    char toast[512];                /* "" none */
    bool toast_error;
    double toast_until;             /* seconds */

    unsigned long gen;              /* bumped when paths restart (reset, new scene) */
    unsigned long scene_gen;        /* bumped when the scene (its function) is replaced */
    unsigned long change;           /* bumped by every change a frame must show */
    unsigned long input;            /* bumped by every action, mouse event and toast (not by
                                       steps): panels redraw at once for these */
    struct figure_rect last_plot;   /* the plot of the last figure built (for the mouse) */
    int last_fig_w, last_fig_h;     /* the last window figure's size (E exports at it) */

    struct traj_point *loss_pts[RACE_MAX];   /* (loss_cap[i]) thinned points for the plot */
    size_t loss_cap[RACE_MAX];
    size_t loss_n[RACE_MAX];        /* points in loss_pts, for the key below */
    bool series_wanted;             /* session_figure thins the loss curves anew (true unless
                                       the window will not repaint its loss plot this frame:
                                       then the last curves stand) */
    long loss_key[RACE_MAX][4];     /* gen, step, plot width, x range they were thinned for */

    struct session_job *job;        /* the GIF being recorded, or NULL */
    char last_export[4200];         /* path of the last file W, E, A or X wrote ("" none) */
};

/* Starts a session; false with err (and nothing to finish) when the scene is bad. What the
 * scene says is shown (zoom, camera, view, contours, trails, arrows, scale) applies here and,
 * zoom, camera and scale, at every session_set_scene; the display flags then stay as the user
 * left them (Tab and P keep the 3-D view, hidden isolines...). */
bool session_init(struct session *s, const struct session_desc *d, char *err, size_t errlen);
void session_finish(struct session *s);

/* Replaces the scene (takes ownership of *sc, even on failure). On failure the old scene stays
 * and err says why. */
bool session_set_scene(struct session *s, struct scene *sc, char *err, size_t errlen);

/* Does what the action asks; `now` (seconds) times toasts. */
void session_act(struct session *s, enum session_action a, int arg, double now);
/* Steps the race by what `dt` seconds owe at the current speed (while running), and collects
 * a finished GIF recording (its toast). Returns the steps taken. */
long session_advance(struct session *s, double dt, double now);
/* Whether the picture may change without input (animation, a toast to time out, a GIF
 * recording that has finished and waits to be collected). */
bool session_busy(const struct session *s, double now);

/* Steps per second now. */
double session_speed(const struct session *s);
/* The step the race stands at (the furthest runner). */
long session_step(const struct session *s);

/* The mouse, in frame pixels of the last figure built (y down). */
void session_click(struct session *s, double px, double py, double now);
void session_drag(struct session *s, double dx, double dy);
void session_wheel(struct session *s, double px, double py, double notches);

/* Shows a toast for a few seconds. */
void session_toast(struct session *s, double now, bool error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* What the figure is for: the window (status lines, key hints, toasts, help) or an export
 * (render: none of those). Everything else is the same, in the same place. */
enum session_purpose { SESSION_FOR_WINDOW, SESSION_FOR_EXPORT };

/* Builds the figure of the current state at width x height, laid out. The figure points into
 * the session (paths, series), so it is valid until the session next changes. */
void session_figure(struct session *s, struct figure *fig, int width, int height,
                    enum session_purpose purpose, double now);

/* Writes the figure at width x height to path (.png, .svg, .pdf; as session_figure for the
 * purpose). False with err; nothing is left behind on failure. */
bool session_export(struct session *s, const char *path, int width, int height,
                    enum session_purpose purpose, double now, char *err, size_t errlen);
/* An animated GIF of the race from the start to the scene's steps (60 frames, the last held),
 * drawn as `render` draws. Leaves the race at the scene's steps. */
bool session_export_gif(struct session *s, const char *path, int width, int height,
                        FILE *log, const char *prefix, char *err, size_t errlen);
/* Runs the race to the scene's steps (reporting divergence on log as PREFIX: ...). */
void session_run_to_target(struct session *s, FILE *log, const char *prefix);

/* A new file name for a screenshot: DIR/optiscope-YYYYmmdd-HHMMSS.EXT (-2, -3 ... if taken). */
void session_shot_path(const struct session *s, const char *ext, char *out, size_t len);

/* The scene as it stands, as a scene that reproduces it (caller finishes *out): the function
 * or expression, domain, steps, schedule, penalties, noise and title of the scene, with every
 * optimizer as it runs now (the [ ] keys' learning rates), the start (a click moves it), the
 * zoom, camera, view, isolines, trails, arrows and colour scale. */
void session_scene(const struct session *s, struct scene *out);
/* Writes session_scene's scene to path (atomically). False with err. */
bool session_save_scene(const struct session *s, const char *path, char *err, size_t errlen);
/* The figure of the current state as vector files (.svg, .pdf) at width x height points; in
 * the 3-D view, the 2-D figure of the same scene (cairo draws no surface). */
bool session_export_vector(struct session *s, const char *path, int width, int height,
                           char *err, size_t errlen);

/* Runs `scene` from its start for `steps` steps and writes the rows of `optiscope trace`
 * (header, step 0, then each runner's each step, numbers as %.17g) to out; divergences go to
 * log as "PREFIX: LABEL diverged at step N (...)" (log NULL: silently). False with err when
 * the scene does not resolve or writing fails. */
bool session_trace(const struct scene *scene, long steps, FILE *out, FILE *log,
                   const char *prefix, char *err, size_t errlen);

/* Starts recording session_scene's race as a SESSION_GIF_WIDTH x SESSION_GIF_HEIGHT GIF to
 * path on a worker thread (the window keeps going); a toast says so now and another where it
 * went when done (session_advance collects it). False, with a toast, when one is already
 * being recorded. In the 3-D view the GIF is the 2-D figure. */
bool session_record_gif(struct session *s, const char *path, double now);
/* Whether a recording is under way (started and not yet collected). */
bool session_recording(const struct session *s);
/* Waits for a recording under way and collects it (tests; session_finish cancels instead). */
void session_wait_recording(struct session *s, double now);

#endif

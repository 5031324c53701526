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
#include "sim/tune.h"

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
    SESSION_TUNE,            /* U: tune every optimizer's lr on a worker, then show the tuned
                                race; again: defaults and tuned in turn (tune.c) */
    SESSION_LAMBDA_DOWN,     /* J: a split view's penalty weights / 1.25 (paths re-run) */
    SESSION_LAMBDA_UP,       /* K: * 1.25 */
    SESSION_EXPLAIN,         /* I: explain mode on / off (pauses; steps stay one at a time) */
    SESSION_THEME,           /* F5: dark / light theme (both modes) */
    SESSION_LARGE_TEXT,      /* F6: large text on / off (both modes) */
};

/* The steps per second the - and = keys step through. */
#define SESSION_NSPEEDS 14

/* The GIF A records: slide-sized (16:10). */
#define SESSION_GIF_WIDTH 1280
#define SESSION_GIF_HEIGHT 800

struct session_job;   /* a GIF being recorded on a worker thread (session.c) */
struct session_split; /* the l1_vs_l2 split view (split.c) */

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

    struct session_split *split;    /* a split view's second race and exact minimizers
                                       (split.c), or NULL */
    struct session_job *job;        /* the GIF being recorded, or NULL */
    char last_export[4200];         /* path of the last file W, E, A or X wrote ("" none) */
    struct session_tune *tune;      /* U: the tune under way or done, or NULL (tune.c) */

    bool explain;                   /* the explain mode: the selected runner's next step */
    bool hover_on;                  /* the mouse is over the window */
    double hover_px, hover_py;      /* where, frame pixels */
    unsigned long hover_gen;        /* bumped when it moves (the readout redraws) */
    bool hover_has_point;           /* 3-D: the window found the surface point under it */
    double hover_point[2];          /* that point, data */
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

/* The mouse moved to (px, py) without a button held (inside: over the window). The figure then
 * reads f and its gradient there (session_explain_figure). */
void session_hover(struct session *s, double px, double py, bool inside);
/* 3-D: the data point where the cursor's ray meets the surface (the window's GL knows it), or
 * none (has false). In 2-D the session maps the cursor itself. */
void session_hover_point(struct session *s, bool has, const double p[2]);
/* Adds the explain mode's step and the hover readout to fig (session_figure calls it). */
void session_explain_figure(const struct session *s, struct figure *fig);

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

/* session_trace with more columns after `diverged`: SESSION_TRACE_STATE adds the optimizer's
 * state after the row's step under torch's names (explain.h's columns: momentum_buffer_x ...
 * mu_product), empty where it keeps none; SESSION_TRACE_HESSIAN adds hxx,hxy,hyy,lambda_min,
 * lambda_max of the objective at the row's point. Diverged rows leave them empty. */
enum { SESSION_TRACE_STATE = 1u, SESSION_TRACE_HESSIAN = 2u };
bool session_trace_cols(const struct scene *scene, long steps, unsigned cols, FILE *out,
                        FILE *log, const char *prefix, char *err, size_t errlen);

/* Starts recording session_scene's race as a SESSION_GIF_WIDTH x SESSION_GIF_HEIGHT GIF to
 * path on a worker thread (the window keeps going); a toast says so now and another where it
 * went when done (session_advance collects it). False, with a toast, when one is already
 * being recorded. In the 3-D view the GIF is the 2-D figure. */
bool session_record_gif(struct session *s, const char *path, double now);
/* Whether a recording is under way (started and not yet collected). */
bool session_recording(const struct session *s);
/* Waits for a recording under way and collects it (tests; session_finish cancels instead). */
void session_wait_recording(struct session *s, double now);

/* ======================================================================== tune (tune.c) */

/* What a tune found: each optimizer's default and tuned rate and final loss. */
struct session_tuning {
    int n;                          /* optimizers */
    char label[RACE_MAX][192];      /* each one's label at its default rate */
    struct tune_result res[RACE_MAX];
    double secs;                    /* wall time of the search */
};

/* Tunes every optimizer of `scene` (tune_race on its race, for its steps) into *t and
 * *tuned, the same scene with the tuned rates (caller finishes it; untouched on failure).
 * stop as tune_race. False with err when the scene does not resolve or stop stopped it. */
bool session_tune_scene(const struct scene *scene, struct session_tuning *t,
                        struct scene *tuned, bool (*stop)(void *ud), void *ud, char *err,
                        size_t errlen);
/* The table `optiscope tune` prints: optimizer, default lr, default final loss, tuned lr,
 * tuned final loss (a diverged run says at which step), numbers to 6 digits. */
void session_tune_table(const struct session_tuning *t, FILE *f);
/* Writes sc to path as a scene file (atomically), after `comment` as a # line (NULL: none);
 * what W writes too. False with err. */
bool session_write_scene(const struct scene *sc, const char *path, const char *comment,
                         char *err, size_t errlen);

/* U: starts tuning session_scene's race on a worker (a toast says so); when a tune of the
 * scene shown is done, swaps between the tuned and the default rates instead. */
void session_tune_action(struct session *s, double now);
/* Collects a finished tune (session_advance calls it): the race restarts with the tuned rates
 * and runs, and a toast says what changed; a tune of a scene no longer shown is dropped. */
void session_tune_collect(struct session *s, double now);
/* Whether a tune has finished and waits to be collected. */
bool session_tune_ready(const struct session *s);
/* Whether a tune is under way. */
bool session_tuning(const struct session *s);
/* Waits for a tune under way and collects it (tests). */
void session_wait_tune(struct session *s, double now);
/* Stops a tune under way and frees what tunes left (session_finish). */
void session_tune_finish(struct session *s);
/* Appends to a legend detail what the tune says of runner i of the race shown: the other
 * side's final loss (" · default 0.869", " · tuned diverges", " · = default" when the rates
 * agree); nothing without a tune of the scene shown. */
void session_tune_detail(const struct session *s, int i, char *buf, size_t len);

/* The words the session wrote (the settings line) again, in the language now in use. */
void session_relabel(struct session *s);

#endif

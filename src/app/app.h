/* app.h: the interactive window and the GL frames it shares with headless rendering and the
 * render benchmark. No SDL or GL types here: the CLI includes this header. */
#ifndef OPTISCOPE_APP_APP_H
#define OPTISCOPE_APP_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/scene.h"
#include "sim/train_settings.h"

/* What the window starts with. */
struct app_options {
    const struct scene *scene;      /* the starting scene (copied) */
    const char *shader_dir;         /* holds heatmap.vert ... */
    const char *preset_dir;         /* holds NAME.scene files; NULL: no presets */
    const char *const *presets;     /* preset names for P, in order */
    int npresets;
    const char *shot_dir;           /* where S saves; NULL: the current directory */
    int width, height;              /* initial window size, pixels */
    bool paused;                    /* start paused */
    bool view3d;                    /* start in the 3-D view */
    long frames;                    /* quit after drawing this many frames; 0: never */
    bool stats;                     /* print first-frame time and frame statistics */
    const struct train_settings *cnn;   /* the CNN mode's race; NULL: the lecture's */
    bool start_cnn;                 /* open in the CNN mode (N switches) */
};

enum app_status {
    APP_OK,                         /* ran and quit */
    APP_NO_DISPLAY,                 /* no window system to open a window on */
    APP_NO_GL,                      /* a window, but no OpenGL 3.3 core context */
    APP_FAILED,                     /* anything else (shaders, scene) */
};

/* Opens the window and runs until the user quits. On failure err says what is missing. */
enum app_status app_run(const struct app_options *o, char *err, size_t errlen);

/* Runs `scene` for its steps and draws the window's frame of it (2-D or 3-D, with legend, HUD
 * and loss plot) offscreen through EGL (no X server needed), to a PNG written atomically. */
bool app_render_png(const struct scene *scene, const char *shader_dir, const char *path,
                    int width, int height, bool view3d, char *err, size_t errlen);

/* The shaders' folder for a data folder: DATADIR/shaders when installed, DATADIR/../shaders
 * in a source tree (data in assets/). False when neither holds heatmap.frag. */
bool app_shader_dir(const char *datadir, char *out, size_t len);

/* Holds one connection to the display open until app_display_release(), as a desktop's window
 * manager and panels do. The launch benchmark needs it: an Xvfb with no client left resets
 * after each launch (reloading its keymap), which a desktop server never does. */
bool app_display_hold(void);
void app_display_release(void);

/* Frame times of the live view: `frames` frames of `scene` at width x height after running
 * every optimizer for `presteps` steps, animating at the default speed. In a window when a
 * display is available (window = true on return), else offscreen. times_ms gets each frame's
 * time (steps, drawing and presenting, finished on the GPU). */
bool app_bench_frames(const struct scene *scene, const char *shader_dir, int width, int height,
                      bool view3d, long presteps, int frames, double *times_ms, bool *window,
                      char *err, size_t errlen);

#endif

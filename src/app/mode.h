/* mode.h: the window's modes (the toy race, the CNN training live), each behind one small
 * table of functions the event loop calls. The window itself takes F11 (full screen), N (the
 * other mode) and Q/Esc (quit; Esc closes a help overlay first). Inside app/ only. */
#ifndef OPTISCOPE_APP_MODE_H
#define OPTISCOPE_APP_MODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <SDL_keycode.h>

#include "app/view.h"
#include "session/cnn.h"

struct app_mode_ops {
    const char *name;
    /* A key press (repeat: a held key's repetition). */
    void (*key)(void *m, SDL_Keycode key, Uint16 mod, bool repeat, double now);
    void (*click)(void *m, double x, double y, double now);
    void (*drag)(void *m, double dx, double dy);
    void (*wheel)(void *m, double x, double y, double notches);
    /* Time passes: dt seconds since the last frame. */
    void (*advance)(void *m, double dt, double now);
    /* Whether the next frame would differ from the last. */
    bool (*busy)(void *m, double now);
    /* Draws the frame into the bound framebuffer. */
    void (*draw)(void *m, int width, int height, double now);
    /* The window was exposed or resized: everything is drawn again. */
    void (*expose)(void *m);
    bool (*help_shown)(void *m);
    /* The window's title. */
    void (*title)(void *m, char *buf, size_t len);
    /* Toast in the mode (what the window wants to say, e.g. why N failed). */
    void (*toast)(void *m, double now, bool error, const char *text);
    /* The mouse moved with no button held (inside false: it left the window); may be NULL. */
    void (*hover)(void *m, double x, double y, bool inside);
};

struct app_mode {
    const struct app_mode_ops *ops;
    void *m;
};

/* The toy race: m is a struct app_view (view.h). */
extern const struct app_mode_ops app_race_mode;

/* The CNN mode: m is a struct app_cnn. */
extern const struct app_mode_ops app_cnn_mode;

struct app_cnn;
/* The CNN mode drawing through the toy view's GL renderer (borrowed), screenshots named as
 * the toy session names them. ts NULL: the lecture's race. False with a message. */
struct app_cnn *app_cnn_create(const struct train_settings *ts, bool paused, struct app_view *toy,
                               char *err, size_t errlen);
void app_cnn_destroy(struct app_cnn *c);
/* For tests and --stats: the session. */
struct session_cnn *app_cnn_session(struct app_cnn *c);
/* --stats: each part's repaints and their mean time, "cnn-repaints-ms curves 40x6.1 ...". */
void app_cnn_print_stats(const struct app_cnn *c, FILE *out);

#endif

/* cnn.h: the CNN mode, headless: a training race of optimizers on the small CNN run on a
 * worker thread (loading the data there too), the toggles a lecture needs (dropout, batch
 * norm, penalty, early stopping, a race of penalties) restarting it, the loss landscape
 * computed on its own worker, and the dashboard (figure/dash.h) of it all. The window's CNN
 * mode and `render --cnn` drive it; the frame never waits for training. */
#ifndef OPTISCOPE_SESSION_CNN_H
#define OPTISCOPE_SESSION_CNN_H

#include <stdbool.h>
#include <stddef.h>

#include "figure/dash.h"
#include "sim/train_settings.h"

enum cnn_action {
    CNN_NONE,
    CNN_PLAY,          /* pause / resume training */
    CNN_RESTART,       /* the race again from the same initial weights */
    CNN_DROPOUT,       /* dropout 0 <-> 0.3 (restarts) */
    CNN_BATCHNORM,     /* batch norm off <-> on (restarts) */
    CNN_PENALTY,       /* none -> L1 -> L2 -> none (restarts) */
    CNN_PATIENCE,      /* early stopping off -> 1 -> 2 -> 3 -> off (restarts) */
    CNN_COMPARE,       /* the race of penalties (first optimizer thrice) on / off (restarts) */
    CNN_SELECT_NEXT,   /* the racer of the filters, predictions, confusion and landscape */
    CNN_SELECT_PREV,
    CNN_LANDSCAPE,     /* recompute the landscape around the selected racer now */
    CNN_DIRECTIONS,    /* random filter-normalized <-> PCA of the trajectory */
    CNN_VIEW3D,        /* the landscape in 2-D <-> 3-D */
    CNN_ROTATE,        /* 3-D: yaw by arg hundredths of a radian */
    CNN_TILT,          /* 3-D: pitch by arg hundredths of a radian */
    CNN_SYNTHETIC,     /* train on the synthetic shapes (offered when Fashion-MNIST is missing) */
    CNN_HELP,
};

/* Lecture pacing for the window's live race, before the user's options: 10,000 training and
 * 2,000 validation images, validation every 40 batches (four times an epoch), 6 epochs, and
 * four optimizers: sgd(lr=0.05), momentum(lr=0.02) (momentum 0.9), adam(lr=0.002) and
 * rmsprop(lr=0.001). Options given later replace each. */
void session_cnn_lecture_defaults(struct train_settings *ts);

struct session_cnn_desc {
    const struct train_settings *ts;  /* what to train (copied) */
    bool paused;                      /* start paused */
    bool landscape;                   /* compute the landscape (at epochs' ends and on K) */
    int landscape_threads;            /* its worker threads (0: one, beside the trainer) */
    int landscape_grid;               /* points per side (0: 25) */
    int landscape_images;             /* training images it is evaluated on (0: 512) */
};

struct session_cnn;

/* Starts loading and training on a worker. Fails only for settings no run could take (a
 * model that does not exist); a missing dataset shows later as a toast (session_cnn_error). */
struct session_cnn *session_cnn_create(const struct session_cnn_desc *desc, char *err,
                                       size_t errlen);
/* Stops the workers promptly (between two batches) and frees everything. NULL is fine. */
void session_cnn_destroy(struct session_cnn *s);

void session_cnn_act(struct session_cnn *s, enum cnn_action a, int arg, double now);
/* Reads what the workers published since the last call; true when the dashboard changed. */
bool session_cnn_advance(struct session_cnn *s, double now);
/* Generation of each dashboard part (enum dash_part order: draw/dash.h), for repaints. */
unsigned long session_cnn_part_gen(const struct session_cnn *s, int part);

/* The dashboard now, for a width x height picture; help entries are the caller's. */
void session_cnn_dash(struct session_cnn *s, struct dash *d, int width, int height,
                      double now);

/* Blocks until training ends (and the landscape, when on): for `render --cnn`. False with
 * the message when the data could not be loaded or no racer trained. */
bool session_cnn_finish_run(struct session_cnn *s, char *err, size_t errlen);

/* A one-line toast for the window: shows for a few seconds from `now`. */
void session_cnn_toast(struct session_cnn *s, double now, bool error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Training images per second over the run so far (every racer's images, summed): what the
 * worker keeps up while the window draws. 0 before the first batch. */
double session_cnn_images_per_s(const struct session_cnn *s);

/* Whether help is shown. */
bool session_cnn_help(const struct session_cnn *s);
/* The settings the race runs with now (after toggles). */
const struct train_settings *session_cnn_settings(const struct session_cnn *s);
/* The state of the race (phase, epoch, racers) as last read. */
struct session_train_state;
void session_cnn_state(const struct session_cnn *s, struct session_train_state *out);

#endif

/* train.h: a CNN training session: the dataset, the trainer, every racer's metrics history and
 * the CSV log, run on the caller's thread (`optiscope train`) or on a worker thread that
 * publishes snapshots (the window), with pause, resume and cancel between batches. */
#ifndef OPTISCOPE_SESSION_TRAIN_H
#define OPTISCOPE_SESSION_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nn/dataset.h"
#include "nn/inspect.h"
#include "nn/train.h"

/* ======================================================================== data */

enum session_train_source {
    SESSION_TRAIN_FASHION_MNIST,   /* MNIST-format IDX files: Debian's, or those in `dir` */
    SESSION_TRAIN_SYNTHETIC,       /* nn_data_synthetic's shapes: 12000 train, 2000 test */
};

/* Where the images come from; zero means default. */
struct session_train_data_desc {
    enum session_train_source source;
    const char *dir;      /* an MNIST-format folder instead of NN_FASHION_MNIST_DIR, or NULL */
    int val;              /* validation images; <= 0: a twelfth of the training files, or
                             2000 synthetic ones */
    int limit;            /* at most this many images of each split; <= 0 for all */
    uint64_t seed;        /* the synthetic shapes' */
};

struct train_settings;
/* Where train_settings (the command line's, or the window's) say the data come from. */
void session_train_data_from(const struct train_settings *ts,
                             struct session_train_data_desc *out);

/* Loads the data. Missing or corrupt files return false with nn_data_load_dir's message (the
 * file and the problem); nothing is left allocated then. */
bool session_train_load_data(const struct session_train_data_desc *desc, struct nn_data *out,
                             char *err, size_t errlen);

/* ======================================================================== state */

#define SESSION_TRAIN_PREDS 24       /* test images whose predicted classes are kept */
#define SESSION_TRAIN_FILTERS 8      /* conv1's filters kept as images (3x3, first channel) */

/* A racer's network as last inspected: at the start, at every validation point and at the
 * end (best weights restored), so the weights' pictures move with the curves. */
struct session_train_inspection {
    long images;                  /* training images seen by then (-1: never inspected) */
    int nlayers;
    struct nn_layer_stats layer[NN_INSPECT_MAX_LAYERS];
    long count, zeros, near;      /* over every weight */
    double norm;                  /* of the whole weight vector */
    float filter[SESSION_TRAIN_FILTERS][9];   /* conv1's filters, first input channel */
    uint8_t pred[SESSION_TRAIN_PREDS];        /* predicted class of the test images
                                                 session_train_pred_index() names */
    float pred_prob[SESSION_TRAIN_PREDS];     /* the probability it gave that class */
    bool has_conf;                /* conf holds the validation split's confusion matrix
                                     (at epoch ends and at the end) */
    long conf_images;             /* images seen when it was taken */
    int conf[NN_CLASSES * NN_CLASSES];        /* [true * NN_CLASSES + predicted] */
};

enum session_train_phase {
    SESSION_TRAIN_READY,       /* created, not run yet */
    SESSION_TRAIN_RUNNING,     /* stepping */
    SESSION_TRAIN_PAUSED,      /* the worker waits between two batches */
    SESSION_TRAIN_DONE,        /* ran to its end: best weights restored (early stopping),
                                  the test split evaluated */
    SESSION_TRAIN_CANCELLED,   /* stopped between two batches; weights as they were then */
};

/* One racer now. */
struct session_train_racer {
    char label[96];               /* "adam(lr=0.001)" */
    long steps;                   /* updates made */
    long images;                  /* training images of those updates */
    double loss, acc;             /* its latest update's batch: cross-entropy, share right
                                     (a diverging step's non-finite numbers are not kept) */
    double penalty, lr;           /* L1/L2 penalty and learning rate of that batch */
    double loss_ema, acc_ema;     /* smoothed over batches: 0.95 * old + 0.05 * new, starting
                                     at its first batch */
    struct nn_epoch_info last;    /* its latest epoch (last.epoch 0: none yet) */
    struct nn_val_point val;      /* its latest validation (val.epoch 0: none yet) */
    double best_val_loss;         /* lowest at an epoch's end (INFINITY before the first) */
    int best_epoch;               /* 1-based, 0 before the first */
    bool stopped;                 /* early stopping ended it after epoch last.epoch */
    bool diverged;                /* its loss went NaN or infinite: it stopped */
    long diverged_step;           /* the update that would have been, 1-based */
    double diverged_loss;         /* the non-finite loss (or the loss with a non-finite
                                     penalty) */
    bool tested;                  /* test_loss and test_acc hold the test split's */
    double test_loss, test_acc;   /* with the best weights under early stopping */
    bool restored;                /* early stopping gave it back its best weights (done) */
    struct session_train_inspection insp;   /* its weights, filters, predictions */
};

/* The session now: what a snapshot holds besides the history. */
struct session_train_state {
    uint64_t generation;          /* grows by one with every publication: each batch, each
                                     phase change */
    enum session_train_phase phase;
    int epochs;                   /* epochs to run (the config's) */
    int epoch;                    /* epochs completed */
    int batch;                    /* batches done in the epoch under way (0: between epochs) */
    int batches;                  /* batches per epoch */
    long batches_done;            /* batches stepped over the whole run */
    size_t nweights;              /* the network's parameters */
    int nracers;
    struct session_train_racer racer[NN_MAX_RACERS];
};

/* One racer's one batch in the history. */
struct session_train_sample {
    long step;                    /* the racer's update count after it, 1-based */
    long images;                  /* training images by then */
    int epoch;                    /* 1-based */
    int batch;                    /* in the epoch, 1-based */
    float loss, acc;              /* of the batch, training mode */
    float loss_ema, acc_ema;      /* smoothed as in session_train_racer */
    float lr;                     /* learning rate used */
};

/* One racer's weights at one inspection. */
struct session_train_weights {
    long images;                  /* training images seen by then */
    float norm;                   /* of the whole weight vector */
    float near_share, zero_share; /* of the weights: |w| < NN_NEAR_ZERO, exactly 0 */
};

/* One racer's history: every update (the diverging step is not one), every validation point,
 * every epoch, every inspection's weight summary. Arrays grow; a reader's copy grows by what
 * is new since its last read. */
struct session_train_history {
    struct session_train_sample *samples;
    size_t nsamples, cap_samples;
    struct nn_val_point *vals;    /* epoch ends and, with eval_every, points within epochs */
    size_t nvals, cap_vals;
    struct nn_epoch_info *epochs; /* per epoch, in order */
    size_t nepochs, cap_epochs;
    struct session_train_weights *weights;   /* per inspection */
    size_t nweights, cap_weights;
};

/* A reader's copy. Zero it before the first session_train_read; use it with one session. */
struct session_train_snapshot {
    struct session_train_state state;
    struct session_train_history hist[NN_MAX_RACERS];
};

void session_train_snapshot_finish(struct session_train_snapshot *snap);

/* ======================================================================== the session */

struct session_train_config {
    struct nn_train_config train; /* the network, batch, epochs, optimizers, schedule, ... */
    FILE *log;                    /* a CSV of every step (header first), or NULL; the caller
                                     opens and closes it (util_outfile for an atomic file) */
};

/* Hooks a run calls, on the thread that runs it (the worker's, for session_train_start), with
 * no lock held; st is the run's own state (st->racer[si->racer] is the racer that stepped,
 * already updated). Any may be NULL. */
struct session_train_hooks {
    void (*on_step)(void *user, const struct session_train_state *st,
                    const struct nn_step_info *si);
    /* after an epoch's evaluation: the racers that trained in it have last.epoch == st->epoch */
    void (*on_epoch)(void *user, const struct session_train_state *st);
    void *user;
};

/* The training configuration train_settings describe (network, optimizers, schedule,
 * penalties, epochs; --compare-penalties expanded into three racers); log NULL. False with a
 * message for a model that does not exist. */
bool session_train_config_from(const struct train_settings *ts, struct session_train_config *out,
                               char *err, size_t errlen);
struct session_train;

/* Takes *data over (also on failure; *data is zeroed) and builds the trainer. Fails with a
 * message when the data do not fit the model or a split is empty. */
struct session_train *session_train_create(const struct session_train_config *cfg,
                                           struct nn_data *data, char *err, size_t errlen);
/* Cancels and joins a running worker first. Accepts NULL. */
void session_train_destroy(struct session_train *s);

/* Runs on this thread: batches until cfg.train.epochs epochs are done or no racer is still
 * training; then best weights back (early stopping) and the test split evaluated. Returns
 * true when it ran to its end, false when cancelled (from a hook or another thread). A session
 * runs once. */
bool session_train_run(struct session_train *s, const struct session_train_hooks *hooks);

/* The same run on a worker thread. Fails with a message when the thread cannot start. */
bool session_train_start(struct session_train *s, const struct session_train_hooks *hooks,
                         char *err, size_t errlen);
/* Pausing takes effect before the worker's next batch (phase SESSION_TRAIN_PAUSED once it is
 * parked); resuming wakes it. */
void session_train_pause(struct session_train *s, bool paused);
/* The worker stops before its next batch, paused or not (phase SESSION_TRAIN_CANCELLED). */
void session_train_cancel(struct session_train *s);
/* Waits for the worker to end (after cancel, or its run's end). Safe to call twice, or on a
 * session that never started. */
void session_train_join(struct session_train *s);
/* Blocks until the generation is past `after` or no run is under way (not started, or
 * ended); returns the generation then. For readers that want each new state, and tests. */
uint64_t session_train_wait(struct session_train *s, uint64_t after);

/* ---- reading, from any thread while a run goes on: short copies under the session's lock */

void session_train_get_state(struct session_train *s, struct session_train_state *out);
/* Brings snap up to date: the state, and the history entries since snap's last read. Returns
 * whether the generation changed. */
bool session_train_read(struct session_train *s, struct session_train_snapshot *snap);

/* The test images (indices into the test split) whose predictions inspections keep; n set
 * to how many (up to SESSION_TRAIN_PREDS, fewer for a small test split). */
const int *session_train_pred_index(const struct session_train *s, int *n);

/* Checkpoints: every inspection keeps the racer's parameters and running statistics (for the
 * loss landscape: its centre and the trajectory's PCA). The count so far, and a copy of
 * checkpoint k (params: the network's nparams floats, buffers: its running statistics' count,
 * either may be NULL); images gets the training images seen by then. Any thread. */
size_t session_train_checkpoints(struct session_train *s, int racer);
bool session_train_checkpoint(struct session_train *s, int racer, size_t k, float *params,
                              float *buffers, long *images);

/* ---- once no run is under way (READY, DONE, CANCELLED, or joined) */

const struct nn_data *session_train_data(const struct session_train *s);   /* any time */
const struct nn_trainer *session_train_trainer(struct session_train *s);
/* 0, or the errno of the first failed write to the log. */
int session_train_log_errno(const struct session_train *s);
/* Saves racer i's network to path (cnn_save). */
bool session_train_save(struct session_train *s, int racer, const char *path, char *err,
                        size_t errlen);
/* path for racer index of count: path itself for the first (or only) one, then "-2", "-3", ...
 * before its extension: net.bin, net-2.bin. */
void session_train_save_path(char *buf, size_t len, const char *path, int index, int count);

#endif

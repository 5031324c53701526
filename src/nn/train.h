/* train.h: training the CNN with sim/'s optimizers and schedules: a race of several optimizers,
 * each on its own copy from the same initial weights and the same batch order, with L1/L2
 * penalties on weights, early stopping that restores the best weights, and evaluation. */
#ifndef OPTISCOPE_NN_TRAIN_H
#define OPTISCOPE_NN_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/cnn.h"
#include "nn/dataset.h"
#include "sim/optim.h"
#include "sim/sched.h"

#define NN_MAX_RACERS 8

/* What to train and how. */
struct nn_train_config {
    struct cnn_config model;      /* the network; its batch is set to `batch` */
    int batch;                    /* images per step (64) */
    int epochs;                   /* passes over the training split */
    double l1, l2;                /* penalty l1*sum|w| + l2*sum w^2 on weights only */
    bool racer_penalty;           /* racer i takes pen[i] instead of l1 and l2 (a race of
                                     penalties on one optimizer) */
    struct nn_penalty {
        double l1, l2;
    } pen[NN_MAX_RACERS];
    bool l1_proximal;             /* L1 by its proximal step: after each optimizer step every
                                     weight is soft-thresholded by l1 times its learning rate
                                     in the optimizer's metric (cnn_prox_l1, optim_metric_lr:
                                     lr * l1 for sgd), so weights reach exact zeros; false:
                                     l1 * sign(w) is added to the gradient (torch's) */
    int patience;                 /* early stopping after this many epochs without a lower
                                     validation loss; 0 for none */
    uint64_t seed;                /* initial weights, batch order, dropout masks */
    int nopt;                     /* racers: 1..NN_MAX_RACERS */
    struct optim_params opt[NN_MAX_RACERS];   /* each racer's optimizer */
    struct sched sched;           /* the schedule every racer without one of its own
                                     (opt[i].has_sched) follows, by its own step count */
    int threads;                  /* worker threads splitting each batch (every sgemm call
                                     runs on one thread); 0 or 1 for one */
    int eval_every;               /* also evaluate validation after every this many batches
                                     of an epoch, for a finer curve (early stopping still
                                     looks at epochs' ends only); 0 for epochs' ends only */
};

/* One racer's one step, for the log and the progress bar. */
struct nn_step_info {
    int racer;                /* index into the trainer's racers */
    int epoch;                /* 1-based */
    long step;                /* the racer's update count, 1-based */
    int batch;                /* batch in this epoch, 1-based */
    int batches;              /* batches per epoch */
    double loss;              /* mean cross-entropy of the batch (training mode) */
    double penalty;           /* L1/L2 penalty before the step */
    double accuracy;          /* share of the batch classified right */
    double lr;                /* learning rate used */
};

/* One racer's metrics over an epoch. */
struct nn_epoch_info {
    int epoch;                /* 1-based */
    double train_loss;        /* mean cross-entropy over the epoch's batches */
    double train_acc;         /* share right over the epoch's batches */
    double val_loss;          /* cross-entropy on the validation split, evaluation mode */
    double val_acc;
    double lr;                /* of the epoch's last step */
    double seconds;           /* this racer's training time in the epoch */
    double images_per_s;      /* training images per second of that time */
    bool improved;            /* a new best validation loss */
};

/* One evaluation of a racer on the validation split. */
struct nn_val_point {
    int epoch;                /* 1-based: the epoch it was taken in */
    int batch;                /* batches of that epoch done by then (== batches at its end) */
    long step;                /* the racer's update count by then */
    long images;              /* training images it had seen by then */
    double loss, acc;         /* cross-entropy and share right, evaluation mode */
    bool epoch_end;           /* taken at the epoch's end (the one early stopping reads) */
};

/* A racer's sums over the epoch under way. */
struct nn_epoch_sums {
    double loss;              /* sum of batch loss * images */
    long right;               /* images classified right */
    long seen;                /* images stepped on */
    double seconds;           /* time in its steps */
    double lr;                /* of its latest step */
};

struct nn_racer {
    struct optim_params opt;      /* its optimizer */
    double l1, l2;                /* its penalty */
    char label[192];              /* "adam(lr=0.001)" */
    struct optim_state *state;    /* the optimizer's state over net->nparams floats */
    float *metric_lr;             /* (net->nparams) proximal L1: each parameter's learning
                                     rate in the optimizer's metric at the latest step */
    struct cnn *net;              /* its own copy of the network */
    float *best_params;           /* (net->pl.total) weights at the best validation loss */
    float *best_buffers;          /* (net->bl.total) running statistics then */
    double best_val_loss;         /* lowest so far */
    int best_epoch;               /* 1-based, 0 before the first */
    int bad_epochs;               /* epochs since the best */
    bool stopped;                 /* early stopping ended it */
    bool diverged;                /* its loss went NaN or infinite: it stops */
    long steps;                   /* updates made */
    long images;                  /* training images of its updates */
    struct nn_epoch_info last;    /* the latest epoch */
    struct nn_epoch_sums sums;    /* the epoch under way */
    struct nn_val_point val;      /* the latest validation (epoch end or eval_every) */
    bool val_new;                 /* the latest nn_trainer_step took `val` */
};

struct nn_trainer {
    struct nn_train_config cfg;   /* as given (model.batch = batch) */
    const struct nn_data *data;   /* not owned */
    int nracers;                  /* == cfg.nopt */
    struct nn_racer r[NN_MAX_RACERS];
    int *order;                   /* (data->train.n) this epoch's permutation */
    float *x;                     /* (batch, 1, H, W) one batch of images */
    uint8_t *y;                   /* (batch) its labels */
    struct util_rng rng;          /* the batch order */
    int epoch;                    /* epochs completed */
    int batch;                    /* batches done in the epoch under way (0: none begun) */
    int batches;                  /* batches per epoch; the last may be partial */
    bool epoch_ended;             /* the latest nn_trainer_step ended an epoch (`last` of
                                     every racer that trained in it is new) */
    struct nn_pool *pool;         /* workers shared by the racers' layers (NULL: one thread) */
};

/* Builds every racer from the same initial weights. Fails (with a message) when the data do not
 * fit the model (image size) or a split is empty. */
struct nn_trainer *nn_trainer_create(const struct nn_train_config *cfg,
                                     const struct nn_data *data, char *err, size_t errlen);
void nn_trainer_destroy(struct nn_trainer *t);   /* accepts NULL */

typedef void (*nn_step_fn)(void *user, const struct nn_step_info *info);

/* One batch: the next batch of the epoch under way (the first of a new epoch, in a new
 * shuffled order, when none is under way) steps every racer still training; with eval_every,
 * every eval_every-th batch is followed by an evaluation of those racers on the validation
 * split; the epoch's last batch by the epoch's evaluation and early stopping. on_step (may be
 * NULL) sees every racer's step. Returns true while some racer is still training (neither
 * stopped nor diverged); cfg.epochs is the caller's to count (t->epoch, t->epoch_ended). */
bool nn_trainer_step(struct nn_trainer *t, nn_step_fn on_step, void *user);

/* The rest of the epoch under way, or a whole one when none is: nn_trainer_step until the
 * epoch ends. Returns what its last step returned. */
bool nn_trainer_epoch(struct nn_trainer *t, nn_step_fn on_step, void *user);

/* Ends training: with early stopping, every racer gets its best weights back. */
void nn_trainer_finish(struct nn_trainer *t);

/* Mean cross-entropy and accuracy of net over d in evaluation mode, in batches of the net's
 * batch size; x and y are batch buffers as in the trainer. */
void nn_evaluate(struct cnn *net, const struct nn_dataset *d, float *x, uint8_t *y,
                 double *loss, double *accuracy);
/* The same, also counting conf[true * NN_CLASSES + predicted] (NN_CLASSES^2 ints, zeroed here)
 * where conf is not NULL. */
void nn_evaluate_confusion(struct cnn *net, const struct nn_dataset *d, float *x, uint8_t *y,
                           double *loss, double *accuracy, int *conf);

#endif

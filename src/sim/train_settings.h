/* train_settings.h: what `optiscope train` is told (dataset, network, optimizers, schedule,
 * penalties, epochs, logs): plain values described by settings_train()'s rows, so sim/ owns
 * the options' names, ranges, defaults and help while nn/ and session/ own the training. */
#ifndef OPTISCOPE_SIM_TRAIN_SETTINGS_H
#define OPTISCOPE_SIM_TRAIN_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/optim.h"
#include "sim/scene.h"
#include "sim/sched.h"

#define TRAIN_MAX_OPT 8          /* racers at once (nn/'s NN_MAX_RACERS) */
#define TRAIN_PATH_MAX 4096      /* data-dir, log and save paths, with the NUL */

enum train_data { TRAIN_DATA_FASHION_MNIST, TRAIN_DATA_SYNTHETIC };
/* How L1 acts: its subgradient in the gradient (torch's), or its proximal step after each
 * optimizer step (soft-thresholding by lr * l1: exact zeros). */
enum train_l1_mode { TRAIN_L1_SUBGRADIENT, TRAIN_L1_PROXIMAL };

struct train_settings {
    enum train_data data;         /* the dataset */
    char data_dir[TRAIN_PATH_MAX];   /* an MNIST-format folder; "": the packaged one */
    char model[32];               /* the network's name ("small") */
    bool batchnorm;               /* batch norm after each convolution */
    double dropout;               /* inverted dropout before each dense layer, [0, 1) */
    long hidden;                  /* units of a hidden dense layer; 0: none */
    int nopt;                     /* racers: 1..TRAIN_MAX_OPT */
    struct optim_params opt[TRAIN_MAX_OPT];
    bool opt_from_cli;            /* the command line replaced the default list */
    struct sched sched;           /* on every racer's lr */
    double l1, l2;                /* penalty l1*sum|w| + l2*sum w^2 on weights */
    bool has_l1, has_l2;          /* given (compare_penalties has its own defaults) */
    bool compare_penalties;       /* the first optimizer thrice: no penalty, L1, L2 */
    enum train_l1_mode l1_mode;   /* how l1 acts */
    long patience;                /* early-stop: epochs without a lower val loss; 0: none */
    long epochs;                  /* passes over the training split */
    long batch;                   /* images per step */
    long limit;                   /* at most this many images of each split; 0: all */
    bool has_val;                 /* val given; else the dataset's default split */
    long val;                     /* validation images held out of training */
    long eval_every;              /* also validate every this many batches; 0: epoch ends */
    long threads;                 /* worker threads */
    unsigned long long seed;      /* initial weights, batch order, dropout, synthetic data */
    char log[TRAIN_PATH_MAX];     /* CSV of every step; "": none */
    char save[TRAIN_PATH_MAX];    /* the trained network; "": not saved */
    bool no_progress;             /* no progress bar even on a terminal */
};

/* What `optiscope landscape` adds to the train options. */
enum landscape_directions { LANDSCAPE_RANDOM, LANDSCAPE_PCA };

struct landscape_settings {
    char load[TRAIN_PATH_MAX];    /* a network saved by `train --save`; "": train one */
    long grid;                    /* grid points per side */
    long images;                  /* training images (the first ones) the loss is taken on */
    enum landscape_directions directions;   /* filter-normalized random or the trajectory's PCA */
    double range;                 /* both axes span [-range, range]; 0: automatic */
    long checkpoint_every;        /* record each racer's weights every N steps; 0: about 20
                                     times an epoch */
    unsigned long long direction_seed;   /* random directions' generator */
    enum scene_theme theme;       /* the figure's colours */
    bool large_text;              /* and text size */
};

void landscape_settings_init(struct landscape_settings *ls);
/* As train_settings_set, for settings_landscape()'s keys. */
bool landscape_settings_set(struct landscape_settings *ls, const char *key, const char *value,
                            char *err, size_t errlen);

/* Every row's default (one racer: adam). */
void train_settings_init(struct train_settings *ts);

/* Sets one key as the command line gives it (the first `optimizer` replaces the default list,
 * later ones add). Errors name the key and say what it takes: "epochs: expected a whole number
 * from 1 to 100000, got 'x'"; unknown keys get a suggestion. */
bool train_settings_set(struct train_settings *ts, const char *key, const char *value,
                        char *err, size_t errlen);

#endif

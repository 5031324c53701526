/* tune.h: a fair race: each optimizer's learning rate searched on the race it runs in, on a
 * log scale (a grid about its own lr, then golden section about the best point), the objective
 * its final loss after the scene's steps, divergence penalized. Deterministic: the same race
 * and steps give the same lrs to the last bit (the noise streams are seeded per runner). */
#ifndef OPTISCOPE_SIM_TUNE_H
#define OPTISCOPE_SIM_TUNE_H

#include <stdbool.h>

#include "sim/race.h"

/* The grid: lr0 * 10^(k/2) for k = -TUNE_GRID_HALF .. TUNE_GRID_HALF (six decades each way
 * is 12), then TUNE_GOLDEN golden-section steps on log10(lr) between the best grid point's
 * neighbours. Candidates are rounded to 3 significant digits, so tuned rates read cleanly.
 * When every grid rate diverges, the grid goes on down half a decade at a time to the first
 * that does not (at most to 1e-12). */
#define TUNE_GRID_HALF 6
#define TUNE_GOLDEN 14

struct tune_result {
    double lr0;                 /* the learning rate it had */
    double loss0;               /* its final loss at lr0 (diverged0: the last finite one) */
    bool diverged0;             /* it diverged at lr0 (an escape downhill does not count) */
    long diverged_step0;
    double lr;                  /* the best rate found (lr0 when none does better) */
    double loss;                /* its final loss: never above loss0 */
    bool diverged;              /* it diverges even so (every candidate did) */
    long diverged_step;
    int runs;                   /* races run for it */
};

/* The objective of one run: the runner's final loss, or +infinity when it diverged (an escape
 * downhill keeps its last, falling, loss). */
double tune_objective(const struct race_runner *r);

/* Runs runner i alone (the others disabled) from the race's start for `steps` steps at
 * learning rate lr; leaves it where it ended, at lr, the others disabled (tune_race restores
 * them). */
void tune_run(struct race *race, int i, double lr, long steps);

/* Tunes every runner of the race, one after the other, into out (race->n). stop (may be
 * NULL) is asked between runs; when it returns true the search ends and false is returned.
 * The race is left restarted at its start with its own rates and every runner enabled. */
bool tune_race(struct race *race, long steps, struct tune_result *out,
               bool (*stop)(void *ud), void *ud);

#endif

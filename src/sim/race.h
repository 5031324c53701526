/* race.h: one function, several optimizers from one start, stepped together; each keeps a
 * bounded trajectory (recent points exact, older ones thinned) and stops when it diverges. */
#ifndef OPTISCOPE_SIM_RACE_H
#define OPTISCOPE_SIM_RACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim/expr.h"
#include "sim/optim.h"
#include "sim/sched.h"
#include "sim/util.h"

#define RACE_MAX 16

/* ------------------------------------------------------------------ trajectory */

/* A trajectory in bounded memory: the first `cap` points are kept one per `stride` steps;
 * when full, every other kept point is dropped and the stride doubles. The newest `TRAJ_RECENT`
 * points are always exact (a ring), so the head of a trail is smooth however long the run. */
#define TRAJ_RECENT 4096

struct traj_point {
    double x, y;     /* position */
    double loss;     /* objective at (x, y) */
    long step;       /* steps taken when here */
    double lr;       /* learning rate of the step that led here (at step 0: of the first step),
                        as trace's lr column; 0 where unknown */
};

struct traj {
    struct traj_point *old;     /* (cap) thinned history, oldest first */
    size_t nold, cap;           /* used and capacity of old */
    long stride;                /* steps between kept old points */
    struct traj_point *recent;  /* (TRAJ_RECENT) ring of the newest points */
    size_t nrecent, head;       /* used entries; index of the oldest entry in the ring */
};

void traj_init(struct traj *t, size_t cap);
void traj_finish(struct traj *t);
void traj_clear(struct traj *t);
void traj_push(struct traj *t, struct traj_point p);
size_t traj_count(const struct traj *t);                  /* points available, old + recent */
struct traj_point traj_get(const struct traj *t, size_t i);   /* 0 = oldest */
struct traj_point traj_last(const struct traj *t);        /* requires traj_count > 0 */

/* ------------------------------------------------------------------ race */

struct race_runner {
    struct optim_params params;   /* hyperparameters; params.lr may change live */
    struct optim_state *state;    /* n = 2 */
    char label[192];              /* "adam(lr=0.1)", "sgd(schedule=step(step_size=5))" */
    double p[2];                  /* current position */
    double grad[2];               /* gradient at p of what the optimizer steps on, without
                                     noise: the objective, or for a proximal optimizer (ista)
                                     race->smooth, the objective without its L1 term */
    double loss;                  /* objective at p, without noise */
    double lr;                    /* learning rate of the last step (of the next at step 0) */
    long step;                    /* steps taken */
    bool enabled;                 /* false: skipped by race_step */
    bool diverged;                /* stopped: NaN, Inf or far outside the domain */
    bool escaped;                 /* of those: it left the domain going downhill (its last loss
                                     below the start's: a saddle, a function unbounded below),
                                     which is no instability */
    long diverged_step;           /* the step that produced the non-finite / far point */
    struct traj traj;             /* path so far */
};

struct race {
    const struct expr *f;         /* the function alone (not owned); the window still adds the
                                     penalties to its GLSL itself, where expr_glsl(obj) is the
                                     one definition to switch to */
    const struct expr *obj;       /* the objective f + l1*(|x|+|y|) + l2*(x^2+y^2) as one
                                     expression: values, gradients and GLSL (not owned, or
                                     own_obj) */
    struct expr *own_obj;         /* obj when race_init compiled it itself, else NULL */
    struct expr *smooth;          /* f + l2*(x^2+y^2), the objective without its L1 term:
                                     the gradient of proximal runners (ista), which take L1
                                     as their proximal step; NULL when l1 = 0 or none is
                                     proximal (owned) */
    double xmin, xmax, ymin, ymax;  /* domain; leaving it by far counts as divergence */
    struct sched sched;           /* on each runner's base lr, for every runner without a
                                     schedule of its own (optim_schedule) */
    double l1, l2;                /* objective = f + l1*(|x|+|y|) + l2*(x^2+y^2) */
    double noise;                 /* sigma of Gaussian noise added to each gradient component */
    unsigned long long seed;      /* noise seed */
    double start[2];              /* where every runner starts */
    int n;                        /* runners in use */
    struct race_runner r[RACE_MAX];
    struct util_rng rng[RACE_MAX];  /* one noise stream per runner, so toggling one runner
                                       does not change the others' noise */
};

struct race_desc {
    const struct expr *f;
    const struct expr *obj;       /* race_objective_compile(f, l1, l2); NULL: race_init
                                     compiles it (and race_finish frees it) */
    double xmin, xmax, ymin, ymax;
    const struct sched *sched;    /* NULL: constant */
    double l1, l2, noise;
    unsigned long long seed;
    double start[2];
    int n;
    const struct optim_params *params;   /* (n) */
    size_t traj_cap;              /* 0: default */
};

void race_init(struct race *race, const struct race_desc *desc);
void race_finish(struct race *race);
/* Puts every runner back at `start` (and on the runner's trajectory) with fresh state. */
void race_reset(struct race *race, const double start[2]);

/* The objective f + l1*(abs(x)+abs(y)) + l2*(x*x+y*y) as one expression, with only the terms
 * whose weight is not zero (so l1 = l2 = 0 gives f itself, to the last bit). d|x|/dx is 0 at
 * x = 0, as in torch. f must have been compiled (it cannot fail then). Caller destroys. */
struct expr *race_objective_compile(const struct expr *f, double l1, double l2);

/* Whether a race may start at `start` on the objective obj: the objective and both gradient
 * components are finite there (else every runner would begin with NaN or infinity, and
 * outputs would hold them). False with "start (X, Y): the objective is NaN there; ..." in err,
 * naming the point and the value. */
bool race_start_ok(const struct expr *obj, const double start[2], char *err, size_t errlen);

/* Objective and its gradient at (x, y), penalties included, no noise: race->obj. */
double race_objective(const struct race *race, double x, double y, double grad[2]);

/* Coordinates of runner r exactly 0 (0, 1 or 2): the sparsity a proximal step reaches and a
 * subgradient step does not. */
int race_exact_zeros(const struct race_runner *r);

/* One step of every enabled runner that has not diverged. Returns a bitmask of the runners that
 * diverged during this step (bit i for runner i). */
unsigned race_step(struct race *race);
/* Steps of one runner only (same rules). Returns true if it diverged during the step. */
bool race_step_runner(struct race *race, int i);

/* Steps the race from *done up to `target` race steps, stopping early when no runner is left;
 * *done counts the steps taken. Each divergence is reported on `log` (NULL: silently) as
 * "PREFIX: LABEL diverged at step N", or as "PREFIX: LABEL left the view going downhill at step
 * N ..." when it escaped. */
void race_run(struct race *race, long *done, long target, FILE *log, const char *prefix);

/* Runners still going (enabled and not diverged). */
int race_active(const struct race *race);

#endif

/* explain.h: one optimizer step taken apart: the state torch keeps under its own names, the parts
 * of the next update (negative gradient, momentum, look-ahead, per-coordinate scaling, the step),
 * the update as torch documents it with the numbers substituted, the Hessian's eigen-pairs and
 * the learning-rate stability bound. No GL, no cairo: `trace --state` and the window share it. */
#ifndef OPTISCOPE_SIM_EXPLAIN_H
#define OPTISCOPE_SIM_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/optim.h"
#include "sim/race.h"

/* ------------------------------------------------------------------ state columns */

/* The fixed state columns of `trace --state`, the same for every optimizer, so a race of mixed
 * optimizers gives a rectangular CSV: torch's state names with _x and _y, then mu_product. */
enum explain_col {
    EXPLAIN_MOMENTUM_BUFFER_X, EXPLAIN_MOMENTUM_BUFFER_Y,
    EXPLAIN_SUM_X, EXPLAIN_SUM_Y,
    EXPLAIN_SQUARE_AVG_X, EXPLAIN_SQUARE_AVG_Y,
    EXPLAIN_ACC_DELTA_X, EXPLAIN_ACC_DELTA_Y,
    EXPLAIN_GRAD_AVG_X, EXPLAIN_GRAD_AVG_Y,
    EXPLAIN_EXP_AVG_X, EXPLAIN_EXP_AVG_Y,
    EXPLAIN_EXP_AVG_SQ_X, EXPLAIN_EXP_AVG_SQ_Y,
    EXPLAIN_MAX_EXP_AVG_SQ_X, EXPLAIN_MAX_EXP_AVG_SQ_Y,
    EXPLAIN_EXP_INF_X, EXPLAIN_EXP_INF_Y,
    EXPLAIN_MU_PRODUCT,
    EXPLAIN_NCOLS
};

const char *explain_col_name(enum explain_col c);   /* "exp_avg_sq_y" */

/* The optimizer's state after s->t steps under torch's names: has[c] says whether torch keeps
 * that entry for these hyperparameters (momentum_buffer only with momentum > 0, grad_avg only
 * centered, max_exp_avg_sq only with amsgrad, ...); none before the first step (torch creates
 * its state at the first step) but Adagrad's sum (made with the optimizer). s->n must be 2. */
void explain_state(const struct optim_params *p, const struct optim_state *s,
                   double val[EXPLAIN_NCOLS], bool has[EXPLAIN_NCOLS]);

/* ------------------------------------------------------------------ Hessian */

/* The symmetric 2x2 matrix h = {hxx, hxy, hyy}: eigenvalues lam[0] <= lam[1] and unit
 * eigenvectors vec[k] (x, y) for lam[k]. */
void explain_eigen(const double h[3], double lam[2], double vec[2][2]);

/* The learning rate above which the optimizer diverges on a quadratic whose largest Hessian
 * eigenvalue is lam_max (weight decay adds to it): sgd and ista 2/lam, heavy-ball momentum
 * 2(1+beta)/((1-dampening) lam), torch's Nesterov form 2(1+beta)/((1+2 beta) lam). Returns
 * false where none is known (adaptive methods, lam_max <= 0: no curvature to bound it). */
bool explain_lr_bound(const struct optim_params *p, double lam_max, double *bound);

/* ------------------------------------------------------------------ one step */

/* adam, adamw, nadam, adamax: their momentum part is the first moment m (shown as -lr m-hat),
 * which the per-coordinate denominators then scale. */
bool explain_adam_family(enum optim_kind kind);

#define EXPLAIN_LINES 8

/* The next step of one runner, taken on copies (the race does not move). Vectors are (x, y)
 * displacements in data units from p, or points. */
struct explain {
    enum optim_kind kind;
    long step;                   /* the step explained: the runner's step + 1 */
    double lr;                   /* its learning rate (the schedule's value) */
    double p[2];                 /* where it stands */
    double g[2];                 /* the gradient the step uses (noise included) */
    double d[2];                 /* g plus weight decay: what the update rule receives */
    double p_next[2];            /* where the step lands (the race's own next point) */
    double step_taken[2];        /* p_next - p */
    double neg_grad[2];          /* -lr * d: plain gradient descent's step */
    bool has_momentum;
    double momentum[2];          /* the momentum (velocity) part of the step */
    bool has_lookahead;
    double lookahead[2];         /* nag: the point the momentum part alone reaches */
    bool adaptive;
    double scale[2];             /* adaptive: each coordinate's factor on its direction:
                                    the adam family's step / momentum (-lr m-hat), rmsprop
                                    with momentum 1/denom (step = momentum + scale * neg_grad),
                                    else step / neg_grad */
    bool prox;                   /* ista: the soft-thresholding after the gradient step */
    double prox_t;               /* its threshold lr * l1 */
    double val[EXPLAIN_NCOLS];   /* the state after the step (explain_state of it) */
    bool has[EXPLAIN_NCOLS];
    double hess[3];              /* at p: hxx, hxy, hyy of the objective */
    double lam[2], vec[2][2];    /* its eigenvalues (ascending) and directions */
    bool has_bound;
    double bound;                /* explain_lr_bound */
    int nlines;
    char line[EXPLAIN_LINES][200];   /* the update in torch's formula, numbers substituted */
    char sentence[240];          /* what happened, in one plain sentence */
};

/* Explains runner i's next step: the same noise draw, the same optim_step and proximal step as
 * race_step_runner (on copies of its state and noise stream), so every number equals what the
 * race and `trace --state` then hold. False if the runner is disabled or diverged. */
bool explain_next(const struct race *race, int i, struct explain *out);

#endif

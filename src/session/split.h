/* split.h (inside session/): the l1_vs_l2 split view of a session: the same quadratic bowl on
 * two plots, f + l1*(|x|+|y|) on the left (the session's race) and f + l2*(x^2+y^2) on the
 * right (a second race), with the exact minimizers, their paths in lambda and the level sets. */
#ifndef OPTISCOPE_SESSION_SPLIT_H
#define OPTISCOPE_SESSION_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "session/session.h"
#include "sim/regpath.h"

#define SPLIT_L2_POINTS 160     /* the L2 path's points */
#define SPLIT_RING_POINTS 180   /* an ellipse's or the circle's */
#define SPLIT_LAMBDA_STEP 1.25  /* J and K */

struct session_split {
    struct race right;              /* f + l2*(x^2+y^2): the scene's optimizers, ista as sgd
                                       (a proximal step with no L1 weight is an sgd step) */
    struct race bowl;               /* f alone and no runner: both plots' colours */
    struct regpath_quad q;          /* f as 1/2 w'Hw + g'w + c */
    double w1[2], w2[2];            /* the exact L1 and L2 minimizers at the weights now */
    double path1[2 * (REGPATH_MAX_PIECES + 1)];   /* (npath1, 2) the L1 path: w*, kinks, 0 */
    int npath1;
    double path2[2 * SPLIT_L2_POINTS];            /* the L2 path, w* to 0 */
    double diamond[2 * 4];          /* |x| + |y| = |w1|_1 */
    double circle[2 * SPLIT_RING_POINTS];         /* x^2 + y^2 = |w2|^2 */
    double ring1[2 * SPLIT_RING_POINTS];          /* f = f(w1): the loss contour touching */
    double ring2[2 * SPLIT_RING_POINTS];          /* f = f(w2) */
    bool has_ring1, has_ring2;
    struct figure_scale scale;      /* both plots' colours, fitted to f over the view */
    double scale_view[4];           /* what it was fitted for */
    bool scale_log, scale_valid;
    struct figure twin;             /* the right plot of the last figure built */
};

/* Checks the scene (a quadratic bowl, l1 > 0 and l2 > 0) and builds the left race into
 * `left` (f + l1*(|x|+|y|)) and the split's own. False with err, nothing to finish. */
bool split_create(struct session_split **out, const struct scene *sc,
                  const struct scene_resolved *res, struct race *left, char *err,
                  size_t errlen);
void split_destroy(struct session_split *sp);   /* accepts NULL */

/* The right race follows the left one: a step, a reset to start, a run to target, a runner's
 * learning rate. split_step returns the right race's divergences (bitmask). */
unsigned split_step(struct session_split *sp);
void split_reset(struct session_split *sp, const double start[2]);
void split_run(struct session_split *sp, long target);
void split_set_lr(struct session_split *sp, int i, double lr);

/* J/K: both weights divided or multiplied by SPLIT_LAMBDA_STEP; both races restart with the
 * new objectives and re-run to the step they stood at; the minimizers, paths' marks and level
 * sets follow. */
void split_scale_lambda(struct session *s, bool up, double now);

/* The figure's split parts: before figure_layout (the twin, its field, captions, legend rows
 * of the right race, the weights in the status), and after it (sizes, lines, markers). */
void split_figure_pre(struct session *s, struct figure *fig, bool window);
void split_figure_post(struct session *s, struct figure *fig);

#endif

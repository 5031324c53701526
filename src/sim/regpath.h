/* regpath.h: exact regularized minimizers of a 2-D quadratic (a least-squares bowl) under the
 * project's penalties, lambda*(|x|+|y|) and lambda*(x^2+y^2), and their whole paths in lambda:
 * what the l1_vs_l2 scene draws beside the optimizers' paths. libm only. */
#ifndef OPTISCOPE_SIM_REGPATH_H
#define OPTISCOPE_SIM_REGPATH_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/expr.h"

/* f(w) = 1/2 w'Hw + g'w + c, H symmetric positive definite. */
struct regpath_quad {
    double H[2][2];                 /* Hessian */
    double g[2];                    /* gradient at the origin */
    double c;                       /* f(0) */
    double wstar[2];                /* the unpenalized minimizer: H wstar = -g */
};

/* Reads f's Hessian, gradient and value at 0 from its exact (automatic) gradients, and checks
 * that f is that quadratic (its gradient linear, at several points) with H positive definite.
 * False with err ("f is not a quadratic: ...", "... is not a bowl: ...") otherwise. */
bool regpath_quad_fit(const struct expr *f, struct regpath_quad *q, char *err, size_t errlen);

/* f at w. */
double regpath_quad_value(const struct regpath_quad *q, const double w[2]);

/* argmin f(w) + lambda*(x^2+y^2): (H + 2*lambda*I) w = -g, lambda >= 0. */
void regpath_l2(const struct regpath_quad *q, double lambda, double w[2]);

/* argmin f(w) + lambda*(|x|+|y|), lambda >= 0, exactly: the active set whose KKT conditions
 * hold (a coordinate that is 0 is exactly 0.0). */
void regpath_l1(const struct regpath_quad *q, double lambda, double w[2]);

/* The L1 path is piecewise linear in lambda: one active set (each coordinate -, 0 or +) per
 * piece, its minimizer linear in lambda on it. The pieces in order, from lambda = 0 to the
 * last (open-ended) one, where w = 0: lambda >= max(|g|). */
#define REGPATH_MAX_PIECES 9
struct regpath_piece {
    int sign[2];                    /* the active set: -1, 0 (the coordinate is 0) or +1 */
    double lo, hi;                  /* lambda range (hi = INFINITY for the last piece) */
    double a[2], b[2];              /* w(lambda) = a + lambda*b on [lo, hi] */
};
/* Fills out (at most REGPATH_MAX_PIECES) and returns the count. */
int regpath_l1_pieces(const struct regpath_quad *q, struct regpath_piece *out);

/* The smallest lambda at which the L1 minimizer is 0: max(|g_x|, |g_y|). */
double regpath_l1_zero(const struct regpath_quad *q);

/* The L1 path as a polyline in the plane: w* (lambda = 0), each kink, then 0. Returns the
 * number of points written to xy (n, 2), at most REGPATH_MAX_PIECES + 1. */
int regpath_l1_polyline(const struct regpath_quad *q, double *xy, int max);
/* The L2 path, w(lambda) for lambda = 0 .. infinity, as n points: lambda = s * t / (1 - t) for
 * t evenly spaced in [0, 1) (s = the mean eigenvalue of H) and the last point 0. Every point lies
 * exactly on the path. */
void regpath_l2_polyline(const struct regpath_quad *q, double *xy, int n);
/* The level set f(w) = level (an ellipse around w*; none when level < f(w*)) as n points (n, 2)
 * of a closed curve. Returns false when there is none. */
bool regpath_quad_ellipse(const struct regpath_quad *q, double level, double *xy, int n);

#endif

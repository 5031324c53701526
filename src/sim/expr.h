/* expr.h: a 2-D function as an expression string, compiled once into a small stack program
 * that returns value and exact gradient (forward-mode AD, double), plus a GLSL emitter. */
#ifndef OPTISCOPE_SIM_EXPR_H
#define OPTISCOPE_SIM_EXPR_H

#include <stdbool.h>
#include <stddef.h>

/* Syntax: numbers (1, 2.5, 1e-3), x, y, pi, e, + - * / ^ (right-assoc, binds tighter than
 * unary minus: -x^2 = -(x^2)), unary minus, parentheses, and the functions
 * sin cos tan exp log sqrt abs tanh sinh cosh atan (one argument) and min max (two). */

struct expr;   /* opaque compiled program */

struct expr_error {
    int pos;          /* 1-based character position of the problem in the source */
    char msg[160];    /* e.g. "unknown function 'sni' (did you mean sin?)" */
};

/* Compiles src. Returns NULL and fills err (may be NULL) on a syntax error. */
struct expr *expr_compile(const char *src, struct expr_error *err);
void expr_destroy(struct expr *e);   /* accepts NULL */

/* The source text the program was compiled from. */
const char *expr_source(const struct expr *e);

/* f(x, y). Thread-safe: the program is read-only after compile. */
double expr_eval(const struct expr *e, double x, double y);
/* f(x, y), with grad[0] = df/dx and grad[1] = df/dy (exact, forward mode). */
double expr_eval_grad(const struct expr *e, double x, double y, double grad[2]);

/* f(x, y) with its gradient (grad may be NULL) and exact Hessian hess = {fxx, fxy, fyy}
 * (second-order forward mode: every operation carries value, gradient and Hessian). Where a
 * kink has no second derivative (abs at 0, min/max ties) the branch the gradient takes gives
 * it; thread-safe like expr_eval. */
double expr_eval_hess(const struct expr *e, double x, double y, double grad[2], double hess[3]);

/* The expression as a GLSL `float` expression in variables `x` and `y` (GLSL 3.30 core; helper
 * functions it needs are declared by expr_glsl_prelude()). Caller frees. */
char *expr_glsl(const struct expr *e);
/* GLSL helper function definitions the emitted expressions may call (e.g. a `pow` that is
 * defined for negative bases with integer exponents). A static string. */
const char *expr_glsl_prelude(void);

#endif

/* test_hessian.c: expr_eval_hess's exact second derivatives against central differences of
 * the exact gradient, for every catalog function across its domain and for expressions that
 * use every operation; its value and gradient equal expr_eval_grad's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sim/catalog.h"
#include "sim/expr.h"
#include "sim/util.h"

/* The Hessian as central differences (O(h^4), five points) of the exact gradient. */
static void fd_hess(const struct expr *e, double x, double y, double h[3], double *hyx)
{
    double hx = 1e-4 * fmax(1.0, fabs(x)), hy = 1e-4 * fmax(1.0, fabs(y));
    double g[4][2];
    const double w[4] = {1, -8, 8, -1};
    const double off[4] = {-2, -1, 1, 2};
    double dx[2] = {0, 0}, dy[2] = {0, 0};
    for (int k = 0; k < 4; k++) {
        expr_eval_grad(e, x + off[k] * hx, y, g[k]);
        dx[0] += w[k] * g[k][0];
        dx[1] += w[k] * g[k][1];
    }
    for (int k = 0; k < 4; k++) {
        expr_eval_grad(e, x, y + off[k] * hy, g[k]);
        dy[0] += w[k] * g[k][0];
        dy[1] += w[k] * g[k][1];
    }
    h[0] = dx[0] / (12 * hx);
    h[1] = dx[1] / (12 * hx);   /* d/dx of df/dy */
    *hyx = dy[0] / (12 * hy);   /* d/dy of df/dx */
    h[2] = dy[1] / (12 * hy);
}

/* Compares at one point; returns whether it is a smooth point (all finite). */
static int compare_at(const struct expr *e, const char *name, double x, double y, double rel)
{
    double g[2], gh[2], h[3], fd[3], hyx;
    double v = expr_eval_grad(e, x, y, g);
    double vh = expr_eval_hess(e, x, y, gh, h);
    if (!isfinite(v) || !isfinite(g[0]) || !isfinite(g[1])) {
        return 0;
    }
    CHECK(v == vh);
    CHECK_REL(gh[0], g[0], 1e-12, 1e-12);
    CHECK_REL(gh[1], g[1], 1e-12, 1e-12);
    fd_hess(e, x, y, fd, &hyx);
    double scale = fmax(1.0, fmax(fabs(h[0]), fmax(fabs(h[1]), fabs(h[2]))));
    int bad = 0;
    for (int k = 0; k < 3; k++) {
        if (!(fabs(h[k] - fd[k]) <= rel * scale)) {
            bad = 1;
        }
    }
    if (!(fabs(h[1] - hyx) <= rel * scale)) {
        bad = 1;
    }
    if (bad) {
        fprintf(stderr, "%s at (%.9g, %.9g): exact %.10g %.10g %.10g, differences %.10g %.10g "
                "(%.10g) %.10g\n", name, x, y, h[0], h[1], h[2], fd[0], fd[1], hyx, fd[2]);
    }
    CHECK(!bad);
    return 1;
}

static void test_catalog(void)
{
    struct util_rng rng;
    util_rng_seed(&rng, 20261201);
    for (size_t i = 0; i < catalog_count(); i++) {
        const struct catalog_entry *c = catalog_get(i);
        struct expr *e = expr_compile(c->expr, NULL);
        CHECK(e != NULL);
        if (!e) {
            continue;
        }
        int smooth = 0;
        for (int k = 0; k < 200; k++) {
            double x = c->xmin + (c->xmax - c->xmin) * util_rng_uniform(&rng);
            double y = c->ymin + (c->ymax - c->ymin) * util_rng_uniform(&rng);
            smooth += compare_at(e, c->name, x, y, 1e-6);
        }
        CHECK(smooth >= 190);
        compare_at(e, c->name, c->start[0], c->start[1], 1e-6);
        expr_destroy(e);
    }
}

/* Closed forms: the Hessian of known functions, exactly. */
static void test_closed_forms(void)
{
    double g[2], h[3];
    struct expr *e = expr_compile("(1-x)^2 + 100*(y-x^2)^2", NULL);
    /* rosenbrock: fxx = 2 - 400 (y - x^2) + 800 x^2, fxy = -400 x, fyy = 200 */
    double x = 0.3, y = -0.7;
    expr_eval_hess(e, x, y, g, h);
    CHECK_NEAR(h[0], 2 - 400 * (y - x * x) + 800 * x * x, 1e-10);
    CHECK_NEAR(h[1], -400 * x, 1e-12);
    CHECK_NEAR(h[2], 200, 1e-12);
    expr_destroy(e);
    e = expr_compile("0.5*(3*x^2 + 2*x*y + y^2)", NULL);
    expr_eval_hess(e, 1.7, -2.9, NULL, h);
    CHECK(h[0] == 3 && h[1] == 1 && h[2] == 1);
    expr_destroy(e);
    e = expr_compile("abs(x) + y", NULL);
    expr_eval_hess(e, 0.5, 1, g, h);
    CHECK(h[0] == 0 && h[1] == 0 && h[2] == 0 && g[0] == 1 && g[1] == 1);
    expr_destroy(e);
}

/* Expressions using every operation and fused instruction, at random points where they are
 * defined. */
static void test_expressions(void)
{
    static const char *const srcs[] = {
        "sin(x)*cos(y) + tan(0.3*x*y)",
        "exp(-x^2 - y^2) * log(2 + x^2 + y)",
        "sqrt(1 + x^2 + 3*y^2) / (2 + cosh(y))",
        "tanh(x - y) + sinh(0.5*x) * atan(y^3)",
        "x^y + 2^x + (1+y^2)^(x/3)",
        "1/(1 + x^2) + 3/(2 + y^2) - x/(4 + y^4)",
        "x^-2 + y^7 - x^0.5 + (x*(y+2))^2.5",
        "min(x^2, y^2 + 1) + max(sin(x), cos(y))",
        "-(x - 3*y)^2 + 2 - x*4 + y/5",
        "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        "abs(x - y)^3 + x^2*abs(y+5)",
    };
    struct util_rng rng;
    util_rng_seed(&rng, 7);
    for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
        struct expr_error err;
        struct expr *e = expr_compile(srcs[i], &err);
        if (!e) {
            fprintf(stderr, "%s: %s\n", srcs[i], err.msg);
        }
        CHECK(e != NULL);
        if (!e) {
            continue;
        }
        int smooth = 0;
        for (int k = 0; k < 200; k++) {
            /* positive x keeps x^y, x^0.5 and x^-2 defined */
            double x = 0.2 + 2.3 * util_rng_uniform(&rng);
            double y = -1.5 + 3 * util_rng_uniform(&rng);
            smooth += compare_at(e, srcs[i], x, y, 2e-6);
        }
        if (smooth < 150) {
            fprintf(stderr, "%s: only %d smooth points\n", srcs[i], smooth);
        }
        CHECK(smooth >= 150);
        expr_destroy(e);
    }
}

int main(void)
{
    test_catalog();
    test_closed_forms();
    test_expressions();
    return check_done("hessian");
}

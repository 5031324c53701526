/* test_regpath.c: the exact L1 and L2 minimizers of a quadratic and their paths in lambda,
 * against hand-worked closed forms, the KKT conditions on the project's own objective (its
 * automatic gradients), coordinate descent, and ISTA reaching the exact zeros in a race. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sim/race.h"
#include "sim/regpath.h"

/* The l1_vs_l2 preset's bowl: H = [[2, 1], [1, 3]], minimum (2, 0.5), g = -H w* = (-4.5, -3.5). */
static const char *const bowl = "(x-2)^2 + (x-2)*(y-0.5) + 1.5*(y-0.5)^2";

static struct expr *compile(const char *src)
{
    struct expr_error e;
    struct expr *f = expr_compile(src, &e);
    if (!f) {
        fprintf(stderr, "cannot compile %s\n", src);
        abort();
    }
    return f;
}

/* argmin 1/2 w'Hw + g'w + lambda*|w|_1 by cyclic coordinate descent (each coordinate's exact
 * soft-thresholded minimizer), run to convergence: an independent reference. */
static void coord_descent(const double H[2][2], const double g[2], double lambda, double w[2])
{
    w[0] = w[1] = 0.0;
    for (int it = 0; it < 20000; it++) {
        for (int i = 0; i < 2; i++) {
            int j = 1 - i;
            double r = -(g[i] + H[i][j] * w[j]);   /* H_ii w_i = r - lambda*sign(w_i) */
            double v = fabs(r) <= lambda ? 0.0 : (r - copysign(lambda, r)) / H[i][i];
            w[i] = v;
        }
    }
}

static void test_fit(void)
{
    struct expr *f = compile(bowl);
    struct regpath_quad q;
    char err[256];
    CHECK(regpath_quad_fit(f, &q, err, sizeof err));
    CHECK_NEAR(q.H[0][0], 2.0, 1e-12);
    CHECK_NEAR(q.H[0][1], 1.0, 1e-12);
    CHECK_NEAR(q.H[1][1], 3.0, 1e-12);
    CHECK_NEAR(q.g[0], -4.5, 1e-12);
    CHECK_NEAR(q.g[1], -3.5, 1e-12);
    CHECK_NEAR(q.wstar[0], 2.0, 1e-12);
    CHECK_NEAR(q.wstar[1], 0.5, 1e-12);
    double p[2] = {-1.3, 2.7};
    CHECK_NEAR(regpath_quad_value(&q, p), expr_eval(f, p[0], p[1]), 1e-11);
    expr_destroy(f);

    /* not quadratics, and a quadratic that is no bowl: refused, saying why */
    f = compile("x^4 + y^2");
    CHECK(!regpath_quad_fit(f, &q, err, sizeof err));
    CHECK(strstr(err, "not a quadratic") != NULL);
    expr_destroy(f);
    f = compile("(1-x)^2 + 100*(y-x^2)^2");
    CHECK(!regpath_quad_fit(f, &q, err, sizeof err));
    CHECK(strstr(err, "not a quadratic") != NULL);
    expr_destroy(f);
    f = compile("x^2 - y^2");
    CHECK(!regpath_quad_fit(f, &q, err, sizeof err));
    CHECK(strstr(err, "not a bowl") != NULL);
    expr_destroy(f);
}

/* L2: (H + 2 lambda I) w = -g, worked by hand at lambda = 2.5 and 3, and the penalized
 * objective's own gradient (race_objective_compile: the race's definition) zero there. */
static void test_l2(void)
{
    struct expr *f = compile(bowl);
    struct regpath_quad q;
    char err[256];
    CHECK(regpath_quad_fit(f, &q, err, sizeof err));
    double w[2];
    regpath_l2(&q, 2.5, w);   /* [[7, 1], [1, 8]] w = (4.5, 3.5) */
    CHECK_NEAR(w[0], 32.5 / 55.0, 1e-12);
    CHECK_NEAR(w[1], 20.0 / 55.0, 1e-12);
    regpath_l2(&q, 3.0, w);   /* [[8, 1], [1, 9]] w = (4.5, 3.5) */
    CHECK_NEAR(w[0], 37.0 / 71.0, 1e-12);
    CHECK_NEAR(w[1], 23.5 / 71.0, 1e-12);
    for (int k = 0; k <= 60; k++) {
        double lambda = 0.01 * pow(1.2, k);
        regpath_l2(&q, lambda, w);
        struct expr *obj = race_objective_compile(f, 0.0, lambda);
        double g[2];
        expr_eval_grad(obj, w[0], w[1], g);
        CHECK_NEAR(g[0], 0.0, 1e-9 * (1 + lambda));
        CHECK_NEAR(g[1], 0.0, 1e-9 * (1 + lambda));
        /* shrinkage, never a zero */
        CHECK(w[0] > 0.0 && w[1] > 0.0 && hypot(w[0], w[1]) < hypot(2.0, 0.5));
        expr_destroy(obj);
    }
    /* every point of the drawn path is on the closed form's path: its penalized gradient
     * vanishes for the lambda that point's direction gives */
    double xy[2 * 64];
    regpath_l2_polyline(&q, xy, 64);
    CHECK_NEAR(xy[0], 2.0, 1e-12);
    CHECK_NEAR(xy[1], 0.5, 1e-12);
    CHECK(xy[126] == 0.0 && xy[127] == 0.0);
    for (int k = 1; k < 63; k++) {
        double *p = xy + 2 * k, g[2];
        expr_eval_grad(f, p[0], p[1], g);   /* g = -2 lambda p on the path */
        double l0 = -g[0] / (2 * p[0]), l1 = -g[1] / (2 * p[1]);
        CHECK_REL(l0, l1, 1e-9, 1e-9);
        CHECK(l0 > 0.0);
    }
    expr_destroy(f);
}

/* The KKT conditions of f + lambda |w|_1 at w, with f's own gradient: a non-zero coordinate's
 * gradient is -lambda sign(w_i), a zero one's at most lambda in size, and exactly 0.0. */
static void check_kkt(const struct expr *f, double lambda, const double w[2], double tol)
{
    double g[2];
    expr_eval_grad(f, w[0], w[1], g);
    for (int i = 0; i < 2; i++) {
        if (w[i] != 0.0) {
            CHECK_NEAR(g[i], -copysign(lambda, w[i]), tol);
        } else {
            CHECK(fabs(g[i]) <= lambda + tol);
        }
    }
}

static void test_l1(void)
{
    struct expr *f = compile(bowl);
    struct regpath_quad q;
    char err[256];
    CHECK(regpath_quad_fit(f, &q, err, sizeof err));
    /* by hand: both free until y hits 0 at lambda = 2.5 (w = w* - lambda H^-1 (1, 1) =
     * (2 - 0.4 lambda, 0.5 - 0.2 lambda)); then x = (4.5 - lambda)/2 alone until 0 at 4.5 */
    struct regpath_piece pc[REGPATH_MAX_PIECES];
    int n = regpath_l1_pieces(&q, pc);
    CHECK(n == 3);
    if (n == 3) {
        CHECK(pc[0].sign[0] == 1 && pc[0].sign[1] == 1);
        CHECK(pc[1].sign[0] == 1 && pc[1].sign[1] == 0);
        CHECK(pc[2].sign[0] == 0 && pc[2].sign[1] == 0);
        CHECK_NEAR(pc[0].lo, 0.0, 0.0);
        CHECK_NEAR(pc[0].hi, 2.5, 1e-12);
        CHECK_NEAR(pc[1].lo, 2.5, 1e-12);
        CHECK_NEAR(pc[1].hi, 4.5, 1e-12);
        CHECK_NEAR(pc[2].lo, 4.5, 1e-12);
        CHECK(isinf(pc[2].hi));
    }
    CHECK_NEAR(regpath_l1_zero(&q), 4.5, 0.0);
    double xy[2 * (REGPATH_MAX_PIECES + 1)];
    int m = regpath_l1_polyline(&q, xy, REGPATH_MAX_PIECES + 1);
    CHECK(m == 3);
    CHECK_NEAR(xy[0], 2.0, 1e-12);
    CHECK_NEAR(xy[1], 0.5, 1e-12);
    CHECK_NEAR(xy[2], 1.0, 1e-12);   /* the kink: y reaches 0 at x = 1 */
    CHECK(xy[3] == 0.0);
    CHECK(xy[4] == 0.0 && xy[5] == 0.0);

    double w[2];
    regpath_l1(&q, 1.5, w);
    CHECK_NEAR(w[0], 1.4, 1e-12);
    CHECK_NEAR(w[1], 0.2, 1e-12);
    regpath_l1(&q, 3.0, w);
    CHECK_NEAR(w[0], 0.75, 1e-12);
    CHECK(w[1] == 0.0);              /* exactly */
    regpath_l1(&q, 2.5, w);          /* at the kink: the zero is exact */
    CHECK_NEAR(w[0], 1.0, 1e-12);
    CHECK(w[1] == 0.0);
    regpath_l1(&q, 4.5, w);
    CHECK(w[0] == 0.0 && w[1] == 0.0);
    regpath_l1(&q, 7.0, w);
    CHECK(w[0] == 0.0 && w[1] == 0.0);

    /* the whole path: many lambdas against coordinate descent and the KKT conditions; the
     * soft-thresholding rule says where the zeros are: y = 0 exactly from 2.5, x from 4.5 */
    for (int k = 0; k <= 300; k++) {
        double lambda = 0.02 * k;
        double ref[2];
        regpath_l1(&q, lambda, w);
        coord_descent(q.H, q.g, lambda, ref);
        CHECK_NEAR(w[0], ref[0], 1e-10);
        CHECK_NEAR(w[1], ref[1], 1e-10);
        check_kkt(f, lambda, w, 1e-9);
        CHECK((w[1] == 0.0) == (lambda >= 2.5 - 1e-12));
        CHECK((w[0] == 0.0) == (lambda >= 4.5 - 1e-12));
    }
    expr_destroy(f);
}

/* Random bowls, some with strong correlation (a coordinate that first grows, or a kink in the
 * other order): the pieces tile [0, inf) and agree with coordinate descent everywhere. */
static void test_l1_random(void)
{
    unsigned long long st = 12345;
    for (int trial = 0; trial < 60; trial++) {
        double r[5];
        for (int k = 0; k < 5; k++) {
            st = st * 6364136223846793005ULL + 1442695040888963407ULL;
            r[k] = (double)(st >> 11) / 9007199254740992.0;
        }
        double a = 0.3 + 4 * r[0], c = 0.3 + 4 * r[1];
        double b = (2 * r[2] - 1) * 0.95 * sqrt(a * c);
        double wx = 6 * r[3] - 3, wy = 6 * r[4] - 3;
        char src[256];
        snprintf(src, sizeof src, "0.5*%.17g*(x-(%.17g))^2 + %.17g*(x-(%.17g))*(y-(%.17g)) + "
                 "0.5*%.17g*(y-(%.17g))^2", a, wx, b, wx, wy, c, wy);
        struct expr *f = compile(src);
        struct regpath_quad q;
        char err[256];
        CHECK(regpath_quad_fit(f, &q, err, sizeof err));
        struct regpath_piece pc[REGPATH_MAX_PIECES];
        int n = regpath_l1_pieces(&q, pc);
        CHECK(n >= 1 && pc[0].lo == 0.0 && isinf(pc[n - 1].hi));
        for (int k = 1; k < n; k++) {
            CHECK_REL(pc[k].lo, pc[k - 1].hi, 1e-9, 1e-12);
        }
        double lmax = regpath_l1_zero(&q);
        for (int k = 0; k <= 80; k++) {
            double lambda = lmax * 1.2 * k / 80.0;
            double w[2], ref[2];
            regpath_l1(&q, lambda, w);
            coord_descent(q.H, q.g, lambda, ref);
            CHECK_NEAR(w[0], ref[0], 1e-8);
            CHECK_NEAR(w[1], ref[1], 1e-8);
            check_kkt(f, lambda, w, 1e-8 * (1 + lambda));
            /* the zeros where coordinate descent's exact thresholding puts them */
            CHECK((w[0] == 0.0) == (ref[0] == 0.0) || fabs(ref[0]) < 1e-9);
            CHECK((w[1] == 0.0) == (ref[1] == 0.0) || fabs(ref[1]) < 1e-9);
        }
        expr_destroy(f);
    }
}

/* ISTA in a race lands on the exact zero (0.0, not 1e-17) within a few dozen steps and ends
 * at the exact L1 minimizer; sgd on the same objective only rattles around the kink. */
static void test_ista_reaches_zero(void)
{
    struct expr *f = compile(bowl);
    struct regpath_quad q;
    char err[256];
    CHECK(regpath_quad_fit(f, &q, err, sizeof err));
    double lambda = 3.0, ref[2];
    regpath_l1(&q, lambda, ref);
    struct optim_params p[2];
    CHECK(optim_parse("ista(lr=0.05)", &p[0], err, sizeof err));
    CHECK(optim_parse("sgd(lr=0.05)", &p[1], err, sizeof err));
    struct race race;
    struct race_desc d = {.f = f, .xmin = -1, .xmax = 3, .ymin = -1, .ymax = 2, .l1 = lambda,
                          .start = {-0.5, 1.5}, .n = 2, .params = p};
    race_init(&race, &d);
    long first_zero = -1;
    for (long k = 1; k <= 400; k++) {
        race_step(&race);
        if (first_zero < 0 && race.r[0].p[1] == 0.0) {
            first_zero = k;
        }
    }
    CHECK(first_zero > 0 && first_zero <= 100);
    CHECK(race.r[0].p[1] == 0.0);
    CHECK(race_exact_zeros(&race.r[0]) == 1);
    CHECK_NEAR(race.r[0].p[0], ref[0], 1e-9);
    CHECK(race.r[1].p[1] != 0.0);   /* subgradient steps: near 0, never on it */
    CHECK(fabs(race.r[1].p[1]) < 0.2);
    race_finish(&race);
    expr_destroy(f);
}

static void test_ellipse(void)
{
    struct expr *f = compile(bowl);
    struct regpath_quad q;
    char err[256];
    CHECK(regpath_quad_fit(f, &q, err, sizeof err));
    double w[2];
    regpath_l1(&q, 3.0, w);
    double level = expr_eval(f, w[0], w[1]);
    double xy[2 * 90];
    CHECK(regpath_quad_ellipse(&q, level, xy, 90));
    for (int k = 0; k < 90; k++) {
        CHECK_NEAR(expr_eval(f, xy[2 * k], xy[2 * k + 1]), level, 1e-9);
    }
    CHECK(!regpath_quad_ellipse(&q, -1.0, xy, 90));   /* below the minimum: none */
    expr_destroy(f);
}

int main(void)
{
    test_fit();
    test_l2();
    test_l1();
    test_l1_random();
    test_ista_reaches_zero();
    test_ellipse();
    return check_done("regpath");
}

/* test_explain.c: the explain mode's numbers are the race's: explain_next's landing point, lr
 * and state equal what race_step_runner then holds, for every optimizer (and their variants) at
 * many steps, with noise and penalties; its formula prints those numbers; the parts add up to
 * the step; eigen-pairs; the lr stability bounds against running the optimizer on quadratics. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sim/explain.h"
#include "sim/race.h"

static struct optim_params parse(const char *spec)
{
    struct optim_params p;
    char err[256];
    if (!optim_parse(spec, &p, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    return p;
}

static const char *const specs[] = {
    "sgd(lr=0.002)", "momentum(lr=0.001)", "momentum(lr=0.001,dampening=0.4,weight_decay=0.2)",
    "nag(lr=0.001)", "adagrad(lr=0.2)", "adagrad(lr=0.2,lr_decay=0.05)", "adadelta",
    "rmsprop(lr=0.01)", "rmsprop(lr=0.01,centered=true,momentum=0.6)", "adam(lr=0.05)",
    "adam(lr=0.05,amsgrad=true,weight_decay=0.1)", "adamw(lr=0.05)", "nadam(lr=0.05)",
    "adamax(lr=0.05)", "ista(lr=0.002)",
};
#define NSPECS ((int)(sizeof specs / sizeof specs[0]))

/* Whether a formula line shows the pair as "(%.4g, %.4g)". */
static bool shows_pair(const struct explain *e, double a, double b)
{
    char want[64];
    snprintf(want, sizeof want, "(%.4g, %.4g)", a, b);
    for (int k = 0; k < e->nlines; k++) {
        if (strstr(e->line[k], want)) {
            return true;
        }
    }
    return false;
}

static void test_equals_race(double noise, double l1, double l2)
{
    struct expr *f = expr_compile("(1-x)^2 + 100*(y-x^2)^2", NULL);
    struct optim_params params[NSPECS];
    for (int i = 0; i < NSPECS; i++) {
        params[i] = parse(specs[i]);
    }
    struct race race;
    struct race_desc d = {
        .f = f, .xmin = -3, .xmax = 3, .ymin = -3, .ymax = 3, .l1 = l1, .l2 = l2,
        .noise = noise, .seed = 42, .start = {-1.2, 1.0}, .n = NSPECS, .params = params,
    };
    race_init(&race, &d);
    int kinds_seen[OPTIM_COUNT] = {0};
    for (int step = 0; step < 60; step++) {
        for (int i = 0; i < race.n; i++) {
            struct race_runner *r = &race.r[i];
            struct explain e;
            bool ok = explain_next(&race, i, &e);
            CHECK(ok == !r->diverged);
            if (!ok) {
                continue;
            }
            CHECK(e.step == r->step + 1);
            CHECK(e.p[0] == r->p[0] && e.p[1] == r->p[1]);
            CHECK(e.nlines >= 2 && e.sentence[0] != '\0');
            race_step_runner(&race, i);
            if (r->diverged) {
                continue;
            }
            kinds_seen[r->params.kind]++;
            /* the step explained is the step taken, to the bit */
            CHECK(e.p_next[0] == r->p[0] && e.p_next[1] == r->p[1]);
            CHECK(e.lr == r->lr);
            CHECK(e.step == r->step);
            double val[EXPLAIN_NCOLS];
            bool has[EXPLAIN_NCOLS];
            explain_state(&r->params, r->state, val, has);
            for (int c = 0; c < EXPLAIN_NCOLS; c++) {
                CHECK(e.has[c] == has[c]);
                CHECK(!has[c] || e.val[c] == val[c]);
            }
            /* the formula shows the state the race now holds */
            static const enum explain_col pairs[] = {
                EXPLAIN_MOMENTUM_BUFFER_X, EXPLAIN_SUM_X, EXPLAIN_SQUARE_AVG_X,
                EXPLAIN_ACC_DELTA_X, EXPLAIN_GRAD_AVG_X, EXPLAIN_EXP_AVG_X, EXPLAIN_EXP_AVG_SQ_X,
                EXPLAIN_MAX_EXP_AVG_SQ_X, EXPLAIN_EXP_INF_X,
            };
            for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
                if (has[pairs[k]]) {
                    bool shown = shows_pair(&e, val[pairs[k]], val[pairs[k] + 1]);
                    if (!shown) {
                        fprintf(stderr, "%s step %ld: %s not in its formula\n", r->label,
                                r->step, explain_col_name(pairs[k]));
                    }
                    CHECK(shown);
                }
            }
            CHECK(shows_pair(&e, r->p[0], r->p[1]));   /* the last line: where it lands */
            CHECK(shows_pair(&e, e.step_taken[0], e.step_taken[1]));
            /* the parts: the plain step is -lr d; NAG's look-ahead and its gradient part add
             * up to the step; an adaptive step is its direction times the scale */
            CHECK_NEAR(e.neg_grad[0], -e.lr * e.d[0], 0.0);
            if (e.has_lookahead) {
                CHECK_REL(e.lookahead[0] + e.neg_grad[0], r->p[0], 1e-12, 1e-12);
                CHECK_REL(e.lookahead[1] + e.neg_grad[1], r->p[1], 1e-12, 1e-12);
            }
            if (r->params.kind == OPTIM_MOMENTUM && e.has_momentum && r->params.dampening == 0) {
                CHECK_REL(e.momentum[0] + e.neg_grad[0], e.step_taken[0], 1e-9, 1e-12);
            }
            if (e.adaptive && r->params.kind == OPTIM_RMSPROP && e.has_momentum) {
                for (int k = 0; k < 2; k++) {
                    CHECK_REL(e.momentum[k] + e.scale[k] * e.neg_grad[k], e.step_taken[k],
                              1e-9, 1e-15);
                }
            } else if (e.adaptive) {
                const double *dir = e.has_momentum ? e.momentum : e.neg_grad;
                for (int k = 0; k < 2; k++) {
                    if (dir[k] != 0) {
                        CHECK_REL(e.scale[k] * dir[k], e.step_taken[k], 1e-12, 1e-15);
                    }
                }
            }
        }
    }
    for (int k = 0; k < OPTIM_COUNT; k++) {
        if (k != OPTIM_ISTA || l1 > 0) {
            CHECK(kinds_seen[k] >= 30);
        }
    }
    race_finish(&race);
    expr_destroy(f);
}

static void test_eigen(void)
{
    const double hs[][3] = {{3, 1, 1}, {2, 0, 5}, {4, 0, 1}, {-1, 2, 3}, {1, 0, 1}};
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        const double *h = hs[i];
        double lam[2], v[2][2];
        explain_eigen(h, lam, v);
        CHECK(lam[0] <= lam[1]);
        CHECK_NEAR(lam[0] + lam[1], h[0] + h[2], 1e-12);
        CHECK_NEAR(lam[0] * lam[1], h[0] * h[2] - h[1] * h[1], 1e-12);
        for (int k = 0; k < 2; k++) {
            CHECK_NEAR(hypot(v[k][0], v[k][1]), 1.0, 1e-12);
            /* H v = lam v */
            CHECK_NEAR(h[0] * v[k][0] + h[1] * v[k][1], lam[k] * v[k][0], 1e-12);
            CHECK_NEAR(h[1] * v[k][0] + h[2] * v[k][1], lam[k] * v[k][1], 1e-12);
        }
    }
}

/* Runs spec on 0.5 (a x^2 + b y^2) for 3000 steps: whether it stayed bounded. */
static bool bounded(const char *spec, double a, double b)
{
    char src[128];
    snprintf(src, sizeof src, "0.5*(%.17g*x^2 + %.17g*y^2)", a, b);
    struct expr *f = expr_compile(src, NULL);
    struct optim_params p = parse(spec);
    struct race race;
    struct race_desc d = {.f = f, .xmin = -1e6, .xmax = 1e6, .ymin = -1e6, .ymax = 1e6,
                          .start = {1.0, 1.0}, .n = 1, .params = &p};
    race_init(&race, &d);
    long done = 0;
    race_run(&race, &done, 3000, NULL, "");
    bool ok = !race.r[0].diverged && fabs(race.r[0].p[0]) < 1.0 && fabs(race.r[0].p[1]) < 1.0;
    race_finish(&race);
    expr_destroy(f);
    return ok;
}

/* The bound, and running just below and just above it. */
static void test_bounds(void)
{
    static const char *const fam[] = {"sgd", "momentum(momentum=0.9",
                                      "momentum(momentum=0.5,dampening=0.3", "nag(momentum=0.9",
                                      "nag(momentum=0.6", "sgd(weight_decay=0.5", "ista"};
    const double a = 4.0, b = 1.0;   /* lambda_max = 4 */
    for (size_t i = 0; i < sizeof fam / sizeof fam[0]; i++) {
        char spec[128];
        bool open = strchr(fam[i], '(') != NULL;
        snprintf(spec, sizeof spec, "%s%s", fam[i], open ? ")" : "");
        struct optim_params p = parse(spec);
        double bound;
        CHECK(explain_lr_bound(&p, a, &bound));
        for (int side = 0; side < 2; side++) {
            double lr = bound * (side ? 1.02 : 0.98);
            snprintf(spec, sizeof spec, "%s%slr=%.17g)", open ? fam[i] : fam[i],
                     open ? "," : "(", lr);
            bool ok = bounded(spec, a, b);
            if (ok != (side == 0)) {
                fprintf(stderr, "%s: bound %.6g, lr %.6g: %s\n", spec, bound, lr,
                        ok ? "bounded" : "diverged");
            }
            CHECK(ok == (side == 0));
        }
    }
    struct optim_params adam = parse("adam");
    double bound;
    CHECK(!explain_lr_bound(&adam, a, &bound));
    struct optim_params sgd = parse("sgd");
    CHECK(!explain_lr_bound(&sgd, -1.0, &bound));
}

/* The explained step carries the Hessian of the objective and its bound. */
static void test_hessian_in_step(void)
{
    struct expr *f = expr_compile("0.5*(3*x^2 + y^2)", NULL);
    struct optim_params p = parse("sgd(lr=0.8)");
    struct race race;
    struct race_desc d = {.f = f, .xmin = -3, .xmax = 3, .ymin = -3, .ymax = 3, .l2 = 0.5,
                          .start = {1.0, 1.0}, .n = 1, .params = &p};
    race_init(&race, &d);
    struct explain e;
    CHECK(explain_next(&race, 0, &e));
    /* l2 = 0.5 adds 0.5*(x^2+y^2): Hessian diag(4, 2) */
    CHECK_NEAR(e.hess[0], 4.0, 1e-12);
    CHECK_NEAR(e.hess[2], 2.0, 1e-12);
    CHECK_NEAR(e.lam[1], 4.0, 1e-12);
    CHECK(e.has_bound);
    CHECK_NEAR(e.bound, 0.5, 1e-12);
    CHECK(strstr(e.sentence, "bound") != NULL);   /* lr 0.8 > 0.5 */
    race_finish(&race);
    expr_destroy(f);
}

int main(void)
{
    test_equals_race(0.0, 0.0, 0.0);
    test_equals_race(0.5, 0.01, 0.01);
    test_eigen();
    test_bounds();
    test_hessian_in_step();
    return check_done("explain");
}

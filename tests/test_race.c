/* test_race.c: races against closed forms (gradient descent on a quadratic, the minimizers of
 * L1- and L2-penalized objectives), divergence handling, noise seeding and bounded trails. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
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

static void race_on(struct race *race, const struct expr *f, const char *const *specs, int n,
                    double x0, double y0, double l1, double l2, double noise,
                    unsigned long long seed)
{
    struct optim_params params[RACE_MAX];
    for (int i = 0; i < n; i++) {
        params[i] = parse(specs[i]);
    }
    struct race_desc d = {
        .f = f, .xmin = -3, .xmax = 3, .ymin = -3, .ymax = 3,
        .l1 = l1, .l2 = l2, .noise = noise, .seed = seed,
        .start = {x0, y0}, .n = n, .params = params,
    };
    race_init(race, &d);
}

static void test_trajectory_bounded(void)
{
    struct traj t;
    traj_init(&t, 1000);
    for (long s = 0; s < 1000000; s++) {
        traj_push(&t, (struct traj_point){(double)s, 0, 0, s, 0});
    }
    size_t n = traj_count(&t);
    CHECK(n <= 1000 + TRAJ_RECENT);
    CHECK(n > TRAJ_RECENT);
    CHECK(traj_get(&t, 0).step == 0);
    CHECK(traj_last(&t).step == 999999);
    /* the newest TRAJ_RECENT points are exact and consecutive */
    bool exact = true;
    for (size_t i = n - TRAJ_RECENT; i < n; i++) {
        exact &= traj_get(&t, i).step == 999999 - (long)(n - 1 - i);
    }
    CHECK(exact);
    bool increasing = true;
    for (size_t i = 1; i < n; i++) {
        increasing &= traj_get(&t, i).step > traj_get(&t, i - 1).step;
    }
    CHECK(increasing);
    traj_finish(&t);
}

/* The objective is one expression: f plus only the penalties with non-zero weight, with
 * torch's d|x|/dx = 0 at 0; values, gradients and GLSL all come from it. */
static void test_objective(void)
{
    struct expr_error e;
    struct expr *f = expr_compile("(x-2)^2 + 4*(y-0.25)^2", &e);
    struct expr *obj = race_objective_compile(f, 2.5, 0.30000000000000004);
    const double pts[][2] = {{0, 0}, {0, 1}, {-1.5, 0}, {0.75, -0.3}, {1e-300, -2}};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        double x = pts[i][0], y = pts[i][1], gf[2], g[2];
        double v = expr_eval_grad(obj, x, y, g);
        double fv = expr_eval_grad(f, x, y, gf);
        double want = fv + 2.5 * (fabs(x) + fabs(y)) + 0.30000000000000004 * (x * x + y * y);
        CHECK_REL(v, want, 1e-15, 1e-300);
        double sx = (double)((x > 0) - (x < 0)), sy = (double)((y > 0) - (y < 0));
        CHECK_REL(g[0], gf[0] + 2.5 * sx + 0.30000000000000004 * 2 * x, 1e-15, 1e-300);
        CHECK_REL(g[1], gf[1] + 2.5 * sy + 0.30000000000000004 * 2 * y, 1e-15, 1e-300);
    }
    double g[2];
    expr_eval_grad(obj, 0, 0, g);
    CHECK(g[0] == -4 && g[1] == -2);   /* the penalties add nothing at the kink */
    char *glsl = expr_glsl(obj);
    CHECK(strstr(glsl, "abs(x)") && strstr(glsl, "2.5"));
    free(glsl);
    expr_destroy(obj);

    /* zero weights: the function itself, to the last bit; only l2: no abs term */
    obj = race_objective_compile(f, 0, 0);
    CHECK(!strcmp(expr_source(obj), "((x-2)^2 + 4*(y-0.25)^2)"));
    CHECK(expr_eval(obj, 0.3, 0.7) == expr_eval(f, 0.3, 0.7));
    expr_destroy(obj);
    obj = race_objective_compile(f, 0, 1.25);
    CHECK(!strstr(expr_source(obj), "abs") && strstr(expr_source(obj), "1.25*(x*x + y*y)"));
    expr_destroy(obj);

    /* a race given no objective compiles its own from f, l1, l2; given one, it uses it */
    struct optim_params p;
    char err[256];
    CHECK(optim_parse("sgd(0.1)", &p, err, sizeof err));
    struct race race;
    struct race_desc d = {.f = f, .xmin = -3, .xmax = 3, .ymin = -3, .ymax = 3, .l1 = 2.5,
                          .start = {0, 0}, .n = 1, .params = &p};
    race_init(&race, &d);
    CHECK(race.obj && race.f == f && race.obj != f);
    CHECK(race_objective(&race, 1, 0, g) == expr_eval(f, 1, 0) + 2.5);
    race_finish(&race);
    struct expr *mine = race_objective_compile(f, 0, 7);
    d.obj = mine;
    race_init(&race, &d);
    CHECK(race.obj == mine && race.own_obj == NULL);
    CHECK(race_objective(&race, 1, 0, NULL) == expr_eval(f, 1, 0) + 7);
    race_finish(&race);
    expr_destroy(mine);
    expr_destroy(f);
}

/* ISTA in a race: its gradient is that of f + l2*(x^2+y^2) alone and the L1 term its proximal
 * step. On the l1_sparsity bowl (x-2)^2 + 4*(y-0.25)^2 + A(|x|+|y|) + B(x^2+y^2) each
 * coordinate's minimum is a soft threshold: minimizing c/2 (t-b)^2 + B t^2 + A|t| gives
 * t* = soft(c b / (c + 2B), A / (c + 2B)), here x: c = 2, b = 2; y: c = 8, b = 0.25. ISTA lands
 * on y = 0 exactly, sgd on the same objective does not. */
static void test_ista(void)
{
    struct expr_error e;
    struct expr *f = expr_compile("(x-2)^2 + 4*(y-0.25)^2", &e);
    const double pen[][2] = {{2.5, 0}, {2.5, 0.5}};
    for (int c = 0; c < 2; c++) {
        double A = pen[c][0], B = pen[c][1];
        double bx = 2 * 2 / (2 + 2 * B), tx = A / (2 + 2 * B);
        double by = 8 * 0.25 / (8 + 2 * B), ty = A / (8 + 2 * B);
        double want[2] = {bx > tx ? bx - tx : 0.0, by > ty ? by - ty : 0.0};
        CHECK(want[1] == 0.0 && want[0] > 0.4);   /* y's pull is inside its threshold */
        const char *const specs[] = {"sgd(lr=0.02)", "ista(lr=0.05)"};
        struct race race;
        race_on(&race, f, specs, 2, -0.5, 1.5, A, B, 0, 1);
        CHECK(race.smooth != NULL);
        CHECK(race_exact_zeros(&race.r[1]) == 0);
        long zero_at = 0;
        for (int k = 1; k <= 300; k++) {
            race_step(&race);
            if (race.r[1].p[1] == 0.0 && !zero_at) {
                zero_at = k;
            }
            CHECK(!zero_at || race.r[1].p[1] == 0.0);   /* once at the kink, it stays */
        }
        const struct race_runner *ista = &race.r[1], *sgd = &race.r[0];
        CHECK(zero_at > 0 && zero_at < 50);
        CHECK(ista->p[1] == 0.0 && race_exact_zeros(ista) == 1);
        CHECK_NEAR(ista->p[0], want[0], 1e-12);
        /* its gradient is the smooth part's: at y = 0, d/dy of 4(y-0.25)^2 is -2 exactly */
        CHECK(ista->grad[1] == -2.0);
        /* its loss is the whole objective, as every runner's */
        CHECK(ista->loss == race_objective(&race, ista->p[0], ista->p[1], NULL));
        CHECK(sgd->p[1] != 0.0 && race_exact_zeros(sgd) == 0);
        CHECK(fabs(sgd->p[1]) < 0.2);
        race_finish(&race);
    }
    /* without L1 there is nothing to threshold: ista is sgd, and no smooth copy is made */
    const char *const both[] = {"sgd(lr=0.05)", "ista(lr=0.05)"};
    struct race race;
    race_on(&race, f, both, 2, -0.5, 1.5, 0, 0.5, 0, 1);
    CHECK(race.smooth == NULL);
    for (int k = 0; k < 40; k++) {
        race_step(&race);
    }
    CHECK(race.r[0].p[0] == race.r[1].p[0] && race.r[0].p[1] == race.r[1].p[1]);
    race_finish(&race);
    expr_destroy(f);
}

/* Each runner follows its own schedule when it has one, the race's otherwise: every step's lr
 * is sched_lr of that schedule at the runner's own step count. */
static void test_own_schedules(void)
{
    struct expr_error e;
    struct expr *f = expr_compile("x^2 + y^2", &e);
    const char *const specs[] = {"sgd(lr=0.1,schedule=step(5,0.5))",
                                 "sgd(lr=0.1,schedule=cosine(t_max=20,warmup=4))",
                                 "sgd(lr=0.1)", "adam(lr=0.1,schedule=constant)"};
    struct optim_params params[4];
    for (int i = 0; i < 4; i++) {
        params[i] = parse(specs[i]);
    }
    struct sched global;
    char err[256];
    CHECK(sched_parse("exponential(0.9)", &global, err, sizeof err));
    struct race_desc d = {.f = f, .xmin = -3, .xmax = 3, .ymin = -3, .ymax = 3,
                          .sched = &global, .start = {2, 1}, .n = 4, .params = params};
    struct race race;
    race_init(&race, &d);
    const struct sched *own[4] = {&params[0].sched, &params[1].sched, &global,
                                  &params[3].sched};
    CHECK(race.r[2].lr == 0.1 && race.r[1].lr == 0.1 * 0.25);   /* step 0's, before it */
    for (long k = 0; k < 30; k++) {
        race_step(&race);
        for (int i = 0; i < 4; i++) {
            CHECK(race.r[i].lr == sched_lr(own[i], 0.1, k));
        }
    }
    CHECK(race.r[0].lr == 0.1 * 0.03125);               /* k = 29: five halvings */
    CHECK(race.r[2].lr == 0.1 * pow(0.9, 29));          /* the race's */
    CHECK(race.r[3].lr == 0.1);                         /* constant overrides it */
    race_finish(&race);
    expr_destroy(f);
}

int main(void)
{
    test_trajectory_bounded();
    test_own_schedules();
    test_objective();
    test_ista();

    struct expr_error e;
    struct expr *bowl = expr_compile("x^2 + y^2", &e);
    CHECK(bowl != NULL);
    struct race race;

    /* SGD on x^2 + y^2: p_k = p_0 (1 - 2 lr)^k exactly. */
    const char *const sgd[] = {"sgd(lr=0.1)"};
    race_on(&race, bowl, sgd, 1, 2.0, -1.0, 0, 0, 0, 1);
    CHECK(race.r[0].step == 0 && race.r[0].loss == 5.0);
    for (int k = 0; k < 50; k++) {
        race_step(&race);
    }
    CHECK(race.r[0].step == 50);
    CHECK_REL(race.r[0].p[0], 2.0 * pow(0.8, 50), 1e-12, 1e-300);
    CHECK_REL(race.r[0].p[1], -1.0 * pow(0.8, 50), 1e-12, 1e-300);
    CHECK(traj_count(&race.r[0].traj) == 51);
    CHECK(traj_last(&race.r[0].traj).step == 50);
    double g[2];
    CHECK_NEAR(race_objective(&race, 1.0, 2.0, g), 5.0, 0);
    CHECK(g[0] == 2.0 && g[1] == 4.0);
    race_reset(&race, (double[2]){1.0, 1.0});
    CHECK(race.r[0].step == 0 && race.r[0].p[0] == 1.0 && traj_count(&race.r[0].traj) == 1);
    race_finish(&race);

    /* A runner with a huge learning rate diverges and stops at its last finite point; the
     * other runner goes on. */
    const char *const pair[] = {"sgd(lr=10)", "sgd(lr=0.1)"};
    race_on(&race, bowl, pair, 2, 1.0, 1.0, 0, 0, 0, 1);
    unsigned mask = 0;
    for (int k = 0; k < 100; k++) {
        mask |= race_step(&race);
    }
    CHECK(mask == 1u);
    CHECK(race.r[0].diverged && !race.r[1].diverged);
    CHECK(race.r[0].diverged_step > 1 && race.r[0].diverged_step < 10);
    CHECK(race.r[0].step == race.r[0].diverged_step - 1);
    CHECK(isfinite(race.r[0].p[0]) && isfinite(race.r[0].loss));
    CHECK(!race.r[0].escaped);   /* its loss grew: an instability */
    CHECK(race.r[1].step == 100);
    CHECK(race_active(&race) == 1);
    race_finish(&race);

    /* race_run: the same race, stepped to a target, reporting the divergence once. */
    race_on(&race, bowl, pair, 2, 1.0, 1.0, 0, 0, 0, 1);
    FILE *log = tmpfile();
    long done = 0;
    race_run(&race, &done, 60, log, "who");
    CHECK(done == 60 && race.r[1].step == 60 && race.r[0].diverged);
    race_run(&race, &done, 100, log, "who");
    CHECK(done == 100 && race.r[1].step == 100);
    char line[256] = "", want[256];
    rewind(log);
    int lines = 0;
    while (fgets(line, sizeof line, log)) {
        lines++;
        snprintf(want, sizeof want, "who: sgd(lr=10) diverged at step %ld\n",
                 race.r[0].diverged_step);
        CHECK(!strcmp(line, want));
    }
    CHECK(lines == 1);
    fclose(log);
    race_finish(&race);

    /* Leaving the domain downhill on a saddle is an escape, reported as one; a reset clears it.
     * (sgd(lr=10) above grew its loss: an instability, not an escape.) */
    struct expr *saddle = expr_compile("x^2 - y^2", &e);
    const char *const one[] = {"sgd(lr=0.1)"};
    race_on(&race, saddle, one, 1, 1.0, 0.001, 0, 0, 0, 1);
    FILE *elog = tmpfile();
    long edone = 0;
    race_run(&race, &edone, 1000, elog, "who");
    CHECK(race.r[0].diverged && race.r[0].escaped);
    char eline[256] = "";
    rewind(elog);
    CHECK(fgets(eline, sizeof eline, elog) && strstr(eline, "left the view going downhill"));
    fclose(elog);
    race_reset(&race, race.start);
    CHECK(!race.r[0].diverged && !race.r[0].escaped);
    race_finish(&race);
    expr_destroy(saddle);

    /* NaN: log of a negative number. */
    struct expr *logf_ = expr_compile("log(x) + y^2", &e);
    const char *const big[] = {"sgd(lr=5)"};
    race_on(&race, logf_, big, 1, 1.0, 0.0, 0, 0, 0, 1);
    for (int k = 0; k < 10; k++) {
        race_step(&race);
    }
    CHECK(race.r[0].diverged);
    CHECK(isfinite(race.r[0].p[0]) && isfinite(race.r[0].loss));
    race_finish(&race);
    expr_destroy(logf_);

    /* L2: minimizer of (x-0.5)^2 + (y-2)^2 + B(x^2+y^2) is (0.5, 2)/(1+B). L1 with A = 2:
     * x's minimizer is exactly 0 (the penalty's slope beats the pull of 1); y's is 2 - A/2. */
    struct expr *shifted = expr_compile("(x-0.5)^2 + (y-2)^2", &e);
    const char *const gd[] = {"sgd(lr=0.05)"};
    race_on(&race, shifted, gd, 1, 1.5, 1.5, 0, 1.0, 0, 1);
    for (int k = 0; k < 2000; k++) {
        race_step(&race);
    }
    CHECK_NEAR(race.r[0].p[0], 0.25, 1e-9);
    CHECK_NEAR(race.r[0].p[1], 1.0, 1e-9);
    race_finish(&race);
    race_on(&race, shifted, gd, 1, 1.5, 1.5, 2.0, 0, 0, 1);
    for (int k = 0; k < 2000; k++) {
        race_step(&race);
    }
    /* subgradient steps hover around the kink within one step of lr * A */
    CHECK(fabs(race.r[0].p[0]) <= 0.05 * 2.0 + 1e-12);
    CHECK_NEAR(race.r[0].p[1], 1.0, 1e-6);
    race_finish(&race);

    /* Noise: the same seed gives the same path, another seed another path. */
    double end[3][2];
    unsigned long long seeds[3] = {5, 5, 6};
    for (int s = 0; s < 3; s++) {
        race_on(&race, shifted, gd, 1, 1.5, 1.5, 0, 0, 0.5, seeds[s]);
        for (int k = 0; k < 100; k++) {
            race_step(&race);
        }
        end[s][0] = race.r[0].p[0];
        end[s][1] = race.r[0].p[1];
        race_finish(&race);
    }
    CHECK(end[0][0] == end[1][0] && end[0][1] == end[1][1]);
    CHECK(end[0][0] != end[2][0]);
    CHECK(fabs(end[0][0] - 0.5) < 1.0);

    /* A disabled runner does not move. */
    const char *const two[] = {"sgd(lr=0.05)", "adam(lr=0.1)"};
    race_on(&race, shifted, two, 2, 1.5, 1.5, 0, 0, 0, 1);
    race.r[1].enabled = false;
    race_step(&race);
    CHECK(race.r[0].step == 1 && race.r[1].step == 0 && race.r[1].p[0] == 1.5);
    race_finish(&race);

    expr_destroy(shifted);
    expr_destroy(bowl);
    return check_done("race");
}

/* test_optim.c: the optimizers against PyTorch 1.13 trajectories (tests/fixtures/optim_*.csv,
 * made by tests/make_fixtures.py), the float32 step against the double one, specs and labels. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sim/optim.h"
#include "sim/sched.h"
#include "sim/util.h"

/* ======================================================================== fixtures */

#define MAX_CASES 128

struct row {
    double x, y, loss, lr;
};

struct fixture {
    char name[64];
    char function[32];     /* rosenbrock or beale */
    char optimizer[256];   /* spec in optiscope syntax */
    char schedule[128];    /* spec in optiscope syntax */
    double l1, l2;         /* penalty weights */
    double start[2];
    long steps;
    struct row *rows;      /* steps + 1 rows; row 0 is the start */
};

/* Reads one fixture; the header lines are `# key value`, then `step,x,y,loss,lr` rows. */
static bool fixture_load(const char *path, struct fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return false;
    }
    char line[512];
    long nrows = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#') {
            char key[32], value[256];
            if (sscanf(line, "# %31s %255[^\n]", key, value) != 2) {
                continue;
            }
            if (!strcmp(key, "case")) {
                snprintf(fx->name, sizeof fx->name, "%s", value);
            } else if (!strcmp(key, "function")) {
                snprintf(fx->function, sizeof fx->function, "%s", value);
            } else if (!strcmp(key, "optimizer")) {
                snprintf(fx->optimizer, sizeof fx->optimizer, "%s", value);
            } else if (!strcmp(key, "schedule")) {
                snprintf(fx->schedule, sizeof fx->schedule, "%s", value);
            } else if (!strcmp(key, "l1")) {
                ok = util_parse_double(value, &fx->l1);
            } else if (!strcmp(key, "l2")) {
                ok = util_parse_double(value, &fx->l2);
            } else if (!strcmp(key, "start")) {
                ok = util_parse_pair(value, &fx->start[0], &fx->start[1]);
            } else if (!strcmp(key, "steps")) {
                ok = util_parse_long(value, 1, 1000000, &fx->steps);
                if (ok) {
                    fx->rows = xcalloc((size_t)fx->steps + 1, sizeof *fx->rows);
                }
            }
            continue;
        }
        if (line[0] == '\0' || !strncmp(line, "step,", 5)) {
            continue;
        }
        long k;
        struct row r;
        ok = fx->rows && sscanf(line, "%ld,%lf,%lf,%lf,%lf", &k, &r.x, &r.y, &r.loss, &r.lr) == 5
             && k == nrows && k <= fx->steps;
        if (ok) {
            fx->rows[nrows++] = r;
        }
    }
    fclose(f);
    if (!ok || nrows != fx->steps + 1 || !fx->name[0] || !fx->optimizer[0]) {
        fprintf(stderr, "%s: malformed fixture\n", path);
        free(fx->rows);
        fx->rows = NULL;
        return false;
    }
    return true;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every tests/fixtures/optim_*.csv, sorted by name. Returns the count. */
static int load_all(struct fixture *out, int max)
{
    const char *dir = TEST_SRCDIR "/fixtures";
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "cannot open %s\n", dir);
        return 0;
    }
    char *names[MAX_CASES];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        size_t len = strlen(e->d_name);
        if (!strncmp(e->d_name, "optim_", 6) && len > 4 && !strcmp(e->d_name + len - 4, ".csv")) {
            names[n++] = xstrdup(e->d_name);
        }
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], compare_names);
    int loaded = 0;
    for (int i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        bool ok = fixture_load(path, &out[loaded]);
        CHECK(ok);
        loaded += ok;
        free(names[i]);
    }
    return loaded;
}

/* ======================================================================== objective */

/* The same functions as make_fixtures.py, with hand-written gradients. The gradient leaves the
 * L1 term out for a proximal optimizer (ista), which takes it as its proximal step. */
static double objective(const struct fixture *fx, const double p[2], double g[2],
                        bool proximal)
{
    double x = p[0], y = p[1], f;
    if (!strcmp(fx->function, "rosenbrock")) {
        /* (1-x)^2 + 100*(y-x^2)^2 */
        f = (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
        g[0] = -2 * (1 - x) - 400 * x * (y - x * x);
        g[1] = 200 * (y - x * x);
    } else {
        /* beale: (1.5-x+x*y)^2 + (2.25-x+x*y^2)^2 + (2.625-x+x*y^3)^2 */
        double t1 = 1.5 - x + x * y, t2 = 2.25 - x + x * y * y, t3 = 2.625 - x + x * y * y * y;
        f = t1 * t1 + t2 * t2 + t3 * t3;
        g[0] = 2 * t1 * (y - 1) + 2 * t2 * (y * y - 1) + 2 * t3 * (y * y * y - 1);
        g[1] = 2 * t1 * x + 2 * t2 * 2 * x * y + 2 * t3 * 3 * x * y * y;
    }
    /* + l1*(|x|+|y|) + l2*(x^2+y^2); torch's d|x|/dx is sign(x), 0 at 0 */
    for (int i = 0; i < 2; i++) {
        double sign = p[i] > 0 ? 1.0 : p[i] < 0 ? -1.0 : 0.0;
        g[i] += (proximal ? 0.0 : fx->l1) * sign + 2 * fx->l2 * p[i];
    }
    return f + fx->l1 * (fabs(x) + fabs(y)) + fx->l2 * (x * x + y * y);
}

/* ======================================================================== torch agreement */

#define REL 1e-9      /* required relative agreement with torch at every step */
#define FLOOR 1e-6    /* values below this are compared absolutely, at REL * FLOOR */

static double rel_err(double a, double b)
{
    return fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), FLOOR);
}

static double max_err[4];   /* worst x, y, loss, lr error over all cases, for the summary */

static void replay(const struct fixture *fx)
{
    char err[256];
    struct optim_params p;
    struct sched s;
    bool ok = optim_parse(fx->optimizer, &p, err, sizeof err);
    CHECK(ok);
    if (!ok) {
        fprintf(stderr, "%s: %s\n", fx->name, err);
        return;
    }
    ok = sched_parse(fx->schedule, &s, err, sizeof err);
    CHECK(ok);
    if (!ok) {
        fprintf(stderr, "%s: %s\n", fx->name, err);
        return;
    }
    struct optim_state *st = optim_state_create(&p, 2);
    double x[2] = {fx->start[0], fx->start[1]};
    double worst = 0;
    bool agreed = true;
    for (long k = 0; agreed && k <= fx->steps; k++) {
        double g[2];
        double loss = objective(fx, x, g, optim_proximal(p.kind));
        /* row k's lr is the one the update into row k used; row 0 shows the first update's */
        double lr_row = sched_lr(&s, p.lr, k == 0 ? 0 : k - 1);
        const struct row *r = &fx->rows[k];
        double got[4] = {x[0], x[1], loss, lr_row}, want[4] = {r->x, r->y, r->loss, r->lr};
        int failed_before = check_failed;
        for (int q = 0; q < 4; q++) {
            CHECK_REL(got[q], want[q], REL, FLOOR);
            worst = fmax(worst, rel_err(got[q], want[q]));
            max_err[q] = fmax(max_err[q], rel_err(got[q], want[q]));
        }
        if (check_failed != failed_before) {
            fprintf(stderr, "%s: first disagreement at step %ld\n", fx->name, k);
            agreed = false;
        }
        if (k < fx->steps) {
            double lr = sched_lr(&s, p.lr, k);
            optim_step(&p, st, lr, x, g);
            if (optim_proximal(p.kind)) {
                optim_prox_l1(x, 2, lr * fx->l1);
            }
        }
    }
    if (getenv("OPTIM_VERBOSE")) {
        printf("  %-28s max relative error %.3g\n", fx->name, worst);
    }
    if (!agreed) {
        optim_state_destroy(st);
        return;
    }
    /* A reset state replays the same path: nothing survives a reset. */
    optim_state_reset(&p, st);
    double x2[2] = {fx->start[0], fx->start[1]};
    for (long k = 0; k < fx->steps; k++) {
        double g[2];
        objective(fx, x2, g, optim_proximal(p.kind));
        double lr = sched_lr(&s, p.lr, k);
        optim_step(&p, st, lr, x2, g);
        if (optim_proximal(p.kind)) {
            optim_prox_l1(x2, 2, lr * fx->l1);
        }
    }
    CHECK(x2[0] == x[0] && x2[1] == x[1]);
    optim_state_destroy(st);
}

static void test_fixtures(void)
{
    static struct fixture fx[MAX_CASES];
    int n = load_all(fx, MAX_CASES);
    /* make_fixtures.py writes 45 cases; fewer means files went missing. */
    CHECK(n >= 45);
    bool seen[OPTIM_COUNT] = {false};
    for (int i = 0; i < n; i++) {
        CHECK(fx[i].steps >= 200);
        replay(&fx[i]);
        struct optim_params p;
        char err[256];
        if (optim_parse(fx[i].optimizer, &p, err, sizeof err)) {
            seen[p.kind] = true;
        }
        free(fx[i].rows);
    }
    for (int k = 0; k < OPTIM_COUNT; k++) {
        CHECK(seen[k]);
    }
    printf("%d torch cases; max relative error: x %.3g, y %.3g, loss %.3g, lr %.3g\n", n,
           max_err[0], max_err[1], max_err[2], max_err[3]);
}

/* ======================================================================== float32 step */

/* A configuration that exercises every branch of one optimizer. */
static const char *const f32_specs[] = {
    "sgd", "sgd(weight_decay=0.1)", "momentum(dampening=0.2,weight_decay=0.01)", "nag",
    "adagrad(lr_decay=0.1,initial_accumulator_value=0.2,weight_decay=0.1)",
    "adadelta(weight_decay=0.1)", "rmsprop", "rmsprop(centered=true,momentum=0.5)",
    "adam", "adam(amsgrad=true,weight_decay=0.1)", "adamw(amsgrad=true)", "nadam",
    "nadam(weight_decay=0.1)", "adamax(weight_decay=0.1)",
};

#define F32_N 7

/* The float32 step must be the double step rounded once at the end: starting from the same
 * float values, the parameters agree to the last bit of a float and the state is identical. */
static void test_f32(void)
{
    for (size_t c = 0; c < sizeof f32_specs / sizeof f32_specs[0]; c++) {
        struct optim_params p;
        char err[256];
        bool ok = optim_parse(f32_specs[c], &p, err, sizeof err);
        CHECK(ok);
        if (!ok) {
            continue;
        }
        struct optim_state *sd = optim_state_create(&p, F32_N);
        struct optim_state *sf = optim_state_create(&p, F32_N);
        float xf[F32_N], gf[F32_N];
        double xd[F32_N], gd[F32_N];
        for (int i = 0; i < F32_N; i++) {
            xf[i] = (float)(0.3 * i - 1.1);
        }
        bool same_x = true, same_state = true;
        double worst = 0;
        for (int step = 0; step < 50; step++) {
            for (int i = 0; i < F32_N; i++) {
                /* gradient of sum (i+1) * x_i^2 + sin(x_i), rounded to float (through a
                 * volatile: at -O3 GCC 12's vectorizer stored the unrounded double into
                 * gd for some lanes) */
                volatile float rounded = (float)(2.0 * (i + 1) * xf[i] + cos(xf[i]));
                gf[i] = rounded;
                xd[i] = xf[i];
                gd[i] = gf[i];
            }
            double lr = p.lr * (1.0 + 0.01 * step);   /* a changing lr reaches both paths */
            optim_step(&p, sd, lr, xd, gd);
            optim_step_f32(&p, sf, lr, xf, gf);
            for (int i = 0; i < F32_N; i++) {
                same_x = same_x && xf[i] == (float)xd[i];
                worst = fmax(worst, fabs(xf[i] - xd[i]) / fmax(fabs(xd[i]), 1e-30));
            }
            for (int s = 0; s < 4; s++) {
                if (sd->slot[s]) {
                    same_state = same_state
                                 && !memcmp(sd->slot[s], sf->slot[s], F32_N * sizeof(double));
                }
            }
            same_state = same_state && sd->t == sf->t && sd->mu_product == sf->mu_product;
        }
        CHECK(same_x);
        CHECK(same_state);
        CHECK(worst <= 6e-8);   /* one float rounding: 2^-24 relative */
        if (!same_x || !same_state) {
            fprintf(stderr, "f32 disagrees for %s\n", f32_specs[c]);
        }
        optim_state_destroy(sd);
        optim_state_destroy(sf);
    }
}

/* ======================================================================== specs */

static bool params_equal(const struct optim_params *a, const struct optim_params *b)
{
    return a->kind == b->kind && a->lr == b->lr && a->momentum == b->momentum
           && a->dampening == b->dampening && a->weight_decay == b->weight_decay
           && a->lr_decay == b->lr_decay
           && a->initial_accumulator_value == b->initial_accumulator_value && a->eps == b->eps
           && a->rho == b->rho && a->alpha == b->alpha && a->beta1 == b->beta1
           && a->beta2 == b->beta2 && a->momentum_decay == b->momentum_decay
           && a->centered == b->centered && a->amsgrad == b->amsgrad;
}

/* torch 1.13's constructor defaults, copied from the torch/optim sources. */
static void test_defaults(void)
{
    struct optim_params p;
    optim_defaults(OPTIM_SGD, &p);
    CHECK(p.lr == 0.01 && p.momentum == 0 && p.dampening == 0 && p.weight_decay == 0);
    optim_defaults(OPTIM_MOMENTUM, &p);
    CHECK(p.lr == 0.01 && p.momentum == 0.9 && p.dampening == 0 && p.weight_decay == 0);
    optim_defaults(OPTIM_NAG, &p);
    CHECK(p.lr == 0.01 && p.momentum == 0.9 && p.dampening == 0 && p.weight_decay == 0);
    optim_defaults(OPTIM_ADAGRAD, &p);
    CHECK(p.lr == 1e-2 && p.lr_decay == 0 && p.weight_decay == 0
          && p.initial_accumulator_value == 0 && p.eps == 1e-10);
    optim_defaults(OPTIM_ADADELTA, &p);
    CHECK(p.lr == 1.0 && p.rho == 0.9 && p.eps == 1e-6 && p.weight_decay == 0);
    optim_defaults(OPTIM_RMSPROP, &p);
    CHECK(p.lr == 1e-2 && p.alpha == 0.99 && p.eps == 1e-8 && p.weight_decay == 0
          && p.momentum == 0 && !p.centered);
    optim_defaults(OPTIM_ADAM, &p);
    CHECK(p.lr == 1e-3 && p.beta1 == 0.9 && p.beta2 == 0.999 && p.eps == 1e-8
          && p.weight_decay == 0 && !p.amsgrad);
    optim_defaults(OPTIM_ADAMW, &p);
    CHECK(p.lr == 1e-3 && p.beta1 == 0.9 && p.beta2 == 0.999 && p.eps == 1e-8
          && p.weight_decay == 1e-2 && !p.amsgrad);
    optim_defaults(OPTIM_NADAM, &p);
    CHECK(p.lr == 2e-3 && p.beta1 == 0.9 && p.beta2 == 0.999 && p.eps == 1e-8
          && p.weight_decay == 0 && p.momentum_decay == 4e-3);
    optim_defaults(OPTIM_ADAMAX, &p);
    CHECK(p.lr == 2e-3 && p.beta1 == 0.9 && p.beta2 == 0.999 && p.eps == 1e-8
          && p.weight_decay == 0);
    optim_defaults(OPTIM_ISTA, &p);   /* ours: sgd's lr, and nothing else */
    CHECK(p.lr == 0.01 && p.momentum == 0 && p.weight_decay == 0);
    CHECK(optim_proximal(OPTIM_ISTA));
    for (int k = 0; k < OPTIM_ISTA; k++) {
        CHECK(!optim_proximal((enum optim_kind)k));
    }

    /* names, descriptions, and a bare name parses to the defaults */
    const char *const *names = optim_names();
    for (int k = 0; k < OPTIM_COUNT; k++) {
        enum optim_kind kind;
        CHECK(optim_kind_from_name(names[k], &kind) && kind == (enum optim_kind)k);
        CHECK(!strcmp(optim_name((enum optim_kind)k), names[k]));
        CHECK(strlen(optim_description((enum optim_kind)k)) > 10);
        struct optim_params parsed, def;
        char err[256];
        CHECK(optim_parse(names[k], &parsed, err, sizeof err));
        optim_defaults((enum optim_kind)k, &def);
        CHECK(params_equal(&parsed, &def));
        char buf[64];
        optim_format(&def, buf, sizeof buf);
        CHECK(!strcmp(buf, names[k]));
    }
    enum optim_kind kind;
    CHECK(!optim_kind_from_name("Adam", &kind));
    CHECK(!strcmp(optim_name(OPTIM_NAG), "nag"));
}

/* Each spec must fail, and the message must contain each of the given fragments. */
static void expect_error(const char *spec, const char *frag1, const char *frag2)
{
    struct optim_params p;
    optim_defaults(OPTIM_SGD, &p);
    p.lr = 123;
    char err[256] = "";
    bool ok = optim_parse(spec, &p, err, sizeof err);
    CHECK(!ok);
    CHECK(p.lr == 123);   /* out is left alone on failure */
    bool has = (!frag1 || strstr(err, frag1)) && (!frag2 || strstr(err, frag2));
    CHECK(has);
    if (ok || !has) {
        fprintf(stderr, "  spec '%s' gave '%s'\n", spec, ok ? "(accepted)" : err);
    }
}

static void test_parse(void)
{
    char err[256];
    struct optim_params p;
    CHECK(optim_parse("adam(lr=0.05, beta1=0.8, amsgrad=true)", &p, err, sizeof err));
    CHECK(p.kind == OPTIM_ADAM && p.lr == 0.05 && p.beta1 == 0.8 && p.amsgrad
          && p.beta2 == 0.999);
    CHECK(optim_parse(" rmsprop ( centered = yes , momentum = 0.5 ) ", &p, err, sizeof err));
    CHECK(p.kind == OPTIM_RMSPROP && p.centered && p.momentum == 0.5);
    CHECK(optim_parse("adam()", &p, err, sizeof err) && p.kind == OPTIM_ADAM);
    CHECK(optim_parse("adam(beta2=0)", &p, err, sizeof err) && p.beta2 == 0);
    CHECK(optim_parse("adagrad(eps=0)", &p, err, sizeof err) && p.eps == 0);

    /* unknown names */
    expect_error("adom", "unknown optimizer 'adom'", "did you mean adam?");
    expect_error("rmsprp(lr=0.1)", "unknown optimizer", "did you mean rmsprop?");
    expect_error("lbfgs", "unknown optimizer 'lbfgs'", NULL);
    /* unknown keys, with the nearest key of this optimizer */
    expect_error("adam(lrr=0.1)", "'lrr'", "did you mean lr?");
    expect_error("adam(beta=0.5)", "'beta'", "did you mean beta");
    expect_error("adam(betas=0.5)", "'betas'", "did you mean beta");
    expect_error("nadam(momentum_decy=0.1)", "'momentum_decy'", "did you mean momentum_decay?");
    /* keys that belong to other optimizers */
    expect_error("adam(momentum=0.9)", "'momentum'", "does not apply");
    expect_error("sgd(momentum=0.9)", "'momentum'", "does not apply");
    expect_error("nag(dampening=0.1)", "'dampening'", "does not apply");
    expect_error("adamw(centered=true)", "'centered'", "does not apply");
    expect_error("rmsprop(rho=0.9)", "'rho'", "does not apply to rmsprop");
    expect_error("adadelta(alpha=0.9)", "'alpha'",
                 "usage: adadelta(lr=1, *, weight_decay=0, eps=1e-6, rho=0.9, schedule=default, label=none)");
    /* malformed values */
    expect_error("adam(lr=abc)", "invalid lr=abc:", "expected");
    expect_error("adam(lr=0.1x)", "invalid lr=0.1x:", "expected");
    expect_error("adam(lr=nan)", "invalid lr=nan:", "expected");
    expect_error("adam(lr=inf)", "invalid lr=inf:", "expected");
    expect_error("adam(amsgrad=maybe)", "invalid amsgrad=maybe:", "expected");
    expect_error("adam(lr=)", "lr", NULL);
    /* values out of range, naming key and value */
    expect_error("adam(lr=0)", "lr=0", "> 0");
    expect_error("sgd(lr=-0.1)", "lr=-0.1", "> 0");
    expect_error("adam(beta1=1)", "beta1=1", "[0, 1)");
    expect_error("adam(beta2=1.5)", "beta2=1.5", "[0, 1)");
    expect_error("adamax(beta1=-0.1)", "beta1=-0.1", NULL);
    expect_error("adam(eps=-1e-8)", "eps=-1e-8", ">= 0");
    expect_error("adamw(weight_decay=-1)", "weight_decay=-1", ">= 0");
    expect_error("momentum(momentum=1)", "momentum=1", "[0, 1)");
    expect_error("momentum(dampening=2)", "dampening=2", NULL);
    expect_error("nag(momentum=0)", "momentum=0", "nesterov");
    expect_error("adadelta(rho=1)", "rho=1", NULL);
    expect_error("rmsprop(alpha=-0.5)", "alpha=-0.5", NULL);
    expect_error("adagrad(lr_decay=-1)", "lr_decay=-1", NULL);
    expect_error("adagrad(initial_accumulator_value=-1)", "initial_accumulator_value=-1", NULL);
    expect_error("nadam(momentum_decay=-0.1)", "momentum_decay=-0.1", NULL);
    /* syntax, from spec_parse */
    expect_error("adam(lr=0.1", "missing ')'", NULL);
    expect_error("adam lr", "expected '('", NULL);
    expect_error("", "expected a name", NULL);
    expect_error("adam(lr=0.1,lr=0.2)", "given twice", NULL);
}

static void test_format(void)
{
    char buf[512], err[256];
    struct optim_params p, q;
    CHECK(optim_parse("adam(amsgrad=true,beta1=0.8,lr=0.05)", &p, err, sizeof err));
    optim_format(&p, buf, sizeof buf);
    CHECK(!strcmp(buf, "adam(lr=0.05,beta1=0.8,amsgrad=true)"));
    CHECK(optim_parse("adam(lr=0.1)", &p, err, sizeof err));
    optim_format(&p, buf, sizeof buf);
    CHECK(!strcmp(buf, "adam(lr=0.1)"));
    /* a truncated buffer still gets the full length back, as with snprintf */
    char small[6];
    int len = optim_format(&p, small, sizeof small);
    CHECK(len == 12 && !strcmp(small, "adam("));

    /* round trip, including values that need 17 digits and values set in code */
    static const char *const specs[] = {
        "sgd(lr=0.30000000000000004)", "momentum(lr=0.001,momentum=0.5,dampening=0.5)",
        "nag(momentum=0.99,weight_decay=1e-300)",
        "adagrad(lr=0.3,lr_decay=0.01,weight_decay=0.02,initial_accumulator_value=0.5,eps=0)",
        "adadelta(lr=0.7,rho=0.8,eps=1e-4)", "rmsprop(alpha=0.9,momentum=0.7,centered=true)",
        "adam(lr=0.05,beta1=0,beta2=0.95,eps=0.001,weight_decay=0.02,amsgrad=true)",
        "adamw(weight_decay=0)", "nadam(momentum_decay=0)", "adamax(lr=1e3,beta2=0.5)",
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        bool ok = optim_parse(specs[i], &p, err, sizeof err);
        CHECK(ok);
        optim_format(&p, buf, sizeof buf);
        ok = ok && optim_parse(buf, &q, err, sizeof err);
        CHECK(ok && params_equal(&p, &q));
        if (!ok || !params_equal(&p, &q)) {
            fprintf(stderr, "  '%s' -> '%s'\n", specs[i], buf);
        }
    }
    /* an optimizer's own schedule: parsed nested, written back in the same syntax; given as
     * schedule=default it follows the race's, and the label does not mention it */
    static const char *const own[][2] = {
        {"sgd(lr=0.1,schedule=cosine(t_max=200,warmup=10))",
         "sgd(lr=0.1,schedule=cosine(t_max=200,warmup=10))"},
        {"sgd(0.1, schedule=step(5, 0.5))", "sgd(lr=0.1,schedule=step(step_size=5,gamma=0.5))"},
        {"adam(schedule = exponential(0.9), beta1=0.8)",
         "adam(beta1=0.8,schedule=exponential(gamma=0.9))"},
        {"ista(schedule=constant)", "ista(schedule=constant)"},
        {"nag(schedule=inverse_time(decay=0.01,warmup=3))",
         "nag(schedule=inverse_time(decay=0.01,warmup=3))"},
        {"rmsprop(schedule=default)", "rmsprop"},
    };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        bool ok = optim_parse(own[i][0], &p, err, sizeof err);
        CHECK(ok);
        optim_format(&p, buf, sizeof buf);
        CHECK(!strcmp(buf, own[i][1]));
        ok = ok && optim_parse(buf, &q, err, sizeof err);
        char again[512];
        optim_format(&q, again, sizeof again);
        CHECK(ok && params_equal(&p, &q) && !strcmp(buf, again));
        CHECK(p.has_sched == q.has_sched && p.has_sched == (i + 1 < sizeof own / sizeof own[0]));
        if (!ok || strcmp(buf, own[i][1])) {
            fprintf(stderr, "  '%s' -> '%s'\n", own[i][0], buf);
        }
    }
    CHECK(optim_parse("sgd(schedule=step(5,0.5))", &p, err, sizeof err));
    CHECK(p.has_sched && p.sched.kind == SCHED_STEP && p.sched.step_size == 5
          && p.sched.gamma == 0.5);
    struct sched race;
    sched_default(&race);
    CHECK(optim_schedule(&p, &race) == &p.sched);
    CHECK(optim_parse("sgd", &q, err, sizeof err) && optim_schedule(&q, &race) == &race);
    /* a bad nested schedule: its own message, naming the optimizer and the key */
    expect_error("sgd(schedule=cosine(tmax=3))", "sgd: invalid schedule=cosine(tmax=3): ",
                 "did you mean t_max?");
    expect_error("sgd(schedule=cosin(3))", "unknown schedule 'cosin'", "did you mean cosine?");
    expect_error("sgd(schedule=step(5)", "missing ')'", NULL);

    optim_defaults(OPTIM_NADAM, &p);
    p.lr = 1.0 / 3.0;
    p.beta2 = 0.1 + 0.2;
    optim_format(&p, buf, sizeof buf);
    CHECK(optim_parse(buf, &q, err, sizeof err) && params_equal(&p, &q));
    optim_defaults(OPTIM_ADAMW, &p);
    p.weight_decay = 0;
    optim_format(&p, buf, sizeof buf);
    CHECK(!strcmp(buf, "adamw(weight_decay=0)"));
}

/* ======================================================================== velocity */

static void test_velocity(void)
{
    static const struct {
        const char *spec;
        bool has;
    } cases[] = {
        {"sgd", false}, {"momentum", true}, {"nag", true}, {"momentum(momentum=0)", false},
        {"adagrad", false}, {"adadelta", false}, {"rmsprop(momentum=0.9)", false},
        {"adam", true}, {"adamw", true}, {"nadam", true}, {"adamax", true},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct optim_params p;
        char err[256];
        CHECK(optim_parse(cases[c].spec, &p, err, sizeof err));
        struct optim_state *s = optim_state_create(&p, 2);
        double x[2] = {1, -2}, g[2] = {0.5, -0.25}, v[2] = {7, 7};
        optim_step(&p, s, p.lr, x, g);
        bool has = optim_velocity(&p, s, v);
        CHECK(has == cases[c].has);
        if (!has) {
            CHECK(v[0] == 0 && v[1] == 0);
        } else if (p.kind == OPTIM_MOMENTUM || p.kind == OPTIM_NAG) {
            CHECK(v[0] == 0.5 && v[1] == -0.25);   /* torch: first buffer = gradient */
        } else {
            CHECK_NEAR(v[0], (1 - p.beta1) * 0.5, 1e-15);   /* exp_avg after one step */
            CHECK_NEAR(v[1], (1 - p.beta1) * -0.25, 1e-15);
        }
        optim_state_destroy(s);
    }
    optim_state_destroy(NULL);

    /* a zero-length state is allowed (an empty parameter group) */
    struct optim_params p;
    optim_defaults(OPTIM_ADAM, &p);
    struct optim_state *s = optim_state_create(&p, 0);
    optim_step(&p, s, p.lr, NULL, NULL);
    CHECK(s->t == 1);
    double v[2];
    CHECK(!optim_velocity(&p, s, v));
    optim_state_destroy(s);
}

/* optim_metric_lr after one step of a known gradient: lr for sgd; adam's first step has
 * v = (1-b2) g^2, so its denominator is |g| + eps; rmsprop's sqrt((1-alpha) g^2) + eps. */
static void test_metric_lr(void)
{
    struct optim_params p;
    char err[256];
    float out[2];
    double x[2] = {1.0, -2.0}, g[2] = {0.5, -0.01};
    const char *specs[3] = {"momentum(lr=0.1)", "adam(lr=0.1)", "rmsprop(lr=0.1)"};
    for (int k = 0; k < 3; k++) {
        CHECK(optim_parse(specs[k], &p, err, sizeof(err)));
        struct optim_state *s = optim_state_create(&p, 2);
        optim_step(&p, s, 0.1, x, g);
        optim_metric_lr(&p, s, 0.1, out);
        for (int i = 0; i < 2; i++) {
            double want = k == 0 ? 0.1
                        : k == 1 ? 0.1 / (fabs(g[i]) + 1e-8)
                                 : 0.1 / (sqrt(0.01) * fabs(g[i]) + 1e-8);
            CHECK_REL(out[i], want, 1e-6, 0.0);
        }
        optim_state_destroy(s);
    }
}

/* ======================================================================== ista */

/* ISTA on the separable quadratic f(x) = sum a_i/2 (x_i - b_i)^2 with lam * sum |x_i|: the
 * minimum is, coordinate by coordinate, the soft-thresholded b_i:
 * x_i* = sign(b_i) max(|b_i| - lam/a_i, 0). Where |b_i| < lam/a_i ISTA must land on exactly 0
 * (and stay), where plain subgradient descent (sgd on f + lam*|x|) only rattles around it. */
static void test_ista_closed_form(void)
{
    enum { N = 6 };
    const double a[N] = {1.0, 2.0, 3.0, 1.5, 2.5, 1.0};
    const double b[N] = {2.0, 0.3, -1.5, -0.2, 0.9, 0.5};
    const double lam = 0.8, lr = 0.25;
    struct optim_params p;
    char err[256];
    CHECK(optim_parse("ista(lr=0.25)", &p, err, sizeof err) && p.kind == OPTIM_ISTA);
    struct optim_params sgd;
    CHECK(optim_parse("sgd(lr=0.25)", &sgd, err, sizeof err));
    struct optim_state *st = optim_state_create(&p, N);
    struct optim_state *ss = optim_state_create(&sgd, N);
    double x[N], xs[N], g[N];
    for (int i = 0; i < N; i++) {
        x[i] = xs[i] = 1.0 - 0.4 * i;   /* starts on both sides of every minimum */
    }
    long zero_since[N] = {0};
    for (long k = 1; k <= 400; k++) {
        for (int i = 0; i < N; i++) {
            g[i] = a[i] * (x[i] - b[i]);
        }
        optim_step(&p, st, lr, x, g);
        optim_prox_l1(x, N, lr * lam);
        for (int i = 0; i < N; i++) {
            double sign = xs[i] > 0 ? 1.0 : xs[i] < 0 ? -1.0 : 0.0;
            g[i] = a[i] * (xs[i] - b[i]) + lam * sign;   /* torch's subgradient */
        }
        optim_step(&sgd, ss, lr, xs, g);
        for (int i = 0; i < N; i++) {
            if (x[i] != 0.0) {
                zero_since[i] = 0;
            } else if (!zero_since[i]) {
                zero_since[i] = k;
            }
        }
    }
    int zeros = 0, sgd_zeros = 0;
    for (int i = 0; i < N; i++) {
        double t = lam / a[i];
        double want = b[i] > t ? b[i] - t : b[i] < -t ? b[i] + t : 0.0;
        if (want == 0.0) {
            CHECK(x[i] == 0.0);                              /* exactly, not nearly */
            CHECK(zero_since[i] > 0 && zero_since[i] < 50);  /* reached early, and stayed */
            zeros++;
            sgd_zeros += xs[i] == 0.0;
            CHECK(xs[i] != 0.0);                             /* sgd only rattles around it */
        } else {
            CHECK_NEAR(x[i], want, 1e-12);
            CHECK(x[i] != 0.0);
        }
    }
    CHECK(zeros == 3);       /* b = 0.3 (a = 2), -0.2 and 0.5: inside their thresholds */
    CHECK(sgd_zeros == 0);   /* subgradient descent never lands on the kink */
    optim_state_destroy(st);
    optim_state_destroy(ss);

    /* the proximal operator itself: torch's softshrink, exact zeros inside [-t, t] */
    double v[7] = {-2.0, -0.5, -0.25, 0.0, 0.25, 0.3, 1.0};
    optim_prox_l1(v, 7, 0.25);
    CHECK(v[0] == -1.75 && v[1] == -0.25 && v[2] == 0.0 && v[3] == 0.0 && v[4] == 0.0);
    CHECK(v[5] == 0.3 - 0.25 && v[6] == 0.75);
}

int main(void)
{
    test_ista_closed_form();
    test_fixtures();
    test_f32();
    test_defaults();
    test_parse();
    test_format();
    test_velocity();
    test_metric_lr();
    return check_done("optim");
}

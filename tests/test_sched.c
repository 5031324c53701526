/* test_sched.c: learning-rate schedules against torch's schedulers (the lr column of
 * tests/fixtures/optim_*.csv), against values worked out by hand, and their specs. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sim/optim.h"
#include "sim/sched.h"
#include "sim/util.h"

/* ======================================================================== torch fixtures */

/* The optimizer spec with the schedule as its own: "adam(lr=0.05)" and "step(30)" give
 * "adam(lr=0.05,schedule=step(30))", "sgd" gives "sgd(schedule=step(30))". */
static void own_schedule_spec(const char *optimizer, const char *schedule, char *out, size_t len)
{
    size_t n = strlen(optimizer);
    if (n > 0 && optimizer[n - 1] == ')') {
        snprintf(out, len, "%.*s,schedule=%s)", (int)(n - 1), optimizer, schedule);
    } else {
        snprintf(out, len, "%s(schedule=%s)", optimizer, schedule);
    }
}

/* Checks one fixture's lr column: row k holds the lr of update k-1 (row 0: of update 0).
 * The same column must come out of the schedule given as the optimizer's own
 * (`adam(lr=0.05,schedule=step(30))`), which overrides a race's schedule (here
 * exponential(0.5), which would give other numbers). Returns the worst relative error, or -1
 * if the file is not a well-formed fixture. */
static double check_fixture(const char *path, bool *has_warmup, enum sched_kind *kind)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return -1;
    }
    char line[512], optimizer[256] = "", schedule[256] = "", err[256];
    struct optim_params p, own;
    struct sched s, race;
    char own_spec[512];
    bool parsed = false;
    long rows = 0, steps = 0;
    double worst = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (sscanf(line, "# optimizer %255s", optimizer) == 1
            || sscanf(line, "# schedule %255s", schedule) == 1
            || sscanf(line, "# steps %ld", &steps) == 1 || line[0] == '#'
            || !strncmp(line, "step,", 5)) {
            continue;
        }
        if (!parsed) {
            own_schedule_spec(optimizer, schedule, own_spec, sizeof own_spec);
            bool ok = optim_parse(optimizer, &p, err, sizeof err)
                      && sched_parse(schedule, &s, err, sizeof err)
                      && optim_parse(own_spec, &own, err, sizeof err)
                      && sched_parse("exponential(0.5)", &race, err, sizeof err);
            CHECK(!ok || (own.has_sched && !p.has_sched));
            CHECK(ok);
            if (!ok) {
                fprintf(stderr, "%s: %s\n", path, err);
                fclose(f);
                return -1;
            }
            parsed = true;
        }
        long k;
        double x, y, loss, lr;
        if (sscanf(line, "%ld,%lf,%lf,%lf,%lf", &k, &x, &y, &loss, &lr) != 5 || k != rows) {
            fclose(f);
            return -1;
        }
        double want = sched_lr(&s, p.lr, k == 0 ? 0 : k - 1);
        CHECK_REL(want, lr, 1e-12, 1e-12);
        worst = fmax(worst, fabs(want - lr) / fmax(fabs(lr), 1e-12));
        double mine = sched_lr(optim_schedule(&own, &race), own.lr, k == 0 ? 0 : k - 1);
        CHECK(mine == want);
        CHECK(sched_lr(optim_schedule(&p, &s), p.lr, k == 0 ? 0 : k - 1) == want);
        rows++;
    }
    fclose(f);
    if (!parsed || rows != steps + 1) {
        return -1;
    }
    *has_warmup = s.warmup > 0;
    *kind = s.kind;
    return worst;
}

static void test_fixtures(void)
{
    const char *dir = TEST_SRCDIR "/fixtures";
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d) {
        return;
    }
    int n = 0;
    double worst = 0;
    bool seen[SCHED_COUNT][2] = {{false}};   /* [kind][warmup] */
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, "optim_", 6) || len < 4 || strcmp(e->d_name + len - 4, ".csv")) {
            continue;
        }
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        bool warm = false;
        enum sched_kind kind = SCHED_CONSTANT;
        double w = check_fixture(path, &warm, &kind);
        CHECK(w >= 0);
        if (w >= 0) {
            seen[kind][warm] = true;
            worst = fmax(worst, w);
            n++;
        }
    }
    closedir(d);
    CHECK(n >= 45);
    /* every schedule with and without warmup came from torch */
    for (int k = 0; k < SCHED_COUNT; k++) {
        CHECK(seen[k][0] && seen[k][1]);
    }
    printf("%d torch lr columns; max relative error %.3g\n", n, worst);
}

/* ======================================================================== by hand */

static struct sched parse_ok(const char *spec)
{
    struct sched s;
    char err[256];
    bool ok = sched_parse(spec, &s, err, sizeof err);
    CHECK(ok);
    if (!ok) {
        fprintf(stderr, "  '%s': %s\n", spec, err);
        sched_default(&s);
    }
    return s;
}

/* Checks sched_lr(spec, base, k) for k = 0, 1, ... against want[]. */
static void expect_lrs(const char *spec, double base, const double *want, int n)
{
    struct sched s = parse_ok(spec);
    for (int k = 0; k < n; k++) {
        double got = sched_lr(&s, base, k);
        CHECK_REL(got, want[k], 1e-14, 1e-15);
        if (!(fabs(got - want[k]) <= 1e-14 * fmax(fmax(fabs(got), fabs(want[k])), 1e-15))) {
            fprintf(stderr, "  %s at k=%d\n", spec, k);
        }
    }
}

static void test_by_hand(void)
{
    const double c1 = (1 + cos(M_PI / 4)) / 2, c3 = (1 + cos(3 * M_PI / 4)) / 2;
    {
        double w[] = {0.1, 0.1, 0.1, 0.1, 0.1};
        expect_lrs("constant", 0.1, w, 5);
    }
    {
        double w[] = {1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125};
        expect_lrs("step(step_size=3,gamma=0.5)", 1, w, 10);
    }
    {
        double w[] = {2, 2, 0.2, 0.2, 0.02, 0.02};   /* StepLR's default gamma is 0.1 */
        expect_lrs("step(step_size=2)", 2, w, 6);
    }
    {
        double w[] = {1, 0.9, 0.81, 0.729, 0.6561};
        expect_lrs("exponential(gamma=0.9)", 1, w, 5);
    }
    {
        /* half a cosine down to eta_min at t_max, then back up as torch's recursion does */
        double w[] = {1, c1, 0.5, c3, 0, c3, 0.5, c1, 1, c1};
        expect_lrs("cosine(t_max=4)", 1, w, 10);
    }
    {
        double w[] = {1, 0.1 + 0.9 * c1, 0.55, 0.1 + 0.9 * c3, 0.1, 0.1 + 0.9 * c3};
        expect_lrs("cosine(t_max=4,eta_min=0.1)", 1, w, 6);
    }
    {
        double w[] = {0.3, 0.2, 0.15, 0.12, 0.1};   /* 0.3 / (1 + 0.5k) */
        expect_lrs("inverse_time(decay=0.5)", 0.3, w, 5);
    }
    {
        double w[] = {0.3, 0.3, 0.3, 0.3};
        expect_lrs("inverse_time(decay=0)", 0.3, w, 4);
    }
    {
        /* warmup=4: factors 1/4, 2/4, 3/4, then 1 */
        double w[] = {0.25, 0.5, 0.75, 1, 1, 1};
        expect_lrs("constant(warmup=4)", 1, w, 6);
    }
    {
        double w[] = {1, 1, 1};
        expect_lrs("constant(warmup=1)", 1, w, 3);
    }
    {
        double w[] = {1.0 / 3, 2.0 / 3, 0.5, 0.5, 0.25};
        expect_lrs("step(step_size=2,gamma=0.5,warmup=3)", 1, w, 5);
    }
    {
        double w[] = {0.5, 0.9, 0.81};
        expect_lrs("exponential(gamma=0.9,warmup=2)", 1, w, 3);
    }
    {
        /* the warmup factor scales the whole cosine lr, eta_min included */
        double w[] = {0.5, 0.1 + 0.9 * c1, 0.55, 0.1 + 0.9 * c3, 0.1};
        expect_lrs("cosine(t_max=4,eta_min=0.1,warmup=2)", 1, w, 5);
    }
    {
        double w[] = {0.1, 0.2 / 1.5, 0.15};   /* 0.3/(1+0.5k) * (k+1)/3 */
        expect_lrs("inverse_time(decay=0.5,warmup=3)", 0.3, w, 3);
    }
    /* large step counts stay finite and exact where they should */
    struct sched s = parse_ok("step(step_size=1000,gamma=0.5)");
    CHECK(sched_lr(&s, 1, 999999) == ldexp(1, -999));
    s = parse_ok("cosine(t_max=1000000)");
    CHECK(sched_lr(&s, 1, 1000000) == 0);
}

/* ======================================================================== specs */

static void expect_error(const char *spec, const char *frag1, const char *frag2)
{
    struct sched s;
    sched_default(&s);
    s.warmup = 77;
    char err[256] = "";
    bool ok = sched_parse(spec, &s, err, sizeof err);
    CHECK(!ok);
    CHECK(s.warmup == 77);   /* out is left alone on failure */
    bool has = (!frag1 || strstr(err, frag1)) && (!frag2 || strstr(err, frag2));
    CHECK(has);
    if (ok || !has) {
        fprintf(stderr, "  spec '%s' gave '%s'\n", spec, ok ? "(accepted)" : err);
    }
}

static bool sched_equal(const struct sched *a, const struct sched *b)
{
    return a->kind == b->kind && a->step_size == b->step_size && a->gamma == b->gamma
           && a->t_max == b->t_max && a->eta_min == b->eta_min && a->decay == b->decay
           && a->warmup == b->warmup;
}

static void test_specs(void)
{
    /* names */
    const char *const *names = sched_names();
    for (int k = 0; k < SCHED_COUNT; k++) {
        CHECK(!strcmp(sched_name((enum sched_kind)k), names[k]));
        CHECK(strlen(sched_description((enum sched_kind)k)) > 10);
    }
    struct sched s, t;
    sched_default(&s);
    CHECK(s.kind == SCHED_CONSTANT && s.warmup == 0);
    char buf[256], err[256];
    sched_format(&s, buf, sizeof buf);
    CHECK(!strcmp(buf, "constant"));

    s = parse_ok(" cosine ( t_max = 100 , eta_min = 0.001 , warmup = 10 ) ");
    CHECK(s.kind == SCHED_COSINE && s.t_max == 100 && s.eta_min == 0.001 && s.warmup == 10);
    s = parse_ok("step(step_size=30)");
    CHECK(s.kind == SCHED_STEP && s.step_size == 30 && s.gamma == 0.1);

    /* the short form (legends) reads back as the same schedule */
    static const char *const shorts[][2] = {
        {"constant", "constant"}, {"constant(warmup=5)", "constant(warmup=5)"},
        {"step(step_size=50,gamma=0.3)", "step(50, 0.3)"}, {"step(30)", "step(30)"},
        {"exponential(gamma=0.98)", "exponential(0.98)"},
        {"cosine(t_max=200,warmup=30)", "cosine(200, warmup=30)"},
        {"cosine(t_max=200,eta_min=0.001)", "cosine(200, 0.001)"},
        {"inverse_time(decay=0.05,warmup=2)", "inverse_time(0.05, warmup=2)"},
    };
    for (size_t i = 0; i < sizeof shorts / sizeof shorts[0]; i++) {
        s = parse_ok(shorts[i][0]);
        sched_format_short(&s, buf, sizeof buf);
        CHECK(!strcmp(buf, shorts[i][1]));
        t = parse_ok(buf);
        char a[256], b[256];
        sched_format(&s, a, sizeof a);
        sched_format(&t, b, sizeof b);
        CHECK(!strcmp(a, b));
        if (strcmp(buf, shorts[i][1])) {
            fprintf(stderr, "  short of '%s': '%s'\n", shorts[i][0], buf);
        }
    }

    /* unknown names and keys */
    expect_error("cosin", "unknown schedule 'cosin'", "did you mean cosine?");
    expect_error("linear(warmup=3)", "unknown schedule 'linear'", NULL);
    expect_error("step(step_size=3,gama=0.5)", "'gama'", "did you mean gamma?");
    expect_error("cosine(T_max=10)", "'T_max'", "did you mean t_max?");
    expect_error("exponential(gamma=0.9,t_max=3)", "'t_max'", "does not apply");
    expect_error("constant(decay=0.1)", "'decay'", "does not apply");
    /* required keys */
    expect_error("step", "missing required parameter 'step_size'", NULL);
    expect_error("step(gamma=0.5)", "'step_size'", NULL);
    expect_error("exponential", "'gamma'", NULL);
    expect_error("cosine(eta_min=0.1)", "'t_max'", NULL);
    expect_error("inverse_time(warmup=5)", "'decay'", NULL);
    /* bad values */
    expect_error("step(step_size=0)", "invalid step_size=0:",
                 "expected a whole number from 1 to 1000000000");
    expect_error("step(step_size=2.5)", "invalid step_size=2.5:", "expected");
    expect_error("step(step_size=abc)", "invalid step_size=abc:", "expected");
    expect_error("step(step_size=3,gamma=0)", "invalid gamma=0:", "expected a number > 0");
    expect_error("exponential(gamma=-0.5)", "invalid gamma=-0.5:", "expected");
    expect_error("exponential(gamma=nan)", "invalid gamma=nan:", "expected");
    expect_error("cosine(t_max=0)", "invalid t_max=0:", "whole number from 1");
    expect_error("cosine(t_max=10,eta_min=-1)", "invalid eta_min=-1:", "expected a number >= 0");
    expect_error("inverse_time(decay=-0.1)", "invalid decay=-0.1:", "expected");
    expect_error("constant(warmup=-1)", "invalid warmup=-1:", "expected");
    expect_error("constant(warmup=1.5)", "invalid warmup=1.5:", "a whole number from 0 to");
    /* syntax */
    expect_error("cosine(t_max=10", "missing ')'", NULL);
    expect_error("step(step_size=1,step_size=2)", "given twice", NULL);

    /* format: required keys always, others when not default; round trip */
    s = parse_ok("step(step_size=30)");
    sched_format(&s, buf, sizeof buf);
    CHECK(!strcmp(buf, "step(step_size=30)"));
    s = parse_ok("step(warmup=5,gamma=0.5,step_size=30)");
    sched_format(&s, buf, sizeof buf);
    CHECK(!strcmp(buf, "step(step_size=30,gamma=0.5,warmup=5)"));
    static const char *const specs[] = {
        "constant", "constant(warmup=7)", "step(step_size=1,gamma=0.30000000000000004)",
        "exponential(gamma=0.1)", "exponential(gamma=0.999,warmup=100)", "cosine(t_max=5)",
        "cosine(t_max=50,eta_min=1e-5,warmup=3)", "inverse_time(decay=0)",
        "inverse_time(decay=0.0123456789012345678)",
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        s = parse_ok(specs[i]);
        sched_format(&s, buf, sizeof buf);
        bool ok = sched_parse(buf, &t, err, sizeof err) && sched_equal(&s, &t);
        CHECK(ok);
        if (!ok) {
            fprintf(stderr, "  '%s' -> '%s'\n", specs[i], buf);
        }
    }
}

int main(void)
{
    test_fixtures();
    test_by_hand();
    test_specs();
    return check_done("sched");
}

/* test_catalog.c: every built-in function compiles, has exact gradients across its domain,
 * the literature value and a zero gradient at its listed minima, and a sane view and start. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "glslang_check.h"
#include "sim/catalog.h"
#include "sim/expr.h"
#include "sim/util.h"

/* Known global minimum values (2-D), from the literature. */
static const struct {
    const char *name;
    double fmin;
    double tol;   /* the literature value is quoted to this precision */
} known[] = {
    {"bowl", 0, 1e-12},
    {"rosenbrock", 0, 1e-12},
    {"beale", 0, 1e-12},
    {"himmelblau", 0, 1e-12},
    {"rastrigin", 0, 1e-12},
    {"ackley", 0, 1e-12},
    {"booth", 0, 1e-12},
    {"goldstein_price", 3, 1e-12},
    {"six_hump_camel", -1.0316284534898774, 1e-12},
    {"styblinski_tang", -78.332331407542831, 1e-9},
    {"banana", 0, 1e-12},
};

/* Five-point central differences, O(h^4). */
static void fd_grad(const struct expr *e, double x, double y, double g[2])
{
    double hx = 1e-4 * fmax(1.0, fabs(x)), hy = 1e-4 * fmax(1.0, fabs(y));
    g[0] = (-expr_eval(e, x + 2 * hx, y) + 8 * expr_eval(e, x + hx, y) -
            8 * expr_eval(e, x - hx, y) + expr_eval(e, x - 2 * hx, y)) / (12 * hx);
    g[1] = (-expr_eval(e, x, y + 2 * hy) + 8 * expr_eval(e, x, y + hy) -
            8 * expr_eval(e, x, y - hy) + expr_eval(e, x, y - 2 * hy)) / (12 * hy);
}

static void test_entry(const struct catalog_entry *c, struct util_rng *rng)
{
    struct expr_error err;
    struct expr *e = expr_compile(c->expr, &err);
    if (!e) {
        fprintf(stderr, "%s: '%s' does not compile: %d: %s\n", c->name, c->expr, err.pos,
                err.msg);
    }
    CHECK(e != NULL);
    if (!e) {
        return;
    }
    CHECK(c->description && strlen(c->description) > 10 && !strchr(c->description, '\n'));
    CHECK(c->xmin < c->xmax && c->ymin < c->ymax);
    CHECK(c->start[0] >= c->xmin && c->start[0] <= c->xmax);
    CHECK(c->start[1] >= c->ymin && c->start[1] <= c->ymax);
    CHECK(c->nminima >= 0 && c->nminima <= CATALOG_MAX_MINIMA);

    /* AD against finite differences at seeded random points of the domain */
    int bad = 0;
    for (int i = 0; i < 250; i++) {
        double x = c->xmin + (c->xmax - c->xmin) * util_rng_uniform(rng);
        double y = c->ymin + (c->ymax - c->ymin) * util_rng_uniform(rng);
        double g[2], fd[2];
        double v = expr_eval_grad(e, x, y, g);
        fd_grad(e, x, y, fd);
        CHECK(v == expr_eval(e, x, y));
        /* the floor covers FD rounding: eps * |f| / h, far below 1e-6 * (1 + |f|) */
        double floor = 1e-6 * (1 + fabs(v));
        for (int k = 0; k < 2; k++) {
            double scale = fmax(fmax(fabs(g[k]), fabs(fd[k])), floor);
            if (!(fabs(g[k] - fd[k]) <= 1e-6 * scale)) {
                if (bad++ < 3) {
                    fprintf(stderr, "%s at (%g, %g): d/d%c AD %.17g FD %.17g\n", c->name, x, y,
                            "xy"[k], g[k], fd[k]);
                }
            }
        }
    }
    CHECK(bad == 0);

    /* the start is not already a stationary point */
    double g[2];
    expr_eval_grad(e, c->start[0], c->start[1], g);
    CHECK(hypot(g[0], g[1]) > 1e-3);

    /* minima: inside the view, the literature value, zero gradient */
    int k = -1;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(known[i].name, c->name) == 0) {
            k = (int)i;
        }
    }
    CHECK(k >= 0 || c->nminima == 0);
    for (int m = 0; m < c->nminima; m++) {
        double x = c->minima[m][0], y = c->minima[m][1];
        CHECK(x >= c->xmin && x <= c->xmax && y >= c->ymin && y <= c->ymax);
        double v = expr_eval_grad(e, x, y, g);
        if (k >= 0) {
            CHECK_NEAR(v, known[k].fmin, known[k].tol);
        }
        if (!(hypot(g[0], g[1]) < 1e-9)) {
            fprintf(stderr, "%s: gradient at minimum %d = (%g, %g)\n", c->name, m, g[0], g[1]);
        }
        CHECK(hypot(g[0], g[1]) < 1e-9);
        /* a minimum, not a saddle: nearby points are higher */
        for (int d = 0; d < 8; d++) {
            double a = d * M_PI / 4;
            CHECK(expr_eval(e, x + 1e-3 * cos(a), y + 1e-3 * sin(a)) > v);
        }
    }
    /* log scale only where the function is non-negative: sample the domain */
    if (c->log_scale) {
        double lo = INFINITY;
        for (int i = 0; i <= 40; i++) {
            for (int j = 0; j <= 40; j++) {
                double x = c->xmin + (c->xmax - c->xmin) * i / 40.0;
                double y = c->ymin + (c->ymax - c->ymin) * j / 40.0;
                lo = fmin(lo, expr_eval(e, x, y));
            }
        }
        CHECK(lo >= 0);
    }
    expr_destroy(e);
}


static void test_glsl(void)
{
    size_t n = catalog_count();
    char **all = calloc(n, sizeof *all);
    for (size_t i = 0; i < n; i++) {
        struct expr *e = expr_compile(catalog_get(i)->expr, NULL);
        all[i] = e ? expr_glsl(e) : strdup("0.0");
        expr_destroy(e);
    }
    int valid = glslang_check(all, n);
    if (valid < 0) {
        printf("catalog: glslangValidator not installed, GLSL not compiled\n");
    } else {
        CHECK(valid == 0);
    }
    for (size_t i = 0; i < n; i++) {
        free(all[i]);
    }
    free(all);
}

static void test_lookup(void)
{
    size_t n = catalog_count();
    CHECK(n >= 13);
    const char *const *names = catalog_names();
    for (size_t i = 0; i < n; i++) {
        const struct catalog_entry *c = catalog_get(i);
        CHECK(c != NULL && c->name != NULL);
        CHECK(strcmp(names[i], c->name) == 0);
        CHECK(catalog_find(c->name) == c);
        for (size_t j = 0; j < i; j++) {
            CHECK(strcmp(catalog_get(j)->name, c->name) != 0);
        }
    }
    CHECK(catalog_get(n) == NULL);
    CHECK(catalog_find("rosenbrok") == NULL);
    CHECK(catalog_find("") == NULL);
    static const char *const required[] = {
        "bowl", "rosenbrock", "beale", "himmelblau", "saddle", "monkey_saddle", "rastrigin",
        "ackley", "booth", "goldstein_price", "six_hump_camel", "styblinski_tang", "banana",
    };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        CHECK(catalog_find(required[i]) != NULL);
    }
    const char *s = util_suggest("rosenbrok", names, n);
    CHECK(s && strcmp(s, "rosenbrock") == 0);

    /* spot checks of the documented facts */
    const struct catalog_entry *c = catalog_find("himmelblau");
    CHECK(c->nminima == 4);
    c = catalog_find("six_hump_camel");
    CHECK(c->nminima == 2);
    c = catalog_find("saddle");
    CHECK(c->nminima == 0);
    c = catalog_find("monkey_saddle");
    CHECK(c->nminima == 0);
    c = catalog_find("beale");
    CHECK(c->log_scale && c->start[0] == 3 && c->start[1] == 4);
    CHECK(c->minima[0][0] == 3 && c->minima[0][1] == 0.5);
    c = catalog_find("rosenbrock");
    CHECK(c->xmin == -2 && c->xmax == 2 && c->ymin == -1 && c->ymax == 3);
    CHECK(c->start[0] == -2 && c->start[1] == 2);
    c = catalog_find("banana");
    CHECK(strcmp(c->expr, "(1-x)^2 + 20*(3*y-x^2)^2") == 0);
    CHECK(c->start[0] == -1.21 && c->start[1] == 0.853);
    c = catalog_find("bowl");
    CHECK(strstr(c->description, "condition number") != NULL);
}

int main(void)
{
    test_lookup();
    test_glsl();
    struct util_rng rng;
    util_rng_seed(&rng, 42);
    for (size_t i = 0; i < catalog_count(); i++) {
        test_entry(catalog_get(i), &rng);
    }
    return check_done("catalog");
}

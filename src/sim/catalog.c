/* catalog.c: the built-in 2-D test functions. Each is one expression string (the single
 * definition the optimizers, the CPU renderer and the shaders share) plus view and minima. */
#include "sim/catalog.h"

#include <string.h>

#include "sim/i18n.h"

/* ======================================================================== entries */

/* Minima are given to full double precision (refined by Newton's method at 30 digits) so that
 * the gradient there is ~0 and the value is the literature minimum. Starts are chosen to make
 * a race interesting: away from the minima, inside the view. */
static const struct catalog_entry entries[] = {
    {
        .name = "bowl",
        .expr = "0.1*x^2 + 2*y^2",
        .xmin = -10, .xmax = 10, .ymin = -5, .ymax = 5,
        .start = {-8, 3},
        .nminima = 1, .minima = {{0, 0}},
        .log_scale = false,
        .description = N_("ill-conditioned quadratic bowl, condition number 20: plain SGD zig-zags"),
    },
    {
        .name = "rosenbrock",
        .expr = "(1-x)^2 + 100*(y-x^2)^2",
        .xmin = -2, .xmax = 2, .ymin = -1, .ymax = 3,
        .start = {-2, 2},
        .nminima = 1, .minima = {{1, 1}},
        .log_scale = true,
        .description = N_("Rosenbrock's banana valley: easy to reach the valley, slow along it; "
                       "minimum 0 at (1, 1)"),
    },
    {
        .name = "beale",
        .expr = "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
        .xmin = -4.5, .xmax = 4.5, .ymin = -4.5, .ymax = 4.5,
        .start = {3, 4},
        .nminima = 1, .minima = {{3, 0.5}},
        .log_scale = true,
        .description = N_("Beale: flat plateaus and steep walls spanning ten decades; minimum 0 at "
                       "(3, 0.5)"),
    },
    {
        .name = "himmelblau",
        .expr = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        .xmin = -5, .xmax = 5, .ymin = -5, .ymax = 5,
        .start = {0, 0},
        .nminima = 4,
        .minima = {{3, 2},
                   {-2.8051180869527449, 3.1313125182505730},
                   {-3.7793102533777469, -3.2831859912861694},
                   {3.5844283403304917, -1.8481265269644036}},
        .log_scale = true,
        .description = N_("Himmelblau: four equal minima (value 0); which one an optimizer finds "
                       "depends on its path"),
    },
    {
        .name = "saddle",
        .expr = "x^2 - y^2",
        .xmin = -2, .xmax = 2, .ymin = -2, .ymax = 2,
        .start = {-1.5, 0.05},
        .nminima = 0,
        .log_scale = false,
        .description = N_("saddle point at (0, 0), no minimum: how fast does each optimizer escape?"),
    },
    {
        .name = "monkey_saddle",
        .expr = "x^3 - 3*x*y^2",
        .xmin = -2, .xmax = 2, .ymin = -2, .ymax = 2,
        .start = {1.5, 0.2},
        .nminima = 0,
        .log_scale = false,
        .description = N_("monkey saddle: a flat degenerate saddle at (0, 0) (zero Hessian), "
                       "no minimum"),
    },
    {
        .name = "rastrigin",
        .expr = "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)",
        .xmin = -5.12, .xmax = 5.12, .ymin = -5.12, .ymax = 5.12,
        .start = {-2, 3.5},
        .nminima = 1, .minima = {{0, 0}},
        .log_scale = false,
        .description = N_("Rastrigin (A = 10): a bowl covered in regular local minima; global "
                       "minimum 0 at (0, 0)"),
    },
    {
        .name = "ackley",
        .expr = "-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y)))"
                " + e + 20",
        .xmin = -5, .xmax = 5, .ymin = -5, .ymax = 5,
        .start = {-4, 3.2},
        .nminima = 1, .minima = {{0, 0}},
        .log_scale = false,
        .description = N_("Ackley: a nearly flat, bumpy plain around one deep funnel; minimum 0 at "
                       "(0, 0)"),
    },
    {
        .name = "booth",
        .expr = "(x + 2*y - 7)^2 + (2*x + y - 5)^2",
        .xmin = -10, .xmax = 10, .ymin = -10, .ymax = 10,
        .start = {-8, -6},
        .nminima = 1, .minima = {{1, 3}},
        .log_scale = true,
        .description = N_("Booth: a tilted quadratic valley; minimum 0 at (1, 3)"),
    },
    {
        .name = "goldstein_price",
        .expr = "(1 + (x + y + 1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2))"
                " * (30 + (2*x - 3*y)^2*(18 - 32*x + 12*x^2 + 48*y - 36*x*y + 27*y^2))",
        .xmin = -2, .xmax = 2, .ymin = -2, .ymax = 2,
        .start = {-1.5, 1.5},
        .nminima = 1, .minima = {{0, -1}},
        .log_scale = true,
        .description = N_("Goldstein-Price: local minima (30, 84, 840) around the global one, "
                       "value 3 at (0, -1)"),
    },
    {
        .name = "six_hump_camel",
        .expr = "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2",
        .xmin = -2, .xmax = 2, .ymin = -1.5, .ymax = 1.5,
        .start = {-1.5, -1},
        .nminima = 2,
        .minima = {{0.089842013100318062, -0.71265640302073963},
                   {-0.089842013100318062, 0.71265640302073963}},
        .log_scale = false,
        .description = N_("six-hump camel: six minima, two of them global (value -1.0316)"),
    },
    {
        .name = "styblinski_tang",
        .expr = "0.5*(x^4 - 16*x^2 + 5*x + y^4 - 16*y^2 + 5*y)",
        .xmin = -5, .xmax = 5, .ymin = -5, .ymax = 5,
        .start = {-0.5, 4.5},
        .nminima = 1, .minima = {{-2.9035340277711771, -2.9035340277711771}},
        .log_scale = false,
        .description = N_("Styblinski-Tang: four basins, one global; minimum -78.332 at "
                       "(-2.9035, -2.9035)"),
    },
    {
        .name = "banana",
        .expr = "(1-x)^2 + 20*(3*y-x^2)^2",
        .xmin = -2, .xmax = 2, .ymin = -0.5, .ymax = 1.5,
        .start = {-1.21, 0.853},
        .nminima = 1, .minima = {{1, 1.0 / 3.0}},
        .log_scale = true,
        .description = N_("a gentler banana valley (as in Distill's momentum article); minimum 0 "
                       "at (1, 1/3)"),
    },
};

#define NENTRIES (sizeof entries / sizeof entries[0])

static const char *const names[NENTRIES] = {
    "bowl", "rosenbrock", "beale", "himmelblau", "saddle", "monkey_saddle", "rastrigin",
    "ackley", "booth", "goldstein_price", "six_hump_camel", "styblinski_tang", "banana",
};

/* ======================================================================== lookup */

size_t catalog_count(void)
{
    return NENTRIES;
}

const struct catalog_entry *catalog_get(size_t i)
{
    return i < NENTRIES ? &entries[i] : NULL;
}

const struct catalog_entry *catalog_find(const char *name)
{
    for (size_t i = 0; i < NENTRIES; i++) {
        if (strcmp(entries[i].name, name) == 0) {
            return &entries[i];
        }
    }
    return NULL;
}

const char *const *catalog_names(void)
{
    return names;
}

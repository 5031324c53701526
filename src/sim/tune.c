/* tune.c: the learning-rate search of tune.h: a log grid about each runner's own rate, golden
 * section about the best grid point, each candidate one deterministic run of the race. */
#include "sim/tune.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/util.h"

/* The rates a user may set ([ and ] keep to these, too). */
#define TUNE_LR_MIN 1e-12
#define TUNE_LR_MAX 1e6

double tune_objective(const struct race_runner *r)
{
    if (r->diverged && !r->escaped) {
        return INFINITY;
    }
    return r->loss;
}

void tune_run(struct race *race, int i, double lr, long steps)
{
    for (int j = 0; j < race->n; j++) {
        race->r[j].enabled = j == i;
    }
    race->r[i].params.lr = lr;
    race_reset(race, race->start);
    for (long k = 0; k < steps && !race->r[i].diverged; k++) {
        race_step_runner(race, i);
    }
}

/* v to 3 significant digits, as the double nearest to its shortest decimal. */
static double round3(double v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.3g", v);
    double r = strtod(buf, NULL);
    return r < TUNE_LR_MIN ? TUNE_LR_MIN : (r > TUNE_LR_MAX ? TUNE_LR_MAX : r);
}

/* The candidates tried for one runner, so that a rate met twice (rounding) runs once. */
struct search {
    struct race *race;
    int i;
    long steps;
    double lr[2 * TUNE_GRID_HALF + 1 + TUNE_GOLDEN + 48];   /* 48: the grid's extension */
    double j[2 * TUNE_GRID_HALF + 1 + TUNE_GOLDEN + 48];
    int n;
    double best_lr, best_j;         /* the best so far; ties keep the earlier */
    bool best_div;
    long best_div_step;
    bool (*stop)(void *ud);
    void *ud;
    bool stopped;
};

/* The objective at lr (run once, remembered), the best updated. */
static double eval(struct search *s, double lr)
{
    if (s->stopped) {
        return INFINITY;
    }
    for (int k = 0; k < s->n; k++) {
        if (s->lr[k] == lr) {
            return s->j[k];
        }
    }
    if (s->stop && s->stop(s->ud)) {
        s->stopped = true;
        return INFINITY;
    }
    tune_run(s->race, s->i, lr, s->steps);
    const struct race_runner *r = &s->race->r[s->i];
    double j = tune_objective(r);
    if (s->n < (int)(sizeof s->lr / sizeof s->lr[0])) {
        s->lr[s->n] = lr;
        s->j[s->n] = j;
        s->n++;
    }
    if (s->n == 1 || j < s->best_j) {
        s->best_lr = lr;
        s->best_j = j;
        s->best_div = r->diverged && !r->escaped;
        s->best_div_step = r->diverged_step;
    }
    return j;
}

static bool tune_one(struct race *race, int i, long steps, struct tune_result *out,
                     bool (*stop)(void *ud), void *ud)
{
    struct search *s = xcalloc(1, sizeof *s);
    *s = (struct search){.race = race, .i = i, .steps = steps, .stop = stop, .ud = ud};
    double lr0 = race->r[i].params.lr;
    /* The rate it has first: every other candidate must beat it, so tuning never loses. */
    eval(s, lr0);
    out->lr0 = lr0;
    out->loss0 = race->r[i].loss;
    out->diverged0 = race->r[i].diverged && !race->r[i].escaped;
    out->diverged_step0 = out->diverged0 ? race->r[i].diverged_step : 0;
    for (int k = -TUNE_GRID_HALF; k <= TUNE_GRID_HALF && !s->stopped; k++) {
        if (k != 0) {
            eval(s, round3(lr0 * pow(10.0, 0.5 * k)));
        }
    }
    /* Every rate of the grid diverges (sgd(lr=1e6)): go on down, half a decade at a time,
     * to the first that does not (or the smallest rate a user may set). */
    for (int k = -TUNE_GRID_HALF - 1; isinf(s->best_j) && s->best_j > 0 && !s->stopped; k--) {
        double lr = round3(lr0 * pow(10.0, 0.5 * k));
        eval(s, lr);
        if (lr <= TUNE_LR_MIN) {
            break;
        }
    }
    /* Golden section on log10(lr) between the best grid point's neighbours (half a decade
     * each side); a diverging side counts as +infinity, which pushes the bracket away. */
    const double g = 0.6180339887498949;
    double c0 = log10(s->best_lr);
    double a = c0 - 0.5, b = c0 + 0.5;
    double x1 = b - g * (b - a), x2 = a + g * (b - a);
    double f1 = eval(s, round3(pow(10.0, x1))), f2 = eval(s, round3(pow(10.0, x2)));
    for (int k = 2; k < TUNE_GOLDEN && !s->stopped; k++) {
        if (f1 <= f2) {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - g * (b - a);
            f1 = eval(s, round3(pow(10.0, x1)));
        } else {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + g * (b - a);
            f2 = eval(s, round3(pow(10.0, x2)));
        }
    }
    out->lr = s->best_lr;
    /* the best run's final loss: run it again (the race holds the last candidate's) */
    tune_run(race, i, s->best_lr, steps);
    out->loss = race->r[i].loss;
    out->diverged = s->best_div;
    out->diverged_step = s->best_div ? s->best_div_step : 0;
    out->runs = s->n + 1;
    race->r[i].params.lr = lr0;
    bool ok = !s->stopped;
    free(s);
    return ok;
}

bool tune_race(struct race *race, long steps, struct tune_result *out,
               bool (*stop)(void *ud), void *ud)
{
    bool ok = true;
    for (int i = 0; i < race->n && ok; i++) {
        ok = tune_one(race, i, steps, &out[i], stop, ud);
    }
    for (int j = 0; j < race->n; j++) {
        race->r[j].enabled = true;
    }
    race_reset(race, race->start);
    return ok;
}

/* race.c: several optimizers on one function from one start, stepped together, with bounded
 * trajectories and divergence detection. */
#include "sim/race.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/i18n.h"
#include "sim/settings.h"

/* A runner further than this many domain widths from the domain's centre has diverged: it will
 * not come back in any number of steps a user waits for, and it would only stretch the view. */
#define RACE_FAR_WIDTHS 50.0

/* ======================================================================== trajectory */

void traj_init(struct traj *t, size_t cap)
{
    memset(t, 0, sizeof *t);
    t->cap = cap < 16 ? 16 : cap;
    t->old = xmalloc(t->cap * sizeof *t->old);
    t->recent = xmalloc(TRAJ_RECENT * sizeof *t->recent);
    t->stride = 1;
}

void traj_finish(struct traj *t)
{
    free(t->old);
    free(t->recent);
    memset(t, 0, sizeof *t);
}

void traj_clear(struct traj *t)
{
    t->nold = 0;
    t->nrecent = 0;
    t->head = 0;
    t->stride = 1;
}

/* Moves a point evicted from the ring into the thinned history. */
static void traj_keep_old(struct traj *t, struct traj_point p)
{
    if (t->nold > 0 && p.step - t->old[t->nold - 1].step < t->stride) {
        return;
    }
    if (t->nold == t->cap) {
        /* Halve the history: keep every other point, double the spacing. */
        size_t k = 0;
        for (size_t i = 0; i < t->nold; i += 2) {
            t->old[k++] = t->old[i];
        }
        t->nold = k;
        t->stride *= 2;
        if (p.step - t->old[t->nold - 1].step < t->stride) {
            return;
        }
    }
    t->old[t->nold++] = p;
}

void traj_push(struct traj *t, struct traj_point p)
{
    if (t->nrecent < TRAJ_RECENT) {
        t->recent[(t->head + t->nrecent) % TRAJ_RECENT] = p;
        t->nrecent++;
        return;
    }
    traj_keep_old(t, t->recent[t->head]);
    t->recent[t->head] = p;
    t->head = (t->head + 1) % TRAJ_RECENT;
}

size_t traj_count(const struct traj *t)
{
    return t->nold + t->nrecent;
}

struct traj_point traj_get(const struct traj *t, size_t i)
{
    if (i < t->nold) {
        return t->old[i];
    }
    return t->recent[(t->head + (i - t->nold)) % TRAJ_RECENT];
}

struct traj_point traj_last(const struct traj *t)
{
    return traj_get(t, traj_count(t) - 1);
}

/* ======================================================================== race */

struct expr *race_objective_compile(const struct expr *f, double l1, double l2)
{
    /* The weights in the shortest text that reads back exactly, so the expression computes
     * with the very doubles the scene holds. Evaluated left to right, as torch adds the
     * penalties: ((f + l1*(|x|+|y|)) + l2*(x*x+y*y)). */
    const char *src = expr_source(f);
    size_t len = strlen(src) + 160;
    char *text = xmalloc(len);
    char w1[40], w2[40];
    setting_format_double(l1, w1, sizeof w1);
    setting_format_double(l2, w2, sizeof w2);
    int used = snprintf(text, len, "(%s)", src);
    if (l1 != 0.0) {
        used += snprintf(text + used, len - (size_t)used, " + %s*(abs(x) + abs(y))", w1);
    }
    if (l2 != 0.0) {
        snprintf(text + used, len - (size_t)used, " + %s*(x*x + y*y)", w2);
    }
    struct expr_error e;
    struct expr *obj = expr_compile(text, &e);
    assert(obj && "a compiled function plus finite weights compiles");
    free(text);
    return obj;
}

double race_objective(const struct race *race, double x, double y, double grad[2])
{
    double g[2];
    double v = expr_eval_grad(race->obj, x, y, g);
    if (grad) {
        grad[0] = g[0];
        grad[1] = g[1];
    }
    return v;
}

/* A number for a message, NaN and infinities in words. */
static const char *number_words(double v, char *buf, size_t len)
{
    if (isnan(v)) {
        snprintf(buf, len, "NaN");
    } else if (isinf(v)) {
        snprintf(buf, len, "%sinfinity", v < 0 ? "minus " : "");
    } else {
        snprintf(buf, len, "%.6g", v);
    }
    return buf;
}

bool race_start_ok(const struct expr *obj, const double start[2], char *err, size_t errlen)
{
    char x[32], y[32], a[32], b[32];
    snprintf(x, sizeof x, "%.6g", start[0]);
    snprintf(y, sizeof y, "%.6g", start[1]);
    double g[2];
    double v = expr_eval_grad(obj, start[0], start[1], g);
    if (!isfinite(v)) {
        snprintf(err, errlen, _("start (%s, %s): the objective is %s there; choose a start where "
                 "it is finite"), x, y, number_words(v, a, sizeof a));
        return false;
    }
    if (!isfinite(g[0]) || !isfinite(g[1])) {
        snprintf(err, errlen, _("start (%s, %s): the gradient is (%s, %s) there, not finite "
                 "(the objective is %.6g); choose another start"), x, y,
                 number_words(g[0], a, sizeof a), number_words(g[1], b, sizeof b), v);
        return false;
    }
    return true;
}

int race_exact_zeros(const struct race_runner *r)
{
    return (r->p[0] == 0.0) + (r->p[1] == 0.0);
}

/* Whether runner r takes the L1 term as its proximal step (and its gradient without it). */
static bool runner_proximal(const struct race *race, const struct race_runner *r)
{
    return race->smooth && optim_proximal(r->params.kind);
}

/* The objective at (x, y) and, into grad, the gradient runner r steps on (see its grad). */
static double runner_eval(const struct race *race, const struct race_runner *r, double x,
                          double y, double grad[2])
{
    if (!runner_proximal(race, r)) {
        return race_objective(race, x, y, grad);
    }
    expr_eval_grad(race->smooth, x, y, grad);
    return race_objective(race, x, y, NULL);
}

static void runner_restart(struct race *race, int i)
{
    struct race_runner *r = &race->r[i];
    optim_state_reset(&r->params, r->state);
    r->p[0] = race->start[0];
    r->p[1] = race->start[1];
    r->loss = runner_eval(race, r, r->p[0], r->p[1], r->grad);
    r->lr = sched_lr(optim_schedule(&r->params, &race->sched), r->params.lr, 0);
    r->step = 0;
    r->diverged = false;
    r->escaped = false;
    r->diverged_step = 0;
    traj_clear(&r->traj);
    traj_push(&r->traj, (struct traj_point){r->p[0], r->p[1], r->loss, 0, r->lr});
    /* Each runner's noise stream depends only on the seed and its index. */
    util_rng_seed(&race->rng[i], race->seed * 1000003ULL + (unsigned long long)i);
}

void race_init(struct race *race, const struct race_desc *desc)
{
    memset(race, 0, sizeof *race);
    race->f = desc->f;
    race->obj = desc->obj;
    if (!race->obj) {
        race->own_obj = race_objective_compile(desc->f, desc->l1, desc->l2);
        race->obj = race->own_obj;
    }
    race->xmin = desc->xmin;
    race->xmax = desc->xmax;
    race->ymin = desc->ymin;
    race->ymax = desc->ymax;
    if (desc->sched) {
        race->sched = *desc->sched;
    } else {
        sched_default(&race->sched);
    }
    race->l1 = desc->l1;
    race->l2 = desc->l2;
    race->noise = desc->noise;
    race->seed = desc->seed;
    race->start[0] = desc->start[0];
    race->start[1] = desc->start[1];
    race->n = desc->n < RACE_MAX ? desc->n : RACE_MAX;
    bool proximal = false;
    for (int i = 0; i < race->n; i++) {
        proximal = proximal || optim_proximal(desc->params[i].kind);
    }
    if (proximal && desc->l1 != 0.0) {
        race->smooth = race_objective_compile(desc->f, 0.0, desc->l2);
    }
    size_t cap = desc->traj_cap ? desc->traj_cap : 4096;
    for (int i = 0; i < race->n; i++) {
        struct race_runner *r = &race->r[i];
        r->params = desc->params[i];
        r->state = optim_state_create(&r->params, 2);
        optim_format(&r->params, r->label, sizeof r->label);
        r->enabled = true;
        traj_init(&r->traj, cap);
        runner_restart(race, i);
    }
}

void race_finish(struct race *race)
{
    for (int i = 0; i < race->n; i++) {
        optim_state_destroy(race->r[i].state);
        traj_finish(&race->r[i].traj);
    }
    race->n = 0;
    expr_destroy(race->own_obj);
    race->own_obj = NULL;
    expr_destroy(race->smooth);
    race->smooth = NULL;
    race->obj = NULL;
}

void race_reset(struct race *race, const double start[2])
{
    race->start[0] = start[0];
    race->start[1] = start[1];
    for (int i = 0; i < race->n; i++) {
        runner_restart(race, i);
    }
}

static bool far_away(const struct race *race, double x, double y)
{
    double cx = 0.5 * (race->xmin + race->xmax), cy = 0.5 * (race->ymin + race->ymax);
    double w = race->xmax - race->xmin, h = race->ymax - race->ymin;
    return fabs(x - cx) > RACE_FAR_WIDTHS * w || fabs(y - cy) > RACE_FAR_WIDTHS * h;
}

bool race_step_runner(struct race *race, int i)
{
    struct race_runner *r = &race->r[i];
    if (!r->enabled || r->diverged) {
        return false;
    }
    double lr = sched_lr(optim_schedule(&r->params, &race->sched), r->params.lr, r->step);
    double g[2] = {r->grad[0], r->grad[1]};
    if (race->noise > 0.0) {
        g[0] += race->noise * util_rng_normal(&race->rng[i]);
        g[1] += race->noise * util_rng_normal(&race->rng[i]);
    }
    double p[2] = {r->p[0], r->p[1]};
    optim_step(&r->params, r->state, lr, p, g);
    if (runner_proximal(race, r)) {
        optim_prox_l1(p, 2, lr * race->l1);
    }
    double grad[2];
    double loss = runner_eval(race, r, p[0], p[1], grad);
    if (!isfinite(p[0]) || !isfinite(p[1]) || !isfinite(loss) || !isfinite(grad[0]) ||
        !isfinite(grad[1]) || far_away(race, p[0], p[1])) {
        /* Stay at the last finite point: renderers and traces never see the bad one. */
        r->diverged = true;
        r->diverged_step = r->step + 1;
        double g0[2];
        double f0 = race_objective(race, race->start[0], race->start[1], g0);
        r->escaped = isfinite(r->loss) && isfinite(f0) && r->loss < f0;
        return true;
    }
    r->p[0] = p[0];
    r->p[1] = p[1];
    r->grad[0] = grad[0];
    r->grad[1] = grad[1];
    r->loss = loss;
    r->lr = lr;
    r->step++;
    traj_push(&r->traj, (struct traj_point){p[0], p[1], loss, r->step, lr});
    return false;
}

unsigned race_step(struct race *race)
{
    unsigned mask = 0;
    for (int i = 0; i < race->n; i++) {
        if (race_step_runner(race, i)) {
            mask |= 1u << i;
        }
    }
    return mask;
}

void race_run(struct race *race, long *done, long target, FILE *log, const char *prefix)
{
    for (; *done < target && race_active(race) > 0; (*done)++) {
        unsigned diverged = race_step(race);
        for (int i = 0; log && diverged && i < race->n; i++) {
            const struct race_runner *r = &race->r[i];
            if (!(diverged & (1u << i))) {
                continue;
            }
            if (r->escaped) {
                fprintf(log, "%s: %s left the view going downhill at step %ld (the function "
                        "falls without bound there)\n", prefix, r->label, r->diverged_step);
            } else {
                fprintf(log, "%s: %s diverged at step %ld\n", prefix, r->label,
                        r->diverged_step);
            }
        }
    }
}

int race_active(const struct race *race)
{
    int n = 0;
    for (int i = 0; i < race->n; i++) {
        n += race->r[i].enabled && !race->r[i].diverged;
    }
    return n;
}

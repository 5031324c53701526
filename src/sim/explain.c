/* explain.c: one optimizer step taken apart for the explain mode and `trace --state`: torch's
 * state names, the parts of the update, its formula with the numbers, Hessian and stability. */
#include "sim/explain.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/i18n.h"
#include "sim/util.h"

/* ======================================================================== state columns */

static const char *const col_names[EXPLAIN_NCOLS] = {
    "momentum_buffer_x", "momentum_buffer_y", "sum_x", "sum_y", "square_avg_x", "square_avg_y",
    "acc_delta_x", "acc_delta_y", "grad_avg_x", "grad_avg_y", "exp_avg_x", "exp_avg_y",
    "exp_avg_sq_x", "exp_avg_sq_y", "max_exp_avg_sq_x", "max_exp_avg_sq_y", "exp_inf_x",
    "exp_inf_y", "mu_product",
};

const char *explain_col_name(enum explain_col c)
{
    return c >= 0 && c < EXPLAIN_NCOLS ? col_names[c] : "";
}

/* Column pair `col` (its _x) from state slot `slot`. */
static void put_pair(const struct optim_state *s, int slot, enum explain_col col,
                     double val[], bool has[])
{
    val[col] = s->slot[slot][0];
    val[col + 1] = s->slot[slot][1];
    has[col] = has[col + 1] = true;
}

void explain_state(const struct optim_params *p, const struct optim_state *s,
                   double val[EXPLAIN_NCOLS], bool has[EXPLAIN_NCOLS])
{
    for (int c = 0; c < EXPLAIN_NCOLS; c++) {
        val[c] = 0.0;
        has[c] = false;
    }
    if (s->n < 2) {
        return;
    }
    if (s->t == 0) {
        /* torch makes its state at the first step, except Adagrad's sum, made with the
         * optimizer (full of initial_accumulator_value) */
        if (p->kind == OPTIM_ADAGRAD) {
            put_pair(s, 0, EXPLAIN_SUM_X, val, has);
        }
        return;
    }
    /* the slots optim.c keeps per kind (slot_count there) */
    switch (p->kind) {
    case OPTIM_SGD:
    case OPTIM_MOMENTUM:
    case OPTIM_NAG:
        if (p->momentum != 0 && s->slot[0]) {
            put_pair(s, 0, EXPLAIN_MOMENTUM_BUFFER_X, val, has);
        }
        break;
    case OPTIM_ADAGRAD:
        put_pair(s, 0, EXPLAIN_SUM_X, val, has);
        break;
    case OPTIM_ADADELTA:
        put_pair(s, 0, EXPLAIN_SQUARE_AVG_X, val, has);
        put_pair(s, 1, EXPLAIN_ACC_DELTA_X, val, has);
        break;
    case OPTIM_RMSPROP:
        put_pair(s, 0, EXPLAIN_SQUARE_AVG_X, val, has);
        if (p->centered) {
            put_pair(s, 1, EXPLAIN_GRAD_AVG_X, val, has);
        }
        if (p->momentum > 0) {
            put_pair(s, 2, EXPLAIN_MOMENTUM_BUFFER_X, val, has);
        }
        break;
    case OPTIM_ADAM:
    case OPTIM_ADAMW:
        put_pair(s, 0, EXPLAIN_EXP_AVG_X, val, has);
        put_pair(s, 1, EXPLAIN_EXP_AVG_SQ_X, val, has);
        if (p->amsgrad) {
            put_pair(s, 2, EXPLAIN_MAX_EXP_AVG_SQ_X, val, has);
        }
        break;
    case OPTIM_NADAM:
        put_pair(s, 0, EXPLAIN_EXP_AVG_X, val, has);
        put_pair(s, 1, EXPLAIN_EXP_AVG_SQ_X, val, has);
        val[EXPLAIN_MU_PRODUCT] = s->mu_product;
        has[EXPLAIN_MU_PRODUCT] = true;
        break;
    case OPTIM_ADAMAX:
        put_pair(s, 0, EXPLAIN_EXP_AVG_X, val, has);
        put_pair(s, 1, EXPLAIN_EXP_INF_X, val, has);
        break;
    case OPTIM_ISTA:
    case OPTIM_COUNT:
        break;
    }
}

/* ======================================================================== Hessian */

void explain_eigen(const double h[3], double lam[2], double vec[2][2])
{
    double a = h[0], b = h[1], c = h[2];
    double m = 0.5 * (a + c), r = hypot(0.5 * (a - c), b);
    lam[0] = m - r;
    lam[1] = m + r;
    double vx, vy;   /* the eigenvector of lam[1] */
    if (b != 0.0) {
        /* (lam1 - c, b) or (b, lam1 - a): the better conditioned of the two */
        if (fabs(lam[1] - c) >= fabs(lam[1] - a)) {
            vx = lam[1] - c;
            vy = b;
        } else {
            vx = b;
            vy = lam[1] - a;
        }
        double n = hypot(vx, vy);
        vx /= n;
        vy /= n;
    } else if (a >= c) {
        vx = 1.0;
        vy = 0.0;
    } else {
        vx = 0.0;
        vy = 1.0;
    }
    vec[1][0] = vx;
    vec[1][1] = vy;
    vec[0][0] = -vy;
    vec[0][1] = vx;
}

bool explain_lr_bound(const struct optim_params *p, double lam_max, double *bound)
{
    double lam = lam_max;
    if (p->kind == OPTIM_SGD || p->kind == OPTIM_MOMENTUM || p->kind == OPTIM_NAG ||
        p->kind == OPTIM_ISTA) {
        lam += p->weight_decay;   /* d = g + wd x: curvature wd more */
    }
    if (!(lam > 0.0) || !isfinite(lam)) {
        return false;
    }
    double mu = p->momentum;
    switch (p->kind) {
    case OPTIM_SGD:
    case OPTIM_ISTA:
        *bound = 2.0 / lam;
        return true;
    case OPTIM_MOMENTUM:
        if (mu == 0.0) {
            *bound = 2.0 / lam;
            return true;
        }
        if (p->dampening >= 1.0) {
            return false;
        }
        /* x' = x - lr b', b' = mu b + (1-dampening) lam x: eigenvalue -1 at
         * lr (1-dampening) lam = 2 (1 + mu) */
        *bound = 2.0 * (1.0 + mu) / ((1.0 - p->dampening) * lam);
        return true;
    case OPTIM_NAG:
        /* b' = mu b + lam x, x' = x - lr (lam x + mu b'): the characteristic polynomial
         * z^2 - (1+mu)(1-h) z + mu (1-h), h = lr lam, has z = -1 at h = 2(1+mu)/(1+2mu) */
        *bound = 2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * lam);
        return true;
    default:
        return false;
    }
}

/* ======================================================================== one step */

/* "(1.234, -5.678)" for a pair. */
static const char *pr(char *buf, size_t n, double a, double b)
{
    snprintf(buf, n, "(%.4g, %.4g)", a, b);
    return buf;
}

static void line(struct explain *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line(struct explain *e, const char *fmt, ...)
{
    if (e->nlines >= EXPLAIN_LINES) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->line[e->nlines++], sizeof e->line[0], fmt, ap);
    va_end(ap);
}

static double dot(const double a[2], const double b[2])
{
    return a[0] * b[0] + a[1] * b[1];
}

/* A copy of state s (same kind, n = 2). */
static struct optim_state *state_copy(const struct optim_params *p, const struct optim_state *s)
{
    struct optim_state *c = optim_state_create(p, s->n);
    c->t = s->t;
    c->mu_product = s->mu_product;
    for (int k = 0; k < 4; k++) {
        if (s->slot[k]) {
            memcpy(c->slot[k], s->slot[k], s->n * sizeof(double));
        }
    }
    return c;
}

/* The formula lines per optimizer; pre is the state before the step, post after. */
static void formula(struct explain *e, const struct optim_params *p,
                    const struct optim_state *pre, const struct optim_state *post)
{
    char a[64], b[64], c[64];
    double t = (double)post->t;
    const double *g = e->g, *d = e->d, *x = e->p, *xn = e->p_next;
    bool wd = p->weight_decay != 0 && p->kind != OPTIM_ADAMW;
    if (wd) {
        line(e, "g = %s, + weight_decay\xC2\xB7x = %s", pr(a, 64, g[0], g[1]),
             pr(b, 64, d[0], d[1]));
    } else {
        line(e, "g = \xE2\x88\x87" "f = %s", pr(a, 64, g[0], g[1]));
    }
    switch (p->kind) {
    case OPTIM_SGD:
    case OPTIM_MOMENTUM:
    case OPTIM_NAG:
        if (p->momentum == 0) {
            line(e, "x \xE2\x86\x90 x \xE2\x88\x92 lr\xC2\xB7g = %s \xE2\x88\x92 %.4g\xC2\xB7%s",
                 pr(a, 64, x[0], x[1]), e->lr, pr(b, 64, d[0], d[1]));
            break;
        }
        if (pre->t == 0) {
            line(e, "buf \xE2\x86\x90 g (first step) = %s",
                 pr(a, 64, post->slot[0][0], post->slot[0][1]));
        } else {
            line(e, "buf \xE2\x86\x90 %.4g\xC2\xB7" "buf + %.4g\xC2\xB7g = %.4g\xC2\xB7%s + "
                 "%.4g\xC2\xB7g", p->momentum, 1 - p->dampening, p->momentum,
                 pr(a, 64, pre->slot[0][0], pre->slot[0][1]), 1 - p->dampening);
            line(e, "    = %s", pr(a, 64, post->slot[0][0], post->slot[0][1]));
        }
        if (p->kind == OPTIM_NAG) {
            line(e, "look-ahead x \xE2\x88\x92 lr\xC2\xB7\xCE\xBC\xC2\xB7" "buf = %s",
                 pr(a, 64, e->lookahead[0], e->lookahead[1]));
            line(e, "x \xE2\x86\x90 x \xE2\x88\x92 lr\xC2\xB7(g + \xCE\xBC\xC2\xB7" "buf), "
                 "lr = %.4g, \xCE\xBC = %.4g", e->lr, p->momentum);
        } else {
            line(e, "x \xE2\x86\x90 x \xE2\x88\x92 lr\xC2\xB7" "buf, lr = %.4g", e->lr);
        }
        break;
    case OPTIM_ADAGRAD: {
        double clr = e->lr / (1 + (t - 1) * p->lr_decay);
        double s0 = post->slot[0][0], s1 = post->slot[0][1];
        line(e, "sum \xE2\x86\x90 sum + g\xC2\xB2 = %s", pr(a, 64, s0, s1));
        line(e, "clr = lr/(1+(t\xE2\x88\x92" "1)\xC2\xB7lr_decay) = %.4g", clr);
        line(e, "x \xE2\x86\x90 x \xE2\x88\x92 clr\xC2\xB7g/(\xE2\x88\x9A" "sum + eps), "
             "denominators %s", pr(b, 64, sqrt(s0) + p->eps, sqrt(s1) + p->eps));
        break;
    }
    case OPTIM_ADADELTA: {
        line(e, "square_avg \xE2\x86\x90 %.4g\xC2\xB7v + %.4g\xC2\xB7g\xC2\xB2 = %s", p->rho,
             1 - p->rho, pr(a, 64, post->slot[0][0], post->slot[0][1]));
        double dl[2];
        for (int k = 0; k < 2; k++) {
            dl[k] = sqrt(pre->slot[1][k] + p->eps) / sqrt(post->slot[0][k] + p->eps) * d[k];
        }
        line(e, "\xCE\x94 = \xE2\x88\x9A(acc_delta+eps)/\xE2\x88\x9A(square_avg+eps)\xC2\xB7g "
             "= %s", pr(a, 64, dl[0], dl[1]));
        line(e, "acc_delta \xE2\x86\x90 %.4g\xC2\xB7u + %.4g\xC2\xB7\xCE\x94\xC2\xB2 = %s",
             p->rho, 1 - p->rho, pr(b, 64, post->slot[1][0], post->slot[1][1]));
        line(e, "x \xE2\x86\x90 x \xE2\x88\x92 lr\xC2\xB7\xCE\x94, lr = %.4g", e->lr);
        break;
    }
    case OPTIM_RMSPROP: {
        line(e, "square_avg \xE2\x86\x90 %.4g\xC2\xB7v + %.4g\xC2\xB7g\xC2\xB2 = %s", p->alpha,
             1 - p->alpha, pr(a, 64, post->slot[0][0], post->slot[0][1]));
        double den[2];
        for (int k = 0; k < 2; k++) {
            double v = post->slot[0][k];
            den[k] = (p->centered ? sqrt(v + -1.0 * post->slot[1][k] * post->slot[1][k])
                                  : sqrt(v)) + p->eps;
        }
        if (p->centered) {
            line(e, "grad_avg \xE2\x86\x90 %.4g\xC2\xB7ga + %.4g\xC2\xB7g = %s", p->alpha,
                 1 - p->alpha, pr(a, 64, post->slot[1][0], post->slot[1][1]));
            line(e, "denom = \xE2\x88\x9A(v \xE2\x88\x92 ga\xC2\xB2) + eps = %s",
                 pr(b, 64, den[0], den[1]));
        } else {
            line(e, "denom = \xE2\x88\x9Av + eps = %s", pr(b, 64, den[0], den[1]));
        }
        if (p->momentum > 0) {
            line(e, "buf \xE2\x86\x90 %.4g\xC2\xB7" "buf + g/denom = %s", p->momentum,
                 pr(c, 64, post->slot[2][0], post->slot[2][1]));
            line(e, "x \xE2\x86\x90 x \xE2\x88\x92 lr\xC2\xB7" "buf, lr = %.4g", e->lr);
        } else {
            line(e, "x \xE2\x86\x90 x \xE2\x88\x92 lr\xC2\xB7g/denom, lr = %.4g", e->lr);
        }
        break;
    }
    case OPTIM_ADAM:
    case OPTIM_ADAMW: {
        if (p->kind == OPTIM_ADAMW) {
            line(e, "x \xE2\x86\x90 x\xC2\xB7(1 \xE2\x88\x92 lr\xC2\xB7weight_decay) = x\xC2\xB7"
                 "%.6g", 1 - e->lr * p->weight_decay);
        }
        line(e, "m \xE2\x86\x90 %.4g\xC2\xB7m + %.4g\xC2\xB7g = %s", p->beta1, 1 - p->beta1,
             pr(a, 64, post->slot[0][0], post->slot[0][1]));
        line(e, "v \xE2\x86\x90 %.4g\xC2\xB7v + %.4g\xC2\xB7g\xC2\xB2 = %s", p->beta2,
             1 - p->beta2, pr(a, 64, post->slot[1][0], post->slot[1][1]));
        const double *vh = post->slot[1];
        if (p->amsgrad) {
            line(e, "v_max \xE2\x86\x90 max(v_max, v) = %s",
                 pr(a, 64, post->slot[2][0], post->slot[2][1]));
            vh = post->slot[2];
        }
        double bc1 = 1 - pow(p->beta1, t), bc2 = 1 - pow(p->beta2, t);
        line(e, "bias corrections 1\xE2\x88\x92\xCE\xB2\xE2\x82\x81^t = %.4g, "
             "1\xE2\x88\x92\xCE\xB2\xE2\x82\x82^t = %.4g (t = %.0f)", bc1, bc2, t);
        line(e, "denom = \xE2\x88\x9A%s/\xE2\x88\x9A(1\xE2\x88\x92\xCE\xB2\xE2\x82\x82^t) + eps "
             "= %s", p->amsgrad ? "v_max" : "v",
             pr(b, 64, sqrt(vh[0]) / sqrt(bc2) + p->eps, sqrt(vh[1]) / sqrt(bc2) + p->eps));
        line(e, "x \xE2\x86\x90 x \xE2\x88\x92 lr/(1\xE2\x88\x92\xCE\xB2\xE2\x82\x81^t)\xC2\xB7"
             "m/denom, lr/(1\xE2\x88\x92\xCE\xB2\xE2\x82\x81^t) = %.4g", e->lr / bc1);
        break;
    }
    case OPTIM_NADAM: {
        double mu = p->beta1 * (1. - 0.5 * pow(0.96, t * p->momentum_decay));
        double mun = p->beta1 * (1. - 0.5 * pow(0.96, (t + 1) * p->momentum_decay));
        line(e, "\xCE\xBC_t = \xCE\xB2\xE2\x82\x81(1 \xE2\x88\x92 0.96^(t\xC2\xB7\xCF\x88)/2) = "
             "%.4g, \xCE\xBC_t+1 = %.4g, mu_product = %.4g", mu, mun, post->mu_product);
        line(e, "m \xE2\x86\x90 %.4g\xC2\xB7m + %.4g\xC2\xB7g = %s", p->beta1, 1 - p->beta1,
             pr(a, 64, post->slot[0][0], post->slot[0][1]));
        line(e, "v \xE2\x86\x90 %.4g\xC2\xB7v + %.4g\xC2\xB7g\xC2\xB2 = %s", p->beta2,
             1 - p->beta2, pr(a, 64, post->slot[1][0], post->slot[1][1]));
        double bc2 = 1 - pow(p->beta2, t);
        line(e, "denom = \xE2\x88\x9A(v/(1\xE2\x88\x92\xCE\xB2\xE2\x82\x82^t)) + eps = %s",
             pr(b, 64, sqrt(post->slot[1][0] / bc2) + p->eps,
                sqrt(post->slot[1][1] / bc2) + p->eps));
        line(e, "x \xE2\x86\x90 x \xE2\x88\x92 %.4g\xC2\xB7g/denom \xE2\x88\x92 %.4g\xC2\xB7"
             "m/denom", e->lr * (1. - mu) / (1. - post->mu_product),
             e->lr * mun / (1. - post->mu_product * mun));
        break;
    }
    case OPTIM_ADAMAX: {
        double bc1 = 1 - pow(p->beta1, t);
        line(e, "m \xE2\x86\x90 %.4g\xC2\xB7m + %.4g\xC2\xB7g = %s", p->beta1, 1 - p->beta1,
             pr(a, 64, post->slot[0][0], post->slot[0][1]));
        line(e, "exp_inf \xE2\x86\x90 max(%.4g\xC2\xB7u, |g| + eps) = %s", p->beta2,
             pr(a, 64, post->slot[1][0], post->slot[1][1]));
        line(e, "x \xE2\x86\x90 x \xE2\x88\x92 lr/(1\xE2\x88\x92\xCE\xB2\xE2\x82\x81^t)\xC2\xB7"
             "m/exp_inf, lr/(1\xE2\x88\x92\xCE\xB2\xE2\x82\x81^t) = %.4g", e->lr / bc1);
        break;
    }
    case OPTIM_ISTA:
        line(e, "z = x \xE2\x88\x92 lr\xC2\xB7g = %s",
             pr(a, 64, x[0] - e->lr * d[0], x[1] - e->lr * d[1]));
        line(e, "x \xE2\x86\x90 softshrink(z, lr\xC2\xB7l1 = %.4g)", e->prox_t);
        break;
    case OPTIM_COUNT:
        break;
    }
    line(e, "step %s: x = %s \xE2\x86\x92 %s", pr(a, 64, e->step_taken[0], e->step_taken[1]),
         pr(b, 64, x[0], x[1]), pr(c, 64, xn[0], xn[1]));
}

bool explain_adam_family(enum optim_kind kind)
{
    return kind == OPTIM_ADAM || kind == OPTIM_ADAMW || kind == OPTIM_NADAM ||
           kind == OPTIM_ADAMAX;
}

/* The one plain sentence. */
static void sentence(struct explain *e)
{
    char *s = e->sentence;
    size_t n = sizeof e->sentence;
    double len = hypot(e->step_taken[0], e->step_taken[1]);
    double gl = hypot(e->neg_grad[0], e->neg_grad[1]);
    bool uphill = dot(e->step_taken, e->g) > 0.0;
    if (e->prox && (e->p_next[0] == 0.0 || e->p_next[1] == 0.0)) {
        snprintf(s, n, _("The gradient step came within lr\xC2\xB7l1 of zero, so the "
                 "soft-threshold set a coordinate to exactly 0."));
    } else if (uphill && e->has_momentum) {
        snprintf(s, n, _("The step goes uphill: the velocity carried it past the valley floor "
                 "against the gradient."));
    } else if (uphill) {
        snprintf(s, n, _("The step goes uphill: it overshot the valley floor."));
    } else if (e->adaptive) {
        int big = fabs(e->scale[0]) >= fabs(e->scale[1]) ? 0 : 1;
        snprintf(s, n, _("Each coordinate was scaled by its own denominator: x \xC3\x97%.3g, "
                 "y \xC3\x97%.3g. %s, with the smaller past gradients, got the relatively "
                 "bigger step, so the step turns away from %s."), e->scale[0], e->scale[1],
                 big ? "y" : "x",
                 explain_adam_family(e->kind) ? "\xE2\x88\x92m\xCC\x82" : "\xE2\x88\x92g");
    } else if (e->has_momentum) {
        double ml = hypot(e->momentum[0], e->momentum[1]);
        if (ml > gl) {
            snprintf(s, n, _("The velocity set most of this step (%.3g of it against the "
                     "gradient's %.3g): it keeps going where it was going."), ml, gl);
        } else {
            snprintf(s, n, _("The gradient set most of this step; the velocity (%.3g) adds to "
                     "it and builds up."), ml);
        }
    } else {
        snprintf(s, n, _("A step of lr\xC2\xB7|g| = %.3g straight downhill."), len);
    }
    if (e->has_bound && e->lr > e->bound) {
        size_t k = strlen(s);
        snprintf(s + k, n - k, _(" lr %.3g > bound %.3g: it will oscillate and grow."), e->lr,
                 e->bound);
    }
}

bool explain_next(const struct race *race, int i, struct explain *out)
{
    const struct race_runner *r = &race->r[i];
    if (i < 0 || i >= race->n || !r->enabled || r->diverged) {
        return false;
    }
    memset(out, 0, sizeof *out);
    const struct optim_params *p = &r->params;
    struct explain *e = out;
    e->kind = p->kind;
    e->step = r->step + 1;
    e->lr = sched_lr(optim_schedule(p, &race->sched), p->lr, r->step);
    e->p[0] = r->p[0];
    e->p[1] = r->p[1];
    /* the noise race_step_runner will draw, from a copy of the stream */
    e->g[0] = r->grad[0];
    e->g[1] = r->grad[1];
    if (race->noise > 0.0) {
        struct util_rng rng = race->rng[i];
        e->g[0] += race->noise * util_rng_normal(&rng);
        e->g[1] += race->noise * util_rng_normal(&rng);
    }
    bool wd = p->weight_decay != 0 && p->kind != OPTIM_ADAMW && p->kind != OPTIM_ISTA;
    for (int k = 0; k < 2; k++) {
        e->d[k] = wd ? e->g[k] + p->weight_decay * e->p[k] : e->g[k];
        e->neg_grad[k] = -e->lr * e->d[k];
    }
    struct optim_state *post = state_copy(p, r->state);
    double xn[2] = {e->p[0], e->p[1]};
    optim_step(p, post, e->lr, xn, e->g);
    e->prox = optim_proximal(p->kind) && race->smooth;
    if (e->prox) {
        e->prox_t = e->lr * race->l1;
        optim_prox_l1(xn, 2, e->prox_t);
    }
    e->p_next[0] = xn[0];
    e->p_next[1] = xn[1];
    e->step_taken[0] = xn[0] - e->p[0];
    e->step_taken[1] = xn[1] - e->p[1];
    explain_state(p, post, e->val, e->has);

    const struct optim_state *pre = r->state;
    switch (p->kind) {
    case OPTIM_MOMENTUM:
        if (p->momentum != 0 && pre->t > 0) {
            e->has_momentum = true;
            for (int k = 0; k < 2; k++) {
                e->momentum[k] = -e->lr * p->momentum * pre->slot[0][k];
            }
        }
        break;
    case OPTIM_NAG:
        if (p->momentum != 0) {
            e->has_momentum = e->has_lookahead = true;
            for (int k = 0; k < 2; k++) {
                e->momentum[k] = -e->lr * p->momentum * post->slot[0][k];
                e->lookahead[k] = e->p[k] + e->momentum[k];
            }
        }
        break;
    case OPTIM_ADAGRAD:
    case OPTIM_ADADELTA:
    case OPTIM_RMSPROP:
        e->adaptive = true;
        if (p->kind == OPTIM_RMSPROP && p->momentum > 0 && pre->t > 0) {
            e->has_momentum = true;
            for (int k = 0; k < 2; k++) {
                e->momentum[k] = -e->lr * p->momentum * pre->slot[2][k];
            }
        }
        for (int k = 0; k < 2; k++) {
            if (e->has_momentum) {
                /* rmsprop's buf = momentum buf + g/denom: the gradient's part is scaled by
                 * 1/denom, the momentum part added unscaled */
                double v = post->slot[0][k];
                double den = (p->centered ? sqrt(v + -1.0 * post->slot[1][k] * post->slot[1][k])
                                          : sqrt(v)) + p->eps;
                e->scale[k] = 1.0 / den;
            } else {
                e->scale[k] = e->neg_grad[k] != 0 ? e->step_taken[k] / e->neg_grad[k] : 0.0;
            }
        }
        break;
    case OPTIM_ADAM:
    case OPTIM_ADAMW:
    case OPTIM_NADAM:
    case OPTIM_ADAMAX: {
        e->adaptive = e->has_momentum = true;
        double bc1 = 1 - pow(p->beta1, (double)post->t);
        for (int k = 0; k < 2; k++) {
            /* the bias-corrected first moment as a plain step: what the scaling stretches */
            e->momentum[k] = -e->lr * post->slot[0][k] / bc1;
            e->scale[k] = e->momentum[k] != 0 ? e->step_taken[k] / e->momentum[k] : 0.0;
        }
        break;
    }
    default:
        break;
    }
    double g2[2];
    expr_eval_hess(race->obj, e->p[0], e->p[1], g2, e->hess);
    explain_eigen(e->hess, e->lam, e->vec);
    e->has_bound = explain_lr_bound(p, e->lam[1], &e->bound);
    formula(e, p, pre, post);
    sentence(e);
    optim_state_destroy(post);
    return true;
}

/* optim.c: the ten optimizers of torch.optim 1.13 (single-tensor code paths) and ISTA (an SGD
 * step, then torch's softshrink), their specs, labels and state. One element kernel serves both
 * the double and the float32 step. */
#include "sim/optim.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/i18n.h"
#include "sim/settings.h"
#include "sim/util.h"

/* ======================================================================== names */

static const char *const kind_descriptions[OPTIM_COUNT] = {
    [OPTIM_SGD] = N_("plain gradient descent: x -= lr * g"),
    [OPTIM_MOMENTUM] = N_("SGD with heavy-ball momentum: a velocity that remembers past gradients"),
    [OPTIM_NAG] = N_("SGD with Nesterov momentum: looks ahead along the velocity"),
    [OPTIM_ADAGRAD] = N_("per-coordinate steps shrunk by the sum of all squared gradients"),
    [OPTIM_ADADELTA] = N_("Adagrad with decaying averages and unit-matched steps (lr=1 by default)"),
    [OPTIM_RMSPROP] = N_("steps divided by a running RMS of the gradient (optionally centered)"),
    [OPTIM_ADAM] = N_("momentum plus RMSProp scaling, with bias correction (amsgrad optional)"),
    [OPTIM_ADAMW] = N_("Adam with weight decay applied to the weights, decoupled from the gradient"),
    [OPTIM_NADAM] = N_("Adam with Nesterov momentum and a momentum schedule (momentum_decay)"),
    [OPTIM_ADAMAX] = N_("Adam with the infinity norm in place of the RMS"),
    [OPTIM_ISTA] = (N_("proximal gradient: an sgd step on f (+ L2), then soft-thresholding by "
                    "lr * l1: exact zeros")),
};

const char *optim_name(enum optim_kind kind)
{
    assert(kind >= 0 && kind < OPTIM_COUNT);
    return settings_optim()->kinds[kind];
}

const char *const *optim_names(void)
{
    return settings_optim()->kinds;
}

const char *optim_description(enum optim_kind kind)
{
    assert(kind >= 0 && kind < OPTIM_COUNT);
    return _(kind_descriptions[kind]);
}

bool optim_kind_from_name(const char *name, enum optim_kind *out)
{
    int k = setting_kind(settings_optim(), name);
    if (k >= 0) {
        *out = (enum optim_kind)k;
    }
    return k >= 0;
}

/* ======================================================================== defaults, specs */

/* Keys, ranges and torch's defaults per kind are the rows of settings_optim(). */
void optim_defaults(enum optim_kind kind, struct optim_params *out)
{
    assert(kind >= 0 && kind < OPTIM_COUNT);
    setting_defaults(settings_optim(), kind, out);
}

const struct sched *optim_schedule(const struct optim_params *p, const struct sched *fallback)
{
    return p->has_sched ? &p->sched : fallback;
}

bool optim_parse(const char *spec, struct optim_params *out, char *err, size_t errlen)
{
    return setting_parse_spec(settings_optim(), spec, out, err, errlen);
}

int optim_format(const struct optim_params *p, char *buf, size_t len)
{
    return setting_format_spec(settings_optim(), p, buf, len);
}

/* ======================================================================== state */

/* The state and its slot vectors in one block: the header first, then slots * n doubles. */
struct state_block {
    struct optim_state s;
    double data[];
};

/* How many n-vectors of state each optimizer keeps (torch's state tensors). */
static int slot_count(const struct optim_params *p)
{
    switch (p->kind) {
    case OPTIM_SGD: return 0;
    case OPTIM_ISTA: return 0;
    case OPTIM_MOMENTUM:
    case OPTIM_NAG: return 1;         /* momentum_buffer */
    case OPTIM_ADAGRAD: return 1;     /* sum */
    case OPTIM_ADADELTA: return 2;    /* square_avg, acc_delta */
    case OPTIM_RMSPROP: return 3;     /* square_avg, grad_avg, momentum_buffer */
    case OPTIM_ADAM:
    case OPTIM_ADAMW: return 3;       /* exp_avg, exp_avg_sq, max_exp_avg_sq */
    case OPTIM_NADAM: return 2;       /* exp_avg, exp_avg_sq (mu_product is a scalar) */
    case OPTIM_ADAMAX: return 2;      /* exp_avg, exp_inf */
    case OPTIM_COUNT: break;
    }
    return 0;
}

struct optim_state *optim_state_create(const struct optim_params *p, size_t n)
{
    int slots = slot_count(p);
    struct state_block *b = xmalloc(sizeof *b + (size_t)slots * n * sizeof(double));
    b->s.n = n;
    for (int i = 0; i < 4; i++) {
        b->s.slot[i] = i < slots ? b->data + (size_t)i * n : NULL;
    }
    optim_state_reset(p, &b->s);
    return &b->s;
}

void optim_state_reset(const struct optim_params *p, struct optim_state *s)
{
    s->t = 0;
    s->mu_product = 1.0;   /* torch: state['mu_product'] = torch.tensor(1.) */
    int slots = slot_count(p);
    for (int i = 0; i < slots; i++) {
        for (size_t j = 0; j < s->n; j++) {
            s->slot[i][j] = 0.0;
        }
    }
    if (p->kind == OPTIM_ADAGRAD) {
        /* torch: state['sum'] = torch.full_like(p, initial_accumulator_value) */
        for (size_t j = 0; j < s->n; j++) {
            s->slot[0][j] = p->initial_accumulator_value;
        }
    }
}

void optim_state_destroy(struct optim_state *s)
{
    /* s is the first member of its block, so this frees the block. */
    free(s);
}

/* ======================================================================== step */

/* Per-step scalars, computed once before the element loop: bias corrections and step sizes
 * that torch computes per tensor from state['step']. */
struct coef {
    double lr;
    bool first;           /* first step: sgd's momentum buffer starts as a copy of d_p */
    double clr;           /* adagrad lr/(1+(step-1)*lr_decay); adamax lr/(1-beta1^step) */
    double step_size;     /* adam, adamw: lr / (1 - beta1^step) */
    double bc2_sqrt;      /* adam, adamw: sqrt(1 - beta2^step) */
    double bc2;           /* nadam: 1 - beta2^step */
    double mu, mu_next;   /* nadam momentum cache */
    double mu_product_next;
};

static void begin_step(const struct optim_params *p, struct optim_state *s, double lr,
                       struct coef *c)
{
    c->lr = lr;
    c->first = s->t == 0;
    s->t++;
    double step = (double)s->t;   /* torch keeps step as a float tensor; .item() -> float */
    switch (p->kind) {
    case OPTIM_ADAGRAD:
        c->clr = lr / (1 + (step - 1) * p->lr_decay);
        break;
    case OPTIM_ADAM:
    case OPTIM_ADAMW:
        c->step_size = lr / (1 - pow(p->beta1, step));
        c->bc2_sqrt = sqrt(1 - pow(p->beta2, step));
        break;
    case OPTIM_NADAM:
        c->bc2 = 1 - pow(p->beta2, step);
        c->mu = p->beta1 * (1. - 0.5 * pow(0.96, step * p->momentum_decay));
        c->mu_next = p->beta1 * (1. - 0.5 * pow(0.96, (step + 1) * p->momentum_decay));
        s->mu_product *= c->mu;
        c->mu_product_next = s->mu_product * c->mu * c->mu_next;
        break;
    case OPTIM_ADAMAX:
        c->clr = lr / (1 - pow(p->beta1, step));
        break;
    default:
        break;
    }
}

/* torch.maximum and torch.amax: NaN wins, so a diverged run stays visibly diverged (fmax
 * would drop the NaN). */
static inline double max_nan(double a, double b)
{
    return isnan(a) || a > b ? a : b;
}

/* One parameter's update: x is param[i] (read and written), g its gradient. Each case follows
 * torch's _single_tensor_* code operation by operation, so rounding agrees: torch's
 * a.add_(b, alpha=v) is a + v*b, a.addcmul_(b, c, value=v) is a + v*b*c, and
 * a.addcdiv_(b, c, value=v) is a + v*b/c, all evaluated left to right. */
static inline double update(const struct optim_params *p, struct optim_state *s,
                            const struct coef *c, size_t i, double x, double g)
{
    switch (p->kind) {
    case OPTIM_SGD:
    case OPTIM_MOMENTUM:
    case OPTIM_NAG: {
        /* SGD: d = g + wd*x; buf = d (first step) else momentum*buf + (1-dampening)*d;
         * d = d + momentum*buf (nesterov) or d = buf; x = x - lr*d. */
        double d = g;
        if (p->weight_decay != 0) {
            d = d + p->weight_decay * x;
        }
        if (p->momentum != 0) {
            double *buf = &s->slot[0][i];
            if (c->first) {
                *buf = d;
            } else {
                *buf = *buf * p->momentum;
                *buf = *buf + (1 - p->dampening) * d;
            }
            d = p->kind == OPTIM_NAG ? d + p->momentum * *buf : *buf;
        }
        return x + -c->lr * d;
    }
    case OPTIM_ADAGRAD: {
        /* Adagrad: g += wd*x; sum += g*g; x -= clr * g / (sqrt(sum) + eps),
         * clr = lr / (1 + (step-1)*lr_decay). */
        if (p->weight_decay != 0) {
            g = g + p->weight_decay * x;
        }
        double *sum = &s->slot[0][i];
        *sum = *sum + 1.0 * g * g;
        double std = sqrt(*sum) + p->eps;
        return x + -c->clr * g / std;
    }
    case OPTIM_ADADELTA: {
        /* Adadelta: g += wd*x; v = rho*v + (1-rho)*g^2;
         * delta = sqrt(u + eps) / sqrt(v + eps) * g; u = rho*u + (1-rho)*delta^2;
         * x -= lr*delta. */
        if (p->weight_decay != 0) {
            g = g + p->weight_decay * x;
        }
        double *sq = &s->slot[0][i], *acc = &s->slot[1][i];
        *sq = *sq * p->rho;
        *sq = *sq + (1 - p->rho) * g * g;
        double std = sqrt(*sq + p->eps);
        double delta = sqrt(*acc + p->eps) / std * g;
        *acc = *acc * p->rho;
        *acc = *acc + (1 - p->rho) * delta * delta;
        return x + -c->lr * delta;
    }
    case OPTIM_RMSPROP: {
        /* RMSprop: g += wd*x; v = alpha*v + (1-alpha)*g^2;
         * centered: ga = alpha*ga + (1-alpha)*g, avg = sqrt(v - ga^2) + eps,
         * else avg = sqrt(v) + eps; momentum > 0: buf = momentum*buf + g/avg, x -= lr*buf;
         * else x -= lr * g/avg. */
        if (p->weight_decay != 0) {
            g = g + p->weight_decay * x;
        }
        double *sq = &s->slot[0][i];
        *sq = *sq * p->alpha;
        *sq = *sq + (1 - p->alpha) * g * g;
        double avg;
        if (p->centered) {
            double *ga = &s->slot[1][i];
            *ga = *ga * p->alpha;
            *ga = *ga + (1 - p->alpha) * g;
            avg = sqrt(*sq + -1.0 * *ga * *ga);
        } else {
            avg = sqrt(*sq);
        }
        avg = avg + p->eps;
        if (p->momentum > 0) {
            double *buf = &s->slot[2][i];
            *buf = *buf * p->momentum;
            *buf = *buf + 1.0 * g / avg;
            return x + -c->lr * *buf;
        }
        return x + -c->lr * g / avg;
    }
    case OPTIM_ADAM:
    case OPTIM_ADAMW: {
        /* Adam: g += wd*x; AdamW instead: x *= 1 - lr*wd. Then m = b1*m + (1-b1)*g;
         * v = b2*v + (1-b2)*g^2; vmax = max(vmax, v) with amsgrad;
         * x -= lr/(1-b1^t) * m / (sqrt(v or vmax)/sqrt(1-b2^t) + eps). */
        if (p->kind == OPTIM_ADAMW) {
            x = x * (1 - c->lr * p->weight_decay);
        } else if (p->weight_decay != 0) {
            g = g + p->weight_decay * x;
        }
        double *m = &s->slot[0][i], *v = &s->slot[1][i];
        *m = *m * p->beta1;
        *m = *m + (1 - p->beta1) * g;
        *v = *v * p->beta2;
        *v = *v + (1 - p->beta2) * g * g;
        double vhat = *v;
        if (p->amsgrad) {
            double *vmax = &s->slot[2][i];
            *vmax = max_nan(*vmax, *v);
            vhat = *vmax;
        }
        double denom = sqrt(vhat) / c->bc2_sqrt + p->eps;
        return x + -c->step_size * *m / denom;
    }
    case OPTIM_NADAM: {
        /* NAdam: g += wd*x; mu_t = b1*(1 - 0.5*0.96^(t*momentum_decay)); m, v as Adam;
         * denom = sqrt(v/(1-b2^t)) + eps;
         * x -= lr*(1-mu_t)/(1-prod mu) * g/denom + lr*mu_{t+1}/(1-prod mu * mu_{t+1}) * m/denom
         * (torch's mu_product_next is mu_product*mu*mu_next, which we follow). */
        if (p->weight_decay != 0) {
            g = g + p->weight_decay * x;
        }
        double *m = &s->slot[0][i], *v = &s->slot[1][i];
        *m = *m * p->beta1;
        *m = *m + (1 - p->beta1) * g;
        *v = *v * p->beta2;
        *v = *v + (1 - p->beta2) * g * g;
        double denom = sqrt(*v / c->bc2) + p->eps;
        x = x + -c->lr * (1. - c->mu) / (1. - s->mu_product) * g / denom;
        return x + -c->lr * c->mu_next / (1. - c->mu_product_next) * *m / denom;
    }
    case OPTIM_ISTA:
        /* ISTA's gradient step: x = x - lr*g on the smooth part (the L1 term follows as
         * optim_prox_l1), as torch's SGD with momentum 0 computes it. */
        return x + -c->lr * g;
    case OPTIM_ADAMAX: {
        /* Adamax: g += wd*x; m = b1*m + (1-b1)*g; u = max(b2*u, |g| + eps);
         * x -= lr/(1-b1^t) * m/u. */
        if (p->weight_decay != 0) {
            g = g + p->weight_decay * x;
        }
        double *m = &s->slot[0][i], *u = &s->slot[1][i];
        *m = *m * p->beta1;
        *m = *m + (1 - p->beta1) * g;
        *u = max_nan(*u * p->beta2, fabs(g) + p->eps);
        return x + -c->clr * *m / *u;
    }
    case OPTIM_COUNT:
        break;
    }
    return x;
}

void optim_step(const struct optim_params *p, struct optim_state *s, double lr,
                double *param, const double *grad)
{
    struct coef c;
    begin_step(p, s, lr, &c);
    for (size_t i = 0; i < s->n; i++) {
        param[i] = update(p, s, &c, i, param[i], grad[i]);
    }
}

void optim_step_f32(const struct optim_params *p, struct optim_state *s, double lr,
                    float *param, const float *grad)
{
    struct coef c;
    begin_step(p, s, lr, &c);
    for (size_t i = 0; i < s->n; i++) {
        param[i] = (float)update(p, s, &c, i, param[i], grad[i]);
    }
}

void optim_metric_lr(const struct optim_params *p, const struct optim_state *s, double lr,
                     float *out)
{
    double t = (double)(s->t > 0 ? s->t : 1);
    const double *s0 = s->slot[0], *s1 = s->slot[1], *s2 = s->slot[2];
    for (size_t i = 0; i < s->n; i++) {
        double d = 1.0;   /* the denominator */
        switch (p->kind) {
        case OPTIM_ADAGRAD:
            d = (1 + (t - 1) * p->lr_decay) * (sqrt(s0[i]) + p->eps);
            break;
        case OPTIM_ADADELTA:
            d = sqrt(s0[i] + p->eps) / sqrt(s1[i] + p->eps);
            break;
        case OPTIM_RMSPROP:
            d = (p->centered ? sqrt(s0[i] - s1[i] * s1[i]) : sqrt(s0[i])) + p->eps;
            break;
        case OPTIM_ADAM:
        case OPTIM_ADAMW:
            d = sqrt((p->amsgrad ? s2[i] : s1[i]) / (1 - pow(p->beta2, t))) + p->eps;
            break;
        case OPTIM_NADAM:
            d = sqrt(s1[i] / (1 - pow(p->beta2, t))) + p->eps;
            break;
        case OPTIM_ADAMAX:
            d = s1[i] > 0 ? s1[i] : 1.0;
            break;
        default:
            break;
        }
        out[i] = (float)(lr / d);
    }
}

bool optim_proximal(enum optim_kind kind)
{
    return kind == OPTIM_ISTA;
}

void optim_prox_l1(double *param, size_t n, double t)
{
    assert(t >= 0);
    /* torch.nn.functional.softshrink(x, t), element by element */
    for (size_t i = 0; i < n; i++) {
        double x = param[i];
        param[i] = x > t ? x - t : x < -t ? x + t : 0.0;
    }
}

bool optim_velocity(const struct optim_params *p, const struct optim_state *s, double out[2])
{
    bool has = false;
    switch (p->kind) {
    case OPTIM_MOMENTUM:
    case OPTIM_NAG:
        has = p->momentum != 0;
        break;
    case OPTIM_ADAM:
    case OPTIM_ADAMW:
    case OPTIM_NADAM:
    case OPTIM_ADAMAX:
        has = true;
        break;
    default:
        break;
    }
    if (!has || s->n < 2) {
        out[0] = out[1] = 0.0;
        return false;
    }
    out[0] = s->slot[0][0];
    out[1] = s->slot[0][1];
    return true;
}

/* optim.c: the ten optimizers of torch.optim 1.13 (single-tensor code paths), their specs,
 * labels and state. One element kernel serves both the double and the float32 step. */
#include "sim/optim.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/spec.h"
#include "sim/util.h"

/* ======================================================================== names */

static const char *const kind_names[OPTIM_COUNT] = {
    [OPTIM_SGD] = "sgd",         [OPTIM_MOMENTUM] = "momentum", [OPTIM_NAG] = "nag",
    [OPTIM_ADAGRAD] = "adagrad", [OPTIM_ADADELTA] = "adadelta", [OPTIM_RMSPROP] = "rmsprop",
    [OPTIM_ADAM] = "adam",       [OPTIM_ADAMW] = "adamw",       [OPTIM_NADAM] = "nadam",
    [OPTIM_ADAMAX] = "adamax",
};

static const char *const kind_descriptions[OPTIM_COUNT] = {
    [OPTIM_SGD] = "plain gradient descent: x -= lr * g",
    [OPTIM_MOMENTUM] = "SGD with heavy-ball momentum: a velocity that remembers past gradients",
    [OPTIM_NAG] = "SGD with Nesterov momentum: looks ahead along the velocity",
    [OPTIM_ADAGRAD] = "per-coordinate steps shrunk by the sum of all squared gradients",
    [OPTIM_ADADELTA] = "Adagrad with decaying averages and unit-matched steps (lr=1 by default)",
    [OPTIM_RMSPROP] = "steps divided by a running RMS of the gradient (optionally centered)",
    [OPTIM_ADAM] = "momentum plus RMSProp scaling, with bias correction (amsgrad optional)",
    [OPTIM_ADAMW] = "Adam with weight decay applied to the weights, decoupled from the gradient",
    [OPTIM_NADAM] = "Adam with Nesterov momentum and a momentum schedule (momentum_decay)",
    [OPTIM_ADAMAX] = "Adam with the infinity norm in place of the RMS",
};

const char *optim_name(enum optim_kind kind)
{
    assert(kind >= 0 && kind < OPTIM_COUNT);
    return kind_names[kind];
}

const char *const *optim_names(void)
{
    return kind_names;
}

const char *optim_description(enum optim_kind kind)
{
    assert(kind >= 0 && kind < OPTIM_COUNT);
    return kind_descriptions[kind];
}

bool optim_kind_from_name(const char *name, enum optim_kind *out)
{
    for (int k = 0; k < OPTIM_COUNT; k++) {
        if (strcmp(name, kind_names[k]) == 0) {
            *out = (enum optim_kind)k;
            return true;
        }
    }
    return false;
}

/* ======================================================================== defaults */

void optim_defaults(enum optim_kind kind, struct optim_params *out)
{
    assert(kind >= 0 && kind < OPTIM_COUNT);
    /* Zero for everything torch defaults to zero or False; betas and eps as in Adam. */
    *out = (struct optim_params){
        .kind = kind,
        .beta1 = 0.9,
        .beta2 = 0.999,
        .eps = 1e-8,
    };
    switch (kind) {
    case OPTIM_SGD:
        /* torch.optim.SGD has no default lr (it is required); 0.01 is Keras' SGD default. */
        out->lr = 0.01;
        break;
    case OPTIM_MOMENTUM:
    case OPTIM_NAG:
        out->lr = 0.01;
        out->momentum = 0.9;
        break;
    case OPTIM_ADAGRAD:
        out->lr = 1e-2;
        out->eps = 1e-10;
        break;
    case OPTIM_ADADELTA:
        out->lr = 1.0;
        out->rho = 0.9;
        out->eps = 1e-6;
        break;
    case OPTIM_RMSPROP:
        out->lr = 1e-2;
        out->alpha = 0.99;
        break;
    case OPTIM_ADAM:
        out->lr = 1e-3;
        break;
    case OPTIM_ADAMW:
        out->lr = 1e-3;
        out->weight_decay = 1e-2;
        break;
    case OPTIM_NADAM:
        out->lr = 2e-3;
        out->momentum_decay = 4e-3;
        break;
    case OPTIM_ADAMAX:
        out->lr = 2e-3;
        break;
    case OPTIM_COUNT:
        break;
    }
}

/* ======================================================================== keys */

/* Every hyperparameter key, in the order labels print them. */
enum key {
    KEY_LR,
    KEY_MOMENTUM,
    KEY_DAMPENING,
    KEY_WEIGHT_DECAY,
    KEY_LR_DECAY,
    KEY_INITIAL_ACCUMULATOR_VALUE,
    KEY_EPS,
    KEY_RHO,
    KEY_ALPHA,
    KEY_CENTERED,
    KEY_BETA1,
    KEY_BETA2,
    KEY_AMSGRAD,
    KEY_MOMENTUM_DECAY,
    KEY_COUNT
};

static const char *const key_names[KEY_COUNT] = {
    "lr", "momentum", "dampening", "weight_decay", "lr_decay", "initial_accumulator_value",
    "eps", "rho", "alpha", "centered", "beta1", "beta2", "amsgrad", "momentum_decay",
};

#define K(k) (1u << (k))
/* Which keys each optimizer takes. sgd is momentum-free by definition (use `momentum`), and
 * nag has no dampening because torch requires zero dampening for nesterov. */
static const unsigned kind_keys[OPTIM_COUNT] = {
    [OPTIM_SGD] = K(KEY_LR) | K(KEY_WEIGHT_DECAY),
    [OPTIM_MOMENTUM] = K(KEY_LR) | K(KEY_MOMENTUM) | K(KEY_DAMPENING) | K(KEY_WEIGHT_DECAY),
    [OPTIM_NAG] = K(KEY_LR) | K(KEY_MOMENTUM) | K(KEY_WEIGHT_DECAY),
    [OPTIM_ADAGRAD] = K(KEY_LR) | K(KEY_LR_DECAY) | K(KEY_WEIGHT_DECAY)
                      | K(KEY_INITIAL_ACCUMULATOR_VALUE) | K(KEY_EPS),
    [OPTIM_ADADELTA] = K(KEY_LR) | K(KEY_RHO) | K(KEY_EPS) | K(KEY_WEIGHT_DECAY),
    [OPTIM_RMSPROP] = K(KEY_LR) | K(KEY_ALPHA) | K(KEY_EPS) | K(KEY_WEIGHT_DECAY)
                      | K(KEY_MOMENTUM) | K(KEY_CENTERED),
    [OPTIM_ADAM] = K(KEY_LR) | K(KEY_BETA1) | K(KEY_BETA2) | K(KEY_EPS) | K(KEY_WEIGHT_DECAY)
                   | K(KEY_AMSGRAD),
    [OPTIM_ADAMW] = K(KEY_LR) | K(KEY_BETA1) | K(KEY_BETA2) | K(KEY_EPS) | K(KEY_WEIGHT_DECAY)
                    | K(KEY_AMSGRAD),
    [OPTIM_NADAM] = K(KEY_LR) | K(KEY_BETA1) | K(KEY_BETA2) | K(KEY_EPS) | K(KEY_WEIGHT_DECAY)
                    | K(KEY_MOMENTUM_DECAY),
    [OPTIM_ADAMAX] = K(KEY_LR) | K(KEY_BETA1) | K(KEY_BETA2) | K(KEY_EPS) | K(KEY_WEIGHT_DECAY),
};
#undef K

static bool key_is_bool(enum key k)
{
    return k == KEY_CENTERED || k == KEY_AMSGRAD;
}

static double *key_double(struct optim_params *p, enum key k)
{
    switch (k) {
    case KEY_LR: return &p->lr;
    case KEY_MOMENTUM: return &p->momentum;
    case KEY_DAMPENING: return &p->dampening;
    case KEY_WEIGHT_DECAY: return &p->weight_decay;
    case KEY_LR_DECAY: return &p->lr_decay;
    case KEY_INITIAL_ACCUMULATOR_VALUE: return &p->initial_accumulator_value;
    case KEY_EPS: return &p->eps;
    case KEY_RHO: return &p->rho;
    case KEY_ALPHA: return &p->alpha;
    case KEY_BETA1: return &p->beta1;
    case KEY_BETA2: return &p->beta2;
    case KEY_MOMENTUM_DECAY: return &p->momentum_decay;
    default: return NULL;
    }
}

static bool *key_bool(struct optim_params *p, enum key k)
{
    return k == KEY_CENTERED ? &p->centered : k == KEY_AMSGRAD ? &p->amsgrad : NULL;
}

/* The range a value must lie in, as text for the message; NULL when it is fine. Ranges follow
 * torch's checks, tightened where torch accepts nonsense (lr = 0, momentum >= 1). */
static const char *key_range_error(enum optim_kind kind, enum key k, double v)
{
    switch (k) {
    case KEY_LR:
        return v > 0 ? NULL : "must be > 0";
    case KEY_MOMENTUM:
        if (kind == OPTIM_NAG) {
            return v > 0 && v < 1 ? NULL : "must be in (0, 1) for nesterov";
        }
        return v >= 0 && v < 1 ? NULL : "must be in [0, 1)";
    case KEY_DAMPENING:
        return v >= 0 && v <= 1 ? NULL : "must be in [0, 1]";
    case KEY_RHO:
    case KEY_ALPHA:
    case KEY_BETA1:
    case KEY_BETA2:
        return v >= 0 && v < 1 ? NULL : "must be in [0, 1)";
    default:
        /* weight_decay, lr_decay, initial_accumulator_value, eps, momentum_decay */
        return v >= 0 ? NULL : "must be >= 0";
    }
}

/* Names the keys an optimizer takes, "lr, beta1, ...", into buf. */
static void list_keys(enum optim_kind kind, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < KEY_COUNT; k++) {
        if ((kind_keys[kind] & (1u << k)) && used < len) {
            int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", key_names[k]);
            used += w > 0 ? (size_t)w : 0;
        }
    }
}

/* ======================================================================== parse, format */

bool optim_parse(const char *spec, struct optim_params *out, char *err, size_t errlen)
{
    struct spec sp;
    if (!spec_parse(spec, &sp, err, errlen)) {
        return false;
    }
    enum optim_kind kind;
    if (!optim_kind_from_name(sp.name, &kind)) {
        snprintf(err, errlen, "unknown optimizer '%s'", sp.name);
        util_append_suggestion(err, errlen, sp.name, kind_names, OPTIM_COUNT);
        return false;
    }
    struct optim_params p;
    optim_defaults(kind, &p);
    for (int i = 0; i < sp.nargs; i++) {
        const struct spec_arg *a = &sp.args[i];
        int k = 0;
        while (k < KEY_COUNT && strcmp(a->key, key_names[k]) != 0) {
            k++;
        }
        if (k == KEY_COUNT || !(kind_keys[kind] & (1u << k))) {
            /* Suggest among the keys this optimizer takes, so `adam(momentum=...)` points
             * nowhere wrong and `adam(lr_=...)` points to lr. */
            const char *valid[KEY_COUNT];
            size_t nvalid = 0;
            for (int j = 0; j < KEY_COUNT; j++) {
                if (kind_keys[kind] & (1u << j)) {
                    valid[nvalid++] = key_names[j];
                }
            }
            char keys[256];
            list_keys(kind, keys, sizeof keys);
            if (k == KEY_COUNT) {
                snprintf(err, errlen, "%s: unknown parameter '%s'", sp.name, a->key);
            } else if (kind == OPTIM_SGD && k == KEY_MOMENTUM) {
                snprintf(err, errlen, "sgd: parameter 'momentum' does not apply to sgd (it has "
                         "none; use momentum(...) or nag(...))");
            } else if (kind == OPTIM_NAG && k == KEY_DAMPENING) {
                snprintf(err, errlen, "nag: parameter 'dampening' does not apply to nag "
                         "(Nesterov momentum needs zero dampening)");
            } else {
                snprintf(err, errlen, "%s: parameter '%s' does not apply to %s", sp.name,
                         a->key, sp.name);
            }
            util_append_suggestion(err, errlen, a->key, valid, nvalid);
            size_t used = strlen(err);
            if (used < errlen) {
                snprintf(err + used, errlen - used, "; %s takes: %s", sp.name, keys);
            }
            return false;
        }
        if (key_is_bool((enum key)k)) {
            if (!spec_parse_bool(a->value, key_bool(&p, (enum key)k))) {
                snprintf(err, errlen, "%s: %s must be true or false, not '%s'", sp.name, a->key,
                         a->value);
                return false;
            }
            continue;
        }
        double v;
        if (!util_parse_double(a->value, &v)) {
            snprintf(err, errlen, "%s: %s must be a finite number, not '%s'", sp.name, a->key,
                     a->value);
            return false;
        }
        const char *why = key_range_error(kind, (enum key)k, v);
        if (why) {
            snprintf(err, errlen, "%s: invalid %s=%s (%s)", sp.name, a->key, a->value, why);
            return false;
        }
        *key_double(&p, (enum key)k) = v;
    }
    *out = p;
    return true;
}

/* The shortest of %.15g..%.17g that reads back as the same double. */
static void format_double(double v, char *buf, size_t len)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) {
            return;
        }
    }
}

int optim_format(const struct optim_params *p, char *buf, size_t len)
{
    struct optim_params def;
    optim_defaults(p->kind, &def);
    struct optim_params cur = *p;
    char out[512];
    size_t used = 0;
    int nargs = 0;
    used += (size_t)snprintf(out, sizeof out, "%s", kind_names[p->kind]);
    for (int k = 0; k < KEY_COUNT; k++) {
        if (!(kind_keys[p->kind] & (1u << k))) {
            continue;
        }
        char value[40];
        if (key_is_bool((enum key)k)) {
            bool v = *key_bool(&cur, (enum key)k);
            if (v == *key_bool(&def, (enum key)k)) {
                continue;
            }
            snprintf(value, sizeof value, "%s", v ? "true" : "false");
        } else {
            double v = *key_double(&cur, (enum key)k);
            if (v == *key_double(&def, (enum key)k)) {
                continue;
            }
            format_double(v, value, sizeof value);
        }
        /* At most 14 keys of < 40 characters each: out cannot overflow. */
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s=%s",
                                 nargs ? "," : "(", key_names[k], value);
        nargs++;
    }
    if (nargs) {
        snprintf(out + used, sizeof out - used, ")");
    }
    return snprintf(buf, len, "%s", out);
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

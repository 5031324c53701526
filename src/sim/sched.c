/* sched.c: learning-rate schedules in closed form, equal (to rounding) to torch 1.13's
 * StepLR, ExponentialLR, CosineAnnealingLR, LambdaLR and a LinearLR warmup chained before them. */
#include "sim/sched.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/spec.h"
#include "sim/util.h"

/* ======================================================================== names */

static const char *const kind_names[SCHED_COUNT] = {
    [SCHED_CONSTANT] = "constant",
    [SCHED_STEP] = "step",
    [SCHED_EXPONENTIAL] = "exponential",
    [SCHED_COSINE] = "cosine",
    [SCHED_INVERSE_TIME] = "inverse_time",
};

static const char *const kind_descriptions[SCHED_COUNT] = {
    [SCHED_CONSTANT] = "the base lr at every step",
    [SCHED_STEP] = "lr * gamma^(k / step_size): drops by gamma (0.1) every step_size steps",
    [SCHED_EXPONENTIAL] = "lr * gamma^k: a smooth geometric decay",
    [SCHED_COSINE] = "eta_min + (lr - eta_min) * (1 + cos(pi k / t_max)) / 2: half a cosine",
    [SCHED_INVERSE_TIME] = "lr / (1 + decay * k): Keras' legacy `decay` argument",
};

const char *sched_name(enum sched_kind kind)
{
    assert(kind >= 0 && kind < SCHED_COUNT);
    return kind_names[kind];
}

const char *const *sched_names(void)
{
    return kind_names;
}

const char *sched_description(enum sched_kind kind)
{
    assert(kind >= 0 && kind < SCHED_COUNT);
    return kind_descriptions[kind];
}

void sched_default(struct sched *out)
{
    *out = (struct sched){.kind = SCHED_CONSTANT, .gamma = 0.1};
}

/* ======================================================================== keys */

enum key { KEY_STEP_SIZE, KEY_GAMMA, KEY_T_MAX, KEY_ETA_MIN, KEY_DECAY, KEY_WARMUP, KEY_COUNT };

static const char *const key_names[KEY_COUNT] = {
    "step_size", "gamma", "t_max", "eta_min", "decay", "warmup",
};

#define K(k) (1u << (k))
static const unsigned kind_keys[SCHED_COUNT] = {
    [SCHED_CONSTANT] = K(KEY_WARMUP),
    [SCHED_STEP] = K(KEY_STEP_SIZE) | K(KEY_GAMMA) | K(KEY_WARMUP),
    [SCHED_EXPONENTIAL] = K(KEY_GAMMA) | K(KEY_WARMUP),
    [SCHED_COSINE] = K(KEY_T_MAX) | K(KEY_ETA_MIN) | K(KEY_WARMUP),
    [SCHED_INVERSE_TIME] = K(KEY_DECAY) | K(KEY_WARMUP),
};
/* Keys without a default, as in torch (StepLR's step_size, ExponentialLR's gamma, ...). */
static const unsigned kind_required[SCHED_COUNT] = {
    [SCHED_STEP] = K(KEY_STEP_SIZE),
    [SCHED_EXPONENTIAL] = K(KEY_GAMMA),
    [SCHED_COSINE] = K(KEY_T_MAX),
    [SCHED_INVERSE_TIME] = K(KEY_DECAY),
};
#undef K

/* Step counts are capped well below LONG_MAX so k / step_size and (k+1)/warmup stay exact. */
#define SCHED_MAX_STEPS 1000000000L

static void list_keys(enum sched_kind kind, char *buf, size_t len)
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

/* Parses and range-checks one value into out; on failure writes the message. */
static bool set_key(struct sched *out, const char *name, enum key k, const char *value,
                    char *err, size_t errlen)
{
    long n;
    double v;
    switch (k) {
    case KEY_STEP_SIZE:
    case KEY_T_MAX:
        if (!util_parse_long(value, 1, SCHED_MAX_STEPS, &n)) {
            snprintf(err, errlen, "%s: %s must be a whole number of steps >= 1, not '%s'", name,
                     key_names[k], value);
            return false;
        }
        *(k == KEY_STEP_SIZE ? &out->step_size : &out->t_max) = n;
        return true;
    case KEY_WARMUP:
        if (!util_parse_long(value, 0, SCHED_MAX_STEPS, &n)) {
            snprintf(err, errlen, "%s: warmup must be a whole number of steps >= 0, not '%s'",
                     name, value);
            return false;
        }
        out->warmup = n;
        return true;
    case KEY_GAMMA:
        if (!util_parse_double(value, &v) || !(v > 0)) {
            snprintf(err, errlen, "%s: gamma must be a number > 0, not '%s'", name, value);
            return false;
        }
        out->gamma = v;
        return true;
    case KEY_ETA_MIN:
    case KEY_DECAY:
        if (!util_parse_double(value, &v) || !(v >= 0)) {
            snprintf(err, errlen, "%s: %s must be a number >= 0, not '%s'", name, key_names[k],
                     value);
            return false;
        }
        *(k == KEY_ETA_MIN ? &out->eta_min : &out->decay) = v;
        return true;
    case KEY_COUNT:
        break;
    }
    return false;
}

/* ======================================================================== parse, format */

bool sched_parse(const char *spec, struct sched *out, char *err, size_t errlen)
{
    struct spec sp;
    if (!spec_parse(spec, &sp, err, errlen)) {
        return false;
    }
    int kind = 0;
    while (kind < SCHED_COUNT && strcmp(sp.name, kind_names[kind]) != 0) {
        kind++;
    }
    if (kind == SCHED_COUNT) {
        snprintf(err, errlen, "unknown schedule '%s'", sp.name);
        util_append_suggestion(err, errlen, sp.name, kind_names, SCHED_COUNT);
        return false;
    }
    struct sched s;
    sched_default(&s);
    s.kind = (enum sched_kind)kind;
    unsigned given = 0;
    char keys[128];
    list_keys(s.kind, keys, sizeof keys);
    for (int i = 0; i < sp.nargs; i++) {
        const struct spec_arg *a = &sp.args[i];
        int k = 0;
        while (k < KEY_COUNT && strcmp(a->key, key_names[k]) != 0) {
            k++;
        }
        if (k == KEY_COUNT || !(kind_keys[kind] & (1u << k))) {
            const char *valid[KEY_COUNT];
            size_t nvalid = 0;
            for (int j = 0; j < KEY_COUNT; j++) {
                if (kind_keys[kind] & (1u << j)) {
                    valid[nvalid++] = key_names[j];
                }
            }
            if (k == KEY_COUNT) {
                snprintf(err, errlen, "%s: unknown parameter '%s'", sp.name, a->key);
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
        if (!set_key(&s, sp.name, (enum key)k, a->value, err, errlen)) {
            return false;
        }
        given |= 1u << k;
    }
    unsigned missing = kind_required[kind] & ~given;
    for (int k = 0; k < KEY_COUNT; k++) {
        if (missing & (1u << k)) {
            snprintf(err, errlen, "%s: missing required parameter '%s' (e.g. %s(%s=%s))",
                     sp.name, key_names[k], sp.name, key_names[k],
                     k == KEY_STEP_SIZE ? "30" : k == KEY_GAMMA ? "0.99"
                     : k == KEY_T_MAX ? "100" : "0.01");
            return false;
        }
    }
    *out = s;
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

int sched_format(const struct sched *s, char *buf, size_t len)
{
    assert(s->kind >= 0 && s->kind < SCHED_COUNT);
    char out[256];
    size_t used = (size_t)snprintf(out, sizeof out, "%s", kind_names[s->kind]);
    int nargs = 0;
    for (int k = 0; k < KEY_COUNT; k++) {
        if (!(kind_keys[s->kind] & (1u << k))) {
            continue;
        }
        bool required = kind_required[s->kind] & (1u << k);
        char value[40];
        switch ((enum key)k) {
        case KEY_STEP_SIZE:
            snprintf(value, sizeof value, "%ld", s->step_size);
            break;
        case KEY_T_MAX:
            snprintf(value, sizeof value, "%ld", s->t_max);
            break;
        case KEY_WARMUP:
            if (s->warmup == 0) {
                continue;
            }
            snprintf(value, sizeof value, "%ld", s->warmup);
            break;
        case KEY_GAMMA:
            if (!required && s->gamma == 0.1) {   /* StepLR's default */
                continue;
            }
            format_double(s->gamma, value, sizeof value);
            break;
        case KEY_ETA_MIN:
            if (s->eta_min == 0) {
                continue;
            }
            format_double(s->eta_min, value, sizeof value);
            break;
        case KEY_DECAY:
            format_double(s->decay, value, sizeof value);
            break;
        case KEY_COUNT:
            continue;
        }
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s=%s", nargs ? "," : "(",
                                 key_names[k], value);
        nargs++;
    }
    if (nargs) {
        snprintf(out + used, sizeof out - used, ")");
    }
    return snprintf(buf, len, "%s", out);
}

/* ======================================================================== lr */

/* torch chains the warmup multiplicatively: ChainedScheduler([LinearLR(start_factor=1/N,
 * total_iters=N-1), main]) gives main(k) * (k+1)/N for k < N. The main schedule is torch's
 * _get_closed_form_lr; torch's recursive forms agree with it to rounding. */
double sched_lr(const struct sched *s, double base_lr, long k)
{
    assert(k >= 0);
    double lr = base_lr;
    switch (s->kind) {
    case SCHED_CONSTANT:
        break;
    case SCHED_STEP:
        /* StepLR: base * gamma^(k // step_size) */
        lr = base_lr * pow(s->gamma, (double)(k / s->step_size));
        break;
    case SCHED_EXPONENTIAL:
        /* ExponentialLR: base * gamma^k */
        lr = base_lr * pow(s->gamma, (double)k);
        break;
    case SCHED_COSINE: {
        /* CosineAnnealingLR: eta_min + (base - eta_min) * (1 + cos(pi k / T_max)) / 2; past
         * T_max torch's recursion keeps following the cosine back up, and so does this. */
        const double pi = 3.141592653589793;
        lr = s->eta_min
             + (base_lr - s->eta_min) * (1 + cos(pi * (double)k / (double)s->t_max)) / 2;
        break;
    }
    case SCHED_INVERSE_TIME:
        /* Keras: lr / (1 + decay * iterations); torch: LambdaLR(lambda k: 1/(1+decay*k)) */
        lr = base_lr / (1 + s->decay * (double)k);
        break;
    case SCHED_COUNT:
        break;
    }
    if (k < s->warmup) {
        lr = lr * ((double)(k + 1) / (double)s->warmup);
    }
    return lr;
}

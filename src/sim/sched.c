/* sched.c: learning-rate schedules in closed form, equal (to rounding) to torch 1.13's
 * StepLR, ExponentialLR, CosineAnnealingLR, LambdaLR and a LinearLR warmup chained before them. */
#include "sim/sched.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/i18n.h"
#include "sim/settings.h"

/* ======================================================================== names */

static const char *const kind_descriptions[SCHED_COUNT] = {
    [SCHED_CONSTANT] = N_("the base lr at every step"),
    [SCHED_STEP] = N_("lr * gamma^(k / step_size): drops by gamma (0.1) every step_size steps"),
    [SCHED_EXPONENTIAL] = N_("lr * gamma^k: a smooth geometric decay"),
    [SCHED_COSINE] = N_("eta_min + (lr - eta_min) * (1 + cos(pi k / t_max)) / 2: half a cosine"),
    [SCHED_INVERSE_TIME] = N_("lr / (1 + decay * k): Keras' legacy `decay` argument"),
};

const char *sched_name(enum sched_kind kind)
{
    assert(kind >= 0 && kind < SCHED_COUNT);
    return settings_sched()->kinds[kind];
}

const char *const *sched_names(void)
{
    return settings_sched()->kinds;
}

const char *sched_description(enum sched_kind kind)
{
    assert(kind >= 0 && kind < SCHED_COUNT);
    return _(kind_descriptions[kind]);
}

/* ======================================================================== specs */

/* Keys, ranges, defaults and positions are the rows of settings_sched(). */
void sched_default(struct sched *out)
{
    setting_defaults(settings_sched(), SCHED_CONSTANT, out);
}

bool sched_parse(const char *spec, struct sched *out, char *err, size_t errlen)
{
    return setting_parse_spec(settings_sched(), spec, out, err, errlen);
}

int sched_format(const struct sched *s, char *buf, size_t len)
{
    return setting_format_spec(settings_sched(), s, buf, len);
}

/* The row kind takes at 1-based position pos, or NULL. */
static const struct setting *row_at(const struct setting_table *t, int kind, int pos)
{
    for (size_t i = 0; i < t->nrows; i++) {
        if (t->rows[i].position == pos && setting_applies(&t->rows[i], kind)) {
            return &t->rows[i];
        }
    }
    return NULL;
}

int sched_format_short(const struct sched *s, char *buf, size_t len)
{
    const struct setting_table *t = settings_sched();
    struct sched def;
    setting_defaults(t, s->kind, &def);
    int last = 0;   /* positional values up to here are written */
    for (int pos = 1; row_at(t, s->kind, pos); pos++) {
        const struct setting *r = row_at(t, s->kind, pos);
        if ((r->flags & SETTING_REQUIRED) || !setting_equal(r, s, &def)) {
            last = pos;
        }
    }
    char out[512], value[64];
    size_t used = (size_t)snprintf(out, sizeof out, "%s", t->kinds[s->kind]);
    int n = 0;
    for (int pos = 1; pos <= last; pos++) {
        setting_format(row_at(t, s->kind, pos), s, value, sizeof value);
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", n++ ? ", " : "(", value);
    }
    for (size_t i = 0; i < t->nrows; i++) {
        const struct setting *r = &t->rows[i];
        if (r->position == 0 && setting_applies(r, s->kind) && !setting_equal(r, s, &def)) {
            setting_format(r, s, value, sizeof value);
            used += (size_t)snprintf(out + used, sizeof out - used, "%s%s=%s", n++ ? ", " : "(",
                                     r->name, value);
        }
    }
    if (n) {
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

/* sched.h: learning-rate schedules as in torch.optim.lr_scheduler (closed forms), each with an
 * optional linear warmup, plus Keras' legacy `decay` as inverse_time. */
#ifndef OPTISCOPE_SIM_SCHED_H
#define OPTISCOPE_SIM_SCHED_H

#include <stdbool.h>
#include <stddef.h>

enum sched_kind {
    SCHED_CONSTANT,
    SCHED_STEP,           /* StepLR(step_size, gamma=0.1) */
    SCHED_EXPONENTIAL,    /* ExponentialLR(gamma) */
    SCHED_COSINE,         /* CosineAnnealingLR(T_max, eta_min=0) */
    SCHED_INVERSE_TIME,   /* lr / (1 + decay * k): Keras' legacy decay */
    SCHED_COUNT
};

struct sched {
    enum sched_kind kind;
    long step_size;    /* step */
    double gamma;      /* step, exponential */
    long t_max;        /* cosine */
    double eta_min;    /* cosine */
    double decay;      /* inverse_time */
    long warmup;       /* linear warmup over this many steps, 0 for none: factor (k+1)/warmup
                          for k < warmup (torch: LinearLR(1/warmup, total_iters=warmup-1)) */
};

const char *sched_name(enum sched_kind kind);
const char *const *sched_names(void);
const char *sched_description(enum sched_kind kind);
void sched_default(struct sched *out);   /* constant, no warmup */

/* Parses "cosine(t_max=100, eta_min=0.001, warmup=10)"; errors as optim_parse. */
bool sched_parse(const char *spec, struct sched *out, char *err, size_t errlen);
int sched_format(const struct sched *s, char *buf, size_t len);
/* The short form for legends, as sched_parse also reads it: the positional values without
 * their keys up to the last one that differs from its default, then the other keys that
 * differ, "step(50, 0.3)", "cosine(200, warmup=30)", "constant". Returns as snprintf. */
int sched_format_short(const struct sched *s, char *buf, size_t len);

/* The learning rate for update number k (0-based: k = 0 is the first step). */
double sched_lr(const struct sched *s, double base_lr, long k);

#endif

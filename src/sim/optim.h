/* optim.h: the optimizers of torch.optim (1.13), written once for n parameters. The same step
 * moves the plane's two doubles and the CNN's float32 parameter vectors. */
#ifndef OPTISCOPE_SIM_OPTIM_H
#define OPTISCOPE_SIM_OPTIM_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/sched.h"

enum optim_kind {
    OPTIM_SGD,        /* torch.optim.SGD, momentum = 0 */
    OPTIM_MOMENTUM,   /* torch.optim.SGD with momentum (default 0.9) */
    OPTIM_NAG,        /* torch.optim.SGD with momentum (default 0.9), nesterov=True */
    OPTIM_ADAGRAD,
    OPTIM_ADADELTA,
    OPTIM_RMSPROP,    /* with centered and momentum */
    OPTIM_ADAM,       /* with amsgrad */
    OPTIM_ADAMW,
    OPTIM_NADAM,
    OPTIM_ADAMAX,
    OPTIM_ISTA,       /* proximal gradient (not in torch.optim): an sgd step on the smooth part
                         of the objective, then soft-thresholding by lr * l1 (optim_prox_l1) */
    OPTIM_COUNT
};

/* Hyperparameters under torch's names; optim_defaults() fills torch's defaults per kind. */
struct optim_params {
    enum optim_kind kind;
    double lr;                          /* base learning rate (the schedule scales it) */
    double momentum;                    /* sgd family, rmsprop */
    double dampening;                   /* sgd family */
    double weight_decay;                /* L2 added to the gradient; decoupled in adamw */
    double lr_decay;                    /* adagrad */
    double initial_accumulator_value;   /* adagrad */
    double eps;
    double rho;                         /* adadelta */
    double alpha;                       /* rmsprop smoothing constant */
    double beta1, beta2;                /* adam family (torch's betas) */
    double momentum_decay;              /* nadam */
    bool centered;                      /* rmsprop */
    bool amsgrad;                       /* adam, adamw */
    bool has_sched;                     /* this optimizer has its own schedule (the spec's
                                           schedule=...); else it follows the race's */
    struct sched sched;                 /* its own schedule, when has_sched */
    char label[48];                     /* ours: what the legend calls it ("too small"), so a
                                           preset can say what each runner shows; "" none */
};

const char *optim_name(enum optim_kind kind);             /* "adam" */
bool optim_kind_from_name(const char *name, enum optim_kind *out);
const char *const *optim_names(void);                     /* OPTIM_COUNT names */
const char *optim_description(enum optim_kind kind);      /* one line, for `list optimizers` */

void optim_defaults(enum optim_kind kind, struct optim_params *out);

/* The schedule p's lr follows: its own (schedule=... in its spec), else `fallback`, the one
 * of the race or the trainer (--schedule). */
const struct sched *optim_schedule(const struct optim_params *p, const struct sched *fallback);

/* Parses "adam" or "adam(lr=0.1, beta1=0.8, amsgrad=true)": unknown names and keys get a
 * suggestion, keys that the optimizer does not use are errors, values are checked (lr > 0,
 * 0 <= beta < 1, ...). On failure writes a message into err and returns false. */
bool optim_parse(const char *spec, struct optim_params *out, char *err, size_t errlen);
/* Writes a label: the name plus every hyperparameter that differs from the default, in the
 * spec syntax, e.g. "adam(lr=0.1)". Returns the length as snprintf does. */
int optim_format(const struct optim_params *p, char *buf, size_t len);

/* Per-parameter state: torch's state tensors, in one allocation of slots * n doubles. */
struct optim_state {
    size_t n;             /* number of parameters */
    long t;               /* steps taken (torch's state['step']) */
    double mu_product;    /* nadam's running product of momentum coefficients */
    double *slot[4];      /* state vectors of n doubles each; which are used depends on kind */
};

struct optim_state *optim_state_create(const struct optim_params *p, size_t n);
void optim_state_reset(const struct optim_params *p, struct optim_state *s);
void optim_state_destroy(struct optim_state *s);   /* accepts NULL */

/* Whether the optimizer takes the L1 penalty as its proximal step (ista): its gradient must
 * then leave out the L1 term, and each optim_step is followed by optim_prox_l1 with
 * threshold lr * l1. The others take L1 as torch does, its subgradient in the gradient. */
bool optim_proximal(enum optim_kind kind);

/* The proximal operator of t * sum|x_i| (soft-thresholding, torch's softshrink): each
 * x = x - t if x > t, x + t if x < -t, else exactly 0. t >= 0. */
void optim_prox_l1(double *param, size_t n, double t);

/* One optimizer step, in place, with learning rate `lr` (the schedule's value for this step).
 * grad is the gradient of the objective at param (penalties already added; for a proximal
 * optimizer without the L1 term, which optim_prox_l1 applies after the step). */
void optim_step(const struct optim_params *p, struct optim_state *s, double lr,
                double *param, const double *grad);
/* The same step on float32 parameters and gradients (the CNN). State stays double. */
void optim_step_f32(const struct optim_params *p, struct optim_state *s, double lr,
                    float *param, const float *grad);

/* After a step (s->t >= 1): each parameter's learning rate in the optimizer's own metric, the
 * factor by which that step would have moved it for a unit gradient without momentum: lr for
 * sgd, momentum and nag; lr over the optimizer's per-parameter denominator for the adaptive
 * ones: adagrad lr/(1+(t-1)lr_decay)/(sqrt(sum)+eps), adadelta lr*sqrt(u+eps)/sqrt(v+eps),
 * rmsprop lr/(sqrt(v)+eps) (centered: sqrt(v-ga^2)), adam and adamw lr/(sqrt(v/(1-b2^t))+eps)
 * (amsgrad: vmax), nadam likewise, adamax lr/u. out (s->n). The CNN trainer's proximal L1
 * soft-thresholds each weight by l1 times it: the ISTA step in the metric the optimizer steps
 * in (Melchior et al. 2019's proximal Adam), which for sgd is plain ISTA. */
void optim_metric_lr(const struct optim_params *p, const struct optim_state *s, double lr,
                     float *out);

/* The velocity-like state to draw as an arrow for parameter pair (0,1): the momentum buffer for
 * sgd family, the first moment for adam family, else zero. Returns false if none. */
bool optim_velocity(const struct optim_params *p, const struct optim_state *s, double out[2]);

#endif

/* settings.c: the tables of every scene, optimizer and schedule setting, and the generic
 * parse, format, spec and help functions that read them. */
#include "sim/settings.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/catalog.h"
#include "sim/expr.h"
#include "sim/i18n.h"
#include "sim/optim.h"
#include "sim/scene.h"
#include "sim/sched.h"
#include "sim/spec.h"
#include "sim/train_settings.h"
#include "sim/util.h"

/* Whole numbers of steps are capped well below LONG_MAX so k / step_size and (k+1)/warmup
 * stay exact in double. */
#define MAX_STEPS 1e9

/* The largest struct a spec table describes, for the scratch copy a parse works on. */
#define MAX_SPEC_STRUCT 256

_Static_assert(sizeof(enum scene_scale) == sizeof(int), "CHOICE values are int-sized");
_Static_assert(sizeof(enum scene_view) == sizeof(int), "CHOICE values are int-sized");
_Static_assert(sizeof(enum scene_split) == sizeof(int), "CHOICE values are int-sized");
_Static_assert(sizeof(enum scene_theme) == sizeof(int), "CHOICE values are int-sized");
_Static_assert(sizeof(enum optim_kind) == sizeof(int), "kinds are int-sized");
_Static_assert(sizeof(enum sched_kind) == sizeof(int), "kinds are int-sized");
_Static_assert(sizeof(enum train_data) == sizeof(int), "CHOICE values are int-sized");
_Static_assert(sizeof(enum train_l1_mode) == sizeof(int), "CHOICE values are int-sized");
_Static_assert(sizeof(enum landscape_directions) == sizeof(int), "CHOICE values are int-sized");
_Static_assert(sizeof(struct optim_params) <= MAX_SPEC_STRUCT, "scratch fits");
_Static_assert(sizeof(struct sched) <= MAX_SPEC_STRUCT, "scratch fits");

/* ======================================================================== scene hooks */

static bool parse_function(void *obj, const char *value, bool from_cli, char *err,
                           size_t errlen)
{
    (void)from_cli;
    struct scene *s = obj;
    if (!catalog_find(value)) {
        snprintf(err, errlen, _("unknown function '%s'"), UTIL_ESC(value));
        util_append_suggestion(err, errlen, value, catalog_names(), catalog_count());
        return false;
    }
    snprintf(s->function, sizeof s->function, "%s", value);
    free(s->expr);   /* a named function replaces an expression given before it */
    s->expr = NULL;
    return true;
}

static bool format_function(const void *obj, char *buf, size_t len)
{
    snprintf(buf, len, "%s", ((const struct scene *)obj)->function);
    return true;
}

static bool parse_expr(void *obj, const char *value, bool from_cli, char *err, size_t errlen)
{
    (void)from_cli;
    struct scene *s = obj;
    struct expr_error e;
    struct expr *f = expr_compile(value, &e);
    if (!f) {
        snprintf(err, errlen, _("position %d: %s"), e.pos, e.msg);
        return false;
    }
    expr_destroy(f);
    free(s->expr);
    s->expr = xstrdup(value);
    return true;
}

static bool format_expr(const void *obj, char *buf, size_t len)
{
    const struct scene *s = obj;
    snprintf(buf, len, "%s", s->expr ? s->expr : "");
    return s->expr != NULL;
}

/* A list of specs into opt[0..*nopt) (at most max); each `optimizer` line of a file adds to
 * the list, and the command line's first one replaces the file's (or the default) list, later
 * ones add. *replaced: the command line has replaced it. */
static bool parse_opt_list(struct optim_params *opt, int *nopt, bool *replaced, int max,
                           const char *value, bool from_cli, char *err, size_t errlen)
{
    assert(max <= RACE_MAX);
    char items[RACE_MAX][256];
    int n = spec_split_list(value, items, max, err, errlen);
    if (n < 0) {
        return false;
    }
    int base = from_cli && !*replaced ? 0 : *nopt;
    if (base + n > max) {
        snprintf(err, errlen, _("too many optimizers (at most %d)"), max);
        return false;
    }
    struct optim_params parsed[RACE_MAX];
    for (int i = 0; i < n; i++) {
        if (!optim_parse(items[i], &parsed[i], err, errlen)) {
            return false;
        }
    }
    if (from_cli && !*replaced) {
        *nopt = 0;
        *replaced = true;
    }
    memcpy(&opt[*nopt], parsed, (size_t)n * sizeof parsed[0]);
    *nopt += n;
    return true;
}

/* "sgd(lr=0.1), adam": as parse_opt_list reads it. */
static bool format_opt_list(const struct optim_params *opt, int nopt, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < nopt; i++) {
        char one[512];
        optim_format(&opt[i], one, sizeof one);
        int w = snprintf(buf + used, used < len ? len - used : 0, "%s%s", i ? ", " : "", one);
        used += w > 0 ? (size_t)w : 0;
    }
    return nopt > 0;
}

static bool parse_optimizers(void *obj, const char *value, bool from_cli, char *err,
                             size_t errlen)
{
    struct scene *s = obj;
    return parse_opt_list(s->opt, &s->nopt, &s->opt_from_cli, RACE_MAX, value, from_cli, err,
                          errlen);
}

static bool format_optimizers(const void *obj, char *buf, size_t len)
{
    const struct scene *s = obj;
    return format_opt_list(s->opt, s->nopt, buf, len);
}

static bool parse_schedule(void *obj, const char *value, bool from_cli, char *err,
                           size_t errlen)
{
    (void)from_cli;
    return sched_parse(value, &((struct scene *)obj)->sched, err, errlen);
}

static bool format_schedule(const void *obj, char *buf, size_t len)
{
    sched_format(&((const struct scene *)obj)->sched, buf, len);
    return true;
}

/* "YAW,PITCH,DISTANCE": the ranges are the window's own (session.c clamps to the same). */
static bool parse_camera(void *obj, const char *value, bool from_cli, char *err,
                         size_t errlen)
{
    (void)from_cli;
    static const double lo[3] = {-HUGE_VAL, 0.05, 1.2}, hi[3] = {HUGE_VAL, 1.5, 12.0};
    static const char *const what[3] = {"yaw", "pitch", "distance"};
    double c[3];
    const char *p = value;
    for (int k = 0; k < 3; k++) {
        char *end;
        c[k] = strtod(p, &end);
        while (end != p && (*end == ' ' || *end == '\t')) {
            end++;
        }
        bool sep_ok = k < 2 ? *end == ',' : *end == '\0';
        if (end == p || !sep_ok || !isfinite(c[k])) {
            snprintf(err, errlen, _("expected YAW,PITCH,DISTANCE (three numbers), got '%s'"),
                     value);
            return false;
        }
        if (c[k] < lo[k] || c[k] > hi[k]) {
            snprintf(err, errlen, _("%s %g out of range [%g, %g] in '%s'"), what[k], c[k], lo[k],
                     hi[k], value);
            return false;
        }
        p = end + (k < 2);
    }
    memcpy(((struct scene *)obj)->camera, c, sizeof c);
    return true;
}

static bool format_camera(const void *obj, char *buf, size_t len)
{
    const double *c = ((const struct scene *)obj)->camera;
    char num[3][32];
    for (int k = 0; k < 3; k++) {
        setting_format_double(c[k], num[k], sizeof num[k]);
    }
    snprintf(buf, len, "%s, %s, %s", num[0], num[1], num[2]);
    return true;
}

/* ======================================================================== optimizer hooks */

/* An optimizer's own schedule: "default" (its default) follows the race's --schedule. */
static bool parse_optim_schedule(void *obj, const char *value, bool from_cli, char *err,
                                 size_t errlen)
{
    (void)from_cli;
    struct optim_params *p = obj;
    if (!strcmp(value, "default")) {
        p->has_sched = false;
        sched_default(&p->sched);
        return true;
    }
    struct sched sc;
    if (!sched_parse(value, &sc, err, errlen)) {
        return false;
    }
    p->sched = sc;
    p->has_sched = true;
    return true;
}

static bool format_optim_schedule(const void *obj, char *buf, size_t len)
{
    const struct optim_params *p = obj;
    if (!p->has_sched) {
        snprintf(buf, len, "default");
    } else {
        sched_format(&p->sched, buf, len);
    }

    return true;
}

static bool text_ok(const char *value, size_t size, char *err, size_t errlen);

/* A runner's label: one line of text without the characters that end or nest a spec value. */
static bool parse_optim_label(void *obj, const char *value, bool from_cli, char *err,
                              size_t errlen)
{
    (void)from_cli;
    struct optim_params *p = obj;
    if (!strcmp(value, "none")) {
        p->label[0] = '\0';
        return true;
    }
    if (!text_ok(value, sizeof p->label, err, errlen)) {
        return false;
    }
    const char *bad = strpbrk(value, ",()=#\"");
    if (bad) {
        snprintf(err, errlen, _("'%s' holds '%c'; a label is text without , ( ) = # or \""),
                 UTIL_ESC(value), *bad);
        return false;
    }
    snprintf(p->label, sizeof p->label, "%s", value);
    return true;
}

static bool format_optim_label(const void *obj, char *buf, size_t len)
{
    const struct optim_params *p = obj;
    snprintf(buf, len, "%s", p->label[0] ? p->label : "none");
    return true;
}

/* ======================================================================== train hooks */

/* The first list given replaces the default one (train_settings_init leaves opt_from_cli
 * unset), later ones add: there are no files to add to. */
static bool parse_train_optimizers(void *obj, const char *value, bool from_cli, char *err,
                                   size_t errlen)
{
    (void)from_cli;
    struct train_settings *ts = obj;
    return parse_opt_list(ts->opt, &ts->nopt, &ts->opt_from_cli, TRAIN_MAX_OPT, value, true,
                          err, errlen);
}

static bool format_train_optimizers(const void *obj, char *buf, size_t len)
{
    const struct train_settings *ts = obj;
    return format_opt_list(ts->opt, ts->nopt, buf, len);
}

static bool parse_train_schedule(void *obj, const char *value, bool from_cli, char *err,
                                 size_t errlen)
{
    (void)from_cli;
    return sched_parse(value, &((struct train_settings *)obj)->sched, err, errlen);
}

static bool format_train_schedule(const void *obj, char *buf, size_t len)
{
    sched_format(&((const struct train_settings *)obj)->sched, buf, len);
    return true;
}

/* ======================================================================== tables */

#define FIELD(type, f) .offset = offsetof(type, f), .size = sizeof(((type *)0)->f)
#define SC(f) FIELD(struct scene, f)
#define UNBOUNDED .min = -HUGE_VAL, .max = HUGE_VAL

static const char *const scale_names[] = {"auto", "linear", "log", NULL};
static const char *const view_names[] = {"2d", "3d", NULL};
static const char *const split_names[] = {"none", "l1_vs_l2", NULL};
static const char *const theme_names[] = {"dark", "light", NULL};

/* Scene keys, in the order help lists them and scene_write writes them. */
static const struct setting scene_rows[] = {
    {.name = "function", .type = SETTING_CUSTOM, .uses = SETTING_ALL, SC(function),
     .def = "beale", .metavar = "NAME", .parse = parse_function, .format = format_function,
     .help = N_("a built-in function (`optiscope list functions`)")},
    {.name = "expr", .type = SETTING_CUSTOM, .uses = SETTING_ALL, SC(expr), .metavar = "\"EXPR\"",
     .parse = parse_expr, .format = format_expr,
     .help = N_("your own f(x, y) instead, e.g. \"(1-x)^2 + 100*(y-x^2)^2\"")},
    {.name = "optimizer", .type = SETTING_CUSTOM, .uses = SETTING_ALL, SC(opt),
     .metavar = "SPEC[,SPEC...]", .parse = parse_optimizers, .format = format_optimizers,
     .help = N_("optimizers to race, each name(...) as below; repeatable; default: the "
             "function's preset, else every optimizer")},
    {.name = "start", .type = SETTING_PAIR, .uses = SETTING_ALL, SC(start), UNBOUNDED,
     .flags = SETTING_HAS, .has = offsetof(struct scene, has_start), .metavar = "X,Y",
     .help = N_("start point; default: the function's")},
    {.name = "steps", .type = SETTING_LONG, .uses = SETTING_ALL, SC(steps), .min = 0,
     .max = MAX_STEPS, .def = "500", .metavar = "N", .help = N_("steps to run (trace, render)")},
    {.name = "schedule", .type = SETTING_CUSTOM, .uses = SETTING_ALL, SC(sched),
     .def = "constant", .metavar = "SPEC", .parse = parse_schedule, .format = format_schedule,
     .help = N_("learning-rate schedule, name(...) as below, on every optimizer's lr")},
    {.name = "l1", .type = SETTING_DOUBLE, .uses = SETTING_ALL, SC(l1), .min = 0,
     .max = HUGE_VAL, .def = "0", .metavar = "A",
     .help = N_("L1 penalty: the objective is f + A*(|x|+|y|) + B*(x^2+y^2), with d|x|/dx = 0 "
             "at 0 as in torch")},
    {.name = "l2", .type = SETTING_DOUBLE, .uses = SETTING_ALL, SC(l2), .min = 0,
     .max = HUGE_VAL, .def = "0", .metavar = "B", .help = N_("L2 penalty (see --l1)")},
    {.name = "noise", .type = SETTING_DOUBLE, .uses = SETTING_ALL, SC(noise), .min = 0,
     .max = HUGE_VAL, .def = "0", .metavar = "SIGMA",
     .help = N_("Gaussian noise on each gradient component (stochastic gradients)")},
    {.name = "seed", .type = SETTING_ULLONG, .uses = SETTING_ALL, SC(seed), .min = 0,
     .max = 2147483647.0, .def = "1", .metavar = "S", .help = N_("seed for the noise")},
    {.name = "scale", .type = SETTING_CHOICE, .uses = SETTING_ALL, SC(scale),
     .choices = scale_names, .def = "auto", .metavar = "auto|linear|log",
     .help = N_("colour scale (auto: the function's)")},
    {.name = "domain", .type = SETTING_BOX, .uses = SETTING_ALL, SC(domain), UNBOUNDED,
     .flags = SETTING_HAS, .has = offsetof(struct scene, has_domain),
     .metavar = "XMIN,XMAX,YMIN,YMAX", .help = N_("the view; default: the function's")},
    {.name = "title", .type = SETTING_TEXT, .uses = SETTING_ALL, SC(title), .metavar = "TEXT",
     .help = N_("figure title; default: the function's name")},
    /* What is shown: the window's W writes these, render and view honour them. */
    {.name = "zoom", .type = SETTING_BOX, .uses = SETTING_ALL, SC(zoom), UNBOUNDED,
     .flags = SETTING_HAS, .has = offsetof(struct scene, has_zoom),
     .metavar = "XMIN,XMAX,YMIN,YMAX",
     .help = N_("the part of the plane shown (the window's wheel and drag); the race and its "
             "divergence test keep the domain; default: the domain")},
    {.name = "camera", .type = SETTING_CUSTOM, .uses = SETTING_ALL, SC(camera),
     .def = "-0.65, 0.9, 4.8", .metavar = "YAW,PITCH,DIST", .parse = parse_camera,
     .format = format_camera,
     .help = N_("the 3-D view's orbit: yaw and pitch in radians (pitch 0.05 to 1.5), distance "
             "1.2 to 12")},
    {.name = "view", .type = SETTING_CHOICE, .uses = SETTING_ALL, SC(view),
     .choices = view_names, .def = "2d", .metavar = "2d|3d",
     .help = N_("the 2-D map or the 3-D surface (3-D renders to PNG only)")},
    {.name = "contours", .type = SETTING_BOOL, .uses = SETTING_ALL, SC(contours),
     .def = "true", .metavar = "yes|no", .help = N_("isolines over the colour map")},
    {.name = "trails", .type = SETTING_BOOL, .uses = SETTING_ALL, SC(trails), .def = "true",
     .metavar = "yes|no", .help = N_("each optimizer's path (no: its current point only)")},
    {.name = "arrows", .type = SETTING_BOOL, .uses = SETTING_ALL, SC(arrows), .def = "false",
     .metavar = "yes|no",
     .help = N_("the first optimizer's gradient and velocity arrows (2-D)")},
    /* A split view (the l1_vs_l2 preset): */
    {.name = "split", .type = SETTING_CHOICE, .uses = SETTING_ALL, SC(split),
     .choices = split_names, .def = "none", .metavar = "none|l1_vs_l2",
     .help = N_("l1_vs_l2: two plots of one quadratic bowl, f + l1*(|x|+|y|) on the left and "
             "f + l2*(x^2+y^2) on the right, with the exact minimizers against lambda")},
    /* In front of a class: the window's F5 and F6 toggle these. */
    {.name = "theme", .type = SETTING_CHOICE, .uses = SETTING_ALL, SC(theme),
     .choices = theme_names, .def = "dark", .metavar = "dark|light",
     .help = N_("dark: viridis under bright paths; light: for a projector, a light colour map, "
             "colour-blind-safe paths (Okabe-Ito), dark text")},
    {.name = "large-text", .type = SETTING_BOOL, .uses = SETTING_ALL, SC(large_text),
     .def = "false", .metavar = "[yes|no]",
     .help = N_("every caption larger, readable from the back of a room (alone: yes)")},
};

#define OP(f) FIELD(struct optim_params, f)
#define K(k) (1u << OPTIM_##k)
#define ADAM_FAMILY (K(ADAM) | K(ADAMW) | K(NADAM) | K(ADAMAX))
#define FRACTION .min = 0, .max = 1, .flags = SETTING_MAX_OPEN   /* [0, 1) */
#define NONNEG .min = 0, .max = HUGE_VAL                          /* [0, inf) */
#define POSITIVE .min = 0, .max = HUGE_VAL, .flags = SETTING_MIN_OPEN   /* (0, inf) */

/* torch.optim 1.13's keys, defaults and checks, tightened where torch accepts nonsense
 * (lr = 0, momentum >= 1). Rows of a key stay together, in the order labels print them.
 * sgd is momentum-free by definition (use `momentum`), and nag has no dampening because torch
 * requires zero dampening for nesterov. ista (proximal gradient) is ours: it has lr alone, its
 * L1 weight is the scene's. */
static const struct setting optim_rows[] = {
    /* torch.optim.SGD has no default lr (it is required); 0.01 is Keras' SGD default. */
    {.name = "lr", .type = SETTING_DOUBLE, OP(lr), POSITIVE, .position = 1, .def = "0.01",
     .uses = K(SGD) | K(MOMENTUM) | K(NAG) | K(ADAGRAD) | K(RMSPROP),
     .help = N_("learning rate (the schedule scales it)")},
    {.name = "lr", .type = SETTING_DOUBLE, OP(lr), POSITIVE, .position = 1, .def = "1",
     .uses = K(ADADELTA), .help = N_("learning rate (the schedule scales it)")},
    {.name = "lr", .type = SETTING_DOUBLE, OP(lr), POSITIVE, .position = 1, .def = "0.001",
     .uses = K(ADAM) | K(ADAMW), .help = N_("learning rate (the schedule scales it)")},
    {.name = "lr", .type = SETTING_DOUBLE, OP(lr), POSITIVE, .position = 1, .def = "0.002",
     .uses = K(NADAM) | K(ADAMAX), .help = N_("learning rate (the schedule scales it)")},
    {.name = "lr", .type = SETTING_DOUBLE, OP(lr), POSITIVE, .position = 1, .def = "0.01",
     .uses = K(ISTA),
     .help = N_("learning rate of the gradient step on f (+ L2); each step then soft-thresholds "
             "every coordinate by lr * l1 (the scene's --l1)")},
    {.name = "momentum", .type = SETTING_DOUBLE, OP(momentum), FRACTION, .def = "0.9",
     .uses = K(MOMENTUM), .help = N_("momentum factor: how much of the velocity each step keeps")},
    {.name = "momentum", .type = SETTING_DOUBLE, OP(momentum), .min = 0, .max = 1,
     .flags = SETTING_MIN_OPEN | SETTING_MAX_OPEN, .def = "0.9", .uses = K(NAG),
     .help = N_("momentum factor; nesterov needs one > 0")},
    {.name = "momentum", .type = SETTING_DOUBLE, OP(momentum), FRACTION, .def = "0",
     .uses = K(RMSPROP), .help = N_("momentum factor: how much of the velocity each step keeps")},
    {.name = "dampening", .type = SETTING_DOUBLE, OP(dampening), .min = 0, .max = 1,
     .def = "0", .uses = K(MOMENTUM),
     .help = N_("dampening: each new gradient enters the velocity times (1 - dampening)")},
    {.name = "weight_decay", .type = SETTING_DOUBLE, OP(weight_decay), NONNEG, .def = "0",
     .uses = K(SGD) | K(MOMENTUM) | K(NAG) | K(ADAGRAD) | K(ADADELTA) | K(RMSPROP) | K(ADAM)
             | K(NADAM) | K(ADAMAX),
     .help = N_("L2 penalty added to the gradient: g + weight_decay * x")},
    {.name = "weight_decay", .type = SETTING_DOUBLE, OP(weight_decay), NONNEG, .def = "0.01",
     .uses = K(ADAMW), .help = N_("decoupled weight decay: x *= 1 - lr * weight_decay")},
    {.name = "lr_decay", .type = SETTING_DOUBLE, OP(lr_decay), NONNEG, .def = "0",
     .uses = K(ADAGRAD), .help = N_("step k uses lr / (1 + (k-1) * lr_decay)")},
    {.name = "initial_accumulator_value", .type = SETTING_DOUBLE,
     OP(initial_accumulator_value), NONNEG, .def = "0", .uses = K(ADAGRAD),
     .help = N_("starting value of the sum of squared gradients")},
    {.name = "eps", .type = SETTING_DOUBLE, OP(eps), NONNEG, .def = "1e-10", .uses = K(ADAGRAD),
     .help = N_("added to the denominator so it is never 0")},
    {.name = "eps", .type = SETTING_DOUBLE, OP(eps), NONNEG, .def = "1e-6", .uses = K(ADADELTA),
     .help = N_("added under both square roots so they are never 0")},
    {.name = "eps", .type = SETTING_DOUBLE, OP(eps), NONNEG, .def = "1e-8",
     .uses = K(RMSPROP) | ADAM_FAMILY, .help = N_("added to the denominator so it is never 0")},
    {.name = "rho", .type = SETTING_DOUBLE, OP(rho), FRACTION, .def = "0.9", .uses = K(ADADELTA),
     .help = N_("decay rate of the running averages of squared gradients and steps")},
    {.name = "alpha", .type = SETTING_DOUBLE, OP(alpha), FRACTION, .def = "0.99",
     .uses = K(RMSPROP), .help = N_("decay rate of the running average of squared gradients")},
    {.name = "centered", .type = SETTING_BOOL, OP(centered), .def = "false", .uses = K(RMSPROP),
     .help = N_("divide by an estimate of the gradient's variance instead of its mean square")},
    {.name = "beta1", .type = SETTING_DOUBLE, OP(beta1), FRACTION, .def = "0.9",
     .uses = ADAM_FAMILY, .help = N_("decay rate of the first moment (torch's betas[0])")},
    {.name = "beta2", .type = SETTING_DOUBLE, OP(beta2), FRACTION, .def = "0.999",
     .uses = ADAM_FAMILY,
     .help = N_("decay rate of the second moment, adamax: of the infinity norm (betas[1])")},
    {.name = "amsgrad", .type = SETTING_BOOL, OP(amsgrad), .def = "false",
     .uses = K(ADAM) | K(ADAMW),
     .help = N_("AMSGrad: divide by the largest second moment so far")},
    {.name = "momentum_decay", .type = SETTING_DOUBLE, OP(momentum_decay), NONNEG,
     .def = "0.004", .uses = K(NADAM),
     .help = N_("how fast nadam's momentum coefficient ramps up to beta1")},
    /* ours: a schedule per optimizer, so one race compares schedules */
    {.name = "schedule", .type = SETTING_CUSTOM, OP(sched), .def = "default", .uses = SETTING_ALL,
     .metavar = "a schedule, or default", .parse = parse_optim_schedule,
     .format = format_optim_schedule,
     .help = N_("this optimizer's own lr schedule, name(...) as --schedule, e.g. "
             "schedule=cosine(t_max=200, warmup=10); default: the race's --schedule")},
    /* ours: what the legend calls the runner, so a preset can say what each one shows */
    {.name = "label", .type = SETTING_CUSTOM, OP(label), .def = "none", .uses = SETTING_ALL,
     .metavar = "TEXT", .parse = parse_optim_label, .format = format_optim_label,
     .help = N_("the legend's name for this runner, e.g. label=too small (the spec follows it); "
             "text without , ( ) = # or \"; none: the spec alone")},
};
#undef K

#define SH(f) FIELD(struct sched, f)
#define K(k) (1u << SCHED_##k)
#define STEP_COUNT(lo) .min = (lo), .max = MAX_STEPS

/* torch.optim.lr_scheduler's keys (T_max as t_max); those torch has no default for are
 * required. Values without keys follow torch's argument order. */
static const struct setting sched_rows[] = {
    {.name = "step_size", .type = SETTING_LONG, SH(step_size), STEP_COUNT(1),
     .flags = SETTING_REQUIRED, .position = 1, .uses = K(STEP),
     .help = N_("steps between drops of the lr by gamma")},
    {.name = "gamma", .type = SETTING_DOUBLE, SH(gamma), POSITIVE, .position = 2, .def = "0.1",
     .uses = K(STEP), .help = N_("factor on the lr at every drop")},
    {.name = "gamma", .type = SETTING_DOUBLE, SH(gamma), .min = 0, .max = HUGE_VAL,
     .flags = SETTING_MIN_OPEN | SETTING_REQUIRED, .position = 1, .uses = K(EXPONENTIAL),
     .help = N_("factor on the lr at every step")},
    {.name = "t_max", .type = SETTING_LONG, SH(t_max), STEP_COUNT(1), .flags = SETTING_REQUIRED,
     .position = 1, .uses = K(COSINE),
     .help = N_("steps of the half cosine from the lr down to eta_min (torch's T_max)")},
    {.name = "eta_min", .type = SETTING_DOUBLE, SH(eta_min), NONNEG, .position = 2, .def = "0",
     .uses = K(COSINE), .help = N_("lowest lr, reached at step t_max")},
    {.name = "decay", .type = SETTING_DOUBLE, SH(decay), NONNEG, .flags = SETTING_REQUIRED,
     .position = 1, .uses = K(INVERSE_TIME),
     .help = N_("step k uses lr / (1 + decay * k): Keras' legacy `decay`")},
    {.name = "warmup", .type = SETTING_LONG, SH(warmup), STEP_COUNT(0), .def = "0",
     .uses = SETTING_ALL,
     .help = N_("linear warmup: step k < warmup uses the lr times (k+1)/warmup; 0: none")},
};
#undef K

#define TR(f) FIELD(struct train_settings, f)
#define FLAG .type = SETTING_BOOL, .uses = SETTING_ALL, .def = "false"   /* --key alone: true */
#define COUNT(lo, hi) .type = SETTING_LONG, .uses = SETTING_ALL, .min = (lo), .max = (hi)

static const char *const train_data_names[] = {"fashion-mnist", "synthetic", NULL};
static const char *const train_l1_mode_names[] = {"subgradient", "proximal", NULL};

/* `optiscope train`'s options, in the order --help lists them. The ranges and defaults are
 * those the command took before they moved here (test_settings checks them). */
static const struct setting train_rows[] = {
    {.name = "data", .type = SETTING_CHOICE, .uses = SETTING_ALL, TR(data),
     .choices = train_data_names, .def = "fashion-mnist", .metavar = "fashion-mnist|synthetic",
     .help = N_("the dataset: Fashion-MNIST (Debian's dataset-fashion-mnist) or synthetic shapes")},
    {.name = "data-dir", .type = SETTING_TEXT, .uses = SETTING_ALL, TR(data_dir),
     .metavar = "DIR", .help = N_("any folder of MNIST-format IDX files (.gz or plain)")},
    {.name = "model", .type = SETTING_TEXT, .uses = SETTING_ALL, TR(model), .def = "small",
     .metavar = "small", .help = N_("the network (only small so far)")},
    {.name = "batchnorm", FLAG, TR(batchnorm),
     .help = N_("batch normalization after each convolution")},
    {.name = "dropout", .type = SETTING_DOUBLE, .uses = SETTING_ALL, TR(dropout), FRACTION,
     .def = "0", .metavar = "P", .help = N_("inverted dropout before each dense layer")},
    {.name = "hidden", COUNT(0, 4096), TR(hidden), .def = "0", .metavar = "N",
     .help = N_("a hidden dense layer of N units with ReLU; 0: none")},
    {.name = "optimizer", .type = SETTING_CUSTOM, .uses = SETTING_ALL, TR(opt), .def = "adam",
     .metavar = "SPEC[,SPEC...]", .parse = parse_train_optimizers,
     .format = format_train_optimizers,
     .help = N_("repeatable; several race on the same batches (`optiscope list optimizers`)")},
    {.name = "schedule", .type = SETTING_CUSTOM, .uses = SETTING_ALL, TR(sched),
     .def = "constant", .metavar = "SPEC", .parse = parse_train_schedule,
     .format = format_train_schedule,
     .help = N_("constant, step(step_size,gamma), exponential(gamma), cosine(t_max,eta_min), "
             "inverse_time(decay); warmup=N")},
    {.name = "l1", .type = SETTING_DOUBLE, .uses = SETTING_ALL, TR(l1), .min = 0, .max = 1e6,
     .def = "0", .flags = SETTING_HAS, .has = offsetof(struct train_settings, has_l1),
     .metavar = "A", .help = N_("penalty A*sum|w| on weights (not biases)")},
    {.name = "l1-mode", .type = SETTING_CHOICE, .uses = SETTING_ALL, TR(l1_mode),
     .choices = train_l1_mode_names, .def = "subgradient", .metavar = "subgradient|proximal",
     .help = N_("L1 as A*sign(w) in the gradient (torch's), or as soft-thresholding of each "
             "weight after each step by A times its lr in the optimizer's metric (lr*A for "
             "sgd): exact zeros")},
    {.name = "l2", .type = SETTING_DOUBLE, .uses = SETTING_ALL, TR(l2), .min = 0, .max = 1e6,
     .def = "0", .flags = SETTING_HAS, .has = offsetof(struct train_settings, has_l2),
     .metavar = "B", .help = N_("penalty B*sum w^2 on weights (not biases)")},
    {.name = "compare-penalties", FLAG, TR(compare_penalties),
     .help = N_("race the first optimizer three times on the same batches: no penalty, L1 "
             "(--l1, default 1e-3) and L2 (--l2, default 1e-2)")},
    {.name = "early-stop", COUNT(0, 100000), TR(patience), .def = "0", .metavar = "N",
     .help = N_("stop after N epochs without a lower validation loss and restore the best "
             "weights; 0: never")},
    {.name = "epochs", COUNT(1, 100000), TR(epochs), .def = "1", .metavar = "N",
     .help = N_("passes over the training split")},
    {.name = "batch", COUNT(1, 4096), TR(batch), .def = "64", .metavar = "B",
     .help = N_("images per step")},
    {.name = "limit", COUNT(0, 100000000), TR(limit), .def = "0", .metavar = "N",
     .help = N_("use at most N images of each split; 0: all")},
    {.name = "val", COUNT(1, 100000000), TR(val), .flags = SETTING_HAS,
     .has = offsetof(struct train_settings, has_val), .metavar = "N",
     .help = N_("validation images held out of training; default: a twelfth of the training "
             "files, 2000 synthetic ones")},
    {.name = "eval-every", COUNT(0, MAX_STEPS), TR(eval_every), .def = "0", .metavar = "N",
     .help = N_("also evaluate the validation split every N batches (a finer curve; early "
             "stopping still looks at epochs' ends); 0: at epochs' ends only")},
    {.name = "threads", COUNT(1, 256), TR(threads), .def = "1", .metavar = "T",
     .help = N_("threads splitting each batch")},
    {.name = "seed", .type = SETTING_ULLONG, .uses = SETTING_ALL, TR(seed), .min = 0,
     .max = (double)LONG_MAX, .def = "1", .metavar = "S",
     .help = N_("initial weights, batch order, dropout, synthetic images")},
    {.name = "log", .type = SETTING_TEXT, .uses = SETTING_ALL, TR(log), .metavar = "FILE.csv",
     .help = N_("every step: optimizer,epoch,step,loss,penalty,accuracy,lr")},
    {.name = "save", .type = SETTING_TEXT, .uses = SETTING_ALL, TR(save), .metavar = "FILE",
     .help = N_("save the trained network (FILE-2, ... for more racers)")},
    {.name = "no-progress", FLAG, TR(no_progress),
     .help = N_("no progress bar even on a terminal")},
};

#define LS(f) FIELD(struct landscape_settings, f)
static const char *const landscape_direction_names[] = {"random", "pca", NULL};

/* `optiscope landscape`'s own options (the train options come first in its --help). */
static const struct setting landscape_rows[] = {
    {.name = "load", .type = SETTING_TEXT, .uses = SETTING_ALL, LS(load), .metavar = "FILE",
     .help = N_("a network saved by `train --save` instead of training one (random directions "
             "only: PCA needs the trajectory)")},
    {.name = "grid", COUNT(1, 1001), LS(grid), .def = "25", .metavar = "N",
     .help = N_("grid points per side of the slice")},
    {.name = "images", COUNT(1, 100000000), LS(images), .def = "512", .metavar = "M",
     .help = N_("the first M training images the loss is computed on")},
    {.name = "directions", .type = SETTING_CHOICE, .uses = SETTING_ALL, LS(directions),
     .choices = landscape_direction_names, .def = "random", .metavar = "random|pca",
     .help = N_("filter-normalized random directions (Li et al. 2018) or the first racer's "
             "trajectory's two principal components")},
    {.name = "range", .type = SETTING_DOUBLE, .uses = SETTING_ALL, LS(range), .min = 0,
     .max = 1e6, .def = "0", .metavar = "R",
     .help = N_("both axes span [-R, R]; 0: 1 for random directions, fitted to the projected "
             "paths for pca")},
    {.name = "checkpoint-every", COUNT(0, MAX_STEPS), LS(checkpoint_every), .def = "0",
     .metavar = "N", .help = N_("record each racer's weights every N steps for the paths; 0: "
                             "about 20 times an epoch")},
    {.name = "direction-seed", .type = SETTING_ULLONG, .uses = SETTING_ALL, LS(direction_seed),
     .min = 0, .max = (double)LONG_MAX, .def = "1", .metavar = "S",
     .help = N_("the random directions' generator")},
    /* the figure's look (-o FILE.png|svg|pdf), as the scene keys of the same names */
    {.name = "theme", .type = SETTING_CHOICE, .uses = SETTING_ALL, LS(theme),
     .choices = theme_names, .def = "dark", .metavar = "dark|light",
     .help = N_("the figure's colours: dark (viridis) or light (for a projector)")},
    {.name = "large-text", FLAG, LS(large_text),
     .help = N_("larger captions, for the back of a room")},
};
#undef LS
#undef FLAG
#undef COUNT

static const struct setting_table landscape_table = {
    .what = N_("landscape"), .rows = landscape_rows,
    .nrows = sizeof landscape_rows / sizeof landscape_rows[0],
    .size = sizeof(struct landscape_settings),
};

static const struct setting_table train_table = {
    .what = N_("train"), .rows = train_rows, .nrows = sizeof train_rows / sizeof train_rows[0],
    .size = sizeof(struct train_settings),
};

static const struct setting_table scene_table = {
    .what = N_("scene"), .rows = scene_rows, .nrows = sizeof scene_rows / sizeof scene_rows[0],
    .size = sizeof(struct scene),
};

static const char *const optim_kind_names[] = {
    "sgd", "momentum", "nag", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "nadam",
    "adamax", "ista",
};
_Static_assert(sizeof optim_kind_names / sizeof optim_kind_names[0] == OPTIM_COUNT, "names");

static const struct setting_table optim_table = {
    .what = N_("optimizer"), .rows = optim_rows, .nrows = sizeof optim_rows / sizeof optim_rows[0],
    .kinds = optim_kind_names, .nkinds = OPTIM_COUNT,
    .kind_offset = offsetof(struct optim_params, kind), .size = sizeof(struct optim_params),
};

static const char *const sched_kind_names[] = {
    "constant", "step", "exponential", "cosine", "inverse_time",
};
_Static_assert(sizeof sched_kind_names / sizeof sched_kind_names[0] == SCHED_COUNT, "names");

static const struct setting_table sched_table = {
    .what = N_("schedule"), .rows = sched_rows, .nrows = sizeof sched_rows / sizeof sched_rows[0],
    .kinds = sched_kind_names, .nkinds = SCHED_COUNT,
    .kind_offset = offsetof(struct sched, kind), .size = sizeof(struct sched),
};

const struct setting_table *settings_scene(void)
{
    return &scene_table;
}

const struct setting_table *settings_optim(void)
{
    return &optim_table;
}

const struct setting_table *settings_sched(void)
{
    return &sched_table;
}

const struct setting_table *settings_train(void)
{
    return &train_table;
}

const struct setting_table *settings_landscape(void)
{
    return &landscape_table;
}

/* ======================================================================== rows */

bool setting_applies(const struct setting *s, int kind)
{
    return kind >= 0 && kind < 32 && (s->uses & (1u << kind));
}

const struct setting *setting_find(const struct setting_table *t, const char *name, int kind)
{
    for (size_t i = 0; i < t->nrows; i++) {
        if (!strcmp(t->rows[i].name, name) && setting_applies(&t->rows[i], kind)) {
            return &t->rows[i];
        }
    }
    return NULL;
}

size_t setting_names(const struct setting_table *t, int kind, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nrows && n < max; i++) {
        const struct setting *s = &t->rows[i];
        if (kind >= 0 && !setting_applies(s, kind)) {
            continue;
        }
        bool seen = false;
        for (size_t j = 0; j < n && !seen; j++) {
            seen = !strcmp(out[j], s->name);
        }
        if (!seen) {
            out[n++] = s->name;
        }
    }
    return n;
}

int setting_kind(const struct setting_table *t, const char *name)
{
    for (int k = 0; k < t->nkinds; k++) {
        if (!strcmp(t->kinds[k], name)) {
            return k;
        }
    }
    return -1;
}

/* ======================================================================== one value */

static void *field(const struct setting *s, void *obj)
{
    return (char *)obj + s->offset;
}

static const void *cfield(const struct setting *s, const void *obj)
{
    return (const char *)obj + s->offset;
}

void setting_format_double(double v, char *buf, size_t len)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) {
            return;
        }
    }
}

/* A whole-number row's bounds as longs: a max of (double)LONG_MAX (2^63, one past LONG_MAX)
 * means LONG_MAX itself, so a row can take every long. */
static long whole_min(const struct setting *s)
{
    return s->min <= (double)LONG_MIN ? LONG_MIN : (long)s->min;
}

static long whole_max(const struct setting *s)
{
    return s->max >= (double)LONG_MAX ? LONG_MAX : (long)s->max;
}

static bool in_range(const struct setting *s, double v)
{
    bool lo = s->flags & SETTING_MIN_OPEN ? v > s->min : v >= s->min;
    bool hi = s->flags & SETTING_MAX_OPEN ? v < s->max : v <= s->max;
    return lo && hi;
}

/* " > 0", " in [0, 1)", " from 1 to 1000000000", or "" when unbounded. */
static void describe_range(const struct setting *s, char *buf, size_t len)
{
    char lo[40], hi[40];
    setting_format_double(s->min, lo, sizeof lo);
    setting_format_double(s->max, hi, sizeof hi);
    bool has_lo = isfinite(s->min), has_hi = isfinite(s->max);
    bool lo_open = s->flags & SETTING_MIN_OPEN, hi_open = s->flags & SETTING_MAX_OPEN;
    if (has_lo && has_hi && s->type != SETTING_DOUBLE && !lo_open && !hi_open) {
        snprintf(buf, len, _(" from %ld to %ld"), whole_min(s), whole_max(s));
    } else if (has_lo && has_hi) {
        snprintf(buf, len, " in %c%s, %s%c", lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']');
    } else if (has_lo) {
        snprintf(buf, len, " %s %s", lo_open ? ">" : ">=", lo);
    } else if (has_hi) {
        snprintf(buf, len, " %s %s", hi_open ? "<" : "<=", hi);
    } else {
        buf[0] = '\0';
    }
}

void setting_describe(const struct setting *s, char *buf, size_t len)
{
    char range[96];
    switch (s->type) {
    case SETTING_DOUBLE:
        describe_range(s, range, sizeof range);
        snprintf(buf, len, _("a number%s"), range);
        return;
    case SETTING_LONG:
    case SETTING_ULLONG:
        describe_range(s, range, sizeof range);
        snprintf(buf, len, _("a whole number%s"), range);
        return;
    case SETTING_BOOL:
        snprintf(buf, len, _("true or false"));
        return;
    case SETTING_CHOICE: {
        size_t used = (size_t)snprintf(buf, len, _("one of"));
        for (int i = 0; s->choices[i] && used < len; i++) {
            used += (size_t)snprintf(buf + used, len - used, "%s %s", i ? "," : "",
                                     s->choices[i]);
        }
        return;
    }
    case SETTING_TEXT:
        snprintf(buf, len, _("one line of UTF-8 text of at most %zu bytes"), s->size - 1);
        return;
    case SETTING_PAIR:
        snprintf(buf, len, _("X,Y: two numbers"));
        return;
    case SETTING_BOX:
        snprintf(buf, len, _("XMIN,XMAX,YMIN,YMAX with XMIN < XMAX and YMIN < YMAX"));
        return;
    case SETTING_CUSTOM:
        snprintf(buf, len, "%s", s->metavar);
        return;
    }
}

/* Text settings (a title) are drawn by cairo and the window and written back to scene files:
 * one line of valid UTF-8 without control characters that fits the field. */
static bool text_ok(const char *value, size_t size, char *err, size_t errlen)
{
    size_t len = strlen(value), bad;
    if (!util_utf8_valid(value, len, &bad)) {
        snprintf(err, errlen, _("'%s' is not valid UTF-8 text (byte %zu is \\x%02x)"),
                 UTIL_ESC(value), bad + 1, (unsigned char)value[bad]);
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            snprintf(err, errlen, _("'%s' holds a control character (\\x%02x); expected one "
                     "line of text"), UTIL_ESC(value), *p);
            return false;
        }
    }
    if (len >= size) {
        snprintf(err, errlen, _("'%s' is too long (%zu bytes; at most %zu bytes of UTF-8)"),
                 UTIL_ESC(value), len, size - 1);
        return false;
    }
    return true;
}

/* Why a number-valued setting refused value when one of its numbers is out of a double's
 * range (a subnormal, an overflow), else NULL. */
static const char *number_problem(const struct setting *s, const char *value)
{
    if (s->type != SETTING_DOUBLE && s->type != SETTING_PAIR && s->type != SETTING_BOX) {
        return NULL;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", value);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const char *why = util_number_problem(tok);
        if (why) {
            return why;
        }
    }
    return NULL;
}

/* Parses exactly n comma-separated finite numbers. */
static bool parse_numbers(const char *value, double *out, int n)
{
    const char *p = value;
    for (int i = 0; i < n; i++) {
        const char *end = strchr(p, ',');
        if ((i < n - 1) != (end != NULL)) {
            return false;
        }
        char one[64];
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len >= sizeof one) {
            return false;
        }
        memcpy(one, p, len);
        one[len] = '\0';
        if (!util_parse_double(one, &out[i])) {
            return false;
        }
        p = end ? end + 1 : p + len;
    }
    return true;
}

bool setting_parse(const struct setting *s, void *obj, const char *value, bool from_cli,
                   char *err, size_t errlen)
{
    void *dst = field(s, obj);
    bool ok = false;
    double d[4];
    switch (s->type) {
    case SETTING_DOUBLE:
        if ((ok = util_parse_double(value, &d[0]) && in_range(s, d[0]))) {
            *(double *)dst = d[0];
        }
        break;
    case SETTING_LONG:
    case SETTING_ULLONG: {
        assert(isfinite(s->min) && isfinite(s->max) && "whole numbers have a finite range");
        long v;
        ok = util_parse_long(value, whole_min(s), whole_max(s), &v);
        if (ok && s->type == SETTING_LONG) {
            *(long *)dst = v;
        } else if (ok) {
            *(unsigned long long *)dst = (unsigned long long)v;
        }
        break;
    }
    case SETTING_BOOL:
        ok = spec_parse_bool(value, (bool *)dst);
        break;
    case SETTING_CHOICE:
        for (int i = 0; s->choices[i] && !ok; i++) {
            if ((ok = !strcmp(value, s->choices[i]))) {
                *(int *)dst = i;
            }
        }
        break;
    case SETTING_TEXT:
        if (!text_ok(value, s->size, err, errlen)) {
            return false;
        }
        memcpy(dst, value, strlen(value) + 1);
        ok = true;
        break;
    case SETTING_PAIR:
    case SETTING_BOX: {
        int n = s->type == SETTING_PAIR ? 2 : 4;
        ok = parse_numbers(value, d, n) && (n == 2 || (d[0] < d[1] && d[2] < d[3]));
        if (ok) {
            memcpy(dst, d, (size_t)n * sizeof d[0]);
        }
        break;
    }
    case SETTING_CUSTOM:
        return s->parse(obj, value, from_cli, err, errlen);
    }
    if (!ok) {
        char what[160];
        setting_describe(s, what, sizeof what);
        const char *why = number_problem(s, value);
        snprintf(err, errlen, _("expected %s, got '%s'%s%s"), what, UTIL_ESC(value),
                 why ? ", which " : "", why ? why : "");
        return false;
    }
    if (s->flags & SETTING_HAS) {
        *(bool *)((char *)obj + s->has) = true;
    }
    return true;
}

bool setting_format(const struct setting *s, const void *obj, char *buf, size_t len)
{
    const void *src = cfield(s, obj);
    buf[0] = '\0';
    if ((s->flags & SETTING_HAS) && !*(const bool *)((const char *)obj + s->has)) {
        return false;
    }
    char num[4][40];
    switch (s->type) {
    case SETTING_DOUBLE:
        setting_format_double(*(const double *)src, buf, len);
        return true;
    case SETTING_LONG:
        snprintf(buf, len, "%ld", *(const long *)src);
        return true;
    case SETTING_ULLONG:
        snprintf(buf, len, "%llu", *(const unsigned long long *)src);
        return true;
    case SETTING_BOOL:
        snprintf(buf, len, "%s", *(const bool *)src ? "true" : "false");
        return true;
    case SETTING_CHOICE:
        snprintf(buf, len, "%s", s->choices[*(const int *)src]);
        return true;
    case SETTING_TEXT:
        snprintf(buf, len, "%s", (const char *)src);
        return *(const char *)src != '\0';
    case SETTING_PAIR:
    case SETTING_BOX: {
        int n = s->type == SETTING_PAIR ? 2 : 4;
        for (int i = 0; i < n; i++) {
            setting_format_double(((const double *)src)[i], num[i], sizeof num[i]);
        }
        if (n == 2) {
            snprintf(buf, len, "%s, %s", num[0], num[1]);
        } else {
            snprintf(buf, len, "%s, %s, %s, %s", num[0], num[1], num[2], num[3]);
        }
        return true;
    }
    case SETTING_CUSTOM:
        return s->format(obj, buf, len);
    }
    return false;
}

bool setting_equal(const struct setting *s, const void *a, const void *b)
{
    char fa[4096], fb[4096];
    bool sa = setting_format(s, a, fa, sizeof fa), sb = setting_format(s, b, fb, sizeof fb);
    return sa == sb && !strcmp(fa, fb);
}

/* ======================================================================== specs */

static int kind_of(const struct setting_table *t, const void *obj)
{
    int kind = *(const int *)((const char *)obj + t->kind_offset);
    assert(kind >= 0 && kind < t->nkinds);
    return kind;
}

void setting_defaults(const struct setting_table *t, int kind, void *obj)
{
    memset(obj, 0, t->size);
    if (t->kinds) {
        assert(kind >= 0 && kind < t->nkinds);
        *(int *)((char *)obj + t->kind_offset) = kind;
    } else {
        kind = 0;   /* tables without kinds: every row applies to kind 0 */
    }
    for (size_t i = 0; i < t->nrows; i++) {
        const struct setting *s = &t->rows[i];
        if (setting_applies(s, kind) && s->def) {
            char err[256];
            bool ok = setting_parse(s, obj, s->def, false, err, sizeof err);
            assert(ok && "every default parses (test_settings checks)");
            (void)ok;
        }
    }
}

const struct setting *setting_find_key(const struct setting_table *t, const char *key,
                                       char *err, size_t errlen)
{
    const struct setting *row = setting_find(t, key, 0);
    if (!row) {
        snprintf(err, errlen, _("unknown key '%s'"), UTIL_ESC(key));
        const char *names[64];
        size_t n = setting_names(t, -1, names, 64);
        util_append_suggestion(err, errlen, key, names, n);
    }
    return row;
}

/* The row a kind takes at 1-based position pos, or NULL. */
static const struct setting *at_position(const struct setting_table *t, int kind, int pos)
{
    for (size_t i = 0; i < t->nrows; i++) {
        if (t->rows[i].position == pos && setting_applies(&t->rows[i], kind)) {
            return &t->rows[i];
        }
    }
    return NULL;
}

/* Appends "a, b and c": the kinds that take the key `name`, into buf. */
static void kinds_taking(const struct setting_table *t, const char *name, char *buf, size_t len)
{
    unsigned uses = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        if (!strcmp(t->rows[i].name, name)) {
            uses |= t->rows[i].uses;
        }
    }
    int total = 0, done = 0;
    for (int k = 0; k < t->nkinds; k++) {
        total += (uses >> k) & 1u;
    }
    size_t used = strlen(buf);
    for (int k = 0; k < t->nkinds && used < len; k++) {
        if (uses & (1u << k)) {
            done++;
            const char *sep = done == 1 ? "" : done == total ? " and " : ", ";
            used += (size_t)snprintf(buf + used, len - used, "%s%s", sep, t->kinds[k]);
        }
    }
}

/* Appends text to the NUL-terminated buf of size len, truncating. */
static void append(char *buf, size_t len, const char *text)
{
    size_t used = strlen(buf);
    if (used < len) {
        snprintf(buf + used, len - used, "%s", text);
    }
}

/* The message for a key that kind does not take: unknown, or another kind's. */
static void wrong_key(const struct setting_table *t, const char *name, int kind,
                      const char *key, char *err, size_t errlen)
{
    const char *valid[64];
    size_t nvalid = setting_names(t, kind, valid, 64);
    const char *any[64];
    size_t nany = setting_names(t, -1, any, 64);
    bool known = false;
    for (size_t i = 0; i < nany; i++) {
        known = known || !strcmp(any[i], key);
    }
    if (known) {
        snprintf(err, errlen, _("%s: parameter '%s' does not apply to %s (it is for "), name,
                 UTIL_ESC(key), name);
        kinds_taking(t, key, err, errlen);
        append(err, errlen, ")");
    } else {
        snprintf(err, errlen, _("%s: unknown parameter '%s'"), name, UTIL_ESC(key));
    }
    util_append_suggestion(err, errlen, key, valid, nvalid);
    char usage[512];
    setting_usage(t, kind, usage, sizeof usage);
    append(err, errlen, _("; usage: "));
    append(err, errlen, usage);
}

bool setting_parse_spec(const struct setting_table *t, const char *text, void *obj, char *err,
                        size_t errlen)
{
    assert(t->kinds && t->size <= MAX_SPEC_STRUCT && t->nrows <= 64);
    struct spec sp;
    if (!spec_parse(text, &sp, err, errlen)) {
        return false;
    }
    int kind = setting_kind(t, sp.name);
    if (kind < 0) {
        snprintf(err, errlen, _("unknown %s '%s'"), _(t->what), UTIL_ESC(sp.name));
        util_append_suggestion(err, errlen, sp.name, t->kinds, (size_t)t->nkinds);
        return false;
    }
    _Alignas(max_align_t) unsigned char tmp[MAX_SPEC_STRUCT];
    setting_defaults(t, kind, tmp);
    uint64_t given = 0;
    int npos = 0;
    bool keyed = false;
    for (int i = 0; i < sp.nargs; i++) {
        const struct spec_arg *a = &sp.args[i];
        const struct setting *s;
        char usage[512];
        if (a->key[0]) {
            keyed = true;
            s = setting_find(t, a->key, kind);
            if (!s) {
                wrong_key(t, sp.name, kind, a->key, err, errlen);
                return false;
            }
        } else {
            npos++;
            s = at_position(t, kind, npos);
            setting_usage(t, kind, usage, sizeof usage);
            if (setting_find(t, a->value, kind)) {
                /* "adam(beta1)": a key without its value, not a value without its key */
                snprintf(err, errlen, _("%s: '%s' has no value (write %s=VALUE)"), sp.name,
                         UTIL_ESC(a->value), a->value);
                return false;
            }
            if (keyed) {
                snprintf(err, errlen, _("%s: value '%s' without a key after a key=value; values "
                         "without keys come first, in the order %s"), sp.name, UTIL_ESC(a->value),
                         usage);
                return false;
            }
            if (!s) {
                snprintf(err, errlen, _("%s: too many values without a key ('%s' is value %d); "
                         "give the others as key=value; usage: %s"), sp.name,
                         UTIL_ESC(a->value), npos,
                         usage);
                return false;
            }
        }
        uint64_t bit = (uint64_t)1 << (s - t->rows);
        if (given & bit) {
            snprintf(err, errlen, _("%s: '%s' is given twice"), sp.name, s->name);
            return false;
        }
        given |= bit;
        char msg[256];
        if (!setting_parse(s, tmp, a->value, false, msg, sizeof msg)) {
            if (s->type == SETTING_CUSTOM) {
                /* a nested spec (an optimizer's schedule): its message says what is wrong */
                snprintf(err, errlen, _("%s: invalid %s=%s: %s"), sp.name, s->name, UTIL_ESC(a->value),
                         msg);
                return false;
            }
            const char *why = number_problem(s, a->value);
            setting_describe(s, msg, sizeof msg);
            snprintf(err, errlen, _("%s: invalid %s=%s: expected %s%s%s; %s: %s"), sp.name,
                     s->name, UTIL_ESC(a->value), msg, why ? _("; the value ") : "",
                     why ? why : "", s->name, _(s->help));
            return false;
        }
    }
    for (size_t i = 0; i < t->nrows; i++) {
        const struct setting *s = &t->rows[i];
        if ((s->flags & SETTING_REQUIRED) && setting_applies(s, kind) && !(given >> i & 1u)) {
            char usage[512];
            setting_usage(t, kind, usage, sizeof usage);
            snprintf(err, errlen, _("%s: missing required parameter '%s' (%s); usage: %s"),
                     sp.name, s->name, _(s->help), usage);
            return false;
        }
    }
    memcpy(obj, tmp, t->size);
    return true;
}

int setting_format_spec(const struct setting_table *t, const void *obj, char *buf, size_t len)
{
    int kind = kind_of(t, obj);
    _Alignas(max_align_t) unsigned char def[MAX_SPEC_STRUCT];
    setting_defaults(t, kind, def);
    char out[2048];
    size_t used = (size_t)snprintf(out, sizeof out, "%s", t->kinds[kind]);
    int nargs = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        const struct setting *s = &t->rows[i];
        if (!setting_applies(s, kind)
            || (!(s->flags & SETTING_REQUIRED) && setting_equal(s, obj, def))) {
            continue;
        }
        char value[256];   /* a number, or a nested spec (an optimizer's schedule) */
        setting_format(s, obj, value, sizeof value);
        /* A kind takes at most 16 rows (keys of < 32, values of < 256 characters): out
         * cannot overflow; the guard only keeps that true if tables grow. */
        assert(used + strlen(s->name) + strlen(value) + 3 < sizeof out);
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s=%s", nargs ? "," : "(",
                                 s->name, value);
        nargs++;
    }
    if (nargs) {
        snprintf(out + used, sizeof out - used, ")");
    }
    return snprintf(buf, len, "%s", out);
}

void setting_usage(const struct setting_table *t, int kind, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "%s(", t->kinds[kind]);
    int n = 0;
    /* positional rows in their order, then the keyword-only ones in table order */
    for (int pos = 1;; pos++) {
        const struct setting *s = at_position(t, kind, pos);
        if (!s) {
            break;
        }
        const char *sep = n++ ? ", " : "";
        if (used < len) {
            used += (size_t)snprintf(buf + used, len - used, "%s%s%s%s", sep, s->name,
                                     s->def ? "=" : "", s->def ? s->def : "");
        }
    }
    bool star = false;
    for (size_t i = 0; i < t->nrows; i++) {
        const struct setting *s = &t->rows[i];
        if (!setting_applies(s, kind) || s->position > 0) {
            continue;
        }
        const char *sep = n++ ? ", " : "";
        if (used < len) {
            used += (size_t)snprintf(buf + used, len - used, "%s%s%s=%s", sep,
                                     star ? "" : "*, ", s->name, s->def ? s->def : "VALUE");
        }
        star = true;
    }
    if (used < len) {
        snprintf(buf + used, len - used, ")");
    }
}

/* ======================================================================== help */

#define HELP_WIDTH 79
#define HELP_INDENT 25

/* Writes text word by word from column col, wrapping at HELP_WIDTH onto lines indented by
 * indent; ends the line. */
static void wrap(FILE *out, int col, int indent, const char *text)
{
    bool first = true;
    for (const char *p = text; *p;) {
        while (*p == ' ') {
            p++;
        }
        const char *w = p;
        while (*p && *p != ' ') {
            p++;
        }
        int n = (int)(p - w), cols = util_text_columns(w, (size_t)n);
        if (n == 0) {
            break;
        }
        if (!first && col + 1 + cols > HELP_WIDTH) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        } else if (!first) {
            fputc(' ', out);
            col++;
        }
        fwrite(w, 1, (size_t)n, out);
        col += cols;
        first = false;
    }
    fputc('\n', out);
}

/* "  LABEL" padded to the help column (or on a line of its own when too long), then text. */
static void entry(FILE *out, const char *label, const char *text)
{
    int col = fprintf(out, "  %s", label);
    if (col >= HELP_INDENT - 1) {
        fprintf(out, "\n");
        col = 0;
    }
    fprintf(out, "%*s", HELP_INDENT - col, "");
    wrap(out, HELP_INDENT, HELP_INDENT, text);
}

void setting_help(const struct setting_table *t, FILE *out)
{
    char label[128], text[1024];
    if (!t->kinds) {
        for (size_t i = 0; i < t->nrows; i++) {
            const struct setting *s = &t->rows[i];
            /* a flag (a BOOL row without a metavar) is given as --key alone */
            snprintf(label, sizeof label, "--%s%s%s", s->name, s->metavar ? " " : "",
                     s->metavar ? s->metavar : "");
            snprintf(text, sizeof text, "%s%s%s", _(s->help), s->def ? _("; default ") : "",
                     s->def ? s->def : "");
            entry(out, label, text);
        }
        return;
    }
    for (int k = 0; k < t->nkinds; k++) {
        setting_usage(t, k, text, sizeof text);
        fprintf(out, "  ");
        wrap(out, 2, 6, text);
    }
    const char *names[64];
    size_t n = setting_names(t, -1, names, 64);
    for (size_t i = 0; i < n; i++) {
        /* The first row's help, then what each kind accepts, kinds with the same range
         * together: "momentum, rmsprop: a number in [0, 1); nag: a number in (0, 1)". */
        struct group {
            char what[160];
            unsigned uses;
        } groups[16];
        int ngroups = 0;
        const struct setting *first = NULL;
        for (size_t r = 0; r < t->nrows; r++) {
            const struct setting *s = &t->rows[r];
            if (strcmp(s->name, names[i])) {
                continue;
            }
            first = first ? first : s;
            char what[160];
            setting_describe(s, what, sizeof what);
            int g = 0;
            while (g < ngroups && strcmp(groups[g].what, what)) {
                g++;
            }
            if (g == ngroups) {
                assert(ngroups < 16);
                snprintf(groups[g].what, sizeof groups[g].what, "%s", what);
                groups[g].uses = 0;
                ngroups++;
            }
            groups[g].uses |= s->uses;
        }
        size_t used = (size_t)snprintf(text, sizeof text, "%s", _(first->help));
        /* rows whose help differs say so for their kinds: "adamw: decoupled weight decay" */
        for (size_t r = 0; r < t->nrows && used < sizeof text; r++) {
            const struct setting *s = &t->rows[r];
            if (strcmp(s->name, names[i]) || !strcmp(s->help, first->help)) {
                continue;
            }
            for (int k = 0, m = 0; k < t->nkinds && used < sizeof text; k++) {
                if (s->uses & (1u << k)) {
                    used += (size_t)snprintf(text + used, sizeof text - used, "%s%s",
                                             m++ ? ", " : "; ", t->kinds[k]);
                }
            }
            if (used < sizeof text) {
                used += (size_t)snprintf(text + used, sizeof text - used, ": %s", _(s->help));
            }
        }
        for (int g = 0; g < ngroups && used < sizeof text; g++) {
            bool all = true;
            for (int k = 0; k < t->nkinds; k++) {
                all = all && (groups[g].uses & (1u << k));
            }
            used += (size_t)snprintf(text + used, sizeof text - used, "; ");
            for (int k = 0, m = 0; !all && k < t->nkinds && used < sizeof text; k++) {
                if (groups[g].uses & (1u << k)) {
                    used += (size_t)snprintf(text + used, sizeof text - used, "%s%s",
                                             m++ ? ", " : "", t->kinds[k]);
                }
            }
            if (used < sizeof text) {
                used += (size_t)snprintf(text + used, sizeof text - used, "%s%s",
                                         all ? "" : ": ", groups[g].what);
            }
        }
        entry(out, names[i], text);
    }
}

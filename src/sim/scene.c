/* scene.c: scene settings from files, presets and options (one `scene_set` for all three), and
 * their resolution into a compiled function and a race. */
#include "sim/scene.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/spec.h"
#include "sim/util.h"

static const char *const keys[] = {
    "function", "expr", "optimizer", "start", "steps", "schedule", "l1", "l2",
    "noise", "seed", "scale", "domain", "title",
};

const char *const *scene_keys(size_t *count)
{
    *count = sizeof keys / sizeof keys[0];
    return keys;
}

void scene_init(struct scene *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->function, sizeof s->function, "beale");
    s->steps = 500;
    sched_default(&s->sched);
    s->seed = 1;
    s->scale = SCENE_SCALE_AUTO;
}

void scene_finish(struct scene *s)
{
    free(s->expr);
    s->expr = NULL;
}

/* A non-negative finite number. */
static bool parse_nonneg(const char *key, const char *value, double *out, char *err,
                         size_t errlen)
{
    double v;
    if (!util_parse_double(value, &v) || v < 0.0) {
        snprintf(err, errlen, "%s: expected a number >= 0, got '%s'", key, value);
        return false;
    }
    *out = v;
    return true;
}

static bool set_optimizers(struct scene *s, const char *value, bool from_cli, char *err,
                           size_t errlen)
{
    char items[RACE_MAX][256];
    char msg[400];
    int n = spec_split_list(value, items, RACE_MAX, msg, sizeof msg);
    if (n < 0) {
        snprintf(err, errlen, "optimizer: %s", msg);
        return false;
    }
    if (from_cli && !s->opt_from_cli) {
        s->nopt = 0;   /* the command line replaces the scene file's list */
        s->opt_from_cli = true;
    }
    for (int i = 0; i < n; i++) {
        if (s->nopt == RACE_MAX) {
            snprintf(err, errlen, "optimizer: too many optimizers (at most %d)", RACE_MAX);
            return false;
        }
        if (!optim_parse(items[i], &s->opt[s->nopt], msg, sizeof msg)) {
            snprintf(err, errlen, "optimizer: %s", msg);
            return false;
        }
        s->nopt++;
    }
    return true;
}

bool scene_set(struct scene *s, const char *key, const char *value, bool from_cli,
               char *err, size_t errlen)
{
    char msg[400];
    if (!strcmp(key, "function")) {
        if (!catalog_find(value)) {
            snprintf(err, errlen, "function: unknown function '%s'", value);
            util_append_suggestion(err, errlen, value, catalog_names(), catalog_count());
            return false;
        }
        snprintf(s->function, sizeof s->function, "%s", value);
        free(s->expr);
        s->expr = NULL;
        return true;
    }
    if (!strcmp(key, "expr")) {
        struct expr_error e;
        struct expr *f = expr_compile(value, &e);
        if (!f) {
            snprintf(err, errlen, "expr: position %d: %s", e.pos, e.msg);
            return false;
        }
        expr_destroy(f);
        free(s->expr);
        s->expr = xstrdup(value);
        return true;
    }
    if (!strcmp(key, "optimizer")) {
        return set_optimizers(s, value, from_cli, err, errlen);
    }
    if (!strcmp(key, "start")) {
        if (!util_parse_pair(value, &s->start[0], &s->start[1])) {
            snprintf(err, errlen, "start: expected X,Y, got '%s'", value);
            return false;
        }
        s->has_start = true;
        return true;
    }
    if (!strcmp(key, "steps")) {
        if (!util_parse_long(value, 0, 1000000000L, &s->steps)) {
            snprintf(err, errlen, "steps: expected a whole number from 0 to 1000000000, "
                     "got '%s'", value);
            return false;
        }
        return true;
    }
    if (!strcmp(key, "schedule")) {
        if (!sched_parse(value, &s->sched, msg, sizeof msg)) {
            snprintf(err, errlen, "schedule: %s", msg);
            return false;
        }
        return true;
    }
    if (!strcmp(key, "l1")) {
        return parse_nonneg(key, value, &s->l1, err, errlen);
    }
    if (!strcmp(key, "l2")) {
        return parse_nonneg(key, value, &s->l2, err, errlen);
    }
    if (!strcmp(key, "noise")) {
        return parse_nonneg(key, value, &s->noise, err, errlen);
    }
    if (!strcmp(key, "seed")) {
        long v;
        if (!util_parse_long(value, 0, 2147483647L, &v)) {
            snprintf(err, errlen, "seed: expected a whole number >= 0, got '%s'", value);
            return false;
        }
        s->seed = (unsigned long long)v;
        return true;
    }
    if (!strcmp(key, "scale")) {
        if (!strcmp(value, "auto")) {
            s->scale = SCENE_SCALE_AUTO;
        } else if (!strcmp(value, "linear")) {
            s->scale = SCENE_SCALE_LINEAR;
        } else if (!strcmp(value, "log")) {
            s->scale = SCENE_SCALE_LOG;
        } else {
            snprintf(err, errlen, "scale: expected auto, linear or log, got '%s'", value);
            return false;
        }
        return true;
    }
    if (!strcmp(key, "domain")) {
        double d[4];
        char extra;
        if (sscanf(value, " %lf , %lf , %lf , %lf %c", &d[0], &d[1], &d[2], &d[3], &extra) != 4
            || !(d[0] < d[1]) || !(d[2] < d[3]) || !isfinite(d[0]) || !isfinite(d[1]) ||
            !isfinite(d[2]) || !isfinite(d[3])) {
            snprintf(err, errlen, "domain: expected XMIN,XMAX,YMIN,YMAX with XMIN < XMAX and "
                     "YMIN < YMAX, got '%s'", value);
            return false;
        }
        memcpy(s->domain, d, sizeof d);
        s->has_domain = true;
        return true;
    }
    if (!strcmp(key, "title")) {
        snprintf(s->title, sizeof s->title, "%s", value);
        return true;
    }
    snprintf(err, errlen, "unknown key '%s'", key);
    size_t n;
    const char *const *k = scene_keys(&n);
    util_append_suggestion(err, errlen, key, k, n);
    return false;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) {
        s++;
    }
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) {
        *--e = '\0';
    }
    return s;
}

bool scene_load_file(struct scene *s, const char *path, char *err, size_t errlen)
{
    char *text = util_read_file(path, NULL);
    if (!text) {
        snprintf(err, errlen, "%s: cannot read scene file: %s", path, strerror(errno));
        return false;
    }
    bool ok = true;
    int lineno = 0;
    /* strtok_r would merge empty lines and break line numbers, so split by hand. */
    char *line = text;
    while (line && ok) {
        char *nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
        }
        lineno++;
        char *hash = strchr(line, '#');
        if (hash) {
            *hash = '\0';
        }
        char *t = trim(line);
        if (*t) {
            char *eq = strchr(t, '=');
            if (!eq) {
                snprintf(err, errlen, "%s:%d: expected 'key = value', got '%s'", path, lineno,
                         t);
                ok = false;
                break;
            }
            *eq = '\0';
            char *key = trim(t);
            char *value = trim(eq + 1);
            char msg[512];
            if (!*value) {
                snprintf(err, errlen, "%s:%d: missing value for '%s'", path, lineno, key);
                ok = false;
            } else if (!scene_set(s, key, value, false, msg, sizeof msg)) {
                snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
                ok = false;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    return ok;
}

/* The default race: every optimizer once, with torch's defaults except where torch has no
 * default learning rate that moves on a toy surface in a few hundred steps. */
static void default_optimizers(struct scene *s)
{
    static const char *const specs[] = {
        "sgd(lr=0.001)", "momentum(lr=0.001)", "nag(lr=0.001)", "adagrad(lr=0.5)",
        "adadelta(lr=10)", "rmsprop(lr=0.01)", "adam(lr=0.05)", "nadam(lr=0.05)",
    };
    char msg[256];
    s->nopt = 0;
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        bool ok = optim_parse(specs[i], &s->opt[s->nopt++], msg, sizeof msg);
        (void)ok;
    }
}

bool scene_resolve(struct scene *s, struct scene_resolved *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (s->expr) {
        struct expr_error e;
        out->f = expr_compile(s->expr, &e);
        if (!out->f) {
            snprintf(err, errlen, "expr: position %d: %s", e.pos, e.msg);
            return false;
        }
        snprintf(out->name, sizeof out->name, "custom");
        out->domain[0] = -2.0;
        out->domain[1] = 2.0;
        out->domain[2] = -2.0;
        out->domain[3] = 2.0;
        out->start[0] = -1.5;
        out->start[1] = 1.5;
        out->log_scale = false;
    } else {
        const struct catalog_entry *c = catalog_find(s->function);
        if (!c) {
            snprintf(err, errlen, "unknown function '%s'", s->function);
            util_append_suggestion(err, errlen, s->function, catalog_names(), catalog_count());
            return false;
        }
        struct expr_error e;
        out->f = expr_compile(c->expr, &e);
        if (!out->f) {
            snprintf(err, errlen, "catalog function '%s' does not compile: %s", c->name, e.msg);
            return false;
        }
        out->entry = c;
        snprintf(out->name, sizeof out->name, "%s", c->name);
        out->domain[0] = c->xmin;
        out->domain[1] = c->xmax;
        out->domain[2] = c->ymin;
        out->domain[3] = c->ymax;
        out->start[0] = c->start[0];
        out->start[1] = c->start[1];
        out->log_scale = c->log_scale;
        out->nminima = c->nminima;
        memcpy(out->minima, c->minima, sizeof out->minima);
    }
    if (s->has_domain) {
        memcpy(out->domain, s->domain, sizeof out->domain);
    }
    if (s->has_start) {
        out->start[0] = s->start[0];
        out->start[1] = s->start[1];
    }
    if (s->scale != SCENE_SCALE_AUTO) {
        out->log_scale = s->scale == SCENE_SCALE_LOG;
    }
    if (s->nopt == 0) {
        default_optimizers(s);
    }
    return true;
}

void scene_resolved_finish(struct scene_resolved *r)
{
    expr_destroy(r->f);
    r->f = NULL;
}

void scene_make_race(const struct scene *s, const struct scene_resolved *r, struct race *race)
{
    struct race_desc d = {
        .f = r->f,
        .xmin = r->domain[0],
        .xmax = r->domain[1],
        .ymin = r->domain[2],
        .ymax = r->domain[3],
        .sched = &s->sched,
        .l1 = s->l1,
        .l2 = s->l2,
        .noise = s->noise,
        .seed = s->seed,
        .start = {r->start[0], r->start[1]},
        .n = s->nopt,
        .params = s->opt,
    };
    race_init(race, &d);
}

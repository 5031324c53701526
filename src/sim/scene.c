/* scene.c: scene settings from files, presets and options (one `scene_set` for all three), and
 * their resolution into a compiled function and a race. */
#include "sim/scene.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/i18n.h"
#include "sim/settings.h"
#include "sim/util.h"

/* ======================================================================== settings */

void scene_file_description(const char *path, char *out, size_t len)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) {
        return;
    }
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') {
            char *s = line + 1;
            while (*s == ' ') {
                s++;
            }
            s[strcspn(s, "\n")] = '\0';
            util_copy_text(out, len, s);
            break;
        }
    }
    fclose(f);
}


/* Every key, its type, range, default and help are the rows of settings_scene(). */

size_t scene_keys(const char **out, size_t max)
{
    return setting_names(settings_scene(), -1, out, max);
}

void scene_init(struct scene *s)
{
    setting_defaults(settings_scene(), 0, s);
}

void scene_finish(struct scene *s)
{
    free(s->expr);
    s->expr = NULL;
}

void scene_copy(struct scene *dst, const struct scene *src)
{
    *dst = *src;
    dst->expr = src->expr ? xstrdup(src->expr) : NULL;
}

bool scene_set(struct scene *s, const char *key, const char *value, bool from_cli,
               char *err, size_t errlen)
{
    const struct setting_table *t = settings_scene();
    const struct setting *row = setting_find_key(t, key, err, errlen);
    if (!row) {
        return false;
    }
    /* Surrounding blanks never matter, and a file's values come trimmed: trimming here too
     * keeps a scene given on the command line writable as it reads. */
    while (isspace((unsigned char)*value)) {
        value++;
    }
    size_t len = strlen(value);
    while (len > 0 && isspace((unsigned char)value[len - 1])) {
        len--;
    }
    char *v = xmalloc(len + 1);
    memcpy(v, value, len);
    v[len] = '\0';
    char msg[768];
    bool ok = setting_parse(row, s, v, from_cli, msg, sizeof msg);
    if (!ok) {
        snprintf(err, errlen, "%s: %s", UTIL_ESC(key), msg);
    }
    free(v);
    return ok;
}

/* Writes only the keys whose values differ from scene_init's, so a written scene reads as
 * what was chosen, and a later change of a default reaches scenes that never chose. */
bool scene_write(const struct scene *s, FILE *f, char *err, size_t errlen)
{
    const struct setting_table *t = settings_scene();
    struct scene def;
    scene_init(&def);
    bool ok = true;
    char value[4096];
    for (size_t i = 0; i < t->nrows && ok; i++) {
        const struct setting *row = &t->rows[i];
        bool set = setting_format(row, s, value, sizeof value);
        if (!set || setting_equal(row, s, &def)) {
            continue;
        }
        /* A scene file cannot hold these: '#' starts a comment, a line ends the value. */
        if (strpbrk(value, "#\n") || strlen(value) + 1 >= sizeof value) {
            snprintf(err, errlen, _("%s: '%s' cannot be written to a scene file (it holds '#', a "
                     "newline, or is too long)"), row->name, UTIL_ESC(value));
            ok = false;
            break;
        }
        fprintf(f, "%s = %s\n", row->name, value);
    }
    scene_finish(&def);
    if (ok && (fflush(f) != 0 || ferror(f))) {
        snprintf(err, errlen, _("cannot write the scene: %s"), strerror(errno));
        ok = false;
    }
    return ok;
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
    size_t size;
    char *text = util_read_text_file(path, _("scene file"), SCENE_MAX_BYTES, &size, err, errlen);
    if (!text) {
        return false;
    }
    bool ok = scene_load_text(s, path, text, size, err, errlen);
    free(text);
    return ok;
}

bool scene_load_text(struct scene *s, const char *path, const char *data, size_t size,
                     char *err, size_t errlen)
{
    char msg[512];
    char *text = xmalloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    bool ok = true;
    /* A NUL would end the text early and hide every line after it: refuse it where it is. */
    const char *nul = memchr(text, '\0', size);
    if (nul) {
        int at = 1;
        for (const char *p = text; p < nul; p++) {
            at += *p == '\n';
        }
        snprintf(err, errlen, _("%s:%d: a NUL byte (a scene file is text)"), UTIL_ESC(path), at);
        free(text);
        return false;
    }
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
                snprintf(err, errlen, _("%s:%d: expected 'key = value', got '%s'"),
                         UTIL_ESC(path), lineno, UTIL_ESC(t));
                ok = false;
                break;
            }
            *eq = '\0';
            char *key = trim(t);
            char *value = trim(eq + 1);
            if (!*value) {
                snprintf(err, errlen, _("%s:%d: missing value for '%s'"), UTIL_ESC(path), lineno,
                         UTIL_ESC(key));
                ok = false;
            } else if (!scene_set(s, key, value, false, msg, sizeof msg)) {
                snprintf(err, errlen, "%s:%d: %s", UTIL_ESC(path), lineno, msg);
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
            snprintf(err, errlen, _("expr: position %d: %s"), e.pos, e.msg);
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
            snprintf(err, errlen, _("unknown function '%s'"), UTIL_ESC(s->function));
            util_append_suggestion(err, errlen, s->function, catalog_names(), catalog_count());
            return false;
        }
        struct expr_error e;
        out->f = expr_compile(c->expr, &e);
        if (!out->f) {
            snprintf(err, errlen, _("catalog function '%s' does not compile: %s"), c->name, e.msg);
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
    out->objective = race_objective_compile(out->f, s->l1, s->l2);
    if (!race_start_ok(out->objective, out->start, err, errlen)) {
        scene_resolved_finish(out);
        return false;
    }
    return true;
}

void scene_resolved_finish(struct scene_resolved *r)
{
    expr_destroy(r->f);
    expr_destroy(r->objective);
    r->f = NULL;
    r->objective = NULL;
}

void scene_make_race(const struct scene *s, const struct scene_resolved *r, struct race *race)
{
    struct race_desc d = {
        .f = r->f,
        .obj = r->objective,
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

bool scene_race_init(struct scene_race *sr, const struct scene *scene, char *err, size_t errlen)
{
    scene_copy(&sr->scene, scene);
    if (!scene_resolve(&sr->scene, &sr->res, err, errlen)) {
        scene_finish(&sr->scene);
        return false;
    }
    scene_make_race(&sr->scene, &sr->res, &sr->race);
    return true;
}

void scene_race_finish(struct scene_race *sr)
{
    race_finish(&sr->race);
    scene_resolved_finish(&sr->res);
    scene_finish(&sr->scene);
}

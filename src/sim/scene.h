/* scene.h: everything that defines a race on a 2-D function, as `key = value` settings shared
 * by scene files, presets and command-line options, and its resolution into a race. */
#ifndef OPTISCOPE_SIM_SCENE_H
#define OPTISCOPE_SIM_SCENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim/catalog.h"
#include "sim/expr.h"
#include "sim/optim.h"
#include "sim/race.h"
#include "sim/sched.h"

enum scene_scale { SCENE_SCALE_AUTO, SCENE_SCALE_LINEAR, SCENE_SCALE_LOG };
enum scene_view { SCENE_VIEW_2D, SCENE_VIEW_3D };
/* A split view: the same function on two plots, each side under its own penalty. */
enum scene_split { SCENE_SPLIT_NONE, SCENE_SPLIT_L1_VS_L2 };
/* The look: today's (viridis under bright paths) or the projector's (a light map, Okabe-Ito
 * paths, dark text). */
enum scene_theme { SCENE_THEME_DARK, SCENE_THEME_LIGHT };

struct scene {
    char function[64];            /* catalog name; ignored when expr is set */
    char *expr;                   /* user expression (owned), or NULL */
    int nopt;                     /* optimizers in the race */
    struct optim_params opt[RACE_MAX];
    bool opt_from_cli;            /* the command line replaced the file's optimizer list */
    bool has_start;               /* start given; else the function's default */
    double start[2];
    long steps;                   /* steps to run (trace, render) */
    struct sched sched;
    double l1, l2;                /* penalties */
    double noise;                 /* gradient noise sigma */
    unsigned long long seed;
    enum scene_scale scale;       /* colour scale */
    bool has_domain;              /* view given; else the function's */
    double domain[4];             /* xmin, xmax, ymin, ymax */
    char title[128];              /* figure title; empty: derived */
    /* What is shown (the window's state, so a saved scene reopens as it was left): */
    bool has_zoom;                /* zoom given; else the domain is shown */
    double zoom[4];               /* the part of the plane shown: xmin, xmax, ymin, ymax */
    double camera[3];             /* 3-D orbit: yaw, pitch (radians), distance (scene units) */
    enum scene_view view;         /* 2-D map or 3-D surface */
    bool contours, trails, arrows;   /* isolines, paths, gradient/velocity arrows */
    enum scene_split split;       /* l1_vs_l2: l1 on the left plot, l2 on the right one */
    /* In front of a class: */
    enum scene_theme theme;       /* dark (default) or light */
    bool large_text;              /* every caption larger, for the back of a room */
};

/* The keys a scene understands (the names of settings_scene()'s rows, in order) into out, at
 * most max; returns how many. */
size_t scene_keys(const char **out, size_t max);

void scene_init(struct scene *s);      /* defaults: beale, all optimizers' defaults unset */
void scene_finish(struct scene *s);
/* *dst = *src with its own copy of the expression (caller finishes dst). */
void scene_copy(struct scene *dst, const struct scene *src);

/* Sets one key. `from_cli` selects replace-then-append semantics for `optimizer`: the first
 * optimizer given on the command line replaces the list a scene file set. Errors name the key
 * and the problem, with a suggestion for unknown names. */
bool scene_set(struct scene *s, const char *key, const char *value, bool from_cli,
               char *err, size_t errlen);

/* Writes s as a scene file that scene_load_file reads back to the same scene: one `key =
 * value` line for each key that differs from scene_init's default. Fails, naming the key, for
 * a value a scene file cannot hold (a title with '#'), or when writing fails. */
bool scene_write(const struct scene *s, FILE *f, char *err, size_t errlen);

/* The largest scene file read: far above any real scene (a few hundred bytes), small enough
 * that a wrong path (/dev/zero, a video) is refused at once instead of filling memory. */
#define SCENE_MAX_BYTES (1024 * 1024)

/* Reads a scene file (`key = value` lines, `#` comments, UTF-8 text of at most
 * SCENE_MAX_BYTES). Errors are "PATH:LINE: problem"; a NUL byte, a directory or a larger file
 * is refused. */
bool scene_load_file(struct scene *s, const char *path, char *err, size_t errlen);
/* The same for the size bytes at data (not NUL-terminated; a NUL inside is refused), named
 * path in messages: what scene_load_file does once the file is read, and what the fuzz target
 * drives. */
bool scene_load_text(struct scene *s, const char *path, const char *data, size_t size,
                     char *err, size_t errlen);

/* A scene file's description: its first comment line, without the '#' and the blanks after it
 * ("" when the file has none or cannot be read). What `list presets` shows beside a name. */
void scene_file_description(const char *path, char *out, size_t len);

/* The words of the preset files that people read (descriptions, titles, runners' labels), for
 * the message catalogs: src/sim/preset_text.c, generated by scripts/preset_text.py. Shown
 * through i18n_text(). */
extern const char *const scene_preset_texts[];
extern const size_t scene_preset_ntexts;

/* What a scene resolves to: the compiled function and its metadata. */
struct scene_resolved {
    struct expr *f;                      /* the function alone (owned) */
    struct expr *objective;              /* f + l1*(|x|+|y|) + l2*(x^2+y^2), the terms with
                                            non-zero weight: what the race minimizes and the
                                            shaders draw (owned) */
    const struct catalog_entry *entry;   /* NULL for a user expression */
    double domain[4];                    /* xmin, xmax, ymin, ymax */
    double start[2];
    bool log_scale;
    int nminima;
    double minima[CATALOG_MAX_MINIMA][2];
    char name[64];                       /* catalog name or "custom" */
};

/* Compiles the function and the objective and fills in defaults (domain, start, optimizers
 * when none: the default race). Errors as scene_set. */
bool scene_resolve(struct scene *s, struct scene_resolved *out, char *err, size_t errlen);
void scene_resolved_finish(struct scene_resolved *r);

/* Builds the race a resolved scene describes. */
void scene_make_race(const struct scene *s, const struct scene_resolved *r, struct race *race);

/* A race run headless from a scene: a copy of the scene, resolved (defaults filled in), and the
 * race it describes, which points into res (so the three live and die together). */
struct scene_race {
    struct scene scene;           /* the copy (owned), resolved */
    struct scene_resolved res;    /* its compiled function and objective */
    struct race race;             /* the race at its start */
};
/* Copies scene, resolves the copy and builds its race. Errors as scene_resolve (nothing to
 * finish then). */
bool scene_race_init(struct scene_race *sr, const struct scene *scene, char *err, size_t errlen);
void scene_race_finish(struct scene_race *sr);

#endif

/* settings.h: every setting a user can give, declared once in a table: name, type, range,
 * default, one line of help and where the value lives. Scene files, command-line options,
 * optimizer and schedule specs, --help and scene_write all read these tables.
 *
 * A table describes one struct (struct scene, struct optim_params, struct sched,
 * struct train_settings). Spec tables
 * (optimizers, schedules) also have kinds (adam, step, ...): each row says which kinds take it,
 * and a key may have several rows when its default or range differs by kind (lr is 0.01 for
 * sgd, 0.001 for adam). For one kind, at most one row of a name applies. */
#ifndef OPTISCOPE_SIM_SETTINGS_H
#define OPTISCOPE_SIM_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum setting_type {
    SETTING_DOUBLE,   /* double: a finite number in [min, max] (ends open per flags) */
    SETTING_LONG,     /* long: a whole number in [min, max] */
    SETTING_ULLONG,   /* unsigned long long: a whole number in [min, max] */
    SETTING_BOOL,     /* bool: true/false, yes/no, 1/0 */
    SETTING_CHOICE,   /* int-sized enum: one of choices[], the value is the index */
    SETTING_TEXT,     /* char[size]: any one-line text that fits */
    SETTING_PAIR,     /* double[2]: "X,Y" */
    SETTING_BOX,      /* double[4]: "XMIN,XMAX,YMIN,YMAX" with XMIN < XMAX, YMIN < YMAX */
    SETTING_CUSTOM,   /* the row's parse and format hooks (a function name, an expression,
                         a list of optimizer specs, a schedule spec) */
};

#define SETTING_MIN_OPEN (1u << 0)   /* min itself is out of range: (min, ... */
#define SETTING_MAX_OPEN (1u << 1)   /* max itself is out of range: ..., max) */
#define SETTING_REQUIRED (1u << 2)   /* no default: a spec must give it */
#define SETTING_HAS      (1u << 3)   /* the bool at `has` is set when given (start, domain);
                                        unset means "the function's own" */
#define SETTING_ALL      (~0u)       /* `uses` for rows every kind takes */

struct setting {
    const char *name;        /* key, e.g. "lr" */
    enum setting_type type;
    unsigned uses;           /* bit k: kind k takes this row; SETTING_ALL for scene rows */
    double min, max;         /* range of DOUBLE, LONG, ULLONG values; +-HUGE_VAL: unbounded */
    unsigned flags;          /* SETTING_* above */
    int position;            /* spec rows: 1, 2, ...: may be given as the n-th value without
                                its key ("step(30, 0.5)"); 0: only as key=value */
    const char *def;         /* default, as a user writes it; NULL: required or not set */
    const char *metavar;     /* placeholder in help: "N", "X,Y", "SPEC"; NULL: a flag */
    const char *help;        /* one line: what it does, its unit */
    size_t offset;           /* offsetof the value in the table's struct */
    size_t size;             /* sizeof the value (TEXT: capacity with the NUL) */
    size_t has;              /* SETTING_HAS: offsetof the bool */
    const char *const *choices;   /* CHOICE: names by value, NULL-terminated */
    /* CUSTOM: parses value into obj (from_cli: the command line is setting it, which replaces
     * rather than extends a scene file's optimizer list); the message names no key. */
    bool (*parse)(void *obj, const char *value, bool from_cli, char *err, size_t errlen);
    /* CUSTOM: writes the value as parse reads it; false when nothing is set (no expr). */
    bool (*format)(const void *obj, char *buf, size_t len);
};

struct setting_table {
    const char *what;              /* "scene", "optimizer", "schedule": for messages */
    const struct setting *rows;
    size_t nrows;                  /* at most 64 */
    const char *const *kinds;      /* spec tables: kind names by value; NULL for scenes */
    int nkinds;
    size_t kind_offset;            /* spec tables: offsetof the kind (an int-sized enum) */
    size_t size;                   /* sizeof the struct the table describes */
};

/* The tables (static, read-only). */
const struct setting_table *settings_scene(void);    /* struct scene */
const struct setting_table *settings_optim(void);    /* struct optim_params, OPTIM_* kinds */
const struct setting_table *settings_sched(void);    /* struct sched, SCHED_* kinds */
const struct setting_table *settings_train(void);    /* struct train_settings: the options of
                                                        `optiscope train` */
const struct setting_table *settings_landscape(void);   /* struct landscape_settings: what
                                                           `optiscope landscape` adds */

/* ---- rows ---- */
/* The row of `name` that kind `kind` takes (scene tables: pass 0), or NULL. */
const struct setting *setting_find(const struct setting_table *t, const char *name, int kind);
/* Whether kind k takes row s. */
bool setting_applies(const struct setting *s, int kind);
/* The distinct key names kind `kind` takes (-1: any kind), in table order, into out (at most
 * max). Returns how many. For suggestions and lists. */
size_t setting_names(const struct setting_table *t, int kind, const char **out, size_t max);
/* The kind called `name`, or -1. */
int setting_kind(const struct setting_table *t, const char *name);

/* ---- one value ---- */
/* Parses value into obj's field (obj: the table's struct). On failure obj is unchanged and err
 * says what was expected without naming the key: "expected a number in [0, 1), got '1'". */
bool setting_parse(const struct setting *s, void *obj, const char *value, bool from_cli,
                   char *err, size_t errlen);
/* Writes obj's value as setting_parse reads it (doubles: the shortest text that reads back
 * exactly). Returns false, buf "", when nothing is set (SETTING_HAS unset, empty text). */
bool setting_format(const struct setting *s, const void *obj, char *buf, size_t len);
/* Whether a and b hold the same value of s (compared as formatted). */
bool setting_equal(const struct setting *s, const void *a, const void *b);
/* What a value must be, "a number in [0, 1)", "one of auto, linear, log". */
void setting_describe(const struct setting *s, char *buf, size_t len);
/* The shortest of %.15g..%.17g that reads back as the same double. */
void setting_format_double(double v, char *buf, size_t len);

/* ---- specs: name(values..., key=value, ...) ---- */
/* Zeroes obj, sets its kind and applies every default that kind takes. For a table without
 * kinds (scene, train) kind is ignored and every default applies. */
void setting_defaults(const struct setting_table *t, int kind, void *obj);
/* The row of a table without kinds named key; NULL with "unknown key 'K' (did you mean ...?)"
 * in err. */
const struct setting *setting_find_key(const struct setting_table *t, const char *key,
                                       char *err, size_t errlen);
/* Parses a spec: unknown names and keys get a suggestion, keys the kind does not take are
 * refused naming the kind and those that take them, values are range-checked, values without
 * keys fill the positional rows in order and must come first, required keys must be given.
 * On failure obj is unchanged and err holds one message. */
bool setting_parse_spec(const struct setting_table *t, const char *text, void *obj, char *err,
                        size_t errlen);
/* The name plus every key=value that differs from the kind's default (required keys always),
 * in table order: "adam(lr=0.1)". Returns the length as snprintf does. */
int setting_format_spec(const struct setting_table *t, const void *obj, char *buf, size_t len);
/* What setting_parse_spec takes for one kind, Python-style: positional keys (in order) before
 * `*`, keyword-only ones after, each with its default: "step(step_size, gamma=0.1, *,
 * warmup=0)". */
void setting_usage(const struct setting_table *t, int kind, char *buf, size_t len);

/* ---- help ---- */
/* Scene and train tables: one `--key VALUE  help; default D` entry per key (a BOOL row
 * without a metavar is a flag: `--key`). Spec tables: the usage line of every kind, then every
 * key with its help and, per kind, the values it takes. Lines are wrapped to 80 columns. */
void setting_help(const struct setting_table *t, FILE *out);

#endif

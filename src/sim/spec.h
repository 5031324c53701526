/* spec.h: the `name(value,...,key=value,...)` syntax shared by optimizer and schedule specs.
 * Parsing only splits and checks the shape; meaning belongs to the settings tables. */
#ifndef OPTISCOPE_SIM_SPEC_H
#define OPTISCOPE_SIM_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#define SPEC_MAX_ARGS 16

struct spec_arg {
    char key[32];     /* e.g. "lr"; empty for a positional value ("adam(0.01)") */
    char value[160];  /* e.g. "0.01", or a nested spec "cosine(t_max=200)", kept as text */
};

struct spec {
    char name[32];                        /* e.g. "adam" */
    int nargs;                            /* used entries of args */
    struct spec_arg args[SPEC_MAX_ARGS];  /* in the order written */
};

/* Parses "name", "name(k=v, k2=v2)" or "name(v1, v2, k=v)": an argument that is not an
 * identifier followed by '=' is a positional value (key ""). A value may hold parentheses,
 * balanced, with commas inside them: "sgd(lr=0.1, schedule=step(5, 0.5))". Which positions
 * are allowed, and that they come first, is for the caller to check (it knows the keys). On
 * failure writes a message into err (size errlen) naming the problem and the character
 * position (1-based) and returns false. */
bool spec_parse(const char *text, struct spec *out, char *err, size_t errlen);

/* Splits a comma-separated list of specs ("sgd(lr=0.1),adam") into its items, respecting
 * parentheses. Returns the number of items written (at most max), or -1 with err set. */
int spec_split_list(const char *text, char items[][256], int max, char *err, size_t errlen);

/* Boolean values: true/false/1/0/yes/no. */
bool spec_parse_bool(const char *s, bool *out);

#endif

/* spec.c: splitting `name(key=value,...)` strings and comma-separated lists of them. */
#include "sim/spec.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim/i18n.h"
#include "sim/util.h"

static const char *skip_ws(const char *p)
{
    while (isspace((unsigned char)*p)) {
        p++;
    }
    return p;
}

/* Copies an identifier [A-Za-z_][A-Za-z0-9_]* from *pp into dst; advances *pp. */
static bool read_ident(const char **pp, char *dst, size_t cap)
{
    const char *p = *pp;
    size_t n = 0;
    if (!(isalpha((unsigned char)*p) || *p == '_')) {
        return false;
    }
    while (isalnum((unsigned char)*p) || *p == '_') {
        if (n + 1 >= cap) {
            return false;
        }
        dst[n++] = *p++;
    }
    dst[n] = '\0';
    *pp = p;
    return true;
}

bool spec_parse(const char *text, struct spec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *p = skip_ws(text);
    if (!read_ident(&p, out->name, sizeof out->name)) {
        snprintf(err, errlen, _("'%s': expected a name at position %d"), UTIL_ESC(text),
                 (int)(p - text) + 1);
        return false;
    }
    p = skip_ws(p);
    if (*p == '\0') {
        return true;
    }
    if (*p != '(') {
        snprintf(err, errlen, _("'%s': expected '(' after '%s' at position %d"), UTIL_ESC(text),
                 UTIL_ESC(out->name),
                 (int)(p - text) + 1);
        return false;
    }
    p = skip_ws(p + 1);
    if (*p == ')') {
        p = skip_ws(p + 1);
        if (*p) {
            snprintf(err, errlen, _("'%s': unexpected text after ')' at position %d"),
                     UTIL_ESC(text), (int)(p - text) + 1);
            return false;
        }
        return true;
    }
    for (;;) {
        if (out->nargs == SPEC_MAX_ARGS) {
            snprintf(err, errlen, _("'%s': too many arguments (at most %d)"), UTIL_ESC(text),
                     SPEC_MAX_ARGS);
            return false;
        }
        struct spec_arg *a = &out->args[out->nargs];
        p = skip_ws(p);
        /* `key=value`, or a value alone (positional): an identifier followed by '=' is a
         * key; anything else up to ',' or ')' is a value without one. */
        const char *q = p;
        char key[sizeof a->key];
        if (read_ident(&q, key, sizeof key) && *skip_ws(q) == '=') {
            memcpy(a->key, key, sizeof key);
            p = skip_ws(skip_ws(q) + 1);
        } else {
            a->key[0] = '\0';
        }
        /* a value may be a spec itself, "schedule=step(5, 0.5)": its parentheses nest */
        const char *v = p;
        int depth = 0;
        while (*p && (depth > 0 || (*p != ',' && *p != ')'))) {
            depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
            p++;
        }
        const char *vend = p;
        while (vend > v && isspace((unsigned char)vend[-1])) {
            vend--;
        }
        size_t vlen = (size_t)(vend - v);
        if (vlen == 0 && a->key[0]) {
            snprintf(err, errlen, _("'%s': missing value for '%s' at position %d"), UTIL_ESC(text),
                     UTIL_ESC(a->key),
                     (int)(v - text) + 1);
            return false;
        }
        if (vlen == 0) {
            snprintf(err, errlen, _("'%s': missing value at position %d"), UTIL_ESC(text),
                     (int)(v - text) + 1);
            return false;
        }
        if (vlen >= sizeof a->value) {
            snprintf(err, errlen, _("'%s': value at position %d is too long"), UTIL_ESC(text),
                     (int)(v - text) + 1);
            return false;
        }
        memcpy(a->value, v, vlen);
        a->value[vlen] = '\0';
        for (int i = 0; a->key[0] && i < out->nargs; i++) {
            if (strcmp(out->args[i].key, a->key) == 0) {
                snprintf(err, errlen, _("'%s': '%s' is given twice"), UTIL_ESC(text),
                         UTIL_ESC(a->key));
                return false;
            }
        }
        out->nargs++;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == ')') {
            p = skip_ws(p + 1);
            if (*p) {
                snprintf(err, errlen, _("'%s': unexpected text after ')' at position %d"),
                         UTIL_ESC(text), (int)(p - text) + 1);
                return false;
            }
            return true;
        }
        snprintf(err, errlen, _("'%s': missing ')' at the end"), UTIL_ESC(text));
        return false;
    }
}

int spec_split_list(const char *text, char items[][256], int max, char *err, size_t errlen)
{
    int n = 0, depth = 0;
    const char *start = text;
    for (const char *p = text;; p++) {
        if (*p == '(') {
            depth++;
        } else if (*p == ')') {
            depth--;
            if (depth < 0) {
                snprintf(err, errlen, _("'%s': unbalanced ')' at position %d"), UTIL_ESC(text),
                         (int)(p - text) + 1);
                return -1;
            }
        }
        if ((*p == ',' && depth == 0) || *p == '\0') {
            const char *b = skip_ws(start);
            const char *e = p;
            while (e > b && isspace((unsigned char)e[-1])) {
                e--;
            }
            if (e == b) {
                snprintf(err, errlen, _("'%s': empty item at position %d"), UTIL_ESC(text),
                         (int)(b - text) + 1);
                return -1;
            }
            if (n == max) {
                snprintf(err, errlen, _("'%s': too many items (at most %d)"), UTIL_ESC(text), max);
                return -1;
            }
            size_t len = (size_t)(e - b);
            if (len >= 256) {
                snprintf(err, errlen, _("'%s': item too long"), UTIL_ESC(text));
                return -1;
            }
            memcpy(items[n], b, len);
            items[n][len] = '\0';
            n++;
            if (*p == '\0') {
                break;
            }
            start = p + 1;
        }
    }
    if (depth != 0) {
        snprintf(err, errlen, _("'%s': missing ')'"), UTIL_ESC(text));
        return -1;
    }
    return n;
}

bool spec_parse_bool(const char *s, bool *out)
{
    if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes")) {
        *out = true;
        return true;
    }
    if (!strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no")) {
        *out = false;
        return true;
    }
    return false;
}

/* fuzz_expr.c: the expression compiler. Oracles: every rejection has a message (clean, with a
 * position inside the text); a compiled program's value-only and gradient evaluators agree
 * bit for bit; its GLSL holds only known names, numbers, x, y, operators and balanced
 * parentheses (never the decrement token "--"). */
#include <ctype.h>
#include <math.h>

#include "fuzz.h"
#include "sim/expr.h"

/* What expr_glsl may call: the expression language's functions and the prelude's helpers. */
static const char *const glsl_names[] = {
    "sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "atan", "min",
    "max", "os_sq", "os_pow", "intBitsToFloat", "x", "y",
};

static void check_glsl(const char *g, const char *src)
{
    int depth = 0;
    for (const char *p = g; *p;) {
        unsigned char c = (unsigned char)*p;
        if (isalpha(c) || c == '_') {
            const char *q = p;
            while (isalnum((unsigned char)*q) || *q == '_') {
                q++;
            }
            size_t n = (size_t)(q - p), k = 0;
            for (; k < sizeof glsl_names / sizeof glsl_names[0]; k++) {
                if (strlen(glsl_names[k]) == n && !strncmp(glsl_names[k], p, n)) {
                    break;
                }
            }
            FUZZ_ASSERT(k < sizeof glsl_names / sizeof glsl_names[0],
                        "unknown name '%.*s' in GLSL '%s' of '%s'", (int)n, p, g, src);
            FUZZ_ASSERT(*q == '(' || n == 1, "function '%.*s' without '(' in '%s'", (int)n, p,
                        g);
            p = q;
        } else if (isdigit(c) || c == '.') {
            /* a float literal: digits, one '.', an exponent; or 0x... inside intBitsToFloat */
            if (c == '0' && p[1] == 'x') {
                p += 2;
                FUZZ_ASSERT(isxdigit((unsigned char)*p), "bad hex in '%s'", g);
                while (isxdigit((unsigned char)*p)) {
                    p++;
                }
                continue;
            }
            int dots = 0;
            while (isdigit((unsigned char)*p) || *p == '.') {
                dots += *p == '.';
                p++;
            }
            if (*p == 'e') {
                p++;
                if (*p == '-') {
                    p++;
                }
                FUZZ_ASSERT(isdigit((unsigned char)*p), "bad exponent in '%s'", g);
                while (isdigit((unsigned char)*p)) {
                    p++;
                }
            } else {
                FUZZ_ASSERT(dots == 1, "a GLSL float needs a '.' or an exponent: '%s'", g);
            }
            FUZZ_ASSERT(dots <= 1, "two dots in a number in '%s'", g);
        } else if (c == '(') {
            depth++;
            p++;
        } else if (c == ')') {
            depth--;
            FUZZ_ASSERT(depth >= 0, "unbalanced ')' in '%s'", g);
            p++;
        } else if (c == '-') {
            FUZZ_ASSERT(p[1] != '-', "decrement token in '%s'", g);
            p++;
        } else {
            FUZZ_ASSERT(strchr("+*/, ", c) != NULL, "unexpected byte 0x%02x in GLSL '%s'", c,
                        g);
            p++;
        }
    }
    FUZZ_ASSERT(depth == 0, "unbalanced '(' in '%s'", g);
}

static int same(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) {
        return 0;
    }
    char *src = fuzz_string(data, size);
    struct expr_error err = {0, ""};
    struct expr *e = expr_compile(src, &err);
    if (!e) {
        FUZZ_ASSERT(err.msg[0] != '\0', "rejected without a message: '%s'", src);
        FUZZ_ASSERT(fuzz_message_clean(err.msg), "message holds a control byte: '%s'", err.msg);
        FUZZ_ASSERT(err.pos >= 1 && (size_t)err.pos <= strlen(src) + 1,
                    "position %d outside '%s'", err.pos, src);
        free(src);
        return 0;
    }
    FUZZ_ASSERT(!strcmp(expr_source(e), src), "source not kept");
    static const double pts[][2] = {
        {0, 0}, {1, 1}, {-1.5, 1.5}, {3, 4}, {-0.5, -2}, {1e-3, 7}, {1e10, -1e10}, {2, -0.0},
    };
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        double x = pts[i][0], y = pts[i][1], g[2];
        double v = expr_eval(e, x, y);
        double vg = expr_eval_grad(e, x, y, g);
        FUZZ_ASSERT(same(v, vg), "'%s' at (%g, %g): expr_eval %.17g, expr_eval_grad %.17g",
                    src, x, y, v, vg);
    }
    char *glsl = expr_glsl(e);
    check_glsl(glsl, src);
    free(glsl);
    expr_destroy(e);
    free(src);
    return 0;
}

/* test_expr.c: the expression language: values against C math, exact gradients against finite
 * differences, the derivative conventions, syntax errors with positions, and GLSL emission. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "glslang_check.h"
#include "sim/expr.h"
#include "sim/util.h"

/* ======================================================================== helpers */

static struct expr *compile_ok(const char *src)
{
    struct expr_error err;
    struct expr *e = expr_compile(src, &err);
    if (!e) {
        fprintf(stderr, "compile '%s' failed: %d: %s\n", src, err.pos, err.msg);
    }
    CHECK(e != NULL);
    return e;
}

/* Five-point central differences: truncation error O(h^4), so agreement to ~1e-9 relative
 * shows the derivative is exact rather than merely close. */
static void fd_grad(const struct expr *e, double x, double y, double g[2])
{
    double hx = 1e-4 * fmax(1.0, fabs(x)), hy = 1e-4 * fmax(1.0, fabs(y));
    g[0] = (-expr_eval(e, x + 2 * hx, y) + 8 * expr_eval(e, x + hx, y) -
            8 * expr_eval(e, x - hx, y) + expr_eval(e, x - 2 * hx, y)) / (12 * hx);
    g[1] = (-expr_eval(e, x, y + 2 * hy) + 8 * expr_eval(e, x, y + hy) -
            8 * expr_eval(e, x, y - hy) + expr_eval(e, x, y - 2 * hy)) / (12 * hy);
}

/* ======================================================================== values */

struct value_case {
    const char *src;
    double (*f)(double x, double y);
};

static double f_prec(double x, double y) { return 1 + 2 * x * y - 3 / y; }
static double f_pow_right(double x, double y) { (void)x; (void)y; return 512; }
static double f_neg_sq(double x, double y) { (void)y; return -(x * x); }
static double f_neg_lit(double x, double y) { (void)x; (void)y; return -4; }
static double f_neg_paren(double x, double y) { (void)x; (void)y; return 4; }
static double f_neg_exp(double x, double y) { (void)y; return pow(2, -x); }
static double f_left_sub(double x, double y) { return x - y - 1; }
static double f_left_div(double x, double y) { return x / y / 2; }
static double f_numbers(double x, double y) { return 1e-3 * x + .5 * y + 5. + 1.5e2; }
static double f_consts(double x, double y) { return M_PI * x + M_E * y; }
static double f_cube(double x, double y) { return x * x * x - y; }
static double f_negpow(double x, double y) { return 1 / ((x - 3) * (x - 3)) + y; }
static double f_general_pow(double x, double y) { return pow(fabs(x) + 0.5, y); }
static double f_exp2(double x, double y) { return pow(2, x * y); }
static double f_unary_plus(double x, double y) { return +x - -y; }
static double f_funcs1(double x, double y)
{
    return sin(x) + cos(y) + tan(0.3 * x) + exp(0.1 * y) + log(x * x + 1) + sqrt(y * y + 2);
}
static double f_funcs2(double x, double y)
{
    return fabs(x) * y + tanh(x) + sinh(y) + cosh(x * 0.5) + atan(x * y);
}
static double f_minmax(double x, double y) { return fmin(x, y) + 2 * fmax(x * y, 1); }
static double f_neg_unary_mul(double x, double y) { return -x * y; }
static double f_nested(double x, double y) { return ((x + 1) * (y - 2)) / ((x - 4) * 0.5); }
static double f_frac_pow(double x, double y) { return pow(x * x + 1, 1.5) + pow(y * y, 0.25); }

static const struct value_case value_cases[] = {
    {"1 + 2*x*y - 3/y", f_prec},
    {"2^3^2", f_pow_right},
    {"-x^2", f_neg_sq},
    {"-2^2", f_neg_lit},
    {"(-2)^2", f_neg_paren},
    {"2^-x", f_neg_exp},
    {"x - y - 1", f_left_sub},
    {"x / y / 2", f_left_div},
    {"1e-3*x + .5*y + 5. + 1.5E+2", f_numbers},
    {"pi*x + e*y", f_consts},
    {"x^3 - y", f_cube},
    {"(x-3)^-2 + y", f_negpow},
    {"(abs(x) + 0.5)^y", f_general_pow},
    {"2^(x*y)", f_exp2},
    {"+x - -y", f_unary_plus},
    {"sin(x) + cos(y) + tan(0.3*x) + exp(0.1*y) + log(x^2 + 1) + sqrt(y^2 + 2)", f_funcs1},
    {"abs(x)*y + tanh(x) + sinh(y) + cosh(x*0.5) + atan(x*y)", f_funcs2},
    {"min(x, y) + 2*max(x*y, 1)", f_minmax},
    {"-x*y", f_neg_unary_mul},
    {"\t((x + 1) * (y - 2)) /\n((x - 4) * 0.5) ", f_nested},
    {"(x^2 + 1)^1.5 + (y^2)^0.25", f_frac_pow},
};

static void test_values(void)
{
    static const double pts[][2] = {{0.7, 1.3}, {-1.5, 2.25}, {2.5, -0.75}, {-3, -1.1}};
    for (size_t i = 0; i < sizeof value_cases / sizeof value_cases[0]; i++) {
        struct expr *e = compile_ok(value_cases[i].src);
        if (!e) {
            continue;
        }
        CHECK(strcmp(expr_source(e), value_cases[i].src) == 0);
        for (size_t j = 0; j < sizeof pts / sizeof pts[0]; j++) {
            double x = pts[j][0], y = pts[j][1], g[2];
            double want = value_cases[i].f(x, y);
            double v = expr_eval(e, x, y);
            CHECK_REL(v, want, 1e-13, 1e-300);
            /* both entry points compute the value with the same operations */
            CHECK(expr_eval_grad(e, x, y, g) == v);
        }
        expr_destroy(e);
    }
    /* x^3 of a negative base is exact and negative (repeated multiplication, not exp/log) */
    struct expr *e = compile_ok("x^3");
    CHECK(expr_eval(e, -1.5, 0) == -3.375);
    expr_destroy(e);
    expr_destroy(NULL);
}

/* ======================================================================== gradients */

struct grad_case {
    const char *src;
    double lo, hi;   /* x and y drawn uniformly from [lo, hi] */
    const char *avoid;   /* a sub-expression whose |value| must be >= 1e-3 (kinks, poles) */
};

static const struct grad_case grad_cases[] = {
    {"x*y + x - 3*y", -3, 3, NULL},
    {"x/y", 0.5, 3, NULL},
    {"1/(x^2 + y^2 + 1)", -3, 3, NULL},
    {"3 - x/2 + 2/y", 0.5, 3, NULL},
    {"-x^2 - y", -3, 3, NULL},
    {"sin(x*y + x)", -2, 2, NULL},
    {"cos(x - 2*y)", -2, 2, NULL},
    {"tan(0.3*x + 0.2*y)", -2, 2, NULL},
    {"exp(0.5*x - y)", -2, 2, NULL},
    {"log(x^2 + y^2 + 1)", -3, 3, NULL},
    {"sqrt(x^2 + y^2 + 0.5)", -3, 3, NULL},
    {"abs(x - y)*y", -2, 2, "x - y"},
    {"tanh(x*y)", -2, 2, NULL},
    {"sinh(x - y)", -2, 2, NULL},
    {"cosh(x + 0.5*y)", -2, 2, NULL},
    {"atan(x*y)", -2, 2, NULL},
    {"min(x^2, y)", -2, 2, "x^2 - y"},
    {"max(x*y, y - x)", -2, 2, "x*y - (y - x)"},
    {"x^3*y + y^4", -2, 2, NULL},
    {"(x*y)^-2", 0.3, 2, NULL},
    {"x^2.5 + y^0.5", 0.1, 3, NULL},
    {"x^y", 0.2, 3, NULL},
    {"(x^2 + 1)^(y/2)", -2, 2, NULL},
    {"2^(x*y)", -2, 2, NULL},
    {"pi^x * e^y", -1, 1, NULL},
    {"-(-x) * -y", -2, 2, NULL},
};

static void test_gradients(void)
{
    struct util_rng rng;
    util_rng_seed(&rng, 1234);
    for (size_t i = 0; i < sizeof grad_cases / sizeof grad_cases[0]; i++) {
        const struct grad_case *c = &grad_cases[i];
        struct expr *e = compile_ok(c->src);
        struct expr *avoid = c->avoid ? compile_ok(c->avoid) : NULL;
        if (!e) {
            continue;
        }
        int tested = 0;
        while (tested < 50) {
            double x = c->lo + (c->hi - c->lo) * util_rng_uniform(&rng);
            double y = c->lo + (c->hi - c->lo) * util_rng_uniform(&rng);
            if (avoid && fabs(expr_eval(avoid, x, y)) < 1e-2) {
                continue;
            }
            double g[2], fd[2];
            double v = expr_eval_grad(e, x, y, g);
            fd_grad(e, x, y, fd);
            double floor = 1e-6 * (1 + fabs(v));
            CHECK_REL(g[0], fd[0], 1e-6, floor);
            CHECK_REL(g[1], fd[1], 1e-6, floor);
            tested++;
        }
        expr_destroy(avoid);
        expr_destroy(e);
    }
}

static void grad_at(const char *src, double x, double y, double want_v, double gx, double gy)
{
    struct expr *e = compile_ok(src);
    if (!e) {
        return;
    }
    double g[2];
    double v = expr_eval_grad(e, x, y, g);
    CHECK_NEAR(v, want_v, 1e-12);
    CHECK_NEAR(g[0], gx, 1e-12);
    CHECK_NEAR(g[1], gy, 1e-12);
    expr_destroy(e);
}

static void test_conventions(void)
{
    grad_at("abs(x)", 0, 0, 0, 0, 0);             /* sign(0) = 0 */
    grad_at("abs(x - y)", 1, 2, 1, -1, 1);
    grad_at("min(x, y)", 1, 1, 1, 1, 0);          /* ties take the first argument */
    grad_at("min(y, x)", 1, 1, 1, 0, 1);
    grad_at("max(x, y)", 2, 2, 2, 1, 0);
    grad_at("max(x, y)", 1, 2, 2, 0, 1);
    grad_at("sqrt(x^2 + y^2)", 0, 0, 0, 0, 0);    /* a zero inner derivative gives 0, not NaN */
    grad_at("x^3", -2, 0, -8, 12, 0);             /* constant exponents on negative bases */
    grad_at("x^-1", -2, 0, -0.5, -0.25, 0);
    grad_at("x^2", -3, 5, 9, -6, 0);
    grad_at("x^0", 0, 0, 1, 0, 0);
    grad_at("x^(y*0 + 3)", -2, 1, -8, 12, 0);     /* exponent constant only at run time */
    grad_at("x^y", 2, 3, 8, 12, 8 * log(2));
    grad_at("2^x", 3, 0, 8, 8 * log(2), 0);
}

/* ======================================================================== errors */

struct error_case {
    const char *src;
    int pos;
    const char *msg;   /* a substring the message must contain */
};

static const struct error_case error_cases[] = {
    {"", 1, "empty expression"},
    {"   ", 1, "empty expression"},
    {"x + # y", 5, "unexpected character '#'"},
    {"x $", 3, "unexpected character '$'"},
    {"sni(x)", 1, "unknown function 'sni' (did you mean sin?)"},
    {"2*sqr(x)", 3, "unknown function 'sqr' (did you mean sqrt?)"},
    {"x + z", 5, "unknown identifier 'z'"},
    {"1 + pie", 5, "unknown identifier 'pie' (did you mean pi?)"},
    {"foo", 1, "unknown identifier 'foo'"},
    {"sin(x", 6, "missing ')'"},
    {"(x + y", 7, "missing ')' to close '(' at column 1"},
    {"(x + y y", 8, "expected ')'"},
    {"min(x)", 1, "min takes 2 arguments, got 1"},
    {"x + max(1, 2, 3)", 5, "max takes 2 arguments, got 3"},
    {"sin(x, y)", 1, "sin takes 1 argument, got 2"},
    {"cos()", 1, "cos takes 1 argument, got 0"},
    {"x y", 3, "unexpected 'y'"},
    {"2x", 2, "missing operator"},
    {"x)", 2, "unmatched ')'"},
    {"x, y", 2, "unexpected ','"},
    {"1.2.3 + x", 1, "malformed number '1.2.3'"},
    {"2 * 1e", 5, "malformed number '1e'"},
    {"x + 1e+", 5, "malformed number '1e+'"},
    {"1e999", 1, "out of range"},
    {"1.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
     1, "too long"},
    {"x +", 4, "unexpected end of expression after '+'"},
    {"x * / y", 5, "unexpected '/'"},
    {"x ** 2", 4, "use ^ for powers"},
    {"sin x", 5, "needs its argument in parentheses"},
    {"x(2)", 1, "'x' is not a function"},
    {"()", 2, "empty parentheses"},
};

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        const struct error_case *c = &error_cases[i];
        struct expr_error err = {.pos = -1};
        struct expr *e = expr_compile(c->src, &err);
        CHECK(e == NULL);
        expr_destroy(e);
        bool ok = err.pos == c->pos && strstr(err.msg, c->msg) != NULL;
        if (!ok) {
            fprintf(stderr, "'%s': got %d: %s; want %d: ...%s...\n", c->src, err.pos, err.msg,
                    c->pos, c->msg);
        }
        CHECK(ok);
    }
    /* err may be NULL */
    CHECK(expr_compile("x +", NULL) == NULL);

    /* overlong input */
    size_t n = 5000;
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i += 2) {
        s[i] = 'x';
        s[i + 1] = '+';
    }
    s[n - 1] = 'x';
    s[n] = '\0';
    struct expr_error err;
    CHECK(expr_compile(s, &err) == NULL);
    CHECK(strstr(err.msg, "too long") != NULL);
    CHECK(err.pos == 4097);
    /* a long but flat sum is fine and needs only two stack slots */
    s[4001] = '\0';
    struct expr *e = compile_ok(s);
    if (e) {
        CHECK_NEAR(expr_eval(e, 1.5, 0), 2001 * 1.5, 1e-9);
        expr_destroy(e);
    }

    /* deep parentheses: rejected by the parser's nesting limit, not by a stack overflow */
    memset(s, '(', 300);
    s[300] = 'x';
    memset(s + 301, ')', 300);
    s[601] = '\0';
    CHECK(expr_compile(s, &err) == NULL);
    CHECK(strstr(err.msg, "nested too deeply") != NULL);

    /* right-nested products need a stack slot per level: over the limit is an error */
    s[0] = '\0';
    for (int i = 0; i < 80; i++) {
        strcat(s, "x*(");
    }
    strcat(s, "x");
    for (int i = 0; i < 80; i++) {
        strcat(s, ")");
    }
    CHECK(expr_compile(s, &err) == NULL);
    CHECK(strstr(err.msg, "too complex") != NULL);
    free(s);
}

/* ======================================================================== GLSL */



struct glsl_case {
    const char *src;
    const char *glsl;
};

static const struct glsl_case glsl_cases[] = {
    {"x^2 + y", "os_sq(x) + y"},
    {"-x^2", "-os_sq(x)"},
    {"1e-3*x", "0.001 * x"},
    {"1e-7 + 2.5e10*y", "1.0e-7 + 2.5e10 * y"},
    {"2^x^y", "os_pow(2.0, os_pow(x, y))"},
    {"x^3 - x^-1", "os_pow(x, 3.0) - os_pow(x, -1.0)"},
    {"x - (y - 1)", "x - (y - 1.0)"},
    {"(x - y) - 1", "x - y - 1.0"},
    {"x/(y*2)", "x / (y * 2.0)"},
    {"(x + y)*(x - y)", "(x + y) * (x - y)"},
    {"x*-y", "x * -y"},
    {"-(-x)", "-(-x)"},
    {"-(x + y)", "-(x + y)"},
    {"x - -2", "x - -2.0"},
    {"2*pi*x", "6.2831855 * x"},
    {"e", "2.7182817"},
    {"0.1", "0.1"},
    {"1e300*x - 1e300*y + 0/0", "intBitsToFloat(0x7f800000) * x - intBitsToFloat(0x7f800000) * y"
                                " + intBitsToFloat(0x7fc00000)"},
    {"100 + 1234567*x + 1e7*y + 0.00001", "100.0 + 1234567.0 * x + 1.0e7 * y + 0.00001"},
    {"sin(x)*max(x, y) + min(1, y)", "sin(x) * max(x, y) + min(1.0, y)"},
    {"sqrt(abs(x)) + exp(log(y)) + tan(cos(atan(x)))",
     "sqrt(abs(x)) + exp(log(y)) + tan(cos(atan(x)))"},
    {"tanh(x) + sinh(y) - cosh(x)", "tanh(x) + sinh(y) - cosh(x)"},
    {"(1-x)^2 + 100*(y-x^2)^2", "os_sq(1.0 - x) + 100.0 * os_sq(y - os_sq(x))"},
};

static void test_glsl(void)
{
    enum { NG = sizeof glsl_cases / sizeof glsl_cases[0] };
    enum { NV = sizeof value_cases / sizeof value_cases[0] };
    char *all[NG + NV];
    size_t n = 0;
    for (size_t i = 0; i < NG; i++) {
        struct expr *e = compile_ok(glsl_cases[i].src);
        if (!e) {
            continue;
        }
        char *g = expr_glsl(e);
        bool ok = strcmp(g, glsl_cases[i].glsl) == 0;
        if (!ok) {
            fprintf(stderr, "'%s': got '%s', want '%s'\n", glsl_cases[i].src, g,
                    glsl_cases[i].glsl);
        }
        CHECK(ok);
        all[n++] = g;
        expr_destroy(e);
    }
    for (size_t i = 0; i < NV; i++) {
        struct expr *e = compile_ok(value_cases[i].src);
        if (e) {
            all[n++] = expr_glsl(e);
            expr_destroy(e);
        }
    }
    int valid = glslang_check(all, n);
    if (valid < 0) {
        printf("expr: glslangValidator not installed, GLSL not compiled\n");
    } else {
        CHECK(valid == 0);
    }
    for (size_t i = 0; i < n; i++) {
        free(all[i]);
    }
    const char *pre = expr_glsl_prelude();
    CHECK(strstr(pre, "float os_pow(float a, float b)") != NULL);
    CHECK(strstr(pre, "float os_sq(float a)") != NULL);
}

int main(void)
{
    test_values();
    test_gradients();
    test_conventions();
    test_errors();
    test_glsl();
    return check_done("expr");
}

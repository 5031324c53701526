/* expr.c: the expression language: a recursive-descent parser into a small tree with constant
 * folding, code generation to a flat stack program, forward-mode AD evaluation, GLSL emission. */
#include "sim/expr.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/i18n.h"
#include "sim/util.h"

/* ======================================================================== limits */

/* Longest accepted source, in characters; longer input is rejected with a message. */
#define MAX_SOURCE 4096
/* Nesting of parentheses, unary minus and exponents while parsing: bounds the parser's C
 * recursion, so hostile input cannot overflow the thread's stack. */
#define MAX_DEPTH 100
/* Evaluation stack slots. eval keeps the stack on the C stack (64 * 24 bytes for the dual
 * numbers), which makes evaluation thread-safe with no allocation per call. */
#define MAX_STACK 64
/* Integer constant exponents up to this size are evaluated by repeated multiplication, which
 * is exact in sign for negative bases and much faster than pow(). */
#define MAX_IPOW 64

/* ======================================================================== operations */

/* One enum for tree nodes and program instructions; the K forms (an operand that is a
 * compile-time constant held in the instruction) exist only in programs. */
enum op {
    OP_CONST, OP_X, OP_Y,
    OP_NEG,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_MIN, OP_MAX,
    OP_SIN, OP_COS, OP_TAN, OP_EXP, OP_LOG, OP_SQRT, OP_ABS, OP_TANH, OP_SINH, OP_COSH,
    OP_ATAN,
    /* program-only fused forms: u op k, or k op u, where k is the instruction's constant */
    OP_ADDK, OP_SUBK, OP_KSUB, OP_MULK, OP_DIVK, OP_KDIV,
    OP_SQR,    /* u^2 */
    OP_POWI,   /* u^k, k an integer with |k| <= MAX_IPOW */
    OP_POWK,   /* u^k, any other constant k */
};

struct func {
    const char *name;   /* as written in the source and in GLSL (the names coincide) */
    enum op op;
    int nargs;
};

static const struct func funcs[] = {
    {"sin", OP_SIN, 1},   {"cos", OP_COS, 1},   {"tan", OP_TAN, 1},   {"exp", OP_EXP, 1},
    {"log", OP_LOG, 1},   {"sqrt", OP_SQRT, 1}, {"abs", OP_ABS, 1},   {"tanh", OP_TANH, 1},
    {"sinh", OP_SINH, 1}, {"cosh", OP_COSH, 1}, {"atan", OP_ATAN, 1}, {"min", OP_MIN, 2},
    {"max", OP_MAX, 2},
};
#define NFUNCS (sizeof funcs / sizeof funcs[0])

/* For "did you mean" suggestions. */
static const char *const func_names[NFUNCS] = {
    "sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "atan", "min", "max",
};
static const char *const ident_names[] = {"x", "y", "pi", "e"};

static const struct func *find_func(enum op op)
{
    for (size_t i = 0; i < NFUNCS; i++) {
        if (funcs[i].op == op) {
            return &funcs[i];
        }
    }
    return NULL;
}

/* u^n by binary powering: the same rounding in expr_eval, expr_eval_grad and folding. */
static inline double ipow(double u, int n)
{
    unsigned m = n < 0 ? (unsigned)-n : (unsigned)n;
    double r = 1.0, b = u;
    while (m) {
        if (m & 1u) {
            r *= b;
        }
        m >>= 1;
        if (m) {
            b *= b;
        }
    }
    return n < 0 ? 1.0 / r : r;
}

/* Chain rule factor coef * du where coef may be infinite at a singular point (sqrt and log
 * at 0, negative powers at 0): a zero du gives zero, so e.g. sqrt(x^2 + y^2) has gradient 0
 * (a valid subgradient) at the origin instead of NaN. */
static inline double chain(double coef, double du)
{
    return du == 0.0 ? 0.0 : coef * du;
}

static inline double value1(enum op op, double u)
{
    switch (op) {
    case OP_NEG: return -u;
    case OP_SIN: return sin(u);
    case OP_COS: return cos(u);
    case OP_TAN: return tan(u);
    case OP_EXP: return exp(u);
    case OP_LOG: return log(u);
    case OP_SQRT: return sqrt(u);
    case OP_ABS: return fabs(u);
    case OP_TANH: return tanh(u);
    case OP_SINH: return sinh(u);
    case OP_COSH: return cosh(u);
    case OP_ATAN: return atan(u);
    default: return NAN;
    }
}

static inline double value2(enum op op, double a, double b)
{
    switch (op) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return a / b;
    case OP_POW: return pow(a, b);
    /* ties (and a NaN b) pick the first argument, matching the derivative convention */
    case OP_MIN: return b < a ? b : a;
    case OP_MAX: return b > a ? b : a;
    default: return NAN;
    }
}

/* ======================================================================== program */

struct node {
    enum op op;     /* OP_CONST .. OP_ATAN */
    int a, b;       /* child node indices, -1 when unused */
    double k;       /* value of OP_CONST */
};

struct ins {
    enum op op;
    int n;          /* OP_POWI: the integer exponent */
    double k;       /* OP_CONST and the K forms: the constant */
};

struct expr {
    char *src;            /* the source text, owned */
    struct ins *code;     /* (ncode) postfix program */
    int ncode;
    int stack;            /* stack slots the program needs, <= MAX_STACK */
    struct node *nodes;   /* (nnodes) folded tree, kept for GLSL emission */
    int nnodes;
    int root;
};

/* ======================================================================== lexer */

enum tok {
    T_END, T_NUM, T_IDENT, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_CARET, T_LPAREN, T_RPAREN,
    T_COMMA, T_BAD,
};

struct parser {
    const char *src;
    size_t len;
    size_t i;               /* byte index of the next unread character */
    enum tok tok;           /* current token, its byte offset and length */
    size_t tpos, tlen;
    double num;             /* value of a T_NUM */
    enum tok prev;          /* the token before the current one (T_END at the start) */
    size_t ppos, plen;
    struct node *nodes;     /* (nnodes of cap) tree under construction */
    int nnodes, cap;
    int depth;              /* current nesting, <= MAX_DEPTH */
    struct expr_error *err;
    bool failed;            /* the first error wins; later ones are not reported */
};

static void fail(struct parser *p, size_t byte_pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct parser *p, size_t byte_pos, const char *fmt, ...)
{
    if (p->failed) {
        return;
    }
    p->failed = true;
    if (p->err) {
        p->err->pos = (int)byte_pos + 1;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
        va_end(ap);
    }
}

/* The current token as quotable text, at most 32 bytes of it, control bytes and invalid UTF-8
 * as \xNN (util_escape, as every message). */
static const char *tok_text(const struct parser *p, char *buf, size_t n)
{
    return util_escape_n(p->src + p->tpos, p->tlen > 32 ? 32 : p->tlen, buf, n);
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static void lex_number(struct parser *p)
{
    const char *s = p->src;
    size_t i = p->i;
    while (is_digit(s[i])) {
        i++;
    }
    if (s[i] == '.') {
        i++;
        while (is_digit(s[i])) {
            i++;
        }
    }
    bool bad = false;
    if ((s[i] == 'e' || s[i] == 'E') && !is_alpha(s[i + 1])) {
        /* An exponent; "2e" followed by a letter is left for the parser ("missing operator"). */
        size_t j = i + 1;
        if (s[j] == '+' || s[j] == '-') {
            j++;
        }
        if (is_digit(s[j])) {
            while (is_digit(s[j])) {
                j++;
            }
        } else {
            bad = true;
        }
        i = j;
    }
    if (s[i] == '.' || is_digit(s[i])) {
        bad = true;   /* "1.2.3" */
    }
    if (bad) {
        while (s[i] == '.' || is_digit(s[i]) || is_alpha(s[i]) ||
               ((s[i] == '+' || s[i] == '-') && (s[i - 1] == 'e' || s[i - 1] == 'E'))) {
            i++;
        }
    }
    p->tok = T_NUM;
    p->tlen = i - p->tpos;
    p->i = i;
    char text[256], shown[48];
    p->num = 0.0;
    if (bad) {
        fail(p, p->tpos, _("malformed number '%s'"), tok_text(p, shown, sizeof shown));
        return;
    }
    if (p->tlen >= sizeof text) {
        fail(p, p->tpos, _("number '%s...' is too long"), tok_text(p, shown, sizeof shown));
        return;
    }
    memcpy(text, s + p->tpos, p->tlen);
    text[p->tlen] = '\0';
    /* strtod (and snprintf in the GLSL emitter) assume the "C" LC_NUMERIC locale, where the
     * decimal point is '.': the program must not change LC_NUMERIC. */
    p->num = strtod(text, NULL);
    if (isinf(p->num)) {
        fail(p, p->tpos, _("number '%s' is out of range"), tok_text(p, shown, sizeof shown));
    }
}

static void next(struct parser *p)
{
    p->prev = p->tok;
    p->ppos = p->tpos;
    p->plen = p->tlen;
    const char *s = p->src;
    while (s[p->i] == ' ' || s[p->i] == '\t' || s[p->i] == '\n' || s[p->i] == '\r') {
        p->i++;
    }
    p->tpos = p->i;
    p->tlen = 1;
    char c = s[p->i];
    if (c == '\0') {
        p->tok = T_END;
        p->tlen = 0;
        return;
    }
    if (is_digit(c) || (c == '.' && is_digit(s[p->i + 1]))) {
        lex_number(p);
        return;
    }
    if (is_alpha(c)) {
        size_t i = p->i;
        while (is_alpha(s[i]) || is_digit(s[i])) {
            i++;
        }
        p->tok = T_IDENT;
        p->tlen = i - p->i;
        p->i = i;
        return;
    }
    p->i++;
    switch (c) {
    case '+': p->tok = T_PLUS; break;
    case '-': p->tok = T_MINUS; break;
    case '*': p->tok = T_STAR; break;
    case '/': p->tok = T_SLASH; break;
    case '^': p->tok = T_CARET; break;
    case '(': p->tok = T_LPAREN; break;
    case ')': p->tok = T_RPAREN; break;
    case ',': p->tok = T_COMMA; break;
    default: p->tok = T_BAD; break;
    }
}

/* ======================================================================== parser */

/* Adds a node, folding it to a constant when all its operands are constants. */
static int mk(struct parser *p, enum op op, int a, int b, double k)
{
    if (a >= 0 && p->nodes[a].op == OP_CONST && (b < 0 || p->nodes[b].op == OP_CONST)) {
        double u = p->nodes[a].k;
        k = b < 0 ? value1(op, u) : value2(op, u, p->nodes[b].k);
        op = OP_CONST;
        a = b = -1;
    }
    if (p->nnodes == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 32;
        p->nodes = xrealloc(p->nodes, (size_t)p->cap * sizeof *p->nodes);
    }
    p->nodes[p->nnodes] = (struct node){.op = op, .a = a, .b = b, .k = k};
    return p->nnodes++;
}

static int parse_sum(struct parser *p);
static int parse_unary(struct parser *p);

static bool enter(struct parser *p)
{
    if (++p->depth > MAX_DEPTH) {
        fail(p, p->tpos, _("expression nested too deeply (limit %d levels)"), MAX_DEPTH);
        return false;
    }
    return true;
}

/* Reports the token where an operand was expected. */
static void expected_operand(struct parser *p)
{
    char shown[48];
    switch (p->tok) {
    case T_END:
        if (p->prev == T_END) {
            fail(p, 0, _("empty expression"));
        } else {
            fail(p, p->tpos, _("unexpected end of expression after '%.*s'"), (int)p->plen,
                 p->src + p->ppos);
        }
        break;
    case T_BAD:
        fail(p, p->tpos, _("unexpected character '%s'"), tok_text(p, shown, sizeof shown));
        break;
    case T_RPAREN:
        if (p->prev == T_LPAREN) {
            fail(p, p->tpos, _("empty parentheses"));
        } else {
            fail(p, p->tpos, _("unexpected ')', expected a number, variable or '('"));
        }
        break;
    case T_STAR:
        if (p->prev == T_STAR) {
            fail(p, p->tpos, _("unexpected '*' (use ^ for powers)"));
            break;
        }
        /* fall through */
    default:
        fail(p, p->tpos, _("unexpected '%s', expected a number, variable or '('"),
             tok_text(p, shown, sizeof shown));
        break;
    }
}

/* After "(" at byte lpos: expects ")". */
static bool close_paren(struct parser *p, size_t lpos)
{
    char shown[48];
    if (p->tok == T_RPAREN) {
        next(p);
        return true;
    }
    if (p->tok == T_END) {
        fail(p, p->tpos, _("missing ')' to close '(' at column %zu"), lpos + 1);
    } else if (p->tok == T_BAD) {
        fail(p, p->tpos, _("unexpected character '%s'"), tok_text(p, shown, sizeof shown));
    } else {
        fail(p, p->tpos, _("expected ')' to close '(' at column %zu, found '%s'"), lpos + 1,
             tok_text(p, shown, sizeof shown));
    }
    return false;
}

static int parse_call(struct parser *p, const struct func *f, size_t name_pos)
{
    if (p->tok != T_LPAREN) {
        fail(p, p->tpos, _("function '%s' needs its argument in parentheses: %s(...)"), f->name,
             f->name);
        return -1;
    }
    size_t lpos = p->tpos;
    next(p);
    int args[2] = {-1, -1};
    int nargs = 0;
    if (p->tok != T_RPAREN) {
        for (;;) {
            int a = parse_sum(p);
            if (a < 0) {
                return -1;
            }
            if (nargs < 2) {
                args[nargs] = a;
            }
            nargs++;
            if (p->tok != T_COMMA) {
                break;
            }
            next(p);
        }
    }
    if (!close_paren(p, lpos)) {
        return -1;
    }
    if (nargs != f->nargs) {
        fail(p, name_pos,
             ngettext("%s takes %d argument, got %d", "%s takes %d arguments, got %d",
                      (unsigned long)f->nargs),
             f->name, f->nargs, nargs);
        return -1;
    }
    return mk(p, f->op, args[0], args[1], 0.0);
}

static int parse_primary(struct parser *p)
{
    char name[48];
    switch (p->tok) {
    case T_NUM: {
        double v = p->num;
        next(p);
        return p->failed ? -1 : mk(p, OP_CONST, -1, -1, v);
    }
    case T_LPAREN: {
        size_t lpos = p->tpos;
        next(p);
        int a = parse_sum(p);
        if (a < 0 || !close_paren(p, lpos)) {
            return -1;
        }
        return a;
    }
    case T_IDENT: {
        size_t pos = p->tpos;
        tok_text(p, name, sizeof name);
        bool whole = p->tlen < 32;
        next(p);
        for (size_t i = 0; whole && i < NFUNCS; i++) {
            if (strcmp(name, funcs[i].name) == 0) {
                return parse_call(p, &funcs[i], pos);
            }
        }
        int v = -1;
        if (strcmp(name, "x") == 0) {
            v = mk(p, OP_X, -1, -1, 0.0);
        } else if (strcmp(name, "y") == 0) {
            v = mk(p, OP_Y, -1, -1, 0.0);
        } else if (strcmp(name, "pi") == 0) {
            v = mk(p, OP_CONST, -1, -1, M_PI);
        } else if (strcmp(name, "e") == 0) {
            v = mk(p, OP_CONST, -1, -1, M_E);
        }
        if (v >= 0) {
            if (p->tok == T_LPAREN) {
                fail(p, pos, _("'%s' is not a function"), name);
                return -1;
            }
            return v;
        }
        char msg[sizeof p->err->msg];
        if (p->tok == T_LPAREN) {
            snprintf(msg, sizeof msg, _("unknown function '%s'"), name);
            util_append_suggestion(msg, sizeof msg, name, func_names, NFUNCS);
        } else {
            snprintf(msg, sizeof msg, _("unknown identifier '%s'"), name);
            util_append_suggestion(msg, sizeof msg, name, ident_names,
                                   sizeof ident_names / sizeof ident_names[0]);
        }
        fail(p, pos, "%s", msg);
        return -1;
    }
    default:
        expected_operand(p);
        return -1;
    }
}

/* power := primary ['^' unary]; the exponent is a unary, so ^ is right-associative and
 * 2^-x works, while -x^2 parses as -(x^2) because unary minus sits above power. */
static int parse_power(struct parser *p)
{
    int a = parse_primary(p);
    if (a < 0 || p->tok != T_CARET) {
        return a;
    }
    next(p);
    int b = parse_unary(p);
    return b < 0 ? -1 : mk(p, OP_POW, a, b, 0.0);
}

static int parse_unary(struct parser *p)
{
    if (!enter(p)) {
        return -1;
    }
    int r;
    if (p->tok == T_MINUS) {
        next(p);
        int a = parse_unary(p);
        r = a < 0 ? -1 : mk(p, OP_NEG, a, -1, 0.0);
    } else if (p->tok == T_PLUS) {
        next(p);
        r = parse_unary(p);
    } else {
        r = parse_power(p);
    }
    p->depth--;
    return r;
}

static int parse_product(struct parser *p)
{
    int a = parse_unary(p);
    while (a >= 0 && (p->tok == T_STAR || p->tok == T_SLASH)) {
        enum op op = p->tok == T_STAR ? OP_MUL : OP_DIV;
        next(p);
        int b = parse_unary(p);
        a = b < 0 ? -1 : mk(p, op, a, b, 0.0);
    }
    return a;
}

static int parse_sum(struct parser *p)
{
    int a = parse_product(p);
    while (a >= 0 && (p->tok == T_PLUS || p->tok == T_MINUS)) {
        enum op op = p->tok == T_PLUS ? OP_ADD : OP_SUB;
        next(p);
        int b = parse_product(p);
        a = b < 0 ? -1 : mk(p, op, a, b, 0.0);
    }
    return a;
}

/* ======================================================================== code generation */

struct gen {
    const struct node *nodes;
    struct ins *code;   /* capacity: one instruction per node is always enough */
    int n;
    int sp, max_sp;     /* stack depth after the last instruction, and its maximum */
};

static void emit(struct gen *g, enum op op, double k, int n, int push)
{
    g->code[g->n++] = (struct ins){.op = op, .n = n, .k = k};
    g->sp += push;
    if (g->sp > g->max_sp) {
        g->max_sp = g->sp;
    }
}

static void gen_node(struct gen *g, int i)
{
    const struct node *nd = &g->nodes[i];
    switch (nd->op) {
    case OP_CONST: emit(g, OP_CONST, nd->k, 0, 1); return;
    case OP_X: emit(g, OP_X, 0.0, 0, 1); return;
    case OP_Y: emit(g, OP_Y, 0.0, 0, 1); return;
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_POW: case OP_MIN:
    case OP_MAX: break;
    default:
        gen_node(g, nd->a);
        emit(g, nd->op, 0.0, 0, 0);
        return;
    }
    const struct node *l = &g->nodes[nd->a], *r = &g->nodes[nd->b];
    /* A constant operand rides in the instruction: fewer pushes, a shallower stack. */
    if (r->op == OP_CONST && nd->op != OP_MIN && nd->op != OP_MAX) {
        double k = r->k;
        gen_node(g, nd->a);
        switch (nd->op) {
        case OP_ADD: emit(g, OP_ADDK, k, 0, 0); return;
        case OP_SUB: emit(g, OP_SUBK, k, 0, 0); return;
        case OP_MUL: emit(g, OP_MULK, k, 0, 0); return;
        case OP_DIV: emit(g, OP_DIVK, k, 0, 0); return;
        default: break;
        }
        if (k == 2.0) {
            emit(g, OP_SQR, k, 2, 0);
        } else if (k == floor(k) && fabs(k) <= MAX_IPOW) {
            emit(g, OP_POWI, k, (int)k, 0);
        } else {
            emit(g, OP_POWK, k, 0, 0);
        }
        return;
    }
    if (l->op == OP_CONST && nd->op != OP_MIN && nd->op != OP_MAX && nd->op != OP_POW) {
        /* k + u == u + k and k * u == u * k exactly in IEEE arithmetic */
        double k = l->k;
        gen_node(g, nd->b);
        switch (nd->op) {
        case OP_ADD: emit(g, OP_ADDK, k, 0, 0); return;
        case OP_SUB: emit(g, OP_KSUB, k, 0, 0); return;
        case OP_MUL: emit(g, OP_MULK, k, 0, 0); return;
        default: emit(g, OP_KDIV, k, 0, 0); return;
        }
    }
    gen_node(g, nd->a);
    gen_node(g, nd->b);
    emit(g, nd->op, 0.0, 0, -1);
}

/* ======================================================================== compile */

struct expr *expr_compile(const char *src, struct expr_error *err)
{
    struct expr_error dummy;
    if (!err) {
        err = &dummy;
    }
    err->pos = 0;
    err->msg[0] = '\0';
    size_t len = strlen(src);
    if (len > MAX_SOURCE) {
        err->pos = MAX_SOURCE + 1;
        snprintf(err->msg, sizeof err->msg,
                 _("expression too long (%zu characters, the limit is %d)"), len, MAX_SOURCE);
        return NULL;
    }
    struct parser p = {.src = src, .len = len, .err = err, .tok = T_END};
    next(&p);
    p.prev = T_END;
    int root = -1;
    if (!p.failed) {
        root = parse_sum(&p);
    }
    if (root >= 0 && p.tok != T_END) {
        char shown[48];
        tok_text(&p, shown, sizeof shown);
        switch (p.tok) {
        case T_RPAREN: fail(&p, p.tpos, _("unmatched ')'")); break;
        case T_BAD: fail(&p, p.tpos, _("unexpected character '%s'"), shown); break;
        case T_COMMA:
            fail(&p, p.tpos, _("unexpected ',' outside a function's arguments"));
            break;
        default:
            fail(&p, p.tpos, _("unexpected '%s' after a complete expression (missing operator?)"),
                 shown);
            break;
        }
    }
    if (p.failed || root < 0) {
        free(p.nodes);
        return NULL;
    }

    struct gen g = {.nodes = p.nodes, .code = xmalloc((size_t)p.nnodes * sizeof *g.code)};
    gen_node(&g, root);
    if (g.max_sp > MAX_STACK) {
        err->pos = 1;
        snprintf(err->msg, sizeof err->msg,
                 _("expression too complex (needs %d stack slots, the limit is %d)"), g.max_sp,
                 MAX_STACK);
        free(g.code);
        free(p.nodes);
        return NULL;
    }
    struct expr *e = xmalloc(sizeof *e);
    *e = (struct expr){.src = xstrdup(src), .code = g.code, .ncode = g.n, .stack = g.max_sp,
                       .nodes = p.nodes, .nnodes = p.nnodes, .root = root};
    return e;
}

void expr_destroy(struct expr *e)
{
    if (!e) {
        return;
    }
    free(e->src);
    free(e->code);
    free(e->nodes);
    free(e);
}

const char *expr_source(const struct expr *e)
{
    return e->src;
}

/* ======================================================================== evaluation */

/* Both evaluators keep `t` one past the top of the stack: t[-1] is the top, t[-2] the one
 * below. The stack lives in the caller's frame, so concurrent calls share nothing. */

double expr_eval(const struct expr *e, double x, double y)
{
    double st[MAX_STACK];
    double *t = st;
    const struct ins *c = e->code, *end = c + e->ncode;
    for (; c < end; c++) {
        switch (c->op) {
        case OP_CONST: *t++ = c->k; break;
        case OP_X: *t++ = x; break;
        case OP_Y: *t++ = y; break;
        case OP_ADD: t[-2] += t[-1]; t--; break;
        case OP_SUB: t[-2] -= t[-1]; t--; break;
        case OP_MUL: t[-2] *= t[-1]; t--; break;
        case OP_DIV: t[-2] /= t[-1]; t--; break;
        case OP_POW: case OP_MIN: case OP_MAX:
            t[-2] = value2(c->op, t[-2], t[-1]);
            t--;
            break;
        case OP_ADDK: t[-1] += c->k; break;
        case OP_SUBK: t[-1] -= c->k; break;
        case OP_KSUB: t[-1] = c->k - t[-1]; break;
        case OP_MULK: t[-1] *= c->k; break;
        case OP_DIVK: t[-1] /= c->k; break;
        case OP_KDIV: t[-1] = c->k / t[-1]; break;
        case OP_SQR: t[-1] *= t[-1]; break;
        case OP_POWI: t[-1] = ipow(t[-1], c->n); break;
        case OP_POWK: t[-1] = pow(t[-1], c->k); break;
        default: t[-1] = value1(c->op, t[-1]); break;
        }
    }
    return st[0];
}

/* A value with its partial derivatives in x and y. */
struct dual {
    double v, dx, dy;
};

/* a^b for a non-constant exponent b. */
static struct dual dual_pow(struct dual a, struct dual b)
{
    double v = pow(a.v, b.v), dx, dy;
    if (b.dx == 0.0 && b.dy == 0.0) {
        /* exponent locally constant: w u^(w-1) u', defined for negative u */
        double w = b.v, coef = w == 0.0 ? 0.0 : w * pow(a.v, w - 1.0);
        dx = chain(coef, a.dx);
        dy = chain(coef, a.dy);
    } else {
        /* u^w (w' ln u + w u'/u), each term only where its factor is non-zero */
        double lu = log(a.v), q = b.v / a.v;
        dx = v * ((b.dx != 0.0 ? b.dx * lu : 0.0) + (a.dx != 0.0 ? q * a.dx : 0.0));
        dy = v * ((b.dy != 0.0 ? b.dy * lu : 0.0) + (a.dy != 0.0 ? q * a.dy : 0.0));
    }
    return (struct dual){v, dx, dy};
}

/* u^n, n an integer constant. */
static inline struct dual dual_powi(struct dual a, int n)
{
    double v = ipow(a.v, n);
    if (n >= 1) {
        double coef = n * ipow(a.v, n - 1);
        return (struct dual){v, coef * a.dx, coef * a.dy};
    }
    double coef = n == 0 ? 0.0 : n * ipow(a.v, n - 1);
    return (struct dual){v, chain(coef, a.dx), chain(coef, a.dy)};
}

double expr_eval_grad(const struct expr *e, double x, double y, double grad[2])
{
    struct dual st[MAX_STACK];
    struct dual *t = st;
    const struct ins *c = e->code, *end = c + e->ncode;
    for (; c < end; c++) {
        struct dual *a, *b;
        double u, f;   /* f: derivative of a one-argument function at u */
        switch (c->op) {
        case OP_CONST: *t++ = (struct dual){c->k, 0.0, 0.0}; continue;
        case OP_X: *t++ = (struct dual){x, 1.0, 0.0}; continue;
        case OP_Y: *t++ = (struct dual){y, 0.0, 1.0}; continue;
        case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_POW: case OP_MIN:
        case OP_MAX:
            a = t - 2;
            b = t - 1;
            t--;
            switch (c->op) {
            case OP_ADD: *a = (struct dual){a->v + b->v, a->dx + b->dx, a->dy + b->dy}; break;
            case OP_SUB: *a = (struct dual){a->v - b->v, a->dx - b->dx, a->dy - b->dy}; break;
            case OP_MUL:
                *a = (struct dual){a->v * b->v, a->dx * b->v + a->v * b->dx,
                                   a->dy * b->v + a->v * b->dy};
                break;
            case OP_DIV: {
                double v = a->v / b->v;
                *a = (struct dual){v, (a->dx - v * b->dx) / b->v, (a->dy - v * b->dy) / b->v};
                break;
            }
            case OP_POW: *a = dual_pow(*a, *b); break;
            /* the chosen branch's derivative; ties keep the first argument */
            case OP_MIN: if (b->v < a->v) { *a = *b; } break;
            case OP_MAX: if (b->v > a->v) { *a = *b; } break;
            default: break;
            }
            continue;
        default:
            break;
        }
        a = t - 1;
        u = a->v;
        switch (c->op) {
        case OP_ADDK: a->v = u + c->k; continue;
        case OP_SUBK: a->v = u - c->k; continue;
        case OP_KSUB: *a = (struct dual){c->k - u, -a->dx, -a->dy}; continue;
        case OP_MULK: *a = (struct dual){u * c->k, a->dx * c->k, a->dy * c->k}; continue;
        case OP_DIVK: *a = (struct dual){u / c->k, a->dx / c->k, a->dy / c->k}; continue;
        case OP_KDIV: {
            double v = c->k / u;
            *a = (struct dual){v, -v / u * a->dx, -v / u * a->dy};
            continue;
        }
        case OP_SQR: *a = (struct dual){u * u, 2.0 * u * a->dx, 2.0 * u * a->dy}; continue;
        case OP_POWI: *a = dual_powi(*a, c->n); continue;
        case OP_POWK: {
            double w = c->k, coef = w == 0.0 ? 0.0 : w * pow(u, w - 1.0);
            *a = (struct dual){pow(u, w), chain(coef, a->dx), chain(coef, a->dy)};
            continue;
        }
        case OP_NEG: *a = (struct dual){-u, -a->dx, -a->dy}; continue;
        case OP_LOG:
            *a = (struct dual){log(u), chain(1.0 / u, a->dx), chain(1.0 / u, a->dy)};
            continue;
        case OP_SQRT: {
            double v = sqrt(u);
            *a = (struct dual){v, chain(0.5 / v, a->dx), chain(0.5 / v, a->dy)};
            continue;
        }
        case OP_SIN: a->v = sin(u); f = cos(u); break;
        case OP_COS: a->v = cos(u); f = -sin(u); break;
        case OP_TAN: a->v = tan(u); f = 1.0 + a->v * a->v; break;
        case OP_EXP: a->v = exp(u); f = a->v; break;
        case OP_ABS: a->v = fabs(u); f = (u > 0.0) - (u < 0.0); break;
        case OP_TANH: a->v = tanh(u); f = 1.0 - a->v * a->v; break;
        case OP_SINH: a->v = sinh(u); f = cosh(u); break;
        case OP_COSH: a->v = cosh(u); f = sinh(u); break;
        case OP_ATAN: a->v = atan(u); f = 1.0 / (1.0 + u * u); break;
        default: continue;
        }
        a->dx *= f;
        a->dy *= f;
    }
    grad[0] = st[0].dx;
    grad[1] = st[0].dy;
    return st[0].v;
}

/* ------------------------------------------------------------------ second order */

/* A value with its gradient and Hessian in x and y: second-order forward mode (a truncated
 * Taylor polynomial in two variables), exact up to rounding. */
struct dual2 {
    double v, dx, dy, xx, xy, yy;
};

/* h(u) for a one-argument function with h' = f1 and h'' = f2 at u: the chain rule to second
 * order, h(u)_ij = f2 u_i u_j + f1 u_ij. A zero derivative of u contributes zero even when a
 * coefficient is infinite (chain), as in the gradient. */
static inline struct dual2 d2_chain(struct dual2 a, double v, double f1, double f2)
{
    struct dual2 r;
    r.v = v;
    r.dx = chain(f1, a.dx);
    r.dy = chain(f1, a.dy);
    r.xx = chain(f2, a.dx * a.dx) + chain(f1, a.xx);
    r.xy = chain(f2, a.dx * a.dy) + chain(f1, a.xy);
    r.yy = chain(f2, a.dy * a.dy) + chain(f1, a.yy);
    return r;
}

static inline struct dual2 d2_add(struct dual2 a, struct dual2 b, double s)
{
    return (struct dual2){a.v + s * b.v, a.dx + s * b.dx, a.dy + s * b.dy,
                          a.xx + s * b.xx, a.xy + s * b.xy, a.yy + s * b.yy};
}

static inline struct dual2 d2_mul(struct dual2 a, struct dual2 b)
{
    return (struct dual2){a.v * b.v, a.dx * b.v + a.v * b.dx, a.dy * b.v + a.v * b.dy,
                          a.xx * b.v + 2.0 * a.dx * b.dx + a.v * b.xx,
                          a.xy * b.v + a.dx * b.dy + a.dy * b.dx + a.v * b.xy,
                          a.yy * b.v + 2.0 * a.dy * b.dy + a.v * b.yy};
}

static inline struct dual2 d2_scale(struct dual2 a, double k)
{
    return (struct dual2){a.v * k, a.dx * k, a.dy * k, a.xx * k, a.xy * k, a.yy * k};
}

/* u^w for a constant w (w * u^(w-1), w (w-1) u^(w-2)). */
static inline struct dual2 d2_powk(struct dual2 a, double w, double v)
{
    double f1 = w == 0.0 ? 0.0 : w * pow(a.v, w - 1.0);
    double f2 = w == 0.0 || w == 1.0 ? 0.0 : w * (w - 1.0) * pow(a.v, w - 2.0);
    return d2_chain(a, v, f1, f2);
}

/* a^b for a non-constant b: exp(b log a), with the gradient's conventions where b is locally
 * constant. */
static struct dual2 d2_pow(struct dual2 a, struct dual2 b)
{
    double v = pow(a.v, b.v);
    if (b.dx == 0.0 && b.dy == 0.0 && b.xx == 0.0 && b.xy == 0.0 && b.yy == 0.0) {
        return d2_powk(a, b.v, v);
    }
    /* l = b * log(a); result = exp(l) */
    struct dual2 la = d2_chain(a, log(a.v), 1.0 / a.v, -1.0 / (a.v * a.v));
    if (a.dx == 0.0 && a.dy == 0.0 && a.xx == 0.0 && a.xy == 0.0 && a.yy == 0.0) {
        la = (struct dual2){log(a.v), 0, 0, 0, 0, 0};
    }
    struct dual2 l = d2_mul(b, la);
    return d2_chain(l, v, v, v);
}

double expr_eval_hess(const struct expr *e, double x, double y, double grad[2], double hess[3])
{
    struct dual2 st[MAX_STACK];
    struct dual2 *t = st;
    const struct ins *c = e->code, *end = c + e->ncode;
    for (; c < end; c++) {
        struct dual2 *a, *b;
        switch (c->op) {
        case OP_CONST: *t++ = (struct dual2){c->k, 0, 0, 0, 0, 0}; continue;
        case OP_X: *t++ = (struct dual2){x, 1.0, 0, 0, 0, 0}; continue;
        case OP_Y: *t++ = (struct dual2){y, 0, 1.0, 0, 0, 0}; continue;
        case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_POW: case OP_MIN:
        case OP_MAX:
            a = t - 2;
            b = t - 1;
            t--;
            switch (c->op) {
            case OP_ADD: *a = d2_add(*a, *b, 1.0); break;
            case OP_SUB: *a = d2_add(*a, *b, -1.0); break;
            case OP_MUL: *a = d2_mul(*a, *b); break;
            case OP_DIV: {
                /* a * (1/b) */
                double w = b->v;
                struct dual2 inv = d2_chain(*b, 1.0 / w, -1.0 / (w * w), 2.0 / (w * w * w));
                double v = a->v / w;
                *a = d2_mul(*a, inv);
                a->v = v;
                break;
            }
            case OP_POW: *a = d2_pow(*a, *b); break;
            case OP_MIN: if (b->v < a->v) { *a = *b; } break;
            case OP_MAX: if (b->v > a->v) { *a = *b; } break;
            default: break;
            }
            continue;
        default:
            break;
        }
        a = t - 1;
        double u = a->v, v;
        switch (c->op) {
        case OP_ADDK: a->v = u + c->k; continue;
        case OP_SUBK: a->v = u - c->k; continue;
        case OP_KSUB: *a = d2_scale(*a, -1.0); a->v = c->k - u; continue;
        case OP_MULK: *a = d2_scale(*a, c->k); a->v = u * c->k; continue;
        case OP_DIVK: *a = d2_scale(*a, 1.0 / c->k); a->v = u / c->k; continue;
        case OP_KDIV:
            v = c->k / u;
            *a = d2_chain(*a, v, -v / u, 2.0 * v / (u * u));
            continue;
        case OP_SQR: *a = d2_chain(*a, u * u, 2.0 * u, 2.0); continue;
        case OP_POWI: {
            int n = c->n;
            double f1 = n == 0 ? 0.0 : n * ipow(u, n - 1);
            double f2 = n == 0 || n == 1 ? 0.0 : (double)n * (n - 1) * ipow(u, n - 2);
            *a = d2_chain(*a, ipow(u, n), f1, f2);
            continue;
        }
        case OP_POWK: *a = d2_powk(*a, c->k, pow(u, c->k)); continue;
        case OP_NEG: *a = d2_scale(*a, -1.0); continue;
        case OP_LOG: *a = d2_chain(*a, log(u), 1.0 / u, -1.0 / (u * u)); continue;
        case OP_SQRT:
            v = sqrt(u);
            *a = d2_chain(*a, v, 0.5 / v, -0.25 / (v * u));
            continue;
        case OP_SIN: *a = d2_chain(*a, sin(u), cos(u), -sin(u)); continue;
        case OP_COS: *a = d2_chain(*a, cos(u), -sin(u), -cos(u)); continue;
        case OP_TAN:
            v = tan(u);
            *a = d2_chain(*a, v, 1.0 + v * v, 2.0 * v * (1.0 + v * v));
            continue;
        case OP_EXP: v = exp(u); *a = d2_chain(*a, v, v, v); continue;
        /* |u|'' is 0 away from 0 (and taken as 0 at the kink, as the gradient takes 0) */
        case OP_ABS: *a = d2_chain(*a, fabs(u), (u > 0.0) - (u < 0.0), 0.0); continue;
        case OP_TANH:
            v = tanh(u);
            *a = d2_chain(*a, v, 1.0 - v * v, -2.0 * v * (1.0 - v * v));
            continue;
        case OP_SINH: *a = d2_chain(*a, sinh(u), cosh(u), sinh(u)); continue;
        case OP_COSH: *a = d2_chain(*a, cosh(u), sinh(u), cosh(u)); continue;
        case OP_ATAN: {
            double q = 1.0 / (1.0 + u * u);
            *a = d2_chain(*a, atan(u), q, -2.0 * u * q * q);
            continue;
        }
        default: continue;
        }
    }
    if (grad) {
        grad[0] = st[0].dx;
        grad[1] = st[0].dy;
    }
    hess[0] = st[0].xx;
    hess[1] = st[0].xy;
    hess[2] = st[0].yy;
    return st[0].v;
}

/* ======================================================================== GLSL */

struct sbuf {
    char *s;
    size_t len, cap;
};

static void put(struct sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap) {
            b->cap = b->cap ? 2 * b->cap : 64;
        }
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

/* The shortest decimal that reads back as the same 32-bit float, spelled as a GLSL float
 * literal: "2.0", "0.001", "1.0e-7", "6.2831855". */
static void glsl_float(char *out, size_t n, double v)
{
    if (isnan(v)) {
        snprintf(out, n, "intBitsToFloat(0x7fc00000)");
        return;
    }
    if (fabs(v) > FLT_MAX) {
        /* also keeps the double -> float conversion below in range (else undefined) */
        snprintf(out, n, "%sintBitsToFloat(0x7f800000)", v < 0 ? "-" : "");
        return;
    }
    float f = (float)v;
    char buf[40];
    int prec = 1;
    for (; prec < 9; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, (double)f);
        if ((float)strtod(buf, NULL) == f) {
            break;
        }
    }
    snprintf(buf, sizeof buf, "%.*e", prec - 1, (double)f);
    char *ep = strchr(buf, 'e');
    int x10 = atoi(ep + 1);
    if (x10 >= -5 && x10 < 7) {
        /* plain notation for everyday magnitudes: "100.0", "0.001" */
        int decimals = prec - 1 - x10 > 0 ? prec - 1 - x10 : 0;
        snprintf(buf, sizeof buf, "%.*f", decimals, (double)f);
        snprintf(out, n, "%s%s", buf, strchr(buf, '.') ? "" : ".0");
        return;
    }
    /* "d.ddde-7": GLSL wants a '.' or an exponent; keep both, drop '+' and leading zeros */
    *ep = '\0';
    snprintf(out, n, "%s%se%d", buf, strchr(buf, '.') ? "" : ".0", x10);
}

/* Precedence of a node's GLSL text: which contexts need it parenthesized. */
enum { P_SUM = 1, P_PRODUCT = 2, P_UNARY = 3, P_ATOM = 4 };

static int glsl_prec(const struct node *nd)
{
    switch (nd->op) {
    case OP_CONST: return signbit(nd->k) ? P_UNARY : P_ATOM;
    case OP_NEG: return P_UNARY;
    case OP_ADD: case OP_SUB: return P_SUM;
    case OP_MUL: case OP_DIV: return P_PRODUCT;
    default: return P_ATOM;
    }
}

static void glsl_node(const struct expr *e, int i, struct sbuf *b);

static void glsl_child(const struct expr *e, int i, bool wrap, struct sbuf *b)
{
    if (wrap) {
        put(b, "(");
    }
    glsl_node(e, i, b);
    if (wrap) {
        put(b, ")");
    }
}

static void glsl_node(const struct expr *e, int i, struct sbuf *b)
{
    const struct node *nd = &e->nodes[i];
    switch (nd->op) {
    case OP_CONST: {
        char num[48];
        glsl_float(num, sizeof num, nd->k);
        put(b, num);
        return;
    }
    case OP_X: put(b, "x"); return;
    case OP_Y: put(b, "y"); return;
    case OP_NEG:
        /* wrap anything that is not an atom: "-(-x)", never the decrement token "--x" */
        put(b, "-");
        glsl_child(e, nd->a, glsl_prec(&e->nodes[nd->a]) < P_ATOM, b);
        return;
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: {
        int p = glsl_prec(nd);
        static const char *const sym[] = {" + ", " - ", " * ", " / "};
        /* left-associative: an equal-precedence right operand keeps its parentheses, so the
         * float evaluation order is the one written */
        glsl_child(e, nd->a, glsl_prec(&e->nodes[nd->a]) < p, b);
        put(b, sym[nd->op - OP_ADD]);
        glsl_child(e, nd->b, glsl_prec(&e->nodes[nd->b]) <= p, b);
        return;
    }
    case OP_POW: {
        const struct node *r = &e->nodes[nd->b];
        bool square = r->op == OP_CONST && r->k == 2.0;
        put(b, square ? "os_sq(" : "os_pow(");
        glsl_node(e, nd->a, b);
        if (!square) {
            put(b, ", ");
            glsl_node(e, nd->b, b);
        }
        put(b, ")");
        return;
    }
    default: {
        const struct func *f = find_func(nd->op);
        put(b, f ? f->name : "?");
        put(b, "(");
        glsl_node(e, nd->a, b);
        if (nd->b >= 0) {
            put(b, ", ");
            glsl_node(e, nd->b, b);
        }
        put(b, ")");
        return;
    }
    }
}

char *expr_glsl(const struct expr *e)
{
    struct sbuf b = {0};
    put(&b, "");
    glsl_node(e, e->root, &b);
    return b.s;
}

const char *expr_glsl_prelude(void)
{
    /* os_pow follows C's pow where GLSL's pow is undefined: a negative base with an integer
     * exponent, and a zero base. NaN and Inf are built from their bit patterns (3.30 core). */
    return "float os_sq(float a) { return a * a; }\n"
           "float os_pow(float a, float b) {\n"
           "    if (a > 0.0) { return pow(a, b); }\n"
           "    if (a == 0.0) {\n"
           "        return b > 0.0 ? 0.0 : (b == 0.0 ? 1.0 : intBitsToFloat(0x7f800000));\n"
           "    }\n"
           "    if (b != floor(b)) { return intBitsToFloat(0x7fc00000); }\n"
           "    float r = pow(-a, b);\n"
           "    return mod(b, 2.0) == 1.0 ? -r : r;\n"
           "}\n";
}

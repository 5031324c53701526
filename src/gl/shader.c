/* shader.c: shader programs from files in shaders/, with marker lines replaced by generated
 * GLSL (the function) under #line directives, so that every compile error names a file and
 * a line of it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl/gl.h"
#include "sim/i18n.h"
#include "sim/util.h"

/* ======================================================================== sources */

/* A growing string. */
struct buf {
    char *s;        /* NUL-terminated text */
    size_t n, cap;  /* length and capacity */
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void buf_addf(struct buf *b, const char *fmt, int a, int c)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, fmt, a, c);
    buf_add(b, tmp, (size_t)n);
}

/* The source with each marker line replaced. Source string numbers in #line: 0 is the file,
 * k + 1 is subst[k]. */
static char *substitute(const char *src, const struct gl_subst *subst, int nsubst)
{
    struct buf b = {0};
    int line = 1;
    const char *p = src;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *s = p;
        size_t n = len;
        while (n > 0 && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) {
            n--;
        }
        int hit = -1;
        for (int k = 0; k < nsubst; k++) {
            if (strlen(subst[k].marker) == n && !strncmp(s, subst[k].marker, n)) {
                hit = k;
            }
        }
        if (hit >= 0) {
            buf_addf(&b, "#line 1 %d\n", hit + 1, 0);
            buf_add(&b, subst[hit].text, strlen(subst[hit].text));
            buf_addf(&b, "\n#line %d %d\n", line + 1, 0);
        } else {
            buf_add(&b, p, len);
            buf_add(&b, "\n", 1);
        }
        line++;
        p = eol ? eol + 1 : p + len;
    }
    if (!b.s) {
        buf_add(&b, "", 0);
    }
    return b.s;
}

/* Finds the first "S:L(" (Mesa), "S(L)" (NVIDIA) or "ERROR: S:L:" location in a log. */
static bool find_location(const char *log, int *src, int *line, const char **msg)
{
    for (const char *p = log; *p; p++) {
        int s, l, n = 0;
        if ((p == log || p[-1] == '\n' || p[-1] == ' ') &&
            (sscanf(p, "%d:%d(%*d):%n", &s, &l, &n) == 2 ||
             sscanf(p, "%d(%d)%n", &s, &l, &n) == 2 || sscanf(p, "%d:%d:%n", &s, &l, &n) == 2) &&
            n > 0) {
            *src = s;
            *line = l;
            *msg = p + n;
            while (**msg == ' ' || **msg == ':') {
                (*msg)++;
            }
            return true;
        }
    }
    return false;
}

static GLuint compile(GLenum type, const char *dir, const char *file, const char *text,
                      const struct gl_subst *subst, int nsubst, char *err, size_t errlen)
{
    GLuint sh = glCreateShader(type);
    glShaderSource(sh, 1, &text, NULL);
    glCompileShader(sh);
    GLint ok = 0;
    glGetShaderiv(sh, GL_COMPILE_STATUS, &ok);
    if (ok) {
        return sh;
    }
    char log[2048] = "";
    glGetShaderInfoLog(sh, sizeof log, NULL, log);
    glDeleteShader(sh);
    int src = 0, line = 0;
    const char *msg = log;
    bool located = find_location(log, &src, &line, &msg);
    char first[512];
    size_t k = 0;
    while (msg[k] && msg[k] != '\n' && k + 1 < sizeof first) {
        first[k] = msg[k];
        k++;
    }
    first[k] = '\0';
    if (located && src >= 1 && src <= nsubst) {
        snprintf(err, errlen, _("%s/%s: in the substituted %s (%s line %d): %s"), dir, file,
                 subst[src - 1].marker, subst[src - 1].origin, line, first);
    } else if (located) {
        snprintf(err, errlen, "%s/%s:%d: %s", dir, file, line, first);
    } else {
        snprintf(err, errlen, "%s/%s: %s", dir, file, first[0] ? first : "compile error");
    }
    return 0;
}

GLuint gl_program_load(const char *dir, const char *vert, const char *frag,
                       const struct gl_subst *subst, int nsubst, char *err, size_t errlen)
{
    const char *files[2] = {vert, frag};
    GLenum types[2] = {GL_VERTEX_SHADER, GL_FRAGMENT_SHADER};
    GLuint sh[2] = {0, 0};
    GLuint prog = 0;
    for (int i = 0; i < 2; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        char *src = util_read_file(path, NULL);
        if (!src) {
            snprintf(err, errlen, _("%s: cannot read shader (%s)"), path, strerror(errno));
            goto out;
        }
        char *text = substitute(src, subst, nsubst);
        free(src);
        sh[i] = compile(types[i], dir, files[i], text, subst, nsubst, err, errlen);
        free(text);
        if (!sh[i]) {
            goto out;
        }
    }
    prog = glCreateProgram();
    glAttachShader(prog, sh[0]);
    glAttachShader(prog, sh[1]);
    glLinkProgram(prog);
    GLint ok = 0;
    glGetProgramiv(prog, GL_LINK_STATUS, &ok);
    if (!ok) {
        char log[1024] = "";
        glGetProgramInfoLog(prog, sizeof log, NULL, log);
        snprintf(err, errlen, _("%s/%s + %s: link error: %s"), dir, vert, frag, log);
        glDeleteProgram(prog);
        prog = 0;
    }
out:
    for (int i = 0; i < 2; i++) {
        if (sh[i]) {
            glDeleteShader(sh[i]);
        }
    }
    return prog;
}

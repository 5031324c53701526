/* util.c: the checked allocator, edit-distance suggestions, strict number parsing and the
 * seeded random generator shared by every layer. */
#include "sim/util.h"
#include "sim/i18n.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ======================================================================== allocation */

static void *oom(size_t n)
{
    fprintf(stderr, _("optiscope: out of memory (allocating %zu bytes)\n"), n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    return p ? p : oom(n);
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    return p ? p : oom(count * size);
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    return q ? q : oom(n);
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

/* ======================================================================== suggestions */

/* Optimal string alignment distance (edits and adjacent transpositions), case-insensitive. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) {
        return SIZE_MAX;
    }
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= lb; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t best = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < best) {
                best = d[i - 1][j] + 1;
            }
            if (d[i][j - 1] + 1 < best) {
                best = d[i][j - 1] + 1;
            }
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best) {
                best = d[i - 2][j - 2] + 1;
            }
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* Longest common subsequence length: breaks ties between equally distant names in favour of
 * the one that keeps more of what was typed ("bael" is beale, not bowl). */
static size_t common_subsequence(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) {
        return 0;
    }
    size_t c[65][65] = {{0}};
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            if (tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1])) {
                c[i][j] = c[i - 1][j - 1] + 1;
            } else {
                c[i][j] = c[i - 1][j] > c[i][j - 1] ? c[i - 1][j] : c[i][j - 1];
            }
        }
    }
    return c[la][lb];
}

const char *util_suggest(const char *name, const char *const *candidates, size_t count)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX, best_c = 0;
    for (size_t i = 0; i < count; i++) {
        size_t d = edit_distance(name, candidates[i]);
        size_t c = common_subsequence(name, candidates[i]);
        if (d < best_d || (d == best_d && c > best_c)) {
            best_d = d;
            best_c = c;
            best = candidates[i];
        }
    }
    size_t limit = strlen(name) / 3;
    if (limit < 2) {
        limit = 2;
    }
    return best_d <= limit ? best : NULL;
}

void util_append_suggestion(char *buf, size_t len, const char *name,
                            const char *const *candidates, size_t count)
{
    const char *s = util_suggest(name, candidates, count);
    if (s) {
        size_t used = strlen(buf);
        if (used < len) {
            snprintf(buf + used, len - used, _(" (did you mean %s?)"), s);
        }
    }
}

/* ======================================================================== text */

/* The length (1..4) of the valid UTF-8 character at s (n bytes available), its code point in
 * *cp; 0 when the bytes there are not valid UTF-8. */
static size_t utf8_char(const unsigned char *s, size_t n, unsigned long *cp)
{
    if (n == 0) {
        return 0;
    }
    unsigned c = s[0];
    size_t len;
    unsigned long v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
        return 0;
    }
    *cp = v;
    return len;
}

const char *util_escape_n(const char *s, size_t n, char *buf, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    if (len == 0) {
        return buf;
    }
    for (size_t i = 0; i < n && u[i];) {
        unsigned long cp;
        size_t k = utf8_char(u + i, n - i, &cp);
        bool control = k == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
        size_t need = control ? 4 : k;
        if (o + need >= len) {
            break;
        }
        if (control) {
            snprintf(buf + o, len - o, "\\x%02x", u[i]);
            i++;
        } else {
            memcpy(buf + o, u + i, k);
            i += k;
        }
        o += need;
    }
    buf[o] = '\0';
    return buf;
}

const char *util_escape(const char *s, char *buf, size_t len)
{
    return util_escape_n(s, strlen(s), buf, len);
}

bool util_utf8_valid(const char *s, size_t n, size_t *bad_at)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned long cp;
        size_t k = utf8_char(u + i, n - i, &cp);
        if (k == 0) {
            if (bad_at) {
                *bad_at = i;
            }
            return false;
        }
        i += k;
    }
    return true;
}

size_t util_utf8_cut(const char *s, size_t n)
{
    /* Back off over continuation bytes to the start of the character at n. */
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) {
        n--;
    }
    return n;
}

void util_copy_text(char *dst, size_t len, const char *src)
{
    if (len == 0) {
        return;
    }
    size_t n = strlen(src);
    if (n >= len) {
        n = util_utf8_cut(src, len - 1);
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ======================================================================== numbers */

bool util_parse_double(const char *s, double *out)
{
    if (!s) {
        return false;
    }
    while (isspace((unsigned char)*s)) {
        s++;
    }
    if (!*s) {
        return false;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    /* Subnormals are refused too: strtod flags them ERANGE, and a value that small means
     * nothing as a rate or a weight (util_number_problem says so). */
    if (end == s || errno == ERANGE || !isfinite(v) || (v != 0.0 && fabs(v) < DBL_MIN)) {
        return false;
    }
    while (isspace((unsigned char)*end)) {
        end++;
    }
    if (*end) {
        return false;
    }
    *out = v;
    return true;
}

const char *util_number_problem(const char *s)
{
    while (s && isspace((unsigned char)*s)) {
        s++;
    }
    if (!s || !*s) {
        return NULL;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    int range = errno;
    while (isspace((unsigned char)*end)) {
        end++;
    }
    if (end == s || *end) {
        return NULL;
    }
    if (isnan(v)) {
        return _("is not a number (NaN)");
    }
    if (isinf(v) || (range == ERANGE && fabs(v) > 1.0)) {
        return _("is too large for a double (beyond 1.8e308)");
    }
    if (range == ERANGE || (v != 0.0 && fabs(v) < DBL_MIN)) {
        return _("is too close to zero for a double (a subnormal: below 2.2e-308 in magnitude)");
    }
    return NULL;
}

bool util_parse_long(const char *s, long min, long max, long *out)
{
    if (!s) {
        return false;
    }
    while (isspace((unsigned char)*s)) {
        s++;
    }
    if (!*s) {
        return false;
    }
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || errno == ERANGE) {
        return false;
    }
    while (isspace((unsigned char)*end)) {
        end++;
    }
    if (*end || v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

bool util_parse_pair(const char *s, double *a, double *b)
{
    if (!s) {
        return false;
    }
    const char *comma = strchr(s, ',');
    if (!comma || strchr(comma + 1, ',')) {
        return false;
    }
    char first[128];
    size_t n = (size_t)(comma - s);
    if (n >= sizeof first) {
        return false;
    }
    memcpy(first, s, n);
    first[n] = '\0';
    return util_parse_double(first, a) && util_parse_double(comma + 1, b);
}

/* ======================================================================== random */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void util_rng_seed(struct util_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) {
        rng->s[i] = splitmix64(&x);
    }
    rng->has_spare = false;
    rng->spare = 0.0;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t util_rng_next(struct util_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double util_rng_uniform(struct util_rng *rng)
{
    return (double)(util_rng_next(rng) >> 11) * 0x1.0p-53;
}

double util_rng_normal(struct util_rng *rng)
{
    if (rng->has_spare) {
        rng->has_spare = false;
        return rng->spare;
    }
    double u1;
    do {
        u1 = util_rng_uniform(rng);
    } while (u1 <= 0.0);
    double u2 = util_rng_uniform(rng);
    double r = sqrt(-2.0 * log(u1));
    double th = 2.0 * 3.14159265358979323846 * u2;
    rng->spare = r * sin(th);
    rng->has_spare = true;
    return r * cos(th);
}

/* ======================================================================== files */

char *util_read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0) {
            break;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[len] = '\0';
    if (len_out) {
        *len_out = len;
    }
    return buf;
}

char *util_read_text_file(const char *path, const char *what, size_t max, size_t *len_out,
                          char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, _("%s: cannot read %s: %s"), UTIL_ESC(path), what, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, _("%s: cannot read %s: %s"), UTIL_ESC(path), what, strerror(errno));
        close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, _("%s: is a directory, not a %s"), UTIL_ESC(path), what);
        close(fd);
        return NULL;
    }
    if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
        snprintf(err, errlen, _("%s: %s too large (%lld bytes; at most %zu)"), UTIL_ESC(path),
                 what, (long long)st.st_size, max);
        close(fd);
        return NULL;
    }
    /* Read up to max + 1 bytes whatever stat said: a FIFO or a device has no size, and a
     * regular file may grow while it is read. */
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (len == cap - 1) {
            if (len > max) {
                break;
            }
            cap = cap * 2 > max + 2 ? max + 2 : cap * 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t got = read(fd, buf + len, cap - 1 - len);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            snprintf(err, errlen, _("%s: cannot read %s: %s"), UTIL_ESC(path), what, strerror(errno));
            free(buf);
            close(fd);
            return NULL;
        }
        if (got == 0) {
            break;
        }
        len += (size_t)got;
    }
    close(fd);
    if (len > max) {
        snprintf(err, errlen, _("%s: %s too large (more than %zu bytes)"), UTIL_ESC(path), what,
                 max);
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    if (len_out) {
        *len_out = len;
    }
    return buf;
}

int util_text_columns(const char *s, size_t n)
{
    int cols = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n && p[i]; i++) {
        unsigned c = p[i];
        if ((c & 0xC0) == 0x80) {
            continue;   /* a continuation byte */
        }
        unsigned cp = c;
        if (c >= 0xE0 && c < 0xF0 && i + 2 < n && p[i + 1] && p[i + 2]) {
            cp = (c & 0x0Fu) << 12 | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3Fu);
        }
        bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                    (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6);
        cols += wide ? 2 : 1;
    }
    return cols;
}

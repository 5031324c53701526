/* util.c: the checked allocator, edit-distance suggestions, strict number parsing and the
 * seeded random generator shared by every layer. */
#include "sim/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
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
    fprintf(stderr, "optiscope: out of memory (allocating %zu bytes)\n", n);
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
            snprintf(buf + used, len - used, " (did you mean %s?)", s);
        }
    }
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
    if (end == s || errno == ERANGE || !isfinite(v)) {
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

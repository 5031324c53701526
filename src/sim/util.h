/* util.h: small helpers every layer shares: the one checked allocator, name suggestions,
 * a seeded random generator, and strict number parsing. libc only. */
#ifndef OPTISCOPE_SIM_UTIL_H
#define OPTISCOPE_SIM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- allocation: out-of-memory aborts with a message, so callers never check ---- */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* ---- names ---- */
/* The candidate closest to `name` by edit distance (case-insensitive), or NULL when none is
 * close enough to be a plausible typo (distance > max(2, len/3)). */
const char *util_suggest(const char *name, const char *const *candidates, size_t count);
/* Appends " (did you mean X?)" to buf (of size len) when a suggestion exists. */
void util_append_suggestion(char *buf, size_t len, const char *name,
                            const char *const *candidates, size_t count);

/* ---- user text in messages ---- */
/* Copies s into buf (size len) as text safe to print on a terminal and to draw: control bytes
 * (C0, DEL, the C1 range U+0080..U+009F) and bytes that are not valid UTF-8 become \xNN;
 * valid UTF-8 characters are kept. Cuts at a character boundary when buf is too small. Applying
 * it twice gives the same text. Returns buf. Every message that repeats user text (scene
 * lines, keys, names, values, paths) passes that text through here. */
const char *util_escape(const char *s, char *buf, size_t len);
/* The same for the first n bytes of s (which need not be NUL-terminated within them). */
const char *util_escape_n(const char *s, size_t n, char *buf, size_t len);
/* util_escape into a temporary 256-byte buffer that lives to the end of the enclosing block:
 * snprintf(err, errlen, "unknown key '%s'", UTIL_ESC(key)). */
#define UTIL_ESC(s) util_escape((s), (char[256]){0}, 256)

/* ---- UTF-8 ---- */
/* Whether the n bytes of s are valid UTF-8 (no overlong forms, surrogates or code points
 * above U+10FFFF). *bad_at (may be NULL) gets the offset of the first invalid byte. */
bool util_utf8_valid(const char *s, size_t n, size_t *bad_at);
/* The largest length <= n at which the valid UTF-8 text s can be cut without splitting a
 * character. */
size_t util_utf8_cut(const char *s, size_t n);
/* The columns the first n bytes of UTF-8 text s take on a terminal: 2 for Hangul, CJK and
 * full-width characters, 1 for others, 0 for continuation bytes. */
int util_text_columns(const char *s, size_t n);

/* snprintf(dst, len, "%s", src) that never splits a UTF-8 character. */
void util_copy_text(char *dst, size_t len, const char *src);

/* ---- numbers ---- */
/* Parses all of s (leading/trailing blanks allowed) as a finite double. */
bool util_parse_double(const char *s, double *out);
/* Why util_parse_double refused s, as a phrase for a message ("is too close to zero for a
 * double (a subnormal: below 2.2e-308 in magnitude)"), or NULL when s is simply not a number. */
const char *util_number_problem(const char *s);
/* Parses all of s as a long in [min, max]. */
bool util_parse_long(const char *s, long min, long max, long *out);
/* Parses "X,Y" into two finite doubles. */
bool util_parse_pair(const char *s, double *a, double *b);

/* ---- random numbers: xoshiro256** seeded by splitmix64; same seed, same stream ---- */
struct util_rng {
    uint64_t s[4];     /* generator state */
    bool has_spare;    /* Box-Muller makes normals in pairs */
    double spare;      /* the second normal of the last pair */
};
void util_rng_seed(struct util_rng *rng, uint64_t seed);
uint64_t util_rng_next(struct util_rng *rng);
double util_rng_uniform(struct util_rng *rng);   /* [0, 1) with 53 random bits */
double util_rng_normal(struct util_rng *rng);    /* N(0, 1) */

/* ---- files ---- */
/* The one way every file is written. Where PATH leads, after following its symlinks (the link
 * is kept):
 *  - a regular file or nothing: a temporary file PATH.tmp-XXXXXX beside the target, renamed over
 *    it by commit only when everything was written, so a failure never leaves a partial or
 *    stale-named file; a replaced file keeps its mode (and owner, where allowed), a new one gets
 *    0666 minus the umask. SIGINT, SIGTERM and SIGHUP remove the temporary files then end the
 *    process by the same signal (handlers installed by the first open, for signals whose action
 *    is still the default).
 *  - a device or FIFO (/dev/null, mkfifo), or a descriptor of this process (/dev/stdout,
 *    /dev/fd/N): written through, streaming, never replaced.
 * A folder, an empty path, or a folder that is missing or read-only fails at open with a message
 * naming the path. */
struct util_outfile {
    FILE *f;              /* write here */
    char tmp[4096];       /* the temporary path, PATH.tmp-XXXXXX; "" when streaming */
    char target[4096];    /* where the data goes: path, or its symlinks' final target */
    char path[4096];      /* the path as given, for messages */
    bool stream;          /* written through (device, FIFO, descriptor): no temporary file */
    int slot;             /* the signal-cleanup slot holding tmp, plus 1; 0 for none */
};
bool util_outfile_open(struct util_outfile *o, const char *path, char *err, size_t errlen);
bool util_outfile_commit(struct util_outfile *o, char *err, size_t errlen);
void util_outfile_abort(struct util_outfile *o);   /* safe on a zeroed or committed outfile */
/* The checks open makes, without creating anything: for a command to refuse a path before
 * its work rather than after (an empty path, a folder, a missing or read-only folder). */
bool util_outfile_check(const char *path, char *err, size_t errlen);
/* Removes every temporary file of an outfile now open, for a process about to end at once
 * (_exit). Async-signal-safe. */
void util_outfile_remove_all(void);

/* Reads a whole file into a NUL-terminated buffer; NULL with errno set on failure. */
char *util_read_file(const char *path, size_t *len_out);
/* Reads a whole input a user names (`what`: "scene file", for messages) of at most max bytes
 * into a NUL-terminated buffer (*len_out: its length, NUL bytes inside included). NULL with
 * one message "PATH: ..." in err when it cannot be opened or read, is a directory, or is
 * larger than max (a FIFO or device is read only up to max + 1 bytes, so /dev/zero is
 * refused). */
char *util_read_text_file(const char *path, const char *what, size_t max, size_t *len_out,
                          char *err, size_t errlen);

#endif

/* fuzz.h: what the libFuzzer targets share: the entry point's declaration, an input as a
 * NUL-terminated string, and a finding that aborts with what went wrong (libFuzzer keeps the
 * input that caused it). */
#ifndef OPTISCOPE_TESTS_FUZZ_H
#define OPTISCOPE_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A finding: an oracle does not hold. */
#define FUZZ_ASSERT(cond, ...)                                                         \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: oracle failed: %s: ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                              \
            fputc('\n', stderr);                                                       \
            abort();                                                                   \
        }                                                                              \
    } while (0)

/* The input as a string (caller frees); the first NUL, if any, ends it, as it would end a
 * C string from argv or a scene line. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Whether a message is printable: no control byte a terminal would act on. */
static inline int fuzz_message_clean(const char *m)
{
    for (const unsigned char *p = (const unsigned char *)m; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return 0;
        }
    }
    return 1;
}

#endif

/* check.h: the tiny test harness: CHECK and CHECK_NEAR print file:line on failure and count;
 * check_done() prints a summary and gives main's exit status. */
#ifndef OPTISCOPE_TESTS_CHECK_H
#define OPTISCOPE_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_total;
static int check_failed;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        check_total++;                                                                 \
        if (!(cond)) {                                                                 \
            check_failed++;                                                            \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);   \
        }                                                                              \
    } while (0)

/* |a - b| <= tol, and neither is NaN. */
#define CHECK_NEAR(a, b, tol)                                                          \
    do {                                                                               \
        double check_a_ = (a), check_b_ = (b), check_t_ = (tol);                       \
        check_total++;                                                                 \
        if (!(fabs(check_a_ - check_b_) <= check_t_)) {                                \
            check_failed++;                                                            \
            fprintf(stderr, "%s:%d: CHECK_NEAR(%s, %s, %s) failed: %.17g vs %.17g\n",  \
                    __FILE__, __LINE__, #a, #b, #tol, check_a_, check_b_);             \
        }                                                                              \
    } while (0)

/* Relative agreement: |a - b| <= rel * max(|a|, |b|, floor). */
#define CHECK_REL(a, b, rel, floor_)                                                   \
    do {                                                                               \
        double check_a_ = (a), check_b_ = (b);                                         \
        double check_s_ = fmax(fmax(fabs(check_a_), fabs(check_b_)), (floor_));        \
        check_total++;                                                                 \
        if (!(fabs(check_a_ - check_b_) <= (rel) * check_s_)) {                        \
            check_failed++;                                                            \
            fprintf(stderr, "%s:%d: CHECK_REL(%s, %s) failed: %.17g vs %.17g\n",       \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);                   \
        }                                                                              \
    } while (0)

static inline int check_done(const char *topic)
{
    printf("%s: %d checks, %d failed\n", topic, check_total, check_failed);
    return check_failed ? 1 : 0;
}

#endif

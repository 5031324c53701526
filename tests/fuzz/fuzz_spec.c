/* fuzz_spec.c: optimizer and schedule specs and lists of them. Oracles: a rejection has a
 * clean message and leaves the output alone; an accepted spec formats to a spec that parses
 * back to the same text (the shortest-round-trip numbers make that exact); values are in the
 * table's ranges (a learning rate is finite and positive). */
#include <math.h>

#include "fuzz.h"
#include "sim/optim.h"
#include "sim/sched.h"
#include "sim/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 2048) {
        return 0;
    }
    int which = data[0] % 3;
    char *text = fuzz_string(data + 1, size - 1);
    char err[1024] = "";
    if (which == 0) {
        struct optim_params p, q, guard;
        memset(&guard, 0xa5, sizeof guard);
        memcpy(&p, &guard, sizeof p);
        if (optim_parse(text, &p, err, sizeof err)) {
            FUZZ_ASSERT(isfinite(p.lr) && p.lr > 0, "lr %g accepted from '%s'", p.lr, text);
            char a[512], b[512];
            optim_format(&p, a, sizeof a);
            FUZZ_ASSERT(optim_parse(a, &q, err, sizeof err), "'%s' (from '%s') does not parse "
                        "back: %s", a, text, err);
            optim_format(&q, b, sizeof b);
            FUZZ_ASSERT(!strcmp(a, b), "'%s' reads back as '%s'", a, b);
        } else {
            FUZZ_ASSERT(err[0] && fuzz_message_clean(err), "bad message '%s'", err);
            FUZZ_ASSERT(!memcmp(&p, &guard, sizeof p), "output changed on failure: '%s'", text);
        }
    } else if (which == 1) {
        struct sched s, t, guard;
        memset(&guard, 0x5a, sizeof guard);
        memcpy(&s, &guard, sizeof s);
        if (sched_parse(text, &s, err, sizeof err)) {
            char a[512], b[512];
            sched_format(&s, a, sizeof a);
            FUZZ_ASSERT(sched_parse(a, &t, err, sizeof err), "'%s' (from '%s') does not parse "
                        "back: %s", a, text, err);
            sched_format(&t, b, sizeof b);
            FUZZ_ASSERT(!strcmp(a, b), "'%s' reads back as '%s'", a, b);
            /* never NaN or negative; a growing schedule (exponential, gamma > 1) may overflow
             * to infinity, which stops the runner that steps with it */
            for (long k = 0; k < 2000; k += 97) {
                double lr = sched_lr(&s, 0.1, k);
                FUZZ_ASSERT(!isnan(lr) && lr >= 0, "'%s': lr %g at step %ld", a, lr, k);
            }
        } else {
            FUZZ_ASSERT(err[0] && fuzz_message_clean(err), "bad message '%s'", err);
            FUZZ_ASSERT(!memcmp(&s, &guard, sizeof s), "output changed on failure: '%s'", text);
        }
    } else {
        char items[16][256];
        int n = spec_split_list(text, items, 16, err, sizeof err);
        if (n < 0) {
            FUZZ_ASSERT(err[0] && fuzz_message_clean(err), "bad message '%s'", err);
        } else {
            FUZZ_ASSERT(n <= 16, "%d items", n);
            for (int i = 0; i < n; i++) {
                FUZZ_ASSERT(memchr(items[i], '\0', sizeof items[i]) != NULL, "unterminated");
                struct spec sp;
                if (!spec_parse(items[i], &sp, err, sizeof err)) {
                    FUZZ_ASSERT(err[0] && fuzz_message_clean(err), "bad message '%s'", err);
                } else {
                    FUZZ_ASSERT(sp.nargs >= 0 && sp.nargs <= SPEC_MAX_ARGS, "%d args",
                                sp.nargs);
                }
            }
        }
    }
    free(text);
    return 0;
}

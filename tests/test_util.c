/* test_util.c: suggestions, strict number parsing and the seeded random generator. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sim/util.h"

int main(void)
{
    static const char *const names[] = {"adam", "adamw", "adamax", "nadam", "sgd", "rmsprop"};
    CHECK(util_suggest("adom", names, 6) && !strcmp(util_suggest("adom", names, 6), "adam"));
    CHECK(util_suggest("RMSProp", names, 6) &&
          !strcmp(util_suggest("RMSProp", names, 6), "rmsprop"));
    CHECK(util_suggest("zzzzzzzz", names, 6) == NULL);
    /* transpositions count once; ties go to the name that keeps more of what was typed */
    static const char *const fns[] = {"bowl", "rosenbrock", "beale", "booth"};
    CHECK(util_suggest("bael", fns, 4) && !strcmp(util_suggest("bael", fns, 4), "beale"));
    CHECK(util_suggest("rosenbrokc", fns, 4) &&
          !strcmp(util_suggest("rosenbrokc", fns, 4), "rosenbrock"));
    char msg[128] = "unknown optimizer 'sdg'";
    util_append_suggestion(msg, sizeof msg, "sdg", names, 6);
    CHECK(!strcmp(msg, "unknown optimizer 'sdg' (did you mean sgd?)"));

    double d;
    long l;
    double a, b;
    CHECK(util_parse_double(" 1e-3 ", &d) && d == 1e-3);
    CHECK(!util_parse_double("1e-3x", &d));
    CHECK(!util_parse_double("", &d));
    CHECK(!util_parse_double("nan", &d));
    CHECK(!util_parse_double("inf", &d));
    CHECK(!util_parse_double("1e999", &d));
    CHECK(util_parse_long("42", 0, 100, &l) && l == 42);
    CHECK(!util_parse_long("101", 0, 100, &l));
    CHECK(!util_parse_long("4.2", 0, 100, &l));
    CHECK(util_parse_pair("3, -4.5", &a, &b) && a == 3 && b == -4.5);
    CHECK(!util_parse_pair("3", &a, &b));
    CHECK(!util_parse_pair("3,4,5", &a, &b));
    CHECK(!util_parse_pair("3,y", &a, &b));

    /* Same seed, same stream; different seed, different stream; normals look normal. */
    struct util_rng r1, r2, r3;
    util_rng_seed(&r1, 7);
    util_rng_seed(&r2, 7);
    util_rng_seed(&r3, 8);
    bool same = true, differ = false;
    for (int i = 0; i < 100; i++) {
        uint64_t x = util_rng_next(&r1), y = util_rng_next(&r2), z = util_rng_next(&r3);
        same &= x == y;
        differ |= x != z;
    }
    CHECK(same);
    CHECK(differ);
    double sum = 0, sum2 = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double v = util_rng_normal(&r1);
        sum += v;
        sum2 += v * v;
    }
    CHECK_NEAR(sum / n, 0.0, 0.01);
    CHECK_NEAR(sum2 / n, 1.0, 0.02);
    double u = util_rng_uniform(&r1);
    CHECK(u >= 0.0 && u < 1.0);
    /* Atomic output: nothing at the path until commit; abort leaves nothing at all. */
    char path[64], err[256];
    snprintf(path, sizeof path, "/tmp/optiscope-test-util-%d.txt", (int)getpid());
    struct util_outfile o;
    CHECK(util_outfile_open(&o, path, err, sizeof err));
    fputs("hello\n", o.f);
    CHECK(access(path, F_OK) != 0);
    CHECK(access(o.tmp, F_OK) == 0);
    CHECK(util_outfile_commit(&o, err, sizeof err));
    size_t len = 0;
    char *text = util_read_file(path, &len);
    CHECK(text && len == 6 && !strcmp(text, "hello\n"));
    free(text);
    unlink(path);
    CHECK(util_outfile_open(&o, path, err, sizeof err));
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", o.tmp);
    fputs("partial", o.f);
    util_outfile_abort(&o);
    util_outfile_abort(&o);
    CHECK(access(path, F_OK) != 0 && access(tmp, F_OK) != 0);
    CHECK(!util_outfile_open(&o, "/nonexistent-dir/x.txt", err, sizeof err));
    CHECK(strstr(err, "/nonexistent-dir/x.txt: cannot write") != NULL);
    return check_done("util");
}

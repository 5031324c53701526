/* test_util.c: suggestions, strict number parsing and the seeded random generator. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sim/util.h"

/* User text in messages: control bytes and invalid UTF-8 escaped, valid UTF-8 kept. */
static void test_escape(void)
{
    char buf[64];
    CHECK(!strcmp(util_escape("\033]0;TITLE\007", buf, sizeof buf), "\\x1b]0;TITLE\\x07"));
    CHECK(!strcmp(util_escape("caf\xc3\xa9 \xce\xbb", buf, sizeof buf), "caf\xc3\xa9 \xce\xbb"));
    CHECK(!strcmp(util_escape("a\xff" "b\xc3", buf, sizeof buf), "a\\xffb\\xc3"));
    /* C1 controls (U+009B is CSI in some terminals), DEL, overlong and surrogate forms */
    CHECK(!strcmp(util_escape("\xc2\x9b\x7f", buf, sizeof buf), "\\xc2\\x9b\\x7f"));
    CHECK(!strcmp(util_escape("\xc0\xaf\xed\xa0\x80", buf, sizeof buf),
                  "\\xc0\\xaf\\xed\\xa0\\x80"));
    /* idempotent, and cut only between characters */
    char again[64];
    util_escape("x\033y\xff", buf, sizeof buf);
    CHECK(!strcmp(util_escape(buf, again, sizeof again), buf));
    char small[5];
    CHECK(!strcmp(util_escape("ab\xc3\xa9", small, sizeof small), "ab\xc3\xa9"));
    CHECK(!strcmp(util_escape("abc\xc3\xa9", small, sizeof small), "abc"));
    CHECK(!strcmp(util_escape("a\033", small, sizeof small), "a"));
    CHECK(!strcmp(util_escape_n("\033abc", 2, buf, sizeof buf), "\\x1ba"));
    /* the macro's buffer lives through the call it is used in */
    snprintf(buf, sizeof buf, "'%s' '%s'", UTIL_ESC("\n"), UTIL_ESC("\t"));
    CHECK(!strcmp(buf, "'\\x0a' '\\x09'"));

    size_t bad = 99;
    CHECK(util_utf8_valid("\xe2\x82\xac ok", 6, &bad));
    CHECK(!util_utf8_valid("ok\xe2\x82", 4, &bad) && bad == 2);
    CHECK(!util_utf8_valid("\xf4\x90\x80\x80", 4, &bad) && bad == 0);   /* > U+10FFFF */
    /* the euro sign is 3 bytes: cutting at 1 or 2 backs off to 0 */
    CHECK(util_utf8_cut("\xe2\x82\xac", 2) == 0 && util_utf8_cut("a\xe2\x82\xac", 3) == 1);
    char dst[4];
    util_copy_text(dst, sizeof dst, "ab\xc3\xa9");
    CHECK(!strcmp(dst, "ab"));
}

/* Numbers out of a double's range are refused, and the reason is named. */
static void test_number_problem(void)
{
    double v;
    CHECK(!util_parse_double("1e-320", &v));
    CHECK(util_number_problem("1e-320") && strstr(util_number_problem("1e-320"), "subnormal"));
    CHECK(!util_parse_double("-4e-310", &v) && util_number_problem("-4e-310"));
    CHECK(!util_parse_double("1e999", &v) && strstr(util_number_problem("1e999"), "too large"));
    CHECK(!util_parse_double("inf", &v) && util_number_problem("inf"));
    CHECK(util_parse_double("2.3e-308", &v) && util_parse_double("0", &v) && v == 0.0);
    CHECK(util_number_problem("abc") == NULL && util_number_problem("0.1") == NULL);
}

/* A user-named input: size limit, directories, FIFOs and devices, embedded NULs kept. */
static void test_read_text_file(void)
{
    char err[512];
    size_t len = 0;
    CHECK(!util_read_text_file("/tmp", "scene file", 1024, &len, err, sizeof err));
    CHECK(strstr(err, "/tmp: is a directory, not a scene file") != NULL);
    CHECK(!util_read_text_file("/dev/zero", "scene file", 1024, &len, err, sizeof err));
    CHECK(strstr(err, "too large") != NULL);
    CHECK(!util_read_text_file("/nonexistent/x", "scene file", 1024, &len, err, sizeof err));
    CHECK(strstr(err, "/nonexistent/x: cannot read scene file") != NULL);
    char path[64];
    snprintf(path, sizeof path, "/tmp/optiscope-test-read-%d.txt", (int)getpid());
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    for (int i = 0; f && i < 1025; i++) {
        fputc(i == 3 ? '\0' : 'a', f);
    }
    if (f) {
        fclose(f);
    }
    CHECK(!util_read_text_file(path, "scene file", 1024, &len, err, sizeof err));
    CHECK(strstr(err, "1025 bytes; at most 1024") != NULL);
    char *text = util_read_text_file(path, "scene file", 1025, &len, err, sizeof err);
    CHECK(text && len == 1025 && text[3] == '\0' && text[4] == 'a' && text[1025] == '\0');
    free(text);
    /* exactly at a growth boundary of the buffer */
    text = util_read_text_file(path, "scene file", 5000, &len, err, sizeof err);
    CHECK(text && len == 1025);
    free(text);
    unlink(path);
}

/* Terminal columns: Hangul and CJK take two, accents and symbols one, bytes past n none. */
static void test_text_columns(void)
{
    CHECK(util_text_columns("abc", 3) == 3);
    CHECK(util_text_columns("abc", 2) == 2);
    CHECK(util_text_columns("\xEA\xB2\xBD\xEC\x82\xAC", 6) == 4);   /* 경사 */
    CHECK(util_text_columns("\xC3\xA9t\xC3\xA9", 5) == 3);             /* été */
    CHECK(util_text_columns("\xE2\x80\x96w\xE2\x80\x96", 7) == 3);   /* ‖w‖: narrow */
    CHECK(util_text_columns("\xE5\xAD\xA6x", 4) == 3);                  /* 学x */
    CHECK(util_text_columns("\xEA\xB2\xBD", 2) == 1);   /* cut inside: one narrow column */
    CHECK(util_text_columns("a\0bc", 4) == 1);            /* stops at the NUL */
}

int main(void)
{
    test_escape();
    test_text_columns();
    test_number_problem();
    test_read_text_file();
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

/* test_spec.c: the name(key=value,...) syntax and its lists: shapes accepted, every kind of
 * malformed spec rejected with a position. */
#include <string.h>

#include "check.h"
#include "sim/spec.h"

int main(void)
{
    struct spec s;
    char err[256];

    CHECK(spec_parse("adam", &s, err, sizeof err));
    CHECK(!strcmp(s.name, "adam") && s.nargs == 0);
    CHECK(spec_parse(" adam ( lr = 0.1 , amsgrad=true ) ", &s, err, sizeof err));
    CHECK(s.nargs == 2);
    CHECK(!strcmp(s.args[0].key, "lr") && !strcmp(s.args[0].value, "0.1"));
    CHECK(!strcmp(s.args[1].key, "amsgrad") && !strcmp(s.args[1].value, "true"));
    CHECK(spec_parse("sgd()", &s, err, sizeof err) && s.nargs == 0);
    /* a value may be a spec itself: its parentheses nest, its commas stay inside */
    CHECK(spec_parse("sgd(0.1, schedule=cosine(t_max=200, warmup=10), x=1)", &s, err,
                     sizeof err));
    CHECK(s.nargs == 3 && !strcmp(s.args[1].key, "schedule"));
    CHECK(!strcmp(s.args[1].value, "cosine(t_max=200, warmup=10)"));
    CHECK(!strcmp(s.args[2].key, "x") && !strcmp(s.args[2].value, "1"));
    CHECK(spec_parse("sgd(schedule=step(5,0.5))", &s, err, sizeof err) && s.nargs == 1);
    CHECK(!strcmp(s.args[0].value, "step(5,0.5)"));
    CHECK(!spec_parse("sgd(schedule=step(5,0.5)", &s, err, sizeof err));
    CHECK(strstr(err, "missing ')'") != NULL);
    CHECK(!spec_parse("sgd(schedule=step(5)))", &s, err, sizeof err));

    CHECK(!spec_parse("adam(lr=0.1", &s, err, sizeof err));
    CHECK(strstr(err, "missing ')'") != NULL);
    /* values without keys are positional; the settings tables say what they mean */
    CHECK(spec_parse("step(30, 0.5, warmup = 3)", &s, err, sizeof err) && s.nargs == 3);
    CHECK(!strcmp(s.args[0].key, "") && !strcmp(s.args[0].value, "30"));
    CHECK(!strcmp(s.args[1].key, "") && !strcmp(s.args[1].value, "0.5"));
    CHECK(!strcmp(s.args[2].key, "warmup") && !strcmp(s.args[2].value, "3"));
    CHECK(spec_parse("adam(lr)", &s, err, sizeof err) && s.nargs == 1);
    CHECK(!strcmp(s.args[0].key, "") && !strcmp(s.args[0].value, "lr"));
    CHECK(spec_parse("f(1,1)", &s, err, sizeof err) && s.nargs == 2);   /* not "given twice" */
    CHECK(!spec_parse("step(30,)", &s, err, sizeof err));
    CHECK(strstr(err, "missing value at position 9") != NULL);
    CHECK(!spec_parse("step(,3)", &s, err, sizeof err));
    CHECK(strstr(err, "missing value at position 6") != NULL);
    CHECK(!spec_parse("adam(lr=)", &s, err, sizeof err));
    CHECK(strstr(err, "missing value for 'lr'") != NULL);
    CHECK(!spec_parse("adam(lr=1,lr=2)", &s, err, sizeof err));
    CHECK(strstr(err, "given twice") != NULL);
    CHECK(!spec_parse("adam(lr=1) x", &s, err, sizeof err));
    CHECK(strstr(err, "unexpected text") != NULL);
    CHECK(!spec_parse("3adam", &s, err, sizeof err));
    CHECK(strstr(err, "position 1") != NULL);
    CHECK(!spec_parse("", &s, err, sizeof err));

    char items[4][256];
    CHECK(spec_split_list("sgd(lr=0.1,momentum=0.9), adam ,nag", items, 4, err, sizeof err)
          == 3);
    CHECK(!strcmp(items[0], "sgd(lr=0.1,momentum=0.9)"));
    CHECK(!strcmp(items[1], "adam"));
    CHECK(!strcmp(items[2], "nag"));
    CHECK(spec_split_list("sgd,,adam", items, 4, err, sizeof err) == -1);
    CHECK(strstr(err, "empty item") != NULL);
    CHECK(spec_split_list("a,b,c,d,e", items, 4, err, sizeof err) == -1);
    CHECK(spec_split_list("sgd(lr=1", items, 4, err, sizeof err) == -1);
    CHECK(spec_split_list("sgd)lr=1", items, 4, err, sizeof err) == -1);

    bool b;
    CHECK(spec_parse_bool("true", &b) && b);
    CHECK(spec_parse_bool("0", &b) && !b);
    CHECK(!spec_parse_bool("maybe", &b));
    return check_done("spec");
}

/* test_settings.c: the settings tables themselves (help, defaults in range, positions), the
 * parsers they drive (exactly the keys each kind takes, positional values), scene_write round
 * trips for every preset and every key, and the help text generated from them. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sim/optim.h"
#include "sim/scene.h"
#include "sim/sched.h"
#include "sim/settings.h"
#include "sim/train_settings.h"
#include "sim/util.h"

/* ======================================================================== the tables */

static bool is_numeric(const struct setting *s)
{
    return s->type == SETTING_DOUBLE || s->type == SETTING_LONG || s->type == SETTING_ULLONG;
}

/* A struct the table describes, with room for the largest. */
union any {
    struct scene scene;
    struct optim_params optim;
    struct sched sched;
    struct train_settings train;
    struct landscape_settings landscape;
};

/* The table's struct with its defaults (spec tables: of kind k). */
static void init_obj(const struct setting_table *t, int k, union any *obj)
{
    if (t->kinds) {
        setting_defaults(t, k, obj);
    } else if (t == settings_train()) {
        train_settings_init(&obj->train);
    } else if (t == settings_landscape()) {
        landscape_settings_init(&obj->landscape);
    } else {
        scene_init(&obj->scene);
    }
}

static void finish_obj(const struct setting_table *t, union any *obj)
{
    if (t == settings_scene()) {
        scene_finish(&obj->scene);
    }
}

static void check_rows(const struct setting_table *t)
{
    int nkinds = t->kinds ? t->nkinds : 1;
    CHECK(t->nrows > 0 && t->nrows <= 64);
    for (size_t i = 0; i < t->nrows; i++) {
        const struct setting *s = &t->rows[i];
        bool ok = s->name && s->help && strlen(s->help) > 10;
        CHECK(ok);
        if (is_numeric(s)) {
            CHECK(s->min < s->max);
        }
        if (s->type == SETTING_CUSTOM) {
            CHECK(s->parse && s->format && s->metavar);
        }
        if (!t->kinds) {
            /* help shows --key METAVAR, or --key alone for a flag */
            CHECK(s->metavar != NULL || s->type == SETTING_BOOL);
            CHECK(!(s->flags & SETTING_REQUIRED));  /* a scene needs nothing given */
            CHECK(s->position == 0);
        }
        /* a default and required exclude each other; every default parses, so lies in range */
        CHECK(!(s->def && (s->flags & SETTING_REQUIRED)));
        CHECK(s->def || (s->flags & SETTING_REQUIRED) || !t->kinds);
        /* an option of `train` has a default, or says what its absence means (HAS: the
         * data's own; TEXT: none, e.g. no log) */
        if (t == settings_train()) {
            CHECK(s->def || (s->flags & SETTING_HAS) || s->type == SETTING_TEXT);
        }
        int taken = 0;
        for (int k = 0; k < nkinds; k++) {
            if (!setting_applies(s, k)) {
                continue;
            }
            taken++;
            union any obj;
            init_obj(t, k, &obj);
            char err[512] = "";
            bool parsed = !s->def || setting_parse(s, &obj, s->def, false, err, sizeof err);
            CHECK(parsed);
            if (!parsed) {
                fprintf(stderr, "  %s %s: default '%s': %s\n", t->what, s->name, s->def, err);
            }
            /* the default reads back as written by setting_format */
            char buf[512];
            if (s->def && setting_format(s, &obj, buf, sizeof buf)) {
                union any again;
                init_obj(t, k, &again);
                CHECK(setting_parse(s, &again, buf, false, err, sizeof err));
                CHECK(setting_equal(s, &obj, &again));
                finish_obj(t, &again);
            }
            finish_obj(t, &obj);
            /* one row per name and kind */
            CHECK(setting_find(t, s->name, k) == s);
        }
        CHECK(taken > 0);
    }
    /* positions of each kind are 1..n without gaps */
    for (int k = 0; t->kinds && k < t->nkinds; k++) {
        int count[65] = {0}, maxpos = 0;
        for (size_t i = 0; i < t->nrows; i++) {
            const struct setting *s = &t->rows[i];
            if (setting_applies(s, k) && s->position > 0) {
                CHECK(s->position <= 64);
                count[s->position]++;
                maxpos = s->position > maxpos ? s->position : maxpos;
            }
        }
        for (int p = 1; p <= maxpos; p++) {
            CHECK(count[p] == 1);
        }
    }
}

/* Every scene key parses its default back to the default scene. */
static void test_scene_defaults(void)
{
    const struct setting_table *t = settings_scene();
    char err[512];
    for (size_t i = 0; i < t->nrows; i++) {
        const struct setting *s = &t->rows[i];
        struct scene a, b;
        scene_init(&a);
        scene_init(&b);
        if (s->def) {
            bool ok = scene_set(&a, s->name, s->def, false, err, sizeof err);
            CHECK(ok);
            if (!ok) {
                fprintf(stderr, "  scene %s = %s: %s\n", s->name, s->def, err);
            }
            CHECK(setting_equal(s, &a, &b));
        } else {
            /* no default: nothing set until given */
            char buf[256];
            CHECK(!setting_format(s, &a, buf, sizeof buf) || s->type == SETTING_CUSTOM);
        }
        scene_finish(&a);
        scene_finish(&b);
    }
    /* scene_keys lists the table's keys, in order */
    const char *keys[64];
    size_t n = scene_keys(keys, 64);
    CHECK(n == t->nrows);
    for (size_t i = 0; i < n && i < t->nrows; i++) {
        CHECK(!strcmp(keys[i], t->rows[i].name));
    }
}

/* ======================================================================== optimizer keys */

/* A value of row s that lies in its range. */
static const char *sample(const struct setting *s)
{
    if (s->def) {
        return s->def;
    }
    return s->type == SETTING_LONG ? "7" : "0.5";
}

/* Torch 1.13's constructor keys per optimizer (betas as beta1, beta2; nesterov and the
 * momentum-free sgd as their own names), written out by hand to check the table against;
 * ista's are ours. */
static const char *const torch_keys[OPTIM_COUNT] = {
    [OPTIM_SGD] = " lr weight_decay ",
    [OPTIM_MOMENTUM] = " lr momentum dampening weight_decay ",
    [OPTIM_NAG] = " lr momentum weight_decay ",
    [OPTIM_ADAGRAD] = " lr lr_decay weight_decay initial_accumulator_value eps ",
    [OPTIM_ADADELTA] = " lr rho eps weight_decay ",
    [OPTIM_RMSPROP] = " lr alpha eps weight_decay momentum centered ",
    [OPTIM_ADAM] = " lr beta1 beta2 eps weight_decay amsgrad ",
    [OPTIM_ADAMW] = " lr beta1 beta2 eps weight_decay amsgrad ",
    [OPTIM_NADAM] = " lr beta1 beta2 eps weight_decay momentum_decay ",
    [OPTIM_ADAMAX] = " lr beta1 beta2 eps weight_decay ",
    [OPTIM_ISTA] = " lr ",   /* ours, not torch's: sgd's step, then the L1 proximal step */
};

static void test_optim_keys(void)
{
    const struct setting_table *t = settings_optim();
    /* ista's one row says what its lr does: the step and the soft threshold */
    const struct setting *ista_lr = setting_find(t, "lr", OPTIM_ISTA);
    CHECK(ista_lr && ista_lr->help && strstr(ista_lr->help, "lr * l1") && ista_lr->def
          && !strcmp(ista_lr->def, "0.01"));
    const char *names[64];
    size_t n = setting_names(t, -1, names, 64);
    CHECK(n == 16);   /* torch's keys as DESIGN.md lists them, and our schedule and label */
    for (int k = 0; k < OPTIM_COUNT; k++) {
        const char *kind = optim_name((enum optim_kind)k);
        for (size_t i = 0; i < n; i++) {
            /* any row of this name gives a value valid for some kind */
            const struct setting *any = NULL;
            for (size_t r = 0; r < t->nrows && !any; r++) {
                any = !strcmp(t->rows[r].name, names[i]) ? &t->rows[r] : NULL;
            }
            const struct setting *row = setting_find(t, names[i], k);
            char spec[256], err[512] = "", key[64];
            snprintf(spec, sizeof spec, "%s(%s=%s)", kind, names[i], sample(row ? row : any));
            snprintf(key, sizeof key, " %s ", names[i]);
            struct optim_params p;
            bool ok = optim_parse(spec, &p, err, sizeof err);
            CHECK(ok == (row != NULL));
            /* torch's keys, and ours that every optimizer takes: its own schedule, a label */
            bool want = strstr(torch_keys[k], key) != NULL || !strcmp(names[i], "schedule") ||
                        !strcmp(names[i], "label");
            CHECK(ok == want);
            if (!ok) {
                /* refused naming the optimizer, the key and the kinds that take it */
                char want[128];
                snprintf(want, sizeof want, "%s: parameter '%s' does not apply to %s (it is for",
                         kind, names[i], kind);
                CHECK(strstr(err, want) != NULL);
                CHECK(strstr(err, "usage: ") != NULL);
                if (!strstr(err, want)) {
                    fprintf(stderr, "  %s: %s\n", spec, err);
                }
            }
        }
        /* an unknown key names the optimizer too */
        char spec[64], err[512];
        struct optim_params p;
        snprintf(spec, sizeof spec, "%s(betas=0.9)", kind);
        CHECK(!optim_parse(spec, &p, err, sizeof err));
        char want[64];
        snprintf(want, sizeof want, "%s: unknown parameter 'betas'", kind);
        CHECK(strstr(err, want) != NULL);
    }
}

/* ======================================================================== positional */

static bool sched_same(const char *a, const char *b)
{
    struct sched x, y;
    char err[512], fa[256], fb[256];
    bool ok = sched_parse(a, &x, err, sizeof err) && sched_parse(b, &y, err, sizeof err);
    if (!ok) {
        fprintf(stderr, "  '%s' / '%s': %s\n", a, b, err);
        return false;
    }
    sched_format(&x, fa, sizeof fa);
    sched_format(&y, fb, sizeof fb);
    return !strcmp(fa, fb);
}

static bool optim_same(const char *a, const char *b)
{
    struct optim_params x, y;
    char err[512], fa[256], fb[256];
    bool ok = optim_parse(a, &x, err, sizeof err) && optim_parse(b, &y, err, sizeof err);
    if (!ok) {
        fprintf(stderr, "  '%s' / '%s': %s\n", a, b, err);
        return false;
    }
    optim_format(&x, fa, sizeof fa);
    optim_format(&y, fb, sizeof fb);
    return !strcmp(fa, fb) && x.lr == y.lr;
}

static void expect_refused(const char *spec, bool optim, const char *frag)
{
    char err[512] = "";
    struct optim_params p;
    struct sched s;
    bool ok = optim ? optim_parse(spec, &p, err, sizeof err)
                    : sched_parse(spec, &s, err, sizeof err);
    CHECK(!ok && strstr(err, frag));
    if (ok || !strstr(err, frag)) {
        fprintf(stderr, "  '%s' gave '%s'\n", spec, ok ? "(accepted)" : err);
    }
}

static void test_positional(void)
{
    /* the documented orders */
    CHECK(sched_same("step(30,0.5)", "step(step_size=30, gamma=0.5)"));
    CHECK(sched_same("step(30)", "step(step_size=30)"));
    CHECK(sched_same("step(30, warmup=5)", "step(step_size=30, warmup=5)"));
    CHECK(sched_same("exponential(0.9)", "exponential(gamma=0.9)"));
    CHECK(sched_same("cosine(100, 0.001)", "cosine(t_max=100, eta_min=0.001)"));
    CHECK(sched_same("cosine(100, eta_min=0.001)", "cosine(t_max=100, eta_min=0.001)"));
    CHECK(sched_same("inverse_time(0.01, warmup=3)", "inverse_time(decay=0.01, warmup=3)"));
    CHECK(optim_same("adam(0.01)", "adam(lr=0.01)"));
    CHECK(optim_same("adam(0.01, beta1=0.8)", "adam(lr=0.01, beta1=0.8)"));
    CHECK(optim_same("nag( 0.5 )", "nag(lr=0.5)"));

    /* every kind: all its positional rows without keys equal them with keys, in usage order */
    const struct setting_table *tables[2] = {settings_optim(), settings_sched()};
    for (int ti = 0; ti < 2; ti++) {
        const struct setting_table *t = tables[ti];
        for (int k = 0; k < t->nkinds; k++) {
            char bare[256], keyed[256];
            int nb = snprintf(bare, sizeof bare, "%s(", t->kinds[k]);
            int nk = snprintf(keyed, sizeof keyed, "%s(", t->kinds[k]);
            for (int pos = 1;; pos++) {
                const struct setting *s = NULL;
                for (size_t i = 0; i < t->nrows && !s; i++) {
                    s = t->rows[i].position == pos && setting_applies(&t->rows[i], k)
                            ? &t->rows[i] : NULL;
                }
                if (!s) {
                    break;
                }
                nb += snprintf(bare + nb, sizeof bare - (size_t)nb, "%s%s", pos > 1 ? "," : "",
                               sample(s));
                nk += snprintf(keyed + nk, sizeof keyed - (size_t)nk, "%s%s=%s",
                               pos > 1 ? "," : "", s->name, sample(s));
            }
            snprintf(bare + nb, sizeof bare - (size_t)nb, ")");
            snprintf(keyed + nk, sizeof keyed - (size_t)nk, ")");
            bool same = ti == 0 ? optim_same(bare, keyed) : sched_same(bare, keyed);
            CHECK(same);
            if (!same) {
                fprintf(stderr, "  '%s' != '%s'\n", bare, keyed);
            }
        }
    }

    /* clear refusals */
    expect_refused("step(gamma=0.5, 30)", false, "come first");
    expect_refused("step(30, step_size=3)", false, "'step_size' is given twice");
    expect_refused("step(30, 0.5, 2)", false, "too many values without a key");
    expect_refused("step(30, 0.5, 2)", false, "usage: step(step_size, gamma=0.1, *, warmup=0)");
    expect_refused("constant(3)", false, "usage: constant(*, warmup=0)");
    expect_refused("adam(0.1, 0.9)", true, "give the others as key=value");
    expect_refused("adam(beta1)", true, "'beta1' has no value (write beta1=VALUE)");
    expect_refused("adam(-1)", true, "invalid lr=-1: expected a number > 0");
    expect_refused("step(2.5)", false, "invalid step_size=2.5: expected a whole number");
    expect_refused("step(gamma=0.5)", false, "missing required parameter 'step_size'");
    expect_refused("cosine", false, "usage: cosine(t_max, eta_min=0, *, warmup=0)");
}

/* ======================================================================== scene_write */

static bool optim_equal(const struct optim_params *a, const struct optim_params *b)
{
    return a->kind == b->kind && a->lr == b->lr && a->momentum == b->momentum
           && a->dampening == b->dampening && a->weight_decay == b->weight_decay
           && a->lr_decay == b->lr_decay
           && a->initial_accumulator_value == b->initial_accumulator_value && a->eps == b->eps
           && a->rho == b->rho && a->alpha == b->alpha && a->beta1 == b->beta1
           && a->beta2 == b->beta2 && a->momentum_decay == b->momentum_decay
           && a->centered == b->centered && a->amsgrad == b->amsgrad;
}

/* Field by field, so a bug shared by writing and comparing cannot hide. */
static bool scene_equal(const struct scene *a, const struct scene *b)
{
    bool ok = !strcmp(a->function, b->function) && !a->expr == !b->expr
              && (!a->expr || !strcmp(a->expr, b->expr)) && a->nopt == b->nopt
              && a->has_start == b->has_start && a->steps == b->steps && a->l1 == b->l1
              && a->l2 == b->l2 && a->noise == b->noise && a->seed == b->seed
              && a->scale == b->scale && a->has_domain == b->has_domain
              && !strcmp(a->title, b->title) && a->has_zoom == b->has_zoom
              && a->view == b->view && a->contours == b->contours && a->trails == b->trails
              && a->arrows == b->arrows && a->camera[0] == b->camera[0]
              && a->camera[1] == b->camera[1] && a->camera[2] == b->camera[2];
    for (int i = 0; ok && a->has_zoom && i < 4; i++) {
        ok = a->zoom[i] == b->zoom[i];
    }
    ok = ok && (!a->has_start || (a->start[0] == b->start[0] && a->start[1] == b->start[1]));
    for (int i = 0; ok && a->has_domain && i < 4; i++) {
        ok = a->domain[i] == b->domain[i];
    }
    for (int i = 0; ok && i < a->nopt; i++) {
        ok = optim_equal(&a->opt[i], &b->opt[i]);
    }
    const struct sched *x = &a->sched, *y = &b->sched;
    return ok && x->kind == y->kind && x->step_size == y->step_size && x->gamma == y->gamma
           && x->t_max == y->t_max && x->eta_min == y->eta_min && x->decay == y->decay
           && x->warmup == y->warmup;
}

static char tmp_path[128];

/* load (done by the caller) -> write -> load gives the same scene, and writing that again
 * gives the same text. Returns the text written (caller frees). */
static char *round_trip(const struct scene *s, const char *what)
{
    char err[1024];
    FILE *f = fopen(tmp_path, "w");
    bool ok = f && scene_write(s, f, err, sizeof err);
    CHECK(ok);
    if (f) {
        fclose(f);
    }
    if (!ok) {
        fprintf(stderr, "  %s: %s\n", what, err);
        return NULL;
    }
    size_t len;
    char *text = util_read_file(tmp_path, &len);
    struct scene back;
    scene_init(&back);
    ok = scene_load_file(&back, tmp_path, err, sizeof err);
    CHECK(ok);
    CHECK(scene_equal(s, &back));
    if (!ok || !scene_equal(s, &back)) {
        fprintf(stderr, "  %s does not round-trip: %s\n%s", what, ok ? "" : err, text);
    }
    f = fopen(tmp_path, "w");
    CHECK(f && scene_write(&back, f, err, sizeof err));
    if (f) {
        fclose(f);
    }
    char *again = util_read_file(tmp_path, NULL);
    CHECK(again && !strcmp(again, text));
    free(again);
    scene_finish(&back);
    return text;
}

static void test_write_presets(void)
{
    const char *dir = TEST_SRCDIR "/../assets/presets";
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 7 || strcmp(e->d_name + len - 6, ".scene")) {
            continue;
        }
        char path[1024], err[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct scene s;
        scene_init(&s);
        bool ok = scene_load_file(&s, path, err, sizeof err);
        CHECK(ok);
        if (ok) {
            free(round_trip(&s, e->d_name));
            n++;
        }
        scene_finish(&s);
    }
    if (d) {
        closedir(d);
    }
    CHECK(n >= 9);
}

static void test_write_every_key(void)
{
    char err[1024];
    struct scene s;
    scene_init(&s);
    /* nothing chosen: nothing written */
    char *text = round_trip(&s, "the default scene");
    CHECK(text && text[0] == '\0');
    free(text);

    /* every key away from its default, with values that need all 17 digits */
    static const char *const kv[][2] = {
        {"function", "rosenbrock"},
        {"expr", "(1-x)^2 + 100*(y-x^2)^2 + 0.1*abs(x)"},
        {"optimizer", "sgd(0.30000000000000004), momentum(lr=0.001,momentum=0.5,dampening=0.5)"},
        {"optimizer", "nag(momentum=0.99,weight_decay=1e-300), adagrad(lr_decay=0.01, eps=0)"},
        {"optimizer", "adadelta(rho=0.8), rmsprop(alpha=0.9,momentum=0.7,centered=true)"},
        {"optimizer", "adam(lr=0.05,beta1=0,amsgrad=true), adamw(weight_decay=0)"},
        {"optimizer", "nadam(momentum_decay=0), adamax(lr=1e3,beta2=0.5)"},
        {"start", "-1.2, 0.1"},
        {"steps", "12345"},
        {"schedule", "cosine(50, 1e-5, warmup=3)"},
        {"l1", "0.1"},
        {"l2", "0.30000000000000004"},
        {"noise", "0.25"},
        {"seed", "2147483647"},
        {"scale", "log"},
        {"domain", "-3, 3.5, -1e-3, 4"},
        {"title", "Every key: f(x, y) = ..."},
        {"zoom", "-0.30000000000000004, 2.5, 0.1, 0.7"},
        {"camera", "1.0000000000000002, 0.05, 12"},
        {"view", "3d"},
        {"contours", "false"},
        {"trails", "no"},
        {"arrows", "yes"},
        {"split", "l1_vs_l2"},
        {"theme", "light"},
        {"large-text", "yes"},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        bool ok = scene_set(&s, kv[i][0], kv[i][1], false, err, sizeof err);
        CHECK(ok);
        if (!ok) {
            fprintf(stderr, "  %s = %s: %s\n", kv[i][0], kv[i][1], err);
        }
    }
    CHECK(s.nopt == 10);
    text = round_trip(&s, "every key");
    /* each key of the table was written, each once */
    const struct setting_table *t = settings_scene();
    for (size_t i = 0; text && i < t->nrows; i++) {
        char line[64];
        snprintf(line, sizeof line, "%s%s = ", i ? "\n" : "", t->rows[i].name);
        CHECK(strstr(text, line) != NULL);
    }
    free(text);

    /* every schedule kind, and the start given as exactly the function's own */
    static const char *const scheds[] = {
        "constant(warmup=2)", "step(30)", "step(1, 0.30000000000000004)", "exponential(0.99)",
        "inverse_time(0.5)",
    };
    for (size_t i = 0; i < sizeof scheds / sizeof scheds[0]; i++) {
        CHECK(scene_set(&s, "schedule", scheds[i], false, err, sizeof err));
        free(round_trip(&s, scheds[i]));
    }
    /* a value a scene file cannot hold is refused, naming the key */
    CHECK(scene_set(&s, "title", "issue #4", true, err, sizeof err));
    FILE *f = fopen(tmp_path, "w");
    CHECK(f && !scene_write(&s, f, err, sizeof err));
    CHECK(strstr(err, "title: 'issue #4' cannot be written") != NULL);
    if (f) {
        fclose(f);
    }
    scene_finish(&s);

    /* the camera's three numbers are checked against the window's own ranges */
    static const char *const bad_cameras[][2] = {
        {"1, 2", "expected YAW,PITCH,DISTANCE"},
        {"1, 0.5, 3, 4", "expected YAW,PITCH,DISTANCE"},
        {"0, 1.6, 3", "pitch 1.6 out of range [0.05, 1.5]"},
        {"0, 1, 0.5", "distance 0.5 out of range [1.2, 12]"},
        {"nan, 1, 3", "expected YAW,PITCH,DISTANCE"},
        {"x, 1, 3", "expected YAW,PITCH,DISTANCE"},
    };
    scene_init(&s);
    for (size_t i = 0; i < sizeof bad_cameras / sizeof bad_cameras[0]; i++) {
        double before = s.camera[1];
        CHECK(!scene_set(&s, "camera", bad_cameras[i][0], true, err, sizeof err));
        CHECK(strstr(err, bad_cameras[i][1]) != NULL);
        CHECK(s.camera[1] == before);
        if (!strstr(err, bad_cameras[i][1])) {
            fprintf(stderr, "  camera = %s: %s\n", bad_cameras[i][0], err);
        }
    }
    CHECK(scene_set(&s, "camera", " -7 , 1.5,1.2 ", true, err, sizeof err));
    CHECK(s.camera[0] == -7 && s.camera[1] == 1.5 && s.camera[2] == 1.2);
    CHECK(!scene_set(&s, "view", "4d", true, err, sizeof err));
    CHECK(strstr(err, "one of 2d, 3d") != NULL);
    scene_finish(&s);

    /* the command line's values are trimmed as a file's are */
    scene_init(&s);
    CHECK(scene_set(&s, "title", "  spaced  ", true, err, sizeof err));
    CHECK(!strcmp(s.title, "spaced"));
    free(round_trip(&s, "trimmed"));
    scene_finish(&s);
}

/* ======================================================================== train options */

/* The defaults `optiscope train` had when cmd_train.c set them by hand (data fashion-mnist,
 * model small, one adam, constant schedule, epochs 1, batch 64, threads 1, seed 1, the
 * validation split and every size the data's own, everything else off). */
static void test_train_defaults(void)
{
    struct train_settings ts;
    train_settings_init(&ts);
    CHECK(ts.data == TRAIN_DATA_FASHION_MNIST);
    CHECK(ts.data_dir[0] == '\0');
    CHECK(!strcmp(ts.model, "small"));
    CHECK(!ts.batchnorm);
    CHECK(ts.dropout == 0);
    CHECK(ts.hidden == 0);
    CHECK(ts.nopt == 1 && !ts.opt_from_cli);
    struct optim_params adam;
    char err[512];
    CHECK(optim_parse("adam", &adam, err, sizeof err));
    CHECK(ts.nopt >= 1 && !memcmp(&ts.opt[0], &adam, sizeof adam));
    struct sched constant;
    sched_default(&constant);
    char a[128], b[128];
    sched_format(&ts.sched, a, sizeof a);
    sched_format(&constant, b, sizeof b);
    CHECK(!strcmp(a, b) && ts.sched.kind == constant.kind && ts.sched.warmup == 0);
    CHECK(ts.l1 == 0 && ts.l2 == 0);
    CHECK(ts.patience == 0);
    CHECK(ts.epochs == 1);
    CHECK(ts.batch == 64);
    CHECK(ts.limit == 0);
    CHECK(!ts.has_val);
    CHECK(ts.eval_every == 0);
    CHECK(ts.threads == 1);
    CHECK(ts.seed == 1);
    CHECK(ts.log[0] == '\0' && ts.save[0] == '\0');
    CHECK(!ts.no_progress);
}

/* Each option takes what cmd_train.c took by hand, its ends included, and refuses one step
 * beyond them (limit now also takes 0, for all; eval-every is new). */
static void test_train_ranges(void)
{
    static const struct {
        const char *key, *lo, *hi, *below, *above;
    } cases[] = {
        {"dropout", "0", "0.999", "-0.001", "1"},
        {"hidden", "0", "4096", "-1", "4097"},
        {"l1", "0", "1e6", "-1e-9", "1000000.1"},
        {"l2", "0", "1e6", "-1e-9", "1000000.1"},
        {"early-stop", "0", "100000", "-1", "100001"},
        {"epochs", "1", "100000", "0", "100001"},
        {"batch", "1", "4096", "0", "4097"},
        {"limit", "0", "100000000", "-1", "100000001"},
        {"val", "1", "100000000", "0", "100000001"},
        {"eval-every", "0", "1000000000", "-1", "1000000001"},
        {"threads", "1", "256", "0", "257"},
        {"seed", "0", "9223372036854775807", "-1", "9223372036854775808"},
    };
    char err[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct train_settings ts;
        train_settings_init(&ts);
        bool lo = train_settings_set(&ts, cases[i].key, cases[i].lo, err, sizeof err);
        bool hi = train_settings_set(&ts, cases[i].key, cases[i].hi, err, sizeof err);
        bool below = train_settings_set(&ts, cases[i].key, cases[i].below, err, sizeof err);
        bool above = train_settings_set(&ts, cases[i].key, cases[i].above, err, sizeof err);
        CHECK(lo && hi && !below && !above);
        if (!lo || !hi || below || above) {
            fprintf(stderr, "  train %s: range ends wrong (%d %d %d %d)\n", cases[i].key, lo, hi,
                    below, above);
        }
    }
    struct train_settings ts;
    train_settings_init(&ts);
    CHECK(train_settings_set(&ts, "seed", "9223372036854775807", err, sizeof err));
    CHECK(ts.seed == 9223372036854775807ull);
    CHECK(train_settings_set(&ts, "val", "100", err, sizeof err) && ts.has_val && ts.val == 100);
    CHECK(train_settings_set(&ts, "data", "synthetic", err, sizeof err));
    CHECK(ts.data == TRAIN_DATA_SYNTHETIC);
}

/* A refused value names the key, the value and what it takes, and changes nothing; the first
 * optimizer replaces the default adam and later ones add, up to the trainer's limit. */
static void test_train_set(void)
{
    static const struct {
        const char *key, *value, *frag;
    } bad[] = {
        {"epochs", "x", "epochs: expected a whole number from 1 to 100000, got 'x'"},
        {"dropout", "1", "dropout: expected a number in [0, 1), got '1'"},
        {"data", "mnist", "data: expected one of fashion-mnist, synthetic, got 'mnist'"},
        {"batchnorm", "maybe", "batchnorm: expected true or false, got 'maybe'"},
        {"optimizer", "adom", "optimizer: unknown optimizer 'adom' (did you mean adam?)"},
        {"schedule", "stepp(3)", "schedule: unknown schedule 'stepp'"},
        {"eval-every", "-1", "eval-every: expected a whole number from 0 to"},
        {"epoch", "3", "unknown key 'epoch' (did you mean epochs?)"},
    };
    char err[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct train_settings ts, before;
        train_settings_init(&ts);
        before = ts;
        bool ok = train_settings_set(&ts, bad[i].key, bad[i].value, err, sizeof err);
        CHECK(!ok && strstr(err, bad[i].frag));
        CHECK(!memcmp(&ts, &before, sizeof ts));
        if (ok || !strstr(err, bad[i].frag)) {
            fprintf(stderr, "  train %s=%s: '%s' lacks '%s'\n", bad[i].key, bad[i].value, err,
                    bad[i].frag);
        }
    }
    /* every option `train` understood before the table keeps its spelling */
    static const char *const old[] = {
        "data", "data-dir", "model", "batchnorm", "dropout", "hidden", "optimizer", "schedule",
        "l1", "l2", "early-stop", "epochs", "batch", "limit", "val", "threads", "seed", "log",
        "save", "no-progress"};
    for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) {
        CHECK(setting_find(settings_train(), old[i], 0) != NULL);
    }
    CHECK(setting_find(settings_train(), "eval-every", 0) != NULL);

    struct train_settings ts;
    train_settings_init(&ts);
    CHECK(train_settings_set(&ts, "optimizer", "sgd(lr=0.1),momentum", err, sizeof err));
    CHECK(ts.nopt == 2 && ts.opt[0].kind == OPTIM_SGD && ts.opt[1].kind == OPTIM_MOMENTUM);
    CHECK(train_settings_set(&ts, "optimizer", "nag", err, sizeof err));
    CHECK(ts.nopt == 3 && ts.opt[2].kind == OPTIM_NAG);
    CHECK(train_settings_set(&ts, "optimizer", "adam,adam,adam,adam,adam", err, sizeof err));
    CHECK(ts.nopt == TRAIN_MAX_OPT);
    CHECK(!train_settings_set(&ts, "optimizer", "adam", err, sizeof err));
    CHECK(strstr(err, "optimizer: too many optimizers (at most 8)") && ts.nopt == 8);
    CHECK(train_settings_set(&ts, "batchnorm", "true", err, sizeof err) && ts.batchnorm);
    CHECK(train_settings_set(&ts, "log", "run.csv", err, sizeof err));
    CHECK(!strcmp(ts.log, "run.csv"));
    CHECK(train_settings_set(&ts, "schedule", "step(30, 0.5)", err, sizeof err));
    CHECK(ts.sched.kind == SCHED_STEP && ts.sched.step_size == 30 && ts.sched.gamma == 0.5);
}

/* ======================================================================== help */

static char *help_text(const struct setting_table *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fputc('\n', f);   /* so every entry, the first too, follows a newline */
    setting_help(t, f);
    fclose(f);
    return buf;
}

static void test_help(void)
{
    const struct setting_table *tables[5] = {settings_scene(), settings_optim(),
                                             settings_sched(), settings_train(),
                                             settings_landscape()};
    for (int ti = 0; ti < 5; ti++) {
        const struct setting_table *t = tables[ti];
        char *h = help_text(t);
        for (size_t i = 0; i < t->nrows; i++) {
            char want[96];
            /* scene keys as options, spec keys at the start of their entry */
            snprintf(want, sizeof want, t->kinds ? "\n  %s " : "\n  --%s ", t->rows[i].name);
            bool has = strstr(h, want) != NULL;
            if (!has && t->kinds) {
                snprintf(want, sizeof want, "\n  %s\n", t->rows[i].name);   /* a long name */
                has = strstr(h, want) != NULL;
            }
            CHECK(has);
            if (!has) {
                fprintf(stderr, "  help lacks '%s'\n", t->rows[i].name);
            }
        }
        /* each kind's usage line is there, and it is what the parser takes */
        for (int k = 0; t->kinds && k < t->nkinds; k++) {
            char usage[512];
            setting_usage(t, k, usage, sizeof usage);
            char first[64];
            snprintf(first, sizeof first, "\n  %s(", t->kinds[k]);
            CHECK(strstr(h, first) != NULL);
        }
        int longest = 0, col = 0;
        for (const char *p = h; *p; p++) {
            col = *p == '\n' ? 0 : col + 1;
            longest = col > longest ? col : longest;
        }
        CHECK(longest < 80);
        free(h);
    }
    char usage[512];
    setting_usage(settings_sched(), SCHED_STEP, usage, sizeof usage);
    CHECK(!strcmp(usage, "step(step_size, gamma=0.1, *, warmup=0)"));
    setting_usage(settings_optim(), OPTIM_SGD, usage, sizeof usage);
    CHECK(!strcmp(usage, "sgd(lr=0.01, *, weight_decay=0, schedule=default, label=none)"));
    /* the usage's defaults are the parser's: a bare name equals every default written out */
    struct optim_params bare;
    char err[512];
    CHECK(optim_parse("adamw", &bare, err, sizeof err));
    setting_usage(settings_optim(), OPTIM_ADAMW, usage, sizeof usage);
    char *star = strstr(usage, "*, ");
    if (star) {
        memmove(star, star + 3, strlen(star + 3) + 1);
    }
    CHECK(optim_same("adamw", usage));
}

int main(void)
{
    snprintf(tmp_path, sizeof tmp_path, "/tmp/optiscope-test-settings-%d.scene", (int)getpid());
    check_rows(settings_scene());
    check_rows(settings_optim());
    check_rows(settings_sched());
    check_rows(settings_train());
    check_rows(settings_landscape());
    test_scene_defaults();
    test_optim_keys();
    test_positional();
    test_write_presets();
    test_write_every_key();
    test_train_defaults();
    test_train_ranges();
    test_train_set();
    test_help();
    unlink(tmp_path);
    return check_done("settings");
}

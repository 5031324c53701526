/* test_scene.c: scene files and settings: every key, errors with file:line and suggestions,
 * command-line replacement of the optimizer list, resolution into a race. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sim/scene.h"

static char path[64];

static void write_scene(const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static bool load(struct scene *s, const char *text, char *err, size_t len)
{
    write_scene(text);
    scene_init(s);
    return scene_load_file(s, path, err, len);
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/optiscope-test-scene-%d.txt", (int)getpid());
    char err[1024], want[1200];
    struct scene s;

    CHECK(load(&s, "# a comment\n\nfunction = rosenbrock  # trailing comment\n"
                   "start = -2, 2\nsteps = 42\noptimizer = adam(lr=0.1), sgd(lr=0.001)\n"
                   "optimizer = nag\nschedule = cosine(t_max=100)\nl1 = 0.5\nl2 = 0.25\n"
                   "noise = 0.1\nseed = 9\nscale = log\ndomain = -3,3,-1,4\ntitle = Hello\n",
               err, sizeof err));
    CHECK(!strcmp(s.function, "rosenbrock"));
    CHECK(s.has_start && s.start[0] == -2 && s.start[1] == 2);
    CHECK(s.steps == 42 && s.nopt == 3);
    CHECK(s.opt[0].kind == OPTIM_ADAM && s.opt[0].lr == 0.1);
    CHECK(s.opt[2].kind == OPTIM_NAG);
    CHECK(s.sched.kind == SCHED_COSINE && s.sched.t_max == 100);
    CHECK(s.l1 == 0.5 && s.l2 == 0.25 && s.noise == 0.1 && s.seed == 9);
    CHECK(s.scale == SCENE_SCALE_LOG && s.has_domain && s.domain[3] == 4);
    CHECK(!strcmp(s.title, "Hello"));

    /* The command line's first optimizer replaces the file's list; later ones append. */
    CHECK(scene_set(&s, "optimizer", "rmsprop", true, err, sizeof err));
    CHECK(scene_set(&s, "optimizer", "adamax,adagrad", true, err, sizeof err));
    CHECK(s.nopt == 3 && s.opt[0].kind == OPTIM_RMSPROP && s.opt[2].kind == OPTIM_ADAGRAD);

    struct scene_resolved r;
    CHECK(scene_resolve(&s, &r, err, sizeof err));
    CHECK(r.entry && !strcmp(r.name, "rosenbrock"));
    CHECK(r.domain[0] == -3 && r.start[0] == -2 && r.log_scale);
    struct race race;
    scene_make_race(&s, &r, &race);
    CHECK(race.n == 3 && race.l1 == 0.5 && race.r[0].p[0] == -2);
    /* one objective for values, gradients and shaders: f + 0.5(|x|+|y|) + 0.25(x^2+y^2) */
    CHECK(race.f == r.f && race.obj == r.objective);
    CHECK(expr_eval(r.objective, 1, -2) == expr_eval(r.f, 1, -2) + 0.5 * 3 + 0.25 * 5);
    race_finish(&race);
    scene_resolved_finish(&r);
    scene_finish(&s);

    /* Optimizers with their own schedules survive scene_write and scene_load_file: the same
     * labels, and the same race to the last bit. */
    CHECK(load(&s, "expr = (x-1)^2 + 3*y^2\nsteps = 40\nschedule = exponential(0.95)\n"
                   "optimizer = sgd(lr=0.1,schedule=cosine(t_max=30,warmup=5))\n"
                   "optimizer = momentum(lr=0.02, schedule=step(10, 0.5)), adam(lr=0.05)\n",
               err, sizeof err));
    CHECK(s.nopt == 3 && s.opt[0].has_sched && s.opt[1].has_sched && !s.opt[2].has_sched);
    FILE *wf = fopen(path, "w");
    CHECK(wf && scene_write(&s, wf, err, sizeof err));
    fclose(wf);
    struct scene back;
    scene_init(&back);
    CHECK(scene_load_file(&back, path, err, sizeof err));
    CHECK(back.nopt == 3);
    struct scene_resolved r1, r2;
    CHECK(scene_resolve(&s, &r1, err, sizeof err) && scene_resolve(&back, &r2, err, sizeof err));
    struct race a, b;
    scene_make_race(&s, &r1, &a);
    scene_make_race(&back, &r2, &b);
    for (int i = 0; i < 3; i++) {
        CHECK(!strcmp(a.r[i].label, b.r[i].label));
    }
    CHECK(!strcmp(a.r[1].label, "momentum(lr=0.02,schedule=step(step_size=10,gamma=0.5))"));
    for (int k = 0; k < 40; k++) {
        race_step(&a);
        race_step(&b);
        for (int i = 0; i < 3; i++) {
            CHECK(a.r[i].p[0] == b.r[i].p[0] && a.r[i].p[1] == b.r[i].p[1]);
            CHECK(a.r[i].lr == b.r[i].lr);
        }
    }
    CHECK(a.r[0].lr != a.r[2].lr && a.r[1].lr != a.r[2].lr);
    race_finish(&a);
    race_finish(&b);
    scene_resolved_finish(&r1);
    scene_resolved_finish(&r2);
    scene_finish(&back);
    scene_finish(&s);

    /* Errors name the file and line. */
    CHECK(!load(&s, "function = beale\noptimizer = adom\n", err, sizeof err));
    snprintf(want, sizeof want, "%s:2: optimizer: ", path);
    CHECK(!strncmp(err, want, strlen(want)));
    CHECK(strstr(err, "did you mean adam?") != NULL);
    scene_finish(&s);
    CHECK(!load(&s, "\n\nfuncton = beale\n", err, sizeof err));
    snprintf(want, sizeof want, "%s:3: unknown key 'funct", path);
    CHECK(!strncmp(err, want, strlen(want)));
    CHECK(strstr(err, "did you mean function?") != NULL);
    scene_finish(&s);
    CHECK(!load(&s, "function = bael\n", err, sizeof err));
    CHECK(strstr(err, ":1: function: unknown function 'bael' (did you mean beale?)") != NULL);
    scene_finish(&s);
    CHECK(!load(&s, "steps = many\n", err, sizeof err));
    CHECK(strstr(err, ":1: steps: expected a whole number") != NULL);
    scene_finish(&s);
    CHECK(!load(&s, "start = 1\n", err, sizeof err));
    CHECK(strstr(err, ":1: start: expected X,Y") != NULL);
    scene_finish(&s);
    CHECK(!load(&s, "expr = x^2 + * y\n", err, sizeof err));
    CHECK(strstr(err, ":1: expr: position ") != NULL);
    scene_finish(&s);
    CHECK(!load(&s, "just words\n", err, sizeof err));
    CHECK(strstr(err, ":1: expected 'key = value'") != NULL);
    scene_finish(&s);
    CHECK(!load(&s, "l1 =\n", err, sizeof err));
    CHECK(strstr(err, ":1: missing value for 'l1'") != NULL);
    scene_finish(&s);
    CHECK(!load(&s, "l2 = -1\n", err, sizeof err));
    CHECK(strstr(err, ":1: l2: expected a number >= 0") != NULL);
    scene_finish(&s);
    CHECK(!load(&s, "domain = 1,0,0,1\n", err, sizeof err));
    CHECK(strstr(err, ":1: domain:") != NULL);
    scene_finish(&s);
    CHECK(!load(&s, "scale = loggy\n", err, sizeof err));
    scene_finish(&s);
    CHECK(!load(&s, "schedule = cosin(t_max=3)\n", err, sizeof err));
    CHECK(strstr(err, ":1: schedule: ") != NULL);
    scene_finish(&s);
    unlink(path);
    scene_init(&s);
    CHECK(!scene_load_file(&s, "/nonexistent/scene.txt", err, sizeof err));
    CHECK(strstr(err, "/nonexistent/scene.txt: cannot read scene file") != NULL);

    /* A user expression resolves with a default domain; no optimizers means the default race. */
    CHECK(scene_set(&s, "expr", "x^2 + 3*y^2", true, err, sizeof err));
    CHECK(scene_resolve(&s, &r, err, sizeof err));
    CHECK(r.entry == NULL && !strcmp(r.name, "custom") && s.nopt >= 8);
    CHECK(expr_eval(r.f, 1, 1) == 4.0);
    scene_resolved_finish(&r);
    scene_finish(&s);
    return check_done("scene");
}

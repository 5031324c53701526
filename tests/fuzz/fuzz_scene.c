/* fuzz_scene.c: scene files. Load the input as a scene file, resolve it, race a few hundred
 * steps. Oracles: a rejection has a clean message; a resolved start is finite with a finite
 * objective and gradient; every runner that has not diverged stays finite (position, loss,
 * gradient, lr); a loaded scene writes back to a file that loads to the same text. */
#include <math.h>

#include "fuzz.h"
#include "sim/race.h"
#include "sim/scene.h"

#define FUZZ_STEPS 300

static void check_write_back(const struct scene *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char err[1024];
    if (!scene_write(s, f, err, sizeof err)) {
        fclose(f);
        free(buf);
        FUZZ_ASSERT(err[0] && fuzz_message_clean(err), "bad message '%s'", err);
        return;   /* a value a scene file cannot hold, named */
    }
    fclose(f);
    struct scene back;
    scene_init(&back);
    bool ok = scene_load_text(&back, "written", buf, len, err, sizeof err);
    FUZZ_ASSERT(ok, "a written scene does not load: %s\n%s", err, buf);
    char *buf2 = NULL;
    size_t len2 = 0;
    f = open_memstream(&buf2, &len2);
    ok = scene_write(&back, f, err, sizeof err);
    fclose(f);
    FUZZ_ASSERT(ok && len == len2 && !memcmp(buf, buf2, len), "written twice differs:\n%s\n%s",
                buf, buf2);
    scene_finish(&back);
    free(buf);
    free(buf2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192) {
        return 0;
    }
    struct scene s;
    scene_init(&s);
    char err[2048] = "";
    if (!scene_load_text(&s, "fuzz.scene", (const char *)data, size, err, sizeof err)) {
        FUZZ_ASSERT(err[0] && fuzz_message_clean(err), "bad message '%s'", err);
        scene_finish(&s);
        return 0;
    }
    check_write_back(&s);
    struct scene_resolved res;
    if (!scene_resolve(&s, &res, err, sizeof err)) {
        FUZZ_ASSERT(err[0] && fuzz_message_clean(err), "bad message '%s'", err);
        scene_finish(&s);
        return 0;
    }
    double g[2];
    double f0 = expr_eval_grad(res.objective, res.start[0], res.start[1], g);
    FUZZ_ASSERT(isfinite(res.start[0]) && isfinite(res.start[1]) && isfinite(f0) &&
                isfinite(g[0]) && isfinite(g[1]), "resolved a non-finite start");
    struct race race;
    scene_make_race(&s, &res, &race);
    long done = 0;
    race_run(&race, &done, FUZZ_STEPS, NULL, "fuzz");
    for (int i = 0; i < race.n; i++) {
        const struct race_runner *r = &race.r[i];
        if (r->diverged) {
            continue;
        }
        FUZZ_ASSERT(isfinite(r->p[0]) && isfinite(r->p[1]) && isfinite(r->loss) &&
                    isfinite(r->grad[0]) && isfinite(r->grad[1]) && isfinite(r->lr),
                    "runner %s not finite at step %ld", r->label, r->step);
        size_t n = traj_count(&r->traj);
        FUZZ_ASSERT(n > 0, "empty trajectory");
        for (size_t k = 0; k < n; k += 1 + n / 16) {
            struct traj_point p = traj_get(&r->traj, k);
            FUZZ_ASSERT(isfinite(p.x) && isfinite(p.y) && isfinite(p.loss),
                        "trajectory point %zu of %s not finite", k, r->label);
        }
    }
    race_finish(&race);
    scene_resolved_finish(&res);
    scene_finish(&s);
    return 0;
}

/* tune.c: the fair race: each optimizer's learning rate tuned on the scene (sim/tune.c's
 * search), as `optiscope tune` prints and writes it, and as the window's U runs it on a worker
 * thread and then shows the tuned race and the default one in turn. */
#include "session/session.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/i18n.h"
#include "sim/util.h"

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ======================================================================== the tune */

bool session_tune_scene(const struct scene *scene, struct session_tuning *t,
                        struct scene *tuned, bool (*stop)(void *ud), void *ud, char *err,
                        size_t errlen)
{
    double t0 = wall_s();
    struct scene_race sr;
    if (!scene_race_init(&sr, scene, err, errlen)) {
        return false;
    }
    struct scene *sc = &sr.scene;
    struct race *race = &sr.race;
    memset(t, 0, sizeof *t);
    bool ok = tune_race(race, sc->steps, t->res, stop, ud);
    t->n = race->n;
    sc->nopt = race->n;   /* resolving gave a scene without optimizers the default race */
    for (int i = 0; i < race->n; i++) {
        snprintf(t->label[i], sizeof t->label[i], "%s", race->r[i].label);
        sc->opt[i] = race->r[i].params;
        sc->opt[i].lr = t->res[i].lr;
        if (sc->opt[i].label[0] && t->res[i].lr != t->res[i].lr0) {
            /* "too small" no longer says what it runs at */
            char was[sizeof sc->opt[i].label + 16];
            snprintf(was, sizeof was, _("tuned \xC2\xB7 was %s"), sc->opt[i].label);
            util_copy_text(sc->opt[i].label, sizeof sc->opt[i].label, was);
        }
    }
    if (ok) {
        scene_copy(tuned, sc);
    }
    scene_race_finish(&sr);
    t->secs = wall_s() - t0;
    if (!ok) {
        snprintf(err, errlen, _("the tune was stopped"));
        return false;
    }
    return true;
}

/* A final loss for the table: the number, or "diverged (step N)". */
static void loss_text(double loss, bool diverged, long step, char *buf, size_t len)
{
    if (diverged) {
        snprintf(buf, len, _("diverged (step %ld)"), step);
    } else {
        snprintf(buf, len, "%.6g", loss);
    }
}

/* Characters (code points, not bytes) of UTF-8 text: a label's width in the terminal. */
static int text_width(const char *s)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        n += (*p & 0xC0) != 0x80;
    }
    return n;
}

void session_tune_table(const struct session_tuning *t, FILE *f)
{
    int w = 9;   /* "optimizer" */
    for (int i = 0; i < t->n; i++) {
        int len = text_width(t->label[i]);
        w = len > w ? len : w;
    }
    fprintf(f, "%-*s  %12s  %20s  %12s  %20s\n", w, "optimizer", "default lr", "default loss",
            "tuned lr", "tuned loss");
    for (int i = 0; i < t->n; i++) {
        const struct tune_result *r = &t->res[i];
        char l0[40], l1[40];
        loss_text(r->loss0, r->diverged0, r->diverged_step0, l0, sizeof l0);
        loss_text(r->loss, r->diverged, r->diverged_step, l1, sizeof l1);
        fprintf(f, "%s%*s  %12.6g  %20s  %12.6g  %20s\n", t->label[i],
                w - text_width(t->label[i]), "", r->lr0, l0, r->lr, l1);
    }
}

bool session_write_scene(const struct scene *sc, const char *path, const char *comment,
                         char *err, size_t errlen)
{
    struct util_outfile out;
    if (!util_outfile_open(&out, path, err, errlen)) {
        return false;
    }
    if (comment) {
        fprintf(out.f, "# %s\n", comment);
    }
    char msg[768];
    if (!scene_write(sc, out.f, msg, sizeof msg)) {
        snprintf(err, errlen, "%s: %s", path, msg);
        util_outfile_abort(&out);
        return false;
    }
    return util_outfile_commit(&out, err, errlen);
}

/* ======================================================================== U in the window */

struct session_tune {
    /* the worker (running between start and collection) */
    pthread_t thread;
    bool running;                   /* a worker was started and not yet joined */
    atomic_bool cancel;             /* set by the session: stop at the next run */
    atomic_bool done;               /* set by the worker as it ends */
    struct scene input;             /* what it tunes (owned while running) */
    unsigned long input_gen;        /* the session's scene_gen when it started */
    bool ok;                        /* the worker's result (read after done) */
    char err[512];
    /* the result (have: collected) */
    bool have;
    struct session_tuning t;
    struct scene defaults, tuned;   /* the two races shown in turn (owned while have) */
    bool showing_tuned;
    unsigned long shown_gen;        /* the session's scene_gen of the race U put up: the
                                       results describe the scene shown while they agree */
};

static bool stop_asked(void *ud)
{
    return atomic_load(&((struct session_tune *)ud)->cancel);
}

static void *tune_main(void *arg)
{
    struct session_tune *j = arg;
    struct scene tuned;
    j->ok = session_tune_scene(&j->input, &j->t, &tuned, stop_asked, j, j->err, sizeof j->err);
    if (j->ok) {
        j->tuned = tuned;
    }
    atomic_store(&j->done, true);
    return NULL;
}

static void drop_results(struct session_tune *j)
{
    if (j->have) {
        scene_finish(&j->defaults);
        scene_finish(&j->tuned);
        j->have = false;
    }
}

bool session_tuning(const struct session *s)
{
    return s->tune && s->tune->running;
}

bool session_tune_ready(const struct session *s)
{
    return session_tuning(s) && atomic_load(&s->tune->done);
}

/* Shows the tuned race or the default one (a copy of it): the race restarts and runs. */
static bool show(struct session *s, bool tuned, double now)
{
    struct session_tune *j = s->tune;
    struct scene sc;
    scene_copy(&sc, tuned ? &j->tuned : &j->defaults);
    char err[512];
    if (!session_set_scene(s, &sc, err, sizeof err)) {
        session_toast(s, now, true, "%s", err);
        return false;
    }
    j->showing_tuned = tuned;
    j->shown_gen = s->scene_gen;
    size_t n = strlen(s->subtitle);
    snprintf(s->subtitle + n, sizeof s->subtitle - n,
             tuned ? _(" \xC2\xB7 tuned lr (U: defaults)") : _(" \xC2\xB7 default lr (U: tuned)"));
    s->running = true;   /* the race U put up plays from the start */
    return true;
}

void session_tune_collect(struct session *s, double now)
{
    if (!session_tune_ready(s)) {
        return;
    }
    struct session_tune *j = s->tune;
    pthread_join(j->thread, NULL);
    j->running = false;
    if (!j->ok) {
        session_toast(s, now, true, _("tune failed: %s"), j->err);
        scene_finish(&j->input);
        return;
    }
    if (j->input_gen != s->scene_gen) {
        session_toast(s, now, false, _("a tune of the scene shown before finished; U tunes "
                      "this one"));
        scene_finish(&j->input);
        scene_finish(&j->tuned);
        return;
    }
    j->defaults = j->input;   /* owned by the results now */
    j->have = true;
    if (!show(s, true, now)) {
        drop_results(j);
        return;
    }
    /* What changed, the first few ("sgd 3e-05→4.23e-05"); the final losses are in the legend. */
    char msg[400];
    int changed = 0;
    for (int i = 0; i < j->t.n; i++) {
        changed += j->t.res[i].lr != j->t.res[i].lr0;
    }
    size_t n = (size_t)snprintf(msg, sizeof msg, _("tuned in %.2g s: %d of %d rates changed"),
                                j->t.secs, changed, j->t.n);
    for (int i = 0, k = 0; i < j->t.n && k < 2; i++) {
        const struct tune_result *r = &j->t.res[i];
        if (r->lr != r->lr0) {
            n += (size_t)snprintf(msg + n, sizeof msg - n, "%s %s %.3g\xE2\x86\x92%.3g",
                                  k == 0 ? " (" : ",", optim_name(j->defaults.opt[i].kind),
                                  r->lr0, r->lr);
            k++;
        }
    }
    if (changed > 0 && n < sizeof msg) {
        snprintf(msg + n, sizeof msg - n, "%s)", changed > 2 ? ", \xE2\x80\xA6" : "");
    }
    session_toast(s, now, false, _("%s \xC2\xB7 U: defaults \xC2\xB7 W: save"), msg);
    printf(_("tuned %d optimizers in %.3f s\n"), j->t.n, j->t.secs);
    session_tune_table(&j->t, stdout);
    fflush(stdout);
}

void session_tune_action(struct session *s, double now)
{
    if (!s->tune) {
        s->tune = xcalloc(1, sizeof *s->tune);
    }
    struct session_tune *j = s->tune;
    if (j->running) {
        session_toast(s, now, false, _("tuning\xE2\x80\xA6 (the race goes on; U again when it is "
                      "done)"));
        return;
    }
    if (j->have && j->shown_gen == s->scene_gen) {
        show(s, !j->showing_tuned, now);
        session_toast(s, now, false, "%s",
                      j->showing_tuned ? _("tuned learning rates (U: the defaults)")
                                       : _("default learning rates (U: tuned)"));
        return;
    }
    drop_results(j);
    session_scene(s, &j->input);
    j->input_gen = s->scene_gen;
    atomic_init(&j->cancel, false);
    atomic_init(&j->done, false);
    if (pthread_create(&j->thread, NULL, tune_main, j) != 0) {
        scene_finish(&j->input);
        session_toast(s, now, true, _("cannot start the tune: %s"), strerror(errno));
        return;
    }
    j->running = true;
    session_toast(s, now, false,
                  ngettext("tuning %d optimizer's learning rate over %ld steps\xE2\x80\xA6",
                           "tuning %d optimizers' learning rates over %ld steps\xE2\x80\xA6",
                           (unsigned long)s->race->n),
                  s->race->n, j->input.steps);
}

void session_wait_tune(struct session *s, double now)
{
    while (session_tuning(s) && !session_tune_ready(s)) {
        nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    }
    session_tune_collect(s, now);
}

void session_tune_finish(struct session *s)
{
    struct session_tune *j = s->tune;
    if (!j) {
        return;
    }
    if (j->running) {
        atomic_store(&j->cancel, true);
        pthread_join(j->thread, NULL);
        scene_finish(&j->input);
        if (j->ok) {
            scene_finish(&j->tuned);
        }
    }
    drop_results(j);
    free(j);
    s->tune = NULL;
}

void session_tune_detail(const struct session *s, int i, char *buf, size_t len)
{
    const struct session_tune *j = s->tune;
    if (!j || !j->have || j->shown_gen != s->scene_gen || i >= j->t.n) {
        return;
    }
    const struct tune_result *r = &j->t.res[i];
    double loss = j->showing_tuned ? r->loss0 : r->loss;
    bool div = j->showing_tuned ? r->diverged0 : r->diverged;
    const char *other = j->showing_tuned ? _("default") : _("tuned");
    size_t n = strlen(buf);
    if (r->lr == r->lr0) {
        snprintf(buf + n, len - n, _(" \xC2\xB7 = default"));
    } else if (div) {
        snprintf(buf + n, len - n, _(" \xC2\xB7 %s diverges"), other);
    } else {
        snprintf(buf + n, len - n, " \xC2\xB7 %s %.3g", other, loss);
    }
}

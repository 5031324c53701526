/* session.c: the toy race as the user drives it: scene, race, what is shown, actions, the
 * animation clock, and the figure of it all, built the same way for the window and exports. */
#include "session/session.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "draw/draw.h"
#include "draw/gif.h"
#include "draw/text.h"
#include "figure/theme.h"
#include "session/split.h"
#include "sim/catalog.h"
#include "sim/explain.h"
#include "sim/i18n.h"
#include "sim/util.h"

static const double speeds[SESSION_NSPEEDS] = {1, 2, 5, 10, 20, 30, 60, 120, 250, 500, 1000,
                                               2000, 5000, 10000};
#define DEFAULT_SPEED 6   /* 60 steps/s: a few seconds for the classic races */

double session_speed(const struct session *s)
{
    return speeds[s->speed_idx];
}

long session_step(const struct session *s)
{
    long m = 0;
    for (int i = 0; i < s->race->n; i++) {
        m = s->race->r[i].step > m ? s->race->r[i].step : m;
    }
    return m;
}

/* ======================================================================== camera */

/* The 3-D orbit camera's rules (gl/'s gl_camera draws from these numbers). */
static void camera_default(double c[3])
{
    c[0] = -0.65;   /* yaw: from the front left */
    c[1] = 0.9;     /* pitch: high enough to see into valleys */
    c[2] = 4.8;     /* distance: the whole surface in the frame */
}

static void camera_rotate(double c[3], double dx, double dy)
{
    c[0] = fmod(c[0] - 0.01 * dx, 6.2831853);
    c[1] = fmin(fmax(c[1] + 0.01 * dy, 0.05), 1.5);
}

static void camera_zoom(double c[3], double notches)
{
    c[2] = fmin(fmax(c[2] * pow(0.88, notches), 1.2), 12.0);
}

/* ======================================================================== scenes */

/* "start (3, 4) · 500 steps · constant lr · no penalty · exact gradients": what is on. */
static void make_subtitle(struct session *s);

void session_relabel(struct session *s)
{
    make_subtitle(s);
    s->input++;
}

static void make_subtitle(struct session *s)
{
    const struct scene *sc = &s->scene;
    const struct race *r = s->race;
    char sched[160], pen[96], noise[96];
    int own = 0;   /* runners with their own schedule: the legend names theirs */
    for (int i = 0; i < r->n; i++) {
        own += r->r[i].params.has_sched;
    }
    if (own > 0 && own == r->n) {
        snprintf(sched, sizeof sched, "%s", _("a schedule per optimizer"));
    } else if (sc->sched.kind == SCHED_CONSTANT && sc->sched.warmup == 0) {
        snprintf(sched, sizeof sched, "%s",
                 own ? _("constant learning rates for the others") : _("constant learning rates"));
    } else {
        char f[112];
        sched_format(&sc->sched, f, sizeof f);
        snprintf(sched, sizeof sched, own ? _("schedule %s for the others") : _("schedule %s"), f);
    }
    if (r->l1 > 0 && r->l2 > 0) {
        snprintf(pen, sizeof pen, "L1 %g + L2 %g", r->l1, r->l2);
    } else if (r->l1 > 0) {
        snprintf(pen, sizeof pen, _("L1 penalty %g\xC2\xB7(|x|+|y|)"), r->l1);
    } else if (r->l2 > 0) {
        snprintf(pen, sizeof pen, _("L2 penalty %g\xC2\xB7(x\xC2\xB2+y\xC2\xB2)"), r->l2);
    } else {
        snprintf(pen, sizeof pen, "%s", _("no penalty"));
    }
    if (r->noise > 0) {
        snprintf(noise, sizeof noise, _("gradient noise \xCF\x83 %g (seed %llu)"), r->noise,
                 r->seed);
    } else {
        snprintf(noise, sizeof noise, "%s", _("exact gradients"));
    }
    /* A start clicked at the centre is (1e-17, 0) in floating point: say 0. */
    double st[2];
    for (int k = 0; k < 2; k++) {
        double span = r->xmax - r->xmin + r->ymax - r->ymin;
        st[k] = fabs(r->start[k]) < 1e-9 * span ? 0.0 : r->start[k];
    }
    snprintf(s->subtitle, sizeof s->subtitle,
             _("start (%.4g, %.4g) \xC2\xB7 %ld steps \xC2\xB7 %s \xC2\xB7 %s \xC2\xB7 %s"), st[0],
             st[1], sc->steps, sched, pen, noise);
}

bool session_set_scene(struct session *s, struct scene *sc, char *err, size_t errlen)
{
    struct scene_resolved res;
    if (!scene_resolve(sc, &res, err, errlen)) {
        scene_finish(sc);
        return false;
    }
    struct race *race = xcalloc(1, sizeof *race);
    struct session_split *split = NULL;
    if (sc->split != SCENE_SPLIT_NONE) {
        if (!split_create(&split, sc, &res, race, err, errlen)) {
            free(race);
            scene_resolved_finish(&res);
            scene_finish(sc);
            return false;
        }
    } else {
        scene_make_race(sc, &res, race);
    }
    if (s->race) {
        race_finish(s->race);
        free(s->race);
        scene_resolved_finish(&s->res);
        scene_finish(&s->scene);
    }
    split_destroy(s->split);
    s->split = split;
    if (split) {
        s->view3d = false;   /* two maps side by side */
    }
    s->scene = *sc;
    s->res = res;
    s->race = race;
    if (s->scene.title[0]) {
        util_copy_text(s->title, sizeof s->title, s->scene.title);
    } else if (res.entry) {
        snprintf(s->title, sizeof s->title, "%s", res.entry->name);
    } else {
        snprintf(s->title, sizeof s->title, "f = %s", s->scene.expr ? s->scene.expr : "?");
    }
    make_subtitle(s);
    s->func_idx = -1;
    for (size_t i = 0; res.entry && i < catalog_count(); i++) {
        if (catalog_get(i) == res.entry) {
            s->func_idx = (int)i;
        }
    }
    memcpy(s->domain, s->scene.has_zoom ? s->scene.zoom : res.domain, sizeof s->domain);
    s->log_scale = res.log_scale;
    s->scale_valid = false;
    s->selected = race->n > 0 ? s->selected % race->n : 0;
    s->step_debt = 0.0;
    s->target = s->scene.steps;
    for (int i = 0; i < RACE_MAX; i++) {
        s->shown[i] = true;
    }
    memcpy(s->camera, s->scene.camera, sizeof s->camera);
    s->gen++;
    s->scene_gen++;
    s->change++;
    s->input++;
    return true;
}

bool session_init(struct session *s, const struct session_desc *d, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    snprintf(s->shot_dir, sizeof s->shot_dir, "%s", d->shot_dir ? d->shot_dir : ".");
    snprintf(s->preset_dir, sizeof s->preset_dir, "%s", d->preset_dir ? d->preset_dir : "");
    s->preset_idx = -1;
    s->contours = d->scene->contours;
    s->trails = d->scene->trails;
    s->arrows = d->scene->arrows;
    s->theme = d->scene->theme;
    s->large_text = d->scene->large_text;
    s->running = !d->paused;
    s->view3d = d->view3d || d->scene->view == SCENE_VIEW_3D;
    s->speed_idx = DEFAULT_SPEED;
    s->series_wanted = true;
    if (d->npresets > 0) {
        s->presets = xcalloc((size_t)d->npresets, sizeof *s->presets);
        for (int i = 0; i < d->npresets; i++) {
            snprintf(s->presets[i], sizeof s->presets[i], "%s", d->presets[i]);
        }
        s->npresets = d->npresets;
    }
    struct scene sc;
    scene_copy(&sc, d->scene);
    if (!session_set_scene(s, &sc, err, errlen)) {
        free(s->presets);
        memset(s, 0, sizeof *s);
        return false;
    }
    return true;
}

static void job_cancel(struct session *s);

void session_finish(struct session *s)
{
    job_cancel(s);
    session_tune_finish(s);
    split_destroy(s->split);
    if (s->race) {
        race_finish(s->race);
        free(s->race);
        scene_resolved_finish(&s->res);
        scene_finish(&s->scene);
    }
    free(s->presets);
    for (int i = 0; i < RACE_MAX; i++) {
        free(s->loss_pts[i]);
    }
    memset(s, 0, sizeof *s);
}

/* ======================================================================== toasts */

void session_toast(struct session *s, double now, bool error, const char *fmt, ...)
{
    /* The toast is drawn as text: user bytes in a message (a path, a scene line) must not
     * be invalid UTF-8 or control characters, whatever the message's writer escaped. */
    char msg[sizeof s->toast];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    util_escape(msg, s->toast, sizeof s->toast);
    s->toast_error = error;
    s->toast_until = now + (error ? 6.0 : 3.5);
    s->change++;
    s->input++;
}

/* ======================================================================== runners */

/* What the legend calls a runner: its optimizer with the learning rate and, for momentum
 * methods, the momentum always written, plus every other setting that differs from torch's
 * default ("momentum(lr=0.003, momentum=0.9)"). */
static void display_label(const struct optim_params *p, char *buf, size_t len)
{
    char f[256];
    struct optim_params alone = *p;   /* its own schedule follows, in short; its label leads */
    alone.has_sched = false;
    alone.label[0] = '\0';
    optim_format(&alone, f, sizeof f);
    char *paren = strchr(f, '(');
    char args[256] = "";
    if (paren) {
        snprintf(args, sizeof args, "%s", paren + 1);
        args[strlen(args) > 0 ? strlen(args) - 1 : 0] = '\0';   /* the closing parenthesis */
        *paren = '\0';
    }
    char out[320];
    size_t n = (size_t)snprintf(out, sizeof out, "%s(", f);
    bool first = true;
    if (!strstr(args, "lr=")) {
        n += (size_t)snprintf(out + n, sizeof out - n, "lr=%g", p->lr);
        first = false;
    }
    char *save = NULL;   /* strtok_r: GIF frames are labelled on several threads at once */
    for (char *tok = strtok_r(args, ",", &save); tok && n < sizeof out;
         tok = strtok_r(NULL, ",", &save)) {
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", first ? "" : ", ", tok);
        first = false;
    }
    if ((p->kind == OPTIM_MOMENTUM || p->kind == OPTIM_NAG) && !strstr(out, "momentum=") &&
        n < sizeof out) {
        n += (size_t)snprintf(out + n, sizeof out - n, _(", momentum=%g"), p->momentum);
    }
    if (n < sizeof out) {
        n += (size_t)snprintf(out + n, sizeof out - n, ")");
    }
    if (p->has_sched && n < sizeof out) {
        char sc[128];
        sched_format_short(&p->sched, sc, sizeof sc);
        snprintf(out + n, sizeof out - n, " \xC2\xB7 %s", sc);
    }
    if (p->label[0]) {
        snprintf(buf, len, "%s \xC2\xB7 %s", i18n_text(p->label), out);
        return;
    }
    snprintf(buf, len, "%s", out);
}

static void report_divergence(struct session *s, unsigned diverged, double now)
{
    for (int i = 0; diverged && i < s->race->n; i++) {
        if (!(diverged & (1u << i))) {
            continue;
        }
        const struct race_runner *r = &s->race->r[i];
        if (r->escaped) {
            session_toast(s, now, false, _("%s left the view going downhill at step %ld: the "
                          "function falls without bound there"), r->label, r->diverged_step);
        } else {
            session_toast(s, now, true, _("%s diverged at step %ld"), r->label, r->diverged_step);
            fprintf(stderr, _("optiscope: %s diverged at step %ld\n"), r->label, r->diverged_step);
        }
    }
}

static void step_once(struct session *s, double now)
{
    report_divergence(s, race_step(s->race), now);
    if (s->split && split_step(s->split)) {
        session_toast(s, now, true, _("an optimizer of the L2 side diverged (the legend says "
                      "which)"));
    }
    s->change++;
}

/* ======================================================================== actions */

static void load_function(struct session *s, int idx, double now)
{
    int n = (int)catalog_count();
    idx = ((idx % n) + n) % n;
    const struct catalog_entry *e = catalog_get((size_t)idx);
    struct scene sc;
    scene_init(&sc);
    char err[512], path[4200];
    snprintf(path, sizeof path, "%s/%s.scene", s->preset_dir, e->name);
    bool from_preset = s->preset_dir[0] && access(path, R_OK) == 0;
    if (from_preset && !scene_load_file(&sc, path, err, sizeof err)) {
        session_toast(s, now, true, "%s", err);
        scene_finish(&sc);
        return;
    }
    if (!from_preset) {
        snprintf(sc.function, sizeof sc.function, "%s", e->name);
    }
    if (!session_set_scene(s, &sc, err, sizeof err)) {
        session_toast(s, now, true, "%s", err);
        return;
    }
    session_toast(s, now, false, "%s: %s", e->name, e->description);
}

static void load_preset(struct session *s, int idx, double now)
{
    if (s->npresets <= 0) {
        session_toast(s, now, true, _("no presets found"));
        return;
    }
    idx = ((idx % s->npresets) + s->npresets) % s->npresets;
    struct scene sc;
    scene_init(&sc);
    char err[512], path[4200];
    snprintf(path, sizeof path, "%s/%s.scene", s->preset_dir, s->presets[idx]);
    if (!scene_load_file(&sc, path, err, sizeof err)) {
        session_toast(s, now, true, "%s", err);
        scene_finish(&sc);
        return;
    }
    if (!session_set_scene(s, &sc, err, sizeof err)) {
        session_toast(s, now, true, "%s", err);
        return;
    }
    s->preset_idx = idx;
    char what[400];
    scene_file_description(path, what, sizeof what);
    session_toast(s, now, false, what[0] ? _("preset %d/%d: %s \xE2\x80\x94 %s")
                                         : _("preset %d/%d: %s"),
                  idx + 1, s->npresets, s->presets[idx], i18n_text(what));
}

static void change_lr(struct session *s, double factor, double now)
{
    if (s->race->n == 0) {
        return;
    }
    struct race_runner *r = &s->race->r[s->selected];
    double old = r->params.lr, lr = old * factor;
    /* Past these a rate says nothing more and the next press could not undo it. */
    if (!(lr >= 1e-12 && lr <= 1e6)) {
        session_toast(s, now, true, _("%s: lr stays %.3g (kept between 1e-12 and 1e6)"),
                      optim_name(r->params.kind), old);
        return;
    }
    r->params.lr = lr;
    optim_format(&r->params, r->label, sizeof r->label);
    if (s->split) {
        split_set_lr(s->split, s->selected, lr);
    }
    session_toast(s, now, false, _("%s: lr %.3g \xE2\x86\x92 %.3g (live, no reset)"),
                  optim_name(r->params.kind), old, lr);
}

static void reset_race(struct session *s, const double start[2])
{
    race_reset(s->race, start);
    if (s->split) {
        split_reset(s->split, start);
    }
    make_subtitle(s);
    s->gen++;
    s->change++;
    s->step_debt = 0.0;
    s->target = s->scene.steps;
}

static void save_scene_action(struct session *s, double now);
static void export_vector_action(struct session *s, double now);
static void export_csv_action(struct session *s, double now);
static void job_collect(struct session *s, double now);

void session_act(struct session *s, enum session_action a, int arg, double now)
{
    struct race *race = s->race;
    s->change++;
    s->input++;
    switch (a) {
    case SESSION_PLAY:
        if (!s->running && session_step(s) >= s->target && race_active(race) > 0) {
            s->target = session_step(s) + (s->scene.steps > 0 ? s->scene.steps : 100);
            session_toast(s, now, false, _("running %ld more steps"), s->target - session_step(s));
        }
        s->running = !s->running;
        s->step_debt = 0.0;
        break;
    case SESSION_STEP:
        s->running = false;
        if (session_step(s) >= s->target) {
            s->target = session_step(s) + 1;
        }
        step_once(s, now);
        break;
    case SESSION_RESET:
        reset_race(s, race->start);
        break;
    case SESSION_FUNC_NEXT:
        load_function(s, s->func_idx + 1, now);
        break;
    case SESSION_FUNC_PREV:
        load_function(s, s->func_idx < 0 ? -1 : s->func_idx - 1, now);
        break;
    case SESSION_PRESET_NEXT:
        load_preset(s, s->preset_idx + 1, now);
        break;
    case SESSION_TOGGLE_RUNNER:
        if (arg >= 0 && arg < race->n) {
            s->shown[arg] = !s->shown[arg];
            session_toast(s, now, false, "%s %s", race->r[arg].label,
                          s->shown[arg] ? _("shown") : _("hidden (it keeps running)"));
        } else {
            session_toast(s, now, true, _("there is no optimizer %d (this race has %d)"), arg + 1,
                          race->n);
        }
        break;
    case SESSION_SELECT_PREV:
    case SESSION_SELECT_NEXT:
        if (race->n > 0) {
            int d = a == SESSION_SELECT_NEXT ? 1 : -1;
            s->selected = ((s->selected + d) % race->n + race->n) % race->n;
        }
        break;
    case SESSION_LR_DOWN:
        change_lr(s, 0.5, now);
        break;
    case SESSION_LR_UP:
        change_lr(s, 2.0, now);
        break;
    case SESSION_SLOWER:
        s->speed_idx = s->speed_idx > 0 ? s->speed_idx - 1 : 0;
        break;
    case SESSION_FASTER:
        s->speed_idx = s->speed_idx + 1 < SESSION_NSPEEDS ? s->speed_idx + 1
                                                          : SESSION_NSPEEDS - 1;
        break;
    case SESSION_LOG:
        s->log_scale = !s->log_scale;
        s->scale_valid = false;
        break;
    case SESSION_CONTOURS:
        s->contours = !s->contours;
        break;
    case SESSION_ARROWS:
        s->arrows = !s->arrows;
        if (s->arrows && s->view3d) {
            session_toast(s, now, false, _("arrows show in the 2-D view (V)"));
        }
        break;
    case SESSION_TRAILS:
        s->trails = !s->trails;
        break;
    case SESSION_VIEW3D:
        if (s->split) {
            session_toast(s, now, false, _("the split view is two 2-D maps"));
            break;
        }
        s->view3d = !s->view3d;
        break;
    case SESSION_HOME:
        memcpy(s->domain, s->res.domain, sizeof s->domain);
        s->scale_valid = false;
        camera_default(s->camera);
        break;
    case SESSION_HELP:
        s->help = !s->help;
        break;
    case SESSION_EXPLAIN:
        s->explain = !s->explain;
        if (s->explain) {
            s->running = false;
            session_toast(s, now, false, _("explain: \xE2\x86\x92 or . takes the step shown; "
                          "\xE2\x86\x91 \xE2\x86\x93 pick the optimizer; I ends"));
        }
        break;
    case SESSION_THEME:
        s->theme = s->theme == SCENE_THEME_LIGHT ? SCENE_THEME_DARK : SCENE_THEME_LIGHT;
        session_toast(s, now, false, "%s",
                      s->theme == SCENE_THEME_LIGHT ? _("light theme (F5)") : _("dark theme (F5)"));
        break;
    case SESSION_LARGE_TEXT:
        s->large_text = !s->large_text;
        session_toast(s, now, false, "%s",
                      s->large_text ? _("large text on (F6)") : _("large text off (F6)"));
        break;
    case SESSION_SAVE_SCENE:
        save_scene_action(s, now);
        break;
    case SESSION_EXPORT_VECTOR:
        export_vector_action(s, now);
        break;
    case SESSION_EXPORT_GIF: {
        char path[4200];
        session_shot_path(s, "gif", path, sizeof path);
        session_record_gif(s, path, now);
        break;
    }
    case SESSION_EXPORT_CSV:
        export_csv_action(s, now);
        break;
    case SESSION_TUNE:
        session_tune_action(s, now);
        break;
    case SESSION_LAMBDA_DOWN:
        split_scale_lambda(s, false, now);
        break;
    case SESSION_LAMBDA_UP:
        split_scale_lambda(s, true, now);
        break;
    case SESSION_NONE:
    case SESSION_SCREENSHOT:
    case SESSION_FULLSCREEN:
    case SESSION_QUIT:
        break;
    }
}

long session_advance(struct session *s, double dt, double now)
{
    job_collect(s, now);
    session_tune_collect(s, now);
    if (!s->running) {
        s->step_debt = 0.0;
        return 0;
    }
    if (race_active(s->race) == 0 || session_step(s) >= s->target) {
        s->running = false;
        s->step_debt = 0.0;
        s->change++;
        s->input++;
        return 0;
    }
    double speed = session_speed(s);
    s->step_debt += speed * dt;
    /* A slow frame (a window drag, a screenshot) must not turn into a burst of steps. */
    double cap = fmax(1.0, speed * 0.1);
    if (s->step_debt > cap) {
        s->step_debt = cap;
    }
    long n = (long)s->step_debt;
    s->step_debt -= (double)n;
    long k = 0;
    for (; k < n && race_active(s->race) > 0 && session_step(s) < s->target; k++) {
        step_once(s, now);
    }
    if (session_step(s) >= s->target || race_active(s->race) == 0) {
        s->running = false;   /* the scene's steps are done: the status says so */
        s->input++;
    }
    return k;
}

static bool job_done(const struct session_job *j);

bool session_busy(const struct session *s, double now)
{
    return s->running || (s->toast[0] && now < s->toast_until + 0.1) ||
           (s->job && job_done(s->job)) || session_tune_ready(s);
}

void session_run_to_target(struct session *s, FILE *log, const char *prefix)
{
    long done = session_step(s);
    race_run(s->race, &done, s->target, log, prefix);
    if (s->split) {
        split_run(s->split, s->target);
    }
    s->change++;
}

/* ======================================================================== mouse */

void session_click(struct session *s, double px, double py, double now)
{
    if (s->view3d) {
        session_toast(s, now, false, _("click in the 2-D view (V) to set the start"));
        return;
    }
    struct figure_rect plot = s->last_plot;
    if (s->split && !figure_rect_contains(&plot, px, py)) {
        plot = s->split->twin.lay.plot;   /* the right plot shows the same plane */
    }
    if (!figure_rect_contains(&plot, px, py)) {
        return;
    }
    struct figure_frame fr = {plot, {0}};
    memcpy(fr.view, s->domain, sizeof fr.view);
    double p[2];
    figure_frame_unmap(&fr, px, py, p);
    char err[256];
    if (!race_start_ok(s->race->obj, p, err, sizeof err)) {
        session_toast(s, now, true, "%s", err);   /* the race stays where it was */
        return;
    }
    reset_race(s, p);
    session_toast(s, now, false, _("start (%.3g, %.3g): every optimizer restarts there"), p[0],
                  p[1]);
}

void session_drag(struct session *s, double dx, double dy)
{
    s->change++;
    s->input++;
    if (s->view3d) {
        camera_rotate(s->camera, dx, dy);
        return;
    }
    if (!(s->last_plot.w > 0 && s->last_plot.h > 0)) {
        return;
    }
    double ux = (s->domain[1] - s->domain[0]) / s->last_plot.w;
    double uy = (s->domain[3] - s->domain[2]) / s->last_plot.h;
    s->domain[0] -= dx * ux;
    s->domain[1] -= dx * ux;
    s->domain[2] += dy * uy;
    s->domain[3] += dy * uy;
    s->scale_valid = false;
}

void session_wheel(struct session *s, double px, double py, double notches)
{
    s->change++;
    s->input++;
    if (s->view3d) {
        camera_zoom(s->camera, notches);
        return;
    }
    struct figure_frame fr = {s->last_plot, {0}};
    memcpy(fr.view, s->domain, sizeof fr.view);
    double p[2] = {0.5 * (s->domain[0] + s->domain[1]), 0.5 * (s->domain[2] + s->domain[3])};
    if (figure_rect_contains(&s->last_plot, px, py)) {
        figure_frame_unmap(&fr, px, py, p);
    }
    double f = pow(0.85, notches);
    double w0 = s->res.domain[1] - s->res.domain[0];
    double w = (s->domain[1] - s->domain[0]) * f;
    if (w < w0 * 1e-5 || w > w0 * 1e3) {
        return;
    }
    for (int k = 0; k < 4; k++) {
        double c = p[k / 2];
        s->domain[k] = c + (s->domain[k] - c) * f;
    }
    s->scale_valid = false;
}

/* ======================================================================== the figure */

/* Runner i's points as the loss plot needs them: at most a few per pixel of the plot (the
 * first, lowest and highest loss of the steps in each pixel), so 10,000-step runs cost what
 * 1,000-step runs do. */
static size_t thin_losses(struct session *s, int i, int width_px, long smax)
{
    const struct traj *t = &s->race->r[i].traj;
    long key[4] = {(long)s->gen, s->race->r[i].step, width_px, smax};
    if (s->loss_pts[i] && !memcmp(key, s->loss_key[i], sizeof key)) {
        return s->loss_n[i];   /* nothing new since the last frame */
    }
    memcpy(s->loss_key[i], key, sizeof key);
    size_t n = traj_count(t);
    if (s->loss_cap[i] < n + 4) {
        s->loss_cap[i] = n + 4;
        s->loss_pts[i] = xrealloc(s->loss_pts[i], s->loss_cap[i] * sizeof **s->loss_pts);
    }
    long bucket = smax / (width_px > 50 ? width_px : 50) + 1;
    struct traj_point *out = s->loss_pts[i];
    size_t k = 0, lo = 0, hi = 0, first = 0;
    for (size_t j = 0; j <= n; j++) {
        struct traj_point p = j < n ? traj_get(t, j) : (struct traj_point){0};
        if (j > 0 && (j == n || p.step / bucket != traj_get(t, first).step / bucket)) {
            /* Flush the bucket [first, j): its first, lowest and highest, in step order. */
            size_t pick[3] = {first, lo < hi ? lo : hi, lo < hi ? hi : lo};
            for (int q = 0; q < 3; q++) {
                if (q == 0 || pick[q] != pick[q - 1]) {
                    out[k++] = traj_get(t, pick[q]);
                }
            }
            first = lo = hi = j;
        }
        if (j < n && j > first) {
            lo = p.loss < traj_get(t, lo).loss ? j : lo;
            hi = p.loss > traj_get(t, hi).loss ? j : hi;
        }
    }
    if (n > 0 && (k == 0 || out[k - 1].step != traj_last(t).step)) {
        out[k++] = traj_last(t);
    }
    s->loss_n[i] = k;
    return k;
}

/* The largest learning rate along a path: its full line width (figure_lr_width). */
static double path_lr_ref(const struct traj *t)
{
    double m = 0.0;
    size_t n = traj_count(t);
    for (size_t j = 0; j < n; j++) {
        double lr = traj_get(t, j).lr;
        m = isfinite(lr) && lr > m ? lr : m;
    }
    return m;
}

static void add_marker(struct figure *fig, double x, double y, double loss,
                       enum figure_marker_shape shape, int color, double size)
{
    if (fig->nmarkers < FIGURE_MAX_MARKERS) {
        fig->marker[fig->nmarkers++] = (struct figure_marker){x, y, loss, shape, color, size};
    }
}

/* The gradient and velocity arrows of the selected runner: lengths grow with the logarithm
 * of the magnitude (a 1000x gradient is visibly, not 1000x, longer). */
static void add_arrows(struct session *s, struct figure *fig)
{
    const struct race_runner *r = &s->race->r[s->selected];
    if (!s->shown[s->selected] || r->diverged) {
        return;
    }
    double base = 0.07 * fmin(fig->lay.plot.w, fig->lay.plot.h);
    double g = hypot(r->grad[0], r->grad[1]);
    fig->arrow[fig->narrows++] = (struct figure_arrow){
        r->p[0], r->p[1], -r->grad[0], -r->grad[1],
        base * (1.0 + 0.35 * fmax(log10(g + 1e-12) + 3.0, 0.0)), {1.0, 1.0, 1.0}};
    double vel[2];
    if (optim_velocity(&r->params, r->state, vel)) {
        double m = hypot(vel[0], vel[1]);
        fig->arrow[fig->narrows++] = (struct figure_arrow){
            r->p[0], r->p[1], -vel[0], -vel[1],
            base * (1.0 + 0.35 * fmax(log10(m + 1e-12) + 3.0, 0.0)), {1.0, 0.62, 0.1}};
    }
}

static void status_lines(struct session *s, struct figure *fig)
{
    long step = session_step(s);
    char more[64] = "";
    const char *state;
    if (s->running) {
        state = _("\xE2\x96\xB6 running");
    } else if (race_active(s->race) == 0) {
        state = _("\xE2\x96\xA0 every optimizer stopped");
    } else if (step >= s->target) {
        state = _("\xE2\x96\xA0 done");
        snprintf(more, sizeof more, _(" \xC2\xB7 Space: %ld more"),
                 s->scene.steps > 0 ? s->scene.steps : 100);
    } else {
        state = _("\xE2\x80\x96 paused");
    }
    snprintf(fig->status[0], sizeof fig->status[0], _("%s \xC2\xB7 step %ld of %ld%s%s"), state,
             step, s->target, more, s->job ? _(" \xC2\xB7 recording GIF\xE2\x80\xA6") : "");
    snprintf(fig->status[1], sizeof fig->status[1],
             _("%g steps/s \xC2\xB7 %s \xC2\xB7 %s colours \xC2\xB7 H help \xC2\xB7 S W E A X save"),
             session_speed(s), s->view3d ? "3-D" : "2-D", s->log_scale ? _("log") : _("linear"));
}

void session_figure(struct session *s, struct figure *fig, int width, int height,
                    enum session_purpose purpose, double now)
{
    const struct race *race = s->race;
    bool window = purpose == SESSION_FOR_WINDOW;
    figure_init(fig, width, height);
    fig->measure = draw_text_measure;
    fig->view3d = s->view3d;
    memcpy(fig->camera, s->camera, sizeof fig->camera);
    /* a scene's own title (a preset's) in the interface's language; the window's title bar and
     * saved scene files keep it as written */
    util_copy_text(fig->title, sizeof fig->title,
                   s->scene.title[0] ? i18n_text(s->title) : s->title);
    snprintf(fig->subtitle, sizeof fig->subtitle, "%s", s->subtitle);
    if (!s->scale_valid) {
        figure_scale_fit_view(&s->scale, race, s->domain, s->log_scale);
        s->scale_valid = true;
    }
    fig->field = (struct figure_field){race, {0}, s->scale, s->contours, s->theme};
    fig->theme = s->theme;
    fig->font_scale = s->large_text ? FIGURE_LARGE_TEXT_SCALE : 0.0;
    memcpy(fig->field.view, s->domain, sizeof fig->field.view);
    fig->axes = true;
    fig->colorbar = true;
    fig->legend = race->n > 0;
    fig->inset = true;
    fig->lrplot = true;
    fig->trails = s->trails;
    fig->minima = true;
    int sel = window ? s->selected : -1;

    /* Legend rows for every runner (hidden ones say so); paths and curves for the shown. */
    long step = session_step(s);
    for (int i = 0; i < race->n; i++) {
        const struct race_runner *r = &race->r[i];
        struct figure_entry *e = &fig->entry[fig->nentries++];
        display_label(&r->params, e->label, sizeof e->label);
        e->color = i;
        e->highlight = i == sel;
        e->hidden = !s->shown[i];
        bool esc = r->escaped;
        e->diverged = r->diverged && !esc;
        const char *hidden = s->shown[i] ? "" : _("hidden \xC2\xB7 ");
        if (esc) {
            snprintf(e->detail, sizeof e->detail, _("%sleft the view downhill at step %ld "
                     "(f \xE2\x86\x92 \xE2\x88\x92\xE2\x88\x9E)"), hidden, r->diverged_step);
        } else if (r->diverged) {
            snprintf(e->detail, sizeof e->detail, _("%sdiverged at step %ld"), hidden,
                     r->diverged_step);
        } else {
            /* a proximal optimizer's point: its exact zeros, the sparsity it reaches */
            char zeros[40] = "";
            if (optim_proximal(r->params.kind)) {
                int z = race_exact_zeros(r);
                snprintf(zeros, sizeof zeros,
                         ngettext(" \xC2\xB7 %d exact zero", " \xC2\xB7 %d exact zeros",
                                  (unsigned long)z),
                         z);
            }
            snprintf(e->detail, sizeof e->detail, _("%sloss %.4g \xC2\xB7 lr %.3g%s%s"), hidden,
                     r->loss, r->lr, zeros, r->step < step ? _(" \xC2\xB7 behind") : "");
        }
        session_tune_detail(s, i, e->detail, sizeof e->detail);
    }
    if (window) {
        status_lines(s, fig);
        if (s->toast[0] && now < s->toast_until) {
            snprintf(fig->toast, sizeof fig->toast, "%s", s->toast);
            fig->toast_error = s->toast_error;
        }
        fig->help = s->help;
        fig->help_title = N_("optiscope \xE2\x80\x94 keys and mouse");
    }
    /* Paths and markers need no size for the layout; lay it out, then size them. */
    for (int k = 0; k < race->n; k++) {
        int i = (sel + 1 + k + race->n) % race->n;   /* the selected one last, on top */
        if (!s->shown[i]) {
            continue;
        }
        const struct race_runner *r = &race->r[i];
        fig->path[fig->npaths++] = (struct figure_path){
            &r->traj, i, 0.0, i == sel, sel >= 0 && i != sel, r->diverged && !r->escaped,
            s->gen, ((unsigned long)r->step << 1) | (unsigned long)r->diverged,
            path_lr_ref(&r->traj)};
    }
    if (s->split) {
        split_figure_pre(s, fig, window);
    }
    figure_layout(fig);
    double F = fig->lay.font;
    for (int k = 0; k < fig->npaths; k++) {
        fig->path[k].width = (fig->path[k].highlight ? 0.26 : 0.17) * F;
    }
    for (int i = 0; i < s->res.nminima && i < FIGURE_MAX_MINIMA; i++) {
        double g[2];
        double x = s->res.minima[i][0], y = s->res.minima[i][1];
        add_marker(fig, x, y, race_objective(race, x, y, g), FIGURE_MARK_STAR, -1, 1.24 * F);
    }
    double g[2];
    add_marker(fig, race->start[0], race->start[1],
               race_objective(race, race->start[0], race->start[1], g), FIGURE_MARK_RING, -1,
               1.0 * F);
    for (int k = 0; k < fig->npaths; k++) {
        int i = fig->path[k].color;
        const struct race_runner *r = &race->r[i];
        bool hl = fig->path[k].highlight;
        if (fig->path[k].diverged) {
            add_marker(fig, r->p[0], r->p[1], r->loss, FIGURE_MARK_CROSS, i, 1.0 * F);
        } else {
            add_marker(fig, r->p[0], r->p[1], r->loss, FIGURE_MARK_DISC, i,
                       (hl ? 0.8 : 0.64) * F);
        }
    }
    if (s->arrows && !s->view3d && race->n > 0) {
        add_arrows(s, fig);
    }
    if (s->split) {
        split_figure_post(s, fig);
    }
    /* The loss plot: x from 0 to the target (the race fills it as it goes). */
    fig->series_steps = s->target > step ? s->target : step;
    int iw = fig->lay.inset.w > 0 ? (int)fig->lay.inset.w : 300;
    for (int k = 0; k < fig->npaths; k++) {
        int i = fig->path[k].color;
        size_t n = s->series_wanted || !s->loss_pts[i] ? thin_losses(s, i, iw, fig->series_steps)
                                                       : s->loss_n[i];
        fig->series[fig->nseries++] = (struct figure_series){
            s->loss_pts[i], n, i, fig->path[k].highlight, fig->path[k].diverged};
    }
    s->last_plot = fig->lay.plot;
    session_explain_figure(s, fig);
    if (window) {
        s->last_fig_w = width;
        s->last_fig_h = height;
    }
}

/* ======================================================================== exports */

bool session_export(struct session *s, const char *path, int width, int height,
                    enum session_purpose purpose, double now, char *err, size_t errlen)
{
    if (s->view3d) {
        snprintf(err, errlen, _("%s: the 3-D view is drawn through OpenGL; it exports as PNG "
                 "only (render --view 3d)"), path);
        return false;
    }
    struct figure *fig = xmalloc(sizeof *fig);
    session_figure(s, fig, width, height, purpose, now);
    bool ok = draw_export(path, fig, err, errlen);
    free(fig);
    return ok;
}

/* The GIF's frames. The field (heatmap, isolines and the split view's lines: most of a
 * frame's drawing) and the chrome around the plots (axes, colour bar, titles) depend only on
 * the layout, the view, the colour scale and the titles, none of which moves while the race
 * runs, so each is drawn once on a surface of its own: a frame starts from a copy of the
 * field, and the chrome is composited where draw_figure would draw it. The trails only grow:
 * they are kept on a layer of their own that each frame draws on (draw_trails_more). The
 * other parts are drawn as draw_figure draws them, in its order. */
struct gif_key {                    /* what the field and the chrome were drawn for */
    struct figure_rect plot, plot2;
    double view[4];
    struct figure_scale scale;
    bool contours;
    double font;
    enum scene_theme theme;
    char title[160], subtitle[256], caption[2][160];
};

struct gif_frames {
    cairo_surface_t *img;           /* the frame being drawn (ARGB32) */
    cairo_t *cr;
    cairo_surface_t *field;         /* field and lines on a clear surface, or NULL */
    cairo_surface_t *chrome;        /* the chrome part on a clear surface, or NULL */
    struct gif_key key;
    cairo_surface_t *trails;        /* the trails so far on a clear surface, or NULL */
    cairo_t *tcr;
    struct draw_trails ts;
};

static void gif_key_of(const struct figure *fig, struct gif_key *k)
{
    memset(k, 0, sizeof *k);   /* padding too: keys compare with memcmp */
    k->plot = fig->lay.plot;
    k->plot2 = fig->lay.plot2;
    memcpy(k->view, fig->field.view, sizeof k->view);
    k->scale = fig->field.scale;
    k->contours = fig->field.contours;
    k->font = fig->lay.font;
    k->theme = fig->theme;
    snprintf(k->title, sizeof k->title, "%s", fig->title);
    snprintf(k->subtitle, sizeof k->subtitle, "%s", fig->subtitle);
    snprintf(k->caption[0], sizeof k->caption[0], "%s", fig->caption);
    snprintf(k->caption[1], sizeof k->caption[1], "%s", fig->twin ? fig->twin->caption : "");
}

static cairo_surface_t *clear_like(cairo_surface_t *img, int width, int height)
{
    return cairo_surface_create_similar_image(img, CAIRO_FORMAT_ARGB32, width, height);
}

/* dst's pixels := src's (image surfaces of one size and format). */
static void copy_pixels(cairo_surface_t *dst, cairo_surface_t *src)
{
    cairo_surface_flush(src);
    cairo_surface_flush(dst);
    int h = cairo_image_surface_get_height(src);
    size_t bytes = (size_t)cairo_image_surface_get_stride(src) * (size_t)h;
    assert(cairo_image_surface_get_stride(dst) == cairo_image_surface_get_stride(src) &&
           cairo_image_surface_get_height(dst) == h);
    memcpy(cairo_image_surface_get_data(dst), cairo_image_surface_get_data(src), bytes);
    cairo_surface_mark_dirty(dst);
}

/* Draws part on *layer (made clear, or created, first). */
static void draw_layer(cairo_surface_t **layer, cairo_surface_t *like, struct figure *fig,
                       enum draw_part first, enum draw_part last)
{
    if (!*layer) {
        *layer = clear_like(like, fig->width, fig->height);
    }
    cairo_t *c = cairo_create(*layer);
    cairo_set_operator(c, CAIRO_OPERATOR_CLEAR);
    cairo_paint(c);
    cairo_set_operator(c, CAIRO_OPERATOR_OVER);
    for (int part = first; part <= (int)last; part++) {
        draw_figure_part(c, fig, (enum draw_part)part);
    }
    cairo_destroy(c);
    cairo_surface_flush(*layer);
}

/* The plots' rectangles (shrunk by `in` pixels) as sub-paths. */
static void plot_rects(cairo_t *cr, const struct figure *fig, double in)
{
    const struct figure_rect *pr[2] = {&fig->lay.plot, &fig->lay.plot2};
    for (int k = 0; k < 2; k++) {
        if (pr[k]->w > 2 * in && pr[k]->h > 2 * in) {
            cairo_rectangle(cr, pr[k]->x + in, pr[k]->y + in, pr[k]->w - 2 * in,
                            pr[k]->h - 2 * in);
        }
    }
}

static void gif_draw(struct gif_frames *g, struct figure *fig)
{
    struct gif_key key;
    gif_key_of(fig, &key);
    if (!g->field || !g->chrome || memcmp(&key, &g->key, sizeof key)) {
        draw_layer(&g->field, g->img, fig, DRAW_PART_FIELD, DRAW_PART_LINES);
        draw_layer(&g->chrome, g->img, fig, DRAW_PART_CHROME, DRAW_PART_CHROME);
        g->key = key;
    }
    copy_pixels(g->img, g->field);
    bool trails = fig->trails;
    if (trails) {
        if (!g->trails) {
            g->trails = clear_like(g->img, fig->width, fig->height);
            g->tcr = cairo_create(g->trails);
        }
        draw_trails_more(g->tcr, fig, &g->ts);
        cairo_surface_flush(g->trails);
        cairo_save(g->cr);
        cairo_set_source_surface(g->cr, g->trails, 0, 0);
        plot_rects(g->cr, fig, 0.0);
        cairo_fill(g->cr);
        cairo_restore(g->cr);
        fig->trails = false;   /* drawn: the plot part adds arrows and markers */
    }
    draw_figure_part(g->cr, fig, DRAW_PART_PLOT);
    /* The chrome where it draws: everywhere but the plots' insides (it paints around the
     * plots; the axes' frames reach a pixel or two into them). */
    cairo_save(g->cr);
    cairo_set_fill_rule(g->cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_rectangle(g->cr, 0, 0, fig->width, fig->height);
    plot_rects(g->cr, fig, ceil(0.07 * fig->lay.font) + 2.0);
    cairo_clip(g->cr);
    cairo_set_source_surface(g->cr, g->chrome, 0, 0);
    cairo_paint(g->cr);
    cairo_restore(g->cr);
    for (int part = DRAW_PART_CHROME + 1; part < DRAW_PARTS; part++) {
        draw_figure_part(g->cr, fig, (enum draw_part)part);
    }
    fig->trails = trails;
}

/* g takes copies of g0's field and chrome (cairo surfaces are not to be shared between
 * threads). */
static void gif_frames_share(struct gif_frames *g, const struct gif_frames *g0, int width,
                             int height)
{
    g->field = clear_like(g->img, width, height);
    g->chrome = clear_like(g->img, width, height);
    copy_pixels(g->field, g0->field);
    copy_pixels(g->chrome, g0->chrome);
    g->key = g0->key;
}

static void gif_frames_free(struct gif_frames *g)
{
    cairo_destroy(g->cr);
    cairo_surface_destroy(g->img);
    if (g->field) {
        cairo_surface_destroy(g->field);
    }
    if (g->chrome) {
        cairo_surface_destroy(g->chrome);
    }
    if (g->trails) {
        cairo_destroy(g->tcr);
        cairo_surface_destroy(g->trails);
    }
}

/* One of the threads drawing GIF frames: frames k, k + n, k + 2n ... of the n drawers, each
 * with its own session (its own race replayed to each frame's step: the same seed gives the
 * same steps), figure and surfaces. Drawer 0 is the caller's session. */
struct gif_drawer {
    struct session *s;              /* drawer 0: the caller's; others own theirs */
    struct figure *fig;
    struct gif_frames g;
    long done;                      /* race steps taken */
    long step;                      /* the step of the frame to draw next */
    bool last;                      /* it is the last frame: trails drawn whole, as render's */
    int width, height;
    const struct draw_gif *gif;     /* the palette the frames are mapped to */
    struct draw_gif_pixels *px[2];  /* mapped frames, by turns: one drawn while one is put */
    int turn;                       /* px[turn] takes the frame drawn next */
    pthread_t thread;
};

/* A batch of mapped frames being written while the drawers draw the next batch. */
struct gif_putter {
    struct draw_gif *gif;
    struct draw_gif_pixels *px[4];
    int delay[4];
    int m;
    bool ok;
    char err[512];
    pthread_t thread;
};

static void *putter_main(void *arg)
{
    struct gif_putter *p = arg;
    for (int i = 0; p->ok && i < p->m; i++) {
        p->ok = draw_gif_put(p->gif, p->px[i], p->delay[i], p->err, sizeof p->err);
    }
    return NULL;
}

static void drawer_frame(struct gif_drawer *d)
{
    race_run(d->s->race, &d->done, d->step, NULL, NULL);
    if (d->s->split) {
        split_run(d->s->split, d->step);
    }
    session_figure(d->s, d->fig, d->width, d->height, SESSION_FOR_EXPORT, 0.0);
    if (d->last) {
        d->g.ts.drawn = false;   /* later runners on top where paths cross, as in a PNG */
    }
    gif_draw(&d->g, d->fig);
    if (d->gif) {
        draw_gif_map(d->gif, d->px[d->turn], d->g.img);
    }
}

static void *drawer_main(void *arg)
{
    drawer_frame(arg);
    return NULL;
}

static int gif_drawer_count(long frames)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    n = n < 1 ? 1 : n > 4 ? 4 : n;   /* past 4 the encoder, which is serial, dominates */
    return frames < 8 ? 1 : (int)n;
}

/* session_export_gif, stopping (no file left) when *cancel turns true. */
static bool export_gif(struct session *s, const char *path, int width, int height, FILE *log,
                       const char *prefix, atomic_bool *cancel, char *err, size_t errlen)
{
    enum { FRAMES = 60, DELAY_CS = 6, HOLD_CS = 300, MAX_DRAWERS = 4 };
    long steps = s->target;
    long frames = steps < FRAMES ? steps : FRAMES;
    int n = gif_drawer_count(frames);
    struct gif_drawer dr[MAX_DRAWERS];
    memset(dr, 0, sizeof dr);
    bool ok = true;
    for (int i = 0; i < n; i++) {
        struct gif_drawer *d = &dr[i];
        d->width = width;
        d->height = height;
        d->fig = xmalloc(sizeof *d->fig);
        d->g.img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
        d->g.cr = cairo_create(d->g.img);
        if (cairo_surface_status(d->g.img) != CAIRO_STATUS_SUCCESS && ok) {
            snprintf(err, errlen, _("%s: cannot allocate a %dx%d frame"), path, width, height);
            ok = false;
        }
        if (i == 0) {
            d->s = s;
            continue;
        }
        struct scene sc;
        session_scene(s, &sc);
        d->s = xmalloc(sizeof *d->s);
        struct session_desc desc = {.scene = &sc, .paused = true};
        char msg[512];
        bool made = session_init(d->s, &desc, msg, sizeof msg);
        scene_finish(&sc);
        assert(made && "the scene of a running session resolves");
        (void)made;
        d->s->view3d = s->view3d;
        d->s->target = steps;
        d->s->selected = s->selected;
        memcpy(d->s->shown, s->shown, sizeof d->s->shown);
    }
    struct draw_gif *gif = NULL;
    if (ok) {
        /* The palette comes from the last frame (which holds every trail colour), so the race
         * runs twice; the same seed makes both runs the same. */
        session_run_to_target(s, log, prefix);
        session_figure(s, dr[0].fig, width, height, SESSION_FOR_EXPORT, 0.0);
        gif_draw(&dr[0].g, dr[0].fig);
        gif = draw_gif_begin(path, width, height, s->theme, dr[0].g.img, err, errlen);
        ok = gif != NULL;
        reset_race(s, s->race->start);
        s->target = steps;
    }
    /* The field and chrome the reference frame drew serve every drawer. */
    for (int i = 1; ok && i < n && dr[0].g.field; i++) {
        gif_frames_share(&dr[i].g, &dr[0].g, width, height);
    }
    /* Batches of n frames, drawn and mapped at once, then written in order on a thread of
     * their own while the next batch is drawn. */
    for (int i = 0; ok && i < n; i++) {
        dr[i].gif = gif;
        dr[i].px[0] = draw_gif_pixels_new(gif);
        dr[i].px[1] = draw_gif_pixels_new(gif);
    }
    struct gif_putter put = {.ok = true};
    bool putting = false;
    for (long k0 = 0; ok && k0 <= frames; k0 += n) {
        if (cancel && atomic_load(cancel)) {
            snprintf(err, errlen, _("%s: recording cancelled"), path);
            ok = false;
            break;
        }
        int m = (int)(frames - k0 + 1 < n ? frames - k0 + 1 : n);
        bool started[MAX_DRAWERS] = {false};
        for (int i = 0; i < m; i++) {
            long k = k0 + i;
            dr[i].step = frames ? steps * k / frames : 0;
            dr[i].last = k == frames;
            started[i] = i > 0 && pthread_create(&dr[i].thread, NULL, drawer_main, &dr[i]) == 0;
        }
        for (int i = 0; i < m; i++) {
            if (i == 0 || !started[i]) {
                drawer_frame(&dr[i]);   /* drawer 0 is this thread; so is any that failed */
            }
        }
        for (int i = 1; i < m; i++) {
            if (started[i]) {
                pthread_join(dr[i].thread, NULL);
            }
        }
        if (putting) {
            pthread_join(put.thread, NULL);
            putting = false;
        }
        if (!put.ok) {
            break;
        }
        put.gif = gif;
        put.m = m;
        for (int i = 0; i < m; i++) {
            put.px[i] = dr[i].px[dr[i].turn];
            put.delay[i] = k0 + i == frames ? HOLD_CS : DELAY_CS;
            dr[i].turn ^= 1;
        }
        putting = pthread_create(&put.thread, NULL, putter_main, &put) == 0;
        if (!putting) {
            putter_main(&put);
        }
    }
    if (putting) {
        pthread_join(put.thread, NULL);
    }
    if (ok && !put.ok) {
        snprintf(err, errlen, "%s", put.err);
        ok = false;
    }
    if (ok) {
        ok = draw_gif_end(gif, err, errlen);
    } else {
        draw_gif_abort(gif);
    }
    for (int i = 0; i < n; i++) {
        struct gif_drawer *d = &dr[i];
        free(d->fig);
        gif_frames_free(&d->g);
        draw_gif_pixels_free(d->px[0]);
        draw_gif_pixels_free(d->px[1]);
        if (i > 0) {
            session_finish(d->s);
            free(d->s);
        }
    }
    return ok;
}

bool session_export_gif(struct session *s, const char *path, int width, int height,
                        FILE *log, const char *prefix, char *err, size_t errlen)
{
    return export_gif(s, path, width, height, log, prefix, NULL, err, errlen);
}

bool session_export_vector(struct session *s, const char *path, int width, int height,
                           char *err, size_t errlen)
{
    bool v3 = s->view3d;
    s->view3d = false;
    bool ok = session_export(s, path, width, height, SESSION_FOR_EXPORT, 0.0, err, errlen);
    s->view3d = v3;
    s->change++;
    return ok;
}

/* ======================================================================== scene files */

void session_scene(const struct session *s, struct scene *out)
{
    scene_copy(out, &s->scene);
    const struct race *r = s->race;
    out->nopt = r->n;
    for (int i = 0; i < r->n; i++) {
        out->opt[i] = r->r[i].params;   /* with the learning rate [ and ] left it at */
    }
    if (r->start[0] != s->res.start[0] || r->start[1] != s->res.start[1]) {
        out->has_start = true;          /* a click moved it */
        out->start[0] = r->start[0];
        out->start[1] = r->start[1];
    }
    out->has_zoom = memcmp(s->domain, s->res.domain, sizeof s->domain) != 0;
    memcpy(out->zoom, s->domain, sizeof out->zoom);
    memcpy(out->camera, s->camera, sizeof out->camera);
    out->view = s->view3d ? SCENE_VIEW_3D : SCENE_VIEW_2D;
    out->contours = s->contours;
    out->trails = s->trails;
    out->arrows = s->arrows;
    out->theme = s->theme;
    out->large_text = s->large_text;
    if (s->log_scale != s->res.log_scale) {
        out->scale = s->log_scale ? SCENE_SCALE_LOG : SCENE_SCALE_LINEAR;   /* L toggled it */
    }
}

bool session_save_scene(const struct session *s, const char *path, char *err, size_t errlen)
{
    struct scene sc;
    session_scene(s, &sc);
    char comment[320];
    /* in English whatever the language: scene files are shared */
    snprintf(comment, sizeof comment, "%s, saved by optiscope's W: `optiscope view --scene "
             "FILE` reopens it, `optiscope render --scene FILE -o F.png` draws it", s->title);
    bool ok = session_write_scene(&sc, path, comment, err, errlen);
    scene_finish(&sc);
    return ok;
}

/* Toasts, and prints for scripts (the window test reads these lines), where a file went. */
static void exported(struct session *s, double now, const char *what, const char *path,
                     const char *more)
{
    snprintf(s->last_export, sizeof s->last_export, "%s", path);
    session_toast(s, now, false, _("saved %s%s"), path, more);
    printf("%s %s\n", what, path);
    fflush(stdout);
}

static void export_failed(struct session *s, double now, const char *what, const char *err)
{
    session_toast(s, now, true, _("%s failed: %s"), what, err);
    fprintf(stderr, _("optiscope: %s failed: %s\n"), what, err);
}

static void save_scene_action(struct session *s, double now)
{
    char path[4200], err[4400];
    session_shot_path(s, "scene", path, sizeof path);
    if (!session_save_scene(s, path, err, sizeof err)) {
        export_failed(s, now, _("saving the scene"), err);
        return;
    }
    exported(s, now, "scene", path, _(" (optiscope view --scene FILE reopens it)"));
}

/* E: FILE.svg and FILE.pdf of the same name, at the size of the last frame (points). */
static void export_vector_action(struct session *s, double now)
{
    int w = s->last_fig_w > 0 ? s->last_fig_w : 1600, h = s->last_fig_h > 0 ? s->last_fig_h : 1000;
    char svg[4200], pdf[4200], err[4400];
    session_shot_path(s, "svg", svg, sizeof svg);
    snprintf(pdf, sizeof pdf, "%.*s.pdf", (int)(strlen(svg) - 4), svg);
    if (access(pdf, F_OK) == 0) {
        session_shot_path(s, "pdf", pdf, sizeof pdf);
    }
    if (!session_export_vector(s, svg, w, h, err, sizeof err) ||
        !session_export_vector(s, pdf, w, h, err, sizeof err)) {
        export_failed(s, now, _("vector export"), err);
        return;
    }
    char more[4400];
    snprintf(more, sizeof more, _(" and %s%s"), svg,
             s->view3d ? _(" (the 2-D figure: vector export is 2-D only)") : "");
    printf("svg %s\n", svg);
    exported(s, now, "pdf", pdf, more);
}

/* ======================================================================== CSV */

/* Labels contain commas ("adam(lr=0.1,beta1=0.8)"): quote them as CSV requires. */
static void write_label(FILE *f, const char *label)
{
    if (strpbrk(label, ",\"")) {
        fputc('"', f);
        for (const char *p = label; *p; p++) {
            if (*p == '"') {
                fputc('"', f);
            }
            fputc(*p, f);
        }
        fputc('"', f);
    } else {
        fputs(label, f);
    }
}

/* Every number a race keeps is finite (race_start_ok refuses a start that is not, and a step
 * that is not stops the runner before it is kept), so no row holds NaN or infinity. */
static void write_row(FILE *f, const struct race_runner *r)
{
    write_label(f, r->label);
    fprintf(f, ",%ld,%.17g,%.17g,%.17g,%.17g,0", r->step, r->p[0], r->p[1], r->loss, r->lr);
}

/* The runner's last row: the step that diverged, its position and loss unknown (empty), the
 * lr it used (empty too when a growing schedule took it past a double's range), diverged = 1.
 * No row of that runner follows. */
static void write_diverged_row(FILE *f, const struct race_runner *r, double lr)
{
    write_label(f, r->label);
    fprintf(f, ",%ld,,,,", r->diverged_step);
    if (isfinite(lr)) {
        fprintf(f, "%.17g", lr);
    }
    fprintf(f, ",1");
}

/* trace --state and --hessian: the columns after `diverged` (explain.h's state names, then
 * the Hessian of the objective and its eigenvalues), empty where there is no such value. */
static void write_extra_header(FILE *f, unsigned cols)
{
    if (cols & SESSION_TRACE_STATE) {
        for (int c = 0; c < EXPLAIN_NCOLS; c++) {
            fprintf(f, ",%s", explain_col_name((enum explain_col)c));
        }
    }
    if (cols & SESSION_TRACE_HESSIAN) {
        fprintf(f, ",hxx,hxy,hyy,lambda_min,lambda_max");
    }
}

/* Ends the row that write_row or write_diverged_row began (without its newline) with the
 * extra columns of runner r after its step; diverged: all empty. */
static void write_extra(FILE *f, unsigned cols, const struct race *race,
                        const struct race_runner *r, bool diverged)
{
    if (cols & SESSION_TRACE_STATE) {
        double val[EXPLAIN_NCOLS];
        bool has[EXPLAIN_NCOLS];
        explain_state(&r->params, r->state, val, has);
        for (int c = 0; c < EXPLAIN_NCOLS; c++) {
            if (has[c] && !diverged) {
                fprintf(f, ",%.17g", val[c]);
            } else {
                fputc(',', f);
            }
        }
    }
    if (cols & SESSION_TRACE_HESSIAN) {
        if (diverged) {
            fprintf(f, ",,,,,");
        } else {
            double h[3], lam[2], vec[2][2];
            expr_eval_hess(race->obj, r->p[0], r->p[1], NULL, h);
            explain_eigen(h, lam, vec);
            fprintf(f, ",%.17g,%.17g,%.17g,%.17g,%.17g", h[0], h[1], h[2], lam[0], lam[1]);
        }
    }
    fputc('\n', f);
}

bool session_trace(const struct scene *scene, long steps, FILE *f, FILE *log,
                   const char *prefix, char *err, size_t errlen)
{
    return session_trace_cols(scene, steps, 0, f, log, prefix, err, errlen);
}

bool session_trace_cols(const struct scene *scene, long steps, unsigned cols, FILE *f,
                        FILE *log, const char *prefix, char *err, size_t errlen)
{
    if (scene->split != SCENE_SPLIT_NONE) {
        snprintf(err, errlen, "%s",
                 _("a split view (split = l1_vs_l2) runs two races; trace one side with "
                   "--split none and --l2 0 (the L1 side) or --l1 0 (the L2 side)"));
        return false;
    }
    struct scene_race sr;
    if (!scene_race_init(&sr, scene, err, errlen)) {
        return false;
    }
    struct race *race = &sr.race;
    fprintf(f, "optimizer,step,x,y,loss,lr,diverged");
    write_extra_header(f, cols);
    fputc('\n', f);
    for (int i = 0; i < race->n; i++) {
        write_row(f, &race->r[i]);
        write_extra(f, cols, race, &race->r[i], false);
    }
    /* a failed write (a full disk, a closed pipe) ends the run: the rest could not land */
    int write_errno = 0;
    for (long k = 1; k <= steps && race_active(race) > 0; k++) {
        if (ferror(f)) {
            write_errno = errno ? errno : EIO;
            break;
        }
        for (int i = 0; i < race->n; i++) {
            struct race_runner *r = &race->r[i];
            if (r->diverged) {
                continue;
            }
            if (race_step_runner(race, i)) {
                write_diverged_row(f, r, sched_lr(optim_schedule(&r->params, &race->sched),
                                                  r->params.lr, r->step));
                write_extra(f, cols, race, r, true);
                if (log) {
                    fflush(f);
                    fprintf(log, "%s: %s diverged at step %ld (last finite point (%.6g, "
                            "%.6g), loss %.6g)\n", prefix, r->label, r->diverged_step,
                            r->p[0], r->p[1], r->loss);
                }
                continue;
            }
            write_row(f, r);
            write_extra(f, cols, race, r, false);
        }
    }
    if (!write_errno && (fflush(f) != 0 || ferror(f))) {
        write_errno = errno ? errno : EIO;
    }
    bool ok = write_errno == 0;
    if (!ok) {
        snprintf(err, errlen, _("cannot write the trace: %s"), strerror(write_errno));
    }
    scene_race_finish(&sr);
    errno = write_errno;   /* for a caller that reports it its own way (stdout) */
    return ok;
}

/* X: the race re-run from its start to the step it stands at, from the scene W would save:
 * the same rows `optiscope trace --scene THAT.scene --steps N` writes (a learning rate changed
 * mid-race counts from step 0 there, and here). */
static void export_csv_action(struct session *s, double now)
{
    char path[4200], err[4400];
    session_shot_path(s, "csv", path, sizeof path);
    struct scene sc;
    session_scene(s, &sc);
    struct util_outfile out;
    bool ok = util_outfile_open(&out, path, err, sizeof err);
    if (ok && !session_trace(&sc, session_step(s), out.f, NULL, NULL, err, sizeof err)) {
        util_outfile_abort(&out);
        ok = false;
    } else if (ok) {
        ok = util_outfile_commit(&out, err, sizeof err);
    }
    scene_finish(&sc);
    if (!ok) {
        export_failed(s, now, _("CSV export"), err);
        return;
    }
    char more[96];
    snprintf(more, sizeof more, _(" (steps 0 to %ld, as optiscope trace writes them)"),
             session_step(s));
    exported(s, now, "csv", path, more);
}

/* ======================================================================== GIF recording */

struct session_job {
    pthread_t thread;
    struct scene scene;             /* what to record (owned) */
    char path[4200];
    atomic_bool cancel;             /* set by the session: stop, leave no file */
    atomic_bool done;               /* set by the worker as it ends */
    bool ok;                        /* the worker's result (read after done) */
    char err[1024];
    double secs;                    /* how long it took */
};

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *job_main(void *arg)
{
    struct session_job *j = arg;
    double t0 = wall_s();
    struct session *gs = xmalloc(sizeof *gs);
    struct session_desc d = {.scene = &j->scene, .paused = true};
    j->ok = session_init(gs, &d, j->err, sizeof j->err);
    if (j->ok) {
        j->ok = export_gif(gs, j->path, SESSION_GIF_WIDTH, SESSION_GIF_HEIGHT, NULL, NULL,
                           &j->cancel, j->err, sizeof j->err);
        session_finish(gs);
    }
    free(gs);
    j->secs = wall_s() - t0;
    atomic_store(&j->done, true);
    return NULL;
}

static bool job_done(const struct session_job *j)
{
    return atomic_load(&((struct session_job *)j)->done);
}

static void job_free(struct session *s)
{
    pthread_join(s->job->thread, NULL);
    scene_finish(&s->job->scene);
    free(s->job);
    s->job = NULL;
}

static void job_cancel(struct session *s)
{
    if (s->job) {
        atomic_store(&s->job->cancel, true);
        job_free(s);
    }
}

static void job_collect(struct session *s, double now)
{
    if (!s->job || !job_done(s->job)) {
        return;
    }
    struct session_job *j = s->job;
    bool ok = j->ok;
    char path[4200], err[1024], more[64];
    snprintf(path, sizeof path, "%s", j->path);
    snprintf(err, sizeof err, "%s", j->err);
    snprintf(more, sizeof more, _(" (%dx%d, recorded in %.1f s)"), SESSION_GIF_WIDTH,
             SESSION_GIF_HEIGHT, j->secs);
    job_free(s);
    if (ok) {
        exported(s, now, "gif", path, more);
    } else {
        export_failed(s, now, _("GIF recording"), err);
    }
}

bool session_recording(const struct session *s)
{
    return s->job != NULL;
}

void session_wait_recording(struct session *s, double now)
{
    while (s->job && !job_done(s->job)) {
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    job_collect(s, now);
}

bool session_record_gif(struct session *s, const char *path, double now)
{
    if (s->job) {
        session_toast(s, now, true, _("already recording %s; wait for it"), s->job->path);
        return false;
    }
    struct session_job *j = xcalloc(1, sizeof *j);
    session_scene(s, &j->scene);
    j->scene.view = SCENE_VIEW_2D;   /* cairo draws the frames: the 2-D figure */
    snprintf(j->path, sizeof j->path, "%s", path);
    atomic_init(&j->cancel, false);
    atomic_init(&j->done, false);
    if (pthread_create(&j->thread, NULL, job_main, j) != 0) {
        session_toast(s, now, true, _("cannot start the GIF recording: %s"), strerror(errno));
        scene_finish(&j->scene);
        free(j);
        return false;
    }
    s->job = j;
    long steps = j->scene.steps;
    session_toast(s, now, false, _("recording\xE2\x80\xA6 steps 0 to %ld as a %dx%d GIF%s"), steps,
                  SESSION_GIF_WIDTH, SESSION_GIF_HEIGHT,
                  s->view3d ? _(" (the 2-D figure: frames are drawn in 2-D)") : "");
    return true;
}

void session_shot_path(const struct session *s, const char *ext, char *out, size_t len)
{
    char stamp[64];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "optiscope-%Y%m%d-%H%M%S", &tm);
    snprintf(out, len, "%s/%s.%s", s->shot_dir, stamp, ext);
    for (int k = 2; access(out, F_OK) == 0 && k < 1000; k++) {
        snprintf(out, len, "%s/%s-%d.%s", s->shot_dir, stamp, k, ext);
    }
}

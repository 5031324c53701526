/* session.c: the toy race as the user drives it: scene, race, what is shown, actions, the
 * animation clock, and the figure of it all, built the same way for the window and exports. */
#include "session/session.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "draw/draw.h"
#include "draw/gif.h"
#include "sim/catalog.h"
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

static void scene_copy(struct scene *dst, const struct scene *src)
{
    *dst = *src;
    dst->expr = src->expr ? xstrdup(src->expr) : NULL;
}

/* "start (3, 4) · 500 steps · constant lr · no penalty · exact gradients": what is on. */
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
        snprintf(sched, sizeof sched, "a schedule per optimizer");
    } else if (sc->sched.kind == SCHED_CONSTANT && sc->sched.warmup == 0) {
        snprintf(sched, sizeof sched, "constant learning rates%s", own ? " for the others" : "");
    } else {
        char f[112];
        sched_format(&sc->sched, f, sizeof f);
        snprintf(sched, sizeof sched, "schedule %s%s", f, own ? " for the others" : "");
    }
    if (r->l1 > 0 && r->l2 > 0) {
        snprintf(pen, sizeof pen, "L1 %g + L2 %g", r->l1, r->l2);
    } else if (r->l1 > 0) {
        snprintf(pen, sizeof pen, "L1 penalty %g\xC2\xB7(|x|+|y|)", r->l1);
    } else if (r->l2 > 0) {
        snprintf(pen, sizeof pen, "L2 penalty %g\xC2\xB7(x\xC2\xB2+y\xC2\xB2)", r->l2);
    } else {
        snprintf(pen, sizeof pen, "no penalty");
    }
    if (r->noise > 0) {
        snprintf(noise, sizeof noise, "gradient noise \xCF\x83 %g (seed %llu)", r->noise,
                 r->seed);
    } else {
        snprintf(noise, sizeof noise, "exact gradients");
    }
    /* A start clicked at the centre is (1e-17, 0) in floating point: say 0. */
    double st[2];
    for (int k = 0; k < 2; k++) {
        double span = r->xmax - r->xmin + r->ymax - r->ymin;
        st[k] = fabs(r->start[k]) < 1e-9 * span ? 0.0 : r->start[k];
    }
    snprintf(s->subtitle, sizeof s->subtitle,
             "start (%.4g, %.4g) \xC2\xB7 %ld steps \xC2\xB7 %s \xC2\xB7 %s \xC2\xB7 %s", st[0],
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
    scene_make_race(sc, &res, race);
    if (s->race) {
        race_finish(s->race);
        free(s->race);
        scene_resolved_finish(&s->res);
        scene_finish(&s->scene);
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
    memcpy(s->domain, res.domain, sizeof s->domain);
    s->log_scale = res.log_scale;
    s->scale_valid = false;
    s->selected = race->n > 0 ? s->selected % race->n : 0;
    s->step_debt = 0.0;
    s->target = s->scene.steps;
    for (int i = 0; i < RACE_MAX; i++) {
        s->shown[i] = true;
    }
    camera_default(s->camera);
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
    s->contours = true;
    s->trails = true;
    s->running = !d->paused;
    s->view3d = d->view3d;
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

void session_finish(struct session *s)
{
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
    struct optim_params alone = *p;   /* its own schedule follows, in short */
    alone.has_sched = false;
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
    for (char *tok = strtok(args, ","); tok && n < sizeof out; tok = strtok(NULL, ",")) {
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", first ? "" : ", ", tok);
        first = false;
    }
    if ((p->kind == OPTIM_MOMENTUM || p->kind == OPTIM_NAG) && !strstr(out, "momentum=") &&
        n < sizeof out) {
        n += (size_t)snprintf(out + n, sizeof out - n, ", momentum=%g", p->momentum);
    }
    if (n < sizeof out) {
        n += (size_t)snprintf(out + n, sizeof out - n, ")");
    }
    if (p->has_sched && n < sizeof out) {
        char sc[128];
        sched_format_short(&p->sched, sc, sizeof sc);
        snprintf(out + n, sizeof out - n, " \xC2\xB7 %s", sc);
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
            session_toast(s, now, false, "%s left the view going downhill at step %ld: the "
                          "function falls without bound there", r->label, r->diverged_step);
        } else {
            session_toast(s, now, true, "%s diverged at step %ld", r->label, r->diverged_step);
            fprintf(stderr, "optiscope: %s diverged at step %ld\n", r->label, r->diverged_step);
        }
    }
}

static void step_once(struct session *s, double now)
{
    report_divergence(s, race_step(s->race), now);
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
        session_toast(s, now, true, "no presets found");
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
    session_toast(s, now, false, "preset %d/%d: %s", idx + 1, s->npresets, s->presets[idx]);
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
        session_toast(s, now, true, "%s: lr stays %.3g (kept between 1e-12 and 1e6)",
                      optim_name(r->params.kind), old);
        return;
    }
    r->params.lr = lr;
    optim_format(&r->params, r->label, sizeof r->label);
    session_toast(s, now, false, "%s: lr %.3g \xE2\x86\x92 %.3g (live, no reset)",
                  optim_name(r->params.kind), old, lr);
}

static void reset_race(struct session *s, const double start[2])
{
    race_reset(s->race, start);
    make_subtitle(s);
    s->gen++;
    s->change++;
    s->step_debt = 0.0;
    s->target = s->scene.steps;
}

void session_act(struct session *s, enum session_action a, int arg, double now)
{
    struct race *race = s->race;
    s->change++;
    s->input++;
    switch (a) {
    case SESSION_PLAY:
        if (!s->running && session_step(s) >= s->target && race_active(race) > 0) {
            s->target = session_step(s) + (s->scene.steps > 0 ? s->scene.steps : 100);
            session_toast(s, now, false, "running %ld more steps", s->target - session_step(s));
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
                          s->shown[arg] ? "shown" : "hidden (it keeps running)");
        } else {
            session_toast(s, now, true, "there is no optimizer %d (this race has %d)", arg + 1,
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
            session_toast(s, now, false, "arrows show in the 2-D view (V)");
        }
        break;
    case SESSION_TRAILS:
        s->trails = !s->trails;
        break;
    case SESSION_VIEW3D:
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
    case SESSION_NONE:
    case SESSION_SCREENSHOT:
    case SESSION_FULLSCREEN:
    case SESSION_QUIT:
        break;
    }
}

long session_advance(struct session *s, double dt, double now)
{
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

bool session_busy(const struct session *s, double now)
{
    return s->running || (s->toast[0] && now < s->toast_until + 0.1);
}

void session_run_to_target(struct session *s, FILE *log, const char *prefix)
{
    long done = session_step(s);
    race_run(s->race, &done, s->target, log, prefix);
    s->change++;
}

/* ======================================================================== mouse */

void session_click(struct session *s, double px, double py, double now)
{
    if (s->view3d) {
        session_toast(s, now, false, "click in the 2-D view (V) to set the start");
        return;
    }
    if (!figure_rect_contains(&s->last_plot, px, py)) {
        return;
    }
    struct figure_frame fr = {s->last_plot, {0}};
    memcpy(fr.view, s->domain, sizeof fr.view);
    double p[2];
    figure_frame_unmap(&fr, px, py, p);
    char err[256];
    if (!race_start_ok(s->race->obj, p, err, sizeof err)) {
        session_toast(s, now, true, "%s", err);   /* the race stays where it was */
        return;
    }
    reset_race(s, p);
    session_toast(s, now, false, "start (%.3g, %.3g): every optimizer restarts there", p[0],
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
 * first, lowest and highest loss of each step bucket), so 10,000-step runs cost what
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
    long bucket = smax / (2 * (width_px > 50 ? width_px : 50)) + 1;
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
        state = "\xE2\x96\xB6 running";
    } else if (race_active(s->race) == 0) {
        state = "\xE2\x96\xA0 every optimizer stopped";
    } else if (step >= s->target) {
        state = "\xE2\x96\xA0 done";
        snprintf(more, sizeof more, " \xC2\xB7 Space: %ld more",
                 s->scene.steps > 0 ? s->scene.steps : 100);
    } else {
        state = "\xE2\x80\x96 paused";
    }
    snprintf(fig->status[0], sizeof fig->status[0], "%s \xC2\xB7 step %ld of %ld%s", state,
             step, s->target, more);
    snprintf(fig->status[1], sizeof fig->status[1],
             "%g steps/s \xC2\xB7 %s \xC2\xB7 %s colours \xC2\xB7 H help \xC2\xB7 S save PNG",
             session_speed(s), s->view3d ? "3-D" : "2-D", s->log_scale ? "log" : "linear");
}

void session_figure(struct session *s, struct figure *fig, int width, int height,
                    enum session_purpose purpose, double now)
{
    const struct race *race = s->race;
    bool window = purpose == SESSION_FOR_WINDOW;
    figure_init(fig, width, height);
    fig->view3d = s->view3d;
    memcpy(fig->camera, s->camera, sizeof fig->camera);
    util_copy_text(fig->title, sizeof fig->title, s->title);
    snprintf(fig->subtitle, sizeof fig->subtitle, "%s", s->subtitle);
    if (!s->scale_valid) {
        figure_scale_fit_view(&s->scale, race, s->domain, s->log_scale);
        s->scale_valid = true;
    }
    fig->field = (struct figure_field){race, {0}, s->scale, s->contours};
    memcpy(fig->field.view, s->domain, sizeof fig->field.view);
    fig->axes = true;
    fig->colorbar = true;
    fig->legend = race->n > 0;
    fig->inset = true;
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
        const char *hidden = s->shown[i] ? "" : "hidden \xC2\xB7 ";
        if (esc) {
            snprintf(e->detail, sizeof e->detail, "%sleft the view downhill at step %ld "
                     "(f \xE2\x86\x92 \xE2\x88\x92\xE2\x88\x9E)", hidden, r->diverged_step);
        } else if (r->diverged) {
            snprintf(e->detail, sizeof e->detail, "%sdiverged at step %ld", hidden,
                     r->diverged_step);
        } else {
            /* a proximal optimizer's point: its exact zeros, the sparsity it reaches */
            char zeros[40] = "";
            if (optim_proximal(r->params.kind)) {
                int z = race_exact_zeros(r);
                snprintf(zeros, sizeof zeros, " \xC2\xB7 %d exact zero%s", z, z == 1 ? "" : "s");
            }
            snprintf(e->detail, sizeof e->detail, "%sloss %.4g \xC2\xB7 lr %.3g%s%s", hidden,
                     r->loss, r->lr, zeros, r->step < step ? " \xC2\xB7 behind" : "");
        }
    }
    if (window) {
        status_lines(s, fig);
        if (s->toast[0] && now < s->toast_until) {
            snprintf(fig->toast, sizeof fig->toast, "%s", s->toast);
            fig->toast_error = s->toast_error;
        }
        fig->help = s->help;
        fig->help_title = "optiscope \xE2\x80\x94 keys and mouse";
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
            s->gen, ((unsigned long)r->step << 1) | (unsigned long)r->diverged};
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
    if (s->arrows && !s->view3d && race->n > 0 && window) {
        add_arrows(s, fig);
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
}

/* ======================================================================== exports */

bool session_export(struct session *s, const char *path, int width, int height,
                    enum session_purpose purpose, double now, char *err, size_t errlen)
{
    if (s->view3d) {
        snprintf(err, errlen, "%s: the 3-D view is drawn through OpenGL; it exports as PNG "
                 "only (render --view 3d)", path);
        return false;
    }
    struct figure *fig = xmalloc(sizeof *fig);
    session_figure(s, fig, width, height, purpose, now);
    bool ok = draw_export(path, fig, err, errlen);
    free(fig);
    return ok;
}

bool session_export_gif(struct session *s, const char *path, int width, int height,
                        FILE *log, const char *prefix, char *err, size_t errlen)
{
    enum { FRAMES = 60, DELAY_CS = 6, HOLD_CS = 300 };
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "%s: cannot allocate a %dx%d frame", path, width, height);
        cairo_surface_destroy(img);
        return false;
    }
    cairo_t *cr = cairo_create(img);
    struct figure *fig = xmalloc(sizeof *fig);
    /* The palette comes from the last frame (which holds every trail colour), so the race
     * runs twice; the same seed makes both runs the same. */
    long steps = s->target;
    session_run_to_target(s, log, prefix);
    session_figure(s, fig, width, height, SESSION_FOR_EXPORT, 0.0);
    draw_figure(cr, fig);
    struct draw_gif *gif = draw_gif_begin(path, width, height, img, err, errlen);
    bool ok = gif != NULL;
    reset_race(s, s->race->start);
    s->target = steps;
    long done = 0;
    long frames = steps < FRAMES ? steps : FRAMES;
    for (long k = 0; ok && k <= frames; k++) {
        race_run(s->race, &done, frames ? steps * k / frames : 0, NULL, NULL);
        session_figure(s, fig, width, height, SESSION_FOR_EXPORT, 0.0);
        draw_figure(cr, fig);
        ok = draw_gif_frame(gif, img, k == frames ? HOLD_CS : DELAY_CS, err, errlen);
    }
    if (ok) {
        ok = draw_gif_end(gif, err, errlen);
    } else {
        draw_gif_abort(gif);
    }
    free(fig);
    cairo_destroy(cr);
    cairo_surface_destroy(img);
    return ok;
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

/* view.c: the live view: a scene's race stepped at a speed in steps per second, the actions
 * keys and mouse map to, and the frame: heatmap or lit surface (gl/), trails and markers, and
 * the cairo panels (draw/) composited over them. */
#include "app/view.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "draw/colormap.h"
#include "sim/catalog.h"
#include "sim/util.h"

/* Height of t = 1 in the 3-D view; the base spans 2 world units. */
#define SURFACE_HEIGHT 0.85f
/* Isolines across the colour range (draw/'s figure uses the same). */
#define LEVELS 16

static const double speeds[] = {1, 2, 5, 10, 20, 30, 60, 120, 250, 500, 1000, 2000, 5000,
                                10000};
#define NSPEEDS ((int)(sizeof speeds / sizeof speeds[0]))
#define DEFAULT_SPEED 6   /* 60 steps/s: a few seconds for the classic races */

double app_view_speed(const struct app_view *v)
{
    return speeds[v->speed_idx];
}

/* ======================================================================== scenes */

static void scene_copy(struct scene *dst, const struct scene *src)
{
    *dst = *src;
    dst->expr = src->expr ? xstrdup(src->expr) : NULL;
}

/* Fits the domain into the plot area and the view to the frame. */
static void update_view(struct app_view *v)
{
    gl_fit_view(v->domain, v->plot, v->fb_w, v->fb_h, v->view);
}

/* The objective as GLSL: the function plus the penalties the race adds. */
static char *objective_glsl(const struct race *race)
{
    char *f = expr_glsl(race->f);
    size_t n = strlen(f) + 256;
    char *s = xmalloc(n);
    if (race->l1 > 0.0 || race->l2 > 0.0) {
        snprintf(s, n, "(%s) + %.9e * (abs(x) + abs(y)) + %.9e * (x * x + y * y)", f, race->l1,
                 race->l2);
    } else {
        snprintf(s, n, "%s", f);
    }
    free(f);
    return s;
}

bool app_view_set_scene(struct app_view *v, struct scene *s, char *err, size_t errlen)
{
    struct scene_resolved res;
    if (!scene_resolve(s, &res, err, errlen)) {
        scene_finish(s);
        return false;
    }
    struct race *race = xcalloc(1, sizeof *race);
    scene_make_race(s, &res, race);
    char *glsl = objective_glsl(race);
    bool ok = gl_renderer_set_function(v->gl, expr_glsl_prelude(), glsl, err, errlen);
    free(glsl);
    if (!ok) {
        race_finish(race);
        free(race);
        scene_resolved_finish(&res);
        scene_finish(s);
        return false;
    }
    if (v->race) {
        race_finish(v->race);
        free(v->race);
        scene_resolved_finish(&v->res);
        scene_finish(&v->scene);
    }
    v->scene = *s;
    v->res = res;
    v->race = race;
    v->race_gen++;
    if (v->scene.title[0]) {
        snprintf(v->title, sizeof v->title, "%s", v->scene.title);
    } else if (res.entry) {
        snprintf(v->title, sizeof v->title, "%s", res.entry->name);
    } else {
        snprintf(v->title, sizeof v->title, "f = %s", v->scene.expr ? v->scene.expr : "?");
    }
    v->func_idx = -1;
    for (size_t i = 0; res.entry && i < catalog_count(); i++) {
        if (catalog_get(i) == res.entry) {
            v->func_idx = (int)i;
        }
    }
    memcpy(v->domain, res.domain, sizeof v->domain);
    v->log_scale = res.log_scale;
    v->scale_valid = false;
    v->selected = v->race->n > 0 ? v->selected % v->race->n : 0;
    v->step_debt = 0.0;
    for (int i = 0; i < RACE_MAX; i++) {
        v->trail_key[i] = -1;
    }
    gl_camera_default(&v->cam);
    v->panels_stale = true;
    return true;
}

bool app_view_init(struct app_view *v, const struct scene *scene, const char *shader_dir,
                   char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    snprintf(v->shader_dir, sizeof v->shader_dir, "%s", shader_dir);
    snprintf(v->shot_dir, sizeof v->shot_dir, ".");
    v->preset_idx = -1;
    v->contours = true;
    v->trails = true;
    v->running = true;
    v->speed_idx = DEFAULT_SPEED;
    v->gl = gl_renderer_create(shader_dir, err, errlen);
    if (!v->gl) {
        return false;
    }
    unsigned char cmap[256 * 3];
    for (int i = 0; i < 256; i++) {
        unsigned c = draw_colormap_rgb24(i / 255.0);
        cmap[3 * i] = (unsigned char)(c >> 16);
        cmap[3 * i + 1] = (unsigned char)(c >> 8);
        cmap[3 * i + 2] = (unsigned char)c;
    }
    gl_renderer_set_colormap(v->gl, cmap);
    struct scene s;
    scene_copy(&s, scene);
    if (!app_view_set_scene(v, &s, err, errlen)) {
        gl_renderer_destroy(v->gl);
        v->gl = NULL;
        return false;
    }
    return true;
}

void app_view_finish(struct app_view *v)
{
    for (int i = 0; i < RACE_MAX; i++) {
        gl_polyline_finish(&v->trail[i]);
    }
    gl_polyline_finish(&v->floor);
    for (int i = 0; i < APP_PANEL_COUNT; i++) {
        gl_panel_finish(&v->panel[i].gl);
        if (v->panel[i].surf) {
            cairo_surface_destroy(v->panel[i].surf);
        }
    }
    gl_renderer_destroy(v->gl);
    if (v->race) {
        race_finish(v->race);
        free(v->race);
        scene_resolved_finish(&v->res);
        scene_finish(&v->scene);
    }
    free(v->presets);
    free(v->scratch);
    free(v->loss_race);
    gl_layer_finish(&v->scene_layer);
    for (int i = 0; i < RACE_MAX; i++) {
        free(v->pt_step[i]);
    }
    for (int i = 0; i < RACE_MAX; i++) {
        free(v->loss_pts[i]);
    }
    memset(v, 0, sizeof *v);
}

/* ======================================================================== toasts */

void app_view_toast(struct app_view *v, double now, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->toast, sizeof v->toast, fmt, ap);
    va_end(ap);
    v->toast_error = error;
    v->toast_until = now + (error ? 6.0 : 3.5);
    v->panel[APP_PANEL_TOAST].drawn_at = -1.0;
}

/* ======================================================================== actions */

static void load_function(struct app_view *v, int idx, double now)
{
    int n = (int)catalog_count();
    idx = ((idx % n) + n) % n;
    const struct catalog_entry *e = catalog_get((size_t)idx);
    struct scene s;
    scene_init(&s);
    char err[512], path[4200];
    snprintf(path, sizeof path, "%s/%s.scene", v->preset_dir, e->name);
    bool from_preset = v->preset_dir[0] && access(path, R_OK) == 0;
    if (from_preset && !scene_load_file(&s, path, err, sizeof err)) {
        app_view_toast(v, now, true, "%s", err);
        scene_finish(&s);
        return;
    }
    if (!from_preset) {
        snprintf(s.function, sizeof s.function, "%s", e->name);
    }
    if (!app_view_set_scene(v, &s, err, sizeof err)) {
        app_view_toast(v, now, true, "%s", err);
        return;
    }
    app_view_toast(v, now, false, "%s: %s", e->name, e->description);
}

static void load_preset(struct app_view *v, int idx, double now)
{
    if (v->npresets <= 0) {
        app_view_toast(v, now, true, "no presets found");
        return;
    }
    idx = ((idx % v->npresets) + v->npresets) % v->npresets;
    struct scene s;
    scene_init(&s);
    char err[512], path[4200];
    snprintf(path, sizeof path, "%s/%s.scene", v->preset_dir, v->presets[idx]);
    if (!scene_load_file(&s, path, err, sizeof err)) {
        app_view_toast(v, now, true, "%s", err);
        scene_finish(&s);
        return;
    }
    if (!app_view_set_scene(v, &s, err, sizeof err)) {
        app_view_toast(v, now, true, "%s", err);
        return;
    }
    v->preset_idx = idx;
    app_view_toast(v, now, false, "preset %d/%d: %s", idx + 1, v->npresets, v->presets[idx]);
}

static void change_lr(struct app_view *v, double factor, double now)
{
    if (v->race->n == 0) {
        return;
    }
    struct race_runner *r = &v->race->r[v->selected];
    double old = r->params.lr;
    r->params.lr = old * factor;
    optim_format(&r->params, r->label, sizeof r->label);
    app_view_toast(v, now, false, "%s: lr %.3g \xE2\x86\x92 %.3g (live, no reset)",
                   optim_name(r->params.kind), old, r->params.lr);
}

static void reset_race(struct app_view *v, const double start[2])
{
    race_reset(v->race, start);
    v->race_gen++;
    for (int i = 0; i < RACE_MAX; i++) {
        v->trail_key[i] = -1;
    }
    v->step_debt = 0.0;
    v->panels_stale = true;
}

static void step_once(struct app_view *v, double now)
{
    unsigned diverged = race_step(v->race);
    for (int i = 0; diverged && i < v->race->n; i++) {
        if (diverged & (1u << i)) {
            app_view_toast(v, now, true, "%s diverged at step %ld", v->race->r[i].label,
                           v->race->r[i].diverged_step);
            fprintf(stderr, "optiscope: %s diverged at step %ld\n", v->race->r[i].label,
                    v->race->r[i].diverged_step);
        }
    }
}

void app_view_action(struct app_view *v, struct app_action a, double now)
{
    struct race *race = v->race;
    v->panels_stale = true;
    switch (a.kind) {
    case APP_ACT_PLAY:
        v->running = !v->running;
        v->step_debt = 0.0;
        break;
    case APP_ACT_STEP:
        v->running = false;
        step_once(v, now);
        break;
    case APP_ACT_RESET:
        reset_race(v, race->start);
        break;
    case APP_ACT_FUNC_NEXT:
        load_function(v, v->func_idx + 1, now);
        break;
    case APP_ACT_FUNC_PREV:
        load_function(v, v->func_idx < 0 ? -1 : v->func_idx - 1, now);
        break;
    case APP_ACT_PRESET_NEXT:
        load_preset(v, v->preset_idx + 1, now);
        break;
    case APP_ACT_TOGGLE_RUNNER:
        if (a.arg >= 0 && a.arg < race->n) {
            race->r[a.arg].enabled = !race->r[a.arg].enabled;
            app_view_toast(v, now, false, "%s %s", race->r[a.arg].label,
                           race->r[a.arg].enabled ? "shown" : "hidden");
        } else {
            app_view_toast(v, now, true, "there is no optimizer %d (this race has %d)",
                           a.arg + 1, race->n);
        }
        break;
    case APP_ACT_SELECT_PREV:
    case APP_ACT_SELECT_NEXT:
        if (race->n > 0) {
            int d = a.kind == APP_ACT_SELECT_NEXT ? 1 : -1;
            v->selected = ((v->selected + d) % race->n + race->n) % race->n;
        }
        break;
    case APP_ACT_LR_DOWN:
        change_lr(v, 0.5, now);
        break;
    case APP_ACT_LR_UP:
        change_lr(v, 2.0, now);
        break;
    case APP_ACT_SLOWER:
        v->speed_idx = v->speed_idx > 0 ? v->speed_idx - 1 : 0;
        break;
    case APP_ACT_FASTER:
        v->speed_idx = v->speed_idx + 1 < NSPEEDS ? v->speed_idx + 1 : NSPEEDS - 1;
        break;
    case APP_ACT_LOG:
        v->log_scale = !v->log_scale;
        v->scale_valid = false;
        break;
    case APP_ACT_CONTOURS:
        v->contours = !v->contours;
        break;
    case APP_ACT_ARROWS:
        v->arrows = !v->arrows;
        break;
    case APP_ACT_TRAILS:
        v->trails = !v->trails;
        break;
    case APP_ACT_VIEW3D:
        v->view3d = !v->view3d;
        break;
    case APP_ACT_HOME:
        memcpy(v->domain, v->res.domain, sizeof v->domain);
        v->scale_valid = false;
        gl_camera_default(&v->cam);
        break;
    case APP_ACT_HELP:
        v->help = !v->help;
        break;
    case APP_ACT_SCREENSHOT:
        v->shot_pending = true;
        break;
    case APP_ACT_NONE:
    case APP_ACT_FULLSCREEN:
    case APP_ACT_QUIT:
        break;
    }
}

void app_view_advance(struct app_view *v, double dt)
{
    if (!v->running || race_active(v->race) == 0) {
        v->step_debt = 0.0;
        return;
    }
    double speed = app_view_speed(v);
    v->step_debt += speed * dt;
    /* A slow frame (a window drag, a screenshot) must not turn into a burst of steps. */
    double cap = fmax(1.0, speed * 0.1);
    if (v->step_debt > cap) {
        v->step_debt = cap;
    }
    long n = (long)v->step_debt;
    v->step_debt -= (double)n;
    for (long k = 0; k < n && race_active(v->race) > 0; k++) {
        step_once(v, 0.0);
    }
}

bool app_view_busy(const struct app_view *v, double now)
{
    return (v->running && race_active(v->race) > 0) || v->panels_stale || v->dirty ||
           v->shot_pending ||
           (v->toast[0] && now < v->toast_until + 0.1) ||
           (v->toast[0] && v->panel[APP_PANEL_TOAST].shown);
}

/* ======================================================================== mouse */

void app_view_click(struct app_view *v, double px, double py, double now)
{
    if (v->view3d) {
        app_view_toast(v, now, false, "click in the 2-D view (V) to set the start");
        return;
    }
    double p[2];
    gl_unproject2d(v->view, v->fb_w, v->fb_h, px, py, p);
    reset_race(v, p);
    app_view_toast(v, now, false, "start (%.3g, %.3g): every optimizer restarts there", p[0],
                   p[1]);
}

void app_view_drag(struct app_view *v, double dx, double dy, bool rotate_or_pan)
{
    if (!rotate_or_pan) {
        return;
    }
    if (v->view3d) {
        gl_camera_rotate(&v->cam, (float)dx, (float)dy);
        v->dirty = true;
        return;
    }
    double upp = (v->view[1] - v->view[0]) / (v->fb_w > 0 ? v->fb_w : 1);
    v->domain[0] -= dx * upp;
    v->domain[1] -= dx * upp;
    v->domain[2] += dy * upp;
    v->domain[3] += dy * upp;
    v->scale_valid = false;
    v->dirty = true;
}

void app_view_wheel(struct app_view *v, double px, double py, double notches)
{
    v->dirty = true;
    if (v->view3d) {
        gl_camera_zoom(&v->cam, (float)notches);
        return;
    }
    double p[2];
    gl_unproject2d(v->view, v->fb_w, v->fb_h, px, py, p);
    double f = pow(0.85, notches);
    double w0 = v->res.domain[1] - v->res.domain[0];
    double w = (v->domain[1] - v->domain[0]) * f;
    if (w < w0 * 1e-5 || w > w0 * 1e3) {
        return;
    }
    for (int k = 0; k < 4; k++) {
        double c = p[k / 2];
        v->domain[k] = c + (v->domain[k] - c) * f;
    }
    v->scale_valid = false;
}

/* ======================================================================== layout and panels */

static cairo_t *measure_begin(void)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
    cairo_t *cr = cairo_create(s);
    cairo_surface_destroy(s);
    return cr;
}

/* A cleared cairo context on the panel's surface, sized w x h. */
static cairo_t *panel_begin(struct app_panel *p, int w, int h)
{
    w = w < 1 ? 1 : w;
    h = h < 1 ? 1 : h;
    if (!p->surf || cairo_image_surface_get_width(p->surf) != w ||
        cairo_image_surface_get_height(p->surf) != h) {
        if (p->surf) {
            cairo_surface_destroy(p->surf);
        }
        p->surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    }
    cairo_t *cr = cairo_create(p->surf);
    cairo_set_operator(cr, CAIRO_OPERATOR_CLEAR);
    cairo_paint(cr);
    cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
    return cr;
}

static void panel_end(struct app_panel *p, cairo_t *cr, double now)
{
    cairo_destroy(cr);
    cairo_surface_flush(p->surf);
    gl_panel_upload(&p->gl, cairo_image_surface_get_data(p->surf),
                    cairo_image_surface_get_width(p->surf),
                    cairo_image_surface_get_height(p->surf),
                    cairo_image_surface_get_stride(p->surf));
    p->drawn_at = now;
}

static long max_step(const struct race *race)
{
    long s = 0;
    for (int i = 0; i < race->n; i++) {
        s = race->r[i].step > s ? race->r[i].step : s;
    }
    return s;
}

/* The HUD's text; buffers belong to the caller. */
static void hud_text(const struct app_view *v, struct draw_hud *h, char *flags, size_t nf,
                     char *sel, size_t ns)
{
    const struct race *race = v->race;
    snprintf(flags, nf, "%s \xC2\xB7 %s colours%s%s%s", v->view3d ? "3-D" : "2-D",
             v->log_scale ? "log" : "linear", v->contours ? " \xC2\xB7 isolines" : "",
             v->trails ? " \xC2\xB7 trails" : "",
             v->arrows && !v->view3d
                 ? " \xC2\xB7 arrows: white \xE2\x88\x92gradient, orange velocity"
                 : "");
    sel[0] = '\0';
    if (race->n > 0) {
        const struct race_runner *r = &race->r[v->selected];
        if (r->diverged) {
            snprintf(sel, ns, "selected: %s \xC2\xB7 DIVERGED at step %ld", r->label,
                     r->diverged_step);
        } else {
            snprintf(sel, ns, "selected: %s \xC2\xB7 loss %.4g \xC2\xB7 lr now %.3g", r->label,
                     r->loss, r->lr);
        }
    }
    *h = (struct draw_hud){
        .title = v->title,
        .step = max_step(race),
        .running = v->running && race_active(race) > 0,
        .speed = app_view_speed(v),
        .flags = flags,
        .selected = sel[0] ? sel : NULL,
        .hint = v->headless ? NULL : "H help \xC2\xB7 Space play/pause \xC2\xB7 S screenshot",
    };
}

/* Sizes and places the panels and the plot area for a width x height frame. */
static void layout(struct app_view *v, int width, int height)
{
    bool resized = width != v->fb_w || height != v->fb_h;
    v->fb_w = width;
    v->fb_h = height;
    double f = fmin(fmax(height / 40.0, 13.0), 34.0);
    f = fmin(f, fmax(width / 60.0, 11.0));
    v->font = f;
    int m = (int)lround(0.6 * f);
    cairo_t *cr = measure_begin();
    char flags[256], sel[256];
    struct draw_hud hud;
    hud_text(v, &hud, flags, sizeof flags, sel, sizeof sel);
    double hw, hh;
    draw_hud_size(cr, &hud, f, &hw, &hh);
    /* Room for the longest status text, so the card does not jump as numbers change. */
    hw = fmax(hw, 30.0 * f);
    double lw = draw_legend_width(cr, v->race, f);
    cairo_destroy(cr);
    struct app_panel *p = v->panel;
    p[APP_PANEL_HUD] = (struct app_panel){p[APP_PANEL_HUD].surf, p[APP_PANEL_HUD].gl, m, m,
                                          (int)hw, (int)hh, true, p[APP_PANEL_HUD].drawn_at};
    int lh = (int)ceil(v->race->n * 2.55 * f + 1.2 * f);
    lh = lh > height - 2 * m ? height - 2 * m : lh;
    p[APP_PANEL_LEGEND].x = width - m - (int)lw;
    p[APP_PANEL_LEGEND].y = m;
    p[APP_PANEL_LEGEND].w = (int)lw;
    p[APP_PANEL_LEGEND].h = lh;
    p[APP_PANEL_LEGEND].shown = v->race->n > 0;
    int iw = (int)fmax(lw, 15.0 * f);
    int ih = (int)fmin(0.68 * iw, height - (m + lh + m) - m);
    p[APP_PANEL_LOSS].x = width - m - iw;
    p[APP_PANEL_LOSS].y = m + lh + m;
    p[APP_PANEL_LOSS].w = iw;
    p[APP_PANEL_LOSS].h = ih;
    p[APP_PANEL_LOSS].shown = ih >= 7.0 * f;
    p[APP_PANEL_HELP].x = 0;
    p[APP_PANEL_HELP].y = 0;
    p[APP_PANEL_HELP].w = width;
    p[APP_PANEL_HELP].h = height;
    p[APP_PANEL_HELP].shown = v->help;
    /* The plot area: left of the legend column, below the HUD, unless that is too small. */
    double x0 = m, y0 = m + hh + m, x1 = width - lw - 2 * m, y1 = height - m;
    if (x1 - x0 < 0.45 * width || y1 - y0 < 0.45 * height) {
        x0 = 0;
        y0 = 0;
        x1 = width;
        y1 = height;
    }
    double plot[4] = {x0, y0, x1 - x0, y1 - y0};
    memcpy(v->plot, plot, sizeof plot);
    if (resized) {
        v->panels_stale = true;
    }
}

static void draw_hud_panel(struct app_view *v, double now)
{
    struct app_panel *p = &v->panel[APP_PANEL_HUD];
    char flags[256], sel[256];
    struct draw_hud hud;
    hud_text(v, &hud, flags, sizeof flags, sel, sizeof sel);
    cairo_t *cr = panel_begin(p, p->w, p->h);
    draw_hud(cr, 0, 0, &hud, v->font);
    panel_end(p, cr, now);
}

static void draw_legend_panel(struct app_view *v, double now)
{
    struct app_panel *p = &v->panel[APP_PANEL_LEGEND];
    cairo_t *cr = panel_begin(p, p->w, p->h);
    struct draw_rect r = {0.5, 0.5, p->w - 1.0, p->h - 1.0};
    draw_legend(cr, &r, v->race, v->selected, v->font, true);
    panel_end(p, cr, now);
}

/* The race as the loss plot needs it: per runner at most a few points per pixel of the plot
 * (the first, lowest and highest loss of each step bucket), so that 10,000-step runs cost
 * what 1,000-step runs do. The copy shares nothing the live race changes. */
static const struct race *thinned_race(struct app_view *v, int width_px)
{
    const struct race *src = v->race;
    if (!v->loss_race) {
        v->loss_race = xmalloc(sizeof *v->loss_race);
    }
    struct race *dst = v->loss_race;
    *dst = *src;
    long smax = 1;
    for (int i = 0; i < src->n; i++) {
        smax = src->r[i].step > smax ? src->r[i].step : smax;
    }
    long bucket = smax / (2 * (width_px > 50 ? width_px : 50)) + 1;
    for (int i = 0; i < src->n; i++) {
        const struct traj *t = &src->r[i].traj;
        size_t n = traj_count(t);
        if (v->loss_cap[i] < n + 4) {
            v->loss_cap[i] = n + 4;
            v->loss_pts[i] = xrealloc(v->loss_pts[i], v->loss_cap[i] * sizeof **v->loss_pts);
        }
        struct traj_point *out = v->loss_pts[i];
        size_t k = 0;
        size_t lo = 0, hi = 0, first = 0;
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
        struct traj *dt = &dst->r[i].traj;
        dt->old = out;
        dt->nold = k;
        dt->cap = v->loss_cap[i];
        dt->nrecent = 0;
        dt->head = 0;
    }
    return dst;
}

static void draw_loss_panel(struct app_view *v, double now)
{
    struct app_panel *p = &v->panel[APP_PANEL_LOSS];
    cairo_t *cr = panel_begin(p, p->w, p->h);
    struct draw_rect r = {0.5, 0.5, p->w - 1.0, p->h - 1.0};
    draw_loss_inset(cr, &r, thinned_race(v, p->w), v->selected, v->font);
    panel_end(p, cr, now);
}

static void draw_panels(struct app_view *v, double now)
{
    struct app_panel *p = v->panel;
    bool running = v->running && race_active(v->race) > 0;
    if (v->panels_stale) {
        /* A state change shows everywhere in the same frame. */
        draw_hud_panel(v, now);
        if (p[APP_PANEL_LEGEND].shown) {
            draw_legend_panel(v, now);
        }
        if (p[APP_PANEL_LOSS].shown) {
            draw_loss_panel(v, now);
        }
    } else if (running) {
        /* While running, the text panels refresh a few times a second, not every frame, and
         * at most one per frame, so that no frame pays for all of them: the most overdue. */
        static const double period[3] = {0.1, 0.25, 0.5};
        double worst = 1.0;
        int which = -1;
        for (int i = 0; i < 3; i++) {
            double late = (now - p[i].drawn_at) / period[i];
            if (p[i].shown && late >= worst) {
                worst = late;
                which = i;
            }
        }
        if (which == APP_PANEL_HUD) {
            draw_hud_panel(v, now);
        } else if (which == APP_PANEL_LEGEND) {
            draw_legend_panel(v, now);
        } else if (which == APP_PANEL_LOSS) {
            draw_loss_panel(v, now);
        }
    }
    double f = v->font;
    if (v->help && (v->panels_stale || p[APP_PANEL_HELP].drawn_at < 0.0 ||
                    !p[APP_PANEL_HELP].surf)) {
        cairo_t *cr = panel_begin(&p[APP_PANEL_HELP], v->fb_w, v->fb_h);
        int n;
        const struct draw_help_entry *e = app_help_entries(&n);
        draw_help(cr, v->fb_w, v->fb_h, "optiscope \xE2\x80\x94 keys and mouse", e, n,
                  fmax(2.0 * f, 18.0));
        panel_end(&p[APP_PANEL_HELP], cr, now);
    }
    struct app_panel *t = &p[APP_PANEL_TOAST];
    t->shown = v->toast[0] && now < v->toast_until;
    if (t->shown && (t->drawn_at < 0.0 || v->panels_stale)) {
        cairo_t *mc = measure_begin();
        double tw, th;
        double tf = 0.9 * f;
        draw_toast_size(mc, v->toast, tf, &tw, &th);
        cairo_destroy(mc);
        tw = fmin(tw, v->fb_w - 2.0);
        cairo_t *cr = panel_begin(t, (int)tw, (int)th);
        draw_toast(cr, 0, 0, v->toast, v->toast_error, tf);
        panel_end(t, cr, now);
        t->w = (int)tw;
        t->h = (int)th;
    }
    t->x = (v->fb_w - t->w) / 2;
    t->y = v->fb_h - t->h - (int)(1.2 * f);
    v->panels_stale = false;
    v->dirty = false;

    for (int i = 0; i < APP_PANEL_COUNT; i++) {
        if (p[i].shown && p[i].surf && (i != APP_PANEL_HELP || v->help)) {
            gl_draw_panel(v->gl, &p[i].gl, p[i].x, p[i].y);
        }
    }
}

/* ======================================================================== the frame */

static void fit_scale(struct app_view *v)
{
    if (v->scale_valid && v->scale_log == v->log_scale &&
        !memcmp(v->scale_domain, v->domain, sizeof v->domain)) {
        return;
    }
    struct draw_field fld;
    draw_field_sample(&fld, v->race, v->domain, 96, 96, false);
    draw_scale_fit(&v->scale, fld.v, (size_t)fld.nx * (size_t)fld.ny, v->log_scale);
    draw_field_finish(&fld);
    if (!(v->scale.hi > v->scale.lo)) {
        v->scale.hi = v->scale.lo + 1.0;
    }
    memcpy(v->scale_domain, v->domain, sizeof v->domain);
    v->scale_log = v->log_scale;
    v->scale_valid = true;
    for (int i = 0; i < RACE_MAX; i++) {
        v->trail_key[i] = -1;
    }
}

/* t of the objective at a point: the surface height there, clamped to the surface. */
static float height_t(const struct app_view *v, double loss)
{
    double t = draw_scale_t(&v->scale, loss);
    return isfinite(t) ? (float)fmin(fmax(t, 0.0), 1.0) : 1.0f;
}

static float *scratch(struct app_view *v, size_t n)
{
    if (n > v->scratch_cap) {
        v->scratch_cap = n * 3 / 2 + 256;
        v->scratch = xrealloc(v->scratch, v->scratch_cap * sizeof *v->scratch);
    }
    return v->scratch;
}

static void upload_trails(struct app_view *v)
{
    for (int i = 0; i < v->race->n; i++) {
        const struct race_runner *r = &v->race->r[i];
        long key = r->step * 2 + r->diverged;
        if (key == v->trail_key[i]) {
            continue;
        }
        size_t n = traj_count(&r->traj);
        float *xyz = scratch(v, 4 * n + 4);
        if (v->pt_cap[i] < n + 1) {
            v->pt_cap[i] = n + 1 + n / 2;
            v->pt_step[i] = xrealloc(v->pt_step[i], v->pt_cap[i] * sizeof **v->pt_step);
        }
        int k = 0;
        /* Points closer than about a pixel to the last one kept add nothing but vertices: a
         * converged runner piles thousands of steps onto one spot. */
        double tx = (v->domain[1] - v->domain[0]) / 2000.0;
        double ty = (v->domain[3] - v->domain[2]) / 2000.0;
        double lx = 0.0, ly = 0.0;
        float lt = 0.0f;
        for (size_t j = 0; j < n; j++) {
            struct traj_point p = traj_get(&r->traj, j);
            if (!isfinite(p.x) || !isfinite(p.y)) {
                continue;
            }
            float t = height_t(v, p.loss) + 0.006f;
            if (k > 0 && j + 1 < n && fabs(p.x - lx) < tx && fabs(p.y - ly) < ty &&
                fabsf(t - lt) < 0.002f) {
                continue;
            }
            xyz[4 * k] = (float)p.x;
            xyz[4 * k + 1] = (float)p.y;
            xyz[4 * k + 2] = t;
            xyz[4 * k + 3] = 0.0f;
            v->pt_step[i][k] = p.step;
            lx = p.x;
            ly = p.y;
            lt = t;
            k++;
        }
        gl_polyline_set(&v->trail[i], xyz, k);
        v->trail_key[i] = key;
    }
}

/* An arrow from p along d (data units) scaled to between min_px and max_px pixels. */
static void arrow(struct app_view *v, const float mvp[16], const double p[2], const double d[2],
                  double len_px, const float rgba[4])
{
    double upp = (v->view[1] - v->view[0]) / v->fb_w;
    double n = hypot(d[0], d[1]);
    if (!(n > 0.0) || !isfinite(n)) {
        return;
    }
    double ux = d[0] / n, uy = d[1] / n, L = len_px * upp, hd = 0.32 * L > 14 * upp ? 14 * upp
                                                                                    : 0.32 * L;
    double tip[2] = {p[0] + ux * L, p[1] + uy * L};
    float z = 0.0f;
    float shaft[8] = {(float)p[0], (float)p[1], z, 0, (float)tip[0], (float)tip[1], z, 0};
    float head[12] = {(float)(tip[0] - hd * (ux * 0.87 - uy * 0.5)),
                      (float)(tip[1] - hd * (uy * 0.87 + ux * 0.5)), z, 0,
                      (float)tip[0], (float)tip[1], z, 0,
                      (float)(tip[0] - hd * (ux * 0.87 + uy * 0.5)),
                      (float)(tip[1] - hd * (uy * 0.87 - ux * 0.5)), z, 0};
    gl_draw_lines_now(v->gl, shaft, 2, mvp, 3.0f, rgba, 1.5f);
    gl_draw_lines_now(v->gl, head, 3, mvp, 3.0f, rgba, 1.5f);
}

static void paint_arrows(struct app_view *v, const float mvp[16])
{
    const struct race_runner *r = &v->race->r[v->selected];
    if (!r->enabled || r->diverged) {
        return;
    }
    /* Lengths grow with the logarithm of the magnitude: a 1000x gradient is not 1000x longer
     * on screen, but it is visibly longer. */
    double base = 0.07 * fmin(v->fb_w, v->fb_h);
    double g = hypot(r->grad[0], r->grad[1]);
    double ng[2] = {-r->grad[0], -r->grad[1]};
    const float white[4] = {1.0f, 1.0f, 1.0f, 1.0f};
    arrow(v, mvp, r->p, ng, base * (1.0 + 0.35 * fmax(log10(g + 1e-12) + 3.0, 0.0)), white);
    double vel[2];
    if (optim_velocity(&r->params, r->state, vel)) {
        double m = hypot(vel[0], vel[1]);
        double nv[2] = {-vel[0], -vel[1]};
        const float orange[4] = {1.0f, 0.62f, 0.1f, 1.0f};
        arrow(v, mvp, r->p, nv, base * (1.0 + 0.35 * fmax(log10(m + 1e-12) + 3.0, 0.0)),
              orange);
    }
}

static void paint_markers(struct app_view *v, const float mvp[16])
{
    struct gl_marker m[RACE_MAX + CATALOG_MAX_MINIMA + 1];
    int n = 0;
    for (int i = 0; i < v->res.nminima; i++) {
        double g[2];
        double f = race_objective(v->race, v->res.minima[i][0], v->res.minima[i][1], g);
        m[n++] = (struct gl_marker){{(float)v->res.minima[i][0], (float)v->res.minima[i][1],
                                     height_t(v, f) + 0.006f},
                                    {1.0f, 1.0f, 1.0f, 1.0f}, 0.8f * (float)v->font,
                                    GL_MARKER_DIAMOND};
    }
    double g[2];
    double f0 = race_objective(v->race, v->race->start[0], v->race->start[1], g);
    m[n++] = (struct gl_marker){{(float)v->race->start[0], (float)v->race->start[1],
                                 height_t(v, f0) + 0.006f},
                                {1.0f, 1.0f, 1.0f, 1.0f}, 0.9f * (float)v->font,
                                GL_MARKER_RING};
    /* The selected runner last, on top. */
    for (int k = 0; k < v->race->n; k++) {
        int i = (v->selected + 1 + k) % v->race->n;
        const struct race_runner *r = &v->race->r[i];
        if (!r->enabled) {
            continue;
        }
        double rgb[3];
        draw_runner_color(i, rgb);
        float size = (i == v->selected ? 0.95f : 0.7f) * (float)v->font;
        m[n++] = (struct gl_marker){{(float)r->p[0], (float)r->p[1], height_t(v, r->loss) +
                                                                         0.006f},
                                    {(float)rgb[0], (float)rgb[1], (float)rgb[2], 1.0f},
                                    r->diverged ? 1.3f * size : size,
                                    r->diverged ? GL_MARKER_CROSS : GL_MARKER_DISC};
    }
    gl_draw_markers(v->gl, m, n, mvp);
}

static void trail_style(const struct app_view *v, int i, const double *clip,
                        struct gl_line_style *st)
{
    double rgb[3];
    draw_runner_color(i, rgb);
    float w = (i == v->selected ? 0.2f : 0.13f) * (float)v->font;
    *st = (struct gl_line_style){.width = w < 2.0f ? 2.0f : w,
                                 .rgba = {(float)rgb[0], (float)rgb[1], (float)rgb[2], 1.0f},
                                 .rim = 1.25f, .clip = clip, .occlude = v->view3d};
}

/* The last uploaded point of runner i at or before step s (points are in step order). */
static int point_at_step(const struct app_view *v, int i, long s)
{
    int lo = 0, hi = v->trail[i].n - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (v->pt_step[i][mid] <= s) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    return lo;
}

/* Trails go into the scene layer, which keeps what was drawn: each frame adds only the new
 * segments of each runner (a 10,000-step trail that zigzags in place costs nothing once
 * drawn). `full`: the layer was just cleared; draw every trail whole. */
static void paint_trails(struct app_view *v, const float mvp[16], const double *clip, bool full)
{
    for (int k = 0; k < v->race->n; k++) {
        int i = (v->selected + 1 + k) % v->race->n;
        const struct race_runner *r = &v->race->r[i];
        if (!r->enabled || v->trail[i].n < 2) {
            continue;
        }
        int first = 0;
        if (!full && v->layer_step[i] >= 0) {
            first = point_at_step(v, i, v->layer_step[i]);
        }
        if (full || first < v->trail[i].n - 1) {
            struct gl_line_style st;
            trail_style(v, i, clip, &st);
            gl_draw_polyline_range(v->gl, &v->trail[i], first, v->trail[i].n - first, mvp, &st);
        }
        v->layer_step[i] = v->pt_step[i][v->trail[i].n - 1];
    }
}

static struct app_scene_key scene_key(const struct app_view *v, const float mvp[16])
{
    struct app_scene_key k;
    memset(&k, 0, sizeof k);   /* padding too: compared with memcmp */
    memcpy(k.mvp, mvp, sizeof k.mvp);
    memcpy(k.view, v->view, sizeof k.view);
    memcpy(k.domain, v->domain, sizeof k.domain);
    k.scale[0] = v->scale.fmin;
    k.scale[1] = v->scale.eps;
    k.scale[2] = v->scale.lo;
    k.scale[3] = v->scale.hi;
    k.w = v->fb_w;
    k.h = v->fb_h;
    k.selected = v->selected;
    k.n = v->race->n;
    for (int i = 0; i < v->race->n; i++) {
        k.enabled |= (unsigned)v->race->r[i].enabled << i;
    }
    k.gen = v->race_gen;
    k.view3d = v->view3d;
    k.trails = v->trails;
    k.contours = v->contours;
    k.log = v->scale.log;
    k.font = v->font;
    return k;
}

static void save_screenshot(struct app_view *v, double now);
static void draw_scene_layer(struct app_view *v, const float mvp[16], const struct gl_scale *gs,
                             const float bg[3], const struct app_scene_key *key, bool full,
                             double *t);

static double clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* In profile mode: waits for the GPU, adds the time since *t to the phase. */
static void phase_end(struct app_view *v, int phase, double *t)
{
    if (v->profile) {
        glFinish();
        double now = clock_ms();
        v->phase_ms[phase] += now - *t;
        *t = now;
    }
}

void app_view_draw(struct app_view *v, int width, int height, double now)
{
    double t = v->profile ? clock_ms() : 0.0;
    layout(v, width, height);
    update_view(v);
    fit_scale(v);
    upload_trails(v);
    phase_end(v, APP_PHASE_PREPARE, &t);
    struct gl_scale gs = {v->scale.log, v->scale.fmin, v->scale.eps, v->scale.lo, v->scale.hi};
    float mvp[16];
    const float bg2[3] = {0.0f, 0.0f, 0.0f}, bg3[3] = {0.11f, 0.12f, 0.15f};
    const float *bg = v->view3d ? bg3 : bg2;
    if (!v->view3d) {
        gl_mat4_view2d(mvp, v->view);
    } else {
        float cam[16], model[16];
        gl_camera_matrix(&v->cam, (float)width / (float)height, cam);
        /* Centre the surface in the plot area (left of the legend), not the window. */
        float shift[16];
        gl_mat4_identity(shift);
        shift[12] = (float)((v->plot[0] + 0.5 * v->plot[2]) / width * 2.0 - 1.0);
        shift[13] = (float)(1.0 - (v->plot[1] + 0.5 * v->plot[3]) / height * 2.0);
        gl_mat4_mul(cam, shift, cam);
        gl_mat4_data_to_world(model, v->domain, SURFACE_HEIGHT);
        gl_mat4_mul(mvp, cam, model);
    }
    gl_begin_frame(v->gl, width, height, bg);
    /* The scene layer: background and trails, redrawn whole only when the picture moved. The
     * window's first 2-D frame skips it and draws straight into the window: allocating,
     * clearing and copying the frame-sized layer and heatmap textures would cost ~25 ms before
     * anything is on screen. The next frame builds them (its key differs: the layer is empty). */
    struct app_scene_key key = scene_key(v, mvp);
    bool direct = !v->view3d && v->scene_layer.fbo == 0 && v->frames == 0;
    bool full = memcmp(&key, &v->layer_key, sizeof key) != 0 || v->scene_layer.w != width ||
                v->scene_layer.h != height;
    if (direct) {
        gl_draw_heatmap_uncached(v->gl, v->view, &gs, v->contours, LEVELS);
        phase_end(v, APP_PHASE_SURFACE, &t);
        if (v->trails) {
            paint_trails(v, mvp, NULL, true);
        }
    } else {
        draw_scene_layer(v, mvp, &gs, bg, &key, full, &t);
    }
    if (!v->view3d && v->arrows && v->race->n > 0) {
        paint_arrows(v, mvp);
    }
    paint_markers(v, mvp);
    phase_end(v, APP_PHASE_PATHS, &t);
    draw_panels(v, now);
    phase_end(v, APP_PHASE_PANELS, &t);
    if (v->shot_pending) {
        v->shot_pending = false;
        save_screenshot(v, now);
    }
    const char *e = gl_error_string();
    if (e && !v->gl_error) {
        v->gl_error = e;
        fprintf(stderr, "optiscope: GL error %s in frame %ld\n", e, v->frames);
    }
    v->frames++;
}

/* The heatmap or the surface and the trails through the cached scene layer, copied into the
 * frame; `full`: the layer no longer matches `key` and is redrawn whole. */
static void draw_scene_layer(struct app_view *v, const float mvp[16], const struct gl_scale *gs,
                             const float bg[3], const struct app_scene_key *key, bool full,
                             double *t)
{
    gl_layer_begin(v->gl, &v->scene_layer, full, v->view3d);
    if (full) {
        if (!v->view3d) {
            gl_draw_heatmap(v->gl, v->view, gs, v->contours, LEVELS);
        } else {
            float eye[3];
            gl_camera_eye(&v->cam, eye);
            gl_draw_surface(v->gl, v->domain, gs, v->contours, LEVELS, mvp, SURFACE_HEIGHT,
                            eye, bg);
            /* The base rectangle, for a sense of the floor. */
            const double *d = v->domain;
            float base[20] = {(float)d[0], (float)d[2], 0, 0, (float)d[1], (float)d[2], 0, 0,
                              (float)d[1], (float)d[3], 0, 0, (float)d[0], (float)d[3], 0, 0,
                              (float)d[0], (float)d[2], 0, 0};
            gl_polyline_set(&v->floor, base, 5);
            struct gl_line_style st = {.width = 1.5f, .rgba = {0.55f, 0.58f, 0.65f, 0.8f},
                                       .occlude = true};
            gl_draw_polyline_range(v->gl, &v->floor, 0, 5, mvp, &st);
        }
        for (int i = 0; i < RACE_MAX; i++) {
            v->layer_step[i] = -1;
        }
    }
    phase_end(v, APP_PHASE_SURFACE, t);
    if (v->trails) {
        paint_trails(v, mvp, v->view3d ? v->domain : NULL, full);
    }
    gl_layer_end(v->gl);
    v->layer_key = *key;
    gl_blit_layer(v->gl, &v->scene_layer);
}

/* ======================================================================== PNG of the frame */

/* cairo's PNG writer into an open file. */
static cairo_status_t write_file(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, (FILE *)closure) == len ? CAIRO_STATUS_SUCCESS
                                                        : CAIRO_STATUS_WRITE_ERROR;
}

bool app_write_frame_png(int width, int height, const char *path, char *err, size_t errlen)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "%s: cannot allocate a %dx%d image", path, width, height);
        cairo_surface_destroy(s);
        return false;
    }
    cairo_surface_flush(s);
    gl_read_pixels(width, height, cairo_image_surface_get_data(s),
                   cairo_image_surface_get_stride(s));
    cairo_surface_mark_dirty(s);
    struct util_outfile out;
    if (!util_outfile_open(&out, path, err, errlen)) {
        cairo_surface_destroy(s);
        return false;
    }
    cairo_status_t st = cairo_surface_write_to_png_stream(s, write_file, out.f);
    cairo_surface_destroy(s);
    if (st != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "%s: cannot write: %s", path, cairo_status_to_string(st));
        util_outfile_abort(&out);
        return false;
    }
    return util_outfile_commit(&out, err, errlen);
}

/* optiscope-YYYYmmdd-HHMMSS.png in the shot folder, -2, -3 ... when taken. */
static void save_screenshot(struct app_view *v, double now)
{
    char stamp[64], path[4200], err[4400];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "optiscope-%Y%m%d-%H%M%S", &tm);
    snprintf(path, sizeof path, "%s/%s.png", v->shot_dir, stamp);
    for (int k = 2; access(path, F_OK) == 0 && k < 1000; k++) {
        snprintf(path, sizeof path, "%s/%s-%d.png", v->shot_dir, stamp, k);
    }
    if (!app_write_frame_png(v->fb_w, v->fb_h, path, err, sizeof err)) {
        app_view_toast(v, now, true, "screenshot failed: %s", err);
        fprintf(stderr, "optiscope: screenshot failed: %s\n", err);
        return;
    }
    snprintf(v->last_shot, sizeof v->last_shot, "%s", path);
    app_view_toast(v, now, false, "saved %s (%dx%d)", path, v->fb_w, v->fb_h);
    printf("screenshot %s\n", path);
    fflush(stdout);
}

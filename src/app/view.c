/* view.c: the session's figure in GL: the plot through gl/'s figure renderer, the panels
 * (chrome, legend, loss plot, status, toast, help) drawn by draw/ into textures, redrawn only
 * when what they show changed, and composited over the plot. */
#include "app/view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/panel.h"
#include "draw/draw.h"
#include "sim/i18n.h"
#include "draw/explain.h"
#include "figure/theme.h"
#include "sim/util.h"

/* ======================================================================== set-up */

/* Compiles the field programs for the session's scene when it changed; on failure the old
 * programs stay and a toast says why. */
static bool sync_function(struct app_view *v, double now, char *err, size_t errlen)
{
    if (v->scene_gen == v->s->scene_gen) {
        return true;
    }
    /* The objective (function and penalties) is one expression: its GLSL is what the race
     * steps on. */
    char *glsl = expr_glsl(v->s->race->obj);
    bool ok = gl_renderer_set_function(v->gl, expr_glsl_prelude(), glsl, err, errlen);
    free(glsl);
    if (!ok) {
        session_toast(v->s, now, true, _("the window cannot draw this function: %s"), err);
        return false;
    }
    v->scene_gen = v->s->scene_gen;
    return true;
}

/* Gives GL the colour map and isoline colour of the session's theme when it changed (F5). */
static void sync_theme(struct app_view *v)
{
    if (v->cmap_theme == (int)v->s->theme) {
        return;
    }
    enum scene_theme th = v->s->theme;
    unsigned char cmap[256 * 3];
    for (int i = 0; i < 256; i++) {
        unsigned c = draw_colormap_theme_rgb24(th, i / 255.0);
        cmap[3 * i] = (unsigned char)(c >> 16);
        cmap[3 * i + 1] = (unsigned char)(c >> 8);
        cmap[3 * i + 2] = (unsigned char)c;
    }
    gl_renderer_set_colormap(v->gl, cmap);
    const double *iso = figure_theme_of(th)->isoline_gl;
    gl_renderer_set_isolines(v->gl, (const float[3]){(float)iso[0], (float)iso[1],
                                                     (float)iso[2]});
    v->cmap_theme = (int)th;
}

bool app_view_init(struct app_view *v, struct session *s, enum session_purpose purpose,
                   const char *shader_dir, char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    v->s = s;
    v->purpose = purpose;
    v->fig = xcalloc(1, sizeof *v->fig);
    for (int i = 0; i < APP_PANEL_COUNT; i++) {
        v->panel[i].drawn_at = -1.0;
    }
    v->gl = gl_renderer_create(shader_dir, err, errlen);
    if (!v->gl) {
        return false;
    }
    v->cmap_theme = -1;
    sync_theme(v);
    v->scene_gen = s->scene_gen - 1;
    return sync_function(v, 0.0, err, errlen);
}

void app_view_finish(struct app_view *v)
{
    app_settings_destroy(v->settings);
    for (int i = 0; i < APP_PANEL_COUNT; i++) {
        gl_panel_finish(&v->panel[i].gl);
        if (v->panel[i].surf) {
            cairo_surface_destroy(v->panel[i].surf);
        }
    }
    gl_panel_finish(&v->split_plot.gl);
    if (v->split_plot.surf) {
        cairo_surface_destroy(v->split_plot.surf);
    }
    if (v->gl) {
        gl_figure_finish(&v->glf);
    }
    gl_renderer_destroy(v->gl);
    if (v->s) {
        session_finish(v->s);
        free(v->s);
    }
    free(v->fig);
    memset(v, 0, sizeof *v);
}

/* ======================================================================== actions */

void app_view_action(struct app_view *v, enum session_action a, int arg, double now)
{
    if (a == SESSION_SCREENSHOT) {
        v->shot_pending = true;
        return;
    }
    session_act(v->s, a, arg, now);
}

bool app_view_busy(const struct app_view *v, double now)
{
    const struct app_panel *t = &v->panel[APP_PANEL_TOAST];
    return session_busy(v->s, now) || v->shot_pending || v->input_seen != v->s->input ||
           v->explain_key[3] != v->s->hover_gen ||
           (v->panel[APP_PANEL_EXPLAIN].shown &&
            v->explain_key[1] != (unsigned long)session_step(v->s)) ||
           (t->shown && now >= v->s->toast_until) ||
           (v->settings && app_settings_busy(v->settings, v->s));
}

/* ======================================================================== panels */

void app_panel_paint(struct app_panel *p, int x, int y, int w, int h,
                     void (*paint)(cairo_t *cr, const void *ud), const void *ud, double now)
{
    if (w < 1 || h < 1) {
        p->shown = false;
        return;
    }
    app_panel_paint_surface(app_panel_surface(p, w, h), x, y, paint, ud);
    app_panel_upload(p, x, y, now);
}

cairo_surface_t *app_panel_surface(struct app_panel *p, int w, int h)
{
    if (!p->surf || cairo_image_surface_get_width(p->surf) != w ||
        cairo_image_surface_get_height(p->surf) != h) {
        if (p->surf) {
            cairo_surface_destroy(p->surf);
        }
        p->surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    }
    return p->surf;
}

void app_panel_paint_surface(cairo_surface_t *surf, int x, int y,
                             void (*paint)(cairo_t *cr, const void *ud), const void *ud)
{
    cairo_t *cr = cairo_create(surf);
    cairo_set_operator(cr, CAIRO_OPERATOR_CLEAR);
    cairo_paint(cr);
    cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
    cairo_translate(cr, -x, -y);
    paint(cr, ud);
    cairo_destroy(cr);
    cairo_surface_flush(surf);
}

void app_panel_upload(struct app_panel *p, int x, int y, double now)
{
    gl_panel_upload(&p->gl, cairo_image_surface_get_data(p->surf),
                    cairo_image_surface_get_width(p->surf),
                    cairo_image_surface_get_height(p->surf),
                    cairo_image_surface_get_stride(p->surf));
    p->x = x;
    p->y = y;
    p->drawn_at = now;
    p->shown = true;
}

struct figure_part_job {
    const struct figure *fig;
    enum draw_part part;
};

static void paint_figure_part(cairo_t *cr, const void *ud)
{
    const struct figure_part_job *j = ud;
    draw_figure_part(cr, j->fig, j->part);
}

/* Draws one part of the figure into panel p covering rect r (frame pixels), then uploads it. */
static void paint_panel(struct app_panel *p, const struct figure *fig, enum draw_part part,
                        struct figure_rect r, double now)
{
    int x = (int)floor(r.x) - 1, y = (int)floor(r.y) - 1;
    int w = (int)ceil(r.x + r.w) + 2 - x, h = (int)ceil(r.y + r.h) + 2 - y;
    x = x < 0 ? 0 : x;
    y = y < 0 ? 0 : y;
    w = w < 1 ? 1 : (x + w > fig->width ? fig->width - x : w);
    h = h < 1 ? 1 : (y + h > fig->height ? fig->height - y : h);
    app_panel_paint(p, x, y, w, h, paint_figure_part, &(struct figure_part_job){fig, part}, now);
}

static struct app_chrome_key chrome_key(const struct figure *fig)
{
    struct app_chrome_key k;
    memset(&k, 0, sizeof k);   /* compared with memcmp */
    k.lang = i18n_generation();
    k.w = fig->width;
    k.h = fig->height;
    k.view3d = fig->view3d;
    memcpy(k.view, fig->field.view, sizeof k.view);
    const struct figure_scale *s = &fig->field.scale;
    k.scale[0] = s->fmin;
    k.scale[1] = s->eps;
    k.scale[2] = s->lo;
    k.scale[3] = s->hi;
    k.log = s->log;
    k.theme = (int)fig->theme;
    k.font_scale = fig->font_scale;
    snprintf(k.title, sizeof k.title, "%s", fig->title);
    snprintf(k.subtitle, sizeof k.subtitle, "%s", fig->subtitle);
    return k;
}

/* The chrome (background around the plot, axes, colour bar, titles): repainted when what it
 * shows changed. */
static void update_chrome(struct app_view *v, double now)
{
    const struct figure *fig = v->fig;
    struct app_panel *c = &v->panel[APP_PANEL_CHROME];
    struct figure_rect whole = {0, 0, fig->width, fig->height};
    struct app_chrome_key ck = chrome_key(fig);
    if (v->chrome_gen == 0 || memcmp(&ck, &v->chrome_key, sizeof ck)) {
        paint_panel(c, fig, DRAW_PART_CHROME, whole, now);
        v->chrome_key = ck;
        v->chrome_gen++;
        /* The texture keeps it; a frame-sized image on the CPU side is memory for nothing. */
        cairo_surface_destroy(c->surf);
        c->surf = NULL;
    }
}

/* ======================================================================== split views */

static void paint_split_base(cairo_t *cr, const void *ud)
{
    const struct figure *fig = ud;
    cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
    cairo_paint(cr);
    draw_figure_part(cr, fig, DRAW_PART_FIELD);
    draw_figure_part(cr, fig, DRAW_PART_LINES);
    draw_figure_part(cr, fig, DRAW_PART_CHROME);
}

static void paint_split_plot(cairo_t *cr, const void *ud)
{
    draw_figure_part(cr, ud, DRAW_PART_PLOT);
}

/* The split view's two plots, drawn by cairo as `render` draws them: the fields, lines and
 * chrome (costly: two heatmaps and the outlined level sets) only when what they show changed
 * (the view, the scale, the captions that say lambda), the paths over them when the session
 * changed. The text panels follow as in the one-plot view. */
static void draw_split(struct app_view *v, double now)
{
    const struct figure *fig = v->fig;
    struct app_panel *c = &v->panel[APP_PANEL_CHROME];
    struct app_chrome_key ck = chrome_key(fig);
    const char *caps[2] = {fig->caption, fig->twin->caption};
    bool caps_same = !strcmp(caps[0], v->split_caps[0]) && !strcmp(caps[1], v->split_caps[1]);
    if (v->chrome_gen == 0 || !c->surf || !caps_same ||
        memcmp(&ck, &v->chrome_key, sizeof ck)) {
        app_panel_paint(c, 0, 0, fig->width, fig->height, paint_split_base, fig, now);
        v->chrome_key = ck;
        v->chrome_gen++;
        for (int k = 0; k < 2; k++) {
            snprintf(v->split_caps[k], sizeof v->split_caps[k], "%s", caps[k]);
        }
        v->split_change = v->s->change - 1;
    }
    /* the paths' layer covers the two plots only (markers reach a font size past them):
     * while the race runs it is repainted and uploaded every frame */
    struct app_panel *p = &v->split_plot;
    const struct figure_rect *a = &fig->lay.plot, *b = &fig->lay.plot2;
    double F = fig->lay.font;
    int x = (int)floor(a->x - F), y = (int)floor(a->y - F);
    x = x < 0 ? 0 : x;
    y = y < 0 ? 0 : y;
    int w = (int)ceil(b->x + b->w + F) - x, h = (int)ceil(a->y + a->h + F) - y;
    w = x + w > fig->width ? fig->width - x : w;
    h = y + h > fig->height ? fig->height - y : h;
    if (!p->surf || v->split_change != v->s->change || p->x != x || p->y != y ||
        cairo_image_surface_get_width(p->surf) != w ||
        cairo_image_surface_get_height(p->surf) != h) {
        app_panel_paint(p, x, y, w, h, paint_split_plot, fig, now);
        v->split_change = v->s->change;
    }
    const float white[3] = {1.0f, 1.0f, 1.0f};
    gl_begin_frame(v->gl, fig->width, fig->height, white);
    gl_draw_panel(v->gl, &c->gl, 0, 0);
    if (p->shown) {
        gl_draw_panel(v->gl, &p->gl, p->x, p->y);
    }
}

/* Which text panels this frame repaints: all of them after any input or resize (a state
 * change shows everywhere in the same frame); while running, the legend with the status (so
 * their steps agree) or the loss plot, a few times a second, at most one of the two per frame
 * (the most overdue), so no frame pays for all of them. */
enum { PLAN_NONE, PLAN_ALL, PLAN_LEGEND, PLAN_INSET };

static int plan_panels(const struct app_view *v, int width, int height, double now)
{
    const struct app_panel *p = v->panel;
    if (v->input_seen != v->s->input || v->frames == 0 || width != v->fig->width ||
        height != v->fig->height) {
        return PLAN_ALL;
    }
    if (!v->s->running) {
        return PLAN_NONE;
    }
    double late_l = (now - p[APP_PANEL_LEGEND].drawn_at) / 0.2;
    double late_i = (now - p[APP_PANEL_INSET].drawn_at) / 0.4;
    if (late_l >= 1.0 && late_l >= late_i) {
        return PLAN_LEGEND;
    }
    return late_i >= 1.0 ? PLAN_INSET : PLAN_NONE;
}

static void paint_explain(cairo_t *cr, const void *ud)
{
    draw_explain(cr, ud);
}

/* The explain mode and the hover readout over the plot: one frame-sized overlay, repainted
 * when a step, an input or the mouse changed what it shows; the readout alone (the mouse over
 * a running race) is a small one around its box, repainted when the mouse moves. */
static void update_explain(struct app_view *v, bool stale, double now)
{
    const struct figure *fig = v->fig;
    struct app_panel *p = &v->panel[APP_PANEL_EXPLAIN];
    p->shown = (fig->explain.on || fig->hover.on) && !fig->help;
    bool readout_only = !fig->explain.on;
    unsigned long key[4] = {v->s->input, readout_only ? 0 : (unsigned long)session_step(v->s),
                            readout_only ? 0 : v->s->gen, v->s->hover_gen};
    bool changed = memcmp(key, v->explain_key, sizeof key) != 0;
    /* playing with the mode on: the steps alone repaint it five times a second, as the
     * legend; an input or the mouse at once */
    bool steps_only = changed && key[0] == v->explain_key[0] && key[3] == v->explain_key[3];
    if (steps_only && v->s->running && now - p->drawn_at < 0.2) {
        return;   /* the key stays: the next frame tries again */
    }
    if (p->shown && (stale || !p->surf || changed)) {
        if (readout_only) {
            struct figure_rect b = {0, 0, 0, 0};
            cairo_surface_t *tmp = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
            cairo_t *cr = cairo_create(tmp);
            b = draw_hover_box(cr, fig);
            cairo_destroy(cr);
            cairo_surface_destroy(tmp);
            int x = (int)floor(b.x) - 2, y = (int)floor(b.y) - 2;
            x = x < 0 ? 0 : x;
            y = y < 0 ? 0 : y;
            int w = (int)ceil(b.x + b.w) + 2 - x, h = (int)ceil(b.y + b.h) + 2 - y;
            w = x + w > fig->width ? fig->width - x : w;
            h = y + h > fig->height ? fig->height - y : h;
            app_panel_paint(p, x, y, w, h, paint_explain, fig, now);
        } else {
            app_panel_paint(p, 0, 0, fig->width, fig->height, paint_explain, fig, now);
        }
    }
    memcpy(v->explain_key, key, sizeof key);
}

/* The panels over the plot and its chrome. */
static void draw_panels(struct app_view *v, int plan, double now)
{
    const struct figure *fig = v->fig;
    struct app_panel *p = v->panel;
    const struct figure_layout *lay = &fig->lay;
    struct figure_rect whole = {0, 0, fig->width, fig->height};
    bool stale = plan == PLAN_ALL;
    if (stale || plan == PLAN_LEGEND) {
        paint_panel(&p[APP_PANEL_LEGEND], fig, DRAW_PART_LEGEND, lay->legend, now);
        paint_panel(&p[APP_PANEL_STATUS], fig, DRAW_PART_STATUS, lay->status, now);
    }
    if (stale || plan == PLAN_INSET) {
        paint_panel(&p[APP_PANEL_INSET], fig, DRAW_PART_INSET, figure_inset_area(fig), now);
    }
    p[APP_PANEL_LEGEND].shown = fig->legend && lay->legend.w > 0;
    p[APP_PANEL_INSET].shown = fig->inset && lay->inset.w > 0;
    p[APP_PANEL_STATUS].shown = lay->status.w > 0;
    struct app_panel *t = &p[APP_PANEL_TOAST];
    t->shown = fig->toast[0] != '\0';
    if (t->shown && (stale || strcmp(v->toast_drawn, fig->toast))) {
        paint_panel(t, fig, DRAW_PART_TOAST, lay->toast, now);
        snprintf(v->toast_drawn, sizeof v->toast_drawn, "%s", fig->toast);
    }
    struct app_panel *hp = &p[APP_PANEL_HELP];
    if (fig->help && (stale || !hp->surf || hp->drawn_at < 0.0)) {
        paint_panel(hp, fig, DRAW_PART_HELP, whole, now);
    }
    hp->shown = fig->help;
    update_explain(v, stale, now);
    v->input_seen = v->s->input;
    for (int i = APP_PANEL_CHROME + 1; i < APP_PANEL_COUNT; i++) {
        if (p[i].shown && p[i].surf) {
            gl_draw_panel(v->gl, &p[i].gl, p[i].x, p[i].y);
        }
    }
}

/* ======================================================================== the frame */

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

static void save_screenshot(struct app_view *v, double now);

void app_view_draw(struct app_view *v, int width, int height, double now)
{
    double t = v->profile ? clock_ms() : 0.0;
    char err[1024];
    sync_function(v, now, err, sizeof err);
    sync_theme(v);
    int plan = plan_panels(v, width, height, now);
    /* Thinning 10,000-step loss curves is work only the loss plot's repaint needs. */
    v->s->series_wanted = plan == PLAN_ALL || plan == PLAN_INSET || v->shot_pending;
    session_figure(v->s, v->fig, width, height, v->purpose, now);
    v->s->series_wanted = true;
    if (v->fig->help) {
        v->fig->help_entries = app_help_entries(&v->fig->nhelp);
    }
    phase_end(v, APP_PHASE_PREPARE, &t);
    /* The window's first 2-D frame draws the field straight into the window: allocating,
     * clearing and copying the frame-sized layer and heatmap textures would cost ~25 ms before
     * anything is on screen. The next frame builds them. */
    if (v->fig->twin) {
        draw_split(v, now);
    } else {
        if (v->split_plot.surf) {
            /* back from a split view: its full-frame chrome goes */
            cairo_surface_destroy(v->split_plot.surf);
            v->split_plot.surf = NULL;
            memset(&v->chrome_key, 0, sizeof v->chrome_key);   /* repaint the chrome */
        }
        update_chrome(v, now);
        gl_figure_draw(v->gl, &v->glf, v->fig, v->frames == 0 && !v->fig->view3d,
                       &v->panel[APP_PANEL_CHROME].gl, v->chrome_gen);
    }
    phase_end(v, APP_PHASE_PLOT, &t);
    draw_panels(v, plan, now);
    if (v->settings) {
        app_settings_draw(v->settings, v, width, height, now);
    }
    phase_end(v, APP_PHASE_PANELS, &t);
    if (v->shot_pending) {
        v->shot_pending = false;
        save_screenshot(v, now);
    }
    const char *e = gl_error_string();
    if (e && !v->gl_error) {
        v->gl_error = e;
        fprintf(stderr, _("optiscope: GL error %s in frame %ld\n"), e, v->frames);
    }
    v->frames++;
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
        snprintf(err, errlen, _("%s: cannot allocate a %dx%d image"), path, width, height);
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
        snprintf(err, errlen, _("%s: cannot write: %s"), path, cairo_status_to_string(st));
        util_outfile_abort(&out);
        return false;
    }
    return util_outfile_commit(&out, err, errlen);
}

/* S: the figure on screen, drawn by cairo (the same drawing `render` makes) in 2-D; the GL
 * frame read back in 3-D, whose surface only GL draws. */
static void save_screenshot(struct app_view *v, double now)
{
    char path[4200], err[4400];
    session_shot_path(v->s, "png", path, sizeof path);
    bool ok;
    if (v->fig->view3d) {
        ok = app_write_frame_png(v->fig->width, v->fig->height, path, err, sizeof err);
    } else {
        /* Without the toast of the moment or the mouse's readout: the slide gets the figure. */
        v->fig->hover.on = false;
        v->fig->toast[0] = '\0';
        v->fig->lay.toast.w = 0;
        ok = draw_export(path, v->fig, err, sizeof err);
    }
    if (!ok) {
        session_toast(v->s, now, true, _("screenshot failed: %s"), err);
        char safe[sizeof err];   /* the path is the user's --shot-dir */
        fprintf(stderr, _("optiscope: screenshot failed: %s\n"), util_escape(err, safe, sizeof safe));
        return;
    }
    snprintf(v->last_shot, sizeof v->last_shot, "%s", path);
    session_toast(v->s, now, false, _("saved %s (%dx%d)"), path, v->fig->width, v->fig->height);
    printf("screenshot %s\n", path);   /* a line for scripts: never translated */
    fflush(stdout);
}

/* mode_cnn.c: the CNN mode of the window: the CNN session's dashboard, each part painted by
 * draw/ into its own texture and repainted only when what it shows changed, at most one part
 * per frame while training (the most overdue), so frames stay short while the worker trains.
 * The parts below the toast and the help are kept composited in one layer, redrawn only where
 * a part changed, so a frame copies one opaque layer instead of blending every part. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairo.h>

#include "app/keymap.h"
#include "app/mode.h"
#include "draw/dash.h"
#include "figure/theme.h"
#include "sim/i18n.h"
#include "sim/util.h"

/* The painter: a thread that paints one large part at a time into that part's cairo surface
 * while frames go on. While it paints, the frame thread leaves the session alone (no advance,
 * no dashboard, no actions: they would move the curves it reads) and shows nothing new; input
 * first waits for it (a few ms). Only the GL upload of the finished surface is the frame's. */
struct painter {
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t wake, idle;
    bool job, done, quit;            /* under lock */
    int part;                        /* the part being painted */
    struct dash d;                   /* what it paints: filled while the painter is idle */
    cairo_surface_t *surf;           /* borrowed: the part's surface, sized by the frame */
    int x, y;                        /* where the surface goes */
    unsigned long gen;               /* the part's generation asked for */
    double ms;                       /* the paint's time */
};

struct app_cnn {
    struct session_cnn *s;           /* owned */
    struct painter pt;
    struct app_view *toy;            /* borrowed: its GL renderer, its screenshot names */
    struct dash *d;                  /* this frame's dashboard */
    struct app_panel panel[DASH_PARTS];
    struct gl_layer comp;            /* the parts below the toast and help, composited */
    bool comp_valid;
    struct figure_rect toast_was;    /* where the toast was drawn last frame (w 0: nowhere) */
    bool help_was;                   /* the help was shown last frame */
    long partial_frames;             /* frames that drew only what changed (or nothing) */
    unsigned long drawn_gen[DASH_PARTS];
    unsigned long keys, keys_seen;   /* keys and exposes: repaint everything */
    int w, h;                        /* the size the panels were painted for */
    bool shot_pending;
    double paint_ms[DASH_PARTS];     /* time in each part's repaints (cairo and upload) */
    long paints[DASH_PARTS];
};

/* Seconds between two repaints of a part while it changes (0: at once). */
static const double min_interval[DASH_PARTS] = {
    [DASH_PART_BACK] = 0.0, [DASH_PART_CURVES] = 0.25, [DASH_PART_WEIGHTS] = 0.5,
    [DASH_PART_LAND] = 0.3, [DASH_PART_NET] = 0.5, [DASH_PART_STATUS] = 0.25,
    [DASH_PART_TOAST] = 0.0, [DASH_PART_HELP] = 0.0};

static struct figure_rect unite(struct figure_rect a, struct figure_rect b)
{
    if (b.w <= 0 || b.h <= 0) {   /* a panel the layout left out (compact: no confusion) */
        return a;
    }
    if (a.w <= 0 || a.h <= 0) {
        return b;
    }
    double x0 = fmin(a.x, b.x), y0 = fmin(a.y, b.y);
    double x1 = fmax(a.x + a.w, b.x + b.w), y1 = fmax(a.y + a.h, b.y + b.h);
    return (struct figure_rect){x0, y0, x1 - x0, y1 - y0};
}

/* Where part p goes, with a margin for labels that reach past their panel. */
static struct figure_rect part_rect(const struct dash *d, int p)
{
    const struct dash_layout *l = &d->lay;
    struct figure_rect whole = {0, 0, d->width, d->height}, r;
    double F = l->font;
    switch (p) {
    case DASH_PART_CURVES:
        r = unite(unite(l->loss, l->acc), l->lr);
        break;
    case DASH_PART_WEIGHTS:
        r = unite(l->hist, l->wtime);
        break;
    case DASH_PART_LAND:
        r = l->land;
        break;
    case DASH_PART_NET:
        r = unite(unite(l->filters, l->preds), l->conf);
        break;
    case DASH_PART_STATUS:
        r = l->status;
        break;
    case DASH_PART_TOAST:
        r = (struct figure_rect){0, l->toast.y - F, d->width, l->toast.h + 3 * F};
        break;
    case DASH_PART_BACK:
        /* the title band: the rest of the background is the frame's clear colour */
        r = (struct figure_rect){0, 0, d->width, fmin(l->loss.y, l->land.y) - F};
        break;
    default:
        return whole;
    }
    r.x -= 0.5 * F;
    r.y -= 0.5 * F;
    r.w += F;
    r.h += F;
    return r;
}

static double clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

struct dash_part_job {
    const struct dash *d;
    int part;
};

static void paint_dash_part(cairo_t *cr, const void *ud)
{
    const struct dash_part_job *j = ud;
    draw_dash_part(cr, j->d, (enum dash_part)j->part);
}

/* Part p's rectangle in whole pixels, inside the frame. */
static void part_pixels(const struct dash *d, int part, int *x, int *y, int *w, int *h)
{
    struct figure_rect r = part_rect(d, part);
    *x = (int)floor(r.x);
    *y = (int)floor(r.y);
    *x = *x < 0 ? 0 : *x;
    *y = *y < 0 ? 0 : *y;
    *w = (int)ceil(r.x + r.w) - *x;
    *h = (int)ceil(r.y + r.h) - *y;
    *w = *x + *w > d->width ? d->width - *x : *w;
    *h = *y + *h > d->height ? d->height - *y : *h;
}

static void paint(struct app_panel *p, const struct dash *d, int part, double now)
{
    int x, y, w, h;
    part_pixels(d, part, &x, &y, &w, &h);
    app_panel_paint(p, x, y, w, h, paint_dash_part, &(struct dash_part_job){d, part}, now);
}

static double clock_ms(void);

static void *painter_main(void *arg)
{
    struct painter *pt = arg;
    pthread_mutex_lock(&pt->lock);
    while (true) {
        while (!pt->quit && (!pt->job || pt->done)) {
            pthread_cond_wait(&pt->wake, &pt->lock);
        }
        if (pt->quit) {
            break;
        }
        pthread_mutex_unlock(&pt->lock);
        double t0 = clock_ms();
        app_panel_paint_surface(pt->surf, pt->x, pt->y, paint_dash_part,
                                &(struct dash_part_job){&pt->d, pt->part});
        double ms = clock_ms() - t0;
        pthread_mutex_lock(&pt->lock);
        pt->ms = ms;
        pt->done = true;
        pthread_cond_broadcast(&pt->idle);
    }
    pthread_mutex_unlock(&pt->lock);
    return NULL;
}

/* True while a part is being painted (its result not yet taken). */
static bool painter_busy(struct painter *pt)
{
    pthread_mutex_lock(&pt->lock);
    bool busy = pt->job && !pt->done;
    pthread_mutex_unlock(&pt->lock);
    return busy;
}

/* Waits until the painter has finished its part (the frame then takes it). */
static void painter_wait(struct painter *pt)
{
    pthread_mutex_lock(&pt->lock);
    while (pt->job && !pt->done) {
        pthread_cond_wait(&pt->idle, &pt->lock);
    }
    pthread_mutex_unlock(&pt->lock);
}

/* Hands part to the painter (idle, its result taken): the surface sized for the part's rect,
 * false when the thread cannot run (the frame then paints it itself). */
static bool painter_start(struct painter *pt, struct app_panel *p, const struct dash *d,
                          int part, unsigned long gen)
{
    if (!pt->started) {
        pthread_mutex_init(&pt->lock, NULL);
        pthread_cond_init(&pt->wake, NULL);
        pthread_cond_init(&pt->idle, NULL);
        if (pthread_create(&pt->thread, NULL, painter_main, pt) != 0) {
            pthread_mutex_destroy(&pt->lock);
            pthread_cond_destroy(&pt->wake);
            pthread_cond_destroy(&pt->idle);
            return false;
        }
        pt->started = true;
    }
    int x, y, w, h;
    part_pixels(d, part, &x, &y, &w, &h);
    if (w < 1 || h < 1) {
        return false;
    }
    cairo_surface_t *surf = app_panel_surface(p, w, h);
    pthread_mutex_lock(&pt->lock);
    pt->d = *d;
    pt->part = part;
    pt->surf = surf;
    pt->x = x;
    pt->y = y;
    pt->gen = gen;
    pt->job = true;
    pt->done = false;
    pthread_cond_signal(&pt->wake);
    pthread_mutex_unlock(&pt->lock);
    return true;
}

static void painter_stop(struct painter *pt)
{
    if (!pt->started) {
        return;
    }
    pthread_mutex_lock(&pt->lock);
    pt->quit = true;
    pthread_cond_signal(&pt->wake);
    pthread_mutex_unlock(&pt->lock);
    pthread_join(pt->thread, NULL);
    pthread_mutex_destroy(&pt->lock);
    pthread_cond_destroy(&pt->wake);
    pthread_cond_destroy(&pt->idle);
    pt->started = false;
}

struct app_cnn *app_cnn_create(const struct train_settings *ts, bool paused, struct app_view *toy,
                               char *err, size_t errlen)
{
    struct train_settings lecture;
    if (!ts) {
        train_settings_init(&lecture);
        session_cnn_lecture_defaults(&lecture);
        ts = &lecture;
    }
    struct session_cnn_desc desc = {.ts = ts, .paused = paused, .landscape = true};
    struct session_cnn *s = session_cnn_create(&desc, err, errlen);
    if (!s) {
        return NULL;
    }
    struct app_cnn *c = xcalloc(1, sizeof *c);
    c->s = s;
    c->toy = toy;
    c->d = xcalloc(1, sizeof *c->d);
    c->keys = 1;
    for (int i = 0; i < DASH_PARTS; i++) {
        c->panel[i].drawn_at = -1.0;
    }
    return c;
}

void app_cnn_destroy(struct app_cnn *c)
{
    if (!c) {
        return;
    }
    painter_stop(&c->pt);
    session_cnn_destroy(c->s);
    gl_layer_finish(&c->comp);
    for (int i = 0; i < DASH_PARTS; i++) {
        gl_panel_finish(&c->panel[i].gl);
        if (c->panel[i].surf) {
            cairo_surface_destroy(c->panel[i].surf);
        }
    }
    free(c->d);
    free(c);
}

struct session_cnn *app_cnn_session(struct app_cnn *c)
{
    return c->s;
}

void app_cnn_print_stats(const struct app_cnn *c, FILE *out)
{
    static const char *const names[DASH_PARTS] = {"back", "curves", "weights", "landscape",
                                                  "network", "status", "toast", "help"};
    fprintf(out, "cnn-partial-frames %ld\n", c->partial_frames);
    fprintf(out, "cnn-repaints-ms");
    for (int p = 0; p < DASH_PARTS; p++) {
        if (c->paints[p] > 0) {
            fprintf(out, " %s %ldx%.1f", names[p], c->paints[p], c->paint_ms[p] / c->paints[p]);
        }
    }
    fprintf(out, "\n");
}

/* ======================================================================== events */

static void cnn_key(void *m, SDL_Keycode key, Uint16 mod, bool is_repeat, double now)
{
    struct app_cnn *c = m;
    painter_wait(&c->pt);
    if (key == SDLK_s && !(mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI))) {
        if (!is_repeat) {
            c->shot_pending = true;
        }
        return;
    }
    bool repeat;
    int arg;
    enum cnn_action a = app_cnn_keymap(key, mod, &repeat, &arg);
    if (a == CNN_NONE || (is_repeat && !repeat)) {
        return;
    }
    session_cnn_act(c->s, a, arg, now);
    c->keys++;
}

static void cnn_click(void *m, double x, double y, double now)
{
    (void)m;
    (void)x;
    (void)y;
    (void)now;
}

static void cnn_drag(void *m, double dx, double dy)
{
    struct app_cnn *c = m;
    painter_wait(&c->pt);
    session_cnn_act(c->s, CNN_ROTATE, (int)lround(dx), 0.0);
    session_cnn_act(c->s, CNN_TILT, (int)lround(-dy), 0.0);
}

static void cnn_wheel(void *m, double x, double y, double notches)
{
    (void)m;
    (void)x;
    (void)y;
    (void)notches;
}

static void cnn_advance(void *m, double dt, double now)
{
    (void)dt;
    struct app_cnn *c = m;
    if (!painter_busy(&c->pt)) {
        session_cnn_advance(c->s, now);
    }
}

/* A frame is wanted when a part has changed and is due for its repaint: training alone needs
 * no frames, so the worker keeps the CPU between repaints. */
static bool cnn_busy(void *m, double now)
{
    struct app_cnn *c = m;
    if (c->pt.job) {
        return true;   /* a part is being painted, or waits to be shown */
    }
    session_cnn_advance(c->s, now);
    if (c->keys != c->keys_seen || c->shot_pending) {
        return true;
    }
    for (int p = 0; p < DASH_PARTS; p++) {
        if (session_cnn_part_gen(c->s, p) != c->drawn_gen[p] &&
            now - c->panel[p].drawn_at >= min_interval[p]) {
            return true;
        }
    }
    return false;
}

static void cnn_expose(void *m)
{
    ((struct app_cnn *)m)->keys++;
}

static bool cnn_help(void *m)
{
    return session_cnn_help(((struct app_cnn *)m)->s);
}

static void cnn_title(void *m, char *buf, size_t len)
{
    (void)m;
    snprintf(buf, len, "optiscope: the CNN training live");
}

static void cnn_toast(void *m, double now, bool error, const char *text)
{
    painter_wait(&((struct app_cnn *)m)->pt);
    session_cnn_toast(((struct app_cnn *)m)->s, now, error, "%s", text);
}

/* ======================================================================== the frame */

static void save_shot(struct app_cnn *c, double now)
{
    char path[4200], err[4400];
    session_shot_path(c->toy->s, "png", path, sizeof path);
    c->d->toast[0] = '\0';
    c->d->help = false;
    dash_layout(c->d);
    if (!draw_dash_export(path, c->d, err, sizeof err)) {
        session_cnn_toast(c->s, now, true, _("screenshot failed: %s"), err);
        fprintf(stderr, _("optiscope: screenshot failed: %s\n"), err);
        return;
    }
    session_cnn_toast(c->s, now, false, _("saved %s (%dx%d)"), path, c->d->width, c->d->height);
    printf("screenshot %s\n", path);
    fflush(stdout);
}

/* Parts painted by the painter thread (the rest are quick enough to paint in the frame). */
static bool heavy(int part)
{
    return part == DASH_PART_CURVES || part == DASH_PART_WEIGHTS || part == DASH_PART_NET ||
           part == DASH_PART_LAND;
}

static void cnn_draw(void *m, int width, int height, double now)
{
    struct app_cnn *c = m;
    struct dash *d = c->d;
    int pick = -1;
    struct figure_rect was = {0, 0, 0, 0};
    bool all = false, painting = false, fresh = false;   /* fresh: d filled this frame */
    if (c->pt.job) {
        painting = painter_busy(&c->pt);
        if (!painting) {
            /* the painter's part: uploaded, then composited below as a repainted part */
            int part = c->pt.part;
            struct app_panel *pp = &c->panel[part];
            if (pp->gl.tex && pp->shown) {
                was = (struct figure_rect){pp->x, pp->y, pp->gl.w, pp->gl.h};
            }
            app_panel_upload(pp, c->pt.x, c->pt.y, now);
            c->drawn_gen[part] = c->pt.gen;
            c->paint_ms[part] += c->pt.ms;
            c->paints[part]++;
            c->pt.job = false;
            pick = part;
        }
    } else {
        session_cnn_dash(c->s, d, width, height, now);
        /* F5 and F6 are the window's: the toy session holds them for both modes */
        d->theme = c->toy->s->theme;
        d->font_scale = c->toy->s->large_text ? FIGURE_LARGE_TEXT_SCALE : 0.0;
        dash_layout(d);   /* again, at that size */
        d->help_entries = app_cnn_help_entries(&d->nhelp);
        fresh = true;
        all = c->keys != c->keys_seen || width != c->w || height != c->h;
        c->keys_seen = c->keys;
        c->w = width;
        c->h = height;
    }
    /* the most overdue changed part, or every part after input */
    double late_most = 0.0;
    for (int p = 0; p < DASH_PARTS && fresh; p++) {
        unsigned long g = session_cnn_part_gen(c->s, p);
        bool wanted = (p != DASH_PART_TOAST || d->toast[0]) && (p != DASH_PART_HELP || d->help);
        if (all) {
            if (wanted) {
                double t0 = clock_ms();
                paint(&c->panel[p], d, p, now);
                c->paint_ms[p] += clock_ms() - t0;
                c->paints[p]++;
            }
            c->drawn_gen[p] = g;
            continue;
        }
        if (g == c->drawn_gen[p]) {
            continue;
        }
        if (!wanted) {
            c->drawn_gen[p] = g;
            continue;
        }
        double late = min_interval[p] > 0 ? (now - c->panel[p].drawn_at) / min_interval[p]
                                           : 1e9;
        if (late >= 1.0 && late > late_most) {
            late_most = late;
            pick = p;
        }
    }
    if (fresh && pick >= 0) {
        struct app_panel *pp = &c->panel[pick];
        unsigned long gen = session_cnn_part_gen(c->s, pick);
        if (heavy(pick) && !getenv("OPTISCOPE_PAINT_IN_FRAME") &&
            painter_start(&c->pt, pp, d, pick, gen)) {
            pick = -1;   /* shown when painted, a frame or two from now */
        } else {
            if (pp->surf) {
                was = (struct figure_rect){pp->x, pp->y, pp->gl.w, pp->gl.h};
            }
            double t0 = clock_ms();
            paint(pp, d, pick, now);
            c->paint_ms[pick] += clock_ms() - t0;
            c->paints[pick]++;
            c->drawn_gen[pick] = gen;
        }
    }
    c->panel[DASH_PART_TOAST].shown = d->toast[0] != '\0';
    c->panel[DASH_PART_HELP].shown = d->help;
    const double *back = figure_theme_of(d->theme)->dash_back;
    const float bg[3] = {(float)back[0], (float)back[1], (float)back[2]};
    struct gl_renderer *gl = c->toy->gl;
    gl_begin_frame(gl, width, height, NULL);   /* the composite covers every pixel */
    /* the composite: all of it after input or a resize, else where the repainted part was and
     * is (its neighbours' margins there drawn again, in order) */
    bool below = pick >= 0 && pick != DASH_PART_TOAST && pick != DASH_PART_HELP;
    bool full = all || !c->comp_valid || c->toy->buffer_age != 1 || d->help || c->help_was;
    struct figure_rect dmg = {0, 0, 0, 0};   /* what this frame changes on screen */
    if (all || !c->comp_valid || below) {
        gl_layer_begin(gl, &c->comp, false, false);
        if (!all && c->comp_valid) {
            struct app_panel *pp = &c->panel[pick];
            struct figure_rect now_r = {pp->x, pp->y, pp->gl.w, pp->gl.h};
            dmg = was.w > 0 ? unite(was, now_r) : now_r;
            gl_clip(gl, (int)dmg.x, (int)dmg.y, (int)dmg.w, (int)dmg.h);
        }
        gl_clear(gl, bg);
        for (int p = 0; p < DASH_PARTS; p++) {
            if (p != DASH_PART_TOAST && p != DASH_PART_HELP && c->panel[p].shown &&
                c->panel[p].surf) {
                gl_draw_panel(gl, &c->panel[p].gl, c->panel[p].x, c->panel[p].y);
            }
        }
        gl_clip(gl, 0, 0, 0, 0);
        gl_layer_end(gl);
        c->comp_valid = true;
    }
    /* The toast, where it is and where it was, is drawn again over the composite each frame
     * it shows (it is small): never blended twice over itself. */
    struct app_panel *tp = &c->panel[DASH_PART_TOAST];
    struct figure_rect toast_now = {tp->x, tp->y, tp->gl.w, tp->gl.h};
    if (tp->shown && tp->surf) {
        dmg = dmg.w > 0 ? unite(dmg, toast_now) : toast_now;
    }
    if (c->toast_was.w > 0) {
        dmg = dmg.w > 0 ? unite(dmg, c->toast_was) : c->toast_was;
    }
    c->toast_was = tp->shown && tp->surf ? toast_now : (struct figure_rect){0, 0, 0, 0};
    c->help_was = d->help;
    /* With the last frame still in the back buffer (the window shows frames by copying, see
     * window.c) only the damage is drawn again, and a frame where nothing changed draws nothing: the copy of the whole
     * composite is most of a frame's time on a software rasterizer. */
    c->toy->present_damage = !full;
    c->toy->damage[0] = c->toy->damage[1] = c->toy->damage[2] = c->toy->damage[3] = 0;
    if (!full && dmg.w > 0) {
        c->toy->damage[0] = (int)floor(dmg.x);
        c->toy->damage[1] = (int)floor(dmg.y);
        c->toy->damage[2] = (int)ceil(dmg.w) + 1;
        c->toy->damage[3] = (int)ceil(dmg.h) + 1;
    }
    if (!full && dmg.w <= 0) {
        c->partial_frames++;
    } else {
        if (!full) {
            gl_clip(gl, c->toy->damage[0], c->toy->damage[1], c->toy->damage[2],
                    c->toy->damage[3]);
            c->partial_frames++;
        }
        gl_blit_layer(gl, &c->comp);
        for (int p = DASH_PART_TOAST; p <= DASH_PART_HELP; p++) {
            if (c->panel[p].shown && c->panel[p].surf) {
                gl_draw_panel(gl, &c->panel[p].gl, c->panel[p].x, c->panel[p].y);
            }
        }
        gl_clip(gl, 0, 0, 0, 0);
    }
    if (c->shot_pending && fresh && !c->pt.job) {
        c->shot_pending = false;
        save_shot(c, now);
    }
}

const struct app_mode_ops app_cnn_mode = {
    .name = "CNN",
    .key = cnn_key,
    .click = cnn_click,
    .drag = cnn_drag,
    .wheel = cnn_wheel,
    .advance = cnn_advance,
    .busy = cnn_busy,
    .draw = cnn_draw,
    .expose = cnn_expose,
    .help_shown = cnn_help,
    .title = cnn_title,
    .toast = cnn_toast,
};

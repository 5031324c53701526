/* window.c: the SDL2 window with an OpenGL 3.3 core context, and its event loop: keys and
 * mouse become view actions; frames are paced to 60 per second and stop when nothing moves. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <SDL.h>
#include <X11/Xlib.h>
#include <epoxy/gl.h>
#include <epoxy/glx.h>

#include "app/app.h"
#include "app/keymap.h"
#include "app/mode.h"
#include "app/panel.h"
#include "app/view.h"
#include "draw/draw.h"
#include "draw/text.h"
#include "sim/i18n.h"
#include "sim/util.h"

/* Frames are paced to this rate whatever the swap interval does (Xvfb has no vsync). */
#define FRAME_HZ 60.0
/* A press that moves less than this many pixels before release is a click, not a drag. */
#define CLICK_SLOP 4

/* Mouse state between events. */
struct mouse {
    bool down;              /* a button is held */
    bool dragging;          /* it moved beyond the slop */
    int button;             /* which */
    double x0, y0;          /* where it went down, frame pixels */
    double x, y;            /* last position, frame pixels */
};

static double now_s(void)
{
    return (double)SDL_GetPerformanceCounter() / (double)SDL_GetPerformanceFrequency();
}

/* Startup spends much of its time in page faults (~4,000 of them on the heap: the GL driver's
 * setup, the shader compiler, llvmpipe's frame buffers; each costs microseconds, more inside a
 * VM). Grow the heap in one 64 MB step that faults in 2 MB transparent huge pages where the
 * kernel offers them on request, and keep allocations up to 32 MB on it (glibc would mmap each
 * one over 128 KB separately, in 4 KB pages). Untouched padding costs no memory. */
static void heap_hugepages(void)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
    const size_t huge = (size_t)2 << 20, pad = (size_t)64 << 20;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TOP_PAD, (int)pad);
    /* More than the heap has left, so that it grows now, by the padding. */
    char *p = malloc(huge);
    char *end = sbrk(0);
    if (p && end != (char *)-1) {
        uintptr_t a = ((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1);
        uintptr_t b = (uintptr_t)end & ~(uintptr_t)(huge - 1);
        if (b > a) {
            madvise((void *)a, b - a, MADV_HUGEPAGE);
        }
    }
    free(p);
#endif
}

/* Startup timeline for OPTISCOPE_PROFILE: milliseconds since app_run began, per phase. */
struct startup {
    bool on;                /* OPTISCOPE_PROFILE is set */
    double t0, last;        /* app_run's start, the previous mark, seconds */
    char line[512];         /* "phase ms, ..." so far */
};

static void mark(struct startup *s, const char *phase)
{
    if (!s || !s->on) {
        return;
    }
    double t = now_s();
    size_t n = strlen(s->line);
    snprintf(s->line + n, sizeof s->line - n, "%s%s %.1f", n ? ", " : "", phase,
             1000.0 * (t - s->last));
    s->last = t;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* This process's peak resident memory, MB. getrusage's ru_maxrss survives execve on Linux, so a
 * window started by `bench render` would report the benchmark's own peak: the kernel's
 * per-process high-water mark (VmHWM) is ours alone. */
static double peak_rss_mb(const struct rusage *ru)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = -1.0;
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "VmHWM:", 6)) {
            kb = atof(line + 6);
        }
    }
    if (f) {
        fclose(f);
    }
    return (kb > 0 ? kb : (double)ru->ru_maxrss) / 1024.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Window pixels to framebuffer pixels (they differ on high-DPI screens). */
static void to_frame(SDL_Window *win, double x, double y, double *fx, double *fy)
{
    int ww, wh, dw, dh;
    SDL_GetWindowSize(win, &ww, &wh);
    SDL_GL_GetDrawableSize(win, &dw, &dh);
    *fx = ww > 0 ? x * dw / ww : x;
    *fy = wh > 0 ? y * dh / wh : y;
}

/* The reason SDL could not open a window, in the user's terms. */
static void no_display_message(char *err, size_t errlen)
{
    const char *d = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
    if ((!d || !*d) && (!w || !*w)) {
        snprintf(err, errlen, _("no display: neither DISPLAY nor WAYLAND_DISPLAY is set (SDL: %s)"),
                 SDL_GetError());
    } else {
        snprintf(err, errlen, _("cannot open a window on display '%s' (SDL: %s)"),
                 d && *d ? d : w, SDL_GetError());
    }
}

/* The X server went away (killed, or the session ended) under an open window. No X call can
 * succeed again, and Xlib's default handler calls exit(), whose exit handlers then reach the
 * dead connection from inside SDL and the GL driver (a hang or a crash on some drivers). So:
 * say it, remove any half-written file, and end now. SDL itself installs no handler for this. */
static int on_display_lost(Display *dpy)
{
    fflush(stdout);
    fprintf(stderr, _("optiscope: lost the connection to the display %s (the X server closed "
            "it or went away); the window cannot go on\n"), dpy ? DisplayString(dpy) : "");
    util_outfile_remove_all();
    _exit(1);
}

static enum app_status open_window(const struct app_options *o, SDL_Window **win,
                                   SDL_GLContext *ctx, struct startup *prof, char *err,
                                   size_t errlen)
{
    /* Without a window system SDL would fall back to its invisible "offscreen" driver (and
     * probe Wayland noisily): pick the one the environment names, or none. */
    const char *forced = getenv("SDL_VIDEODRIVER");
    const char *d = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
    if (!forced || !*forced) {
        if ((!d || !*d) && (!wl || !*wl)) {
            snprintf(err, errlen, _("no display: neither DISPLAY nor WAYLAND_DISPLAY is set"));
            return APP_NO_DISPLAY;
        }
        SDL_SetHint(SDL_HINT_VIDEODRIVER, wl && *wl ? "wayland,x11" : "x11");
    }
    /* SDL's X11 backend always opens an input method, and Xlib's built-in one parses the
     * locale's whole Compose table (~5,000 lines, about half of SDL_Init). The window takes no
     * text input, only keys by keysym, so an empty table changes nothing we read. A table the
     * user names is kept. XMODIFIERS=@im=none would not help: the built-in method still loads
     * the table. */
    setenv("XCOMPOSEFILE", "/dev/null", 0);
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        no_display_message(err, errlen);
        return APP_NO_DISPLAY;
    }
    XSetIOErrorHandler(on_display_lost);
    mark(prof, "sdl-init");
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
    SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
    /* No depth buffer: everything depth-tested (the 3-D surface and the paths hidden behind
     * it) is drawn into layers with their own depth; a window-sized one would only cost its
     * allocation and clearing at startup (~10 ms on llvmpipe). */
    SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
    *win = SDL_CreateWindow("optiscope", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                            o->width, o->height,
                            SDL_WINDOW_OPENGL | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!*win) {
        snprintf(err, errlen, _("cannot create an OpenGL window (SDL: %s)"), SDL_GetError());
        SDL_Quit();
        return APP_NO_GL;
    }
    mark(prof, "window");
    *ctx = SDL_GL_CreateContext(*win);
    if (!*ctx) {
        snprintf(err, errlen, _("no OpenGL 3.3 core profile on this display (SDL: %s)"),
                 SDL_GetError());
        SDL_DestroyWindow(*win);
        SDL_Quit();
        return APP_NO_GL;
    }
    if (epoxy_gl_version() < 33) {
        snprintf(err, errlen, _("no OpenGL 3.3: the display offers OpenGL %d.%d (%s)"),
                 epoxy_gl_version() / 10, epoxy_gl_version() % 10,
                 (const char *)glGetString(GL_RENDERER));
        SDL_GL_DeleteContext(*ctx);
        SDL_DestroyWindow(*win);
        SDL_Quit();
        return APP_NO_GL;
    }
    SDL_GL_SetSwapInterval(1);
    gl_keep_driver_loaded();
    mark(prof, "context");
    return APP_OK;
}

/* Showing only what changed. With GLX_MESA_copy_sub_buffer the CNN mode's frames are shown by
 * copying the changed rectangle of the back buffer to the window instead of swapping, so the
 * back buffer keeps the last frame and the next one draws only its damage: on a software
 * rasterizer the full-window copy is most of a frame. Elsewhere (EGL, no extension, or
 * OPTISCOPE_FULL_REDRAW set) frames swap and draw every pixel. */
static bool can_copy_sub_buffer(void)
{
    static int has = -1;
    Display *dpy = glXGetCurrentDisplay();
    if (!dpy) {
        return false;
    }
    if (has < 0) {
        const char *off = getenv("OPTISCOPE_FULL_REDRAW");
        has = !(off && *off) && epoxy_has_glx_extension(dpy, DefaultScreen(dpy),
                                                         "GLX_MESA_copy_sub_buffer");
    }
    return has == 1;
}

/* Shows the frame: the damage the mode reported (or all of it) copied from the back buffer,
 * keeping it; returns false after a plain swap (the back buffer is then undefined). */
static bool present(SDL_Window *win, const struct app_view *v, bool by_copy, int w, int h)
{
    if (!by_copy) {
        SDL_GL_SwapWindow(win);
        return false;
    }
    int x = 0, y = 0, cw = w, ch = h;
    if (v->present_damage) {
        x = v->damage[0] < 0 ? 0 : v->damage[0];
        y = v->damage[1] < 0 ? 0 : v->damage[1];
        cw = v->damage[0] + v->damage[2] > w ? w - x : v->damage[0] + v->damage[2] - x;
        ch = v->damage[1] + v->damage[3] > h ? h - y : v->damage[1] + v->damage[3] - y;
    }
    if (cw > 0 && ch > 0) {
        glXCopySubBufferMESA(glXGetCurrentDisplay(), glXGetCurrentDrawable(), x, h - (y + ch),
                             cw, ch);   /* GL's y is up */
    } else {
        glFlush();
    }
    return true;
}

/* The modes: the toy race always, the CNN mode made on the first N. */
struct modes {
    struct app_view *v;             /* the toy race */
    struct app_cnn *cnn;            /* NULL until first shown */
    const struct app_options *o;
    struct app_mode cur;
    char title[256];                /* shown in the title bar */
};

static void set_title(SDL_Window *win, struct modes *md)
{
    char t[256];
    md->cur.ops->title(md->cur.m, t, sizeof t);
    if (strcmp(t, md->title)) {
        snprintf(md->title, sizeof md->title, "%s", t);
        SDL_SetWindowTitle(win, t);
    }
}

/* N: the other mode (the CNN mode's training goes on behind the toy race). */
static void switch_mode(struct modes *md, double now)
{
    if (md->cur.ops == &app_cnn_mode) {
        md->cur = (struct app_mode){&app_race_mode, md->v};
    } else {
        if (!md->cnn) {
            char err[1024];
            md->cnn = app_cnn_create(md->o->cnn, false, md->v, err, sizeof err);
            if (!md->cnn) {
                char msg[1100];
                snprintf(msg, sizeof msg, _("cannot start the CNN mode: %s"), err);
                app_race_mode.toast(md->v, now, true, msg);
                return;
            }
        }
        md->cur = (struct app_mode){&app_cnn_mode, md->cnn};
    }
    md->cur.ops->expose(md->cur.m);
}

/* F11: a borderless window covering the display ("borderless full screen"). SDL's desktop
 * full screen asks the window manager; with none (a bare X server, a kiosk) nothing resized
 * the X window while SDL reported the screen's size, and GL drew a screen-sized frame into
 * the old window (panels gone, the plot in a corner). Sizing the window ourselves works with
 * and without one. */
static void toggle_fullscreen(SDL_Window *win)
{
    static int saved[4];   /* x, y, w, h before full screen (one window per process) */
    static bool full;
    if (!full) {
        SDL_Rect b;
        if (SDL_GetDisplayBounds(SDL_GetWindowDisplayIndex(win), &b) != 0) {
            return;
        }
        SDL_GetWindowPosition(win, &saved[0], &saved[1]);
        SDL_GetWindowSize(win, &saved[2], &saved[3]);
        SDL_SetWindowBordered(win, SDL_FALSE);
        SDL_SetWindowPosition(win, b.x, b.y);
        SDL_SetWindowSize(win, b.w, b.h);
        SDL_RaiseWindow(win);
        full = true;
    } else {
        SDL_SetWindowBordered(win, SDL_TRUE);
        SDL_SetWindowSize(win, saved[2], saved[3]);
        SDL_SetWindowPosition(win, saved[0], saved[1]);
        full = false;
    }
}

/* F5 (theme) and F6 (large text): the toy session holds both for both modes; the mode shown
 * redraws everything at once and says what changed. */
static void classroom_key(struct modes *md, enum session_action a, double now)
{
    struct session *s = md->v->s;
    session_act(s, a, 0, now);   /* an input: every toy panel repaints */
    if (md->cur.ops != &app_race_mode) {
        md->cur.ops->toast(md->cur.m, now, false, s->toast);
    }
    md->cur.ops->expose(md->cur.m);
}

/* On the warm-up thread: the toy figure's text panels at the window's size, drawn once into
 * nothing (the scene resolved again there: a copy of the work the view does). */
static void warm_paint(void *ud)
{
    const struct app_options *o = ud;
    struct session *s = xcalloc(1, sizeof *s);
    struct session_desc sd = {.scene = o->scene, .paused = true, .view3d = o->view3d};
    char err[256];
    if (session_init(s, &sd, err, sizeof err)) {
        struct figure *fig = xcalloc(1, sizeof *fig);
        session_figure(s, fig, o->width, o->height, SESSION_FOR_WINDOW, 0.0);
        figure_layout(fig);
        cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, o->width,
                                                          o->height);
        cairo_t *cr = cairo_create(img);
        static const enum draw_part parts[] = {DRAW_PART_CHROME, DRAW_PART_LEGEND,
                                               DRAW_PART_INSET, DRAW_PART_STATUS};
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
            draw_figure_part(cr, fig, parts[i]);
        }
        cairo_destroy(cr);
        cairo_surface_destroy(img);
        free(fig);
        session_finish(s);
    }
    free(s);
}

/* Handles one event; returns false to quit. */
static bool handle_event(SDL_Window *win, struct modes *md, struct mouse *m, const SDL_Event *e,
                         double now)
{
    const struct app_mode_ops *ops = md->cur.ops;
    void *mm = md->cur.m;
    /* O's settings panel over the toy race takes what it is given first */
    if (ops == &app_race_mode && md->v->settings &&
        app_settings_event(md->v->settings, md->v, win, e, now)) {
        return true;
    }
    switch (e->type) {
    case SDL_QUIT:
        return false;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_LEAVE && ops->hover) {
            ops->hover(mm, 0, 0, false);
        }
        ops->expose(mm);   /* exposed, resized, moved: redraw everything */
        break;
    case SDL_KEYDOWN: {
        SDL_Keycode k = e->key.keysym.sym;
        Uint16 mod = e->key.keysym.mod;
        bool plain = !(mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI));
        if (plain && (k == SDLK_q || k == SDLK_ESCAPE)) {
            if (k == SDLK_ESCAPE && ops->help_shown(mm)) {
                ops->key(mm, SDLK_h, 0, false, now);   /* Esc closes the help first */
                break;
            }
            return false;
        }
        if (plain && k == SDLK_F11) {
            if (!e->key.repeat) {
                toggle_fullscreen(win);
                ops->expose(mm);
            }
            break;
        }
        if (plain && k == SDLK_F7) {
            if (!e->key.repeat) {
                i18n_set(i18n_next());   /* both modes redraw in the other language */
                session_relabel(md->v->s);
                if (md->cnn) {
                    app_cnn_mode.expose(md->cnn);
                }
                /* said in the language now shown */
                ops->toast(mm, now, false,
                           strcmp(i18n_current(), "ko") ? _("language: English")
                                                        : _("language: Korean"));
                set_title(win, md);
            }
            break;
        }
        if (plain && (k == SDLK_F5 || k == SDLK_F6)) {
            if (!e->key.repeat) {
                classroom_key(md, k == SDLK_F5 ? SESSION_THEME : SESSION_LARGE_TEXT, now);
            }
            break;
        }
        if (plain && k == SDLK_n && !(mod & KMOD_SHIFT)) {
            if (!e->key.repeat) {
                switch_mode(md, now);
                set_title(win, md);
            }
            break;
        }
        ops->key(mm, k, mod, e->key.repeat != 0, now);
        set_title(win, md);
        break;
    }
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.button == SDL_BUTTON_LEFT || e->button.button == SDL_BUTTON_RIGHT) {
            m->down = true;
            m->dragging = false;
            m->button = e->button.button;
            to_frame(win, e->button.x, e->button.y, &m->x0, &m->y0);
            m->x = m->x0;
            m->y = m->y0;
        }
        break;
    case SDL_MOUSEMOTION:
        if (!m->down && ops->hover) {
            double x, y;
            to_frame(win, e->motion.x, e->motion.y, &x, &y);
            ops->hover(mm, x, y, true);
        }
        if (m->down) {
            double x, y;
            to_frame(win, e->motion.x, e->motion.y, &x, &y);
            if (!m->dragging && hypot(x - m->x0, y - m->y0) > CLICK_SLOP) {
                m->dragging = true;
                m->x = m->x0;
                m->y = m->y0;
            }
            if (m->dragging) {
                ops->drag(mm, x - m->x, y - m->y);
                m->x = x;
                m->y = y;
            }
        }
        break;
    case SDL_MOUSEBUTTONUP:
        if (m->down && e->button.button == m->button) {
            if (!m->dragging && m->button == SDL_BUTTON_LEFT) {
                ops->click(mm, m->x0, m->y0, now);
            }
            m->down = false;
            m->dragging = false;
        }
        break;
    case SDL_MOUSEWHEEL: {
        int mx, my;
        SDL_GetMouseState(&mx, &my);
        double fx, fy;
        to_frame(win, mx, my, &fx, &fy);
        double notches = e->wheel.preciseY != 0.0f ? e->wheel.preciseY : e->wheel.y;
        if (e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED) {
            notches = -notches;
        }
        ops->wheel(mm, fx, fy, notches);
        break;
    }
    default:
        break;
    }
    return true;
}

enum app_status app_run(const struct app_options *o, char *err, size_t errlen)
{
    double t_launch = now_s();
    heap_hugepages();
    struct startup prof = {.on = getenv("OPTISCOPE_PROFILE") != NULL, .t0 = t_launch,
                           .last = t_launch};
    SDL_Window *win = NULL;
    SDL_GLContext ctx = NULL;
    /* Fontconfig and Pango load their fonts beside the window's own start-up, and every
     * face and size of the first frame's text (drawn there once, thrown away). */
    struct draw_text_warm *warm = draw_text_warm_start(o->start_cnn ? NULL : warm_paint,
                                                       (void *)o);
    enum app_status st = open_window(o, &win, &ctx, &prof, err, errlen);
    draw_text_warm_finish(warm);
    if (st != APP_OK) {
        return st;
    }
    struct session *sess = xmalloc(sizeof *sess);
    struct session_desc sd = {.scene = o->scene, .preset_dir = o->preset_dir,
                              .presets = o->presets, .npresets = o->npresets,
                              .shot_dir = o->shot_dir, .paused = o->paused,
                              .view3d = o->view3d};
    struct app_view *v = xcalloc(1, sizeof *v);
    if (!session_init(sess, &sd, err, errlen)) {
        free(sess);
        free(v);
        SDL_GL_DeleteContext(ctx);
        SDL_DestroyWindow(win);
        SDL_Quit();
        return APP_FAILED;
    }
    if (!app_view_init(v, sess, SESSION_FOR_WINDOW, o->shader_dir, err, errlen)) {
        app_view_finish(v);
        free(v);
        SDL_GL_DeleteContext(ctx);
        SDL_DestroyWindow(win);
        SDL_Quit();
        return APP_FAILED;
    }
    v->settings = app_settings_create();
    mark(&prof, "view-init");
    struct modes md = {.v = v, .o = o, .cur = {&app_race_mode, v}};
    if (o->start_cnn) {
        md.cnn = app_cnn_create(o->cnn, o->paused, v, err, errlen);
        if (!md.cnn) {
            app_view_finish(v);
            free(v);
            SDL_GL_DeleteContext(ctx);
            SDL_DestroyWindow(win);
            SDL_Quit();
            return APP_FAILED;
        }
        md.cur = (struct app_mode){&app_cnn_mode, md.cnn};
    }
    set_title(win, &md);

    struct mouse mouse = {0};
    double last = now_s();
    double next_frame = last;
    bool quit = false;
    /* Statistics for --stats: frame work times, CPU over the animation. */
    size_t ntimes = 0, captimes = 4096;
    double *times = o->stats ? xmalloc(captimes * sizeof *times) : NULL;
    double cpu0 = 0.0, wall0 = 0.0;
    bool copied = false;   /* the last frame was shown by copy: the back buffer still holds it */
    while (!quit) {
        SDL_Event e;
        double now = now_s();
        /* --frames N draws N frames even when nothing moves. */
        bool busy = md.cur.ops->busy(md.cur.m, now) || mouse.dragging || v->frames == 0 ||
                    o->frames > 0;
        /* Idle: sleep in the event queue instead of spinning. */
        if (!busy && SDL_WaitEventTimeout(&e, md.cur.ops == &app_cnn_mode ? 40 : 250)) {
            quit |= !handle_event(win, &md, &mouse, &e, now_s());
        }
        while (SDL_PollEvent(&e)) {
            quit |= !handle_event(win, &md, &mouse, &e, now_s());
        }
        if (quit) {
            break;
        }
        now = now_s();
        if (!md.cur.ops->busy(md.cur.m, now) && !mouse.dragging && v->frames > 0 &&
            o->frames == 0) {
            last = now;
            continue;
        }
        if (now < next_frame) {
            SDL_Delay((Uint32)((next_frame - now) * 1000.0));
            now = now_s();
        }
        next_frame = fmax(next_frame + 1.0 / FRAME_HZ, now - 0.5 / FRAME_HZ);
        double t0 = now_s();
        /* the toy race keeps stepping while the CNN mode shows, as training goes on behind it */
        if (md.cur.ops != &app_race_mode) {
            app_race_mode.advance(v, now - last, now);
        }
        md.cur.ops->advance(md.cur.m, now - last, now);
        last = now;
        int w, h;
        SDL_GL_GetDrawableSize(win, &w, &h);
        bool by_copy = md.cur.ops == &app_cnn_mode && can_copy_sub_buffer();
        v->buffer_age = by_copy && copied ? 1 : 0;
        v->present_damage = false;
        if (v->frames == 0) {
            mark(&prof, "events");
            v->profile = prof.on;
        }
        if (md.cur.ops == &app_race_mode) {
            app_view_draw(v, w, h, now);
        } else {
            md.cur.ops->draw(md.cur.m, w, h, now);
            v->frames++;   /* the window's frame count */
        }
        set_title(win, &md);
        if (v->frames == 1 && prof.on) {
            v->profile = false;
            snprintf(prof.line + strlen(prof.line), sizeof prof.line - strlen(prof.line),
                     ", draw %.1f (prepare %.1f, plot %.1f, panels %.1f)",
                     v->phase_ms[0] + v->phase_ms[1] + v->phase_ms[2],
                     v->phase_ms[0], v->phase_ms[1], v->phase_ms[2]);
            prof.last = now_s();
        }
        copied = present(win, v, by_copy, w, h);
        if (v->frames == 1) {
            mark(&prof, "swap");
            if (prof.on) {
                fprintf(stderr, "startup ms: %s; total %.1f\n", prof.line,
                        1000.0 * (now_s() - prof.t0));
            }
            if (o->stats) {
                printf("first-frame-ms %.1f\n", 1000.0 * (now_s() - t_launch));
                fflush(stdout);
            }
            cpu0 = cpu_s();
            wall0 = now_s();
        } else if (times) {
            if (ntimes == captimes) {
                captimes *= 2;
                times = xrealloc(times, captimes * sizeof *times);
            }
            times[ntimes++] = 1000.0 * (now_s() - t0);
        }
        if (o->frames > 0 && v->frames >= o->frames) {
            break;
        }
    }
    if (o->stats) {
        double wall = now_s() - wall0, cpu = cpu_s() - cpu0;
        double p50 = 0.0, p95 = 0.0;
        if (ntimes > 0) {
            qsort(times, ntimes, sizeof *times, cmp_double);
            p50 = times[ntimes / 2];
            p95 = times[(size_t)(0.95 * (double)(ntimes - 1))];
        }
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("frames %ld wall-s %.2f fps %.1f frame-p50-ms %.2f frame-p95-ms %.2f cpu-pct %.0f "
               "maxrss-mb %.0f\n",
               v->frames, wall, wall > 0 ? (v->frames - 1) / wall : 0.0, p50, p95,
               wall > 0 ? 100.0 * cpu / wall : 0.0, peak_rss_mb(&ru));
        if (md.cnn) {
            printf("train-images-per-s %.0f\n",
                   session_cnn_images_per_s(app_cnn_session(md.cnn)));
            app_cnn_print_stats(md.cnn, stdout);
        }
        if (v->settings) {
            app_settings_print_stats(v->settings, stdout);
        }
    }
    free(times);
    bool gl_failed = v->gl_error != NULL;
    app_cnn_destroy(md.cnn);
    app_view_finish(v);
    free(v);
    SDL_GL_DeleteContext(ctx);
    SDL_DestroyWindow(win);
    SDL_Quit();
    if (gl_failed) {
        snprintf(err, errlen, _("OpenGL reported errors while drawing (see above)"));
        return APP_FAILED;
    }
    return APP_OK;
}

/* ======================================================================== benchmark */

bool app_display_hold(void)
{
    return SDL_Init(SDL_INIT_VIDEO) == 0;
}

void app_display_release(void)
{
    SDL_Quit();
}

bool app_bench_frames(const struct scene *scene, const char *shader_dir, int width, int height,
                      bool view3d, long presteps, int frames, double *times_ms, bool *window,
                      char *err, size_t errlen)
{
    SDL_Window *win = NULL;
    SDL_GLContext ctx = NULL;
    struct gl_headless *hl = NULL;
    struct gl_target target = {0};
    struct app_options o = {.width = width, .height = height};
    char why[512];
    *window = open_window(&o, &win, &ctx, NULL, why, sizeof why) == APP_OK;
    if (*window) {
        SDL_GL_SetSwapInterval(0);
    } else {
        hl = gl_headless_create(err, errlen);
        if (!hl) {
            return false;
        }
        if (!gl_target_init(&target, width, height, err, errlen)) {
            gl_headless_destroy(hl);
            return false;
        }
    }
    struct session *sess = xmalloc(sizeof *sess);
    struct session_desc sd = {.scene = scene, .view3d = view3d};
    struct app_view *v = xcalloc(1, sizeof *v);
    bool ok = session_init(sess, &sd, err, errlen);
    if (!ok) {
        free(sess);
    } else {
        ok = app_view_init(v, sess, SESSION_FOR_WINDOW, shader_dir, err, errlen);
    }
    if (ok) {
        v->profile = getenv("OPTISCOPE_PROFILE") != NULL;
        for (long k = 0; k < presteps; k++) {
            race_step(v->s->race);
        }
        /* The animation must not stop at the scene's steps while it is measured. */
        v->s->target = presteps + 1000000;
        /* Simulated 60 Hz time, so panel refreshes and steps per frame are the real ones. */
        int warmup = 10;
        for (int i = 0; i < frames + warmup; i++) {
            double t0 = now_s();
            session_advance(v->s, 1.0 / FRAME_HZ, i / FRAME_HZ);
            int w = width, h = height;
            if (win) {
                SDL_Event e;
                while (SDL_PollEvent(&e)) {
                }
                SDL_GL_GetDrawableSize(win, &w, &h);
            } else {
                glBindFramebuffer(GL_FRAMEBUFFER, target.fbo);
            }
            app_view_draw(v, w, h, i / FRAME_HZ);
            if (win) {
                SDL_GL_SwapWindow(win);
            }
            glFinish();
            if (i >= warmup) {
                times_ms[i - warmup] = 1000.0 * (now_s() - t0);
            }
        }
        if (v->gl_error) {
            snprintf(err, errlen, _("OpenGL error %s while drawing"), v->gl_error);
            ok = false;
        }
        if (v->profile) {
            double n = frames + warmup;
            fprintf(stderr, "  phases per frame (GPU finished after each): prepare %.2f ms, "
                    "plot %.2f ms, panels %.2f ms\n",
                    v->phase_ms[0] / n, v->phase_ms[1] / n, v->phase_ms[2] / n);
        }
    }
    if (v->s) {
        app_view_finish(v);
    }
    free(v);
    if (win) {
        SDL_GL_DeleteContext(ctx);
        SDL_DestroyWindow(win);
        SDL_Quit();
    } else {
        gl_target_finish(&target);
        gl_headless_destroy(hl);
    }
    return ok;
}

/* panel.c: the settings panel's window side: SDL's mouse, keys and text to the model in frame
 * pixels, SDL text input on only while a field is focused (so typed keys never reach the
 * shortcuts), and the painted panel uploaded when its model or the session changed. */
#include "app/panel.h"

#include <math.h>
#include <stdlib.h>

#include "draw/ui.h"
#include "sim/i18n.h"
#include "sim/util.h"

struct app_settings *app_settings_create(void)
{
    struct app_settings *a = xcalloc(1, sizeof *a);
    session_panel_init(&a->model);
    a->tex.drawn_at = -1.0;
    a->drawn_gen = (unsigned long)-1;
    SDL_StopTextInput();   /* on only while a field is focused (SDL starts it on) */
    return a;
}

void app_settings_destroy(struct app_settings *a)
{
    if (!a) {
        return;
    }
    gl_panel_finish(&a->tex.gl);
    if (a->tex.surf) {
        cairo_surface_destroy(a->tex.surf);
    }
    if (a->text_input) {
        SDL_StopTextInput();
    }
    free(a);
}

/* Window pixels to framebuffer pixels (as window.c's to_frame). */
static void to_frame(SDL_Window *win, double x, double y, double *fx, double *fy)
{
    int ww, wh, dw, dh;
    SDL_GetWindowSize(win, &ww, &wh);
    SDL_GL_GetDrawableSize(win, &dw, &dh);
    *fx = ww > 0 ? x * dw / ww : x;
    *fy = wh > 0 ? y * dh / wh : y;
}

static void sync_text_input(struct app_settings *a)
{
    bool want = session_panel_typing(&a->model);
    if (want && !a->text_input) {
        SDL_StartTextInput();
    } else if (!want && a->text_input) {
        SDL_StopTextInput();
    }
    a->text_input = want;
}

static bool key_event(struct app_settings *a, struct app_view *v, const SDL_KeyboardEvent *k,
                      double now)
{
    struct session_panel *p = &a->model;
    SDL_Keycode key = k->keysym.sym;
    bool plain = !(k->keysym.mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI));
    if (session_panel_typing(p)) {
        static const struct {
            SDL_Keycode key;
            enum panel_key pk;
        } keys[] = {
            {SDLK_RETURN, PANEL_KEY_ENTER},     {SDLK_KP_ENTER, PANEL_KEY_ENTER},
            {SDLK_ESCAPE, PANEL_KEY_ESCAPE},    {SDLK_BACKSPACE, PANEL_KEY_BACKSPACE},
            {SDLK_DELETE, PANEL_KEY_DELETE},    {SDLK_LEFT, PANEL_KEY_LEFT},
            {SDLK_RIGHT, PANEL_KEY_RIGHT},      {SDLK_HOME, PANEL_KEY_HOME},
            {SDLK_END, PANEL_KEY_END},
        };
        if (key == SDLK_TAB) {
            session_panel_key(p, v->s, (k->keysym.mod & KMOD_SHIFT) ? PANEL_KEY_BACKTAB
                                                                     : PANEL_KEY_TAB, now);
            return true;
        }
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            if (keys[i].key == key) {
                session_panel_key(p, v->s, keys[i].pk, now);
            }
        }
        return true;   /* every key goes to the field: none is a shortcut now */
    }
    if (plain && key == SDLK_o && !k->repeat) {
        session_panel_toggle(p);
        return true;
    }
    if (p->open && plain && key == SDLK_ESCAPE) {
        return session_panel_key(p, v->s, PANEL_KEY_ESCAPE, now);
    }
    return false;
}

bool app_settings_event(struct app_settings *a, struct app_view *v, SDL_Window *win,
                        const SDL_Event *e, double now)
{
    struct session_panel *p = &a->model;
    bool took = false;
    double x, y;
    if (v->s->help) {
        return false;   /* the help overlay lies over everything, and Esc closes it first */
    }
    unsigned long change0 = v->s->change;
    Uint64 t0 = SDL_GetPerformanceCounter();
    if (p->open && a->frame_w > 0) {
        session_panel_layout(p, v->s, a->frame_w, a->frame_h);   /* the session may have moved */
    }
    switch (e->type) {
    case SDL_KEYDOWN:
        took = key_event(a, v, &e->key, now);
        break;
    case SDL_TEXTINPUT:
        if (session_panel_typing(p)) {
            session_panel_text(p, e->text.text);
            took = true;
        }
        break;
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.button == SDL_BUTTON_LEFT) {
            to_frame(win, e->button.x, e->button.y, &x, &y);
            took = session_panel_press(p, v->s, x, y, now);
        } else {
            to_frame(win, e->button.x, e->button.y, &x, &y);
            took = session_panel_contains(p, x, y);
        }
        break;
    case SDL_MOUSEMOTION:
        to_frame(win, e->motion.x, e->motion.y, &x, &y);
        if (p->press.kind != PANEL_T_NONE || !e->motion.state) {
            took = session_panel_motion(p, v->s, x, y, now) && p->press.kind != PANEL_T_NONE;
        }
        break;
    case SDL_MOUSEBUTTONUP:
        if (e->button.button == SDL_BUTTON_LEFT && p->press.kind != PANEL_T_NONE) {
            to_frame(win, e->button.x, e->button.y, &x, &y);
            took = session_panel_release(p, v->s, x, y, now);
        }
        break;
    case SDL_MOUSEWHEEL: {
        int mx, my;
        SDL_GetMouseState(&mx, &my);
        to_frame(win, mx, my, &x, &y);
        double notches = e->wheel.preciseY != 0.0f ? e->wheel.preciseY : e->wheel.y;
        if (e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED) {
            notches = -notches;
        }
        took = session_panel_wheel(p, v->s, x, y, notches, now);
        break;
    }
    default:
        break;
    }
    sync_text_input(a);
    if (took && v->s->change != change0) {
        double ms = 1000.0 * (double)(SDL_GetPerformanceCounter() - t0) /
                    (double)SDL_GetPerformanceFrequency();
        a->applies++;
        a->apply_ms += ms;
        a->apply_max_ms = fmax(a->apply_max_ms, ms);
    }
    return took;
}

void app_settings_print_stats(const struct app_settings *a, FILE *out)
{
    fprintf(out, "panel-repaints %ld mean-ms %.2f panel-changes %ld mean-ms %.2f max-ms %.2f\n",
            a->repaints, a->repaints ? a->paint_ms / a->repaints : 0.0, a->applies,
            a->applies ? a->apply_ms / a->applies : 0.0, a->apply_max_ms);
}

bool app_settings_busy(const struct app_settings *a, const struct session *s)
{
    const struct session_panel *p = &a->model;
    return (p->open || a->tex.shown) &&
           (p->gen != a->drawn_gen || (p->open && s->input != a->drawn_input));
}

static void paint_ui(cairo_t *cr, const void *ud)
{
    draw_ui(cr, ud);
}

void app_settings_draw(struct app_settings *a, struct app_view *v, int width, int height,
                       double now)
{
    struct session_panel *p = &a->model;
    a->frame_w = width;
    a->frame_h = height;
    if (!p->open || v->s->help) {
        /* hidden: nothing to paint until it shows again, then all of it */
        a->tex.shown = false;
        a->drawn_gen = p->gen;
        a->drawn_input = v->s->input;
        if (a->tex.surf) {
            cairo_surface_destroy(a->tex.surf);
            a->tex.surf = NULL;
        }
        return;
    }
    bool stale = p->gen != a->drawn_gen || v->s->input != a->drawn_input ||
                 width != a->drawn_w || height != a->drawn_h || !a->tex.surf;
    if (stale) {
        session_panel_layout(p, v->s, width, height);
        /* the card and any picker, in one texture */
        struct figure_rect r = p->ui.r;
        double x0 = r.x, y0 = r.y, x1 = r.x + r.w, y1 = r.y + r.h;
        for (int i = 0; i < p->ui.n; i++) {
            if (p->ui.w[i].kind == FIGURE_UI_POPUP) {
                const struct figure_rect *q = &p->ui.w[i].r;
                x0 = fmin(x0, q->x);
                y0 = fmin(y0, q->y);
                x1 = fmax(x1, q->x + q->w);
                y1 = fmax(y1, q->y + q->h);
            }
        }
        int px = (int)fmax(0.0, floor(x0) - 2), py = (int)fmax(0.0, floor(y0) - 2);
        int pw = (int)fmin(width - px, ceil(x1) + 6 - px);
        int ph = (int)fmin(height - py, ceil(y1) + 6 - py);
        Uint64 t0 = SDL_GetPerformanceCounter();
        app_panel_paint(&a->tex, px, py, pw, ph, paint_ui, &p->ui, now);
        a->repaints++;
        a->paint_ms += 1000.0 * (double)(SDL_GetPerformanceCounter() - t0) /
                       (double)SDL_GetPerformanceFrequency();
        a->drawn_gen = p->gen;
        a->drawn_input = v->s->input;
        a->drawn_w = width;
        a->drawn_h = height;
    }
    if (a->tex.shown && a->tex.surf) {
        gl_draw_panel(v->gl, &a->tex.gl, a->tex.x, a->tex.y);
    }
}

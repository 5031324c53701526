/* mode_race.c: the toy race as a window mode: keys through keymap.c to session actions, the
 * mouse to the session, frames through view.c. */
#include <stdio.h>
#include <string.h>

#include "app/keymap.h"
#include "app/mode.h"

static void race_key(void *m, SDL_Keycode key, Uint16 mod, bool is_repeat, double now)
{
    struct app_view *v = m;
    bool repeat;
    int arg;
    enum session_action a = app_keymap(key, mod, &repeat, &arg);
    if (is_repeat && !repeat) {
        return;
    }
    if (a != SESSION_NONE && a != SESSION_QUIT && a != SESSION_FULLSCREEN) {
        app_view_action(v, a, arg, now);
    }
}

static void race_click(void *m, double x, double y, double now)
{
    struct app_view *v = m;
    if (!v->s->help) {
        session_click(v->s, x, y, now);
    }
}

static void race_drag(void *m, double dx, double dy)
{
    session_drag(((struct app_view *)m)->s, dx, dy);
}

static void race_wheel(void *m, double x, double y, double notches)
{
    session_wheel(((struct app_view *)m)->s, x, y, notches);
}

static void race_advance(void *m, double dt, double now)
{
    session_advance(((struct app_view *)m)->s, dt, now);
}

static bool race_busy(void *m, double now)
{
    return app_view_busy(m, now);
}

static void race_draw(void *m, int w, int h, double now)
{
    app_view_draw(m, w, h, now);
}

static void race_expose(void *m)
{
    ((struct app_view *)m)->s->input++;
}

static bool race_help(void *m)
{
    return ((struct app_view *)m)->s->help;
}

static void race_title(void *m, char *buf, size_t len)
{
    snprintf(buf, len, "optiscope: %s", ((struct app_view *)m)->s->title);
}

static void race_hover(void *m, double x, double y, bool inside)
{
    struct app_view *v = m;
    session_hover(v->s, x, y, inside);
    if (v->s->view3d && inside && v->frames > 0) {
        /* the last frame's figure: its camera and scale are what is on screen */
        double p[2];
        bool has = gl_figure_pick(v->fig, x, y, p);
        session_hover_point(v->s, has, p);
    }
}

static void race_toast(void *m, double now, bool error, const char *text)
{
    session_toast(((struct app_view *)m)->s, now, error, "%s", text);
}

const struct app_mode_ops app_race_mode = {
    .name = "toy race",
    .key = race_key,
    .click = race_click,
    .drag = race_drag,
    .wheel = race_wheel,
    .advance = race_advance,
    .busy = race_busy,
    .draw = race_draw,
    .expose = race_expose,
    .help_shown = race_help,
    .title = race_title,
    .toast = race_toast,
    .hover = race_hover,
};

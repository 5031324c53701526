/* test_panel.c: the settings panel's model driven as the window drives it (presses, motion,
 * releases, wheel notches, typed text and keys in frame pixels): a dragged learning rate, a
 * typed value, refused values with their messages, an expression with a parse error at its
 * position, pickers, and the race recomputed to the step it stood at, checked against SGD's
 * closed form on a quadratic. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "check.h"
#include "draw/ui.h"
#include "figure/ui.h"
#include "session/panel.h"
#include "sim/catalog.h"
#include "session_fixture.h"

#define W 1280
#define H 800

/* The centre of widget i, laid out anew (as the window does before each event). */
static void centre(struct session_panel *p, const struct session *s, int i, double *x,
                   double *y)
{
    session_panel_layout(p, s, W, H);
    const struct figure_rect *r = &p->ui.w[i].r;
    *x = r->x + r->w - 10.0;   /* inside the value box, right of the key */
    *y = r->y + r->h * 0.5;
}

static int find(struct session_panel *p, const struct session *s, int runner, const char *key)
{
    session_panel_layout(p, s, W, H);
    return session_panel_find(p, runner, key);
}

static int kind(struct session_panel *p, const struct session *s, enum panel_target_kind k,
                int runner, int arg)
{
    session_panel_layout(p, s, W, H);
    return session_panel_find_kind(p, k, runner, arg);
}

static void click(struct session_panel *p, struct session *s, int i)
{
    double x, y;
    centre(p, s, i, &x, &y);
    session_panel_press(p, s, x, y, 0.0);
    session_panel_release(p, s, x, y, 0.0);
}

static void drag(struct session_panel *p, struct session *s, int i, double dx)
{
    double x, y;
    centre(p, s, i, &x, &y);
    CHECK(session_panel_press(p, s, x, y, 0.0));
    for (int k = 1; k <= 10; k++) {
        session_panel_layout(p, s, W, H);
        CHECK(session_panel_motion(p, s, x + dx * k / 10.0, y + 1.0, 0.0));
    }
    CHECK(session_panel_release(p, s, x + dx, y, 0.0));
}

/* Clicks a field and types text, then Enter. Returns whether the field let go (accepted). */
static bool type_value(struct session_panel *p, struct session *s, int i, const char *text)
{
    click(p, s, i);
    CHECK(session_panel_typing(p));
    session_panel_text(p, text);   /* replaces the selected value */
    session_panel_key(p, s, PANEL_KEY_ENTER, 0.0);
    return !session_panel_typing(p);
}

/* Pixels of r painted near colour (R, G, B) (within 60 per channel) by draw_ui. */
static int painted(const struct figure_ui *ui, struct figure_rect r, unsigned rgb)
{
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(surf);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_paint(cr);
    draw_ui(cr, ui);
    cairo_destroy(cr);
    cairo_surface_flush(surf);
    const unsigned char *d = cairo_image_surface_get_data(surf);
    int stride = cairo_image_surface_get_stride(surf), n = 0;
    for (int y = (int)r.y; y < (int)(r.y + r.h); y++) {
        for (int x = (int)r.x; x < (int)(r.x + r.w); x++) {
            unsigned px = *(const unsigned *)(d + y * stride + 4 * x);
            int dr = abs((int)((px >> 16) & 255) - (int)((rgb >> 16) & 255));
            int dg = abs((int)((px >> 8) & 255) - (int)((rgb >> 8) & 255));
            int db = abs((int)(px & 255) - (int)(rgb & 255));
            n += dr <= 60 && dg <= 60 && db <= 60;
        }
    }
    cairo_surface_destroy(surf);
    return n;
}

static void run_steps(struct session *s, int n)
{
    for (int k = 0; k < n; k++) {
        session_act(s, SESSION_STEP, 0, 0.0);
    }
}

int main(void)
{
    /* bowl: f = 0.1 x^2 + 2 y^2, so SGD's k-th point is (x0 (1 - 0.2 lr)^k, y0 (1 - 4 lr)^k) */
    const char *kv[] = {"function", "bowl", "optimizer", "sgd(lr=0.001), adam(lr=0.05)",
                        "start", "-8,3", "steps", "50", NULL};
    struct session *s = fixture_open(NULL, kv, (struct session_desc){.paused = true});
    struct session_panel p;
    session_panel_init(&p);
    CHECK(!session_panel_press(&p, s, 100, 100, 0.0));   /* closed: the plot's */
    session_panel_toggle(&p);
    session_panel_layout(&p, s, W, H);
    CHECK(p.open && p.ui.r.w > 0 && p.ui.n > 10);
    CHECK(session_panel_contains(&p, p.ui.r.x + 5, p.ui.r.y + 5));
    CHECK(!session_panel_contains(&p, W - 5, H - 5));
    run_steps(s, 20);
    CHECK(session_step(s) == 20);

    /* every key the settings table gives each kind has its widget, under torch's names */
    CHECK(find(&p, s, 0, "lr") >= 0);
    CHECK(find(&p, s, 0, "weight_decay") >= 0);
    CHECK(find(&p, s, 0, "momentum") < 0);   /* sgd takes none */
    const char *adam_keys[] = {"lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad"};
    for (int k = 0; k < 6; k++) {
        CHECK(find(&p, s, 1, adam_keys[k]) >= 0);
    }
    CHECK(find(&p, s, -1, "steps") >= 0 && find(&p, s, -1, "l1") >= 0 &&
          find(&p, s, -1, "l2") >= 0 && find(&p, s, -1, "noise") >= 0 &&
          find(&p, s, -1, "start_x") >= 0 && find(&p, s, -1, "speed") >= 0 &&
          find(&p, s, -1, "expr") >= 0);

    /* hovering a value says what it is: the settings table's range and help */
    double hx, hy;
    centre(&p, s, find(&p, s, 0, "lr"), &hx, &hy);
    CHECK(session_panel_motion(&p, s, hx, hy, 0.0));
    session_panel_layout(&p, s, W, H);
    int hint = -1;
    for (int i = 0; i < p.ui.n; i++) {
        hint = p.ui.w[i].kind == FIGURE_UI_HINT ? i : hint;
    }
    CHECK(hint >= 0 && strstr(p.ui.w[hint].text, "lr, a number > 0: learning rate"));
    CHECK(p.ui.w[find(&p, s, 0, "lr")].flags & FIGURE_UI_HOT);

    /* a drag of 150 pixels is a decade on the learning rate's log scale: 0.001 -> 0.01, and
     * the race is recomputed from the start to step 20 with it */
    drag(&p, s, find(&p, s, 0, "lr"), 150.0);
    CHECK_NEAR(s->race->r[0].params.lr, 0.01, 1e-15);
    CHECK(session_step(s) == 20);
    CHECK_NEAR(s->race->r[0].p[0], -8.0 * pow(1 - 0.2 * 0.01, 20), 1e-12);
    CHECK_NEAR(s->race->r[0].p[1], 3.0 * pow(1 - 4 * 0.01, 20), 1e-12);
    CHECK_NEAR(s->race->r[1].params.lr, 0.05, 0);   /* the other runner untouched */
    /* dragging left goes down, and stays inside (0, inf) however far */
    drag(&p, s, find(&p, s, 0, "lr"), -3000.0);
    CHECK(s->race->r[0].params.lr > 0 && s->race->r[0].params.lr < 1e-10);

    /* a typed exact value */
    CHECK(type_value(&p, s, find(&p, s, 0, "lr"), "0.01"));
    CHECK(s->race->r[0].params.lr == 0.01);
    CHECK(type_value(&p, s, find(&p, s, 1, "lr"), "0.2"));
    CHECK(s->race->r[1].params.lr == 0.2);
    CHECK(!strcmp(s->race->r[1].label, "adam(lr=0.2)"));

    /* bad values: refused with the setting and the reason, the old value kept, the field
     * still holding what was typed */
    CHECK(!type_value(&p, s, find(&p, s, 0, "lr"), "abc"));
    CHECK(s->race->r[0].params.lr == 0.01);
    CHECK(strstr(p.error, "sgd #1 lr") && strstr(p.error, "'abc'"));
    CHECK(!strcmp(p.edit, "abc"));
    session_panel_layout(&p, s, W, H);
    int bad = -1, errw = -1;
    for (int i = 0; i < p.ui.n; i++) {
        bad = (p.ui.w[i].flags & FIGURE_UI_BAD) ? i : bad;
        errw = p.ui.w[i].kind == FIGURE_UI_ERROR ? i : errw;
    }
    CHECK(bad == find(&p, s, 0, "lr"));
    CHECK(errw >= 0 && !strcmp(p.ui.w[errw].text, p.error));   /* shown inline */
    /* drawn so: the card white, the refused box and its reason in red, the rest not */
    CHECK(painted(&p.ui, p.ui.r, 0xffffff) > 0.5 * p.ui.r.w * p.ui.r.h);
    CHECK(errw >= 0 && painted(&p.ui, p.ui.w[errw].r, 0xcf222e) > 30);
    CHECK(painted(&p.ui, p.ui.w[bad].r, 0xcf222e) > 30);
    CHECK(painted(&p.ui, p.ui.w[find(&p, s, 1, "lr")].r, 0xcf222e) == 0);
    session_panel_key(&p, s, PANEL_KEY_ESCAPE, 0.0);   /* Esc cancels */
    CHECK(!session_panel_typing(&p) && !p.error[0] && p.open);
    CHECK(!type_value(&p, s, find(&p, s, 0, "lr"), "-1"));
    CHECK(strstr(p.error, "lr") && strstr(p.error, "> 0"));
    session_panel_key(&p, s, PANEL_KEY_ESCAPE, 0.0);
    CHECK(!type_value(&p, s, find(&p, s, 1, "beta2"), "1"));
    CHECK(strstr(p.error, "adam #2 beta2") && strstr(p.error, "[0, 1)"));
    CHECK(s->race->r[1].params.beta2 == 0.999);
    session_panel_key(&p, s, PANEL_KEY_ESCAPE, 0.0);
    CHECK(!type_value(&p, s, find(&p, s, -1, "steps"), "2.5"));
    CHECK(strstr(p.error, "steps") && s->scene.steps == 50);
    session_panel_key(&p, s, PANEL_KEY_ESCAPE, 0.0);
    CHECK(!type_value(&p, s, find(&p, s, -1, "start_x"), "1e999"));
    CHECK(strstr(p.error, "start_x") && s->race->start[0] == -8.0);
    session_panel_key(&p, s, PANEL_KEY_ESCAPE, 0.0);
    CHECK(s->race->r[0].params.lr == 0.01 && session_step(s) == 20);

    /* editing keys: Backspace, Left, Home */
    click(&p, s, find(&p, s, 0, "lr"));
    session_panel_key(&p, s, PANEL_KEY_END, 0.0);
    session_panel_key(&p, s, PANEL_KEY_BACKSPACE, 0.0);
    session_panel_text(&p, "2");
    CHECK(!strcmp(p.edit, "0.02"));
    session_panel_key(&p, s, PANEL_KEY_ENTER, 0.0);
    CHECK(s->race->r[0].params.lr == 0.02);

    /* Tab accepts and moves to the next field, Shift+Tab back; a refused value stays */
    click(&p, s, find(&p, s, 0, "lr"));
    session_panel_text(&p, "0.03");
    session_panel_layout(&p, s, W, H);
    session_panel_key(&p, s, PANEL_KEY_TAB, 0.0);
    CHECK(s->race->r[0].params.lr == 0.03);
    CHECK(p.focus.kind == PANEL_T_OPT && !strcmp(p.focus.row->name, "weight_decay"));
    session_panel_layout(&p, s, W, H);
    session_panel_key(&p, s, PANEL_KEY_BACKTAB, 0.0);
    CHECK(p.focus.kind == PANEL_T_OPT && !strcmp(p.focus.row->name, "lr"));
    session_panel_text(&p, "x");
    session_panel_key(&p, s, PANEL_KEY_TAB, 0.0);
    CHECK(!strcmp(p.focus.row->name, "lr") && strstr(p.error, "sgd #1 lr"));
    session_panel_key(&p, s, PANEL_KEY_ESCAPE, 0.0);
    CHECK(!type_value(&p, s, find(&p, s, 0, "lr"), "abc") && s->race->r[0].params.lr == 0.03);
    session_panel_key(&p, s, PANEL_KEY_ESCAPE, 0.0);
    CHECK(type_value(&p, s, find(&p, s, 0, "lr"), "0.02"));

    /* the wheel over a value: one notch is 20 pixels of drag */
    double x, y;
    centre(&p, s, find(&p, s, 1, "beta1"), &x, &y);
    CHECK(session_panel_wheel(&p, s, x, y, 1.0, 0.0));
    CHECK_NEAR(s->race->r[1].params.beta1, 0.967, 1e-12);
    centre(&p, s, find(&p, s, -1, "speed"), &x, &y);
    double sp = session_speed(s);
    session_panel_wheel(&p, s, x, y, 1.0, 0.0);
    CHECK(session_speed(s) > sp);
    CHECK(type_value(&p, s, find(&p, s, -1, "speed"), "250"));
    CHECK(session_speed(s) == 250);

    /* bools toggle on a click */
    click(&p, s, find(&p, s, 1, "amsgrad"));
    CHECK(s->race->r[1].params.amsgrad);

    /* penalties: l2 typed changes the objective the race steps on */
    CHECK(type_value(&p, s, find(&p, s, -1, "l2"), "0.5"));
    CHECK(s->scene.l2 == 0.5 && s->race->l2 == 0.5 && session_step(s) == 20);
    CHECK_NEAR(s->race->r[0].p[0], -8.0 * pow(1 - (0.2 + 1.0) * 0.02, 20), 1e-12);
    CHECK(type_value(&p, s, find(&p, s, -1, "l2"), "0"));

    /* the expression: a parse error at its position, the old surface kept; then a good one */
    unsigned long gen = s->scene_gen;
    CHECK(!type_value(&p, s, find(&p, s, -1, "expr"), "x^2 + sni(y)"));
    CHECK(strstr(p.error, "expr: position 7") && strstr(p.error, "sni"));
    CHECK(p.error_at == 6 && p.caret == 6);
    CHECK(s->scene.expr == NULL && !strcmp(s->scene.function, "bowl") && s->scene_gen == gen);
    session_panel_layout(&p, s, W, H);
    CHECK(p.ui.w[find(&p, s, -1, "expr")].err_at == 6);
    session_panel_key(&p, s, PANEL_KEY_ESCAPE, 0.0);
    click(&p, s, find(&p, s, -1, "expr"));
    CHECK(!strcmp(p.edit, "0.1*x^2 + 2*y^2"));   /* the catalog's own definition */
    session_panel_key(&p, s, PANEL_KEY_HOME, 0.0);
    for (int k = 0; k < 20; k++) {
        session_panel_key(&p, s, PANEL_KEY_DELETE, 0.0);
    }
    session_panel_text(&p, "x^2 + y^2");
    session_panel_key(&p, s, PANEL_KEY_ENTER, 0.0);
    CHECK(!session_panel_typing(&p) && s->scene.expr && !strcmp(s->scene.expr, "x^2 + y^2"));
    CHECK(s->scene_gen != gen && session_step(s) == 20);
    CHECK_NEAR(s->race->r[0].p[0], -8.0 * pow(1 - 2.0 * 0.02, 20), 1e-12);

    /* add, remove, schedules: through the pickers */
    int n = s->race->n;
    click(&p, s, kind(&p, s, PANEL_T_ADD_MENU, 0, 0));
    CHECK(p.popup == PANEL_POPUP_ADD);
    int item = kind(&p, s, PANEL_T_ADD, 0, OPTIM_NAG);
    CHECK(item >= 0);
    click(&p, s, item);
    CHECK(s->race->n == n + 1 && s->race->r[n].params.kind == OPTIM_NAG);
    CHECK(s->race->r[n].params.momentum == 0.9 && p.popup == PANEL_POPUP_NONE);
    click(&p, s, kind(&p, s, PANEL_T_SCHED_MENU, 0, 0));
    CHECK(p.popup == PANEL_POPUP_SCHED);
    click(&p, s, kind(&p, s, PANEL_T_SCHED, 0, SCHED_STEP));
    CHECK(s->race->r[0].params.has_sched && s->race->r[0].params.sched.kind == SCHED_STEP);
    CHECK(s->race->r[0].params.sched.step_size == 12);   /* a quarter of the 50 steps */
    CHECK(type_value(&p, s, find(&p, s, 0, "gamma"), "0.5"));
    CHECK(s->race->r[0].params.sched.gamma == 0.5);
    CHECK(!type_value(&p, s, find(&p, s, 0, "step_size"), "0"));
    CHECK(strstr(p.error, "sgd #1 step_size"));
    session_panel_key(&p, s, PANEL_KEY_ESCAPE, 0.0);
    click(&p, s, kind(&p, s, PANEL_T_REMOVE, 1, 0));
    CHECK(s->race->n == n && s->race->r[1].params.kind == OPTIM_NAG);
    click(&p, s, kind(&p, s, PANEL_T_REMOVE, 1, 0));
    CHECK(s->race->n == 1);
    click(&p, s, kind(&p, s, PANEL_T_REMOVE, 0, 0));
    CHECK(s->race->n == 1 && strstr(p.error, "at least one optimizer"));

    /* the function picker: the catalog */
    click(&p, s, kind(&p, s, PANEL_T_FUNC_MENU, 0, 0));
    CHECK(p.popup == PANEL_POPUP_FUNC);
    int ros = -1;
    for (int i = 0; i < (int)catalog_count(); i++) {
        ros = !strcmp(catalog_get((size_t)i)->name, "rosenbrock") ? i : ros;
    }
    click(&p, s, kind(&p, s, PANEL_T_FUNC, 0, ros));
    CHECK(!strcmp(s->res.name, "rosenbrock") && s->scene.expr == NULL);
    CHECK(s->race->start[0] == -2.0 && s->race->start[1] == 2.0);   /* the function's start */

    /* an expression that parses but is not finite at the start: refused, the surface kept */
    CHECK(!type_value(&p, s, find(&p, s, -1, "expr"), "log(x)"));
    CHECK(strstr(p.error, "expr: ") && strstr(p.error, "start") && s->scene.expr == NULL);
    CHECK(!strcmp(s->res.name, "rosenbrock"));
    session_panel_key(&p, s, PANEL_KEY_ESCAPE, 0.0);

    /* restart; Esc closes the panel when nothing is being typed */
    run_steps(s, 5);
    click(&p, s, kind(&p, s, PANEL_T_RESTART, 0, 0));
    CHECK(session_step(s) == 0);
    CHECK(!session_panel_key(&p, s, PANEL_KEY_ENTER, 0.0));   /* not the panel's: a shortcut */
    session_panel_key(&p, s, PANEL_KEY_ESCAPE, 0.0);
    session_panel_key(&p, s, PANEL_KEY_ESCAPE, 0.0);
    CHECK(!p.open);

    fixture_close(s);
    return check_done("panel");
}

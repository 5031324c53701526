/* panel.c: the settings panel's model: layout of its widgets from the session, hit-testing,
 * the drag, wheel and typed-value rules, and every change applied through the settings table's
 * own rows to a copy of the scene, which then replaces the session's with the race recomputed
 * from its start to the step it stood at. */
#include "session/panel.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/catalog.h"
#include "sim/i18n.h"
#include "sim/util.h"

/* Layout, frame pixels. */
#define PAD 10.0          /* inside the card */
#define LINE 24.0         /* one line of cells */
#define CELL_H 20.0       /* a cell's box */
#define GAP 6.0           /* between cells */
#define VALUE_W 66.0      /* a value's box */
#define KEY_FONT 11.0     /* keys' text size: an estimate of their width per byte */
#define CLICK_SLOP 4.0    /* a press that moves less is a click */
#define WHEEL_PX 20.0     /* one wheel notch drags this far */

/* ======================================================================== set-up */

void session_panel_init(struct session_panel *p)
{
    memset(p, 0, sizeof *p);
    p->hot = -1;
    p->error_at = -1;
}

static void drop_edit(struct session_panel *p)
{
    p->focus.kind = PANEL_T_NONE;
    p->bad.kind = PANEL_T_NONE;
    p->error[0] = '\0';
    p->error_at = -1;
    p->select_all = false;
}

void session_panel_toggle(struct session_panel *p)
{
    p->open = !p->open;
    drop_edit(p);
    p->popup = PANEL_POPUP_NONE;
    p->press.kind = PANEL_T_NONE;
    p->hot = -1;
    p->gen++;
}

static bool same_target(const struct panel_target *a, const struct panel_target *b)
{
    return a->kind == b->kind && a->runner == b->runner && a->row == b->row && a->arg == b->arg;
}

/* ======================================================================== values */

static const struct setting *scene_row(const char *name)
{
    const struct setting *row = setting_find(settings_scene(), name, 0);
    assert(row);
    return row;
}

/* The key a target shows: "lr", "start x", "speed". */
static const char *target_key(const struct panel_target *t)
{
    switch (t->kind) {
    case PANEL_T_OPT:
    case PANEL_T_OPT_SCHED:
    case PANEL_T_SCENE:
        return t->row->name;
    case PANEL_T_START:
        return t->arg ? "start_y" : "start_x";
    case PANEL_T_SPEED:
        return "speed";
    case PANEL_T_EXPR:
        return "expr";
    default:
        return "";
    }
}

void session_panel_value(const struct session *s, const struct panel_target *t, char *buf,
                         size_t len)
{
    buf[0] = '\0';
    const struct race *r = s->race;
    switch (t->kind) {
    case PANEL_T_OPT:
        setting_format(t->row, &r->r[t->runner].params, buf, len);
        break;
    case PANEL_T_OPT_SCHED:
        setting_format(t->row, &r->r[t->runner].params.sched, buf, len);
        break;
    case PANEL_T_SCENE:
        setting_format(t->row, &s->scene, buf, len);
        break;
    case PANEL_T_START:
        setting_format_double(r->start[t->arg], buf, len);
        break;
    case PANEL_T_SPEED:
        snprintf(buf, len, "%g", session_speed(s));
        break;
    case PANEL_T_EXPR:
        snprintf(buf, len, "%s", s->scene.expr ? s->scene.expr
                                 : s->res.entry ? s->res.entry->expr : "");
        break;
    default:
        break;
    }
}

/* The value as a number (bools 0/1); NAN when it is none. */
static double target_number(const struct session *s, const struct panel_target *t)
{
    char buf[128];
    session_panel_value(s, t, buf, sizeof buf);
    if (t->kind == PANEL_T_OPT && t->row->type == SETTING_BOOL) {
        return !strcmp(buf, "true");
    }
    char *end;
    double v = strtod(buf, &end);
    return end != buf ? v : NAN;
}

static bool numeric(const struct panel_target *t)
{
    switch (t->kind) {
    case PANEL_T_OPT:
    case PANEL_T_OPT_SCHED:
    case PANEL_T_SCENE:
        return t->row->type == SETTING_DOUBLE || t->row->type == SETTING_LONG;
    case PANEL_T_START:
    case PANEL_T_SPEED:
        return true;
    default:
        return false;
    }
}

/* Log-scaled drags: learning rates, and positive values of rows with no upper end (eps). */
static bool log_scaled(const struct panel_target *t, double v)
{
    if (t->kind != PANEL_T_OPT && t->kind != PANEL_T_OPT_SCHED && t->kind != PANEL_T_SCENE) {
        return false;
    }
    if (!strcmp(t->row->name, "lr")) {
        return true;
    }
    return t->row->type == SETTING_DOUBLE && t->row->min >= 0 && isinf(t->row->max) && v > 0;
}

static double round_sig(double v, int digits)
{
    if (v == 0 || !isfinite(v)) {
        return v;
    }
    double m = pow(10.0, digits - 1 - (int)floor(log10(fabs(v))));
    return round(v * m) / m;
}

/* The slider position of a value in [0, 1], or -1 for none. */
static double fill_of(const struct session *s, const struct panel_target *t, double v)
{
    if (!isfinite(v)) {
        return -1.0;
    }
    double f = -1.0;
    switch (t->kind) {
    case PANEL_T_START: {
        double lo = s->res.domain[2 * t->arg], hi = s->res.domain[2 * t->arg + 1];
        f = (v - lo) / (hi - lo);
        break;
    }
    case PANEL_T_SPEED:
        f = s->speed_idx / (double)(SESSION_NSPEEDS - 1);
        break;
    case PANEL_T_OPT:
    case PANEL_T_OPT_SCHED:
    case PANEL_T_SCENE:
        if (t->row->type == SETTING_BOOL) {
            return -1.0;
        }
        if (!strcmp(t->row->name, "lr")) {
            f = (log10(v) + 5.0) / 6.0;   /* 1e-5 .. 10 */
        } else if (t->row->type == SETTING_LONG) {
            f = log10(v + 1.0) / 4.0;     /* 0 .. 10,000 */
        } else if (isfinite(t->row->max) && isfinite(t->row->min)) {
            f = (v - t->row->min) / (t->row->max - t->row->min);
        } else if (t->row->min >= 0) {
            f = v / (v + 1.0);
        }
        break;
    default:
        break;
    }
    return f < 0 ? 0.0 : f > 1 ? 1.0 : f;
}

/* The value a drag of px pixels from v0 asks for, kept inside the row's range. */
static double dragged(const struct session *s, const struct panel_target *t, double v0,
                      double px)
{
    if (t->kind == PANEL_T_START) {
        double span = s->res.domain[2 * t->arg + 1] - s->res.domain[2 * t->arg];
        double step = span * 1e-3;
        return round((v0 + px / 300.0 * span) / step) * step;
    }
    const struct setting *row = t->row;
    double v;
    if (row->type == SETTING_LONG) {
        v = round((v0 + 1.0) * pow(10.0, px / 200.0) - 1.0);
        if (v == v0 && px != 0) {
            v = v0 + (px > 0 ? 1 : -1);   /* small counts move by one per notch */
        }
    } else if (log_scaled(t, v0)) {
        v = round_sig(v0 * pow(10.0, px / 150.0), 3);
    } else if (isfinite(row->max) && isfinite(row->min)) {
        double span = row->max - row->min;
        v = round((v0 + px / 300.0 * span) / (span * 1e-3)) * (span * 1e-3);
    } else {
        /* from zero upwards on a row without an end: 0.001 first, then on the log scale */
        v = px > 0 ? round_sig(1e-3 * pow(10.0, px / 150.0), 3) : 0.0;
    }
    double lo = row->min, hi = row->max;
    if (row->flags & SETTING_MIN_OPEN) {
        lo = lo == 0 ? fmin(1e-12, v0) : lo + fabs(lo) * 1e-9;
    }
    if (row->flags & SETTING_MAX_OPEN) {
        hi = hi - (hi - row->min) * 1e-4;
    }
    if (!strcmp(row->name, "lr")) {
        lo = fmax(lo, 1e-12);   /* as the [ ] keys keep it */
        hi = fmin(hi, 1e6);
    }
    return fmin(fmax(v, lo), hi);
}

/* ======================================================================== applying */

/* Replaces the session's scene by sc (owned), keeping what is shown; keep_step: the race is
 * recomputed from its start to the step it stood at, else it starts again. removed: the
 * runner taken out (-1 none) so the others keep their shown flags. */
static bool apply_scene(struct session *s, struct scene *sc, bool keep_step, int removed,
                        char *err, size_t errlen)
{
    long at = session_step(s), target = s->target;
    long old_steps = s->scene.steps;
    int old_n = s->race->n, selected = s->selected;
    bool shown[RACE_MAX];
    memcpy(shown, s->shown, sizeof shown);
    bool same_obj = !strcmp(sc->function, s->scene.function) &&
                    !strcmp(sc->expr ? sc->expr : "", s->scene.expr ? s->scene.expr : "") &&
                    sc->l1 == s->scene.l1 && sc->l2 == s->scene.l2;
    unsigned long scene_gen = s->scene_gen;
    if (!session_set_scene(s, sc, err, errlen)) {
        return false;
    }
    if (same_obj) {
        s->scene_gen = scene_gen;   /* the same surface: the window keeps its programs */
    }
    for (int i = 0, j = 0; i < old_n && j < RACE_MAX; i++) {
        if (i != removed) {
            s->shown[j++] = shown[i];
        }
    }
    s->selected = s->race->n > 0 ? (selected < s->race->n ? selected : s->race->n - 1) : 0;
    if (keep_step) {
        s->target = s->scene.steps != old_steps ? s->scene.steps : target;
        long to = at < s->target ? at : s->target;
        for (long k = 0; k < to; k++) {
            race_step(s->race);
        }
    }
    return true;
}

/* "adam #2" */
static void runner_name(const struct session *s, int i, char *buf, size_t len)
{
    snprintf(buf, len, "%s #%d", optim_name(s->race->r[i].params.kind), i + 1);
}

bool session_panel_set(struct session_panel *p, struct session *s,
                       const struct panel_target *t, const char *text, char *err,
                       size_t errlen)
{
    char why[512] = "", who[96] = "";
    struct scene sc;
    session_scene(s, &sc);
    bool ok = false;
    switch (t->kind) {
    case PANEL_T_OPT:
        runner_name(s, t->runner, who, sizeof who);
        ok = setting_parse(t->row, &sc.opt[t->runner], text, false, why, sizeof why);
        break;
    case PANEL_T_OPT_SCHED:
        runner_name(s, t->runner, who, sizeof who);
        ok = setting_parse(t->row, &sc.opt[t->runner].sched, text, false, why, sizeof why);
        break;
    case PANEL_T_SCENE:
        ok = setting_parse(t->row, &sc, text, false, why, sizeof why);
        break;
    case PANEL_T_START: {
        char *end;
        double v = strtod(text, &end);
        while (*end == ' ') {
            end++;
        }
        if (end == text || *end || !isfinite(v)) {
            snprintf(why, sizeof why, _("expected a number, got '%s'"), UTIL_ESC(text));
            break;
        }
        char pair[96], a[40], b[40];
        setting_format_double(t->arg == 0 ? v : s->race->start[0], a, sizeof a);
        setting_format_double(t->arg == 1 ? v : s->race->start[1], b, sizeof b);
        snprintf(pair, sizeof pair, "%s,%s", a, b);
        ok = setting_parse(scene_row("start"), &sc, pair, false, why, sizeof why) &&
             race_start_ok(s->race->obj, sc.start, why, sizeof why);
        break;
    }
    case PANEL_T_SPEED: {
        char *end;
        double v = strtod(text, &end);
        while (*end == ' ') {
            end++;
        }
        if (end == text || *end || !(v > 0) || !isfinite(v)) {
            snprintf(why, sizeof why, _("expected steps per second > 0, got '%s'"),
                     UTIL_ESC(text));
            break;
        }
        int best = 0, was = s->speed_idx;
        for (int i = 0; i < SESSION_NSPEEDS; i++) {
            s->speed_idx = i;
            double d = fabs(log(session_speed(s) / v));
            s->speed_idx = best;
            best = d < fabs(log(session_speed(s) / v)) ? i : best;
        }
        s->speed_idx = best;
        if (best != was) {
            s->change++;
            s->input++;
        }
        scene_finish(&sc);
        return true;
    }
    case PANEL_T_EXPR: {
        struct expr_error e;
        struct expr *f = expr_compile(text, &e);
        if (!f) {
            snprintf(why, sizeof why, _("position %d: %s"), e.pos, e.msg);
            p->error_at = e.pos - 1;
            break;
        }
        expr_destroy(f);
        ok = setting_parse(scene_row("expr"), &sc, text, false, why, sizeof why);
        /* the view and the start stay where they were: the new surface over the same plane */
        sc.has_domain = true;
        memcpy(sc.domain, s->res.domain, sizeof sc.domain);
        sc.has_start = true;
        memcpy(sc.start, s->race->start, sizeof sc.start);
        sc.title[0] = '\0';
        break;
    }
    default:
        snprintf(why, sizeof why, _("not a value"));
        break;
    }
    /* the race is recomputed from its start to the step it stood at: the paths follow */
    if (ok && apply_scene(s, &sc, true, -1, why, sizeof why)) {
        return true;
    }
    if (!ok) {
        scene_finish(&sc);   /* (apply_scene finishes it itself) */
    }
    snprintf(err, errlen, "%s%s%s: %s", who, who[0] ? " " : "", target_key(t), why);
    return false;
}

/* ======================================================================== layout */

struct flow {
    struct session_panel *p;
    double x0, x1, x, y;           /* the content's left and right, the cursor */
};

static struct figure_ui_widget *add(struct flow *fl, enum figure_ui_kind kind, double w,
                                    const struct panel_target *t)
{
    struct session_panel *p = fl->p;
    if (p->ui.n >= FIGURE_UI_MAX) {
        return NULL;
    }
    if (fl->x > fl->x0 && fl->x + w > fl->x1) {
        fl->x = fl->x0;
        fl->y += LINE;
    }
    struct figure_ui_widget *wd = &p->ui.w[p->ui.n];
    memset(wd, 0, sizeof *wd);
    wd->kind = kind;
    wd->r = (struct figure_rect){fl->x, fl->y, fmin(w, fl->x1 - fl->x0), CELL_H};
    wd->fill = -1.0;
    wd->rgb[0] = -1.0;
    wd->err_at = -1;
    p->t[p->ui.n] = t ? *t : (struct panel_target){0};
    p->ui.n++;
    fl->x += w + GAP;
    return wd;
}

static void newline(struct flow *fl, double extra)
{
    if (fl->x > fl->x0) {
        fl->y += LINE;
    }
    fl->x = fl->x0;
    fl->y += extra;
}

static double est_width(const char *s, double font)
{
    return 0.56 * font * (double)strlen(s);
}

static void finish_widget(struct session_panel *p, const struct session *s,
                          struct figure_ui_widget *w, const struct panel_target *t)
{
    int i = (int)(w - p->ui.w);
    if (same_target(t, &p->focus) && p->focus.kind != PANEL_T_NONE) {
        snprintf(w->text, sizeof w->text, "%s", p->edit);
        w->caret = p->caret;
        w->flags |= FIGURE_UI_FOCUS | (p->select_all ? FIGURE_UI_SELECT : 0);
    } else {
        char v[512];
        session_panel_value(s, t, v, sizeof v);
        if (numeric(t) && t->kind != PANEL_T_SPEED) {
            double d = strtod(v, NULL);
            if (strlen(v) > 8) {
                snprintf(v, sizeof v, "%.6g", d);
            }
        }
        if (t->kind == PANEL_T_SPEED) {
            strncat(v, "/s", sizeof v - strlen(v) - 1);
        }
        snprintf(w->text, sizeof w->text, "%s", v);
    }
    if (p->bad.kind != PANEL_T_NONE && same_target(t, &p->bad)) {
        w->flags |= FIGURE_UI_BAD;
        w->err_at = t->kind == PANEL_T_EXPR ? p->error_at : -1;
    }
    if (i == p->hot) {
        w->flags |= FIGURE_UI_HOT;
    }
}

static void add_value(struct flow *fl, const struct session *s, struct panel_target t)
{
    const char *key = target_key(&t);
    double w = ceil((est_width(key, KEY_FONT) + VALUE_W + 10.0) / 8.0) * 8.0;
    struct figure_ui_widget *wd = add(fl, FIGURE_UI_VALUE, w, &t);
    if (!wd) {
        return;
    }
    snprintf(wd->label, sizeof wd->label, "%s", key);
    finish_widget(fl->p, s, wd, &t);
    wd->fill = fill_of(s, &t, target_number(s, &t));
}

static struct figure_ui_widget *add_button(struct flow *fl, const char *text,
                                           struct panel_target t, double minw)
{
    double w = fmax(minw, est_width(text, 12.0) + 16.0);
    struct figure_ui_widget *wd = add(fl, FIGURE_UI_BUTTON, w, &t);
    if (wd) {
        snprintf(wd->label, sizeof wd->label, "%s", text);
        int i = (int)(wd - fl->p->ui.w);
        if (i == fl->p->hot) {
            wd->flags |= FIGURE_UI_HOT;
        }
    }
    return wd;
}

static void add_error_line(struct flow *fl, const struct panel_target *owner)
{
    struct session_panel *p = fl->p;
    bool mine = p->error[0] && p->bad.kind != PANEL_T_NONE &&
                (owner ? p->bad.runner == owner->runner &&
                         (p->bad.kind == PANEL_T_OPT || p->bad.kind == PANEL_T_OPT_SCHED)
                       : !(p->bad.kind == PANEL_T_OPT || p->bad.kind == PANEL_T_OPT_SCHED));
    if (!mine) {
        return;
    }
    newline(fl, 0);
    struct figure_ui_widget *wd = add(fl, FIGURE_UI_ERROR, fl->x1 - fl->x0, NULL);
    if (wd) {
        snprintf(wd->text, sizeof wd->text, "%s", p->error);
        wd->r.h = 18.0;
    }
    newline(fl, -4.0);
}

static void add_heading(struct flow *fl, const char *text)
{
    newline(fl, 4.0);
    struct figure_ui_widget *wd = add(fl, FIGURE_UI_HEADING, fl->x1 - fl->x0, NULL);
    if (wd) {
        snprintf(wd->label, sizeof wd->label, "%s", text);
    }
    newline(fl, 0);
}

static void layout_runner(struct flow *fl, const struct session *s, int i)
{
    const struct race_runner *r = &s->race->r[i];
    const struct optim_params *op = &r->params;
    char name[64];
    runner_name(s, i, name, sizeof name);
    newline(fl, 2.0);
    struct figure_ui_widget *lab = add(fl, FIGURE_UI_LABEL, est_width(name, 16.0) + 24.0, NULL);
    if (lab) {
        snprintf(lab->label, sizeof lab->label, "%s", name);
        figure_runner_rgb(i, lab->rgb);
    }
    const char *keys[64];
    size_t nk = setting_names(settings_optim(), op->kind, keys, 64);
    for (size_t k = 0; k < nk; k++) {
        if (!strcmp(keys[k], "schedule")) {
            continue;
        }
        const struct setting *row = setting_find(settings_optim(), keys[k], op->kind);
        add_value(fl, s, (struct panel_target){PANEL_T_OPT, i, row, 0});
    }
    char sch[96];
    snprintf(sch, sizeof sch, _("schedule: %s \xE2\x96\xBE"),
             op->has_sched ? sched_name(op->sched.kind) : _("the race's"));
    struct figure_ui_widget *b =
        add_button(fl, sch, (struct panel_target){PANEL_T_SCHED_MENU, i, NULL, 0}, 0);
    if (b && fl->p->popup == PANEL_POPUP_SCHED && fl->p->popup_runner == i) {
        b->flags |= FIGURE_UI_ON;
    }
    if (op->has_sched) {
        nk = setting_names(settings_sched(), op->sched.kind, keys, 64);
        for (size_t k = 0; k < nk; k++) {
            const struct setting *row = setting_find(settings_sched(), keys[k], op->sched.kind);
            add_value(fl, s, (struct panel_target){PANEL_T_OPT_SCHED, i, row, 0});
        }
    }
    add_button(fl, "\xC3\x97 remove", (struct panel_target){PANEL_T_REMOVE, i, NULL, 0}, 0);
    add_error_line(fl, &(struct panel_target){PANEL_T_OPT, i, NULL, 0});
}

/* A picker: a card of buttons under (x, y), three to a line. */
static void layout_popup(struct session_panel *p, const struct session *s, int width,
                         int height)
{
    const char *items[64];
    int nitems = 0, current = -1;
    enum panel_target_kind kind = PANEL_T_NONE;
    int first_arg = 0;
    if (p->popup == PANEL_POPUP_FUNC) {
        kind = PANEL_T_FUNC;
        for (size_t i = 0; i < catalog_count() && nitems < 64; i++) {
            items[nitems++] = catalog_get(i)->name;
        }
        current = s->func_idx;
    } else if (p->popup == PANEL_POPUP_ADD) {
        kind = PANEL_T_ADD;
        for (int i = 0; i < OPTIM_COUNT; i++) {
            items[nitems++] = optim_name((enum optim_kind)i);
        }
    } else if (p->popup == PANEL_POPUP_SCHED && p->popup_runner < s->race->n) {
        kind = PANEL_T_SCHED;
        first_arg = -1;
        items[nitems++] = _("the race's");
        for (int i = 0; i < SCHED_COUNT; i++) {
            items[nitems++] = sched_name((enum sched_kind)i);
        }
        const struct optim_params *op = &s->race->r[p->popup_runner].params;
        current = op->has_sched ? (int)op->sched.kind + 1 : 0;
    } else {
        return;
    }
    const double bw = 130.0, cols = 3;
    int rows = (nitems + 2) / 3;
    double cw = cols * (bw + GAP) - GAP + 2 * PAD, ch = rows * LINE - (LINE - CELL_H) + 2 * PAD;
    double x = fmin(p->popup_x, width - cw - 4.0), y = p->popup_y;
    if (y + ch > height - 4.0) {
        y = fmax(4.0, p->popup_y - CELL_H - ch - 4.0);
    }
    x = fmax(4.0, x);
    struct flow fl = {p, x + PAD, x + cw - PAD, x + PAD, y + PAD};
    struct figure_ui_widget *card = add(&fl, FIGURE_UI_POPUP, 1.0, NULL);
    if (!card) {
        return;
    }
    card->r = (struct figure_rect){x, y, cw, ch};
    fl.x = fl.x0;
    for (int i = 0; i < nitems; i++) {
        struct figure_ui_widget *b =
            add_button(&fl, items[i], (struct panel_target){kind, p->popup_runner, NULL,
                                                            first_arg + i}, bw);
        if (b) {
            b->r.w = bw;
            if (i == current) {
                b->flags |= FIGURE_UI_ON;
            }
        }
    }
}

/* "lr: learning rate (the schedule scales it); a number > 0", or how to use the panel. */
static void hint_text(const struct panel_target *t, char *buf, size_t len)
{
    char what[160];
    switch (t->kind) {
    case PANEL_T_OPT:
    case PANEL_T_OPT_SCHED:
    case PANEL_T_SCENE:
        setting_describe(t->row, what, sizeof what);
        snprintf(buf, len, "%s, %s: %s", t->row->name, what, t->row->help);
        return;
    case PANEL_T_START:
        snprintf(buf, len, _("%s: where every optimizer starts; drag across the domain"),
                 t->arg ? "start_y" : "start_x");
        return;
    case PANEL_T_SPEED:
        snprintf(buf, len, _("speed: optimizer steps per second of the animation"));
        return;
    case PANEL_T_EXPR:
        snprintf(buf, len, _("expr: f(x, y) with + - * / ^, sin cos tan exp log sqrt abs tanh "
                 "sinh cosh atan min max, pi, e"));
        return;
    default:
        snprintf(buf, len, _("drag a value sideways or turn the wheel over it to change it; "
                 "click it to type an exact one (Enter accepts, Esc cancels)"));
        return;
    }
}

void session_panel_layout(struct session_panel *p, const struct session *s, int width,
                          int height)
{
    int n_old = p->ui.n;
    p->ui.n = 0;
    p->ui.font = 12.0;
    if (!p->open) {
        p->ui.r = (struct figure_rect){0, 0, 0, 0};
        p->w = 0;
        return;
    }
    /* on the right, over the legend and the loss plot (the panel says what the legend says),
     * so the paths stay in sight while a value is dragged */
    double plot_right = s->last_plot.w > 0 ? s->last_plot.x + s->last_plot.w : width * 0.6;
    p->w = fmin(fmin(500.0, fmax(360.0, width - plot_right - 80.0)), width - 16.0);
    p->x = width - p->w - 8.0;
    p->y = 8.0;
    p->h = fmax(60.0, height - 16.0);
    p->ui.r = (struct figure_rect){p->x, p->y, p->w, p->h};
    struct panel_target hot_t = {0};   /* read before this layout overwrites the last one */
    if (p->hot >= 0 && p->hot < n_old) {
        hot_t = p->t[p->hot];
    }
    double top = p->y + PAD - p->scroll;
    struct flow fl = {p, p->x + PAD, p->x + p->w - PAD, p->x + PAD, top};

    /* header: title, restart, close */
    struct figure_ui_widget *h = add(&fl, FIGURE_UI_HEADING, 150.0, NULL);
    if (h) {
        snprintf(h->label, sizeof h->label, "%s", _("Settings"));
    }
    fl.x = fl.x1 - 88.0 - GAP - 70.0;
    struct figure_ui_widget *rb = add_button(&fl, _("\xE2\x86\xBA restart"),
                                             (struct panel_target){.kind = PANEL_T_RESTART}, 88.0);
    if (rb) {
        rb->flags |= FIGURE_UI_ACCENT;
        rb->r.w = 88.0;
    }
    fl.x = fl.x1 - 70.0;
    struct figure_ui_widget *cb =
        add_button(&fl, _("\xC3\x97 close"), (struct panel_target){.kind = PANEL_T_CLOSE}, 70.0);
    if (cb) {
        cb->r.w = 70.0;
    }

    /* what the value under the mouse is: the settings table's help and range */
    newline(&fl, 0);
    struct figure_ui_widget *hint = add(&fl, FIGURE_UI_HINT, fl.x1 - fl.x0, NULL);
    if (hint) {
        hint->r.h = 30.0;   /* two lines */
        hint_text(&hot_t, hint->text, sizeof hint->text);
    }
    fl.y += 8.0;

    /* the scene */
    add_heading(&fl, _("Scene"));
    char fn[96];
    snprintf(fn, sizeof fn, _("function: %s \xE2\x96\xBE"),
             s->res.entry ? s->res.entry->name : _("your expression"));
    struct figure_ui_widget *fb =
        add_button(&fl, fn, (struct panel_target){.kind = PANEL_T_FUNC_MENU}, 0);
    if (fb && p->popup == PANEL_POPUP_FUNC) {
        fb->flags |= FIGURE_UI_ON;
    }
    newline(&fl, 0);
    struct panel_target et = {.kind = PANEL_T_EXPR};
    struct figure_ui_widget *ex = add(&fl, FIGURE_UI_TEXT, fl.x1 - fl.x0, &et);
    if (ex) {
        snprintf(ex->label, sizeof ex->label, "f(x, y) =");
        finish_widget(p, s, ex, &et);
    }
    newline(&fl, 0);
    add_value(&fl, s, (struct panel_target){PANEL_T_START, 0, NULL, 0});
    add_value(&fl, s, (struct panel_target){PANEL_T_START, 0, NULL, 1});
    add_value(&fl, s, (struct panel_target){PANEL_T_SCENE, 0, scene_row("steps"), 0});
    add_value(&fl, s, (struct panel_target){.kind = PANEL_T_SPEED});
    add_value(&fl, s, (struct panel_target){PANEL_T_SCENE, 0, scene_row("l1"), 0});
    add_value(&fl, s, (struct panel_target){PANEL_T_SCENE, 0, scene_row("l2"), 0});
    add_value(&fl, s, (struct panel_target){PANEL_T_SCENE, 0, scene_row("noise"), 0});
    add_error_line(&fl, NULL);

    /* the optimizers */
    add_heading(&fl, _("Optimizers (torch.optim's names)"));
    for (int i = 0; i < s->race->n; i++) {
        layout_runner(&fl, s, i);
    }
    newline(&fl, 4.0);
    struct figure_ui_widget *ab =
        add_button(&fl, _("+ add an optimizer \xE2\x96\xBE"),
                   (struct panel_target){.kind = PANEL_T_ADD_MENU}, 0);
    if (ab && p->popup == PANEL_POPUP_ADD) {
        ab->flags |= FIGURE_UI_ON;
    }
    newline(&fl, 0);
    p->content_h = fl.y - top + PAD;
    /* the card ends where the content does */
    p->h = fmin(p->h, p->content_h);
    p->ui.r.h = p->h;
    p->ui.scroll_len = p->content_h > 0 ? p->h / p->content_h : 1.0;
    p->ui.scroll_at = p->content_h > 0 ? p->scroll / p->content_h : 0.0;
    layout_popup(p, s, width, height);
}

bool session_panel_contains(const struct session_panel *p, double x, double y)
{
    if (!p->open) {
        return false;
    }
    if (figure_rect_contains(&p->ui.r, x, y)) {
        return true;
    }
    for (int i = 0; i < p->ui.n; i++) {
        if (p->ui.w[i].kind == FIGURE_UI_POPUP && figure_rect_contains(&p->ui.w[i].r, x, y)) {
            return true;
        }
    }
    return false;
}

/* The topmost widget at (x, y) that does something, or -1. Widgets scrolled out of the card
 * are not there. */
static int hit(const struct session_panel *p, double x, double y)
{
    for (int i = p->ui.n - 1; i >= 0; i--) {
        const struct figure_ui_widget *w = &p->ui.w[i];
        if (p->t[i].kind == PANEL_T_NONE || !figure_rect_contains(&w->r, x, y)) {
            continue;
        }
        bool in_popup = p->t[i].kind == PANEL_T_FUNC || p->t[i].kind == PANEL_T_ADD ||
                        p->t[i].kind == PANEL_T_SCHED;
        if (!in_popup && !figure_rect_contains(&p->ui.r, x, y)) {
            continue;
        }
        return i;
    }
    return -1;
}

int session_panel_find(const struct session_panel *p, int runner, const char *key)
{
    for (int i = 0; i < p->ui.n; i++) {
        const struct panel_target *t = &p->t[i];
        bool per_runner = t->kind == PANEL_T_OPT || t->kind == PANEL_T_OPT_SCHED;
        bool value = per_runner || t->kind == PANEL_T_SCENE || t->kind == PANEL_T_START ||
                     t->kind == PANEL_T_SPEED || t->kind == PANEL_T_EXPR;
        if (value && (per_runner ? t->runner == runner : runner < 0) &&
            !strcmp(target_key(t), key)) {
            return i;
        }
    }
    return -1;
}

int session_panel_find_kind(const struct session_panel *p, enum panel_target_kind kind,
                            int runner, int arg)
{
    for (int i = 0; i < p->ui.n; i++) {
        const struct panel_target *t = &p->t[i];
        if (t->kind == kind && t->runner == runner && t->arg == arg) {
            return i;
        }
    }
    return -1;
}

/* ======================================================================== actions */

static void set_error(struct session_panel *p, const struct panel_target *t, const char *msg)
{
    p->bad = *t;
    snprintf(p->error, sizeof p->error, "%s", msg);
    p->gen++;
}

static void clear_error(struct session_panel *p)
{
    p->bad.kind = PANEL_T_NONE;
    p->error[0] = '\0';
    p->error_at = -1;
}

static void focus(struct session_panel *p, const struct session *s, const struct panel_target *t)
{
    p->focus = *t;
    session_panel_value(s, t, p->edit, sizeof p->edit);
    p->caret = (int)strlen(p->edit);
    p->select_all = true;   /* typing replaces it; an arrow key or Home edits it instead */
    clear_error(p);
    p->gen++;
}

/* A scene change that is not a typed value: on failure the message goes to the panel's error
 * line (naming what was asked). */
static void apply_action(struct session_panel *p, struct session *s, struct scene *sc,
                         bool keep, int removed, const char *what, double now)
{
    char err[512];
    if (!apply_scene(s, sc, keep, removed, err, sizeof err)) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s: %s", what, err);
        set_error(p, &(struct panel_target){.kind = PANEL_T_RESTART}, msg);
        return;
    }
    (void)now;
    clear_error(p);
}

static void pick_schedule(struct session_panel *p, struct session *s, int runner, int kind,
                          double now)
{
    struct scene sc;
    session_scene(s, &sc);
    struct optim_params *op = &sc.opt[runner];
    if (kind < 0) {
        op->has_sched = false;
    } else {
        /* the keys torch requires, at values that show the schedule within the race */
        long steps = sc.steps > 0 ? sc.steps : 100;
        setting_defaults(settings_sched(), kind, &op->sched);
        op->sched.step_size = steps / 4 > 0 ? steps / 4 : 1;
        if (kind == SCHED_EXPONENTIAL) {
            op->sched.gamma = 0.99;
        }
        op->sched.t_max = steps;
        op->sched.decay = 0.01;
        op->has_sched = true;
    }
    apply_action(p, s, &sc, false, -1, "schedule", now);
}

static void do_click(struct session_panel *p, struct session *s, const struct panel_target *t,
                     double bx, double by, double now)
{
    struct scene sc;
    enum panel_popup was = p->popup;
    p->popup = PANEL_POPUP_NONE;
    p->gen++;
    switch (t->kind) {
    case PANEL_T_OPT:
        if (t->row->type == SETTING_BOOL) {
            char err[600];
            double v = target_number(s, t);
            if (!session_panel_set(p, s, t, v > 0 ? "false" : "true", err, sizeof err)) {
                set_error(p, t, err);
            } else {
                clear_error(p);
            }
            return;
        }
        focus(p, s, t);
        return;
    case PANEL_T_OPT_SCHED:
    case PANEL_T_SCENE:
    case PANEL_T_START:
    case PANEL_T_SPEED:
    case PANEL_T_EXPR:
        focus(p, s, t);
        return;
    case PANEL_T_RESTART:
        session_act(s, SESSION_RESET, 0, now);
        clear_error(p);
        return;
    case PANEL_T_CLOSE:
        session_panel_toggle(p);
        return;
    case PANEL_T_FUNC_MENU:
    case PANEL_T_ADD_MENU:
    case PANEL_T_SCHED_MENU: {
        enum panel_popup want = t->kind == PANEL_T_FUNC_MENU ? PANEL_POPUP_FUNC
                                : t->kind == PANEL_T_ADD_MENU ? PANEL_POPUP_ADD
                                                              : PANEL_POPUP_SCHED;
        if (was != want || (want == PANEL_POPUP_SCHED && p->popup_runner != t->runner)) {
            p->popup = want;
            p->popup_runner = t->runner;
            p->popup_x = bx;
            p->popup_y = by + 2.0;
        }
        return;
    }
    case PANEL_T_FUNC: {
        const struct catalog_entry *e = catalog_get((size_t)t->arg);
        session_scene(s, &sc);
        snprintf(sc.function, sizeof sc.function, "%s", e->name);
        free(sc.expr);
        sc.expr = NULL;
        sc.has_start = sc.has_domain = sc.has_zoom = false;
        sc.title[0] = '\0';
        apply_action(p, s, &sc, false, -1, e->name, now);
        session_toast(s, now, false, "%s: %s", e->name, e->description);
        return;
    }
    case PANEL_T_ADD:
        session_scene(s, &sc);
        if (sc.nopt >= RACE_MAX) {
            scene_finish(&sc);
            char msg[128];
            snprintf(msg, sizeof msg, _("add: a race holds at most %d optimizers"), RACE_MAX);
            set_error(p, &(struct panel_target){.kind = PANEL_T_RESTART}, msg);
            return;
        }
        optim_defaults((enum optim_kind)t->arg, &sc.opt[sc.nopt++]);
        apply_action(p, s, &sc, true, -1, _("add"), now);
        return;
    case PANEL_T_REMOVE: {
        if (s->race->n <= 1) {
            char msg[160], who[96];
            runner_name(s, t->runner, who, sizeof who);
            snprintf(msg, sizeof msg, _("%s: a race needs at least one optimizer"), who);
            set_error(p, &(struct panel_target){PANEL_T_OPT, t->runner, NULL, 0}, msg);
            return;
        }
        session_scene(s, &sc);
        memmove(&sc.opt[t->runner], &sc.opt[t->runner + 1],
                (size_t)(sc.nopt - t->runner - 1) * sizeof sc.opt[0]);
        sc.nopt--;
        apply_action(p, s, &sc, true, t->runner, _("remove"), now);
        return;
    }
    case PANEL_T_SCHED:
        pick_schedule(p, s, t->runner, t->arg, now);
        return;
    default:
        return;
    }
}

/* ======================================================================== events */

static void set_hot(struct session_panel *p, int h)
{
    if (h != p->hot) {
        p->hot = h;
        p->gen++;
    }
}

/* A drag or wheel of px pixels on a value, from v0. */
static void nudge(struct session_panel *p, struct session *s, const struct panel_target *t,
                  double v0, double px)
{
    if (t->kind == PANEL_T_SPEED) {
        int idx = (int)lround(v0 + px / WHEEL_PX);
        idx = idx < 0 ? 0 : idx >= SESSION_NSPEEDS ? SESSION_NSPEEDS - 1 : idx;
        if (idx != s->speed_idx) {
            s->speed_idx = idx;
            s->change++;
            s->input++;
            p->gen++;
        }
        return;
    }
    if (!numeric(t) || !isfinite(v0)) {
        return;
    }
    double v = dragged(s, t, v0, px);
    if (v == target_number(s, t)) {
        return;
    }
    char text[64], err[600];
    if (t->row && t->row->type == SETTING_LONG) {
        snprintf(text, sizeof text, "%.0f", v);
    } else {
        setting_format_double(v, text, sizeof text);
    }
    if (session_panel_set(p, s, t, text, err, sizeof err)) {
        clear_error(p);
    } else {
        set_error(p, t, err);
    }
    p->gen++;
}

bool session_panel_press(struct session_panel *p, struct session *s, double x, double y,
                         double now)
{
    (void)now;
    if (!session_panel_contains(p, x, y)) {
        if (p->open && p->popup != PANEL_POPUP_NONE) {
            p->popup = PANEL_POPUP_NONE;
            p->gen++;
            return true;   /* the click closes the picker, not moves the start */
        }
        return false;
    }
    int h = hit(p, x, y);
    struct panel_target none = {0};
    const struct panel_target *t = h >= 0 ? &p->t[h] : &none;
    if (p->focus.kind != PANEL_T_NONE && !same_target(t, &p->focus)) {
        drop_edit(p);   /* a click elsewhere leaves the field as it was */
        p->gen++;
    }
    p->press = *t;
    p->press_x = p->last_x = x;
    p->anchor_x = h >= 0 ? p->ui.w[h].r.x : x;
    p->anchor_y = h >= 0 ? p->ui.w[h].r.y + p->ui.w[h].r.h : y;
    p->drag_px = 0.0;
    p->dragging = false;
    p->drag_v0 = t->kind == PANEL_T_SPEED ? s->speed_idx : target_number(s, t);
    return true;
}

bool session_panel_motion(struct session_panel *p, struct session *s, double x, double y,
                          double now)
{
    (void)now;
    if (p->press.kind != PANEL_T_NONE) {
        if (!p->dragging && fabs(x - p->press_x) > CLICK_SLOP) {
            p->dragging = true;
            if (p->focus.kind != PANEL_T_NONE && same_target(&p->focus, &p->press)) {
                drop_edit(p);
            }
        }
        if (p->dragging) {
            p->drag_px = x - p->press_x;
            nudge(p, s, &p->press, p->drag_v0, p->drag_px);
        }
        p->last_x = x;
        return true;
    }
    if (!p->open) {
        return false;
    }
    bool in = session_panel_contains(p, x, y);
    set_hot(p, in ? hit(p, x, y) : -1);
    return in;
}

bool session_panel_release(struct session_panel *p, struct session *s, double x, double y,
                           double now)
{
    (void)y;
    if (p->press.kind == PANEL_T_NONE) {
        return p->open && session_panel_contains(p, x, y);
    }
    struct panel_target t = p->press;
    p->press.kind = PANEL_T_NONE;
    if (!p->dragging) {
        do_click(p, s, &t, p->anchor_x, p->anchor_y, now);
    }
    p->dragging = false;
    p->gen++;
    return true;
}

bool session_panel_wheel(struct session_panel *p, struct session *s, double x, double y,
                         double notches, double now)
{
    (void)now;
    if (!session_panel_contains(p, x, y)) {
        return false;
    }
    int h = hit(p, x, y);
    if (h >= 0 && (numeric(&p->t[h]))) {
        const struct panel_target *t = &p->t[h];
        double v0 = t->kind == PANEL_T_SPEED ? s->speed_idx : target_number(s, t);
        nudge(p, s, t, v0, notches * WHEEL_PX);
        return true;
    }
    /* elsewhere: scroll a panel taller than the window */
    double full = fmax(0.0, p->content_h - p->h);
    double sc = fmin(fmax(p->scroll - notches * 3 * LINE, 0.0), full);
    if (sc != p->scroll) {
        p->scroll = sc;
        p->gen++;
    }
    return true;
}

bool session_panel_typing(const struct session_panel *p)
{
    return p->open && p->focus.kind != PANEL_T_NONE;
}

void session_panel_text(struct session_panel *p, const char *utf8)
{
    if (!session_panel_typing(p)) {
        return;
    }
    if (p->select_all) {
        p->edit[0] = '\0';
        p->caret = 0;
        p->select_all = false;
    }
    size_t n = strlen(p->edit), add = strlen(utf8);
    if (n + add >= sizeof p->edit) {
        return;
    }
    memmove(p->edit + p->caret + add, p->edit + p->caret, n - (size_t)p->caret + 1);
    memcpy(p->edit + p->caret, utf8, add);
    p->caret += (int)add;
    p->gen++;
}

/* The byte offset of the UTF-8 character before / after the caret. */
static int char_before(const char *s, int at)
{
    do {
        at--;
    } while (at > 0 && ((unsigned char)s[at] & 0xC0) == 0x80);
    return at < 0 ? 0 : at;
}

static int char_after(const char *s, int at)
{
    int n = (int)strlen(s);
    if (at >= n) {
        return n;
    }
    do {
        at++;
    } while (at < n && ((unsigned char)s[at] & 0xC0) == 0x80);
    return at;
}

bool session_panel_key(struct session_panel *p, struct session *s, enum panel_key k,
                       double now)
{
    (void)now;
    if (!p->open) {
        return false;
    }
    p->gen++;
    if (!session_panel_typing(p)) {
        if (k != PANEL_KEY_ESCAPE) {
            return false;
        }
        if (p->popup != PANEL_POPUP_NONE) {
            p->popup = PANEL_POPUP_NONE;
        } else if (p->error[0]) {
            clear_error(p);
        } else {
            session_panel_toggle(p);
        }
        return true;
    }
    int n = (int)strlen(p->edit);
    switch (k) {
    case PANEL_KEY_TAB:
    case PANEL_KEY_BACKTAB: {
        struct panel_target was = p->focus;
        session_panel_key(p, s, PANEL_KEY_ENTER, now);
        if (session_panel_typing(p)) {
            break;   /* refused: the field keeps the keyboard */
        }
        /* the field laid out after (before) it, in the order the panel reads */
        int at = -1, count = p->ui.n;
        for (int i = 0; i < count; i++) {
            at = same_target(&p->t[i], &was) ? i : at;
        }
        int step = k == PANEL_KEY_TAB ? 1 : -1;
        for (int j = 1; at >= 0 && j < count; j++) {
            const struct panel_target *t = &p->t[((at + step * j) % count + count) % count];
            bool field = t->kind == PANEL_T_EXPR ||
                         (numeric(t) && !(t->row && t->row->type == SETTING_BOOL));
            if (field) {
                focus(p, s, t);
                break;
            }
        }
        break;
    }
    case PANEL_KEY_ENTER: {
        char err[600];
        struct panel_target t = p->focus;
        p->error_at = -1;
        if (session_panel_set(p, s, &t, p->edit, err, sizeof err)) {
            drop_edit(p);
        } else {
            int at = p->error_at;
            set_error(p, &t, err);
            p->error_at = at;
            p->select_all = false;
            if (at >= 0 && at <= n) {
                p->caret = at;   /* the caret goes to the problem */
            }
        }
        break;
    }
    case PANEL_KEY_ESCAPE:
        drop_edit(p);
        break;
    case PANEL_KEY_BACKSPACE:
        if (p->select_all) {
            p->edit[0] = '\0';
            p->caret = 0;
        } else if (p->caret > 0) {
            int b = char_before(p->edit, p->caret);
            memmove(p->edit + b, p->edit + p->caret, (size_t)(n - p->caret + 1));
            p->caret = b;
        }
        p->select_all = false;
        break;
    case PANEL_KEY_DELETE:
        if (p->select_all) {
            p->edit[0] = '\0';
            p->caret = 0;
        } else if (p->caret < n) {
            int a = char_after(p->edit, p->caret);
            memmove(p->edit + p->caret, p->edit + a, (size_t)(n - a + 1));
        }
        p->select_all = false;
        break;
    case PANEL_KEY_LEFT:
        p->caret = p->select_all ? 0 : char_before(p->edit, p->caret);
        p->select_all = false;
        break;
    case PANEL_KEY_RIGHT:
        p->caret = p->select_all ? n : char_after(p->edit, p->caret);
        p->select_all = false;
        break;
    case PANEL_KEY_HOME:
        p->caret = 0;
        p->select_all = false;
        break;
    case PANEL_KEY_END:
        p->caret = n;
        p->select_all = false;
        break;
    }
    return true;
}

/* panel.h: the settings panel's model: its widgets laid out from the session (one row per
 * optimizer with every key the settings table gives its kind, the scene's function, expression
 * and sliders, pickers), and the mouse and keyboard events that change the session through
 * them. No SDL and no cairo: the window feeds it events in frame pixels, tests do the same. */
#ifndef OPTISCOPE_SESSION_PANEL_H
#define OPTISCOPE_SESSION_PANEL_H

#include <stdbool.h>
#include <stddef.h>

#include "figure/ui.h"
#include "session/session.h"
#include "sim/settings.h"

/* What a widget changes or does. */
enum panel_target_kind {
    PANEL_T_NONE,
    PANEL_T_OPT,          /* runner's optimizer setting `row` */
    PANEL_T_OPT_SCHED,    /* runner's own schedule setting `row` */
    PANEL_T_SCENE,        /* the scene's setting `row` (steps, l1, l2, noise) */
    PANEL_T_START,        /* start coordinate `arg` (0 x, 1 y) */
    PANEL_T_SPEED,        /* the animation speed */
    PANEL_T_EXPR,         /* the expression field */
    PANEL_T_RESTART,      /* button: every runner back to the start */
    PANEL_T_CLOSE,        /* button: close the panel */
    PANEL_T_FUNC_MENU,    /* button: the function picker */
    PANEL_T_FUNC,         /* picker item: catalog function `arg` */
    PANEL_T_ADD_MENU,     /* button: the optimizer picker */
    PANEL_T_ADD,          /* picker item: add an optimizer of kind `arg` */
    PANEL_T_REMOVE,       /* button: remove runner */
    PANEL_T_SCHED_MENU,   /* button: runner's schedule picker */
    PANEL_T_SCHED,        /* picker item: runner's schedule kind `arg` (-1: the race's) */
};

struct panel_target {
    enum panel_target_kind kind;
    int runner;                      /* OPT, OPT_SCHED, REMOVE, SCHED_MENU, SCHED */
    const struct setting *row;       /* OPT, OPT_SCHED, SCENE */
    int arg;                         /* START, FUNC, ADD, SCHED */
};

enum panel_popup { PANEL_POPUP_NONE, PANEL_POPUP_FUNC, PANEL_POPUP_ADD, PANEL_POPUP_SCHED };

/* Keys a focused field takes (the window maps its own key codes to these). */
enum panel_key {
    PANEL_KEY_ENTER, PANEL_KEY_ESCAPE, PANEL_KEY_BACKSPACE, PANEL_KEY_DELETE, PANEL_KEY_LEFT,
    PANEL_KEY_RIGHT, PANEL_KEY_HOME, PANEL_KEY_END,
    PANEL_KEY_TAB, PANEL_KEY_BACKTAB,   /* accept, then the next / previous field */
};

struct session_panel {
    bool open;
    struct figure_ui ui;                        /* the last layout */
    struct panel_target t[FIGURE_UI_MAX];       /* what each of ui.w does */
    double x, y, w, h;                          /* the card, frame pixels */
    double scroll;                              /* pixels of content scrolled off the top */
    double content_h;                           /* the content's height, pixels */

    struct panel_target focus;                  /* the field typed into (kind NONE: none) */
    char edit[512];                             /* its text */
    int caret;                                  /* byte offset in edit */
    bool select_all;                            /* the next typed text replaces edit */

    struct panel_target bad;                    /* the field whose value was refused */
    char error[600];                            /* why ("" none) */
    int error_at;                               /* expression: byte offset of the problem */

    struct panel_target press;                  /* the widget the button went down on */
    double press_x, last_x;                     /* where (x), and the last motion's x */
    double anchor_x, anchor_y;                  /* the pressed widget's bottom left: a picker
                                                   it opens goes there */
    double drag_px;                             /* horizontal pixels dragged since press */
    double drag_v0;                             /* the value being dragged, at the press */
    bool dragging;                              /* moved beyond the click slop */

    int hot;                                    /* widget under the mouse, -1 none */
    enum panel_popup popup;                     /* the picker open */
    int popup_runner;                           /* SCHED: whose */
    double popup_x, popup_y;                    /* under the button that opened it */
    unsigned long gen;                          /* bumped at every change of the picture */
};

void session_panel_init(struct session_panel *p);
/* O: opens or closes (closing drops an edit under way). */
void session_panel_toggle(struct session_panel *p);

/* Lays the panel out for a width x height frame from the session as it stands (call before
 * painting and before events: the session may have changed). */
void session_panel_layout(struct session_panel *p, const struct session *s, int width,
                          int height);
/* Whether (x, y) lies on the open panel (its card or a picker). */
bool session_panel_contains(const struct session_panel *p, double x, double y);

/* The mouse, frame pixels: a press, motion (held or not), release, wheel notches. Each returns
 * whether the panel took it (false: it was outside, for the plot). */
bool session_panel_press(struct session_panel *p, struct session *s, double x, double y,
                         double now);
bool session_panel_motion(struct session_panel *p, struct session *s, double x, double y,
                          double now);
bool session_panel_release(struct session_panel *p, struct session *s, double x, double y,
                           double now);
bool session_panel_wheel(struct session_panel *p, struct session *s, double x, double y,
                         double notches, double now);
/* Whether a field takes typed text now. */
bool session_panel_typing(const struct session_panel *p);
/* Typed UTF-8 text into the focused field. */
void session_panel_text(struct session_panel *p, const char *utf8);
/* A key for the focused field (Enter applies, Esc cancels); Esc without a field closes the
 * picker, then the panel. Returns whether the panel took it. */
bool session_panel_key(struct session_panel *p, struct session *s, enum panel_key k,
                       double now);

/* Sets what target t names from text, as typing it and pressing Enter does: parsed and
 * range-checked by the settings table's own row; the race is recomputed from its start to the
 * step it stood at. False with err naming the setting and the reason ("adam lr: expected a
 * number > 0, got 'abc'"); the session is then unchanged. */
bool session_panel_set(struct session_panel *p, struct session *s,
                       const struct panel_target *t, const char *text, char *err,
                       size_t errlen);
/* The text a target's value shows now (as setting_format writes it). */
void session_panel_value(const struct session *s, const struct panel_target *t, char *buf,
                         size_t len);
/* The index of the laid-out widget for a target: runner (or -1) and a key name ("lr",
 * "steps", "start_x", "speed", "expr") or a button's target kind. -1 when none. */
int session_panel_find(const struct session_panel *p, int runner, const char *key);
int session_panel_find_kind(const struct session_panel *p, enum panel_target_kind kind,
                            int runner, int arg);

#endif

/* ui.h: the description of a small immediate-mode widget panel (the window's settings panel):
 * rectangles with what each shows. session/panel.c builds it, draw/ui.c paints it onto any
 * cairo_t, and hit-testing reads the same rectangles, so what is drawn is what is clicked. */
#ifndef OPTISCOPE_FIGURE_UI_H
#define OPTISCOPE_FIGURE_UI_H

#include "figure/figure.h"

/* The most widgets a panel holds: 16 runners of ~12 cells, the scene's and a picker's. */
#define FIGURE_UI_MAX 320

enum figure_ui_kind {
    FIGURE_UI_HEADING,   /* a section title (label) */
    FIGURE_UI_LABEL,     /* plain text (label), rgb a swatch before it when rgb[0] >= 0 */
    FIGURE_UI_VALUE,     /* a setting: its key (label) over a box with its value (text) */
    FIGURE_UI_TEXT,      /* a wide text field: label left of a box with text */
    FIGURE_UI_BUTTON,    /* a push button showing label */
    FIGURE_UI_ERROR,     /* a refused value's reason (text), in red */
    FIGURE_UI_POPUP,     /* a picker's card (drawn under its buttons) */
    FIGURE_UI_HINT,      /* what the value under the mouse is (text), in grey */
};

#define FIGURE_UI_HOT    (1u << 0)   /* under the mouse */
#define FIGURE_UI_FOCUS  (1u << 1)   /* being typed into: text is the edit, caret shown */
#define FIGURE_UI_BAD    (1u << 2)   /* its last typed value was refused */
#define FIGURE_UI_ON     (1u << 3)   /* a button that is pressed in / the current choice */
#define FIGURE_UI_SELECT (1u << 4)   /* focused with the whole text selected (typing replaces) */
#define FIGURE_UI_ACCENT (1u << 5)   /* a primary button (restart) */

struct figure_ui_widget {
    struct figure_rect r;            /* where, frame pixels */
    enum figure_ui_kind kind;
    unsigned flags;                  /* FIGURE_UI_* above */
    char label[64];                  /* key, button text or heading */
    char text[512];                  /* the value shown (or the edit while focused) */
    int caret;                       /* FOCUS: caret byte offset in text */
    int err_at;                      /* BAD text fields: byte offset of the problem, -1 none */
    double fill;                     /* VALUE: slider position in [0, 1]; < 0: no track */
    double rgb[3];                   /* LABEL: swatch colour; rgb[0] < 0: none */
};

struct figure_ui {
    struct figure_rect r;            /* the panel's card; w == 0: closed */
    double font;                     /* text size, pixels */
    double scroll_at, scroll_len;    /* the scroll bar's thumb: start and length as fractions
                                        of the card's height; len >= 1: all in view, none */
    int n;                           /* widgets used */
    struct figure_ui_widget w[FIGURE_UI_MAX];   /* in drawing order (pickers last, on top) */
};

#endif

/* panel.h: the settings panel in the window (O): SDL events to the panel model
 * (session/panel.h), text input while a field is focused, and its painting by draw/ui.c into a
 * texture over the frame, repainted only when it changed. Inside app/ only. */
#ifndef OPTISCOPE_APP_PANEL_H
#define OPTISCOPE_APP_PANEL_H

#include <stdbool.h>
#include <stdio.h>

#include <SDL.h>

#include "app/view.h"
#include "session/panel.h"

struct app_settings {
    struct session_panel model;     /* widgets, focus, drag */
    struct app_panel tex;           /* the painted panel */
    unsigned long drawn_gen;        /* model.gen painted */
    unsigned long drawn_input;      /* session input painted */
    int drawn_w, drawn_h;           /* frame size painted for */
    int frame_w, frame_h;           /* the last frame's size (for layout between frames) */
    bool text_input;                /* SDL text input started */
    long repaints;                  /* --stats: panel paintings and their time, ms */
    double paint_ms;
    long applies;                   /* --stats: events that changed the race, their time */
    double apply_ms, apply_max_ms;
};

struct app_settings *app_settings_create(void);
void app_settings_destroy(struct app_settings *a);   /* accepts NULL */

/* Offers an event to the panel first (the toy race only): O opens and closes it; while it is
 * open it takes the mouse over it, and every key while a field is focused. Returns whether it
 * took the event (the window then does nothing else with it). */
bool app_settings_event(struct app_settings *a, struct app_view *v, SDL_Window *win,
                        const SDL_Event *e, double now);
/* Whether the panel's picture changed since it was last drawn. */
bool app_settings_busy(const struct app_settings *a, const struct session *s);
/* Lays out, repaints when changed, and composites the panel over the frame. */
void app_settings_draw(struct app_settings *a, struct app_view *v, int width, int height,
                       double now);

/* --stats: "panel-repaints N mean-ms M panel-changes N mean-ms M max-ms M": the panel's
 * paintings, and the events that changed the session through it (the race recomputed). */
void app_settings_print_stats(const struct app_settings *a, FILE *out);

#endif

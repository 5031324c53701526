/* text.h: every word the window and the figures draw goes through here: Pango (pangocairo)
 * shapes, measures and shows it, with fallback fonts for any script (DejaVu Sans first, a Korean
 * font such as NanumGothic or Noto Sans CJK beside it). draw.h's draw_set_font, draw_text_width,
 * draw_text_at and draw_fit_text are this module's; what is below is for tests and tools. */
#ifndef OPTISCOPE_DRAW_TEXT_H
#define OPTISCOPE_DRAW_TEXT_H

#include <stdbool.h>

#include <cairo.h>

/* The font families asked of Pango, in order (a Pango family list). */
#define DRAW_TEXT_FAMILIES "DejaVu Sans, NanumGothic, Noto Sans CJK KR, sans-serif"

/* How many characters of s the current font (draw_set_font) and its fallbacks have no glyph
 * for: each would show as a box. 0 when every character can be drawn. */
int draw_text_unknown_glyphs(cairo_t *cr, const char *s);

/* What draw_fit_text had to cut on one cairo_t: how many texts, and the last one whole. */
struct draw_text_cuts {
    int n;
    char last[256];
};
/* From now on, every text draw_fit_text cuts on cr (with an ellipsis: it did not fit) is
 * counted in *cuts, which the caller owns and keeps alive while cr draws (NULL: no more). For
 * tests that a layout leaves every caption whole. */
void draw_text_count_cuts(cairo_t *cr, struct draw_text_cuts *cuts);

/* Width of s at size (user units), regular or bold, as drawn on an image surface without
 * transformation: the measure figure_layout is given (struct figure's measure). */
double draw_text_measure(const char *s, double size, bool bold);

/* Ink height of a capital H in the current font (user units): what draw_text_at's va = 1
 * aligns to. */
double draw_text_cap_height(cairo_t *cr);

/* Lays out a few strings so that fontconfig and Pango have loaded their configuration and
 * this thread's fonts. */
void draw_text_warm_up(void);

/* The same on a thread of its own, while the caller does something else (the window opens):
 * start, then finish on the thread that will draw; finish waits for the warm-up and makes its
 * font map (loaded, its fonts found) that thread's. Fontconfig's configuration is loaded once
 * per process, so what costs most at the first text is paid beside the window's start-up. */
/* paint(ud), when given, runs on that thread after the warm-up: the window draws its first
 * frame's text there, so every size and face of it is loaded before the real one. */
struct draw_text_warm;
struct draw_text_warm *draw_text_warm_start(void (*paint)(void *ud), void *ud);
void draw_text_warm_finish(struct draw_text_warm *w);   /* NULL: nothing */

/* Frees this thread's layouts and its Pango font map (tests call it before
 * cairo_debug_reset_static_data, so that a leak checker sees only the program's own leaks). */
void draw_text_finish(void);

#endif

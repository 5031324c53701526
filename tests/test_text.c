/* test_text.c: text through Pango: Korean lays out with no missing glyph (none would draw as a
 * box), measures agree with the font's own metrics and with the ink drawn, fitting cuts at a
 * character and stays inside its width, bad UTF-8 is drawn, not refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "draw/draw.h"
#include "draw/text.h"

/* The lesson's terms: gradient descent, momentum, learning-rate decay, early stopping,
 * dropout, batch normalization, L1/L2 regularization. */
static const char *const korean[] = {
    "\xEA\xB2\xBD\xEC\x82\xAC \xED\x95\x98\xEA\xB0\x95\xEB\xB2\x95, "
    "\xEB\xAA\xA8\xEB\xA9\x98\xED\x85\x80, "
    "\xED\x95\x99\xEC\x8A\xB5\xEB\xA5\xA0 \xEA\xB0\x90\xEC\x86\x8C",
    "\xEC\xA1\xB0\xEA\xB8\xB0 \xEC\xA4\x91\xEB\x8B\xA8, \xEB\x93\x9C\xEB\xA1\xAD\xEC\x95\x84"
    "\xEC\x9B\x83, \xEB\xB0\xB0\xEC\xB9\x98 \xEC\xA0\x95\xEA\xB7\x9C\xED\x99\x94, L1/L2 "
    "\xEA\xB7\x9C\xEC\xA0\x9C",
};

/* Dark pixels (alpha-weighted ink) in a rectangle of an ARGB32 surface painted white first. */
static long ink_pixels(cairo_surface_t *s, int x0, int y0, int x1, int y1)
{
    cairo_surface_flush(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    long n = 0;
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < h; y++) {
        const unsigned *row = (const unsigned *)(d + (size_t)y * stride);
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < w; x++) {
            n += (row[x] & 0xFF) < 128;   /* blue channel: black text on white */
        }
    }
    return n;
}

static void test_korean_glyphs(cairo_t *cr)
{
    for (int b = 0; b < 2; b++) {
        for (size_t i = 0; i < sizeof korean / sizeof korean[0]; i++) {
            draw_set_font(cr, 18.0, b, false);
            CHECK(draw_text_unknown_glyphs(cr, korean[i]) == 0);
            CHECK(draw_text_width(cr, korean[i]) > 100.0);
        }
    }
    draw_set_font(cr, 18.0, false, true);
    CHECK(draw_text_unknown_glyphs(cr, korean[0]) == 0);
    /* The count is real: a character no font has (plane 16, private use) is one unknown. */
    draw_set_font(cr, 18.0, false, false);
    CHECK(draw_text_unknown_glyphs(cr, "a\xF4\x8F\xBF\xBD" "b") == 1);
    CHECK(draw_text_unknown_glyphs(cr, "f(x, y) \xE2\x88\x92 min f \xC2\xB7 \xCE\xB2") == 0);
}

static void test_metrics(cairo_t *cr)
{
    /* DejaVu Sans: cap height 1493 of 2048 units per em. */
    draw_set_font(cr, 100.0, false, false);
    CHECK_NEAR(draw_text_cap_height(cr), 100.0 * 1493 / 2048, 1.5);
    /* Advance widths add up (no kerning between H and H): H is 1540 units wide. */
    double w1 = draw_text_width(cr, "H"), w4 = draw_text_width(cr, "HHHH");
    CHECK_NEAR(w1, 100.0 * 1540 / 2048, 1.0);
    CHECK_NEAR(w4, 4 * w1, 1.0);
    /* Size scales width; bold is wider. */
    draw_set_font(cr, 50.0, false, false);
    CHECK_NEAR(draw_text_width(cr, "HHHH"), 0.5 * w4, 3.0);   /* hinted: whole pixels */
    draw_set_font(cr, 100.0, true, false);
    CHECK(draw_text_width(cr, "HHHH") > w4 + 4.0);
    /* The font follows cairo_save/restore, as cairo's own did. */
    draw_set_font(cr, 20.0, false, false);
    double w20 = draw_text_width(cr, "abc");
    cairo_save(cr);
    draw_set_font(cr, 40.0, false, false);
    CHECK(draw_text_width(cr, "abc") > 1.8 * w20);
    cairo_restore(cr);
    CHECK_NEAR(draw_text_width(cr, "abc"), w20, 1e-9);
}

static void test_drawn_ink(void)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 600, 200);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    draw_set_font(cr, 30.0, false, false);
    /* Right-aligned at x = 580, middle at y = 100: the ink lies left of 580, around 100. */
    double w = draw_text_width(cr, korean[0]);
    draw_text_at(cr, 580.0, 100.0, korean[0], 1.0, 0.5);
    long total = ink_pixels(s, 0, 0, 600, 200);
    CHECK(total > 500);
    CHECK(ink_pixels(s, 582, 0, 600, 200) == 0);
    CHECK(ink_pixels(s, 0, 0, (int)(580 - w) - 2, 200) == 0);
    CHECK(ink_pixels(s, 0, 0, 600, 70) == 0);
    CHECK(ink_pixels(s, 0, 130, 600, 200) == 0);
    /* Baseline placement (va = 0): capitals stand on y = 60 and reach up one cap height. */
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    draw_set_font(cr, 40.0, false, false);
    double cap = draw_text_cap_height(cr);
    draw_text_at(cr, 10.0, 60.0, "HHH", 0.0, 0.0);
    CHECK(ink_pixels(s, 0, 61, 600, 200) == 0);
    CHECK(ink_pixels(s, 0, 0, 600, (int)(60 - cap) - 1) == 0);
    CHECK(ink_pixels(s, 0, 58, 600, 60) > 20);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
}

static void test_fit(cairo_t *cr)
{
    draw_set_font(cr, 16.0, false, false);
    char buf[256];
    const char *s = korean[0];
    double full = draw_text_width(cr, s);
    draw_fit_text(cr, s, full + 1.0, buf, sizeof buf);
    CHECK(strcmp(buf, s) == 0);
    for (double maxw = 30.0; maxw < full; maxw += 17.0) {
        draw_fit_text(cr, s, maxw, buf, sizeof buf);
        size_t n = strlen(buf);
        CHECK(n >= 3 && !strcmp(buf + n - 3, "\xE2\x80\xA6"));
        CHECK(draw_text_width(cr, buf) <= maxw);
        CHECK(strncmp(buf, s, n - 3) == 0);           /* a prefix of the original */
        CHECK(((unsigned char)s[n - 3] & 0xC0) != 0x80);   /* cut before a character */
        /* As long as fits: one more character would not. */
        if (n - 3 < strlen(s)) {
            size_t m = n - 3 + 1;
            while (((unsigned char)s[m] & 0xC0) == 0x80) {
                m++;
            }
            char longer[256];
            memcpy(longer, s, m);
            memcpy(longer + m, "\xE2\x80\xA6", 4);
            CHECK(draw_text_width(cr, longer) > maxw);
        }
    }
    /* Bad UTF-8 is measured and drawn (as U+FFFD), not refused. */
    CHECK(draw_text_width(cr, "ab\xFF\xFE" "cd") > draw_text_width(cr, "abcd"));
}

/* Cuts at separators: whole items that fit, with the tail after them. */
static void test_fit_items(cairo_t *cr)
{
    draw_set_font(cr, 16.0, false, false);
    char buf[256];
    const char *hints = "60 steps/s \xC2\xB7 2-D \xC2\xB7 log colours \xC2\xB7 H help";
    const char *dot = " \xC2\xB7 ";
    draw_fit_items(cr, hints, dot, "", 1e4, buf, sizeof buf);
    CHECK(strcmp(buf, hints) == 0);
    draw_fit_items(cr, hints, dot, "", draw_text_width(cr, "60 steps/s \xC2\xB7 2-D") + 1.0, buf,
                   sizeof buf);
    CHECK(strcmp(buf, "60 steps/s \xC2\xB7 2-D") == 0);
    draw_fit_items(cr, hints, dot, "", draw_text_width(cr, "60 steps/s \xC2\xB7 2-D") - 1.0, buf,
                   sizeof buf);
    CHECK(strcmp(buf, "60 steps/s") == 0);
    /* not even the first item: an ellipsis */
    draw_fit_items(cr, hints, dot, "", 30.0, buf, sizeof buf);
    CHECK(strlen(buf) >= 3 && !strcmp(buf + strlen(buf) - 3, "\xE2\x80\xA6"));
    /* arguments left out inside the brackets, never between a label's parts */
    const char *label = "momentum(lr=3e-05, momentum=0.9, nesterov=1)";
    const char *tail = ", \xE2\x80\xA6)";
    double two = draw_text_width(cr, "momentum(lr=3e-05, momentum=0.9, \xE2\x80\xA6)");
    draw_fit_items(cr, label, ", ", tail, two + 1.0, buf, sizeof buf);
    CHECK(strcmp(buf, "momentum(lr=3e-05, momentum=0.9, \xE2\x80\xA6)") == 0);
    draw_fit_items(cr, label, ", ", tail, two - 1.0, buf, sizeof buf);
    CHECK(strcmp(buf, "momentum(lr=3e-05, \xE2\x80\xA6)") == 0);
    const char *sched = "sgd(lr=0.18) \xC2\xB7 cosine(200, warmup=30)";
    draw_fit_items(cr, sched, ", ", tail, draw_text_width(cr, sched) - 1.0, buf, sizeof buf);
    CHECK(strcmp(buf, "sgd(lr=0.18) \xC2\xB7 cosine(200, \xE2\x80\xA6)") == 0);
}

int main(void)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 64, 64);
    cairo_t *cr = cairo_create(s);
    test_korean_glyphs(cr);
    test_metrics(cr);
    test_fit(cr);
    test_fit_items(cr);
    /* The same on a PDF-like target (no hinted metrics): Korean still has every glyph. */
    cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
    cairo_t *rc = cairo_create(rec);
    draw_set_font(rc, 12.0, false, false);
    CHECK(draw_text_unknown_glyphs(rc, korean[1]) == 0);
    cairo_destroy(rc);
    cairo_surface_destroy(rec);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    test_drawn_ink();
    /* Our layouts go; cairo's static data stays (Pango's font map may still hold fonts from
     * its own loading threads; tests/lsan.supp names those libraries' caches). */
    draw_text_finish();
    return check_done("text");
}

/* test_dash_layout.c: the CNN dashboard in front of a class: with large text at 1280x720 (a
 * projector) and 1920x1080, in English and in Korean, its panels lie inside the picture without
 * overlapping, and no caption had to be cut (draw_fit_text counts every ellipsis it adds). The
 * dashboard is the one the CNN session fills after a short run of the lecture's four
 * optimizers, with Fashion-MNIST's class names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "check.h"
#include "draw/dash.h"
#include "draw/draw.h"
#include "draw/text.h"
#include "figure/theme.h"
#include "nn/inspect.h"
#include "session/cnn.h"
#include "sim/i18n.h"
#include "sim/train_settings.h"

static struct session_cnn *lecture_run(void)
{
    struct train_settings ts;
    train_settings_init(&ts);
    char err[512];
    static const char *const opts[][2] = {
        {"data", "synthetic"}, {"limit", "256"}, {"val", "64"}, {"batch", "32"},
        {"epochs", "1"}, {"eval-every", "2"}, {"seed", "1"},
        {"optimizer", "sgd(lr=0.05)"}, {"optimizer", "momentum(lr=0.02)"},
        {"optimizer", "adam(lr=0.002)"}, {"optimizer", "rmsprop(lr=0.001)"},
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        CHECK(train_settings_set(&ts, opts[i][0], opts[i][1], err, sizeof err));
    }
    struct session_cnn_desc desc = {.ts = &ts};
    struct session_cnn *s = session_cnn_create(&desc, err, sizeof err);
    CHECK(s != NULL);
    if (s) {
        CHECK(session_cnn_finish_run(s, err, sizeof err));
    }
    return s;
}

static bool overlap(const struct figure_rect *a, const struct figure_rect *b)
{
    return a->x < b->x + b->w - 0.5 && b->x < a->x + a->w - 0.5 && a->y < b->y + b->h - 0.5 &&
           b->y < a->y + a->h - 0.5;
}

static void check_layout(const struct dash *d, const char *what)
{
    const struct dash_layout *l = &d->lay;
    const struct figure_rect *p[] = {&l->loss, &l->acc, &l->lr, &l->hist, &l->wtime, &l->land,
                                     &l->filters, &l->preds, &l->conf, &l->status};
    int n = (int)(sizeof p / sizeof p[0]);
    for (int i = 0; i < n; i++) {
        if (p[i]->w <= 0 || p[i]->h <= 0) {
            continue;
        }
        bool inside = p[i]->x >= 0 && p[i]->y >= 0 && p[i]->x + p[i]->w <= d->width + 0.5 &&
                      p[i]->y + p[i]->h <= d->height + 0.5;
        if (!inside) {
            fprintf(stderr, "%s: panel %d leaves the picture\n", what, i);
        }
        CHECK(inside);
        for (int j = i + 1; j < n; j++) {
            if (p[j]->w > 0 && p[j]->h > 0 && overlap(p[i], p[j])) {
                fprintf(stderr, "%s: panels %d and %d overlap\n", what, i, j);
                CHECK(!"panels overlap");
            }
        }
    }
}

static void check_dash(struct session_cnn *s, int w, int h, bool large, const char *lang)
{
    char what[96];
    snprintf(what, sizeof what, "%dx%d%s --lang %s", w, h, large ? " large text" : "", lang);
    CHECK(i18n_set(lang));
    struct dash *d = calloc(1, sizeof *d);
    session_cnn_dash(s, d, w, h, 0.0);
    /* the pictures and names of Fashion-MNIST, what a class sees */
    for (int c = 0; c < DASH_CLASSES; c++) {
        d->class_name[c] = nn_class_name(false, c);
        d->class_short[c] = nn_class_short_name(false, c);
    }
    d->font_scale = large ? FIGURE_LARGE_TEXT_SCALE : 0.0;
    dash_layout(d);
    CHECK(d->lay.compact == large);
    check_layout(d, what);
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(surf);
    struct draw_text_cuts cuts = {0};
    draw_text_count_cuts(cr, &cuts);
    draw_dash(cr, d);
    draw_text_count_cuts(cr, NULL);
    if (cuts.n) {
        fprintf(stderr, "%s: %d captions cut, the last '%s'\n", what, cuts.n, cuts.last);
    }
    CHECK(cuts.n == 0);
    cairo_destroy(cr);
    cairo_surface_destroy(surf);
    free(d);
}

/* The counter itself: a caption too long for its width is counted, one that fits is not. */
static void test_counter(void)
{
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 100, 40);
    cairo_t *cr = cairo_create(surf);
    struct draw_text_cuts cuts = {0};
    draw_text_count_cuts(cr, &cuts);
    draw_set_font(cr, 14, false, false);
    char buf[128];
    draw_fit_text(cr, "fits", 100, buf, sizeof buf);
    CHECK(cuts.n == 0);
    draw_fit_text(cr, "a caption far too long for forty pixels", 40, buf, sizeof buf);
    CHECK(cuts.n == 1 && !strcmp(cuts.last, "a caption far too long for forty pixels"));
    draw_text_count_cuts(cr, NULL);
    draw_fit_text(cr, "a caption far too long for forty pixels", 40, buf, sizeof buf);
    CHECK(cuts.n == 1);
    cairo_destroy(cr);
    cairo_surface_destroy(surf);
}

int main(void)
{
    i18n_init(TEST_LOCALEDIR);
    test_counter();
    struct session_cnn *s = lecture_run();
    if (s) {
        static const char *const langs[] = {"en", "ko"};
        for (int k = 0; k < 2; k++) {
            check_dash(s, 1280, 720, true, langs[k]);
            check_dash(s, 1920, 1080, true, langs[k]);
            /* normal text: only the layout (the panels) is checked */
            i18n_set(langs[k]);
            struct dash *d = calloc(1, sizeof *d);
            session_cnn_dash(s, d, 1280, 720, 0.0);
            dash_layout(d);
            CHECK(!d->lay.compact);
            check_layout(d, "1280x720 normal text");
            free(d);
        }
        session_cnn_destroy(s);
    }
    draw_text_finish();
    return check_done("dash_layout");
}

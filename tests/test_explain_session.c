/* test_explain_session.c: the explain mode in the session and on cairo: I pauses, the figure
 * carries explain_next's step for the selected runner (equal to what the race then does), the
 * caption and arrows are drawn (pixel statistics in the caption's box, against the same figure
 * with the mode off), the hover readout gives f and its gradient at the cursor's point. Writes
 * the PNGs it checks to EXPLAIN_PNG_DIR when set, to be looked at. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "check.h"
#include "draw/draw.h"
#include "draw/explain.h"
#include "session_fixture.h"

static struct figure fig;

/* Draws fig onto a new image; optionally saves it as NAME.png under $EXPLAIN_PNG_DIR. */
static cairo_surface_t *paint(const struct figure *f, const char *name)
{
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, f->width, f->height);
    cairo_t *cr = cairo_create(img);
    draw_figure(cr, f);
    cairo_destroy(cr);
    cairo_surface_flush(img);
    const char *dir = getenv("EXPLAIN_PNG_DIR");
    if (dir) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.png", dir, name);
        cairo_surface_write_to_png(img, path);
    }
    return img;
}

/* Pixels that differ between a and b inside r. */
static long differing(cairo_surface_t *a, cairo_surface_t *b, struct figure_rect r)
{
    int stride = cairo_image_surface_get_stride(a);
    const unsigned char *pa = cairo_image_surface_get_data(a);
    const unsigned char *pb = cairo_image_surface_get_data(b);
    long n = 0;
    for (int y = (int)r.y; y < (int)(r.y + r.h); y++) {
        for (int x = (int)r.x; x < (int)(r.x + r.w); x++) {
            n += memcmp(pa + (size_t)y * stride + 4 * x, pb + (size_t)y * stride + 4 * x, 4) != 0;
        }
    }
    return n;
}

static void test_mode(const char *optimizer, const char *name)
{
    const char *kv[] = {"function", "rosenbrock", "optimizer", optimizer, "steps", "200", NULL};
    struct session *s = fixture_open(NULL, kv, (struct session_desc){0});
    CHECK(s->running);
    session_act(s, SESSION_EXPLAIN, 0, 0.0);
    CHECK(s->explain && !s->running);
    for (int k = 0; k < 5; k++) {
        session_act(s, SESSION_STEP, 0, 0.1 * k);
    }
    s->toast[0] = '\0';
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 10.0);
    CHECK(fig.explain.on && fig.explain.valid);
    const struct race_runner *r = &s->race->r[s->selected];
    CHECK(fig.explain.ex.step == r->step + 1);
    struct explain want = fig.explain.ex;
    cairo_surface_t *on = paint(&fig, name);
    cairo_t *cr = cairo_create(on);
    struct figure_rect box = draw_explain_box(cr, &fig);
    cairo_destroy(cr);
    CHECK(box.w > 200 && box.h > 100);
    CHECK(figure_rect_contains(&fig.lay.plot, box.x, box.y));
    CHECK(figure_rect_contains(&fig.lay.plot, box.x + box.w, box.y + box.h));
    /* the runner is not under its caption */
    struct figure_frame fr = figure_plot_frame(&fig);
    double o[2];
    figure_frame_map(&fr, r->p[0], r->p[1], o);
    CHECK(!figure_rect_contains(&box, o[0], o[1]));
    fig.explain.on = false;
    cairo_surface_t *off = paint(&fig, "off");
    long n = differing(on, off, box);
    CHECK(n > 0.3 * box.w * box.h);   /* the caption's card covers its box */
    struct figure_rect near = {o[0] - 60, o[1] - 60, 120, 120};
    CHECK(differing(on, off, near) > 100);   /* arrows and the cross at the runner */
    cairo_surface_destroy(on);
    cairo_surface_destroy(off);
    /* the step the caption explains is the step the race takes */
    session_act(s, SESSION_STEP, 0, 2.0);
    CHECK(r->p[0] == want.p_next[0] && r->p[1] == want.p_next[1]);
    session_act(s, SESSION_EXPLAIN, 0, 3.0);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 10.0);
    CHECK(!s->explain && !fig.explain.on);
    fixture_close(s);
}

/* The caption's numbers are trace --state's: the session's explained step N against the row
 * of step N that session_trace_cols (what `optiscope trace --state --hessian` writes) gives
 * for the same scene, every column to the last digit printed. */
static void test_equals_trace(const char *optimizer)
{
    const char *kv[] = {"function", "beale", "start", "1,1", "optimizer", optimizer,
                        "noise", "0.3", "seed", "7", NULL};
    struct session *s = fixture_open(NULL, kv, (struct session_desc){0});
    session_act(s, SESSION_EXPLAIN, 0, 0.0);
    const long n = 7;
    for (long k = 1; k < n; k++) {
        session_act(s, SESSION_STEP, 0, 0.0);
    }
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    CHECK(fig.explain.valid && fig.explain.ex.step == n);
    const struct explain *e = &fig.explain.ex;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char err[256];
    CHECK(session_trace_cols(&s->scene, n, SESSION_TRACE_STATE | SESSION_TRACE_HESSIAN, f, NULL,
                             "", err, sizeof err));
    fclose(f);
    /* the last line is step n; its fields after the label */
    char *last = buf + len - 1;
    *last = '\0';
    last = strrchr(buf, '\n') + 1;
    char *fields[64];
    int nf = 0;
    char *p = strrchr(last, ')') ? strrchr(last, ')') + 1 : last;   /* past the label */
    while (nf < 64) {
        p = strchr(p, ',');
        if (!p) {
            break;
        }
        *p++ = '\0';
        fields[nf++] = p;
    }
    CHECK(nf == 6 + EXPLAIN_NCOLS + 5);
    if (nf != 6 + EXPLAIN_NCOLS + 5) {
        free(buf);
        fixture_close(s);
        return;
    }
    CHECK(atol(fields[0]) == n);
    CHECK(strtod(fields[1], NULL) == e->p_next[0] && strtod(fields[2], NULL) == e->p_next[1]);
    CHECK(strtod(fields[4], NULL) == e->lr);
    for (int c = 0; c < EXPLAIN_NCOLS; c++) {
        const char *t = fields[6 + c];
        CHECK(e->has[c] == (t[0] != ',' && t[0] != '\0'));
        if (e->has[c]) {
            CHECK(strtod(t, NULL) == e->val[c]);
        }
    }
    free(buf);
    fixture_close(s);
}

/* A runner that diverged: the caption says so (and how to restart); nothing else drawn. */
static void test_diverged(void)
{
    const char *kv[] = {"function", "rosenbrock", "start", "-2,2", "optimizer", "sgd(lr=0.01)",
                        NULL};
    struct session *s = fixture_open(NULL, kv, (struct session_desc){0});
    session_act(s, SESSION_EXPLAIN, 0, 0.0);
    for (int k = 0; k < 20 && !s->race->r[0].diverged; k++) {
        session_act(s, SESSION_STEP, 0, 0.0);
    }
    CHECK(s->race->r[0].diverged);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 10.0);
    CHECK(fig.explain.on && !fig.explain.valid);
    CHECK(strstr(fig.explain.note, "diverged") != NULL);
    CHECK(strstr(fig.explain.note, "stability bound") != NULL);   /* lr 0.01 > 2/lambda_max */
    cairo_surface_t *img = paint(&fig, "diverged");
    cairo_t *cr = cairo_create(img);
    struct figure_rect box = draw_explain_box(cr, &fig);
    cairo_destroy(cr);
    CHECK(box.w > 100 && box.h > 20);
    cairo_surface_destroy(img);
    fixture_close(s);
}

static void test_hover(void)
{
    const char *kv[] = {"function", "rosenbrock", "optimizer", "adam", NULL};
    struct session *s = fixture_open(NULL, kv, (struct session_desc){0});
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    struct figure_rect pl = fig.lay.plot;
    double px = pl.x + 0.3 * pl.w, py = pl.y + 0.6 * pl.h;
    unsigned long g0 = s->hover_gen;
    session_hover(s, px, py, true);
    CHECK(s->hover_gen != g0);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    CHECK(fig.hover.on);
    struct figure_frame fr = figure_plot_frame(&fig);
    double p[2];
    figure_frame_unmap(&fr, px, py, p);
    /* rosenbrock's value and gradient, by hand */
    double x = p[0], y = p[1];
    double f = (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
    double gx = -2 * (1 - x) - 400 * x * (y - x * x), gy = 200 * (y - x * x);
    char want[128];
    snprintf(want, sizeof want, "f(%.4g, %.4g) = %.6g", x, y, f);
    CHECK(strcmp(fig.hover.text[0], want) == 0);
    snprintf(want, sizeof want, "(%.4g, %.4g)", gx, gy);
    CHECK(strstr(fig.hover.text[1], want) != NULL);
    cairo_surface_t *img = paint(&fig, "hover");
    cairo_surface_destroy(img);
    session_hover(s, 5, 5, true);   /* outside the plot: none */
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    CHECK(!fig.hover.on);
    fixture_close(s);
}

int main(void)
{
    static const char *const opts[][2] = {
        {"sgd(lr=0.001)", "sgd"}, {"momentum(lr=0.0004)", "momentum"}, {"nag(lr=0.0003)", "nag"},
        {"adagrad(lr=0.3)", "adagrad"}, {"adadelta", "adadelta"}, {"rmsprop", "rmsprop"},
        {"adam(lr=0.05)", "adam"}, {"adamw(lr=0.05)", "adamw"}, {"nadam(lr=0.05)", "nadam"},
        {"adamax(lr=0.05)", "adamax"}, {"sgd(lr=0.0012)", "sgd_unstable"},
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        test_mode(opts[i][0], opts[i][1]);
    }
    static const char *const traced[] = {
        "sgd(lr=0.01)", "momentum(lr=0.005)", "nag(lr=0.005)", "adagrad(lr=0.3)", "adadelta",
        "rmsprop(lr=0.01,centered=true,momentum=0.5)", "adam(lr=0.05,amsgrad=true)",
        "adamw(lr=0.05)", "nadam(lr=0.05)", "adamax(lr=0.05)",
    };
    for (size_t i = 0; i < sizeof traced / sizeof traced[0]; i++) {
        test_equals_trace(traced[i]);
    }
    test_diverged();
    test_hover();
    return check_done("explain_session");
}

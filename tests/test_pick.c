/* test_pick.c: the hover's point in 3-D: gl_figure_pick finds, for a pixel over the surface,
 * a data point whose surface point projects back onto that pixel, and the one in front where
 * the surface folds over itself; in 2-D the plot's point. No GL context (no GL calls). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "gl/figure_gl.h"
#include "session_fixture.h"

static struct figure fig;

/* A paused session on the catalog's function fn, in 3-D or 2-D. */
static struct session *open_session(const char *fn, bool view3d)
{
    const char *kv[] = {"function", fn, NULL};
    return fixture_open(NULL, kv, (struct session_desc){.paused = true, .view3d = view3d});
}

static void test_3d(const char *fn)
{
    struct session *s = open_session(fn, true);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    CHECK(fig.view3d);
    const double *v = fig.field.view;
    int tried = 0, good = 0, front = 0;
    for (int j = 1; j < 12; j++) {
        for (int i = 1; i < 12; i++) {
            double x = v[0] + (v[1] - v[0]) * i / 12.0, y = v[2] + (v[3] - v[2]) * j / 12.0;
            double px[3];
            if (!gl_figure_project(&fig, x, y, px) ||
                !figure_rect_contains(&fig.lay.plot, px[0], px[1])) {
                continue;
            }
            tried++;
            double p[2], back[3];
            CHECK(gl_figure_pick(&fig, px[0], px[1], p));
            CHECK(gl_figure_project(&fig, p[0], p[1], back));
            /* on the cursor's pixel, and never behind the point we started from (in front of it
             * where a nearer part of the surface hides it) */
            double miss = hypot(back[0] - px[0], back[1] - px[1]);
            good += miss < 1.5;
            if (miss >= 1.5 || back[2] > px[2] + 1e-4) {
                fprintf(stderr, "%s (%g, %g): miss %.2f px, depth %.5f vs %.5f\n", fn, x, y,
                        miss, back[2], px[2]);
            }
            front += back[2] <= px[2] + 1e-4;
        }
    }
    CHECK(tried > 60);
    CHECK(good == tried);
    CHECK(front == tried);
    double p[2];
    CHECK(!gl_figure_pick(&fig, 2, 2, p));   /* off the plot */
    fixture_close(s);
}

static void test_2d(void)
{
    struct session *s = open_session("beale", false);
    session_figure(s, &fig, 1280, 800, SESSION_FOR_WINDOW, 0.0);
    struct figure_frame fr = figure_plot_frame(&fig);
    double px[2], p[2];
    figure_frame_map(&fr, 1.25, -0.5, px);
    CHECK(gl_figure_pick(&fig, px[0], px[1], p));
    CHECK_NEAR(p[0], 1.25, 1e-9);
    CHECK_NEAR(p[1], -0.5, 1e-9);
    fixture_close(s);
}

int main(void)
{
    test_3d("himmelblau");
    test_3d("rosenbrock");
    test_3d("rastrigin");
    test_2d();
    return check_done("pick");
}

/* explain.c (session): the explain mode's figure part (the selected runner's next step, from
 * sim/explain) and the readout of f and its gradient under the mouse. No SDL, no GL. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "session/session.h"
#include "sim/explain.h"
#include "sim/i18n.h"
#include "sim/util.h"

void session_hover(struct session *s, double px, double py, bool inside)
{
    if (s->hover_on == inside && s->hover_px == px && s->hover_py == py) {
        return;
    }
    s->hover_on = inside;
    s->hover_px = px;
    s->hover_py = py;
    s->hover_gen++;
}

void session_hover_point(struct session *s, bool has, const double p[2])
{
    if (s->hover_has_point == has && (!has || (s->hover_point[0] == p[0] &&
                                                s->hover_point[1] == p[1]))) {
        return;
    }
    s->hover_has_point = has;
    if (has) {
        s->hover_point[0] = p[0];
        s->hover_point[1] = p[1];
    }
    s->hover_gen++;
}

/* The hover readout: in 2-D the plot's point under the cursor, in 3-D the surface's point
 * the window found under it. */
static void hover_figure(const struct session *s, struct figure *fig)
{
    struct figure_hover *h = &fig->hover;
    if (!s->hover_on || s->help || (s->view3d && !s->hover_has_point) ||
        !figure_rect_contains(&fig->lay.plot, s->hover_px, s->hover_py)) {
        return;
    }
    double p[2], g[2];
    if (s->view3d) {
        p[0] = s->hover_point[0];
        p[1] = s->hover_point[1];
    } else {
        struct figure_frame fr = figure_plot_frame(fig);
        figure_frame_unmap(&fr, s->hover_px, s->hover_py, p);
    }
    double f = race_objective(s->race, p[0], p[1], g);
    h->on = true;
    h->px = s->hover_px;
    h->py = s->hover_py;
    snprintf(h->text[0], sizeof h->text[0], "f(%.4g, %.4g) = %.6g", p[0], p[1], f);
    snprintf(h->text[1], sizeof h->text[1], "\xE2\x88\x87" "f = (%.4g, %.4g)", g[0], g[1]);
}

void session_explain_figure(const struct session *s, struct figure *fig)
{
    hover_figure(s, fig);
    struct figure_explain *e = &fig->explain;
    if (!s->explain || s->race->n == 0) {
        return;
    }
    e->on = true;
    int i = s->selected;
    const struct race_runner *r = &s->race->r[i];
    e->color = i;
    util_copy_text(e->label, sizeof e->label, r->label);
    e->valid = explain_next(s->race, i, &e->ex);
    if (!e->valid) {
        /* why: the curvature at its last finite point against its lr bound, where known */
        double h[3], lam[2], vec[2][2], bound;
        expr_eval_hess(s->race->obj, r->p[0], r->p[1], NULL, h);
        explain_eigen(h, lam, vec);
        if (explain_lr_bound(&r->params, lam[1], &bound) && r->lr > bound) {
            snprintf(e->note, sizeof e->note, _("%s diverged at step %ld: at its last point "
                     "\xCE\xBBmax = %.4g, and lr %.4g > %.4g, its stability bound there. "
                     "R restarts it."), r->label, r->diverged_step, lam[1], r->lr, bound);
        } else {
            snprintf(e->note, sizeof e->note, _("%s has stopped (diverged at step %ld): R "
                     "restarts it"), r->label, r->diverged_step);
        }
    }
}

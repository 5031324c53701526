/* split.c: the l1_vs_l2 split view: a second race under the L2 penalty beside the session's
 * L1 race, the exact minimizers and their paths in lambda, and the right plot of the figure. */
#include "session/split.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/i18n.h"
#include "sim/util.h"

/* ======================================================================== the races */

/* The right race's optimizer for a left one: ista's proximal step with no L1 weight is sgd's
 * step, so it runs (and is named) sgd with the same rate and schedule. */
static struct optim_params right_params(const struct optim_params *p)
{
    if (!optim_proximal(p->kind)) {
        return *p;
    }
    struct optim_params q;
    char err[128];
    bool ok = optim_parse("sgd", &q, err, sizeof err);
    assert(ok);
    (void)ok;
    q.lr = p->lr;
    q.has_sched = p->has_sched;
    q.sched = p->sched;
    return q;
}

static void make_race(struct race *race, const struct scene *sc, const struct scene_resolved *res,
                      double l1, double l2, const struct optim_params *params, int n,
                      const double start[2])
{
    struct race_desc d = {
        .f = res->f, .xmin = res->domain[0], .xmax = res->domain[1], .ymin = res->domain[2],
        .ymax = res->domain[3], .sched = &sc->sched, .l1 = l1, .l2 = l2, .noise = sc->noise,
        .seed = sc->seed, .start = {start[0], start[1]}, .n = n, .params = params,
    };
    race_init(race, &d);
}

static void make_right(struct session_split *sp, const struct scene *sc,
                       const struct scene_resolved *res, const struct race *left)
{
    struct optim_params p[RACE_MAX];
    for (int i = 0; i < left->n; i++) {
        p[i] = right_params(&left->r[i].params);
    }
    make_race(&sp->right, sc, res, 0.0, sc->l2, p, left->n, left->start);
}

/* The exact minimizers at the weights now, and what is drawn of them. */
static void solve(struct session_split *sp, double l1, double l2)
{
    regpath_l1(&sp->q, l1, sp->w1);
    regpath_l2(&sp->q, l2, sp->w2);
    sp->npath1 = regpath_l1_polyline(&sp->q, sp->path1, REGPATH_MAX_PIECES + 1);
    regpath_l2_polyline(&sp->q, sp->path2, SPLIT_L2_POINTS);
    double r1 = fabs(sp->w1[0]) + fabs(sp->w1[1]);
    double d[4][2] = {{r1, 0}, {0, r1}, {-r1, 0}, {0, -r1}};
    memcpy(sp->diamond, d, sizeof sp->diamond);
    double r2 = hypot(sp->w2[0], sp->w2[1]);
    for (int k = 0; k < SPLIT_RING_POINTS; k++) {
        double t = 2 * M_PI * k / SPLIT_RING_POINTS;
        sp->circle[2 * k] = r2 * cos(t);
        sp->circle[2 * k + 1] = r2 * sin(t);
    }
    sp->has_ring1 = regpath_quad_ellipse(&sp->q, regpath_quad_value(&sp->q, sp->w1), sp->ring1,
                                         SPLIT_RING_POINTS);
    sp->has_ring2 = regpath_quad_ellipse(&sp->q, regpath_quad_value(&sp->q, sp->w2), sp->ring2,
                                         SPLIT_RING_POINTS);
}

bool split_create(struct session_split **out, const struct scene *sc,
                  const struct scene_resolved *res, struct race *left, char *err,
                  size_t errlen)
{
    *out = NULL;
    if (!(sc->l1 > 0.0) || !(sc->l2 > 0.0)) {
        snprintf(err, errlen, _("split = l1_vs_l2 needs l1 > 0 and l2 > 0 (the left plot's L1 "
                 "weight and the right plot's L2 weight; J and K scale both), not l1 = %g, "
                 "l2 = %g"), sc->l1, sc->l2);
        return false;
    }
    if (sc->view == SCENE_VIEW_3D) {
        snprintf(err, errlen, _("split = l1_vs_l2 is two 2-D maps side by side; view 3d draws "
                 "one surface (use view 2d)"));
        return false;
    }
    struct session_split *sp = xcalloc(1, sizeof *sp);
    char why[256];
    if (!regpath_quad_fit(res->f, &sp->q, why, sizeof why)) {
        snprintf(err, errlen, _("split = l1_vs_l2 draws the exact minimizers of a quadratic "
                 "bowl, and %s"), why);
        free(sp);
        return false;
    }
    make_race(left, sc, res, sc->l1, 0.0, sc->opt, sc->nopt, res->start);
    make_right(sp, sc, res, left);
    struct race_desc b = {
        .f = res->f, .obj = res->f, .xmin = res->domain[0], .xmax = res->domain[1],
        .ymin = res->domain[2], .ymax = res->domain[3], .start = {res->start[0], res->start[1]},
    };
    race_init(&sp->bowl, &b);
    solve(sp, sc->l1, sc->l2);
    *out = sp;
    return true;
}

void split_destroy(struct session_split *sp)
{
    if (!sp) {
        return;
    }
    race_finish(&sp->right);
    race_finish(&sp->bowl);
    free(sp);
}

unsigned split_step(struct session_split *sp)
{
    return race_step(&sp->right);
}

void split_reset(struct session_split *sp, const double start[2])
{
    race_reset(&sp->right, start);
}

void split_run(struct session_split *sp, long target)
{
    long done = 0;
    for (int i = 0; i < sp->right.n; i++) {
        done = sp->right.r[i].step > done ? sp->right.r[i].step : done;
    }
    race_run(&sp->right, &done, target, NULL, NULL);
}

void split_set_lr(struct session_split *sp, int i, double lr)
{
    if (i >= 0 && i < sp->right.n) {
        struct race_runner *r = &sp->right.r[i];
        r->params.lr = lr;
        optim_format(&r->params, r->label, sizeof r->label);
    }
}

void split_scale_lambda(struct session *s, bool up, double now)
{
    struct session_split *sp = s->split;
    if (!sp) {
        session_toast(s, now, false, _("J and K change the penalty weight of a split view "
                      "(P to the preset l1_vs_l2)"));
        return;
    }
    /* divided on the way down, so K then J gives back the very number */
    double l1 = up ? s->scene.l1 * SPLIT_LAMBDA_STEP : s->scene.l1 / SPLIT_LAMBDA_STEP;
    double l2 = up ? s->scene.l2 * SPLIT_LAMBDA_STEP : s->scene.l2 / SPLIT_LAMBDA_STEP;
    if (!(fmin(l1, l2) >= 1e-4 && fmax(l1, l2) <= 1e4)) {
        session_toast(s, now, true, _("\xCE\xBB stays %.4g (kept between 1e-4 and 1e4)"),
                      s->scene.l1);
        return;
    }
    long step = session_step(s);
    struct race *left = s->race;
    struct optim_params p[RACE_MAX];
    int n = left->n;
    for (int i = 0; i < n; i++) {
        p[i] = left->r[i].params;   /* the live learning rates stay */
    }
    double start[2] = {left->start[0], left->start[1]};
    s->scene.l1 = l1;
    s->scene.l2 = l2;
    race_finish(left);
    make_race(left, &s->scene, &s->res, l1, 0.0, p, n, start);
    race_finish(&sp->right);
    make_right(sp, &s->scene, &s->res, left);
    long done = 0;
    race_run(left, &done, step, NULL, NULL);
    split_run(sp, step);
    solve(sp, l1, l2);
    s->gen++;
    s->change++;
    if (l1 == l2) {
        session_toast(s, now, false, _("\xCE\xBB = %.4g: exact minima L1 (%.3g, %.3g), L2 (%.3g, "
                      "%.3g)"), l1, sp->w1[0], sp->w1[1], sp->w2[0], sp->w2[1]);
    } else {
        session_toast(s, now, false, "\xCE\xBB L1 = %.4g, L2 = %.4g", l1, l2);
    }
}

/* ======================================================================== the figure */

/* "no zero", "1 zero", "2 zeros": the exact zeros of w */
static void zeros_text(const double w[2], char *buf, size_t len)
{
    int z = (w[0] == 0.0) + (w[1] == 0.0);
    snprintf(buf, len, "%s", z == 0 ? _("no zero") : (z == 1 ? _("1 zero") : _("2 zeros")));
}

static void runner_detail(const struct race_runner *r, char *buf, size_t len)
{
    if (r->diverged) {
        snprintf(buf, len, _("diverged at step %ld"), r->diverged_step);
        return;
    }
    int z = race_exact_zeros(r);
    snprintf(buf, len,
             ngettext("at (%.3g, %.3g) \xC2\xB7 %d exact zero \xC2\xB7 loss %.4g",
                      "at (%.3g, %.3g) \xC2\xB7 %d exact zeros \xC2\xB7 loss %.4g", (unsigned long)z),
             r->p[0], r->p[1], z, r->loss);
}

void split_figure_pre(struct session *s, struct figure *fig, bool window)
{
    struct session_split *sp = s->split;
    if (!sp->scale_valid || memcmp(sp->scale_view, s->domain, sizeof sp->scale_view) ||
        sp->scale_log != s->log_scale) {
        figure_scale_fit_view(&sp->scale, &sp->bowl, s->domain, s->log_scale);
        memcpy(sp->scale_view, s->domain, sizeof sp->scale_view);
        sp->scale_log = s->log_scale;
        sp->scale_valid = true;
    }
    fig->view3d = false;             /* two maps side by side */
    fig->inset = false;              /* the plots take the room */
    fig->field.race = &sp->bowl;     /* f alone on both sides: the same bowl */
    fig->field.scale = sp->scale;
    struct figure *t = &sp->twin;
    figure_init(t, fig->width, fig->height);
    t->field = fig->field;
    fig->twin = t;
    double l1 = s->race->l1, l2 = sp->right.l2;
    /* lambda itself is in the settings line and the status */
    char z1[24], z2[24];
    zeros_text(sp->w1, z1, sizeof z1);
    zeros_text(sp->w2, z2, sizeof z2);
    snprintf(fig->caption, sizeof fig->caption, _("L1: \xCE\xBB(|x|+|y|) \xC2\xB7 minimum (%.3g, "
             "%.3g), %s"), sp->w1[0], sp->w1[1], z1);
    snprintf(t->caption, sizeof t->caption, _("L2: \xCE\xBB(x\xC2\xB2+y\xC2\xB2) \xC2\xB7 minimum "
             "(%.3g, %.3g), %s"), sp->w2[0], sp->w2[1], z2);
    char lam[64];
    if (l1 == l2) {
        snprintf(lam, sizeof lam, "\xCE\xBB = %g", l1);
    } else {
        snprintf(lam, sizeof lam, "\xCE\xBB = %g (L1), %g (L2)", l1, l2);
    }
    snprintf(fig->subtitle, sizeof fig->subtitle,
             _("%s \xC2\xB7 start (%.3g, %.3g) \xC2\xB7 %ld steps \xC2\xB7 dashed: the exact "
             "minimum for every \xCE\xBB \xC2\xB7 white: the loss contour through it"),
             lam, s->race->start[0], s->race->start[1], s->scene.steps);
    /* Legend rows: each side's runners, named by side, with their exact zeros. */
    for (int i = 0; i < fig->nentries && i < s->race->n; i++) {
        struct figure_entry *e = &fig->entry[i];
        char label[sizeof e->label];
        snprintf(label, sizeof label, "L1 \xC2\xB7 %s", e->label);
        snprintf(e->label, sizeof e->label, "%s", label);
        if (!e->hidden) {
            runner_detail(&s->race->r[i], e->detail, sizeof e->detail);
        }
    }
    int sel = window ? s->selected : -1;
    for (int i = 0; i < sp->right.n && fig->nentries < FIGURE_MAX_PATHS; i++) {
        const struct race_runner *r = &sp->right.r[i];
        struct figure_entry *e = &fig->entry[fig->nentries++];
        memset(e, 0, sizeof *e);
        snprintf(e->label, sizeof e->label, "L2 \xC2\xB7 %s", r->label);
        runner_detail(r, e->detail, sizeof e->detail);
        if (!s->shown[i]) {
            snprintf(e->detail, sizeof e->detail, "%s", _("hidden"));
        }
        e->color = s->race->n + i;
        e->highlight = i == sel;
        e->hidden = !s->shown[i];
        e->diverged = r->diverged;
    }
    if (window) {
        char st[sizeof fig->status[0]];
        snprintf(st, sizeof st, "%s \xC2\xB7 %s (J K)", fig->status[0], lam);
        snprintf(fig->status[0], sizeof fig->status[0], "%s", st);
    }
    /* the right race's paths (the layout counts path points for the legend's corner) */
    for (int i = 0; i < sp->right.n; i++) {
        if (!s->shown[i]) {
            continue;
        }
        const struct race_runner *r = &sp->right.r[i];
        t->path[t->npaths++] = (struct figure_path){
            &r->traj, s->race->n + i, 0.0, i == sel, sel >= 0 && i != sel, r->diverged,
            s->gen, ((unsigned long)r->step << 1) | (unsigned long)r->diverged,
            0.0};   /* one width: the split view's rates are constant */
    }
    t->trails = fig->trails;
}

static void add_line(struct figure *fig, const double *xy, int n, bool closed, bool dashed,
                     const double rgb[3], double width)
{
    if (fig->nlines < FIGURE_MAX_LINES && n >= 2) {
        struct figure_line *l = &fig->line[fig->nlines++];
        *l = (struct figure_line){xy, n, closed, dashed, {rgb[0], rgb[1], rgb[2]}, width};
    }
}

static void add_mark(struct figure *fig, const double p[2], double loss,
                     enum figure_marker_shape shape, int color, double size)
{
    if (fig->nmarkers < FIGURE_MAX_MARKERS) {
        fig->marker[fig->nmarkers++] = (struct figure_marker){p[0], p[1], loss, shape, color,
                                                              size};
    }
}

void split_figure_post(struct session *s, struct figure *fig)
{
    struct session_split *sp = s->split;
    struct figure *t = &sp->twin;
    double F = fig->lay.font;
    t->lay = fig->lay;
    t->lay.plot = fig->lay.plot2;
    static const double path_rgb[3] = {1.0, 0.9, 0.3};     /* yellow: minima against lambda */
    static const double ring_rgb[3] = {1.0, 1.0, 1.0};     /* white: the loss contour */
    static const double shape_rgb[3] = {0.18, 0.88, 1.0};  /* cyan: the penalty's level set */
    add_line(fig, sp->path1, sp->npath1, false, true, path_rgb, 0.16 * F);
    add_line(t, sp->path2, SPLIT_L2_POINTS, false, true, path_rgb, 0.16 * F);
    if (sp->has_ring1) {
        add_line(fig, sp->ring1, SPLIT_RING_POINTS, true, false, ring_rgb, 0.1 * F);
    }
    if (sp->has_ring2) {
        add_line(t, sp->ring2, SPLIT_RING_POINTS, true, false, ring_rgb, 0.1 * F);
    }
    if (fabs(sp->w1[0]) + fabs(sp->w1[1]) > 0.0) {
        add_line(fig, sp->diamond, 4, true, false, shape_rgb, 0.2 * F);
    }
    if (hypot(sp->w2[0], sp->w2[1]) > 0.0) {
        add_line(t, sp->circle, SPLIT_RING_POINTS, true, false, shape_rgb, 0.2 * F);
    }
    for (int k = 0; k < t->npaths; k++) {
        t->path[k].width = (t->path[k].highlight ? 0.26 : 0.17) * F;
    }
    /* the right plot's marks, as the left one has them: the bowl's minimum, the start, each
     * runner's point; then each side's exact regularized minimum on top */
    const struct race *R = &sp->right;
    double g[2];
    if (s->res.nminima == 0) {
        add_mark(fig, sp->q.wstar, regpath_quad_value(&sp->q, sp->q.wstar), FIGURE_MARK_STAR,
                 -1, 1.24 * F);
    }
    add_mark(t, sp->q.wstar, regpath_quad_value(&sp->q, sp->q.wstar), FIGURE_MARK_STAR, -1,
             1.24 * F);
    add_mark(t, R->start, race_objective(R, R->start[0], R->start[1], g), FIGURE_MARK_RING, -1,
             1.0 * F);
    for (int k = 0; k < t->npaths; k++) {
        const struct race_runner *r = &R->r[t->path[k].color - s->race->n];
        bool hl = t->path[k].highlight;
        add_mark(t, r->p, r->loss, r->diverged ? FIGURE_MARK_CROSS : FIGURE_MARK_DISC,
                 t->path[k].color, r->diverged ? 1.0 * F : (hl ? 0.8 : 0.64) * F);
    }
    /* the L1 path's kinks: where a coordinate reaches its exact zero (and the origin) */
    for (int k = 1; k < sp->npath1; k++) {
        const double *p = sp->path1 + 2 * k;
        add_mark(fig, p, regpath_quad_value(&sp->q, p), FIGURE_MARK_DISC, 5, 0.5 * F);
    }
    add_mark(fig, sp->w1, regpath_quad_value(&sp->q, sp->w1), FIGURE_MARK_RING, 5, 1.1 * F);
    add_mark(t, sp->w2, regpath_quad_value(&sp->q, sp->w2), FIGURE_MARK_RING, 5, 1.1 * F);
}

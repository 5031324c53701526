/* figure_gl.c: a figure's plot with OpenGL: the field (heatmap or surface), paths with step
 * dots into a cached layer that each frame extends, then markers and arrows on top. */
#include "gl/figure_gl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "figure/theme.h"
#include "sim/util.h"

/* Height of t = 1 in the 3-D view; the base spans 2 world units. */
#define SURFACE_HEIGHT 0.85f

static void runner_rgb(const struct figure *fig, int i, float out[3])
{
    double c[3];
    figure_theme_runner_rgb(fig->theme, i, c);
    out[0] = (float)c[0];
    out[1] = (float)c[1];
    out[2] = (float)c[2];
}

static float *scratch(struct gl_figure *g, size_t n)
{
    if (n > g->scratch_cap) {
        g->scratch_cap = n * 3 / 2 + 256;
        g->scratch = xrealloc(g->scratch, g->scratch_cap * sizeof *g->scratch);
    }
    return g->scratch;
}

/* t of the objective at a point: the surface height there, clamped to the surface. */
static float height_t(const struct figure *fig, double loss)
{
    double t = figure_scale_t(&fig->field.scale, loss);
    return isfinite(t) ? (float)fmin(fmax(t, 0.0), 1.0) : 1.0f;
}

/* The data rectangle the whole frame shows when the field's view fills the plot (2-D). */
static void frame_view(const struct figure *fig, double out[4])
{
    const struct figure_rect *p = &fig->lay.plot;
    const double *v = fig->field.view;
    double ux = (v[1] - v[0]) / (p->w > 1 ? p->w : 1);
    double uy = (v[3] - v[2]) / (p->h > 1 ? p->h : 1);
    out[0] = v[0] - p->x * ux;
    out[1] = v[1] + (fig->width - p->x - p->w) * ux;
    out[2] = v[2] - (fig->height - p->y - p->h) * uy;
    out[3] = v[3] + p->y * uy;
}

/* The orbit camera at the figure's yaw, pitch and distance. */
static void figure_camera(const struct figure *fig, struct gl_camera *cam)
{
    gl_camera_default(cam);
    cam->yaw = (float)fig->camera[0];
    cam->pitch = (float)fig->camera[1];
    cam->distance = (float)fig->camera[2];
}

static void figure_mvp(const struct figure *fig, float mvp[16])
{
    if (!fig->view3d) {
        double fv[4];
        frame_view(fig, fv);
        gl_mat4_view2d(mvp, fv);
        return;
    }
    struct gl_camera cam;
    figure_camera(fig, &cam);
    float c[16], model[16], shift[16];
    const struct figure_rect *p = &fig->lay.plot;
    gl_camera_matrix(&cam, (float)fig->width / (float)fig->height, c);
    /* Centre the surface in the plot, not the window. */
    gl_mat4_identity(shift);
    shift[12] = (float)((p->x + 0.5 * p->w) / fig->width * 2.0 - 1.0);
    shift[13] = (float)(1.0 - (p->y + 0.5 * p->h) / fig->height * 2.0);
    gl_mat4_mul(c, shift, c);
    gl_mat4_data_to_world(model, fig->field.view, SURFACE_HEIGHT);
    gl_mat4_mul(mvp, c, model);
}

/* Uploads the paths whose points changed. */
static void upload_trails(struct gl_figure *g, const struct figure *fig)
{
    const double *d = fig->field.view;
    for (int k = 0; k < fig->npaths; k++) {
        const struct figure_path *p = &fig->path[k];
        int i = p->color;
        if (i < 0 || i >= FIGURE_MAX_PATHS) {
            continue;
        }
        if (g->trail_valid[i] && g->trail_gen[i] == p->gen &&
            g->trail_restart[i] == p->restart) {
            continue;
        }
        size_t n = traj_count(p->traj);
        float *xyz = scratch(g, 4 * n + 4);
        if (g->pt_cap[i] < n + 1) {
            g->pt_cap[i] = n + 1 + n / 2;
            g->pt_step[i] = xrealloc(g->pt_step[i], g->pt_cap[i] * sizeof **g->pt_step);
            g->pt_xyz[i] = xrealloc(g->pt_xyz[i], 4 * g->pt_cap[i] * sizeof **g->pt_xyz);
        }
        int m = 0;
        /* Points closer than about a pixel to the last one kept add nothing but vertices: a
         * converged runner piles thousands of steps onto one spot. */
        double tx = (d[1] - d[0]) / 2000.0, ty = (d[3] - d[2]) / 2000.0;
        double lx = 0.0, ly = 0.0;
        float lt = 0.0f;
        for (size_t j = 0; j < n; j++) {
            struct traj_point q = traj_get(p->traj, j);
            if (!isfinite(q.x) || !isfinite(q.y)) {
                continue;
            }
            float t = height_t(fig, q.loss) + 0.006f;
            if (m > 0 && j + 1 < n && fabs(q.x - lx) < tx && fabs(q.y - ly) < ty &&
                fabsf(t - lt) < 0.002f) {
                continue;
            }
            xyz[4 * m] = (float)q.x;
            xyz[4 * m + 1] = (float)q.y;
            xyz[4 * m + 2] = t;
            xyz[4 * m + 3] = (float)figure_lr_width(q.lr, p->lr_ref);   /* line.vert */
            g->pt_step[i][m] = q.step;
            lx = q.x;
            ly = q.y;
            lt = t;
            m++;
        }
        gl_polyline_set(&g->trail[i], xyz, m);
        memcpy(g->pt_xyz[i], xyz, 4 * (size_t)m * sizeof *xyz);
        g->trail_gen[i] = p->gen;
        g->trail_restart[i] = p->restart;
        g->trail_valid[i] = true;
    }
}

/* The last uploaded point of runner i at or before step s (points are in step order). */
static int point_at_step(const struct gl_figure *g, int i, long s)
{
    int lo = 0, hi = g->trail[i].n - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (g->pt_step[i][mid] <= s) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    return lo;
}

/* Step dots of points (first, n) of runner i's upload: the figure's rule, on the plot frame. */
static void paint_dots(struct gl_renderer *r, struct gl_figure *g, const struct figure *fig,
                       const struct figure_path *p, int first, const float mvp[16])
{
    int i = p->color;
    int n = g->trail[i].n;
    struct figure_frame fr = figure_plot_frame(fig);
    double dot = figure_dot_size(p->width);
    float rgb[3];
    runner_rgb(fig, i, rgb);
    if (g->dots_cap < (size_t)n + 1) {
        g->dots_cap = (size_t)n + 1 + (size_t)n / 2;
        g->dots = xrealloc(g->dots, g->dots_cap * sizeof *g->dots);
    }
    const float *q = g->pt_xyz[i];
    size_t count = 0;
    for (int k = first > 0 ? first + 1 : 1; k < n; k++) {
        const float *a = q + 4 * (k - 1), *b = q + 4 * k;
        if (figure_step_dot(&fr, a[0], a[1], b[0], b[1], dot)) {
            g->dots[count++] = (struct gl_marker){{b[0], b[1], b[2]},
                                                  {rgb[0], rgb[1], rgb[2], 1.0f},
                                                  (float)dot, GL_MARKER_DISC};
        }
    }
    if (count > 0) {
        gl_draw_markers(r, g->dots, (int)count, mvp);
    }
}

static void line_style(const struct figure *fig, const struct figure_path *p,
                       struct gl_line_style *st)
{
    float rgb[3];
    runner_rgb(fig, p->color, rgb);
    float w = (float)p->width;
    *st = (struct gl_line_style){.width = w < 2.0f ? 2.0f : w,
                                 .rgba = {rgb[0], rgb[1], rgb[2], p->dimmed ? 0.7f : 1.0f},
                                 .rim = 1.25f, .clip = fig->view3d ? fig->field.view : NULL,
                                 .occlude = fig->view3d};
}

/* Trails go into the layer, which keeps what was drawn: each frame adds only the new
 * segments of each runner. `full`: the layer was just cleared; draw every trail whole. */
static void paint_trails(struct gl_renderer *r, struct gl_figure *g, const struct figure *fig,
                         const float mvp[16], bool full)
{
    for (int k = 0; k < fig->npaths; k++) {
        const struct figure_path *p = &fig->path[k];
        int i = p->color;
        if (i < 0 || i >= FIGURE_MAX_PATHS || g->trail[i].n < 1) {
            continue;
        }
        int first = 0;
        if (!full && g->layer_step[i] >= 0) {
            first = point_at_step(g, i, g->layer_step[i]);
        }
        if (full || first < g->trail[i].n - 1) {
            struct gl_line_style st;
            line_style(fig, p, &st);
            gl_draw_polyline_range(r, &g->trail[i], first, g->trail[i].n - first, mvp, &st);
            if (!fig->view3d) {
                paint_dots(r, g, fig, p, first, mvp);
            }
        }
        g->layer_step[i] = g->pt_step[i][g->trail[i].n - 1];
    }
}

/* Paths, dots, markers and arrows stay inside the plot (the chrome around it is drawn). */
static void scissor_plot(const struct figure *fig, bool on)
{
    if (!on) {
        glDisable(GL_SCISSOR_TEST);
        return;
    }
    const struct figure_rect *p = &fig->lay.plot;
    int x0 = (int)floor(p->x), y1 = (int)ceil(p->y + p->h);
    int x1 = (int)ceil(p->x + p->w), y0 = (int)floor(p->y);
    glEnable(GL_SCISSOR_TEST);
    glScissor(x0, fig->height - y1, x1 - x0, y1 - y0);
}

static struct gl_figure_key make_key(const struct figure *fig, const float mvp[16],
                                     unsigned long chrome_gen)
{
    struct gl_figure_key k;
    memset(&k, 0, sizeof k);   /* padding too: compared with memcmp */
    memcpy(k.mvp, mvp, sizeof k.mvp);
    memcpy(k.view, fig->field.view, sizeof k.view);
    const struct figure_scale *s = &fig->field.scale;
    k.scale[0] = s->fmin;
    k.scale[1] = s->eps;
    k.scale[2] = s->lo;
    k.scale[3] = s->hi;
    k.w = fig->width;
    k.h = fig->height;
    k.log = s->log;
    k.view3d = fig->view3d;
    k.trails = fig->trails;
    k.contours = fig->field.contours;
    k.chrome_gen = chrome_gen;
    for (int j = 0; j < fig->npaths; j++) {
        const struct figure_path *p = &fig->path[j];
        if (p->color >= 0 && p->color < FIGURE_MAX_PATHS) {
            k.restart[p->color] = p->restart;
            k.style[p->color] = p->highlight ? 3 : (p->dimmed ? 2 : 1);
            k.lr_ref[p->color] = p->lr_ref;
        }
    }
    return k;
}

static void paint_markers(struct gl_renderer *r, const struct figure *fig, const float mvp[16])
{
    struct gl_marker m[FIGURE_MAX_MARKERS];
    int n = 0;
    for (int k = 0; k < fig->nmarkers; k++) {
        const struct figure_marker *fm = &fig->marker[k];
        float rgb[3] = {1.0f, 1.0f, 1.0f};
        if (fm->color >= 0) {
            runner_rgb(fig, fm->color, rgb);
        }
        static const enum gl_marker_shape shapes[] = {GL_MARKER_DISC, GL_MARKER_RING,
                                                      GL_MARKER_CROSS, GL_MARKER_DIAMOND};
        m[n++] = (struct gl_marker){{(float)fm->x, (float)fm->y, height_t(fig, fm->loss) +
                                                                     0.006f},
                                    {rgb[0], rgb[1], rgb[2], 1.0f}, (float)fm->size,
                                    (float)shapes[fm->shape]};
    }
    gl_draw_markers(r, m, n, mvp);
}

/* An arrow from its foot along its direction, its length in pixels. */
static void paint_arrows(struct gl_renderer *r, const struct figure *fig, const float mvp[16])
{
    struct figure_frame fr = figure_plot_frame(fig);
    double upx = (fr.view[1] - fr.view[0]) / fr.r.w, upy = (fr.view[3] - fr.view[2]) / fr.r.h;
    for (int k = 0; k < fig->narrows; k++) {
        const struct figure_arrow *a = &fig->arrow[k];
        /* In pixels (y up here), then back to data. */
        double sx = a->dx / upx, sy = a->dy / upy;
        double n = hypot(sx, sy);
        if (!(n > 0.0) || !isfinite(n)) {
            continue;
        }
        double ux = sx / n, uy = sy / n, L = a->len, hd = fmin(0.32 * L, 14.0);
        double tip[2] = {a->x + ux * L * upx, a->y + uy * L * upy};
        double h1[2] = {tip[0] - hd * (ux * 0.87 - uy * 0.5) * upx,
                        tip[1] - hd * (uy * 0.87 + ux * 0.5) * upy};
        double h2[2] = {tip[0] - hd * (ux * 0.87 + uy * 0.5) * upx,
                        tip[1] - hd * (uy * 0.87 - ux * 0.5) * upy};
        float shaft[8] = {(float)a->x, (float)a->y, 0, 0, (float)tip[0], (float)tip[1], 0, 0};
        float head[12] = {(float)h1[0], (float)h1[1], 0, 0, (float)tip[0], (float)tip[1], 0, 0,
                          (float)h2[0], (float)h2[1], 0, 0};
        float rgba[4] = {(float)a->rgb[0], (float)a->rgb[1], (float)a->rgb[2], 1.0f};
        gl_draw_lines_now(r, shaft, 2, mvp, 3.0f, rgba, 1.5f);
        gl_draw_lines_now(r, head, 3, mvp, 3.0f, rgba, 1.5f);
    }
}

static void gl_scale_of(const struct figure *fig, struct gl_scale *gs)
{
    const struct figure_scale *s = &fig->field.scale;
    *gs = (struct gl_scale){s->log, s->fmin, s->eps, s->lo, s->hi};
}

/* The field and the trails through the cached layer, copied into the frame. */
static void draw_layer(struct gl_renderer *r, struct gl_figure *g, const struct figure *fig,
                       const float mvp[16], const float bg[3], const struct gl_panel *chrome,
                       unsigned long chrome_gen)
{
    struct gl_figure_key key = make_key(fig, mvp, chrome_gen);
    bool full = !g->key_valid || memcmp(&key, &g->key, sizeof key) != 0 ||
                g->layer.w != fig->width || g->layer.h != fig->height;
    struct gl_scale gs;
    gl_scale_of(fig, &gs);
    gl_layer_begin(r, &g->layer, full, fig->view3d);
    if (full) {
        if (!fig->view3d) {
            double fv[4];
            frame_view(fig, fv);
            gl_draw_heatmap(r, fv, &gs, fig->field.contours, FIGURE_LEVELS);
        } else {
            struct gl_camera cam;
            figure_camera(fig, &cam);
            float eye[3];
            gl_camera_eye(&cam, eye);
            gl_draw_surface(r, fig->field.view, &gs, fig->field.contours, FIGURE_LEVELS, mvp,
                            SURFACE_HEIGHT, eye, bg);
            /* The base rectangle, for a sense of the floor. */
            const double *d = fig->field.view;
            float base[20] = {(float)d[0], (float)d[2], 0, 0, (float)d[1], (float)d[2], 0, 0,
                              (float)d[1], (float)d[3], 0, 0, (float)d[0], (float)d[3], 0, 0,
                              (float)d[0], (float)d[2], 0, 0};
            gl_polyline_set(&g->floor, base, 5);
            struct gl_line_style st = {.width = 1.5f, .rgba = {0.45f, 0.48f, 0.55f, 0.8f},
                                       .occlude = true};
            gl_draw_polyline_range(r, &g->floor, 0, 5, mvp, &st);
        }
        if (chrome) {
            gl_draw_panel(r, chrome, 0, 0);
        }
        for (int i = 0; i < FIGURE_MAX_PATHS; i++) {
            g->layer_step[i] = -1;
        }
    }
    if (fig->trails) {
        scissor_plot(fig, true);
        paint_trails(r, g, fig, mvp, full);
        scissor_plot(fig, false);
    }
    gl_layer_end(r);
    g->key = key;
    g->key_valid = true;
    gl_blit_layer(r, &g->layer);
}

void gl_figure_draw(struct gl_renderer *r, struct gl_figure *g, const struct figure *fig,
                    bool direct, const struct gl_panel *chrome, unsigned long chrome_gen)
{
    float mvp[16];
    figure_mvp(fig, mvp);
    upload_trails(g, fig);
    const double *b3 = figure_theme_of(fig->theme)->backdrop3d;
    const float bg2[3] = {0.0f, 0.0f, 0.0f}, bg3[3] = {(float)b3[0], (float)b3[1], (float)b3[2]};
    const float *bg = fig->view3d ? bg3 : bg2;
    gl_begin_frame(r, fig->width, fig->height, bg);
    if (direct && !fig->view3d) {
        struct gl_scale gs;
        gl_scale_of(fig, &gs);
        double fv[4];
        frame_view(fig, fv);
        gl_draw_heatmap_uncached(r, fv, &gs, fig->field.contours, FIGURE_LEVELS);
        if (fig->trails) {
            for (int i = 0; i < FIGURE_MAX_PATHS; i++) {
                g->layer_step[i] = -1;
            }
            scissor_plot(fig, true);
            paint_trails(r, g, fig, mvp, true);
            scissor_plot(fig, false);
        }
        if (chrome) {
            gl_draw_panel(r, chrome, 0, 0);
        }
        g->key_valid = false;
    } else {
        draw_layer(r, g, fig, mvp, bg, chrome, chrome_gen);
    }
    scissor_plot(fig, true);
    if (!fig->view3d) {
        paint_arrows(r, fig, mvp);
    }
    paint_markers(r, fig, mvp);
    scissor_plot(fig, false);
    g->frames++;
}

void gl_figure_finish(struct gl_figure *g)
{
    for (int i = 0; i < FIGURE_MAX_PATHS; i++) {
        gl_polyline_finish(&g->trail[i]);
        free(g->pt_step[i]);
        free(g->pt_xyz[i]);
    }
    gl_polyline_finish(&g->floor);
    gl_layer_finish(&g->layer);
    free(g->scratch);
    free(g->dots);
    memset(g, 0, sizeof *g);
}

/* ======================================================================== picking (3-D) */

/* Data point (x, y) to window pixels (y down) and depth (clip z / w) under mvp. */
static bool project(const struct figure *fig, const float mvp[16], double x, double y,
                    double px[3]);

bool gl_figure_project(const struct figure *fig, double x, double y, double px[3])
{
    float mvp[16];
    figure_mvp(fig, mvp);
    return project(fig, mvp, x, y, px);
}

static bool project(const struct figure *fig, const float mvp[16], double x, double y,
                    double px[3])
{
    double g[2];
    double loss = race_objective(fig->field.race, x, y, g);
    float p[3] = {(float)x, (float)y, height_t(fig, loss)}, c[4];
    gl_mat4_apply(mvp, p, c);
    if (!(c[3] > 0.0f)) {
        return false;
    }
    px[0] = (c[0] / c[3] * 0.5 + 0.5) * fig->width;
    px[1] = (0.5 - c[1] / c[3] * 0.5) * fig->height;
    px[2] = c[2] / c[3];
    return true;
}

/* The surface's height t at (x, y) minus t: > 0 where (x, y, t) is under the surface. */
static double under(const struct figure *fig, double x, double y, double t)
{
    double g[2];
    return height_t(fig, race_objective(fig->field.race, x, y, g)) - t;
}

bool gl_figure_pick(const struct figure *fig, double px, double py, double out[2])
{
    if (!fig->field.race || !figure_rect_contains(&fig->lay.plot, px, py)) {
        return false;
    }
    if (!fig->view3d) {
        struct figure_frame fr = figure_plot_frame(fig);
        figure_frame_unmap(&fr, px, py, out);
        return true;
    }
    float mvp[16];
    figure_mvp(fig, mvp);
    const double *v = fig->field.view;
    /* The pixel's points are those (x, y, t) whose clip x/w and y/w are its NDC: two planes,
     * a_k . (x, y, t, 1) = 0, whose intersection is the cursor's ray. */
    double ndc[2] = {px / fig->width * 2.0 - 1.0, 1.0 - py / fig->height * 2.0};
    double a[2][4];
    for (int k = 0; k < 2; k++) {
        for (int c = 0; c < 4; c++) {
            a[k][c] = (double)mvp[c * 4 + k] - ndc[k] * (double)mvp[c * 4 + 3];
        }
    }
    double d[3] = {a[0][1] * a[1][2] - a[0][2] * a[1][1], a[0][2] * a[1][0] - a[0][0] * a[1][2],
                   a[0][0] * a[1][1] - a[0][1] * a[1][0]};
    /* a point on it: a0.P = -a0w, a1.P = -a1w, d.P = 0 (Cramer) */
    double m[3][3] = {{a[0][0], a[0][1], a[0][2]}, {a[1][0], a[1][1], a[1][2]},
                      {d[0], d[1], d[2]}};
    double rhs[3] = {-a[0][3], -a[1][3], 0.0};
    double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                 m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                 m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if (!(fabs(det) > 0.0)) {
        return false;
    }
    double P[3];
    for (int k = 0; k < 3; k++) {
        double mk[3][3];
        memcpy(mk, m, sizeof mk);
        for (int r = 0; r < 3; r++) {
            mk[r][k] = rhs[r];
        }
        P[k] = (mk[0][0] * (mk[1][1] * mk[2][2] - mk[1][2] * mk[2][1]) -
                mk[0][1] * (mk[1][0] * mk[2][2] - mk[1][2] * mk[2][0]) +
                mk[0][2] * (mk[1][0] * mk[2][1] - mk[1][1] * mk[2][0])) / det;
    }
    /* +d away from the eye (depth grows) */
    float p0[3] = {(float)P[0], (float)P[1], (float)P[2]}, c0[4], c1[4];
    float p1[3] = {(float)(P[0] + d[0]), (float)(P[1] + d[1]), (float)(P[2] + d[2])};
    gl_mat4_apply(mvp, p0, c0);
    gl_mat4_apply(mvp, p1, c1);
    if (c1[2] / c1[3] < c0[2] / c0[3] || c1[3] < c0[3]) {
        for (int k = 0; k < 3; k++) {
            d[k] = -d[k];
        }
    }
    /* the part of the ray inside the box view x [0, 1] (slabs) */
    double lo[3] = {v[0], v[2], 0.0}, hi[3] = {v[1], v[3], 1.0}, s0 = -INFINITY, s1 = INFINITY;
    for (int k = 0; k < 3; k++) {
        if (d[k] == 0.0) {
            if (P[k] < lo[k] || P[k] > hi[k]) {
                return false;
            }
            continue;
        }
        double ta = (lo[k] - P[k]) / d[k], tb = (hi[k] - P[k]) / d[k];
        s0 = fmax(s0, fmin(ta, tb));
        s1 = fmin(s1, fmax(ta, tb));
    }
    if (!(s0 < s1)) {
        return false;
    }
    /* march from the eye's side to the first crossing of the surface (from above, or from
     * below where the ray enters under the open edge), then bisection */
    enum { STEPS = 600 };
    double prev_s = s0, prev_h = under(fig, P[0] + s0 * d[0], P[1] + s0 * d[1], P[2] + s0 * d[2]);
    for (int i = 1; i <= STEPS; i++) {
        double sv = s0 + (s1 - s0) * i / STEPS;
        double h = under(fig, P[0] + sv * d[0], P[1] + sv * d[1], P[2] + sv * d[2]);
        if ((prev_h < 0.0) != (h < 0.0)) {
            bool below0 = prev_h >= 0.0;
            double a0 = prev_s, a1 = sv;
            for (int k = 0; k < 50; k++) {
                double mid = 0.5 * (a0 + a1);
                double hm = under(fig, P[0] + mid * d[0], P[1] + mid * d[1], P[2] + mid * d[2]);
                if ((hm >= 0.0) == below0) {
                    a0 = mid;
                } else {
                    a1 = mid;
                }
            }
            out[0] = P[0] + a1 * d[0];
            out[1] = P[1] + a1 * d[1];
            return true;
        }
        prev_s = sv;
        prev_h = h;
    }
    return false;
}

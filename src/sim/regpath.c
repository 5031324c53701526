/* regpath.c: exact L1- and L2-regularized minimizers of a 2-D quadratic and their paths in
 * lambda (KKT on each of the nine active sets; the L2 closed form), for the l1_vs_l2 scene. */
#include "sim/regpath.h"
#include "sim/i18n.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ the quadratic */

static void solve2(const double A[2][2], const double r[2], double out[2])
{
    double det = A[0][0] * A[1][1] - A[0][1] * A[1][0];
    double x = (A[1][1] * r[0] - A[0][1] * r[1]) / det;
    double y = (A[0][0] * r[1] - A[1][0] * r[0]) / det;
    out[0] = x;
    out[1] = y;
}

bool regpath_quad_fit(const struct expr *f, struct regpath_quad *q, char *err, size_t errlen)
{
    memset(q, 0, sizeof *q);
    double g0[2], g1[2], g2[2];
    q->c = expr_eval_grad(f, 0.0, 0.0, g0);
    expr_eval_grad(f, 1.0, 0.0, g1);
    expr_eval_grad(f, 0.0, 1.0, g2);
    if (!isfinite(q->c) || !isfinite(g0[0]) || !isfinite(g0[1])) {
        snprintf(err, errlen, _("f is not a quadratic bowl: it is not finite at (0, 0)"));
        return false;
    }
    q->g[0] = g0[0];
    q->g[1] = g0[1];
    /* A quadratic's gradient is affine: its differences are the Hessian's columns. */
    q->H[0][0] = g1[0] - g0[0];
    q->H[1][1] = g2[1] - g0[1];
    q->H[0][1] = q->H[1][0] = 0.5 * ((g1[1] - g0[1]) + (g2[0] - g0[0]));
    static const double probe[4][2] = {{1.7, -0.9}, {-2.3, 3.1}, {0.4, 0.25}, {-5.0, -4.0}};
    double hn = fabs(q->H[0][0]) + fabs(q->H[1][1]) + 2 * fabs(q->H[0][1]);
    for (int k = 0; k < 4; k++) {
        const double *p = probe[k];
        double g[2];
        double v = expr_eval_grad(f, p[0], p[1], g);
        double hp[2] = {q->H[0][0] * p[0] + q->H[0][1] * p[1],
                        q->H[1][0] * p[0] + q->H[1][1] * p[1]};
        double model = 0.5 * (p[0] * hp[0] + p[1] * hp[1]) + q->g[0] * p[0] + q->g[1] * p[1] +
                       q->c;
        double scale = 1.0 + hn * (fabs(p[0]) + fabs(p[1])) + fabs(q->g[0]) + fabs(q->g[1]);
        bool lin = fabs(g[0] - hp[0] - q->g[0]) <= 1e-9 * scale &&
                   fabs(g[1] - hp[1] - q->g[1]) <= 1e-9 * scale;
        bool val = fabs(v - model) <= 1e-9 * (scale * (1.0 + fabs(p[0]) + fabs(p[1])) +
                                              fabs(q->c));
        if (!lin || !val) {
            snprintf(err, errlen, _("f is not a quadratic: its gradient at (%g, %g) is (%.6g, "
                     "%.6g), not the linear (%.6g, %.6g) of a least-squares bowl"), p[0], p[1],
                     g[0], g[1], hp[0] + q->g[0], hp[1] + q->g[1]);
            return false;
        }
    }
    double det = q->H[0][0] * q->H[1][1] - q->H[0][1] * q->H[1][0];
    if (!(q->H[0][0] > 0.0) || !(det > 1e-12 * hn * hn)) {
        snprintf(err, errlen, _("f is a quadratic but not a bowl: its Hessian [[%g, %g], [%g, "
                 "%g]] is not positive definite (no single minimum)"), q->H[0][0], q->H[0][1],
                 q->H[1][0], q->H[1][1]);
        return false;
    }
    double r[2] = {-q->g[0], -q->g[1]};
    solve2(q->H, r, q->wstar);
    return true;
}

double regpath_quad_value(const struct regpath_quad *q, const double w[2])
{
    double hw0 = q->H[0][0] * w[0] + q->H[0][1] * w[1];
    double hw1 = q->H[1][0] * w[0] + q->H[1][1] * w[1];
    return 0.5 * (w[0] * hw0 + w[1] * hw1) + q->g[0] * w[0] + q->g[1] * w[1] + q->c;
}

/* ------------------------------------------------------------------ L2 */

void regpath_l2(const struct regpath_quad *q, double lambda, double w[2])
{
    /* d/dw [f + lambda*|w|^2] = Hw + g + 2*lambda*w = 0 */
    double A[2][2] = {{q->H[0][0] + 2 * lambda, q->H[0][1]},
                      {q->H[1][0], q->H[1][1] + 2 * lambda}};
    double r[2] = {-q->g[0], -q->g[1]};
    solve2(A, r, w);
}

void regpath_l2_polyline(const struct regpath_quad *q, double *xy, int n)
{
    double s = 0.5 * (q->H[0][0] + q->H[1][1]);
    for (int k = 0; k < n; k++) {
        if (k == n - 1) {
            xy[2 * k] = xy[2 * k + 1] = 0.0;
            break;
        }
        double t = (double)k / (n - 1);
        regpath_l2(q, s * t / (1.0 - t), xy + 2 * k);
    }
}

/* ------------------------------------------------------------------ L1 */

/* Narrows [*lo, *hi] to the lambdas with alpha*lambda <= beta. */
static void constrain(double alpha, double beta, double *lo, double *hi)
{
    if (alpha > 0.0) {
        *hi = fmin(*hi, beta / alpha);
    } else if (alpha < 0.0) {
        *lo = fmax(*lo, beta / alpha);
    } else if (beta < 0.0) {
        *hi = -INFINITY;
    }
}

/* The active set s: w(lambda) = a + lambda*b and the lambdas where its KKT conditions hold:
 * s_i w_i >= 0 on the free coordinates, |df/dw_j| <= lambda on the zero ones. */
static void piece_of(const struct regpath_quad *q, const int s[2], struct regpath_piece *p)
{
    memset(p, 0, sizeof *p);
    p->sign[0] = s[0];
    p->sign[1] = s[1];
    if (s[0] != 0 && s[1] != 0) {
        /* Hw + g + lambda*s = 0 */
        double r[2] = {-q->g[0], -q->g[1]}, sv[2] = {-(double)s[0], -(double)s[1]};
        solve2(q->H, r, p->a);
        solve2(q->H, sv, p->b);
    } else {
        for (int i = 0; i < 2; i++) {
            if (s[i] != 0) {
                p->a[i] = -q->g[i] / q->H[i][i];
                p->b[i] = -s[i] / q->H[i][i];
            }
        }
    }
    double lo = 0.0, hi = INFINITY;
    for (int i = 0; i < 2; i++) {
        if (s[i] != 0) {
            constrain(-s[i] * p->b[i], s[i] * p->a[i], &lo, &hi);
        } else {
            double pj = q->H[i][0] * p->a[0] + q->H[i][1] * p->a[1] + q->g[i];
            double qj = q->H[i][0] * p->b[0] + q->H[i][1] * p->b[1];
            constrain(qj - 1.0, -pj, &lo, &hi);
            constrain(-qj - 1.0, pj, &lo, &hi);
        }
    }
    p->lo = lo;
    p->hi = hi;
}

int regpath_l1_pieces(const struct regpath_quad *q, struct regpath_piece *out)
{
    int n = 0;
    for (int s0 = -1; s0 <= 1; s0++) {
        for (int s1 = -1; s1 <= 1; s1++) {
            struct regpath_piece p;
            piece_of(q, (const int[2]){s0, s1}, &p);
            /* A strictly convex objective has one minimizer per lambda: the valid sets tile
             * [0, inf), meeting at the kinks; a set valid at one lambda only is a kink. */
            if (p.hi > p.lo * (1.0 + 1e-12) + 1e-300) {
                out[n++] = p;
            }
        }
    }
    for (int i = 1; i < n; i++) {   /* by lambda */
        for (int j = i; j > 0 && out[j].lo < out[j - 1].lo; j--) {
            struct regpath_piece t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    }
    return n;
}

double regpath_l1_zero(const struct regpath_quad *q)
{
    return fmax(fabs(q->g[0]), fabs(q->g[1]));
}

void regpath_l1(const struct regpath_quad *q, double lambda, double w[2])
{
    struct regpath_piece pc[REGPATH_MAX_PIECES];
    int n = regpath_l1_pieces(q, pc);
    /* The set that holds at lambda (at a kink, the one with more zeros: its zeros exact). */
    int best = -1, best_zeros = -1;
    double best_gap = INFINITY;
    for (int k = 0; k < n; k++) {
        double tol = 1e-12 * fmax(1.0, lambda);
        double gap = fmax(pc[k].lo - lambda, lambda - pc[k].hi);
        int zeros = (pc[k].sign[0] == 0) + (pc[k].sign[1] == 0);
        bool in = gap <= tol;
        if ((in && (best_gap > tol || zeros > best_zeros)) || (!in && best_gap > tol &&
                                                                 gap < best_gap)) {
            best = k;
            best_gap = gap;
            best_zeros = zeros;
        }
    }
    w[0] = w[1] = 0.0;
    if (best < 0) {
        return;
    }
    for (int i = 0; i < 2; i++) {
        w[i] = pc[best].sign[i] == 0 ? 0.0 : pc[best].a[i] + lambda * pc[best].b[i];
    }
}

int regpath_l1_polyline(const struct regpath_quad *q, double *xy, int max)
{
    struct regpath_piece pc[REGPATH_MAX_PIECES];
    int n = regpath_l1_pieces(q, pc);
    int m = 0;
    for (int k = 0; k < n && m < max; k++) {
        /* each piece from its start: w*, the kinks, and 0 (the last piece's, constant) */
        for (int i = 0; i < 2; i++) {
            xy[2 * m + i] = pc[k].sign[i] == 0 ? 0.0 : pc[k].a[i] + pc[k].lo * pc[k].b[i];
        }
        m++;
    }
    return m;
}

/* ------------------------------------------------------------------ level sets */

bool regpath_quad_ellipse(const struct regpath_quad *q, double level, double *xy, int n)
{
    double e = level - regpath_quad_value(q, q->wstar);
    if (!(e >= 0.0) || n < 3) {
        return false;
    }
    double a = q->H[0][0], b = q->H[0][1], c = q->H[1][1];
    double m = 0.5 * (a + c), d = hypot(0.5 * (a - c), b);
    double mu1 = m + d, mu2 = m - d;   /* eigenvalues, mu1 along angle phi */
    double phi = 0.5 * atan2(2 * b, a - c);
    double r1 = sqrt(2 * e / mu1), r2 = sqrt(2 * e / mu2);
    for (int k = 0; k < n; k++) {
        double t = 2 * M_PI * k / n;
        double u = r1 * cos(t), v = r2 * sin(t);
        xy[2 * k] = q->wstar[0] + u * cos(phi) - v * sin(phi);
        xy[2 * k + 1] = q->wstar[1] + u * sin(phi) + v * cos(phi);
    }
    return true;
}

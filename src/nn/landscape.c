/* landscape.c: the loss landscape around a network's weights: filter-normalized random and PCA
 * directions, projection onto their plane, and the loss on a grid of it on worker threads. */
#include "nn/landscape.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/i18n.h"
#include "sim/util.h"

/* ======================================================================== directions */

static void dirs_alloc(struct nn_landscape_dirs *d, enum nn_landscape_kind kind, size_t n)
{
    memset(d, 0, sizeof(*d));
    d->kind = kind;
    d->n = n;
    d->d1 = nn_alloc(n);   /* zeroed: padding and the tensors left out stay 0 */
    d->d2 = nn_alloc(n);
    memset(d->d1, 0, n * sizeof(float));
    memset(d->d2, 0, n * sizeof(float));
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += (double)a[i] * b[i];
    }
    return s;
}

static void set_gram(struct nn_landscape_dirs *d)
{
    d->gram[0] = dot(d->d1, d->d1, d->n);
    d->gram[1] = dot(d->d1, d->d2, d->n);
    d->gram[2] = dot(d->d2, d->d2, d->n);
}

void nn_landscape_dirs_finish(struct nn_landscape_dirs *d)
{
    nn_free(d->d1);
    nn_free(d->d2);
    memset(d, 0, sizeof(*d));
}

/* d's rows (the filters of a weight of shape (rows, ...)) scaled to the norms of w's rows. */
static void filter_normalize(float *d, const float *w, int rows, size_t row_len)
{
    for (int r = 0; r < rows; r++) {
        float *dr = d + (size_t)r * row_len;
        const float *wr = w + (size_t)r * row_len;
        double dn = sqrt(dot(dr, dr, row_len)), wn = sqrt(dot(wr, wr, row_len));
        double scale = dn > 0.0 ? wn / dn : 0.0;
        for (size_t j = 0; j < row_len; j++) {
            dr[j] = (float)(dr[j] * scale);
        }
    }
}

void nn_landscape_random(struct nn_landscape_dirs *out, const struct cnn *centre,
                         uint64_t seed)
{
    const struct nn_group *pl = &centre->pl;
    dirs_alloc(out, NN_LANDSCAPE_RANDOM, pl->total);
    struct util_rng rng;
    util_rng_seed(&rng, seed);
    float *dirs[2] = {out->d1, out->d2};
    /* all of d1's entries, then all of d2's, weights in layout order */
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < pl->count; i++) {
            const struct nn_tensor *t = &pl->t[i];
            if (!t->penalized) {
                continue;   /* biases and batch norm: 0 */
            }
            float *d = dirs[k] + t->offset;
            for (size_t j = 0; j < t->size; j++) {
                d[j] = (float)util_rng_normal(&rng);
            }
            filter_normalize(d, centre->params + t->offset, t->shape[0],
                             t->size / (size_t)t->shape[0]);
        }
    }
    set_gram(out);
}

/* Eigenvalues (descending) and eigenvectors (columns of v, K x K row-major) of the symmetric
 * K x K matrix a (destroyed), by cyclic Jacobi rotations: K is small (checkpoints), and Jacobi
 * is accurate for the small eigenvalues too. */
static void jacobi_eigen(double *a, int K, double *lambda, double *v)
{
    for (int i = 0; i < K; i++) {
        for (int j = 0; j < K; j++) {
            v[i * K + j] = i == j ? 1.0 : 0.0;
        }
    }
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0.0, diag = 0.0;
        for (int p = 0; p < K; p++) {
            diag += a[p * K + p] * a[p * K + p];
            for (int q = p + 1; q < K; q++) {
                off += a[p * K + q] * a[p * K + q];
            }
        }
        if (off <= 1e-30 * diag || off == 0.0) {
            break;
        }
        for (int p = 0; p < K; p++) {
            for (int q = p + 1; q < K; q++) {
                double apq = a[p * K + q];
                if (apq == 0.0) {
                    continue;
                }
                /* the rotation that zeroes a[p][q] (Numerical Recipes' jacobi) */
                double theta = (a[q * K + q] - a[p * K + p]) / (2.0 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
                for (int k = 0; k < K; k++) {   /* columns p, q of a P */
                    double akp = a[k * K + p], akq = a[k * K + q];
                    a[k * K + p] = c * akp - s * akq;
                    a[k * K + q] = s * akp + c * akq;
                }
                for (int k = 0; k < K; k++) {   /* rows p, q of P^T (a P) */
                    double apk = a[p * K + k], aqk = a[q * K + k];
                    a[p * K + k] = c * apk - s * aqk;
                    a[q * K + k] = s * apk + c * aqk;
                }
                for (int k = 0; k < K; k++) {   /* v P */
                    double vkp = v[k * K + p], vkq = v[k * K + q];
                    v[k * K + p] = c * vkp - s * vkq;
                    v[k * K + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    /* sort by eigenvalue, descending (selection: K is small) */
    for (int i = 0; i < K; i++) {
        lambda[i] = a[i * K + i];
    }
    for (int i = 0; i < K; i++) {
        int best = i;
        for (int j = i + 1; j < K; j++) {
            if (lambda[j] > lambda[best]) {
                best = j;
            }
        }
        if (best != i) {
            double tl = lambda[i];
            lambda[i] = lambda[best];
            lambda[best] = tl;
            for (int k = 0; k < K; k++) {
                double tv = v[k * K + i];
                v[k * K + i] = v[k * K + best];
                v[k * K + best] = tv;
            }
        }
    }
}

bool nn_landscape_pca(struct nn_landscape_dirs *out, const struct cnn *centre,
                      const float *const *ckpt, int k, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (k < 2) {
        snprintf(err, errlen, _("PCA directions need at least 2 checkpoints, got %d"), k);
        return false;
    }
    size_t n = centre->pl.total;
    const float *c = centre->params;
    /* G (K, K) = V V^T with V's rows v_k = ckpt[k] - centre, in double */
    double *g = xmalloc((size_t)k * k * sizeof(double));
    double *diff = xmalloc(n * sizeof(double) * 2);
    double *da = diff, *db = diff + n;
    for (int a = 0; a < k; a++) {
        for (size_t j = 0; j < n; j++) {
            da[j] = (double)ckpt[a][j] - c[j];
        }
        for (int b = a; b < k; b++) {
            for (size_t j = 0; j < n; j++) {
                db[j] = (double)ckpt[b][j] - c[j];
            }
            double s = 0.0;
            for (size_t j = 0; j < n; j++) {
                s += da[j] * db[j];
            }
            g[a * k + b] = g[b * k + a] = s;
        }
    }
    double trace = 0.0;
    for (int a = 0; a < k; a++) {
        trace += g[a * k + a];
    }
    double *lambda = xmalloc((size_t)k * sizeof(double));
    double *u = xmalloc((size_t)k * k * sizeof(double));
    jacobi_eigen(g, k, lambda, u);
    free(g);
    if (!(trace > 0.0) || !(lambda[1] > 1e-12 * trace)) {
        snprintf(err, errlen,
                 trace > 0.0 ? _("PCA directions: the %d checkpoints span only one direction about "
                                 "the centre; train longer or record more checkpoints")
                             : _("PCA directions: the %d checkpoints are all the centre; train "
                                 "longer or record more checkpoints"),
                 k);
        free(diff);
        free(lambda);
        free(u);
        return false;
    }
    dirs_alloc(out, NN_LANDSCAPE_PCA, n);
    float *dirs[2] = {out->d1, out->d2};
    for (int i = 0; i < 2; i++) {
        /* d_i = V^T u_i / sqrt(lambda_i): a unit vector; the first checkpoint's coordinate on
         * it is sqrt(lambda_i) u_i[0], made <= 0 */
        double sign = u[0 * k + i] > 0.0 ? -1.0 : 1.0;
        double scale = sign / sqrt(lambda[i]);
        memset(diff, 0, n * sizeof(double));
        for (int a = 0; a < k; a++) {
            double w = u[a * k + i] * scale;
            for (size_t j = 0; j < n; j++) {
                diff[j] += w * ((double)ckpt[a][j] - c[j]);
            }
        }
        for (size_t j = 0; j < n; j++) {
            dirs[i][j] = (float)diff[j];
        }
        double e = lambda[i] / trace;
        out->explained[i] = e < 0.0 ? 0.0 : e > 1.0 ? 1.0 : e;
    }
    free(diff);
    free(lambda);
    free(u);
    set_gram(out);
    return true;
}

void nn_landscape_project(const struct nn_landscape_dirs *d, const float *centre,
                          const float *params, double *alpha, double *beta)
{
    double r1 = 0.0, r2 = 0.0;
    for (size_t j = 0; j < d->n; j++) {
        double v = (double)params[j] - centre[j];
        r1 += d->d1[j] * v;
        r2 += d->d2[j] * v;
    }
    /* [g11 g12; g12 g22] [alpha; beta] = [r1; r2] */
    double g11 = d->gram[0], g12 = d->gram[1], g22 = d->gram[2];
    double det = g11 * g22 - g12 * g12;
    if (det > 1e-300 * (g11 * g22 > 1.0 ? g11 * g22 : 1.0)) {
        *alpha = (g22 * r1 - g12 * r2) / det;
        *beta = (g11 * r2 - g12 * r1) / det;
    } else {
        /* parallel (or zero) directions: each on its own */
        *alpha = g11 > 0.0 ? r1 / g11 : 0.0;
        *beta = g22 > 0.0 ? r2 / g22 : 0.0;
    }
}

/* ======================================================================== images */

void nn_landscape_images_init(struct nn_landscape_images *im, const struct nn_dataset *d,
                              int m)
{
    memset(im, 0, sizeof(*im));
    int n = m <= 0 || m > d->n ? d->n : m;
    im->n = n;
    im->c = 1;
    im->h = d->h;
    im->w = d->w;
    im->x = nn_alloc((size_t)n * d->h * d->w + 1);
    im->y = xmalloc((size_t)n + 1);
    int *idx = xmalloc(((size_t)n + 1) * sizeof(int));
    for (int i = 0; i < n; i++) {
        idx[i] = i;
    }
    if (n > 0) {
        nn_dataset_batch(d, idx, n, im->x, im->y);
    }
    free(idx);
}

void nn_landscape_images_finish(struct nn_landscape_images *im)
{
    nn_free(im->x);
    free(im->y);
    memset(im, 0, sizeof(*im));
}

/* ======================================================================== the slice */

void nn_landscape_control_init(struct nn_landscape_control *ctl)
{
    atomic_init(&ctl->cancel, false);
    atomic_init(&ctl->done, 0);
}

double nn_landscape_coord(const double range[2], int n, int i)
{
    if (n <= 1) {
        return 0.5 * (range[0] + range[1]);
    }
    return range[0] + (range[1] - range[0]) * ((double)i / (n - 1));
}

static int chunk_of(int chunk, const struct nn_landscape_images *im)
{
    int c = chunk > 0 ? chunk : NN_LANDSCAPE_CHUNK;
    return c > im->n ? (im->n > 0 ? im->n : 1) : c;
}

/* A private copy of net for `chunk` images a forward, serial layers (no pool). */
static struct cnn *copy_net(const struct cnn *net, int chunk)
{
    struct cnn_config cfg = net->cfg;
    cfg.batch = chunk;
    struct cnn *c = cnn_create(&cfg);
    cnn_copy_state(c, net);
    return c;
}

/* Mean cross-entropy of net (evaluation mode) over the images, chunk at a time: the fused
 * forward where it runs, else (or with `plain`) cnn_forward. */
static double eval_loss(struct cnn *net, const struct nn_landscape_images *im, int chunk,
                        bool plain)
{
    size_t stride = (size_t)im->c * im->h * im->w;
    double sum = 0.0;
    for (int s = 0; s < im->n; s += chunk) {
        int nb = im->n - s < chunk ? im->n - s : chunk;
        const float *x = im->x + (size_t)s * stride;
        double l;
        if (plain || !cnn_forward_eval_fast(net, x, im->y + s, nb, &l, NULL)) {
            l = cnn_forward(net, x, im->y + s, nb, false, NULL);
        }
        sum += l * nb;
    }
    return sum / im->n;
}

double nn_landscape_loss(const struct cnn *net, const struct nn_landscape_images *images,
                         int chunk)
{
    assert(images->n > 0);
    int c = chunk_of(chunk, images);
    struct cnn *copy = copy_net(net, c);
    double loss = eval_loss(copy, images, c, false);
    cnn_destroy(copy);
    return loss;
}

struct slice_job {
    const struct nn_landscape_desc *desc;
    double *loss;                      /* (n * n) */
    struct nn_landscape_control *ctl;  /* never NULL here */
    int chunk;                         /* images per forward */
    int total;                         /* n * n */
    atomic_int next;                   /* the next point to take */
    atomic_int computed;               /* points finished */
};

static void *slice_worker(void *arg)
{
    struct slice_job *job = arg;
    const struct nn_landscape_desc *d = job->desc;
    const struct nn_landscape_dirs *dirs = d->dirs;
    struct cnn *net = copy_net(d->centre, job->chunk);
    const float *c = d->centre->params;
    size_t n = dirs->n;
    for (;;) {
        if (atomic_load(&job->ctl->cancel)) {
            break;
        }
        int p = atomic_fetch_add(&job->next, 1);
        if (p >= job->total) {
            break;
        }
        double a = nn_landscape_coord(d->alpha, d->n, p % d->n);
        double b = nn_landscape_coord(d->beta, d->n, p / d->n);
        /* at (0, 0) this is the centre's weights bit for bit */
        float *w = net->params;
        const float *d1 = dirs->d1, *d2 = dirs->d2;
        for (size_t j = 0; j < n; j++) {
            w[j] = (float)((double)c[j] + a * d1[j] + b * d2[j]);
        }
        job->loss[p] = eval_loss(net, d->images, job->chunk, d->plain_forward);
        atomic_fetch_add(&job->computed, 1);
        atomic_fetch_add(&job->ctl->done, 1);
    }
    cnn_destroy(net);
    return NULL;
}

bool nn_landscape_slice(const struct nn_landscape_desc *desc, double *loss,
                        struct nn_landscape_control *ctl)
{
    assert(desc->n >= 1 && desc->images->n > 0);
    assert(desc->dirs->n == desc->centre->pl.total);
    struct nn_landscape_control local;
    if (!ctl) {
        nn_landscape_control_init(&local);
        ctl = &local;
    }
    struct slice_job job = {.desc = desc, .loss = loss, .ctl = ctl,
                            .chunk = chunk_of(desc->chunk, desc->images),
                            .total = desc->n * desc->n};
    atomic_init(&job.next, 0);
    atomic_init(&job.computed, 0);
    for (int p = 0; p < job.total; p++) {
        loss[p] = NAN;
    }
    /* each worker's sgemms run on that worker alone (OpenBLAS's threads would only fight
     * ours on matrices this small) */
    nn_set_threads(1);
    int threads = desc->threads > 1 ? desc->threads : 1;
    if (threads > NN_MAX_THREADS) {
        threads = NN_MAX_THREADS;
    }
    pthread_t tid[NN_MAX_THREADS];
    int started = 0;
    for (int i = 1; i < threads; i++) {
        if (pthread_create(&tid[started], NULL, slice_worker, &job) == 0) {
            started++;   /* a thread that cannot start leaves its share to the others */
        }
    }
    slice_worker(&job);
    for (int i = 0; i < started; i++) {
        pthread_join(tid[i], NULL);
    }
    return atomic_load(&job.computed) == job.total;
}

void nn_landscape_fit_range(const double *alpha, const double *beta, int count, double margin,
                            bool symmetric, double arange[2], double brange[2])
{
    const double *v[2] = {alpha, beta};
    double *out[2] = {arange, brange};
    for (int axis = 0; axis < 2; axis++) {
        double lo = 0.0, hi = 0.0;
        for (int k = 0; k < count; k++) {
            double x = v[axis][k];
            if (isfinite(x)) {
                lo = x < lo ? x : lo;
                hi = x > hi ? x : hi;
            }
        }
        if (hi - lo <= 0.0) {
            out[axis][0] = -1.0;
            out[axis][1] = 1.0;
        } else if (symmetric) {
            double r = (1.0 + margin) * (-lo > hi ? -lo : hi);
            out[axis][0] = -r;
            out[axis][1] = r;
        } else {
            double span = hi - lo;
            out[axis][0] = lo - margin * span;
            out[axis][1] = hi + margin * span;
        }
    }
}

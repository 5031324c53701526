/* cmd_landscape.c: `optiscope landscape`: trains the CNN as `optiscope train` does (or loads a
 * saved one), recording each racer's weights along the way, then writes the first racer's loss
 * slice (nn/landscape) as CSV with every racer's path projected onto it in a second file, or
 * drawn (draw/dash's landscape panel) as PNG, SVG or PDF. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/train_opts.h"
#include "draw/dash.h"
#include "draw/draw.h"
#include "figure/theme.h"
#include "nn/landscape.h"
#include "nn/train.h"
#include "sim/i18n.h"
#include "sim/settings.h"
#include "sim/train_settings.h"
#include "sim/util.h"

/* ======================================================================== options */

static void paint_landscape(cairo_t *cr, const void *ud)
{
    draw_dash_part(cr, ud, DASH_PART_BACK);
    draw_dash_part(cr, ud, DASH_PART_LAND);
}

static void usage(FILE *out)
{
    fprintf(out,
            _("usage: optiscope landscape [TRAIN OPTIONS] [LANDSCAPE OPTIONS] "
            "-o FILE.csv|.png|.svg|.pdf\n"
            "Trains the small CNN as `optiscope train` does (the same options, the same\n"
            "numbers), or loads a network saved by `train --save`, and writes a 2-D slice of\n"
            "the training loss around the first optimizer's final weights:\n"
            "  FILE.csv        alpha,beta,loss: one row per grid point, alpha varying fastest;\n"
            "                  the loss is the mean cross-entropy on the first M training\n"
            "                  images (evaluation mode) at centre + alpha*d1 + beta*d2\n"
            "  FILE-paths.csv  optimizer,point,step,alpha,beta,loss: every optimizer's recorded\n"
            "                  weights projected onto the plane (least squares), with the loss\n"
            "                  at those weights themselves\n"
            "  FILE.png|.svg|.pdf  the slice drawn: a heatmap with isolines and every\n"
            "                  optimizer's path (the window's CNN-mode landscape panel)\n"
            "  -o, --output FILE  where to write (required); the extension picks the format\n"));
    setting_help(settings_landscape(), out);
    fprintf(out, _("TRAIN OPTIONS (as `optiscope train`; --threads also computes the slice):\n"));
    setting_help(settings_train(), out);
}

/* FILE.csv -> FILE-paths.csv (the suffix before the extension, or at the end). */
static void paths_name(char *buf, size_t len, const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash)) {
        snprintf(buf, len, "%s-paths", path);
    } else {
        snprintf(buf, len, "%.*s-paths%s", (int)(dot - path), path, dot);
    }
}

/* Whether path ends in ext (case-insensitive). */
static bool has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), e = strlen(ext);
    if (n < e) {
        return false;
    }
    for (size_t i = 0; i < e; i++) {
        char c = path[n - e + i];
        if ((c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) != ext[i]) {
            return false;
        }
    }
    return true;
}

/* ======================================================================== checkpoints */

/* PCA costs K^2 n + K^3 for K checkpoints: at most this many, evenly spread with the first and
 * the last kept (the paths file still has them all). */
#define PCA_MAX 256

/* One racer's recorded weights. */
struct track {
    int n, cap;
    long *step;           /* the racer's update count at each */
    float **params;       /* (pl.total) each */
    float **buffers;      /* (bl.total) each: batch norm's running statistics then */
};

static void track_add(struct track *t, const struct cnn *net, long step)
{
    if (t->n > 0 && t->step[t->n - 1] == step &&
        !memcmp(t->params[t->n - 1], net->params, net->pl.total * sizeof(float))) {
        return;   /* nothing new */
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 32;
        t->step = xrealloc(t->step, (size_t)t->cap * sizeof(*t->step));
        t->params = xrealloc(t->params, (size_t)t->cap * sizeof(*t->params));
        t->buffers = xrealloc(t->buffers, (size_t)t->cap * sizeof(*t->buffers));
    }
    t->step[t->n] = step;
    t->params[t->n] = nn_alloc(net->pl.total);
    memcpy(t->params[t->n], net->params, net->pl.total * sizeof(float));
    t->buffers[t->n] = nn_alloc(net->bl.total + 1);
    memcpy(t->buffers[t->n], net->buffers, net->bl.total * sizeof(float));
    t->n++;
}

static void track_finish(struct track *t)
{
    for (int i = 0; i < t->n; i++) {
        nn_free(t->params[i]);
        nn_free(t->buffers[i]);
    }
    free(t->step);
    free(t->params);
    free(t->buffers);
    memset(t, 0, sizeof(*t));
}

/* ======================================================================== output */

/* A CSV field, quoted (RFC 4180) when it holds a comma, a quote or a newline. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') {
            fputc('"', f);
        }
        fputc(*s, f);
    }
    fputc('"', f);
}

/* ======================================================================== the command */

struct run {
    struct train_settings o;
    struct landscape_settings ls;
    const char *output;
    struct nn_train_config cfg;
    struct nn_data data;
    struct nn_trainer *t;          /* NULL with --load */
    struct cnn *loaded;            /* with --load */
    int nracers;
    char labels[NN_MAX_RACERS][96];
    struct cnn *nets[NN_MAX_RACERS];
    struct track tracks[NN_MAX_RACERS];
};

static void print_epoch(const struct nn_trainer *t)
{
    for (int i = 0; i < t->nracers; i++) {
        const struct nn_racer *r = &t->r[i];
        const struct nn_epoch_info *ei = &r->last;
        if (ei->epoch != t->epoch) {
            continue;   /* stopped or diverged earlier */
        }
        printf(_("epoch %d/%d  %-24s train loss %.4f acc %6.2f%%  val loss %.4f acc %6.2f%%  "
               "lr %.3g\n"), ei->epoch, t->cfg.epochs, r->label, ei->train_loss,
               100 * ei->train_acc, ei->val_loss, 100 * ei->val_acc, ei->lr);
        if (r->stopped) {
            printf(_("early stop: %s after epoch %d, best validation loss %.4f at epoch %d "
                   "restored\n"), r->label, ei->epoch, r->best_val_loss, r->best_epoch);
        }
    }
    fflush(stdout);
}

/* Trains as `optiscope train` does, recording every racer's weights at step 0, every `every`
 * steps and at the end (the best weights with early stopping). */
static bool train(struct run *R)
{
    char err[1024];
    R->t = nn_trainer_create(&R->cfg, &R->data, err, sizeof(err));
    if (!R->t) {
        cli_error("landscape", "%s", err);
        return false;
    }
    struct nn_trainer *t = R->t;
    long every = R->ls.checkpoint_every;
    if (every <= 0) {
        every = t->batches / 20 > 0 ? t->batches / 20 : 1;
    }
    R->nracers = t->nracers;
    for (int i = 0; i < t->nracers; i++) {
        snprintf(R->labels[i], sizeof R->labels[i], "%s", t->r[i].label);
        R->nets[i] = t->r[i].net;
        track_add(&R->tracks[i], t->r[i].net, 0);
    }
    bool more = true;
    while (more && t->epoch < R->cfg.epochs) {
        more = nn_trainer_step(t, NULL, NULL);
        for (int i = 0; i < t->nracers; i++) {
            const struct nn_racer *r = &t->r[i];
            if (!r->stopped && !r->diverged && r->steps % every == 0) {
                track_add(&R->tracks[i], r->net, r->steps);
            }
        }
        if (t->epoch_ended) {
            print_epoch(t);
        }
    }
    nn_trainer_finish(t);
    for (int i = 0; i < t->nracers; i++) {
        if (t->r[i].diverged) {
            printf(_("%s diverged at step %ld; its path ends there\n"), t->r[i].label,
                   t->r[i].steps + 1);
        }
        track_add(&R->tracks[i], t->r[i].net, t->r[i].steps);
    }
    return true;
}

static bool load(struct run *R)
{
    char err[1024];
    struct cnn_config mc = R->cfg.model;
    mc.batch = R->cfg.batch;
    mc.in_h = R->data.train.h;
    mc.in_w = R->data.train.w;
    if (mc.in_h % 4 != 0 || mc.in_w % 4 != 0) {
        cli_error("landscape", _("%s: images are %dx%d; the model needs sides that are "
                  "multiples of 4"), R->data.source, mc.in_h, mc.in_w);
        return false;
    }
    R->loaded = cnn_create(&mc);
    if (!cnn_load(R->loaded, R->ls.load, err, sizeof(err))) {
        cli_error("landscape", _("--load: %s (give the --batchnorm, --dropout and --hidden it "
                  "was trained with)"), err);
        return false;
    }
    R->nracers = 1;
    snprintf(R->labels[0], sizeof R->labels[0], "%s", R->ls.load);
    R->nets[0] = R->loaded;
    track_add(&R->tracks[0], R->loaded, 0);
    return true;
}

static int write_outputs(struct run *R, const struct nn_landscape_desc *desc,
                         const double *loss, const struct nn_landscape_dirs *dirs)
{
    char err[1024], ppath[4096];
    paths_name(ppath, sizeof ppath, R->output);
    struct util_outfile out = {0}, paths = {0};
    if (!util_outfile_open(&out, R->output, err, sizeof(err))) {
        cli_error("landscape", "-o: %s", err);
        return 1;
    }
    if (!util_outfile_open(&paths, ppath, err, sizeof(err))) {
        cli_error("landscape", "-o: %s", err);
        util_outfile_abort(&out);
        return 1;
    }
    int n = desc->n;
    fprintf(out.f, "alpha,beta,loss\n");
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < n; i++) {
            fprintf(out.f, "%.17g,%.17g,%.9g\n", nn_landscape_coord(desc->alpha, n, i),
                    nn_landscape_coord(desc->beta, n, j), loss[j * n + i]);
        }
    }
    /* the paths: each racer's points, the loss at the weights themselves */
    fprintf(paths.f, "optimizer,point,step,alpha,beta,loss\n");
    const struct cnn *centre = R->nets[0];
    struct cnn *tmp = cnn_create(&centre->cfg);
    for (int r = 0; r < R->nracers; r++) {
        const struct track *tr = &R->tracks[r];
        for (int k = 0; k < tr->n; k++) {
            double a, b;
            nn_landscape_project(dirs, centre->params, tr->params[k], &a, &b);
            memcpy(tmp->params, tr->params[k], tmp->pl.total * sizeof(float));
            memcpy(tmp->buffers, tr->buffers[k], tmp->bl.total * sizeof(float));
            double l = nn_landscape_loss(tmp, desc->images, desc->chunk);
            csv_field(paths.f, R->labels[r]);
            fprintf(paths.f, ",%d,%ld,%.17g,%.17g,%.9g\n", k, tr->step[k], a, b, l);
        }
    }
    cnn_destroy(tmp);
    int rc = 0;
    if (ferror(out.f) || ferror(paths.f)) {
        cli_error("landscape", _("%s: write failed: %s"), ferror(out.f) ? R->output : ppath,
                  strerror(errno ? errno : EIO));
        util_outfile_abort(&out);
        util_outfile_abort(&paths);
        return 1;
    }
    if (!util_outfile_commit(&out, err, sizeof(err))) {
        cli_error("landscape", "-o: %s", err);
        util_outfile_abort(&paths);
        return 1;
    }
    if (!util_outfile_commit(&paths, err, sizeof(err))) {
        cli_error("landscape", "-o: %s", err);
        rc = 1;
    }
    if (rc == 0) {
        printf(_("wrote %s (%d rows) and %s\n"), R->output, n * n, ppath);
    }
    return rc;
}

/* -o FILE.png|svg|pdf: the slice drawn as the window's landscape panel, alone. */
static int write_figure(struct run *R, const struct nn_landscape_desc *desc, const double *loss,
                        const struct nn_landscape_dirs *dirs)
{
    struct dash *d = xcalloc(1, sizeof *d);
    dash_init(d, 1400, 1000);
    d->font_scale = 1.4 * (R->ls.large_text ? FIGURE_LARGE_TEXT_SCALE : 1.0);
    d->theme = R->ls.theme;
    snprintf(d->title, sizeof d->title,
             ngettext("The loss landscape of the small CNN, %d optimizer",
                      "The loss landscape of the small CNN, %d optimizers",
                      (unsigned long)R->nracers),
             R->nracers);
    snprintf(d->subtitle, sizeof d->subtitle,
             _("mean cross-entropy of %d training images at centre + \xCE\xB1 d1 + \xCE\xB2 d2, "
             "%dx%d grid"), desc->images->n, desc->n, desc->n);
    d->nracers = R->nracers;
    struct dash_landscape *L = &d->land;
    int n = desc->n;
    float *grid = xmalloc((size_t)n * n * sizeof *grid);
    for (int k = 0; k < n * n; k++) {
        grid[k] = (float)loss[k];
    }
    float *px[NN_MAX_RACERS] = {0}, *py[NN_MAX_RACERS] = {0};
    const struct cnn *centre = R->nets[0];
    for (int r = 0; r < R->nracers; r++) {
        snprintf(d->r[r].label, sizeof d->r[r].label, "%s", R->labels[r]);
        d->r[r].color = r;
        const struct track *tr = &R->tracks[r];
        px[r] = xmalloc((size_t)(tr->n + 1) * sizeof(float));
        py[r] = xmalloc((size_t)(tr->n + 1) * sizeof(float));
        for (int k = 0; k < tr->n; k++) {
            double a, b;
            nn_landscape_project(dirs, centre->params, tr->params[k], &a, &b);
            px[r][k] = (float)a;
            py[r][k] = (float)b;
        }
        L->path[r] = (struct dash_curve){px[r], py[r], (size_t)tr->n};
    }
    L->have = true;
    L->n = n;
    L->loss = grid;
    L->range[0] = desc->alpha[0];
    L->range[1] = desc->alpha[1];
    L->range[2] = desc->beta[0];
    L->range[3] = desc->beta[1];
    L->legend = true;
    if (dirs->kind == NN_LANDSCAPE_PCA) {
        snprintf(L->what, sizeof L->what, _("PCA %.0f%% + %.0f%%"), 100 * dirs->explained[0],
                 100 * dirs->explained[1]);
    } else {
        snprintf(L->what, sizeof L->what, _("random directions"));
    }
    dash_layout_landscape(d);
    char err[1200];
    bool ok = draw_export_paint(R->output, d->width, d->height, paint_landscape, d, err,
                                sizeof err);
    for (int r = 0; r < R->nracers; r++) {
        free(px[r]);
        free(py[r]);
    }
    free(grid);
    free(d);
    if (!ok) {
        cli_error("landscape", "-o: %s", err);
        return 1;
    }
    printf(_("wrote %s\n"), R->output);
    return 0;
}

/* The directions, the range, the slice and the files. */
static int slice(struct run *R)
{
    char err[1024];
    const struct cnn *centre = R->nets[0];
    struct nn_landscape_dirs dirs;
    if (R->ls.directions == LANDSCAPE_PCA) {
        const struct track *tr = &R->tracks[0];
        const float *pick[PCA_MAX];
        int k = tr->n <= PCA_MAX ? tr->n : PCA_MAX;
        for (int i = 0; i < k; i++) {
            pick[i] = tr->params[k == tr->n ? i : (int)((long)i * (tr->n - 1) / (k - 1))];
        }
        bool ok = nn_landscape_pca(&dirs, centre, pick, k, err, sizeof(err));
        if (!ok) {
            cli_error("landscape", _("%s (%s: %d checkpoints; try a smaller "
                      "--checkpoint-every)"), err, R->labels[0], tr->n);
            return 1;
        }
    } else {
        nn_landscape_random(&dirs, centre, R->ls.direction_seed);
    }
    /* every racer's points on the plane, for the range */
    int total = 0;
    for (int r = 0; r < R->nracers; r++) {
        total += R->tracks[r].n;
    }
    double *pa = xmalloc((size_t)total * sizeof(double));
    double *pb = xmalloc((size_t)total * sizeof(double));
    int m = 0;
    for (int r = 0; r < R->nracers; r++) {
        for (int k = 0; k < R->tracks[r].n; k++, m++) {
            nn_landscape_project(&dirs, centre->params, R->tracks[r].params[k], &pa[m], &pb[m]);
        }
    }
    struct nn_landscape_images im;
    nn_landscape_images_init(&im, &R->data.train, (int)R->ls.images);
    struct nn_landscape_desc desc = {.centre = centre, .dirs = &dirs, .images = &im,
                                     .n = (int)R->ls.grid, .threads = (int)R->o.threads};
    if (R->ls.range > 0) {
        desc.alpha[0] = desc.beta[0] = -R->ls.range;
        desc.alpha[1] = desc.beta[1] = R->ls.range;
    } else if (R->ls.directions == LANDSCAPE_PCA) {
        nn_landscape_fit_range(pa, pb, total, 0.1, true, desc.alpha, desc.beta);
    } else {
        desc.alpha[0] = desc.beta[0] = -1.0;
        desc.alpha[1] = desc.beta[1] = 1.0;
    }
    free(pa);
    free(pb);
    if (R->ls.directions == LANDSCAPE_PCA) {
        int k = R->tracks[0].n < PCA_MAX ? R->tracks[0].n : PCA_MAX;
        printf(_("directions: pca of %s's %d checkpoints: explained variance %.1f%% and %.1f%%\n"),
               R->labels[0], k, 100 * dirs.explained[0], 100 * dirs.explained[1]);
    } else {
        printf(_("directions: filter-normalized random, seed %llu, around %s\n"),
               R->ls.direction_seed, R->labels[0]);
    }
    fflush(stdout);
    int n = desc.n;
    double *loss = xmalloc((size_t)n * n * sizeof(double));
    double t0 = nn_now();
    nn_landscape_slice(&desc, loss, NULL);
    double dt = nn_now() - t0;
    printf(ngettext("slice: %dx%d over alpha [%g, %g], beta [%g, %g] on %d training images, %d "
                    "thread: %.2f s; loss at the centre %.6f\n",
                    "slice: %dx%d over alpha [%g, %g], beta [%g, %g] on %d training images, %d "
                    "threads: %.2f s; loss at the centre %.6f\n",
                    (unsigned long)desc.threads),
           n, n, desc.alpha[0], desc.alpha[1], desc.beta[0], desc.beta[1], im.n, desc.threads, dt,
           nn_landscape_loss(centre, &im, 0));
    bool image = !has_ext(R->output, ".csv");
    int rc = image ? write_figure(R, &desc, loss, &dirs) : write_outputs(R, &desc, loss, &dirs);
    free(loss);
    nn_landscape_images_finish(&im);
    nn_landscape_dirs_finish(&dirs);
    return rc;
}

int cmd_landscape(int argc, char **argv)
{
    struct run *R = xcalloc(1, sizeof(*R));
    struct cli_train_extra extra = {settings_landscape(), &R->ls, &R->output, NULL};
    train_settings_init(&R->o);
    int rc = cli_train_parse("landscape", argc, argv, &R->o, &extra, usage);
    if (rc != 0) {
        free(R);
        return rc < 0 ? 0 : rc;
    }
    /* ---- what the options must agree on, before anything long ---- */
    rc = 2;
    if (!R->output) {
        cli_error("landscape", _("-o FILE.csv is required (where the slice goes)"));
        goto done;
    }
    if (!has_ext(R->output, ".csv") && !has_ext(R->output, ".png") &&
        !has_ext(R->output, ".svg") && !has_ext(R->output, ".pdf")) {
        cli_error("landscape", _("-o %s: unknown format (FILE.csv, .png, .svg or .pdf)"),
                  R->output);
        goto done;
    }
    char ppath[4200], err[4400];   /* both files' places are checked before the long part */
    paths_name(ppath, sizeof ppath, R->output);
    if (!util_outfile_check(R->output, err, sizeof err) ||
        !util_outfile_check(ppath, err, sizeof err)) {
        cli_error("landscape", "%s", err);
        goto done;
    }
    if (R->ls.load[0] && R->ls.directions == LANDSCAPE_PCA) {
        cli_error("landscape", _("--directions pca needs the trajectory, which a --load'ed "
                  "network does not have; train it here, or use --directions random"));
        goto done;
    }
    if (!cli_train_config("landscape", &R->o, &R->cfg) || !cli_train_data("landscape", &R->o,
                                                                           &R->data)) {
        goto done;
    }
    const struct nn_data *d = &R->data;
    printf(_("data: %s: %d train, %d validation, %d test images of %dx%d\n"), d->source,
           d->train.n, d->val.n, d->test.n, d->train.h, d->train.w);
    fflush(stdout);
    if (R->ls.load[0] ? !load(R) : !train(R)) {
        goto done;
    }
    rc = slice(R);

done:
    for (int i = 0; i < NN_MAX_RACERS; i++) {
        track_finish(&R->tracks[i]);
    }
    nn_trainer_destroy(R->t);
    cnn_destroy(R->loaded);
    nn_data_finish(&R->data);
    free(R);
    return rc;
}

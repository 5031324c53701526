/* cmd_bench_landscape.c: `optiscope bench landscape`: the time of a loss slice of the small
 * CNN (25x25 grid, 512 images, filter-normalized random directions) at 1 and 2 threads, and
 * PyTorch's time for the same slice of the same network along the same directions
 * (bench/torch_landscape.py) in the same run, with the largest difference between the grids. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "config.h"
#include "nn/cnn.h"
#include "nn/dataset.h"
#include "nn/landscape.h"
#include "nn/train.h"
#include "sim/i18n.h"
#include "sim/optim.h"
#include "sim/spec.h"
#include "sim/util.h"

#define MAX_THREAD_COUNTS 8

struct bench_opts {
    long threads[MAX_THREAD_COUNTS];   /* thread counts to measure */
    int nthreads;
    long grid, images, rounds, train_steps;
    bool torch;                        /* run the PyTorch peer */
    const char *python;                /* its interpreter */
    const char *script;                /* bench/torch_landscape.py, or NULL to look for it */
    const char *data;                  /* "fashion-mnist", "synthetic" or NULL: the former if
                                          installed */
};

static void usage(FILE *out)
{
    fprintf(out,
            _("usage: optiscope bench landscape [OPTIONS]\n"
            "Time of a loss slice of the small CNN (trained briefly with adam) along\n"
            "filter-normalized random directions over [-1, 1]^2, and PyTorch's time for the\n"
            "same slice of the same network along the same directions.\n"
            "  --threads LIST     thread counts (default 1,2)\n"
            "  --grid N           points per side (default 25)\n"
            "  --images M         training images per point (default 512)\n"
            "  --rounds N         best of N rounds of ours (default 1)\n"
            "  --train-steps N    adam steps before the slice (default 200)\n"
            "  --data fashion-mnist|synthetic   (default fashion-mnist when installed)\n"
            "  --no-torch         skip PyTorch\n"
            "  --python PATH      PyTorch's interpreter (default /usr/bin/python3)\n"
            "  --torch-script P   the peer script (default bench/torch_landscape.py of the "
            "source)\n"));
}

static bool parse(int argc, char **argv, struct bench_opts *o, bool *help)
{
    memset(o, 0, sizeof(*o));
    o->threads[0] = 1;
    o->threads[1] = 2;
    o->nthreads = 2;
    o->grid = 25;
    o->images = 512;
    o->rounds = 1;
    o->train_steps = 200;
    o->torch = true;
    o->python = "/usr/bin/python3";
    *help = false;
    static const char *const valued[] = {"--threads", "--grid", "--images", "--rounds",
                                         "--train-steps", "--data", "--python",
                                         "--torch-script"};
    enum { NVALUED = sizeof valued / sizeof valued[0] };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            *help = true;
            return true;
        }
        if (!strcmp(a, "--no-torch")) {
            o->torch = false;
            continue;
        }
        const char *v = NULL;
        int which = -1;
        for (int k = 0; k < NVALUED && which < 0; k++) {
            size_t n = strlen(valued[k]);
            if (!strncmp(a, valued[k], n) && a[n] == '=') {
                which = k;
                v = a + n + 1;
            } else if (!strcmp(a, valued[k])) {
                which = k;
                if (i + 1 >= argc) {
                    cli_error("bench", _("%s needs a value"), a);
                    return false;
                }
                v = argv[++i];
            }
        }
        if (which < 0) {
            const char *all[NVALUED + 2];
            memcpy(all, valued, sizeof valued);
            all[NVALUED] = "--no-torch";
            all[NVALUED + 1] = "--help";
            char msg[256];
            snprintf(msg, sizeof(msg), _("unknown option '%s'"), a);
            util_append_suggestion(msg, sizeof(msg), a, all, NVALUED + 2);
            cli_error("bench", "%s", msg);
            return false;
        }
        long *dst[5] = {NULL, &o->grid, &o->images, &o->rounds, &o->train_steps};
        long lo[5] = {0, 1, 1, 1, 0}, hi[5] = {0, 1001, 60000, 100, 100000};
        if (which == 0) {
            if (!bench_parse_threads(v, o->threads, MAX_THREAD_COUNTS, NN_MAX_THREADS, &o->nthreads)) {
                return false;
            }
        } else if (which <= 4) {
            if (!util_parse_long(v, lo[which], hi[which], dst[which])) {
                cli_error("bench", _("%s: '%s' is not a whole number from %ld to %ld"),
                          valued[which], v, lo[which], hi[which]);
                return false;
            }
        } else if (which == 5) {
            if (!bench_parse_data(v)) {
                return false;
            }
            o->data = v;
        } else if (which == 6) {
            o->python = v;
        } else {
            o->script = v;
        }
    }
    return true;
}

/* ======================================================================== the PyTorch peer */

/* What the peer reads: the network, the directions (networks whose parameters they are), the
 * images and labels, in a temporary folder. */
struct peer_files {
    char dir[256];
    char model[320], d1[320], d2[320], x[320], y[320];
};

static bool write_raw(const char *path, const void *p, size_t size, size_t n)
{
    struct util_outfile out;   /* the one writer, as every file */
    char err[64];
    if (!util_outfile_open(&out, path, err, sizeof err)) {
        return false;
    }
    if (fwrite(p, size, n, out.f) != n) {
        util_outfile_abort(&out);
        return false;
    }
    return util_outfile_commit(&out, err, sizeof err);
}

static bool peer_write(struct peer_files *pf, const struct cnn *net,
                       const struct nn_landscape_dirs *dirs,
                       const struct nn_landscape_images *im, char *err, size_t errlen)
{
    snprintf(pf->dir, sizeof pf->dir, "/tmp/optiscope-bench-landscape-XXXXXX");
    if (!mkdtemp(pf->dir)) {
        snprintf(err, errlen, _("cannot make a temporary folder: %s"), strerror(errno));
        return false;
    }
    snprintf(pf->model, sizeof pf->model, "%s/net.bin", pf->dir);
    snprintf(pf->d1, sizeof pf->d1, "%s/d1.bin", pf->dir);
    snprintf(pf->d2, sizeof pf->d2, "%s/d2.bin", pf->dir);
    snprintf(pf->x, sizeof pf->x, "%s/x.f32", pf->dir);
    snprintf(pf->y, sizeof pf->y, "%s/y.u8", pf->dir);
    struct cnn *d = cnn_create(&net->cfg);
    cnn_copy_state(d, net);
    bool ok = cnn_save(net, pf->model, err, errlen);
    memcpy(d->params, dirs->d1, dirs->n * sizeof(float));
    ok = ok && cnn_save(d, pf->d1, err, errlen);
    memcpy(d->params, dirs->d2, dirs->n * sizeof(float));
    ok = ok && cnn_save(d, pf->d2, err, errlen);
    cnn_destroy(d);
    size_t px = (size_t)im->n * im->c * im->h * im->w;
    if (ok && (!write_raw(pf->x, im->x, sizeof(float), px) ||
               !write_raw(pf->y, im->y, 1, (size_t)im->n))) {
        snprintf(err, errlen, _("%s: cannot write"), pf->dir);
        ok = false;
    }
    return ok;
}

static void peer_remove(struct peer_files *pf)
{
    const char *files[5] = {pf->model, pf->d1, pf->d2, pf->x, pf->y};
    for (int i = 0; i < 5; i++) {
        unlink(files[i]);
    }
    rmdir(pf->dir);
}

/* Runs the peer; its seconds (negative on failure, with why) and its grid in `grid`. */
static double run_torch(const struct bench_opts *o, const char *script,
                        const struct peer_files *pf, int threads, double *grid, int npoints,
                        char *version, size_t vlen, char *why, size_t whylen)
{
    char grid_s[32], threads_s[32];
    snprintf(grid_s, sizeof grid_s, "%ld", o->grid);
    snprintf(threads_s, sizeof threads_s, "%d", threads);
    char *args[] = {(char *)o->python, (char *)script, "--model", (char *)pf->model, "--d1",
                    (char *)pf->d1, "--d2", (char *)pf->d2, "--images", (char *)pf->x,
                    "--labels", (char *)pf->y, "--grid", grid_s, "--range", "1", "--threads",
                    threads_s, NULL};
    pid_t pid;
    FILE *p = cli_spawn_read(args, &pid, why, whylen);   /* an argument vector: no shell */
    if (!p) {
        return -1;
    }
    size_t cap = (size_t)npoints * 24 + 4096;
    char *line = xmalloc(cap), last[1024] = "";
    double secs = -1;
    int got = 0;
    while (fgets(line, (int)cap, p)) {
        if (!strncmp(line, "seconds:", 8)) {
            secs = atof(line + 8);
        } else if (!strncmp(line, "grid:", 5)) {
            char *s = line + 5, *end;
            for (got = 0; got < npoints; got++) {
                double v = strtod(s, &end);
                if (end == s) {
                    break;
                }
                grid[got] = v;
                s = end;
            }
        } else if (!strncmp(line, "torch ", 6)) {
            snprintf(version, vlen, "%.*s", (int)strcspn(line + 6, " \n"), line + 6);
        } else if (line[0] != '\n') {
            snprintf(last, sizeof(last), "%s", line);
        }
    }
    free(line);
    fclose(p);
    char how[64];
    cli_spawn_wait(pid, how, sizeof how);
    if (secs <= 0 || got != npoints) {
        last[strcspn(last, "\n")] = '\0';
        snprintf(why, whylen, _("PyTorch run failed (%s): %s"), how, last);
        return -1;
    }
    return secs;
}

static const char *find_script(const struct bench_opts *o)
{
    static char path[4096];
    struct stat st;
    if (o->script) {
        return stat(o->script, &st) == 0 ? o->script : NULL;
    }
    snprintf(path, sizeof(path), "%s/bench/torch_landscape.py", OPTISCOPE_SRCDIR);
    return stat(path, &st) == 0 ? path : NULL;
}

/* ======================================================================== the benchmark */

/* A briefly trained network (adam, batch 64): a landscape with some shape to it. */
static struct cnn *trained_net(const struct nn_data *data, long steps)
{
    struct cnn_config cfg;
    char err[256];
    cnn_config_for_model("small", &cfg, err, sizeof(err));
    struct cnn *net = cnn_create(&cfg);
    cnn_init(net, 1);
    struct optim_params opt;
    optim_parse("adam(lr=0.001)", &opt, err, sizeof(err));
    struct optim_state *st = optim_state_create(&opt, net->nparams);
    const struct nn_dataset *d = &data->train;
    float *x = nn_alloc((size_t)cfg.batch * d->h * d->w);
    uint8_t *y = xmalloc((size_t)cfg.batch);
    int *idx = xmalloc((size_t)cfg.batch * sizeof(int));
    struct util_rng rng;
    util_rng_seed(&rng, 7);
    nn_set_threads(1);
    for (long s = 0; s < steps; s++) {
        for (int i = 0; i < cfg.batch; i++) {
            idx[i] = (int)(util_rng_next(&rng) % (uint64_t)d->n);
        }
        nn_dataset_batch(d, idx, cfg.batch, x, y);
        cnn_forward(net, x, y, cfg.batch, true, NULL);
        cnn_backward(net);
        optim_step_f32(&opt, st, opt.lr, net->params, net->grads);
    }
    free(idx);
    free(y);
    nn_free(x);
    optim_state_destroy(st);
    return net;
}

int bench_landscape(int argc, char **argv)
{
    struct bench_opts o;
    bool help;
    if (!parse(argc, argv, &o, &help)) {
        return 2;
    }
    if (help) {
        usage(stdout);
        return 0;
    }
    struct nn_data data;
    char err[1024];
    struct stat st;
    bool real = o.data ? !strcmp(o.data, "fashion-mnist")
                       : stat(NN_FASHION_MNIST_DIR, &st) == 0;
    if (real) {
        if (!nn_data_load_dir(&data, NN_FASHION_MNIST_DIR, -1, err, sizeof(err))) {
            cli_error("bench", "%s", err);
            return 2;
        }
    } else {
        nn_data_synthetic(&data, 4096, 16, 16, 1);
    }
    const char *script = o.torch ? find_script(&o) : NULL;
    if (o.torch && !script) {
        fprintf(stderr, _("optiscope bench: note: %s not found; PyTorch is skipped (pass "
                "--torch-script PATH)\n"), o.script ? o.script : "bench/torch_landscape.py");
    }
    struct cnn *net = trained_net(&data, o.train_steps);
    struct nn_landscape_images im;
    nn_landscape_images_init(&im, &data.train, (int)o.images);
    struct nn_landscape_dirs dirs;
    nn_landscape_random(&dirs, net, 1);
    int n = (int)o.grid, np = n * n;
    double *ours = xmalloc((size_t)np * sizeof(double));
    double *theirs = xmalloc((size_t)np * sizeof(double));
    struct peer_files pf;
    memset(&pf, 0, sizeof pf);
    if (script && !peer_write(&pf, net, &dirs, &im, err, sizeof(err))) {
        fprintf(stderr, _("optiscope bench: %s; PyTorch is skipped\n"), err);
        script = NULL;
    }
    printf(_("bench landscape: model small (adam, %ld steps), %dx%d grid over [-1, 1]^2, %d "
           "%s training images a point, filter-normalized random directions; best of %ld\n"),
           o.train_steps, n, n, im.n, real ? "fashion-mnist" : "synthetic", o.rounds);
    printf("%-8s %14s %14s %8s %12s %14s\n", "threads", "optiscope s", "pytorch s", "ratio",
           "points/s", "max |diff|");
    fflush(stdout);
    int rc = 0;
    char version[256] = "";
    struct nn_landscape_desc desc = {.centre = net, .dirs = &dirs, .images = &im, .n = n,
                                     .alpha = {-1, 1}, .beta = {-1, 1}};
    for (int i = 0; i < o.nthreads; i++) {
        desc.threads = (int)o.threads[i];
        double best = INFINITY;
        for (long r = 0; r < o.rounds; r++) {
            double t0 = nn_now();
            nn_landscape_slice(&desc, ours, NULL);
            double dt = nn_now() - t0;
            best = dt < best ? dt : best;
        }
        char ts[32] = "-", ratio[32] = "-", diff[32] = "-", why[1200] = "";
        if (script) {
            double secs = run_torch(&o, script, &pf, desc.threads, theirs, np, version,
                                    sizeof(version), why, sizeof(why));
            if (secs > 0) {
                double worst = 0.0;
                for (int p = 0; p < np; p++) {
                    double e = fabs(ours[p] - theirs[p]);
                    worst = e > worst || isnan(e) ? e : worst;
                }
                snprintf(ts, sizeof ts, "%.2f", secs);
                snprintf(ratio, sizeof ratio, "%.1fx", secs / best);
                snprintf(diff, sizeof diff, "%.2g", worst);
            } else {
                fprintf(stderr, _("optiscope bench: %s\n"), why);
                rc = 1;
            }
        }
        printf("%-8d %14.2f %14s %8s %12.0f %14s\n", desc.threads, best, ts, ratio, np / best,
               diff);
        fflush(stdout);
    }
    printf(_("seconds: the whole slice (%d forwards of %d images); ratio: PyTorch's time over "
           "ours;\nmax |diff|: the largest difference between the two grids' losses\n"), np,
           im.n);
    if (script && version[0]) {
        printf(_("pytorch: torch %s, %s %s (torch.set_num_threads; all images in one forward)\n"),
               version, o.python, script);
    }
    if (pf.dir[0]) {
        peer_remove(&pf);
    }
    free(ours);
    free(theirs);
    nn_landscape_dirs_finish(&dirs);
    nn_landscape_images_finish(&im);
    cnn_destroy(net);
    nn_data_finish(&data);
    return rc;
}

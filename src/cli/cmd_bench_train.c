/* cmd_bench_train.c: `optiscope bench train`: training images/s of the small CNN (batch 64,
 * adam) at 1 and 2 threads, the share of time in sgemm, and PyTorch's rate from
 * bench/torch_train.py measured in the same run. */
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
#include "sim/i18n.h"
#include "sim/optim.h"
#include "sim/spec.h"
#include "sim/util.h"

#define MAX_THREAD_COUNTS 8

struct bench_opts {
    long threads[MAX_THREAD_COUNTS];   /* thread counts to measure */
    int nthreads;
    long steps, warmup, rounds, batch;
    bool torch;                        /* run the PyTorch peer */
    const char *python;                /* its interpreter */
    const char *script;                /* bench/torch_train.py, or NULL to look for it */
    const char *data;                  /* "fashion-mnist", "synthetic" or NULL: the former if
                                          installed */
};

static void usage(FILE *out)
{
    fprintf(out,
            _("usage: optiscope bench train [OPTIONS]\n"
            "Training speed of the small CNN (adam, one step = forward, backward, update) in\n"
            "images/s, the share of it spent in sgemm, and PyTorch's speed on the same model.\n"
            "  --threads LIST     thread counts (default 1,2)\n"
            "  --steps N          timed steps per round (default 300)\n"
            "  --warmup N         untimed steps first (default 20)\n"
            "  --rounds N         best of N rounds (default 2)\n"
            "  --batch B          images per step (default 64)\n"
            "  --data fashion-mnist|synthetic   (default fashion-mnist when installed)\n"
            "  --no-torch         skip PyTorch\n"
            "  --python PATH      PyTorch's interpreter (default /usr/bin/python3)\n"
            "  --torch-script P   the peer script (default bench/torch_train.py of the source)\n"));
}

static bool parse(int argc, char **argv, struct bench_opts *o, bool *help)
{
    memset(o, 0, sizeof(*o));
    o->threads[0] = 1;
    o->threads[1] = 2;
    o->nthreads = 2;
    o->steps = 300;
    o->warmup = 20;
    o->rounds = 2;
    o->batch = 64;
    o->torch = true;
    o->python = "/usr/bin/python3";
    *help = false;
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
        static const char *const valued[] = {"--threads", "--steps", "--warmup", "--rounds",
                                             "--batch", "--data", "--python", "--torch-script"};
        const char *v = NULL;
        int which = -1;
        for (int k = 0; k < 8 && which < 0; k++) {
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
            static const char *const all[] = {"--threads", "--steps", "--warmup", "--rounds",
                                              "--batch", "--data", "--python", "--torch-script",
                                              "--no-torch", "--help"};
            char msg[256];
            snprintf(msg, sizeof(msg), _("unknown option '%s'"), a);
            util_append_suggestion(msg, sizeof(msg), a, all, 10);
            cli_error("bench", "%s", msg);
            return false;
        }
        long *dst[5] = {NULL, &o->steps, &o->warmup, &o->rounds, &o->batch};
        if (which == 0) {
            if (!bench_parse_threads(v, o->threads, MAX_THREAD_COUNTS, 256, &o->nthreads)) {
                return false;
            }
        } else if (which <= 4) {
            if (!util_parse_long(v, which == 2 ? 0 : 1, 1000000, dst[which])) {
                cli_error("bench", _("%s: '%s' is not a whole number in range"), valued[which], v);
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

/* ======================================================================== measurements */

struct c_result {
    double images_per_s;   /* best round */
    double sgemm_share;    /* of that round's time */
};

static struct c_result run_c(const struct bench_opts *o, const struct nn_data *data, int threads)
{
    struct cnn_config cfg;
    char err[256];
    cnn_config_for_model("small", &cfg, err, sizeof(err));
    cfg.batch = (int)o->batch;
    /* as the trainer: our workers split each batch, every sgemm runs on one thread */
    nn_set_threads(1);
    struct nn_pool *pool = nn_pool_create(threads);
    struct cnn *net = cnn_create(&cfg);
    cnn_init(net, 1);
    struct optim_params opt;
    optim_parse("adam(lr=0.001)", &opt, err, sizeof(err));
    struct optim_state *st = optim_state_create(&opt, net->nparams);
    const struct nn_dataset *d = &data->train;
    int B = (int)o->batch;
    float *x = nn_alloc((size_t)B * d->h * d->w);
    uint8_t *y = xmalloc((size_t)B);
    int *idx = xmalloc((size_t)B * sizeof(int));
    struct util_rng rng;
    util_rng_seed(&rng, 7);
    struct c_result best = {0, 0};
    for (long round = -1; round < o->rounds; round++) {
        long steps = round < 0 ? o->warmup : o->steps;   /* round -1 warms up */
        net->ctx = (struct nn_ctx){true, 0.0, 0, pool};
        double t0 = nn_now();
        for (long s = 0; s < steps; s++) {
            for (int i = 0; i < B; i++) {
                idx[i] = (int)(util_rng_next(&rng) % (uint64_t)d->n);
            }
            nn_dataset_batch(d, idx, B, x, y);
            cnn_forward(net, x, y, B, true, NULL);
            cnn_backward(net);
            optim_step_f32(&opt, st, opt.lr, net->params, net->grads);
        }
        double dt = nn_now() - t0;
        if (round >= 0 && dt > 0 && steps * B / dt > best.images_per_s) {
            best.images_per_s = steps * B / dt;
            best.sgemm_share = net->ctx.sgemm_s / dt;
        }
    }
    free(idx);
    free(y);
    nn_free(x);
    optim_state_destroy(st);
    cnn_destroy(net);
    nn_pool_destroy(pool);
    return best;
}

/* Runs the PyTorch peer with an argument vector (never through a shell, so any file name is
 * just a name), reading its stdout and stderr together; its images/s, or a negative number
 * with why in `why`. */
static double run_torch(const struct bench_opts *o, const char *script, const char *data_dir,
                        int threads, char *version, size_t vlen, char *why, size_t whylen)
{
    char nums[5][32];
    snprintf(nums[0], sizeof nums[0], "%d", threads);
    snprintf(nums[1], sizeof nums[1], "%ld", o->steps);
    snprintf(nums[2], sizeof nums[2], "%ld", o->warmup);
    snprintf(nums[3], sizeof nums[3], "%ld", o->rounds);
    snprintf(nums[4], sizeof nums[4], "%ld", o->batch);
    char *args[] = {(char *)o->python, (char *)script, "--bench", "--threads", nums[0],
                    "--steps", nums[1], "--warmup", nums[2], "--rounds", nums[3], "--batch",
                    nums[4], data_dir ? "--data-dir" : "--synthetic", (char *)data_dir, NULL};
    pid_t pid;
    FILE *p = cli_spawn_read(args, &pid, why, whylen);
    if (!p) {
        return -1;
    }
    char line[1024], last[1024] = "";
    double rate = -1;
    while (fgets(line, sizeof(line), p)) {
        if (!strncmp(line, "images_per_s:", 13)) {
            rate = atof(line + 13);
        } else if (!strncmp(line, "torch ", 6)) {
            /* "torch 1.13.0a0 threads 1": keep the version */
            snprintf(version, vlen, "%.*s", (int)strcspn(line + 6, " \n"), line + 6);
        } else if (line[0] != '\n') {
            snprintf(last, sizeof(last), "%s", line);
        }
    }
    fclose(p);
    char how[64];
    cli_spawn_wait(pid, how, sizeof how);
    if (rate <= 0) {
        last[strcspn(last, "\n")] = '\0';
        snprintf(why, whylen, _("PyTorch run failed (%s): %s"), how, last);
        return -1;
    }
    return rate;
}

static const char *find_script(const struct bench_opts *o)
{
    static char path[4096];
    struct stat st;
    if (o->script) {
        return stat(o->script, &st) == 0 ? o->script : NULL;
    }
    snprintf(path, sizeof(path), "%s/bench/torch_train.py", OPTISCOPE_SRCDIR);
    return stat(path, &st) == 0 ? path : NULL;
}

int bench_train(int argc, char **argv)
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
    const char *data_dir = NULL;
    struct stat st;
    bool real = o.data ? !strcmp(o.data, "fashion-mnist")
                       : stat(NN_FASHION_MNIST_DIR, &st) == 0;
    if (real) {
        if (!nn_data_load_dir(&data, NN_FASHION_MNIST_DIR, -1, err, sizeof(err))) {
            cli_error("bench", "%s", err);
            return 2;
        }
        data_dir = NN_FASHION_MNIST_DIR;
    } else {
        nn_data_synthetic(&data, 4096, 16, 16, 1);
    }
    const char *script = o.torch ? find_script(&o) : NULL;
    if (o.torch && !script) {
        fprintf(stderr, _("optiscope bench: note: %s not found; PyTorch is skipped (pass "
                "--torch-script PATH)\n"), o.script ? o.script : "bench/torch_train.py");
    }
    printf(_("bench train: model small, batch %ld, adam(lr=0.001), best of %ld rounds of %ld "
           "steps after %ld warm-up steps; data %s\n"), o.batch, o.rounds, o.steps, o.warmup,
           real ? "fashion-mnist" : "synthetic");
    printf("%-8s %16s %12s %16s %8s\n", "threads", "optiscope img/s", "sgemm share",
           "pytorch img/s", "ratio");
    fflush(stdout);
    int rc = 0;
    char version[256] = "";
    for (int i = 0; i < o.nthreads; i++) {
        int t = (int)o.threads[i];
        struct c_result c = run_c(&o, &data, t);
        double torch_rate = -1;
        char why[1200] = "";
        if (script) {
            torch_rate = run_torch(&o, script, data_dir, t, version, sizeof(version), why,
                                   sizeof(why));
            /* the machine may be shared: measure ours again after PyTorch, keep the best */
            struct c_result c2 = run_c(&o, &data, t);
            if (c2.images_per_s > c.images_per_s) {
                c = c2;
            }
        }
        char tr[32] = "-", ratio[32] = "-";
        if (torch_rate > 0) {
            snprintf(tr, sizeof(tr), "%.0f", torch_rate);
            snprintf(ratio, sizeof(ratio), "%.2fx", c.images_per_s / torch_rate);
        }
        printf("%-8d %16.0f %11.1f%% %16s %8s\n", t, c.images_per_s, 100 * c.sgemm_share, tr,
               ratio);
        fflush(stdout);
        if (script && torch_rate <= 0) {
            fprintf(stderr, _("optiscope bench: %s\n"), why);
            rc = 1;
        }
    }
    printf(_("images/s: steps (batch, forward, backward, adam update) per second times the batch\n"
           "sgemm share: of the calling thread's time\n"));
    if (script && version[0]) {
        printf(_("pytorch: torch %s, %s %s (torch.set_num_threads)\n"), version, o.python, script);
    }
    nn_set_threads(1);
    nn_data_finish(&data);
    return rc;
}

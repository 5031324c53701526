/* inspect.c: weight histograms and sparsity, confusion matrices and predictions. */
#include "nn/inspect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/train.h"
#include "nn/weight_stats.h"
#include "sim/i18n.h"
#include "sim/util.h"

int nn_inspect_layers(const struct cnn *net, struct nn_layer_stats *out)
{
    /* nn_weight_stats bins every layer on one range: one call per layer's own range */
    struct nn_weight_stats *ws = xmalloc(sizeof *ws);
    int n = 0;
    for (int i = 0; i < net->pl.count && n < NN_INSPECT_MAX_LAYERS; i++) {
        const struct nn_tensor *t = &net->pl.t[i];
        if (!t->penalized) {
            continue;
        }
        size_t fan_in = t->size / (size_t)t->shape[0];
        double range = 3.0 / sqrt((double)fan_in);
        nn_weight_stats(net, NN_INSPECT_BINS, range, NN_NEAR_ZERO, ws);
        const struct nn_weight_layer *w = NULL;
        for (int k = 0; k < ws->nlayers; k++) {
            if (!strcmp(ws->layer[k].name, t->name)) {
                w = &ws->layer[k];
            }
        }
        if (!w) {
            continue;
        }
        struct nn_layer_stats *l = &out[n++];
        memset(l, 0, sizeof *l);
        snprintf(l->name, sizeof l->name, "%s", t->name);
        l->range = range;
        l->count = (long)w->count;
        l->zeros = (long)w->zeros;
        l->near = (long)w->small;
        l->norm = w->norm;
        l->max_abs = fmax(fabs(w->min), fabs(w->max));
        for (int b = 0; b < NN_INSPECT_BINS; b++) {
            l->hist[b] = (float)w->hist[b];
        }
    }
    free(ws);
    return n;
}

void nn_inspect_totals(const struct nn_layer_stats *l, int n, long *count, long *zeros,
                       long *near, double *norm)
{
    long c = 0, z = 0, nz = 0;
    double ss = 0.0;
    for (int i = 0; i < n; i++) {
        c += l[i].count;
        z += l[i].zeros;
        nz += l[i].near;
        ss += l[i].norm * l[i].norm;
    }
    *count = c;
    *zeros = z;
    *near = nz;
    *norm = sqrt(ss);
}

/* The arg max of each of the last forward's B rows of probabilities. */
static int argmax(const float *p, int n)
{
    int best = 0;
    for (int k = 1; k < n; k++) {
        best = p[k] > p[best] ? k : best;
    }
    return best;
}

double nn_inspect_confusion(struct cnn *net, const struct nn_dataset *d, float *x, uint8_t *y,
                            int *conf)
{
    double loss, acc;
    nn_evaluate_confusion(net, d, x, y, &loss, &acc, conf);
    return acc;
}

void nn_inspect_predict(struct cnn *net, const struct nn_dataset *d, const int *index, int n,
                        float *x, uint8_t *y, uint8_t *pred, float *prob)
{
    int C = net->cfg.classes;
    n = n > net->cfg.batch ? net->cfg.batch : n;
    if (n <= 0) {
        return;
    }
    nn_dataset_batch(d, index, n, x, y);
    cnn_forward(net, x, y, n, false, NULL);
    for (int i = 0; i < n; i++) {
        int p = argmax(net->probs + (size_t)i * C, C);
        pred[i] = (uint8_t)p;
        prob[i] = net->probs[(size_t)i * C + p];
    }
}

const char *nn_class_name(bool synthetic, int c)
{
    static const char *const names[NN_CLASSES] = {
        N_("T-shirt/top"), N_("Trouser"), N_("Pullover"), N_("Dress"), N_("Coat"),
        N_("Sandal"), N_("Shirt"), N_("Sneaker"), N_("Bag"), N_("Ankle boot"),
    };
    static const char *const shapes[NN_CLASSES] = {
        N_("square"), N_("hollow square"), N_("disc"), N_("ring"), N_("horizontal bar"),
        N_("vertical bar"), N_("plus"), N_("cross"), N_("triangle"), N_("two dots"),
    };
    if (c < 0 || c >= NN_CLASSES) {
        return "?";
    }
    return synthetic ? shapes[c] : names[c];
}

const char *nn_class_short_name(bool synthetic, int c)
{
    static const char *const names[NN_CLASSES] = {
        N_("T-shirt"), N_("Trouser"), N_("Pullover"), N_("Dress"), N_("Coat"),
        N_("Sandal"), N_("Shirt"), N_("Sneaker"), N_("Bag"), N_("Boot"),
    };
    if (synthetic || c < 0 || c >= NN_CLASSES) {
        return nn_class_name(synthetic, c);
    }
    return names[c];
}

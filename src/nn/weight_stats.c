/* weight_stats.c: per-layer counts, norms, extremes and histograms of a network's weights. */
#include "nn/weight_stats.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static void add_value(struct nn_weight_layer *l, float w, const struct nn_weight_stats *s)
{
    double a = fabs((double)w);
    if (l->count == 0) {
        l->min = l->max = w;
    } else {
        l->min = w < l->min ? w : l->min;
        l->max = w > l->max ? w : l->max;
    }
    l->count++;
    l->zeros += w == 0.0f;
    l->small += a < s->small;
    l->norm += (double)w * w;   /* the sum of squares until the end */
    double at = floor(((double)w + s->range) / (2.0 * s->range) * s->nbins);
    int bin = !(at >= 0.0) ? 0 : at >= s->nbins ? s->nbins - 1 : (int)at;   /* NaN: bin 0 */
    l->hist[bin]++;
}

void nn_weight_stats(const struct cnn *net, int nbins, double range, double small,
                     struct nn_weight_stats *out)
{
    assert(range > 0.0 && small >= 0.0);
    memset(out, 0, sizeof(*out));
    out->nbins = nbins < 1 ? 1 : nbins > NN_WEIGHT_STATS_MAX_BINS ? NN_WEIGHT_STATS_MAX_BINS
                                                                   : nbins;
    out->range = range;
    out->small = small;
    snprintf(out->all.name, sizeof(out->all.name), "all");
    for (int i = 0; i < net->pl.count; i++) {
        const struct nn_tensor *t = &net->pl.t[i];
        if (!t->penalized) {
            continue;
        }
        struct nn_weight_layer *l = &out->layer[out->nlayers++];
        snprintf(l->name, sizeof(l->name), "%s", t->name);
        const float *w = net->params + t->offset;
        for (size_t j = 0; j < t->size; j++) {
            add_value(l, w[j], out);
            add_value(&out->all, w[j], out);
        }
    }
    for (int i = 0; i < out->nlayers; i++) {
        out->layer[i].norm = sqrt(out->layer[i].norm);
    }
    out->all.norm = sqrt(out->all.norm);
}

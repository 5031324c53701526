/* weight_stats.h: what the weights look like, layer by layer: counts of exact and near zeros,
 * norm, extremes and a histogram on a symmetric axis, for `optiscope train`'s report and the
 * window's L1-against-L2 panel. A plain value: copy it into a snapshot as it is. */
#ifndef OPTISCOPE_NN_WEIGHT_STATS_H
#define OPTISCOPE_NN_WEIGHT_STATS_H

#include <stddef.h>

#include "nn/cnn.h"

#define NN_WEIGHT_STATS_MAX_BINS 256

/* One group of weights: a layer's weight tensor, or all of them together. */
struct nn_weight_layer {
    char name[24];                 /* the tensor's ("conv1.w"), or "all" */
    size_t count;                  /* weights */
    size_t zeros;                  /* exactly 0 (-0 included) */
    size_t small;                  /* |w| < the `small` threshold given (exact zeros included) */
    double norm;                   /* sqrt(sum w^2) */
    double min, max;               /* extremes (0 and 0 for an empty group) */
    long hist[NN_WEIGHT_STATS_MAX_BINS];   /* bins over [-range, range], each 2 range / bins
                                              wide; values beyond the range fall in the end
                                              bins; unused bins 0 */
};

struct nn_weight_stats {
    int nbins;                     /* bins of each histogram (1..NN_WEIGHT_STATS_MAX_BINS) */
    double range;                  /* the histograms' half-width */
    double small;                  /* the near-zero threshold */
    int nlayers;                   /* layer[0..nlayers): each weight tensor, in layout order */
    struct nn_weight_layer layer[NN_MAX_TENSORS];
    struct nn_weight_layer all;    /* every weight together */
};

/* The weights are the tensors cnn_penalty acts on (not biases, not batch norm). nbins is
 * clamped to 1..NN_WEIGHT_STATS_MAX_BINS; range > 0 (the window uses a fixed one so that
 * histograms over time compare); small >= 0 (1e-3 for the report). */
void nn_weight_stats(const struct cnn *net, int nbins, double range, double small,
                     struct nn_weight_stats *out);

#endif

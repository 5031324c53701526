/* dash.h: the CNN dashboard: one description of what the window's CNN mode and `render --cnn`
 * show (training curves, weight histograms, filters, predictions, confusion matrix, the loss
 * landscape with every optimizer's path) and where each panel goes. The CNN session fills it;
 * draw/ paints it onto any cairo_t. Plain numbers only (no nn/ types): libc. */
#ifndef OPTISCOPE_FIGURE_DASH_H
#define OPTISCOPE_FIGURE_DASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "figure/figure.h"

#define DASH_MAX_RACERS 8
#define DASH_MAX_LAYERS 4
#define DASH_BINS 61          /* odd: the middle bin is centred on zero */
#define DASH_PREDS 24
#define DASH_FILTERS 8
#define DASH_CLASSES 10

/* A curve: n points (x[k], y[k]); not owned. */
struct dash_curve {
    const float *x, *y;
    size_t n;
};

/* One weight layer of one racer. */
struct dash_layer {
    char name[24];            /* "conv1.w" */
    double range;             /* the histogram covers [-range, range] */
    float hist[DASH_BINS];    /* weights per bin */
    long count, zeros, near;  /* weights, exactly zero, |w| < 1e-3 */
    double norm;
};

struct dash_racer {
    char label[96];           /* "adam(lr=0.001)" */
    char detail[96];          /* "+L1 1e-4 (proximal)" or "" */
    int color;                /* palette index (dash_racer_rgb) */
    /* against training images seen */
    struct dash_curve train_loss, val_loss, train_acc, val_acc, lr, wnorm, wnear;
    bool diverged, stopped, restored;
    long diverged_images;     /* images seen when it diverged */
    int best_epoch;           /* 0: none yet */
    double best_images;       /* images seen at the best validation loss */
    double best_val_loss;
    bool tested;
    double test_acc;
    /* its network as last inspected */
    int nlayers;
    struct dash_layer layer[DASH_MAX_LAYERS];
    long count, zeros, near;
    double norm;
    float filter[DASH_FILTERS][9];
    uint8_t pred[DASH_PREDS];
    float pred_prob[DASH_PREDS];
    bool has_conf;
    int conf[DASH_CLASSES * DASH_CLASSES];   /* [true * 10 + predicted] */
};

/* The loss landscape panel. */
struct dash_landscape {
    bool have;                /* a grid is there */
    bool busy;                /* being (re)computed */
    double progress;          /* 0..1 while busy */
    int n;                    /* n x n grid */
    const float *loss;        /* (n * n) [j * n + i] at alpha_i, beta_j; not owned */
    double range[4];          /* alpha min, max, beta min, max */
    int racer;                /* whose weights are the centre */
    char what[160];           /* "random filter-normalized directions" or "PCA: 62% + 21%" */
    struct dash_curve path[DASH_MAX_RACERS];   /* each racer's checkpoints projected (alpha,
                                                  beta); n 0: not shown */
    bool view3d;              /* the surface in 3-D */
    double yaw, pitch;        /* 3-D camera, radians */
    char note[320];           /* "" or why there is none ("press K", an error) */
    bool legend;              /* name each path beside the colour key (a figure of its own) */
};

/* Where each panel goes (dash_layout fills it). */
struct dash_layout {
    double font;
    bool compact;             /* large text for its size (fewer than 80 letters across): fewer,
                                 larger pictures and the shorter form of each caption */
    int pred_cols, pred_rows; /* the predictions grid: at most DASH_PREDS test images */
    double title_y, subtitle_y;
    struct figure_rect loss, acc, lr;            /* training curves, one x axis */
    struct figure_rect hist;                     /* weight histograms: racers x layers */
    struct figure_rect wtime;                    /* weight norm and near-zero share over time */
    struct figure_rect land;                     /* the landscape */
    struct figure_rect filters, preds, conf;     /* the selected racer's network; conf is
                                                    empty (w 0) when compact */
    struct figure_rect status, toast;
};

struct dash {
    int width, height;
    double font_scale;        /* 0 means 1 */
    enum scene_theme theme;   /* the landscape's colour map (figure/theme.h) */
    char title[160];
    char subtitle[256];
    char status[2][200];      /* "" none */
    int nracers;
    struct dash_racer r[DASH_MAX_RACERS];
    int selected;             /* the racer of the filters, predictions and confusion panels */
    double images_total;      /* the x axes' end: every racer's images over the whole run */
    /* the test images of the predictions grid */
    int npred;
    int img_w, img_h;
    const uint8_t *pred_img;  /* (npred, img_h, img_w) pixels; not owned */
    uint8_t pred_true[DASH_PREDS];
    const char *class_name[DASH_CLASSES];    /* untranslated; NULL: "?" */
    const char *class_short[DASH_CLASSES];   /* shorter, for narrow cells; NULL: class_name */
    struct dash_landscape land;
    char toast[512];
    bool toast_error;
    bool help;
    const char *help_title;
    int nhelp;
    const struct figure_help_entry *help_entries;
    struct dash_layout lay;
};

/* The dashboard's parts, each where d->lay puts it. */
enum dash_part {
    DASH_PART_BACK,      /* background, title and settings line */
    DASH_PART_CURVES,    /* loss, accuracy and learning rate against images seen */
    DASH_PART_WEIGHTS,   /* histograms per racer and layer; norm and near-zero share */
    DASH_PART_LAND,      /* the loss landscape with the projected paths */
    DASH_PART_NET,       /* the selected racer's filters, predictions, confusion matrix */
    DASH_PART_STATUS,
    DASH_PART_TOAST,
    DASH_PART_HELP,
    DASH_PARTS
};

/* Racer i's colour on the dashboard's white panels: Okabe and Ito's palette, told apart by
 * red-green colour-blind viewers too. */
void dash_racer_rgb(int i, double rgb[3]);

/* Zeroes d for a width x height picture. */
void dash_init(struct dash *d, int width, int height);
/* Fills d->lay from the size: pure arithmetic. */
void dash_layout(struct dash *d);
/* The landscape alone: its panel over the whole picture below the title. */
void dash_layout_landscape(struct dash *d);

#endif

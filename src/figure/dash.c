/* dash.c: the CNN dashboard's layout. */
#include "figure/dash.h"

#include <math.h>
#include <string.h>

void dash_racer_rgb(int i, double rgb[3])
{
    static const unsigned palette[] = {0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7,
                                       0xE69F00, 0x56B4E9, 0x000000, 0x999999};
    int n = (int)(sizeof palette / sizeof palette[0]);
    unsigned c = palette[((i % n) + n) % n];
    rgb[0] = ((c >> 16) & 0xff) / 255.0;
    rgb[1] = ((c >> 8) & 0xff) / 255.0;
    rgb[2] = (c & 0xff) / 255.0;
}

void dash_init(struct dash *d, int width, int height)
{
    memset(d, 0, sizeof *d);
    d->width = width;
    d->height = height;
}

void dash_layout(struct dash *d)
{
    struct dash_layout *l = &d->lay;
    memset(l, 0, sizeof *l);
    double W = d->width, H = d->height;
    double scale = d->font_scale > 0 ? d->font_scale : 1.0;
    double F = scale * fmax(10.0, fmin(W / 95.0, H / 52.0));
    l->font = F;
    l->compact = W / F < 80.0;
    double m = 0.8 * F;
    double top = m;
    if (d->title[0]) {
        l->title_y = m + 1.2 * F;
        top = l->title_y + 0.8 * F;
    }
    if (d->subtitle[0]) {
        l->subtitle_y = (l->title_y > 0 ? l->title_y : m) + 1.3 * F;
        top = l->subtitle_y + 0.9 * F;
    }
    double bottom = H - m;
    if (d->status[0][0] || d->status[1][0]) {
        /* compact: room for the first line on two (draw_status breaks it where it must) */
        double sh = (l->compact ? 3.6 : 2.6) * F;
        l->status = (struct figure_rect){m, H - m - sh, W - 2 * m, sh};
        bottom = l->status.y - 0.5 * F;
    }
    /* three columns: curves | weights | landscape over the network's pictures */
    double gap = 1.2 * F;
    double cw[3] = {0.34 * W, 0.30 * W, 0.0};
    cw[2] = W - 2 * m - 2 * gap - cw[0] - cw[1];
    double x0 = m, x1 = x0 + cw[0] + gap, x2 = x1 + cw[1] + gap;
    double h = bottom - top;
    /* column 1: loss (with its axis labels), accuracy, learning rate */
    double hl = 0.46 * h, ha = (l->compact ? 0.26 : 0.30) * h, hr = h - hl - ha;
    l->loss = (struct figure_rect){x0, top, cw[0], hl};
    l->acc = (struct figure_rect){x0, top + hl, cw[0], ha};
    l->lr = (struct figure_rect){x0, top + hl + ha, cw[0], hr};
    /* column 2: histograms, weights over time */
    double hh = 0.66 * h;
    l->hist = (struct figure_rect){x1, top, cw[1], hh};
    l->wtime = (struct figure_rect){x1, top + hh, cw[1], h - hh};
    /* column 3: landscape (square where it can), then filters, predictions and confusion;
     * compact: a smaller landscape and the predictions alone, fewer and larger, so that each
     * image and its class name stay readable (the confusion matrix's ten rows of names do
     * not fit beside them) */
    double land_h = fmin(cw[2] * 0.92, (l->compact ? 0.46 : 0.56) * h);
    l->land = (struct figure_rect){x2, top, cw[2], land_h};
    double rest = h - land_h;
    double fh = fmin(0.22 * rest, (l->compact ? 2.8 : 4.4) * F);
    l->filters = (struct figure_rect){x2, top + land_h, cw[2], fh};
    double ph = rest - fh;
    if (l->compact) {
        l->preds = (struct figure_rect){x2, top + land_h + fh, cw[2], ph};
        l->pred_cols = 6;
        l->pred_rows = 3;
    } else {
        double pw = 0.56 * cw[2];
        l->preds = (struct figure_rect){x2, top + land_h + fh, pw, ph};
        l->conf = (struct figure_rect){x2 + pw + 0.6 * F, top + land_h + fh,
                                       cw[2] - pw - 0.6 * F, ph};
        l->pred_cols = 6;
        l->pred_rows = 4;
    }
    if (d->toast[0]) {
        double tw = fmin(W - 2 * m, 60 * F);
        l->toast = (struct figure_rect){(W - tw) / 2, top + 0.5 * F, tw, 2.2 * F};
    }
}

void dash_layout_landscape(struct dash *d)
{
    dash_layout(d);
    struct dash_layout *l = &d->lay;
    double F = l->font, m = 0.8 * F;
    double top = l->subtitle_y > 0 ? l->subtitle_y + 0.9 * F : l->title_y > 0 ? l->title_y + 0.8 * F : m;
    struct figure_rect whole = {m, top, d->width - 2 * m, d->height - top - m};
    struct figure_rect none = {0, 0, 0, 0};
    l->loss = l->acc = l->lr = l->hist = l->wtime = l->filters = l->preds = l->conf = none;
    l->status = l->toast = none;
    l->land = whole;
}

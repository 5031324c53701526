/* theme.h: the two looks of a figure (scene key theme): every colour that is not data, and the
 * runners' palette, for draw/ (cairo) and gl/ alike. The colour maps are draw/colormap.h's. */
#ifndef OPTISCOPE_FIGURE_THEME_H
#define OPTISCOPE_FIGURE_THEME_H

#include "sim/scene.h"

struct figure_theme {
    double page[3];                 /* background around the plot */
    double ink[3];                  /* text, frames, axes */
    double ink_soft[3];             /* secondary text (details, subtitle, key hints) */
    double card[3];                 /* legend, loss-plot and help cards */
    double outline[3];              /* around trails and markers */
    double empty_plot[3];           /* a plot with no field */
    double backdrop3d[3];           /* behind the 3-D surface */
    double isoline_low[4];          /* isolines' RGBA on the map's low end (t < 0.62) */
    double isoline_high[4];         /* and on its high end */
    double isoline_gl[3];           /* the window's shaders mix isolines 42% towards this */
    double dash_back[3];            /* the CNN dashboard's page, between its white panels */
};

/* The theme's colours (static, never NULL; an unknown theme gives dark's). */
const struct figure_theme *figure_theme_of(enum scene_theme t);

/* Runner i's trail colour in theme t: dark: bright colours over a dark outline (reading on
 * viridis' purple, teal and yellow); light: Okabe and Ito's colour-blind-safe palette, dark
 * enough for a light map on a washed-out projector. */
void figure_theme_runner_rgb(enum scene_theme t, int i, double rgb[3]);

/* How much larger captions are in large-text mode (scene key large-text). */
#define FIGURE_LARGE_TEXT_SCALE 1.5

#endif

/* theme.c: the colours of the dark (default) and light (projector) themes. Dark is the look
 * the figures had before themes existed, value for value. */
#include "figure/theme.h"

#include "figure/figure.h"

static const struct figure_theme dark = {
    .page = {1.0, 1.0, 1.0},
    .ink = {0.13, 0.13, 0.16},
    .ink_soft = {0.36, 0.36, 0.40},
    .card = {1.0, 1.0, 1.0},
    .outline = {0.08, 0.06, 0.12},
    .empty_plot = {0.9, 0.9, 0.92},
    .backdrop3d = {0.96, 0.96, 0.97},
    .isoline_low = {1.0, 1.0, 1.0, 0.30},
    .isoline_high = {0.10, 0.10, 0.20, 0.30},
    .isoline_gl = {1.0, 1.0, 1.0},
    .dash_back = {0.965, 0.965, 0.97},
};

/* Paper white, near-black text (a projector washes grey text out), isolines dark on the whole
 * light map. */
static const struct figure_theme light = {
    .page = {1.0, 1.0, 1.0},
    .ink = {0.04, 0.04, 0.06},
    .ink_soft = {0.22, 0.22, 0.26},
    .card = {1.0, 1.0, 1.0},
    .outline = {0.10, 0.10, 0.12},
    .empty_plot = {0.93, 0.93, 0.93},
    .backdrop3d = {1.0, 1.0, 1.0},
    .isoline_low = {0.05, 0.08, 0.20, 0.28},
    .isoline_high = {0.20, 0.16, 0.05, 0.30},
    .isoline_gl = {0.30, 0.32, 0.40},   /* about what the cairo lines above look like */
    .dash_back = {1.0, 1.0, 1.0},
};

const struct figure_theme *figure_theme_of(enum scene_theme t)
{
    return t == SCENE_THEME_LIGHT ? &light : &dark;
}

/* Okabe & Ito (2008), "Color Universal Design": vermillion, blue, bluish green, reddish
 * purple, orange, sky blue, black, yellow; then a grey and a brown. Ordered so that the first
 * runners differ most for deuteranopes and protanopes too. */
static const double okabe_ito[][3] = {
    {0.835, 0.369, 0.000},   /* vermillion #D55E00 */
    {0.000, 0.447, 0.698},   /* blue #0072B2 */
    {0.000, 0.620, 0.451},   /* bluish green #009E73 */
    {0.800, 0.475, 0.655},   /* reddish purple #CC79A7 */
    {0.902, 0.624, 0.000},   /* orange #E69F00 */
    {0.337, 0.706, 0.914},   /* sky blue #56B4E9 */
    {0.100, 0.100, 0.100},   /* black #000000, lifted so its outline still shows */
    {0.941, 0.894, 0.259},   /* yellow #F0E442 */
    {0.500, 0.500, 0.500},   /* grey */
    {0.550, 0.340, 0.160},   /* brown */
};
#define NLIGHT ((int)(sizeof okabe_ito / sizeof okabe_ito[0]))

void figure_theme_runner_rgb(enum scene_theme t, int i, double rgb[3])
{
    if (t != SCENE_THEME_LIGHT) {
        figure_runner_rgb(i, rgb);
        return;
    }
    int k = ((i % NLIGHT) + NLIGHT) % NLIGHT;
    for (int c = 0; c < 3; c++) {
        rgb[c] = okabe_ito[k][c];
    }
}

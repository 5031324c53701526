/* test_colormap.c: the viridis-like map: its endpoints, lightness rising monotonically along it,
 * clamping outside [0, 1], and the packed form agreeing with the float form. */
#include <math.h>

#include "check.h"
#include "draw/colormap.h"

/* OKLab lightness of an sRGB colour: the perceptual brightness the map is built on. */
static double oklab_l(const double rgb[3])
{
    double lin[3];
    for (int c = 0; c < 3; c++) {
        double v = rgb[c];
        lin[c] = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
    }
    double l = cbrt(0.4122214708 * lin[0] + 0.5363325363 * lin[1] + 0.0514459929 * lin[2]);
    double m = cbrt(0.2119034982 * lin[0] + 0.6806995451 * lin[1] + 0.1073969566 * lin[2]);
    double s = cbrt(0.0883024619 * lin[0] + 0.2817188376 * lin[1] + 0.6299787005 * lin[2]);
    return 0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s;
}

static void test_endpoints(void)
{
    double rgb[3];
    draw_colormap(0.0, rgb);   /* viridis starts dark purple, #440154 */
    CHECK_NEAR(rgb[0], 0x44 / 255.0, 0.01);
    CHECK_NEAR(rgb[1], 0x01 / 255.0, 0.01);
    CHECK_NEAR(rgb[2], 0x54 / 255.0, 0.01);
    draw_colormap(1.0, rgb);   /* and ends yellow, #fde725 */
    CHECK_NEAR(rgb[0], 0xfd / 255.0, 0.01);
    CHECK_NEAR(rgb[1], 0xe7 / 255.0, 0.01);
    CHECK_NEAR(rgb[2], 0x25 / 255.0, 0.01);
    draw_colormap(0.5, rgb);   /* teal in the middle: green and blue above red */
    CHECK(rgb[1] > rgb[0] && rgb[2] > rgb[0]);
}

static void test_monotone_lightness(void)
{
    double prev = -1.0, first = 0.0, last = 0.0;
    int violations = 0;
    for (int k = 0; k <= 2000; k++) {
        double rgb[3];
        draw_colormap(k / 2000.0, rgb);
        double l = oklab_l(rgb);
        if (l <= prev) {
            violations++;
        }
        if (k == 0) {
            first = l;
        }
        last = l;
        prev = l;
        for (int ch = 0; ch < 3; ch++) {
            violations += !(rgb[ch] >= 0 && rgb[ch] <= 1);
        }
    }
    CHECK(violations == 0);
    CHECK(last - first > 0.5);   /* a wide lightness range, dark to bright */
    /* Roughly uniform: each tenth of the map adds a similar share of lightness. */
    double lo = 1.0, hi = 0.0;
    for (int k = 0; k < 10; k++) {
        double a[3], b[3];
        draw_colormap(k / 10.0, a);
        draw_colormap((k + 1) / 10.0, b);
        double d = oklab_l(b) - oklab_l(a);
        lo = fmin(lo, d);
        hi = fmax(hi, d);
    }
    CHECK(hi < 2.5 * lo);
}

static void test_clamping(void)
{
    double a[3], b[3];
    draw_colormap(-3.0, a);
    draw_colormap(0.0, b);
    CHECK(a[0] == b[0] && a[1] == b[1] && a[2] == b[2]);
    draw_colormap(7.0, a);
    draw_colormap(1.0, b);
    CHECK(a[0] == b[0] && a[1] == b[1] && a[2] == b[2]);
    draw_colormap(NAN, a);
    draw_colormap(0.0, b);
    CHECK(a[0] == b[0] && a[1] == b[1] && a[2] == b[2]);
    draw_colormap(INFINITY, a);
    draw_colormap(1.0, b);
    CHECK(a[0] == b[0] && a[1] == b[1] && a[2] == b[2]);
}

static void test_packed(void)
{
    for (int k = 0; k <= 20; k++) {
        double rgb[3];
        draw_colormap(k / 20.0, rgb);
        unsigned p = draw_colormap_rgb24(k / 20.0);
        CHECK_NEAR(((p >> 16) & 255) / 255.0, rgb[0], 0.5 / 255 + 1e-9);
        CHECK_NEAR(((p >> 8) & 255) / 255.0, rgb[1], 0.5 / 255 + 1e-9);
        CHECK_NEAR((p & 255) / 255.0, rgb[2], 0.5 / 255 + 1e-9);
        CHECK(p <= 0xFFFFFFu);
    }
}

int main(void)
{
    test_endpoints();
    test_monotone_lightness();
    test_clamping();
    test_packed();
    return check_done("colormap");
}

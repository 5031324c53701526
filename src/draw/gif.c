/* gif.c: animated GIF writer on giflib: a palette of the drawing's own colours plus a median cut
 * of a reference frame; each frame
 * mapped to it through a 15-bit colour cache, streamed to a temporary file and renamed. */
#include "draw/gif.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gif_lib.h>

#include "draw/colormap.h"
#include "draw/draw.h"
#include "sim/i18n.h"
#include "sim/util.h"

struct draw_gif {
    GifFileType *gif;          /* the open encoder (owns the file descriptor) */
    int width, height;         /* frame size in pixels */
    GifColorType palette[256]; /* the global colour table */
    uint8_t *prev;             /* (height, width) indices of the last frame written */
    bool has_prev;             /* prev holds a frame: only the changed rectangle is written */
    struct util_outfile out;   /* the temporary file, renamed into place at the end */
};

static void unpack(uint32_t px, int *r, int *g, int *b)
{
    /* ARGB32 is premultiplied; frames are opaque, so the channels are the colour */
    *r = (int)((px >> 16) & 0xff);
    *g = (int)((px >> 8) & 0xff);
    *b = (int)(px & 0xff);
}

struct draw_gif_pixels {
    int16_t cache[32768];      /* 5:5:5 colour -> palette index, -1 until first needed */
    uint8_t *idx;              /* (height, width) palette indices */
};

static int nearest(const struct draw_gif *g, int r, int gr, int b)
{
    int best = 0, best_d = 1 << 30;
    for (int i = 0; i < 256; i++) {
        int dr = r - g->palette[i].Red, dg = gr - g->palette[i].Green, db = b - g->palette[i].Blue;
        int d = 2 * dr * dr + 4 * dg * dg + 3 * db * db;
        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

static int lookup(const struct draw_gif *g, struct draw_gif_pixels *px, int r, int gr, int b)
{
    int key = ((r >> 3) << 10) | ((gr >> 3) << 5) | (b >> 3);
    if (px->cache[key] < 0) {
        /* the centre of the 5:5:5 cell stands for every colour in it */
        px->cache[key] = (int16_t)nearest(g, (r & ~7) | 4, (gr & ~7) | 4, (b & ~7) | 4);
    }
    return px->cache[key];
}

static void gif_error(char *err, size_t errlen, const char *path, int code)
{
    const char *what = GifErrorString(code);
    snprintf(err, errlen, _("%s: cannot write GIF: %s"), path, what ? what : _("unknown error"));
}

/* The palette: the colours the drawing code uses exactly (the colour map, every runner's trail
 * and text colour, greys for text and frames), then a median cut of the reference frame for
 * what blending makes (contour lines over the map, antialiased edges). */
static bool fit_palette(struct draw_gif *g, enum scene_theme theme, cairo_surface_t *ref)
{
    enum { MAP = 144, GREYS = 16, RUNNERS = 16, CUT = 256 - MAP - GREYS - 2 * RUNNERS };
    int n = 0;
    for (int i = 0; i < MAP; i++) {
        double rgb[3];
        draw_colormap_theme(theme, (double)i / (MAP - 1), rgb);
        g->palette[n++] = (GifColorType){(GifByteType)lround(rgb[0] * 255),
                                         (GifByteType)lround(rgb[1] * 255),
                                         (GifByteType)lround(rgb[2] * 255)};
    }
    for (int i = 0; i < GREYS; i++) {
        GifByteType v = (GifByteType)(i * 255 / (GREYS - 1));
        g->palette[n++] = (GifColorType){v, v, v};
    }
    for (int i = 0; i < RUNNERS; i++) {
        double rgb[3], txt[3];
        draw_theme_runner_color(theme, i, rgb);
        draw_theme_runner_text_color(theme, i, txt);
        g->palette[n++] = (GifColorType){(GifByteType)lround(rgb[0] * 255),
                                         (GifByteType)lround(rgb[1] * 255),
                                         (GifByteType)lround(rgb[2] * 255)};
        g->palette[n++] = (GifColorType){(GifByteType)lround(txt[0] * 255),
                                         (GifByteType)lround(txt[1] * 255),
                                         (GifByteType)lround(txt[2] * 255)};
    }
    cairo_surface_flush(ref);
    const uint8_t *data = cairo_image_surface_get_data(ref);
    int stride = cairo_image_surface_get_stride(ref);
    size_t npx = (size_t)g->width * (size_t)g->height;
    GifByteType *rp = xmalloc(npx), *gp = xmalloc(npx), *bp = xmalloc(npx), *out = xmalloc(npx);
    for (int y = 0; y < g->height; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * stride);
        for (int x = 0; x < g->width; x++) {
            int r, gr, b;
            unpack(row[x], &r, &gr, &b);
            size_t i = (size_t)y * g->width + x;
            rp[i] = (GifByteType)r;
            gp[i] = (GifByteType)gr;
            bp[i] = (GifByteType)b;
        }
    }
    int size = CUT;
    bool ok = GifQuantizeBuffer((unsigned)g->width, (unsigned)g->height, &size, rp, gp, bp, out,
                                g->palette + n) == GIF_OK;
    for (int i = n + size; i < 256; i++) {
        g->palette[i] = g->palette[0];
    }
    free(rp);
    free(gp);
    free(bp);
    free(out);
    return ok;
}

/* giflib's output callback: the bytes go to the temporary file. */
static int write_out(GifFileType *gif, const GifByteType *bytes, int n)
{
    return (int)fwrite(bytes, 1, (size_t)n, (FILE *)gif->UserData);
}

struct draw_gif *draw_gif_begin(const char *path, int width, int height, enum scene_theme theme,
                                cairo_surface_t *reference, char *err, size_t errlen)
{
    struct draw_gif *g = xcalloc(1, sizeof *g);
    g->width = width;
    g->height = height;
    if (!fit_palette(g, theme, reference)) {
        snprintf(err, errlen, _("%s: cannot build a GIF palette"), path);
        free(g);
        return NULL;
    }
    if (!util_outfile_open(&g->out, path, err, errlen)) {
        free(g);
        return NULL;
    }
    int code = 0;
    g->gif = EGifOpen(g->out.f, write_out, &code);
    if (!g->gif) {
        gif_error(err, errlen, path, code);
        util_outfile_abort(&g->out);
        free(g);
        return NULL;
    }
    EGifSetGifVersion(g->gif, true);
    ColorMapObject *map = GifMakeMapObject(256, g->palette);
    bool ok = map && EGifPutScreenDesc(g->gif, width, height, 8, 0, map) == GIF_OK;
    GifFreeMapObject(map);
    /* NETSCAPE2.0: loop forever */
    static const GifByteType loop[3] = {1, 0, 0};
    ok = ok && EGifPutExtensionLeader(g->gif, APPLICATION_EXT_FUNC_CODE) == GIF_OK &&
         EGifPutExtensionBlock(g->gif, 11, "NETSCAPE2.0") == GIF_OK &&
         EGifPutExtensionBlock(g->gif, 3, loop) == GIF_OK &&
         EGifPutExtensionTrailer(g->gif) == GIF_OK;
    if (!ok) {
        gif_error(err, errlen, path, g->gif->Error);
        draw_gif_abort(g);
        return NULL;
    }
    g->prev = xmalloc((size_t)width * (size_t)height);
    return g;
}

struct draw_gif_pixels *draw_gif_pixels_new(const struct draw_gif *g)
{
    struct draw_gif_pixels *px = xmalloc(sizeof *px);
    memset(px->cache, 0xff, sizeof px->cache);
    px->idx = xmalloc((size_t)g->width * (size_t)g->height);
    return px;
}

void draw_gif_pixels_free(struct draw_gif_pixels *px)
{
    if (px) {
        free(px->idx);
        free(px);
    }
}

void draw_gif_map(const struct draw_gif *g, struct draw_gif_pixels *px, cairo_surface_t *frame)
{
    cairo_surface_flush(frame);
    const uint8_t *data = cairo_image_surface_get_data(frame);
    int stride = cairo_image_surface_get_stride(frame);
    int w = g->width, h = g->height;
    for (int y = 0; y < h; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * stride);
        uint8_t *out = px->idx + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            int r, gr, b;
            unpack(row[x], &r, &gr, &b);
            out[x] = (uint8_t)lookup(g, px, r, gr, b);
        }
    }
}

bool draw_gif_put(struct draw_gif *g, struct draw_gif_pixels *px, int delay_cs, char *err,
                  size_t errlen)
{
    int w = g->width, h = g->height;
    uint8_t *cur = px->idx;   /* giflib masks each line in place */
    /* Frames are drawn over the previous one (DISPOSE_DO_NOT), so only the rectangle that
     * changed is written: the surface stays, the trails grow. */
    int x0 = 0, y0 = 0, x1 = w - 1, y1 = h - 1;
    if (g->has_prev) {
        x0 = w;
        y0 = h;
        x1 = -1;
        y1 = -1;
        for (int y = 0; y < h; y++) {
            const uint8_t *a = cur + (size_t)y * w, *b = g->prev + (size_t)y * w;
            if (!memcmp(a, b, (size_t)w)) {
                continue;
            }
            y0 = y < y0 ? y : y0;
            y1 = y;
            for (int x = 0; x < w; x++) {
                if (a[x] != b[x]) {
                    x0 = x < x0 ? x : x0;
                    x1 = x > x1 ? x : x1;
                }
            }
        }
        if (x1 < 0) {
            x0 = y0 = x1 = y1 = 0;   /* nothing changed: a 1x1 frame keeps the timing */
        }
    }
    GraphicsControlBlock gcb = {
        .DisposalMode = DISPOSE_DO_NOT,
        .UserInputFlag = false,
        .DelayTime = delay_cs,
        .TransparentColor = NO_TRANSPARENT_COLOR,
    };
    GifByteType ext[4];
    EGifGCBToExtension(&gcb, ext);
    if (EGifPutExtension(g->gif, GRAPHICS_EXT_FUNC_CODE, 4, ext) != GIF_OK ||
        EGifPutImageDesc(g->gif, x0, y0, x1 - x0 + 1, y1 - y0 + 1, false, NULL) != GIF_OK) {
        gif_error(err, errlen, g->out.path, g->gif->Error);
        return false;
    }
    for (int y = y0; y <= y1; y++) {
        if (EGifPutLine(g->gif, cur + (size_t)y * w + x0, x1 - x0 + 1) != GIF_OK) {
            gif_error(err, errlen, g->out.path, g->gif->Error);
            return false;
        }
    }
    memcpy(g->prev, cur, (size_t)w * (size_t)h);
    g->has_prev = true;
    return true;
}

bool draw_gif_end(struct draw_gif *g, char *err, size_t errlen)
{
    int code = 0;
    bool ok = EGifCloseFile(g->gif, &code) == GIF_OK;   /* leaves the FILE open */
    g->gif = NULL;
    if (!ok) {
        gif_error(err, errlen, g->out.path, code);
        util_outfile_abort(&g->out);
    } else {
        ok = util_outfile_commit(&g->out, err, errlen);
    }
    free(g->prev);
    free(g);
    return ok;
}

void draw_gif_abort(struct draw_gif *g)
{
    if (!g) {
        return;
    }
    if (g->gif) {
        int code;
        EGifCloseFile(g->gif, &code);
    }
    util_outfile_abort(&g->out);
    free(g->prev);
    free(g);
}

/* export.c: writes a figure to PNG, SVG or PDF, chosen by the file's extension, through a
 * temporary file in the same directory that is renamed into place only when complete. */
#include "draw/draw.h"
#include "sim/i18n.h"
#include "sim/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>

/* ------------------------------------------------------------------ output stream */

enum export_kind { EXPORT_PNG, EXPORT_SVG, EXPORT_PDF };

struct sink {
    FILE *fp;          /* the temporary file */
    int err;           /* first errno seen while writing, 0 if none */
};

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int length)
{
    struct sink *s = closure;
    if (s->err) {
        return CAIRO_STATUS_WRITE_ERROR;
    }
    if (fwrite(data, 1, length, s->fp) != length) {
        s->err = errno ? errno : EIO;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ export */

static bool kind_of(const char *path, enum export_kind *kind, const char **ext)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    *ext = dot ? dot : "";
    if (!dot) {
        return false;
    }
    if (strcasecmp(dot, ".png") == 0) {
        *kind = EXPORT_PNG;
    } else if (strcasecmp(dot, ".svg") == 0) {
        *kind = EXPORT_SVG;
    } else if (strcasecmp(dot, ".pdf") == 0) {
        *kind = EXPORT_PDF;
    } else {
        return false;
    }
    return true;
}

/* Draws the figure into s's file in the chosen format. False on a cairo or write error, with
 * the message in err. */
static bool render_to(struct sink *s, enum export_kind kind, int width, int height,
                      void (*paint)(cairo_t *cr, const void *ud), const void *ud,
                      const char *path, char *err, size_t errlen)
{
    cairo_surface_t *surf;
    if (kind == EXPORT_PNG) {
        surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    } else if (kind == EXPORT_SVG) {
        surf = cairo_svg_surface_create_for_stream(sink_write, s, width, height);
    } else {
        surf = cairo_pdf_surface_create_for_stream(sink_write, s, width, height);
    }
    cairo_t *cr = cairo_create(surf);
    paint(cr, ud);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    if (st == CAIRO_STATUS_SUCCESS && kind == EXPORT_PNG) {
        st = cairo_surface_write_to_png_stream(surf, sink_write, s);
    }
    cairo_surface_finish(surf);   /* vector surfaces write their tail here */
    if (st == CAIRO_STATUS_SUCCESS) {
        st = cairo_surface_status(surf);
    }
    cairo_surface_destroy(surf);
    if (s->err) {
        snprintf(err, errlen, _("cannot write '%s': %s"), path, strerror(s->err));
        return false;
    }
    if (st != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, _("cannot write '%s': %s"), path, cairo_status_to_string(st));
        return false;
    }
    return true;
}

bool draw_export_paint(const char *path, int width, int height,
                       void (*paint)(cairo_t *cr, const void *ud), const void *ud, char *err,
                       size_t errlen)
{
    char dummy[8];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    enum export_kind kind = EXPORT_PNG;
    const char *ext;
    if (!path || !path[0]) {
        snprintf(err, errlen, _("no output file given"));
        return false;
    }
    if (!kind_of(path, &kind, &ext)) {
        if (ext[0]) {
            snprintf(err, errlen, _("'%s': unknown extension '%s' (use .png, .svg or .pdf)"), path,
                     ext);
        } else {
            snprintf(err, errlen, _("'%s': no extension (use .png, .svg or .pdf)"), path);
        }
        return false;
    }
    if (width < 16 || height < 16 || width > 16384 || height > 16384) {
        snprintf(err, errlen, _("'%s': size %dx%d out of range (16 to 16384)"), path, width,
                 height);
        return false;
    }

    struct util_outfile out;
    if (!util_outfile_open(&out, path, err, errlen)) {
        return false;
    }
    struct sink s = {out.f, 0};
    if (!render_to(&s, kind, width, height, paint, ud, path, err, errlen)) {
        util_outfile_abort(&out);
        return false;
    }
    return util_outfile_commit(&out, err, errlen);
}

static void paint_figure(cairo_t *cr, const void *fig)
{
    draw_figure(cr, fig);
}

bool draw_export(const char *path, const struct figure *fig, char *err, size_t errlen)
{
    return draw_export_paint(path, fig->width, fig->height, paint_figure, fig, err, errlen);
}

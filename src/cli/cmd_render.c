/* cmd_render.c: `optiscope render`: the race drawn headless to PNG, SVG or PDF through the same
 * cairo drawing code the window uses. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/render_common.h"
#include "draw/draw.h"
#include "draw/gif.h"
#include "sim/race.h"
#include "sim/util.h"

bool render_check_output(const char *path, char *err, size_t errlen)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash) ||
        (strcmp(dot, ".png") && strcmp(dot, ".svg") && strcmp(dot, ".pdf") &&
         strcmp(dot, ".gif"))) {
        snprintf(err, errlen, "%s: unknown output format '%s' (use .png, .svg, .pdf or .gif)",
                 path,
                 dot && !(slash && dot < slash) ? dot : "");
        return false;
    }
    char dir[4096];
    if (slash) {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir) {
            snprintf(err, errlen, "%s: path too long", path);
            return false;
        }
        memcpy(dir, path, n);
        dir[n] = '\0';
        if (n == 0) {
            snprintf(dir, sizeof dir, "/");
        }
    } else {
        snprintf(dir, sizeof dir, ".");
    }
    if (access(dir, W_OK) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        return false;
    }
    return true;
}

bool render_parse_size(const char *s, int *w, int *h)
{
    char x;
    int a, b;
    char extra;
    if (sscanf(s, "%d%c%d%c", &a, &x, &b, &extra) != 3 || (x != 'x' && x != 'X') || a < 16 ||
        b < 16 || a > 16384 || b > 16384) {
        return false;
    }
    *w = a;
    *h = b;
    return true;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* An animated GIF of the race growing: the palette comes from the last frame (which holds
 * every trail colour), so the race runs twice; the same seed makes both runs identical. */
static bool export_gif(const char *prefix, struct race *race, struct draw_figure *fig, long steps,
                       const char *path, int width, int height, char *err, size_t errlen)
{
    enum { FRAMES = 60, DELAY_CS = 6, HOLD_CS = 300 };
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "%s: cannot allocate a %dx%d frame", path, width, height);
        cairo_surface_destroy(img);
        return false;
    }
    cairo_t *cr = cairo_create(img);
    long done = 0;
    race_run(race, &done, steps, stderr, prefix);
    draw_figure(cr, width, height, fig);
    struct draw_gif *gif = draw_gif_begin(path, width, height, img, err, errlen);
    bool ok = gif != NULL;
    race_reset(race, race->start);
    done = 0;
    long frames = steps < FRAMES ? steps : FRAMES;
    for (long k = 0; ok && k <= frames; k++) {
        race_run(race, &done, frames ? steps * k / frames : 0, NULL, NULL);
        draw_figure(cr, width, height, fig);
        ok = draw_gif_frame(gif, img, k == frames ? HOLD_CS : DELAY_CS, err, errlen);
    }
    if (ok) {
        ok = draw_gif_end(gif, err, errlen);
    } else {
        draw_gif_abort(gif);
    }
    cairo_destroy(cr);
    cairo_surface_destroy(img);
    return ok;
}

int render_scene_to_file(const char *cmd, struct scene *scene, const char *path, int width,
                         int height)
{
    char err[1024];
    struct scene_resolved res;
    if (!scene_resolve(scene, &res, err, sizeof err)) {
        cli_error(cmd, "%s", err);
        return 2;
    }
    struct race *race = xmalloc(sizeof *race);
    scene_make_race(scene, &res, race);
    char title[256];
    if (scene->title[0]) {
        snprintf(title, sizeof title, "%s", scene->title);
    } else if (res.entry) {
        snprintf(title, sizeof title, "%s", res.entry->name);
    } else {
        snprintf(title, sizeof title, "f = %s", scene->expr);
    }
    struct draw_figure fig = {
        .race = race,
        .view = {res.domain[0], res.domain[1], res.domain[2], res.domain[3]},
        .log_scale = res.log_scale,
        .contours = true,
        .trails = true,
        .legend = true,
        .inset = true,
        .axes = true,
        .minima = true,
        .nminima = res.nminima,
        .title = title,
        .font_scale = 1.0,
        .highlight = -1,
    };
    memcpy(fig.minima_xy, res.minima, sizeof fig.minima_xy);
    char prefix[64];   /* for divergence reports: "optiscope render" */
    snprintf(prefix, sizeof prefix, "optiscope %s", cmd);
    bool ok;
    if (has_suffix(path, ".gif")) {
        ok = export_gif(prefix, race, &fig, scene->steps, path, width, height, err, sizeof err);
    } else {
        long done = 0;
        race_run(race, &done, scene->steps, stderr, prefix);
        ok = draw_export(path, width, height, &fig, err, sizeof err);
    }
    if (!ok) {
        cli_error(cmd, "%s", err);
    }
    race_finish(race);
    free(race);
    scene_resolved_finish(&res);
    return ok ? 0 : 2;
}

int cmd_render(int argc, char **argv)
{
    struct scene scene;
    scene_init(&scene);
    const char *output = NULL, *size = NULL, *view = NULL;
    const struct cli_extra extras[] = {
        {"-o", "--output", true, &output},
        {"--size", NULL, true, &size},
        {"--view", NULL, true, &view},
        {0},
    };
    bool help;
    int status = 2;
    if (!cli_parse_scene(argc, argv, &scene, extras, &help)) {
        goto out;
    }
    if (help) {
        printf("usage: optiscope render [SCENE OPTIONS] -o FILE.png|.svg|.pdf|.gif "
               "[--size WxH]\n"
               "Runs the race for --steps steps and draws the surface, every optimizer's\n"
               "path, the minima, a legend and a loss-per-step inset. A .gif animates the\n"
               "race in 60 frames and holds the last one.\n\n");
        cli_print_scene_help(stdout);
        printf("  -o, --output FILE      the figure; the extension picks the format\n"
               "  --size WxH             pixels for PNG and GIF, points for SVG/PDF (default "
               "1600x1000;\n"
               "                         1000x625 for GIF)\n"
               "  --view 2d|3d           which view (default 2d)\n");
        status = 0;
        goto out;
    }
    if (!output) {
        cli_error("render", "missing -o FILE (.png, .svg, .pdf or .gif)");
        goto out;
    }
    int w = 1600, h = 1000;
    if (has_suffix(output, ".gif")) {
        w = 1000;
        h = 625;
    }
    if (size && !render_parse_size(size, &w, &h)) {
        cli_error("render", "--size: expected WIDTHxHEIGHT between 16 and 16384, got '%s'",
                  size);
        goto out;
    }
    if (view && strcmp(view, "2d") && strcmp(view, "3d")) {
        cli_error("render", "--view: expected 2d or 3d, got '%s'", view);
        goto out;
    }
    if (view && !strcmp(view, "3d")) {
        status = render_gl_png("render", &scene, output, w, h, true);
        if (status == 0) {
            printf("%s\n", output);
        }
        goto out;
    }
    char err[1024];
    if (!render_check_output(output, err, sizeof err)) {
        cli_error("render", "%s", err);
        goto out;
    }
    status = render_scene_to_file("render", &scene, output, w, h);
    if (status == 0) {
        printf("%s\n", output);
    }
out:
    scene_finish(&scene);
    return status;
}

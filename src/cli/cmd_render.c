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
#include "sim/race.h"

bool render_check_output(const char *path, char *err, size_t errlen)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash) ||
        (strcmp(dot, ".png") && strcmp(dot, ".svg") && strcmp(dot, ".pdf"))) {
        snprintf(err, errlen, "%s: unknown output format '%s' (use .png, .svg or .pdf)", path,
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

int render_scene_to_file(const char *cmd, struct scene *scene, const char *path, int width,
                         int height)
{
    char err[1024];
    struct scene_resolved res;
    if (!scene_resolve(scene, &res, err, sizeof err)) {
        cli_error(cmd, "%s", err);
        return 2;
    }
    struct race *race = malloc(sizeof *race);
    if (!race) {
        scene_resolved_finish(&res);
        cli_error(cmd, "out of memory");
        return 1;
    }
    scene_make_race(scene, &res, race);
    for (long s = 0; s < scene->steps && race_active(race) > 0; s++) {
        unsigned diverged = race_step(race);
        for (int i = 0; diverged && i < race->n; i++) {
            if (diverged & (1u << i)) {
                fprintf(stderr, "optiscope %s: %s diverged at step %ld\n", cmd,
                        race->r[i].label, race->r[i].diverged_step);
            }
        }
    }
    char title[256];
    if (scene->title[0]) {
        snprintf(title, sizeof title, "%s", scene->title);
    } else {
        snprintf(title, sizeof title, "%s", res.entry ? res.entry->name : res.name);
        if (!res.entry) {
            snprintf(title, sizeof title, "f = %s", scene->expr);
        }
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
    int status = 0;
    if (!draw_export(path, width, height, &fig, err, sizeof err)) {
        cli_error(cmd, "%s", err);
        status = 2;
    }
    race_finish(race);
    free(race);
    scene_resolved_finish(&res);
    return status;
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
        printf("usage: optiscope render [SCENE OPTIONS] -o FILE.png|.svg|.pdf [--size WxH]\n"
               "Runs the race for --steps steps and draws the surface, every optimizer's\n"
               "path, the minima, a legend and a loss-per-step inset.\n\n");
        cli_print_scene_help(stdout);
        printf("  -o, --output FILE      the figure; the extension picks the format\n"
               "  --size WxH             pixels for PNG, points for SVG/PDF (default "
               "1600x1000)\n"
               "  --view 2d|3d           which view (default 2d)\n");
        status = 0;
        goto out;
    }
    if (!output) {
        cli_error("render", "missing -o FILE (.png, .svg or .pdf)");
        goto out;
    }
    int w = 1600, h = 1000;
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

/* cmd_render.c: `optiscope render`: the session's figure drawn headless to PNG, SVG, PDF or an
 * animated GIF: the same figure, in the same layout, that the window shows. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/render_common.h"
#include "session/session.h"
#include "sim/i18n.h"
#include "sim/util.h"

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

int cmd_render(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--cnn")) {
            return cmd_render_cnn(argc, argv);
        }
    }
    struct scene scene;
    scene_init(&scene);
    const char *output = NULL, *size = NULL;
    /* --view 2d|3d is the scene key `view` (a scene saved in 3-D renders in 3-D). */
    const struct cli_extra extras[] = {
        {"-o", "--output", true, &output},
        {"--size", NULL, true, &size},
        {0},
    };
    bool help;
    int status = 2;
    if (!cli_parse_scene(argc, argv, &scene, extras, &help)) {
        goto out;
    }
    if (help) {
        printf(_("usage: optiscope render [SCENE OPTIONS] -o FILE.png|.svg|.pdf|.gif "
               "[--size WxH]\n"
               "Runs the race for --steps steps and draws the surface, every optimizer's\n"
               "path, the minima, a legend and a loss-per-step inset. A .gif animates the\n"
               "race in 60 frames and holds the last one.\n\n"));
        cli_print_scene_help(stdout);
        printf(_("  -o, --output FILE      the figure; the extension picks the format\n"
               "  --size WxH             pixels for PNG and GIF, points for SVG/PDF (default "
               "1600x1000;\n"
               "                         1000x625 for GIF)\n"
               "  --cnn                  the CNN dashboard instead (`render --cnn --help`)\n"));
        status = 0;
        goto out;
    }
    if (!output) {
        cli_error("render", _("missing -o FILE (.png, .svg, .pdf or .gif)"));
        goto out;
    }
    int w = 1600, h = 1000;
    if (has_suffix(output, ".gif")) {
        w = 1000;
        h = 625;
    }
    if (size && !render_parse_size(size, &w, &h)) {
        cli_error("render", _("--size: expected WIDTHxHEIGHT between 16 and 16384, got '%s'"),
                  size);
        goto out;
    }
    if (scene.view == SCENE_VIEW_3D) {
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

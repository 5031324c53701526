/* cmd_view.c: `optiscope view` (and plain `optiscope`): the interactive window. Without a
 * display or OpenGL 3.3 it says what is missing, renders the scene headless to a PNG instead
 * (printing where it went) and exits non-zero. Also the GL path of `render --view 3d`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "app/app.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/render_common.h"
#include "sim/i18n.h"
#include "sim/util.h"

#define MAX_PRESETS 64

int cmd_view(int argc, char **argv)
{
    struct scene scene;
    scene_init(&scene);
    const char *shot_dir = NULL, *size = NULL, *paused = NULL, *frames = NULL, *stats = NULL;
    const struct cli_extra extras[] = {
        {"--shot-dir", NULL, true, &shot_dir},
        {"--size", NULL, true, &size},
        {"--paused", NULL, false, &paused},
        {"--frames", NULL, true, &frames},
        {"--stats", NULL, false, &stats},
        {0},
    };
    bool help;
    int status = 2;
    bool cnn = false;
    for (int i = 1; i < argc; i++) {
        cnn |= !strcmp(argv[i], "--cnn");
    }
    if (!cnn && !cli_scene_given(argc, argv, extras)) {
        /* The default demo: eight optimizers into Beale's narrow valley. */
        char path[4096], err[512];
        if (cli_preset_path("beale", path, sizeof path, err, sizeof err) &&
            !scene_load_file(&scene, path, err, sizeof err)) {
            cli_error("view", "%s", err);
            goto out;
        }
    }
    if (cnn) {
        /* the toy mode (N) of `view --cnn` gets the default demo */
        char path[4096], err[512];
        if (!cli_preset_path("beale", path, sizeof path, err, sizeof err) ||
            !scene_load_file(&scene, path, err, sizeof err)) {
            cli_error("view", "%s", err);
            goto out;
        }
        goto options;
    }
    if (!cli_parse_scene(argc, argv, &scene, extras, &help)) {
        goto out;
    }
    if (help) {
        printf(_("usage: optiscope view [SCENE OPTIONS] [--shot-dir DIR] [--size WxH] [--paused]\n"
               "                      [--view 2d|3d]\n"
               "Opens a window and runs the race live; press H in it for every key.\n"
               "Without a display it says so, renders the scene to\n"
               "optiscope-YYYYmmdd-HHMMSS.png in the current folder or --shot-dir, and exits 1.\n"
               "\n"));
        cli_print_scene_help(stdout);
        printf(_("  --shot-dir DIR         where S saves screenshots (default: current folder)\n"
               "  --size WxH             initial window size (default 1280x800)\n"
               "  --paused               start paused\n"
               "  --frames N             quit after N frames (tests, benchmarks)\n"
               "  --stats                print first-frame time and frame statistics\n"
               "  --cnn                  open in the CNN mode (`view --cnn --help`)\n"));
        status = 0;
        goto out;
    }
    struct stat st;
    if (shot_dir && (stat(shot_dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        cli_error("view", _("--shot-dir: '%s' is not a folder"), shot_dir);
        goto out;
    }
    int w = 1280, h = 800;
    if (size && !render_parse_size(size, &w, &h)) {
        cli_error("view", _("--size: expected WIDTHxHEIGHT between 16 and 16384, got '%s'"), size);
        goto out;
    }
    long nframes = 0;
    if (frames && !util_parse_long(frames, 1, 100000000, &nframes)) {
        cli_error("view", _("--frames: expected a positive whole number, got '%s'"), frames);
        goto out;
    }
    /* Bad scene input is reported before any window opens. */
    char err[4600];
    struct scene_resolved res;
    if (!scene_resolve(&scene, &res, err, sizeof err)) {
        cli_error("view", "%s", err);
        goto out;
    }
    scene_resolved_finish(&res);

options:;
    char shaders[4200], preset_dir[4200] = "";
    char names[MAX_PRESETS][64];
    const char *name_ptrs[MAX_PRESETS];
    int npresets = cli_preset_names(names, MAX_PRESETS);
    for (int i = 0; i < npresets; i++) {
        name_ptrs[i] = names[i];
    }
    if (cli_datadir()) {
        snprintf(preset_dir, sizeof preset_dir, "%s/presets", cli_datadir());
    }
    enum app_status as = APP_FAILED;
    if (cnn) {
        if (!render_find_shaders("view", shaders, sizeof shaders)) {
            status = 1;
            goto out;
        }
        struct app_options base = {
            .scene = &scene, .shader_dir = shaders,
            .preset_dir = preset_dir[0] ? preset_dir : NULL, .presets = name_ptrs,
            .npresets = npresets, .width = 1280, .height = 800};
        status = cmd_view_cnn(argc, argv, &base);
        goto out;
    }
    if (render_find_shaders("view", shaders, sizeof shaders)) {
        struct app_options o = {
            .scene = &scene,
            .shader_dir = shaders,
            .preset_dir = preset_dir[0] ? preset_dir : NULL,
            .presets = name_ptrs,
            .npresets = npresets,
            .shot_dir = shot_dir,
            .width = w,
            .height = h,
            .paused = paused != NULL,
            .view3d = scene.view == SCENE_VIEW_3D,
            .frames = nframes,
            .stats = stats != NULL,
        };
        as = app_run(&o, err, sizeof err);
    } else {
        status = 1;
        goto out;
    }
    if (as == APP_OK) {
        status = 0;
        goto out;
    }
    cli_error("view", "%s", err);
    status = 1;
    if (as == APP_FAILED) {
        goto out;
    }
    fprintf(stderr, _("optiscope view: the interactive window needs a display with OpenGL 3.3; "
            "`optiscope render -o FIGURE.png` (add --view 3d for the surface) draws the same "
            "scene without one. Rendering this scene headless now.\n"));
    char name[64], path[4200];
    time_t now = time(NULL);
    strftime(name, sizeof name, "optiscope-%Y%m%d-%H%M%S.png", localtime(&now));
    snprintf(path, sizeof path, "%s/%s", shot_dir ? shot_dir : ".", name);
    if (render_scene_to_file("view", &scene, path, 1600, 1000) == 0) {
        printf(_("rendered %s\n"), path);
    }
out:
    scene_finish(&scene);
    return status;
}

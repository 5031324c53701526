/* cmd_view.c: `optiscope view` (and plain `optiscope`). This build has no window layer yet,
 * so the scene is rendered headless to a PNG in the current folder (or --shot-dir) and the
 * path is printed, the same fallback the window takes when there is no display. */
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/render_common.h"

int cmd_view(int argc, char **argv)
{
    struct scene scene;
    scene_init(&scene);
    const char *shot_dir = NULL;
    const struct cli_extra extras[] = {
        {"--shot-dir", NULL, true, &shot_dir},
        {0},
    };
    bool help;
    int status = 2;
    bool has_scene = false;
    for (int i = 1; i < argc; i++) {
        has_scene |= !strncmp(argv[i], "--scene", 7) || !strncmp(argv[i], "--preset", 8);
    }
    if (!has_scene) {
        /* The default demo. */
        char path[4096], err[512];
        if (cli_preset_path("beale", path, sizeof path, err, sizeof err) &&
            !scene_load_file(&scene, path, err, sizeof err)) {
            cli_error("view", "%s", err);
            goto out;
        }
    }
    if (!cli_parse_scene(argc, argv, &scene, extras, &help)) {
        goto out;
    }
    if (help) {
        printf("usage: optiscope view [SCENE OPTIONS] [--shot-dir DIR]\n"
               "Shows the race. Without a window (this build, or no display) it renders the\n"
               "scene to optiscope-YYYYmmdd-HHMMSS.png in the current folder or --shot-dir.\n\n");
        cli_print_scene_help(stdout);
        status = 0;
        goto out;
    }
    char name[64], path[4096];
    time_t now = time(NULL);
    strftime(name, sizeof name, "optiscope-%Y%m%d-%H%M%S.png", localtime(&now));
    snprintf(path, sizeof path, "%s/%s", shot_dir ? shot_dir : ".", name);
    fprintf(stderr, "optiscope: no interactive window in this build; rendering the scene "
            "headless instead\n");
    status = render_scene_to_file("view", &scene, path, 1600, 1000);
    if (status == 0) {
        printf("rendered %s\n", path);
    }
out:
    scene_finish(&scene);
    return status;
}

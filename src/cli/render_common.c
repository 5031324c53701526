/* render_common.c: the headless figure paths shared by `render` and the window's no-display
 * fallback: checking where a figure can go, sizes, the session's figure to a file, and the GL
 * path (EGL) for the 3-D view. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "cli/cli.h"
#include "cli/render_common.h"
#include "session/session.h"
#include "sim/i18n.h"
#include "sim/util.h"

bool render_check_output(const char *path, char *err, size_t errlen)
{
    if (!path[0]) {
        return util_outfile_check(path, err, errlen);   /* "the output path is empty" */
    }
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash) ||
        (strcmp(dot, ".png") && strcmp(dot, ".svg") && strcmp(dot, ".pdf") &&
         strcmp(dot, ".gif"))) {
        snprintf(err, errlen, _("%s: unknown output format '%s' (use .png, .svg, .pdf or .gif)"),
                 path,
                 dot && !(slash && dot < slash) ? dot : "");
        return false;
    }
    return util_outfile_check(path, err, errlen);
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

int render_scene_to_file(const char *cmd, struct scene *scene, const char *path, int width,
                         int height)
{
    char err[1024];
    struct session *s = xmalloc(sizeof *s);
    struct session_desc d = {.scene = scene, .paused = true};
    if (!session_init(s, &d, err, sizeof err)) {
        cli_error(cmd, "%s", err);
        free(s);
        return 2;
    }
    s->view3d = false;   /* cairo draws the 2-D figure (render sends 3-D scenes to GL) */
    char prefix[64];   /* for divergence reports: "optiscope render" */
    snprintf(prefix, sizeof prefix, "optiscope %s", cmd);
    bool ok;
    if (has_suffix(path, ".gif")) {
        ok = session_export_gif(s, path, width, height, stderr, prefix, err, sizeof err);
    } else {
        session_run_to_target(s, stderr, prefix);
        ok = session_export(s, path, width, height, SESSION_FOR_EXPORT, 0.0, err, sizeof err);
    }
    if (!ok) {
        cli_error(cmd, "%s", err);   /* the path was checked before: the write itself failed */
    }
    session_finish(s);
    free(s);
    return ok ? 0 : 1;
}

bool render_find_shaders(const char *cmd, char *dir, size_t len)
{
    const char *data = cli_datadir();
    if (!app_shader_dir(data, dir, len)) {
        cli_error(cmd, _("cannot find the shaders (looked in %s/shaders; set OPTISCOPE_DATA to "
                  "the folder holding presets/ and shaders/)"), data ? data : "(no data folder)");
        return false;
    }
    return true;
}

int render_gl_png(const char *cmd, struct scene *scene, const char *path, int width,
                  int height, bool view3d)
{
    const char *dot = strrchr(path, '.');
    char err[4600];
    if (!path[0] || !dot || strcmp(dot, ".png")) {
        if (!path[0]) {
            util_outfile_check(path, err, sizeof err);
            cli_error(cmd, "%s", err);
        } else {
            cli_error(cmd, _("--view 3d draws PNG only: '%s' does not end in .png (add --view 2d "
                      "for the 2-D figure as SVG, PDF or GIF)"), path);
        }
        return 2;
    }
    if (!util_outfile_check(path, err, sizeof err)) {
        cli_error(cmd, "%s", err);
        return 2;
    }
    struct scene_resolved res;
    if (!scene_resolve(scene, &res, err, sizeof err)) {
        cli_error(cmd, "%s", err);
        return 2;
    }
    scene_resolved_finish(&res);
    char shaders[4200];
    if (!render_find_shaders(cmd, shaders, sizeof shaders)) {
        return 1;
    }
    if (!app_render_png(scene, shaders, path, width, height, view3d, err, sizeof err)) {
        cli_error(cmd, "%s", err);
        return 1;
    }
    return 0;
}


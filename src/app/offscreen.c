/* offscreen.c: the window's frame drawn headless, for `optiscope render --view 3d` (and 2d
 * through GL): EGL surfaceless context, an offscreen framebuffer, the same view code. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "app/app.h"
#include "app/view.h"
#include "sim/i18n.h"
#include "sim/util.h"

bool app_render_png(const struct scene *scene, const char *shader_dir, const char *path,
                    int width, int height, bool view3d, char *err, size_t errlen)
{
    struct gl_headless *hl = gl_headless_create(err, errlen);
    if (!hl) {
        return false;
    }
    struct gl_target target;
    if (!gl_target_init(&target, width, height, err, errlen)) {
        gl_headless_destroy(hl);
        return false;
    }
    struct session *sess = xmalloc(sizeof *sess);
    struct session_desc sd = {.scene = scene, .paused = true, .view3d = view3d};
    struct app_view *v = xcalloc(1, sizeof *v);
    bool ok = session_init(sess, &sd, err, errlen);
    if (!ok) {
        free(sess);
    } else {
        /* A figure for export: no status lines, no key hints. */
        ok = app_view_init(v, sess, SESSION_FOR_EXPORT, shader_dir, err, errlen);
    }
    if (ok) {
        session_run_to_target(v->s, stderr, "optiscope render");
        glBindFramebuffer(GL_FRAMEBUFFER, target.fbo);
        app_view_draw(v, width, height, 0.0);
        glFinish();
        if (v->gl_error) {
            snprintf(err, errlen, _("OpenGL error %s while drawing"), v->gl_error);
            ok = false;
        } else {
            ok = app_write_frame_png(width, height, path, err, errlen);
        }
    }
    if (v->s) {
        app_view_finish(v);
    }
    free(v);
    gl_target_finish(&target);
    gl_headless_destroy(hl);
    return ok;
}

bool app_shader_dir(const char *datadir, char *out, size_t len)
{
    static const char *const rel[] = {"shaders", "../shaders"};
    for (size_t i = 0; datadir && i < sizeof rel / sizeof rel[0]; i++) {
        char probe[4200];
        snprintf(out, len, "%s/%s", datadir, rel[i]);
        snprintf(probe, sizeof probe, "%s/heatmap.frag", out);
        if (access(probe, R_OK) == 0) {
            return true;
        }
    }
    return false;
}

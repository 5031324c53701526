/* headless.c: an OpenGL 3.3 core context with no window and no X server, through EGL on Mesa's
 * surfaceless platform (EGL_MESA_platform_surfaceless); frames go to a gl_target. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <epoxy/egl.h>

#include "gl/gl.h"
#include "sim/i18n.h"
#include "sim/util.h"

struct gl_headless {
    EGLDisplay dpy;        /* the surfaceless display */
    EGLContext ctx;        /* current while the struct lives */
};

static bool has_ext(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && (p = strstr(p, name)); p += n) {
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) {
            return true;
        }
    }
    return false;
}

struct gl_headless *gl_headless_create(char *err, size_t errlen)
{
    const char *client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    if (!client || !has_ext(client, "EGL_MESA_platform_surfaceless") ||
        !has_ext(client, "EGL_EXT_platform_base")) {
        snprintf(err, errlen, _("no offscreen OpenGL: EGL_MESA_platform_surfaceless is not "
                 "available (Mesa's EGL: Debian packages libegl1 and libgl1-mesa-dri)"));
        return NULL;
    }
    EGLDisplay dpy = eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY,
                                              NULL);
    EGLint major = 0, minor = 0;
    if (dpy == EGL_NO_DISPLAY || !eglInitialize(dpy, &major, &minor)) {
        snprintf(err, errlen, _("no offscreen OpenGL: cannot initialise EGL on the surfaceless "
                 "platform (EGL error 0x%x)"), (unsigned)eglGetError());
        return NULL;
    }
    const char *ext = eglQueryString(dpy, EGL_EXTENSIONS);
    if (!has_ext(ext, "EGL_KHR_surfaceless_context") || !eglBindAPI(EGL_OPENGL_API)) {
        snprintf(err, errlen, _("no offscreen OpenGL: EGL has no surfaceless desktop OpenGL "
                 "context"));
        eglTerminate(dpy);
        return NULL;
    }
    const EGLint cfg_attr[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, 0,
                               EGL_NONE};
    EGLConfig cfg = NULL;
    EGLint ncfg = 0;
    bool have_cfg = eglChooseConfig(dpy, cfg_attr, &cfg, 1, &ncfg) && ncfg > 0;
    const EGLint ctx_attr[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 3,
                               EGL_CONTEXT_OPENGL_PROFILE_MASK,
                               EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE};
    /* EGL_KHR_no_config_context lets us go without a config when none is offered. */
    EGLContext ctx = eglCreateContext(dpy, have_cfg ? cfg : EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT,
                                      ctx_attr);
    if (ctx == EGL_NO_CONTEXT) {
        snprintf(err, errlen, _("no offscreen OpenGL: EGL cannot create an OpenGL 3.3 core "
                 "context (EGL error 0x%x)"), (unsigned)eglGetError());
        eglTerminate(dpy);
        return NULL;
    }
    if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
        snprintf(err, errlen, _("no offscreen OpenGL: eglMakeCurrent failed (EGL error 0x%x)"),
                 (unsigned)eglGetError());
        eglDestroyContext(dpy, ctx);
        eglTerminate(dpy);
        return NULL;
    }
    if (epoxy_gl_version() < 33) {
        snprintf(err, errlen, _("no offscreen OpenGL 3.3: the EGL context offers OpenGL %d.%d"),
                 epoxy_gl_version() / 10, epoxy_gl_version() % 10);
        eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
        eglDestroyContext(dpy, ctx);
        eglTerminate(dpy);
        return NULL;
    }
    gl_keep_driver_loaded();
    struct gl_headless *h = xcalloc(1, sizeof *h);
    h->dpy = dpy;
    h->ctx = ctx;
    return h;
}

void gl_headless_destroy(struct gl_headless *h)
{
    if (!h) {
        return;
    }
    eglMakeCurrent(h->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(h->dpy, h->ctx);
    eglTerminate(h->dpy);
    free(h);
}

/* renderer.c: the GL 3.3 core renderer: the cached heatmap, the 3-D surface, instanced thick
 * lines and markers, and cairo panels. Reads what it is given; owns only GL objects. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl/gl.h"
#include "sim/i18n.h"
#include "sim/util.h"

/* Grid points per side of the 3-D surface mesh. */
#define SURFACE_N 128

/* What the cached heatmap / field texture was computed for. */
struct cache_key {
    double view[4];         /* data rectangle */
    struct gl_scale scale;  /* colour scale */
    int contours, levels;   /* isolines */
    int w, h;               /* texture size */
    unsigned fn_gen;        /* function generation */
};

struct gl_renderer {
    char shader_dir[4096];  /* where the shaders were read */
    GLuint vao_empty;       /* for attributeless draws (core profile needs a VAO) */
    GLuint prog_heat;       /* heatmap.vert + heatmap.frag, function-dependent */
    GLuint prog_field;      /* heatmap.vert + field.frag, function-dependent */
    GLuint prog_surface;    /* surface.vert + surface.frag */
    GLuint prog_line;       /* line.vert + line.frag */
    GLuint prog_marker;     /* marker.vert + marker.frag */
    GLuint prog_panel;      /* panel.vert + panel.frag */
    GLuint cmap_tex;        /* 256 x 1 RGB8 colour map */
    float iso_rgb[3];       /* isolines are mixed towards this colour */
    unsigned fn_gen;        /* bumped by every set_function */
    GLuint heat_fbo, heat_tex;      /* the cached heatmap */
    struct cache_key heat_key;      /* what it holds */
    bool heat_valid;
    GLuint field_fbo, field_tex;    /* SURFACE_N^2 R32F heights */
    struct cache_key field_key;
    bool field_valid;
    struct gl_layer surf_layer;     /* the cached 3-D surface, colour and depth */
    struct cache_key surf_key;      /* what it holds */
    float surf_mvp[16];             /* and through which camera */
    bool surf_valid;
    GLuint mesh_vao, mesh_ebo;      /* surface triangles */
    GLsizei mesh_count;             /* indices */
    struct gl_polyline scratch;     /* lines drawn once */
    GLuint marker_vao, marker_vbo;  /* instanced markers */
    size_t marker_cap;              /* markers the buffer holds */
    GLint target_fbo;               /* the framebuffer the frame goes to */
    GLint cur_fbo;                  /* the one drawn into now: the target or a layer */
    int fb_w, fb_h;                 /* its size */
};

/* ======================================================================== setup */

static GLint loc(GLuint prog, const char *name)
{
    return glGetUniformLocation(prog, name);
}

struct gl_renderer *gl_renderer_create(const char *shader_dir, char *err, size_t errlen)
{
    struct gl_renderer *r = xcalloc(1, sizeof *r);
    snprintf(r->shader_dir, sizeof r->shader_dir, "%s", shader_dir);
    static const struct {
        const char *vert, *frag;
        size_t offset;
    } progs[] = {
        {"surface.vert", "surface.frag", offsetof(struct gl_renderer, prog_surface)},
        {"line.vert", "line.frag", offsetof(struct gl_renderer, prog_line)},
        {"marker.vert", "marker.frag", offsetof(struct gl_renderer, prog_marker)},
        {"panel.vert", "panel.frag", offsetof(struct gl_renderer, prog_panel)},
    };
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        GLuint p = gl_program_load(shader_dir, progs[i].vert, progs[i].frag, NULL, 0, err,
                                   errlen);
        if (!p) {
            gl_renderer_destroy(r);
            return NULL;
        }
        memcpy((char *)r + progs[i].offset, &p, sizeof p);
    }
    glGenVertexArrays(1, &r->vao_empty);

    glGenTextures(1, &r->cmap_tex);
    glBindTexture(GL_TEXTURE_2D, r->cmap_tex);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    unsigned char grey[256 * 3];
    for (int i = 0; i < 256 * 3; i++) {
        grey[i] = (unsigned char)(i / 3);
    }
    gl_renderer_set_colormap(r, grey);
    gl_renderer_set_isolines(r, (const float[3]){1.0f, 1.0f, 1.0f});

    glGenFramebuffers(1, &r->heat_fbo);
    glGenTextures(1, &r->heat_tex);
    glGenFramebuffers(1, &r->field_fbo);
    glGenTextures(1, &r->field_tex);
    glBindTexture(GL_TEXTURE_2D, r->field_tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R32F, SURFACE_N, SURFACE_N, 0, GL_RED, GL_FLOAT, NULL);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glBindFramebuffer(GL_FRAMEBUFFER, r->field_fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, r->field_tex, 0);

    size_t count = gl_mesh_grid_indices(SURFACE_N, NULL);
    unsigned *idx = xmalloc(count * sizeof *idx);
    gl_mesh_grid_indices(SURFACE_N, idx);
    glGenVertexArrays(1, &r->mesh_vao);
    glBindVertexArray(r->mesh_vao);
    glGenBuffers(1, &r->mesh_ebo);
    glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, r->mesh_ebo);
    glBufferData(GL_ELEMENT_ARRAY_BUFFER, (GLsizeiptr)(count * sizeof *idx), idx,
                 GL_STATIC_DRAW);
    free(idx);
    r->mesh_count = (GLsizei)count;

    glGenVertexArrays(1, &r->marker_vao);
    glGenBuffers(1, &r->marker_vbo);
    glBindVertexArray(r->marker_vao);
    glBindBuffer(GL_ARRAY_BUFFER, r->marker_vbo);
    GLsizei stride = sizeof(struct gl_marker);
    glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, stride,
                          (void *)offsetof(struct gl_marker, pos));
    glVertexAttribPointer(1, 4, GL_FLOAT, GL_FALSE, stride,
                          (void *)offsetof(struct gl_marker, rgba));
    glVertexAttribPointer(2, 1, GL_FLOAT, GL_FALSE, stride,
                          (void *)offsetof(struct gl_marker, size));
    glVertexAttribPointer(3, 1, GL_FLOAT, GL_FALSE, stride,
                          (void *)offsetof(struct gl_marker, shape));
    for (GLuint a = 0; a < 4; a++) {
        glEnableVertexAttribArray(a);
        glVertexAttribDivisor(a, 1);
    }
    glBindVertexArray(0);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    return r;
}

void gl_renderer_destroy(struct gl_renderer *r)
{
    if (!r) {
        return;
    }
    GLuint progs[] = {r->prog_heat, r->prog_field, r->prog_surface, r->prog_line,
                      r->prog_marker, r->prog_panel};
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        if (progs[i]) {
            glDeleteProgram(progs[i]);
        }
    }
    GLuint tex[] = {r->cmap_tex, r->heat_tex, r->field_tex};
    glDeleteTextures(3, tex);
    GLuint fbo[] = {r->heat_fbo, r->field_fbo};
    glDeleteFramebuffers(2, fbo);
    GLuint vao[] = {r->vao_empty, r->mesh_vao, r->marker_vao};
    glDeleteVertexArrays(3, vao);
    GLuint buf[] = {r->mesh_ebo, r->marker_vbo};
    glDeleteBuffers(2, buf);
    gl_polyline_finish(&r->scratch);
    gl_layer_finish(&r->surf_layer);
    free(r);
}

bool gl_renderer_set_function(struct gl_renderer *r, const char *prelude, const char *glsl,
                              char *err, size_t errlen)
{
    const struct gl_subst subst[] = {
        {"//@PRELUDE@", prelude, "<sim/ GLSL prelude>"},
        {"//@FUNCTION@", glsl, "<the function's GLSL>"},
    };
    GLuint heat = gl_program_load(r->shader_dir, "heatmap.vert", "heatmap.frag", subst, 2, err,
                                  errlen);
    if (!heat) {
        return false;
    }
    GLuint field = gl_program_load(r->shader_dir, "heatmap.vert", "field.frag", subst, 2, err,
                                   errlen);
    if (!field) {
        glDeleteProgram(heat);
        return false;
    }
    if (r->prog_heat) {
        glDeleteProgram(r->prog_heat);
        glDeleteProgram(r->prog_field);
    }
    r->prog_heat = heat;
    r->prog_field = field;
    r->fn_gen++;
    return true;
}

void gl_renderer_set_colormap(struct gl_renderer *r, const unsigned char *rgb)
{
    glBindTexture(GL_TEXTURE_2D, r->cmap_tex);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB8, 256, 1, 0, GL_RGB, GL_UNSIGNED_BYTE, rgb);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    r->heat_valid = false;
    r->surf_valid = false;
}

void gl_renderer_set_isolines(struct gl_renderer *r, const float rgb[3])
{
    memcpy(r->iso_rgb, rgb, sizeof r->iso_rgb);
    r->heat_valid = false;
    r->surf_valid = false;
}

/* ======================================================================== frame */

void gl_begin_frame(struct gl_renderer *r, int width, int height, const float rgb[3])
{
    glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &r->target_fbo);
    r->cur_fbo = r->target_fbo;
    r->fb_w = width;
    r->fb_h = height;
    glViewport(0, 0, width, height);
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_BLEND);
    glDisable(GL_SCISSOR_TEST);
    glDepthMask(GL_TRUE);
    if (!rgb) {
        return;
    }
    glClearColor(rgb[0], rgb[1], rgb[2], 1.0f);
    glClearDepth(1.0);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
}

void gl_clip(struct gl_renderer *r, int x, int y, int w, int h)
{
    if (w < 1 || h < 1) {
        glDisable(GL_SCISSOR_TEST);
        return;
    }
    glEnable(GL_SCISSOR_TEST);
    glScissor(x, r->fb_h - (y + h), w, h);   /* GL's y is up */
}

void gl_clear(struct gl_renderer *r, const float rgb[3])
{
    (void)r;
    glClearColor(rgb[0], rgb[1], rgb[2], 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
}

static void set_scale_uniforms(GLuint prog, const struct gl_scale *s)
{
    glUniform1i(loc(prog, "u_log"), s->log);
    glUniform1f(loc(prog, "u_fmin"), (float)s->fmin);
    glUniform1f(loc(prog, "u_eps"), (float)s->eps);
    glUniform2f(loc(prog, "u_range"), (float)s->lo, (float)s->hi);
}

static struct cache_key make_key(const struct gl_renderer *r, const double view[4],
                                 const struct gl_scale *scale, bool contours, int levels,
                                 int w, int h)
{
    struct cache_key k;
    memset(&k, 0, sizeof k);   /* padding too: keys are compared with memcmp */
    memcpy(k.view, view, sizeof k.view);
    k.scale.log = scale->log;
    k.scale.fmin = scale->fmin;
    k.scale.eps = scale->eps;
    k.scale.lo = scale->lo;
    k.scale.hi = scale->hi;
    k.contours = contours;
    k.levels = levels;
    k.w = w;
    k.h = h;
    k.fn_gen = r->fn_gen;
    return k;
}

/* One evaluation of the heatmap over the bound framebuffer's viewport. */
static void heat_pass(struct gl_renderer *r, const double view[4], const struct gl_scale *scale,
                      bool contours, int levels)
{
    glUseProgram(r->prog_heat);
    glUniform4f(loc(r->prog_heat, "u_view"), (float)view[0], (float)view[1], (float)view[2],
                (float)view[3]);
    set_scale_uniforms(r->prog_heat, scale);
    glUniform1i(loc(r->prog_heat, "u_contours"), contours);
    glUniform3fv(loc(r->prog_heat, "u_iso_rgb"), 1, r->iso_rgb);
    glUniform1f(loc(r->prog_heat, "u_levels"), (float)levels);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, r->cmap_tex);
    glUniform1i(loc(r->prog_heat, "u_cmap"), 0);
    glDisable(GL_BLEND);
    glBindVertexArray(r->vao_empty);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
}

void gl_draw_heatmap(struct gl_renderer *r, const double view[4], const struct gl_scale *scale,
                     bool contours, int levels)
{
    if (!r->prog_heat) {
        return;
    }
    struct cache_key key = make_key(r, view, scale, contours, levels, r->fb_w, r->fb_h);
    if (!r->heat_valid || memcmp(&key, &r->heat_key, sizeof key)) {
        glBindTexture(GL_TEXTURE_2D, r->heat_tex);
        if (!r->heat_valid || key.w != r->heat_key.w || key.h != r->heat_key.h) {
            glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, key.w, key.h, 0, GL_RGBA, GL_UNSIGNED_BYTE,
                         NULL);
            glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
            glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
            glBindFramebuffer(GL_FRAMEBUFFER, r->heat_fbo);
            glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D,
                                   r->heat_tex, 0);
        }
        glBindFramebuffer(GL_FRAMEBUFFER, r->heat_fbo);
        glViewport(0, 0, key.w, key.h);
        heat_pass(r, view, scale, contours, levels);
        r->heat_key = key;
        r->heat_valid = true;
    }
    glBindFramebuffer(GL_READ_FRAMEBUFFER, r->heat_fbo);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, (GLuint)r->cur_fbo);
    glBlitFramebuffer(0, 0, key.w, key.h, 0, 0, key.w, key.h, GL_COLOR_BUFFER_BIT, GL_NEAREST);
    glBindFramebuffer(GL_FRAMEBUFFER, (GLuint)r->cur_fbo);
    glViewport(0, 0, r->fb_w, r->fb_h);
}

void gl_draw_heatmap_uncached(struct gl_renderer *r, const double view[4],
                              const struct gl_scale *scale, bool contours, int levels)
{
    if (!r->prog_heat) {
        return;
    }
    glBindFramebuffer(GL_FRAMEBUFFER, (GLuint)r->cur_fbo);
    glViewport(0, 0, r->fb_w, r->fb_h);
    heat_pass(r, view, scale, contours, levels);
}

/* The cached surface into the current framebuffer: colour, and depth too when that is one
 * of our layers (same formats), so that lines drawn next are hidden behind hills. */
static void blit_surface(struct gl_renderer *r)
{
    glBindFramebuffer(GL_READ_FRAMEBUFFER, r->surf_layer.fbo);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, (GLuint)r->cur_fbo);
    GLbitfield what = GL_COLOR_BUFFER_BIT;
    if (r->cur_fbo != r->target_fbo || r->target_fbo != 0) {
        what |= GL_DEPTH_BUFFER_BIT;
    }
    glBlitFramebuffer(0, 0, r->fb_w, r->fb_h, 0, 0, r->fb_w, r->fb_h, what, GL_NEAREST);
    glBindFramebuffer(GL_FRAMEBUFFER, (GLuint)r->cur_fbo);
}

void gl_draw_surface(struct gl_renderer *r, const double view[4], const struct gl_scale *scale,
                     bool contours, int levels, const float mvp[16], float height,
                     const float eye[3], const float bg[3])
{
    if (!r->prog_field) {
        return;
    }
    struct cache_key key = make_key(r, view, scale, false, 0, SURFACE_N, SURFACE_N);
    if (!r->field_valid || memcmp(&key, &r->field_key, sizeof key)) {
        /* Grid point i sits at xmin + i * dx: widen the quad by half a cell each side so that
         * pixel centres land on grid points. */
        double dx = (view[1] - view[0]) / (SURFACE_N - 1), dy = (view[3] - view[2]) /
                                                                 (SURFACE_N - 1);
        glBindFramebuffer(GL_FRAMEBUFFER, r->field_fbo);
        glViewport(0, 0, SURFACE_N, SURFACE_N);
        glUseProgram(r->prog_field);
        glUniform4f(loc(r->prog_field, "u_view"), (float)(view[0] - 0.5 * dx),
                    (float)(view[1] + 0.5 * dx), (float)(view[2] - 0.5 * dy),
                    (float)(view[3] + 0.5 * dy));
        set_scale_uniforms(r->prog_field, scale);
        glBindVertexArray(r->vao_empty);
        glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
        glBindFramebuffer(GL_FRAMEBUFFER, (GLuint)r->cur_fbo);
        glViewport(0, 0, r->fb_w, r->fb_h);
        r->field_key = key;
        r->field_valid = true;
    }
    struct cache_key skey = make_key(r, view, scale, contours, levels, r->fb_w, r->fb_h);
    if (r->surf_valid && !memcmp(&skey, &r->surf_key, sizeof skey) &&
        !memcmp(mvp, r->surf_mvp, sizeof r->surf_mvp) && r->surf_layer.w == r->fb_w &&
        r->surf_layer.h == r->fb_h) {
        blit_surface(r);
        return;
    }
    GLint into = r->cur_fbo;
    gl_layer_begin(r, &r->surf_layer, true, true);
    glClearColor(bg[0], bg[1], bg[2], 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    GLuint p = r->prog_surface;
    glUseProgram(p);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, r->field_tex);
    glUniform1i(loc(p, "u_field"), 0);
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D, r->cmap_tex);
    glUniform1i(loc(p, "u_cmap"), 1);
    glActiveTexture(GL_TEXTURE0);
    glUniform1i(loc(p, "u_n"), SURFACE_N);
    glUniform4f(loc(p, "u_view"), (float)view[0], (float)view[1], (float)view[2],
                (float)view[3]);
    glUniformMatrix4fv(loc(p, "u_mvp"), 1, GL_FALSE, mvp);
    glUniform1f(loc(p, "u_height"), height);
    /* Light from above, behind the viewer's left shoulder. */
    float vd[3] = {eye[0], eye[1], eye[2] - 0.3f * height};
    float l = sqrtf(vd[0] * vd[0] + vd[1] * vd[1] + vd[2] * vd[2]);
    float light[3] = {vd[0] / l - vd[1] / l * 0.6f, vd[1] / l + vd[0] / l * 0.6f, 1.6f};
    float ll = sqrtf(light[0] * light[0] + light[1] * light[1] + light[2] * light[2]);
    glUniform3f(loc(p, "u_light"), light[0] / ll, light[1] / ll, light[2] / ll);
    glUniform3f(loc(p, "u_view_dir"), vd[0] / l, vd[1] / l, vd[2] / l);
    glUniform1i(loc(p, "u_contours"), contours);
    glUniform3fv(loc(p, "u_iso_rgb"), 1, r->iso_rgb);
    glUniform1f(loc(p, "u_levels"), (float)levels);
    glEnable(GL_DEPTH_TEST);
    glDepthFunc(GL_LEQUAL);
    glEnable(GL_POLYGON_OFFSET_FILL);
    glPolygonOffset(1.0f, 2.0f);
    glBindVertexArray(r->mesh_vao);
    glDrawElements(GL_TRIANGLES, r->mesh_count, GL_UNSIGNED_INT, NULL);
    glDisable(GL_POLYGON_OFFSET_FILL);
    glDisable(GL_DEPTH_TEST);
    r->cur_fbo = into;
    glBindFramebuffer(GL_FRAMEBUFFER, (GLuint)into);
    glViewport(0, 0, r->fb_w, r->fb_h);
    r->surf_key = skey;
    memcpy(r->surf_mvp, mvp, sizeof r->surf_mvp);
    r->surf_valid = true;
    blit_surface(r);
}

/* ======================================================================== lines */

void gl_polyline_set(struct gl_polyline *l, const float *xyzw, int n)
{
    if (!l->buf) {
        glGenBuffers(1, &l->buf);
        glGenTextures(1, &l->tex);
    }
    glBindBuffer(GL_TEXTURE_BUFFER, l->buf);
    size_t need = (size_t)(n > 0 ? n : 0) * 4;
    if (need > l->cap || l->cap == 0) {
        l->cap = need * 3 / 2 + 64;
        glBufferData(GL_TEXTURE_BUFFER, (GLsizeiptr)(l->cap * sizeof(float)), NULL,
                     GL_DYNAMIC_DRAW);
        glBindTexture(GL_TEXTURE_BUFFER, l->tex);
        glTexBuffer(GL_TEXTURE_BUFFER, GL_RGBA32F, l->buf);
    }
    if (need > 0) {
        glBufferSubData(GL_TEXTURE_BUFFER, 0, (GLsizeiptr)(need * sizeof(float)), xyzw);
    }
    l->n = n;
}

void gl_polyline_finish(struct gl_polyline *l)
{
    if (l->buf) {
        glDeleteBuffers(1, &l->buf);
        glDeleteTextures(1, &l->tex);
    }
    memset(l, 0, sizeof *l);
}

void gl_draw_polyline_range(struct gl_renderer *r, const struct gl_polyline *l, int first,
                            int count, const float mvp[16], const struct gl_line_style *st)
{
    if (first < 0) {
        count += first;
        first = 0;
    }
    if (first + count > l->n) {
        count = l->n - first;
    }
    if (count < 2) {
        return;
    }
    GLuint p = r->prog_line;
    glUseProgram(p);
    glUniformMatrix4fv(loc(p, "u_mvp"), 1, GL_FALSE, mvp);
    glUniform2f(loc(p, "u_viewport"), (float)r->fb_w, (float)r->fb_h);
    glUniform1f(loc(p, "u_width"), st->width);
    glUniform4fv(loc(p, "u_color"), 1, st->rgba);
    glUniform1f(loc(p, "u_rim"), st->rim);
    glUniform4f(loc(p, "u_rim_color"), 0.04f, 0.04f, 0.07f, 0.7f);
    glUniform1i(loc(p, "u_n"), l->n);
    glUniform1i(loc(p, "u_clip"), st->clip != NULL);
    if (st->clip) {
        glUniform4f(loc(p, "u_clip_rect"), (float)st->clip[0], (float)st->clip[1],
                    (float)st->clip[2], (float)st->clip[3]);
    }
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_BUFFER, l->tex);
    glUniform1i(loc(p, "u_points"), 0);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    /* Lines test against the surface's depth but never write it: paths on top of each other
     * stack in drawing order, not by depth rounding. */
    if (st->occlude) {
        glEnable(GL_DEPTH_TEST);
        glDepthFunc(GL_LEQUAL);
    } else {
        glDisable(GL_DEPTH_TEST);
    }
    glDepthMask(GL_FALSE);
    glBindVertexArray(r->vao_empty);
    glDrawArrays(GL_TRIANGLE_STRIP, 4 * first, 4 * count);
    glDepthMask(GL_TRUE);
    glDisable(GL_DEPTH_TEST);
}

void gl_draw_polyline(struct gl_renderer *r, const struct gl_polyline *l, const float mvp[16],
                      float width, const float rgba[4], float rim, const double *clip)
{
    struct gl_line_style st = {.width = width, .rim = rim, .clip = clip};
    memcpy(st.rgba, rgba, sizeof st.rgba);
    gl_draw_polyline_range(r, l, 0, l->n, mvp, &st);
}

void gl_draw_lines_now(struct gl_renderer *r, const float *xyzw, int n, const float mvp[16],
                       float width, const float rgba[4], float rim)
{
    gl_polyline_set(&r->scratch, xyzw, n);
    gl_draw_polyline(r, &r->scratch, mvp, width, rgba, rim, NULL);
}

/* ======================================================================== markers */

void gl_draw_markers(struct gl_renderer *r, const struct gl_marker *m, int n,
                     const float mvp[16])
{
    if (n <= 0) {
        return;
    }
    glBindBuffer(GL_ARRAY_BUFFER, r->marker_vbo);
    if ((size_t)n > r->marker_cap) {
        r->marker_cap = (size_t)n * 2;
        glBufferData(GL_ARRAY_BUFFER, (GLsizeiptr)(r->marker_cap * sizeof *m), NULL,
                     GL_DYNAMIC_DRAW);
    }
    glBufferSubData(GL_ARRAY_BUFFER, 0, (GLsizeiptr)((size_t)n * sizeof *m), m);
    GLuint p = r->prog_marker;
    glUseProgram(p);
    glUniformMatrix4fv(loc(p, "u_mvp"), 1, GL_FALSE, mvp);
    glUniform2f(loc(p, "u_viewport"), (float)r->fb_w, (float)r->fb_h);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    glDisable(GL_DEPTH_TEST);
    glBindVertexArray(r->marker_vao);
    glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, n);
}

/* ======================================================================== panels */

void gl_panel_upload(struct gl_panel *p, const void *data, int w, int h, int stride)
{
    if (!p->tex) {
        glGenTextures(1, &p->tex);
        glBindTexture(GL_TEXTURE_2D, p->tex);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    }
    glBindTexture(GL_TEXTURE_2D, p->tex);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, stride / 4);
    if (w != p->w || h != p->h) {
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_BGRA, GL_UNSIGNED_BYTE, data);
    } else {
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, w, h, GL_BGRA, GL_UNSIGNED_BYTE, data);
    }
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    p->w = w;
    p->h = h;
}

void gl_panel_finish(struct gl_panel *p)
{
    if (p->tex) {
        glDeleteTextures(1, &p->tex);
    }
    memset(p, 0, sizeof *p);
}

void gl_draw_panel(struct gl_renderer *r, const struct gl_panel *p, int x, int y)
{
    if (!p->tex || p->w <= 0 || p->h <= 0) {
        return;
    }
    GLuint prog = r->prog_panel;
    glUseProgram(prog);
    glUniform4f(loc(prog, "u_rect"), (float)x, (float)y, (float)p->w, (float)p->h);
    glUniform2f(loc(prog, "u_viewport"), (float)r->fb_w, (float)r->fb_h);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, p->tex);
    glUniform1i(loc(prog, "u_tex"), 0);
    glDisable(GL_DEPTH_TEST);
    glEnable(GL_BLEND);
    glBlendFunc(GL_ONE, GL_ONE_MINUS_SRC_ALPHA);   /* cairo's pixels are premultiplied */
    glBindVertexArray(r->vao_empty);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
}

/* ======================================================================== layers */

void gl_layer_begin(struct gl_renderer *r, struct gl_layer *l, bool clear, bool depth)
{
    if (!l->fbo || l->w != r->fb_w || l->h != r->fb_h || (l->depth != 0) != depth) {
        gl_layer_finish(l);
        l->w = r->fb_w;
        l->h = r->fb_h;
        glGenFramebuffers(1, &l->fbo);
        glGenTextures(1, &l->color);
        glBindTexture(GL_TEXTURE_2D, l->color);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, l->w, l->h, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        glBindFramebuffer(GL_FRAMEBUFFER, l->fbo);
        glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, l->color, 0);
        if (depth) {
            glGenTextures(1, &l->depth);
            glBindTexture(GL_TEXTURE_2D, l->depth);
            glTexImage2D(GL_TEXTURE_2D, 0, GL_DEPTH_COMPONENT24, l->w, l->h, 0,
                         GL_DEPTH_COMPONENT, GL_UNSIGNED_INT, NULL);
            glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
            glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
            glFramebufferTexture2D(GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_TEXTURE_2D, l->depth,
                                   0);
        }
        clear = true;
    }
    glBindFramebuffer(GL_FRAMEBUFFER, l->fbo);
    r->cur_fbo = (GLint)l->fbo;
    glViewport(0, 0, l->w, l->h);
    if (clear) {
        glClearColor(0.0f, 0.0f, 0.0f, 0.0f);
        glClearDepth(1.0);
        glDepthMask(GL_TRUE);
        glClear(GL_COLOR_BUFFER_BIT | (l->depth ? GL_DEPTH_BUFFER_BIT : 0));
    }
}

void gl_layer_end(struct gl_renderer *r)
{
    r->cur_fbo = r->target_fbo;
    glBindFramebuffer(GL_FRAMEBUFFER, (GLuint)r->target_fbo);
    glViewport(0, 0, r->fb_w, r->fb_h);
}

/* The layer as a textured rectangle through the panel program; blended (premultiplied) or a
 * plain copy. */
static void draw_layer(struct gl_renderer *r, const struct gl_layer *l, bool blend)
{
    if (!l->fbo) {
        return;
    }
    GLuint prog = r->prog_panel;
    glUseProgram(prog);
    glUniform4f(loc(prog, "u_rect"), 0.0f, 0.0f, (float)r->fb_w, (float)r->fb_h);
    glUniform2f(loc(prog, "u_viewport"), (float)r->fb_w, (float)r->fb_h);
    glUniform1i(loc(prog, "u_flip"), 1);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, l->color);
    glUniform1i(loc(prog, "u_tex"), 0);
    glDisable(GL_DEPTH_TEST);
    if (blend) {
        glEnable(GL_BLEND);
        glBlendFunc(GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    } else {
        glDisable(GL_BLEND);
    }
    glBindVertexArray(r->vao_empty);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    glUniform1i(loc(prog, "u_flip"), 0);
}

void gl_draw_layer(struct gl_renderer *r, const struct gl_layer *l)
{
    draw_layer(r, l, true);
}

void gl_blit_layer(struct gl_renderer *r, const struct gl_layer *l)
{
    /* Not glBlitFramebuffer: into the window, Mesa's llvmpipe blits through an internal
     * shader that it JIT-compiles on every launch (~40 ms of the first frame) and does not
     * keep in its disk cache, while our program's compiled variant is cached. Nearest texels
     * at pixel centres, no blending: an exact copy. */
    draw_layer(r, l, false);
}

void gl_layer_finish(struct gl_layer *l)
{
    if (l->fbo) {
        glDeleteFramebuffers(1, &l->fbo);
        glDeleteTextures(1, &l->color);
        if (l->depth) {
            glDeleteTextures(1, &l->depth);
        }
    }
    memset(l, 0, sizeof *l);
}

/* ======================================================================== read back */

void gl_read_pixels(int width, int height, unsigned char *out, int stride)
{
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glPixelStorei(GL_PACK_ROW_LENGTH, stride / 4);
    glReadPixels(0, 0, width, height, GL_BGRA, GL_UNSIGNED_BYTE, out);
    glPixelStorei(GL_PACK_ROW_LENGTH, 0);
    /* GL's row 0 is the bottom: flip, and make every pixel opaque. */
    unsigned char *tmp = xmalloc((size_t)stride);
    for (int y = 0; y < height / 2; y++) {
        unsigned char *a = out + (size_t)y * stride, *b = out + (size_t)(height - 1 - y) * stride;
        memcpy(tmp, a, (size_t)stride);
        memcpy(a, b, (size_t)stride);
        memcpy(b, tmp, (size_t)stride);
    }
    free(tmp);
    for (int y = 0; y < height; y++) {
        unsigned char *row = out + (size_t)y * stride;
        for (int x = 0; x < width; x++) {
            row[4 * x + 3] = 255;
        }
    }
}

const char *gl_error_string(void)
{
    GLenum e = glGetError();
    const char *s = NULL;
    switch (e) {
    case GL_NO_ERROR:
        return NULL;
    case GL_INVALID_ENUM:
        s = "GL_INVALID_ENUM";
        break;
    case GL_INVALID_VALUE:
        s = "GL_INVALID_VALUE";
        break;
    case GL_INVALID_OPERATION:
        s = "GL_INVALID_OPERATION";
        break;
    case GL_INVALID_FRAMEBUFFER_OPERATION:
        s = "GL_INVALID_FRAMEBUFFER_OPERATION";
        break;
    case GL_OUT_OF_MEMORY:
        s = "GL_OUT_OF_MEMORY";
        break;
    default:
        s = "GL error";
        break;
    }
    while (glGetError() != GL_NO_ERROR) {
    }
    return s;
}

/* ======================================================================== offscreen target */

bool gl_target_init(struct gl_target *t, int w, int h, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->w = w;
    t->h = h;
    glGenFramebuffers(1, &t->fbo);
    glGenRenderbuffers(1, &t->color);
    glGenRenderbuffers(1, &t->depth);
    glBindRenderbuffer(GL_RENDERBUFFER, t->color);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, w, h);
    glBindRenderbuffer(GL_RENDERBUFFER, t->depth);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_DEPTH_COMPONENT24, w, h);
    glBindFramebuffer(GL_FRAMEBUFFER, t->fbo);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, t->color);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, t->depth);
    if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
        snprintf(err, errlen, _("cannot create a %dx%d offscreen framebuffer"), w, h);
        gl_target_finish(t);
        return false;
    }
    return true;
}

void gl_target_finish(struct gl_target *t)
{
    if (t->fbo) {
        glBindFramebuffer(GL_FRAMEBUFFER, 0);
        glDeleteFramebuffers(1, &t->fbo);
        glDeleteRenderbuffers(1, &t->color);
        glDeleteRenderbuffers(1, &t->depth);
    }
    memset(t, 0, sizeof *t);
}

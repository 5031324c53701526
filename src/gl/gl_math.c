/* gl_math.c: matrices, the orbit camera, 2-D view fitting and the surface grid: pure functions,
 * tested without a GL context. */
#include "gl/gl_math.h"

#include <math.h>
#include <string.h>

/* ======================================================================== matrices */

void gl_mat4_identity(float m[16])
{
    memset(m, 0, 16 * sizeof *m);
    m[0] = m[5] = m[10] = m[15] = 1.0f;
}

void gl_mat4_mul(float out[16], const float a[16], const float b[16])
{
    float r[16];
    for (int c = 0; c < 4; c++) {
        for (int row = 0; row < 4; row++) {
            float s = 0.0f;
            for (int k = 0; k < 4; k++) {
                s += a[k * 4 + row] * b[c * 4 + k];
            }
            r[c * 4 + row] = s;
        }
    }
    memcpy(out, r, sizeof r);
}

void gl_mat4_apply(const float m[16], const float p[3], float out[4])
{
    for (int row = 0; row < 4; row++) {
        out[row] = m[row] * p[0] + m[4 + row] * p[1] + m[8 + row] * p[2] + m[12 + row];
    }
}

void gl_mat4_perspective(float m[16], float fovy_rad, float aspect, float znear, float zfar)
{
    float f = 1.0f / tanf(fovy_rad * 0.5f);
    memset(m, 0, 16 * sizeof *m);
    m[0] = f / aspect;
    m[5] = f;
    m[10] = (zfar + znear) / (znear - zfar);
    m[11] = -1.0f;
    m[14] = 2.0f * zfar * znear / (znear - zfar);
}

static void normalize3(float v[3])
{
    float l = sqrtf(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    if (l > 0.0f) {
        v[0] /= l;
        v[1] /= l;
        v[2] /= l;
    }
}

static void cross3(const float a[3], const float b[3], float out[3])
{
    out[0] = a[1] * b[2] - a[2] * b[1];
    out[1] = a[2] * b[0] - a[0] * b[2];
    out[2] = a[0] * b[1] - a[1] * b[0];
}

void gl_mat4_look_at(float m[16], const float eye[3], const float target[3], const float up[3])
{
    float f[3] = {target[0] - eye[0], target[1] - eye[1], target[2] - eye[2]};
    normalize3(f);
    float s[3], u[3];
    cross3(f, up, s);
    normalize3(s);
    cross3(s, f, u);
    gl_mat4_identity(m);
    for (int i = 0; i < 3; i++) {
        m[i * 4 + 0] = s[i];
        m[i * 4 + 1] = u[i];
        m[i * 4 + 2] = -f[i];
    }
    m[12] = -(s[0] * eye[0] + s[1] * eye[1] + s[2] * eye[2]);
    m[13] = -(u[0] * eye[0] + u[1] * eye[1] + u[2] * eye[2]);
    m[14] = f[0] * eye[0] + f[1] * eye[1] + f[2] * eye[2];
}

void gl_mat4_view2d(float m[16], const double view[4])
{
    double sx = 2.0 / (view[1] - view[0]), sy = 2.0 / (view[3] - view[2]);
    gl_mat4_identity(m);
    m[0] = (float)sx;
    m[5] = (float)sy;
    m[10] = 0.0f;
    m[12] = (float)(-1.0 - view[0] * sx);
    m[13] = (float)(-1.0 - view[2] * sy);
}

void gl_mat4_data_to_world(float m[16], const double view[4], float height)
{
    gl_mat4_view2d(m, view);
    m[10] = height;
}

/* ======================================================================== orbit camera */

static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void gl_camera_default(struct gl_camera *c)
{
    memset(c, 0, sizeof *c);
    c->yaw = -0.65f;
    /* High enough (about 52 degrees) to see into valleys: from 0.62 rad the near wall hid
     * the paths along Rosenbrock's and the banana's valleys; further back to keep the whole
     * surface in the frame. */
    c->pitch = 0.9f;
    c->distance = 4.8f;
    c->target[2] = 0.25f;
    c->fovy = 0.75f;
}

void gl_camera_rotate(struct gl_camera *c, float dx_px, float dy_px)
{
    c->yaw -= 0.01f * dx_px;
    c->yaw = fmodf(c->yaw, 6.2831853f);
    c->pitch = clampf(c->pitch + 0.01f * dy_px, 0.05f, 1.5f);
}

void gl_camera_zoom(struct gl_camera *c, float notches)
{
    c->distance = clampf(c->distance * powf(0.88f, notches), 1.2f, 12.0f);
}

void gl_camera_eye(const struct gl_camera *c, float eye[3])
{
    /* yaw = 0 puts the camera on the -y side looking towards +y. */
    eye[0] = c->target[0] + c->distance * cosf(c->pitch) * sinf(c->yaw);
    eye[1] = c->target[1] - c->distance * cosf(c->pitch) * cosf(c->yaw);
    eye[2] = c->target[2] + c->distance * sinf(c->pitch);
}

void gl_camera_matrix(const struct gl_camera *c, float aspect, float m[16])
{
    float eye[3], up[3] = {0.0f, 0.0f, 1.0f}, proj[16], view[16];
    gl_camera_eye(c, eye);
    gl_mat4_look_at(view, eye, c->target, up);
    gl_mat4_perspective(proj, c->fovy, aspect > 0.0f ? aspect : 1.0f, 0.05f, 50.0f);
    gl_mat4_mul(m, proj, view);
}

/* ======================================================================== 2-D view */

void gl_fit_view(const double domain[4], const double fit[4], int width, int height,
                 double out[4])
{
    double dw = domain[1] - domain[0], dh = domain[3] - domain[2];
    double fw = fit[2] > 1.0 ? fit[2] : 1.0, fh = fit[3] > 1.0 ? fit[3] : 1.0;
    double upp = fmax(dw / fw, dh / fh);   /* data units per pixel, same on both axes */
    double cx = 0.5 * (domain[0] + domain[1]), cy = 0.5 * (domain[2] + domain[3]);
    double px = fit[0] + 0.5 * fw, py = fit[1] + 0.5 * fh;   /* pixel of the centre */
    out[0] = cx - px * upp;
    out[1] = cx + (width - px) * upp;
    out[3] = cy + py * upp;
    out[2] = cy - (height - py) * upp;
}

void gl_unproject2d(const double view[4], int width, int height, double px, double py,
                    double out[2])
{
    out[0] = view[0] + (view[1] - view[0]) * px / (width > 0 ? width : 1);
    out[1] = view[3] - (view[3] - view[2]) * py / (height > 0 ? height : 1);
}

void gl_zoom_view(double view[4], int width, int height, double px, double py, double factor)
{
    double p[2];
    gl_unproject2d(view, width, height, px, py, p);
    view[0] = p[0] + (view[0] - p[0]) * factor;
    view[1] = p[0] + (view[1] - p[0]) * factor;
    view[2] = p[1] + (view[2] - p[1]) * factor;
    view[3] = p[1] + (view[3] - p[1]) * factor;
}

void gl_pan_view(double view[4], int width, int height, double dx, double dy)
{
    double ux = (view[1] - view[0]) / (width > 0 ? width : 1);
    double uy = (view[3] - view[2]) / (height > 0 ? height : 1);
    view[0] -= dx * ux;
    view[1] -= dx * ux;
    view[2] += dy * uy;
    view[3] += dy * uy;
}

/* ======================================================================== mesh */

size_t gl_mesh_grid_indices(int n, unsigned *idx)
{
    if (n < 2) {
        return 0;
    }
    size_t count = 6 * (size_t)(n - 1) * (size_t)(n - 1);
    if (!idx) {
        return count;
    }
    size_t k = 0;
    for (int j = 0; j + 1 < n; j++) {
        for (int i = 0; i + 1 < n; i++) {
            unsigned a = (unsigned)(j * n + i), b = a + 1;
            unsigned c = a + (unsigned)n, d = c + 1;
            /* (i, j) -> (i+1, j) -> (i+1, j+1) is counter-clockwise with y up. */
            idx[k++] = a;
            idx[k++] = b;
            idx[k++] = d;
            idx[k++] = a;
            idx[k++] = d;
            idx[k++] = c;
        }
    }
    return count;
}

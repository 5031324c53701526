/* gl_math.h: the pure math of the GL renderer: 4x4 matrices (column-major, as GL takes them),
 * the orbit camera, the data-to-world map of the 3-D view and the surface mesh's grid. */
#ifndef OPTISCOPE_GL_GL_MATH_H
#define OPTISCOPE_GL_GL_MATH_H

#include <stdbool.h>
#include <stddef.h>

/* m[c * 4 + r] is row r of column c (GL's layout). */
void gl_mat4_identity(float m[16]);
void gl_mat4_mul(float out[16], const float a[16], const float b[16]);   /* out = a * b */
/* Multiplies (x, y, z, 1); out is (x, y, z, w) in clip space. */
void gl_mat4_apply(const float m[16], const float p[3], float out[4]);
void gl_mat4_perspective(float m[16], float fovy_rad, float aspect, float znear, float zfar);
void gl_mat4_look_at(float m[16], const float eye[3], const float target[3], const float up[3]);
/* Maps the data rectangle view = (xmin, xmax, ymin, ymax) onto clip space [-1, 1]^2; z ignored.
 * The 2-D view's matrix for trails and markers. */
void gl_mat4_view2d(float m[16], const double view[4]);
/* The 3-D view's model matrix: data (x, y, t) to world ((x, y) onto [-1, 1]^2 from the view
 * rectangle, z = t * height with t the colour-scale position 0..1). */
void gl_mat4_data_to_world(float m[16], const double view[4], float height);

/* ------------------------------------------------------------------ orbit camera */

struct gl_camera {
    float yaw;          /* radians around the world z axis; 0 looks along +y from -y */
    float pitch;        /* radians above the xy plane, clamped to [0.05, 1.5] */
    float distance;     /* from the target, world units, clamped to [1.2, 12] */
    float target[3];    /* the point looked at */
    float fovy;         /* vertical field of view, radians */
};

/* A three-quarter view of the [-1, 1]^2 base from the front left, well above it so that paths
 * in valleys show. */
void gl_camera_default(struct gl_camera *c);
/* Drag by (dx, dy) pixels rotates: 0.01 rad per pixel; pitch clamped. */
void gl_camera_rotate(struct gl_camera *c, float dx_px, float dy_px);
/* Wheel: each notch brings the camera 12% closer (notches > 0) or further; clamped. */
void gl_camera_zoom(struct gl_camera *c, float notches);
void gl_camera_eye(const struct gl_camera *c, float eye[3]);
/* projection * view for a viewport of the given aspect (width / height). */
void gl_camera_matrix(const struct gl_camera *c, float aspect, float m[16]);

/* ------------------------------------------------------------------ 2-D view fitting */

/* The view that shows `domain` (xmin, xmax, ymin, ymax) with equal units on both axes inside
 * the pixel rectangle fit = (x, y, w, h) of a width x height window (y down), extended to cover
 * the whole window. out: xmin, xmax, ymin, ymax of the window. */
void gl_fit_view(const double domain[4], const double fit[4], int width, int height,
                 double out[4]);
/* Window pixel (px, py) (y down) to data coordinates under the window view `view`. */
void gl_unproject2d(const double view[4], int width, int height, double px, double py,
                    double out[2]);
/* Zooms `view` by `factor` (< 1 zooms in) keeping the data point under pixel (px, py) fixed. */
void gl_zoom_view(double view[4], int width, int height, double px, double py, double factor);
/* Pans by a pixel drag (dx, dy) (y down): the data under the pointer follows it. */
void gl_pan_view(double view[4], int width, int height, double dx, double dy);

/* ------------------------------------------------------------------ surface mesh */

/* Triangle indices of an n x n vertex grid (vertex (i, j) is j * n + i): two triangles per
 * cell, counter-clockwise seen from +z. Returns the count, 6 * (n - 1)^2; writes it to idx
 * when idx is not NULL (room for that many). n >= 2 and n * n <= 65536 * 256. */
size_t gl_mesh_grid_indices(int n, unsigned *idx);

#endif

/* test_gl_math.c: the GL layer's pure math without a context: matrices, the orbit camera,
 * 2-D view fitting and unprojection, and the surface mesh's triangles. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "gl/gl_math.h"

static void test_matrices(void)
{
    float a[16], b[16], c[16], p[3] = {1, 2, 3}, out[4];
    gl_mat4_identity(a);
    gl_mat4_apply(a, p, out);
    CHECK_NEAR(out[0], 1, 0);
    CHECK_NEAR(out[2], 3, 0);
    CHECK_NEAR(out[3], 1, 0);
    /* view2d maps the rectangle's corners to clip-space corners. */
    double view[4] = {-2, 6, 1, 3};
    gl_mat4_view2d(b, view);
    float lo[3] = {-2, 1, 0.7f}, hi[3] = {6, 3, 0};
    gl_mat4_apply(b, lo, out);
    CHECK_NEAR(out[0], -1, 1e-6);
    CHECK_NEAR(out[1], -1, 1e-6);
    CHECK_NEAR(out[2], 0, 1e-6);   /* z ignored in 2-D */
    gl_mat4_apply(b, hi, out);
    CHECK_NEAR(out[0], 1, 1e-6);
    CHECK_NEAR(out[1], 1, 1e-6);
    /* data_to_world: the same base, t scaled to the height. */
    gl_mat4_data_to_world(c, view, 0.5f);
    float mid[3] = {2, 2, 1};
    gl_mat4_apply(c, mid, out);
    CHECK_NEAR(out[0], 0, 1e-6);
    CHECK_NEAR(out[1], 0, 1e-6);
    CHECK_NEAR(out[2], 0.5, 1e-6);
    /* (a * b) p == a (b p) */
    gl_mat4_perspective(a, 0.8f, 1.5f, 0.1f, 20.0f);
    gl_mat4_mul(c, a, b);
    float q[4], r[4];
    gl_mat4_apply(c, mid, q);
    gl_mat4_apply(b, mid, r);
    float r3[3] = {r[0], r[1], r[2]};
    gl_mat4_apply(a, r3, out);
    for (int i = 0; i < 4; i++) {
        CHECK_NEAR(q[i], out[i], 1e-5);
    }
}

static void test_camera(void)
{
    struct gl_camera cam;
    gl_camera_default(&cam);
    float m[16], out[4], eye[3];
    gl_camera_matrix(&cam, 16.0f / 9.0f, m);
    /* The target projects to the centre, in front of the camera. */
    gl_mat4_apply(m, cam.target, out);
    CHECK(out[3] > 0);
    CHECK_NEAR(out[0] / out[3], 0, 1e-5);
    CHECK_NEAR(out[1] / out[3], 0, 1e-5);
    CHECK(out[2] / out[3] > -1 && out[2] / out[3] < 1);
    /* The whole [-1, 1]^2 base at heights 0..1 is in view. */
    for (int k = 0; k < 8; k++) {
        float p[3] = {k & 1 ? 1.0f : -1.0f, k & 2 ? 1.0f : -1.0f, k & 4 ? 0.85f : 0.0f};
        gl_mat4_apply(m, p, out);
        CHECK(out[3] > 0 && fabsf(out[0] / out[3]) < 1.0f && fabsf(out[1] / out[3]) < 1.0f);
    }
    /* The eye is at the distance asked, above the floor. */
    gl_camera_eye(&cam, eye);
    float d = sqrtf(powf(eye[0] - cam.target[0], 2) + powf(eye[1] - cam.target[1], 2) +
                    powf(eye[2] - cam.target[2], 2));
    CHECK_NEAR(d, cam.distance, 1e-4);
    CHECK(eye[2] > cam.target[2]);
    /* Rotation clamps the pitch; zoom clamps the distance. */
    gl_camera_rotate(&cam, 0, 100000);
    CHECK_NEAR(cam.pitch, 1.5, 1e-6);
    gl_camera_rotate(&cam, 0, -100000);
    CHECK_NEAR(cam.pitch, 0.05, 1e-6);
    float before = cam.distance;
    gl_camera_zoom(&cam, 1);
    CHECK(cam.distance < before);
    gl_camera_zoom(&cam, 1000);
    CHECK_NEAR(cam.distance, 1.2, 1e-6);
    gl_camera_zoom(&cam, -1000);
    CHECK_NEAR(cam.distance, 12, 1e-6);
    /* A yaw drag turns the eye around the z axis, keeping its height. */
    gl_camera_default(&cam);
    float e0[3], e1[3];
    gl_camera_eye(&cam, e0);
    gl_camera_rotate(&cam, 157.08f, 0);
    gl_camera_eye(&cam, e1);
    CHECK_NEAR(e0[2], e1[2], 1e-5);
    CHECK_NEAR(e0[0] * e1[0] + e0[1] * e1[1], 0, 1e-2);   /* a quarter turn */
}

static void test_fit(void)
{
    /* A square domain in a wide window: equal units, the domain inside the fit rectangle. */
    double dom[4] = {-1, 1, -1, 1}, fit[4] = {0, 100, 600, 400}, v[4];
    gl_fit_view(dom, fit, 1000, 500, v);
    double upx = (v[1] - v[0]) / 1000, upy = (v[3] - v[2]) / 500;
    CHECK_NEAR(upx, upy, 1e-12);
    CHECK_NEAR(upx, 2.0 / 400, 1e-12);
    double p[2];
    gl_unproject2d(v, 1000, 500, 300, 300, p);   /* the fit rectangle's centre */
    CHECK_NEAR(p[0], 0, 1e-9);
    CHECK_NEAR(p[1], 0, 1e-9);
    gl_unproject2d(v, 1000, 500, 100, 100, p);   /* its top-left corner of the domain */
    CHECK_NEAR(p[0], -1, 1e-9);
    CHECK_NEAR(p[1], 1, 1e-9);
    gl_unproject2d(v, 1000, 500, 0, 500, p);
    CHECK_NEAR(p[0], v[0], 1e-12);
    CHECK_NEAR(p[1], v[2], 1e-12);
}

static void test_mesh(void)
{
    CHECK(gl_mesh_grid_indices(1, NULL) == 0);
    CHECK(gl_mesh_grid_indices(2, NULL) == 6);
    int n = 17;
    size_t count = gl_mesh_grid_indices(n, NULL);
    CHECK(count == 6u * 16 * 16);
    unsigned *idx = malloc(count * sizeof *idx);
    CHECK(gl_mesh_grid_indices(n, idx) == count);
    int *uses = calloc((size_t)(n * n), sizeof *uses);
    bool ccw = true, in_range = true;
    for (size_t t = 0; t < count; t += 3) {
        double x[3], y[3];
        for (int k = 0; k < 3; k++) {
            in_range &= idx[t + k] < (unsigned)(n * n);
            uses[idx[t + k] % (unsigned)(n * n)]++;
            x[k] = idx[t + k] % (unsigned)n;
            y[k] = idx[t + k] / (unsigned)n;
        }
        double area = (x[1] - x[0]) * (y[2] - y[0]) - (x[2] - x[0]) * (y[1] - y[0]);
        ccw &= area > 0;   /* counter-clockwise seen from +z, half a cell each */
        ccw &= fabs(area - 1.0) < 1e-12;
    }
    CHECK(in_range);
    CHECK(ccw);
    bool all_used = true;
    for (int i = 0; i < n * n; i++) {
        all_used &= uses[i] > 0;
    }
    CHECK(all_used);
    CHECK(uses[0] == 2 && uses[n - 1] == 1 && uses[n + 1] == 6);
    free(uses);
    free(idx);
}

int main(void)
{
    test_matrices();
    test_camera();
    test_fit();
    test_mesh();
    return check_done("gl_math");
}

#version 330 core
// heatmap.vert: a full-screen quad; passes the plane coordinates of each corner to the
// fragment shader, which evaluates the function per pixel.
layout(location = 0) in vec2 a_pos;     // clip space, [-1, 1]^2
uniform vec4 u_view;                    // xmin, xmax, ymin, ymax of the plane shown
out vec2 v_xy;                          // plane coordinates
void main()
{
    v_xy = vec2(mix(u_view.x, u_view.y, a_pos.x * 0.5 + 0.5),
                mix(u_view.z, u_view.w, a_pos.y * 0.5 + 0.5));
    gl_Position = vec4(a_pos, 0.0, 1.0);
}

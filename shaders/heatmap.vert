#version 330 core
// heatmap.vert: a full-screen quad with no vertex buffer (corners from gl_VertexID); passes the
// plane coordinates of each corner on, and the fragment shader evaluates the function per pixel.
uniform vec4 u_view;                    // xmin, xmax, ymin, ymax of the plane shown
out vec2 v_xy;                          // plane coordinates
void main()
{
    vec2 c = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));   // strip 0..3
    v_xy = vec2(mix(u_view.x, u_view.y, c.x), mix(u_view.z, u_view.w, c.y));
    gl_Position = vec4(c * 2.0 - 1.0, 0.0, 1.0);
}

#version 330 core
// marker.vert: point markers (positions, starts, minima, diverged crosses) as instanced
// screen-aligned quads of a fixed pixel size.
layout(location = 0) in vec3 a_pos;     // data coordinates (x, y, t)
layout(location = 1) in vec4 a_color;   // fill colour, non-premultiplied
layout(location = 2) in float a_size;   // diameter, pixels
layout(location = 3) in float a_shape;  // 0 disc, 1 ring, 2 cross, 3 diamond
uniform mat4 u_mvp;                     // data to clip space
uniform vec2 u_viewport;                // framebuffer size, pixels
out vec2 v_px;                          // pixels from the centre
flat out vec4 v_color;
flat out float v_size;
flat out int v_shape;
void main()
{
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1)) * 2.0 - 1.0;
    float half_px = 0.5 * a_size + 2.0;
    vec4 c = u_mvp * vec4(a_pos, 1.0);
    c.xy += corner * half_px * 2.0 / u_viewport * c.w;
    v_px = corner * half_px;
    v_color = a_color;
    v_size = a_size;
    v_shape = int(a_shape + 0.5);
    gl_Position = c;
}

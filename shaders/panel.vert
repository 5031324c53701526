#version 330 core
// panel.vert: a textured rectangle in pixels (y down) for cairo-drawn overlays and layers.
uniform vec4 u_rect;         // x, y, w, h in framebuffer pixels, y down
uniform vec2 u_viewport;     // framebuffer size, pixels
uniform bool u_flip;         // the texture's row 0 is at the bottom (GL-rendered)
out vec2 v_uv;
void main()
{
    vec2 c = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    vec2 px = u_rect.xy + c * u_rect.zw;
    v_uv = u_flip ? vec2(c.x, 1.0 - c.y) : c;
    gl_Position = vec4(px.x / u_viewport.x * 2.0 - 1.0, 1.0 - px.y / u_viewport.y * 2.0,
                       0.0, 1.0);
}

#version 330 core
// line.frag: the colour with an antialiased edge; optionally clipped to a data rectangle.
in float v_across;
in vec2 v_xy;
out vec4 frag;
uniform vec4 u_color;        // non-premultiplied RGBA
uniform float u_width;       // line width, pixels
uniform bool u_clip;         // discard outside u_clip_rect
uniform vec4 u_clip_rect;    // xmin, xmax, ymin, ymax
void main()
{
    if (u_clip && (v_xy.x < u_clip_rect.x || v_xy.x > u_clip_rect.y ||
                   v_xy.y < u_clip_rect.z || v_xy.y > u_clip_rect.w)) {
        discard;
    }
    float a = clamp(0.5 * u_width + 0.5 - abs(v_across), 0.0, 1.0);
    frag = vec4(u_color.rgb, u_color.a * a);
}

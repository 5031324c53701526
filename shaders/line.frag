#version 330 core
// line.frag: the line's colour with a dark border (so it reads on any part of the colour map)
// drawn in the same pass, antialiased edges; optionally clipped to a data rectangle.
in float v_across;
in vec2 v_xy;
in float v_width;            // line width here, pixels (u_width times the segment's factor)
out vec4 frag;
uniform vec4 u_color;        // non-premultiplied RGBA
uniform float u_rim;         // border each side, pixels (0: none)
uniform vec4 u_rim_color;    // border colour, non-premultiplied
uniform bool u_clip;         // discard outside u_clip_rect
uniform vec4 u_clip_rect;    // xmin, xmax, ymin, ymax
void main()
{
    if (u_clip && (v_xy.x < u_clip_rect.x || v_xy.x > u_clip_rect.y ||
                   v_xy.y < u_clip_rect.z || v_xy.y > u_clip_rect.w)) {
        discard;
    }
    float d = abs(v_across);
    float core = clamp(0.5 * v_width + 0.5 - d, 0.0, 1.0);
    float edge = clamp(0.5 * v_width + u_rim + 0.5 - d, 0.0, 1.0);
    vec4 c = mix(u_rim_color, u_color, core);
    frag = vec4(c.rgb, c.a * edge);
}

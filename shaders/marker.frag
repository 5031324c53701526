#version 330 core
// marker.frag: the marker shapes as signed distances (pixels) with a dark outline, so they
// read on every part of the colour map.
in vec2 v_px;
flat in vec4 v_color;
flat in float v_size;
flat in int v_shape;
out vec4 frag;
void main()
{
    float r = 0.5 * v_size;
    float d;                                   // < 0 inside the shape
    if (v_shape == 1) {
        d = abs(length(v_px) - 0.72 * r) - 0.22 * r;
    } else if (v_shape == 2) {
        vec2 p = abs(v_px);
        d = max(abs(p.x - p.y) * 0.70710678 - 0.2 * r, max(p.x, p.y) - 0.75 * r);
    } else if (v_shape == 3) {
        d = (abs(v_px.x) + abs(v_px.y)) * 0.70710678 - 0.62 * r;
    } else {
        d = length(v_px) - r;
    }
    float outline = 1.6;
    float a = clamp(0.5 - d, 0.0, 1.0);                  // antialiased outer edge
    float inner = clamp(0.5 - (d + outline), 0.0, 1.0);  // fill inside the outline
    vec3 dark = vec3(0.08, 0.08, 0.1);
    frag = vec4(mix(dark, v_color.rgb, inner), v_color.a * a);
}

#version 330 core
// heatmap.frag: the function as a colour map with isolines, per pixel. The line
// `//@FUNCTION@` is replaced at load time by sim/'s GLSL emission of the expression, so the
// shader and the optimizers evaluate the same definition.
in vec2 v_xy;
out vec4 frag;
uniform vec2 u_range;        // colour range of the (possibly log-compressed) value
uniform float u_fmin;        // offset for the log scale
uniform bool u_log;          // log colour scale
uniform bool u_contours;     // draw isolines
uniform float u_levels;      // isolines across the range
uniform sampler2D u_cmap;    // 256x1 colour map

//@PRELUDE@

float f(float x, float y)
{
    return //@FUNCTION@
    ;
}

float scaled(float v)
{
    return u_log ? log(max(v - u_fmin, 0.0) + 1e-6) : v;
}

void main()
{
    float s = scaled(f(v_xy.x, v_xy.y));
    float t = clamp((s - u_range.x) / max(u_range.y - u_range.x, 1e-12), 0.0, 1.0);
    vec3 c = texture(u_cmap, vec2(t, 0.5)).rgb;
    if (u_contours) {
        float l = t * u_levels;
        float w = fwidth(l);
        float line = 1.0 - smoothstep(0.0, w * 1.2, abs(fract(l + 0.5) - 0.5));
        c = mix(c, vec3(1.0), 0.35 * line);
    }
    frag = vec4(c, 1.0);
}

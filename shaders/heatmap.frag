#version 330 core
// heatmap.frag: the function as a colour map with isolines, per pixel. The lines `//@PRELUDE@`
// and `//@FUNCTION@` are replaced at load time by sim/'s GLSL emission of the objective, so the
// shader and the optimizers evaluate the same definition. The scale is draw/'s draw_scale.
in vec2 v_xy;
out vec4 frag;
uniform bool u_log;          // s = log10(max(f - fmin, 0) + eps), else s = f
uniform float u_fmin;        // smallest sampled value
uniform float u_eps;         // log offset
uniform vec2 u_range;        // s at t = 0 and t = 1
uniform bool u_contours;     // draw isolines
uniform float u_levels;      // isolines at t = k / u_levels
uniform vec3 u_iso_rgb;      // isolines' colour (the theme's)
uniform sampler2D u_cmap;    // 256 x 1 colour map

//@PRELUDE@

float f(float x, float y)
{
    return
//@FUNCTION@
    ;
}

void main()
{
    float v = f(v_xy.x, v_xy.y);
    if (isnan(v) || isinf(v)) {
        frag = vec4(0.5, 0.5, 0.5, 1.0);
        return;
    }
    float s = u_log ? log(max(v - u_fmin, 0.0) + u_eps) * 0.43429448 : v;
    float t = (s - u_range.x) / max(u_range.y - u_range.x, 1e-30);
    vec3 c = texture(u_cmap, vec2(clamp(t, 0.0, 1.0) * (255.0 / 256.0) + 0.5 / 256.0, 0.5)).rgb;
    if (u_contours && t > 0.0 && t < 1.0) {
        float l = t * u_levels;
        float w = max(fwidth(l), 1e-6);
        float d = abs(fract(l + 0.5) - 0.5) / w;       // pixels from the nearest isoline
        float line = 1.0 - smoothstep(0.6, 1.4, d);
        c = mix(c, u_iso_rgb, 0.42 * line);
    }
    frag = vec4(c, 1.0);
}

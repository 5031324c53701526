#version 330 core
// surface.frag: the lit surface: colour map by height, diffuse + a little specular light from
// above the camera, isolines at the same levels as the 2-D view.
in float v_t;
in vec3 v_normal;
out vec4 frag;
uniform sampler2D u_cmap;    // 256 x 1 colour map
uniform vec3 u_light;        // world direction towards the light (normalized)
uniform vec3 u_view_dir;     // world direction towards the camera (normalized)
uniform bool u_contours;     // draw isolines
uniform float u_levels;      // isolines at t = k / u_levels
uniform vec3 u_iso_rgb;      // isolines' colour (the theme's)

void main()
{
    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) {
        n = -n;
    }
    vec3 c = texture(u_cmap, vec2(clamp(v_t, 0.0, 1.0) * (255.0 / 256.0) + 0.5 / 256.0,
                                  0.5)).rgb;
    float diff = max(dot(n, u_light), 0.0);
    float spec = pow(max(dot(n, normalize(u_light + u_view_dir)), 0.0), 40.0);
    vec3 lit = c * (0.38 + 0.72 * diff) + vec3(0.18 * spec);
    if (u_contours && v_t > 0.0 && v_t < 1.0) {
        float l = v_t * u_levels;
        float w = max(fwidth(l), 1e-6);
        float d = abs(fract(l + 0.5) - 0.5) / w;
        lit = mix(lit, u_iso_rgb, 0.35 * (1.0 - smoothstep(0.5, 1.3, d)));
    }
    frag = vec4(lit, 1.0);
}

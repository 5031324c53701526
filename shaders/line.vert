#version 330 core
// line.vert: a thick antialiased polyline as one triangle strip, two vertices per point (no
// vertex buffer: points come from a buffer texture by gl_VertexID). Each pair is pushed apart
// along the mitre of its two segments in screen space, so joins close without overlap.
uniform samplerBuffer u_points;      // (n) points: data x, y, t (the 3-D height), unused
uniform int u_n;                     // points
uniform mat4 u_mvp;                  // data to clip space
uniform vec2 u_viewport;             // framebuffer size, pixels
uniform float u_width;               // line width, pixels
uniform float u_rim;                 // dark border each side, pixels
out float v_across;                  // pixels from the centre line, signed
out vec2 v_xy;                       // data coordinates, for clipping to the surface

vec4 clip_at(int i)
{
    return u_mvp * vec4(texelFetch(u_points, clamp(i, 0, u_n - 1)).xyz, 1.0);
}

vec2 screen(vec4 c)
{
    return c.xy / max(c.w, 1e-6) * u_viewport * 0.5;
}

void main()
{
    int i = gl_VertexID >> 1;
    float side = (gl_VertexID & 1) == 0 ? -1.0 : 1.0;
    vec4 c = clip_at(i);
    vec2 s = screen(c);
    vec2 sp = screen(clip_at(i - 1));
    vec2 sn = screen(clip_at(i + 1));
    vec2 d0 = s - sp, d1 = sn - s;
    float l0 = length(d0), l1 = length(d1);
    // Ends and repeated points borrow the other segment's direction.
    d0 = l0 > 1e-4 ? d0 / l0 : (l1 > 1e-4 ? d1 / l1 : vec2(1.0, 0.0));
    d1 = l1 > 1e-4 ? d1 / l1 : d0;
    vec2 n0 = vec2(-d0.y, d0.x), n1 = vec2(-d1.y, d1.x);
    vec2 m = n0 + n1;
    float lm = length(m);
    m = lm > 1e-4 ? m / lm : n1;
    // The mitre is 1 / cos(half the turn) long; sharp turns are capped at twice the width.
    float half_w = 0.5 * u_width + u_rim + 1.0;     // one more pixel for the antialiased edge
    float k = min(1.0 / max(dot(m, n1), 0.25), 2.0);
    c.xy += m * side * half_w * k * 2.0 / u_viewport * c.w;
    v_across = side * half_w;
    v_xy = texelFetch(u_points, clamp(i, 0, u_n - 1)).xy;
    gl_Position = c;
}

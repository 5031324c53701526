#version 330 core
// line.vert: a thick antialiased polyline as one triangle strip, four vertices per point (no
// vertex buffer: points come from a buffer texture by gl_VertexID). Each point has a pair of
// vertices across its incoming segment and a pair across its outgoing one, so every segment
// keeps its full width to both ends however sharp the turn (a zig-zag of long steps stays a
// thick line), and the quad between the two pairs bevels the join. On a smooth curve the two
// pairs coincide.
uniform samplerBuffer u_points;      // (n) points: data x, y, t (the 3-D height), and the
                                     // width factor of the segment into the point (0: 1)
uniform int u_n;                     // points
uniform mat4 u_mvp;                  // data to clip space
uniform vec2 u_viewport;             // framebuffer size, pixels
uniform float u_width;               // line width, pixels
uniform float u_rim;                 // dark border each side, pixels
out float v_across;                  // pixels from the centre line, signed
out float v_width;                   // line width here, pixels
out vec2 v_xy;                       // data coordinates, for clipping to the surface

vec4 clip_at(int i)
{
    return u_mvp * vec4(texelFetch(u_points, clamp(i, 0, u_n - 1)).xyz, 1.0);
}

vec2 screen(vec4 c)
{
    return c.xy / max(c.w, 1e-6) * u_viewport * 0.5;
}

// The unit direction from point a to point b on screen, or `fallback` when they coincide.
vec2 direction(vec2 a, vec2 b, vec2 fallback)
{
    vec2 d = b - a;
    float l = length(d);
    return l > 1e-4 ? d / l : fallback;
}

void main()
{
    int i = gl_VertexID >> 2;
    bool outgoing = ((gl_VertexID >> 1) & 1) == 1;
    float side = (gl_VertexID & 1) == 0 ? -1.0 : 1.0;
    vec4 c = clip_at(i);
    vec2 s = screen(c);
    vec2 sp = screen(clip_at(i - 1));
    vec2 sn = screen(clip_at(i + 1));
    // Ends and repeated points borrow the other segment's direction.
    vec2 d1 = direction(s, sn, direction(sp, s, vec2(1.0, 0.0)));
    vec2 d0 = direction(sp, s, d1);
    vec2 d = outgoing ? d1 : d0;
    vec2 n = vec2(-d.y, d.x);
    // A segment's width is its end point's factor: the outgoing pair takes the next point's.
    float f = texelFetch(u_points, clamp(outgoing ? i + 1 : i, 0, u_n - 1)).w;
    v_width = u_width * (f > 0.0 ? f : 1.0);
    float half_w = 0.5 * v_width + u_rim + 1.0;     // one more pixel for the antialiased edge
    c.xy += n * side * half_w * 2.0 / u_viewport * c.w;
    v_across = side * half_w;
    v_xy = texelFetch(u_points, clamp(i, 0, u_n - 1)).xy;
    gl_Position = c;
}

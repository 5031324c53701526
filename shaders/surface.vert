#version 330 core
// surface.vert: one vertex per grid point of the n x n mesh (no vertex buffer: gl_VertexID);
// the height t comes from the field texture, the normal from its neighbours.
uniform sampler2D u_field;   // n x n, R32F: t in [0, 1] at grid point (i, j)
uniform int u_n;             // grid points per side
uniform vec4 u_view;         // data rectangle under the mesh: xmin, xmax, ymin, ymax
uniform mat4 u_mvp;          // data (x, y, t) to clip space
uniform float u_height;      // world height of t = 1 (the base spans 2 world units)
out float v_t;               // colour-scale position
out vec3 v_normal;           // world-space normal

float t_at(int i, int j)
{
    return texelFetch(u_field, ivec2(clamp(i, 0, u_n - 1), clamp(j, 0, u_n - 1)), 0).r;
}

void main()
{
    int i = gl_VertexID % u_n;
    int j = gl_VertexID / u_n;
    float t = t_at(i, j);
    float h = 2.0 / float(u_n - 1);      // world spacing of the grid
    float dx = (t_at(i + 1, j) - t_at(i - 1, j)) * u_height / (2.0 * h);
    float dy = (t_at(i, j + 1) - t_at(i, j - 1)) * u_height / (2.0 * h);
    v_normal = normalize(vec3(-dx, -dy, 1.0));
    v_t = t;
    vec2 uv = vec2(i, j) / float(u_n - 1);
    vec2 xy = vec2(mix(u_view.x, u_view.y, uv.x), mix(u_view.z, u_view.w, uv.y));
    gl_Position = u_mvp * vec4(xy, t, 1.0);
}

#version 330 core
// field.frag: the 3-D surface's heights: the colour-scale position t of the objective at each
// grid point, written to a float texture when the view or the function changes. Same
// substitutions and scale as heatmap.frag.
in vec2 v_xy;
out float frag_t;
uniform bool u_log;          // s = log10(max(f - fmin, 0) + eps), else s = f
uniform float u_fmin;        // smallest sampled value
uniform float u_eps;         // log offset
uniform vec2 u_range;        // s at t = 0 and t = 1

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
        frag_t = 1.0;
        return;
    }
    float s = u_log ? log(max(v - u_fmin, 0.0) + u_eps) * 0.43429448 : v;
    frag_t = clamp((s - u_range.x) / max(u_range.y - u_range.x, 1e-30), 0.0, 1.0);
}

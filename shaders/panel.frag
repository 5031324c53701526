#version 330 core
// panel.frag: cairo's premultiplied pixels (uploaded as BGRA, row 0 at the top).
in vec2 v_uv;
out vec4 frag;
uniform sampler2D u_tex;
void main()
{
    frag = texture(u_tex, v_uv);
}

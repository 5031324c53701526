#version 330 core
// panel.frag: premultiplied pixels: cairo's (uploaded as BGRA) or a GL layer's.
in vec2 v_uv;
out vec4 frag;
uniform sampler2D u_tex;
void main()
{
    frag = texture(u_tex, v_uv);
}

/* glslang_check.h: validates emitted GLSL with Debian's glslangValidator when it is installed
 * (the expression and catalog tests share it). */
#ifndef OPTISCOPE_TESTS_GLSLANG_CHECK_H
#define OPTISCOPE_TESTS_GLSLANG_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "sim/expr.h"

/* Compiles a GLSL 3.30 fragment shader holding the prelude and one function per emitted
 * expression with glslangValidator, when Debian's glslang-tools is installed. Returns -1 when
 * the validator is absent (the test then checks nothing), 0 when the shader is valid. */
static inline int glslang_check(char *const *glsl, size_t n)
{
    if (system("command -v glslangValidator > /dev/null 2>&1") != 0) {
        return -1;
    }
    FILE *f = popen("glslangValidator --stdin -S frag 1>&2", "w");
    if (!f) {
        return -1;
    }
    fprintf(f, "#version 330 core\n%s\nout vec4 color;\nuniform vec2 p;\n",
            expr_glsl_prelude());
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "float f%zu(float x, float y) { return %s; }\n", i, glsl[i]);
    }
    fprintf(f, "void main() {\n    float s = 0.0;\n");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "    s += f%zu(p.x, p.y);\n", i);
    }
    fprintf(f, "    color = vec4(s);\n}\n");
    return pclose(f) == 0 ? 0 : 1;
}

#endif

/* render_common.h: the headless figure path shared by `render` and the window's no-display
 * fallback: run a scene's race for its steps and export the drawing. */
#ifndef OPTISCOPE_CLI_RENDER_COMMON_H
#define OPTISCOPE_CLI_RENDER_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/scene.h"

/* Resolves `scene`, runs its race, writes the figure to `path` (format by extension; checked
 * before by render_check_output). Returns the exit status (0; 1 when the write failed, e.g. a
 * full disk; 2 bad input) after printing errors as
 * "optiscope CMD: ...". Diverged optimizers are reported on stderr. */
int render_scene_to_file(const char *cmd, struct scene *scene, const char *path, int width,
                         int height);

/* Fails early, before any work, when PATH is empty, its extension is not .png/.svg/.pdf/.gif,
 * or it cannot be written (util_outfile_check: a folder, a missing or read-only folder). */
bool render_check_output(const char *path, char *err, size_t errlen);

/* Parses "WxH" (each 16..16384). */
bool render_parse_size(const char *s, int *w, int *h);

/* The shaders' folder (next to the presets); false after printing where it looked. */
bool render_find_shaders(const char *cmd, char *dir, size_t len);

/* The window's frame drawn offscreen through OpenGL (EGL) to a PNG: `render --view 3d`.
 * Returns the exit status after printing errors as "optiscope CMD: ...". */
int render_gl_png(const char *cmd, struct scene *scene, const char *path, int width,
                  int height, bool view3d);

#endif

/* session_fixture.c: the session tests' common set-up: a scene from a preset and key = value
 * pairs, and a session on it; errors abort with their message (a broken fixture, not a result). */
#include "session_fixture.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim/util.h"

static void must(bool ok, const char *err)
{
    if (!ok) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
}

struct session *fixture_open(const char *preset, const char *const *kv, struct session_desc desc)
{
    struct scene sc;
    scene_init(&sc);
    char path[512], err[512];
    if (preset) {
        snprintf(path, sizeof path, "%s/%s.scene", FIXTURE_PRESETS, preset);
        must(scene_load_file(&sc, path, err, sizeof err), err);
    }
    for (int i = 0; kv && kv[i]; i += 2) {
        must(scene_set(&sc, kv[i], kv[i + 1], true, err, sizeof err), err);
    }
    struct session *s = xmalloc(sizeof *s);
    desc.scene = &sc;
    if (!desc.shot_dir) {
        desc.shot_dir = "/tmp";
    }
    must(session_init(s, &desc, err, sizeof err), err);
    scene_finish(&sc);
    return s;
}

void fixture_close(struct session *s)
{
    session_finish(s);
    free(s);
}

/* session_fixture.h: a session made for a test (the scene from a preset and key = value pairs,
 * then session_init), so the session tests set one up the same way; any error aborts. */
#ifndef OPTISCOPE_TESTS_SESSION_FIXTURE_H
#define OPTISCOPE_TESTS_SESSION_FIXTURE_H

#include "session/session.h"

/* The project's presets folder, for tests that give it to a session as its Tab list. */
#define FIXTURE_PRESETS TEST_SRCDIR "/../assets/presets"

/* A new session on assets/presets/PRESET.scene (none when preset is NULL) with the pairs of
 * kv (key, value, ..., NULL; or NULL) set over it, opened with desc's settings (its scene is
 * ignored; shot_dir NULL: /tmp). Prints the message and aborts on any error. */
struct session *fixture_open(const char *preset, const char *const *kv, struct session_desc desc);
/* Finishes and frees a fixture_open session. */
void fixture_close(struct session *s);

#endif

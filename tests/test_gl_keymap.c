/* test_gl_keymap.c: the window's key map: every key the help overlay names does what it says,
 * modifiers matter where they should, and the help lists every action a key can trigger. */
#include <string.h>

#include "app/keymap.h"
#include "check.h"

static enum session_action kind(SDL_Keycode k, Uint16 mod)
{
    bool repeat;
    int arg;
    return app_keymap(k, mod, &repeat, &arg);
}

int main(void)
{
    CHECK(kind(SDLK_SPACE, 0) == SESSION_PLAY);
    CHECK(kind(SDLK_RIGHT, 0) == SESSION_STEP);
    CHECK(kind(SDLK_PERIOD, 0) == SESSION_STEP);
    CHECK(kind(SDLK_r, 0) == SESSION_RESET);
    CHECK(kind(SDLK_TAB, 0) == SESSION_FUNC_NEXT);
    CHECK(kind(SDLK_TAB, KMOD_LSHIFT) == SESSION_FUNC_PREV);
    CHECK(kind(SDLK_TAB, KMOD_RSHIFT) == SESSION_FUNC_PREV);
    CHECK(kind(SDLK_p, 0) == SESSION_PRESET_NEXT);
    CHECK(kind(SDLK_UP, 0) == SESSION_SELECT_PREV);
    CHECK(kind(SDLK_DOWN, 0) == SESSION_SELECT_NEXT);
    CHECK(kind(SDLK_LEFTBRACKET, 0) == SESSION_LR_DOWN);
    CHECK(kind(SDLK_RIGHTBRACKET, 0) == SESSION_LR_UP);
    CHECK(kind(SDLK_MINUS, 0) == SESSION_SLOWER);
    CHECK(kind(SDLK_EQUALS, 0) == SESSION_FASTER);
    CHECK(kind(SDLK_EQUALS, KMOD_LSHIFT) == SESSION_FASTER);   /* '+' on most layouts */
    CHECK(kind(SDLK_l, 0) == SESSION_LOG);
    CHECK(kind(SDLK_c, 0) == SESSION_CONTOURS);
    CHECK(kind(SDLK_g, 0) == SESSION_ARROWS);
    CHECK(kind(SDLK_t, 0) == SESSION_TRAILS);
    CHECK(kind(SDLK_v, 0) == SESSION_VIEW3D);
    CHECK(kind(SDLK_h, 0) == SESSION_HELP);
    CHECK(kind(SDLK_F1, 0) == SESSION_HELP);
    CHECK(kind(SDLK_s, 0) == SESSION_SCREENSHOT);
    CHECK(kind(SDLK_F11, 0) == SESSION_FULLSCREEN);
    CHECK(kind(SDLK_q, 0) == SESSION_QUIT);
    CHECK(kind(SDLK_ESCAPE, 0) == SESSION_QUIT);
    CHECK(kind(SDLK_HOME, 0) == SESSION_HOME);
    CHECK(kind(SDLK_u, 0) == SESSION_TUNE);
    CHECK(kind(SDLK_j, 0) == SESSION_LAMBDA_DOWN);   /* the split view's lambda */
    CHECK(kind(SDLK_k, 0) == SESSION_LAMBDA_UP);
    /* 1..9 then 0 toggle runners 0..9. */
    SDL_Keycode digits[10] = {SDLK_1, SDLK_2, SDLK_3, SDLK_4, SDLK_5,
                              SDLK_6, SDLK_7, SDLK_8, SDLK_9, SDLK_0};
    for (int i = 0; i < 10; i++) {
        bool repeat;
        int arg = -1;
        enum session_action a = app_keymap(digits[i], 0, &repeat, &arg);
        CHECK(a == SESSION_TOGGLE_RUNNER && arg == i);
        CHECK(!repeat);
    }
    /* Ctrl/Alt combinations belong to the desktop, not to us; unknown keys do nothing. */
    CHECK(kind(SDLK_q, KMOD_LCTRL) == SESSION_NONE);
    CHECK(kind(SDLK_s, KMOD_LALT) == SESSION_NONE);
    CHECK(kind(SDLK_z, 0) == SESSION_NONE);
    /* Holding a key repeats steps and learning-rate changes, never toggles. */
    bool repeat;
    app_keymap(SDLK_RIGHTBRACKET, 0, &repeat, &(int){0});
    CHECK(repeat);
    app_keymap(SDLK_RIGHT, 0, &repeat, &(int){0});
    CHECK(repeat);
    app_keymap(SDLK_v, 0, &repeat, &(int){0});
    CHECK(!repeat);
    app_keymap(SDLK_s, 0, &repeat, &(int){0});
    CHECK(!repeat);
    /* The help names each key family. */
    int n;
    const struct figure_help_entry *e = app_help_entries(&n);
    CHECK(n >= 20);
    const char *need[] = {"Space", "Tab", "P", "[", "G", "T", "C", "L", "V", "S", "F11", "Esc",
                          "H", "drag", "wheel", "click", "Home", "U"};
    for (size_t k = 0; k < sizeof need / sizeof need[0]; k++) {
        bool found = false;
        for (int i = 0; i < n; i++) {
            found |= strstr(e[i].keys, need[k]) != NULL;
        }
        CHECK(found);
        if (!found) {
            fprintf(stderr, "help lacks %s\n", need[k]);
        }
    }
    return check_done("gl_keymap");
}

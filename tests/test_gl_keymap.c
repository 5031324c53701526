/* test_gl_keymap.c: the window's key map: every key the help overlay names does what it says,
 * modifiers matter where they should, and the help lists every action a key can trigger. */
#include <string.h>

#include "app/keymap.h"
#include "check.h"

static enum app_action_kind kind(SDL_Keycode k, Uint16 mod)
{
    bool repeat;
    return app_keymap(k, mod, &repeat).kind;
}

int main(void)
{
    CHECK(kind(SDLK_SPACE, 0) == APP_ACT_PLAY);
    CHECK(kind(SDLK_RIGHT, 0) == APP_ACT_STEP);
    CHECK(kind(SDLK_PERIOD, 0) == APP_ACT_STEP);
    CHECK(kind(SDLK_r, 0) == APP_ACT_RESET);
    CHECK(kind(SDLK_TAB, 0) == APP_ACT_FUNC_NEXT);
    CHECK(kind(SDLK_TAB, KMOD_LSHIFT) == APP_ACT_FUNC_PREV);
    CHECK(kind(SDLK_TAB, KMOD_RSHIFT) == APP_ACT_FUNC_PREV);
    CHECK(kind(SDLK_p, 0) == APP_ACT_PRESET_NEXT);
    CHECK(kind(SDLK_UP, 0) == APP_ACT_SELECT_PREV);
    CHECK(kind(SDLK_DOWN, 0) == APP_ACT_SELECT_NEXT);
    CHECK(kind(SDLK_LEFTBRACKET, 0) == APP_ACT_LR_DOWN);
    CHECK(kind(SDLK_RIGHTBRACKET, 0) == APP_ACT_LR_UP);
    CHECK(kind(SDLK_MINUS, 0) == APP_ACT_SLOWER);
    CHECK(kind(SDLK_EQUALS, 0) == APP_ACT_FASTER);
    CHECK(kind(SDLK_EQUALS, KMOD_LSHIFT) == APP_ACT_FASTER);   /* '+' on most layouts */
    CHECK(kind(SDLK_l, 0) == APP_ACT_LOG);
    CHECK(kind(SDLK_c, 0) == APP_ACT_CONTOURS);
    CHECK(kind(SDLK_g, 0) == APP_ACT_ARROWS);
    CHECK(kind(SDLK_t, 0) == APP_ACT_TRAILS);
    CHECK(kind(SDLK_v, 0) == APP_ACT_VIEW3D);
    CHECK(kind(SDLK_h, 0) == APP_ACT_HELP);
    CHECK(kind(SDLK_F1, 0) == APP_ACT_HELP);
    CHECK(kind(SDLK_s, 0) == APP_ACT_SCREENSHOT);
    CHECK(kind(SDLK_F11, 0) == APP_ACT_FULLSCREEN);
    CHECK(kind(SDLK_q, 0) == APP_ACT_QUIT);
    CHECK(kind(SDLK_ESCAPE, 0) == APP_ACT_QUIT);
    CHECK(kind(SDLK_HOME, 0) == APP_ACT_HOME);
    /* 1..9 then 0 toggle runners 0..9. */
    SDL_Keycode digits[10] = {SDLK_1, SDLK_2, SDLK_3, SDLK_4, SDLK_5,
                              SDLK_6, SDLK_7, SDLK_8, SDLK_9, SDLK_0};
    for (int i = 0; i < 10; i++) {
        bool repeat;
        struct app_action a = app_keymap(digits[i], 0, &repeat);
        CHECK(a.kind == APP_ACT_TOGGLE_RUNNER && a.arg == i);
        CHECK(!repeat);
    }
    /* Ctrl/Alt combinations belong to the desktop, not to us; unknown keys do nothing. */
    CHECK(kind(SDLK_q, KMOD_LCTRL) == APP_ACT_NONE);
    CHECK(kind(SDLK_s, KMOD_LALT) == APP_ACT_NONE);
    CHECK(kind(SDLK_z, 0) == APP_ACT_NONE);
    /* Holding a key repeats steps and learning-rate changes, never toggles. */
    bool repeat;
    app_keymap(SDLK_RIGHTBRACKET, 0, &repeat);
    CHECK(repeat);
    app_keymap(SDLK_RIGHT, 0, &repeat);
    CHECK(repeat);
    app_keymap(SDLK_v, 0, &repeat);
    CHECK(!repeat);
    app_keymap(SDLK_s, 0, &repeat);
    CHECK(!repeat);
    /* The help names each key family. */
    int n;
    const struct draw_help_entry *e = app_help_entries(&n);
    CHECK(n >= 20);
    const char *need[] = {"Space", "Tab", "P", "[", "G", "T", "C", "L", "V", "S", "F11", "Esc",
                          "H", "drag", "wheel", "click", "Home"};
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

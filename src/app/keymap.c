/* keymap.c: the window's keys: one table mapping SDL key codes to actions, and the help
 * overlay's text describing the same keys and the mouse. */
#include "app/keymap.h"

#include <stddef.h>

/* One key. */
struct key_binding {
    SDL_Keycode key;              /* SDL key code */
    bool shift;                   /* requires Shift (else Shift must not be held, when the
                                     same key has a shifted binding) */
    enum app_action_kind kind;    /* what it does */
    int arg;                      /* runner index for toggles */
    bool repeat;                  /* held down, it repeats */
};

static const struct key_binding bindings[] = {
    {SDLK_SPACE, false, APP_ACT_PLAY, 0, false},
    {SDLK_RIGHT, false, APP_ACT_STEP, 0, true},
    {SDLK_PERIOD, false, APP_ACT_STEP, 0, true},
    {SDLK_r, false, APP_ACT_RESET, 0, false},
    {SDLK_TAB, true, APP_ACT_FUNC_PREV, 0, false},
    {SDLK_TAB, false, APP_ACT_FUNC_NEXT, 0, false},
    {SDLK_p, false, APP_ACT_PRESET_NEXT, 0, false},
    {SDLK_1, false, APP_ACT_TOGGLE_RUNNER, 0, false},
    {SDLK_2, false, APP_ACT_TOGGLE_RUNNER, 1, false},
    {SDLK_3, false, APP_ACT_TOGGLE_RUNNER, 2, false},
    {SDLK_4, false, APP_ACT_TOGGLE_RUNNER, 3, false},
    {SDLK_5, false, APP_ACT_TOGGLE_RUNNER, 4, false},
    {SDLK_6, false, APP_ACT_TOGGLE_RUNNER, 5, false},
    {SDLK_7, false, APP_ACT_TOGGLE_RUNNER, 6, false},
    {SDLK_8, false, APP_ACT_TOGGLE_RUNNER, 7, false},
    {SDLK_9, false, APP_ACT_TOGGLE_RUNNER, 8, false},
    {SDLK_0, false, APP_ACT_TOGGLE_RUNNER, 9, false},
    {SDLK_UP, false, APP_ACT_SELECT_PREV, 0, true},
    {SDLK_DOWN, false, APP_ACT_SELECT_NEXT, 0, true},
    {SDLK_LEFTBRACKET, false, APP_ACT_LR_DOWN, 0, true},
    {SDLK_RIGHTBRACKET, false, APP_ACT_LR_UP, 0, true},
    {SDLK_MINUS, false, APP_ACT_SLOWER, 0, true},
    {SDLK_KP_MINUS, false, APP_ACT_SLOWER, 0, true},
    {SDLK_EQUALS, false, APP_ACT_FASTER, 0, true},
    {SDLK_PLUS, false, APP_ACT_FASTER, 0, true},
    {SDLK_KP_PLUS, false, APP_ACT_FASTER, 0, true},
    {SDLK_l, false, APP_ACT_LOG, 0, false},
    {SDLK_c, false, APP_ACT_CONTOURS, 0, false},
    {SDLK_g, false, APP_ACT_ARROWS, 0, false},
    {SDLK_t, false, APP_ACT_TRAILS, 0, false},
    {SDLK_v, false, APP_ACT_VIEW3D, 0, false},
    {SDLK_HOME, false, APP_ACT_HOME, 0, false},
    {SDLK_h, false, APP_ACT_HELP, 0, false},
    {SDLK_F1, false, APP_ACT_HELP, 0, false},
    {SDLK_s, false, APP_ACT_SCREENSHOT, 0, false},
    {SDLK_F11, false, APP_ACT_FULLSCREEN, 0, false},
    {SDLK_q, false, APP_ACT_QUIT, 0, false},
    {SDLK_ESCAPE, false, APP_ACT_QUIT, 0, false},
};

struct app_action app_keymap(SDL_Keycode key, Uint16 mod, bool *repeat)
{
    bool shift = (mod & KMOD_SHIFT) != 0;
    *repeat = false;
    if (mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI)) {
        return (struct app_action){APP_ACT_NONE, 0};
    }
    for (size_t i = 0; i < sizeof bindings / sizeof bindings[0]; i++) {
        const struct key_binding *b = &bindings[i];
        if (b->key == key && (!b->shift || shift)) {
            *repeat = b->repeat;
            return (struct app_action){b->kind, b->arg};
        }
    }
    return (struct app_action){APP_ACT_NONE, 0};
}

static const struct draw_help_entry help[] = {
    {"Space", "play / pause"},
    {"\xE2\x86\x92 or .", "one step"},
    {"R", "reset to the start"},
    {"click", "set the start (2-D)"},
    {"Tab / Shift+Tab", "next / previous function"},
    {"P", "next preset race"},
    {"1 \xE2\x80\xA6 9, 0", "show / hide optimizer 1 \xE2\x80\xA6 10"},
    {"\xE2\x86\x91 \xE2\x86\x93", "select an optimizer"},
    {"[  ]", "halve / double its learning rate"},
    {"\xE2\x88\x92  =", "slower / faster (steps per second)"},
    {"G", "gradient and velocity arrows"},
    {"T", "trails"},
    {"C", "isolines"},
    {"L", "log / linear colours"},
    {"V", "2-D / 3-D view"},
    {"drag", "pan (2-D) or rotate (3-D)"},
    {"wheel", "zoom"},
    {"Home", "reset zoom and camera"},
    {"S", "save a screenshot (PNG)"},
    {"F11", "full screen"},
    {"H or F1", "this help"},
    {"Q or Esc", "quit (Esc closes help first)"},
};

const struct draw_help_entry *app_help_entries(int *n)
{
    *n = (int)(sizeof help / sizeof help[0]);
    return help;
}

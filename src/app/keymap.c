/* keymap.c: the window's keys: one table mapping SDL key codes to actions, and the help
 * overlay's text describing the same keys and the mouse. */
#include "app/keymap.h"

#include <stddef.h>

#include "sim/i18n.h"

/* One key. */
struct key_binding {
    SDL_Keycode key;              /* SDL key code */
    bool shift;                   /* requires Shift (else Shift must not be held, when the
                                     same key has a shifted binding) */
    enum session_action kind;    /* what it does */
    int arg;                      /* runner index for toggles */
    bool repeat;                  /* held down, it repeats */
};

static const struct key_binding bindings[] = {
    {SDLK_SPACE, false, SESSION_PLAY, 0, false},
    {SDLK_RIGHT, false, SESSION_STEP, 0, true},
    {SDLK_PERIOD, false, SESSION_STEP, 0, true},
    {SDLK_r, false, SESSION_RESET, 0, false},
    {SDLK_TAB, true, SESSION_FUNC_PREV, 0, false},
    {SDLK_TAB, false, SESSION_FUNC_NEXT, 0, false},
    {SDLK_p, false, SESSION_PRESET_NEXT, 0, false},
    {SDLK_1, false, SESSION_TOGGLE_RUNNER, 0, false},
    {SDLK_2, false, SESSION_TOGGLE_RUNNER, 1, false},
    {SDLK_3, false, SESSION_TOGGLE_RUNNER, 2, false},
    {SDLK_4, false, SESSION_TOGGLE_RUNNER, 3, false},
    {SDLK_5, false, SESSION_TOGGLE_RUNNER, 4, false},
    {SDLK_6, false, SESSION_TOGGLE_RUNNER, 5, false},
    {SDLK_7, false, SESSION_TOGGLE_RUNNER, 6, false},
    {SDLK_8, false, SESSION_TOGGLE_RUNNER, 7, false},
    {SDLK_9, false, SESSION_TOGGLE_RUNNER, 8, false},
    {SDLK_0, false, SESSION_TOGGLE_RUNNER, 9, false},
    {SDLK_UP, false, SESSION_SELECT_PREV, 0, true},
    {SDLK_DOWN, false, SESSION_SELECT_NEXT, 0, true},
    {SDLK_LEFTBRACKET, false, SESSION_LR_DOWN, 0, true},
    {SDLK_RIGHTBRACKET, false, SESSION_LR_UP, 0, true},
    {SDLK_MINUS, false, SESSION_SLOWER, 0, true},
    {SDLK_KP_MINUS, false, SESSION_SLOWER, 0, true},
    {SDLK_EQUALS, false, SESSION_FASTER, 0, true},
    {SDLK_PLUS, false, SESSION_FASTER, 0, true},
    {SDLK_KP_PLUS, false, SESSION_FASTER, 0, true},
    {SDLK_l, false, SESSION_LOG, 0, false},
    {SDLK_c, false, SESSION_CONTOURS, 0, false},
    {SDLK_g, false, SESSION_ARROWS, 0, false},
    {SDLK_t, false, SESSION_TRAILS, 0, false},
    {SDLK_v, false, SESSION_VIEW3D, 0, false},
    {SDLK_HOME, false, SESSION_HOME, 0, false},
    {SDLK_h, false, SESSION_HELP, 0, false},
    {SDLK_F1, false, SESSION_HELP, 0, false},
    {SDLK_s, false, SESSION_SCREENSHOT, 0, false},
    {SDLK_w, false, SESSION_SAVE_SCENE, 0, false},
    {SDLK_e, false, SESSION_EXPORT_VECTOR, 0, false},
    {SDLK_a, false, SESSION_EXPORT_GIF, 0, false},
    {SDLK_x, false, SESSION_EXPORT_CSV, 0, false},
    {SDLK_F11, false, SESSION_FULLSCREEN, 0, false},
    {SDLK_q, false, SESSION_QUIT, 0, false},
    {SDLK_ESCAPE, false, SESSION_QUIT, 0, false},
    {SDLK_u, false, SESSION_TUNE, 0, false},
    /* the split view's penalty weight (l1_vs_l2) */
    {SDLK_j, false, SESSION_LAMBDA_DOWN, 0, true},
    {SDLK_k, false, SESSION_LAMBDA_UP, 0, true},
    {SDLK_i, false, SESSION_EXPLAIN, 0, false},
};

enum session_action app_keymap(SDL_Keycode key, Uint16 mod, bool *repeat, int *arg)
{
    *arg = 0;
    bool shift = (mod & KMOD_SHIFT) != 0;
    *repeat = false;
    if (mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI)) {
        return SESSION_NONE;
    }
    for (size_t i = 0; i < sizeof bindings / sizeof bindings[0]; i++) {
        const struct key_binding *b = &bindings[i];
        if (b->key == key && (!b->shift || shift)) {
            *repeat = b->repeat;
            *arg = b->arg;
            return b->kind;
        }
    }
    return SESSION_NONE;
}

static const struct figure_help_entry help[] = {
    {"Space", N_("play / pause (when done: run the steps again)")},
    {N_("\xE2\x86\x92 or ."), N_("one step")},
    {"R", N_("reset to the start")},
    {N_("click"), N_("set the start (2-D)")},
    {"Tab / Shift+Tab", N_("next / previous function")},
    {"P", N_("next preset race")},
    {"1 \xE2\x80\xA6 9, 0", N_("show / hide optimizer 1 \xE2\x80\xA6 10 (it keeps running)")},
    {"\xE2\x86\x91 \xE2\x86\x93", N_("select an optimizer")},
    {"[  ]", N_("halve / double its learning rate")},
    {"\xE2\x88\x92  =", N_("slower / faster (steps per second)")},
    {"G", N_("gradient and velocity arrows")},
    {"T", N_("trails")},
    {"C", N_("isolines")},
    {"L", N_("log / linear colours")},
    {"V", N_("2-D / 3-D view")},
    {N_("drag"), N_("pan (2-D) or rotate (3-D)")},
    {N_("wheel"), N_("zoom")},
    {"Home", N_("reset zoom and camera")},
    {"S", N_("save the figure on screen (PNG)")},
    {"W", N_("save the scene as it stands (view --scene FILE reopens it)")},
    {"E", N_("export the figure as SVG and PDF (3-D: the 2-D figure)")},
    {"A", N_("record the race as an animated GIF (1280x800)")},
    {"X", N_("export the trajectories as CSV (as optiscope trace)")},
    {"N", N_("the CNN training live (and back)")},
    {"F11", N_("full screen")},
    {"F7", N_("language: English / Korean (\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4)")},
    {N_("H or F1"), N_("this help")},
    {N_("Q or Esc"), N_("quit (Esc closes help first)")},
    {"U", N_("tune every learning rate (then U: defaults / tuned in turn)")},
    {"J  K", N_("split view (preset l1_vs_l2): \xCE\xBB \xC3\xB7 1.25 / \xC3\x97 1.25")},
    {"I", N_("explain: the next step's parts, its formula with the numbers, the Hessian")},
    {N_("mouse over the plot"), N_("f(x, y) and its gradient at the cursor (3-D: on the surface)")},
    {"O", N_("settings panel (drag, wheel, or click a value and type)")},
    {"F5  F6", N_("light / dark theme; large text (both modes)")},
};

const struct figure_help_entry *app_help_entries(int *n)
{
    *n = (int)(sizeof help / sizeof help[0]);
    return help;
}

/* ======================================================================== the CNN mode */

struct cnn_binding {
    SDL_Keycode key;
    bool shift;
    enum cnn_action kind;
    int arg;
    bool repeat;
};

static const struct cnn_binding cnn_bindings[] = {
    {SDLK_SPACE, false, CNN_PLAY, 0, false},
    {SDLK_r, false, CNN_RESTART, 0, false},
    {SDLK_d, false, CNN_DROPOUT, 0, false},
    {SDLK_b, false, CNN_BATCHNORM, 0, false},
    {SDLK_p, false, CNN_PENALTY, 0, false},
    {SDLK_f, false, CNN_COMPARE, 0, false},
    {SDLK_e, false, CNN_PATIENCE, 0, false},
    {SDLK_TAB, true, CNN_SELECT_PREV, 0, false},
    {SDLK_TAB, false, CNN_SELECT_NEXT, 0, false},
    {SDLK_DOWN, false, CNN_SELECT_NEXT, 0, true},
    {SDLK_UP, false, CNN_SELECT_PREV, 0, true},
    {SDLK_k, false, CNN_LANDSCAPE, 0, false},
    {SDLK_o, false, CNN_DIRECTIONS, 0, false},
    {SDLK_v, false, CNN_VIEW3D, 0, false},
    {SDLK_LEFT, false, CNN_ROTATE, -8, true},
    {SDLK_RIGHT, false, CNN_ROTATE, 8, true},
    {SDLK_PAGEUP, false, CNN_TILT, 6, true},
    {SDLK_PAGEDOWN, false, CNN_TILT, -6, true},
    {SDLK_y, false, CNN_SYNTHETIC, 0, false},
    {SDLK_h, false, CNN_HELP, 0, false},
    {SDLK_F1, false, CNN_HELP, 0, false},
};

enum cnn_action app_cnn_keymap(SDL_Keycode key, Uint16 mod, bool *repeat, int *arg)
{
    *arg = 0;
    *repeat = false;
    bool shift = (mod & KMOD_SHIFT) != 0;
    if (mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI)) {
        return CNN_NONE;
    }
    for (size_t i = 0; i < sizeof cnn_bindings / sizeof cnn_bindings[0]; i++) {
        const struct cnn_binding *b = &cnn_bindings[i];
        if (b->key == key && (!b->shift || shift)) {
            *repeat = b->repeat;
            *arg = b->arg;
            return b->kind;
        }
    }
    return CNN_NONE;
}

static const struct figure_help_entry cnn_help[] = {
    {"Space", N_("pause / resume training")},
    {"R", N_("restart the race (same initial weights, same batches)")},
    {"D", N_("dropout 0.3 on / off (restarts)")},
    {"B", N_("batch norm on / off (restarts)")},
    {"P", N_("penalty: none \xE2\x86\x92 L1 \xE2\x86\x92 L1 proximal \xE2\x86\x92 L2 (restarts)")},
    {"F", N_("one optimizer thrice: no penalty, L1 (proximal), L2 (restarts)")},
    {"E", N_("early stopping: off, patience 1, 2, 3 (restarts)")},
    {"Tab / \xE2\x86\x91 \xE2\x86\x93", N_("select an optimizer (filters, predictions, landscape)")},
    {"K", N_("recompute the loss landscape around the selected optimizer")},
    {"O", N_("landscape directions: random (filter-normalized) / PCA of the path")},
    {"V", N_("landscape in 2-D / 3-D")},
    {"\xE2\x86\x90 \xE2\x86\x92  PgUp PgDn", N_("turn / tilt the 3-D landscape")},
    {"Y", N_("train on synthetic shapes instead")},
    {"N", N_("back to the toy race (training goes on)")},
    {"S", N_("save the dashboard (PNG)")},
    {"F11", N_("full screen")},
    {"F7", N_("language: English / Korean (\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4)")},
    {N_("H or F1"), N_("this help")},
    {N_("Q or Esc"), N_("quit (Esc closes help first)")},
    {"F5  F6", N_("light / dark theme; large text (both modes)")},
};

const struct figure_help_entry *app_cnn_help_entries(int *n)
{
    *n = (int)(sizeof cnn_help / sizeof cnn_help[0]);
    return cnn_help;
}

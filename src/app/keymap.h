/* keymap.h: keys to actions for the SDL window, one table that also feeds the help overlay
 * (app_help_entries in view.h). Inside app/ only: it speaks SDL's key codes. */
#ifndef OPTISCOPE_APP_KEYMAP_H
#define OPTISCOPE_APP_KEYMAP_H

#include <stdbool.h>

#include <SDL_keycode.h>

#include "app/view.h"
#include "session/cnn.h"

/* The action for a key press with modifiers `mod` (its argument in *arg); SESSION_NONE when
 * unmapped. `repeat` is
 * set when holding the key may repeat it (steps, learning rate, speed, selection). */
enum session_action app_keymap(SDL_Keycode key, Uint16 mod, bool *repeat, int *arg);

/* The CNN mode's keys, and its help overlay's lines. */
enum cnn_action app_cnn_keymap(SDL_Keycode key, Uint16 mod, bool *repeat, int *arg);
const struct figure_help_entry *app_cnn_help_entries(int *n);

#endif

/* scene.c: placeholder until the module lands. */
#include "sim/scene.h"

/* race.c: placeholder until the module lands. */
#include "sim/race.h"

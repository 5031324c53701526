/* optim.c: placeholder until the module lands. */
#include "sim/optim.h"

/* expr.c: placeholder until the module lands. */
#include "sim/expr.h"

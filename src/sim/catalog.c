/* catalog.c: placeholder until the module lands. */
#include "sim/catalog.h"

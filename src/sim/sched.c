/* sched.c: placeholder until the module lands. */
#include "sim/sched.h"

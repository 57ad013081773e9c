#include "common.h"
BROKEN_PROCESS({
  (void)payload; (void)ctx;
  __builtin_trap(); /* unreachable */
})

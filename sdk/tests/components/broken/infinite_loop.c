#include "common.h"
static volatile int spin = 1;
BROKEN_PROCESS({
  (void)payload; (void)ctx;
  while (spin) {
  }
})

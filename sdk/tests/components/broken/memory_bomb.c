#include "common.h"
/* Grows linear memory 1 MiB at a time until the host's cap refuses (-1), then aborts the way an
   allocator does when it cannot get memory. */
BROKEN_PROCESS({
  (void)payload; (void)ctx;
  for (;;) {
    if (__builtin_wasm_memory_grow(0, 16) == (__SIZE_TYPE__)-1) __builtin_trap();
  }
})

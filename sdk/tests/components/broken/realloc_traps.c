#include "common.h"
/* cabi_realloc (realloc_traps_realloc.c, which overrides the SDK's weak one) traps while the host is
 * lowering read-all's list<u8> result into this instance: the trap starts inside a host function.
 * The host must unwind it, poison the instance and leak nothing. */
int realloc_traps_armed;
BROKEN_PROCESS({
  realloc_traps_armed = 1;
  torvyn_list_u8_t all;
  torvyn__import_buffer_read_all(payload, &all);
  realloc_traps_armed = 0;
  torvyn__import_buffer_drop(payload);
  torvyn__import_flow_context_drop(ctx);
})

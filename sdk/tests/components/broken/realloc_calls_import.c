#include "common.h"
/* cabi_realloc (realloc_calls_import_realloc.c, which overrides the SDK's weak one) calls back into
 * the host while the host is lowering read-all's list<u8> result into this instance. The
 * Canonical ABI's may_leave forbids it. */
int realloc_calls_import_armed;
BROKEN_PROCESS({
  realloc_calls_import_armed = 1;
  torvyn_list_u8_t all;
  torvyn__import_buffer_read_all(payload, &all);
  realloc_calls_import_armed = 0;
  torvyn__import_buffer_drop(payload);
  torvyn__import_flow_context_drop(ctx);
})

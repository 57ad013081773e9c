#include "common.h"
BROKEN_PROCESS({
  torvyn_mutable_buffer_t mb;
  torvyn_allocate(16, &mb, 0);
  torvyn_mutable_buffer_drop(mb);
  torvyn_mutable_buffer_append(torvyn_mutable_buffer_borrow(mb), "x", 1, 0); /* use after drop */
  torvyn__import_buffer_drop(payload);
  torvyn__import_flow_context_drop(ctx);
})

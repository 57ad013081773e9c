#include "common.h"
BROKEN_PROCESS({
  torvyn_mutable_buffer_t mb;
  torvyn_allocate(16, &mb, 0);
  torvyn_mutable_buffer_drop(mb);
  torvyn_mutable_buffer_drop(mb); /* second drop of the same own handle */
  torvyn__import_buffer_drop(payload);
  torvyn__import_flow_context_drop(ctx);
})

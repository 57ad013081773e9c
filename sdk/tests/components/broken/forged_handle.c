#include "common.h"
BROKEN_PROCESS({
  torvyn_borrow_buffer_t forged = {77}; /* never received */
  (void)torvyn_buffer_size(forged);
  torvyn__import_buffer_drop(payload);
  torvyn__import_flow_context_drop(ctx);
})

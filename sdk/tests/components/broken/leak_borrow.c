#include "common.h"
BROKEN_PROCESS({
  (void)torvyn__import_buffer_size(payload); /* uses the borrow ... */
  (void)ctx;                                  /* ... and returns without dropping either borrow */
})

#include <torvyn/abi.h>
TORVYN_EXPORT("torvyn:streaming/processor@0.1.0#process")
void* broken_process(int64_t seq, int64_t ts, char* ct, size_t ct_len, int32_t payload, int32_t ctx) {
  (void)seq; (void)ts; (void)ct; (void)ct_len;
  torvyn__import_buffer_drop(payload);
  torvyn__import_flow_context_drop(ctx);
  return (void*)(uintptr_t)0xFFFFFFF0u; /* return area far outside linear memory */
}

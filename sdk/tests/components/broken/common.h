/* Shared by the broken guests: a raw `process` export with the transform world's core signature. */
#include <torvyn/abi.h>

#define BROKEN_PROCESS(...)                                                                         \
  static torvyn_ret_process_t ret_area;                                                           \
  TORVYN_EXPORT("torvyn:streaming/processor@0.1.0#process")                                        \
  void* broken_process(int64_t seq, int64_t ts, char* ct, size_t ct_len, int32_t payload, int32_t ctx) { \
    (void)seq; (void)ts; (void)ct; (void)ct_len;                                                    \
    __VA_ARGS__                                                                                     \
    ret_area.is_err = 0;                                                                            \
    ret_area.val.ok.tag = TORVYN_PROCESS_RESULT_DROP;                                               \
    return &ret_area;                                                                               \
  }

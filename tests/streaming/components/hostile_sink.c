/* Hostile sink (world batch-data-sink): push-batch misbehaves as init's config says:
 *   "too-many-results"  one result more than there were elements
 *   "bad-signal"        a backpressure-signal discriminant out of range
 *   "bad-result-tag"    a result discriminant out of range */
#include "hostile.h"

static char mode[32];
static size_t mode_len;

TORVYN_EXPORT("torvyn:streaming/lifecycle@0.1.0#init") void* hostile_init(char* ptr, size_t len) {
  mode_len = len < sizeof mode ? len : sizeof mode;
  __builtin_memcpy(mode, ptr, mode_len);
  hostile_init_ret.is_err = 0;
  return &hostile_init_ret;
}
TORVYN_EXPORT("torvyn:streaming/lifecycle@0.1.0#teardown") void hostile_teardown(void) {}

static torvyn_ret_backpressure_t ret_push;
TORVYN_EXPORT("torvyn:streaming/sink@0.1.0#push")
void* hostile_push(int64_t seq, int64_t ts, char* ct, size_t ct_len, int32_t payload, int32_t ctx) {
  (void)seq, (void)ts, (void)ct, (void)ct_len;
  torvyn_borrow_buffer_drop((torvyn_borrow_buffer_t){payload});
  torvyn_borrow_flow_context_drop((torvyn_borrow_flow_context_t){ctx});
  ret_push.is_err = 0;
  ret_push.val.ok = 0;
  return &ret_push;
}
static torvyn_ret_unit_t ret_complete;
TORVYN_EXPORT("torvyn:streaming/sink@0.1.0#complete") void* hostile_complete(void) {
  ret_complete.is_err = 0;
  return &ret_complete;
}

static torvyn_ret_push_batch_t ret;
static torvyn_batch_status_t results[64];

TORVYN_EXPORT("torvyn:batching/sink@0.1.0#push-batch")
void* hostile_push_batch(torvyn_batch_meta_t* metas, size_t n, torvyn_string_t* types, size_t types_n, uint8_t* payloads,
                         size_t bytes, uint32_t* ends, size_t ends_n, int32_t ctx) {
  (void)metas, (void)types, (void)types_n, (void)payloads, (void)bytes, (void)ends, (void)ends_n;
  torvyn_borrow_flow_context_drop((torvyn_borrow_flow_context_t){ctx});
  __builtin_memset(&ret, 0, sizeof ret);
  __builtin_memset(results, 0, sizeof results);
  ret.val.ok.results.ptr = results;
  ret.val.ok.results.len = n < 63 ? n : 63;
  if (hostile_eq((const uint8_t*)mode, mode_len, "too-many-results")) ret.val.ok.results.len = n + 1;
  if (hostile_eq((const uint8_t*)mode, mode_len, "bad-signal")) ret.val.ok.signal = 3;
  if (hostile_eq((const uint8_t*)mode, mode_len, "bad-result-tag")) results[0].tag = 4;
  return &ret;
}

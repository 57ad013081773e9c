/* Hostile source (world batch-data-source): pull-batch misbehaves as init's config says:
 *   "too-many"      more elements than `max`
 *   "bad-end"       a pull-end discriminant out of range
 *   "then-failed"   (valid) two elements, then failed(unavailable("later")) */
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

static torvyn_ret_option_output_t ret_pull;
TORVYN_EXPORT("torvyn:streaming/source@0.1.0#pull") void* hostile_pull(void) {
  ret_pull.is_err = 0;
  ret_pull.val.ok.is_some = 0;
  return &ret_pull;
}
TORVYN_EXPORT("torvyn:streaming/source@0.1.0#notify-backpressure") void hostile_notify(int32_t s) { (void)s; }

static torvyn_ret_pull_batch_t ret;
static torvyn_batch_meta_t metas[8];
static torvyn_string_t types[1];
static uint8_t bytes[8] = "abcdefgh";
static uint32_t ends[8];

TORVYN_EXPORT("torvyn:batching/source@0.1.0#pull-batch") void* hostile_pull_batch(int32_t max) {
  __builtin_memset(&ret, 0, sizeof ret);
  __builtin_memset(metas, 0, sizeof metas);
  types[0] = hostile_str("text/plain");
  uint32_t n = 2;
  if (hostile_eq((const uint8_t*)mode, mode_len, "too-many")) n = (uint32_t)max + 1;
  if (n > 8) n = 8;
  for (uint32_t i = 0; i < n; ++i) {
    metas[i].sequence = 100 + i;
    ends[i] = i + 1;
  }
  ret.batch.metas.ptr = metas;
  ret.batch.metas.len = n;
  ret.batch.content_types.ptr = types;
  ret.batch.content_types.len = 1;
  ret.batch.payloads.ptr = bytes;
  ret.batch.payloads.len = n;
  ret.batch.ends.ptr = ends;
  ret.batch.ends.len = n;
  ret.end.tag = TORVYN_PULL_MORE;
  if (hostile_eq((const uint8_t*)mode, mode_len, "bad-end")) ret.end.tag = 5;
  if (hostile_eq((const uint8_t*)mode, mode_len, "then-failed")) {
    ret.end.tag = TORVYN_PULL_FAILED;
    ret.end.error = torvyn_process_error(TORVYN_PROCESS_ERROR_UNAVAILABLE, "later");
  }
  return &ret;
}

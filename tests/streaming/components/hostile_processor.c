/* Hostile processor (world batch-transform): process-batch returns the malformation that the first
 * input element's payload names (see batch_binding_test.cc, HostileBatch). `process` drops. */
#include "hostile.h"

static torvyn_ret_process_t ret_process;
TORVYN_EXPORT("torvyn:streaming/processor@0.1.0#process")
void* hostile_process(int64_t seq, int64_t ts, char* ct, size_t ct_len, int32_t payload, int32_t ctx) {
  (void)seq, (void)ts, (void)ct, (void)ct_len;
  torvyn_borrow_buffer_drop((torvyn_borrow_buffer_t){payload});
  torvyn_borrow_flow_context_drop((torvyn_borrow_flow_context_t){ctx});
  ret_process.is_err = 0;
  ret_process.val.ok.tag = TORVYN_PROCESS_RESULT_DROP;
  return &ret_process;
}

static torvyn_ret_process_batch_t ret;
static torvyn_batch_status_t outcomes[4];
static torvyn_batch_meta_t metas[2];
static torvyn_string_t types[1];
static uint8_t bytes[16] = "abcdefghij";
static uint32_t ends[2];

TORVYN_EXPORT("torvyn:batching/processor@0.1.0#process-batch")
void* hostile_process_batch(torvyn_batch_meta_t* in_metas, size_t in_n, torvyn_string_t* in_types, size_t in_types_n,
                            uint8_t* in_payloads, size_t in_bytes, uint32_t* in_ends, size_t in_ends_n, int32_t ctx) {
  (void)in_metas, (void)in_types, (void)in_types_n, (void)in_bytes, (void)in_ends_n;
  const uint8_t* mode = in_payloads;
  size_t mode_len = in_n ? in_ends[0] : 0;
#define MODE(s) hostile_eq(mode, mode_len, s)
  if (!MODE("keep-context")) torvyn_borrow_flow_context_drop((torvyn_borrow_flow_context_t){ctx});
  __builtin_memset(&ret, 0, sizeof ret);
  __builtin_memset(outcomes, 0, sizeof outcomes);
  __builtin_memset(metas, 0, sizeof metas);
  types[0] = hostile_str("text/plain");
  torvyn_batch_t* out = &ret.val.ok.out;
  out->metas.ptr = metas;
  out->metas.len = 1;
  out->content_types.ptr = types;
  out->content_types.len = 1;
  out->payloads.ptr = bytes;
  out->payloads.len = 2;
  out->ends.ptr = ends;
  out->ends.len = 1;
  ends[0] = 2;
  ret.val.ok.outcomes.ptr = outcomes;
  ret.val.ok.outcomes.len = 1;
  outcomes[0].tag = TORVYN_OUTCOME_EMIT;

  if (MODE("ends-out-of-range")) {
    ends[0] = 5;
  } else if (MODE("ends-decreasing")) {
    ret.val.ok.outcomes.len = 2;
    outcomes[1].tag = TORVYN_OUTCOME_EMIT;
    out->metas.len = 2;
    out->ends.len = 2;
    out->payloads.len = 3;
    ends[0] = 3;
    ends[1] = 1;
  } else if (MODE("more-emits")) {
    ret.val.ok.outcomes.len = 2;
    outcomes[1].tag = TORVYN_OUTCOME_EMIT;
  } else if (MODE("fewer-emits")) {
    out->metas.len = 0;
    out->ends.len = 0;
    out->payloads.len = 0;
  } else if (MODE("ct-index")) {
    metas[0].content_type = 5;
  } else if (MODE("huge-outcomes")) {
    ret.val.ok.outcomes.len = 1000000;
  } else if (MODE("bad-outcome-tag")) {
    outcomes[0].tag = 7;
  } else if (MODE("payload-mismatch")) {
    out->payloads.len = 10;
  } else if (MODE("bad-utf8-ct")) {
    static char bad[2] = {(char)0xff, (char)0xfe};
    types[0].ptr = bad;
    types[0].len = 2;
  } else if (MODE("too-long-ct")) {
    static char longer[2000];
    __builtin_memset(longer, 'x', sizeof longer);
    types[0].ptr = longer;
    types[0].len = sizeof longer;
  } else if (MODE("wild-outcomes")) {
    ret.val.ok.outcomes.ptr = (torvyn_batch_status_t*)0xfffffff0u;
  } else if (MODE("result-err")) {
    ret.is_err = 1;
    ret.val.err = torvyn_process_error(TORVYN_PROCESS_ERROR_UNAVAILABLE, "whole batch");
  } else if (MODE("bad-result-tag")) {
    ret.is_err = 9;
  } else if (MODE("keep-context")) {
    /* a valid result, but the context borrow is never ended */
  }
#undef MODE
  return &ret;
}

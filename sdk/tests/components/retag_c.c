/* Managed transform in plain C (world torvyn:streaming/managed-transform), using the C API.
 * Forwards each payload unchanged (buffer-allocator.clone-into-mutable, then freeze) with the
 * content type set by init config (default: keep the input's). Empty payloads are dropped. */
#include <torvyn/torvyn.h>

static torvyn_string_t g_content_type; /* owned; len 0 = keep input's */

static bool init(torvyn_string_t config, torvyn_process_error_t* err) {
  (void)err;
  torvyn_string_free(&g_content_type);
  g_content_type = torvyn_string_dup_n(config.ptr, config.len);
  return true;
}
static void teardown(void) { torvyn_string_free(&g_content_type); }

static bool retag(const torvyn_stream_element_t* in, torvyn_process_result_t* out, torvyn_process_error_t* err) {
  if (torvyn_buffer_size(in->payload) == 0) {
    out->tag = TORVYN_PROCESS_RESULT_DROP;
    return true;
  }
  torvyn_mutable_buffer_t mb;
  torvyn_buffer_error_t berr;
  if (!torvyn_clone_into_mutable(in->payload, &mb, &berr)) {
    torvyn_buffer_error_free(&berr);
    *err = torvyn_process_error(TORVYN_PROCESS_ERROR_UNAVAILABLE, "clone-into-mutable failed");
    return false;
  }
  torvyn_string_t ct = g_content_type.len ? g_content_type : in->meta.content_type;
  torvyn_mutable_buffer_set_content_type(torvyn_mutable_buffer_borrow(mb), ct.ptr, ct.len);
  out->tag = TORVYN_PROCESS_RESULT_EMIT;
  out->emit.payload = torvyn_mutable_buffer_freeze(torvyn_mutable_buffer_borrow(mb));
  torvyn_mutable_buffer_drop(mb); /* freeze borrows self: we still own the mutable handle */
  out->emit.meta.sequence = in->meta.sequence;
  out->emit.meta.timestamp_ns = in->meta.timestamp_ns;
  out->emit.meta.content_type = torvyn_string_dup_n(ct.ptr, ct.len); /* results own their strings */
  return true;
}

TORVYN_EXPORT_PROCESSOR(retag)
TORVYN_EXPORT_LIFECYCLE(init, teardown)

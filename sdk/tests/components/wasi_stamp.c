/* Transform built as a WASI reactor (wasm32-wasi, wasi-libc, `jco new --wasi-reactor`):
 * prefixes each payload with "[<sequence>] " using snprintf/malloc from wasi-libc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <torvyn/torvyn.h>

static bool stamp(const torvyn_stream_element_t* in, torvyn_process_result_t* out, torvyn_process_error_t* err) {
  torvyn_list_u8_t data = torvyn_buffer_read_all(in->payload);
  char prefix[32];
  int n = snprintf(prefix, sizeof prefix, "[%llu] ", (unsigned long long)in->meta.sequence);
  size_t len = (size_t)n + data.len;
  char* joined = malloc(len);
  memcpy(joined, prefix, (size_t)n);
  if (data.len) memcpy(joined + n, data.ptr, data.len);
  torvyn_list_u8_free(&data);
  torvyn_buffer_t b;
  bool ok = torvyn_make_buffer(joined, len, in->meta.content_type.ptr, in->meta.content_type.len, &b, NULL);
  free(joined);
  if (!ok) {
    *err = torvyn_process_error(TORVYN_PROCESS_ERROR_UNAVAILABLE, "allocation failed");
    return false;
  }
  out->tag = TORVYN_PROCESS_RESULT_EMIT;
  out->emit.meta = in->meta;
  out->emit.meta.content_type = torvyn_string_dup_n(in->meta.content_type.ptr, in->meta.content_type.len);
  out->emit.payload = b;
  return true;
}

TORVYN_EXPORT_PROCESSOR(stamp)

/* Shared by the hostile batch guests (tests/streaming): raw exports of the torvyn:batching forms
 * that return malformed results, written against the C layer's ABI structs so that no SDK adapter
 * can repair them. Each also exports the per-element form its world requires (inert). */
#include <torvyn/batch_exports.h>

static inline bool hostile_eq(const uint8_t* p, size_t n, const char* lit) {
  size_t m = torvyn_strlen(lit);
  return n == m && __builtin_memcmp(p, lit, m) == 0;
}

static inline torvyn_string_t hostile_str(const char* lit) {
  return torvyn_string_dup(lit);
}

static torvyn_ret_unit_t hostile_init_ret;

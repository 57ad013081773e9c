// ops_processor (world managed-transform): a processor that misbehaves on request, one behaviour
// per operational problem the operator's guide teaches how to diagnose. Without config it passes
// every element through (a copy of its payload).
//
// Config (comma-separated, all optional):
//   work=<rounds>       busy work per element (a slow stage)
//   leak=<bytes>        allocates this much guest memory per element and never frees it (a memory
//                       leak in component code: linear memory keeps growing)
//   hold=<n>            allocates n host buffers per element and never drops them (buffers not
//                       returned to the pool; a large n is a component allocating in a loop)
//   hold_size=<bytes>   capacity hint of each held buffer (default 64)
//   error_every=<k>     every k-th element fails with a non-fatal `internal` error
//   fatal_after=<n>     the element after the n-th fails with a `fatal` error (the flow fails)
//   content_type_bytes=<n>  the output element's metadata carries a content type of n bytes
#include "ops_config.h"

using namespace torvyn;

static uint64_t g_work = 0, g_leak = 0, g_hold = 0, g_hold_size = 64, g_error_every = 0, g_fatal_after = 0, g_content_type_bytes = 0;
static uint64_t g_seen = 0;
static volatile uint8_t* g_last_leak = nullptr;  // keeps the leaked blocks "used"

static Result<void> init(StringView config) {
  StringView bad;
  const ops::Key keys[] = {{"work", &g_work},
                           {"leak", &g_leak},
                           {"hold", &g_hold},
                           {"hold_size", &g_hold_size},
                           {"error_every", &g_error_every},
                           {"fatal_after", &g_fatal_after},
                           {"content_type_bytes", &g_content_type_bytes}};
  if (!ops::parse_config(config, keys, bad))
    return ProcessError::invalid_input(
        "ops_processor: bad config item (work=, leak=, hold=, hold_size=, error_every=, fatal_after=, content_type_bytes=)");
  return {};
}

static void teardown() {}

static ProcessResult process(const StreamElement& in) {
  ++g_seen;
  if (g_fatal_after && g_seen > g_fatal_after) return ProcessError::fatal("ops_processor: fatal_after reached");
  if (g_error_every && g_seen % g_error_every == 0) return ProcessError::internal("ops_processor: error_every");
  ops::burn(g_work, g_seen);
  if (g_leak) {
    auto* p = static_cast<uint8_t*>(torvyn_malloc(g_leak));
    if (!p) return ProcessError::internal("ops_processor: out of guest memory");
    for (uint64_t i = 0; i < g_leak; i += 512) p[i] = uint8_t(i);  // touch it, as real code would
    g_last_leak = p;
  }
  for (uint64_t i = 0; i < g_hold; ++i) {
    auto held = MutableBuffer::allocate(g_hold_size);
    if (!held) return ProcessError::from(held.error());
    (void)held.value().release();  // the handle stays in this instance's table, never dropped
  }
  Bytes data = in.payload.read_all();
  auto out = make_buffer(data, in.meta.content_type);
  if (!out) return ProcessError::from(out.error());
  ElementMeta meta(in.meta);
  if (g_content_type_bytes) {
    auto* ct = static_cast<char*>(torvyn_malloc(g_content_type_bytes));
    if (!ct) return ProcessError::internal("ops_processor: out of guest memory");
    for (uint64_t i = 0; i < g_content_type_bytes; ++i) ct[i] = 'x';
    meta.content_type = String(StringView(ct, g_content_type_bytes));
  }
  return ProcessResult::emit({torvyn::move(meta), out.take()});
}

TORVYN_PROCESSOR(process)
TORVYN_LIFECYCLE(init, teardown)

// Benchmark source: `count=<n>` elements of 64 bytes each, as cheaply as the SDK allows.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint64_t g_count = 0;
static uint64_t g_next = 0;
static uint8_t g_payload[64];

static Result<void> init(StringView config) {
  uint64_t n = 0;
  if (config.starts_with("count="))
    for (size_t i = 6; i < config.size(); ++i) n = n * 10 + uint64_t(config[i] - '0');
  g_count = n;
  g_next = 0;
  for (int i = 0; i < 64; ++i) g_payload[i] = uint8_t('a' + i % 26);
  return {};
}
static void teardown() {}

static Result<Option<OutputElement>> pull() {
  if (g_next >= g_count) return none;
  // The element carries its content type in its metadata; the buffer's own stays unset (DESIGN.md
  // §2's reference element: one call in, four host calls).
  auto buf = make_buffer(BytesView(g_payload, sizeof g_payload));
  if (!buf) return ProcessError::from(buf.error());
  return OutputElement{ElementMeta(g_next++, 0, "application/octet-stream"), buf.take()};
}
static void notify(BackpressureSignal) {}

TORVYN_SOURCE(pull, notify)
TORVYN_LIFECYCLE(init, teardown)

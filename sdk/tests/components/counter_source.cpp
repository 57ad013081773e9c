// Source (world torvyn:streaming/data-source): emits `count` elements "element-<i>" (text/plain).
// init config: "count=<n>" (default 3). Honours backpressure: while paused, pull() reports
// `unavailable("paused")` instead of producing.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint64_t g_count = 3;
static uint64_t g_next = 0;
static bool g_paused = false;

static Result<void> init(StringView config) {
  if (config.empty()) return {};
  if (!config.starts_with("count=")) return ProcessError::invalid_input("expected count=<n>");
  uint64_t n = 0;
  for (size_t i = 6; i < config.size(); ++i) {
    char c = config[i];
    if (c < '0' || c > '9') return ProcessError::invalid_input("count is not a number");
    n = n * 10 + uint64_t(c - '0');
  }
  g_count = n;
  return {};
}

static void teardown() { g_next = g_count; }

static Result<Option<OutputElement>> pull() {
  if (g_paused) return ProcessError::unavailable("paused");
  if (g_next >= g_count) return none;  // exhausted
  String text("element-");
  char digits[20];
  size_t n = 0;
  uint64_t v = g_next;
  do digits[n++] = char('0' + v % 10); while (v /= 10);
  while (n) text += StringView(&digits[--n], 1);
  auto buf = make_buffer(text, "text/plain");
  if (!buf) return ProcessError::from(buf.error());
  ElementMeta meta(g_next++, 0, "text/plain");
  return OutputElement{move(meta), buf.take()};
}

static void notify(BackpressureSignal s) { g_paused = (s == BackpressureSignal::Pause); }

TORVYN_SOURCE(pull, notify)
TORVYN_LIFECYCLE(init, teardown)

// A source: `count` greetings ("hello from {{name}} #N"), then end of stream.
// Config (the node's `config` string): "count=N" (default 5).
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint64_t g_count = 5;
static uint64_t g_next = 0;
static bool g_paused = false;

static Result<void> init(StringView config) {
  if (config.empty()) return {};
  if (!config.starts_with("count=")) return ProcessError::invalid_input("expected count=<n>");
  uint64_t n = 0;
  for (size_t i = 6; i < config.size(); ++i) {
    if (config[i] < '0' || config[i] > '9') return ProcessError::invalid_input("count is not a number");
    n = n * 10 + uint64_t(config[i] - '0');
  }
  g_count = n;
  return {};
}
static void teardown() {}

static Result<Option<OutputElement>> pull() {
  if (g_next >= g_count) return none;
  String text("hello from {{name}} #");
  text.append_decimal(g_next);
  auto buf = make_buffer(text, "text/plain");
  if (!buf) return ProcessError::from(buf.error());
  return OutputElement{ElementMeta(g_next++, 0, "text/plain"), buf.take()};
}

// The runtime asks us to pause when downstream queues are full; we could stop expensive work here.
static void notify(BackpressureSignal s) { g_paused = (s == BackpressureSignal::Pause); }

TORVYN_SOURCE(pull, notify)
TORVYN_LIFECYCLE(init, teardown)

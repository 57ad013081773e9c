// greeter: a source (world data-source) that streams `count` greetings, "Hello, World! #1" to
// "Hello, World! #<count>", then ends the stream.
//
// Config (the node's `config` string): "count=<n>" (default 5).
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint64_t g_count = 5;
static uint64_t g_sent = 0;

static Result<void> init(StringView config) {
  if (config.empty()) return {};
  if (!config.starts_with("count=") || config.size() == 6) return ProcessError::invalid_input("expected config \"count=<n>\"");
  uint64_t n = 0;
  for (size_t i = 6; i < config.size(); ++i) {
    if (config[i] < '0' || config[i] > '9') return ProcessError::invalid_input("count=<n>: n is not a number");
    n = n * 10 + uint64_t(config[i] - '0');
  }
  g_count = n;
  return {};
}

static void teardown() {}

static Result<Option<OutputElement>> pull() {
  if (g_sent >= g_count) return none;  // end of stream
  String text("Hello, World! #");
  text.append_decimal(++g_sent);
  auto buf = make_buffer(text, "text/plain");
  if (!buf) return ProcessError::from(buf.error());
  // The runtime assigns the real sequence number and timestamp; ours are advisory.
  return OutputElement{ElementMeta(g_sent - 1, 0, "text/plain"), buf.take()};
}

// This source does no expensive work between pulls, so it has nothing to do when asked to pause:
// the runtime simply stops pulling while the queue to the sink is full.
static void notify(BackpressureSignal) {}

TORVYN_SOURCE(pull, notify)
TORVYN_LIFECYCLE(init, teardown)

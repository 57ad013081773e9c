// firehose: a fast source (world data-source). Every pull returns the next element at once,
// "event #0" .. "event #<count-1>", so the only thing that can slow it down is the runtime
// refusing to pull while the queue to the sink is full.
//
// Config: "count=<n>" (default 500).
//
// notify-backpressure: the runtime calls it with `pause` when the output queue fills up and
// with `ready` once it has drained to the low watermark. It is advice, not a command: the runtime
// itself decides when to pull (it never pulls into a full queue). A real source would stop reading
// its socket or file while paused; this one has nothing to stop and only counts the episodes.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint64_t g_count = 500;
static uint64_t g_next = 0;
static uint64_t g_pauses = 0;

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
  if (g_next >= g_count) return none;
  String text("event #");
  text.append_decimal(g_next);
  auto buf = make_buffer(text, "text/plain");
  if (!buf) return ProcessError::from(buf.error());
  return OutputElement{ElementMeta(g_next++, 0, "text/plain"), buf.take()};
}

static void notify(BackpressureSignal s) {
  if (s == BackpressureSignal::Pause) ++g_pauses;
}

TORVYN_SOURCE(pull, notify)
TORVYN_LIFECYCLE(init, teardown)

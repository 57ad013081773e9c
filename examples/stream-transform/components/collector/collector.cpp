// collector: a sink (world data-sink) for JSON elements. It checks that every payload is a JSON
// object ('{' ... '}') and counts them; run with `torvyn run --output -` to print the elements
// instead (the runtime's built-in output sink replaces this node).
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint64_t g_objects = 0;

static Result<void> init(StringView) { return {}; }
static void teardown() {}

static bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static Result<BackpressureSignal> push(const StreamElement& in) {
  Bytes data = in.payload.read_all();
  size_t b = 0, e = data.size();
  while (b < e && is_space(data[b])) ++b;
  while (e > b && is_space(data[e - 1])) --e;
  if (e - b < 2 || data[b] != '{' || data[e - 1] != '}') return ProcessError::invalid_input("collector: payload is not a JSON object");
  ++g_objects;
  return BackpressureSignal::Ready;
}

static Result<void> complete() { return {}; }

TORVYN_SINK(push, complete)
TORVYN_LIFECYCLE(init, teardown)

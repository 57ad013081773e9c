// console: a sink (world data-sink) that accepts text elements and counts them.
//
// A component built without WASI cannot write to the terminal itself (it has no capabilities at
// all), so to *see* the greetings run the flow with `torvyn run --output -`: the runtime's built-in
// output sink takes this node's place and prints every element on its own line.
//
// Config: "expect=<n>" makes complete() fail unless exactly n elements arrived (default: any).
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint64_t g_received = 0;
static uint64_t g_expect = 0;
static bool g_check = false;

static Result<void> init(StringView config) {
  if (config.empty()) return {};
  if (!config.starts_with("expect=") || config.size() == 7) return ProcessError::invalid_input("expected config \"expect=<n>\"");
  uint64_t n = 0;
  for (size_t i = 7; i < config.size(); ++i) {
    if (config[i] < '0' || config[i] > '9') return ProcessError::invalid_input("expect=<n>: n is not a number");
    n = n * 10 + uint64_t(config[i] - '0');
  }
  g_expect = n;
  g_check = true;
  return {};
}

static void teardown() {}

static Result<BackpressureSignal> push(const StreamElement& in) {
  if (!in.meta.content_type.starts_with("text/")) return ProcessError::invalid_input("console accepts text/* elements only");
  Bytes text = in.payload.read_all();
  if (text.empty()) return ProcessError::invalid_input("empty greeting");
  ++g_received;
  return BackpressureSignal::Ready;
}

static Result<void> complete() {
  if (g_check && g_received != g_expect) return ProcessError::internal("console: received a different number of greetings than expect=");
  return {};
}

TORVYN_SINK(push, complete)
TORVYN_LIFECYCLE(init, teardown)

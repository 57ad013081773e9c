// A sink: reads every element and counts them (run with `--output -` to see the elements).
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint64_t g_elements = 0;
static uint64_t g_bytes = 0;

static Result<void> init(StringView) { return {}; }
static void teardown() {}

static Result<BackpressureSignal> push(const StreamElement& in) {
  PayloadView data = in.payload.view();  // no copy when a batch brought the bytes
  g_bytes += data.size();
  ++g_elements;
  return BackpressureSignal::Ready;
}

static Result<void> complete() { return {}; }

TORVYN_SINK(push, complete)
TORVYN_LIFECYCLE(init, teardown)

// Benchmark sink: reads every payload and keeps a checksum.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint64_t g_sum = 0;

static Result<void> init(StringView) { return {}; }
static void teardown() {}

static Result<BackpressureSignal> push(const StreamElement& in) {
  Bytes data = in.payload.read_all();
  for (uint8_t b : data) g_sum += b;
  return BackpressureSignal::Ready;
}
static Result<void> complete() { return {}; }

TORVYN_SINK(push, complete)
TORVYN_LIFECYCLE(init, teardown)

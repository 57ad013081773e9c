// Benchmark sink: reads every payload (one copy into the guest) and uses a byte of it.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint64_t g_sum = 0;

static Result<void> init(StringView) { return {}; }
static void teardown() {}

static Result<BackpressureSignal> push(const StreamElement& in) {
  Bytes data = in.payload.read_all();
  // The native baseline's sink uses one byte of what it copied: the same work here, so the
  // comparison measures the runtime rather than a checksum loop (with a fuel check per byte).
  if (data.size() > 7) g_sum += data[7];
  return BackpressureSignal::Ready;
}
static Result<void> complete() { return {}; }

TORVYN_SINK(push, complete)
TORVYN_LIFECYCLE(init, teardown)

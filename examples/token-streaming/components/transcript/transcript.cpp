// transcript: a sink (world data-sink) that receives whole sentences and counts them. Run with
// `torvyn run --output -` to print them instead (the built-in output sink replaces this node).
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint64_t g_sentences = 0;

static Result<void> init(StringView) { return {}; }
static void teardown() {}

static Result<BackpressureSignal> push(const StreamElement& in) {
  Bytes sentence = in.payload.read_all();
  if (sentence.empty()) return ProcessError::invalid_input("transcript: empty sentence");
  ++g_sentences;
  return BackpressureSignal::Ready;
}

static Result<void> complete() { return {}; }

TORVYN_SINK(push, complete)
TORVYN_LIFECYCLE(init, teardown)

// An aggregator: joins every `batch` elements (config "batch=N", default 2) with " | "; the rest
// is flushed at end of stream.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint64_t g_batch = 2;
static uint64_t g_in_batch = 0;
static uint64_t g_last_seq = 0;
static Bytes g_acc;

static Result<void> init(StringView config) {
  if (config.starts_with("batch=")) {
    uint64_t n = 0;
    for (size_t i = 6; i < config.size(); ++i) n = n * 10 + uint64_t(config[i] - '0');
    if (n == 0) return ProcessError::invalid_input("batch must be > 0");
    g_batch = n;
  }
  return {};
}
static void teardown() {}

static Result<OutputElement> take_batch() {
  auto buf = make_buffer(g_acc, "text/plain");
  if (!buf) return ProcessError::from(buf.error());
  g_acc = Bytes();
  g_in_batch = 0;
  return OutputElement{ElementMeta(g_last_seq, 0, "text/plain"), buf.take()};
}

static Result<Option<OutputElement>> ingest(const StreamElement& in) {
  if (g_in_batch) g_acc += BytesView(" | ");
  g_acc += in.payload.read_all();
  g_last_seq = in.meta.sequence;
  if (++g_in_batch < g_batch) return none;
  auto out = take_batch();
  if (!out) return move(out.error());
  return Option<OutputElement>(out.take());
}

static Result<Vec<OutputElement>> flush() {
  Vec<OutputElement> outs;
  if (g_in_batch) {
    auto out = take_batch();
    if (!out) return move(out.error());
    outs.push_back(out.take());
  }
  return outs;
}

TORVYN_AGGREGATOR(ingest, flush)
TORVYN_LIFECYCLE(init, teardown)

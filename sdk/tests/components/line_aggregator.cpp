// Aggregator (world torvyn:aggregation/stream-aggregator): joins payloads with '\n' and emits one
// aggregate per `batch` elements (init config "batch=<n>", default 3). flush() emits the partial
// batch (if any) followed by a summary element "total=<n>".
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint64_t g_batch = 3;
static uint64_t g_in_batch = 0;
static uint64_t g_total = 0;
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

static Result<OutputElement> emit_batch() {
  auto buf = make_buffer(g_acc, "text/plain");
  if (!buf) return ProcessError::from(buf.error());
  g_acc = Bytes();
  g_in_batch = 0;
  return OutputElement{ElementMeta(g_last_seq, 0, "text/plain"), buf.take()};
}

static Result<Option<OutputElement>> ingest(const StreamElement& in) {
  if (g_in_batch) g_acc += BytesView("\n");
  Bytes data = in.payload.read_all();
  g_acc += data;
  g_last_seq = in.meta.sequence;
  ++g_in_batch;
  ++g_total;
  if (g_in_batch < g_batch) return none;
  auto out = emit_batch();
  if (!out) return move(out.error());
  return Option<OutputElement>(out.take());
}

static Result<Vec<OutputElement>> flush() {
  Vec<OutputElement> outs;
  if (g_in_batch) {
    auto out = emit_batch();
    if (!out) return move(out.error());
    outs.push_back(out.take());
  }
  String summary("total=");
  char digits[20];
  size_t n = 0;
  uint64_t v = g_total;
  do digits[n++] = char('0' + v % 10); while (v /= 10);
  while (n) summary += StringView(&digits[--n], 1);
  auto buf = make_buffer(summary, "text/plain");
  if (!buf) return ProcessError::from(buf.error());
  outs.push_back(OutputElement{ElementMeta(g_last_seq, 0, "text/plain"), buf.take()});
  return outs;
}

TORVYN_AGGREGATOR(ingest, flush)
TORVYN_LIFECYCLE(init, teardown)

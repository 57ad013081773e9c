// slow-sink: a deliberately slow sink (world data-sink).
//
// Config (comma-separated): "pause_every=<k>" answers `pause` after every k-th element (the
// runtime then stops pushing to this sink for a moment, default k = 10; 0 = never), and
// "work=<n>" burns n rounds of busy work per element (default 2000) to stand in for a slow
// database write.
//
// It also proves that backpressure loses nothing: the runtime numbers elements from 0 and keeps
// the numbers end to end, so each element must carry the next sequence number, and complete()
// fails the flow if any element went missing.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint64_t g_pause_every = 10;
static uint64_t g_work = 2000;
static uint64_t g_received = 0;
static volatile uint64_t g_sink_hole = 0;  // keeps the busy work from being optimised away

static bool parse_u64(StringView s, uint64_t& out) {
  if (s.empty()) return false;
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + uint64_t(c - '0');
  }
  out = n;
  return true;
}

static Result<void> init(StringView config) {
  size_t start = 0;
  while (start < config.size()) {
    size_t end = start;
    while (end < config.size() && config[end] != ',') ++end;
    StringView item(config.data() + start, end - start);
    bool ok = true;
    if (item.starts_with("pause_every=")) ok = parse_u64(StringView(item.data() + 12, item.size() - 12), g_pause_every);
    else if (item.starts_with("work=")) ok = parse_u64(StringView(item.data() + 5, item.size() - 5), g_work);
    else if (!item.empty()) return ProcessError::invalid_input("slow-sink: unknown config item (use pause_every=<k>,work=<n>)");
    if (!ok) return ProcessError::invalid_input("slow-sink: expected a number after '='");
    start = end + 1;
  }
  return {};
}

static void teardown() {}

static Result<BackpressureSignal> push(const StreamElement& in) {
  if (in.meta.sequence != g_received) return ProcessError::fatal("slow-sink: an element was lost or reordered");
  Bytes data = in.payload.read_all();
  uint64_t h = g_sink_hole;
  for (uint64_t i = 0; i < g_work; ++i) h = h * 31 + data.size() + i;
  g_sink_hole = h;
  ++g_received;
  if (g_pause_every && g_received % g_pause_every == 0) return BackpressureSignal::Pause;
  return BackpressureSignal::Ready;
}

static Result<void> complete() {
  if (g_received == 0) return ProcessError::internal("slow-sink: the stream ended before any element arrived");
  return {};
}

TORVYN_SINK(push, complete)
TORVYN_LIFECYCLE(init, teardown)

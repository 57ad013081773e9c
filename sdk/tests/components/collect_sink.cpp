// Sink (world torvyn:streaming/data-sink): consumes elements. init config (comma-separated):
//   "expect=<n>"       complete() fails with invalid-input unless exactly n elements arrived
//   "pause-every=<k>"  answers `pause` to every k-th element
//   "chunk=<c>"        reads payloads with buffer.read in c-byte chunks (short read at the end)
//                      instead of one buffer.read-all
//   "view"             reads payloads through BufferRef::view() (no copy in a batch) and checks
//                      the view against a read-all: a mismatch is an internal error
// Payloads that are not text/* are rejected with invalid-input.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint64_t g_expect = ~uint64_t(0);
static uint64_t g_pause_every = 0;
static uint64_t g_chunk = 0;
static bool g_view = false;
static uint64_t g_seen = 0;
static uint64_t g_bytes = 0;

static bool parse_u64(StringView s, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + uint64_t(c - '0');
  }
  *out = n;
  return true;
}

static Result<void> init(StringView config) {
  // Comma-separated key=value pairs.
  size_t start = 0;
  while (start < config.size()) {
    size_t end = start;
    while (end < config.size() && config[end] != ',') ++end;
    StringView item(config.data() + start, end - start);
    if (item.starts_with("expect=")) {
      if (!parse_u64(StringView(item.data() + 7, item.size() - 7), &g_expect)) return ProcessError::invalid_input("bad expect");
    } else if (item.starts_with("pause-every=")) {
      if (!parse_u64(StringView(item.data() + 12, item.size() - 12), &g_pause_every)) return ProcessError::invalid_input("bad pause-every");
    } else if (item.starts_with("chunk=")) {
      if (!parse_u64(StringView(item.data() + 6, item.size() - 6), &g_chunk)) return ProcessError::invalid_input("bad chunk");
    } else if (item == "view") {
      g_view = true;
    } else if (!item.empty()) {
      return ProcessError::invalid_input("unknown config key");
    }
    start = end + 1;
  }
  return {};
}

static void teardown() {}

static Result<BackpressureSignal> push(const StreamElement& in) {
  if (!in.meta.content_type.starts_with("text/")) return ProcessError::invalid_input("sink accepts text/* only");
  uint64_t size = in.payload.size();
  uint64_t got = 0;
  if (g_view) {
    PayloadView view = in.payload.view();
    Bytes copy = in.payload.read_all();
    if (view.size() != copy.size()) return ProcessError::internal("view size differs from read-all");
    for (size_t i = 0; i < view.size(); ++i)
      if (view[i] != copy[i]) return ProcessError::internal("view bytes differ from read-all");
    got = view.size();
  } else if (g_chunk == 0) {
    got = in.payload.read_all().size();
  } else {
    for (uint64_t off = 0;; off += g_chunk) {
      Bytes chunk = in.payload.read(off, g_chunk);
      if (chunk.empty()) break;
      got += chunk.size();
    }
  }
  if (got != size) return ProcessError::internal("short read mismatch");
  g_bytes += got;
  ++g_seen;
  if (g_pause_every && g_seen % g_pause_every == 0) return BackpressureSignal::Pause;
  return BackpressureSignal::Ready;
}

static Result<void> complete() {
  if (g_expect != ~uint64_t(0) && g_seen != g_expect) return ProcessError::invalid_input("element count differs from expect=");
  return {};
}

TORVYN_SINK(push, complete)
TORVYN_LIFECYCLE(init, teardown)

// Crossing micro-benchmark processor (bench/crossing_bench.cc): init("<op> <n>") picks one kind of
// Component Model crossing, and every process() call makes it n times, then drops the element.
// The per-crossing cost is (cost with n - cost with 0) / n, so the export call itself, its
// argument lowering and the drops of the lent handles cancel out.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

enum class Op : uint8_t { None, Size, Append, ReadAll, AllocateDrop };
static Op g_op = Op::None;
static uint32_t g_n = 0;
static uint8_t g_payload[64];
static uint64_t g_sink = 0;

static Result<void> init(StringView config) {
  // "<op> <n>": op one of none, size, append, read-all, allocate-drop.
  size_t space = config.find(StringView(" "));  // size() when absent
  StringView op = space == config.size() ? config : StringView(config.data(), space);
  if (op == StringView("size")) g_op = Op::Size;
  else if (op == StringView("append")) g_op = Op::Append;
  else if (op == StringView("read-all")) g_op = Op::ReadAll;
  else if (op == StringView("allocate-drop")) g_op = Op::AllocateDrop;
  else g_op = Op::None;
  g_n = 0;
  if (space != config.size())
    for (size_t i = space + 1; i < config.size(); ++i) g_n = g_n * 10 + uint32_t(config[i] - '0');
  for (int i = 0; i < 64; ++i) g_payload[i] = uint8_t(i);
  return {};
}
static void teardown() {}

static ProcessResult process(const StreamElement& in) {
  switch (g_op) {
    case Op::None: break;
    case Op::Size:
      for (uint32_t i = 0; i < g_n; ++i) g_sink += in.payload.size();
      break;
    case Op::Append: {
      // One buffer per call (its allocate and drop are in the n = 0 baseline too).
      auto mb = MutableBuffer::allocate(64);
      if (!mb) return ProcessError::from(mb.error());
      MutableBuffer b = mb.take();
      for (uint32_t i = 0; i < g_n; ++i) (void)b.append(BytesView(g_payload, sizeof g_payload));
      break;
    }
    case Op::ReadAll:
      for (uint32_t i = 0; i < g_n; ++i) g_sink += in.payload.read_all().size();
      break;
    case Op::AllocateDrop:
      for (uint32_t i = 0; i < g_n; ++i) {
        auto mb = MutableBuffer::allocate(64);
        if (!mb) return ProcessError::from(mb.error());
      }
      break;
  }
  return ProcessResult::drop();
}

TORVYN_PROCESSOR(process)
TORVYN_LIFECYCLE(init, teardown)

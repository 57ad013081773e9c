// events: a source (world data-source) that streams a few JSON objects, one per element, with
// content type application/json; then ends the stream.
//
// Config: "count=<n>" streams only the first n objects (default: all of them).
#include <torvyn/torvyn.hpp>

using namespace torvyn;

// What a chat service might log; keys in snake_case, which the next stage renames.
static const char* const kEvents[] = {
    R"({"user_id":1,"msg":"hello","tags":["greeting"]})",
    R"({"user_id":2,"msg":"has anyone seen \"msg\"?","meta":{"user_id":2,"lang":"en"}})",
    R"({"user_id":3, "msg" : "user_id is a key, not a value", "score":4.5})",
    R"({"user_id":1,"msg":"bye","tags":[],"ok":true,"next":null})",
};
static constexpr uint64_t kTotal = sizeof(kEvents) / sizeof(kEvents[0]);

static uint64_t g_count = kTotal;
static uint64_t g_next = 0;

static Result<void> init(StringView config) {
  if (config.empty()) return {};
  if (!config.starts_with("count=") || config.size() == 6) return ProcessError::invalid_input("expected config \"count=<n>\"");
  uint64_t n = 0;
  for (size_t i = 6; i < config.size(); ++i) {
    if (config[i] < '0' || config[i] > '9') return ProcessError::invalid_input("count=<n>: n is not a number");
    n = n * 10 + uint64_t(config[i] - '0');
  }
  g_count = n < kTotal ? n : kTotal;
  return {};
}

static void teardown() {}

static Result<Option<OutputElement>> pull() {
  if (g_next >= g_count) return none;
  auto buf = make_buffer(StringView(kEvents[g_next]), "application/json");
  if (!buf) return ProcessError::from(buf.error());
  return OutputElement{ElementMeta(g_next++, 0, "application/json"), buf.take()};
}

static void notify(BackpressureSignal) {}

TORVYN_SOURCE(pull, notify)
TORVYN_LIFECYCLE(init, teardown)

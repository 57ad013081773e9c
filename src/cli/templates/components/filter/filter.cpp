// A filter: keeps elements that do not contain the word given as config (default "#3").
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static String g_blocked("#3");

static Result<void> init(StringView config) {
  if (!config.empty()) g_blocked = String(config);
  return {};
}
static void teardown() {}

static Result<bool> evaluate(const StreamElement& in) {
  Bytes data = in.payload.read_all();
  return !data.as_string().contains(g_blocked);
}

TORVYN_FILTER(evaluate)
TORVYN_LIFECYCLE(init, teardown)

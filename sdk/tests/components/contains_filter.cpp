// Filter (world torvyn:filtering/content-filter): passes elements whose payload contains the
// needle given as init config (default "keep"). A flow-context deadline of exactly 1 ns counts as
// already expired (returns `deadline-exceeded`), so tests can exercise that error case.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static String g_needle("keep");

static Result<void> init(StringView config) {
  if (!config.empty()) g_needle = String(config);
  return {};
}
static void teardown() {}

static Result<bool> evaluate(const StreamElement& in) {
  if (in.context.deadline_ns() == 1) return ProcessError::deadline_exceeded();
  Bytes data = in.payload.read_all();
  return data.as_string().contains(g_needle);
}

TORVYN_FILTER(evaluate)
TORVYN_LIFECYCLE(init, teardown)

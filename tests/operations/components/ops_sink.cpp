// ops_sink (world data-sink): the sink of the operations tests.
//
// Config: pause_every=<k> answers `pause` after every k-th element (a sink telling the runtime it
// is behind: the runtime stops pushing to it for a moment, so its input queue fills; 0 = never,
// the default), work=<rounds> of busy work per element (default 0).
#include "ops_config.h"

using namespace torvyn;

static uint64_t g_pause_every = 0, g_work = 0;
static uint64_t g_received = 0;

static Result<void> init(StringView config) {
  StringView bad;
  const ops::Key keys[] = {{"pause_every", &g_pause_every}, {"work", &g_work}};
  if (!ops::parse_config(config, keys, bad)) return ProcessError::invalid_input("ops_sink: bad config item (pause_every=, work=)");
  return {};
}

static void teardown() {}

static Result<BackpressureSignal> push(const StreamElement& in) {
  Bytes data = in.payload.read_all();
  ops::burn(g_work, data.size());
  ++g_received;
  if (g_pause_every && g_received % g_pause_every == 0) return BackpressureSignal::Pause;
  return BackpressureSignal::Ready;
}

static Result<void> complete() { return {}; }

TORVYN_SINK(push, complete)
TORVYN_LIFECYCLE(init, teardown)

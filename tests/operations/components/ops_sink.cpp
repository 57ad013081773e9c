// ops_sink (world data-sink): the sink of the operations tests.
//
// Config: pause_every=<k> answers `pause` after every k-th element (a sink telling the runtime it
// is behind: the runtime stops pushing to it for a moment, so its input queue fills; 0 = never,
// the default), work=<rounds> of busy work per element (default 0), stall_ms=<n>: each push takes
// n ms of wall time (a sink blocked on a slow write), measured with flow-context.deadline-ns(),
// so the flow's invocation_timeout must be longer; spin_at=<n>: the n-th push never returns (a
// guest stuck in a loop; 0 = never); trap_in_teardown=1: teardown traps (unreachable).
#include "ops_config.h"

using namespace torvyn;

static uint64_t g_pause_every = 0, g_work = 0, g_stall_ms = 0, g_spin_at = 0, g_trap_in_teardown = 0;
static uint64_t g_received = 0;

static Result<void> init(StringView config) {
  StringView bad;
  const ops::Key keys[] = {{"pause_every", &g_pause_every}, {"work", &g_work},           {"stall_ms", &g_stall_ms},
                           {"spin_at", &g_spin_at},         {"trap_in_teardown", &g_trap_in_teardown}};
  if (!ops::parse_config(config, keys, bad))
    return ProcessError::invalid_input("ops_sink: bad config item (pause_every=, work=, stall_ms=, spin_at=, trap_in_teardown=)");
  return {};
}

static void teardown() {
  if (g_trap_in_teardown) __builtin_trap();
}

static Result<BackpressureSignal> push(const StreamElement& in) {
  Bytes data = in.payload.read_all();
  ops::burn(g_work, data.size());
  if (g_stall_ms) {
    // The invocation's remaining time counts down in real time: wait until it has fallen by n ms.
    uint64_t start = in.context.deadline_ns();
    if (start == 0) return ProcessError::fatal("ops_sink: stall_ms needs an invocation_timeout");
    while (start - in.context.deadline_ns() < g_stall_ms * 1000000) {
    }
  }
  ++g_received;
  if (g_spin_at && g_received == g_spin_at) {
    static volatile uint64_t spins = 0;
    for (;;) spins = spins + 1;
  }
  if (g_pause_every && g_received % g_pause_every == 0) return BackpressureSignal::Pause;
  return BackpressureSignal::Ready;
}

static Result<void> complete() { return {}; }

TORVYN_SINK(push, complete)
TORVYN_LIFECYCLE(init, teardown)

// How long a run of per-element calls is between clock reads (pacing.h): long for fast calls, one
// call for a slow one, and pinned by FlowOptions::pacing_stride.
#include <gtest/gtest.h>

#include "../pacing.h"
#include "fake_stages.h"
#include "torvyn/reactor/executor.h"
#include "torvyn/reactor/flow.h"

namespace torvyn::reactor {
namespace {

using testing::FakeSink;
using testing::FakeSource;

TEST(Pacing, FastCallsRunAsManyAsFitInTheWindow) {
  // 50 ns calls: at least the 2 us window's worth per run, whatever a clock read costs here.
  EXPECT_GE(pacing::next_stride(10 * 50, 10), pacing::kRunWindowNs / 50);
  // Calls faster still are capped, so a run's end stays near each of its calls.
  EXPECT_EQ(pacing::next_stride(64 * 5, 64), pacing::kMaxStride);
}

TEST(Pacing, CallsSlowerThanTheWindowAreTimedOneByOne) {
  // 1 ms calls: slower than the window and than kReadShare clock reads (at most 5 us each).
  EXPECT_EQ(pacing::next_stride(3'000'000, 3), 1u);
  EXPECT_EQ(pacing::next_stride(0, 1), pacing::kMaxStride);  // a clock that did not move
}

TEST(Pacing, APinnedStrideBoundsEveryRun) {
  resources::BufferPool pool;
  resources::CopyLedger ledger;
  Flow f({.name = "pinned", .pacing_stride = 5, .measure_stage_time = false}, pool, ledger);
  size_t src = f.add_node("src", std::make_unique<FakeSource>(pool, 100), "");
  size_t sink = f.add_node("sink", std::make_unique<FakeSink>(pool), "");
  f.add_edge(src, "", sink, "", {});
  Executor executor;
  executor.add(f);
  executor.run();
  ASSERT_EQ(f.stats().elements_delivered.get(), 100u);
  for (const auto& n : f.nodes()) {
    const uint64_t calls = n.stats->invocations.get(), runs = n.stats->runs.get();
    SCOPED_TRACE(n.id);
    EXPECT_GE(runs * 5, calls);  // no run longer than 5 calls
    EXPECT_LE(runs, calls);      // and each ended with its one clock read
  }
  EXPECT_EQ(pool.live_buffers(), 0u);
}

}  // namespace
}  // namespace torvyn::reactor

#include "torvyn/reactor/flow.h"

#include <gtest/gtest.h>

#include "fake_stages.h"

namespace torvyn::reactor {
namespace {

using namespace testing;

class FlowTest : public ::testing::Test {
 protected:
  resources::BufferPool pool{resources::PoolSizes{64, 4, 1, 8u << 20, false}};
  resources::CopyLedger ledger;

  template <typename T, typename... A>
  T* add(Flow& f, const std::string& id, std::string config, A&&... a) {
    auto s = std::make_unique<T>(pool, std::forward<A>(a)...);
    T* raw = s.get();
    ids[id] = f.add_node(id, std::move(s), std::move(config));
    return raw;
  }
  void connect(Flow& f, const std::string& a, const std::string& b, uint32_t depth = 8, std::string port = "",
               BackpressurePolicy p = BackpressurePolicy::BlockProducer) {
    f.add_edge(ids.at(a), port, ids.at(b), "", {depth, p});
  }
  std::map<std::string, size_t> ids;
};

FakeProcessor::Fn upper() {
  return [](const std::string& in, std::optional<std::string>& out) {
    std::string s = in;
    for (char& c : s) c = static_cast<char>(std::toupper(c));
    out = s;
    return CallStatus{};
  };
}

TEST_F(FlowTest, LinearPipelineDeliversEverythingInOrderAndReturnsEveryBuffer) {
  Flow f({.name = "linear"}, pool, ledger);
  auto* src = add<FakeSource>(f, "src", "count=100", 100);
  add<FakeProcessor>(f, "up", "", upper());
  auto* sink = add<FakeSink>(f, "sink", "");
  connect(f, "src", "up");
  connect(f, "up", "sink");
  ASSERT_TRUE(f.run().ok()) << f.failure()->to_string();
  EXPECT_EQ(f.state(), FlowState::Completed);
  ASSERT_EQ(sink->got.size(), 100u);
  EXPECT_EQ(sink->got[0], "E0");
  EXPECT_EQ(sink->got[99], "E99");
  for (uint64_t i = 0; i < 100; ++i) EXPECT_EQ(sink->sequences[i], i);
  EXPECT_EQ(src->log.front(), "init:count=100");
  EXPECT_EQ(sink->log, (std::vector<std::string>{"init:", "complete", "teardown"}));
  EXPECT_EQ(f.stats().elements_produced.get(), 100u);
  EXPECT_EQ(f.stats().elements_delivered.get(), 100u);
  EXPECT_EQ(f.stats().latency_ns.count(), 100u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(FlowTest, BalancedPipelineNeverBackpressures) {
  // A long stage slice: on a loaded machine a stage can be descheduled for more than the default
  // 1 ms, which (rightly) lets a queue fill; this test is about the half-queue pull rule.
  Flow f({.name = "balanced", .stage_slice = std::chrono::seconds(10)}, pool, ledger);
  auto* src = add<FakeSource>(f, "src", "", 1000);
  add<FakeSink>(f, "sink", "");
  connect(f, "src", "sink", 16);
  ASSERT_TRUE(f.run().ok());
  EXPECT_EQ(f.edges()[0].queue->stats.backpressure_events.get(), 0u);
  EXPECT_LE(f.edges()[0].queue->stats.peak_depth.get(), 8u);
  EXPECT_EQ(std::count(src->log.begin(), src->log.end(), "pause"), 0);
}

TEST_F(FlowTest, PausingSinkBackpressuresUpToTheSourceAndLosesNothing) {
  FlowOptions o{.name = "bp"};
  o.sink_pause = std::chrono::microseconds(200);
  Flow f(o, pool, ledger);
  auto* src = add<FakeSource>(f, "src", "", 300);
  add<FakeProcessor>(f, "up", "", upper());
  auto* sink = add<FakeSink>(f, "sink", "", "sink", 10);
  connect(f, "src", "up", 4);
  connect(f, "up", "sink", 4);
  ASSERT_TRUE(f.run().ok());
  EXPECT_EQ(sink->got.size(), 300u);
  auto edges = f.edges();
  EXPECT_GT(edges[1].queue->stats.backpressure_events.get(), 0u);  // up -> sink filled first
  EXPECT_GT(edges[0].queue->stats.backpressure_events.get(), 0u);  // and it cascaded upstream
  EXPECT_GT(edges[1].queue->stats.backpressure_ns.get(), 0u);
  EXPECT_GT(std::count(src->log.begin(), src->log.end(), "pause"), 0);
  EXPECT_GT(std::count(src->log.begin(), src->log.end(), "ready"), 0);
  EXPECT_EQ(edges[0].queue->stats.peak_depth.get(), 4u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

// Flow::paused (the inspection API's `Paused`): every producing source held by backpressure for
// at least the given time. A sink that asked for a long pause stalls the flow.
TEST_F(FlowTest, PausedOnlyAfterTheSourceIsHeldLongEnough) {
  FlowOptions o{.name = "stall"};
  o.sink_pause = std::chrono::hours(1);  // the sink's first `pause` holds it for the whole test
  Flow f(o, pool, ledger);
  auto* src = add<FakeSource>(f, "src", "", 1000);
  add<FakeSink>(f, "sink", "", "sink", 1);
  connect(f, "src", "sink", 4);
  ASSERT_TRUE(f.start().ok());
  auto now = std::chrono::steady_clock::now();
  EXPECT_FALSE(f.paused(now, std::chrono::seconds(1)));
  for (int i = 0; i < 20 && std::count(src->log.begin(), src->log.end(), "pause") == 0; ++i) ASSERT_TRUE(f.step());
  ASSERT_EQ(std::count(src->log.begin(), src->log.end(), "pause"), 1) << "the full queue pauses the source";
  now = std::chrono::steady_clock::now();
  EXPECT_FALSE(f.paused(now, std::chrono::seconds(1))) << "held only just now";
  EXPECT_TRUE(f.paused(now + std::chrono::seconds(2), std::chrono::seconds(1)));
  EXPECT_EQ(f.state(), FlowState::Running);  // the lifecycle state is unchanged
  // Stopping the source ends the stall (it produces no more): not Paused, whatever the time.
  f.request_stop();
  (void)f.step();
  EXPECT_FALSE(f.paused(now + std::chrono::seconds(2), std::chrono::seconds(1)));
  f.finish();  // what was queued goes back to the pool
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(FlowTest, FilterDropsAndFanOutSharesThePayload) {
  Flow f({.name = "fan"}, pool, ledger);
  add<FakeSource>(f, "src", "", 10);
  add<FakeFilter>(f, "even", "", [](const std::string& s) { return (s.back() - '0') % 2 == 0; });
  auto* a = add<FakeSink>(f, "a", "", "a");
  auto* b = add<FakeSink>(f, "b", "", "b");
  connect(f, "src", "even");
  connect(f, "even", "a");
  connect(f, "even", "b");
  ASSERT_TRUE(f.run().ok());
  EXPECT_EQ(a->got, (std::vector<std::string>{"e0", "e2", "e4", "e6", "e8"}));
  EXPECT_EQ(b->got, a->got);
  EXPECT_EQ(f.stats().elements_dropped.get(), 5u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(FlowTest, RouterSendsToNamedPortsAndFanIn) {
  Flow f({.name = "route"}, pool, ledger);
  add<FakeSource>(f, "src", "", 6);
  add<FakeRouter>(f, "r", "", [](const std::string& s) -> std::vector<std::string> {
    int n = s.back() - '0';
    if (n == 0) return {};
    if (n == 1) return {"alpha", "beta"};
    return {n % 2 ? "alpha" : "beta"};
  });
  add<FakeProcessor>(f, "pa", "", upper(), "pa");
  add<FakeProcessor>(f, "pb", "", [](const std::string& in, std::optional<std::string>& out) {
    out = "b:" + in;
    return CallStatus{};
  }, "pb");
  auto* sink = add<FakeSink>(f, "sink", "");
  connect(f, "src", "r");
  connect(f, "r", "pa", 8, "alpha");
  connect(f, "r", "pb", 8, "beta");
  connect(f, "pa", "sink");
  connect(f, "pb", "sink");
  ASSERT_TRUE(f.run().ok());
  std::vector<std::string> got = sink->got;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"E1", "E3", "E5", "b:e1", "b:e2", "b:e4"}));
  EXPECT_EQ(f.stats().elements_dropped.get(), 1u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(FlowTest, AggregatorFlushesAtEndOfStream) {
  Flow f({.name = "agg"}, pool, ledger);
  add<FakeSource>(f, "src", "", 7);
  add<FakeAggregator>(f, "agg", "", 3);
  auto* sink = add<FakeSink>(f, "sink", "");
  connect(f, "src", "agg");
  connect(f, "agg", "sink");
  ASSERT_TRUE(f.run().ok());
  EXPECT_EQ(sink->got, (std::vector<std::string>{"e0+e1+e2", "e3+e4+e5", "e6", "end"}));
  EXPECT_EQ(sink->sequences, (std::vector<uint64_t>{0, 1, 2, 3}));
  EXPECT_EQ(pool.live_buffers(), 0u);
}

FakeProcessor::Fn failing_on(std::string bad, FailKind kind) {
  return [bad, kind](const std::string& in, std::optional<std::string>& out) {
    if (in == bad) return CallStatus{kind, "bad element " + in};
    out = in;
    return CallStatus{};
  };
}

TEST_F(FlowTest, FailFastFailsTheFlowAndStillTearsDown) {
  Flow f({.name = "ff"}, pool, ledger);
  add<FakeSource>(f, "src", "", 50);
  add<FakeProcessor>(f, "p", "", failing_on("e5", FailKind::InvalidInput));
  auto* sink = add<FakeSink>(f, "sink", "");
  connect(f, "src", "p");
  connect(f, "p", "sink");
  Status s = f.run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(f.state(), FlowState::Failed);
  EXPECT_NE(s.error().message.find("bad element e5"), std::string::npos) << s.error().message;
  EXPECT_EQ(sink->log.back(), "teardown");
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(FlowTest, SkipPolicyDropsTheFailingElementOnly) {
  Flow f({.name = "skip", .error_policy = ErrorPolicy::Skip}, pool, ledger);
  add<FakeSource>(f, "src", "", 10);
  add<FakeProcessor>(f, "p", "", failing_on("e5", FailKind::Internal));
  auto* sink = add<FakeSink>(f, "sink", "");
  connect(f, "src", "p");
  connect(f, "p", "sink");
  ASSERT_TRUE(f.run().ok());
  EXPECT_EQ(sink->got.size(), 9u);
  EXPECT_EQ(f.stats().errors.get(), 1u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(FlowTest, FatalFailsEvenUnderSkip) {
  Flow f({.name = "fatal", .error_policy = ErrorPolicy::Skip}, pool, ledger);
  add<FakeSource>(f, "src", "", 10);
  add<FakeProcessor>(f, "p", "", failing_on("e2", FailKind::Fatal));
  add<FakeSink>(f, "sink", "");
  connect(f, "src", "p");
  connect(f, "p", "sink");
  EXPECT_FALSE(f.run().ok());
  EXPECT_EQ(f.state(), FlowState::Failed);
}

TEST_F(FlowTest, RetryPolicyRetriesTransientErrors) {
  int failures = 2;
  FlowOptions o{.name = "retry", .error_policy = ErrorPolicy::Retry, .max_retries = 3, .retry_backoff = std::chrono::milliseconds(1)};
  Flow f(o, pool, ledger);
  add<FakeSource>(f, "src", "", 5);
  add<FakeProcessor>(f, "p", "", [&](const std::string& in, std::optional<std::string>& out) {
    if (in == "e3" && failures-- > 0) return CallStatus{FailKind::Unavailable, "try again"};
    out = in;
    return CallStatus{};
  });
  auto* sink = add<FakeSink>(f, "sink", "");
  connect(f, "src", "p");
  connect(f, "p", "sink");
  ASSERT_TRUE(f.run().ok());
  EXPECT_EQ(sink->got.size(), 5u);
  EXPECT_EQ(f.stats().retries.get(), 2u);
}

TEST_F(FlowTest, SinkCompleteErrorFailsTheFlow) {
  Flow f({.name = "complete"}, pool, ledger);
  add<FakeSource>(f, "src", "", 3);
  auto* sink = add<FakeSink>(f, "sink", "");
  sink->complete_status = {FailKind::Internal, "disk full"};
  connect(f, "src", "sink");
  EXPECT_FALSE(f.run().ok());
  EXPECT_EQ(f.state(), FlowState::Failed);
}

TEST_F(FlowTest, StopDrainsWhatWasProduced) {
  Flow f({.name = "stop"}, pool, ledger);
  auto* src = add<FakeSource>(f, "src", "", 1000000);
  add<FakeProcessor>(f, "up", "", upper());
  auto* sink = add<FakeSink>(f, "sink", "");
  connect(f, "src", "up");
  connect(f, "up", "sink");
  ASSERT_TRUE(f.start().ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(f.step());
  f.request_stop();
  while (f.step()) {
  }
  f.finish();
  EXPECT_EQ(f.state(), FlowState::Cancelled);
  EXPECT_GT(src->pulled(), 0u);
  EXPECT_EQ(sink->got.size(), src->pulled());  // nothing produced is lost
  EXPECT_EQ(sink->log, (std::vector<std::string>{"init:", "complete", "teardown"}));
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(FlowTest, LimitStopsTheSources) {
  Flow f({.name = "limit", .limit = 7}, pool, ledger);
  add<FakeSource>(f, "src", "", 100);
  auto* sink = add<FakeSink>(f, "sink", "");
  connect(f, "src", "sink");
  ASSERT_TRUE(f.run().ok());
  EXPECT_EQ(sink->got.size(), 7u);
  EXPECT_EQ(f.state(), FlowState::Completed);
}

TEST_F(FlowTest, DropPoliciesOnAFullQueue) {
  for (auto policy : {BackpressurePolicy::DropNewest, BackpressurePolicy::DropOldest}) {
    FlowOptions o{.name = "drop"};
    o.sink_pause = std::chrono::milliseconds(2);
    Flow f(o, pool, ledger);
    add<FakeSource>(f, "src", "", 200);
    auto* sink = add<FakeSink>(f, "sink", "", "sink", 1);
    connect(f, "src", "sink", 4, "", policy);
    ASSERT_TRUE(f.run().ok());
    EXPECT_LT(sink->got.size(), 200u);
    EXPECT_EQ(sink->got.size() + f.stats().elements_dropped.get(), 200u);
    if (policy == BackpressurePolicy::DropOldest) {
      EXPECT_EQ(sink->got.back(), "e199");
    }
    EXPECT_EQ(pool.live_buffers(), 0u);
  }
}

TEST_F(FlowTest, ErrorPolicyOnAFullQueueFailsTheFlow) {
  FlowOptions o{.name = "qerr"};
  o.sink_pause = std::chrono::milliseconds(2);
  Flow f(o, pool, ledger);
  add<FakeSource>(f, "src", "", 200);
  add<FakeSink>(f, "sink", "", "sink", 1);
  connect(f, "src", "sink", 4, "", BackpressurePolicy::Error);
  Status s = f.run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::FlowQueueFull);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(FlowTest, TopologyErrors) {
  {
    Flow f({.name = "t1"}, pool, ledger);
    add<FakeSource>(f, "src", "", 1);
    add<FakeProcessor>(f, "p", "", upper());
    connect(f, "src", "p");
    Status s = f.validate();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("processor `p` has no outgoing edge"), std::string::npos) << s.error().message;
  }
  {
    Flow f({.name = "t2"}, pool, ledger);
    add<FakeSource>(f, "src", "", 1);
    add<FakeProcessor>(f, "a", "", upper(), "a");
    add<FakeProcessor>(f, "b", "", upper(), "b");
    add<FakeSink>(f, "sink", "");
    connect(f, "src", "a");
    connect(f, "a", "b");
    connect(f, "b", "a");
    connect(f, "b", "sink");
    Status s = f.validate();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("cycle through a, b"), std::string::npos) << s.error().message;
  }
}

TEST_F(FlowTest, InitFailureFailsBeforeAnyElement) {
  Flow f({.name = "init"}, pool, ledger);
  auto* src = add<FakeSource>(f, "src", "", 5);
  auto* sink = add<FakeSink>(f, "sink", "");
  sink->init_status = {FailKind::InvalidInput, "bad config"};
  connect(f, "src", "sink");
  Status s = f.run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(src->pulled(), 0u);
  EXPECT_EQ(src->log.back(), "teardown");
}

}  // namespace
}  // namespace torvyn::reactor

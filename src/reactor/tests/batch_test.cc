// How the driver uses the batch forms of a stage (Stage::max_batch() > 1): batches bounded by the
// stage, FlowOptions::max_batch and the free credit of the stage's outputs; outcomes settled by
// position, each element's error under the flow's policy for that element alone; a paused sink's
// rest handed over again; a source's "nothing now" distinct from its end; and every buffer back
// in the pool whatever happens.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "batch_stages.h"
#include "torvyn/observability/memory_exporter.h"
#include "torvyn/reactor/executor.h"
#include "torvyn/reactor/flow.h"

namespace torvyn::reactor {
namespace {

using namespace testing;

// Batches whatever the machine's load: a stage whose batch calls take longer than batch_slow per
// element falls back to per-element calls (Flow::end_run), and on a busy machine a first call that
// faults its pages in can. These tests are about the batch forms.
FlowOptions steady(FlowOptions o) {
  o.batch_slow = std::chrono::hours(1);
  return o;
}

class BatchTest : public ::testing::Test {
 protected:
  resources::BufferPool pool{resources::PoolSizes{256, 4, 1, 8u << 20, false}};
  resources::CopyLedger ledger;

  template <typename T, typename... A>
  T* add(Flow& f, const std::string& id, A&&... a) {
    auto s = std::make_unique<T>(pool, std::forward<A>(a)...);
    T* raw = s.get();
    ids[id] = f.add_node(id, std::move(s), "");
    return raw;
  }
  void connect(Flow& f, const std::string& a, const std::string& b, uint32_t depth = 64) {
    f.add_edge(ids.at(a), "", ids.at(b), "", {depth, BackpressurePolicy::BlockProducer});
  }
  std::map<std::string, size_t> ids;
};

BatchProcessor::Fn upper() {
  return [](const std::string& in, std::optional<std::string>& out) {
    std::string s = in;
    for (char& c : s) c = static_cast<char>(std::toupper(c));
    out = s;
    return CallStatus{};
  };
}

std::vector<std::string> upper_range(int from, int to, int skip = -1) {
  std::vector<std::string> v;
  for (int i = from; i < to; ++i)
    if (i != skip) v.push_back("E" + std::to_string(i));
  return v;
}

TEST_F(BatchTest, BatchesAreBoundedByTheStageTheOptionsAndTheOutputCredit) {
  Flow f(steady({.name = "bounded"}), pool, ledger);
  add<FakeSource>(f, "src", 200);
  auto* p = add<BatchProcessor>(f, "p", 16, upper());
  auto* sink = add<FakeSink>(f, "sink");
  connect(f, "src", "p", 64);
  connect(f, "p", "sink", 5);  // the processor's output has room for 5 at most
  ASSERT_TRUE(f.run().ok()) << f.failure()->to_string();
  EXPECT_EQ(sink->got, upper_range(0, 200));
  for (size_t b : p->batches) EXPECT_LE(b, 5u);
  EXPECT_GT(*std::max_element(p->batches.begin(), p->batches.end()), 1u) << "runs, not single elements";
  EXPECT_EQ(p->single_calls, 0);
  for (uint64_t i = 0; i < p->seen.size(); ++i) EXPECT_EQ(p->seen[i], i) << "stream order";
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(BatchTest, FlowMaxBatchBoundsEveryBatchAndOneMeansPerElementCalls) {
  for (uint32_t max : {4u, 1u}) {
    FlowOptions o{.name = "max"};
    o.max_batch = max;
    Flow f(steady(o), pool, ledger);
    add<FakeSource>(f, "src", 100);
    auto* p = add<BatchProcessor>(f, "p", 64, upper());
    auto* sink = add<FakeSink>(f, "sink");
    connect(f, "src", "p");
    connect(f, "p", "sink");
    ASSERT_TRUE(f.run().ok());
    EXPECT_EQ(sink->got, upper_range(0, 100));
    if (max == 1) {
      EXPECT_TRUE(p->batches.empty());
      EXPECT_EQ(p->single_calls, 100);
    } else {
      for (size_t b : p->batches) EXPECT_LE(b, max);
      EXPECT_EQ(p->single_calls, 0);
    }
    EXPECT_EQ(f.nodes()[1].stats->invocations.get(), 100u) << "an invocation per element either way";
    EXPECT_EQ(pool.live_buffers(), 0u);
  }
}

FakeProcessor::Fn failing_on(std::string bad, FailKind kind) {
  return [bad, kind](const std::string& in, std::optional<std::string>& out) {
    if (in == bad) return CallStatus{kind, "bad element " + in};
    out = in;
    return CallStatus{};
  };
}

TEST_F(BatchTest, SkipDropsOnlyTheFailingElementOfABatch) {
  Flow f(steady({.name = "skip", .error_policy = ErrorPolicy::Skip}), pool, ledger);
  add<FakeSource>(f, "src", 20);
  auto* p = add<BatchProcessor>(f, "p", 64, failing_on("e5", FailKind::Internal));
  auto* sink = add<FakeSink>(f, "sink");
  connect(f, "src", "p");
  connect(f, "p", "sink");
  ASSERT_TRUE(f.run().ok());
  std::vector<std::string> want;
  for (int i = 0; i < 20; ++i)
    if (i != 5) want.push_back("e" + std::to_string(i));
  EXPECT_EQ(sink->got, want);
  EXPECT_EQ(f.stats().errors.get(), 1u);
  EXPECT_EQ(f.stats().elements_dropped.get(), 1u);
  EXPECT_EQ(p->single_calls, 0) << "skip does not call again";
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(BatchTest, RetryCallsThePerElementFormForThatElementAlone) {
  int failures = 2;
  FlowOptions o{.name = "retry", .error_policy = ErrorPolicy::Retry, .max_retries = 3, .retry_backoff = std::chrono::milliseconds(1)};
  Flow f(steady(o), pool, ledger);
  add<FakeSource>(f, "src", 10);
  auto* p = add<BatchProcessor>(f, "p", 64, [&](const std::string& in, std::optional<std::string>& out) {
    if (in == "e3" && failures-- > 0) return CallStatus{FailKind::Unavailable, "try again"};
    out = in;
    return CallStatus{};
  });
  auto* sink = add<FakeSink>(f, "sink");
  connect(f, "src", "p");
  connect(f, "p", "sink");
  ASSERT_TRUE(f.run().ok());
  std::vector<std::string> want;
  for (int i = 0; i < 10; ++i) want.push_back("e" + std::to_string(i));
  EXPECT_EQ(sink->got, want) << "the retried element keeps its place in the stream";
  EXPECT_EQ(p->single_calls, 2) << "the batch's failure, then two per-element attempts";
  EXPECT_EQ(f.stats().retries.get(), 2u);
  EXPECT_EQ(f.stats().errors.get(), 2u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(BatchTest, RetriesExhaustedSkipTheElement) {
  FlowOptions o{.name = "retry", .error_policy = ErrorPolicy::Retry, .max_retries = 2, .retry_backoff = std::chrono::milliseconds(1)};
  Flow f(steady(o), pool, ledger);
  add<FakeSource>(f, "src", 10);
  auto* p = add<BatchProcessor>(f, "p", 64, failing_on("e4", FailKind::Unavailable));
  auto* sink = add<FakeSink>(f, "sink");
  connect(f, "src", "p");
  connect(f, "p", "sink");
  ASSERT_TRUE(f.run().ok());
  EXPECT_EQ(sink->got.size(), 9u);
  EXPECT_EQ(p->single_calls, 2);
  EXPECT_EQ(f.stats().errors.get(), 3u);  // two retried failures, then the last one
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(BatchTest, FailFastAndFatalFailTheFlowAndReleaseEveryBuffer) {
  struct Case {
    ErrorPolicy policy;
    FailKind kind;
  };
  for (Case c : {Case{ErrorPolicy::FailFast, FailKind::InvalidInput}, Case{ErrorPolicy::Skip, FailKind::Fatal},
                 Case{ErrorPolicy::Retry, FailKind::Trap}}) {
    Flow f(steady({.name = "fail", .error_policy = c.policy}), pool, ledger);
    add<FakeSource>(f, "src", 100);
    add<BatchProcessor>(f, "p", 64, failing_on("e5", c.kind));
    auto* sink = add<FakeSink>(f, "sink");
    connect(f, "src", "p");
    connect(f, "p", "sink");
    Status s = f.run();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(f.state(), FlowState::Failed);
    EXPECT_NE(s.error().message.find("bad element e5"), std::string::npos) << s.error().message;
    ASSERT_LE(sink->got.size(), 5u) << "nothing from the failing element on is handed on";
    for (size_t i = 0; i < sink->got.size(); ++i) EXPECT_EQ(sink->got[i], "e" + std::to_string(i));
    EXPECT_EQ(sink->log.back(), "teardown");
    EXPECT_EQ(pool.live_buffers(), 0u);
  }
}

TEST_F(BatchTest, ABatchCallThatFailsAsAWholeFailsTheFlowAndReleasesTheBatch) {
  Flow f(steady({.name = "trap", .error_policy = ErrorPolicy::Skip}), pool, ledger);
  add<FakeSource>(f, "src", 200);
  auto* p = add<BatchProcessor>(f, "p", 64, upper());
  p->fail_call = [](size_t call) { return call == 2; };
  auto* sink = add<FakeSink>(f, "sink");
  connect(f, "src", "p");
  connect(f, "p", "sink");
  Status s = f.run();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("batch call trapped"), std::string::npos) << s.error().message;
  EXPECT_EQ(sink->got.size(), p->batches[0]) << "only the first batch's elements went on";
  EXPECT_EQ(f.stats().errors.get(), 1u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(BatchTest, APausedSinkGetsTheRestOfItsBatchLater) {
  FlowOptions o{.name = "pause"};
  o.sink_pause = std::chrono::microseconds(200);
  Flow f(steady(o), pool, ledger);
  add<FakeSource>(f, "src", 100);
  auto* sink = add<BatchSink>(f, "sink", 64);
  sink->pause_after = [](const std::string& t) { return t == "e7" || t == "e40" || t == "e41"; };
  connect(f, "src", "sink");
  ASSERT_TRUE(f.run().ok());
  std::vector<std::string> want;
  for (int i = 0; i < 100; ++i) want.push_back("e" + std::to_string(i));
  EXPECT_EQ(sink->got, want) << "nothing lost, nothing twice, in order";
  EXPECT_EQ(f.stats().elements_delivered.get(), 100u);
  EXPECT_EQ(f.stats().latency_ns.count(), 100u);
  EXPECT_EQ(sink->single_calls, 0);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(BatchTest, SinkErrorsFollowThePolicyPerElement) {
  Flow f(steady({.name = "sinkskip", .error_policy = ErrorPolicy::Skip}), pool, ledger);
  add<FakeSource>(f, "src", 30);
  auto* sink = add<BatchSink>(f, "sink", 64);
  sink->fail = [](const std::string& t) { return t == "e3" || t == "e17" ? CallStatus{FailKind::InvalidInput, "no"} : CallStatus{}; };
  connect(f, "src", "sink");
  ASSERT_TRUE(f.run().ok());
  EXPECT_EQ(sink->got.size(), 28u);
  EXPECT_EQ(f.stats().errors.get(), 2u);
  EXPECT_EQ(f.stats().elements_delivered.get(), 28u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(BatchTest, ASourceWithNothingNowIsAskedAgainAndOnlyDoneEndsTheStream) {
  Flow f(steady({.name = "src"}), pool, ledger);
  auto* src = add<BatchSource>(f, "src", 64,
                               std::deque<BatchSource::Answer>{{3}, {0}, {0}, {50}, {0}, {4, true}});
  auto* sink = add<FakeSink>(f, "sink");
  connect(f, "src", "sink", 16);
  ASSERT_TRUE(f.run().ok()) << f.failure()->to_string();
  EXPECT_EQ(f.state(), FlowState::Completed);
  EXPECT_EQ(sink->got.size(), 57u);
  for (uint64_t i = 0; i < 57; ++i) EXPECT_EQ(sink->sequences[i], i);
  for (uint32_t max : src->asked) EXPECT_LE(max, 8u) << "half a queue of 16 per round, never more than its credit";
  EXPECT_EQ(pool.live_buffers(), 0u);
}

// A sink that notes how much it had been handed each time the flow told it it was idle.
class IdleNotingSink : public FakeSink {
 public:
  using FakeSink::FakeSink;
  void idle() override { idle_at.push_back(got.size()); }
  std::vector<size_t> idle_at;
};

// When a round does nothing (the source has nothing now), every stage hears idle(): the moment a
// sink that holds output back (the file sink's stdio buffer) hands it on.
TEST_F(BatchTest, ARoundWithNothingToDoTellsTheStagesTheFlowIsIdle) {
  Flow f(steady({.name = "idle"}), pool, ledger);
  // (a round pulls until the source has nothing now: the first zero goes with the three)
  add<BatchSource>(f, "src", 64, std::deque<BatchSource::Answer>{{3}, {0}, {0}, {0}, {0}, {2, true}});
  auto* sink = add<IdleNotingSink>(f, "sink");
  connect(f, "src", "sink", 16);
  ASSERT_TRUE(f.run().ok()) << f.failure()->to_string();
  EXPECT_EQ(sink->got.size(), 5u);
  ASSERT_FALSE(sink->idle_at.empty());
  EXPECT_EQ(sink->idle_at.front(), 3u) << "idle while the source had nothing, after the first three";
}

TEST_F(BatchTest, ABatchSourceRespectsTheLimit) {
  Flow f(steady({.name = "limit", .limit = 7}), pool, ledger);
  auto* src = add<BatchSource>(f, "src", 64, std::deque<BatchSource::Answer>{{100, true}});
  auto* sink = add<FakeSink>(f, "sink");
  connect(f, "src", "sink");
  ASSERT_TRUE(f.run().ok());
  EXPECT_EQ(sink->got.size(), 7u);
  uint32_t asked = 0;
  for (uint32_t max : src->asked) asked += max;
  EXPECT_EQ(asked, 7u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(BatchTest, BackpressureReachesABatchSourceAndStopDrains) {
  FlowOptions o{.name = "bp"};
  o.sink_pause = std::chrono::microseconds(100);
  Flow f(steady(o), pool, ledger);
  auto* src = add<BatchSource>(f, "src", 64, std::deque<BatchSource::Answer>{{1000000, true}});
  add<BatchProcessor>(f, "p", 64, upper());
  auto* sink = add<BatchSink>(f, "sink", 64);
  sink->pause_after = [](const std::string&) { return true; };  // one element per pause
  connect(f, "src", "p", 4);
  connect(f, "p", "sink", 4);
  ASSERT_TRUE(f.start().ok());
  for (int i = 0; i < 200 && std::count(src->log.begin(), src->log.end(), "pause") == 0; ++i) (void)f.step();
  EXPECT_GT(std::count(src->log.begin(), src->log.end(), "pause"), 0);
  for (uint32_t max : src->asked) EXPECT_LE(max, 2u);
  f.request_stop();
  while (f.step()) {
  }
  f.finish();
  EXPECT_EQ(f.state(), FlowState::Cancelled);
  EXPECT_EQ(sink->got.size(), f.stats().elements_produced.get()) << "nothing produced is lost";
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(BatchTest, DroppedOutcomesAndCountersMatchPerElementCalls) {
  auto run = [&](uint32_t max_batch) {
    FlowOptions o{.name = "same"};
    o.max_batch = max_batch;
    Flow f(steady(o), pool, ledger);
    add<FakeSource>(f, "src", 50);
    add<BatchProcessor>(f, "p", 64, [](const std::string& in, std::optional<std::string>& out) {
      if (in.back() != '3') out = in + "!";
      return CallStatus{};
    });
    auto* sink = add<BatchSink>(f, "sink", 64);
    connect(f, "src", "p", 8);
    connect(f, "p", "sink", 8);
    EXPECT_TRUE(f.run().ok());
    auto nodes = f.nodes();
    // component.processing_time has one value per invocation, batch or not.
    EXPECT_EQ(nodes[1].stats->processing_ns.count(), nodes[1].stats->invocations.get());
    EXPECT_EQ(nodes[0].stats->processing_ns.count(), nodes[0].stats->invocations.get());
    return std::tuple{sink->got, f.stats().elements_dropped.get(), f.stats().elements_delivered.get(), nodes[1].stats->invocations.get(),
                      nodes[1].stats->elements_in.get(), nodes[1].stats->elements_out.get(), nodes[2].stats->invocations.get(),
                      f.stats().latency_ns.count()};
  };
  EXPECT_EQ(run(64), run(1));
  EXPECT_EQ(pool.live_buffers(), 0u);
}

// Tracing a flow of batch stages: every element still gets its root span and one span per
// stage it went through, and during a batch call flow-context lists each element's own trace and
// span (the ones exported).
// A traced flow calls per element even where stages have batch forms (Flow::start): one span per
// element's own call, and the flow-context names that element.
TEST_F(BatchTest, TracedFlowsCallPerElementWithEveryElementItsOwnSpan) {
  namespace obs = observability;
  auto exporter = std::make_unique<obs::MemoryExporter>();
  obs::MemoryExporter* exported = exporter.get();
  auto tracer = obs::Tracer::create({.level = obs::TraceLevel::Production, .sample_rate = 1.0}, std::move(exporter), {});
  FlowContextState ctx;
  FlowOptions o{.name = "traced"};
  o.context = &ctx;
  Flow f(steady(o), pool, ledger);
  add<BatchSource>(f, "src", 64, std::deque<BatchSource::Answer>{{20, true}});
  auto* p = add<BatchProcessor>(f, "p", 64, upper());
  auto* sink = add<BatchSink>(f, "sink", 64);
  connect(f, "src", "p");
  connect(f, "p", "sink");
  size_t seen_batches = 0;
  p->on_batch = [&](size_t) { ++seen_batches; };
  f.enable_tracing(tracer, {});
  ASSERT_TRUE(f.run().ok());
  tracer->shutdown();
  EXPECT_EQ(seen_batches, 0u);
  EXPECT_EQ(sink->got.size(), 20u);
  std::map<std::string, std::multiset<obs::SpanOp>> ops;  // trace -> operations
  std::set<std::string> roots, process_spans;
  for (const obs::SpanRecord& s : exported->take()) {
    if (s.name == "element") roots.insert(obs::to_hex(s.trace_id));
    for (const auto& a : s.attributes)
      if (a.key == "torvyn.operation") {
        const std::string op = std::get<std::string>(a.value);
        ops[obs::to_hex(s.trace_id)].insert(op == "pull" ? obs::SpanOp::Pull : op == "process" ? obs::SpanOp::Process : obs::SpanOp::Push);
        if (op == "process") process_spans.insert(obs::to_hex(s.span_id));
      }
  }
  EXPECT_EQ(roots.size(), 20u);
  for (const std::string& r : roots)
    EXPECT_EQ(ops[r], (std::multiset<obs::SpanOp>{obs::SpanOp::Pull, obs::SpanOp::Process, obs::SpanOp::Push})) << r;
  EXPECT_EQ(process_spans.size(), 20u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST(Executor, RunsSeveralFlowsAndStopsThemOnRequest) {
  resources::BufferPool pool{resources::PoolSizes{64, 4, 1, 8u << 20, false}};
  resources::CopyLedger ledger;
  Flow done({.name = "done"}, pool, ledger), endless({.name = "endless"}, pool, ledger);
  auto* s1 = new FakeSource(pool, 10);
  auto* k1 = new FakeSink(pool);
  done.add_edge(done.add_node("src", std::unique_ptr<Stage>(s1), ""), "", done.add_node("sink", std::unique_ptr<Stage>(k1), ""), "", {});
  auto* s2 = new FakeSource(pool, UINT64_MAX);
  auto* k2 = new FakeSink(pool);
  endless.add_edge(endless.add_node("src", std::unique_ptr<Stage>(s2), ""), "", endless.add_node("sink", std::unique_ptr<Stage>(k2), ""), "",
                   {});
  Executor ex;
  ex.add(done);
  ex.add(endless);
  size_t turns_seen = 0, most_active = 0;
  std::atomic<bool> stop{false};
  ex.on_turn([&](const std::vector<Flow*>& active) {
    ++turns_seen;
    most_active = std::max(most_active, active.size());
    if (k2->got.size() > 1000) stop = true;
  });
  ex.run(&stop);
  EXPECT_EQ(done.state(), FlowState::Completed);
  EXPECT_EQ(endless.state(), FlowState::Cancelled);
  EXPECT_EQ(k1->got.size(), 10u);
  EXPECT_EQ(k2->got.size(), s2->pulled());
  EXPECT_EQ(most_active, 2u);
  EXPECT_EQ(ex.turns(), turns_seen);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST(Executor, AFlowThatCannotStartIsFinishedAndTheOthersRun) {
  resources::BufferPool pool{resources::PoolSizes{64, 4, 1, 8u << 20, false}};
  resources::CopyLedger ledger;
  Flow bad({.name = "bad"}, pool, ledger), good({.name = "good"}, pool, ledger);
  auto* sink = new FakeSink(pool);
  sink->init_status = {FailKind::InvalidInput, "bad config"};
  bad.add_edge(bad.add_node("src", std::make_unique<FakeSource>(pool, 5), ""), "", bad.add_node("sink", std::unique_ptr<Stage>(sink), ""), "",
               {});
  auto* k = new FakeSink(pool);
  good.add_edge(good.add_node("src", std::make_unique<FakeSource>(pool, 5), ""), "", good.add_node("sink", std::unique_ptr<Stage>(k), ""), "",
                {});
  Executor ex;
  ex.add(bad);
  ex.add(good);
  ex.run();
  EXPECT_EQ(bad.state(), FlowState::Failed);
  EXPECT_EQ(sink->log.back(), "teardown");
  EXPECT_EQ(good.state(), FlowState::Completed);
  EXPECT_EQ(k->got.size(), 5u);
}

TEST(Executor, RequestStopFromAnotherThreadStopsTheSourcesAndDrains) {
  resources::BufferPool pool{resources::PoolSizes{64, 4, 1, 8u << 20, false}};
  resources::CopyLedger ledger;
  FlowOptions o{.name = "slow"};
  o.sink_pause = std::chrono::milliseconds(2);  // the sink pauses after every element: the executor naps
  Flow f(o, pool, ledger);
  auto* src = new FakeSource(pool, UINT64_MAX);
  auto* sink = new FakeSink(pool, "sink", 1);
  f.add_edge(f.add_node("src", std::unique_ptr<Stage>(src), ""), "", f.add_node("sink", std::unique_ptr<Stage>(sink), ""), "",
             {4, BackpressurePolicy::BlockProducer});
  Executor ex;
  ex.add(f);
  std::thread stopper([&] {
    while (ex.turns() < 20) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ex.request_stop();
  });
  ex.run();
  stopper.join();
  EXPECT_EQ(f.state(), FlowState::Cancelled);
  EXPECT_EQ(sink->got.size(), src->pulled()) << "what was produced is drained";
  EXPECT_EQ(pool.live_buffers(), 0u);
}

}  // namespace
}  // namespace torvyn::reactor

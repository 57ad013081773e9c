// The "Operational Runbook" of the operator's guide (seed/production-deployment-guide.txt), one
// test per entry: a project whose components misbehave in the way the entry is about runs under a
// real `torvyn run`; while it runs, the test asks the inspection API exactly what the runbook
// tells the operator to look at, and checks that it shows the problem — and that a well-behaved
// control (another flow, node, tier or stream of the same run) does not.
//
// Throttling: most flows end in a sink that answers `pause` after every element, so the runtime
// pushes to it about once a millisecond and a never-ending source (count=0) does not burn a core;
// each test stops `torvyn run` with SIGTERM, as an operator would, and checks the exit code.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "ops_harness.h"

namespace torvyn::ops_test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The guide's stream.backpressure.duration_ns under its Prometheus name (in seconds).
constexpr const char* kBackpressure = "torvyn_stream_backpressure_duration_seconds_total";

// The stream entry of GET /flows/{flow} going from `from` to `to`.
json stream_of(const json& flow, const std::string& from, const std::string& to) {
  if (!flow.is_object() || !flow.contains("streams")) return json();
  for (const json& s : flow["streams"])
    if (s.value("from", "") == from && s.value("to", "") == to) return s;
  return json();
}

json stage_of(const json& flow, const std::string& node) {
  if (!flow.is_object() || !flow.contains("stages")) return json();
  for (const json& s : flow["stages"])
    if (s.value("node", "") == node) return s;
  return json();
}

// ---------------------------------------------------------------------------------------------
// Pipeline is not processing elements
// ---------------------------------------------------------------------------------------------

// "Check flow state: GET /flows on the inspection API. Look for flows in Failed ..." and
// "A fatal error stops the flow." Two flows in one process: `broken`'s processor returns
// `fatal` on its 6th element; `healthy` keeps running (and keeps the API up).
TEST(Runbook, FailedFlowShowsFailedInFlows) {
  RunbookProject p("failed-flow", pipeline("broken", "count=0", {{"proc", "fatal_after=5"}}, "pause_every=1", 8) +
                                      pipeline("healthy", "count=0", {{"proc", ""}}, "pause_every=1", 8));
  START_OR_FAIL(p);
  ASSERT_TRUE(p.wait_until([&] { return p.flow_summary("broken").value("state", "") == "Failed"; }, 30s))
      << p.get("/flows").body << "\n" << p.output();
  json broken = p.flow_summary("broken"), healthy = p.flow_summary("healthy");
  EXPECT_EQ(broken["state"], "Failed") << broken;
  EXPECT_EQ(healthy["state"], "Running") << healthy;  // the control: same process, same components
  EXPECT_EQ(broken["errors"], 1) << broken;
  EXPECT_EQ(healthy["errors"], 0) << healthy;
  // The failed flow keeps its numbers: its source produced the 6 elements the processor saw
  // (more may be queued), and at most the 5 good ones reached the sink.
  EXPECT_GE(broken["elements"].get<double>(), 6) << broken;
  EXPECT_LE(broken["delivered"].get<double>(), 5) << broken;

  // The same in Prometheus: the flow_state set and the fatal error on the node that raised it.
  Metrics m = p.metrics();
  EXPECT_EQ(m.value("torvyn_flow_state", {{"flow", "broken"}, {"state", "Failed"}}), 1);
  EXPECT_EQ(m.value("torvyn_flow_state", {{"flow", "broken"}, {"state", "Running"}}), 0);
  EXPECT_EQ(m.value("torvyn_flow_state", {{"flow", "healthy"}, {"state", "Running"}}), 1);
  EXPECT_EQ(m.value("torvyn_component_errors_total", {{"flow", "broken"}, {"node", "proc"}}), 1);
  EXPECT_EQ(m.value("torvyn_component_errors_total", {{"flow", "healthy"}, {"node", "proc"}}), 0);

  // The healthy flow is still making progress after the other one failed.
  long long before = delivered(p, "healthy");
  EXPECT_TRUE(p.wait_until([&] { return delivered(p, "healthy") > before + 20; }, 20s)) << p.get("/flows").body;

  test::ProcResult r = p.stop();
  EXPECT_EQ(r.exit_code, 1) << "a failed flow makes `torvyn run` exit 1\n" << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("Failed"), std::string::npos) << r.out << r.err;
}

// "Check for component errors: review component.errors metrics." A processor whose every 3rd
// element fails with a non-fatal error, under error_policy = "skip": the flow keeps running, the
// errors accumulate on that node and only there.
TEST(Runbook, ComponentErrorsCountNonFatalErrorsUnderSkip) {
  RunbookProject p("component-errors", pipeline("main", "count=0", {{"tidy", ""}, {"flaky", "error_every=3"}}, "pause_every=1", 8,
                                                "error_policy = \"skip\"\n"));
  START_OR_FAIL(p);
  ASSERT_TRUE(p.wait_until([&] { return p.metrics().value("torvyn_component_errors_total", {{"node", "flaky"}}) >= 5; }, 30s))
      << p.get("/metrics").body << p.output();
  Metrics first = p.metrics();
  ASSERT_TRUE(p.wait_until([&] { return p.metrics().value("torvyn_component_errors_total", {{"node", "flaky"}}) >=
                                        first.value("torvyn_component_errors_total", {{"node", "flaky"}}) + 10; }, 30s))
      << "component.errors must keep increasing while the component keeps failing\n" << p.get("/metrics").body;
  Metrics m = p.metrics();
  double errors = m.value("torvyn_component_errors_total", {{"node", "flaky"}});
  EXPECT_GT(errors, first.value("torvyn_component_errors_total", {{"node", "flaky"}}));
  // Controls: the other stages of the same flow have none.
  EXPECT_EQ(m.value("torvyn_component_errors_total", {{"node", "tidy"}}), 0);
  EXPECT_EQ(m.value("torvyn_component_errors_total", {{"node", "src"}}), 0);
  EXPECT_EQ(m.value("torvyn_component_errors_total", {{"node", "sink"}}), 0);
  // Skipped elements are dropped, and the flow stays up.
  json flow = p.get_json("/flows/main");
  EXPECT_EQ(flow.value("state", ""), "Running") << flow;
  EXPECT_GT(flow.value("dropped", 0), 0) << flow;
  EXPECT_GE(stage_of(flow, "flaky").value("errors", 0), errors) << flow;
  // About one element in three fails (the counter is read a moment later than the stage table).
  double invocations = stage_of(flow, "flaky").value("invocations", 0.0);
  EXPECT_NEAR(stage_of(flow, "flaky").value("errors", 0.0) / invocations, 1.0 / 3, 0.05) << flow;

  test::ProcResult r = p.stop();
  EXPECT_EQ(r.exit_code, 0) << "skipped errors do not fail the flow\n" << r.out << r.err;
}

// "Check for backpressure: if stream.backpressure.duration_ns is high, the pipeline may be
// stalled on a slow sink" (and, under "Latency is increasing": stream.queue.current_depth shows
// where data is accumulating; sustained backpressure on a stream points at its downstream
// component). A slow sink that asks the runtime to pause after every 3rd element, behind a 4-slot
// queue: the queue is full whenever the sink pauses. Control: a second flow, the same components
// with a sink that never pauses.
//
// (Every 3rd, not every element: each pause then lets the queue drain below its low watermark, so
// every backpressure episode ends. StalledSinkBackpressureCountsTheOpenEpisode is the sink that
// never lets it drain.)
TEST(Runbook, SlowSinkShowsBackpressureAndFullQueue) {
  RunbookProject p("slow-sink", pipeline("slow", "count=0", {{"proc", ""}}, "pause_every=3", 4) +
                                    pipeline("fast", "count=3000", {{"proc", ""}}, "", 4));
  START_OR_FAIL(p);
  const std::map<std::string, std::string> into_sink = {{"flow", "slow"}, {"stream", "proc->sink"}};
  ASSERT_TRUE(p.wait_until([&] { return p.metrics().value(kBackpressure, into_sink) > 0; }, 30s))
      << p.get("/metrics").body << p.output();
  Metrics first = p.metrics();
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(1s);
  Metrics m = p.metrics();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double grew = m.value(kBackpressure, into_sink) - first.value(kBackpressure, into_sink);
  // "High": the queue into the sink is full most of the time.
  EXPECT_GT(grew, 0.5 * wall) << "backpressure grew by " << grew << " s in " << wall << " s";
  // The queue into the slow sink is full (it is, all the time but the moments the sink drains it).
  EXPECT_TRUE(p.wait_until([&] { return p.metrics().value("torvyn_stream_queue_current_depth", into_sink) == 4; }, 10s))
      << p.get("/metrics").body;
  // The healthy flow's streams never filled.
  m = p.metrics();
  for (const char* s : {"src->proc", "proc->sink"}) {
    EXPECT_EQ(m.value(kBackpressure, {{"flow", "fast"}, {"stream", s}}), 0) << s;
    EXPECT_EQ(m.value("torvyn_stream_queue_current_depth", {{"flow", "fast"}, {"stream", s}}), 0) << s;
  }
  EXPECT_EQ(p.flow_summary("fast").value("state", ""), "Completed");

  // GET /flows/{id} shows the same stream backpressured and full.
  json s;
  EXPECT_TRUE(p.wait_until([&] { s = stream_of(p.get_json("/flows/slow"), "proc", "sink"); return s.value("depth", 0) == 4; }, 10s)) << s;
  EXPECT_EQ(s["capacity"], 4) << s;
  EXPECT_GT(s["backpressure_events"].get<double>(), 10) << s;
  EXPECT_GT(s["backpressure_ns"].get<double>(), 0.5 * wall * 1e9) << s;  // the JSON API keeps ns
  json fast = stream_of(p.get_json("/flows/fast"), "proc", "sink");
  EXPECT_EQ(fast.value("backpressure_events", -1), 0) << fast;
  EXPECT_EQ(fast.value("backpressure_ns", -1), 0) << fast;

  test::ProcResult r = p.stop();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// The stalled sink: it answers `pause` after every element, so its 4-slot input queue never drains
// to the low watermark and the backpressure episode that began when it first filled never ends.
// The runbook's check must see that stall while it lasts.
TEST(Runbook, StalledSinkBackpressureCountsTheOpenEpisode) {
  RunbookProject p("stalled-sink", pipeline("main", "count=0", {{"proc", ""}}, "pause_every=1", 4));
  START_OR_FAIL(p);
  const std::map<std::string, std::string> into_sink = {{"flow", "main"}, {"stream", "proc->sink"}};
  ASSERT_TRUE(p.wait_until([&] { return p.metrics().value("torvyn_stream_queue_current_depth", into_sink) == 4; }, 30s))
      << p.get("/metrics").body << p.output();
  std::this_thread::sleep_for(500ms);
  Metrics m = p.metrics();
  EXPECT_GT(m.value(kBackpressure, into_sink), 0.25) << p.get("/metrics").body;
  EXPECT_GT(stream_of(p.get_json("/flows/main"), "proc", "sink").value("backpressure_ns", 0.0), 250e6);
  test::ProcResult r = p.stop();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// "Check resource availability: if pool.exhaustion_events is increasing, buffer pools may be
// exhausted." A 4-buffer small tier under a flow whose full queues hold more small buffers than
// that: every further allocation finds the tier empty (and falls back to the medium tier).
// Control: the medium tier, which has room, records no exhaustion.
TEST(Runbook, PoolExhaustionEventsIncreaseWhenATierRunsEmpty) {
  RunbookProject p("pool-exhaustion", pipeline("main", "count=0", {{"proc", ""}}, "pause_every=1", 16),
                   "[runtime.pools]\nsmall = 4\nmedium = 256\nlarge = 4\n");
  START_OR_FAIL(p);
  const std::map<std::string, std::string> small = {{"tier", "small"}}, medium = {{"tier", "medium"}};
  ASSERT_TRUE(p.wait_until([&] { return p.metrics().value("torvyn_pool_exhaustion_events_total", small) > 0; }, 30s))
      << p.get("/metrics").body << p.output();
  double first = p.metrics().value("torvyn_pool_exhaustion_events_total", small);
  ASSERT_TRUE(p.wait_until([&] { return p.metrics().value("torvyn_pool_exhaustion_events_total", small) > first + 20; }, 30s))
      << "pool.exhaustion_events must keep increasing while the tier stays empty\n" << p.get("/metrics").body;
  Metrics m = p.metrics();
  EXPECT_EQ(m.value("torvyn_pool_available", small), 0);
  EXPECT_EQ(m.value("torvyn_pool_exhaustion_events_total", medium), 0);
  EXPECT_GT(m.value("torvyn_pool_available", medium), 0);
  // GET /pools agrees.
  json pools = p.get_json("/pools");
  ASSERT_TRUE(pools.is_array()) << pools;
  for (const json& t : pools)
    if (t["tier"] == "small") {
      EXPECT_EQ(t["total"], 4) << t;
      EXPECT_GT(t["exhaustion_events"].get<double>(), first) << t;
    }
  // Exhaustion of one tier slows nothing down here: the flow still delivers.
  EXPECT_EQ(p.flow_summary("main").value("state", ""), "Running");

  test::ProcResult r = p.stop();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// ---------------------------------------------------------------------------------------------
// Latency is increasing
// ---------------------------------------------------------------------------------------------

// "Check per-component latency: component.processing_time histograms identify the slow stage."
// source -> fast -> slow (busy work per element) -> sink: the slow node's mean time per
// invocation is the largest, by far.
TEST(Runbook, ProcessingTimeIdentifiesTheSlowStage) {
  RunbookProject p("processing-time",
                   pipeline("main", "count=0", {{"fast", ""}, {"slow", "work=400000"}}, "pause_every=1", 8));
  START_OR_FAIL(p);
  ASSERT_TRUE(p.wait_until([&] { return delivered(p, "main") >= 100; }, 30s)) << p.get("/flows").body << p.output();
  Metrics m = p.metrics();
  double slow = m.mean("torvyn_component_processing_time_seconds", {{"node", "slow"}});
  ASSERT_GT(slow, 0) << p.get("/metrics").body;
  for (const char* other : {"src", "fast", "sink"}) {
    double t = m.mean("torvyn_component_processing_time_seconds", {{"node", other}});
    EXPECT_GT(t, 0) << other;
    EXPECT_GT(slow, 5 * t) << "slow stage " << slow << " s per call vs " << other << " " << t << " s";
  }
  // The histogram's total time too (what a dashboard's rate(sum) shows).
  double slow_sum = m.value("torvyn_component_processing_time_seconds_sum", {{"node", "slow"}});
  for (const char* other : {"src", "fast", "sink"})
    EXPECT_GT(slow_sum, m.value("torvyn_component_processing_time_seconds_sum", {{"node", other}})) << other;
  // GET /flows/{id} shows the same per stage.
  json flow = p.get_json("/flows/main");
  double slow_p50 = stage_of(flow, "slow")["processing_ns"].value("p50_ns", 0.0);
  double fast_p50 = stage_of(flow, "fast")["processing_ns"].value("p50_ns", 0.0);
  EXPECT_GT(slow_p50, 5 * fast_p50) << flow;

  test::ProcResult r = p.stop();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// "Pipeline is not processing elements — look for flows in Failed or Paused state": a sink blocked
// for a second per element (a write that hangs) fills the queues and backpressure holds the
// source paused; after a second of that GET /flows and torvyn_flow_state say Paused. (The
// controls, flows that their sinks merely slow down, stay Running: FailedFlowShowsFailedInFlows
// and BusySlowSinkShowsBackpressure.)
TEST(Runbook, StalledSinkShowsPausedFlow) {
  RunbookProject p("paused", pipeline("stalled", "count=0", {{"proc", ""}}, "stall_ms=1000", 4));
  START_OR_FAIL(p);
  ASSERT_TRUE(p.wait_until([&] { return p.flow_summary("stalled").value("state", "") == "Paused"; }, 30s))
      << p.get("/flows").body << "\n" << p.output();
  Metrics m = p.metrics();
  // The stall lasts: the state flips back to Running only in the moment the source is let go.
  if (m.value("torvyn_flow_state", {{"flow", "stalled"}, {"state", "Paused"}}) != 1) m = p.metrics();
  EXPECT_EQ(m.value("torvyn_flow_state", {{"flow", "stalled"}, {"state", "Paused"}}), 1) << p.get("/metrics").body;
  EXPECT_EQ(m.value("torvyn_flow_state", {{"flow", "stalled"}, {"state", "Running"}}), 0);
  // What the runbook's next step looks at: the backpressure on the stream into the sink.
  EXPECT_GT(m.value(kBackpressure, {{"flow", "stalled"}, {"stream", "proc->sink"}}), 0.5);
  test::ProcResult r = p.stop(60s);  // draining: each queued element still takes a second
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// A sink that is slow because each push takes long (a blocking database write, here busy work),
// without ever answering `pause`: what the runbook calls "stalled on a slow sink". Expected by the
// runbook: backpressure on the stream into it, its queue full.
TEST(Runbook, BusySlowSinkShowsBackpressure) {
  RunbookProject p("busy-sink", pipeline("main", "count=0", {{"proc", ""}}, "work=6000000", 4));  // ~2-3 ms per push
  START_OR_FAIL(p);
  const std::map<std::string, std::string> into_sink = {{"flow", "main"}, {"stream", "proc->sink"}};
  ASSERT_TRUE(p.wait_until([&] { return delivered(p, "main") >= 50; }, 30s)) << p.get("/flows").body << p.output();
  std::this_thread::sleep_for(500ms);
  Metrics m = p.metrics();
  EXPECT_GT(m.value(kBackpressure, into_sink), 0.1);
  // Data accumulates in front of the slow sink: while it works on one element (already taken off
  // the queue) the other three wait, so samples read 3 (4 only between a refill and the next pop).
  double deepest = 0;
  for (int i = 0; i < 20; ++i) {
    deepest = std::max(deepest, p.metrics().value("torvyn_stream_queue_current_depth", into_sink));
    // Slowed down, not stalled: its source is let go every few milliseconds.
    EXPECT_EQ(p.flow_summary("main").value("state", ""), "Running");
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GE(deepest, 3);
  test::ProcResult r = p.stop();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// ---------------------------------------------------------------------------------------------
// Memory usage is growing
// ---------------------------------------------------------------------------------------------

// "Check component.memory_current for each component. A steadily increasing gauge suggests a
// memory leak in component code." A processor that mallocs 16 KiB per element and never frees
// it, next to one that does not leak (same component, other config).
TEST(Runbook, LeakingComponentShowsRisingMemory) {
  RunbookProject p("leak", pipeline("main", "count=0", {{"tidy", ""}, {"leaky", "leak=16384"}}, "pause_every=1", 8));
  START_OR_FAIL(p);
  ASSERT_TRUE(p.wait_until([&] { return delivered(p, "main") >= 50; }, 30s)) << p.get("/flows").body << p.output();
  Metrics first = p.metrics();
  long long at_first = delivered(p, "main");
  ASSERT_TRUE(p.wait_until([&] { return delivered(p, "main") >= at_first + 200; }, 30s)) << p.get("/flows").body;
  Metrics second = p.metrics();
  const char* gauge = "torvyn_component_memory_current_bytes";
  double leaky0 = first.value(gauge, {{"node", "leaky"}}), leaky1 = second.value(gauge, {{"node", "leaky"}});
  ASSERT_GT(leaky0, 0) << p.get("/metrics").body;
  // 200 elements x 16 KiB = 3.2 MB leaked at least between the two scrapes (linear memory grows in
  // 64 KiB pages, so the gauge moves in steps; allow for the allocator's slack).
  EXPECT_GE(leaky1 - leaky0, 2.5e6) << leaky0 << " -> " << leaky1;
  // Controls: the other components of the flow stay flat.
  for (const char* node : {"src", "tidy", "sink"}) {
    double a = first.value(gauge, {{"node", node}}), b = second.value(gauge, {{"node", node}});
    EXPECT_GT(a, 0) << node;
    EXPECT_EQ(a, b) << node << " memory changed: " << a << " -> " << b;
  }
  // GET /components sums it per component; GET /flows/{id} shows it per stage.
  EXPECT_GE(stage_of(p.get_json("/flows/main"), "leaky").value("memory_bytes", 0.0), leaky1);

  test::ProcResult r = p.stop();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// "Check pool.available per tier. Decreasing availability without corresponding increase in
// throughput suggests buffers are not being returned to the pool." A processor that allocates a
// small host buffer per element and never drops it. Control: the medium tier. Per element
// (max_batch = 1): inside a batch the SDK builds outputs in the component's own memory, so what a
// batched hoarder keeps shows in component.memory_current instead (docs/batching.md).
TEST(Runbook, UnreturnedBuffersShowInPoolAvailable) {
  RunbookProject p("pool-available", pipeline("main", "count=0", {{"hoarder", "hold=1"}}, "pause_every=1", 8),
                   "max_batch = 1\n[runtime.pools]\nsmall = 4096\nmedium = 8\nlarge = 2\n");
  START_OR_FAIL(p);
  const std::map<std::string, std::string> small = {{"tier", "small"}}, medium = {{"tier", "medium"}};
  ASSERT_TRUE(p.wait_until([&] { return delivered(p, "main") >= 20; }, 30s)) << p.get("/flows").body << p.output();
  Metrics first = p.metrics();
  long long at_first = delivered(p, "main");
  ASSERT_TRUE(p.wait_until([&] { return delivered(p, "main") >= at_first + 200; }, 30s)) << p.get("/flows").body;
  Metrics second = p.metrics();
  double a = first.value("torvyn_pool_available", small), b = second.value("torvyn_pool_available", small);
  // At least one buffer per element delivered in between is gone from the pool.
  EXPECT_LE(b, a - 200) << a << " -> " << b;
  EXPECT_EQ(first.value("torvyn_pool_available", medium), 8);
  EXPECT_EQ(second.value("torvyn_pool_available", medium), 8);

  // Stopping the flow reclaims what the component still holds (teardown returns every buffer).
  test::ProcResult r = p.stop();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// The batch contract in effect, as an operator sees it: GET /flows/{id} gives each stage's elements
// per call. SDK-built components export the batch forms, so on aot the source, processor and sink
// take up to runtime.max_batch elements per call; runtime.max_batch = 1 turns it off. A fast flow
// delivers the same either way.
TEST(Runbook, FlowsShowTheBatchInEffectPerStage) {
  for (const char* extra : {"", "max_batch = 1\n"}) {
    SCOPED_TRACE(*extra ? "max_batch = 1" : "default");
    RunbookProject p(*extra ? "batch-off" : "batch-on", pipeline("main", "count=0", {{"proc", ""}}, "", 64), extra);
    START_OR_FAIL(p);
    ASSERT_TRUE(p.wait_until([&] { return delivered(p, "main") >= 1000; }, 30s)) << p.get("/flows").body << p.output();
    json flow = p.get_json("/flows/main");
    if (!*extra) {
      // A stage whose batch ran slower than 50 us per element (a busy machine preempted it) takes
      // per-element calls until it is fast again: wait for a moment when every stage batches.
      auto all_batch = [&] {
        flow = p.get_json("/flows/main");
        for (const char* node : {"src", "proc", "sink"})
          if (stage_of(flow, node).value("batch", 0.0) <= 1) return false;
        return true;
      };
      (void)p.wait_until(all_batch, 30s);
    }
    for (const char* node : {"src", "proc", "sink"}) {
      double batch = stage_of(flow, node).value("batch", 0.0);
      if (*extra) EXPECT_EQ(batch, 1) << node << flow;
      else EXPECT_GT(batch, 1) << node << flow;
      EXPECT_EQ(stage_of(flow, node).value("engine", ""), "aot") << node << flow;
    }
    test::ProcResult r = p.stop();
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  }
}

// runtime.tiering as an operator sees it: on a cold compile cache the stages start on the
// interpreter and GET /flows/{id} says so per stage ("engine"); once the background compiles are
// done every stage says "aot" while the flow keeps delivering, and the summary says after how many
// calls each moved.
TEST(Runbook, FlowsShowEachStageMovingToCompiledCode) {
  test::TempDir cold("torvyn-ops-cold-cache");
  RunbookProject p("tiering", pipeline("main", "count=0", {{"proc", ""}}, "", 64),
                   "tiering = true\ncompilation_cache_dir = \"" + cold.path().string() + "\"\n");
  START_OR_FAIL(p);
  auto engines = [&] {
    std::set<std::string> seen;
    json flow = p.get_json("/flows/main");
    for (const char* node : {"src", "proc", "sink"}) seen.insert(stage_of(flow, node).value("engine", "?"));
    return seen;
  };
  std::set<std::string> first = engines();
  EXPECT_TRUE(first.count("interp") || first == std::set<std::string>{"aot"}) << p.get("/flows/main").body;
  ASSERT_TRUE(p.wait_until([&] { return engines() == std::set<std::string>{"aot"}; }, 120s)) << p.get("/flows/main").body << p.output();
  long long at_move = delivered(p, "main");
  ASSERT_TRUE(p.wait_until([&] { return delivered(p, "main") >= at_move + 1000; }, 30s)) << p.get("/flows").body;
  test::ProcResult r = p.stop();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* node : {"src", "proc", "sink"})
    EXPECT_NE((r.out + r.err).find(std::string("tiering    ") + node + ": moved to aot after"), std::string::npos) << node << r.out << r.err;
}

// ---------------------------------------------------------------------------------------------
// Metrics the runbook's checks rely on
// ---------------------------------------------------------------------------------------------

// component.fuel_consumed (exported as a Prometheus counter, "Fuel consumed by the component
// instance") must add up every invocation's fuel: the same busy component doing the same work per
// element must show more fuel after more elements.
TEST(Runbook, FuelConsumedCountsEveryInvocation) {
  RunbookProject p("fuel", pipeline("main", "count=0", {{"busy", "work=20000"}}, "pause_every=1", 8));
  START_OR_FAIL(p);
  const std::map<std::string, std::string> busy = {{"node", "busy"}};
  ASSERT_TRUE(p.wait_until([&] { return delivered(p, "main") >= 20; }, 30s)) << p.get("/flows").body << p.output();
  Metrics first = p.metrics();
  long long at_first = delivered(p, "main");
  ASSERT_TRUE(p.wait_until([&] { return delivered(p, "main") >= at_first + 100; }, 30s)) << p.get("/flows").body;
  Metrics second = p.metrics();
  double f0 = first.value("torvyn_component_fuel_consumed_total", busy), f1 = second.value("torvyn_component_fuel_consumed_total", busy);
  ASSERT_GT(f0, 0);
  // 100 more invocations of 20,000 rounds each: far more than one invocation's worth.
  EXPECT_GT(f1 - f0, 100 * 20000.0) << f0 << " -> " << f1;
  test::ProcResult r = p.stop();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace torvyn::ops_test

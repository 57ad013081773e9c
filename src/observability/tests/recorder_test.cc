#include "torvyn/observability/recorder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "torvyn/observability/prometheus.h"
#include "torvyn/observability/registry.h"

namespace torvyn::observability {
namespace {

void record_elements(FlowRecorder& r, int n) {
  for (int i = 0; i < n; ++i) {
    r.element_produced();
    r.stage_invocation(0, 100);
    r.queue_depth(0, static_cast<uint64_t>(i % 5));
    r.stage_invocation(1, 200);
    r.queue_depth(1, 1);
    r.stage_invocation(2, 300);
    r.element_delivered(1000);
  }
  r.stage_error(1);
}

TEST(FlowRecorder, OffRecordsNothing) {
  FlowRecorder r(MetricsLevel::Off, 3, 2);
  record_elements(r, 10);
  EXPECT_FALSE(r.enabled());
  EXPECT_EQ(r.produced(), 0u);
  EXPECT_EQ(r.delivered(), 0u);
  EXPECT_EQ(r.latency_ns().count(), 0u);
  EXPECT_EQ(r.stage(1).processing_ns.count(), 0u);
  EXPECT_EQ(r.stage(1).errors.get(), 0u);
  EXPECT_EQ(r.stream(0).depth.get(), 0u);
}

TEST(FlowRecorder, ProductionRecordsTheGuideMetrics) {
  FlowRecorder r(MetricsLevel::Production, 3, 2);
  record_elements(r, 10);
  EXPECT_EQ(r.produced(), 10u);
  EXPECT_EQ(r.delivered(), 10u);
  EXPECT_EQ(r.latency_ns().count(), 10u);
  EXPECT_EQ(r.stage(2).processing_ns.count(), 10u);
  EXPECT_EQ(r.stage(1).errors.get(), 1u);
  EXPECT_EQ(r.stream(0).depth.get(), 4u);
  // Diagnostic-only counters stay untouched.
  EXPECT_EQ(r.stage(0).invocations.get(), 0u);
  EXPECT_EQ(r.stream(0).peak_depth.get(), 0u);

  FlowSnapshot s;
  s.id = "f";
  s.stages.resize(1);
  s.stages[0].node = "kept";
  r.fill(s);
  EXPECT_EQ(s.elements_total, 10u);
  EXPECT_EQ(s.latency_ns, &r.latency_ns());
  ASSERT_EQ(s.stages.size(), 3u);
  EXPECT_EQ(s.stages[0].node, "kept");
  EXPECT_EQ(s.stages[0].invocations, 10u);  // from the histogram's count
  EXPECT_EQ(s.stages[1].errors, 1u);
  ASSERT_EQ(s.streams.size(), 2u);
  EXPECT_EQ(s.streams[0].depth, 4u);
}

TEST(FlowRecorder, DiagnosticAddsInvocationsAndPeaks) {
  FlowRecorder r(MetricsLevel::Diagnostic, 3, 2);
  record_elements(r, 10);
  EXPECT_EQ(r.stage(0).invocations.get(), 10u);
  EXPECT_EQ(r.stream(0).peak_depth.get(), 4u);
  FlowSnapshot s;
  r.fill(s);
  EXPECT_EQ(s.stages[2].invocations, 10u);
  EXPECT_EQ(s.streams[0].peak_depth, 4u);
}

TEST(MetricsRegistry, ProvidersAndRemoval) {
  MetricsRegistry reg;
  EXPECT_TRUE(reg.flows().empty());
  EXPECT_TRUE(reg.pools().empty());
  EXPECT_EQ(reg.copies_total(), 0u);
  auto rec = std::make_shared<FlowRecorder>(MetricsLevel::Production, 1, 0);
  rec->element_produced();
  auto h1 = reg.add_flow([rec] {
    FlowSnapshot s;
    s.id = "one";
    s.state = "Running";
    rec->fill(s);
    s.keep_alive = rec;
    return s;
  });
  auto h2 = reg.add_flow([] {
    FlowSnapshot s;
    s.id = "two";
    return s;
  });
  reg.set_pools([] { return std::vector<PoolSnapshot>{PoolSnapshot{"small", 1, 1, 0, 0, 4096, 0}}; });
  reg.set_copies([] { return uint64_t{4}; }, [] { return uint64_t{256}; });
  reg.set_components([] { return std::vector<ComponentSnapshot>{ComponentSnapshot{}}; });
  ASSERT_EQ(reg.flows().size(), 2u);
  EXPECT_EQ(reg.flows()[0].id, "one");  // registration order
  EXPECT_EQ(reg.flows()[0].elements_total, 1u);
  EXPECT_EQ(reg.pools().size(), 1u);
  EXPECT_EQ(reg.copies_total(), 4u);
  EXPECT_EQ(reg.copies_bytes(), 256u);
  EXPECT_EQ(reg.components().size(), 1u);

  // A snapshot outlives the flow's removal: keep_alive holds the recorder.
  std::vector<FlowSnapshot> snap = reg.flows();
  reg.remove_flow(h1);
  rec.reset();
  EXPECT_EQ(snap[0].latency_ns->count(), 0u);
  ASSERT_EQ(reg.flow_count(), 1u);
  EXPECT_EQ(reg.flows()[0].id, "two");
  reg.remove_flow(h2);
  EXPECT_EQ(reg.flow_count(), 0u);
}

// Scrapes run while a flow records and while flows come and go.
TEST(MetricsRegistry, ConcurrentScrapesWhileFlowsRecordAndChange) {
  MetricsRegistry reg;
  std::atomic<bool> stop{false};
  auto rec = std::make_shared<FlowRecorder>(MetricsLevel::Diagnostic, 3, 2);
  reg.add_flow([rec] {
    FlowSnapshot s;
    s.id = "busy";
    s.state = "Running";
    rec->fill(s);
    s.keep_alive = rec;
    return s;
  });
  std::thread writer([&] {
    uint64_t i = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      rec->element_produced();
      rec->stage_invocation(i % 3, i % 1000);
      rec->queue_depth(i % 2, i % 64);
      rec->element_delivered(i % 100000);
      ++i;
    }
  });
  std::thread churn([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      auto r = std::make_shared<FlowRecorder>(MetricsLevel::Production, 1, 1);
      r->element_delivered(5);
      auto h = reg.add_flow([r] {
        FlowSnapshot s;
        s.id = "short";
        r->fill(s);
        s.keep_alive = r;
        return s;
      });
      reg.remove_flow(h);
    }
  });
  for (int i = 0; i < 200; ++i) {
    std::string t = prometheus_text(reg, MetricsLevel::Diagnostic);
    ASSERT_NE(t.find("torvyn_flow_elements_total{flow=\"busy\"}"), std::string::npos);
  }
  stop = true;
  writer.join();
  churn.join();
}

TEST(MetricsLevel, Names) {
  for (MetricsLevel l : {MetricsLevel::Off, MetricsLevel::Production, MetricsLevel::Diagnostic})
    EXPECT_EQ(parse_metrics_level(metrics_level_name(l)), l);
  EXPECT_FALSE(parse_metrics_level("verbose").has_value());
  EXPECT_FALSE(parse_metrics_level("Production").has_value());
}

TEST(ProcessMemory, ReadsProc) {
  ProcessMemory m = read_process_memory();
  EXPECT_GT(m.resident, 0u);
  EXPECT_GE(m.peak_resident, m.resident);
  EXPECT_GE(m.virtual_size, m.resident);
}

}  // namespace
}  // namespace torvyn::observability

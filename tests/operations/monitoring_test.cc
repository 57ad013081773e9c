// The operator's guide, "Monitoring and Alerting Setup": Prometheus scrapes /metrics on the
// inspection API, and dashboards are built on the metrics the guide names. On a live `torvyn run`
// the exposition must pass `promtool check metrics` without a single finding (the Prometheus
// naming conventions: `_total` on counters only, base units as suffixes) and carry every guide
// metric under the name README.md's table maps it to. GET /components identifies what runs by
// the SHA-256 of its bytes.
#include <gtest/gtest.h>

#include <chrono>
#include <utility>
#include <vector>

#include "ops_harness.h"
#include "torvyn_test/promtool.h"

namespace torvyn::ops_test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Diagnostic metrics and tracing (exporter "none": counted, not sent) add every optional family,
// so promtool sees all the names Torvyn can expose, not only production's.
std::string every_family_project() {
  return "[observability.tracing]\nlevel = \"production\"\ntracing_exporter = \"none\"\n\n" +
         pipeline("main", "count=0", {{"proc", ""}}, "pause_every=1", 4);
}

TEST(Monitoring, LiveMetricsPassPromtoolWithoutAnyFinding) {
  RunbookProject p("promtool", every_family_project(), "", "metrics_level = \"diagnostic\"\n");
  START_OR_FAIL(p);
  // Histograms and trace counters have samples once elements have gone through.
  ASSERT_TRUE(p.wait_until([&] { return delivered(p, "main") >= 20; }, 30s)) << p.get("/flows").body << p.output();
  Reply scrape = p.get("/metrics");
  ASSERT_EQ(scrape.status, 200) << scrape.body;
  for (const char* family : {"torvyn_flow_elements_delivered_total", "torvyn_pool_in_use_bytes",
                             "torvyn_trace_elements_total", "torvyn_component_buffer_budget_bytes",
                             "torvyn_component_processing_time_seconds_bucket"})
    EXPECT_NE(scrape.body.find(family), std::string::npos) << family << " missing:\n" << scrape.body;

  std::optional<test::PromtoolResult> lint = test::promtool_check_metrics(scrape.body);
  if (!lint) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  EXPECT_EQ(lint->exit_code, 0) << lint->findings;
  EXPECT_EQ(lint->findings, "") << "promtool check metrics must find nothing";
  EXPECT_EQ(p.stop().exit_code, 0);
}

// Every metric the guide names (its Monitoring section and runbook), under the Prometheus name of
// README.md's "Metric names" table, with the guide's name quoted in its HELP text.
TEST(Monitoring, EveryGuideMetricIsExposedUnderItsMappedName) {
  RunbookProject p("guide-names", pipeline("main", "count=0", {{"proc", ""}}, "pause_every=1", 4));
  START_OR_FAIL(p);
  ASSERT_TRUE(p.wait_until([&] { return delivered(p, "main") >= 20; }, 30s)) << p.get("/flows").body << p.output();
  const std::string text = p.get("/metrics").body;
  Metrics m(parse_prometheus(text));
  const std::map<std::string, std::string> proc = {{"flow", "main"}, {"node", "proc"}};
  const std::map<std::string, std::string> into_proc = {{"flow", "main"}, {"stream", "src->proc"}};
  struct Named {
    std::string guide, family, sample;  // sample: the series queried (a histogram's _count)
    std::map<std::string, std::string> labels;
  };
  const std::vector<Named> guide = {
      {"flow.elements.total", "torvyn_flow_elements_total", "torvyn_flow_elements_total", {{"flow", "main"}}},
      {"flow.latency", "torvyn_flow_latency_seconds", "torvyn_flow_latency_seconds_count", {{"flow", "main"}}},
      {"stream.backpressure.duration_ns", "torvyn_stream_backpressure_duration_seconds_total",
       "torvyn_stream_backpressure_duration_seconds_total", into_proc},
      {"stream.queue.current_depth", "torvyn_stream_queue_current_depth", "torvyn_stream_queue_current_depth", into_proc},
      {"pool.available", "torvyn_pool_available", "torvyn_pool_available", {{"tier", "small"}}},
      {"pool.exhaustion_events", "torvyn_pool_exhaustion_events_total", "torvyn_pool_exhaustion_events_total",
       {{"tier", "small"}}},
      {"component.processing_time", "torvyn_component_processing_time_seconds",
       "torvyn_component_processing_time_seconds_count", proc},
      {"component.errors", "torvyn_component_errors_total", "torvyn_component_errors_total", proc},
      {"component.memory_current", "torvyn_component_memory_current_bytes", "torvyn_component_memory_current_bytes", proc},
      {"component.fuel_consumed", "torvyn_component_fuel_consumed_total", "torvyn_component_fuel_consumed_total", proc},
      {"copies.total", "torvyn_copies_total", "torvyn_copies_total", {}},
      {"copies.bytes", "torvyn_copies_bytes_total", "torvyn_copies_bytes_total", {}},
      {"system.memory.total", "torvyn_system_memory_total_bytes", "torvyn_system_memory_total_bytes", {}},
  };
  for (const Named& n : guide) {
    EXPECT_TRUE(m.get(n.sample, n.labels).has_value()) << n.guide << " -> " << n.sample << " missing:\n" << text;
    size_t help = text.find("# HELP " + n.family + " ");
    ASSERT_NE(help, std::string::npos) << n.family;
    std::string help_line = text.substr(help, text.find('\n', help) - help);
    EXPECT_NE(help_line.find("(guide: " + n.guide + ")"), std::string::npos) << help_line;
  }
  // Seconds, not nanoseconds: a few hundred invocations of a trivial processor take well under a
  // second in all, and a mean of one is far below a millisecond.
  EXPECT_GT(m.mean("torvyn_component_processing_time_seconds", proc), 0);
  EXPECT_LT(m.mean("torvyn_component_processing_time_seconds", proc), 1e-3);
  EXPECT_EQ(p.stop().exit_code, 0);
}

// GET /components reports the SHA-256 of the bytes each component was loaded from, in the OCI
// digest form; a declared component that no flow uses was not loaded and has none.
TEST(Monitoring, ComponentsReportTheSha256OfTheirWasm) {
  std::string unused = "[[component]]\nname = \"spare\"\npath = \"" + component("ops_processor").string() + "\"\n\n";
  RunbookProject p("digests", unused + pipeline("main", "count=0", {{"proc", ""}}, "pause_every=1", 4));
  START_OR_FAIL(p);
  for (const char* name : {"source", "processor", "sink"}) {
    json c = component_entry(p, std::string("ops-") + name);
    ASSERT_TRUE(c.is_object()) << name << "\n" << p.get("/components").body;
    EXPECT_EQ(c["digest"], "sha256:" + sha256_of(component(std::string("ops_") + name))) << c;
  }
  json spare = component_entry(p, "spare");
  ASSERT_TRUE(spare.is_object()) << p.get("/components").body;
  EXPECT_EQ(spare["digest"], "") << spare;
  EXPECT_TRUE(spare["instances"].empty()) << spare;
  p.stop();
}

}  // namespace
}  // namespace torvyn::ops_test

#include "torvyn/observability/prometheus.h"

#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "fake_source.h"
#include "torvyn_test/promtool.h"

namespace torvyn::observability {
namespace {

using testing::FakeSource;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const std::string& l : lines_of(text))
    if (l == line) return true;
  return false;
}

// A duration in ns as the exposition writes it (seconds).
std::string seconds_text(uint64_t ns) {
  std::string out;
  append_seconds(out, ns);
  return out;
}

// The value of the one sample whose name-and-labels part is exactly `series`.
std::string value_of(const std::string& text, const std::string& series) {
  for (const std::string& l : lines_of(text))
    if (l.size() > series.size() && l.compare(0, series.size(), series) == 0 && l[series.size()] == ' ')
      return l.substr(series.size() + 1);
  return "<missing>";
}

TEST(Prometheus, OffIsEmpty) {
  auto src = FakeSource::pipeline();
  EXPECT_EQ(prometheus_text(*src, MetricsLevel::Off), "");
}

// Every metric the operator's guide and DESIGN.md §7 name, under its Prometheus spelling.
TEST(Prometheus, ProductionExposesEveryNamedMetric) {
  auto src = FakeSource::pipeline();
  std::string t = prometheus_text(*src, MetricsLevel::Production);
  for (const char* type_line : {
           "# TYPE torvyn_flow_elements_total counter",
           "# TYPE torvyn_flow_latency_seconds histogram",
           "# TYPE torvyn_stream_backpressure_duration_seconds_total counter",
           "# TYPE torvyn_stream_queue_current_depth gauge",
           "# TYPE torvyn_pool_available gauge",
           "# TYPE torvyn_pool_exhaustion_events_total counter",
           "# TYPE torvyn_component_processing_time_seconds histogram",
           "# TYPE torvyn_component_errors_total counter",
           "# TYPE torvyn_component_memory_current_bytes gauge",
           "# TYPE torvyn_component_fuel_consumed_total counter",
           "# TYPE torvyn_copies_total counter",
           "# TYPE torvyn_copies_bytes_total counter",
           "# TYPE torvyn_system_memory_total_bytes gauge",
           "# TYPE torvyn_flow_state gauge",
       })
    EXPECT_TRUE(has_line(t, type_line)) << type_line;

  EXPECT_EQ(value_of(t, "torvyn_flow_elements_total{flow=\"ingest\"}"), "1000");
  EXPECT_EQ(value_of(t, "torvyn_flow_elements_dropped_total{flow=\"ingest\"}"), "10");
  EXPECT_EQ(value_of(t, "torvyn_flow_errors_total{flow=\"ingest\"}"), "2");
  EXPECT_EQ(value_of(t, "torvyn_flow_throughput_elements_per_second{flow=\"ingest\"}"), "12345.5");
  EXPECT_EQ(value_of(t, "torvyn_flow_state{flow=\"ingest\",state=\"Running\"}"), "1");
  EXPECT_EQ(value_of(t, "torvyn_flow_state{flow=\"ingest\",state=\"Failed\"}"), "0");
  // Durations recorded in ns are exposed in seconds, exactly: 258000 ns, 1023 ns, 1.5 ms.
  EXPECT_EQ(value_of(t, "torvyn_flow_latency_seconds_count{flow=\"ingest\"}"), "5");
  EXPECT_EQ(value_of(t, "torvyn_flow_latency_seconds_sum{flow=\"ingest\"}"), "0.000258");
  EXPECT_EQ(value_of(t, "torvyn_flow_latency_seconds_bucket{flow=\"ingest\",le=\"0.000001023\"}"), "2");
  EXPECT_EQ(value_of(t, "torvyn_flow_latency_seconds_bucket{flow=\"ingest\",le=\"+Inf\"}"), "5");
  EXPECT_EQ(value_of(t, "torvyn_stream_queue_current_depth{flow=\"ingest\",stream=\"src->proc\"}"), "7");
  EXPECT_EQ(value_of(t, "torvyn_stream_backpressure_duration_seconds_total{flow=\"ingest\",stream=\"src->proc\"}"),
            "0.0015");
  EXPECT_EQ(
      value_of(t, "torvyn_component_errors_total{flow=\"ingest\",node=\"sink\",component=\"sink-component\"}"), "2");
  EXPECT_EQ(value_of(t, "torvyn_component_memory_current_bytes{flow=\"ingest\",node=\"proc\",component=\"proc-component\"}"),
            "131072");
  EXPECT_EQ(
      value_of(t, "torvyn_component_fuel_consumed_total{flow=\"ingest\",node=\"src\",component=\"src-component\"}"),
      "1000");
  EXPECT_EQ(value_of(t, "torvyn_component_processing_time_seconds_count{flow=\"ingest\",node=\"src\",component=\"src-"
                        "component\"}"),
            "100");
  EXPECT_EQ(value_of(t, "torvyn_pool_available{tier=\"small\"}"), "250");
  EXPECT_EQ(value_of(t, "torvyn_pool_exhaustion_events_total{tier=\"large\"}"), "42");
  EXPECT_EQ(value_of(t, "torvyn_copies_total"), "4000");
  EXPECT_EQ(value_of(t, "torvyn_copies_bytes_total"), "256000");
  // The process's resident memory: a positive number of bytes.
  EXPECT_GT(std::stoull(value_of(t, "torvyn_system_memory_total_bytes")), 1024u * 1024u);

  // Diagnostic-only families stay out of production.
  for (const char* name : {"torvyn_component_invocations_total", "torvyn_stream_queue_peak_depth",
                           "torvyn_stream_backpressure_events_total", "torvyn_pool_in_use", "torvyn_pool_in_use_bytes"})
    EXPECT_EQ(t.find(name), std::string::npos) << name;
}

TEST(Prometheus, DiagnosticAddsDetail) {
  auto src = FakeSource::pipeline();
  std::string prod = prometheus_text(*src, MetricsLevel::Production);
  std::string t = prometheus_text(*src, MetricsLevel::Diagnostic);
  EXPECT_GT(t.size(), prod.size());
  EXPECT_EQ(
      value_of(t, "torvyn_component_invocations_total{flow=\"ingest\",node=\"proc\",component=\"proc-component\"}"),
      "100");
  EXPECT_EQ(value_of(t, "torvyn_component_copies_total{flow=\"ingest\",node=\"proc\",component=\"proc-component\"}"),
            "2000");
  EXPECT_EQ(
      value_of(t, "torvyn_component_copy_bytes_total{flow=\"ingest\",node=\"proc\",component=\"proc-component\"}"),
      "128000");
  EXPECT_EQ(value_of(t, "torvyn_stream_queue_peak_depth{flow=\"ingest\",stream=\"proc->sink\"}"), "12");
  EXPECT_EQ(value_of(t, "torvyn_stream_queue_capacity{flow=\"ingest\",stream=\"proc->sink\"}"), "64");
  EXPECT_EQ(value_of(t, "torvyn_stream_backpressure_events_total{flow=\"ingest\",stream=\"src->proc\"}"), "3");
  EXPECT_EQ(value_of(t, "torvyn_flow_elements_delivered_total{flow=\"ingest\"}"), "990");
  EXPECT_EQ(value_of(t, "torvyn_pool_in_use{tier=\"large\"}"), "16");
  EXPECT_EQ(value_of(t, "torvyn_pool_in_use_bytes{tier=\"large\"}"), std::to_string(16 << 20));
  EXPECT_EQ(value_of(t, "torvyn_pool_buffers{tier=\"small\"}"), "256");
  EXPECT_EQ(value_of(t, "torvyn_pool_buffer_bytes{tier=\"medium\"}"), "65536");
  EXPECT_NE(value_of(t, "torvyn_system_memory_peak_bytes"), "<missing>");
  // Everything production has is still there.
  for (const std::string& l : lines_of(prod)) {
    if (l.rfind("torvyn_system_memory", 0) == 0) continue;  // changes between the two calls
    EXPECT_TRUE(has_line(t, l)) << l;
  }
}

// The text format's grammar, line by line: HELP then TYPE once per family, families contiguous,
// sample names belonging to the current family, label pairs well-formed.
TEST(Prometheus, WellFormedExposition) {
  auto src = FakeSource::pipeline();
  std::string t = prometheus_text(*src, MetricsLevel::Diagnostic);
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t.back(), '\n');
  static const std::regex sample(
      R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf))re");
  std::set<std::string> families;
  std::string current, type;
  std::string pending_help;
  for (const std::string& l : lines_of(t)) {
    if (l.rfind("# HELP ", 0) == 0) {
      pending_help = l.substr(7, l.find(' ', 7) - 7);
      continue;
    }
    if (l.rfind("# TYPE ", 0) == 0) {
      std::istringstream in(l.substr(7));
      in >> current >> type;
      EXPECT_EQ(current, pending_help) << "HELP must precede TYPE";
      EXPECT_TRUE(families.insert(current).second) << "family declared twice: " << current;
      EXPECT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << l;
      continue;
    }
    std::smatch m;
    ASSERT_TRUE(std::regex_match(l, m, sample)) << l;
    std::string name = m[1];
    if (type == "histogram") {
      EXPECT_TRUE(name == current + "_bucket" || name == current + "_sum" || name == current + "_count") << l;
    } else {
      EXPECT_EQ(name, current) << l;
    }
  }
}

TEST(Prometheus, HistogramBucketsAreCumulativeAndExact) {
  // Bounds are exact bucket edges of torvyn::Histogram.
  for (uint64_t b : histogram_bounds()) EXPECT_EQ(Histogram::upper(Histogram::index(b)), b) << b;
  auto bounds = histogram_bounds();
  for (size_t i = 1; i < bounds.size(); ++i) EXPECT_LT(bounds[i - 1], bounds[i]);

  FakeSource src;
  Histogram& h = src.histogram();
  std::vector<uint64_t> values;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 5000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    values.push_back((x % 40) < 39 ? (x >> 20) % (uint64_t{1} << (5 + (x % 30))) : (uint64_t{1} << 40));
  }
  for (uint64_t v : values) h.record(v);
  FlowSnapshot f;
  f.id = "h";
  f.state = "Running";
  f.latency_ns = &h;
  src.set_flows({f});
  std::string t = prometheus_text(src, MetricsLevel::Production);

  uint64_t prev = 0;
  for (uint64_t b : bounds) {
    std::string v = value_of(t, "torvyn_flow_latency_seconds_bucket{flow=\"h\",le=\"" + seconds_text(b) + "\"}");
    ASSERT_NE(v, "<missing>") << b;
    uint64_t n = std::stoull(v);
    uint64_t expected = 0;
    for (uint64_t s : values) expected += s <= b;
    EXPECT_EQ(n, expected) << "le=" << b;
    EXPECT_GE(n, prev);
    prev = n;
  }
  std::string inf = value_of(t, "torvyn_flow_latency_seconds_bucket{flow=\"h\",le=\"+Inf\"}");
  EXPECT_EQ(inf, std::to_string(values.size()));
  EXPECT_EQ(value_of(t, "torvyn_flow_latency_seconds_count{flow=\"h\"}"), inf);
  uint64_t sum = 0;
  for (uint64_t v : values) sum += v;
  EXPECT_EQ(value_of(t, "torvyn_flow_latency_seconds_sum{flow=\"h\"}"), seconds_text(sum));
  // Values beyond the last finite bound are only in +Inf.
  EXPECT_LT(prev, values.size());
}

TEST(Prometheus, EscapesLabelValuesAndHelp) {
  std::string out;
  append_label_value(out, "a\"b\\c\nd");
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd");
  out.clear();
  append_help_text(out, "x \"y\" \\ z\nw");
  EXPECT_EQ(out, "x \"y\" \\\\ z\\nw");

  FakeSource src;
  FlowSnapshot f;
  f.id = "1";
  f.name = "we\"ird\\name\nx";
  f.state = "Running";
  f.elements_total = 3;
  f.streams.push_back(StreamSnapshot{"a\"", "b", 1, 1, 1, 0, 0});
  src.set_flows({f});
  std::string t = prometheus_text(src, MetricsLevel::Production);
  EXPECT_EQ(value_of(t, R"(torvyn_flow_elements_total{flow="we\"ird\\name\nx"})"), "3");
  EXPECT_EQ(value_of(t, R"(torvyn_stream_queue_current_depth{flow="we\"ird\\name\nx",stream="a\"->b"})"), "1");
}

TEST(Prometheus, SampleValues) {
  std::string out;
  append_value(out, uint64_t{18446744073709551615ull});
  EXPECT_EQ(out, "18446744073709551615");
  auto d = [](double v) {
    std::string s;
    append_value(s, v);
    return s;
  };
  EXPECT_EQ(d(0.5), "0.5");
  EXPECT_EQ(d(0), "0");
  EXPECT_EQ(d(1e-9), "1e-09");
  EXPECT_EQ(d(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(d(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(d(-std::numeric_limits<double>::infinity()), "-Inf");

  // Nanoseconds as exact decimal seconds, every digit kept (a double would round the large ones).
  auto s = seconds_text;
  EXPECT_EQ(s(0), "0");
  EXPECT_EQ(s(31), "0.000000031");
  EXPECT_EQ(s(1500000), "0.0015");
  EXPECT_EQ(s(1000000000), "1");
  EXPECT_EQ(s(34359738367), "34.359738367");
  EXPECT_EQ(s(18446744073709551615ull), "18446744073.709551615");
}

// Two flows with one name (and two edges between the same nodes) must still be distinct series.
TEST(Prometheus, LabelsStayUnique) {
  FakeSource src;
  FlowSnapshot a;
  a.id = "a";
  a.name = "same";
  a.state = "Running";
  a.elements_total = 1;
  a.streams.push_back(StreamSnapshot{"x", "y", 4, 1, 1, 0, 0});
  a.streams.push_back(StreamSnapshot{"x", "y", 4, 2, 2, 0, 0});
  FlowSnapshot b = a;
  b.id = "b";
  b.elements_total = 2;
  src.set_flows({a, b});
  std::string t = prometheus_text(src, MetricsLevel::Production);
  EXPECT_EQ(value_of(t, "torvyn_flow_elements_total{flow=\"same\"}"), "1");
  EXPECT_EQ(value_of(t, "torvyn_flow_elements_total{flow=\"same#2\"}"), "2");
  EXPECT_EQ(value_of(t, "torvyn_stream_queue_current_depth{flow=\"same\",stream=\"x->y\"}"), "1");
  EXPECT_EQ(value_of(t, "torvyn_stream_queue_current_depth{flow=\"same\",stream=\"x->y#2\"}"), "2");
}

TEST(Prometheus, UnknownStateIsStillExported) {
  FakeSource src;
  FlowSnapshot f;
  f.id = "f";
  f.state = "Stalled";
  src.set_flows({f});
  std::string t = prometheus_text(src, MetricsLevel::Production);
  EXPECT_EQ(value_of(t, "torvyn_flow_state{flow=\"f\",state=\"Stalled\"}"), "1");
  EXPECT_EQ(value_of(t, "torvyn_flow_state{flow=\"f\",state=\"Running\"}"), "0");
  EXPECT_EQ(value_of(t, "torvyn_flow_state{flow=\"f\",state=\"Paused\"}"), "0");  // a known state, always exported
}

// promtool (from the Debian prometheus package) parses the exposition and lints its names against
// the Prometheus conventions; any finding fails. Diagnostic level: every family, tracing included.
TEST(Prometheus, PromtoolAcceptsExposition) {
  auto src = FakeSource::pipeline();
  src->set_tracing(TracingSnapshot{"otlp-http", 10, 5, 1, 40, 2, 36, 2});
  std::vector<FlowSnapshot> flows = src->flows();
  for (StageSnapshot& st : flows[0].stages) {
    st.has_buffer_budget = true;
    st.buffer_bytes = 4096;
    st.buffer_budget_bytes = 1 << 20;
  }
  src->set_flows(flows);
  std::string t = prometheus_text(*src, MetricsLevel::Diagnostic);
  ASSERT_NE(t.find("torvyn_trace_spans_dropped_total"), std::string::npos);
  ASSERT_NE(t.find("torvyn_component_buffer_budget_bytes"), std::string::npos);
  std::optional<test::PromtoolResult> r = test::promtool_check_metrics(t);
  if (!r) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  EXPECT_EQ(r->exit_code, 0) << r->findings;
  EXPECT_EQ(r->findings, "");
}

}  // namespace
}  // namespace torvyn::observability

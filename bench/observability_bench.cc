// Observability costs that are not the reactor's own recording, in one run: rendering a Prometheus
// scrape and what tracing adds per element. (What the reactor records per element — counters,
// the latency histogram, per-stage processing time — is measured on the production loop itself:
// pipeline_bench's BM_Reactor_*/metrics:1 against /metrics:0.)
//
// BM_PrometheusScrape/<level>: rendering /metrics for 8 flows x 5 stages x 4 streams.
// BM_ElementTracing/<mode>: what a 3-stage flow's tracing adds per element (trace + span ids,
// 3 invocation spans, the keep decision, ring pushes) with the export thread draining into the
// "none" exporter concurrently: 0 = production, sample_rate 0.01, no promotion (head sampling
// only); 1 = the seed's production setting (0.01, error_promote, latency promotion: every
// element's spans are collected until its keep decision); 2 = sample_rate 1.0; 3 = diagnostic.
// BM_SteadyClockNow: one clock read, for reference.
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <memory>
#include <vector>

#include "torvyn/observability/prometheus.h"
#include "torvyn/observability/tracer.h"

namespace torvyn::observability {
namespace {

constexpr const char* kLevelName[] = {"off", "production", "diagnostic"};

std::array<uint64_t, 4096> make_values() {
  std::array<uint64_t, 4096> v{};
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (uint64_t& e : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    e = 50 + (x % 20000);  // 50 ns .. 20 us
  }
  return v;
}
const std::array<uint64_t, 4096> kValues = make_values();

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

void BM_ElementTracing(benchmark::State& st) {
  static constexpr const char* kModes[] = {"production 1% head-only", "production 1% + promotion", "production 100%", "diagnostic"};
  TracerOptions o;
  o.level = st.range(0) == 3 ? TraceLevel::Diagnostic : TraceLevel::Production;
  o.sample_rate = st.range(0) >= 2 ? 1.0 : 0.01;
  o.error_promote = st.range(0) == 1;
  o.latency_promote_threshold_ms = st.range(0) == 1 ? 10 : 0;
  o.export_interval = std::chrono::milliseconds(10);
  auto tracer = Tracer::create(o, std::move(*make_span_exporter({"none", "", {}})), {});
  auto info = std::make_shared<FlowTraceInfo>();
  info->flow = "bench";
  info->nodes = {{"source", "s", "source"}, {"proc", "p", "processor"}, {"sink", "k", "sink"}};
  auto flow = tracer->open_flow(info);
  uint64_t t = 0;
  for (auto _ : st) {
    uint32_t slot = flow->begin_element(t);
    for (uint32_t node = 0; node < 3; ++node) {
      SpanEvent* ep = flow->add_span(slot);  // as the flow driver does
      if (!ep) {
        t += 300;
        continue;
      }
      SpanEvent& e = *ep;
      e.span = flow->new_span_id();
      e.node = node;
      e.op = node == 0 ? SpanOp::Pull : node == 1 ? SpanOp::Process : SpanOp::Push;
      e.start_ns = t;
      e.end_ns = t += 300;
      e.buffer_in = e.buffer_out = t;
    }
    flow->end_element(slot, t, ElementOutcome::Delivered);
  }
  flow.reset();
  tracer->shutdown();
  TracerStats s = tracer->stats();
  st.counters["kept"] = static_cast<double>(s.elements_kept);
  st.counters["dropped_spans"] = static_cast<double>(s.spans_dropped);
  st.SetItemsProcessed(st.iterations());
  st.SetLabel(kModes[st.range(0)]);
}
BENCHMARK(BM_ElementTracing)->DenseRange(0, 3);

// For reference: one steady_clock read on this machine.
void BM_SteadyClockNow(benchmark::State& st) {
  for (auto _ : st) benchmark::DoNotOptimize(now_ns());
}
BENCHMARK(BM_SteadyClockNow);

// A host-sized source: 8 running flows of 5 stages and 4 streams, with filled histograms.
class BenchSource : public MetricsSource {
 public:
  BenchSource() {
    for (int f = 0; f < 8; ++f) {
      auto h = std::make_unique<Flow>();
      for (size_t i = 0; i < 100000; ++i) {
        uint64_t v = kValues[i & 4095];
        for (size_t s = 0; s < 5; ++s) h->processing[s].record(v >> s);
        h->latency.record(v);
      }
      flows_.push_back(std::move(h));
    }
  }
  std::vector<FlowSnapshot> flows() const override {
    std::vector<FlowSnapshot> out;
    for (size_t f = 0; f < flows_.size(); ++f) {
      FlowSnapshot s;
      s.id = "flow-" + std::to_string(f);
      s.name = "pipeline-" + std::to_string(f);
      s.state = "Running";
      s.throughput = 1e6;
      s.elements_total = s.elements_delivered = 100000;
      s.latency_ns = &flows_[f]->latency;
      for (int i = 0; i < 5; ++i) {
        StageSnapshot st;
        st.node = "node" + std::to_string(i);
        st.component = "component-" + std::to_string(i);
        st.role = "processor";
        st.invocations = 100000;
        st.processing_ns = &flows_[f]->processing[i];
        s.stages.push_back(std::move(st));
      }
      for (int i = 0; i < 4; ++i) {
        StreamSnapshot q{"node" + std::to_string(i), "node" + std::to_string(i + 1), 64};
        q.depth = static_cast<uint64_t>(i) * 7;
        q.peak_depth = 64;
        s.streams.push_back(std::move(q));
      }
      out.push_back(std::move(s));
    }
    return out;
  }
  std::vector<PoolSnapshot> pools() const override {
    return {PoolSnapshot{"small", 256, 200, 56, 0, 4096, 56 * 4096}, PoolSnapshot{"medium", 64, 64, 0, 0, 65536, 0},
            PoolSnapshot{"large", 16, 16, 0, 0, 1 << 20, 0}, PoolSnapshot{"huge", 0, 0, 0, 0, 0, 0}};
  }
  uint64_t copies_total() const override { return 3200000; }
  uint64_t copies_bytes() const override { return 204800000; }
  std::vector<ComponentSnapshot> components() const override { return {}; }

 private:
  struct Flow {
    Histogram latency;
    Histogram processing[5];
  };
  std::vector<std::unique_ptr<Flow>> flows_;
};

void BM_PrometheusScrape(benchmark::State& st) {
  static BenchSource source;
  auto level = static_cast<MetricsLevel>(st.range(0));
  size_t bytes = 0;
  for (auto _ : st) {
    std::string text = prometheus_text(source, level);
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  st.counters["bytes"] = static_cast<double>(bytes);
  st.SetLabel(kLevelName[st.range(0)]);
}
BENCHMARK(BM_PrometheusScrape)->DenseRange(1, 2)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace torvyn::observability

BENCHMARK_MAIN();

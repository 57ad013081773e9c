// Observability overhead per element (DESIGN.md §10: < 50 ns at the production level), at each
// level in one run, plus the cost of a Prometheus scrape.
//
// An element is modelled as what a 3-stage flow records for it: 1 flow counter add + 1 latency
// histogram record (element_delivered), 3 stage processing-time histogram records
// (stage_invocation) and 2 queue depth sets (queue_depth). Values vary per element (a table of
// pseudo-random latencies) so every histogram bucket index is computed for real.
//
// BM_ElementRecording/<level>: the recording calls alone (the runtime measures time anyway).
// BM_ElementRecordingWithClock/<level>: adds the 4 steady_clock reads that stage timing needs
// (skipped when the level is Off), i.e. the whole cost of turning metrics on.
// BM_PrometheusScrape/<level>: rendering /metrics for 8 flows x 5 stages x 4 streams.
// BM_ElementTracing/<mode>: what a 3-stage flow's tracing adds per element (trace + span ids,
// 3 invocation spans, the keep decision, ring pushes) with the export thread draining into the
// "none" exporter concurrently: 0 = production, sample_rate 0.01, no promotion (head sampling
// only); 1 = the seed's production setting (0.01, error_promote, latency promotion: every
// element's spans are collected until its keep decision); 2 = sample_rate 1.0; 3 = diagnostic.
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <memory>
#include <vector>

#include "torvyn/observability/prometheus.h"
#include "torvyn/observability/recorder.h"
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

void BM_ElementRecording(benchmark::State& st) {
  auto level = static_cast<MetricsLevel>(st.range(0));
  FlowRecorder rec(level, 3, 2);
  size_t i = 0;
  for (auto _ : st) {
    uint64_t v = kValues[i & 4095];
    rec.stage_invocation(0, v >> 3);
    rec.queue_depth(0, v & 63);
    rec.stage_invocation(1, v >> 2);
    rec.queue_depth(1, (v >> 6) & 63);
    rec.stage_invocation(2, v >> 4);
    rec.element_delivered(v);
    ++i;
  }
  benchmark::DoNotOptimize(rec.latency_ns().count());
  st.SetItemsProcessed(st.iterations());
  st.SetLabel(kLevelName[st.range(0)]);
}
BENCHMARK(BM_ElementRecording)->DenseRange(0, 2);

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

void BM_ElementRecordingWithClock(benchmark::State& st) {
  auto level = static_cast<MetricsLevel>(st.range(0));
  FlowRecorder rec(level, 3, 2);
  const bool timed = rec.enabled();
  size_t i = 0;
  for (auto _ : st) {
    uint64_t v = kValues[i & 4095];
    uint64_t t0 = timed ? now_ns() : 0;
    uint64_t t1 = timed ? now_ns() : 0;
    rec.stage_invocation(0, t1 - t0);
    rec.queue_depth(0, v & 63);
    uint64_t t2 = timed ? now_ns() : 0;
    rec.stage_invocation(1, t2 - t1);
    rec.queue_depth(1, (v >> 6) & 63);
    uint64_t t3 = timed ? now_ns() : 0;
    rec.stage_invocation(2, t3 - t2);
    rec.element_delivered(t3 - t0 + v);
    ++i;
  }
  benchmark::DoNotOptimize(rec.latency_ns().count());
  st.SetItemsProcessed(st.iterations());
  st.SetLabel(kLevelName[st.range(0)]);
}
BENCHMARK(BM_ElementRecordingWithClock)->DenseRange(0, 2);

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

// A host-sized source: 8 running flows of 5 stages and 4 streams, with recorded histograms.
class BenchSource : public MetricsSource {
 public:
  BenchSource() {
    for (int f = 0; f < 8; ++f) {
      auto rec = std::make_unique<FlowRecorder>(MetricsLevel::Diagnostic, 5, 4);
      for (size_t i = 0; i < 100000; ++i) {
        uint64_t v = kValues[i & 4095];
        for (size_t s = 0; s < 5; ++s) rec->stage_invocation(s, v >> s);
        for (size_t q = 0; q < 4; ++q) rec->queue_depth(q, (v >> q) & 63);
        rec->element_produced();
        rec->element_delivered(v);
      }
      recorders_.push_back(std::move(rec));
    }
  }
  std::vector<FlowSnapshot> flows() const override {
    std::vector<FlowSnapshot> out;
    for (size_t f = 0; f < recorders_.size(); ++f) {
      FlowSnapshot s;
      s.id = "flow-" + std::to_string(f);
      s.name = "pipeline-" + std::to_string(f);
      s.state = "Running";
      s.throughput = 1e6;
      for (int i = 0; i < 5; ++i)
        s.stages.push_back(StageSnapshot{"node" + std::to_string(i), "component-" + std::to_string(i), "processor"});
      for (int i = 0; i < 4; ++i)
        s.streams.push_back(StreamSnapshot{"node" + std::to_string(i), "node" + std::to_string(i + 1), 64});
      recorders_[f]->fill(s);
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
  std::vector<std::unique_ptr<FlowRecorder>> recorders_;
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

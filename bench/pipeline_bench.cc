// Runtime overhead per element (DESIGN.md §10): source -> processor -> sink with 64-byte payloads,
// components doing minimal work (bench/components), on the aot engine; the same pipeline as
// native in-process C++ functions over the same buffer pool (the physical limit: calls + the same
// four payload copies); and the reactor alone with host-implemented stages (BM_Reactor_*: per
// element and with batch forms; target <= 1.5x the native chain's instructions, issue 12).
// Overhead per element = Torvyn time per element - native time per element, measured in one run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "torvyn/config/config.h"
#include "torvyn/streaming/component_node.h"
#include "torvyn/reactor/executor.h"
#include "torvyn/reactor/flow.h"
#include "torvyn/streaming/streaming_host.h"

namespace torvyn::reactor {
namespace {

using streaming::ComponentNode;
using streaming::InstanceAccount;
using streaming::StreamingHost;

// TORVYN_BENCH_ELEMENTS overrides the count (e.g. a short run under callgrind).
const uint64_t kElements = [] {
  const char* e = std::getenv("TORVYN_BENCH_ELEMENTS");
  return e && *e ? std::strtoull(e, nullptr, 10) : uint64_t{200000};
}();

// TORVYN_BENCH_STRIDE pins the reactor's pacing stride (FlowOptions::pacing_stride; 0 or unset:
// measured, as production runs). bench/pipeline_costs.sh pins it to what a native run reports as
// calls_per_run: under callgrind a call slows down far more than a clock read does, and the
// measured stride would make runs of 2-8 calls that production never makes.
const uint32_t kStride = [] {
  const char* e = std::getenv("TORVYN_BENCH_STRIDE");
  return e && *e ? static_cast<uint32_t>(std::strtoul(e, nullptr, 10)) : 0u;
}();

// Per-element calls per clock read over the flow's timed stages (sources and sinks always are).
double calls_per_run(const Flow& f) {
  uint64_t calls = 0, runs = 0;
  for (const auto& n : f.nodes()) {
    if (n.stats->batch.get() > 1 || n.stats->runs.get() == 0) continue;  // batch calls: one per run
    calls += n.stats->invocations.get();
    runs += n.stats->runs.get();
  }
  return runs ? static_cast<double>(calls) / static_cast<double>(runs) : 0;
}

struct Components {
  std::shared_ptr<wasm::Engine> engine;
  std::shared_ptr<component::LoadedComponent> source, processor, sink;
};

const Components& components(wasm::EngineKind kind) {
  static std::map<wasm::EngineKind, Components> all;
  Components& c = all[kind];
  if (!c.engine) {
    wasm::EngineConfig cfg;
    cfg.kind = kind;
    cfg.cache_dir = TORVYN_BENCH_CACHE;
    c.engine = *wasm::Engine::create(cfg);
    auto load = [&](const char* name) {
      std::ifstream in(std::string(TORVYN_BENCH_COMPONENTS) + "/" + name + ".wasm", std::ios::binary);
      std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
      auto r = component::LoadedComponent::load(c.engine, std::move(bytes), name);
      if (!r) {
        std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
        std::abort();
      }
      return *r;
    };
    c.source = load("bench_source");
    c.processor = load("bench_passthrough");
    c.sink = load("bench_sink");
  }
  return c;
}

// max_batch: runtime.max_batch (64, the default: the batch contract, which the SDK-built bench
// components export; 1: the per-element contract).
void component_pipeline(benchmark::State& state, wasm::EngineKind kind, uint64_t elements, uint32_t max_batch) {
  const Components& c = components(kind);
  resources::BufferPool pool;
  resources::CopyLedger ledger;
  uint64_t total = 0;
  double per_run = 0;  // of the last iteration
  for (auto _ : state) {
    StreamingHost host(pool, ledger);
    component::Linker linker;
    host.define(linker);
    // batch_slow: under callgrind (bench/pipeline_costs.sh) a stage runs ~50x slower than natively
    // and would drop to per-element calls, which at native speed (~1 us per element) it never does.
    Flow f({.name = "bench", .max_batch = max_batch, .batch_slow = std::chrono::seconds(1), .pacing_stride = kStride, .measure_stage_time = false},
           pool, ledger);
    auto add = [&](const std::shared_ptr<component::LoadedComponent>& lc, const char* id, std::string config) {
      auto inst = component::Instance::instantiate(*lc, linker);
      // What `torvyn run` sets on every node by default (runtime.fuel_per_invocation and
      // invocation_timeout): the benchmark pays for the limits production pays for.
      const config::RuntimeConfig defaults;
      (*inst)->store().set_fuel_per_invocation(defaults.fuel_per_invocation);
      (*inst)->store().set_timeout(std::chrono::milliseconds(defaults.invocation_timeout_ms));
      auto n = ComponentNode::bind(std::move(*inst), host, InstanceAccount{pool.register_owner(id, 0), id}, std::nullopt);
      return f.add_node(id, std::move(*n), std::move(config));
    };
    size_t s = add(c.source, "source", "count=" + std::to_string(elements));
    size_t p = add(c.processor, "processor", "");
    size_t k = add(c.sink, "sink", "");
    f.add_edge(s, "", p, "", {});
    f.add_edge(p, "", k, "", {});
    Executor executor;  // production's loop
    executor.add(f);
    auto t0 = std::chrono::steady_clock::now();
    executor.run();
    auto t1 = std::chrono::steady_clock::now();
    if (f.failure() || f.stats().elements_delivered.get() != elements) state.SkipWithError("pipeline failed");
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    total += elements;
    per_run = calls_per_run(f);
  }
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.counters["ns_per_element"] = benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["copies_per_element"] = static_cast<double>(ledger.copies()) / static_cast<double>(total);
  if (per_run) state.counters["calls_per_run"] = per_run;
}

void BM_Pipeline_Aot(benchmark::State& state) {
  component_pipeline(state, wasm::EngineKind::Aot, kElements, static_cast<uint32_t>(state.range(0)));
}
void BM_Pipeline_Interp(benchmark::State& state) { component_pipeline(state, wasm::EngineKind::Interp, kElements / 20, 1); }

// The same three stages as native C++ calls on the same pool: what the pipeline costs with no
// sandbox, no ABI and no queues (source write, processor read + write, sink read).
struct Native {
  resources::BufferPool& pool;
  uint8_t payload[64];
  uint8_t scratch[64];
  uint64_t sum = 0;
  __attribute__((noinline)) resources::BufferId source() {
    auto id = *pool.allocate(resources::kHostOwner, 64);
    (void)pool.append(id, payload, 64);
    return id;
  }
  __attribute__((noinline)) resources::BufferId processor(resources::BufferId in) {
    const resources::Buffer* b = pool.get(in);
    std::memcpy(scratch, b->data, b->size);
    auto out = *pool.allocate(resources::kHostOwner, 64);
    (void)pool.append(out, scratch, 64);
    (void)pool.release(in);
    return out;
  }
  __attribute__((noinline)) void sink(resources::BufferId in) {
    const resources::Buffer* b = pool.get(in);
    std::memcpy(scratch, b->data, b->size);
    sum += scratch[7];
    (void)pool.release(in);
  }
};

void BM_Pipeline_Native(benchmark::State& state) {
  resources::BufferPool pool;
  Native n{pool, {}, {}, 0};
  uint64_t total = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < kElements; ++i) n.sink(n.processor(n.source()));
    auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    total += kElements;
  }
  benchmark::DoNotOptimize(n.sum);
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.counters["ns_per_element"] = benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The reactor alone: host-implemented stages doing the native pipeline's work, through the flow
// driver's queues and scheduling, run by reactor::Executor, the loop production runs
// (host::Runtime::run). HostStage has only per-element calls; BatchHostStage has the batch forms
// too (doing the same work per element, without a virtual call each).
class HostStage : public Stage {
 public:
  HostStage(Role r, Native& n, uint64_t count) : role_(r), n_(n), left_(count) {}
  Role role() const override { return role_; }
  const std::string& name() const override { return name_; }
  resources::OwnerId owner() const override { return resources::kHostOwner; }
  CallStatus init(std::string_view) override { return {}; }
  CallStatus teardown() override { return {}; }
  CallStatus pull(std::optional<OutElement>& out) override {
    if (left_ == 0) return {};
    --left_;
    out.emplace();
    out->payload = n_.source();
    return {};
  }
  CallStatus process(const InElement& in, std::optional<OutElement>& out) override {
    const resources::Buffer* b = n_.pool.get(in.payload);
    std::memcpy(n_.scratch, b->data, b->size);
    out.emplace();
    out->payload = *n_.pool.allocate(resources::kHostOwner, 64);
    (void)n_.pool.append(out->payload, n_.scratch, 64);
    return {};
  }
  CallStatus push(const InElement& in, bool& pause) override {
    const resources::Buffer* b = n_.pool.get(in.payload);
    std::memcpy(n_.scratch, b->data, b->size);
    pause = false;
    return {};
  }

 protected:
  Role role_;
  Native& n_;
  uint64_t left_;
  std::string name_ = "host";
};

class BatchHostStage final : public HostStage {
 public:
  using HostStage::HostStage;
  uint32_t max_batch() const override { return 64; }
  CallStatus pull_batch(uint32_t max, std::vector<OutElement>& out, bool& done) override {
    uint64_t n = std::min<uint64_t>(max, left_);
    for (uint64_t i = 0; i < n; ++i) out.emplace_back().payload = n_.source();
    left_ -= n;
    done = left_ == 0;
    return {};
  }
  CallStatus process_batch(std::span<const InElement> in, std::span<BatchOutcome> outcomes, size_t& completed) override {
    for (size_t i = 0; i < in.size(); ++i) (void)HostStage::process(in[i], outcomes[i].out);
    completed = in.size();
    return {};
  }
  CallStatus push_batch(std::span<const InElement> in, std::span<BatchOutcome> outcomes, size_t& completed, bool& pause) override {
    bool p = false;
    for (size_t i = 0; i < in.size(); ++i) (void)HostStage::push(in[i], p);
    completed = in.size();
    pause = false;
    return {};
  }
};

// state.range(0): 1 = metrics as production has them (component.processing_time measured), 0 =
// off. Flow options are otherwise production's defaults (max_batch 64).
template <class S>
void reactor_pipeline(benchmark::State& state) {
  resources::BufferPool pool;
  resources::CopyLedger ledger;
  Native n{pool, {}, {}, 0};
  uint64_t total = 0;
  double per_run = 0;  // of the last iteration
  for (auto _ : state) {
    Flow f({.name = "bench", .pacing_stride = kStride, .measure_stage_time = state.range(0) != 0}, pool, ledger);
    size_t s = f.add_node("source", std::make_unique<S>(Role::Source, n, kElements), "");
    size_t p = f.add_node("processor", std::make_unique<S>(Role::Processor, n, 0), "");
    size_t k = f.add_node("sink", std::make_unique<S>(Role::Sink, n, 0), "");
    f.add_edge(s, "", p, "", {});
    f.add_edge(p, "", k, "", {});
    Executor executor;
    executor.add(f);
    auto t0 = std::chrono::steady_clock::now();
    executor.run();
    auto t1 = std::chrono::steady_clock::now();
    if (f.failure() || f.stats().elements_delivered.get() != kElements) state.SkipWithError("flow failed");
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    total += kElements;
    per_run = calls_per_run(f);
  }
  if (pool.live_buffers() != 0) state.SkipWithError("buffers leaked");
  if (per_run) state.counters["calls_per_run"] = per_run;
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.counters["ns_per_element"] = benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
void BM_Reactor_PerElement(benchmark::State& state) { reactor_pipeline<HostStage>(state); }
void BM_Reactor_Batch(benchmark::State& state) { reactor_pipeline<BatchHostStage>(state); }

// One push and one pop on a stream's queue (issue 12 asks <= 10 ns per queue operation).
void BM_ElementQueue_PushPop(benchmark::State& state) {
  ElementQueue q(64, 0.5);
  Element e, out;
  for (int i = 0; i < 32; ++i) q.push(e);
  for (auto _ : state) {
    q.push(e);
    q.pop(out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * 2);
}

// One host -> export call with a stream-element argument and an output-element result (the
// passthrough processor: it reads the 64-byte payload and emits a copy), on the fast path.
void process_call(benchmark::State& state, wasm::EngineKind kind) {
  const Components& c = components(kind);
  resources::BufferPool pool;
  resources::CopyLedger ledger;
  StreamingHost host(pool, ledger);
  component::Linker linker;
  host.define(linker);
  auto inst = component::Instance::instantiate(*c.processor, linker);
  auto node = ComponentNode::bind(std::move(*inst), host, InstanceAccount{pool.register_owner("p", 0), "p"}, std::nullopt);
  auto in = *pool.allocate(resources::kHostOwner, 64);
  uint8_t bytes[64] = {};
  (void)pool.append(in, bytes, 64);
  (void)pool.freeze(in);
  InElement element{0, 0, "application/octet-stream", in, 0, {}};
  std::optional<OutElement> out;
  for (auto _ : state) {
    CallStatus st = (*node)->process(element, out);
    if (!st || !out) {
      state.SkipWithError("process failed");
      break;
    }
    (void)pool.release(out->payload);
    ++element.sequence;
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_ProcessCall_Aot(benchmark::State& state) { process_call(state, wasm::EngineKind::Aot); }
void BM_ProcessCall_Interp(benchmark::State& state) { process_call(state, wasm::EngineKind::Interp); }

BENCHMARK(BM_ProcessCall_Aot);
BENCHMARK(BM_ProcessCall_Interp);
BENCHMARK(BM_Pipeline_Native)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_Reactor_PerElement)->ArgName("metrics")->Arg(1)->Arg(0)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_Reactor_Batch)->ArgName("metrics")->Arg(1)->Arg(0)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_ElementQueue_PushPop);
BENCHMARK(BM_Pipeline_Aot)->ArgName("max_batch")->Arg(1)->Arg(64)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_Pipeline_Interp)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace
}  // namespace torvyn::reactor

BENCHMARK_MAIN();

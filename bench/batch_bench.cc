// The batch contract's cost per element (docs/batching.md): source -> processor -> sink of 64-byte
// elements on the bench components (bench/components, built by the SDK, so they export both forms),
// driven straight through ComponentNode — per element (pull, process, push) and in batches of
// `max_batch` (pull_batch, process_batch, push_batch) — without the reactor, so the difference is
// what the component boundary costs. TORVYN_BENCH_ELEMENTS overrides the count (callgrind runs).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "torvyn/streaming/component_node.h"
#include "torvyn/streaming/streaming_host.h"

namespace torvyn::streaming {
namespace {

const uint64_t kElements = [] {
  const char* e = std::getenv("TORVYN_BENCH_ELEMENTS");
  return e && *e ? std::strtoull(e, nullptr, 10) : uint64_t{200000};
}();

std::shared_ptr<component::LoadedComponent> load(const std::shared_ptr<wasm::Engine>& engine, const char* name) {
  std::ifstream in(std::string(TORVYN_BENCH_COMPONENTS) + "/" + name + ".wasm", std::ios::binary);
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
  auto r = component::LoadedComponent::load(engine, std::move(bytes), name);
  if (!r) {
    std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
    std::abort();
  }
  return *r;
}

struct Stages {
  resources::BufferPool pool;
  resources::CopyLedger ledger;
  StreamingHost host{pool, ledger};
  component::Linker linker;
  std::unique_ptr<ComponentNode> source, processor, sink;

  Stages(wasm::EngineKind kind, uint64_t elements, uint32_t max_batch) {
    static std::map<wasm::EngineKind, std::shared_ptr<wasm::Engine>> engines;
    auto& engine = engines[kind];
    if (!engine) {
      wasm::EngineConfig cfg;
      cfg.kind = kind;
      cfg.cache_dir = TORVYN_BENCH_CACHE;
      engine = *wasm::Engine::create(cfg);
    }
    host.define(linker);
    auto bind = [&](const char* name, const char* id) {
      auto inst = component::Instance::instantiate(*load(engine, name), linker);
      auto n = ComponentNode::bind(std::move(*inst), host, InstanceAccount{pool.register_owner(id, 0), id}, std::nullopt);
      (*n)->set_batch_limits({max_batch, 0, {}});
      return std::move(*n);
    };
    source = bind("bench_source", "source");
    processor = bind("bench_passthrough", "processor");
    sink = bind("bench_sink", "sink");
    (void)source->init("count=" + std::to_string(elements));
    (void)sink->init("");
  }
};

reactor::InElement in_of(const reactor::OutElement& o) { return {o.sequence, o.timestamp_ns, o.content_type.view(), o.payload, 0, {}}; }

uint64_t run_per_element(Stages& s) {
  uint64_t n = 0;
  for (;;) {
    std::optional<reactor::OutElement> a, b;
    if (!s.source->pull(a) || !a) break;
    if (!s.processor->process(in_of(*a), b) || !b) std::abort();
    (void)s.pool.release(a->payload);
    bool pause = false;
    if (!s.sink->push(in_of(*b), pause)) std::abort();
    (void)s.pool.release(b->payload);
    ++n;
  }
  return n;
}

uint64_t run_batched(Stages& s, uint32_t max) {
  uint64_t n = 0;
  std::vector<reactor::OutElement> pulled;
  std::vector<reactor::InElement> in, next;
  std::vector<reactor::BatchOutcome> processed, pushed;
  for (bool done = false; !done;) {
    pulled.clear();
    if (!s.source->pull_batch(max, pulled, done)) std::abort();
    in.clear();
    for (const auto& o : pulled) in.push_back(in_of(o));
    processed.resize(in.size());
    size_t completed = 0;
    if (!s.processor->process_batch(in, processed, completed) || completed != in.size()) std::abort();
    for (const auto& o : pulled) (void)s.pool.release(o.payload);
    next.clear();
    for (const auto& o : processed) next.push_back(in_of(*o.out));
    pushed.resize(next.size());
    bool pause = false;
    if (!s.sink->push_batch(next, pushed, completed, pause) || completed != next.size()) std::abort();
    for (const auto& o : processed) (void)s.pool.release(o.out->payload);
    n += completed;
  }
  return n;
}

void pipeline(benchmark::State& state, wasm::EngineKind kind, uint64_t elements) {
  const uint32_t max = static_cast<uint32_t>(state.range(0));
  uint64_t total = 0, copies = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Stages s(kind, elements, max);
    state.ResumeTiming();
    uint64_t n = max == 1 ? run_per_element(s) : run_batched(s, max);
    if (n != elements) state.SkipWithError("lost elements");
    total += n;
    copies += s.ledger.copies();
  }
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.counters["ns_per_element"] = benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["copies_per_element"] = static_cast<double>(copies) / static_cast<double>(total);
}

void BM_Crossings_Aot(benchmark::State& state) { pipeline(state, wasm::EngineKind::Aot, kElements); }
void BM_Crossings_Interp(benchmark::State& state) { pipeline(state, wasm::EngineKind::Interp, kElements / 20); }

// Arg = max_batch; 1 = the per-element calls.
BENCHMARK(BM_Crossings_Aot)->Arg(1)->Arg(8)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Crossings_Interp)->Arg(1)->Arg(64)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace torvyn::streaming

BENCHMARK_MAIN();

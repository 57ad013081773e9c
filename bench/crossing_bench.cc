// The cost of one Component Model crossing on the torvyn contracts (DESIGN.md §2a, issue 12):
// an export call, a host call (buffer.size; mutable-buffer.append of 64 B), a host call whose
// result is lowered through cabi_realloc (buffer.read-all of 64 B) and a resource drop
// (allocate + drop of a mutable-buffer).
//
// Times are printed by Google Benchmark; instruction counts, which a shared machine cannot
// disturb, come from bench/crossing_costs.sh, which runs these cases under callgrind with a fixed
// iteration count (TORVYN_CROSSING_ITERS), counts only inside measured_loop(), splits host from
// guest instructions and reports (cost with n crossings - cost with 0) / n.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

#include "torvyn/streaming/component_node.h"
#include "torvyn/streaming/streaming_host.h"

namespace torvyn::streaming {
namespace {

const int64_t kIterations = [] {
  const char* e = std::getenv("TORVYN_CROSSING_ITERS");
  return e && *e ? std::strtoll(e, nullptr, 10) : int64_t{0};
}();

std::shared_ptr<component::LoadedComponent> load(wasm::EngineKind kind, const char* name) {
  static std::map<std::pair<wasm::EngineKind, std::string>, std::shared_ptr<component::LoadedComponent>> cache;
  auto& slot = cache[{kind, name}];
  if (!slot) {
    wasm::EngineConfig cfg;
    cfg.kind = kind;
    cfg.cache_dir = TORVYN_BENCH_CACHE;
    auto engine = *wasm::Engine::create(cfg);
    std::ifstream in(std::string(TORVYN_BENCH_COMPONENTS) + "/" + name + ".wasm", std::ios::binary);
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
    auto r = component::LoadedComponent::load(engine, std::move(bytes), name);
    if (!r) {
      std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
      std::abort();
    }
    slot = *r;
  }
  return slot;
}

// One bound component with its host, pool and ledger.
struct Bench {
  resources::BufferPool pool;
  resources::CopyLedger ledger;
  StreamingHost host{pool, ledger};
  component::Linker linker;
  std::unique_ptr<ComponentNode> node;

  Bench(wasm::EngineKind kind, const char* component, const std::string& config) {
    host.define(linker);
    auto inst = component::Instance::instantiate(*load(kind, component), linker);
    auto n = ComponentNode::bind(std::move(*inst), host, InstanceAccount{pool.register_owner(component, 0), component}, std::nullopt);
    if (!n) {
      std::fprintf(stderr, "%s\n", n.error().to_string().c_str());
      std::abort();
    }
    node = std::move(*n);
    if (auto st = node->init(config); !st) {
      std::fprintf(stderr, "init: %s\n", st.describe().c_str());
      std::abort();
    }
  }
};

// Everything callgrind counts (--toggle-collect) happens in here.
[[gnu::noinline]] bool measured_loop(benchmark::State& state, reactor::Stage& stage, const reactor::InElement* in, resources::BufferPool& pool) {
  std::optional<reactor::OutElement> out;
  for (auto _ : state) {
    reactor::CallStatus st = in ? stage.process(*in, out) : stage.notify_backpressure(false);
    if (!st) [[unlikely]] {
      state.SkipWithError(st.describe().c_str());
      return false;
    }
    if (out) (void)pool.release(out->payload), out.reset();
  }
  return true;
}

// An export call with one enum argument and no result (the source's notify-backpressure).
void export_call(benchmark::State& state, wasm::EngineKind kind) {
  Bench b(kind, "bench_source", "count=0");
  measured_loop(state, *b.node, nullptr, b.pool);
}

// process() on bench_crossings making `n` crossings of kind `op` (see bench_crossings.cpp).
void crossings(benchmark::State& state, wasm::EngineKind kind, const char* op) {
  const auto n = state.range(0);
  Bench b(kind, "bench_crossings", std::string(op) + " " + std::to_string(n));
  auto payload = *b.pool.allocate(resources::kHostOwner, 64);
  uint8_t bytes[64] = {};
  (void)b.pool.append(payload, bytes, 64);
  (void)b.pool.freeze(payload);
  reactor::InElement in{0, 0, "application/octet-stream", payload, 0, {}};
  if (measured_loop(state, *b.node, &in, b.pool)) state.counters["crossings_per_call"] = static_cast<double>(n);
  (void)b.pool.release(payload);
}

template <class F, class... A>
void add(const std::string& name, F f, A... a) {
  auto* bm = benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& s) { f(s, a...); });
  if (kIterations) bm->Iterations(kIterations);
  if (name.find("Crossing") != std::string::npos) bm->Arg(0)->Arg(16);
}

const bool registered = [] {
  for (auto [kind, suffix] : {std::pair{wasm::EngineKind::Aot, "Aot"}, std::pair{wasm::EngineKind::Interp, "Interp"}}) {
    add(std::string("BM_ExportCall_") + suffix, export_call, kind);
    for (const char* op : {"none", "size", "append", "read-all", "allocate-drop"})
      add(std::string("BM_Crossing_") + suffix + "/" + op, crossings, kind, op);
  }
  return true;
}();

}  // namespace
}  // namespace torvyn::streaming

BENCHMARK_MAIN();

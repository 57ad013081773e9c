// Component Model host costs on a real SDK-built component (the uppercase transform): one
// process() call with a stream-element argument and result (lower args, run the guest with its 4
// host calls: read-all, allocate, append, freeze; lift the result, post-return), and instantiation
// of a loaded component (core modules already compiled and cached).
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>

#include "streaming_test_host.h"
#include "torvyn/component/runtime.h"

namespace torvyn::component {
namespace {

std::shared_ptr<LoadedComponent> load(wasm::EngineKind kind) {
  wasm::EngineConfig cfg;
  cfg.kind = kind;
  cfg.cache_dir = TORVYN_BENCH_CACHE;
  auto engine = *wasm::Engine::create(cfg);
  std::ifstream in(std::string(TORVYN_SDK_COMPONENTS) + "/uppercase.wasm", std::ios::binary);
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
  return *LoadedComponent::load(engine, std::move(bytes), "uppercase");
}

wasm::EngineKind kind_of(const benchmark::State& st) { return st.range(0) ? wasm::EngineKind::Aot : wasm::EngineKind::Interp; }

void BM_ProcessCall(benchmark::State& st) {
  auto comp = load(kind_of(st));
  testing::StreamingTestHost host;
  auto inst = *Instance::instantiate(*comp, host.linker);
  ExportedFunc process = inst->find_function("torvyn:streaming/processor@0.1.0", "process");
  uint64_t payload = host.add({std::string(64, 'a'), "text/plain", 0, true});
  uint64_t ctx = host.add({});
  std::vector<Value> args = {host.stream_element(0, payload, ctx, "text/plain")};
  for (auto _ : st) {
    auto r = inst->call(process, args);
    if (!r.ok()) st.SkipWithError(r.error().message.c_str());
    host.drop((*r)[0].items[0].items[0].items[1].u);  // release the output buffer
  }
}
BENCHMARK(BM_ProcessCall)->Arg(0)->Arg(1)->ArgName("aot");

void BM_InstantiateComponent(benchmark::State& st) {
  auto comp = load(kind_of(st));
  testing::StreamingTestHost host;
  for (auto _ : st) benchmark::DoNotOptimize(*Instance::instantiate(*comp, host.linker));
}
BENCHMARK(BM_InstantiateComponent)->Arg(0)->Arg(1)->ArgName("aot");

}  // namespace
}  // namespace torvyn::component

BENCHMARK_MAIN();

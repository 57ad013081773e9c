// Engine micro-benchmarks for both backends: call overheads in each direction, copies into and
// out of linear memory, a compute kernel against the same C compiled natively, instantiation, and
// what fuel metering costs. Ratios belong in the README only when measured in the same run.
#include <benchmark/benchmark.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

#include "torvyn/wasm/engine.h"
#include "typed_func.h"
#include "wat.h"

extern "C" uint32_t transform(uint8_t* buf, uint32_t len, uint32_t rounds);

namespace torvyn::wasm {
namespace {

constexpr uint32_t kKernelBytes = 64 * 1024;
constexpr int kHostCallsPerInvocation = 1000;

std::shared_ptr<Engine> engine(EngineKind kind, bool metered = true) {
  static std::map<std::pair<EngineKind, bool>, std::shared_ptr<Engine>> engines;
  auto& e = engines[{kind, metered}];
  if (!e) {
    EngineConfig cfg;
    cfg.kind = kind;
    cfg.cache_dir = TORVYN_BENCH_CACHE;
    cfg.fuel_metering = metered;
    e = *Engine::create(cfg);
  }
  return e;
}

EngineKind kind_of(const benchmark::State& st) { return st.range(0) ? EngineKind::Aot : EngineKind::Interp; }

const char* kCallModule = R"((module
  (import "env" "host" (func $host (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "call_host") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (call $host (local.get 1))) (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    local.get 1)
  (func (export "count") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    local.get 1)))";

TrapKind host_inc(void*, HostContext&, Slot* s) {
  s[0] = slot_i32(as_i32(s[0]) + 1);
  return TrapKind::None;
}
uint32_t host_inc_typed(void*, uint32_t x) { return x + 1; }

struct Fixture {
  std::unique_ptr<Store> store;
  std::shared_ptr<Module> module;
  Instance* instance = nullptr;
  Extern fn(const char* name) { return *instance->find_export(name); }
};

Fixture call_fixture(EngineKind kind, bool typed_host) {
  Fixture f;
  auto e = engine(kind);
  f.store = e->new_store();
  Extern host = f.store->new_host_func(FuncType{{ValType::I32}, {ValType::I32}}, host_inc, nullptr,
                                       typed_host ? reinterpret_cast<void*>(&host_inc_typed) : nullptr);
  f.module = *e->load(testing::wat(kCallModule), "calls");
  f.instance = *f.store->instantiate(*f.module, std::vector<Extern>{host});
  return f;
}

void BM_HostToGuest_Generic(benchmark::State& st) {
  Fixture f = call_fixture(kind_of(st), false);
  Extern add = f.fn("add");
  Slot args[2] = {1, 2}, res[1];
  for (auto _ : st) {
    f.store->call(add, args, res);
    benchmark::DoNotOptimize(res[0]);
  }
}
BENCHMARK(BM_HostToGuest_Generic)->Arg(0)->Arg(1)->ArgName("aot");

void BM_HostToGuest_Typed(benchmark::State& st) {
  Fixture f = call_fixture(kind_of(st), false);
  TypedFunc<uint32_t(uint32_t, uint32_t)> add(*f.store, f.fn("add"));
  uint32_t r = 0;
  for (auto _ : st) {
    add.call(&r, 1, 2);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_HostToGuest_Typed)->Arg(0)->Arg(1)->ArgName("aot");

// Per host call, measured as a guest loop of 1000 calls; GuestLoopBaseline is the same loop with
// the call replaced by an add, to subtract.
void guest_loop(benchmark::State& st, const char* export_name, bool typed_host) {
  Fixture f = call_fixture(kind_of(st), typed_host);
  TypedFunc<uint32_t(uint32_t)> loop(*f.store, f.fn(export_name));
  uint32_t r = 0;
  for (auto _ : st) {
    loop.call(&r, kHostCallsPerInvocation);
    benchmark::DoNotOptimize(r);
  }
  st.SetItemsProcessed(st.iterations() * kHostCallsPerInvocation);
}
void BM_GuestToHost_Generic(benchmark::State& st) { guest_loop(st, "call_host", false); }
void BM_GuestToHost_Typed(benchmark::State& st) { guest_loop(st, "call_host", true); }
void BM_GuestLoopBaseline(benchmark::State& st) { guest_loop(st, "count", false); }
BENCHMARK(BM_GuestToHost_Generic)->Arg(0)->Arg(1)->ArgName("aot");
BENCHMARK(BM_GuestToHost_Typed)->Arg(0)->Arg(1)->ArgName("aot");
BENCHMARK(BM_GuestLoopBaseline)->Arg(0)->Arg(1)->ArgName("aot");

void BM_Copy4KiB_InAndOut(benchmark::State& st) {
  Fixture f = call_fixture(kind_of(st), false);
  Extern mem = f.fn("memory");
  std::vector<uint8_t> src(4096, 7), dst(4096);
  for (auto _ : st) {
    MemoryView v = f.store->memory(mem);  // re-fetched each time: guest calls may grow memory
    std::memcpy(v.data + 1024, src.data(), src.size());
    std::memcpy(dst.data(), v.data + 1024, dst.size());
    benchmark::DoNotOptimize(dst.data());
  }
  st.SetBytesProcessed(st.iterations() * 8192);
}
BENCHMARK(BM_Copy4KiB_InAndOut)->Arg(0)->Arg(1)->ArgName("aot");

std::vector<uint8_t> kernel_bytes() {
  std::ifstream in(TORVYN_TRANSFORM_WASM, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void BM_Transform_Native(benchmark::State& st) {
  std::vector<uint8_t> buf(kKernelBytes, 1);
  for (auto _ : st) benchmark::DoNotOptimize(transform(buf.data(), kKernelBytes, 1));
  st.SetBytesProcessed(st.iterations() * kKernelBytes);
}
BENCHMARK(BM_Transform_Native);

// range(1): 1 = fuel metering on (the default), 0 = off.
void BM_Transform_Wasm(benchmark::State& st) {
  auto e = engine(kind_of(st), st.range(1) != 0);
  auto store = e->new_store();
  auto module = *e->load(kernel_bytes(), "transform");
  Instance* inst = *store->instantiate(*module, {});
  TypedFunc<uint32_t(uint32_t, uint32_t, uint32_t)> fn(*store, *inst->find_export("transform"));
  uint32_t r = 0;
  constexpr uint32_t kOffset = 128 * 1024;  // past the C stack
  MemoryView v = store->memory(*inst->find_export("memory"));
  if (v.size < kOffset + kKernelBytes) store->memory_grow(*inst->find_export("memory"), 2);
  for (auto _ : st) {
    Trap t = fn.call(&r, kOffset, kKernelBytes, 1);
    if (!t.ok()) st.SkipWithError(t.message.c_str());
    benchmark::DoNotOptimize(r);
  }
  st.SetBytesProcessed(st.iterations() * kKernelBytes);
}
BENCHMARK(BM_Transform_Wasm)->ArgsProduct({{0, 1}, {0, 1}})->ArgNames({"aot", "fuel"});

void BM_Instantiate(benchmark::State& st) {
  auto e = engine(kind_of(st));
  auto module = *e->load(kernel_bytes(), "transform");
  for (auto _ : st) {
    auto store = e->new_store();
    benchmark::DoNotOptimize(*store->instantiate(*module, {}));
  }
}
BENCHMARK(BM_Instantiate)->Arg(0)->Arg(1)->ArgName("aot");

// Load = decode + validate (+ aot: cache lookup and dlopen); the aot cache is warm.
void BM_LoadCached(benchmark::State& st) {
  auto e = engine(kind_of(st));
  auto bytes = kernel_bytes();
  (void)e->load(bytes, "warm");
  for (auto _ : st) benchmark::DoNotOptimize(*e->load(bytes, "transform"));
}
BENCHMARK(BM_LoadCached)->Arg(0)->Arg(1)->ArgName("aot");

}  // namespace
}  // namespace torvyn::wasm

BENCHMARK_MAIN();

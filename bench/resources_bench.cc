// Buffer pool hot path: allocate + release per tier, single-threaded and with 2 threads sharing one
// pool, against malloc + free of the same block size in the same run; plus the per-element pattern
// (allocate, append 64 B, freeze, release) and copy-ledger records.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "torvyn/resources/buffer_pool.h"
#include "torvyn/resources/copy_ledger.h"

namespace torvyn::resources {
namespace {

// One process-wide pool, as in the runtime (default sizes, prefaulted), with one owner per thread
// (flows on different threads belong to different components).
struct Shared {
  BufferPool pool;
  OwnerId owners[2];
  CopyLedger ledger;
  Shared() : owners{pool.register_owner("bench-0", 0), pool.register_owner("bench-1", 0)} {}
};
Shared& shared() {
  static Shared s;
  return s;
}

// Arg: tier index. Hint and block size per tier (Huge: a 2 MiB on-demand buffer).
constexpr uint64_t kHint[] = {64, 5000, 100000, 2u << 20};
constexpr uint64_t kBlock[] = {4096, 65536, 1u << 20, 2u << 20};
const char* kLabel[] = {"small", "medium", "large", "huge"};

void BM_PoolAllocRelease(benchmark::State& st) {
  Shared& s = shared();
  OwnerId owner = s.owners[st.thread_index() % 2];
  uint64_t hint = kHint[st.range(0)];
  for (auto _ : st) {
    auto r = s.pool.allocate(owner, hint);
    if (!r.ok()) {
      st.SkipWithError(r.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(r->raw);
    (void)s.pool.release(*r);
  }
  st.SetLabel(kLabel[st.range(0)]);
}
BENCHMARK(BM_PoolAllocRelease)->DenseRange(0, 3)->Threads(1)->Threads(2)->UseRealTime();

void BM_MallocFree(benchmark::State& st) {
  size_t bytes = kBlock[st.range(0)];
  for (auto _ : st) {
    void* p = std::malloc(bytes);
    benchmark::DoNotOptimize(p);
    std::free(p);
  }
  st.SetLabel(kLabel[st.range(0)]);
}
BENCHMARK(BM_MallocFree)->DenseRange(0, 3)->Threads(1)->Threads(2)->UseRealTime();

// What the host does per element for a 64-byte payload (minus the guest copies themselves).
void BM_PoolElement64(benchmark::State& st) {
  Shared& s = shared();
  OwnerId owner = s.owners[st.thread_index() % 2];
  char payload[64] = {};
  for (auto _ : st) {
    auto r = s.pool.allocate(owner, 64);
    (void)s.pool.append(*r, payload, sizeof payload);
    (void)s.pool.freeze(*r);
    benchmark::DoNotOptimize(s.pool.get(*r)->data);
    (void)s.pool.release(*r);
  }
}
BENCHMARK(BM_PoolElement64)->Threads(1)->Threads(2)->UseRealTime();

void BM_PoolGet(benchmark::State& st) {
  Shared& s = shared();
  BufferId id = *s.pool.allocate(s.owners[0], 64);
  for (auto _ : st) benchmark::DoNotOptimize(s.pool.get(id));
  (void)s.pool.release(id);
}
BENCHMARK(BM_PoolGet);

void BM_CopyLedgerRecord(benchmark::State& st) {
  Shared& s = shared();
  OwnerId owner = s.owners[st.thread_index() % 2];
  for (auto _ : st) s.ledger.record(owner, CopyKind::HostToGuest, 64);
}
BENCHMARK(BM_CopyLedgerRecord)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace torvyn::resources

BENCHMARK_MAIN();

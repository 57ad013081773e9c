// The pool shared by several flow threads: lock-free allocate/release under contention, stats read
// from another thread meanwhile, racing releases of one id, budgets under concurrency. Also run it
// under ThreadSanitizer (a build dir configured with -DCMAKE_CXX_FLAGS=-fsanitize=thread
// -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread) to check for data races, not only the end state.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "torvyn/resources/buffer_pool.h"

namespace torvyn::resources {
namespace {

PoolSizes pools(uint32_t s, uint32_t m, uint32_t l, uint64_t huge) {
  return PoolSizes{.small = s, .medium = m, .large = l, .huge_bytes = huge, .prefault = false};
}

void expect_all_back(const BufferPool& pool) {
  for (Tier t : {Tier::Small, Tier::Medium, Tier::Large}) {
    TierStats st = pool.stats(t);
    EXPECT_EQ(st.available, st.total) << tier_name(t);
    EXPECT_EQ(st.in_use, 0u) << tier_name(t);
  }
  EXPECT_EQ(pool.stats(Tier::Huge).in_use, 0u);
  EXPECT_EQ(pool.stats(Tier::Huge).bytes_in_use, 0u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

// 4 threads x 100k allocate/release, each holding a few buffers at a time (so the free lists are
// pushed and popped in interleaved orders: the ABA case), writing a thread tag into each buffer and
// checking it is still there before release (two threads never get one block).
TEST(Concurrency, FourThreadsAllocateAndReleaseEverythingComesBack) {
  BufferPool pool(pools(64, 16, 4, 8ull << 20));
  constexpr int kThreads = 4;
  constexpr int kIters = 100000;
  std::vector<OwnerId> owners;
  for (int t = 0; t < kThreads; ++t) owners.push_back(pool.register_owner("t" + std::to_string(t), 0));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> failures{0}, corrupt{0}, exhausted{0};

  std::thread reader([&] {  // the metrics endpoint: reads while the flows run
    while (!stop.load(std::memory_order_relaxed)) {
      for (Tier t : {Tier::Small, Tier::Medium, Tier::Large, Tier::Huge}) {
        TierStats st = pool.stats(t);
        if (t != Tier::Huge && st.available + st.in_use != st.total) failures.fetch_add(1);
      }
      (void)pool.live_buffers();
      (void)pool.owned_by(owners[0]);
      (void)pool.owner_bytes(owners[1]);
      std::this_thread::yield();
    }
  });

  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937 rng(1234 + t);
      const uint64_t hints[] = {0, 64, 4096, 5000, 70000};
      std::vector<BufferId> held;
      for (int i = 0; i < kIters; ++i) {
        if (held.size() < 6 && (held.empty() || rng() % 2)) {
          uint64_t hint = (i % 97 == 0) ? 70000 : hints[rng() % 3];  // mostly small, some larger
          if (i % 1009 == 0) hint = 2 << 20;                           // now and then on demand
          auto r = pool.allocate(owners[t], hint);
          if (!r.ok()) {
            if (r.error().code == ErrorCode::PoolExhausted) exhausted.fetch_add(1);
            else failures.fetch_add(1);
            continue;
          }
          uint32_t tag = static_cast<uint32_t>(t * kIters + i);
          const Buffer* b = pool.get(*r);
          if (!b || b->owner != owners[t]) failures.fetch_add(1);
          if (!pool.write(*r, 0, &tag, sizeof tag).ok()) failures.fetch_add(1);
          held.push_back(*r);
        } else {
          size_t k = rng() % held.size();
          BufferId id = held[k];
          held[k] = held.back();
          held.pop_back();
          const Buffer* b = pool.get(id);
          uint32_t tag;
          if (!b || b->size != sizeof tag) {
            failures.fetch_add(1);
            continue;
          }
          std::memcpy(&tag, b->data, sizeof tag);
          if (tag / kIters != static_cast<uint32_t>(t)) corrupt.fetch_add(1);
          if (!pool.release(id).ok()) failures.fetch_add(1);
          if (pool.get(id) != nullptr) failures.fetch_add(1);
        }
      }
      for (BufferId id : held)
        if (!pool.release(id).ok()) failures.fetch_add(1);
    });
  }
  for (auto& w : workers) w.join();
  stop = true;
  reader.join();

  EXPECT_EQ(failures.load(), 0u);
  EXPECT_EQ(corrupt.load(), 0u);
  expect_all_back(pool);
  for (OwnerId o : owners) EXPECT_EQ(pool.owner_bytes(o), 0u);
  uint64_t allocations = 0;
  for (Tier t : {Tier::Small, Tier::Medium, Tier::Large, Tier::Huge}) allocations += pool.stats(t).allocations;
  EXPECT_GT(allocations, uint64_t{kThreads} * kIters / 3);
}

// Tight allocate/release pairs on one tier from 4 threads: the most contended free-list path.
TEST(Concurrency, TightPairsOnOneTier) {
  BufferPool pool(pools(8, 0, 0, 0));
  constexpr int kThreads = 4;
  constexpr int kIters = 100000;
  std::atomic<uint64_t> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < kIters; ++i) {
        auto r = pool.allocate(kHostOwner, 0);
        if (!r.ok() || !pool.release(*r).ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(failures.load(), 0u);
  expect_all_back(pool);
  EXPECT_EQ(pool.stats(Tier::Small).allocations, uint64_t{kThreads} * kIters);
  EXPECT_EQ(pool.stats(Tier::Small).exhaustion_events, 0u);  // 8 blocks, at most 4 held at once
  EXPECT_EQ(pool.owner_bytes(kHostOwner), 0u);
}

// Several threads release the same id at once: exactly one wins, the others see BufferStale, and
// the block is pushed back once.
TEST(Concurrency, RacingReleasesOfOneIdHaveOneWinner) {
  BufferPool pool(pools(4, 0, 0, 0));
  for (int round = 0; round < 300; ++round) {
    BufferId id = *pool.allocate(kHostOwner, 0);
    std::atomic<int> go{0}, wins{0}, stale{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 3; ++t)
      ts.emplace_back([&] {
        go.fetch_add(1);
        while (go.load() < 3) std::this_thread::yield();  // 2 shared cores: do not spin hard
        Status st = pool.release(id);
        if (st.ok()) wins.fetch_add(1);
        else if (st.error().code == ErrorCode::BufferStale) stale.fetch_add(1);
      });
    for (auto& t : ts) t.join();
    ASSERT_EQ(wins.load(), 1);
    ASSERT_EQ(stale.load(), 2);
  }
  expect_all_back(pool);
}

// A buffer shared by three holders (fan-out to queues on different threads) goes back once, on
// the last release, whichever thread makes it.
TEST(Concurrency, SharedBufferGoesBackOnceOnTheLastRelease) {
  BufferPool pool(pools(4, 0, 0, 0));
  for (int round = 0; round < 300; ++round) {
    BufferId id = *pool.allocate(kHostOwner, 0);
    ASSERT_TRUE(pool.share(id, 2).ok());
    std::atomic<int> go{0}, oks{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 3; ++t)
      ts.emplace_back([&] {
        go.fetch_add(1);
        while (go.load() < 3) std::this_thread::yield();
        if (pool.release(id).ok()) oks.fetch_add(1);
      });
    for (auto& t : ts) t.join();
    ASSERT_EQ(oks.load(), 3);
    ASSERT_EQ(pool.get(id), nullptr);                              // gone after the third
    ASSERT_EQ(pool.release(id).error().code, ErrorCode::BufferStale);  // and a fourth is stale
  }
  expect_all_back(pool);
}

// One budgeted owner allocating from several threads never goes over its budget.
TEST(Concurrency, BudgetHoldsUnderConcurrency) {
  BufferPool pool(pools(64, 0, 0, 0));
  OwnerId c = pool.register_owner("c", 10 * 4096);
  std::atomic<uint64_t> peak{0}, failures{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      std::vector<BufferId> held;
      for (int i = 0; i < 20000; ++i) {
        auto r = pool.allocate(c, 0);
        if (r.ok()) {
          held.push_back(*r);
        } else if (r.error().code != ErrorCode::BudgetExceeded) {
          failures.fetch_add(1);
        }
        uint64_t now = pool.owner_bytes(c);
        uint64_t p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        if (held.size() >= 4 || (!r.ok() && !held.empty())) {
          for (BufferId id : held)
            if (!pool.release(id).ok()) failures.fetch_add(1);
          held.clear();
        }
      }
      for (BufferId id : held)
        if (!pool.release(id).ok()) failures.fetch_add(1);
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures.load(), 0u);
  EXPECT_LE(peak.load(), 10u * 4096);
  EXPECT_EQ(pool.owner_bytes(c), 0u);
  expect_all_back(pool);
}

// On-demand memory (mutex path) and reserve moves from several threads at once.
TEST(Concurrency, GrowthAndOnDemandFromSeveralThreads) {
  BufferPool pool(pools(16, 4, 2, 16ull << 20));
  std::atomic<uint64_t> failures{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      std::vector<uint8_t> chunk(30000, static_cast<uint8_t>(t + 1));
      for (int i = 0; i < 300; ++i) {
        auto r = pool.allocate(kHostOwner, 0);
        if (!r.ok()) continue;  // exhaustion is allowed here, corruption is not
        int n = 1 + (i % 50);
        bool ok = true;
        for (int k = 0; k < n && ok; ++k) ok = pool.append(*r, chunk.data(), chunk.size()).ok();
        const Buffer* b = pool.get(*r);
        for (uint64_t k = 0; b && k < b->size; k += 4093)
          if (b->data[k] != t + 1) failures.fetch_add(1);
        if (!pool.release(*r).ok()) failures.fetch_add(1);
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures.load(), 0u);
  expect_all_back(pool);
}

}  // namespace
}  // namespace torvyn::resources

// Per-component byte budgets (what an owner holds, what refusals it had) and per-flow reservations
// of the pre-allocated tiers (DESIGN.md §7: "per-component byte budgets"; one flow cannot starve
// another).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "torvyn/resources/buffer_pool.h"

namespace torvyn::resources {
namespace {

PoolSizes pools(uint32_t s, uint32_t m, uint32_t l, uint64_t huge = 0) {
  PoolSizes p;
  p.small = s;
  p.medium = m;
  p.large = l;
  p.huge_bytes = huge;
  p.prefault = false;
  return p;
}

BufferId must(Result<BufferId> r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? *r : BufferId{};
}

// Allocates `hint`-byte buffers for `owner` until one is refused; returns the ids and the error.
std::vector<BufferId> take_all(BufferPool& pool, OwnerId owner, uint64_t hint, Error* last = nullptr) {
  std::vector<BufferId> ids;
  for (int i = 0; i < 100000; ++i) {
    auto r = pool.allocate(owner, hint);
    if (!r) {
      if (last) *last = r.error();
      break;
    }
    ids.push_back(*r);
  }
  return ids;
}

void release_all(BufferPool& pool, std::vector<BufferId>& ids) {
  for (BufferId id : ids) EXPECT_TRUE(pool.release(id).ok());
  ids.clear();
}

// ---- budgets ----

TEST(Budget, RefusalsAreCountedForTheOwnerOnly) {
  BufferPool pool(pools(16, 2, 1));
  OwnerId greedy = pool.register_owner("greedy/hog", 4 * 4096);
  OwnerId modest = pool.register_owner("other/proc", 4 * 4096);
  Error err;
  std::vector<BufferId> held = take_all(pool, greedy, 100, &err);
  EXPECT_EQ(held.size(), 4u);
  EXPECT_EQ(err.code, ErrorCode::BudgetExceeded);
  // The message names the budget, the owner and what it holds.
  EXPECT_NE(err.message.find("buffer budget of 16384 bytes exceeded"), std::string::npos) << err.message;
  EXPECT_NE(err.message.find("greedy/hog"), std::string::npos) << err.message;
  EXPECT_EQ(pool.owner_budget_exceeded(greedy), 1u);
  EXPECT_FALSE(pool.allocate(greedy, 100).ok());
  EXPECT_EQ(pool.owner_budget_exceeded(greedy), 2u);
  EXPECT_EQ(pool.owner_bytes(greedy), 4u * 4096);

  // Another owner is unaffected: its own budget, its own count.
  BufferId mine = must(pool.allocate(modest, 100));
  EXPECT_EQ(pool.owner_budget_exceeded(modest), 0u);
  EXPECT_EQ(pool.owner_bytes(modest), 4096u);
  EXPECT_TRUE(pool.release(mine).ok());

  // Freeing makes room again.
  ASSERT_TRUE(pool.release(held.back()).ok());
  held.pop_back();
  EXPECT_EQ(pool.owner_bytes(greedy), 3u * 4096);
  held.push_back(must(pool.allocate(greedy, 100)));
  EXPECT_EQ(pool.owner_budget_exceeded(greedy), 2u);
  release_all(pool, held);
  EXPECT_EQ(pool.owner_bytes(greedy), 0u);
  EXPECT_EQ(pool.owner_budget_exceeded(kHostOwner), 0u);
  EXPECT_EQ(pool.owner_budget_exceeded(999), 0u);  // unknown owner
}

// A processor is charged only for what it holds: what it handed on (take_in_transit, as the
// runtime does with every output element) is the host's, and a consumer is charged on transfer.
TEST(Budget, HandedOnBuffersNoLongerCount) {
  BufferPool pool(pools(16, 2, 1));
  OwnerId proc = pool.register_owner("f/proc", 2 * 4096);
  OwnerId sink = pool.register_owner("f/sink", 4096);
  BufferId a = must(pool.allocate(proc, 10));
  BufferId b = must(pool.allocate(proc, 10));
  EXPECT_FALSE(pool.allocate(proc, 10).ok());
  ASSERT_TRUE(pool.take_in_transit(a).ok());  // passed downstream
  EXPECT_EQ(pool.owner_bytes(proc), 4096u);
  BufferId c = must(pool.allocate(proc, 10));  // room again
  EXPECT_EQ(pool.owner_bytes(proc), 2u * 4096);

  ASSERT_TRUE(pool.transfer(b, sink).ok());
  EXPECT_EQ(pool.owner_bytes(sink), 4096u);
  Status over = pool.transfer(c, sink);  // the sink's budget is full: counted against the sink
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::BudgetExceeded);
  EXPECT_EQ(pool.owner_budget_exceeded(sink), 1u);
  EXPECT_EQ(pool.owner_budget_exceeded(proc), 1u);  // only its own refused allocate
  for (BufferId id : {a, b, c}) ASSERT_TRUE(pool.release(id).ok());
  EXPECT_EQ(pool.owner_bytes(proc), 0u);
  EXPECT_EQ(pool.owner_bytes(sink), 0u);
  EXPECT_EQ(pool.owner_bytes(kHostOwner), 0u);
}

// Growing a buffer by writing past its block is charged as the bigger block; a write that cannot
// grow within the budget is one refusal (not one per attempt inside).
TEST(Budget, GrowthIsChargedAndARefusedWriteCountsOnce) {
  BufferPool pool(pools(4, 2, 1, 8ull << 20));
  OwnerId c = pool.register_owner("f/writer", 4096 + (64 << 10));
  BufferId a = must(pool.allocate(c, 10));
  std::vector<uint8_t> bytes(8000, 7);
  ASSERT_TRUE(pool.write(a, 0, bytes.data(), bytes.size()).ok());  // small -> medium
  EXPECT_EQ(pool.owner_bytes(c), 64u << 10);
  EXPECT_EQ(pool.owner_budget_exceeded(c), 0u);
  std::vector<uint8_t> big(100 << 10, 1);
  Status st = pool.append(a, big.data(), big.size());  // would need a large block
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::BudgetExceeded);
  EXPECT_EQ(pool.owner_budget_exceeded(c), 1u);
  EXPECT_EQ(pool.owner_bytes(c), 64u << 10);
  ASSERT_TRUE(pool.release(a).ok());
  EXPECT_EQ(pool.owner_bytes(c), 0u);
}

// ---- reservations ----

TEST(Reservation, ClampedToTheTierAndReported) {
  BufferPool pool(pools(8, 2, 1));
  ReservationId a = pool.add_reservation("a", {3, 1, 0});
  ReservationId b = pool.add_reservation("b", {10, 10, 10});  // only what is left
  EXPECT_NE(a, kNoReservation);
  EXPECT_NE(b, a);
  ReservationStats sa = pool.reservation_stats(a), sb = pool.reservation_stats(b);
  EXPECT_EQ(sa.name, "a");
  EXPECT_EQ(sa.reserved, (TierCounts{3, 1, 0}));
  EXPECT_EQ(sb.reserved, (TierCounts{5, 1, 1}));
  EXPECT_EQ(pool.stats(Tier::Small).reserved, 8u);
  EXPECT_EQ(pool.stats(Tier::Medium).reserved, 2u);
  EXPECT_EQ(pool.stats(Tier::Large).reserved, 1u);
  EXPECT_EQ(pool.stats(Tier::Huge).reserved, 0u);
}

// One flow's component allocating in a loop (no budget) takes the shared part and its own
// reserve, never another flow's reserve: that flow still gets every buffer it was promised.
TEST(Reservation, AGreedyFlowCannotTakeAnotherFlowsReserve) {
  BufferPool pool(pools(16, 0, 0));
  ReservationId calm = pool.add_reservation("calm", {4, 0, 0});
  ReservationId wild = pool.add_reservation("wild", {4, 0, 0});
  OwnerId source = pool.register_owner("calm/source", 0, calm);
  OwnerId hog = pool.register_owner("wild/hog", 0, wild);
  Error err;
  std::vector<BufferId> hogged = take_all(pool, hog, 100, &err);
  EXPECT_EQ(hogged.size(), 12u);  // its 4 + the 8 shared
  EXPECT_EQ(err.code, ErrorCode::PoolExhausted);
  EXPECT_EQ(pool.stats(Tier::Small).available, 4u);
  EXPECT_GT(pool.stats(Tier::Small).exhaustion_events, 0u);
  EXPECT_EQ(pool.reservation_stats(wild).in_use[0], 12u);

  // The calm flow gets its 4, in transit to the host too (they stay counted against its flow).
  std::vector<BufferId> mine = take_all(pool, source, 100);
  EXPECT_EQ(mine.size(), 4u);
  for (BufferId id : mine) ASSERT_TRUE(pool.take_in_transit(id).ok());
  EXPECT_EQ(pool.reservation_stats(calm).in_use[0], 4u);
  EXPECT_EQ(pool.owner_bytes(source), 0u);

  // When the hog lets go of shared blocks, the calm flow can use them too.
  ASSERT_TRUE(pool.release(hogged.back()).ok());
  hogged.pop_back();
  mine.push_back(must(pool.allocate(source, 100)));
  EXPECT_EQ(pool.reservation_stats(calm).in_use[0], 5u);
  EXPECT_FALSE(pool.allocate(hog, 100).ok());  // and the hog cannot take that one back

  release_all(pool, hogged);
  release_all(pool, mine);
  EXPECT_EQ(pool.reservation_stats(calm).in_use[0], 0u);
  EXPECT_EQ(pool.reservation_stats(wild).in_use[0], 0u);
  EXPECT_EQ(take_all(pool, hog, 100).size(), 12u);  // everything came back: the same again
}

// Owners without a reservation (the host, tests, tools) use only the shared part.
TEST(Reservation, UnreservedOwnersUseTheSharedPart) {
  BufferPool pool(pools(6, 0, 0));
  ReservationId f = pool.add_reservation("f", {4, 0, 0});
  (void)f;
  std::vector<BufferId> host = take_all(pool, kHostOwner, 0);
  EXPECT_EQ(host.size(), 2u);
  OwnerId loose = pool.register_owner("loose", 0);  // kNoReservation
  EXPECT_FALSE(pool.allocate(loose, 0).ok());
  OwnerId bad = pool.register_owner("bad-id", 0, 12345);  // unknown reservation: none
  EXPECT_FALSE(pool.allocate(bad, 0).ok());
  release_all(pool, host);
}

// A reservation's share falls back to the next tier like an empty tier, and a buffer that grows
// into a bigger tier moves its count with it.
TEST(Reservation, FallbackAndGrowthMoveTheCount) {
  BufferPool pool(pools(2, 2, 0, 4ull << 20));
  ReservationId r = pool.add_reservation("r", {1, 1, 0});
  ReservationId other = pool.add_reservation("other", {1, 1, 0});
  OwnerId o = pool.register_owner("r/o", 0, r);
  (void)other;
  BufferId a = must(pool.allocate(o, 10));
  BufferId b = must(pool.allocate(o, 10));  // small share spent: a medium block stands in
  EXPECT_EQ(pool.get(b)->tier, Tier::Medium);
  EXPECT_EQ(pool.reservation_stats(r).in_use, (TierCounts{1, 1, 0}));
  std::vector<uint8_t> bytes(5000, 1);
  ASSERT_TRUE(pool.write(a, 0, bytes.data(), bytes.size()).ok());  // small -> medium? its share is spent
  EXPECT_EQ(pool.get(a)->tier, Tier::Huge);                          // so on-demand memory
  EXPECT_EQ(pool.reservation_stats(r).in_use, (TierCounts{0, 1, 0}));
  ASSERT_TRUE(pool.release(b).ok());
  BufferId c = must(pool.allocate(o, 10));
  std::vector<uint8_t> more(5000, 2);
  ASSERT_TRUE(pool.write(c, 0, more.data(), more.size()).ok());  // small -> medium (its share is free again)
  EXPECT_EQ(pool.get(c)->tier, Tier::Medium);
  EXPECT_EQ(pool.reservation_stats(r).in_use, (TierCounts{0, 1, 0}));
  ASSERT_TRUE(pool.release(a).ok());
  ASSERT_TRUE(pool.release(c).ok());
  EXPECT_EQ(pool.reservation_stats(r).in_use, (TierCounts{0, 0, 0}));
  EXPECT_EQ(pool.stats(Tier::Small).available, 2u);
  EXPECT_EQ(pool.stats(Tier::Medium).available, 2u);
}

// Two flows on two threads allocate and release concurrently, each against its reservation; the
// reserved flow never fails, and every count is back to zero at the end.
TEST(Reservation, ConcurrentFlowsKeepTheirGuarantee) {
  BufferPool pool(pools(64, 0, 0));
  ReservationId calm = pool.add_reservation("calm", {8, 0, 0});
  ReservationId wild = pool.add_reservation("wild", {8, 0, 0});
  OwnerId a = pool.register_owner("calm/a", 0, calm);
  OwnerId b = pool.register_owner("wild/b", 0, wild);
  std::atomic<bool> go{false};
  std::atomic<uint64_t> calm_failures{0};
  std::thread hog([&] {
    while (!go.load()) std::this_thread::yield();
    for (int round = 0; round < 2000; ++round) {
      std::vector<BufferId> ids = take_all(pool, b, 0);
      for (BufferId id : ids) (void)pool.release(id);
    }
  });
  go.store(true);
  for (int round = 0; round < 20000; ++round) {
    BufferId ids[8];
    for (BufferId& id : ids) {
      auto r = pool.allocate(a, 0);
      if (!r) {
        calm_failures.fetch_add(1);
        id = BufferId{};
      } else {
        id = *r;
        (void)pool.take_in_transit(id);
      }
    }
    for (BufferId id : ids)
      if (id) (void)pool.release(id);
  }
  hog.join();
  EXPECT_EQ(calm_failures.load(), 0u);
  EXPECT_EQ(pool.reservation_stats(calm).in_use[0], 0u);
  EXPECT_EQ(pool.reservation_stats(wild).in_use[0], 0u);
  EXPECT_EQ(pool.stats(Tier::Small).available, 64u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

}  // namespace
}  // namespace torvyn::resources

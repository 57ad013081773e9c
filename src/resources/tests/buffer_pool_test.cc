// Allocation, tiers, fallback, ids and generations, budgets, ownership, stats.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "torvyn/resources/buffer_pool.h"

namespace torvyn::resources {
namespace {

PoolSizes small_pools(uint32_t s = 4, uint32_t m = 2, uint32_t l = 1, uint64_t huge = 8ull << 20) {
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

TEST(BufferId, PacksSlotAndGeneration) {
  BufferId id = BufferId::make(7, 3);
  EXPECT_EQ(id.slot(), 7u);
  EXPECT_EQ(id.generation(), 3u);
  EXPECT_TRUE(id);
  EXPECT_FALSE(BufferId{});
  EXPECT_TRUE(BufferId::make(0, 1));  // slot 0, generation 1 is a valid id
}

TEST(Tiers, Boundaries) {
  EXPECT_EQ(tier_for(0), Tier::Small);
  EXPECT_EQ(tier_for(4096), Tier::Small);
  EXPECT_EQ(tier_for(4097), Tier::Medium);
  EXPECT_EQ(tier_for(64 << 10), Tier::Medium);
  EXPECT_EQ(tier_for((64 << 10) + 1), Tier::Large);
  EXPECT_EQ(tier_for(1 << 20), Tier::Large);
  EXPECT_EQ(tier_for((1 << 20) + 1), Tier::Huge);
  EXPECT_EQ(tier_name(Tier::Medium), "medium");
}

TEST(BufferPool, DefaultReservation) {
  PoolSizes sizes;
  sizes.prefault = false;
  BufferPool pool(sizes);
  EXPECT_EQ(pool.reserved_bytes(), 21ull << 20);  // 1 + 4 + 16 MiB
  EXPECT_EQ(pool.stats(Tier::Small).total, 256u);
  EXPECT_EQ(pool.stats(Tier::Medium).total, 64u);
  EXPECT_EQ(pool.stats(Tier::Large).total, 16u);
  EXPECT_EQ(pool.stats(Tier::Large).bytes_limit, 16ull << 20);
  EXPECT_EQ(pool.stats(Tier::Huge).bytes_limit, 32ull << 20);
  EXPECT_EQ(pool.live_buffers(), 0u);
  EXPECT_EQ(pool.owner_count(), 1u);
  EXPECT_EQ(pool.owner_name(kHostOwner), "host");
}

TEST(BufferPool, PrefaultedPoolWorks) {
  BufferPool pool(PoolSizes{.small = 2, .medium = 1, .large = 1, .huge_bytes = 0, .prefault = true});
  BufferId id = must(pool.allocate(kHostOwner, 10));
  EXPECT_EQ(pool.get(id)->capacity, 4096u);
  EXPECT_TRUE(pool.release(id).ok());
}

TEST(BufferPool, ChoosesSmallestTierThatFits) {
  BufferPool pool(small_pools());
  struct Case { uint64_t hint; Tier tier; uint64_t cap; };
  for (Case c : {Case{0, Tier::Small, 4096}, Case{1, Tier::Small, 4096}, Case{4096, Tier::Small, 4096},
                 Case{4097, Tier::Medium, 65536}, Case{1 << 20, Tier::Large, 1 << 20},
                 Case{(1 << 20) + 1, Tier::Huge, (1 << 20) + 4096}}) {
    BufferId id = must(pool.allocate(kHostOwner, c.hint));
    const Buffer* b = pool.get(id);
    ASSERT_NE(b, nullptr) << c.hint;
    EXPECT_EQ(b->tier, c.tier) << c.hint;
    EXPECT_EQ(b->capacity, c.cap) << c.hint;
    EXPECT_EQ(b->size, 0u);
    EXPECT_EQ(b->state, BufferState::Owned);
    EXPECT_FALSE(b->frozen);
    EXPECT_EQ(b->owner, kHostOwner);
    EXPECT_EQ(b->generation, id.generation());
    EXPECT_NE(b->data, nullptr);
    EXPECT_TRUE(pool.release(id).ok());
  }
}

TEST(BufferPool, HintAboveCapIsRejected) {
  BufferPool pool(small_pools());
  auto r = pool.allocate(kHostOwner, kMaxBufferBytes + 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::BufferCapacityExceeded);
  // Exactly 16 MiB is allowed (on demand), given the budget for it.
  BufferPool big(small_pools(1, 1, 1, 16ull << 20));
  BufferId id = must(big.allocate(kHostOwner, kMaxBufferBytes));
  EXPECT_EQ(big.get(id)->capacity, kMaxBufferBytes);
}

TEST(BufferPool, ExhaustionFallsBackToLargerTiersThenOnDemand) {
  BufferPool pool(small_pools(2, 1, 1, 8192));
  std::vector<BufferId> ids;
  for (int i = 0; i < 2; ++i) ids.push_back(must(pool.allocate(kHostOwner, 100)));
  EXPECT_EQ(pool.stats(Tier::Small).available, 0u);
  EXPECT_EQ(pool.stats(Tier::Small).exhaustion_events, 0u);

  BufferId m = must(pool.allocate(kHostOwner, 100));  // small empty -> medium
  EXPECT_EQ(pool.get(m)->tier, Tier::Medium);
  EXPECT_EQ(pool.get(m)->capacity, 65536u);
  EXPECT_EQ(pool.stats(Tier::Small).exhaustion_events, 1u);

  BufferId l = must(pool.allocate(kHostOwner, 100));  // small, medium empty -> large
  EXPECT_EQ(pool.get(l)->tier, Tier::Large);
  EXPECT_EQ(pool.stats(Tier::Small).exhaustion_events, 2u);
  EXPECT_EQ(pool.stats(Tier::Medium).exhaustion_events, 1u);

  // Every tier empty: on-demand memory of the wanted tier's size (4 KiB), within huge_bytes.
  BufferId h1 = must(pool.allocate(kHostOwner, 100));
  EXPECT_EQ(pool.get(h1)->tier, Tier::Huge);
  EXPECT_EQ(pool.get(h1)->capacity, 4096u);
  EXPECT_EQ(pool.stats(Tier::Large).exhaustion_events, 1u);
  BufferId h2 = must(pool.allocate(kHostOwner, 100));
  EXPECT_EQ(pool.stats(Tier::Huge).in_use, 2u);
  EXPECT_EQ(pool.stats(Tier::Huge).bytes_in_use, 8192u);

  // huge_bytes spent: allocation fails and counts a Huge exhaustion event.
  auto r = pool.allocate(kHostOwner, 100);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::PoolExhausted);
  EXPECT_EQ(pool.stats(Tier::Huge).exhaustion_events, 1u);
  EXPECT_EQ(pool.live_buffers(), 6u);

  for (BufferId id : {ids[0], ids[1], m, l, h1, h2}) EXPECT_TRUE(pool.release(id).ok());
  EXPECT_EQ(pool.live_buffers(), 0u);
  EXPECT_EQ(pool.stats(Tier::Huge).bytes_in_use, 0u);
  for (Tier t : {Tier::Small, Tier::Medium, Tier::Large})
    EXPECT_EQ(pool.stats(t).available, pool.stats(t).total);
  EXPECT_EQ(pool.owner_bytes(kHostOwner), 0u);
}

TEST(BufferPool, ReleasedIdsGoStale) {
  BufferPool pool(small_pools(1, 0, 0, 0));
  BufferId a = must(pool.allocate(kHostOwner, 0));
  EXPECT_EQ(a.generation(), 1u);
  ASSERT_TRUE(pool.release(a).ok());
  EXPECT_EQ(pool.get(a), nullptr);

  BufferId b = must(pool.allocate(kHostOwner, 0));  // the same slot, the next generation
  EXPECT_EQ(b.slot(), a.slot());
  EXPECT_EQ(b.generation(), 2u);
  EXPECT_EQ(pool.get(a), nullptr);
  EXPECT_NE(pool.get(b), nullptr);
  for (Status st : {pool.write(a, 0, "x", 1), pool.freeze(a), pool.transfer(a, kHostOwner),
                    pool.set_state(a, BufferState::Transit), pool.reserve(a, 10)}) {
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::BufferStale);
  }
  EXPECT_FALSE(pool.get(b)->frozen);  // the stale freeze did not reach b
}

TEST(BufferPool, DoubleReleaseIsStale) {
  BufferPool pool(small_pools());
  BufferId a = must(pool.allocate(kHostOwner, 0));
  ASSERT_TRUE(pool.release(a).ok());
  Status again = pool.release(a);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::BufferStale);
  EXPECT_EQ(pool.stats(Tier::Small).available, 4u);  // not pushed twice
}

TEST(BufferPool, UnknownAndForgedIdsAreStale) {
  BufferPool pool(small_pools());
  EXPECT_EQ(pool.get(BufferId{}), nullptr);
  EXPECT_EQ(pool.get(BufferId::make(0, 1)), nullptr);      // slot exists, never handed out
  EXPECT_EQ(pool.get(BufferId::make(999999, 1)), nullptr); // no such slot
  EXPECT_EQ(pool.release(BufferId::make(999999, 1)).error().code, ErrorCode::BufferStale);
  EXPECT_EQ(pool.release(BufferId{}).error().code, ErrorCode::BufferStale);
  BufferId a = must(pool.allocate(kHostOwner, 0));
  EXPECT_EQ(pool.get(BufferId::make(a.slot(), a.generation() + 1)), nullptr);  // future generation
  EXPECT_EQ(pool.get(BufferId::make(a.slot(), 0)), nullptr);
}

TEST(BufferPool, BudgetsChargeCapacity) {
  BufferPool pool(small_pools(8, 2, 1));
  OwnerId c = pool.register_owner("filter", 3 * 4096);
  EXPECT_EQ(c, 1u);
  EXPECT_EQ(pool.owner_name(c), "filter");
  EXPECT_EQ(pool.owner_budget(c), 3u * 4096);
  std::vector<BufferId> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(must(pool.allocate(c, 10)));
  EXPECT_EQ(pool.owner_bytes(c), 3u * 4096);
  auto over = pool.allocate(c, 10);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::BudgetExceeded);
  EXPECT_EQ(pool.owner_bytes(c), 3u * 4096);  // the failed attempt charged nothing
  EXPECT_EQ(pool.stats(Tier::Small).in_use, 3u);
  ASSERT_TRUE(pool.release(ids.back()).ok());
  ids.pop_back();
  EXPECT_EQ(pool.owner_bytes(c), 2u * 4096);
  ids.push_back(must(pool.allocate(c, 10)));
  // A medium buffer never fits a 12 KiB budget.
  EXPECT_EQ(pool.allocate(c, 5000).error().code, ErrorCode::BudgetExceeded);
  for (BufferId id : ids) ASSERT_TRUE(pool.release(id).ok());
  EXPECT_EQ(pool.owner_bytes(c), 0u);
}

TEST(BufferPool, FallbackBlockMustFitTheBudgetToo) {
  BufferPool pool(small_pools(1, 1, 0, 0));
  OwnerId c = pool.register_owner("c", 8192);
  BufferId a = must(pool.allocate(c, 0));
  auto r = pool.allocate(c, 0);  // small is empty; the medium stand-in (64 KiB) is over budget
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::BudgetExceeded);
  EXPECT_EQ(pool.owner_bytes(c), 4096u);
  EXPECT_EQ(pool.stats(Tier::Medium).available, 1u);  // the stand-in went back
  EXPECT_TRUE(pool.release(a).ok());
}

TEST(BufferPool, UnknownOwnerIsRejected) {
  BufferPool pool(small_pools());
  EXPECT_EQ(pool.allocate(42, 0).error().code, ErrorCode::BufferOwnership);
  BufferId a = must(pool.allocate(kHostOwner, 0));
  EXPECT_EQ(pool.transfer(a, 42).error().code, ErrorCode::BufferOwnership);
  EXPECT_EQ(pool.owner_bytes(42), 0u);
  EXPECT_EQ(pool.owner_name(42), "");
}

TEST(BufferPool, TransferMovesOwnershipAndBudget) {
  BufferPool pool(small_pools());
  OwnerId src = pool.register_owner("source", 0);
  OwnerId snk = pool.register_owner("sink", 4096);
  BufferId a = must(pool.allocate(src, 10));
  BufferId b = must(pool.allocate(src, 10));
  EXPECT_EQ(pool.owner_bytes(src), 8192u);

  ASSERT_TRUE(pool.transfer(a, snk).ok());
  EXPECT_EQ(pool.get(a)->owner, snk);
  EXPECT_EQ(pool.owner_bytes(src), 4096u);
  EXPECT_EQ(pool.owner_bytes(snk), 4096u);

  Status over = pool.transfer(b, snk);  // the sink's budget is full
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::BudgetExceeded);
  EXPECT_EQ(pool.get(b)->owner, src);
  EXPECT_EQ(pool.owner_bytes(src), 4096u);
  EXPECT_EQ(pool.owner_bytes(snk), 4096u);

  ASSERT_TRUE(pool.transfer(a, snk).ok());  // to the current owner: no change
  EXPECT_EQ(pool.owner_bytes(snk), 4096u);
  ASSERT_TRUE(pool.transfer(a, kHostOwner).ok());
  EXPECT_EQ(pool.owner_bytes(snk), 0u);
  EXPECT_EQ(pool.owner_bytes(kHostOwner), 4096u);

  ASSERT_TRUE(pool.release(a).ok());  // credited to the owner at release time
  ASSERT_TRUE(pool.release(b).ok());
  EXPECT_EQ(pool.owner_bytes(kHostOwner), 0u);
  EXPECT_EQ(pool.owner_bytes(src), 0u);
}

TEST(BufferPool, TakeInTransitHandsTheBufferToTheHost) {
  BufferPool pool(small_pools());
  OwnerId src = pool.register_owner("source", 0);
  BufferId a = must(pool.allocate(src, 10));
  ASSERT_TRUE(pool.take_in_transit(a).ok());
  EXPECT_EQ(pool.get(a)->owner, kHostOwner);
  EXPECT_EQ(pool.get(a)->state, BufferState::Transit);
  EXPECT_EQ(pool.owner_bytes(src), 0u);
  EXPECT_EQ(pool.owner_bytes(kHostOwner), 4096u);
  ASSERT_TRUE(pool.take_in_transit(a).ok());  // already the host's: only the state
  EXPECT_EQ(pool.owner_bytes(kHostOwner), 4096u);
  ASSERT_TRUE(pool.release(a).ok());
  EXPECT_EQ(pool.take_in_transit(a).error().code, ErrorCode::BufferStale);
  EXPECT_EQ(pool.owner_bytes(kHostOwner), 0u);
}

TEST(BufferPool, CreateInTransitIsTheFiveCallsInOne) {
  BufferPool pool(small_pools());
  OwnerId comp = pool.register_owner("processor", 0);
  const char bytes[] = "0123456789";
  BufferId a = must(pool.create_in_transit(comp, bytes, 10, "text/plain"));
  const Buffer* b = pool.get(a);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(b->data), b->size), "0123456789");
  EXPECT_EQ(b->content_type, "text/plain");
  EXPECT_TRUE(b->frozen);
  EXPECT_EQ(b->owner, kHostOwner);
  EXPECT_EQ(b->state, BufferState::Transit);
  EXPECT_EQ(pool.owner_bytes(comp), 0u);
  EXPECT_EQ(pool.owner_bytes(kHostOwner), 4096u);
  EXPECT_EQ(pool.write(a, 0, "x", 1).error().code, ErrorCode::BufferFrozen);
  ASSERT_TRUE(pool.release(a).ok());
  // Empty payloads are buffers too.
  BufferId e = must(pool.create_in_transit(comp, nullptr, 0, ""));
  EXPECT_EQ(pool.get(e)->size, 0u);
  ASSERT_TRUE(pool.release(e).ok());
  EXPECT_EQ(pool.owner_bytes(kHostOwner), 0u);
}

TEST(BufferPool, CreateInTransitOverTheOwnersBudgetLeavesNothing) {
  BufferPool pool(small_pools());
  OwnerId comp = pool.register_owner("processor", 4096);
  BufferId held = must(pool.allocate(comp, 10));
  auto r = pool.create_in_transit(comp, "abc", 3, "text/plain");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::BudgetExceeded);
  EXPECT_EQ(pool.owner_budget_exceeded(comp), 1u);  // counted once, as allocate counts it
  EXPECT_EQ(pool.stats(Tier::Small).in_use, 1u);    // only `held`
  EXPECT_EQ(pool.owner_bytes(kHostOwner), 0u);
  ASSERT_TRUE(pool.release(held).ok());
  // With room, the owner's budget admits it and only the host is charged: the owner's bytes never
  // move (a buffer in transit is the host's).
  BufferId ok = must(pool.create_in_transit(comp, "abc", 3, "text/plain"));
  EXPECT_EQ(pool.owner_bytes(comp), 0u);
  EXPECT_EQ(pool.owner_bytes(kHostOwner), 4096u);
  ASSERT_TRUE(pool.release(ok).ok());
  EXPECT_EQ(pool.owner_bytes(kHostOwner), 0u);
}

TEST(BufferPool, StatesOnlyTheHolderMaySet) {
  BufferPool pool(small_pools());
  BufferId a = must(pool.allocate(kHostOwner, 0));
  for (BufferState s : {BufferState::Transit, BufferState::Owned}) {
    ASSERT_TRUE(pool.set_state(a, s).ok());
    EXPECT_EQ(pool.get(a)->state, s);
  }
  EXPECT_EQ(pool.set_state(a, BufferState::Pooled).error().code, ErrorCode::BufferOwnership);
  EXPECT_EQ(pool.set_state(a, BufferState::Freed).error().code, ErrorCode::BufferOwnership);
  ASSERT_TRUE(pool.set_state(a, BufferState::Transit).ok());
  EXPECT_TRUE(pool.release(a).ok());  // release works from any live state
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST(BufferPool, OwnedByFindsEverythingToReclaim) {
  BufferPool pool(small_pools(8, 2, 1, 8ull << 20));
  OwnerId a = pool.register_owner("a", 0);
  OwnerId b = pool.register_owner("b", 0);
  std::vector<BufferId> mine = {must(pool.allocate(a, 0)), must(pool.allocate(a, 5000)),
                                must(pool.allocate(a, 2 << 20))};  // pooled and on demand
  BufferId other = must(pool.allocate(b, 0));
  BufferId moved = must(pool.allocate(b, 0));
  ASSERT_TRUE(pool.transfer(moved, a).ok());
  mine.push_back(moved);
  BufferId gone = must(pool.allocate(a, 0));
  ASSERT_TRUE(pool.release(gone).ok());

  std::vector<BufferId> found = pool.owned_by(a);
  auto key = [](BufferId x, BufferId y) { return x.raw < y.raw; };
  std::sort(found.begin(), found.end(), key);
  std::sort(mine.begin(), mine.end(), key);
  EXPECT_EQ(found, mine);

  for (BufferId id : found) ASSERT_TRUE(pool.release(id).ok());  // tear-down reclaim
  EXPECT_TRUE(pool.owned_by(a).empty());
  EXPECT_EQ(pool.owner_bytes(a), 0u);
  EXPECT_EQ(pool.owned_by(b), std::vector<BufferId>{other});
}

TEST(BufferPool, StatsCountAllocationsAndReuses) {
  BufferPool pool(small_pools(2, 1, 1));
  TierStats s0 = pool.stats(Tier::Small);
  EXPECT_EQ(s0.buffer_bytes, 4096u);
  EXPECT_EQ(s0.total, 2u);
  EXPECT_EQ(s0.available, 2u);
  EXPECT_EQ(s0.in_use, 0u);

  BufferId a = must(pool.allocate(kHostOwner, 0));
  BufferId b = must(pool.allocate(kHostOwner, 0));
  TierStats s1 = pool.stats(Tier::Small);
  EXPECT_EQ(s1.available, 0u);
  EXPECT_EQ(s1.in_use, 2u);
  EXPECT_EQ(s1.allocations, 2u);
  EXPECT_EQ(s1.reuses, 0u);
  EXPECT_EQ(s1.bytes_in_use, 8192u);

  ASSERT_TRUE(pool.release(a).ok());
  BufferId c = must(pool.allocate(kHostOwner, 0));  // reuses a's block
  TierStats s2 = pool.stats(Tier::Small);
  EXPECT_EQ(s2.allocations, 3u);
  EXPECT_EQ(s2.reuses, 1u);
  EXPECT_EQ(s2.in_use, 2u);
  EXPECT_EQ(pool.live_buffers(), 2u);
  ASSERT_TRUE(pool.release(b).ok());
  ASSERT_TRUE(pool.release(c).ok());
  EXPECT_EQ(pool.stats(Tier::Small).available, 2u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST(BufferPool, OnDemandBuffersReuseSlots) {
  BufferPool pool(small_pools(1, 1, 1, 4ull << 20));
  for (int i = 0; i < 100; ++i) {
    BufferId id = must(pool.allocate(kHostOwner, 3 << 20));
    EXPECT_EQ(pool.get(id)->tier, Tier::Huge);
    EXPECT_EQ(pool.stats(Tier::Huge).bytes_in_use, 3u << 20);
    ASSERT_TRUE(pool.release(id).ok());
    EXPECT_EQ(pool.get(id), nullptr);
  }
  EXPECT_EQ(pool.stats(Tier::Huge).allocations, 100u);
  EXPECT_EQ(pool.stats(Tier::Huge).in_use, 0u);
  EXPECT_EQ(pool.stats(Tier::Huge).bytes_in_use, 0u);
  // Two at once do not fit 4 MiB.
  BufferId a = must(pool.allocate(kHostOwner, 3 << 20));
  EXPECT_EQ(pool.allocate(kHostOwner, 3 << 20).error().code, ErrorCode::PoolExhausted);
  ASSERT_TRUE(pool.release(a).ok());
}

TEST(BufferPool, ReleaseResetsTheBuffer) {
  BufferPool pool(small_pools(1, 0, 0, 0));
  BufferId a = must(pool.allocate(kHostOwner, 0));
  ASSERT_TRUE(pool.append(a, "hello", 5).ok());
  ASSERT_TRUE(pool.set_content_type(a, "text/plain").ok());
  ASSERT_TRUE(pool.freeze(a).ok());
  ASSERT_TRUE(pool.release(a).ok());
  BufferId b = must(pool.allocate(kHostOwner, 0));
  const Buffer* buf = pool.get(b);
  EXPECT_EQ(buf->size, 0u);
  EXPECT_FALSE(buf->frozen);
  EXPECT_TRUE(buf->content_type.empty());
  EXPECT_EQ(buf->state, BufferState::Owned);
}

// Fan-out: one payload, several holders; the pool frees it on the last holder's release.
TEST(BufferPool, SharedBufferReturnsOnTheLastRelease) {
  BufferPool pool(small_pools());
  BufferId id = must(pool.allocate(kHostOwner, 64));
  EXPECT_EQ(pool.extra_holders(id), 0u);
  ASSERT_TRUE(pool.share(id, 2).ok());
  EXPECT_EQ(pool.extra_holders(id), 2u);
  EXPECT_TRUE(pool.release(id).ok());
  EXPECT_TRUE(pool.release(id).ok());
  ASSERT_NE(pool.get(id), nullptr);  // one holder left
  EXPECT_EQ(pool.stats(Tier::Small).in_use, 1u);
  EXPECT_TRUE(pool.release(id).ok());
  EXPECT_EQ(pool.get(id), nullptr);
  EXPECT_EQ(pool.stats(Tier::Small).in_use, 0u);
  EXPECT_EQ(pool.release(id).error().code, ErrorCode::BufferStale);
  // The slot's next buffer starts unshared.
  BufferId again = must(pool.allocate(kHostOwner, 64));
  EXPECT_EQ(pool.extra_holders(again), 0u);
  EXPECT_TRUE(pool.release(again).ok());
  EXPECT_EQ(pool.stats(Tier::Small).in_use, 0u);
}

TEST(BufferPool, SharingAStaleBufferIsRefused) {
  BufferPool pool(small_pools());
  BufferId id = must(pool.allocate(kHostOwner, 64));
  ASSERT_TRUE(pool.release(id).ok());
  EXPECT_EQ(pool.share(id, 1).error().code, ErrorCode::BufferStale);
  EXPECT_EQ(pool.share(BufferId{}, 1).error().code, ErrorCode::BufferStale);
}

TEST(BufferPool, SharingPastTheHolderCountLimitIsRefused) {
  BufferPool pool(small_pools());
  BufferId id = must(pool.allocate(kHostOwner, 64));
  ASSERT_TRUE(pool.share(id, UINT32_MAX).ok());
  EXPECT_EQ(pool.share(id, 1).error().code, ErrorCode::BufferOwnership);
  EXPECT_EQ(pool.extra_holders(id), UINT32_MAX);
}

}  // namespace
}  // namespace torvyn::resources

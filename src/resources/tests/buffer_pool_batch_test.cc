// The batch forms of create_in_transit and release against the single-buffer calls they stand
// for: each test runs the same requests one by one on a twin pool and compares everything the
// pool lets anyone see (ids, bytes, content types, states, budgets, statistics, reservations,
// errors), including where a budget, a reservation or a tier runs out inside a batch.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "torvyn/resources/buffer_pool.h"

namespace torvyn::resources {
namespace {

using Piece = BufferPool::TransitPiece;

PoolSizes pools(uint32_t s, uint32_t m, uint32_t l, uint64_t huge) {
  return PoolSizes{.small = s, .medium = m, .large = l, .huge_bytes = huge, .prefault = false};
}

// Payloads of the given sizes, each filled with its own index.
struct Payloads {
  std::vector<std::string> bytes;
  std::vector<Piece> pieces;
  Payloads(std::initializer_list<uint64_t> sizes, std::string_view type = "application/octet-stream") {
    for (uint64_t n : sizes) bytes.emplace_back(n, static_cast<char>('a' + bytes.size() % 26));
    for (const std::string& b : bytes) pieces.push_back(Piece{b.data(), b.size(), type});
  }
};

struct Outcome {
  std::vector<BufferId> ids;
  bool refused = false;
  ErrorCode code{};
  std::string message;
};

Outcome batch(BufferPool& pool, OwnerId owner, std::span<const Piece> pieces) {
  Outcome o;
  o.ids.resize(pieces.size());
  Error refused(ErrorCode::Internal, "");
  size_t made = pool.create_in_transit(owner, pieces, o.ids.data(), refused);
  o.ids.resize(made);
  if (made < pieces.size()) {
    o.refused = true;
    o.code = refused.code;
    o.message = refused.message;
  }
  return o;
}

Outcome singles(BufferPool& pool, OwnerId owner, std::span<const Piece> pieces) {
  Outcome o;
  for (const Piece& p : pieces) {
    auto id = pool.create_in_transit(owner, p.bytes, p.len, p.content_type);
    if (!id) {
      o.refused = true;
      o.code = id.error().code;
      o.message = id.error().message;
      break;
    }
    o.ids.push_back(*id);
  }
  return o;
}

// Everything observable of two pools, which should have seen the same requests.
void expect_same(const BufferPool& a, const BufferPool& b, std::initializer_list<OwnerId> owners) {
  for (Tier t : {Tier::Small, Tier::Medium, Tier::Large, Tier::Huge}) {
    TierStats x = a.stats(t), y = b.stats(t);
    EXPECT_EQ(x.available, y.available) << tier_name(t);
    EXPECT_EQ(x.in_use, y.in_use) << tier_name(t);
    EXPECT_EQ(x.allocations, y.allocations) << tier_name(t);
    EXPECT_EQ(x.reuses, y.reuses) << tier_name(t);
    EXPECT_EQ(x.exhaustion_events, y.exhaustion_events) << tier_name(t);
    EXPECT_EQ(x.bytes_in_use, y.bytes_in_use) << tier_name(t);
  }
  EXPECT_EQ(a.live_buffers(), b.live_buffers());
  for (OwnerId o : owners) {
    EXPECT_EQ(a.owner_bytes(o), b.owner_bytes(o)) << "owner " << o;
    EXPECT_EQ(a.owner_budget_exceeded(o), b.owner_budget_exceeded(o)) << "owner " << o;
  }
}

void expect_same_buffers(const BufferPool& a, const Outcome& x, const BufferPool& b, const Outcome& y) {
  ASSERT_EQ(x.ids.size(), y.ids.size());
  EXPECT_EQ(x.refused, y.refused);
  EXPECT_EQ(x.code, y.code);
  EXPECT_EQ(x.message, y.message);
  for (size_t i = 0; i < x.ids.size(); ++i) {
    EXPECT_EQ(x.ids[i], y.ids[i]) << i;  // the same slots, in the same order
    const Buffer* p = a.get(x.ids[i]);
    const Buffer* q = b.get(y.ids[i]);
    ASSERT_TRUE(p && q) << i;
    EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(p->data), p->size),
              std::string_view(reinterpret_cast<const char*>(q->data), q->size));
    EXPECT_EQ(p->content_type, q->content_type);
    EXPECT_EQ(p->state, BufferState::Transit);
    EXPECT_TRUE(p->frozen);
    EXPECT_EQ(p->owner, kHostOwner);
    EXPECT_EQ(p->tier, q->tier);
    EXPECT_EQ(p->capacity, q->capacity);
  }
}

TEST(PoolBatch, CreateIsTheSingleCallsInOrder) {
  BufferPool a(pools(8, 4, 2, 8u << 20)), b(pools(8, 4, 2, 8u << 20));
  OwnerId oa = a.register_owner("c", 0), ob = b.register_owner("c", 0);
  // Runs of one tier, a change of tier, an empty payload, an on-demand one, mixed content types.
  Payloads in({64, 64, 0, 5000, 5000, 64, 2u << 20, 64});
  in.pieces[5].content_type = "text/plain";
  Outcome x = batch(a, oa, in.pieces), y = singles(b, ob, in.pieces);
  expect_same_buffers(a, x, b, y);
  expect_same(a, b, {kHostOwner, oa});
  // Slots coming back a second time (reuses, and content types left in them).
  ASSERT_EQ(a.release(x.ids), 0u);
  for (BufferId id : y.ids) ASSERT_TRUE(b.release(id).ok());
  Outcome x2 = batch(a, oa, in.pieces), y2 = singles(b, ob, in.pieces);
  expect_same_buffers(a, x2, b, y2);
  expect_same(a, b, {kHostOwner, oa});
}

TEST(PoolBatch, ATierRunningOutInsideARunFallsBackAsOneByOne) {
  BufferPool a(pools(3, 2, 1, 4096)), b(pools(3, 2, 1, 4096));
  OwnerId oa = a.register_owner("c", 0), ob = b.register_owner("c", 0);
  Payloads in({10, 10, 10, 10, 10, 10, 10, 10});  // 3 small, 2 medium, 1 large, 1 on demand, then none
  Outcome x = batch(a, oa, in.pieces), y = singles(b, ob, in.pieces);
  expect_same_buffers(a, x, b, y);
  expect_same(a, b, {kHostOwner, oa});
  EXPECT_TRUE(x.refused);
  EXPECT_EQ(x.code, ErrorCode::PoolExhausted);
}

TEST(PoolBatch, TheOwnersBudgetIsCheckedAsOneByOne) {
  BufferPool a(pools(8, 4, 2, 0)), b(pools(8, 4, 2, 0));
  // Room for a small block but not a medium one: the run of small ones goes, the medium one is refused.
  OwnerId oa = a.register_owner("c", 10000), ob = b.register_owner("c", 10000);
  Payloads in({64, 64, 64, 5000, 64});
  Outcome x = batch(a, oa, in.pieces), y = singles(b, ob, in.pieces);
  expect_same_buffers(a, x, b, y);
  expect_same(a, b, {kHostOwner, oa});
  EXPECT_EQ(x.ids.size(), 3u);
  EXPECT_EQ(x.code, ErrorCode::BudgetExceeded);
  EXPECT_EQ(a.owner_budget_exceeded(oa), 1u);
  EXPECT_EQ(a.owner_bytes(oa), 0u);  // checked, not charged: the host holds them
}

TEST(PoolBatch, AReserveEndingInsideARunIsCountedAsOneByOne) {
  BufferPool a(pools(8, 4, 0, 0)), b(pools(8, 4, 0, 0));
  ReservationId ra = a.add_reservation("flow", {3, 0, 0}), rb = b.add_reservation("flow", {3, 0, 0});
  ReservationId qa = a.add_reservation("other", {3, 0, 0}), qb = b.add_reservation("other", {3, 0, 0});
  OwnerId oa = a.register_owner("c", 0, ra), ob = b.register_owner("c", 0, rb);
  OwnerId pa = a.register_owner("d", 0, qa), pb = b.register_owner("d", 0, qb);
  Payloads in({1, 1, 1, 1, 1, 1, 1});  // 3 reserved + 2 shared small, then medium
  Outcome x = batch(a, oa, in.pieces), y = singles(b, ob, in.pieces);
  expect_same_buffers(a, x, b, y);
  expect_same(a, b, {kHostOwner, oa, pa});
  EXPECT_EQ(a.reservation_stats(ra).in_use, b.reservation_stats(rb).in_use);
  // The other flow still has its 3 reserved small blocks.
  Outcome z = batch(a, pa, Payloads({1, 1, 1}).pieces);
  EXPECT_FALSE(z.refused);
  for (BufferId id : z.ids) EXPECT_EQ(a.get(id)->tier, Tier::Small);
  (void)pb;
  // Back in one step: the reservation's count and the shared part go down as one by one.
  ASSERT_EQ(a.release(x.ids), 0u);
  for (BufferId id : y.ids) ASSERT_TRUE(b.release(id).ok());
  EXPECT_EQ(a.reservation_stats(ra).in_use, b.reservation_stats(rb).in_use);
  ASSERT_EQ(a.release(z.ids), 0u);
  Outcome again = batch(a, oa, in.pieces);
  EXPECT_EQ(again.ids.size(), x.ids.size());  // nothing was lost from the shared part
}

TEST(PoolBatch, AnUnknownOwnerIsRefusedAtTheFirstPiece) {
  BufferPool a(pools(8, 0, 0, 0));
  Payloads in({1, 2});
  Outcome x = batch(a, 77, in.pieces);
  EXPECT_TRUE(x.ids.empty());
  EXPECT_EQ(x.code, ErrorCode::BufferOwnership);
  EXPECT_EQ(a.live_buffers(), 0u);
}

TEST(PoolBatch, ReleaseIsTheSingleCallsInOrder) {
  BufferPool a(pools(8, 4, 2, 8u << 20)), b(pools(8, 4, 2, 8u << 20));
  OwnerId oa = a.register_owner("c", 0), ob = b.register_owner("c", 0);
  Payloads in({64, 5000, 64, 2u << 20, 64, 100000});
  Outcome x = batch(a, oa, in.pieces), y = singles(b, ob, in.pieces);
  // One owned by the component (not in transit), one shared by two holders, one stale id.
  auto owned_a = a.allocate(oa, 10), owned_b = b.allocate(ob, 10);
  ASSERT_TRUE(owned_a && owned_b);
  ASSERT_TRUE(a.share(x.ids[2], 1).ok());
  ASSERT_TRUE(b.share(y.ids[2], 1).ok());
  std::vector<BufferId> ra = x.ids, rb = y.ids;
  ra.push_back(*owned_a);
  rb.push_back(*owned_b);
  ra.push_back(x.ids[0]);  // released twice: stale the second time
  rb.push_back(y.ids[0]);
  size_t stale_b = 0;
  for (BufferId id : rb) stale_b += !b.release(id).ok();
  EXPECT_EQ(a.release(ra), stale_b);
  EXPECT_EQ(stale_b, 1u);
  expect_same(a, b, {kHostOwner, oa});
  EXPECT_EQ(a.live_buffers(), 1u);  // the shared one, held once more
  EXPECT_NE(a.get(x.ids[2]), nullptr);
  EXPECT_EQ(a.get(x.ids[1]), nullptr);
  // The free lists are in the same order: the next buffers take the same slots.
  Outcome x2 = batch(a, oa, in.pieces), y2 = singles(b, ob, in.pieces);
  expect_same_buffers(a, x2, b, y2);
  EXPECT_EQ(a.release(x2.ids), 0u);
  EXPECT_EQ(a.release(std::vector<BufferId>{x.ids[2]}), 0u);
  EXPECT_EQ(a.live_buffers(), 0u);
  EXPECT_EQ(a.owner_bytes(kHostOwner), 0u);
  EXPECT_EQ(a.owner_bytes(oa), 0u);
}

// Batches and single calls from four threads on small tiers (runs often find too few blocks and
// fall back; free-list walks race with pops and pushes): nothing is handed out twice and
// everything comes back.
TEST(PoolBatch, ConcurrentBatchesAndSinglesKeepThePoolWhole) {
  BufferPool pool(pools(40, 8, 2, 4u << 20));
  constexpr int kThreads = 4;
  constexpr int kRounds = 20000;
  std::atomic<uint64_t> corrupt{0}, failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      OwnerId owner = pool.register_owner("t" + std::to_string(t), 0);
      std::vector<uint32_t> tags(12);
      std::vector<std::vector<uint8_t>> src(12, std::vector<uint8_t>(5000));
      std::vector<Piece> pieces(12);
      std::vector<BufferId> ids(12);
      for (int r = 0; r < kRounds; ++r) {
        size_t n = 1 + (r * 7 + t) % 12;
        for (size_t i = 0; i < n; ++i) {
          tags[i] = static_cast<uint32_t>(t << 24 | (r & 0xffff) << 4 | i);
          std::memcpy(src[i].data(), &tags[i], 4);
          pieces[i] = Piece{src[i].data(), (r + i) % 17 == 0 ? 5000u : 4u, "x/y"};
        }
        size_t made = 0;
        if (r % 3 == 0) {
          for (; made < n; ++made) {
            auto id = pool.create_in_transit(owner, pieces[made].bytes, pieces[made].len, "x/y");
            if (!id) break;
            ids[made] = *id;
          }
        } else {
          Error refused(ErrorCode::Internal, "");
          made = pool.create_in_transit(owner, std::span(pieces.data(), n), ids.data(), refused);
          if (made < n && refused.code != ErrorCode::PoolExhausted) failures.fetch_add(1);
        }
        for (size_t i = 0; i < made; ++i) {
          const Buffer* b = pool.get(ids[i]);
          uint32_t seen = 0;
          if (!b || b->size < 4) {
            failures.fetch_add(1);
            continue;
          }
          std::memcpy(&seen, b->data, 4);
          if (seen != tags[i]) corrupt.fetch_add(1);
        }
        if (r % 2 == 0) {
          if (pool.release(std::span(ids.data(), made)) != 0) failures.fetch_add(1);
        } else {
          for (size_t i = 0; i < made; ++i)
            if (!pool.release(ids[i]).ok()) failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(corrupt.load(), 0u);
  EXPECT_EQ(failures.load(), 0u);
  for (Tier t : {Tier::Small, Tier::Medium, Tier::Large}) {
    TierStats st = pool.stats(t);
    EXPECT_EQ(st.available, st.total) << tier_name(t);
    EXPECT_EQ(st.in_use, 0u) << tier_name(t);
  }
  EXPECT_EQ(pool.live_buffers(), 0u);
  EXPECT_EQ(pool.owner_bytes(kHostOwner), 0u);
}

}  // namespace
}  // namespace torvyn::resources

// Reads, writes, appends, freezing, and growth with reserve across tiers up to the 16 MiB cap.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "torvyn/resources/buffer_pool.h"

namespace torvyn::resources {
namespace {

PoolSizes pools(uint32_t s, uint32_t m, uint32_t l, uint64_t huge) {
  return PoolSizes{.small = s, .medium = m, .large = l, .huge_bytes = huge, .prefault = false};
}

BufferId must(Result<BufferId> r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? *r : BufferId{};
}

std::string contents(BufferPool& pool, BufferId id) {
  const Buffer* b = pool.get(id);
  return b ? std::string(reinterpret_cast<const char*>(b->data), b->size) : "<stale>";
}

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

TEST(BufferIo, WriteAppendRead) {
  BufferPool pool(pools(2, 1, 1, 0));
  BufferId id = must(pool.allocate(kHostOwner, 64));
  ASSERT_TRUE(pool.append(id, "hello", 5).ok());
  ASSERT_TRUE(pool.append(id, " world", 6).ok());
  EXPECT_EQ(contents(pool, id), "hello world");
  ASSERT_TRUE(pool.write(id, 0, "J", 1).ok());        // overwrite inside
  ASSERT_TRUE(pool.write(id, 9, "ld!!", 4).ok());     // overlaps the end: extends
  EXPECT_EQ(contents(pool, id), "Jello world!!");
  ASSERT_TRUE(pool.write(id, 13, "", 0).ok());        // empty write at the end
  EXPECT_EQ(pool.get(id)->size, 13u);

  char out[32] = {};
  auto n = pool.read(id, 6, out, sizeof out);  // short read past the end
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 7u);
  EXPECT_EQ(std::string(out, *n), "world!!");
  EXPECT_EQ(*pool.read(id, 13, out, 4), 0u);   // at the end
  EXPECT_EQ(*pool.read(id, 100, out, 4), 0u);  // past the end: no error
  EXPECT_EQ(*pool.read(id, 0, out, 5), 5u);
  EXPECT_EQ(std::string(out, 5), "Jello");
}

TEST(BufferIo, WriteBeyondSizeIsOutOfBounds) {
  BufferPool pool(pools(2, 1, 1, 0));
  BufferId id = must(pool.allocate(kHostOwner, 0));
  Status st = pool.write(id, 1, "x", 1);  // a hole would expose old memory
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::BufferOutOfBounds);
  ASSERT_TRUE(pool.append(id, "abc", 3).ok());
  EXPECT_EQ(pool.write(id, 4, "x", 1).error().code, ErrorCode::BufferOutOfBounds);
  EXPECT_TRUE(pool.write(id, 3, "x", 1).ok());  // offset == size is an append
  EXPECT_EQ(contents(pool, id), "abcx");
}

TEST(BufferIo, WriteOverflowAndCap) {
  BufferPool pool(pools(2, 1, 1, 0));
  BufferId id = must(pool.allocate(kHostOwner, 0));
  ASSERT_TRUE(pool.append(id, "abc", 3).ok());
  // offset + len wraps around 64 bits: must not pass as a small write.
  EXPECT_EQ(pool.write(id, 3, "x", ~uint64_t{0}).error().code, ErrorCode::BufferCapacityExceeded);
  EXPECT_EQ(pool.write(id, 0, "x", kMaxBufferBytes + 1).error().code, ErrorCode::BufferCapacityExceeded);
  EXPECT_EQ(contents(pool, id), "abc");
}

TEST(BufferIo, FrozenRejectsChanges) {
  BufferPool pool(pools(2, 1, 1, 0));
  BufferId id = must(pool.allocate(kHostOwner, 0));
  ASSERT_TRUE(pool.append(id, "data", 4).ok());
  ASSERT_TRUE(pool.set_content_type(id, "application/octet-stream").ok());
  ASSERT_TRUE(pool.freeze(id).ok());
  ASSERT_TRUE(pool.freeze(id).ok());  // idempotent
  EXPECT_TRUE(pool.get(id)->frozen);
  for (Status st : {pool.write(id, 0, "x", 1), pool.append(id, "x", 1), pool.reserve(id, 100000),
                    pool.set_content_type(id, "text/plain")}) {
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::BufferFrozen);
  }
  EXPECT_EQ(contents(pool, id), "data");
  EXPECT_EQ(pool.get(id)->content_type, "application/octet-stream");
  char out[4];
  EXPECT_EQ(*pool.read(id, 0, out, 4), 4u);  // reads still work
}

TEST(BufferIo, ReserveGrowsAcrossTiersKeepingIdAndBytes) {
  BufferPool pool(pools(2, 1, 1, 32ull << 20));
  OwnerId c = pool.register_owner("c", 0);
  BufferId id = must(pool.allocate(c, 0));
  std::string data = pattern(3000);
  ASSERT_TRUE(pool.append(id, data.data(), data.size()).ok());
  ASSERT_TRUE(pool.reserve(id, 100).ok());  // already fits: no change
  EXPECT_EQ(pool.get(id)->tier, Tier::Small);

  ASSERT_TRUE(pool.reserve(id, 5000).ok());
  EXPECT_EQ(pool.get(id)->tier, Tier::Medium);
  EXPECT_EQ(pool.get(id)->capacity, 65536u);
  EXPECT_EQ(contents(pool, id), data);
  EXPECT_EQ(pool.owner_bytes(c), 65536u);
  EXPECT_EQ(pool.stats(Tier::Small).available, 2u);  // the small block went back
  EXPECT_EQ(pool.stats(Tier::Medium).in_use, 1u);

  ASSERT_TRUE(pool.reserve(id, 70000).ok());
  EXPECT_EQ(pool.get(id)->tier, Tier::Large);
  EXPECT_EQ(contents(pool, id), data);
  EXPECT_EQ(pool.stats(Tier::Medium).available, 1u);

  ASSERT_TRUE(pool.reserve(id, 3 << 20).ok());  // past Large: on-demand memory
  EXPECT_EQ(pool.get(id)->tier, Tier::Huge);
  EXPECT_EQ(pool.get(id)->capacity, 3u << 20);
  EXPECT_EQ(contents(pool, id), data);
  EXPECT_EQ(pool.stats(Tier::Large).available, 1u);
  EXPECT_EQ(pool.owner_bytes(c), 3u << 20);

  ASSERT_TRUE(pool.reserve(id, kMaxBufferBytes).ok());  // on-demand grows in place (realloc)
  EXPECT_EQ(pool.get(id)->capacity, kMaxBufferBytes);
  EXPECT_EQ(contents(pool, id), data);
  Status cap = pool.reserve(id, kMaxBufferBytes + 1);
  ASSERT_FALSE(cap.ok());
  EXPECT_EQ(cap.error().code, ErrorCode::BufferCapacityExceeded);

  ASSERT_TRUE(pool.release(id).ok());
  EXPECT_EQ(pool.owner_bytes(c), 0u);
  EXPECT_EQ(pool.live_buffers(), 0u);
  EXPECT_EQ(pool.stats(Tier::Huge).bytes_in_use, 0u);
  for (Tier t : {Tier::Small, Tier::Medium, Tier::Large}) EXPECT_EQ(pool.stats(t).available, pool.stats(t).total);

  // Every pooled block is still usable after the blocks moved between slots.
  std::vector<BufferId> all;
  for (int i = 0; i < 2; ++i) all.push_back(must(pool.allocate(c, 0)));
  all.push_back(must(pool.allocate(c, 5000)));
  all.push_back(must(pool.allocate(c, 70000)));
  EXPECT_EQ(pool.get(all[0])->tier, Tier::Small);
  EXPECT_EQ(pool.get(all[2])->tier, Tier::Medium);
  EXPECT_EQ(pool.get(all[3])->tier, Tier::Large);
  for (BufferId b : all) ASSERT_TRUE(pool.release(b).ok());
}

TEST(BufferIo, AppendGrowsThroughEveryTier) {
  BufferPool pool(pools(4, 2, 2, 16ull << 20));
  BufferId id = must(pool.allocate(kHostOwner, 0));
  std::string chunk = pattern(50000);
  std::string expect;
  while (expect.size() + chunk.size() <= (5u << 20)) {
    ASSERT_TRUE(pool.append(id, chunk.data(), chunk.size()).ok()) << expect.size();
    expect += chunk;
  }
  EXPECT_EQ(pool.get(id)->tier, Tier::Huge);
  EXPECT_EQ(pool.get(id)->size, expect.size());
  EXPECT_EQ(contents(pool, id), expect);
  ASSERT_TRUE(pool.release(id).ok());
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST(BufferIo, AppendToTheCap) {
  BufferPool pool(pools(1, 1, 1, 16ull << 20));
  BufferId id = must(pool.allocate(kHostOwner, 0));
  std::vector<uint8_t> mib(1 << 20, 0x5a);
  for (int i = 0; i < 16; ++i) ASSERT_TRUE(pool.append(id, mib.data(), mib.size()).ok()) << i;
  EXPECT_EQ(pool.get(id)->size, kMaxBufferBytes);
  Status st = pool.append(id, "x", 1);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::BufferCapacityExceeded);
  EXPECT_EQ(pool.get(id)->size, kMaxBufferBytes);
}

TEST(BufferIo, GrowthFallsBackToExactSizeWithinBudget) {
  BufferPool pool(pools(1, 1, 1, 16ull << 20));
  // Budget for exactly 3 MiB: doubling past it must settle for the exact size.
  OwnerId c = pool.register_owner("c", 3u << 20);
  BufferId id = must(pool.allocate(c, (2u << 20)));
  std::vector<uint8_t> bytes((2u << 20) + 100, 1);
  ASSERT_TRUE(pool.write(id, 0, bytes.data(), bytes.size()).ok());
  EXPECT_LE(pool.get(id)->capacity, 3u << 20);
  EXPECT_EQ(pool.get(id)->size, bytes.size());
  std::vector<uint8_t> more(1u << 20, 2);
  Status st = pool.append(id, more.data(), more.size());  // 3 MiB + 100 > budget
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::BudgetExceeded);
  EXPECT_EQ(pool.get(id)->size, bytes.size());  // unchanged
}

TEST(BufferIo, ReserveFailsCleanlyWhenEverythingIsSpent) {
  BufferPool pool(pools(1, 1, 0, 0));
  BufferId a = must(pool.allocate(kHostOwner, 0));
  BufferId b = must(pool.allocate(kHostOwner, 5000));
  ASSERT_TRUE(pool.append(a, "keep", 4).ok());
  uint64_t before = pool.owner_bytes(kHostOwner);
  Status st = pool.reserve(a, 5000);  // medium taken, no large tier, no on-demand budget
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::PoolExhausted);
  EXPECT_EQ(contents(pool, a), "keep");
  EXPECT_EQ(pool.get(a)->tier, Tier::Small);
  EXPECT_EQ(pool.owner_bytes(kHostOwner), before);
  EXPECT_EQ(pool.stats(Tier::Medium).exhaustion_events, 1u);
  EXPECT_EQ(pool.stats(Tier::Huge).exhaustion_events, 1u);
  ASSERT_TRUE(pool.release(a).ok());
  ASSERT_TRUE(pool.release(b).ok());
}

TEST(BufferIo, ReserveOverBudgetLeavesBufferAlone) {
  BufferPool pool(pools(2, 1, 1, 0));
  OwnerId c = pool.register_owner("c", 10000);
  BufferId a = must(pool.allocate(c, 0));
  ASSERT_TRUE(pool.append(a, "x", 1).ok());
  EXPECT_EQ(pool.reserve(a, 5000).error().code, ErrorCode::BudgetExceeded);
  EXPECT_EQ(pool.get(a)->capacity, 4096u);
  EXPECT_EQ(pool.owner_bytes(c), 4096u);
  EXPECT_EQ(pool.stats(Tier::Medium).available, 1u);
}

}  // namespace
}  // namespace torvyn::resources

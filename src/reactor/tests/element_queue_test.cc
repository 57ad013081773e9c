#include "torvyn/reactor/element_queue.h"

#include <gtest/gtest.h>

namespace torvyn::reactor {
namespace {

TEST(ElementQueue, CreditWatermarksAndStats) {
  ElementQueue q(4, 0.5);
  Element e;
  EXPECT_EQ(q.credit(), 4u);
  for (uint64_t i = 0; i < 3; ++i) {
    e.sequence = i;
    EXPECT_FALSE(q.push(e));
  }
  e.sequence = 3;
  EXPECT_TRUE(q.push(e));  // full: backpressure on
  EXPECT_TRUE(q.backpressured());
  EXPECT_EQ(q.credit(), 0u);
  Element out;
  EXPECT_FALSE(q.pop(out));  // 3 left, low watermark is 2
  EXPECT_EQ(out.sequence, 0u);
  EXPECT_TRUE(q.pop(out));  // 2 left: off
  EXPECT_FALSE(q.backpressured());
  EXPECT_EQ(q.stats.backpressure_events.get(), 1u);
  EXPECT_EQ(q.stats.peak_depth.get(), 4u);
  EXPECT_EQ(q.stats.depth.get(), 2u);
  // Wraps around in order.
  for (uint64_t i = 4; i < 6; ++i) {
    e.sequence = i;
    q.push(e);
  }
  for (uint64_t want = 2; want < 6; ++want) {
    q.pop(out);
    EXPECT_EQ(out.sequence, want);
  }
  EXPECT_TRUE(q.empty());
}

// A capacity that is not a power of two: the ring is larger (positions wrap with a mask), but the
// queue is full at its capacity and keeps its order over many wraps, read in place too.
TEST(ElementQueue, ACapacityNotAPowerOfTwoHoldsExactlyThatManyInOrder) {
  ElementQueue q(5, 0.4);
  Element e, out;
  uint64_t next_in = 0, next_out = 0;
  for (int round = 0; round < 40; ++round) {
    while (!q.full()) {
      e.sequence = next_in++;
      q.push(e);
    }
    ASSERT_EQ(q.size(), 5u);
    ASSERT_EQ(q.credit(), 0u);
    for (uint32_t i = 0; i < q.size(); ++i) ASSERT_EQ(q.at(i).sequence, next_out + i);
    const int take = 1 + round % 5;
    for (int k = 0; k < take; ++k) {
      q.pop(out);
      ASSERT_EQ(out.sequence, next_out++);
    }
  }
  EXPECT_EQ(q.capacity(), 5u);
  EXPECT_EQ(q.stats.peak_depth.get(), 5u);
}

}  // namespace
}  // namespace torvyn::reactor

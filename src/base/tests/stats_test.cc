#include "torvyn/base/stats.h"

#include <gtest/gtest.h>

namespace torvyn {
namespace {

TEST(Histogram, BucketsCoverEveryValueWithinAnEighth) {
  for (uint64_t v : {0ull, 1ull, 7ull, 8ull, 9ull, 15ull, 16ull, 100ull, 1000ull, 123456789ull, (1ull << 62) + 5}) {
    int i = Histogram::index(v);
    ASSERT_LT(i, Histogram::kBuckets);
    EXPECT_GE(Histogram::upper(i), v);
    if (i > 0) {
      EXPECT_LT(Histogram::upper(i - 1), v) << v;
    }
    EXPECT_LE(Histogram::upper(i), v + v / 8 + 1) << v;
  }
}

TEST(Histogram, Quantiles) {
  Histogram h;
  for (uint64_t v = 1; v <= 1000; ++v) h.record(v);
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_NEAR(double(h.quantile(0.5)), 500, 500 * 0.13);
  EXPECT_NEAR(double(h.quantile(0.99)), 990, 990 * 0.13);
  EXPECT_EQ(h.quantile(1.0), 1000u);
  EXPECT_EQ(h.max(), 1000u);
  EXPECT_EQ(h.count_at_most(7), 7u);
}

TEST(Histogram, CountsOfAWindow) {
  Histogram h;
  for (uint64_t v = 1; v <= 1000; ++v) h.record(1000000);  // a slow warm-up
  HistogramCounts start = h.counts();
  EXPECT_EQ(start.quantile(0.5), h.quantile(0.5));
  for (uint64_t v = 1; v <= 1000; ++v) h.record(v);
  HistogramCounts window = h.counts().since(start);
  EXPECT_EQ(window.count, 1000u);
  EXPECT_EQ(window.sum, 500500u);
  EXPECT_NEAR(double(window.quantile(0.5)), 500, 500 * 0.13);
  EXPECT_NEAR(double(window.quantile(0.99)), 990, 990 * 0.13);
  EXPECT_LE(window.max, 1000u + 1000 / 8);  // the warm-up's 1 ms is not in the window
  EXPECT_GE(window.max, 1000u);
  EXPECT_EQ(h.counts().since(h.counts()).count, 0u);
  EXPECT_EQ(HistogramCounts{}.quantile(0.5), 0u);
}

TEST(Histogram, RecordNIsNRecords) {
  Histogram a, b;
  for (int i = 0; i < 7; ++i) a.record(1234);
  b.record_n(1234, 7);
  b.record_n(99, 0);
  EXPECT_EQ(a.counts().buckets, b.counts().buckets);
  EXPECT_EQ(b.count(), 7u);
  EXPECT_EQ(b.sum(), 7u * 1234);
  EXPECT_EQ(b.max(), 1234u);
}

TEST(Counter, AddSetMax) {
  Counter c;
  c.add();
  c.add(4);
  EXPECT_EQ(c.get(), 5u);
  c.max(3);
  EXPECT_EQ(c.get(), 5u);
  c.max(9);
  EXPECT_EQ(c.get(), 9u);
}

}  // namespace
}  // namespace torvyn

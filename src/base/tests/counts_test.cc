#include "torvyn/base/counts.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace torvyn {
namespace {

TEST(Counts, ThousandsAreSeparatedByCommas) {
  EXPECT_EQ(with_thousands(0), "0");
  EXPECT_EQ(with_thousands(999), "999");
  EXPECT_EQ(with_thousands(1000), "1,000");
  EXPECT_EQ(with_thousands(123456), "123,456");
  EXPECT_EQ(with_thousands(1234567), "1,234,567");
  EXPECT_EQ(with_thousands(UINT64_MAX), "18,446,744,073,709,551,615");
}

TEST(Counts, OneTakesTheSingular) {
  EXPECT_EQ(count_of(1, "call", "calls"), "1 call");
  EXPECT_EQ(count_of(0, "call", "calls"), "0 calls");
  EXPECT_EQ(count_of(2, "error", "errors"), "2 errors");
  EXPECT_EQ(count_of(12000, "element", "elements"), "12,000 elements");
}

}  // namespace
}  // namespace torvyn

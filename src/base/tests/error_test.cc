#include <gtest/gtest.h>

#include <set>
#include <string>

#include "torvyn/base/error.h"
#include "torvyn/base/result.h"

namespace torvyn {
namespace {

TEST(ErrorCatalog, CodesAreUniqueAndWellFormed) {
  std::set<std::string> seen;
#define X(name, id, what)                                    \
  {                                                          \
    std::string s = id;                                      \
    EXPECT_EQ(s.size(), 5u) << s;                            \
    EXPECT_EQ(s[0], 'E') << s;                               \
    EXPECT_TRUE(seen.insert(s).second) << "duplicate " << s; \
    EXPECT_EQ(error_code_id(ErrorCode::name), s);            \
  }
#include "torvyn/base/error_codes.def"
#undef X
}

TEST(Result, CarriesValueOrError) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  Result<int> bad = Error(ErrorCode::IoError, "nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().to_string(), "error[E0900]: nope");
  Status s;
  EXPECT_TRUE(s.ok());
}

}  // namespace
}  // namespace torvyn

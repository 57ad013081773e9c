#include "torvyn/base/text.h"

#include <gtest/gtest.h>

#include "torvyn/base/json_text.h"

namespace torvyn {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("/flows/main"));
  EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
}

TEST(Utf8, RejectsMalformedText) {
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xc3\x28"));          // bad continuation
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
}

TEST(Utf8, PrintableEscapesInvalidBytesAndKeepsValidOnes) {
  EXPECT_EQ(printable_utf8("/\xff"), "/\\xff");
  EXPECT_EQ(printable_utf8("/flows/\xc3\x28"), "/flows/\\xc3(");
  EXPECT_EQ(printable_utf8("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_TRUE(is_valid_utf8(printable_utf8("\x80\x81\xfe\xff\xc3")));
}

TEST(Utf8, PrintableCapsLengthAtACharacterBoundary) {
  std::string long_path = "/" + std::string(5000, 'a');
  std::string out = printable_utf8(long_path, 100);
  EXPECT_EQ(out, "/" + std::string(99, 'a') + "...[4901 more bytes]");
  // A two-byte character that would straddle the cap is left out whole.
  EXPECT_EQ(printable_utf8("ab\xc3\xa9", 3), "ab...[2 more bytes]");
}

TEST(JsonText, ReplacesInvalidUtf8InsteadOfThrowing) {
  nlohmann::json j{{"path", std::string("/\xff")}};
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);  // why json_text exists
  std::string text;
  ASSERT_NO_THROW(text = json_text(j));
  EXPECT_EQ(text, "{\"path\":\"/\xef\xbf\xbd\"}");
  nlohmann::ordered_json o{{"name", std::string("\xc3\x28")}};
  EXPECT_NO_THROW((void)json_text(o, 2));
}

}  // namespace
}  // namespace torvyn

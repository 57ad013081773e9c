#include "guest_output.h"

#include <gtest/gtest.h>

#include <vector>

namespace torvyn::security::wasi {
namespace {

struct Captured {
  std::vector<std::pair<int, std::string>> lines;
  GuestOutput::Sink sink() {
    return [this](int fd, std::string_view s) { lines.emplace_back(fd, std::string(s)); };
  }
};

TEST(GuestOutput, LineBufferedPerStream) {
  Captured c;
  GuestOutput out(c.sink(), 100, 1000);
  out.write(1, "hel");
  out.write(2, "err");
  out.write(1, "lo\nwor");
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0], (std::pair<int, std::string>{1, "hello"}));
  out.write(2, "or\r\n");
  out.write(1, "ld\n\n");
  ASSERT_EQ(c.lines.size(), 4u);
  EXPECT_EQ(c.lines[1], (std::pair<int, std::string>{2, "error"}));
  EXPECT_EQ(c.lines[2], (std::pair<int, std::string>{1, "world"}));
  EXPECT_EQ(c.lines[3], (std::pair<int, std::string>{1, ""}));
  out.write(1, "tail");
  out.flush();
  ASSERT_EQ(c.lines.size(), 5u);
  EXPECT_EQ(c.lines[4].second, "tail");
  EXPECT_EQ(out.stats().lines_logged, 5u);
  EXPECT_EQ(out.stats().bytes_dropped, 0u);
}

TEST(GuestOutput, LongLinesAreTruncated) {
  Captured c;
  GuestOutput out(c.sink(), 4, 1000);
  out.write(1, "abcdefgh");
  out.write(1, "ij\nxy\n");
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[0].second, "abcd [truncated 6 bytes]");
  EXPECT_EQ(c.lines[1].second, "xy");
  EXPECT_EQ(out.stats().lines_truncated, 1u);
  EXPECT_EQ(out.stats().bytes_dropped, 6u);
}

TEST(GuestOutput, TotalCapDropsAndReportsOnce) {
  Captured c;
  GuestOutput out(c.sink(), 100, 10);
  out.write(1, "12345\n");
  out.write(1, "6789\nabc\n");  // "6789" fits (10 bytes so far), the rest is dropped
  out.write(2, "more\n");
  ASSERT_EQ(c.lines.size(), 3u);
  EXPECT_EQ(c.lines[0].second, "12345");
  EXPECT_EQ(c.lines[1].second, "6789");
  EXPECT_NE(c.lines[2].second.find("output limit of 10 bytes"), std::string::npos);
  EXPECT_EQ(out.stats().bytes_dropped, 5u + 5u);
}

TEST(GuestOutput, SanitizesForLogs) {
  EXPECT_EQ(GuestOutput::sanitize("plain\ttext"), "plain\ttext");
  EXPECT_EQ(GuestOutput::sanitize("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(GuestOutput::sanitize(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(GuestOutput::sanitize("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(GuestOutput::sanitize("bad\xff"), "bad\xEF\xBF\xBD");
  EXPECT_EQ(GuestOutput::sanitize("\xc2\x9b"), "\xEF\xBF\xBD");  // C1 CSI
  EXPECT_EQ(GuestOutput::sanitize("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_TRUE(GuestOutput::valid_utf8("caf\xc3\xa9"));
  EXPECT_FALSE(GuestOutput::valid_utf8("\xc3"));
}

TEST(GuestOutput, OtherDescriptorsAreIgnored) {
  Captured c;
  GuestOutput out(c.sink(), 100, 100);
  out.write(3, "x\n");
  out.write(0, "y\n");
  EXPECT_TRUE(c.lines.empty());
}

}  // namespace
}  // namespace torvyn::security::wasi

// GuestLogWriter: guest output lines on a host fd that nobody reads must never block the caller;
// what does not fit is dropped, counted, and announced once the reader catches up.
#include "torvyn/security/guest_log_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <algorithm>
#include <future>
#include <string>

namespace torvyn::security {
namespace {

using namespace std::chrono_literals;

std::string read_all_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, size_t(n));
  }
  return out;
}

size_t count_lines(const std::string& s) { return size_t(std::count(s.begin(), s.end(), '\n')); }

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
};

TEST(GuestLogWriter, APipeNobodyReadsNeverBlocksTheWriter) {
  Pipe p;
  const int flags_before = ::fcntl(p.w, F_GETFL);
  GuestLogWriter writer(p.w, 16 << 10);
  EXPECT_EQ(::fcntl(p.w, F_GETFL), flags_before) << "the shared fd's flags must not change";
  const std::string line(99, 'x');
  const size_t total = 20000;  // ~2 MB: far more than a pipe holds
  auto done = std::async(std::launch::async, [&] {
    for (size_t i = 0; i < total; ++i) writer.write_line(line);
  });
  if (done.wait_for(20s) != std::future_status::ready) {
    read_all_nonblocking(p.r);  // unblock the writer so the test can end
    ::close(p.r);
    p.r = -1;
    done.wait();
    FAIL() << "write_line blocked on a full pipe";
  }
  GuestLogWriter::Stats st = writer.stats();
  EXPECT_GT(st.lines_written, 0u);
  EXPECT_GT(st.lines_dropped, 0u);
  EXPECT_EQ(st.bytes_dropped, st.lines_dropped * 100);
  EXPECT_LE(st.lines_written + st.lines_dropped, total);  // the rest is still queued
  EXPECT_FALSE(writer.flush(50ms));                        // the pipe is still full

  // The reader catches up: what was queued arrives, then a notice of the loss, then new lines.
  std::string got = read_all_nonblocking(p.r);
  EXPECT_EQ(count_lines(got), writer.stats().lines_written);
  writer.write_line("after");
  EXPECT_TRUE(writer.flush(1s));
  got = read_all_nonblocking(p.r);
  size_t notice = got.find("lines (");
  ASSERT_NE(notice, std::string::npos) << got.substr(0, 300);
  EXPECT_NE(got.find(std::to_string(st.lines_dropped) + " lines (" + std::to_string(st.bytes_dropped) +
                     " bytes) of guest output dropped"),
            std::string::npos)
      << got.substr(0, 300);
  EXPECT_NE(got.find("after\n", notice), std::string::npos);
  EXPECT_EQ(got.substr(got.size() - 6), "after\n");
}

TEST(GuestLogWriter, AReaderThatKeepsUpGetsEveryLine) {
  Pipe p;
  GuestLogWriter writer(p.w);
  std::string got;
  for (int i = 0; i < 1000; ++i) {
    writer.write_line("line " + std::to_string(i));
    if (i % 100 == 99) got += read_all_nonblocking(p.r);
  }
  EXPECT_TRUE(writer.flush(1s));
  got += read_all_nonblocking(p.r);
  EXPECT_EQ(count_lines(got), 1000u);
  EXPECT_EQ(got.substr(0, 7), "line 0\n");
  EXPECT_EQ(writer.stats().lines_written, 1000u);
  EXPECT_EQ(writer.stats().lines_dropped, 0u);
}

TEST(GuestLogWriter, AClosedReaderDropsInsteadOfKillingTheHost) {
  Pipe p;
  ::close(p.r);
  p.r = -1;
  GuestLogWriter writer(p.w);
  for (int i = 0; i < 10; ++i) writer.write_line("nobody at all");  // no SIGPIPE
  EXPECT_EQ(writer.stats().lines_dropped, 10u);
  EXPECT_EQ(writer.stats().lines_written, 0u);
}

TEST(GuestLogWriter, ARegularFileGetsEverything) {
  char tmpl[] = "/tmp/torvyn-logwriter-XXXXXX";
  int fd = ::mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  {
    GuestLogWriter writer(fd, 1024);
    for (int i = 0; i < 5000; ++i) writer.write_line("0123456789");
    EXPECT_EQ(writer.stats().lines_written, 5000u);
    EXPECT_EQ(writer.stats().lines_dropped, 0u);
  }
  EXPECT_EQ(::lseek(fd, 0, SEEK_END), 5000 * 11);
  ::close(fd);
  ::unlink(tmpl);
}

}  // namespace
}  // namespace torvyn::security

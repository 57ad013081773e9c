// The built-in file sink (--output): into a pipe it hands elements to the reader as they come (a
// slow stream must not sit in stdio's buffer until 4 KiB gather or the run ends): at the end of a
// call when the last flush is old enough, and whenever the flow goes idle; into a regular file it
// writes everything by the end.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "torvyn/reactor/host_stages.h"
#include "torvyn_test/files.h"
#include "torvyn_test/process.h"

namespace torvyn::reactor {
namespace {

struct FileSinkTest : ::testing::Test {
  test::TempDir dir;
  resources::BufferPool pool;
  std::string path = (dir.path() / "out.txt").string();

  resources::BufferId buffer(const char* text) {
    auto id = *pool.allocate(resources::kHostOwner, std::strlen(text));
    (void)pool.append(id, text, std::strlen(text));
    (void)pool.freeze(id);
    ids.push_back(id);
    return id;
  }
  // A FIFO with its read end open (non-blocking), so that the sink can open it for writing.
  int open_fifo() {
    path = (dir.path() / "fifo").string();
    EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0);
    reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
    EXPECT_GE(reader, 0);
    return reader;
  }
  std::string available() {
    std::string got;
    char buf[256];
    for (ssize_t n; (n = ::read(reader, buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
    return got;
  }
  ~FileSinkTest() override {
    for (auto id : ids) (void)pool.release(id);
    if (reader >= 0) ::close(reader);
  }
  std::vector<resources::BufferId> ids;
  int reader = -1;
};

TEST_F(FileSinkTest, IntoAPipeTheFirstElementReachesTheReaderWhenPushReturns) {
  open_fifo();
  auto sink = FileSink::open({path, 0, "text/plain"}, pool, "out");
  ASSERT_TRUE(sink.ok()) << sink.error().to_string();
  bool pause = true;
  ASSERT_TRUE((*sink)->push(InElement{0, 0, "text/plain", buffer("one"), 0, {}}, pause));
  EXPECT_FALSE(pause);
  EXPECT_EQ(available(), "one\n");  // before complete() or teardown()
}

TEST_F(FileSinkTest, IntoAPipeTheFirstBatchReachesTheReaderWhenPushBatchReturns) {
  open_fifo();
  auto sink = FileSink::open({path, 0, "text/plain"}, pool, "out");
  ASSERT_TRUE(sink.ok());
  EXPECT_GT((*sink)->max_batch(), 1u);
  std::vector<InElement> in{{0, 0, "text/plain", buffer("a"), 0, {}}, {1, 0, "text/plain", buffer("b"), 0, {}}, {2, 0, "text/plain", buffer("c"), 0, {}}};
  std::vector<BatchOutcome> out(in.size());
  size_t completed = 0;
  bool pause = true;
  ASSERT_TRUE((*sink)->push_batch(in, out, completed, pause));
  EXPECT_EQ(completed, 3u);
  EXPECT_FALSE(pause);
  for (const auto& o : out) {
    EXPECT_TRUE(o.status);
    EXPECT_FALSE(o.out);
  }
  EXPECT_EQ(available(), "a\nb\nc\n");
}

// Elements pushed soon after a flush may wait in the buffer, but never past the flow's next idle round.
TEST_F(FileSinkTest, IntoAPipeEverythingPushedReachesTheReaderWhenTheFlowIdles) {
  open_fifo();
  auto sink = FileSink::open({path, 0, "text/plain"}, pool, "out");
  ASSERT_TRUE(sink.ok());
  bool pause = false;
  for (const char* t : {"a", "b", "c"}) ASSERT_TRUE((*sink)->push(InElement{0, 0, "text/plain", buffer(t), 0, {}}, pause));
  (*sink)->idle();
  EXPECT_EQ(available(), "a\nb\nc\n");
}

TEST_F(FileSinkTest, IntoARegularFileEverythingIsWrittenByComplete) {
  auto sink = FileSink::open({path, 0, "text/plain"}, pool, "out");
  ASSERT_TRUE(sink.ok());
  bool pause = false;
  ASSERT_TRUE((*sink)->push(InElement{0, 0, "text/plain", buffer("one"), 0, {}}, pause));
  ASSERT_TRUE((*sink)->push(InElement{1, 0, "text/plain", buffer("two"), 0, {}}, pause));
  ASSERT_TRUE((*sink)->complete());
  EXPECT_EQ(test::read_file(path), "one\ntwo\n");
}

}  // namespace
}  // namespace torvyn::reactor

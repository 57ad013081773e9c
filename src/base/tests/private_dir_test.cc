#include "torvyn/base/private_dir.h"
#include "torvyn_test/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace torvyn {
namespace {

namespace fs = std::filesystem;

class PrivateDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/torvyn-private-dir-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string root_;
};

mode_t mode_of(const std::string& p) {
  struct stat st{};
  ::lstat(p.c_str(), &st);
  return st.st_mode & 07777;
}

TEST_F(PrivateDir, CreatesMissingDirectoriesOwnerOnly) {
  std::string dir = root_ + "/a/b/state";
  ASSERT_TRUE(ensure_private_dir(dir, DirTrust::OwnerOnly, "state directory"));
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(root_ + "/a"), 0700u);
  EXPECT_TRUE(ensure_private_dir(dir, DirTrust::OwnerOnly, "state directory"));  // idempotent
}

TEST_F(PrivateDir, RefusesADirectoryOthersCanEnterOrWrite) {
  std::string dir = root_ + "/state";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  ::chmod(dir.c_str(), 0755);
  Status s = ensure_private_dir(dir, DirTrust::OwnerOnly, "state directory");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::UnsafeDirectory);
  EXPECT_NE(s.error().message.find("0755"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("chmod 700"), std::string::npos) << s.error().message;
  // A cache may be readable by others, never writable.
  EXPECT_TRUE(ensure_private_dir(dir, DirTrust::NotWritableByOthers, "cache directory"));
  ::chmod(dir.c_str(), 0777);
  EXPECT_FALSE(ensure_private_dir(dir, DirTrust::NotWritableByOthers, "cache directory"));
}

TEST_F(PrivateDir, RefusesADirectoryOfAnotherUser) {
  std::string dir = root_ + "/state";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  uid_t other = ::geteuid() == 65534 ? 65533 : 65534;
  if (::chown(dir.c_str(), other, static_cast<gid_t>(-1)) != 0) GTEST_SKIP() << "cannot chown (not root)";
  Status s = ensure_private_dir(dir, DirTrust::OwnerOnly, "state directory");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::UnsafeDirectory);
  EXPECT_NE(s.error().message.find("belongs to another user"), std::string::npos) << s.error().message;
}

TEST_F(PrivateDir, RefusesASymbolicLink) {
  std::string real = root_ + "/real";
  ASSERT_EQ(::mkdir(real.c_str(), 0700), 0);
  std::string link = root_ + "/state";
  ASSERT_EQ(::symlink(real.c_str(), link.c_str()), 0);
  Status s = ensure_private_dir(link, DirTrust::OwnerOnly, "state directory");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("symbolic link"), std::string::npos) << s.error().message;
}

TEST_F(PrivateDir, AppendNeverFollowsAPlantedLinkAndCreates0600) {
  std::string victim = root_ + "/victim-rc";
  { std::ofstream(victim) << "original\n"; }
  std::string log = root_ + "/audit.log";
  ASSERT_EQ(::symlink(victim.c_str(), log.c_str()), 0);
  Result<int> fd = open_private_append(log);
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error().code, ErrorCode::UnsafeDirectory);
  EXPECT_EQ(test::read_file(victim), "original\n");

  fs::remove(log);
  ::umask(022);
  Result<int> ok = open_private_append(log);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(mode_of(log), 0600u);
  ::close(*ok);
}

TEST_F(PrivateDir, AppendRefusesAFifo) {
  std::string fifo = root_ + "/audit.log";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Result<int> fd = open_private_append(fifo);  // must not hang waiting for a reader
  EXPECT_FALSE(fd);
}

TEST_F(PrivateDir, ParentCheckAllowsStickyTmpButNotAWritableDirectory) {
  EXPECT_TRUE(check_parent_dir("/tmp", "audit log"));
  std::string dir = root_ + "/shared";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  ::chmod(dir.c_str(), 0777);
  EXPECT_FALSE(check_parent_dir(dir, "audit log"));
}

}  // namespace
}  // namespace torvyn

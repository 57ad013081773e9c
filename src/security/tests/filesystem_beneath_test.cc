// Path confinement alone (filesystem_beneath.h): what a guest names stays inside the directory it
// was given, whatever the path or the links inside it say.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "filesystem_beneath.h"
#include "torvyn_test/files.h"

namespace torvyn::security::wasi {
namespace {

namespace fs = std::filesystem;

class Beneath : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("torvyn-beneath-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "base" / "sub");
    test::write_file(root_ / "base" / "sub" / "inside.txt", "in");
    test::write_file(root_ / "secret.txt", "out");
    fs::create_symlink("../secret.txt", root_ / "base" / "up-link");
    fs::create_symlink((root_ / "secret.txt").string(), root_ / "base" / "absolute-link");
    fs::create_symlink("sub/inside.txt", root_ / "base" / "in-link");
    base_ = ::open((root_ / "base").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(base_, 0);
  }
  void TearDown() override {
    ::close(base_);
    fs::remove_all(root_);
  }
  // The fd's result of open_beneath, closed; or -errno.
  int open(const std::string& path, bool follow) {
    int fd = open_beneath(base_, path, O_RDONLY, follow);
    if (fd >= 0) ::close(fd);
    return fd >= 0 ? 0 : fd;
  }
  fs::path root_;
  int base_ = -1;
};

TEST_F(Beneath, GuestPathsMustBeRelativeWithoutNulAndOfSaneLength) {
  EXPECT_EQ(check_path(""), FsError::NoEntry);
  EXPECT_EQ(check_path("/etc/passwd"), FsError::NotPermitted);
  EXPECT_EQ(check_path(std::string("a\0b", 3)), FsError::Invalid);
  EXPECT_EQ(check_path(std::string(kMaxPathBytes + 1, 'a')), FsError::NameTooLong);
  EXPECT_EQ(check_path("sub/inside.txt"), std::nullopt);
}

TEST_F(Beneath, NothingOutsideTheBaseCanBeOpened) {
  EXPECT_EQ(open("sub/inside.txt", false), 0);
  EXPECT_EQ(open("in-link", true), 0);  // a link that stays inside may be followed
  EXPECT_EQ(open("../secret.txt", false), -EPERM);
  EXPECT_EQ(open("sub/../../secret.txt", false), -EPERM);
  EXPECT_EQ(open("up-link", true), -EPERM);        // a relative link out
  EXPECT_EQ(open("absolute-link", true), -EPERM);  // an absolute link
  EXPECT_EQ(open("up-link", false), -ELOOP);       // not followed: the link itself is not opened
  EXPECT_EQ(open("/proc/self/root/etc/passwd", false), -EPERM);
}

TEST_F(Beneath, AParentIsOpenedBeneathAndItsLeafIsAName) {
  auto p = open_parent(base_, "sub/inside.txt");
  ASSERT_TRUE(std::holds_alternative<Parent>(p));
  EXPECT_EQ(std::get<Parent>(p).leaf, "inside.txt");
  auto trailing = open_parent(base_, "sub/new-dir/");
  ASSERT_TRUE(std::holds_alternative<Parent>(trailing));
  EXPECT_EQ(std::get<Parent>(trailing).leaf, "new-dir");
  // The leaf is never "." or ".."; the parent never escapes.
  EXPECT_EQ(std::get<FsError>(open_parent(base_, "sub/..")), FsError::Invalid);
  EXPECT_EQ(std::get<FsError>(open_parent(base_, ".")), FsError::Invalid);
  EXPECT_EQ(std::get<FsError>(open_parent(base_, "../x")), FsError::NotPermitted);
  EXPECT_EQ(std::get<FsError>(open_parent(base_, "up-link/x")), FsError::NotPermitted);
  EXPECT_EQ(std::get<FsError>(open_parent(base_, "/tmp/x")), FsError::NotPermitted);
}

}  // namespace
}  // namespace torvyn::security::wasi

#include "torvyn/base/file_read.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace torvyn {
namespace {

namespace fs = std::filesystem;

TEST(ReadFileCapped, ReadsAWholeFile) {
  std::string p = ::testing::TempDir() + "torvyn-read-" + std::to_string(::getpid());
  std::ofstream(p, std::ios::binary) << std::string("\0asm\1\0\0\0", 8);
  auto r = read_file_capped(p, 1024, "component");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->size(), 8u);
  EXPECT_EQ((*r)[1], 'a');
  fs::remove(p);
}

TEST(ReadFileCapped, AFileOverTheCapIsRefusedBeforeItIsRead) {
  std::string p = ::testing::TempDir() + "torvyn-huge-" + std::to_string(::getpid());
  { std::ofstream(p, std::ios::binary); }
  fs::resize_file(p, kMaxComponentFileBytes + 1);  // sparse: costs no disk, and reading it would cost 256 MiB
  auto r = read_file_capped(p, kMaxComponentFileBytes, "component");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::WasmResourceLimit);
  EXPECT_NE(r.error().message.find(p), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("256 MiB"), std::string::npos) << r.error().message;
  fs::remove(p);
}

TEST(ReadFileCapped, APipeIsCountedAsItIsRead) {
  auto r = read_file_capped("/dev/zero", 1 << 20, "component");  // endless: stops at the cap
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::WasmResourceLimit);
}

TEST(ReadFileCapped, AMissingFileIsAnIoError) {
  auto r = read_file_capped("/nonexistent/x.wasm");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::IoError);
}

}  // namespace
}  // namespace torvyn

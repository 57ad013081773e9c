// Shared helpers of the contracts unit tests: the SDK's test components, patched copies of them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "torvyn_test/files.h"

namespace torvyn::contracts {

// $TORVYN_TEST_SDK_COMPONENTS overrides the build tree's folder (e.g. to reuse another build's).
inline std::filesystem::path sdk_component_dir() {
  if (const char* d = std::getenv("TORVYN_TEST_SDK_COMPONENTS"); d && *d) return d;
  return TORVYN_SDK_COMPONENTS;
}

inline std::filesystem::path sdk_component_path(const std::string& name) { return sdk_component_dir() / (name + ".wasm"); }

// The bytes of an SDK test component; empty when it was not built (no guest toolchain).
inline std::vector<uint8_t> sdk_component(const std::string& name) { return ::torvyn::test::read_bytes(sdk_component_path(name)); }

// Replaces every occurrence of `from` by `to` (same length: offsets and section sizes stay
// valid). Used to make components that disagree with the contracts in controlled ways, e.g. a
// field renamed in the type section or another package version in the import names.
inline size_t patch_bytes(std::vector<uint8_t>& bytes, const std::string& from, const std::string& to) {
  size_t n = 0;
  if (from.size() != to.size() || from.empty()) return 0;
  for (size_t i = 0; i + from.size() <= bytes.size(); ++i)
    if (std::equal(from.begin(), from.end(), bytes.begin() + static_cast<std::ptrdiff_t>(i))) {
      std::copy(to.begin(), to.end(), bytes.begin() + static_cast<std::ptrdiff_t>(i));
      ++n;
      i += from.size() - 1;
    }
  return n;
}

// A fresh temporary directory, removed when the object goes away.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("torvyn-contracts-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& rel, const std::string& text) const {
    std::filesystem::path p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  std::filesystem::path write_bytes(const std::string& rel, const std::vector<uint8_t>& bytes) const {
    std::filesystem::path p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace torvyn::contracts

// Runs the `wast2json` tool (Debian package wabt) on a .wast script.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "torvyn/base/result.h"

namespace torvyn::spectest {

// A private temporary directory, removed with everything in it when this object dies.
class ScratchDir {
 public:
  // Created inside `root`, or inside the system temp dir when `root` is empty.
  static Result<ScratchDir> create(const std::filesystem::path& root = {});
  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ScratchDir(const ScratchDir&) = delete;
  ~ScratchDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit ScratchDir(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
};

// Converts `wast` into `out_dir`/script.json plus one .wasm/.wat file per module (default feature
// set, as the testsuite snapshot expects) and returns the parsed script. Module file names in the
// script are relative to `out_dir`.
Result<nlohmann::json> wast_to_json(const std::filesystem::path& wast, const std::filesystem::path& out_dir);

}  // namespace torvyn::spectest

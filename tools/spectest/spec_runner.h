// Runs one WebAssembly spec script (.wast) against a Torvyn engine and counts the outcome of every
// command in it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "torvyn/wasm/engine.h"

namespace torvyn::spectest {

struct FileResult {
  uint64_t passed = 0;
  uint64_t failed = 0;
  uint64_t skipped = 0;
  std::map<std::string, uint64_t> skip_reasons;  // reason -> count; sums to `skipped`
  // Text for stdout: one line per failure with --verbose (plus spectest print calls), and
  // file-level errors (wast2json failed, ...) always.
  std::string log;
};

struct RunnerOptions {
  bool verbose = false;
  // Skip simd_*.wast entirely (their commands are counted as skipped, nothing is run).
  bool skip_simd = false;
  // Wall-clock limit per top-level call, so that a hang in the engine becomes a failure.
  std::chrono::seconds call_timeout{10};
  // Where the file's temporary directory (wast2json output) goes; empty: the system temp dir.
  std::filesystem::path scratch_root;
  // Called before each command with its script line and the counts so far (a child process
  // reports progress this way, so that its parent can account for a crash; see child_protocol.h).
  std::function<void(int line, FileResult& so_far)> before_command;
};

// Converts `wast` with wast2json into a temporary directory and executes every command, all modules
// in one Store so that `register` and imports link them together. `display` names the file in
// failure messages. Never throws; guest traps are outcomes, not errors.
FileResult run_wast_file(wasm::Engine& engine, const std::filesystem::path& wast, const std::string& display,
                         const RunnerOptions& options);

}  // namespace torvyn::spectest

// torvyn-spectest: runs the WebAssembly core spec test suite (.wast scripts) on one engine backend.
//
//   torvyn-spectest --engine interp|aot [--cache-dir DIR] [--opt-level -O0|-O1|-O2] [--verbose]
//                   [--skip-simd] [--jobs N] [--in-process] [--file-timeout S] PATH...
//
// Prints `file.wast: N passed, M failed, K skipped` per file (when several are run) and always ends
// with `spectest: N passed, M failed, K skipped`. Exit status 0 when nothing failed, 1 when something
// did, 2 on a usage or setup error.
//
// Each file runs in a child process (this executable with --child, see child_protocol.h) unless
// --in-process is given, which is what you want under a debugger.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "child_protocol.h"
#include "spec_runner.h"
#include "wast2json.h"
#include "torvyn/wasm/engine.h"

namespace fs = std::filesystem;
using namespace torvyn;
using namespace torvyn::spectest;

namespace {

struct Input {
  fs::path path;
  std::string display;
};

// Each PATH is a .wast file or a directory whose *.wast files (not recursive) run in name order.
bool collect_inputs(const std::vector<std::string>& paths, std::vector<Input>& out) {
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (const fs::directory_entry& e : fs::directory_iterator(p, ec))
        if (e.is_regular_file() && e.path().extension() == ".wast") found.push_back(e.path());
      std::sort(found.begin(), found.end());
      if (found.empty()) std::cerr << "torvyn-spectest: no .wast files in " << p << "\n";
      for (fs::path& f : found) out.push_back({f, f.string()});
    } else if (fs::is_regular_file(p, ec)) {
      out.push_back({p, p});
    } else {
      std::cerr << "torvyn-spectest: no such file or directory: " << p << "\n";
      return false;
    }
  }
  return !out.empty();
}

std::string default_cache_dir() {
  if (const char* env = std::getenv("TORVYN_SPECTEST_CACHE"); env && *env) return env;
  return "/tmp/torvyn-spectest-cache";
}

std::string counts(uint64_t passed, uint64_t failed, uint64_t skipped) {
  return std::to_string(passed) + " passed, " + std::to_string(failed) + " failed, " + std::to_string(skipped) +
         " skipped";
}

// Runs run(i) for i in [0, n) on `jobs` threads and calls report(i, result) on this thread in index
// order as results become ready, so that the output does not depend on --jobs.
template <typename Run, typename Report>
void run_in_order(size_t n, unsigned jobs, Run run, Report report) {
  std::vector<FileResult> results(n);
  std::vector<bool> done(n, false);
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      FileResult r = run(i);
      std::lock_guard lock(mu);
      results[i] = std::move(r);
      done[i] = true;
      cv.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 0; t < std::min<size_t>(jobs, n); ++t) threads.emplace_back(worker);
  for (size_t i = 0; i < n; ++i) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return done[i]; });
    }
    report(i, results[i]);  // results[i] is final; workers only touch other elements now
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs the WebAssembly core spec test suite (.wast) on a Torvyn engine backend."};
  std::string engine_name;
  std::string cache_dir;
  std::string opt_level = "-O2";
  bool verbose = false;
  bool skip_simd = false;
  unsigned jobs = 1;
  bool in_process = false;
  unsigned file_timeout = 1800;
  bool child = false;
  std::string scratch_root;
  std::vector<std::string> paths;
  app.add_option("--engine", engine_name, "Engine backend")->required()->check(CLI::IsMember({"interp", "aot"}));
  app.add_option("--cache-dir", cache_dir,
                 "aot: compiled-module cache (default $TORVYN_SPECTEST_CACHE, else /tmp/torvyn-spectest-cache)");
  app.add_option("--opt-level", opt_level, "aot: C optimisation level (default -O2)")
      ->check(CLI::IsMember({"-O0", "-O1", "-O2"}));
  app.add_flag("--verbose,-v", verbose, "Print every failure with file:line and reason, and skip reasons");
  app.add_flag("--skip-simd", skip_simd, "Skip simd_*.wast (implied by --engine aot: wasm2c 1.0.32 has no SIMD)");
  app.add_option("--jobs,-j", jobs, "Files run in parallel, each in its own Store (default 1)")
      ->check(CLI::Range(1u, 64u));
  app.add_flag("--in-process", in_process,
               "Run the scripts in this process (for debugging): an engine crash then ends the whole run");
  app.add_option("--file-timeout", file_timeout, "Seconds one file may take before its child is killed (default 1800)")
      ->check(CLI::Range(1u, 86400u));
  app.add_flag("--child", child, "Internal: run one script and report to the parent process")->group("");
  app.add_option("--scratch-root", scratch_root, "Internal: where the child puts its temporary files")->group("");
  app.add_option("paths", paths, ".wast files or directories of them")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is a "parse error" that exits 0; every real usage error exits 2 like the torvyn CLI.
    return app.exit(e) == 0 ? 0 : 2;
  }

  std::vector<Input> inputs;
  if (!collect_inputs(paths, inputs)) return 2;
  if (child && inputs.size() != 1) {
    std::cerr << "torvyn-spectest: --child takes exactly one script\n";
    return 2;
  }

  wasm::EngineConfig config;
  config.kind = *wasm::parse_engine_kind(engine_name);
  config.opt_level = opt_level;
  if (config.kind == wasm::EngineKind::Aot) {
    // A private cache keeps the suite's ~1,200 throwaway modules out of the user's real cache.
    config.cache_dir = cache_dir.empty() ? default_cache_dir() : cache_dir;
    std::error_code ec;
    fs::create_directories(config.cache_dir, ec);
    if (ec) {
      std::cerr << "torvyn-spectest: cannot create cache dir " << config.cache_dir << ": " << ec.message() << "\n";
      return 2;
    }
  }
  Result<std::shared_ptr<wasm::Engine>> engine = wasm::Engine::create(config);
  if (!engine.ok()) {
    std::cerr << "torvyn-spectest: cannot create the " << engine_name << " engine: " << engine.error().to_string()
              << "\n";
    return 2;
  }

  RunnerOptions options;
  options.verbose = verbose;
  options.skip_simd = skip_simd || config.kind == wasm::EngineKind::Aot;
  options.scratch_root = scratch_root;

  if (child) {
    options.before_command = child_report_progress;
    FileResult r = run_wast_file(*engine.value(), inputs[0].path, inputs[0].display, options);
    child_report_done(r);
    return 0;
  }

  // What a child needs to repeat this run's settings on one file.
  std::vector<std::string> child_argv = {"/proc/self/exe", "--child", "--engine", engine_name, "--opt-level", opt_level};
  if (config.kind == wasm::EngineKind::Aot) child_argv.insert(child_argv.end(), {"--cache-dir", config.cache_dir});
  if (verbose) child_argv.push_back("--verbose");
  if (skip_simd) child_argv.push_back("--skip-simd");
  auto run_file = [&](const Input& in) {
    if (in_process) return run_wast_file(*engine.value(), in.path, in.display, options);
    // The parent owns the child's temporary files, so that they go away even if the child crashes.
    Result<ScratchDir> root = ScratchDir::create();
    if (!root.ok()) {
      FileResult r;
      r.failed = 1;
      r.log = in.display + ": " + root.error().to_string() + "\n";
      return r;
    }
    std::vector<std::string> argv = child_argv;
    argv.insert(argv.end(), {"--scratch-root", root.value().path().string(), in.display});
    return run_child(argv, in.display, std::chrono::seconds(file_timeout));
  };

  uint64_t passed = 0, failed = 0, skipped = 0;
  std::map<std::string, uint64_t> skip_reasons;
  run_in_order(inputs.size(), jobs, [&](size_t i) { return run_file(inputs[i]); },
               [&](size_t i, const FileResult& r) {
                 std::cout << r.log;
                 if (inputs.size() > 1)
                   std::cout << inputs[i].path.filename().string() << ": " << counts(r.passed, r.failed, r.skipped)
                             << "\n";
                 std::cout.flush();
                 passed += r.passed;
                 failed += r.failed;
                 skipped += r.skipped;
                 for (const auto& [reason, n] : r.skip_reasons) skip_reasons[reason] += n;
               });

  if (verbose && skipped > 0) {
    std::cout << "skipped by reason:";
    for (const auto& [reason, n] : skip_reasons) std::cout << " " << reason << " " << n << ";";
    std::cout << "\n";
  }
  std::cout << "spectest: " << counts(passed, failed, skipped) << std::endl;
  return failed == 0 ? 0 : 1;
}

// The content-addressed cache of compiled modules, and running the C compiler to fill it.
// Key = SHA-256 of (module bytes, compiler identity, flags, glue ABI version).
//
// Layout: <dir>/<key[0:2]>/<key>/{module.so, module.sha256, module.desc}. An entry is compiled in a private
// directory <dir>/tmp-<pid namespace>-<pid>-XXXXXX and published by renaming that whole directory into
// place, so the object and the digest recorded beside it appear together or not at all.
//
// Trust: the cache directory must be ours (owner = euid, not group/other-writable, not a symbolic
// link), else UnsafeDirectory. Before an entry is loaded it is opened (O_NOFOLLOW), checked (a regular
// file we own) and hashed; the caller dlopens that same open file (CompiledObject::loadable_path), so
// the bytes checked are the bytes loaded. A mismatch, a truncated or unreadable entry is reported on
// stderr (E0111) and compiled again.
//
// A large module is split into several translation units by function ranges (split_units.h), compiled
// in parallel by a bounded pool of compiler processes (`jobs`, default one per core) and linked;
// small modules are one compile as before. Each compile, and the link, runs in its own process group, dies with its parent (PR_SET_PDEATHSIG), and is bounded
// in address space (RLIMIT_AS), CPU time (RLIMIT_CPU) and wall-clock time; exceeding a bound is
// WasmCompileLimit, naming the unit. Work directories and compiler processes left behind by a killed process are
// removed when a cache is opened.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "torvyn/base/result.h"
#include "translate.h"

namespace torvyn::wasm::aot {

// A verified compiled object, held open. Move-only; closes its descriptor when destroyed (dlopen keeps
// its own mapping, so close it once the object is loaded).
class CompiledObject {
 public:
  CompiledObject() = default;
  CompiledObject(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  CompiledObject(CompiledObject&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  CompiledObject& operator=(CompiledObject&& o) noexcept;
  CompiledObject(const CompiledObject&) = delete;
  CompiledObject& operator=(const CompiledObject&) = delete;
  ~CompiledObject();

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }  // where it lives in the cache (for messages)
  // A path naming this open file for dlopen: /proc/self/fd/<fd>, spelled differently on every call
  // (glibc matches already-loaded objects by the name string, and descriptor numbers are reused).
  std::string loadable_path() const;

 private:
  int fd_ = -1;
  std::string path_;
};

class CompileCache {
 public:
  struct Options {
    std::string dir;  // empty: $XDG_CACHE_HOME/torvyn/aot or $HOME/.cache/torvyn/aot
    std::string cc = "cc";
    std::string opt_level = "-O2";
    // Wall-clock bound on one compile; also the compiler's CPU-time limit (RLIMIT_CPU).
    std::chrono::seconds timeout{600};
    // The compiler's address-space limit (RLIMIT_AS) in bytes; 0 = default_compile_memory_limit().
    uint64_t memory_limit = 0;
    // Splitting: units of about `unit_bytes` of generated C, at most `max_units` (1 = never split).
    size_t unit_bytes = 4u << 20;
    size_t max_units = 64;
    // Compiler processes at once; 0 = one per core (fewer when `memory_limit` each would not fit in
    // 3/4 of physical memory).
    unsigned jobs = 0;
    // A unit holding a function of more C than this is compiled at -O1 whatever `opt_level` says:
    // GCC's -O2 passes grow super-linearly on functions of tens of thousands of locals.
    size_t huge_function_bytes = 1u << 20;
    // Reads true: compiles under way are stopped (their compiler processes killed) and fail, and
    // no new one starts. Optional.
    std::shared_ptr<const std::atomic<bool>> cancel;
  };

  // Told as units finish: (units compiled, units in all). Called from the pool's threads.
  using UnitObserver = std::function<void(size_t done, size_t total)>;

  static Result<CompileCache> open(const Options& options);

  // One compiler (or linker) run: what it builds, for messages, and its argv.
  struct CompileJob {
    std::string what;
    std::vector<std::string> argv;
  };

  std::string key_for(std::span<const uint8_t> module_bytes, bool metered) const;
  std::string entry_dir(const std::string& key) const;  // <dir>/<kk>/<key>
  // Whether an entry for `key` exists (not verified: get_or_compile checks it).
  bool has_entry(const std::string& key) const;

  // The verified compiled object for `key`, compiling `translate()` on a miss or when the cached
  // entry fails its check. `module_name` goes into warnings.
  Result<CompiledObject> get_or_compile(const std::string& key, const std::function<Result<Translation>()>& translate,
                                        const std::string& module_name = "", const UnitObserver& on_unit = {}) const;

  // The description stored with `key`'s entry (Translation::description), read without following
  // a symbolic link from a file we own, and checked against the digest recorded in it (which
  // names the key too). Empty when there is none, or it fails a check: the caller decodes the
  // module then, and may store one with store_description().
  std::string description(const std::string& key) const;
  // Adds a description to an existing entry that lacks one (entries compiled before descriptions
  // were stored). Written beside it and renamed into place; a failure only means the next load
  // decodes again.
  void store_description(const std::string& key, const std::string& text) const;

  const std::string& dir() const { return dir_; }
  const std::vector<std::string>& flags() const { return flags_; }
  uint64_t memory_limit() const { return memory_limit_; }
  unsigned jobs() const { return jobs_; }

 private:
  Status run_jobs(const std::filesystem::path& work, const std::vector<CompileJob>& jobs, const UnitObserver& on_unit) const;

  std::string dir_;
  std::string cc_;  // resolved path of the compiler
  std::string cc_identity_;
  std::vector<std::string> flags_;
  std::chrono::seconds timeout_{600};
  uint64_t memory_limit_ = 0;
  std::string opt_level_;
  size_t unit_bytes_ = 0, max_units_ = 1, huge_function_bytes_ = 0;
  unsigned jobs_ = 1;
  std::shared_ptr<const std::atomic<bool>> cancel_;
};

// 4 GiB, or 3/4 of physical memory when that is less (at least 512 MiB).
uint64_t default_compile_memory_limit();
// One per core, but no more than 3/4 of physical memory holds at `memory_limit_each` (at least 1).
unsigned default_compile_jobs(uint64_t memory_limit_each);

}  // namespace torvyn::wasm::aot

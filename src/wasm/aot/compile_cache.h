// The content-addressed cache of compiled modules, and running the C compiler to fill it.
// Key = SHA-256 of (module bytes, compiler identity, flags, glue ABI version). Entries are written to
// a private temp directory and renamed into place, so concurrent processes never see a torn file.
#pragma once

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "torvyn/base/result.h"
#include "translate.h"

namespace torvyn::wasm::aot {

class CompileCache {
 public:
  struct Options {
    std::string dir;  // empty: $XDG_CACHE_HOME/torvyn/aot or $HOME/.cache/torvyn/aot
    std::string cc = "cc";
    std::string opt_level = "-O2";
    std::chrono::seconds timeout{600};
  };

  static Result<CompileCache> open(const Options& options);

  std::string key_for(std::span<const uint8_t> module_bytes, bool metered) const;
  std::string path_for(const std::string& key) const;

  // The path of the compiled shared object for `key`, compiling `translate()` on a miss.
  Result<std::string> get_or_compile(const std::string& key, const std::function<Result<Translation>()>& translate) const;

  const std::string& dir() const { return dir_; }
  const std::vector<std::string>& flags() const { return flags_; }

 private:
  std::string dir_;
  std::string cc_;
  std::string cc_identity_;
  std::vector<std::string> flags_;
  std::chrono::seconds timeout_{600};
};

std::string sha256_hex(std::span<const uint8_t> data);

}  // namespace torvyn::wasm::aot

// The "spectest" host module that spec scripts import from (the reference interpreter's
// spectest.ml): print functions, four immutable globals, a table and a memory.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "torvyn/wasm/engine.h"

namespace torvyn::spectest {

class SpectestHost {
 public:
  // `log` (may be null) receives one line per print call; pass it only with --verbose.
  SpectestHost(wasm::Store& store, std::string* log) : store_(store), log_(log) {}
  SpectestHost(const SpectestHost&) = delete;
  SpectestHost& operator=(const SpectestHost&) = delete;

  // The export `name`, created in the Store on first use and shared by every later importer (the
  // spec has one spectest instance, so e.g. all importers see the same memory). nullopt when
  // spectest has no such export or the Store refused to create it.
  std::optional<wasm::Extern> get(std::string_view name);

 private:
  // What a print function needs at call time; lives in `prints_` so its address is stable.
  struct PrintEnv {
    SpectestHost* host;
    std::string name;
    wasm::FuncType type;
  };
  static wasm::TrapKind print(void* env, wasm::HostContext& ctx, wasm::Slot* slots);

  std::optional<wasm::Extern> create(std::string_view name);

  wasm::Store& store_;
  std::string* log_;
  std::deque<PrintEnv> prints_;
  std::map<std::string, wasm::Extern, std::less<>> made_;
};

}  // namespace torvyn::spectest

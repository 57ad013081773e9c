// What `Runtime::build` tells a caller that shows progress while it loads components: the aot
// engine compiles a component it has not seen before (seconds, minutes for a large one) and finds
// it in its cache otherwise. One component is one event stream, however many core modules it has.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace torvyn::host {

struct LoadEvent {
  // Compiling, then Compiled or Failed, when at least one of its modules was not cached;
  // Cached alone when every module was (aot only: the interpreter compiles nothing). Between
  // Compiling and its end, Progress as a large module's translation units finish. A compile in the
  // background (runtime.tiering: `background` set) that its run no longer needs ends Stopped.
  enum class Kind { Compiling, Compiled, Cached, Failed, Progress, Stopped };
  Kind kind = Kind::Compiling;
  std::string component;        // the reference its node names (a [[component]] or file://...)
  std::filesystem::path file;   // the .wasm loaded
  uint64_t bytes = 0;           // its size
  std::string engine;           // "aot" | "interp"
  double seconds = 0;           // Compiled, Failed, Progress: from the first compile on
  std::string module;           // Progress: the core module being compiled
  size_t units_done = 0;        // Progress: its compiler runs finished ...
  size_t units_total = 0;       // ... of all of them
  bool background = false;      // a tiering compile: the component already runs on the interpreter
  std::string why_now;          // a compile waited on under tiering: why it could not go to the background
};

// Called on the thread that runs Runtime::build, while it waits, and for compiles in the background
// (`background`) on their own threads while the run goes on. It must not throw.
using LoadObserver = std::function<void(const LoadEvent&)>;

}  // namespace torvyn::host

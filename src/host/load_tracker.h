// Turns the engine's per-module compile events into per-component LoadEvents (load_events.h). A
// component holds several core modules; the user waits on the component, so that is what is
// reported.
#pragma once

#include <chrono>

#include "torvyn/host/load_events.h"
#include "torvyn/wasm/engine.h"

namespace torvyn::host {

// Lives for one component's load, on the loading thread: the engine's observer (shared by every
// load on every thread) finds it through a thread-local pointer.
class LoadTracker {
 public:
  LoadTracker(const LoadObserver& observer, LoadEvent what);
  ~LoadTracker();
  LoadTracker(const LoadTracker&) = delete;
  LoadTracker& operator=(const LoadTracker&) = delete;

  // The engine observer to install in every EngineConfig (routes to the current thread's tracker).
  static void on_compile(const wasm::CompileEvent& e);
  // The load ended: Compiled/Failed if anything compiled, else Cached when it succeeded.
  void finish(bool ok);
  // A compile known to be needed (tiering's, for a module the cache does not hold) that may wait
  // before it begins (BackgroundCompiles::hold): announced now, timed from now.
  void compiling_now();
  // The load was stopped before it finished (its run ended first): Stopped if anything compiled.
  void stopped();

 private:
  void emit(LoadEvent::Kind kind, double seconds);

  const LoadObserver& observer_;
  LoadEvent what_;
  LoadTracker* outer_;
  bool compiling_ = false;
  std::chrono::steady_clock::time_point started_{};
};

}  // namespace torvyn::host

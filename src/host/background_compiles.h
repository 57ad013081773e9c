// Tiering (runtime.tiering, docs/tiering.md): the aot compiles a run starts in the background while
// its nodes run the same components on the interpreter. Each compile runs on a thread of its own
// and, when it ends, fills the streaming::TierUp its nodes wait on; the nodes move at their next
// element boundary. A run that ends first stops the compiles still under way (their compiler
// processes are killed, nothing is cached) and waits for their threads.
//
// A run holds its compiles back until its first element is out (release()) or a time limit
// passes: a compile takes the CPU and memory bandwidth the interpreter's own load and first calls
// need, and those are what the user waits for; the compile itself takes seconds to minutes, so a
// start that much later costs it nothing that matters.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "torvyn/component/runtime.h"
#include "torvyn/host/load_events.h"
#include "torvyn/streaming/component_node.h"

namespace torvyn::host {

class BackgroundCompiles {
 public:
  // `cancel` is the flag the aot engines were given (EngineConfig::compile_cancel).
  explicit BackgroundCompiles(std::shared_ptr<std::atomic<bool>> cancel) : cancel_(std::move(cancel)) {}
  ~BackgroundCompiles() { stop(); }
  BackgroundCompiles(const BackgroundCompiles&) = delete;
  BackgroundCompiles& operator=(const BackgroundCompiles&) = delete;

  // Compiles `running` (loaded on the interpreter) on `engine`; `observer` hears the compile's
  // LoadEvents (from the compile's thread) as `what`.
  std::shared_ptr<streaming::TierUp> start(std::shared_ptr<const component::LoadedComponent> running, std::shared_ptr<wasm::Engine> engine,
                                           LoadObserver observer, LoadEvent what);
  // Stops the compiles still under way and waits for every thread. Idempotent.
  void stop();

  // Compiles started from now on wait, before they begin, until release(), stop() or `at_most`
  // from now, whichever comes first. Without hold() a compile begins at once.
  void hold(std::chrono::milliseconds at_most);
  void release();
  bool held() const;

  // How much nicer than the flow a compile runs (and its compiler processes).
  static constexpr int kNiceIncrement = 10;
  // Lowers the calling thread's priority by kNiceIncrement (what each compile thread does first).
  static void lower_priority();

 private:
  // Waits (on a compile's thread) while the compiles are held.
  void wait_for_release();

  std::shared_ptr<std::atomic<bool>> cancel_;
  std::mutex mu_;
  std::vector<std::thread> threads_;
  mutable std::mutex gate_mu_;
  std::condition_variable gate_;
  bool held_ = false;
  std::chrono::steady_clock::time_point hold_until_{};
};

}  // namespace torvyn::host

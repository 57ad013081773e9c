// The one loop that runs flows (DESIGN.md §7, §2a): a set of flows driven on the calling thread.
// Production runs one Executor per worker thread (host::Runtime::run); Flow::run, the tests and
// pipeline_bench run the very same loop with one flow, so what is measured is what runs.
//
// A turn: the turn hook (if any), a pending stop request forwarded to every flow, then one
// step() of each active flow in order; a flow whose step() returns false is finished (teardown,
// every buffer back) and leaves the set. When no flow made progress, the thread naps until the
// earliest idle_until() of its flows (a paused sink), or for `idle_nap` when none waits on a
// timer (a source with nothing now), never longer than `max_nap`; wake() or a stop request cuts
// the nap short.
//
// Watchdog-friendly: the thread blocks only in that bounded nap and inside stage calls (which
// the engines' watchdog interrupts); the stop flag is read once per turn; turns() grows once per
// turn, so a supervisor can tell a live executor from a stuck one.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

namespace torvyn::reactor {

class Flow;

struct ExecutorOptions {
  std::chrono::nanoseconds idle_nap{std::chrono::microseconds(200)};
  std::chrono::nanoseconds max_nap{std::chrono::milliseconds(5)};
};

class Executor {
 public:
  explicit Executor(ExecutorOptions options = {}) : options_(options) {}
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Before run(). The flow must outlive run().
  void add(Flow& flow) { flows_.push_back(&flow); }
  // Called at the start of every turn with the flows still active (e.g. a warm-up snapshot).
  void on_turn(std::function<void(const std::vector<Flow*>& active)> hook) { turn_hook_ = std::move(hook); }

  // Starts every flow (a flow whose start fails is finished at once) and runs them until each
  // has finished. `stop` (optional, any thread): once true, every flow stops its sources and
  // drains. Returns when every flow is finished.
  void run(const std::atomic<bool>* stop = nullptr);

  // Any thread: as if `stop` had become true; and a nap in progress ends.
  void request_stop();
  // Any thread: ends a nap in progress (new work or a stop flag set elsewhere).
  void wake();
  // Turns run so far (any thread).
  uint64_t turns() const { return turns_.load(std::memory_order_relaxed); }

 private:
  void nap(std::chrono::steady_clock::time_point wake_at);

  ExecutorOptions options_;
  std::vector<Flow*> flows_;
  std::function<void(const std::vector<Flow*>&)> turn_hook_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<uint64_t> turns_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool woken_ = false;  // guarded by mutex_
};

}  // namespace torvyn::reactor

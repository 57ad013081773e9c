// Wall-clock limits for guest invocations. One background thread per process watches every armed
// invocation and, when its deadline passes, interrupts it by driving the Store's fuel negative: the
// guest then traps at its next function entry or loop header (the fuel pass put a check at each),
// so even `loop br 0 end` stops within milliseconds, on both backends, without signals.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace torvyn::wasm {

class Interruptible {
 public:
  virtual ~Interruptible() = default;
  // Called on the watchdog thread: make the running guest trap soon. Must be thread-safe.
  virtual void interrupt() = 0;
};

class WatchdogEntry {
 public:
  explicit WatchdogEntry(Interruptible* target);
  ~WatchdogEntry();
  WatchdogEntry(const WatchdogEntry&) = delete;
  WatchdogEntry& operator=(const WatchdogEntry&) = delete;

  void arm(std::chrono::nanoseconds timeout);  // cheap: one clock read and two atomic stores
  void disarm();
  bool fired() const { return fired_.load(std::memory_order_acquire); }

 private:
  friend class Watchdog;
  Interruptible* target_;
  std::atomic<int64_t> deadline_ns_{0};  // steady_clock; 0 = disarmed
  std::atomic<bool> fired_{false};
};

}  // namespace torvyn::wasm

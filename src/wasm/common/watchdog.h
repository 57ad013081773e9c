// Wall-clock limits for guest invocations. One background thread per process watches every armed
// invocation and, when its deadline passes, interrupts it by driving the Store's fuel negative: the
// guest then traps at its next function entry or loop header (the fuel pass put a check at each),
// so even `loop br 0 end` stops within milliseconds, on both backends, without signals.
//
// The same thread carries a stop request (SIGTERM) into guests that never return: while a
// StopInterrupts (torvyn/wasm/stop_interrupts.h) is registered and its flag is set, every invocation still running `grace` after
// the watchdog first saw it under the stop is interrupted too, with or without a timeout of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "torvyn/wasm/stop_interrupts.h"

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

  // A top-level invocation starts: with a timeout (> 0) the deadline is armed (one clock read);
  // without, only a counter is bumped so that a stop request can still find the running call.
  void begin(std::chrono::nanoseconds timeout);
  void end();
  bool fired() const { return fired_.load(std::memory_order_acquire); }
  // The interrupt came from a stop request rather than the invocation's own timeout.
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }

 private:
  friend class Watchdog;
  Interruptible* target_;
  std::atomic<int64_t> deadline_ns_{0};  // steady_clock; 0 = disarmed
  std::atomic<uint64_t> calls_{0};       // odd while an invocation runs; written by its thread only
  std::atomic<bool> fired_{false};
  std::atomic<bool> stopped_{false};
  // The watchdog thread's own view, under its lock: which call it saw running under a stop, since when.
  uint64_t seen_call_ = 0;
  int64_t seen_ns_ = 0;
};


}  // namespace torvyn::wasm

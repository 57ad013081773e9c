// Wall-clock limits for guest invocations. One background thread per process watches every armed
// invocation and, when its deadline passes, interrupts it by driving the Store's fuel negative: the
// guest then traps at its next function entry or loop header (the fuel pass put a check at each),
// so even `loop br 0 end` stops within milliseconds, on both backends, without signals.
//
// The same thread carries a stop request (SIGTERM) into guests that never return: while a
// StopInterrupts (torvyn/wasm/stop_interrupts.h) is registered and its flag is set, every invocation
// without a timeout of its own still running `grace` after the stop (or after the watchdog first
// saw it, if later) is interrupted too; one with a timeout ends by its timeout.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "asymmetric_fence.h"
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

  // A top-level invocation starts: a counter is bumped (so the watchdog can tell this call from
  // the last) and its timeout published when it changed. No clock is read here: the watchdog times
  // the call from the first tick that sees it running (ticks are at most 1 ms apart while a call
  // with a timeout runs), so a call never stops before its timeout and at most ~1 ms after it.
  // At one export call per element, the clock read this replaced was ~28 ns per call.
  // Inline: both run once per export call.
  void begin(std::chrono::nanoseconds timeout) {
    if (fired_.load(std::memory_order_relaxed)) [[unlikely]]
      rearm();
    // Stored only on a change (this thread is its only writer, so its own relaxed load is exact).
    if (const int64_t t = timeout.count() > 0 ? timeout.count() : 0; t != timeout_ns_.load(std::memory_order_relaxed)) [[unlikely]]
      timeout_ns_.store(t, std::memory_order_relaxed);  // published by the release below
    // Only this thread writes calls_: a plain increment published with release, no locked op.
    calls_.store(calls_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }
  // The call ends. An interrupt meant for it must not land on the next call (whose fuel the Store
  // loads after the next begin), so this returns only once no landing for it is in flight: a
  // handshake with the watchdog, which checks inside each landing that its call still runs
  // (Watchdog::interrupt). Either that check sees this end, or this sees the landing and waits.
  void end() {
    calls_.store(calls_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    detail::light_fence();  // pairs with the watchdog's heavy_fence: no locked op here either
    if (landing_.load(std::memory_order_acquire)) [[unlikely]]
      wait_for_landing();
  }
  bool fired() const { return fired_.load(std::memory_order_acquire); }
  // The interrupt came from a stop request rather than the invocation's own timeout.
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }

 private:
  friend class Watchdog;
  void rearm();  // after an interrupt fired: the next call starts clean
  void wait_for_landing() const;
  Interruptible* target_;
  // The running call's timeout in ns (0 = none): stored before calls_ turns odd, so a watchdog
  // that sees call k running reads call k's timeout (or, for one tick, a later call's: it only
  // acts on a call it has seen running on two ticks, and then no begin came in between).
  std::atomic<int64_t> timeout_ns_{0};
  std::atomic<uint64_t> calls_{0};       // odd while an invocation runs; written by its thread only
  std::atomic<bool> fired_{false};
  std::atomic<bool> stopped_{false};
  // True while the watchdog lands an interrupt: from before it checks which call runs until its
  // store into the fuel counter is done.
  std::atomic<bool> landing_{false};
  // The watchdog thread's own view, under its lock: the call it last saw running, since when.
  uint64_t seen_call_ = 0;
  int64_t seen_ns_ = 0;
};


}  // namespace torvyn::wasm

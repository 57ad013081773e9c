// Bookkeeping shared by both backends around a top-level guest call: fuel refill and accounting,
// the watchdog, and turning "unreachable with negative fuel" into the right trap kind.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "torvyn/base/counts.h"
#include "torvyn/wasm/types.h"
#include "watchdog.h"

namespace torvyn::wasm {

class InvocationLimits {
 public:
  explicit InvocationLimits(Interruptible* target) : watchdog_(target) {}

  void set_fuel_per_invocation(uint64_t fuel) { budget_ = fuel == 0 || fuel > kMaxFuel ? kMaxFuel : static_cast<int64_t>(fuel); }
  void set_timeout(std::chrono::nanoseconds t) { timeout_ = t; }
  uint64_t fuel_per_invocation() const { return budget_ == kMaxFuel ? 0 : static_cast<uint64_t>(budget_); }
  std::chrono::nanoseconds timeout() const { return timeout_; }

  // Returns the fuel to load into the counter for a new top-level call.
  int64_t begin() {
    watchdog_.begin(timeout_);
    return budget_;
  }
  // `remaining` is the counter after the call.
  void end(int64_t remaining) {
    watchdog_.end();
    // Negative means exhausted (or interrupted, when the watchdog stored a huge negative value).
    if (remaining < 0) consumed_ = static_cast<uint64_t>(budget_);
    else consumed_ = remaining >= budget_ ? 0 : static_cast<uint64_t>(budget_ - remaining);
  }
  uint64_t consumed() const { return consumed_; }

  // Refines a raw trap from the guest: a trap at a fuel check is fuel exhaustion, or a timeout if
  // the watchdog drove the counter negative.
  TrapKind classify(TrapKind raw, int64_t remaining) const {
    if (raw != TrapKind::Unreachable || remaining >= 0) return raw;
    if (!watchdog_.fired()) return TrapKind::FuelExhausted;
    return watchdog_.stopped() ? TrapKind::Interrupted : TrapKind::Timeout;
  }
  // The limits' own traps (fuel, timeout, interruption) say which limit and how much.
  static bool is_limit(TrapKind kind) {
    return kind == TrapKind::FuelExhausted || kind == TrapKind::Timeout || kind == TrapKind::Interrupted;
  }
  std::string describe(TrapKind kind) const {
    if (kind == TrapKind::FuelExhausted) return "fuel exhausted: the invocation used its budget of " + with_thousands(static_cast<uint64_t>(budget_)) + " fuel";
    if (kind == TrapKind::Interrupted)
      return "interrupted: the invocation had not returned when the run was told to stop (SIGTERM/SIGINT)";
    if (kind == TrapKind::Timeout)
      return "invocation timed out after " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout_).count()) + " ms";
    return to_string(kind);
  }

  static constexpr int64_t kMaxFuel = std::numeric_limits<int64_t>::max() / 2;
  // What the watchdog stores to stop a guest: negative however much the guest subtracts afterwards.
  static constexpr int64_t kInterruptFuel = std::numeric_limits<int64_t>::min() / 2;

 private:
  WatchdogEntry watchdog_;
  int64_t budget_ = kMaxFuel;
  uint64_t consumed_ = 0;
  std::chrono::nanoseconds timeout_{0};
};

}  // namespace torvyn::wasm

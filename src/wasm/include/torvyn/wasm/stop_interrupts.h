// How a stop request (SIGTERM, a run's deadline) reaches a guest that never returns: its worker
// thread is inside the guest and cannot see the request, so the engines' watchdog thread interrupts
// every invocation without a timeout of its own still running `grace` after the stop reached it (one
// with a timeout ends by that). The interrupted call traps like a timeout, with a message that says
// it was stopped.
#pragma once

#include <atomic>
#include <chrono>

namespace torvyn::wasm {

// While alive and `stop` reads true, invocations are interrupted as above. One at a time per
// process (a later one replaces an earlier one); the flag must outlive this object.
class StopInterrupts {
 public:
  StopInterrupts(const std::atomic<bool>& stop, std::chrono::nanoseconds grace);
  ~StopInterrupts();
  StopInterrupts(const StopInterrupts&) = delete;
  StopInterrupts& operator=(const StopInterrupts&) = delete;
};

}  // namespace torvyn::wasm

#include "watchdog.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace torvyn::wasm {

namespace {
int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

class Watchdog {
 public:
  static Watchdog& instance() {
    static Watchdog* w = new Watchdog();  // never destroyed: entries may outlive static destruction
    return *w;
  }
  Watchdog() { detail::register_heavy_fence(); }  // before any entry's begin uses the light fence

  void add(WatchdogEntry* e) {
    std::lock_guard lock(mu_);
    entries_.push_back(e);
    if (!started_) {
      started_ = true;
      std::thread([this] { run(); }).detach();
    }
  }

  void remove(WatchdogEntry* e) {
    std::lock_guard lock(mu_);
    entries_.erase(std::remove(entries_.begin(), entries_.end(), e), entries_.end());
  }

  void set_stop(const std::atomic<bool>* stop, int64_t grace_ns) {
    std::lock_guard lock(mu_);
    stop_ = stop;
    grace_ns_ = grace_ns;
  }

 private:
  // Interrupts call `call` of `e`, unless it has ended: an interrupt meant for one call must not
  // land on the next, which the entry's thread may begin at any moment. A handshake closes that
  // window: this thread marks the landing and then reads the call (heavy fence between), the
  // entry's end() marks the call's end and then reads the landing mark (light fence between), so
  // either the check here sees the end, or end() sees the landing and waits for it to finish.
  static void interrupt(WatchdogEntry* e, uint64_t call, bool by_stop) {
    e->landing_.store(true, std::memory_order_relaxed);
    detail::heavy_fence();
    if (e->calls_.load(std::memory_order_acquire) == call) {
      if (by_stop) e->stopped_.store(true, std::memory_order_release);
      e->fired_.store(true, std::memory_order_release);
      e->target_->interrupt();
    }
    e->landing_.store(false, std::memory_order_release);
  }

  void run() {
    std::unique_lock lock(mu_);
    for (;;) {
      int64_t now = now_ns();
      // Sleep until the nearest deadline, but at most 1 ms: a call starting does not wake us (that
      // would put a syscall on every invocation), so a new call is seen within a millisecond. (What
      // is left of a timeout, not its end: a timeout near INT64_MAX ns must not overflow.)
      int64_t wait = 1'000'000;
      bool stopping = stop_ && stop_->load(std::memory_order_relaxed);
      if (!stopping) stop_since_ = 0;
      else if (stop_since_ == 0) stop_since_ = now;
      for (WatchdogEntry* e : entries_) {
        uint64_t call = e->calls_.load(std::memory_order_acquire);
        if ((call & 1) == 0) continue;  // not running
        int64_t timeout = e->timeout_ns_.load(std::memory_order_relaxed);
        if (call != e->seen_call_) {
          e->seen_call_ = call;  // first seen: its time (and, under a stop, its grace) starts now
          e->seen_ns_ = now;
        }
        // A call with a timeout of its own ends by it; the stop reaches the others.
        if (timeout > 0) {
          // Keep interrupting every tick until the call ends: the guest may overwrite one
          // interrupt with its own read-modify-write of the counter.
          const int64_t ran = now - e->seen_ns_;
          if (ran >= timeout) interrupt(e, call, false);
          else wait = std::min(wait, timeout - ran);
          continue;
        }
        // Under a stop, the grace starts when the stop came or the call was first seen, whichever
        // was later.
        if (stopping && now - std::max(e->seen_ns_, stop_since_) >= grace_ns_) interrupt(e, call, true);
      }
      cv_.wait_for(lock, std::chrono::nanoseconds(std::max<int64_t>(wait, 50'000)));
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<WatchdogEntry*> entries_;
  bool started_ = false;
  const std::atomic<bool>* stop_ = nullptr;
  int64_t grace_ns_ = 0;
  int64_t stop_since_ = 0;  // when this thread first saw the stop flag set (0: not set)
};

WatchdogEntry::WatchdogEntry(Interruptible* target) : target_(target) { Watchdog::instance().add(this); }
WatchdogEntry::~WatchdogEntry() { Watchdog::instance().remove(this); }

// A landing takes a few instructions, unless the watchdog's thread is descheduled inside it.
void WatchdogEntry::wait_for_landing() const {
  for (int spins = 0; landing_.load(std::memory_order_acquire); ++spins) {
    if (spins < 64) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    } else {
      std::this_thread::yield();
    }
  }
}

void WatchdogEntry::rearm() {
  fired_.store(false, std::memory_order_relaxed);
  stopped_.store(false, std::memory_order_relaxed);
}

StopInterrupts::StopInterrupts(const std::atomic<bool>& stop, std::chrono::nanoseconds grace) {
  Watchdog::instance().set_stop(&stop, grace.count());
}
StopInterrupts::~StopInterrupts() { Watchdog::instance().set_stop(nullptr, 0); }

}  // namespace torvyn::wasm

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
  static void interrupt(WatchdogEntry* e, bool by_stop) {
    if (by_stop) e->stopped_.store(true, std::memory_order_release);
    e->fired_.store(true, std::memory_order_release);
    e->target_->interrupt();
  }

  void run() {
    std::unique_lock lock(mu_);
    for (;;) {
      int64_t now = now_ns();
      int64_t next = 0;
      bool stopping = stop_ && stop_->load(std::memory_order_relaxed);
      for (WatchdogEntry* e : entries_) {
        int64_t d = e->deadline_ns_.load(std::memory_order_acquire);
        if (d != 0 && d <= now) {
          // Keep interrupting every tick until the call ends and disarms: the guest may overwrite
          // one interrupt with its own read-modify-write of the counter.
          interrupt(e, false);
        } else if (d != 0 && (next == 0 || d < next)) {
          next = d;
        }
        // An invocation with a timeout of its own is left to it; the stop only reaches those
        // that nothing else would ever end.
        if (!stopping || d != 0) continue;
        uint64_t call = e->calls_.load(std::memory_order_acquire);
        if ((call & 1) == 0) continue;  // not running
        if (call != e->seen_call_) {
          e->seen_call_ = call;  // first seen under the stop: its grace starts now
          e->seen_ns_ = now;
        } else if (now - e->seen_ns_ >= grace_ns_) {
          interrupt(e, true);
        }
      }
      // Sleep until the nearest deadline, but at most 1 ms: arming does not wake us (that would put
      // a syscall on every invocation), so a newly armed deadline is noticed within a millisecond.
      int64_t wait = next == 0 ? 1'000'000 : std::min<int64_t>(next - now, 1'000'000);
      cv_.wait_for(lock, std::chrono::nanoseconds(std::max<int64_t>(wait, 50'000)));
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<WatchdogEntry*> entries_;
  bool started_ = false;
  const std::atomic<bool>* stop_ = nullptr;
  int64_t grace_ns_ = 0;
};

WatchdogEntry::WatchdogEntry(Interruptible* target) : target_(target) { Watchdog::instance().add(this); }
WatchdogEntry::~WatchdogEntry() { Watchdog::instance().remove(this); }

void WatchdogEntry::begin(std::chrono::nanoseconds timeout) {
  if (fired_.load(std::memory_order_relaxed)) {
    fired_.store(false, std::memory_order_relaxed);
    stopped_.store(false, std::memory_order_relaxed);
  }
  // Only this thread writes calls_: a plain increment published with release, no locked op.
  calls_.store(calls_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  if (timeout.count() > 0) deadline_ns_.store(now_ns() + timeout.count(), std::memory_order_release);
}

void WatchdogEntry::end() {
  if (deadline_ns_.load(std::memory_order_relaxed) != 0) deadline_ns_.store(0, std::memory_order_release);
  calls_.store(calls_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

StopInterrupts::StopInterrupts(const std::atomic<bool>& stop, std::chrono::nanoseconds grace) {
  Watchdog::instance().set_stop(&stop, grace.count());
}
StopInterrupts::~StopInterrupts() { Watchdog::instance().set_stop(nullptr, 0); }

}  // namespace torvyn::wasm

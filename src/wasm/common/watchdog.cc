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

  void wake() { cv_.notify_one(); }

 private:
  void run() {
    std::unique_lock lock(mu_);
    for (;;) {
      int64_t now = now_ns();
      int64_t next = 0;
      for (WatchdogEntry* e : entries_) {
        int64_t d = e->deadline_ns_.load(std::memory_order_acquire);
        if (d == 0) continue;
        if (d <= now) {
          // Keep interrupting every tick until the call ends and disarms: the guest may overwrite
          // one interrupt with its own read-modify-write of the counter.
          e->fired_.store(true, std::memory_order_release);
          e->target_->interrupt();
        } else if (next == 0 || d < next) {
          next = d;
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
};

WatchdogEntry::WatchdogEntry(Interruptible* target) : target_(target) { Watchdog::instance().add(this); }
WatchdogEntry::~WatchdogEntry() { Watchdog::instance().remove(this); }

void WatchdogEntry::arm(std::chrono::nanoseconds timeout) {
  fired_.store(false, std::memory_order_relaxed);
  deadline_ns_.store(now_ns() + timeout.count(), std::memory_order_release);
}

void WatchdogEntry::disarm() { deadline_ns_.store(0, std::memory_order_release); }

}  // namespace torvyn::wasm

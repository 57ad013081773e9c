#include "torvyn/reactor/executor.h"

#include <algorithm>

#include "torvyn/reactor/flow.h"

namespace torvyn::reactor {

using Clock = std::chrono::steady_clock;

void Executor::run(const std::atomic<bool>* stop) {
  std::vector<Flow*> active;
  for (Flow* f : flows_) {
    if (f->start()) active.push_back(f);
    else f->finish();
  }
  bool stopping = false;
  while (!active.empty()) {
    turns_.store(turns_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (turn_hook_) turn_hook_(active);
    if (!stopping && (stop_requested_.load(std::memory_order_relaxed) || (stop && stop->load(std::memory_order_relaxed)))) {
      stopping = true;
      for (Flow* f : active) f->request_stop();
    }
    bool progressed = false;
    Clock::time_point wake_at = Clock::time_point::max();
    for (size_t i = 0; i < active.size();) {
      Flow& flow = *active[i];
      if (!flow.step()) {
        flow.finish();
        active.erase(active.begin() + static_cast<std::ptrdiff_t>(i));
        progressed = true;
        continue;
      }
      progressed = progressed || flow.progressed();
      wake_at = std::min(wake_at, flow.idle_until());
      ++i;
    }
    if (!progressed && !active.empty()) nap(wake_at);
  }
}

void Executor::nap(Clock::time_point wake_at) {
  Clock::time_point now = Clock::now();
  Clock::time_point until = now + options_.idle_nap;
  if (wake_at != Clock::time_point::max()) until = std::max(now, wake_at);
  until = std::min(until, now + options_.max_nap);
  if (until <= now) return;
  std::unique_lock lock(mutex_);
  cv_.wait_until(lock, until, [&] { return woken_; });
  woken_ = false;
}

void Executor::request_stop() {
  stop_requested_.store(true, std::memory_order_relaxed);
  wake();
}

void Executor::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

}  // namespace torvyn::reactor

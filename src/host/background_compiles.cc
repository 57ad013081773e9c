#include "background_compiles.h"

#include <algorithm>
#include <cerrno>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "load_tracker.h"

namespace torvyn::host {

// The flow runs meanwhile and is what the user waits for: a background compile yields the CPU to
// it. On Linux the nice value belongs to the thread, and the compile's worker threads and compiler
// processes inherit it from this one. Raising one's own nice value needs no privilege; if it
// fails all the same, the compile runs at normal priority.
void BackgroundCompiles::lower_priority() {
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  int now = ::getpriority(PRIO_PROCESS, tid);
  if (errno == 0) (void)::setpriority(PRIO_PROCESS, tid, std::min(now + kNiceIncrement, 19));
}

std::shared_ptr<streaming::TierUp> BackgroundCompiles::start(std::shared_ptr<const component::LoadedComponent> running,
                                                             std::shared_ptr<wasm::Engine> engine, LoadObserver observer, LoadEvent what) {
  auto up = std::make_shared<streaming::TierUp>();
  std::lock_guard lock(mu_);
  threads_.emplace_back([this, up, running = std::move(running), engine = std::move(engine), observer = std::move(observer), what = std::move(what),
                         cancel = cancel_]() mutable noexcept {
    Result<std::shared_ptr<component::LoadedComponent>> compiled = Error(ErrorCode::Internal, "not compiled");
    lower_priority();
    {
      // On this thread: the engine's compile events for this load reach this tracker. The compile
      // is announced before any hold (the user learns at the start that it runs in the
      // background, and that it was stopped if the run ends first); its time includes the hold.
      LoadTracker tracker(observer, std::move(what));
      tracker.compiling_now();
      wait_for_release();
      try {
        // Stopped while held: the run ended before this compile began.
        if (!cancel->load()) compiled = running->load_on(engine);
      } catch (const std::exception& e) {  // nothing may leave a thread
        compiled = Error(ErrorCode::Internal, std::string("background compile: ") + e.what());
      }
      if (cancel->load()) tracker.stopped();
      else tracker.finish(compiled.ok());
    }
    if (compiled) up->target = *compiled;
    else up->failure = compiled.error().message;
    up->ready.store(true, std::memory_order_release);
  });
  return up;
}

void BackgroundCompiles::hold(std::chrono::milliseconds at_most) {
  std::lock_guard lock(gate_mu_);
  held_ = true;
  hold_until_ = std::chrono::steady_clock::now() + at_most;
}

void BackgroundCompiles::release() {
  {
    std::lock_guard lock(gate_mu_);
    held_ = false;
  }
  gate_.notify_all();
}

bool BackgroundCompiles::held() const {
  std::lock_guard lock(gate_mu_);
  return held_;
}

void BackgroundCompiles::wait_for_release() {
  std::unique_lock lock(gate_mu_);
  // A cancelled run (stop()) releases as well; the compile then sees the cancel flag at once.
  gate_.wait_until(lock, hold_until_, [&] { return !held_ || cancel_->load(); });
}

void BackgroundCompiles::stop() {
  cancel_->store(true);
  release();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

}  // namespace torvyn::host

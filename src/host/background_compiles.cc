#include "background_compiles.h"

#include "load_tracker.h"

namespace torvyn::host {

std::shared_ptr<streaming::TierUp> BackgroundCompiles::start(std::shared_ptr<const component::LoadedComponent> running,
                                                             std::shared_ptr<wasm::Engine> engine, LoadObserver observer, LoadEvent what) {
  auto up = std::make_shared<streaming::TierUp>();
  std::lock_guard lock(mu_);
  threads_.emplace_back([up, running = std::move(running), engine = std::move(engine), observer = std::move(observer), what = std::move(what),
                         cancel = cancel_]() mutable noexcept {
    Result<std::shared_ptr<component::LoadedComponent>> compiled = Error(ErrorCode::Internal, "not compiled");
    {
      // On this thread: the engine's compile events for this load reach this tracker.
      LoadTracker tracker(observer, std::move(what));
      try {
        compiled = running->load_on(engine);
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

void BackgroundCompiles::stop() {
  cancel_->store(true);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

}  // namespace torvyn::host

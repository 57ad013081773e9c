#include "load_tracker.h"

namespace torvyn::host {

namespace {
thread_local LoadTracker* t_current = nullptr;
}

LoadTracker::LoadTracker(const LoadObserver& observer, LoadEvent what) : observer_(observer), what_(std::move(what)), outer_(t_current) {
  t_current = this;
}

LoadTracker::~LoadTracker() { t_current = outer_; }

void LoadTracker::on_compile(const wasm::CompileEvent& e) {
  LoadTracker* t = t_current;
  if (t && e.kind == wasm::CompileEvent::Kind::Progress && t->compiling_) {
    t->what_.module = std::string(e.module);
    t->what_.units_done = e.units_done;
    t->what_.units_total = e.units_total;
    t->emit(LoadEvent::Kind::Progress, std::chrono::duration<double>(std::chrono::steady_clock::now() - t->started_).count());
    return;
  }
  if (!t || e.kind != wasm::CompileEvent::Kind::Started || t->compiling_) return;
  // The first module that misses the cache starts the wait; later ones are part of it.
  t->compiling_ = true;
  t->started_ = std::chrono::steady_clock::now();
  t->emit(LoadEvent::Kind::Compiling, 0);
}

void LoadTracker::finish(bool ok) {
  if (compiling_) {
    emit(ok ? LoadEvent::Kind::Compiled : LoadEvent::Kind::Failed,
         std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  } else if (ok && what_.engine == "aot") {
    emit(LoadEvent::Kind::Cached, 0);
  }
}

void LoadTracker::compiling_now() {
  if (compiling_) return;
  compiling_ = true;
  started_ = std::chrono::steady_clock::now();
  emit(LoadEvent::Kind::Compiling, 0);
}

void LoadTracker::stopped() {
  if (compiling_) emit(LoadEvent::Kind::Stopped, std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
}

void LoadTracker::emit(LoadEvent::Kind kind, double seconds) {
  if (!observer_) return;
  what_.kind = kind;
  what_.seconds = seconds;
  // Progress is best effort: a failing observer must not fail the load (or unwind through the
  // engine, which calls on_compile).
  try {
    observer_(what_);
  } catch (...) {
  }
}

}  // namespace torvyn::host

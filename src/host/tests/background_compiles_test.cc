// Tiering's background compiles (background_compiles.h) yield the CPU to the flow: the compile's
// thread, and so its worker threads and compiler processes, run nicer than the thread that
// started them, and a held compile begins only when released, stopped or at the hold's limit.
#include "background_compiles.h"
#include "load_tracker.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include "torvyn_test/engines.h"
#include "torvyn_test/process.h"

namespace torvyn::host {
namespace {

int nice_of_this_thread() { return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid))); }

TEST(BackgroundCompiles, LowerPriorityMakesOnlyTheCallingThreadNicer) {
  const int main_before = nice_of_this_thread();
  int before = 0, after = 0;
  std::thread t([&] {
    before = nice_of_this_thread();
    BackgroundCompiles::lower_priority();
    after = nice_of_this_thread();
  });
  t.join();
  EXPECT_EQ(after, std::min(before + BackgroundCompiles::kNiceIncrement, 19));
  EXPECT_EQ(nice_of_this_thread(), main_before);
}

// The SDK's uppercase component on an interpreter, and an aot engine with a cold cache to compile it on.
struct ColdCompile {
  test::TempDir cache;
  std::shared_ptr<wasm::Engine> aot;
  std::shared_ptr<component::LoadedComponent> running;

  ColdCompile() {
    std::ifstream in(std::string(TORVYN_SDK_COMPONENTS) + "/uppercase.wasm", std::ios::binary);
    EXPECT_TRUE(in) << "no uppercase.wasm";
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    auto interp = test::make_test_engine(wasm::EngineKind::Interp, cache.path().string());
    wasm::EngineConfig cfg;  // as the runtime makes it: compile events reach the load's tracker
    cfg.kind = wasm::EngineKind::Aot;
    cfg.cache_dir = cache.path().string();
    cfg.opt_level = "-O1";
    cfg.on_compile = &LoadTracker::on_compile;
    auto made = wasm::Engine::create(cfg);
    EXPECT_TRUE(made.ok()) << made.error().to_string();
    if (made) aot = *made;
    auto r = component::LoadedComponent::load(interp, bytes, "uppercase");
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    if (r) running = *r;
  }
  static LoadEvent what() {
    LoadEvent w;
    w.component = "uppercase";
    return w;
  }
};

bool wait_ready(const streaming::TierUp& up, std::chrono::seconds at_most) {
  const auto until = std::chrono::steady_clock::now() + at_most;
  while (!up.ready.load() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return up.ready.load();
}

TEST(BackgroundCompiles, ACompileRunsNicerThanTheFlow) {
  ColdCompile c;
  ASSERT_TRUE(c.aot && c.running);
  const int flow_nice = nice_of_this_thread();
  std::atomic<int> compiling_nice{-100};
  BackgroundCompiles compiles(std::make_shared<std::atomic<bool>>(false));
  auto up = compiles.start(c.running, c.aot,
                           [&](const LoadEvent& e) {
                             if (e.kind == LoadEvent::Kind::Compiling) compiling_nice = nice_of_this_thread();
                           },
                           ColdCompile::what());
  ASSERT_TRUE(wait_ready(*up, std::chrono::seconds(60)));
  EXPECT_TRUE(up->target) << up->failure;
  EXPECT_EQ(compiling_nice.load(), std::min(flow_nice + BackgroundCompiles::kNiceIncrement, 19));
  EXPECT_EQ(nice_of_this_thread(), flow_nice);
}

// A held compile is announced at once (the user sees it runs in the background) but does not
// begin until it is released (the run's first element), then completes. Uppercase compiles in ~1 s
// here; held for 1.5 s it has not finished, so it had not begun.
TEST(BackgroundCompiles, AHeldCompileBeginsWhenReleased) {
  ColdCompile c;
  ASSERT_TRUE(c.aot && c.running);
  std::atomic<bool> announced{false};
  BackgroundCompiles compiles(std::make_shared<std::atomic<bool>>(false));
  compiles.hold(std::chrono::minutes(10));
  auto up = compiles.start(c.running, c.aot, [&](const LoadEvent& e) { announced = announced || e.kind == LoadEvent::Kind::Compiling; }, ColdCompile::what());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_TRUE(announced.load());
  EXPECT_FALSE(up->ready.load());
  EXPECT_TRUE(compiles.held());
  compiles.release();
  EXPECT_FALSE(compiles.held());
  ASSERT_TRUE(wait_ready(*up, std::chrono::seconds(60)));
  EXPECT_TRUE(up->target) << up->failure;
}

// Nobody releases it: the compile begins all the same when the hold's limit passes.
TEST(BackgroundCompiles, AHeldCompileBeginsAtTheHoldsLimit) {
  ColdCompile c;
  ASSERT_TRUE(c.aot && c.running);
  BackgroundCompiles compiles(std::make_shared<std::atomic<bool>>(false));
  compiles.hold(std::chrono::milliseconds(200));
  auto up = compiles.start(c.running, c.aot, {}, ColdCompile::what());
  ASSERT_TRUE(wait_ready(*up, std::chrono::seconds(60)));
  EXPECT_TRUE(up->target) << up->failure;
}

// A run that ends while its compiles are held stops them at once: nothing compiles, nothing hangs.
TEST(BackgroundCompiles, StopEndsAHeldCompileAtOnce) {
  ColdCompile c;
  ASSERT_TRUE(c.aot && c.running);
  BackgroundCompiles compiles(std::make_shared<std::atomic<bool>>(false));
  compiles.hold(std::chrono::minutes(10));
  std::vector<LoadEvent::Kind> heard;
  auto up = compiles.start(c.running, c.aot, [&](const LoadEvent& e) { heard.push_back(e.kind); }, ColdCompile::what());
  const auto t0 = std::chrono::steady_clock::now();
  compiles.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));  // not the hold's 10 minutes
  EXPECT_TRUE(up->ready.load());
  EXPECT_FALSE(up->target);
  // The user is told it was stopped (and so that nothing was cached), as for a compile under way.
  EXPECT_EQ(heard, (std::vector<LoadEvent::Kind>{LoadEvent::Kind::Compiling, LoadEvent::Kind::Stopped}));
}

}  // namespace
}  // namespace torvyn::host

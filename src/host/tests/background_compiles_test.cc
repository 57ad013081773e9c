// Tiering's background compiles (background_compiles.h) yield the CPU to the flow: the compile's
// thread, and so its worker threads and compiler processes, run nicer than the thread that
// started them.
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

TEST(BackgroundCompiles, ACompileRunsNicerThanTheFlow) {
  std::ifstream in(std::string(TORVYN_SDK_COMPONENTS) + "/uppercase.wasm", std::ios::binary);
  ASSERT_TRUE(in) << "no uppercase.wasm";
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  test::TempDir cache;  // a cold cache: the aot engine must compile
  auto interp = test::make_test_engine(wasm::EngineKind::Interp, cache.path().string());
  wasm::EngineConfig cfg;  // as the runtime makes it: compile events reach the load's tracker
  cfg.kind = wasm::EngineKind::Aot;
  cfg.cache_dir = cache.path().string();
  cfg.opt_level = "-O1";
  cfg.on_compile = &LoadTracker::on_compile;
  auto made = wasm::Engine::create(cfg);
  ASSERT_TRUE(made.ok()) << made.error().to_string();
  std::shared_ptr<wasm::Engine> aot = *made;
  ASSERT_TRUE(interp);
  auto running = component::LoadedComponent::load(interp, bytes, "uppercase");
  ASSERT_TRUE(running.ok()) << running.error().to_string();

  const int flow_nice = nice_of_this_thread();
  std::atomic<int> compiling_nice{-100};
  BackgroundCompiles compiles(std::make_shared<std::atomic<bool>>(false));
  LoadEvent what;
  what.component = "uppercase";
  auto up = compiles.start(*running, aot,
                           [&](const LoadEvent& e) {
                             if (e.kind == LoadEvent::Kind::Compiling) compiling_nice = nice_of_this_thread();
                           },
                           what);
  for (int i = 0; i < 1200 && !up->ready.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(up->ready.load());
  EXPECT_TRUE(up->target) << up->failure;
  EXPECT_EQ(compiling_nice.load(), std::min(flow_nice + BackgroundCompiles::kNiceIncrement, 19));
  EXPECT_EQ(nice_of_this_thread(), flow_nice);
}

}  // namespace
}  // namespace torvyn::host

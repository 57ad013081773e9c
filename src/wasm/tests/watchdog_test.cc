// The watchdog times a call from the first tick that sees it running (WatchdogEntry::begin reads no
// clock): a call is never interrupted before its timeout, is interrupted soon after it, and a stop
// reaches a call only `grace` after the stop came, however long the call had run before it. The
// lower bounds hold on any machine (nothing can fire early); the upper bounds are generous waits.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/watchdog.h"

namespace torvyn::wasm {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class CountingTarget : public Interruptible {
 public:
  void interrupt() override { interrupts.fetch_add(1); }
  std::atomic<int> interrupts{0};
};

// Waits (up to 10 s) for the entry to fire, then checks that it fired no sooner than `not_before`
// after `t0`, and for the stop (`by_stop`) or for the call's own timeout.
void expect_fired(const WatchdogEntry& e, Clock::time_point t0, std::chrono::milliseconds not_before, bool by_stop) {
  const auto wait_from = Clock::now();
  while (!e.fired() && Clock::now() - wait_from < 10s) std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(e.fired());
  EXPECT_GE(Clock::now() - t0, not_before);
  EXPECT_EQ(e.stopped(), by_stop) << (by_stop ? "a stop, not a timeout" : "a timeout, not a stop");
}

TEST(Watchdog, ACallIsInterruptedAfterItsTimeoutAndNeverBefore) {
  CountingTarget target;
  WatchdogEntry e(&target);
  const auto t0 = Clock::now();
  e.begin(150ms);
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(e.fired()) << "interrupted before its timeout";
  ASSERT_NO_FATAL_FAILURE(expect_fired(e, t0, 150ms, /*by_stop=*/false));
  EXPECT_GT(target.interrupts.load(), 0);
  e.end();
  // The next call starts clean, and a call that ends in time is never interrupted. (An interrupt
  // decided for one call that lands on the next: AnInterruptForOneCallNeverLandsOnTheNext.)
  std::this_thread::sleep_for(5ms);
  e.begin(10s);
  EXPECT_FALSE(e.fired());
  std::this_thread::sleep_for(20ms);
  e.end();
  const int after = target.interrupts.load();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(target.interrupts.load(), after);
}

TEST(Watchdog, ACallWithoutATimeoutRunsUntilAStopAndItsGrace) {
  CountingTarget target;
  WatchdogEntry e(&target);
  e.begin(0ns);
  std::this_thread::sleep_for(100ms);  // longer than the grace below: the grace counts from the stop
  EXPECT_FALSE(e.fired());
  std::atomic<bool> stop{false};
  StopInterrupts interrupts(stop, 150ms);
  const auto t0 = Clock::now();
  stop = true;
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(e.fired()) << "the stop reached the call before its grace";
  ASSERT_NO_FATAL_FAILURE(expect_fired(e, t0, 150ms, /*by_stop=*/true));
  e.end();
}

// As README's "Stopping" says: a call with an invocation_timeout of its own ends by it, not by the
// stop's grace.
TEST(Watchdog, UnderAStopACallWithATimeoutEndsByItsTimeout) {
  CountingTarget target;
  WatchdogEntry e(&target);
  const auto t0 = Clock::now();
  e.begin(300ms);
  std::atomic<bool> stop{true};
  StopInterrupts interrupts(stop, 20ms);
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(e.fired()) << "the stop's grace ended a call that has a timeout of its own";
  ASSERT_NO_FATAL_FAILURE(expect_fired(e, t0, 300ms, /*by_stop=*/false));
  e.end();
}

// A manifest may ask for any duration: the watchdog's arithmetic must not overflow on the largest.
TEST(Watchdog, TheLargestTimeoutNeverFires) {
  CountingTarget target;
  WatchdogEntry e(&target);
  e.begin(std::chrono::nanoseconds::max());
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(e.fired());
  EXPECT_EQ(target.interrupts.load(), 0);
  e.end();
}

// The race an interrupt must not lose: the watchdog decides to interrupt call 1, and call 1 ends
// and call 2 begins before the interrupt's store lands. Call 2 loads its fuel after begin(), so
// end() must wait for a landing in flight. The target here is slow to land (it sleeps inside
// interrupt(), as a descheduled watchdog thread would), and lets call 1 end while it does.
class SlowLandingTarget : public Interruptible {
 public:
  void interrupt() override {
    if (landings.fetch_add(1) != 0) return fuel.store(-1);  // later ticks: land at once
    inside = true;
    std::this_thread::sleep_for(80ms);  // meanwhile call 1 ends and call 2 begins
    fuel.store(-1);
  }
  std::atomic<int> landings{0};
  std::atomic<bool> inside{false};
  std::atomic<int64_t> fuel{0};
};

TEST(Watchdog, AnInterruptForOneCallNeverLandsOnTheNext) {
  SlowLandingTarget target;
  WatchdogEntry e(&target);
  e.begin(1ms);  // call 1: times out
  target.fuel = 100;
  const auto wait_from = Clock::now();
  while (!target.inside && Clock::now() - wait_from < 10s) std::this_thread::sleep_for(100us);
  ASSERT_TRUE(target.inside) << "call 1 was never interrupted";
  const auto ending = Clock::now();
  e.end();
  const auto waited = Clock::now() - ending;
  e.begin(10s);       // call 2: a long timeout, so only call 1's interrupt could reach it
  target.fuel = 100;  // as a Store loads the call's fuel once begin() returns
  std::this_thread::sleep_for(100ms);  // past the end of the slow landing, had end() not waited
  EXPECT_EQ(target.fuel.load(), 100) << "call 1's interrupt landed on call 2";
  EXPECT_FALSE(e.fired()) << "call 2 starts clean";
  EXPECT_GE(waited, 30ms) << "end() did not wait for the landing in flight";
  e.end();
}

}  // namespace
}  // namespace torvyn::wasm

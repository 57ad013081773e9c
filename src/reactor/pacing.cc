#include "pacing.h"

#include <chrono>

namespace torvyn::reactor::pacing {

uint64_t clock_read_ns() {
  // The least mean of a few short rounds of back-to-back reads (a round the thread was
  // preempted in does not count), kept within a sane range.
  static const uint64_t cost = [] {
    using Clock = std::chrono::steady_clock;
    constexpr int kRounds = 4, kReads = 8;
    uint64_t best = UINT64_MAX;
    for (int r = 0; r < kRounds; ++r) {
      Clock::time_point first = Clock::now(), last = first;
      for (int i = 0; i < kReads; ++i) last = Clock::now();
      best = std::min(best, static_cast<uint64_t>((last - first).count()) / kReads);
    }
    return std::clamp<uint64_t>(best, 15, 5000);
  }();
  return cost;
}

}  // namespace torvyn::reactor::pacing

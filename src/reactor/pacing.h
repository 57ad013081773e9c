// How often the flow driver reads the clock on the element path.
//
// A clock read is cheap on bare metal (~20 ns) but not in a virtual machine (~180 ns measured on
// the 2-vCPU KVM guest this project is built on, where rdtsc itself traps), more than a fast
// stage's whole call. So per-element calls are timed in runs: after a run of `stride` calls the
// driver reads the clock once and shares the run's time among its calls. The stride follows the
// stage: calls slower than kReadShare clock reads each are timed one by one (exact, as a slow
// component deserves); faster ones in runs long enough that the reads cost at most 1/kReadShare
// of the time, and never more than kMaxStride calls, so a run's end stays within a few
// microseconds of each of its calls.
#pragma once

#include <algorithm>
#include <cstdint>

namespace torvyn::reactor::pacing {

inline constexpr uint64_t kReadShare = 16;
inline constexpr uint32_t kMaxStride = 64;

// The cost of one steady-clock read on this machine, measured once per process.
uint64_t clock_read_ns();

// The stride after a run of `calls` calls that took `elapsed_ns`.
inline uint32_t next_stride(uint64_t elapsed_ns, uint32_t calls) {
  uint64_t budget = kReadShare * clock_read_ns() * calls;  // ns of calls worth one read
  uint64_t stride = budget / std::max<uint64_t>(elapsed_ns, 1);
  return static_cast<uint32_t>(std::clamp<uint64_t>(stride, 1, kMaxStride));
}

// A stage whose elements take longer than `slow_ns` each (FlowOptions::batch_slow, which says why)
// gets per-element calls from then on, even when it has batch forms. Decided per run, so a run that
// was merely preempted costs one run of per-element calls; a stage back under a quarter of the
// threshold gets its batches again.
inline bool batch_too_slow(uint64_t elapsed_ns, uint32_t calls, uint64_t slow_ns) {
  return elapsed_ns > slow_ns * std::max<uint32_t>(calls, 1);
}
inline bool batch_fast_again(uint64_t elapsed_ns, uint32_t calls, uint64_t slow_ns) {
  return 4 * elapsed_ns < slow_ns * std::max<uint32_t>(calls, 1);
}

}  // namespace torvyn::reactor::pacing

// How often the flow driver reads the clock on the element path.
//
// Per-element calls are timed in runs: after a run of `stride` calls the driver reads the clock
// once and shares the run's time among its calls (component.processing_time), stamps the run's
// new elements with it and takes it as their delivery time (flow.latency). A run also costs its
// bookkeeping (~250 instructions: the read, the stride, the latency records), several times a
// fast stage's whole call. So a run is as long as fits in kRunWindowNs, which bounds how far the
// shared time can be from any of its calls, and at least as long as keeps the clock reads to
// 1/kReadShare of the time where a read is slow (~180 ns measured on one KVM guest this project
// ran on, where rdtsc itself trapped; ~28 ns on another). Never more than kMaxStride calls. Calls
// slower than the window are timed one by one (exact, as a slow component deserves).
#pragma once

#include <algorithm>
#include <cstdint>

namespace torvyn::reactor::pacing {

inline constexpr uint64_t kReadShare = 16;
inline constexpr uint64_t kRunWindowNs = 2000;
inline constexpr uint32_t kMaxStride = 64;

// The cost of one steady-clock read on this machine, measured once per process.
uint64_t clock_read_ns();

// The stride after a run of `calls` calls that took `elapsed_ns`.
inline uint32_t next_stride(uint64_t elapsed_ns, uint32_t calls) {
  const uint64_t window = std::max(kRunWindowNs, kReadShare * clock_read_ns());  // ns of calls per run
  uint64_t stride = window * calls / std::max<uint64_t>(elapsed_ns, 1);
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

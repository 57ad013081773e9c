// The one reader of a running flow's counters: the inspection API (/flows, /metrics, through
// Monitoring), the run report and `torvyn bench` (through Runtime) all see a flow through
// snapshot_flow. A report is the difference between two frozen snapshots (FlowCounters).
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "running_flow.h"
#include "torvyn/base/stats.h"
#include "torvyn/observability/metrics.h"

namespace torvyn::host {

// Now: the flow's state, counters and live histograms, each stage's and stream's.
observability::FlowSnapshot snapshot_flow(const Runtime::RunningFlow& rf, const resources::CopyLedger& ledger, const resources::BufferPool& pool);

// A snapshot's cumulative numbers with its histograms' counts copied out: what a report subtracts
// (the end of the run minus its start, zeros, or the end of a warm-up).
struct FlowCounters {
  std::chrono::steady_clock::time_point at;
  uint64_t produced = 0, delivered = 0, dropped = 0, errors = 0, retries = 0;
  HistogramCounts latency;
  struct Stage {
    uint64_t invocations = 0, errors = 0, elements_in = 0, elements_out = 0, dropped = 0, copies = 0, copy_bytes = 0;
    HistogramCounts processing;
  };
  std::vector<Stage> stages;  // per node, in the flow's node order
  struct Queue {
    uint64_t backpressure_events = 0, backpressure_ns = 0, dropped = 0;
  };
  std::vector<Queue> queues;  // per edge, in the flow's edge order
};
FlowCounters freeze(const observability::FlowSnapshot& s, std::chrono::steady_clock::time_point at);

}  // namespace torvyn::host

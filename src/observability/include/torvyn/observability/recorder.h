// The write side: what a flow driver records per element, gated by the metrics level.
//
// One FlowRecorder per flow, written by the flow's one driver thread (single writer, like
// torvyn::Counter) and read by any thread (scrapes, the inspection API). Every call is a branch on
// the level plus relaxed loads and stores: no locks, no allocation, no read-modify-write
// instructions. The level is fixed for the recorder's life, so the branch is perfectly predicted.
//
// Off: nothing is written. Production: flow element count + latency histogram, per-stage
// processing-time histogram and error count, per-stream current depth. Diagnostic adds per-stage
// invocation counts and per-stream peak depth.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "torvyn/base/stats.h"
#include "torvyn/observability/metrics.h"

namespace torvyn::observability {

class FlowRecorder {
 public:
  struct StageMetrics {
    Counter invocations;  // Diagnostic (Production reports processing_ns.count())
    Counter errors;
    Histogram processing_ns;
  };
  struct StreamMetrics {
    Counter depth;
    Counter peak_depth;  // Diagnostic
  };

  FlowRecorder(MetricsLevel level, size_t stages, size_t streams)
      : level_(level),
        stage_count_(stages),
        stream_count_(streams),
        stages_(new StageMetrics[stages]),
        streams_(new StreamMetrics[streams]) {}

  MetricsLevel level() const { return level_; }
  bool enabled() const { return level_ != MetricsLevel::Off; }

  // A source produced an element (flow.elements.total).
  void element_produced() {
    if (level_ == MetricsLevel::Off) return;
    produced_.add();
  }
  // An element reached a sink `latency_ns` after it left its source (flow.latency).
  void element_delivered(uint64_t latency_ns) {
    if (level_ == MetricsLevel::Off) return;
    delivered_.add();
    latency_ns_.record(latency_ns);
  }
  // Stage `stage` ran once for `processing_ns`.
  void stage_invocation(size_t stage, uint64_t processing_ns) {
    if (level_ == MetricsLevel::Off) return;
    StageMetrics& s = stages_[stage];
    s.processing_ns.record(processing_ns);
    if (level_ == MetricsLevel::Diagnostic) s.invocations.add();
  }
  void stage_error(size_t stage) {
    if (level_ == MetricsLevel::Off) return;
    stages_[stage].errors.add();
  }
  // Stream `stream` now holds `depth` elements.
  void queue_depth(size_t stream, uint64_t depth) {
    if (level_ == MetricsLevel::Off) return;
    StreamMetrics& q = streams_[stream];
    q.depth.set(depth);
    if (level_ == MetricsLevel::Diagnostic) q.peak_depth.max(depth);
  }

  uint64_t produced() const { return produced_.get(); }
  uint64_t delivered() const { return delivered_.get(); }
  const Histogram& latency_ns() const { return latency_ns_; }
  size_t stage_count() const { return stage_count_; }
  size_t stream_count() const { return stream_count_; }
  const StageMetrics& stage(size_t i) const { return stages_[i]; }
  const StreamMetrics& stream(size_t i) const { return streams_[i]; }

  // Copies what this recorder measured into a snapshot the host has already shaped: elements_total,
  // elements_delivered, latency_ns, and for the first stage_count() stages / stream_count() streams
  // (in the recorder's order) invocations, errors, processing_ns, depth and peak_depth. Names,
  // state, capacities and everything else stay as the host set them. Histogram pointers point into
  // this recorder, so the snapshot's keep_alive should hold whatever owns it.
  void fill(FlowSnapshot& snapshot) const;

 private:
  const MetricsLevel level_;
  const size_t stage_count_, stream_count_;
  Counter produced_, delivered_;
  Histogram latency_ns_;
  std::unique_ptr<StageMetrics[]> stages_;
  std::unique_ptr<StreamMetrics[]> streams_;
};

}  // namespace torvyn::observability

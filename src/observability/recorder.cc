#include "torvyn/observability/recorder.h"

namespace torvyn::observability {

void FlowRecorder::fill(FlowSnapshot& s) const {
  s.elements_total = produced_.get();
  s.elements_delivered = delivered_.get();
  s.latency_ns = &latency_ns_;
  if (s.stages.size() < stage_count_) s.stages.resize(stage_count_);
  for (size_t i = 0; i < stage_count_; ++i) {
    const StageMetrics& m = stages_[i];
    StageSnapshot& st = s.stages[i];
    // Production does not count invocations separately: every invocation is in the histogram.
    st.invocations = level_ == MetricsLevel::Diagnostic ? m.invocations.get() : m.processing_ns.count();
    st.errors = m.errors.get();
    st.processing_ns = &m.processing_ns;
  }
  if (s.streams.size() < stream_count_) s.streams.resize(stream_count_);
  for (size_t i = 0; i < stream_count_; ++i) {
    s.streams[i].depth = streams_[i].depth.get();
    s.streams[i].peak_depth = streams_[i].peak_depth.get();
  }
}

}  // namespace torvyn::observability

// An exporter that keeps every span in memory: `torvyn trace` collects a run's spans with it and
// prints them when the run is over. Thread-safe (the tracer's export thread adds, the caller takes).
#pragma once

#include <mutex>
#include <vector>

#include "torvyn/observability/span_exporter.h"

namespace torvyn::observability {

class MemoryExporter : public SpanExporter {
 public:
  std::string_view name() const override { return "memory"; }
  Status export_spans(const TraceResource& resource, const std::vector<SpanRecord>& spans) override {
    std::lock_guard lock(mu_);
    resource_ = resource;
    spans_.insert(spans_.end(), spans.begin(), spans.end());
    return {};
  }
  std::vector<SpanRecord> take() {
    std::lock_guard lock(mu_);
    return std::move(spans_);
  }
  TraceResource resource() const {
    std::lock_guard lock(mu_);
    return resource_;
  }

 private:
  mutable std::mutex mu_;
  TraceResource resource_;
  std::vector<SpanRecord> spans_;
};

}  // namespace torvyn::observability

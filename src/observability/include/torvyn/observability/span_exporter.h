// Where finished spans go: `[observability.tracing] tracing_exporter` = otlp-http | otlp-grpc |
// stdout | file | none. Exporters run only on the tracer's export thread (never on a flow thread),
// so they may block on I/O; a collector slower than the flows costs whole dropped traces (counted
// by the tracer when a flow's bounded ring has no room), never pipeline latency.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/observability/span.h"

namespace torvyn::observability {

class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  // "otlp-http", "otlp-grpc", "stdout", "file", "none".
  virtual std::string_view name() const = 0;
  // Sends one batch. An error is reported by the tracer (counted as exported-failed spans and
  // logged once per distinct message); the tracer does not retry.
  virtual Status export_spans(const TraceResource& resource, const std::vector<SpanRecord>& spans) = 0;
  // Flushes buffered output (file/stdout) at shutdown.
  virtual Status flush() { return {}; }
};

struct ExporterOptions {
  std::string kind;      // one of the names above
  std::string endpoint;  // otlp-*: collector URL ("" = the OTLP default for the protocol);
                         // file: the output path
  std::chrono::milliseconds timeout{5000};  // per export request
  // stdout carries the run's data (`torvyn run --output -`): the "stdout" exporter writes its
  // JSON lines to stderr instead, so spans never interleave with elements. Its name stays
  // "stdout" (the metric label and the configuration say so).
  bool stdout_carries_data = false;
};

// Builds the exporter; a clear error when the kind is unknown, the endpoint malformed, or
// otlp-grpc was requested from a build without gRPC.
Result<std::unique_ptr<SpanExporter>> make_span_exporter(const ExporterOptions& options);

}  // namespace torvyn::observability

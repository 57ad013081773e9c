// A finished span as exporters receive it: the OpenTelemetry span data model, reduced to what
// Torvyn records (https://opentelemetry.io/docs/specs/otel/trace/api/#span). The tracer builds
// these off the hot path (on its export thread) from compact records the flows produce.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "torvyn/observability/trace_ids.h"

namespace torvyn::observability {

struct SpanAttribute {
  std::string key;
  std::variant<std::string, int64_t, double, bool> value;
};

enum class SpanKind : uint8_t { Internal = 1, Server = 2, Client = 3, Producer = 4, Consumer = 5 };  // OTLP numbering
enum class SpanStatus : uint8_t { Unset = 0, Ok = 1, Error = 2 };                                  // OTLP numbering

struct SpanRecord {
  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;  // invalid (zero) for a root span
  std::string name;
  SpanKind kind = SpanKind::Internal;
  uint64_t start_unix_ns = 0;
  uint64_t end_unix_ns = 0;
  SpanStatus status = SpanStatus::Unset;
  std::string status_message;
  std::vector<SpanAttribute> attributes;
};

// Who produced the spans (the OTLP resource and instrumentation scope).
struct TraceResource {
  std::string service_name = "torvyn";
  std::string service_version;        // Torvyn's version
  std::string scope_name = "torvyn";  // instrumentation scope
  std::vector<SpanAttribute> attributes;  // extra resource attributes (e.g. torvyn.project)
};

}  // namespace torvyn::observability

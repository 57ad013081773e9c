// A small, fixed batch of spans (a root flow span and one component invocation under it) that the
// exporter tests send and then look for on the other side.
#pragma once

#include <vector>

#include "torvyn/observability/span.h"

namespace torvyn::observability::testing {

// W3C's example ids, so the expected hex can be checked by eye.
inline constexpr TraceId kTrace{0x4bf92f3577b34da6ull, 0xa3ce929d0e0e4736ull};
inline constexpr SpanId kRoot{0x00f067aa0ba902b7ull};
inline constexpr SpanId kChild{0xb7ad6b7169203331ull};

inline TraceResource sample_resource() {
  TraceResource r;
  r.service_name = "torvyn";
  r.service_version = "0.1.0";
  r.scope_name = "torvyn";
  r.attributes = {{"torvyn.project", std::string("demo")}, {"service.name", std::string("ignored")}};
  return r;
}

inline SpanRecord root_span() {
  SpanRecord s;
  s.trace_id = kTrace;
  s.span_id = kRoot;
  s.name = "flow main";
  s.kind = SpanKind::Internal;
  s.start_unix_ns = 1700000000000000000ull;
  s.end_unix_ns = 1700000000250000000ull;
  return s;
}

inline SpanRecord child_span() {
  SpanRecord s;
  s.trace_id = kTrace;
  s.span_id = kChild;
  s.parent_span_id = kRoot;
  s.name = "component filter";
  s.kind = SpanKind::Server;
  s.start_unix_ns = 1700000000123456789ull;
  s.end_unix_ns = 1700000000223456789ull;
  s.status = SpanStatus::Error;
  s.status_message = "trap: unreachable";
  // 2^53 + 1: not representable as a double, so it survives only as a decimal string.
  s.attributes = {{"torvyn.component", std::string("filter")},
                  {"torvyn.element.sequence", int64_t{9007199254740993}},
                  {"torvyn.fuel.ratio", 0.25},
                  {"torvyn.promoted", true}};
  return s;
}

inline std::vector<SpanRecord> sample_batch() { return {root_span(), child_span()}; }

}  // namespace torvyn::observability::testing

// What a flow's `flow-context` resource reports to the component being called (DESIGN.md §4).
// The flow driver updates it before every invocation (trace and span of that invocation, its
// deadline); the streaming host reads it when the guest asks. Ids are kept binary and only
// formatted as hex when a guest calls trace-id()/span-id(), so tracing costs nothing per call
// for components that never look.
#pragma once

#include <cstdint>
#include <string>

#include "torvyn/observability/trace_ids.h"

namespace torvyn::reactor {

struct FlowContextState {
  std::string flow_id;
  observability::TraceId trace_id;  // invalid when tracing is off (trace-id() returns "")
  observability::SpanId span_id;    // the span of the invocation in progress
  uint64_t deadline_ns = 0;         // absolute steady-clock deadline of the call in progress; 0 = none
};

}  // namespace torvyn::reactor

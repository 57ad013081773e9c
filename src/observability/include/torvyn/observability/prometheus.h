// Prometheus text exposition format 0.0.4 of a MetricsSource.
//
// Names: DESIGN.md §8 names with dots replaced by underscores and the prefix `torvyn_`, exactly
// as the operator's guide spells them (flow.elements.total -> torvyn_flow_elements_total,
// pool.exhaustion_events -> torvyn_pool_exhaustion_events, ...). Counters keep those names even
// where Prometheus convention would add `_total`, so every name in the guide can be queried.
//
// Units: durations are nanoseconds, like every duration Torvyn records (stream.backpressure.
// duration_ns says so in its name). The histograms torvyn_flow_latency and
// torvyn_component_processing_time are in nanoseconds too; their `le` bounds are exact edges of
// torvyn::Histogram's buckets (2^k - 1 ns, 31 ns .. ~34 s), so every bucket count is exact.
// Memory is bytes. torvyn_system_memory_total is the process's resident set size (VmRSS).
//
// Labels: flow = the flow's name (its id when unnamed); stream = "<from>-><to>"; component metrics
// carry flow, node and component (node keeps two instances of one component apart); tier = pool tier.
//
// Levels: Off -> empty text. Production -> the families below marked P. Diagnostic -> P and D.
//   P torvyn_flow_state{flow,state}                 gauge, 1 for the current state, 0 for the others
//   P torvyn_flow_elements_total{flow}              counter
//   P torvyn_flow_elements_dropped{flow}            counter
//   P torvyn_flow_errors{flow}                      counter
//   P torvyn_flow_throughput{flow}                  gauge, elements/s
//   P torvyn_flow_latency{flow}                     histogram, ns
//   D torvyn_flow_elements_delivered{flow}          counter
//   P torvyn_stream_queue_current_depth{flow,stream}        gauge
//   P torvyn_stream_backpressure_duration_ns{flow,stream}   counter
//   D torvyn_stream_queue_capacity / _queue_peak_depth      gauge
//   D torvyn_stream_backpressure_events{flow,stream}        counter
//   P torvyn_component_processing_time{flow,node,component} histogram, ns
//   P torvyn_component_errors / _fuel_consumed              counter
//   P torvyn_component_memory_current                       gauge, bytes
//   D torvyn_component_invocations / _copies / _copy_bytes  counter
//   P torvyn_pool_available{tier}                   gauge
//   P torvyn_pool_exhaustion_events{tier}           counter
//   D torvyn_pool_buffers / _in_use / _buffer_bytes / _bytes_in_use{tier}  gauge
//   P torvyn_copies_total, torvyn_copies_bytes      counter
//   P torvyn_system_memory_total                    gauge, bytes (RSS)
//   D torvyn_system_memory_peak                     gauge, bytes (peak RSS)
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "torvyn/observability/metrics.h"

namespace torvyn::observability {

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string prometheus_text(const MetricsSource& source, MetricsLevel level);

// The `le` bounds (ns) of every histogram, ascending; +Inf is implied.
std::span<const uint64_t> histogram_bounds();

// Escaping per the format: label values escape backslash, double quote and newline; HELP text
// escapes backslash and newline.
void append_label_value(std::string& out, std::string_view value);
void append_help_text(std::string& out, std::string_view text);
// A sample value: integers exactly, doubles in shortest round-trip form, NaN / +Inf / -Inf.
void append_value(std::string& out, double value);
void append_value(std::string& out, uint64_t value);

}  // namespace torvyn::observability

// Prometheus text exposition format 0.0.4 of a MetricsSource.
//
// Names follow the Prometheus naming conventions, which `promtool check metrics` enforces (a test
// runs it on this exposition and on a real `torvyn run`'s /metrics, failing on any finding):
// prefix `torvyn_`, the unit as a suffix in its base unit (`_seconds`, `_bytes`), `_total` on
// counters and on nothing else. A metric the operator's guide or DESIGN.md §7 names keeps that
// name with dots replaced by underscores, plus only what the conventions add, so it stays
// recognisable; the guide's name is in its HELP text too. README.md ("Metric names") has the table.
//   flow.elements.total               -> torvyn_flow_elements_total
//   flow.latency                      -> torvyn_flow_latency_seconds (histogram)
//   stream.backpressure.duration_ns   -> torvyn_stream_backpressure_duration_seconds_total
//   stream.queue.current_depth        -> torvyn_stream_queue_current_depth
//   pool.available                    -> torvyn_pool_available
//   pool.exhaustion_events            -> torvyn_pool_exhaustion_events_total
//   component.processing_time         -> torvyn_component_processing_time_seconds (histogram)
//   component.errors                  -> torvyn_component_errors_total
//   component.memory_current          -> torvyn_component_memory_current_bytes
//   component.fuel_consumed           -> torvyn_component_fuel_consumed_total
//   copies.total / copies.bytes       -> torvyn_copies_total / torvyn_copies_bytes_total
//   system.memory.total               -> torvyn_system_memory_total_bytes (a gauge: `_total` is
//                                        kept inside the name, as the guide's word, not as a suffix)
//
// Units: Torvyn records durations in integer nanoseconds; they are exposed in seconds, written as
// exact decimals (1500000 ns -> 0.0015), so nothing is lost. The histograms' `le` bounds are exact
// edges of torvyn::Histogram's buckets (2^k - 1 ns, 0.000000031 .. ~34.36 s), so every bucket count
// is exact. Memory is bytes. torvyn_system_memory_total_bytes is the process's resident set size.
//
// Labels: flow = the flow's name (its id when unnamed); stream = "<from>-><to>"; component metrics
// carry flow, node and component (node keeps two instances of one component apart); tier = pool tier.
//
// Levels: Off -> empty text. Production -> the families below marked P. Diagnostic -> P and D.
//   P torvyn_flow_state{flow,state}                          gauge, 1 for the current state, 0 for the others
//   P torvyn_flow_elements_total{flow}                       counter
//   P torvyn_flow_elements_dropped_total{flow}               counter
//   P torvyn_flow_errors_total{flow}                         counter
//   P torvyn_flow_throughput_elements_per_second{flow}       gauge
//   P torvyn_flow_latency_seconds{flow}                      histogram
//   D torvyn_flow_elements_delivered_total{flow}             counter
//   P torvyn_stream_queue_current_depth{flow,stream}         gauge
//   P torvyn_stream_backpressure_duration_seconds_total{flow,stream}  counter
//   D torvyn_stream_queue_capacity / _queue_peak_depth       gauge
//   D torvyn_stream_backpressure_events_total{flow,stream}   counter
//   P torvyn_component_processing_time_seconds{flow,node,component}  histogram
//   P torvyn_component_errors_total / _fuel_consumed_total   counter
//   P torvyn_component_memory_current_bytes                  gauge
//   P torvyn_component_buffer_bytes / _buffer_budget_bytes   gauge (component instances only)
//   P torvyn_component_buffer_budget_exceeded_total          counter (component instances only)
//   D torvyn_component_invocations_total / _copies_total / _copy_bytes_total  counter
//   P torvyn_pool_available{tier}                            gauge
//   P torvyn_pool_exhaustion_events_total{tier}              counter
//   D torvyn_pool_buffers / _in_use / _buffer_bytes / _in_use_bytes{tier}  gauge
//   P torvyn_copies_total, torvyn_copies_bytes_total         counter
//   P torvyn_trace_elements_total / _elements_kept_total / _elements_promoted_total,
//     torvyn_trace_spans_exported_total / _dropped_total / _failed_total{exporter}  counter (when tracing)
//   P torvyn_system_memory_total_bytes                       gauge (RSS)
//   D torvyn_system_memory_peak_bytes                        gauge (peak RSS)
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "torvyn/observability/metrics.h"

namespace torvyn::observability {

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string prometheus_text(const MetricsSource& source, MetricsLevel level);

// The `le` bounds of every histogram in nanoseconds, ascending (exposed in seconds by
// append_seconds); +Inf is implied.
std::span<const uint64_t> histogram_bounds();

// Escaping per the format: label values escape backslash, double quote and newline; HELP text
// escapes backslash and newline.
void append_label_value(std::string& out, std::string_view value);
void append_help_text(std::string& out, std::string_view text);
// A sample value: integers exactly, doubles in shortest round-trip form, NaN / +Inf / -Inf.
void append_value(std::string& out, double value);
void append_value(std::string& out, uint64_t value);
// A duration of `ns` nanoseconds in seconds, as an exact decimal without trailing zeros
// (0 -> "0", 31 -> "0.000000031", 1500000000 -> "1.5"): a double could not hold every value exactly.
void append_seconds(std::string& out, uint64_t ns);

}  // namespace torvyn::observability

// The OTLP/JSON encoding of finished spans (OTLP specification, "JSON Protobuf Encoding"): the
// proto3 JSON mapping of ExportTraceServiceRequest with OTLP's deviations — trace and span ids as
// lowercase hex (not base64), enums as integers, lowerCamelCase keys — and proto3's rule that
// 64-bit integers (timestamps, intValue) are decimal strings. Shared by the otlp-http exporter
// (the request body) and the stdout/file exporters (one span per line).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "torvyn/observability/span.h"

namespace torvyn::observability::otlp_json {

// Insertion-ordered, so output reads traceId, spanId, ..., as a person expects; receivers do
// not care about key order.
using Json = nlohmann::ordered_json;

// {"stringValue": ...} / {"intValue": "42"} / {"doubleValue": 1.5} / {"boolValue": true}.
// Non-finite doubles become the strings "NaN", "Infinity", "-Infinity" (proto3 JSON).
Json any_value(const SpanAttribute& attribute);
// [{"key": ..., "value": AnyValue}, ...]. Keys must be unique in OTLP: the first one wins.
Json key_values(const std::vector<SpanAttribute>& attributes);
// The OTLP Span. parentSpanId is omitted for a root span, status when it is unset with no
// message, attributes when there are none (proto3 JSON omits default values).
Json span(const SpanRecord& record);
// {"attributes": [service.name, service.version (when known), extra attributes...]}.
Json resource(const TraceResource& resource);
// {"resourceSpans": [{"resource": ..., "scopeSpans": [{"scope": {name, version}, "spans": [...]}]}]}
Json export_request(const TraceResource& resource, const std::vector<SpanRecord>& spans);
// The line the stdout/file exporters write for one span (no trailing newline): the OTLP span
// object plus "serviceName" (the resource's service.name), so lines from several processes in
// one file can be told apart.
std::string span_line(const TraceResource& resource, const SpanRecord& record);
// Serializes compactly. Never throws: strings are made valid UTF-8 first (see valid_utf8).
std::string dump(const Json& json);

// `text` with every invalid UTF-8 sequence replaced by U+FFFD. Span names and attribute values
// come from components, and both JSON and protobuf `string` fields must be valid UTF-8 (a
// collector rejects the whole batch otherwise).
std::string valid_utf8(std::string_view text);

}  // namespace torvyn::observability::otlp_json

// The span exporters behind make_span_exporter (span_exporter.h), one constructor per kind, and
// the endpoint rules they share with the tests. Internal to torvyn_observability.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "torvyn/base/result.h"
#include "torvyn/observability/span_exporter.h"

namespace torvyn::observability {

// otlp-http: the full URL spans are POSTed to. "" → http://localhost:4318/v1/traces; an
// http(s) URL without a path (or with just "/") gets /v1/traces, one with a path is used as
// given (the OTLP convention for a per-signal endpoint). Errors (TraceEndpointInvalid): no
// http:// or https:// scheme, no host, a port that is not 1-65535, whitespace, a fragment.
Result<std::string> otlp_http_url(const std::string& endpoint);

struct GrpcTarget {
  std::string target;  // "host:port" as gRPC's name resolver takes it
  bool tls = false;    // https:// → SSL channel credentials
};
// otlp-grpc: "" → localhost:4317 (insecure); "http://host:port" and "host:port" → insecure;
// "https://host:port" → TLS. A missing port is the OTLP/gRPC default 4317. A path (other than
// a lone "/") is refused: gRPC has no URL path.
Result<GrpcTarget> otlp_grpc_target(const std::string& endpoint);

Result<std::unique_ptr<SpanExporter>> make_otlp_http_exporter(const ExporterOptions& options);
// Only in builds with gRPC (TORVYN_WITH_GRPC); span_exporter.cc reports E0963 otherwise.
Result<std::unique_ptr<SpanExporter>> make_otlp_grpc_exporter(const ExporterOptions& options);
// JSON lines (otlp_json::span_line) on `out`, flushed per batch. The stream must outlive the
// exporter (std::cout for "stdout"; tests pass their own).
std::unique_ptr<SpanExporter> make_ostream_exporter(std::ostream& out, std::string name);
Result<std::unique_ptr<SpanExporter>> make_file_exporter(const std::string& path);
std::unique_ptr<SpanExporter> make_none_exporter();

}  // namespace torvyn::observability

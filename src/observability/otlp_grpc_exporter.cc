// otlp-grpc: each batch is one unary TraceService/Export call (OTLP specification, "OTLP/gRPC")
// with a deadline of the export timeout. The messages are generated from our own reduced copy of
// the OTLP .proto files (proto/, library torvyn_otlp_proto). The channel is made once and
// connects lazily; calls do not wait for a connection (wait_for_ready is false), so an absent
// collector fails a batch at once instead of holding the export thread for the whole deadline.
#include <grpcpp/grpcpp.h>

#include "exporters.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "torvyn/observability/otlp_json.h"

#ifndef TORVYN_VERSION
#define TORVYN_VERSION "dev"
#endif

namespace torvyn::observability {
namespace {

namespace collector = opentelemetry::proto::collector::trace::v1;
namespace otlp_trace = opentelemetry::proto::trace::v1;
namespace otlp_common = opentelemetry::proto::common::v1;

// Reconnection backoff cap. gRPC's default grows to 120 s, during which every export fails
// immediately; a collector that restarts should receive spans again within seconds.
constexpr int kMaxReconnectBackoffMs = 5000;

void put_be64(uint64_t v, std::string& out) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::string bytes_of(const TraceId& id) {
  std::string b;
  put_be64(id.hi, b);
  put_be64(id.lo, b);
  return b;
}

std::string bytes_of(const SpanId& id) {
  std::string b;
  put_be64(id.value, b);
  return b;
}

void set_value(const SpanAttribute& a, otlp_common::AnyValue* v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) v->set_string_value(otlp_json::valid_utf8(x));
        else if constexpr (std::is_same_v<T, int64_t>) v->set_int_value(x);
        else if constexpr (std::is_same_v<T, double>) v->set_double_value(x);
        else v->set_bool_value(x);
      },
      a.value);
}

// Appends attributes, skipping a key already present (OTLP keys are unique; the first wins, as in
// the JSON encoder).
template <typename Repeated>
void add_attributes(const std::vector<SpanAttribute>& attrs, Repeated* out) {
  for (const SpanAttribute& a : attrs) {
    std::string key = otlp_json::valid_utf8(a.key);
    bool dup = false;
    for (const auto& kv : *out) dup = dup || kv.key() == key;
    if (dup) continue;
    otlp_common::KeyValue* kv = out->Add();
    kv->set_key(std::move(key));
    set_value(a, kv->mutable_value());
  }
}

collector::ExportTraceServiceRequest build_request(const TraceResource& res, const std::vector<SpanRecord>& spans) {
  collector::ExportTraceServiceRequest req;
  otlp_trace::ResourceSpans* rs = req.add_resource_spans();
  std::vector<SpanAttribute> resource_attrs{{"service.name", res.service_name}};
  if (!res.service_version.empty()) resource_attrs.push_back({"service.version", res.service_version});
  for (const SpanAttribute& a : res.attributes)
    if (a.key != "service.name" && a.key != "service.version") resource_attrs.push_back(a);
  add_attributes(resource_attrs, rs->mutable_resource()->mutable_attributes());

  otlp_trace::ScopeSpans* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name(otlp_json::valid_utf8(res.scope_name));
  if (!res.service_version.empty()) ss->mutable_scope()->set_version(otlp_json::valid_utf8(res.service_version));
  ss->mutable_spans()->Reserve(static_cast<int>(spans.size()));
  for (const SpanRecord& r : spans) {
    otlp_trace::Span* s = ss->add_spans();
    s->set_trace_id(bytes_of(r.trace_id));
    s->set_span_id(bytes_of(r.span_id));
    if (r.parent_span_id.valid()) s->set_parent_span_id(bytes_of(r.parent_span_id));
    s->set_name(otlp_json::valid_utf8(r.name));
    s->set_kind(static_cast<otlp_trace::Span::SpanKind>(r.kind));  // same numbering (span.h)
    s->set_start_time_unix_nano(r.start_unix_ns);
    s->set_end_time_unix_nano(r.end_unix_ns);
    add_attributes(r.attributes, s->mutable_attributes());
    if (r.status != SpanStatus::Unset || !r.status_message.empty()) {
      s->mutable_status()->set_code(static_cast<otlp_trace::Status::StatusCode>(r.status));
      s->mutable_status()->set_message(otlp_json::valid_utf8(r.status_message));
    }
  }
  return req;
}

const char* code_name(grpc::StatusCode c) {
  switch (c) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "status";
  }
}

class OtlpGrpcExporter final : public SpanExporter {
 public:
  OtlpGrpcExporter(GrpcTarget target, std::chrono::milliseconds timeout) : target_(std::move(target)), timeout_(timeout) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
    args.SetUserAgentPrefix("torvyn/" TORVYN_VERSION);
    auto creds = target_.tls ? grpc::SslCredentials(grpc::SslCredentialsOptions()) : grpc::InsecureChannelCredentials();
    stub_ = collector::TraceService::NewStub(grpc::CreateCustomChannel(target_.target, creds, args));
  }

  std::string_view name() const override { return "otlp-grpc"; }

  Status export_spans(const TraceResource& resource, const std::vector<SpanRecord>& spans) override {
    if (spans.empty()) return {};  // the specification asks senders not to send empty envelopes
    collector::ExportTraceServiceRequest req = build_request(resource, spans);
    collector::ExportTraceServiceResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout_);
    // No span count here: the tracer logs a failure only when the message changes (tracer.cc).
    const std::string what = std::string("OTLP/gRPC export to ") + (target_.tls ? "https://" : "http://") + target_.target;
    grpc::Status st = stub_->Export(&ctx, req, &resp);
    if (!st.ok()) {
      std::string msg = what + " failed: " + code_name(st.error_code());
      if (!st.error_message().empty()) msg += ": " + otlp_json::valid_utf8(st.error_message());
      if (st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
        msg += " (timeout " + std::to_string(timeout_.count()) + " ms)";
      return Error(ErrorCode::TraceExportFailed, msg);
    }
    // A collector that dropped some spans says so in partial_success (rejected_spans > 0); one
    // with only a message (rejected_spans = 0) is giving a warning, not a failure.
    if (resp.has_partial_success() && resp.partial_success().rejected_spans() > 0) {
      std::string msg = what + ": the collector rejected " + std::to_string(resp.partial_success().rejected_spans()) +
                        " of " + std::to_string(spans.size()) + " spans";
      if (!resp.partial_success().error_message().empty())
        msg += ": " + otlp_json::valid_utf8(resp.partial_success().error_message());
      return Error(ErrorCode::TraceExportFailed, msg);
    }
    return {};
  }

 private:
  GrpcTarget target_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<collector::TraceService::Stub> stub_;  // thread-safe: calls need no lock
};

}  // namespace

Result<std::unique_ptr<SpanExporter>> make_otlp_grpc_exporter(const ExporterOptions& options) {
  auto target = otlp_grpc_target(options.endpoint);
  if (!target) return target.take_error();
  return std::unique_ptr<SpanExporter>(std::make_unique<OtlpGrpcExporter>(std::move(*target), options.timeout));
}

}  // namespace torvyn::observability

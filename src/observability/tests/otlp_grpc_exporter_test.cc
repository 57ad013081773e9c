// otlp-grpc against an in-process gRPC server implementing TraceService from the same generated
// code (127.0.0.1, an ephemeral port): the spans arrive with their ids, attributes and status;
// server errors, partial success, deadlines, an absent server and TLS-vs-plaintext are errors.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "sample_spans.h"
#include "torvyn/observability/span_exporter.h"

namespace torvyn::observability {
namespace {

namespace collector = opentelemetry::proto::collector::trace::v1;
namespace otlp_trace = opentelemetry::proto::trace::v1;
namespace otlp_common = opentelemetry::proto::common::v1;
using std::chrono::milliseconds;
using testing::sample_batch;
using testing::sample_resource;

class TraceCollector final : public collector::TraceService::Service {
 public:
  grpc::Status Export(grpc::ServerContext*, const collector::ExportTraceServiceRequest* req,
                      collector::ExportTraceServiceResponse* resp) override {
    std::unique_lock lock(mu_);
    requests_.push_back(*req);
    cv_.wait(lock, [&] { return !hold_; });
    if (rejected_ > 0) {
      resp->mutable_partial_success()->set_rejected_spans(rejected_);
      resp->mutable_partial_success()->set_error_message("bad attribute");
    }
    return answer_;
  }

  std::vector<collector::ExportTraceServiceRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  void answer(grpc::Status s) {
    std::lock_guard lock(mu_);
    answer_ = std::move(s);
  }
  void reject(int64_t n) {
    std::lock_guard lock(mu_);
    rejected_ = n;
  }
  // While held, Export blocks (a collector slower than the client's deadline).
  void hold(bool h) {
    {
      std::lock_guard lock(mu_);
      hold_ = h;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool hold_ = false;
  int64_t rejected_ = 0;
  grpc::Status answer_ = grpc::Status::OK;
  std::vector<collector::ExportTraceServiceRequest> requests_;
};

class Server {
 public:
  Server() {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    b.RegisterService(&service_);
    server_ = b.BuildAndStart();
  }
  ~Server() {
    service_.hold(false);
    server_->Shutdown(std::chrono::system_clock::now() + milliseconds(500));
  }
  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  TraceCollector& service() { return service_; }

 private:
  TraceCollector service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

std::unique_ptr<SpanExporter> grpc_exporter(const std::string& endpoint, milliseconds timeout = milliseconds(3000)) {
  auto r = make_span_exporter({"otlp-grpc", endpoint, timeout});
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? std::move(*r) : nullptr;
}

const otlp_common::AnyValue* attr(const google::protobuf::RepeatedPtrField<otlp_common::KeyValue>& list,
                                  const std::string& key) {
  for (const auto& kv : list)
    if (kv.key() == key) return &kv.value();
  return nullptr;
}

std::string be_bytes(std::initializer_list<uint64_t> words) {
  std::string out;
  for (uint64_t w : words)
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((w >> shift) & 0xff));
  return out;
}

TEST(OtlpGrpcExporter, ExportsSpansTheCollectorReceives) {
  Server server;
  ASSERT_GT(server.port(), 0);
  auto e = grpc_exporter(server.endpoint());
  ASSERT_TRUE(e);
  Status st = e->export_spans(sample_resource(), sample_batch());
  ASSERT_TRUE(st.ok()) << st.error().to_string();

  auto reqs = server.service().requests();
  ASSERT_EQ(reqs.size(), 1u);
  ASSERT_EQ(reqs[0].resource_spans_size(), 1);
  const otlp_trace::ResourceSpans& rs = reqs[0].resource_spans(0);
  const auto& rattrs = rs.resource().attributes();
  EXPECT_EQ(rattrs.size(), 3);
  ASSERT_TRUE(attr(rattrs, "service.name"));
  EXPECT_EQ(attr(rattrs, "service.name")->string_value(), "torvyn");
  ASSERT_TRUE(attr(rattrs, "service.version"));
  EXPECT_EQ(attr(rattrs, "service.version")->string_value(), "0.1.0");
  ASSERT_TRUE(attr(rattrs, "torvyn.project"));
  EXPECT_EQ(attr(rattrs, "torvyn.project")->string_value(), "demo");
  ASSERT_EQ(rs.scope_spans_size(), 1);
  EXPECT_EQ(rs.scope_spans(0).scope().name(), "torvyn");
  EXPECT_EQ(rs.scope_spans(0).scope().version(), "0.1.0");

  ASSERT_EQ(rs.scope_spans(0).spans_size(), 2);
  const otlp_trace::Span& root = rs.scope_spans(0).spans(0);
  const otlp_trace::Span& child = rs.scope_spans(0).spans(1);
  // Ids are the W3C bytes in network order: 4bf92f35... is the first byte 0x4b.
  EXPECT_EQ(root.trace_id(), be_bytes({0x4bf92f3577b34da6ull, 0xa3ce929d0e0e4736ull}));
  EXPECT_EQ(static_cast<unsigned char>(root.trace_id()[0]), 0x4b);
  EXPECT_EQ(root.span_id(), be_bytes({0x00f067aa0ba902b7ull}));
  EXPECT_TRUE(root.parent_span_id().empty());
  EXPECT_EQ(root.kind(), otlp_trace::Span::SPAN_KIND_INTERNAL);
  EXPECT_FALSE(root.has_status());
  EXPECT_EQ(child.trace_id(), root.trace_id());
  EXPECT_EQ(child.span_id(), be_bytes({0xb7ad6b7169203331ull}));
  EXPECT_EQ(child.parent_span_id(), root.span_id());
  EXPECT_EQ(child.name(), "component filter");
  EXPECT_EQ(child.kind(), otlp_trace::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(child.start_time_unix_nano(), 1700000000123456789ull);
  EXPECT_EQ(child.end_time_unix_nano(), 1700000000223456789ull);
  ASSERT_EQ(child.attributes_size(), 4);
  EXPECT_EQ(attr(child.attributes(), "torvyn.component")->string_value(), "filter");
  EXPECT_EQ(attr(child.attributes(), "torvyn.element.sequence")->int_value(), 9007199254740993);
  EXPECT_EQ(attr(child.attributes(), "torvyn.fuel.ratio")->double_value(), 0.25);
  EXPECT_TRUE(attr(child.attributes(), "torvyn.promoted")->has_bool_value());
  EXPECT_TRUE(attr(child.attributes(), "torvyn.promoted")->bool_value());
  EXPECT_EQ(child.status().code(), otlp_trace::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(child.status().message(), "trap: unreachable");
}

TEST(OtlpGrpcExporter, HostPortWithoutSchemeAndEmptyBatches) {
  Server server;
  auto e = grpc_exporter("127.0.0.1:" + std::to_string(server.port()));
  ASSERT_TRUE(e);
  ASSERT_TRUE(e->export_spans(sample_resource(), {}).ok());  // nothing sent
  ASSERT_TRUE(e->export_spans(sample_resource(), sample_batch()).ok());
  ASSERT_TRUE(e->export_spans(sample_resource(), {testing::child_span()}).ok());
  auto reqs = server.service().requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].resource_spans(0).scope_spans(0).spans_size(), 1);
}

TEST(OtlpGrpcExporter, ServerErrorIsAnError) {
  Server server;
  server.service().answer(grpc::Status(grpc::StatusCode::UNAVAILABLE, "collector overloaded"));
  auto e = grpc_exporter(server.endpoint());
  ASSERT_TRUE(e);
  Status st = e->export_spans(sample_resource(), sample_batch());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::TraceExportFailed);
  EXPECT_NE(st.error().message.find("UNAVAILABLE: collector overloaded"), std::string::npos) << st.error().message;
}

TEST(OtlpGrpcExporter, PartialSuccessWithRejectedSpansIsAnError) {
  Server server;
  server.service().reject(2);
  auto e = grpc_exporter(server.endpoint());
  ASSERT_TRUE(e);
  Status st = e->export_spans(sample_resource(), sample_batch());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("rejected 2 of 2 spans: bad attribute"), std::string::npos) << st.error().message;
}

TEST(OtlpGrpcExporter, SlowCollectorHitsTheDeadline) {
  Server server;
  server.service().hold(true);
  auto e = grpc_exporter(server.endpoint(), milliseconds(300));
  ASSERT_TRUE(e);
  auto t0 = std::chrono::steady_clock::now();
  Status st = e->export_spans(sample_resource(), sample_batch());
  auto took = std::chrono::steady_clock::now() - t0;
  server.service().hold(false);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("DEADLINE_EXCEEDED"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("timeout 300 ms"), std::string::npos) << st.error().message;
  EXPECT_LT(took, milliseconds(2000));
}

TEST(OtlpGrpcExporter, AbsentCollectorFailsQuickly) {
  int port;
  {
    Server server;  // take a free port, then release it
    port = server.port();
  }
  auto e = grpc_exporter("http://127.0.0.1:" + std::to_string(port), milliseconds(3000));
  ASSERT_TRUE(e);
  auto t0 = std::chrono::steady_clock::now();
  Status st = e->export_spans(sample_resource(), sample_batch());
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::TraceExportFailed);
  EXPECT_NE(st.error().message.find("UNAVAILABLE"), std::string::npos) << st.error().message;
  EXPECT_LT(took, milliseconds(1500));  // not the whole deadline: calls do not wait for a connection
}

TEST(OtlpGrpcExporter, HttpsUsesTlsSoAPlaintextServerIsNotReached) {
  Server server;
  auto e = grpc_exporter("https://127.0.0.1:" + std::to_string(server.port()), milliseconds(2000));
  ASSERT_TRUE(e);
  Status st = e->export_spans(sample_resource(), sample_batch());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("https://127.0.0.1:"), std::string::npos) << st.error().message;
  EXPECT_TRUE(server.service().requests().empty());
}

}  // namespace
}  // namespace torvyn::observability

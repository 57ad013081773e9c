// otlp-http against a small collector started in the test (cpp-httplib on 127.0.0.1, an
// ephemeral port) that records each POST and answers as told; plus an unreachable collector and
// one that never answers (the timeout).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "sample_spans.h"
#include "torvyn/observability/span_exporter.h"

namespace torvyn::observability {
namespace {

using nlohmann::json;
using testing::sample_batch;
using testing::sample_resource;
using std::chrono::milliseconds;

struct Received {
  std::string path, content_type, user_agent, body;
};

class Collector {
 public:
  Collector() {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      received_.push_back({req.path, req.get_header_value("Content-Type"), req.get_header_value("User-Agent"), req.body});
      res.status = status_;
      res.set_content(answer_, "application/json");
    };
    server_.set_tcp_nodelay(true);  // as real collectors do; otherwise Nagle adds 40 ms per reply
    server_.Post("/v1/traces", handler);
    server_.Post("/custom/traces", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs; wait for it so the destructor cannot hang.
    while (!server_.is_running()) std::this_thread::sleep_for(milliseconds(1));
  }
  ~Collector() {
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::string url(const std::string& path = "") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  void answer(int status, std::string body) {
    std::lock_guard lock(mu_);
    status_ = status;
    answer_ = std::move(body);
  }
  std::vector<Received> received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  int status_ = 200;
  std::string answer_ = "{}";
  std::vector<Received> received_;
};

std::unique_ptr<SpanExporter> http_exporter(const std::string& endpoint, milliseconds timeout = milliseconds(2000)) {
  auto r = make_span_exporter({"otlp-http", endpoint, timeout});
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? std::move(*r) : nullptr;
}

// The value of the attribute `key` in an OTLP/JSON attribute list, or null.
json attr(const json& list, const std::string& key) {
  for (const auto& kv : list)
    if (kv["key"] == key) return kv["value"];
  return nullptr;
}

TEST(OtlpHttpExporter, PostsOtlpJsonThatACollectorCanRead) {
  Collector collector;
  auto e = http_exporter(collector.url());  // no path: /v1/traces is appended
  ASSERT_TRUE(e);
  Status st = e->export_spans(sample_resource(), sample_batch());
  ASSERT_TRUE(st.ok()) << st.error().to_string();

  auto got = collector.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "/v1/traces");
  EXPECT_EQ(got[0].content_type, "application/json");
  EXPECT_EQ(got[0].user_agent.rfind("torvyn/", 0), 0u) << got[0].user_agent;

  json req = json::parse(got[0].body);
  ASSERT_EQ(req["resourceSpans"].size(), 1u);
  const json& rs = req["resourceSpans"][0];
  EXPECT_EQ(attr(rs["resource"]["attributes"], "service.name"), json({{"stringValue", "torvyn"}}));
  EXPECT_EQ(attr(rs["resource"]["attributes"], "service.version"), json({{"stringValue", "0.1.0"}}));
  EXPECT_EQ(attr(rs["resource"]["attributes"], "torvyn.project"), json({{"stringValue", "demo"}}));
  EXPECT_EQ(rs["resource"]["attributes"].size(), 3u);  // the extra "service.name" was not sent twice
  ASSERT_EQ(rs["scopeSpans"].size(), 1u);
  EXPECT_EQ(rs["scopeSpans"][0]["scope"], json({{"name", "torvyn"}, {"version", "0.1.0"}}));

  const json& spans = rs["scopeSpans"][0]["spans"];
  ASSERT_EQ(spans.size(), 2u);
  const json& root = spans[0];
  const json& child = spans[1];
  EXPECT_EQ(root["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(root["spanId"], "00f067aa0ba902b7");
  EXPECT_FALSE(root.contains("parentSpanId"));
  EXPECT_EQ(root["kind"], 1);
  EXPECT_EQ(child["traceId"], root["traceId"]);
  EXPECT_EQ(child["spanId"], "b7ad6b7169203331");
  EXPECT_EQ(child["parentSpanId"], "00f067aa0ba902b7");
  EXPECT_EQ(child["name"], "component filter");
  EXPECT_EQ(child["kind"], 2);
  EXPECT_EQ(child["startTimeUnixNano"], "1700000000123456789");
  EXPECT_EQ(child["endTimeUnixNano"], "1700000000223456789");
  EXPECT_EQ(attr(child["attributes"], "torvyn.component"), json({{"stringValue", "filter"}}));
  EXPECT_EQ(attr(child["attributes"], "torvyn.element.sequence"), json({{"intValue", "9007199254740993"}}));
  EXPECT_EQ(attr(child["attributes"], "torvyn.fuel.ratio"), json({{"doubleValue", 0.25}}));
  EXPECT_EQ(attr(child["attributes"], "torvyn.promoted"), json({{"boolValue", true}}));
  EXPECT_EQ(child["status"], json({{"code", 2}, {"message", "trap: unreachable"}}));
}

TEST(OtlpHttpExporter, SeveralBatchesAndAGivenPath) {
  Collector collector;
  auto e = http_exporter(collector.url("/custom/traces"));
  ASSERT_TRUE(e);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(e->export_spans(sample_resource(), sample_batch()).ok());
  ASSERT_TRUE(e->export_spans(sample_resource(), {}).ok());  // empty: nothing is sent
  auto got = collector.received();
  ASSERT_EQ(got.size(), 3u);
  for (const auto& r : got) EXPECT_EQ(r.path, "/custom/traces");
}

TEST(OtlpHttpExporter, Non2xxIsAnErrorWithStatusAndBody) {
  Collector collector;
  collector.answer(503, R"({"code":14,"message":"collector overloaded"})");
  auto e = http_exporter(collector.url());
  ASSERT_TRUE(e);
  Status st = e->export_spans(sample_resource(), sample_batch());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::TraceExportFailed);
  EXPECT_NE(st.error().message.find("HTTP 503"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("collector overloaded"), std::string::npos) << st.error().message;

  collector.answer(400, std::string(2000, 'x'));  // a long body is cut
  st = e->export_spans(sample_resource(), sample_batch());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("HTTP 400"), std::string::npos);
  EXPECT_LT(st.error().message.size(), 700u);

  collector.answer(200, "{}");  // the same exporter recovers
  EXPECT_TRUE(e->export_spans(sample_resource(), sample_batch()).ok());
}

TEST(OtlpHttpExporter, PartialSuccessWithRejectedSpansIsAnError) {
  Collector collector;
  collector.answer(200, R"({"partialSuccess":{"rejectedSpans":"1","errorMessage":"span name too long"}})");
  auto e = http_exporter(collector.url());
  ASSERT_TRUE(e);
  Status st = e->export_spans(sample_resource(), sample_batch());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::TraceExportFailed);
  EXPECT_NE(st.error().message.find("rejected 1 of 2 spans: span name too long"), std::string::npos) << st.error().message;

  // rejectedSpans 0 with a message is a warning, not a failure.
  collector.answer(200, R"({"partialSuccess":{"errorMessage":"deprecated attribute"}})");
  EXPECT_TRUE(e->export_spans(sample_resource(), sample_batch()).ok());
}

// A port on which nothing listens: bind, read the port, close.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(OtlpHttpExporter, UnreachableCollectorFailsQuickly) {
  auto e = http_exporter("http://127.0.0.1:" + std::to_string(closed_port()), milliseconds(3000));
  ASSERT_TRUE(e);
  auto t0 = std::chrono::steady_clock::now();
  Status st = e->export_spans(sample_resource(), sample_batch());
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::TraceExportFailed);
  EXPECT_NE(st.error().message.find("OTLP/HTTP export to http://127.0.0.1:"), std::string::npos) << st.error().message;
  // The same message for every failing batch, whatever its size: the tracer logs only changes.
  Status again = e->export_spans(sample_resource(), {testing::root_span()});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, st.error().message);
  EXPECT_LT(took, milliseconds(1500));  // refused at once, not waited out
}

TEST(OtlpHttpExporter, CredentialsInTheUrlAreNotInMessages) {
  auto e = http_exporter("http://user:s3cret@127.0.0.1:" + std::to_string(closed_port()) + "/v1/traces");
  ASSERT_TRUE(e);
  Status st = e->export_spans(sample_resource(), sample_batch());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message.find("s3cret"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("http://***@127.0.0.1:"), std::string::npos) << st.error().message;
}

TEST(OtlpHttpExporter, SilentCollectorTimesOut) {
  // Listens (so connect succeeds, via the backlog) but never accepts or answers.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);

  auto e = http_exporter("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)), milliseconds(300));
  ASSERT_TRUE(e);
  auto t0 = std::chrono::steady_clock::now();
  Status st = e->export_spans(sample_resource(), sample_batch());
  auto took = std::chrono::steady_clock::now() - t0;
  ::close(fd);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::TraceExportFailed);
  EXPECT_NE(st.error().message.find("timeout 300 ms"), std::string::npos) << st.error().message;
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, milliseconds(2000));
}

}  // namespace
}  // namespace torvyn::observability

// The OTLP/JSON encoding (against hand-written expected JSON), the endpoint rules, the stdout,
// file and none exporters, and make_span_exporter's errors.
#include "torvyn/observability/span_exporter.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "exporters.h"
#include "torvyn/observability/otlp_json.h"
#include "sample_spans.h"
#include "torvyn_test/process.h"

namespace torvyn::observability {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using testing::child_span;
using testing::root_span;
using testing::sample_batch;
using testing::sample_resource;

// Written by hand from the OTLP specification, not produced by the encoder: ids as lowercase
// hex, 64-bit integers (times, intValue) as decimal strings, kind and status code as integers,
// no parentSpanId / status / attributes on the plain root span.
constexpr const char* kRootJson =
    R"({"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","name":"flow main","kind":1,)"
    R"("startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000250000000"})";
constexpr const char* kChildJson =
    R"({"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"b7ad6b7169203331","parentSpanId":"00f067aa0ba902b7",)"
    R"("name":"component filter","kind":2,"startTimeUnixNano":"1700000000123456789",)"
    R"("endTimeUnixNano":"1700000000223456789","attributes":[)"
    R"({"key":"torvyn.component","value":{"stringValue":"filter"}},)"
    R"({"key":"torvyn.element.sequence","value":{"intValue":"9007199254740993"}},)"
    R"({"key":"torvyn.fuel.ratio","value":{"doubleValue":0.25}},)"
    R"({"key":"torvyn.promoted","value":{"boolValue":true}}],)"
    R"("status":{"code":2,"message":"trap: unreachable"}})";

TEST(OtlpJson, RootSpanExactly) { EXPECT_EQ(otlp_json::dump(otlp_json::span(root_span())), kRootJson); }

TEST(OtlpJson, ChildSpanExactly) { EXPECT_EQ(otlp_json::dump(otlp_json::span(child_span())), kChildJson); }

TEST(OtlpJson, ExportRequestStructure) {
  json expected = json::parse(std::string(R"({"resourceSpans":[{"resource":{"attributes":[)"
                                          R"({"key":"service.name","value":{"stringValue":"torvyn"}},)"
                                          R"({"key":"service.version","value":{"stringValue":"0.1.0"}},)"
                                          R"({"key":"torvyn.project","value":{"stringValue":"demo"}}]},)"
                                          R"("scopeSpans":[{"scope":{"name":"torvyn","version":"0.1.0"},"spans":[)") +
                              kRootJson + "," + kChildJson + "]}]}]}");
  json got = json::parse(otlp_json::dump(otlp_json::export_request(sample_resource(), sample_batch())));
  EXPECT_EQ(got, expected) << got.dump(2);
}

TEST(OtlpJson, StatusOkWithoutMessageAndUnsetWithMessage) {
  SpanRecord s = root_span();
  s.status = SpanStatus::Ok;
  EXPECT_EQ(otlp_json::span(s)["status"].dump(), R"({"code":1})");
  s.status = SpanStatus::Unset;
  s.status_message = "note";
  EXPECT_EQ(otlp_json::span(s)["status"].dump(), R"({"code":0,"message":"note"})");
}

TEST(OtlpJson, EveryKindIsItsOtlpNumber) {
  SpanRecord s = root_span();
  for (auto [kind, n] : {std::pair{SpanKind::Internal, 1}, {SpanKind::Server, 2}, {SpanKind::Client, 3},
                         {SpanKind::Producer, 4}, {SpanKind::Consumer, 5}}) {
    s.kind = kind;
    EXPECT_EQ(otlp_json::span(s)["kind"], n);
  }
}

TEST(OtlpJson, ExtremeIntegersAndTimesAreExactDecimalStrings) {
  SpanRecord s = root_span();
  s.start_unix_ns = std::numeric_limits<uint64_t>::max();
  s.attributes = {{"min", std::numeric_limits<int64_t>::min()}, {"max", std::numeric_limits<int64_t>::max()}};
  auto j = otlp_json::span(s);
  EXPECT_EQ(j["startTimeUnixNano"], "18446744073709551615");
  EXPECT_EQ(j["attributes"][0]["value"]["intValue"], "-9223372036854775808");
  EXPECT_EQ(j["attributes"][1]["value"]["intValue"], "9223372036854775807");
}

TEST(OtlpJson, NonFiniteDoublesUseProto3Strings) {
  auto v = [](double d) { return otlp_json::any_value({"k", d}).dump(); };
  EXPECT_EQ(v(std::nan("")), R"({"doubleValue":"NaN"})");
  EXPECT_EQ(v(std::numeric_limits<double>::infinity()), R"({"doubleValue":"Infinity"})");
  EXPECT_EQ(v(-std::numeric_limits<double>::infinity()), R"({"doubleValue":"-Infinity"})");
  EXPECT_EQ(v(-1.5), R"({"doubleValue":-1.5})");
}

TEST(OtlpJson, DuplicateAttributeKeysKeepTheFirst) {
  auto j = otlp_json::key_values({{"a", int64_t{1}}, {"b", true}, {"a", int64_t{2}}});
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["value"]["intValue"], "1");
  EXPECT_EQ(j[1]["key"], "b");
}

TEST(OtlpJson, ResourceWithoutVersionAndNoScopeVersion) {
  TraceResource r;
  r.service_name = "svc";
  auto req = otlp_json::export_request(r, {root_span()});
  auto rs = req["resourceSpans"][0];
  EXPECT_EQ(rs["resource"]["attributes"].dump(), R"([{"key":"service.name","value":{"stringValue":"svc"}}])");
  EXPECT_EQ(rs["scopeSpans"][0]["scope"].dump(), R"({"name":"torvyn"})");
}

TEST(OtlpJson, InvalidUtf8IsReplacedNotThrown) {
  EXPECT_EQ(otlp_json::valid_utf8("a\xff" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(otlp_json::valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(otlp_json::valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(otlp_json::valid_utf8("x\xE2\x82"), "x\xEF\xBF\xBD\xEF\xBF\xBD");                // truncated
  const std::string ok = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9D\x84\x9E";                          // é € 𝄞
  EXPECT_EQ(otlp_json::valid_utf8(ok), ok);

  SpanRecord s = root_span();
  s.name = "bad\xfe";
  s.attributes = {{"k\xff", std::string("v\xc3")}};
  std::string line = otlp_json::span_line(sample_resource(), s);
  json j = json::parse(line);  // would throw if the line were not valid JSON/UTF-8
  EXPECT_EQ(j["name"], "bad\xEF\xBF\xBD");
  EXPECT_EQ(j["attributes"][0]["value"]["stringValue"], "v\xEF\xBF\xBD");
}

TEST(OtlpJson, SpanLineIsTheSpanPlusServiceName) {
  std::string line = otlp_json::span_line(sample_resource(), child_span());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  json expected = json::parse(kChildJson);
  expected["serviceName"] = "torvyn";
  EXPECT_EQ(json::parse(line), expected);
}

// --- endpoints ---

std::string url_of(const std::string& endpoint) {
  auto r = otlp_http_url(endpoint);
  EXPECT_TRUE(r.ok()) << endpoint << ": " << r.error().to_string();
  return r.ok() ? *r : "";
}

TEST(OtlpHttpUrl, DefaultsAndPaths) {
  EXPECT_EQ(url_of(""), "http://localhost:4318/v1/traces");
  EXPECT_EQ(url_of("http://collector:4318"), "http://collector:4318/v1/traces");
  EXPECT_EQ(url_of("http://collector:4318/"), "http://collector:4318/v1/traces");
  EXPECT_EQ(url_of("https://otel.example.com"), "https://otel.example.com/v1/traces");
  EXPECT_EQ(url_of("http://c:4318/custom/traces"), "http://c:4318/custom/traces");
  EXPECT_EQ(url_of("http://c:4318?tenant=a"), "http://c:4318/v1/traces?tenant=a");
  EXPECT_EQ(url_of("HTTP://[::1]:4318"), "http://[::1]:4318/v1/traces");
  EXPECT_EQ(url_of("http://user:secret@c:4318"), "http://user:secret@c:4318/v1/traces");
}

TEST(OtlpHttpUrl, MalformedIsTraceEndpointInvalid) {
  for (const char* bad : {"localhost:4318", "collector", "ftp://c:21", "grpc://c:4317", "http://", "http://:4318",
                          "http://c:0", "http://c:65536", "http://c:43a8", "http://c:", "http://c d:4318",
                          "http://c:4318/#frag", "http://::1:4318", "http://[::1"}) {
    auto r = otlp_http_url(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::TraceEndpointInvalid) << bad;
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
  }
}

TEST(OtlpGrpcTarget, Forms) {
  auto t = [](const char* e) {
    auto r = otlp_grpc_target(e);
    EXPECT_TRUE(r.ok()) << e << ": " << r.error().to_string();
    return r.ok() ? *r : GrpcTarget{};
  };
  EXPECT_EQ(t("").target, "localhost:4317");
  EXPECT_FALSE(t("").tls);
  EXPECT_EQ(t("http://collector:4317").target, "collector:4317");
  EXPECT_FALSE(t("http://collector:4317").tls);
  EXPECT_EQ(t("collector:9000").target, "collector:9000");
  EXPECT_FALSE(t("collector:9000").tls);
  EXPECT_EQ(t("https://otel.example.com:443/").target, "otel.example.com:443");
  EXPECT_TRUE(t("https://otel.example.com:443/").tls);
  EXPECT_EQ(t("http://collector").target, "collector:4317");
  EXPECT_EQ(t("[::1]:4317").target, "[::1]:4317");
}

TEST(OtlpGrpcTarget, MalformedIsTraceEndpointInvalid) {
  for (const char* bad : {"http://c:4317/v1/traces", "ftp://c:4317", "http://", "c:0", "c:99999", "u@c:4317", "c :1"}) {
    auto r = otlp_grpc_target(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::TraceEndpointInvalid) << bad;
  }
}

// --- make_span_exporter ---

TEST(MakeSpanExporter, UnknownKind) {
  for (const char* kind : {"jaeger", "", "OTLP-HTTP", "zipkin"}) {
    auto r = make_span_exporter({kind, "", std::chrono::milliseconds(100)});
    ASSERT_FALSE(r.ok()) << kind;
    EXPECT_EQ(r.error().code, ErrorCode::TraceExporterUnknown);
    EXPECT_NE(r.error().message.find("otlp-http, otlp-grpc, stdout, file, none"), std::string::npos);
  }
}

TEST(MakeSpanExporter, BadEndpointsAreReportedAtCreation) {
  auto http = make_span_exporter({"otlp-http", "localhost:4318", std::chrono::milliseconds(100)});
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.error().code, ErrorCode::TraceEndpointInvalid);
  auto grpc = make_span_exporter({"otlp-grpc", "http://c:4317/v1/traces", std::chrono::milliseconds(100)});
  ASSERT_FALSE(grpc.ok());
#if TORVYN_WITH_GRPC
  EXPECT_EQ(grpc.error().code, ErrorCode::TraceEndpointInvalid);
#else
  EXPECT_EQ(grpc.error().code, ErrorCode::TraceExporterUnavailable);
#endif
  auto file = make_span_exporter({"file", "", std::chrono::milliseconds(100)});
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, ErrorCode::TraceEndpointInvalid);
}

TEST(MakeSpanExporter, NamesMatchKinds) {
  for (const char* kind : {"otlp-http", "stdout", "none"}) {
    auto r = make_span_exporter({kind, "", std::chrono::milliseconds(100)});
    ASSERT_TRUE(r.ok()) << kind << ": " << r.error().to_string();
    EXPECT_EQ((*r)->name(), kind);
  }
  auto g = make_span_exporter({"otlp-grpc", "", std::chrono::milliseconds(100)});
#if TORVYN_WITH_GRPC
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  EXPECT_EQ((*g)->name(), "otlp-grpc");
#else
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, ErrorCode::TraceExporterUnavailable);
  EXPECT_NE(g.error().message.find("libgrpc++-dev"), std::string::npos);
#endif
}

TEST(MakeSpanExporter, NoneAcceptsAndDiscards) {
  auto r = make_span_exporter({"none", "", std::chrono::milliseconds(100)});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)->export_spans(sample_resource(), sample_batch()).ok());
  EXPECT_TRUE((*r)->flush().ok());
}

// --- stdout / file ---

std::vector<json> parse_lines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));
  return out;
}

TEST(StdoutExporter, OneJsonLinePerSpanOnStdout) {
  auto r = make_span_exporter({"stdout", "", std::chrono::milliseconds(100)});
  ASSERT_TRUE(r.ok());
  std::ostringstream captured;
  std::streambuf* old = std::cout.rdbuf(captured.rdbuf());
  Status st = (*r)->export_spans(sample_resource(), sample_batch());
  Status st2 = (*r)->export_spans(sample_resource(), {});
  std::cout.rdbuf(old);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  ASSERT_TRUE(st2.ok());
  auto lines = parse_lines(captured.str());
  ASSERT_EQ(lines.size(), 2u) << captured.str();
  EXPECT_EQ(lines[0]["spanId"], "00f067aa0ba902b7");
  EXPECT_FALSE(lines[0].contains("parentSpanId"));
  EXPECT_EQ(lines[1]["parentSpanId"], "00f067aa0ba902b7");
  EXPECT_EQ(lines[1]["serviceName"], "torvyn");
  EXPECT_EQ(lines[1]["attributes"][1]["value"]["intValue"], "9007199254740993");
}

// A stream buffer that refuses every byte (a closed pipe, a full disk).
struct RefusingBuf : std::streambuf {
  int_type overflow(int_type) override { return traits_type::eof(); }
};

TEST(StdoutExporter, AFailingStreamIsAnErrorAndIsRetried) {
  RefusingBuf refusing;
  std::ostream broken(&refusing);
  auto e = make_ostream_exporter(broken, "stdout");
  Status st = e->export_spans(sample_resource(), sample_batch());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::TraceExportFailed);
  EXPECT_TRUE(broken.good());  // cleared, so the next batch is attempted again
  std::ostringstream fine;
  broken.rdbuf(fine.rdbuf());
  EXPECT_TRUE(e->export_spans(sample_resource(), sample_batch()).ok());
  EXPECT_EQ(parse_lines(fine.str()).size(), 2u);
}

struct TempDir : ::torvyn::test::TempDir {
  TempDir() : ::torvyn::test::TempDir("torvyn-trace") {}
};
using ::torvyn::test::read_file;

TEST(FileExporter, AppendsParseableLinesAcrossBatchesAndReopens) {
  TempDir dir;
  fs::path path = dir.path() / "traces.jsonl";
  {
    auto r = make_span_exporter({"file", path.string(), std::chrono::milliseconds(100)});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ((*r)->name(), "file");
    ASSERT_TRUE((*r)->export_spans(sample_resource(), sample_batch()).ok());
    // Written per batch: visible before flush or destruction.
    EXPECT_EQ(parse_lines(read_file(path)).size(), 2u);
    ASSERT_TRUE((*r)->export_spans(sample_resource(), {child_span()}).ok());
    ASSERT_TRUE((*r)->flush().ok());
  }
  {
    // A second exporter (a restarted runtime) appends rather than truncates.
    auto r = make_span_exporter({"file", path.string(), std::chrono::milliseconds(100)});
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE((*r)->export_spans(sample_resource(), {root_span()}).ok());
  }
  auto lines = parse_lines(read_file(path));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], [] {
    json j = json::parse(kRootJson);
    j["serviceName"] = "torvyn";
    return j;
  }());
  EXPECT_EQ(lines[1]["status"]["code"], 2);
  EXPECT_EQ(lines[2]["spanId"], "b7ad6b7169203331");
  EXPECT_EQ(lines[3]["spanId"], "00f067aa0ba902b7");
}

TEST(FileExporter, MissingDirectoryIsTraceFileOpenFailed) {
  TempDir dir;
  auto r = make_span_exporter({"file", (dir.path() / "no-such-dir" / "t.jsonl").string(), std::chrono::milliseconds(100)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::TraceFileOpenFailed);
  EXPECT_NE(r.error().message.find("No such file or directory"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("directory must exist"), std::string::npos) << r.error().message;
}

TEST(FileExporter, ADirectoryIsTraceFileOpenFailed) {
  TempDir dir;
  auto r = make_span_exporter({"file", dir.path().string(), std::chrono::milliseconds(100)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::TraceFileOpenFailed);
}

}  // namespace
}  // namespace torvyn::observability

// Tracing end to end through the real `torvyn` binary on real components (the SDK's test
// components): `torvyn run` exporting to a local OTLP/HTTP collector, to a file and to stdout,
// a long run at the operator guide's setting losing no span with every exporter (an OTLP/gRPC
// collector too, in builds with gRPC), the stdout exporter never mixing spans into
// `--output -`, an unreachable collector never failing or stalling the run, and `torvyn trace`
// (human, JSON, --output-trace).
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#if TORVYN_WITH_GRPC
#include <grpcpp/grpcpp.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#endif

#include "torvyn_test/process.h"

namespace torvyn::test {
namespace {

using nlohmann::json;

std::string component(const std::string& name) { return std::string("file://") + TORVYN_SDK_COMPONENTS + "/" + name + ".wasm"; }

// counter_source(count) -> uppercase -> collect_sink, plus whatever [observability.tracing] says.
std::string manifest(uint64_t count, const std::string& tracing) {
  return "[torvyn]\nname = \"traced\"\nversion = \"0.1.0\"\ncontract_version = \"0.1.0\"\n\n"
         "[flow.main]\n"
         "nodes.source = { component = \"" + component("counter_source") + "\", config = \"count=" + std::to_string(count) + "\" }\n"
         "nodes.upper = { component = \"" + component("uppercase") + "\" }\n"
         "nodes.sink = { component = \"" + component("collect_sink") + "\" }\n"
         "edges = [\n"
         "  { from = { node = \"source\" }, to = { node = \"upper\" } },\n"
         "  { from = { node = \"upper\" }, to = { node = \"sink\" } },\n"
         "]\n\n"
         "[observability.tracing]\n" + tracing;
}

class TracingCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::make_unique<TempDir>("torvyn-tracing");
    env = child_environment({{"XDG_CACHE_HOME", std::string(TORVYN_TEST_CACHE_HOME)},
                             {"TORVYN_STATE_DIR", (dir->path() / "state").string()}});
  }
  void write_manifest(const std::string& text) { std::ofstream(dir->path() / "Torvyn.toml") << text; }
  ProcResult torvyn(const std::vector<std::string>& args) {
    return run(TORVYN_EXE, args, {.cwd = dir->path(), .env = env, .timeout = std::chrono::seconds(120)});
  }
  std::unique_ptr<TempDir> dir;
  std::vector<std::string> env;
};

std::string attr(const json& span, const std::string& key) {
  for (const auto& kv : span.value("attributes", json::array()))
    if (kv["key"] == key) {
      const json& v = kv["value"];
      if (v.contains("stringValue")) return v["stringValue"];
      if (v.contains("intValue")) return v["intValue"];
    }
  return "";
}

// A minimal OTLP/HTTP collector on loopback: keeps every request body posted to /v1/traces.
class Collector {
 public:
  Collector() {
    server_.Post("/v1/traces", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      content_types_.insert(req.get_header_value("Content-Type"));
      bodies_.push_back(req.body);
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Collector() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<json> spans() {
    std::lock_guard lock(mu_);
    std::vector<json> out;
    for (const auto& b : bodies_) {
      json doc = json::parse(b);  // (a range-for over json::parse(b)[...] would dangle)
      for (const auto& rs : doc["resourceSpans"])
        for (const auto& ss : rs["scopeSpans"])
          for (const auto& s : ss["spans"]) {
            json copy = s;
            copy["_resource"] = rs["resource"];
            out.push_back(copy);
          }
    }
    return out;
  }
  std::set<std::string> content_types() {
    std::lock_guard lock(mu_);
    return content_types_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
  std::set<std::string> content_types_;
};

#if TORVYN_WITH_GRPC
namespace otlp_collector = opentelemetry::proto::collector::trace::v1;

// A minimal OTLP/gRPC collector on loopback: keeps every request, answers OK.
class GrpcCollector final : public otlp_collector::TraceService::Service {
 public:
  GrpcCollector() {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    b.RegisterService(this);
    server_ = b.BuildAndStart();
  }
  ~GrpcCollector() override { server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500)); }
  grpc::Status Export(grpc::ServerContext*, const otlp_collector::ExportTraceServiceRequest* req,
                      otlp_collector::ExportTraceServiceResponse*) override {
    std::lock_guard lock(mu_);
    requests_.push_back(*req);
    return grpc::Status::OK;
  }
  int port() const { return port_; }
  // The spans as OTLP/JSON would spell them (hex ids), for the checks the other exporters share.
  std::vector<json> spans() {
    auto hex = [](const std::string& bytes) {
      static const char* digits = "0123456789abcdef";
      std::string out;
      for (unsigned char c : bytes) out += {digits[c >> 4], digits[c & 15]};
      return out;
    };
    std::lock_guard lock(mu_);
    std::vector<json> out;
    for (const auto& r : requests_)
      for (const auto& rs : r.resource_spans())
        for (const auto& ss : rs.scope_spans())
          for (const auto& s : ss.spans())
            out.push_back({{"traceId", hex(s.trace_id())}, {"spanId", hex(s.span_id())}, {"parentSpanId", hex(s.parent_span_id())},
                           {"name", s.name()}});
    return out;
  }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::mutex mu_;
  std::vector<otlp_collector::ExportTraceServiceRequest> requests_;
};
#endif

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

// What a run's exported spans must look like when nothing was lost: every span's parent was
// exported too (no orphaned `init`, no child without its element root), every element trace is
// whole (its root and one pull, process and push), and the flow's lifecycle trace is complete
// (its root `flow main`; init and teardown of the three nodes, the sink's complete). Returns the
// number of element traces.
size_t expect_whole_traces(const std::vector<json>& spans) {
  auto str = [](const json& s, const char* key) { return s.value(key, std::string()); };
  std::set<std::pair<std::string, std::string>> ids;  // (trace, span)
  for (const auto& s : spans) ids.emplace(str(s, "traceId"), str(s, "spanId"));
  std::map<std::string, std::multiset<std::string>> children;  // element trace -> child names
  std::set<std::string> roots;
  std::multiset<std::string> lifecycle;
  std::string flow_trace;
  size_t orphans = 0;
  for (const auto& s : spans) {
    std::string name = str(s, "name"), trace = str(s, "traceId"), parent = str(s, "parentSpanId");
    if (name == "flow main") flow_trace = trace;
    if (name == "element") roots.insert(trace);
    if (parent.empty() || parent == std::string(16, '0') || ids.count({trace, parent})) continue;
    if (++orphans <= 5) ADD_FAILURE() << "span without its parent: " << s.dump();
  }
  EXPECT_EQ(orphans, 0u);
  for (const auto& s : spans) {
    std::string name = str(s, "name"), trace = str(s, "traceId");
    if (name == "element" || name == "flow main") continue;
    if (trace == flow_trace) {
      // notify-backpressure spans come and go with the machine's load; the others are fixed.
      if (name.rfind("notify-backpressure", 0) != 0) lifecycle.insert(name);
    } else {
      children[trace].insert(name.substr(0, name.find(' ')));
    }
  }
  EXPECT_EQ(lifecycle, (std::multiset<std::string>{"init source", "init upper", "init sink", "complete sink", "teardown source",
                                                   "teardown upper", "teardown sink"}));
  size_t fragments = 0;
  for (const auto& [trace, names] : children)
    if (names != std::multiset<std::string>{"pull", "process", "push"} || !roots.count(trace)) ++fragments;
  EXPECT_EQ(fragments, 0u) << "element traces missing spans";
  EXPECT_EQ(children.size(), roots.size());
  return roots.size();
}

TEST_F(TracingCli, RunExportsEveryElementsSpansToAnOtlpHttpCollector) {
  Collector collector;
  write_manifest(manifest(25, "level = \"production\"\ntracing_exporter = \"otlp-http\"\ntracing_endpoint = \"http://127.0.0.1:" +
                                  std::to_string(collector.port()) + "/v1/traces\"\nsample_rate = 1.0\n"));
  ProcResult r = torvyn({"run"});
  ASSERT_EQ(r.exit_code, 0) << describe({"run"}, r);
  EXPECT_EQ(collector.content_types(), std::set<std::string>{"application/json"});

  std::vector<json> spans = collector.spans();
  std::map<std::string, json> roots;                        // trace id -> element root
  std::map<std::string, std::multiset<std::string>> names;  // trace id -> child span names
  for (const auto& s : spans)
    if (s["name"] == "element") roots[s["traceId"]] = s;
  ASSERT_EQ(roots.size(), 25u);
  for (const auto& s : spans) {
    std::string trace = s["traceId"];
    ASSERT_EQ(trace.size(), 32u);
    ASSERT_EQ(std::string(s["spanId"]).size(), 16u);
    if (!roots.count(trace) || s["name"] == "element") continue;
    EXPECT_EQ(s["parentSpanId"], roots[trace]["spanId"]);
    names[trace].insert(s["name"]);
    EXPECT_EQ(attr(s, "torvyn.flow"), "main");
  }
  for (const auto& [trace, n] : names) EXPECT_EQ(n, (std::multiset<std::string>{"pull source", "process upper", "push sink"})) << trace;
  std::set<std::string> sequences;
  for (const auto& [trace, root] : roots) {
    sequences.insert(attr(root, "torvyn.sequence"));
    EXPECT_EQ(attr(root, "torvyn.element.outcome"), "delivered");
  }
  EXPECT_EQ(sequences.size(), 25u);
  // The flow's lifecycle trace and the resource.
  bool flow_root = false;
  for (const auto& s : spans) flow_root = flow_root || s["name"] == "flow main";
  EXPECT_TRUE(flow_root);
  EXPECT_NE(spans[0]["_resource"].dump().find("\"service.name\""), std::string::npos);
}

TEST_F(TracingCli, SamplingAtZeroExportsOnlyTheLifecycleTrace) {
  Collector collector;
  write_manifest(manifest(25, "level = \"production\"\ntracing_exporter = \"otlp-http\"\ntracing_endpoint = \"http://127.0.0.1:" +
                                  std::to_string(collector.port()) + "\"\nsample_rate = 0.0\n"));
  ProcResult r = torvyn({"run"});
  ASSERT_EQ(r.exit_code, 0) << describe({"run"}, r);
  size_t elements = 0, lifecycle = 0;
  for (const auto& s : collector.spans()) {
    elements += s["name"] == "element";
    lifecycle += s["name"] == "flow main";
  }
  EXPECT_EQ(elements, 0u);
  EXPECT_EQ(lifecycle, 1u) << "an endpoint without a path posts to /v1/traces";
}

TEST_F(TracingCli, FileExporterWritesOneSpanPerLine) {
  write_manifest(manifest(10, "level = \"diagnostic\"\ntracing_exporter = \"file\"\nfile = \"spans.jsonl\"\n"));
  ProcResult r = torvyn({"run"});
  ASSERT_EQ(r.exit_code, 0) << describe({"run"}, r);
  std::ifstream in(dir->path() / "spans.jsonl");
  size_t elements = 0, processes = 0;
  for (std::string line; std::getline(in, line);) {
    json s = json::parse(line);
    elements += s["name"] == "element";
    if (s["name"] == "process upper") {
      ++processes;
      EXPECT_EQ(attr(s, "torvyn.copies"), "2") << "diagnostic spans count the processor's read and write";
    }
  }
  EXPECT_EQ(elements, 10u);
  EXPECT_EQ(processes, 10u);
}

TEST_F(TracingCli, AnUnreachableCollectorNeitherFailsNorStallsTheRun) {
  // Port 9 on loopback: nothing listens (connection refused).
  write_manifest(manifest(200, "level = \"production\"\ntracing_exporter = \"otlp-http\"\n"
                               "tracing_endpoint = \"http://127.0.0.1:9/v1/traces\"\nsample_rate = 1.0\n"));
  auto t0 = std::chrono::steady_clock::now();
  ProcResult r = torvyn({"run"});
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(r.exit_code, 0) << describe({"run"}, r);
  EXPECT_NE(r.err.find("trace export (otlp-http) failed"), std::string::npos) << r.err;
  // Logged once per distinct message, not once per batch.
  EXPECT_EQ(r.err.find("trace export (otlp-http) failed"), r.err.rfind("trace export (otlp-http) failed")) << r.err;
  EXPECT_LT(took, std::chrono::seconds(60));
}

// The operator guide's tracing (sample_rate 0.01, error and latency promotion) on a long run:
// 1 M elements through source -> upper -> sink keep ~10 k element traces (~40 k spans, more than
// two rings' worth). Every kept trace must reach the exporter whole, with the flow's lifecycle
// spans, whatever the exporter; `torvyn run --format json` reports 0 spans and 0 traces dropped.
// (Before the fix the export thread sent one 2048-span batch per 200 ms and the ring overflowed
// after ~1 M elements: half the spans were dropped, with flow, complete and teardown.)
class GuideSetting : public TracingCli, public ::testing::WithParamInterface<std::string> {};

TEST_P(GuideSetting, LongRunExportsEveryKeptTraceWhole) {
  const std::string exporter = GetParam();
  const uint64_t elements = 1'000'000;
  std::string tracing = "level = \"production\"\ntracing_exporter = \"" + exporter + "\"\nsample_rate = 0.01\n"
                        "error_promote = true\nlatency_promote_threshold_ms = 10\n";
  std::unique_ptr<Collector> http;
  if (exporter == "otlp-http") {
    http = std::make_unique<Collector>();
    tracing += "tracing_endpoint = \"http://127.0.0.1:" + std::to_string(http->port()) + "\"\n";
  }
#if TORVYN_WITH_GRPC
  std::unique_ptr<GrpcCollector> grpc_collector;
  if (exporter == "otlp-grpc") {
    grpc_collector = std::make_unique<GrpcCollector>();
    tracing += "tracing_endpoint = \"http://127.0.0.1:" + std::to_string(grpc_collector->port()) + "\"\n";
  }
#else
  if (exporter == "otlp-grpc") GTEST_SKIP() << "this build has no gRPC";
#endif
  if (exporter == "file") tracing += "file = \"spans.jsonl\"\n";
  write_manifest(manifest(elements, tracing));
  ProcResult r = torvyn({"run", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << describe({"run"}, r).substr(0, 4000);

  std::vector<json> spans;
  json report;
  if (exporter == "stdout") {
    // The spans come first (all exported before the summary is printed), then the JSON summary.
    size_t summary = r.out.rfind("\n[\n");
    ASSERT_NE(summary, std::string::npos) << r.out.substr(r.out.size() > 2000 ? r.out.size() - 2000 : 0);
    spans = json_lines(r.out.substr(0, summary + 1));
    report = json::parse(r.out.substr(summary + 1));
  } else {
    report = json::parse(r.out);
    if (exporter == "file") {
      spans = json_lines(read_file(dir->path() / "spans.jsonl"));
    } else if (http) {
      spans = http->spans();
    }
#if TORVYN_WITH_GRPC
    if (grpc_collector) spans = grpc_collector->spans();
#endif
  }
  ASSERT_EQ(report.size(), 1u);
  const json& t = report[0]["tracing"];
  ASSERT_TRUE(t.is_object()) << report.dump(2);
  EXPECT_EQ(report[0]["elements"]["delivered"], elements);
  EXPECT_EQ(t["exporter"], exporter);
  EXPECT_EQ(t["spans_dropped"], 0) << t.dump();
  EXPECT_EQ(t["traces_dropped"], 0) << t.dump();
  EXPECT_EQ(t["spans_failed"], 0) << t.dump();
  EXPECT_GE(t["elements_kept"].get<uint64_t>(), elements / 200) << "about 1 % sampled: a real load";
  EXPECT_EQ(t["spans_exported"].get<size_t>(), spans.size());
  size_t traces = expect_whole_traces(spans);
  EXPECT_EQ(traces, t["elements_kept"].get<size_t>());
}

INSTANTIATE_TEST_SUITE_P(Exporters, GuideSetting, ::testing::Values("file", "otlp-http", "otlp-grpc", "stdout"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// With `--output -` the elements own stdout: the stdout exporter's spans go to stderr, so what
// a pipe reads from stdout is exactly the elements, one per line.
TEST_F(TracingCli, StdoutExporterNeverMixesSpansIntoOutputDash) {
  write_manifest(manifest(200, "level = \"production\"\ntracing_exporter = \"stdout\"\nsample_rate = 1.0\n"));
  ProcResult r = torvyn({"run", "--output", "-"});
  ASSERT_EQ(r.exit_code, 0) << describe({"run", "--output", "-"}, r);
  std::vector<std::string> lines;
  std::istringstream out(r.out);
  for (std::string line; std::getline(out, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 200u) << r.out.substr(0, 2000);
  for (size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(lines[i], "ELEMENT-" + std::to_string(i));
  // The spans are on stderr, whole lines among the note and the summary.
  std::vector<json> spans;
  std::istringstream err(r.err);
  for (std::string line; std::getline(err, line);)
    if (!line.empty() && line.front() == '{') spans.push_back(json::parse(line));
  size_t roots = 0;
  for (const auto& s : spans) roots += s["name"] == "element";
  EXPECT_EQ(roots, 200u);
  EXPECT_NE(r.err.find("writes spans to stderr"), std::string::npos) << r.err.substr(0, 2000);
  EXPECT_NE(r.err.find("spans exported, 0 dropped"), std::string::npos) << "the summary is on stderr too";

  // --format json: stdout still carries only the elements; the summary and spans go to stderr.
  ProcResult j = torvyn({"run", "--output", "-", "--format", "json"});
  ASSERT_EQ(j.exit_code, 0) << describe({"run", "--output", "-", "--format", "json"}, j);
  EXPECT_EQ(j.out, r.out);
}

TEST_F(TracingCli, BadExporterSettingsAreConfigErrors) {
  write_manifest(manifest(1, "level = \"production\"\ntracing_exporter = \"zipkin\"\n"));
  ProcResult r = torvyn({"run"});
  EXPECT_EQ(r.exit_code, 2) << describe({"run"}, r);
  EXPECT_NE(r.err.find("tracing_exporter"), std::string::npos) << r.err;
}

TEST_F(TracingCli, TracePrintsEachElementsSpanTreeAndASummary) {
  write_manifest(manifest(100, "level = \"off\"\n"));
  ProcResult r = torvyn({"trace", "--limit", "3"});
  ASSERT_EQ(r.exit_code, 0) << describe({"trace"}, r);
  for (const char* want : {"element 0", "element 1", "element 2", "├─ pull", "├─ process", "└─ push", "(uppercase)", "summary: 3 elements traced",
                           "latency p50", "copies 12", "buffer reuse", "backpressure"})
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  EXPECT_EQ(r.out.find("element 3 "), std::string::npos) << "--limit 3 traces three elements";
}

TEST_F(TracingCli, TraceJsonAndOutputTrace) {
  write_manifest(manifest(100, ""));
  ProcResult r = torvyn({"trace", "--limit", "4", "--format", "json", "--output-trace", "trace.json"});
  ASSERT_EQ(r.exit_code, 0) << describe({"trace"}, r);
  json j = json::parse(r.out);
  ASSERT_EQ(j["elements"].size(), 4u);
  for (const auto& e : j["elements"]) {
    EXPECT_EQ(std::string(e["trace_id"]).size(), 32u);
    EXPECT_EQ(e["outcome"], "delivered");
    ASSERT_EQ(e["spans"].size(), 3u);
    EXPECT_EQ(e["spans"][0]["operation"], "pull");
    EXPECT_EQ(e["spans"][1]["operation"], "process");
    EXPECT_EQ(e["spans"][1]["component"], "uppercase");
    EXPECT_EQ(e["spans"][1]["copies"], 2);
    EXPECT_TRUE(e["spans"][1].contains("buffer_in"));
    EXPECT_EQ(e["spans"][2]["operation"], "push");
  }
  EXPECT_EQ(j["summary"]["elements"], 4);
  EXPECT_EQ(j["summary"]["copies"], 16);
  EXPECT_GE(j["summary"]["buffer_reuse_pct"].get<double>(), 0.0);
  EXPECT_EQ(j["flows"][0]["elements"]["delivered"], 4);

  std::ifstream in(dir->path() / "trace.json");
  json otlp = json::parse(in);
  size_t spans = 0;
  for (const auto& rs : otlp["resourceSpans"])
    for (const auto& ss : rs["scopeSpans"]) spans += ss["spans"].size();
  EXPECT_GE(spans, 4u * 4u) << "4 element roots with 3 children each, plus the lifecycle trace";
}

}  // namespace
}  // namespace torvyn::test

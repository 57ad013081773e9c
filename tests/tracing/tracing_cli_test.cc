// Tracing end to end through the real `torvyn` binary on real components (the SDK's test
// components): `torvyn run` exporting to a local OTLP/HTTP collector, to a file and to stdout,
// an unreachable collector never failing or stalling the run, and `torvyn trace` (human, JSON,
// --output-trace).
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

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

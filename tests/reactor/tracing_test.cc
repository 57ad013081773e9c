// Tracing through real components: the trace and span ids a component reads from flow-context
// are the ones the exported spans carry; every element gets a root span with one child per
// invocation; head sampling, error promotion and latency promotion decide what is exported.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "torvyn/observability/memory_exporter.h"
#include "torvyn/streaming/component_node.h"
#include "torvyn/reactor/flow.h"
#include "torvyn/reactor/host_stages.h"
#include "torvyn/streaming/streaming_host.h"
#include "torvyn_test/files.h"
#include "torvyn_test/engines.h"

namespace torvyn::reactor {
namespace {

using streaming::ComponentNode;
using streaming::InstanceAccount;
using streaming::StreamingHost;

namespace obs = observability;

std::string attr(const obs::SpanRecord& s, std::string_view key) {
  for (const auto& a : s.attributes)
    if (a.key == key) {
      if (auto* v = std::get_if<std::string>(&a.value)) return *v;
      if (auto* i = std::get_if<int64_t>(&a.value)) return std::to_string(*i);
    }
  return "";
}

class Tracing : public ::testing::Test {
 public:
  void SetUp() override {
    engine = test::make_test_engine(wasm::EngineKind::Aot, TORVYN_TEST_CACHE_DIR);
    host.define(linker);
    dir = std::filesystem::temp_directory_path() / ("torvyn-tracing-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::unique_ptr<Stage> node(const std::string& path, const std::string& id) {
    std::vector<uint8_t> bytes = test::read_bytes(path);
    auto lc = component::LoadedComponent::load(engine, std::move(bytes), id);
    EXPECT_TRUE(lc.ok()) << lc.error().to_string();
    auto inst = component::Instance::instantiate(**lc, linker);
    EXPECT_TRUE(inst.ok()) << inst.error().to_string();
    auto n = ComponentNode::bind(std::move(*inst), host, InstanceAccount{pool.register_owner(id, 0), id}, std::nullopt);
    EXPECT_TRUE(n.ok()) << n.error().to_string();
    return std::move(*n);
  }
  std::string sdk(const std::string& name) { return std::string(TORVYN_SDK_COMPONENTS) + "/" + name + ".wasm"; }
  std::string stamp() { return std::string(TORVYN_TRACE_COMPONENTS) + "/trace_stamp.wasm"; }

  std::shared_ptr<obs::Tracer> tracer(obs::TracerOptions o) {
    auto m = std::make_unique<obs::MemoryExporter>();
    exported = m.get();
    return obs::Tracer::create(std::move(o), std::move(m), {});
  }

  // counter_source -> trace_stamp -> file sink (each output line: what the processor saw).
  std::unique_ptr<Flow> stamp_flow(uint64_t count, std::chrono::nanoseconds timeout = {}) {
    FlowOptions o{.name = "stamp"};
    o.context = &host.context();
    o.invocation_timeout = timeout;
    auto f = std::make_unique<Flow>(o, pool, ledger);
    f->add_node("source", node(sdk("counter_source"), "source"), "count=" + std::to_string(count));
    f->add_node("stamp", node(stamp(), "stamp"), "");
    auto sink = FileSink::open({(dir / "out.txt").string(), 0, ""}, pool, "sink");
    EXPECT_TRUE(sink.ok());
    f->add_node("sink", std::move(*sink), "");
    f->add_edge(0, "", 1, "", {});
    f->add_edge(1, "", 2, "", {});
    return f;
  }
  std::vector<std::string> output_lines() {
    std::ifstream in(dir / "out.txt");
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }

  std::shared_ptr<wasm::Engine> engine;
  resources::BufferPool pool{resources::PoolSizes{256, 8, 2, 32u << 20, false}};
  resources::CopyLedger ledger;
  StreamingHost host{pool, ledger};
  component::Linker linker;
  std::filesystem::path dir;
  obs::MemoryExporter* exported = nullptr;
};

TEST_F(Tracing, ComponentsSeeTheIdsOfTheirExportedSpans) {
  auto t = tracer({.level = obs::TraceLevel::Production, .sample_rate = 1.0});
  auto f = stamp_flow(20, std::chrono::seconds(5));
  f->enable_tracing(t, {{"source", "counter_source"}, {"stamp", "trace_stamp"}});
  ASSERT_TRUE(f->run().ok());
  t->shutdown();
  std::vector<obs::SpanRecord> spans = exported->take();

  std::map<std::string, const obs::SpanRecord*> roots;       // trace id -> element root
  std::map<std::string, const obs::SpanRecord*> processes;   // span id -> process span
  std::map<std::string, std::set<std::string>> ops;          // trace id -> operations
  const obs::SpanRecord* flow_root = nullptr;
  std::set<std::string> lifecycle;
  for (const auto& s : spans) {
    if (s.name == "element") roots[obs::to_hex(s.trace_id)] = &s;
    if (s.name == "flow stamp") flow_root = &s;
  }
  ASSERT_EQ(roots.size(), 20u);
  ASSERT_NE(flow_root, nullptr);
  for (const auto& s : spans) {
    if (s.trace_id == flow_root->trace_id) {
      if (s.parent_span_id.valid()) {
        EXPECT_EQ(s.parent_span_id, flow_root->span_id);
        lifecycle.insert(attr(s, "torvyn.operation") + " " + attr(s, "torvyn.node"));
      }
      continue;
    }
    if (s.name == "element") continue;
    auto root = roots.find(obs::to_hex(s.trace_id));
    ASSERT_NE(root, roots.end()) << s.name;
    EXPECT_EQ(s.parent_span_id, root->second->span_id);
    EXPECT_GE(s.start_unix_ns, root->second->start_unix_ns);
    EXPECT_LE(s.end_unix_ns, root->second->end_unix_ns);
    EXPECT_EQ(attr(s, "torvyn.sequence"), attr(*root->second, "torvyn.sequence"));
    ops[obs::to_hex(s.trace_id)].insert(attr(s, "torvyn.operation"));
    if (attr(s, "torvyn.operation") == "process") {
      processes[obs::to_hex(s.span_id)] = &s;
      EXPECT_EQ(attr(s, "torvyn.component"), "trace_stamp");
    }
  }
  for (const auto& [trace, set] : ops) EXPECT_EQ(set, (std::set<std::string>{"pull", "process", "push"})) << trace;
  EXPECT_TRUE(lifecycle.count("init source") && lifecycle.count("init stamp") && lifecycle.count("teardown stamp") &&
              lifecycle.count("complete sink"));

  std::vector<std::string> lines = output_lines();
  ASSERT_EQ(lines.size(), 20u);
  std::set<std::string> seen_traces;
  for (const std::string& line : lines) {
    std::istringstream in(line);
    std::string trace, span;
    uint64_t deadline = 0;
    in >> trace >> span >> deadline;
    ASSERT_EQ(trace.size(), 32u) << line;
    ASSERT_EQ(span.size(), 16u) << line;
    auto p = processes.find(span);
    ASSERT_NE(p, processes.end()) << "the span id the component saw was not exported: " << line;
    EXPECT_EQ(obs::to_hex(p->second->trace_id), trace);
    EXPECT_EQ(attr(*roots.at(trace), "torvyn.element.outcome"), "delivered");
    seen_traces.insert(trace);
    // deadline-ns() is the time left of the 5 s invocation timeout.
    EXPECT_GT(deadline, 0u);
    EXPECT_LE(deadline, 5'000'000'000u);
  }
  EXPECT_EQ(seen_traces.size(), 20u) << "each element has its own trace";
  EXPECT_EQ(t->stats().spans_dropped, 0u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_F(Tracing, WithoutATracerComponentsSeeEmptyIds) {
  auto f = stamp_flow(3);
  ASSERT_TRUE(f->run().ok());
  for (const std::string& line : output_lines()) EXPECT_EQ(line, "  0");
}

TEST_F(Tracing, UnsampledElementsStillHaveIdsButAreNotExported) {
  auto t = tracer({.level = obs::TraceLevel::Production, .sample_rate = 0.0, .error_promote = false});
  auto f = stamp_flow(50);
  f->enable_tracing(t, {});
  ASSERT_TRUE(f->run().ok());
  t->shutdown();
  size_t roots = 0;
  for (const auto& s : exported->take()) roots += s.name == "element";
  EXPECT_EQ(roots, 0u);
  EXPECT_EQ(t->stats().elements_traced, 50u);
  for (const std::string& line : output_lines()) EXPECT_EQ(line.substr(0, line.find(' ')).size(), 32u) << line;
}

TEST_F(Tracing, HeadSamplingKeepsAboutTheRate) {
  auto t = tracer({.level = obs::TraceLevel::Production, .sample_rate = 0.25, .error_promote = false});
  auto f = stamp_flow(2000);
  f->enable_tracing(t, {});
  ASSERT_TRUE(f->run().ok());
  t->shutdown();
  obs::TracerStats st = t->stats();
  EXPECT_EQ(st.elements_traced, 2000u);
  // Binomial(2000, 0.25): mean 500, sd ~19; 6 sd either side.
  EXPECT_GT(st.elements_kept, 385u);
  EXPECT_LT(st.elements_kept, 615u);
  EXPECT_EQ(st.elements_promoted, 0u);
}

// collect_sink rejects non-text payloads with invalid-input: under `skip` every element fails.
std::unique_ptr<Flow> failing_flow(Tracing& t, const std::string& content_type, uint64_t lines) {
  std::ofstream(t.dir / "in.txt") << [&] {
    std::string s;
    for (uint64_t i = 0; i < lines; ++i) s += "line " + std::to_string(i) + "\n";
    return s;
  }();
  FlowOptions o{.name = "errors", .error_policy = ErrorPolicy::Skip};
  o.context = &t.host.context();
  auto f = std::make_unique<Flow>(o, t.pool, t.ledger);
  auto src = FileSource::open({(t.dir / "in.txt").string(), 0, content_type}, t.pool, "input");
  EXPECT_TRUE(src.ok());
  f->add_node("input", std::move(*src), "");
  f->add_node("sink", t.node(t.sdk("collect_sink"), "sink"), "");
  f->add_edge(0, "", 1, "", {});
  return f;
}

TEST_F(Tracing, ErrorPromotionKeepsEveryFailedElement) {
  auto t = tracer({.level = obs::TraceLevel::Production, .sample_rate = 0.0, .error_promote = true});
  auto f = failing_flow(*this, "application/octet-stream", 30);
  f->enable_tracing(t, {{"sink", "collect_sink"}});
  ASSERT_TRUE(f->run().ok());
  t->shutdown();
  size_t roots = 0, errors = 0;
  for (const auto& s : exported->take()) {
    if (s.name == "element") {
      ++roots;
      EXPECT_EQ(attr(s, "torvyn.trace.kept_by"), "error");
      EXPECT_EQ(attr(s, "torvyn.element.outcome"), "failed");
    }
    if (attr(s, "torvyn.operation") == "push") {
      EXPECT_EQ(s.status, obs::SpanStatus::Error);
      EXPECT_NE(s.status_message.find("sink accepts text/* only"), std::string::npos) << s.status_message;
      ++errors;
    }
  }
  EXPECT_EQ(roots, 30u);
  EXPECT_EQ(errors, 30u);
  EXPECT_EQ(t->stats().elements_promoted, 30u);
}

TEST_F(Tracing, ElementsWithoutErrorsAreNotPromoted) {
  auto t = tracer({.level = obs::TraceLevel::Production, .sample_rate = 0.0, .error_promote = true});
  auto f = failing_flow(*this, "text/plain", 30);
  f->enable_tracing(t, {});
  ASSERT_TRUE(f->run().ok());
  t->shutdown();
  EXPECT_EQ(t->stats().elements_kept, 0u);
}

TEST_F(Tracing, LatencyPromotionKeepsSlowElements) {
  // Every element takes more than a nanosecond end to end; none takes an hour.
  auto fast = tracer({.level = obs::TraceLevel::Production, .sample_rate = 0.0, .error_promote = false,
                      .latency_promote_threshold_ms = 3600e3});
  auto f1 = stamp_flow(20);
  f1->enable_tracing(fast, {});
  ASSERT_TRUE(f1->run().ok());
  fast->shutdown();
  EXPECT_EQ(fast->stats().elements_kept, 0u);

  auto slow = tracer({.level = obs::TraceLevel::Production, .sample_rate = 0.0, .error_promote = false,
                      .latency_promote_threshold_ms = 1e-6});
  auto f2 = stamp_flow(20);
  f2->enable_tracing(slow, {});
  ASSERT_TRUE(f2->run().ok());
  slow->shutdown();
  EXPECT_EQ(slow->stats().elements_kept, 20u);
  for (const auto& s : exported->take())
    if (s.name == "element") {
      EXPECT_EQ(attr(s, "torvyn.trace.kept_by"), "latency");
    }
}

TEST_F(Tracing, DiagnosticLevelRecordsCopiesBuffersAndFuel) {
  auto t = tracer({.level = obs::TraceLevel::Diagnostic, .sample_rate = 0.0});
  auto f = stamp_flow(5);
  f->enable_tracing(t, {});
  ASSERT_TRUE(f->run().ok());
  t->shutdown();
  size_t processes = 0;
  for (const auto& s : exported->take()) {
    if (attr(s, "torvyn.operation") != "process") continue;
    ++processes;
    // trace_stamp writes one new payload (it does not read its input): one copy in.
    EXPECT_EQ(attr(s, "torvyn.copies"), "1");
    EXPECT_NE(attr(s, "torvyn.buffer.in"), "");
    EXPECT_NE(attr(s, "torvyn.buffer.out"), "");
    EXPECT_NE(attr(s, "torvyn.fuel"), "");
  }
  EXPECT_EQ(processes, 5u) << "diagnostic level keeps every element whatever sample_rate says";
}

}  // namespace
}  // namespace torvyn::reactor

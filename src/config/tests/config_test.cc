// Loading Torvyn.toml end to end: the full schema, the operator guide's snippets, every kind of
// bad input (code, key, line:column, expected, found, help), env/--config/user-config precedence,
// ${VAR} interpolation and path resolution.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "torvyn/config/config.h"

namespace torvyn::config {
namespace {

namespace fs = std::filesystem;

const std::string kData = TORVYN_CONFIG_TEST_DATA;

// Hermetic options: no process environment and no user config unless a test adds them.
LoadOptions opts(std::map<std::string, std::string> env = {}) {
  LoadOptions o;
  o.use_process_env = false;
  o.env = std::move(env);
  return o;
}

LoadResult parse_text(const std::string& text, const LoadOptions& o = opts()) {
  return parse(text, "/proj/Torvyn.toml", o);
}

std::string dump(const LoadResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics) out += render_human(d, r.source_for(d));
  return out;
}

// The first diagnostic with `code`, or nullptr.
const Diagnostic* find(const LoadResult& r, ErrorCode code) {
  for (const auto& d : r.diagnostics)
    if (d.code == code) return &d;
  return nullptr;
}

size_t count_errors(const LoadResult& r) {
  size_t n = 0;
  for (const auto& d : r.diagnostics) n += d.severity == Severity::Error;
  return n;
}

// Every diagnostic must tell the user where, which key, what was expected and found, and a fix.
void expect_complete(const Diagnostic& d) {
  EXPECT_FALSE(d.location.file.empty()) << render_human(d);
  if (d.location.file != "environment" && d.location.file != "command line") {
    EXPECT_GT(d.location.line, 0u) << render_human(d);
    EXPECT_GT(d.location.column, 0u) << render_human(d);
  }
  EXPECT_FALSE(d.key.empty()) << render_human(d);
  EXPECT_FALSE(d.expected.empty()) << render_human(d);
  EXPECT_FALSE(d.found.empty()) << render_human(d);
  EXPECT_FALSE(d.help.empty()) << render_human(d);
}

const std::string kHead = "[torvyn]\nname = \"t\"\n";

// ---- valid input ----------------------------------------------------------------------------

TEST(ConfigLoad, FullFileWithEveryKey) {
  LoadResult r = load(kData + "/full.toml", opts());
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.project.name, "full-pipeline");
  EXPECT_EQ(c.project.version, "0.3.1");
  EXPECT_EQ(c.project.contract_version, "0.1.0");
  EXPECT_EQ(c.project.description, "every key, once");
  EXPECT_EQ(c.manifest_path, fs::path(kData) / "full.toml");
  EXPECT_EQ(c.project_dir, fs::path(kData));

  ASSERT_EQ(c.components.size(), 3u);
  EXPECT_EQ(c.components[0].name, "reader");
  EXPECT_EQ(c.components[0].path, kData + "/components/reader.wasm");
  EXPECT_EQ(c.components[0].path_text, "components/reader.wasm");
  EXPECT_EQ(c.components[0].language, "c");
  EXPECT_EQ(c.components[0].config, R"({"path": "/var/in"})");
  EXPECT_EQ(c.components[0].where.line, 8u);
  EXPECT_EQ(c.components[1].path, "/opt/torvyn/upper.wasm");
  EXPECT_EQ(c.components[1].config, R"({"limit":10,"mode":"upper","tags":["a","b"]})");
  EXPECT_EQ(c.components[2].path, kData + "/writer.wasm");
  ASSERT_NE(c.find_component("upper"), nullptr);
  EXPECT_EQ(c.find_component("nope"), nullptr);

  ASSERT_EQ(c.flows.size(), 2u);
  const FlowDecl& f = c.flows[0];
  EXPECT_EQ(f.name, "main");
  EXPECT_EQ(c.find_flow("side"), &c.flows[1]);
  EXPECT_EQ(f.description, "reader -> upper -> writer");
  EXPECT_EQ(f.default_queue_depth, 128u);
  EXPECT_EQ(f.error_policy, ErrorPolicy::Retry);
  EXPECT_EQ(f.max_retries, 5u);
  EXPECT_EQ(f.retry_backoff_ms, 25u);
  EXPECT_EQ(f.invocation_timeout_ms, 2000u);
  ASSERT_EQ(f.nodes.size(), 3u);  // file order, not alphabetical
  EXPECT_EQ(f.nodes[0].id, "src");
  EXPECT_EQ(f.nodes[1].id, "up");
  EXPECT_EQ(f.nodes[2].id, "sink");
  EXPECT_EQ(f.nodes[0].component, "reader");
  EXPECT_EQ(f.nodes[0].interface, "torvyn:streaming/source");
  EXPECT_EQ(f.nodes[0].priority, 2);
  EXPECT_FALSE(f.nodes[0].fuel_budget);
  EXPECT_EQ(f.nodes[1].config, R"({"x":1})");
  EXPECT_EQ(f.nodes[1].fuel_budget, 500000u);
  EXPECT_EQ(f.nodes[1].max_memory, 16u << 20);
  EXPECT_EQ(f.nodes[2].config, R"({"fsync":true})");
  EXPECT_EQ(f.nodes[2].max_memory, 1048576u);
  EXPECT_EQ(f.nodes[2].priority, -1);
  EXPECT_EQ(f.nodes[1].where.line, 32u);
  ASSERT_EQ(f.edges.size(), 2u);
  EXPECT_EQ(f.edges[0].from.node, "src");
  EXPECT_EQ(f.edges[0].from.port, "");
  EXPECT_EQ(f.edges[0].to.node, "up");
  EXPECT_EQ(f.edges[0].queue_depth, 32u);
  EXPECT_EQ(f.edges[0].backpressure_policy, BackpressurePolicy::DropOldest);
  EXPECT_EQ(f.edges[1].from.port, "out");
  EXPECT_EQ(f.edges[1].to.node, "sink");
  EXPECT_EQ(f.edges[1].to.port, "in");
  EXPECT_FALSE(f.edges[1].queue_depth);
  EXPECT_FALSE(f.edges[1].backpressure_policy);
  ASSERT_NE(f.find_node("sink"), nullptr);

  const FlowDecl& side = c.flows[1];
  EXPECT_EQ(side.error_policy, ErrorPolicy::FailFast);
  EXPECT_EQ(side.nodes[0].component, "file://" + kData + "/side/a.wasm");
  EXPECT_EQ(side.nodes[1].component, "oci://registry.example.com/torvyn/b:1.2.0");
  EXPECT_EQ(side.edges[0].from.node, "a");
  EXPECT_EQ(side.edges[0].to.node, "b");
  EXPECT_EQ(side.edges[0].to.port, "in");

  EXPECT_EQ(c.runtime.worker_threads, 4u);
  EXPECT_EQ(c.runtime.max_memory_per_component, 128u << 20);
  EXPECT_EQ(c.runtime.fuel_per_invocation, 2000000u);
  EXPECT_EQ(c.runtime.invocation_timeout_ms, 1500u);
  EXPECT_EQ(c.runtime.compilation_cache_dir, kData + "/cache");
  EXPECT_EQ(c.runtime.engine, Engine::Interp);
  EXPECT_EQ(c.runtime.max_batch, 128u);
  EXPECT_TRUE(c.runtime.tiering);
  EXPECT_EQ(c.runtime.backpressure.default_queue_depth, 256u);
  EXPECT_EQ(c.runtime.backpressure.policy, BackpressurePolicy::DropNewest);
  EXPECT_DOUBLE_EQ(c.runtime.backpressure.low_watermark_ratio, 0.25);
  EXPECT_EQ(c.runtime.pools.small, 512u);
  EXPECT_EQ(c.runtime.pools.medium, 32u);
  EXPECT_EQ(c.runtime.pools.large, 8u);
  EXPECT_EQ(c.runtime.pools.huge_bytes, 64u << 20);

  EXPECT_TRUE(c.observability.metrics_enabled);
  EXPECT_TRUE(c.observability.prometheus_enabled);
  EXPECT_EQ(c.observability.metrics_level, "diagnostic");
  EXPECT_EQ(c.observability.tracing.level, TracingLevel::Production);
  EXPECT_EQ(c.observability.tracing.exporter, TracingExporter::OtlpHttp);
  EXPECT_EQ(c.observability.tracing.endpoint, "http://collector:4318");
  EXPECT_DOUBLE_EQ(c.observability.tracing.sample_rate, 0.01);
  EXPECT_FALSE(c.observability.tracing.error_promote);
  EXPECT_DOUBLE_EQ(c.observability.tracing.latency_promote_threshold_ms, 10);
  EXPECT_EQ(c.observability.tracing.file, kData + "/traces.jsonl");

  EXPECT_EQ(c.security.default_capability_policy, "deny-all");
  EXPECT_TRUE(c.security.audit_enabled);
  EXPECT_EQ(c.security.audit_log, "/var/log/torvyn/audit.log");
  ASSERT_EQ(c.security.grants.size(), 2u);
  EXPECT_EQ(c.security.grants.at("reader"),
            (std::vector<std::string>{"wasi:filesystem/read", "wasi:clocks/monotonic-clock"}));
  EXPECT_TRUE(c.security.grants.at("writer").empty());

  EXPECT_TRUE(c.inspection.enabled);
  EXPECT_EQ(c.inspection.socket, "/run/torvyn/api.sock");
  EXPECT_EQ(c.inspection.tcp, "127.0.0.1:7878");
  EXPECT_EQ(c.inspection.token, "s3cret-token");
}

TEST(ConfigLoad, MinimalFileGetsDefaults) {
  LoadResult r = load(kData + "/minimal.toml", opts());
  ASSERT_TRUE(r.ok()) << dump(r);
  const Config& c = *r.config;
  const Config d;  // the documented defaults
  EXPECT_EQ(c.runtime.worker_threads, 1u);
  EXPECT_EQ(c.runtime.max_memory_per_component, 64u << 20);
  EXPECT_EQ(c.runtime.fuel_per_invocation, 1000000u);
  EXPECT_EQ(c.runtime.invocation_timeout_ms, 5000u);
  EXPECT_EQ(c.runtime.engine, Engine::Aot);
  EXPECT_EQ(c.runtime.compilation_cache_dir, "");
  EXPECT_EQ(c.runtime.max_batch, 64u);
  EXPECT_FALSE(c.runtime.tiering);
  EXPECT_EQ(c.runtime.backpressure.default_queue_depth, 64u);
  EXPECT_EQ(c.runtime.backpressure.policy, BackpressurePolicy::BlockProducer);
  EXPECT_DOUBLE_EQ(c.runtime.backpressure.low_watermark_ratio, 0.5);
  EXPECT_EQ(c.runtime.pools.small, d.runtime.pools.small);
  EXPECT_EQ(c.runtime.pools.huge_bytes, 32u << 20);
  EXPECT_TRUE(c.observability.metrics_enabled);
  EXPECT_FALSE(c.observability.prometheus_enabled);
  EXPECT_EQ(c.observability.tracing.level, TracingLevel::Off);
  EXPECT_EQ(c.security.default_capability_policy, "deny-all");
  EXPECT_FALSE(c.security.audit_enabled);
  EXPECT_TRUE(c.inspection.enabled);
  EXPECT_EQ(c.inspection.socket, "");
  ASSERT_EQ(c.flows.size(), 1u);
  EXPECT_EQ(c.flows[0].error_policy, ErrorPolicy::FailFast);
  EXPECT_EQ(c.flows[0].max_retries, 3u);
  EXPECT_EQ(c.flows[0].retry_backoff_ms, 10u);
  EXPECT_FALSE(c.flows[0].invocation_timeout_ms);
  EXPECT_FALSE(c.flows[0].default_queue_depth);
  EXPECT_EQ(c.state_dir, "/tmp/torvyn-" + std::to_string(::getuid()));
}

TEST(ConfigLoad, AlternativeSpellingsOfNodesAndEdges) {
  // [flow.x.nodes.<id>] tables, [[flow.x.edges]] tables, string port shorthands, integer durations.
  LoadResult r = parse_text(kHead + R"(
[[component]]
name = "p"
path = "p.wasm"
[flow.x]
retry_backoff_ms = "1s"
invocation_timeout = 250
[flow.x.nodes.b]
component = "p"
[flow.x.nodes.a]
component = "p"
[[flow.x.edges]]
from = "a"
to = { node = "b" }
)");
  ASSERT_TRUE(r.ok()) << dump(r);
  const FlowDecl& f = r.config->flows[0];
  ASSERT_EQ(f.nodes.size(), 2u);
  EXPECT_EQ(f.nodes[0].id, "b");
  EXPECT_EQ(f.nodes[1].id, "a");
  EXPECT_EQ(f.retry_backoff_ms, 1000u);
  EXPECT_EQ(f.invocation_timeout_ms, 250u);
  ASSERT_EQ(f.edges.size(), 1u);
  EXPECT_EQ(f.edges[0].from.node, "a");
  EXPECT_EQ(f.edges[0].to.node, "b");
}

TEST(ConfigLoad, FlowsInFileOrder) {
  LoadResult r = parse_text(kHead + R"(
[flow.zeta]
nodes.a = { component = "file://a.wasm" }
[flow.alpha]
nodes.a = { component = "file://a.wasm" }
[flow.mid]
nodes.a = { component = "file://a.wasm" }
)");
  ASSERT_TRUE(r.ok()) << dump(r);
  ASSERT_EQ(r.config->flows.size(), 3u);
  EXPECT_EQ(r.config->flows[0].name, "zeta");
  EXPECT_EQ(r.config->flows[1].name, "alpha");
  EXPECT_EQ(r.config->flows[2].name, "mid");
}

// The operator guide's snippets, as printed in it.
TEST(ConfigLoad, ProductionGuideSnippets) {
  LoadResult r = parse_text(kHead + R"(
[observability]
metrics_enabled = true
prometheus_enabled = true

[observability.tracing]
level = "production"
tracing_exporter = "otlp-grpc"
tracing_endpoint = "http://your-otel-collector:4317"
sample_rate = 0.01
error_promote = true
latency_promote_threshold_ms = 10

[security]
default_capability_policy = "deny-all"
audit_enabled = true

[runtime]
worker_threads = 2
max_memory_per_component = "64MiB"
fuel_per_invocation = 1000000

[runtime.backpressure]
default_queue_depth = 64

[runtime.pools]
small = 256
medium = 64
large = 16
huge = "32MiB"

[inspection]
tcp = "127.0.0.1:7878"
token = "${TOKEN}"
)",
                            opts({{"TOKEN", "abc"}}));
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r);
  const Config& c = *r.config;
  EXPECT_TRUE(c.observability.prometheus_enabled);
  EXPECT_EQ(c.observability.tracing.level, TracingLevel::Production);
  EXPECT_EQ(c.observability.tracing.exporter, TracingExporter::OtlpGrpc);
  EXPECT_EQ(c.observability.tracing.endpoint, "http://your-otel-collector:4317");
  EXPECT_DOUBLE_EQ(c.observability.tracing.sample_rate, 0.01);
  EXPECT_TRUE(c.observability.tracing.error_promote);
  EXPECT_DOUBLE_EQ(c.observability.tracing.latency_promote_threshold_ms, 10);
  EXPECT_TRUE(c.security.audit_enabled);
  EXPECT_EQ(c.inspection.token, "abc");
}

// Whatever TOML blocks the guide itself contains ([section] followed by key = value lines) load
// without a diagnostic.
TEST(ConfigLoad, ProductionGuideBlocksFromTheGuide) {
  std::ifstream in(TORVYN_SEED_GUIDE);
  if (!in) GTEST_SKIP() << "no " << TORVYN_SEED_GUIDE;
  std::string line, block;
  std::vector<std::string> blocks;
  // (std::regex trips GCC 12's -Wmaybe-uninitialized under the sanitizers; these are simple enough.)
  auto word = [](std::string_view s, std::string_view extra) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
      return (c >= 'a' && c <= 'z') || c == '_' || extra.find(c) != std::string_view::npos;
    });
  };
  auto is_header = [&](const std::string& l) {  // [section.name]
    return l.size() > 2 && l.front() == '[' && l.back() == ']' && word(std::string_view(l).substr(1, l.size() - 2), ".");
  };
  auto is_kv = [&](const std::string& l) {  // key = value
    size_t eq = l.find(" = ");
    return eq != std::string::npos && word(std::string_view(l).substr(0, eq), "") && eq + 3 < l.size() && l[eq + 3] != ' ';
  };
  bool in_block = false;
  while (std::getline(in, line)) {
    if (is_header(line)) {
      if (in_block) blocks.push_back(block);
      block = line + "\n";
      in_block = true;
    } else if (in_block && is_kv(line)) {
      block += line + "\n";
    } else if (in_block) {
      blocks.push_back(block);
      in_block = false;
    }
  }
  if (in_block) blocks.push_back(block);
  ASSERT_GE(blocks.size(), 2u);  // [observability] and [observability.tracing]
  for (const auto& b : blocks) {
    LoadResult r = parse_text(kHead + b);
    EXPECT_TRUE(r.ok() && r.diagnostics.empty()) << b << dump(r);
  }
}

// ---- bad input ------------------------------------------------------------------------------

struct BadCase {
  const char* name;
  std::string text;
  ErrorCode code;
  std::string key;
  uint32_t line, column;
  std::string expected_part, found_part, help_part;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class BadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadInput, ReportsCodeKeyLocationExpectedFoundHelp) {
  const BadCase& c = GetParam();
  LoadResult r = parse_text(c.text);
  EXPECT_FALSE(r.ok());
  const Diagnostic* d = find(r, c.code);
  ASSERT_NE(d, nullptr) << dump(r);
  EXPECT_EQ(d->severity, Severity::Error);
  EXPECT_EQ(d->key, c.key) << dump(r);
  EXPECT_EQ(d->location.file, "/proj/Torvyn.toml");
  EXPECT_EQ(d->location.line, c.line) << dump(r);
  EXPECT_EQ(d->location.column, c.column) << dump(r);
  EXPECT_NE(d->expected.find(c.expected_part), std::string::npos) << d->expected;
  EXPECT_NE(d->found.find(c.found_part), std::string::npos) << d->found;
  EXPECT_NE(d->help.find(c.help_part), std::string::npos) << d->help;
  for (const auto& diag : r.diagnostics) expect_complete(diag);
}

const std::string kComp = "[[component]]\nname = \"p\"\npath = \"p.wasm\"\n";  // lines 3-5 after kHead

INSTANTIATE_TEST_SUITE_P(
    Config, BadInput,
    ::testing::Values(
        BadCase{"syntax", kHead + "[runtime]\nworker_threads = \n", ErrorCode::ConfigSyntax,
                "runtime.worker_threads", 4, 18, "valid TOML", "end of line", "fix the TOML syntax"},
        BadCase{"syntax_unclosed_array", kHead + "[security.grants.p]\ncapabilities = [\"a\",\n", ErrorCode::ConfigSyntax,
                "security.grants.p.capabilities", 4, 22, "valid TOML", "end of line", "fix the TOML syntax"},
        BadCase{"wrong_type", kHead + "[runtime]\nworker_threads = \"four\"\n", ErrorCode::ConfigWrongType,
                "runtime.worker_threads", 4, 18, "an integer", "\"four\" (string)", "worker_threads = 4"},
        BadCase{"zero_threads", kHead + "[runtime]\nworker_threads = 0\n", ErrorCode::ConfigInvalidValue,
                "runtime.worker_threads", 4, 18, "from 1 to 1024", "0 (integer)", "at least 1"},
        BadCase{"max_batch_zero", kHead + "[runtime]\nmax_batch = 0\n", ErrorCode::ConfigInvalidValue,
                "runtime.max_batch", 4, 13, "from 1 to 4096", "0 (integer)", "use 1 to call components once per element"},
        BadCase{"max_batch_too_big", kHead + "[runtime]\nmax_batch = 5000\n", ErrorCode::ConfigInvalidValue,
                "runtime.max_batch", 4, 13, "from 1 to 4096", "5000 (integer)", "up to 4096 elements per batch call"},
        BadCase{"max_batch_wrong_type", kHead + "[runtime]\nmax_batch = \"64\"\n", ErrorCode::ConfigWrongType,
                "runtime.max_batch", 4, 13, "an integer", "\"64\" (string)", "max_batch = "},
        BadCase{"bad_engine", kHead + "[runtime]\nengine = \"jit\"\n", ErrorCode::ConfigInvalidValue,
                "runtime.engine", 4, 10, "\"aot\", \"interp\"", "\"jit\" (string)", "use one of"},
        BadCase{"engine_typo", kHead + "[runtime]\nengine = \"intrep\"\n", ErrorCode::ConfigInvalidValue,
                "runtime.engine", 4, 10, "\"interp\"", "\"intrep\"", "did you mean \"interp\"?"},
        BadCase{"bad_size", kHead + "[runtime]\nmax_memory_per_component = \"64 parsecs\"\n", ErrorCode::ConfigInvalidValue,
                "runtime.max_memory_per_component", 4, 28, "64MiB", "\"64 parsecs\"", "MiB"},
        BadCase{"size_too_big", kHead + "[runtime]\nmax_memory_per_component = \"8GiB\"\n", ErrorCode::ConfigInvalidValue,
                "runtime.max_memory_per_component", 4, 28, "from 64KiB to 4GiB", "\"8GiB\"", "64KiB"},
        BadCase{"queue_depth_zero", kHead + "[runtime.backpressure]\ndefault_queue_depth = 0\n",
                ErrorCode::ConfigInvalidValue, "runtime.backpressure.default_queue_depth", 4, 23, "from 1 to 1000000",
                "0 (integer)", "1 to 1000000"},
        BadCase{"ratio_one", kHead + "[runtime.backpressure]\nlow_watermark_ratio = 1.0\n", ErrorCode::ConfigInvalidValue,
                "runtime.backpressure.low_watermark_ratio", 4, 23, "greater than 0 and less than 1", "1 (float)",
                "less than 1"},
        BadCase{"policy", kHead + "[runtime.backpressure]\nbackpressure_policy = \"drop\"\n", ErrorCode::ConfigInvalidValue,
                "runtime.backpressure.backpressure_policy", 4, 23, "\"block-producer\"", "\"drop\"", "did you mean"},
        BadCase{"sample_rate", kHead + "[observability.tracing]\nsample_rate = 1.5\n", ErrorCode::ConfigInvalidValue,
                "observability.tracing.sample_rate", 4, 15, "from 0 to 1", "1.5 (float)", "0 to 1"},
        BadCase{"exporter", kHead + "[observability.tracing]\ntracing_exporter = \"jaeger\"\n",
                ErrorCode::ConfigInvalidValue, "observability.tracing.tracing_exporter", 4, 20, "\"otlp-grpc\"",
                "\"jaeger\"", "one of"},
        BadCase{"bool", kHead + "[security]\naudit_enabled = \"yes\"\n", ErrorCode::ConfigWrongType,
                "security.audit_enabled", 4, 17, "true or false", "\"yes\" (string)", "audit_enabled = true"},
        BadCase{"grants_not_strings", kHead + "[security.grants.x]\ncapabilities = [\"a\", 3]\n",
                ErrorCode::ConfigWrongType, "security.grants.x.capabilities[1]", 4, 22, "a string", "3 (integer)",
                "quote it"},
        BadCase{"missing_name", "[torvyn]\nversion = \"0.1.0\"\n", ErrorCode::ConfigMissingKey, "torvyn.name", 1, 1,
                "a string", "nothing", "name = \"my-pipeline\""},
        BadCase{"missing_torvyn", "[runtime]\nworker_threads = 2\n", ErrorCode::ConfigMissingKey, "torvyn.name", 1, 1,
                "[torvyn]", "nothing", "[torvyn]"},
        BadCase{"bad_version", "[torvyn]\nname = \"t\"\nversion = \"one\"\n", ErrorCode::ConfigInvalidValue,
                "torvyn.version", 3, 11, "0.1.0", "\"one\"", "MAJOR.MINOR.PATCH"},
        BadCase{"component_missing_path", kHead + "[[component]]\nname = \"p\"\n", ErrorCode::ConfigMissingKey,
                "component[0].path", 3, 1, "a string", "nothing", "path = "},
        BadCase{"component_missing_name", kHead + "[[component]]\npath = \"p.wasm\"\n", ErrorCode::ConfigMissingKey,
                "component[0].name", 3, 1, "a string", "nothing", "name = "},
        BadCase{"component_as_table", kHead + "[component]\nname = \"p\"\n", ErrorCode::ConfigWrongType, "component",
                3, 1, "[[component]]", "a table", "[[component]]"},
        BadCase{"duplicate_component", kHead + kComp + "[[component]]\nname = \"p\"\npath = \"q.wasm\"\n",
                ErrorCode::ConfigDuplicate, "component[1].name", 7, 8, "not used by another", "\"p\"", "rename"},
        BadCase{"node_missing_component", kHead + "[flow.f]\nnodes.a = { interface = \"torvyn:streaming/source\" }\n",
                ErrorCode::ConfigMissingKey, "flow.f.nodes.a.component", 4, 11, "a string", "nothing", "component = "},
        BadCase{"node_unknown_component", kHead + kComp + "[flow.f]\nnodes.a = { component = \"zzz\" }\n",
                ErrorCode::ConfigUnknownReference, "flow.f.nodes.a.component", 7, 25, "[[component]]", "\"zzz\"",
                "declare it"},
        BadCase{"node_component_typo", kHead + "[[component]]\nname = \"reader\"\npath = \"r.wasm\"\n[flow.f]\n"
                                               "nodes.a = { component = \"raeder\" }\n",
                ErrorCode::ConfigUnknownReference, "flow.f.nodes.a.component", 7, 25, "[[component]]", "\"raeder\"",
                "did you mean `reader`?"},
        BadCase{"node_scheme", kHead + "[flow.f]\nnodes.a = { component = \"http://x/a.wasm\" }\n",
                ErrorCode::ConfigInvalidValue, "flow.f.nodes.a.component", 4, 25, "file://", "\"http://x/a.wasm\"",
                "file://"},
        BadCase{"flow_without_nodes", kHead + "[flow.f]\ndescription = \"x\"\n", ErrorCode::ConfigMissingKey,
                "flow.f.nodes", 3, 1, "at least one node", "no nodes", "nodes.src"},
        BadCase{"edge_unknown_node", kHead + kComp + "[flow.f]\nnodes.a = { component = \"p\" }\n"
                                                     "edges = [{ from = { node = \"a\" }, to = { node = \"bb\" } }]\n",
                ErrorCode::ConfigUnknownReference, "flow.f.edges[0].to.node", 8, 49, "node ids", "\"bb\"",
                "declare it as nodes.bb"},
        BadCase{"edge_node_typo", kHead + kComp + "[flow.f]\nnodes.alpha = { component = \"p\" }\n"
                                                  "edges = [{ from = \"alpah\", to = \"alpha\" }]\n",
                ErrorCode::ConfigUnknownReference, "flow.f.edges[0].from", 8, 19, "node ids", "\"alpah\"",
                "did you mean `alpha`?"},
        BadCase{"edge_missing_to", kHead + kComp + "[flow.f]\nnodes.a = { component = \"p\" }\n"
                                                   "edges = [{ from = { node = \"a\" } }]\n",
                ErrorCode::ConfigMissingKey, "flow.f.edges[0].to", 8, 10, "node", "nothing", "to = { node"},
        BadCase{"edge_queue_depth", kHead + kComp + "[flow.f]\nnodes.a = { component = \"p\" }\n"
                                                    "edges = [{ from = \"a\", to = \"a\", queue_depth = 2000000 }]\n",
                ErrorCode::ConfigInvalidValue, "flow.f.edges[0].queue_depth", 8, 48, "from 1 to 1000000",
                "2000000 (integer)", "1 to 1000000"},
        BadCase{"error_policy", kHead + kComp + "[flow.f]\nerror_policy = \"ignore\"\nnodes.a = { component = \"p\" }\n",
                ErrorCode::ConfigInvalidValue, "flow.f.error_policy", 7, 16, "\"fail-fast\", \"skip\", \"retry\"",
                "\"ignore\"", "one of"},
        BadCase{"timeout", kHead + kComp + "[flow.f]\ninvocation_timeout = \"soon\"\nnodes.a = { component = \"p\" }\n",
                ErrorCode::ConfigInvalidValue, "flow.f.invocation_timeout", 7, 22, "duration", "\"soon\"", "250ms"},
        BadCase{"node_memory", kHead + kComp + "[flow.f]\nnodes.a = { component = \"p\", max_memory = 100 }\n",
                ErrorCode::ConfigInvalidValue, "flow.f.nodes.a.max_memory", 7, 43, "from 64KiB to 4GiB",
                "100 (integer)", "64KiB"},
        BadCase{"node_interface", kHead + kComp + "[flow.f]\nnodes.a = { component = \"p\", interface = \"processor\" }\n",
                ErrorCode::ConfigInvalidValue, "flow.f.nodes.a.interface", 7, 42, "torvyn:streaming/processor",
                "\"processor\"", "full interface name"},
        BadCase{"node_config_type", kHead + kComp + "[flow.f]\nnodes.a = { component = \"p\", config = 5 }\n",
                ErrorCode::ConfigWrongType, "flow.f.nodes.a.config", 7, 39, "JSON string or a table", "5 (integer)",
                "config = "},
        BadCase{"unknown_section", kHead + "[runtme]\nworker_threads = 2\n", ErrorCode::ConfigUnknownKey, "runtme", 3,
                2, "one of the sections", "`runtme`", "did you mean `runtime`?"},
        BadCase{"unknown_subsection", kHead + "[runtime.pool]\nsmall = 2\n", ErrorCode::ConfigUnknownKey,
                "runtime.pool", 3, 10, "a key of [runtime]", "`pool`", "did you mean `runtime.pools`?"},
        BadCase{"tcp_without_token", kHead + "[inspection]\ntcp = \"127.0.0.1:7878\"\n", ErrorCode::ConfigMissingKey,
                "inspection.token", 4, 7, "token", "no token", "inspection.token"},
        BadCase{"tcp_bad", kHead + "[inspection]\ntcp = \"localhost\"\ntoken = \"t\"\n", ErrorCode::ConfigInvalidValue,
                "inspection.tcp", 4, 7, "host:port", "\"localhost\"", "127.0.0.1:7878"},
        BadCase{"tcp_not_loopback", kHead + "[inspection]\ntcp = \"0.0.0.0:7878\"\ntoken = \"t\"\n",
                ErrorCode::InspectionNotLoopback, "inspection.tcp", 4, 7, "allow_remote = true", "\"0.0.0.0:7878\"",
                "allow_remote = true"},
        BadCase{"file_exporter_without_file", kHead + "[observability.tracing]\ntracing_exporter = \"file\"\n",
                ErrorCode::ConfigMissingKey, "observability.tracing.file", 4, 20, "a string", "nothing", "file = "},
        BadCase{"otlp_endpoint", kHead + "[observability.tracing]\ntracing_exporter = \"otlp-grpc\"\n"
                                         "tracing_endpoint = \"collector:4317\"\n",
                ErrorCode::ConfigInvalidValue, "observability.tracing.tracing_endpoint", 5, 20, "http://",
                "\"collector:4317\"", "http://"},
        BadCase{"section_not_table", "runtime = 4\n" + kHead, ErrorCode::ConfigWrongType, "runtime", 1, 11, "a table",
                "4 (integer)", "[runtime]"},
        BadCase{"undefined_variable", kHead + "[inspection]\ntoken = \"Bearer ${NOPE}\"\n",
                ErrorCode::ConfigInterpolation, "inspection.token", 4, 17, "`NOPE` to be set", "`NOPE` is not set",
                "${NOPE:-value}"},
        BadCase{"malformed_variable", kHead + "[inspection]\ntoken = \"${1X}\"\n", ErrorCode::ConfigInterpolation,
                "inspection.token", 4, 10, "${NAME}", "\"${1X}\"", "$${"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

// Remote access to the inspection API is a decision written down, not a warning scrolled past.
TEST(ConfigLoad, ARemoteInspectionAddressNeedsAllowRemote) {
  LoadResult r = parse_text(kHead + "[inspection]\ntcp = \"0.0.0.0:7878\"\ntoken = \"t\"\nallow_remote = true\n");
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_TRUE(r.config->inspection.allow_remote);
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r);
}

TEST(ConfigLoad, CollectsEveryErrorNotJustTheFirst) {
  LoadResult r = parse_text(kHead + R"(
[runtime]
worker_threads = 0
engine = "jit"
[runtime.backpressure]
low_watermark_ratio = 2
[observability.tracing]
sample_rate = -1
)");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(count_errors(r), 4u) << dump(r);
}

TEST(ConfigLoad, DiagnosticsComeInReadingOrder) {
  // Validation visits [runtime] before [flow.*]; the report still reads top to bottom.
  LoadResult r = parse_text(kHead + "[runtime]\nworker_threads = 0\n[flow.f]\nnodes.a = { component = \"x\" }\n"
                                    "[runtime.pools]\nsmall = -1\n");
  ASSERT_EQ(r.diagnostics.size(), 3u) << dump(r);
  EXPECT_EQ(r.diagnostics[0].location.line, 4u);
  EXPECT_EQ(r.diagnostics[1].location.line, 6u);
  EXPECT_EQ(r.diagnostics[2].location.line, 8u);
}

TEST(ConfigLoad, ConfigTextThatLooksLikeBrokenJsonWarns) {
  LoadResult r = parse_text(kHead + "[flow.f]\nnodes.a = { component = \"file://a.wasm\", config = \"{a: 1}\" }\n"
                                    "nodes.b = { component = \"file://b.wasm\", config = \"plain text is fine\" }\n");
  ASSERT_TRUE(r.ok()) << dump(r);
  ASSERT_EQ(r.diagnostics.size(), 1u) << dump(r);
  EXPECT_EQ(r.diagnostics[0].severity, Severity::Warning);
  EXPECT_EQ(r.diagnostics[0].key, "flow.f.nodes.a.config");
  EXPECT_EQ(r.config->flows[0].nodes[0].config, "{a: 1}");
}

TEST(ConfigLoad, UnknownKeyIsAWarningWithSuggestion) {
  LoadResult r = parse_text(kHead + "[runtime]\nworker_thread = 2\n[observability.tracing]\nexporter = \"stdout\"\n");
  ASSERT_TRUE(r.ok()) << dump(r);  // warnings do not block loading
  ASSERT_EQ(r.diagnostics.size(), 2u) << dump(r);
  const Diagnostic& d = r.diagnostics[0];
  EXPECT_EQ(d.code, ErrorCode::ConfigUnknownKey);
  EXPECT_EQ(d.severity, Severity::Warning);
  EXPECT_EQ(d.key, "runtime.worker_thread");
  EXPECT_EQ(d.location.line, 4u);
  EXPECT_EQ(d.location.column, 1u);
  EXPECT_EQ(d.help, "did you mean `runtime.worker_threads`?");
  expect_complete(d);
  EXPECT_EQ(r.diagnostics[1].help, "did you mean `observability.tracing.tracing_exporter`?");
  // Written above every header: point at the section it belongs to.
  LoadResult top = parse_text("worker_threads = 2\n" + kHead);
  ASSERT_EQ(top.diagnostics.size(), 1u) << dump(top);
  EXPECT_NE(top.diagnostics[0].help.find("[runtime]"), std::string::npos) << dump(top);
}

TEST(ConfigLoad, RenderHumanShowsTheCaret) {
  LoadResult r = parse_text(kHead + "[runtime]\nworker_threads = \"four\"\n");
  ASSERT_FALSE(r.diagnostics.empty());
  std::string text = render_human(r.diagnostics[0], r.source_for(r.diagnostics[0]));
  EXPECT_NE(text.find("error[E0502]"), std::string::npos) << text;
  EXPECT_NE(text.find("--> /proj/Torvyn.toml:4:18"), std::string::npos) << text;
  EXPECT_NE(text.find("worker_threads = \"four\""), std::string::npos) << text;
  EXPECT_NE(text.find("^^^^^^"), std::string::npos) << text;
}

TEST(ConfigLoad, MissingFileIsAnIoError) {
  LoadResult r = load("/nonexistent/Torvyn.toml", opts());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, ErrorCode::IoError) << render_human(r.diagnostics[0]);
  EXPECT_FALSE(r.ok());
}

TEST(ConfigLoad, OciTagsShouldBePinned) {
  LoadResult r = parse_text(kHead + "[flow.f]\nnodes.a = { component = \"oci://reg.io/x/y:latest\" }\n"
                                    "nodes.b = { component = \"oci://reg.io/x/z@sha256:abcd\" }\n");
  ASSERT_TRUE(r.ok()) << dump(r);
  ASSERT_EQ(r.diagnostics.size(), 1u) << dump(r);
  EXPECT_EQ(r.diagnostics[0].severity, Severity::Warning);
  EXPECT_EQ(r.diagnostics[0].key, "flow.f.nodes.a.component");
}

TEST(ConfigLoad, RequireSignaturesNeedsTrustedKeys) {
  LoadResult r = parse_text(kHead + "[security]\nrequire_signatures = true\ntrusted_keys = [\"keys/a.pub\", \"/etc/b.pub\"]\n");
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_TRUE(r.config->security.require_signatures);
  ASSERT_EQ(r.config->security.trusted_keys.size(), 2u);
  EXPECT_TRUE(std::filesystem::path(r.config->security.trusted_keys[0]).is_absolute()) << r.config->security.trusted_keys[0];
  EXPECT_EQ(r.config->security.trusted_keys[1], "/etc/b.pub");
  LoadResult none = parse_text(kHead + "[security]\nrequire_signatures = true\n");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.diagnostics[0].key, "security.trusted_keys") << dump(none);
  LoadResult wrong = parse_text(kHead + "[security]\nrequire_signatures = \"yes\"\ntrusted_keys = [1]\n");
  EXPECT_FALSE(wrong.ok());
}

TEST(ConfigLoad, RegistrySectionsByHost) {
  LoadResult r = parse_text(kHead + "[registry.\"127.0.0.1:5000\"]\nplain_http = true\n"
                                    "[registry.\"registry.example.com\"]\nca_file = \"certs/ca.pem\"\n");
  ASSERT_TRUE(r.ok()) << dump(r);
  ASSERT_EQ(r.config->registries.size(), 2u);
  const RegistryDecl* local = r.config->find_registry("127.0.0.1:5000");
  ASSERT_NE(local, nullptr);
  EXPECT_TRUE(local->plain_http);
  const RegistryDecl* remote = r.config->find_registry("registry.example.com");
  ASSERT_NE(remote, nullptr);
  EXPECT_FALSE(remote->plain_http);
  EXPECT_TRUE(std::filesystem::path(remote->ca_file).is_absolute()) << remote->ca_file;
  // Plain HTTP only to a loopback host; a section must be a table.
  LoadResult insecure = parse_text(kHead + "[registry.\"10.1.2.3:5000\"]\nplain_http = true\n");
  ASSERT_FALSE(insecure.ok());
  EXPECT_EQ(insecure.diagnostics[0].code, ErrorCode::RegistryInsecure) << dump(insecure);
  expect_complete(insecure.diagnostics[0]);
  EXPECT_FALSE(parse_text(kHead + "[registry]\nx = 1\n").ok());
}

TEST(ConfigLoad, GrantsForUnknownComponentWarn) {
  LoadResult r = parse_text(kHead + kComp + "[security.grants.q]\ncapabilities = [\"x\"]\n");
  ASSERT_TRUE(r.ok()) << dump(r);
  ASSERT_EQ(r.diagnostics.size(), 1u) << dump(r);
  EXPECT_EQ(r.diagnostics[0].code, ErrorCode::ConfigUnknownReference);
  EXPECT_EQ(r.diagnostics[0].location.line, 6u);
  expect_complete(r.diagnostics[0]);
}

// Buffer budgets: per component and per node (sizes; 0 = unlimited), unset = the runtime's fair share.
TEST(ConfigLoad, MaxBufferBytesPerComponentAndNode) {
  LoadResult r = parse_text(kHead + "[[component]]\nname = \"p\"\npath = \"p.wasm\"\nmax_buffer_bytes = \"8MiB\"\n" +
                            "[[component]]\nname = \"q\"\npath = \"q.wasm\"\n" +
                            "[flow.f]\nnodes.a = { component = \"p\", max_buffer_bytes = \"64KiB\" }\n"
                            "nodes.b = { component = \"p\" }\nnodes.c = { component = \"q\", max_buffer_bytes = 0 }\n"
                            "edges = [{ from = \"a\", to = \"b\" }, { from = \"b\", to = \"c\" }]\n");
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.components[0].max_buffer_bytes, std::optional<uint64_t>(8u << 20));
  EXPECT_EQ(c.components[1].max_buffer_bytes, std::nullopt);
  const FlowDecl& f = c.flows[0];
  EXPECT_EQ(f.nodes[0].max_buffer_bytes, std::optional<uint64_t>(64u << 10));
  EXPECT_EQ(f.nodes[1].max_buffer_bytes, std::nullopt);
  EXPECT_EQ(f.nodes[2].max_buffer_bytes, std::optional<uint64_t>(0));

  LoadResult bad = parse_text(kHead + kComp + "max_buffer_bytes = \"100B\"\n");
  EXPECT_FALSE(bad.ok());
  const Diagnostic* d = find(bad, ErrorCode::ConfigInvalidValue);
  ASSERT_NE(d, nullptr) << dump(bad);
  EXPECT_EQ(d->key, "component[0].max_buffer_bytes");
  EXPECT_NE(d->expected.find("4KiB"), std::string::npos) << d->expected;
  expect_complete(*d);
}

// ---- environment, --config, user config -----------------------------------------------------

TEST(ConfigEnv, OverridesKeysOfEverySection) {
  LoadResult r = parse_text(kHead, opts({
                                       {"TORVYN_RUNTIME_ENGINE", "interp"},
                                       {"TORVYN_RUNTIME_WORKER_THREADS", "4"},
                                       {"TORVYN_RUNTIME_MAX_MEMORY_PER_COMPONENT", "32MiB"},
                                       {"TORVYN_RUNTIME_INVOCATION_TIMEOUT", "750"},
                                       {"TORVYN_RUNTIME_MAX_BATCH", "1"},
                                       {"TORVYN_RUNTIME_BACKPRESSURE_DEFAULT_QUEUE_DEPTH", "16"},
                                       {"TORVYN_RUNTIME_BACKPRESSURE_BACKPRESSURE_POLICY", "drop-oldest"},
                                       {"TORVYN_RUNTIME_POOLS_HUGE", "8MiB"},
                                       {"TORVYN_OBSERVABILITY_TRACING_SAMPLE_RATE", "0.25"},
                                       {"TORVYN_OBSERVABILITY_PROMETHEUS_ENABLED", "true"},
                                       {"TORVYN_SECURITY_AUDIT_ENABLED", "1"},
                                       {"TORVYN_INSPECTION_TCP", "127.0.0.1:9000"},
                                       {"TORVYN_INSPECTION_TOKEN", "tok"},
                                       {"TORVYN_TORVYN_DESCRIPTION", "from env"},
                                       {"TORVYN_STATE_DIR", "/var/run/torvyn-test"},
                                       {"TORVYN_BUILD_DIR", "not-config"},  // another tool's variable: ignored
                                   }));
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.runtime.engine, Engine::Interp);
  EXPECT_EQ(c.runtime.worker_threads, 4u);
  EXPECT_EQ(c.runtime.max_memory_per_component, 32u << 20);
  EXPECT_EQ(c.runtime.invocation_timeout_ms, 750u);
  EXPECT_EQ(c.runtime.max_batch, 1u);
  EXPECT_EQ(c.runtime.backpressure.default_queue_depth, 16u);
  EXPECT_EQ(c.runtime.backpressure.policy, BackpressurePolicy::DropOldest);
  EXPECT_EQ(c.runtime.pools.huge_bytes, 8u << 20);
  EXPECT_DOUBLE_EQ(c.observability.tracing.sample_rate, 0.25);
  EXPECT_TRUE(c.observability.prometheus_enabled);
  EXPECT_TRUE(c.security.audit_enabled);
  EXPECT_EQ(c.inspection.tcp, "127.0.0.1:9000");
  EXPECT_EQ(c.project.description, "from env");
  EXPECT_EQ(c.state_dir, "/var/run/torvyn-test");
}

TEST(ConfigEnv, StateDirFallsBackToXdgRuntimeDir) {
  LoadResult r = parse_text(kHead, opts({{"XDG_RUNTIME_DIR", "/run/user/1000"}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->state_dir, "/run/user/1000/torvyn");
}

TEST(ConfigEnv, BadValueNamesTheVariable) {
  LoadResult r = parse_text(kHead, opts({{"TORVYN_RUNTIME_WORKER_THREADS", "four"}}));
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u) << dump(r);
  const Diagnostic& d = r.diagnostics[0];
  EXPECT_EQ(d.code, ErrorCode::ConfigEnvOverride);
  EXPECT_EQ(d.location.file, "environment");
  EXPECT_EQ(d.key, "runtime.worker_threads");
  EXPECT_NE(d.message.find("TORVYN_RUNTIME_WORKER_THREADS"), std::string::npos) << d.message;
  EXPECT_EQ(d.expected, "an integer");
  EXPECT_EQ(d.found, "\"four\"");
  expect_complete(d);
}

TEST(ConfigEnv, OutOfRangeValueIsValidatedLikeAFileValue) {
  LoadResult r = parse_text(kHead, opts({{"TORVYN_RUNTIME_WORKER_THREADS", "0"},
                                         {"TORVYN_OBSERVABILITY_TRACING_LEVEL", "verbose"}}));
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 2u) << dump(r);
  for (const auto& d : r.diagnostics) {
    EXPECT_EQ(d.code, ErrorCode::ConfigInvalidValue);
    EXPECT_EQ(d.location.file, "environment");
    expect_complete(d);
  }
  EXPECT_EQ(r.diagnostics[0].key, "runtime.worker_threads");
  EXPECT_NE(r.diagnostics[0].message.find("TORVYN_RUNTIME_WORKER_THREADS=0"), std::string::npos);
}

TEST(ConfigEnv, MisspeltVariableWarnsWithSuggestion) {
  LoadResult r = parse_text(kHead, opts({{"TORVYN_RUNTIME_WORKER_THRAEDS", "4"}}));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u) << dump(r);
  EXPECT_EQ(r.diagnostics[0].severity, Severity::Warning);
  EXPECT_EQ(r.diagnostics[0].help, "did you mean TORVYN_RUNTIME_WORKER_THREADS?");
}

TEST(ConfigEnv, Precedence) {
  const std::string file = kHead + "[runtime]\nworker_threads = 2\nengine = \"aot\"\n";
  // file > defaults
  EXPECT_EQ(parse_text(file).config->runtime.worker_threads, 2u);
  // env > file
  LoadOptions o = opts({{"TORVYN_RUNTIME_WORKER_THREADS", "4"}});
  EXPECT_EQ(parse_text(file, o).config->runtime.worker_threads, 4u);
  // --config > env > file
  o.overrides = {{"runtime.worker_threads", "8"}, {"runtime.engine", "interp"}};
  LoadResult r = parse_text(file, o);
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_EQ(r.config->runtime.worker_threads, 8u);
  EXPECT_EQ(r.config->runtime.engine, Engine::Interp);
}

TEST(ConfigEnv, UserConfigSitsUnderTheProjectFile) {
  const std::string user = kData + "/user-config.toml";
  LoadOptions o = opts();
  o.user_config = user;
  // The project sets worker_threads; the user config fills engine, the cache dir and sample_rate.
  LoadResult r = parse_text(kHead + "[runtime]\nworker_threads = 2\n", o);
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_EQ(r.config->runtime.worker_threads, 2u);
  EXPECT_EQ(r.config->runtime.engine, Engine::Interp);
  EXPECT_DOUBLE_EQ(r.config->observability.tracing.sample_rate, 0.5);
  // A relative path in the user config is relative to the user config's directory.
  EXPECT_EQ(r.config->runtime.compilation_cache_dir, kData + "/user-cache");
  // env beats the user config.
  o.env = {{"TORVYN_RUNTIME_ENGINE", "aot"}};
  EXPECT_EQ(parse_text(kHead, o).config->runtime.engine, Engine::Aot);
  EXPECT_EQ(parse_text(kHead, o).config->runtime.worker_threads, 3u);
  // Found through XDG_CONFIG_HOME by default.
  LoadOptions x = opts({{"XDG_CONFIG_HOME", kData + "/xdg"}});
  EXPECT_EQ(parse_text(kHead, x).config->runtime.worker_threads, 5u);
}

TEST(ConfigEnv, UserConfigErrorsPointAtTheUserConfig) {
  LoadOptions o = opts({{"XDG_CONFIG_HOME", kData + "/xdg-bad"}});
  LoadResult r = parse_text(kHead, o);
  EXPECT_FALSE(r.ok());
  const Diagnostic* d = find(r, ErrorCode::ConfigInvalidValue);
  ASSERT_NE(d, nullptr) << dump(r);
  EXPECT_EQ(d->location.file, kData + "/xdg-bad/torvyn/config.toml");
  EXPECT_EQ(d->location.line, 3u);
  EXPECT_NE(r.source_for(*d).find("worker_threads = 0"), std::string::npos);
  // [flow.*] in a user config is ignored with a warning.
  const Diagnostic* w = find(r, ErrorCode::ConfigUnknownKey);
  ASSERT_NE(w, nullptr) << dump(r);
  EXPECT_EQ(w->key, "flow");
}

TEST(ConfigOverrides, DynamicKeysAndComponents) {
  LoadOptions o = opts();
  o.overrides = {{"flow.main.nodes.only.fuel_budget", "77"},
                 {"flow.main.default_queue_depth", "9"},
                 {"component.hello.path", "/abs/other.wasm"},
                 {"security.grants.hello.capabilities", "a, b"},
                 {"observability.tracing.tracing_exporter", "stdout"}};
  LoadResult r = load(kData + "/minimal.toml", o);
  ASSERT_TRUE(r.ok()) << dump(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.flows[0].nodes[0].fuel_budget, 77u);
  EXPECT_EQ(c.flows[0].default_queue_depth, 9u);
  EXPECT_EQ(c.components[0].path, "/abs/other.wasm");
  EXPECT_EQ(c.security.grants.at("hello"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.observability.tracing.exporter, TracingExporter::Stdout);
}

TEST(ConfigOverrides, ErrorsPointAtTheCommandLine) {
  LoadOptions o = opts();
  o.overrides = {{"runtime.worker_thread", "4"},             // unknown key
                 {"runtime.worker_threads", "many"},         // untypable
                 {"runtime.backpressure.low_watermark_ratio", "3"},  // out of range (validation)
                 {"component.nope.path", "x.wasm"},          // no such component
                 {"flow.main.edges", "x"}};                  // a list
  LoadResult r = load(kData + "/minimal.toml", o);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 5u) << dump(r);
  EXPECT_EQ(r.diagnostics[0].code, ErrorCode::ConfigUnknownKey);
  EXPECT_EQ(r.diagnostics[0].help, "did you mean `runtime.worker_threads`?");
  EXPECT_EQ(r.diagnostics[1].code, ErrorCode::ConfigEnvOverride);
  EXPECT_EQ(r.diagnostics[2].code, ErrorCode::ConfigUnknownReference);
  EXPECT_EQ(r.diagnostics[3].code, ErrorCode::ConfigEnvOverride);
  EXPECT_EQ(r.diagnostics[4].code, ErrorCode::ConfigInvalidValue);
  EXPECT_EQ(r.diagnostics[4].key, "runtime.backpressure.low_watermark_ratio");
  for (const auto& d : r.diagnostics) {
    EXPECT_EQ(d.location.file, "command line");
    expect_complete(d);
  }
}

// ---- interpolation --------------------------------------------------------------------------

TEST(ConfigInterpolation, VariablesDefaultsAndEscapes) {
  LoadResult r = parse_text(kHead + R"(
[[component]]
name = "p"
path = "${ROOT}/p.wasm"
config = { greeting = "hi ${WHO:-world}", literal = "$${NOT_A_VAR} costs $5" }
[observability.tracing]
tracing_endpoint = "http://${OTEL_HOST:-localhost}:4317"
)",
                            opts({{"ROOT", "/srv"}, {"OTEL_HOST", "otel"}}));
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_EQ(r.config->components[0].path, "/srv/p.wasm");
  EXPECT_EQ(r.config->components[0].config, R"({"greeting":"hi world","literal":"${NOT_A_VAR} costs $5"})");
  EXPECT_EQ(r.config->observability.tracing.endpoint, "http://otel:4317");
}

TEST(ConfigInterpolation, EveryUndefinedVariableIsReported) {
  LoadResult r = parse_text(kHead + "[inspection]\ntoken = \"${A}-${B}\"\n");
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 2u) << dump(r);
  EXPECT_NE(r.diagnostics[0].message.find("`A`"), std::string::npos);
  EXPECT_EQ(r.diagnostics[0].location.column, 10u);
  EXPECT_NE(r.diagnostics[1].message.find("`B`"), std::string::npos);
  EXPECT_EQ(r.diagnostics[1].location.column, 15u);
}

TEST(ConfigInterpolation, ProcessEnvironmentIsTheDefault) {
  ::setenv("TORVYN_CONFIG_TEST_VAR", "from-process", 1);
  LoadOptions o;
  o.user_config = kData + "/user-config.toml";  // keep the real ~/.config out of the test
  LoadResult r = parse("[torvyn]\nname = \"${TORVYN_CONFIG_TEST_VAR}\"\n", "T.toml", o);
  ::unsetenv("TORVYN_CONFIG_TEST_VAR");
  ASSERT_TRUE(r.config) << dump(r);
  EXPECT_EQ(r.config->project.name, "from-process");
}

}  // namespace
}  // namespace torvyn::config

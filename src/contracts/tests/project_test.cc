// check_project and link_project on small manifests: what is reported, with which code and
// severity, and where in Torvyn.toml (line:column) it points.
#include "torvyn/contracts/project.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "contracts_test_util.h"

namespace torvyn::contracts {
namespace {

namespace fs = std::filesystem;

std::string sdk(const std::string& name) { return sdk_component_path(name).string(); }
bool have_sdk() { return fs::exists(sdk_component_path("uppercase")); }

class ProjectTest : public ::testing::Test {
 protected:
  TempDir dir;
  config::LoadResult loaded;

  // Loads `text` as <dir>/Torvyn.toml (hermetic: no environment, no user config).
  bool load(const std::string& text) {
    dir.write("Torvyn.toml", text);
    config::LoadOptions o;
    o.use_process_env = false;
    o.env = {{"HOME", dir.path().string()}};
    loaded = config::load(dir.path() / "Torvyn.toml", o);
    EXPECT_TRUE(loaded.ok()) << dump_config();
    return loaded.ok();
  }
  std::string dump_config() const {
    std::string out;
    for (const auto& d : loaded.diagnostics) out += render_human(d, loaded.source_for(d));
    return out;
  }
  Report check() { return well_formed(check_project(*loaded.config, loaded.source)); }
  Report link(std::vector<std::string> flows = {}) {
    LinkOptions o;
    o.flows = std::move(flows);
    return well_formed(link_project(*loaded.config, loaded.source, o));
  }
  // Every diagnostic about Torvyn.toml points at a line and column of it and says how to fix it.
  Report well_formed(Report r) const {
    std::string manifest = (dir.path() / "Torvyn.toml").string();
    for (const auto& d : r.diagnostics) {
      EXPECT_FALSE(d.message.empty());
      EXPECT_FALSE(d.help.empty()) << render_human(d);
      if (d.location.file != manifest) continue;
      EXPECT_GT(d.location.line, 0u) << render_human(d);
      EXPECT_GT(d.location.column, 0u) << render_human(d);
      EXPECT_FALSE(d.key.empty()) << render_human(d);
    }
    return r;
  }
  static const Diagnostic* find(const Report& r, ErrorCode code, std::string_view text = "") {
    for (const auto& d : r.diagnostics)
      if (d.code == code && d.message.find(text) != std::string::npos) return &d;
    return nullptr;
  }
  static size_t count(const Report& r, ErrorCode code) {
    size_t n = 0;
    for (const auto& d : r.diagnostics) n += d.code == code;
    return n;
  }
  // 1-based line of the first line of the manifest containing `text`.
  uint32_t line_of(const std::string& text) const {
    std::string src = loaded.source;
    size_t at = src.find(text);
    return at == std::string::npos ? 0 : static_cast<uint32_t>(std::count(src.begin(), src.begin() + static_cast<std::ptrdiff_t>(at), '\n') + 1);
  }
};

const char* kHeader = "[torvyn]\nname = \"t\"\n\n";

// ---- check ----------------------------------------------------------------------------------

TEST_F(ProjectTest, PrebuiltPipelineChecksClean) {
  if (!have_sdk()) GTEST_SKIP() << "SDK test components not built";
  ASSERT_TRUE(load(std::string(kHeader) + R"([[component]]
name = "src"
path = ")" + sdk("counter_source") + R"("
world = "data-source"

[[component]]
name = "upper"
path = ")" + sdk("uppercase") + R"("
world = "transform"

[[component]]
name = "sink"
path = ")" + sdk("collect_sink") + R"("
world = "data-sink"

[flow.main]
nodes.s = { component = "src", interface = "torvyn:streaming/source" }
nodes.u = { component = "upper", interface = "torvyn:streaming/processor" }
nodes.k = { component = "sink", interface = "torvyn:streaming/sink" }
edges = [
  { from = { node = "s" }, to = { node = "u" } },
  { from = { node = "u" }, to = { node = "k" } },
]
)"));
  Report c = check();
  EXPECT_TRUE(c.diagnostics.empty()) << c.render_human();
  Report l = link();
  EXPECT_TRUE(l.diagnostics.empty()) << l.render_human();
}

TEST_F(ProjectTest, UnknownWorldPointsAtTheValue) {
  ASSERT_TRUE(load(std::string(kHeader) + "[[component]]\nname = \"upper\"\npath = \"components/upper\"\nworld = \"transfrom\"\n"));
  Report r = check();
  const Diagnostic* d = find(r, ErrorCode::ContractWorldNotFound);
  ASSERT_NE(d, nullptr) << r.render_human();
  EXPECT_EQ(d->severity, Severity::Error);
  EXPECT_EQ(d->location.line, line_of("world = \"transfrom\""));
  EXPECT_EQ(d->location.column, 9u);
  EXPECT_EQ(d->location.length, 11u);
  EXPECT_EQ(d->help, "did you mean `transform`?");
  EXPECT_EQ(d->found, "\"transfrom\"");
  std::string text = r.render_human();
  EXPECT_NE(text.find("error[E0409]"), std::string::npos);
  EXPECT_NE(text.find("Torvyn.toml:7:9"), std::string::npos) << text;
  EXPECT_NE(text.find("^^^^^^^^^^^"), std::string::npos) << text;
}

TEST_F(ProjectTest, ProjectWitSyntaxErrorIsReportedAtItsLine) {
  dir.write("wit/app.wit", "package acme:app@0.1.0;\n\ninterface util {\n  f: func( -> u32;\n}\n");
  ASSERT_TRUE(load(std::string(kHeader) + "[[component]]\nname = \"x\"\npath = \"components/x\"\nworld = \"acme:app/helper\"\n"));
  Report r = check();
  const Diagnostic* syntax = find(r, ErrorCode::WitSyntax);
  ASSERT_NE(syntax, nullptr) << r.render_human();
  EXPECT_EQ(syntax->location.line, 4u);
  EXPECT_NE(syntax->location.file.find("app.wit"), std::string::npos);
  EXPECT_EQ(find(r, ErrorCode::IoError), nullptr) << r.render_human();  // not "no packages found"
  const Diagnostic* world = find(r, ErrorCode::ContractWorldNotFound);
  ASSERT_NE(world, nullptr);
  ASSERT_FALSE(world->notes.empty());
  EXPECT_NE(world->notes[0].find("the project's WIT has errors"), std::string::npos);
  // The caret line comes from the WIT file's own text.
  EXPECT_NE(r.render_human().find("f: func( -> u32;"), std::string::npos) << r.render_human();
}

TEST_F(ProjectTest, ProjectWorldWithoutRole) {
  dir.write("wit/app.wit", "package acme:app@0.1.0;\n\ninterface util {\n  f: func() -> u32;\n}\n\nworld helper {\n  export util;\n}\n");
  ASSERT_TRUE(load(std::string(kHeader) + "[[component]]\nname = \"x\"\npath = \"components/x\"\nworld = \"helper\"\n"));
  Report r = check();
  const Diagnostic* d = find(r, ErrorCode::ContractNoRoleExport);
  ASSERT_NE(d, nullptr) << r.render_human();
  EXPECT_NE(d->message.find("acme:app/helper@0.1.0"), std::string::npos);
  EXPECT_EQ(d->location.line, line_of("world = \"helper\""));
  EXPECT_EQ(r.errors(), 1u) << r.render_human();
}

TEST_F(ProjectTest, ProjectWorldWithRoleIsAccepted) {
  // A project world that extends a Torvyn world: found by its plain name in the project's WIT.
  dir.write("wit/app.wit", R"(package acme:app@0.1.0;

world my-transform {
    include torvyn:streaming/transform@0.1.0;
}
)");
  fs::create_directories(dir.path() / "wit/deps/streaming");
  for (const auto& e : fs::directory_iterator(fs::path(TORVYN_SOURCE_DIR) / "wit/streaming"))
    fs::copy_file(e.path(), dir.path() / "wit/deps/streaming" / e.path().filename());
  ASSERT_TRUE(load(std::string(kHeader) + "[[component]]\nname = \"x\"\npath = \"components/x\"\nworld = \"my-transform\"\n"));
  Report r = check();
  EXPECT_EQ(r.errors(), 0u) << r.render_human();
  EXPECT_EQ(count(r, ErrorCode::ContractComponentNotBuilt), 1u) << r.render_human();
}

TEST_F(ProjectTest, NotBuiltIsANote) {
  ASSERT_TRUE(load(std::string(kHeader) + "[[component]]\nname = \"gen\"\npath = \"components/gen\"\nworld = \"data-source\"\n"));
  Report r = check();
  ASSERT_EQ(r.diagnostics.size(), 1u) << r.render_human();
  EXPECT_EQ(r.diagnostics[0].code, ErrorCode::ContractComponentNotBuilt);
  EXPECT_EQ(r.diagnostics[0].severity, Severity::Note);
  EXPECT_EQ(r.diagnostics[0].location.line, line_of("[[component]]"));
}

TEST_F(ProjectTest, BuiltComponentAgainstTheWrongWorld) {
  if (!have_sdk()) GTEST_SKIP() << "SDK test components not built";
  dir.write_bytes("target/components/upper.wasm", sdk_component("uppercase"));
  ASSERT_TRUE(load(std::string(kHeader) + "[[component]]\nname = \"upper\"\npath = \"components/upper\"\nworld = \"data-sink\"\n"));
  Report r = check();
  EXPECT_EQ(r.errors(), 2u) << r.render_human();  // no sink export, no lifecycle export
  const Diagnostic* d = find(r, ErrorCode::ContractWorldMismatch, "does not export `torvyn:streaming/sink@0.1.0`");
  ASSERT_NE(d, nullptr) << r.render_human();
  EXPECT_EQ(d->location.line, line_of("[[component]]"));
  bool file_note = false;
  for (const auto& n : d->notes) file_note = file_note || n.find("target/components/upper.wasm") != std::string::npos;
  EXPECT_TRUE(file_note);
}

TEST_F(ProjectTest, WorldInferredFromTheFlow) {
  if (!have_sdk()) GTEST_SKIP() << "SDK test components not built";
  dir.write_bytes("target/components/upper.wasm", sdk_component("uppercase"));
  ASSERT_TRUE(load(std::string(kHeader) + R"([[component]]
name = "upper"
path = "components/upper"

[flow.main]
nodes.u = { component = "upper", interface = "torvyn:streaming/sink" }
)"));
  Report r = check();
  // Inferred world data-sink; the built component is a transform.
  EXPECT_NE(find(r, ErrorCode::ContractWorldMismatch, "world `torvyn:streaming/data-sink@0.1.0` requires"), nullptr) << r.render_human();
}

TEST_F(ProjectTest, CorruptComponent) {
  dir.write("target/components/upper.wasm", "not wasm at all");
  ASSERT_TRUE(load(std::string(kHeader) + "[[component]]\nname = \"upper\"\npath = \"components/upper\"\nworld = \"transform\"\n"));
  Report r = check();
  const Diagnostic* d = find(r, ErrorCode::ComponentMalformed);
  ASSERT_NE(d, nullptr) << r.render_human();
  EXPECT_EQ(d->help, "rebuild it with `torvyn build`");
}

TEST_F(ProjectTest, WasiComponentNeedsGrantsUnderDenyAll) {
  if (!fs::exists(sdk_component_path("wasi_stamp"))) GTEST_SKIP() << "WASI test component not built";
  std::string base = std::string(kHeader) + "[[component]]\nname = \"stamp\"\npath = \"" + sdk("wasi_stamp") + "\"\nworld = \"transform\"\n";
  ASSERT_TRUE(load(base));
  Report r = check();
  const Diagnostic* d = find(r, ErrorCode::CapabilityNotGranted);
  ASSERT_NE(d, nullptr) << r.render_human();
  EXPECT_EQ(d->severity, Severity::Error);
  EXPECT_NE(d->message.find("wasi:filesystem"), std::string::npos);
  EXPECT_EQ(d->help, "grant it: [security.grants.stamp] capabilities = [\"wasi:filesystem\"]");

  ASSERT_TRUE(load(base + "\n[security.grants.stamp]\ncapabilities = [\"wasi:filesystem\", \"wasi:random\"]\n"));
  r = check();
  EXPECT_EQ(r.errors(), 0u) << r.render_human();
  const Diagnostic* unused = find(r, ErrorCode::CapabilityGrantUnused, "`wasi:random`, but the component imports nothing");
  ASSERT_NE(unused, nullptr) << r.render_human();
  EXPECT_EQ(unused->location.line, line_of("[security.grants.stamp]"));

  ASSERT_TRUE(load(base + "\n[security]\ndefault_capability_policy = \"allow-all\"\n"));
  EXPECT_TRUE(check().diagnostics.empty()) << check().render_human();
}

// ---- link -----------------------------------------------------------------------------------

// Nodes whose roles come from `interface`; components not built (judged by their interface).
std::string flow_manifest(const std::string& nodes, const std::string& edges) {
  return std::string(kHeader) + "[flow.f]\n" + nodes + "edges = [\n" + edges + "]\n";
}

const char* kThree = "nodes.s = { component = \"file://s.wasm\", interface = \"torvyn:streaming/source\" }\n"
                     "nodes.p = { component = \"file://p.wasm\", interface = \"torvyn:streaming/processor\" }\n"
                     "nodes.q = { component = \"file://q.wasm\", interface = \"torvyn:streaming/processor\" }\n"
                     "nodes.k = { component = \"file://k.wasm\", interface = \"torvyn:streaming/sink\" }\n";

// file:// components that do not exist are reported; these topology tests are about edges.
size_t topology_errors(const Report& r) {
  size_t n = 0;
  for (const auto& d : r.diagnostics) n += d.severity == Severity::Error && d.code != ErrorCode::IoError;
  return n;
}

TEST_F(ProjectTest, CycleIsReportedWithItsPath) {
  ASSERT_TRUE(load(flow_manifest(kThree, "  { from = \"s\", to = \"p\" },\n  { from = \"p\", to = \"q\" },\n"
                                         "  { from = \"q\", to = \"p\" },\n  { from = \"q\", to = \"k\" },\n")));
  Report r = link();
  const Diagnostic* d = find(r, ErrorCode::LinkCycle);
  ASSERT_NE(d, nullptr) << r.render_human();
  EXPECT_NE(d->message.find("p -> q -> p"), std::string::npos) << d->message;
  EXPECT_EQ(d->location.line, line_of("{ from = \"q\", to = \"p\" }"));
  EXPECT_EQ(topology_errors(r), 1u) << r.render_human();
}

TEST_F(ProjectTest, SelfLoopAndRoleEdges) {
  ASSERT_TRUE(load(flow_manifest(kThree, "  { from = \"s\", to = \"p\" },\n  { from = \"p\", to = \"p\" },\n"
                                         "  { from = \"p\", to = \"s\" },\n  { from = \"k\", to = \"q\" },\n"
                                         "  { from = \"q\", to = \"k\" },\n")));
  Report r = link();
  EXPECT_NE(find(r, ErrorCode::LinkSelfLoop, "node `p` is connected to itself"), nullptr) << r.render_human();
  const Diagnostic* into_source = find(r, ErrorCode::LinkRoleEdges, "goes into source `s`");
  ASSERT_NE(into_source, nullptr) << r.render_human();
  EXPECT_EQ(into_source->location.line, line_of("{ from = \"p\", to = \"s\" }"));
  EXPECT_EQ(into_source->location.column, 22u);  // the "s" of `to = "s"`
  EXPECT_NE(find(r, ErrorCode::LinkRoleEdges, "leaves sink `k`"), nullptr);
  // Both cycles, each with its path; the self-loop is not reported as a cycle too.
  EXPECT_NE(find(r, ErrorCode::LinkCycle, "s -> p -> s"), nullptr) << r.render_human();
  EXPECT_NE(find(r, ErrorCode::LinkCycle, "q -> k -> q"), nullptr) << r.render_human();
  EXPECT_EQ(count(r, ErrorCode::LinkCycle), 2u);
}

TEST_F(ProjectTest, MissingEdgesAndUnreachableNodes) {
  ASSERT_TRUE(load(flow_manifest(kThree, "  { from = \"s\", to = \"k\" },\n  { from = \"p\", to = \"q\" },\n  { from = \"q\", to = \"k\" },\n")));
  Report r = link();
  const Diagnostic* d = find(r, ErrorCode::LinkRoleEdges, "processor `p` has no incoming edge");
  ASSERT_NE(d, nullptr) << r.render_human();
  EXPECT_EQ(d->location.line, line_of("nodes.p"));
  EXPECT_NE(d->help.find("to = { node = \"p\" }"), std::string::npos);
  const Diagnostic* u = find(r, ErrorCode::LinkUnreachable, "node `q` is unreachable");
  ASSERT_NE(u, nullptr) << r.render_human();
  EXPECT_EQ(u->severity, Severity::Warning);
  EXPECT_EQ(topology_errors(r), 1u) << r.render_human();
}

TEST_F(ProjectTest, NoSourceIsAWarning) {
  ASSERT_TRUE(load(flow_manifest("nodes.p = { component = \"file://p.wasm\", interface = \"torvyn:streaming/processor\" }\n"
                                 "nodes.k = { component = \"file://k.wasm\", interface = \"torvyn:streaming/sink\" }\n",
                                 "  { from = \"p\", to = \"k\" },\n")));
  Report r = link();
  const Diagnostic* d = find(r, ErrorCode::LinkRoleEdges, "has no source");
  ASSERT_NE(d, nullptr) << r.render_human();
  EXPECT_EQ(d->severity, Severity::Warning);
  EXPECT_EQ(topology_errors(r), 0u) << r.render_human();
}

TEST_F(ProjectTest, PortsAndDuplicates) {
  ASSERT_TRUE(load(flow_manifest(
      "nodes.s = { component = \"file://s.wasm\", interface = \"torvyn:streaming/source\" }\n"
      "nodes.r = { component = \"file://r.wasm\", interface = \"torvyn:filtering/router\" }\n"
      "nodes.a = { component = \"file://k.wasm\", interface = \"torvyn:streaming/sink\" }\n"
      "nodes.b = { component = \"file://k.wasm\", interface = \"torvyn:streaming/sink\" }\n",
      "  { from = { node = \"s\", port = \"out\" }, to = { node = \"r\" } },\n"
      "  { from = { node = \"r\", port = \"even\" }, to = { node = \"a\", port = \"in\" } },\n"
      "  { from = { node = \"r\" }, to = { node = \"b\" } },\n"
      "  { from = { node = \"r\" }, to = { node = \"b\" } },\n")));
  Report r = link();
  const Diagnostic* ignored = find(r, ErrorCode::LinkPort, "port `out` is ignored; only routers choose ports");
  ASSERT_NE(ignored, nullptr) << r.render_human();
  EXPECT_EQ(ignored->location.column, 33u);  // the "out"
  EXPECT_NE(find(r, ErrorCode::LinkPort, "input port `in` is ignored"), nullptr);
  EXPECT_EQ(count(r, ErrorCode::LinkPort), 4u) << r.render_human();  // + two router edges without a port
  const Diagnostic* dup = find(r, ErrorCode::LinkDuplicateEdge);
  ASSERT_NE(dup, nullptr);
  EXPECT_EQ(dup->location.line, line_of("{ from = { node = \"r\" }, to = { node = \"b\" } }") + 1);
  ASSERT_FALSE(dup->notes.empty());
  EXPECT_NE(dup->notes[0].find("first declared at"), std::string::npos);
  EXPECT_EQ(topology_errors(r), 0u) << r.render_human();
}

TEST_F(ProjectTest, RouterPortsTheComponentNeverMentions) {
  if (!have_sdk()) GTEST_SKIP() << "SDK test components not built";
  ASSERT_TRUE(load(flow_manifest(
      "nodes.s = { component = \"file://" + sdk("counter_source") + "\" }\n"
      "nodes.r = { component = \"file://" + sdk("prefix_router") + "\" }\n"
      "nodes.a = { component = \"file://" + sdk("collect_sink") + "\" }\n"
      "nodes.g = { component = \"file://" + sdk("collect_sink") + "\" }\n",
      "  { from = \"s\", to = \"r\" },\n  { from = \"r:alpha\", to = \"a\" },\n  { from = \"r:gamma\", to = \"g\" },\n")));
  Report r = link();
  EXPECT_EQ(r.errors() + r.warnings(), 0u) << r.render_human();
  ASSERT_EQ(r.diagnostics.size(), 1u) << r.render_human();
  const Diagnostic& d = r.diagnostics[0];
  EXPECT_EQ(d.code, ErrorCode::LinkPort);
  EXPECT_EQ(d.severity, Severity::Note);
  EXPECT_NE(d.message.find("never mentions port `gamma`"), std::string::npos) << d.message;
}

TEST_F(ProjectTest, NodeInterfaces) {
  ASSERT_TRUE(load(flow_manifest(
      "nodes.s = { component = \"file://s.wasm\", interface = \"torvyn:streaming/source@0.2.0\" }\n"
      "nodes.p = { component = \"file://p.wasm\", interface = \"torvyn:streaming/lifecycle\" }\n"
      "nodes.k = { component = \"file://k.wasm\", interface = \"torvyn:streaming/snk\" }\n",
      "  { from = \"s\", to = \"p\" },\n  { from = \"p\", to = \"k\" },\n")));
  Report r = link();
  const Diagnostic* v = find(r, ErrorCode::ContractVersionMismatch, "asks for `torvyn:streaming/source@0.2.0`");
  ASSERT_NE(v, nullptr) << r.render_human();
  EXPECT_EQ(v->location.line, line_of("nodes.s"));
  EXPECT_EQ(v->location.column, 54u);  // the interface value
  EXPECT_NE(find(r, ErrorCode::ContractRoleMismatch, "`torvyn:streaming/lifecycle` is not a Torvyn role interface"), nullptr);
  const Diagnostic* typo = find(r, ErrorCode::ContractRoleMismatch, "`torvyn:streaming/snk`");
  ASSERT_NE(typo, nullptr);
  EXPECT_EQ(typo->help, "did you mean `torvyn:streaming/sink`?");
}

TEST_F(ProjectTest, UnbuiltComponentsAreJudgedByTheirWorld) {
  ASSERT_TRUE(load(std::string(kHeader) + R"([[component]]
name = "gen"
path = "components/gen"
world = "data-source"

[[component]]
name = "mystery"
path = "components/mystery"

[flow.f]
nodes.s = { component = "gen", interface = "torvyn:streaming/processor" }
nodes.m = { component = "mystery" }
edges = [{ from = "s", to = "m" }]
)"));
  Report r = link();
  const Diagnostic* d = find(r, ErrorCode::ContractRoleMismatch, "is built for world `torvyn:streaming/data-source@0.1.0`");
  ASSERT_NE(d, nullptr) << r.render_human();
  EXPECT_NE(d->help.find("world = \"transform\""), std::string::npos);
  const Diagnostic* unknown = find(r, ErrorCode::LinkUnknownRole, "node `m`");
  ASSERT_NE(unknown, nullptr) << r.render_human();
  EXPECT_EQ(unknown->severity, Severity::Warning);
}

TEST_F(ProjectTest, RealComponentsOnEdges) {
  if (!have_sdk()) GTEST_SKIP() << "SDK test components not built";
  auto renamed = sdk_component("collect_sink");
  ASSERT_GT(patch_bytes(renamed, "timestamp-ns", "timestamp-xx"), 0u);
  dir.write_bytes("renamed_sink.wasm", renamed);
  ASSERT_TRUE(load(flow_manifest(
      "nodes.s = { component = \"file://" + sdk("counter_source") + "\" }\n"
      "nodes.u = { component = \"file://" + sdk("uppercase") + "\", interface = \"torvyn:streaming/sink\" }\n"
      "nodes.k = { component = \"file://renamed_sink.wasm\" }\n",
      "  { from = \"s\", to = \"u\" },\n  { from = \"u\", to = \"k\" },\n")));
  Report r = link();
  // u's component is a processor, not a sink.
  const Diagnostic* role = find(r, ErrorCode::ContractRoleMismatch, "does not export `torvyn:streaming/sink`");
  ASSERT_NE(role, nullptr) << r.render_human();
  // The renamed field: the sink disagrees with the host, and with the processor across the edge.
  const Diagnostic* edge = find(r, ErrorCode::LinkIncompatible);
  ASSERT_NE(edge, nullptr) << r.render_human();
  EXPECT_EQ(edge->location.line, line_of("{ from = \"u\", to = \"k\" }"));
  EXPECT_NE(find(r, ErrorCode::ContractWorldMismatch, "differ from what the host provides"), nullptr) << r.render_human();
}

TEST_F(ProjectTest, GrantsArePerComponentAndUnknownFlows) {
  if (!fs::exists(sdk_component_path("wasi_stamp"))) GTEST_SKIP() << "WASI test component not built";
  std::string m = std::string(kHeader) + "[[component]]\nname = \"stamp\"\npath = \"" + sdk("wasi_stamp") + "\"\n\n" +
                  "[flow.f]\n"
                  "nodes.s = { component = \"file://" + sdk("counter_source") + "\" }\n"
                  "nodes.w = { component = \"stamp\" }\n"
                  "nodes.k = { component = \"file://" + sdk("collect_sink") + "\" }\n"
                  "edges = [{ from = \"s\", to = \"w\" }, { from = \"w\", to = \"k\" }]\n";
  ASSERT_TRUE(load(m));
  Report r = link();
  const Diagnostic* d = find(r, ErrorCode::CapabilityNotGranted);
  ASSERT_NE(d, nullptr) << r.render_human();
  EXPECT_EQ(d->location.line, line_of("nodes.w"));
  EXPECT_EQ(d->help, "grant it: [security.grants.stamp] capabilities = [\"wasi:filesystem\"]");
  EXPECT_EQ(r.errors(), 1u) << r.render_human();
  // A grant keyed by the node id is not what the host applies: still an error, and check says why.
  ASSERT_TRUE(load(m + "\n[security.grants.w]\ncapabilities = [\"wasi:filesystem\"]\n"));
  EXPECT_EQ(link().errors(), 1u) << link().render_human();
  Report c = check();
  const Diagnostic* node_key = find(c, ErrorCode::CapabilityGrantUnused, "names flow node `w`");
  ASSERT_NE(node_key, nullptr) << c.render_human();
  EXPECT_EQ(node_key->help, "move the capabilities to [security.grants.stamp]");
  EXPECT_EQ(node_key->location.line, line_of("[security.grants.w]"));
  // Granted to the component: clean.
  ASSERT_TRUE(load(m + "\n[security.grants.stamp]\ncapabilities = [\"wasi:filesystem\"]\n"));
  EXPECT_EQ(link().errors(), 0u) << link().render_human();
  EXPECT_EQ(check().errors(), 0u) << check().render_human();
  r = link({"g"});
  const Diagnostic* nf = find(r, ErrorCode::ConfigUnknownReference, "no flow named `g`");
  ASSERT_NE(nf, nullptr);
  EXPECT_EQ(nf->help, "did you mean `f`?");
}

TEST_F(ProjectTest, FileComponentsAreGrantedByTheirReference) {
  if (!fs::exists(sdk_component_path("wasi_stamp"))) GTEST_SKIP() << "WASI test component not built";
  ASSERT_TRUE(load(flow_manifest("nodes.s = { component = \"file://" + sdk("counter_source") + "\" }\n"
                                 "nodes.w = { component = \"file://" + sdk("wasi_stamp") + "\" }\n"
                                 "nodes.k = { component = \"file://" + sdk("collect_sink") + "\" }\n",
                                 "  { from = \"s\", to = \"w\" },\n  { from = \"w\", to = \"k\" },\n")));
  Report r = link();
  const Diagnostic* d = find(r, ErrorCode::CapabilityNotGranted);
  ASSERT_NE(d, nullptr) << r.render_human();
  EXPECT_NE(d->help.find("[security.grants.\"file://"), std::string::npos) << d->help;
  EXPECT_NE(d->notes.back().find("declare it as a [[component]]"), std::string::npos);
}

TEST(LinkTest, EdgesToUndeclaredNodes) {
  // The config layer rejects these; a Config built another way still gets them reported.
  config::Config cfg;
  cfg.project_dir = "/nonexistent";
  config::FlowDecl f;
  f.name = "f";
  config::NodeDecl n;
  n.id = "a";
  n.component = "oci://example.com/a:1.0";
  n.interface = "torvyn:streaming/source";
  f.nodes.push_back(n);
  config::EdgeDecl e;
  e.from.node = "a";
  e.to.node = "b";
  f.edges.push_back(e);
  cfg.flows.push_back(f);
  Report r = link_project(cfg, "");
  bool found = false;
  for (const auto& d : r.diagnostics)
    if (d.code == ErrorCode::LinkUnknownNode && d.message.find("node `b`") != std::string::npos) found = true;
  EXPECT_TRUE(found) << r.render_human();
  // oci:// components are not fetched: a note says so.
  bool oci = false;
  for (const auto& d : r.diagnostics) oci = oci || (d.code == ErrorCode::ContractComponentNotBuilt && d.severity == Severity::Note);
  EXPECT_TRUE(oci);
}

TEST_F(ProjectTest, JsonCarriesEveryField) {
  ASSERT_TRUE(load(std::string(kHeader) + "[[component]]\nname = \"upper\"\npath = \"components/upper\"\nworld = \"transfrom\"\n"));
  auto j = nlohmann::json::parse(check().render_json());
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u);  // in reading order: the component is not built (a note), its world is unknown
  EXPECT_EQ(j[0]["code"], "E0423");
  EXPECT_EQ(j[0]["severity"], "note");
  const auto& e = j[1];
  EXPECT_EQ(e["code"], "E0409");
  EXPECT_EQ(e["severity"], "error");
  EXPECT_EQ(e["line"], line_of("world ="));
  EXPECT_EQ(e["column"], 9);
  EXPECT_EQ(e["key"], "component.upper.world");
  EXPECT_EQ(e["help"], "did you mean `transform`?");
  EXPECT_TRUE(e.contains("expected"));
  EXPECT_TRUE(e.contains("found"));
}

}  // namespace
}  // namespace torvyn::contracts

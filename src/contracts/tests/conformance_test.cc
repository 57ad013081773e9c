// Components against worlds, the host, roles and each other — on SDK components and on copies
// patched to disagree with the contracts (a renamed record field, another package version).
#include "torvyn/contracts/conformance.h"

#include <gtest/gtest.h>

#include "contracts_test_util.h"

namespace torvyn::contracts {
namespace {

std::string dump(const std::vector<Finding>& fs) {
  std::string out;
  for (const auto& f : fs) {
    out += std::string(error_code_id(f.code)) + " " + (f.severity == Severity::Error ? "error" : "warning") + ": " + f.message + "\n";
    for (const auto& n : f.notes) out += "    " + n + "\n";
  }
  return out;
}

size_t count(const std::vector<Finding>& fs, ErrorCode code, Severity sev) {
  size_t n = 0;
  for (const auto& f : fs) n += f.code == code && f.severity == sev;
  return n;
}

const Finding* find(const std::vector<Finding>& fs, ErrorCode code, std::string_view text) {
  for (const auto& f : fs)
    if (f.code == code && f.message.find(text) != std::string::npos) return &f;
  return nullptr;
}

bool notes_contain(const Finding& f, std::string_view text) {
  for (const auto& n : f.notes)
    if (n.find(text) != std::string::npos) return true;
  return false;
}

class ConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (sdk_component("uppercase").empty()) GTEST_SKIP() << "SDK test components not built";
  }
  static ComponentWit load(const std::string& name) {
    auto c = component_wit_from_bytes(sdk_component(name));
    EXPECT_TRUE(c) << c.error().to_string();
    return std::move(*c);
  }
  static ComponentWit patched(const std::string& name, const std::string& from, const std::string& to) {
    auto bytes = sdk_component(name);
    EXPECT_GT(patch_bytes(bytes, from, to), 0u) << from;
    auto c = component_wit_from_bytes(std::move(bytes));
    EXPECT_TRUE(c) << c.error().to_string();
    return std::move(*c);
  }
  static const wit::World& world(const std::string& name) {
    WorldLookup w = find_world(name, nullptr);
    EXPECT_NE(w.world, nullptr) << name;
    return *w.world;
  }
};

TEST_F(ConformanceTest, EverySdkComponentMatchesTheWorldItWasBuiltFor) {
  const std::pair<const char*, const char*> cases[] = {
      {"uppercase", "transform"},          {"counter_source", "data-source"},     {"collect_sink", "data-sink"},
      {"contains_filter", "content-filter"}, {"prefix_router", "content-router"}, {"line_aggregator", "stream-aggregator"},
      {"retag_c", "managed-transform"},
  };
  for (const auto& [name, w] : cases) {
    SCOPED_TRACE(name);
    ComponentWit c = load(name);
    auto fs = conform_to_world(c, world(w), name);
    EXPECT_TRUE(fs.empty()) << dump(fs);
    fs = conform_to_host(c, name);
    EXPECT_TRUE(fs.empty()) << dump(fs);
  }
}

TEST_F(ConformanceTest, WrongWorldListsWhatIsMissing) {
  ComponentWit c = load("uppercase");
  auto fs = conform_to_world(c, world("data-sink"), "upper");
  SCOPED_TRACE(dump(fs));
  EXPECT_NE(find(fs, ErrorCode::ContractWorldMismatch, "does not export `torvyn:streaming/sink@0.1.0`"), nullptr);
  EXPECT_NE(find(fs, ErrorCode::ContractWorldMismatch, "does not export `torvyn:streaming/lifecycle@0.1.0`"), nullptr);
  // Its processor exports (both forms) are not part of data-sink, and data-sink does not import
  // buffer-allocator.
  EXPECT_EQ(count(fs, ErrorCode::ContractWorldMismatch, Severity::Warning), 3u);
  EXPECT_EQ(count(fs, ErrorCode::ContractWorldMismatch, Severity::Error), 2u);
}

TEST_F(ConformanceTest, TransformIsNotAManagedTransform) {
  auto fs = conform_to_world(load("uppercase"), world("managed-transform"), "upper");
  ASSERT_EQ(fs.size(), 1u) << dump(fs);
  EXPECT_NE(fs[0].message.find("lifecycle"), std::string::npos);
}

TEST_F(ConformanceTest, RenamedFieldIsABreakingTypeChange) {
  ComponentWit c = patched("uppercase", "timestamp-ns", "timestamp-xx");
  auto fs = conform_to_world(c, world("transform"), "upper");
  SCOPED_TRACE(dump(fs));
  const Finding* f = find(fs, ErrorCode::ContractWorldMismatch, "imports `torvyn:streaming/types@0.1.0` with types");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::Error);
  EXPECT_TRUE(notes_contain(*f, "torvyn:streaming/types.element-meta.timestamp-xx: field `timestamp-xx` removed"));
  EXPECT_TRUE(notes_contain(*f, "field `timestamp-ns` added"));
  // The host check says the same against the host's own contract.
  EXPECT_NE(find(conform_to_host(c, "upper"), ErrorCode::ContractWorldMismatch, "differ from what the host provides"), nullptr);
}

TEST_F(ConformanceTest, OtherContractVersionIsAVersionMismatch) {
  ComponentWit c = patched("uppercase", "@0.1.0", "@0.2.0");
  auto fs = conform_to_host(c, "upper");
  SCOPED_TRACE(dump(fs));
  const Finding* f = find(fs, ErrorCode::ContractVersionMismatch, "imports `torvyn:streaming/types@0.2.0`");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(notes_contain(*f, "for 0.x versions the minor version must match"));
  // A patch release is compatible.
  ComponentWit p = patched("uppercase", "@0.1.0", "@0.1.7");
  EXPECT_TRUE(conform_to_host(p, "upper").empty()) << dump(conform_to_host(p, "upper"));
  EXPECT_TRUE(conform_to_world(p, world("transform"), "upper").empty());
}

TEST_F(ConformanceTest, RoleExports) {
  const RoleInfo* processor = role_of_interface("torvyn:streaming/processor");
  const RoleInfo* sink = role_of_interface("torvyn:streaming/sink@0.1.0");
  ASSERT_TRUE(processor && sink);
  ComponentWit c = load("uppercase");
  EXPECT_TRUE(check_role_export(c, *processor, std::nullopt, "upper").empty());
  EXPECT_TRUE(check_role_export(c, *processor, wit::Version::parse("0.1.3"), "upper").empty());
  auto fs = check_role_export(c, *sink, std::nullopt, "upper");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].code, ErrorCode::ContractRoleMismatch);
  EXPECT_TRUE(notes_contain(fs[0], "it exports `torvyn:streaming/processor`"));
  fs = check_role_export(c, *processor, wit::Version::parse("1.0.0"), "upper");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].code, ErrorCode::ContractVersionMismatch);
  ASSERT_EQ(component_roles(c).size(), 1u);
  EXPECT_EQ(component_roles(c)[0]->role, Role::Processor);
}

TEST_F(ConformanceTest, ProcessParameterRenamedBreaksTheRoleExport) {
  // "input" appears as the parameter name of `process` and of `process-batch` only: both forms of
  // the role are checked (the host binds to both).
  ComponentWit c = patched("uppercase", "\x05input", "\x05inpux");
  auto fs = check_role_export(c, *role_of_interface("torvyn:streaming/processor"), std::nullopt, "upper");
  ASSERT_EQ(fs.size(), 2u) << dump(fs);
  EXPECT_EQ(fs[0].code, ErrorCode::ContractWorldMismatch);
  EXPECT_TRUE(notes_contain(fs[0], "parameter `input` renamed to `inpux`"));
  EXPECT_NE(find(fs, ErrorCode::ContractWorldMismatch, "exports `torvyn:batching/processor@0.1.0` with a different type"), nullptr);
}

TEST_F(ConformanceTest, BatchFormIsCheckedAgainstTheContract) {
  // The SDK exports each role's batch form (torvyn:batching) beside it: declared by no
  // torvyn:streaming world, yet called by the host, so checked rather than warned about.
  ComponentWit c = load("uppercase");
  ASSERT_NE(c.find_export("torvyn:batching/processor"), nullptr);
  EXPECT_TRUE(check_role_export(c, *role_of_interface("torvyn:streaming/processor"), std::nullopt, "upper").empty());
  EXPECT_TRUE(conform_to_world(c, world("batch-transform"), "upper").empty()) << dump(conform_to_world(c, world("batch-transform"), "upper"));
  EXPECT_EQ(role_of_batch_interface("torvyn:batching/sink@0.1.0"), role_of_interface("torvyn:streaming/sink"));
  EXPECT_EQ(role_of_batch_interface("torvyn:filtering/filter"), nullptr);

  // "content-types" (13 bytes) names a field of the batch record only.
  ComponentWit bad = patched("uppercase", "\x0d" "content-types", "\x0d" "content-typez");
  auto fs = check_role_export(bad, *role_of_interface("torvyn:streaming/processor"), std::nullopt, "upper");
  ASSERT_EQ(fs.size(), 1u) << dump(fs);
  EXPECT_NE(fs[0].message.find("exports `torvyn:batching/processor@0.1.0` with a different type than the host expects"), std::string::npos);
  EXPECT_TRUE(notes_contain(fs[0], "content-typez"));
  fs = conform_to_world(bad, world("transform"), "upper");
  ASSERT_EQ(fs.size(), 1u) << dump(fs);
  EXPECT_EQ(fs[0].severity, Severity::Error);
}

TEST_F(ConformanceTest, EdgesBetweenComponents) {
  ComponentWit src = load("counter_source"), up = load("uppercase"), sink = load("collect_sink");
  EXPECT_TRUE(compare_edge(src, "src", up, "up").empty());
  EXPECT_TRUE(compare_edge(up, "up", sink, "sink").empty());
  ASSERT_TRUE(streaming_version(up));
  EXPECT_EQ(streaming_version(up)->to_string(), "0.1.0");

  ComponentWit renamed = patched("collect_sink", "timestamp-ns", "timestamp-xx");
  auto fs = compare_edge(up, "up", renamed, "sink");
  ASSERT_EQ(count(fs, ErrorCode::LinkIncompatible, Severity::Error), 1u) << dump(fs);
  EXPECT_TRUE(notes_contain(fs[0], "element-meta"));

  ComponentWit newer = patched("collect_sink", "@0.1.0", "@0.2.0");
  fs = compare_edge(up, "up", newer, "sink");
  ASSERT_EQ(fs.size(), 1u) << dump(fs);
  EXPECT_EQ(fs[0].code, ErrorCode::ContractVersionMismatch);
  EXPECT_NE(fs[0].message.find("torvyn:streaming@0.1.0"), std::string::npos);
  EXPECT_NE(fs[0].message.find("torvyn:streaming@0.2.0"), std::string::npos);
  // 1.x: only the major version must match.
  ComponentWit one = patched("collect_sink", "@0.1.0", "@1.1.0");
  ComponentWit one_b = patched("uppercase", "@0.1.0", "@1.4.0");
  EXPECT_TRUE(compare_edge(one_b, "up", one, "sink").empty()) << dump(compare_edge(one_b, "up", one, "sink"));
}

TEST(DiffFilterTest, ImportSubsetsAreNotRemovals) {
  auto host = wit::parse_source(R"(package a:b@1.0.0;
interface types {
  record meta { seq: u64 }
  f: func() -> meta;
  g: func();
}
)", "host.wit");
  auto used = wit::parse_source(R"(package a:b@1.0.0;
interface types {
  record meta { seq: u64 }
  f: func() -> meta;
}
)", "used.wit");
  auto changed = wit::parse_source(R"(package a:b@1.0.0;
interface types {
  record meta { seq: u32 }
  f: func() -> meta;
  h: func();
}
)", "changed.wit");
  ASSERT_TRUE(host.ok() && used.ok() && changed.ok());
  const wit::Interface& h = *host.resolve->root->interface("types");
  EXPECT_TRUE(diff_used(*used.resolve->root->interface("types"), h).changes.empty());
  wit::CompatReport r = diff_used(*changed.resolve->root->interface("types"), h);
  ASSERT_EQ(r.changes.size(), 2u) << wit::render(r);  // the field type, and `h` the host lacks
  EXPECT_EQ(r.overall, wit::Compat::Breaking);
}

TEST(DiffFilterTest, UsedTypesNeedNotBeReexported) {
  auto contract = wit::parse_source(R"(package a:b@1.0.0;
interface types { record meta { seq: u64 } record other { x: u8 } }
interface role {
  use types.{meta, other};
  run: func(m: meta);
}
)", "contract.wit");
  auto provided = wit::parse_source(R"(package a:b@1.0.0;
interface types { record meta { seq: u64 } record other { x: u8 } }
interface role {
  use types.{meta};
  run: func(m: meta);
  extra: func();
}
)", "provided.wit");
  ASSERT_TRUE(contract.ok() && provided.ok());
  wit::CompatReport r = diff_provided(*contract.resolve->root->interface("role"), *provided.resolve->root->interface("role"));
  EXPECT_TRUE(r.changes.empty()) << wit::render(r);
}

}  // namespace
}  // namespace torvyn::contracts

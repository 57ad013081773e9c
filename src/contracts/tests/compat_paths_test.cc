// compare_versions on folders, .wit files and component binaries.
#include "torvyn/contracts/compat_paths.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "contracts_test_util.h"

namespace torvyn::contracts {
namespace {

const char* kOld = R"(package acme:events@1.0.0;

interface types {
    record event {
        id: u64,
        body: string,
    }
    parse: func(text: string) -> event;
}
)";

struct Case {
  const char* name;
  std::string from, to;  // edit of kOld giving the new version
  wit::Compat expected;
  std::string change;    // text of one reported change ("" = none)
};

class CompatPathsTable : public ::testing::TestWithParam<Case> {};

TEST_P(CompatPathsTable, Classifies) {
  const Case& c = GetParam();
  TempDir dir;
  std::string updated = kOld;
  if (!c.from.empty()) updated.replace(updated.find(c.from), c.from.size(), c.to);
  dir.write("old/events.wit", kOld);
  dir.write("new/events.wit", updated);
  CompatResult r = compare_versions(dir.path() / "old", dir.path() / "new");
  ASSERT_TRUE(r.ok()) << r.problems.render_human();
  EXPECT_EQ(r.report.overall, c.expected) << render_compat_human(r);
  if (!c.change.empty()) {
    EXPECT_NE(render_compat_human(r).find(c.change), std::string::npos) << render_compat_human(r);
  }
  auto j = nlohmann::json::parse(render_compat_json(r));
  EXPECT_EQ(j["classification"], std::string(wit::to_string(c.expected)));
  EXPECT_EQ(j["old"], "acme:events@1.0.0");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CompatPathsTable,
    ::testing::Values(
        Case{"unchanged", "", "", wit::Compat::Compatible, "no changes"},
        Case{"docs", "    parse:", "    /// Parses.\n    parse:", wit::Compat::Compatible, "documentation changed"},
        Case{"version", "@1.0.0", "@1.0.1", wit::Compat::Compatible, "version 1.0.0 -> 1.0.1"},
        Case{"function_added", "    parse:", "    render: func(e: event) -> string;\n    parse:", wit::Compat::CompatibleWithAdditions,
             "acme:events/types.render: function `render` added"},
        Case{"interface_added", "interface types", "interface extra { x: func(); }\ninterface types",
             wit::Compat::CompatibleWithAdditions, "interface `extra` added"},
        Case{"field_removed", "        body: string,\n", "", wit::Compat::Breaking, "field `body` removed"},
        Case{"field_type", "id: u64", "id: u32", wit::Compat::Breaking, "type changed: `u64` -> `u32`"},
        Case{"param_renamed", "text: string", "txt: string", wit::Compat::Breaking, "parameter `text` renamed to `txt`"},
        Case{"function_removed", "    parse: func(text: string) -> event;\n", "", wit::Compat::Breaking, "function `parse` removed"},
        Case{"package_renamed", "acme:events", "acme:evts", wit::Compat::Breaking, "package renamed"}),
    [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

TEST(CompatPathsTest, SingleFilesWork) {
  TempDir dir;
  auto a = dir.write("a.wit", kOld);
  auto b = dir.write("b.wit", std::string(kOld) + "\ninterface more { f: func(); }\n");
  CompatResult r = compare_versions(a, b);
  ASSERT_TRUE(r.ok()) << r.problems.render_human();
  EXPECT_EQ(r.report.overall, wit::Compat::CompatibleWithAdditions);
}

TEST(CompatPathsTest, SyntaxErrorIsReportedNotClassified) {
  TempDir dir;
  dir.write("old/events.wit", kOld);
  dir.write("new/events.wit", "package acme:events@1.1.0;\n\ninterface types {\n    parse: func(text: string -> u8;\n}\n");
  CompatResult r = compare_versions(dir.path() / "old", dir.path() / "new");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.problems.diagnostics.size(), 1u) << r.problems.render_human();
  EXPECT_EQ(r.problems.diagnostics[0].code, ErrorCode::WitSyntax);
  EXPECT_EQ(r.problems.diagnostics[0].location.line, 4u);
}

TEST(CompatPathsTest, MixedInputsAreRejected) {
  TempDir dir;
  auto a = dir.write("a.wit", kOld);
  CompatResult r = compare_versions(a, dir.path() / "b.wasm");
  EXPECT_FALSE(r.ok());
}

TEST(CompatPathsTest, ComponentBinaries) {
  auto up = sdk_component("uppercase");
  if (up.empty()) GTEST_SKIP() << "SDK test components not built";
  TempDir dir;
  auto a = dir.write_bytes("a.wasm", up);
  auto same = dir.write_bytes("same.wasm", up);
  auto renamed_bytes = up;
  ASSERT_GT(patch_bytes(renamed_bytes, "timestamp-ns", "timestamp-xx"), 0u);
  auto renamed = dir.write_bytes("renamed.wasm", renamed_bytes);
  auto newer_bytes = up;
  ASSERT_GT(patch_bytes(newer_bytes, "@0.1.0", "@0.1.4"), 0u);
  auto newer = dir.write_bytes("newer.wasm", newer_bytes);

  CompatResult r = compare_versions(a, same);
  ASSERT_TRUE(r.ok()) << r.problems.render_human();
  EXPECT_EQ(r.report.overall, wit::Compat::Compatible) << render_compat_human(r);
  EXPECT_TRUE(r.report.changes.empty());

  r = compare_versions(a, renamed);
  EXPECT_EQ(r.report.overall, wit::Compat::Breaking) << render_compat_human(r);
  EXPECT_NE(render_compat_human(r).find("import torvyn:streaming/types.element-meta"), std::string::npos) << render_compat_human(r);

  r = compare_versions(a, newer);
  EXPECT_EQ(r.report.overall, wit::Compat::CompatibleWithAdditions) << render_compat_human(r);
}

}  // namespace
}  // namespace torvyn::contracts

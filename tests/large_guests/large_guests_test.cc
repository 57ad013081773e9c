// A JavaScript processor (componentize-js: SpiderMonkey, ~12 MB of Wasm, ~12,700 functions) between
// a C++ source and a C++ sink, as a user runs it: `torvyn build`, then `torvyn run`.
#include <gtest/gtest.h>

#include <filesystem>

#include "example_project.h"
#include "torvyn_test/process.h"

namespace torvyn::test {
namespace {

namespace fs = std::filesystem;

// examples/js-processor, built once for the suite (componentize-js takes minutes on this machine).
class BuiltJsProcessor {
 public:
  static void set_up(const char* dir_name) {
    dir_ = new ExampleDir();
    project_ = dir_->path() / dir_name;
    copy_project(fs::path(TORVYN_EXAMPLES_DIR) / "js-processor", project_);
    ProcResult b = torvyn({"build", "-q"}, project_, std::chrono::seconds(1200));
    ASSERT_EQ(b.exit_code, 0) << describe({"build"}, b);
    built_ = true;
  }
  static void tear_down() {
    delete dir_;
    dir_ = nullptr;
  }
  static inline ExampleDir* dir_ = nullptr;
  static inline fs::path project_;
  static inline bool built_ = false;
};

class LargeGuest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { BuiltJsProcessor::set_up("js"); }
  static void TearDownTestSuite() { BuiltJsProcessor::tear_down(); }
  void SetUp() override {
    if (!BuiltJsProcessor::built_) GTEST_FAIL() << "the JS example did not build (see the suite's setup)";
  }
  const fs::path& project() { return BuiltJsProcessor::project_; }
};

TEST_F(LargeGuest, JsComponentIsLargeAndImportsOnlyItsWorld) {
  fs::path wasm = project() / "target" / "components" / "shout.wasm";
  ASSERT_TRUE(fs::exists(wasm));
  EXPECT_GT(fs::file_size(wasm), 8u << 20) << "componentize-js embeds SpiderMonkey";
  ProcResult c = torvyn({"check"}, project());
  EXPECT_EQ(c.exit_code, 0) << describe({"check"}, c);
}

// The interpreter runs the 12 MB module: frames of tens of thousands of locals are charged as they
// are used (no load-time refusal), and the JS code's output arrives intact.
TEST_F(LargeGuest, JsProcessorRunsOnTheInterpreter) {
  ProcResult r = torvyn(with({"run", "--output", "-"}, kInterp), project(), std::chrono::seconds(600));
  ASSERT_EQ(r.exit_code, 0) << describe({"run", "--output", "-", "(interp)"}, r);
  EXPECT_EQ(r.out, read_file(project() / "expected-output.txt"));
  // With the flow's own sink (C++ console, which accepts text/* only) and the JSON summary.
  r = torvyn(with({"run", "--format", "json"}, kInterp), project(), std::chrono::seconds(600));
  ASSERT_EQ(r.exit_code, 0) << describe({"run", "--format", "json", "(interp)"}, r);
  nlohmann::json j = parse_json(r.out);
  ASSERT_TRUE(j.is_array() && j.size() == 1u) << r.out;
  EXPECT_EQ(j[0]["elements"]["delivered"], 5u) << r.out;
}

// A `language = "js"` component without a module fails its build with the reason.
TEST_F(LargeGuest, BadJsEntryFailsTheBuildWithItsReason) {
  ExampleDir tmp;
  fs::path p = tmp.path() / "bad";
  copy_project(fs::path(TORVYN_EXAMPLES_DIR) / "js-processor", p);
  fs::remove_all(p / "components" / "shout");
  fs::create_directories(p / "components" / "shout");
  ProcResult b = torvyn({"build", "shout"}, p);
  EXPECT_NE(b.exit_code, 0);
  EXPECT_NE((b.out + b.err).find("no JavaScript module"), std::string::npos) << describe({"build"}, b);
}

// The default engine (aot) on a cold cache, waiting for the compile (the example tiers; this
// turns that off): the 12 MB module is split into units compiled in parallel, with progress, and
// then runs. Tens of minutes on the 2-core VM: `long`.
class LargeGuestLong : public LargeGuest {};

TEST_F(LargeGuestLong, JsProcessorRunsOnTheDefaultEngineAfterAParallelCompile) {
  ExampleDir cache;
  ProcResult r = torvyn({"run", "--output", "-", "--config", "runtime.tiering=false"}, project(), std::chrono::seconds(3600),
                        {{"XDG_CACHE_HOME", cache.path().string()}});
  ASSERT_EQ(r.exit_code, 0) << describe({"run", "--output", "-"}, r);
  EXPECT_EQ(r.out, read_file(project() / "expected-output.txt"));
  EXPECT_NE(r.err.find("units compiled"), std::string::npos) << r.err;
}

TEST(LargeGuestLongTemplate, TransformJsTemplateBuildsAndRuns) {
  ExampleDir tmp;
  ProcResult i = torvyn({"init", "jsdemo", "--template", "transform-js"}, tmp.path());
  ASSERT_EQ(i.exit_code, 0) << describe({"init"}, i);
  fs::path p = tmp.path() / "jsdemo";
  ProcResult b = torvyn({"build", "-q"}, p, std::chrono::seconds(1200));
  ASSERT_EQ(b.exit_code, 0) << describe({"build"}, b);
  ProcResult r = torvyn({"run", "--output", "-"}, p, std::chrono::seconds(3600));
  ASSERT_EQ(r.exit_code, 0) << describe({"run"}, r);
  EXPECT_NE(r.out.find("HELLO"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace torvyn::test

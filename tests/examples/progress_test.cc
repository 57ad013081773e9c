// Progress on stderr while `torvyn build` runs the guest toolchain and while the aot engine
// compiles a component it has not cached (issue 13, "silent waits"). The tests run without a
// terminal (plain lines), except the last, which gives torvyn one with `script`. A cold compile is
// forced with an empty XDG_CACHE_HOME per check.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "example_project.h"
#include "torvyn_test/process.h"

namespace {

namespace fs = std::filesystem;
using torvyn::test::copy_project;
using torvyn::test::describe;
using torvyn::test::parse_json;
using torvyn::test::ProcResult;
using torvyn::test::read_file;
using torvyn::test::torvyn;

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

bool matches(const std::string& text, const char* pattern) { return std::regex_search(text, std::regex(pattern)); }

// hello-world (components greeter and console), built once for the whole suite.
class Progress : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new torvyn::test::ExampleDir();
    project_ = dir_->path() / "hello-world";
    copy_project(fs::path(TORVYN_EXAMPLES_DIR) / "hello-world", project_);
    ProcResult b = torvyn({"build", "-q"}, project_);
    ASSERT_EQ(b.exit_code, 0) << describe({"build", "-q"}, b);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // `torvyn args...` in the built project with its own aot cache `cache` (a fresh name is a cold cache).
  ProcResult in_cache(const std::vector<std::string>& args, const std::string& cache) {
    return torvyn(args, project_, std::chrono::seconds(300), {{"XDG_CACHE_HOME", (tmp_.path() / cache).string()}});
  }

  static std::string expected() { return read_file(fs::path(TORVYN_EXAMPLES_DIR) / "hello-world" / "expected-output.txt"); }

  static torvyn::test::ExampleDir* dir_;
  static fs::path project_;
  torvyn::test::ExampleDir tmp_;
};

torvyn::test::ExampleDir* Progress::dir_ = nullptr;
fs::path Progress::project_;

TEST(BuildProgress, OneLinePerComponentWithElapsedThenSilenceWhenUpToDate) {
  torvyn::test::ExampleDir tmp;
  const fs::path p = tmp.path() / "hello-world";
  copy_project(fs::path(TORVYN_EXAMPLES_DIR) / "hello-world", p);

  ProcResult b = torvyn({"build"}, p);
  ASSERT_EQ(b.exit_code, 0) << describe({"build"}, b);
  for (const char* c : {"greeter", "console"}) {
    SCOPED_TRACE(c);
    EXPECT_TRUE(has(b.err, std::string("building ") + c + " (data-")) << b.err;
    EXPECT_TRUE(matches(b.err, (std::string("(^|\n)built ") + c + " in [0-9]+\\.[0-9] s\n").c_str())) << b.err;
    // The summary stays on stdout, as before.
    EXPECT_TRUE(matches(b.out, (std::string("  built  ") + c + " \\(data-[a-z]+\\) -> .* in [0-9]+\\.[0-9] s\n").c_str())) << b.out;
  }
  EXPECT_FALSE(has(b.out, "building")) << "progress never goes to stdout\n" << b.out;

  // Up to date: nothing was waited on, so nothing on stderr.
  ProcResult again = torvyn({"build"}, p);
  ASSERT_EQ(again.exit_code, 0) << describe({"build"}, again);
  EXPECT_EQ(again.err, "") << describe({"build"}, again);
  EXPECT_TRUE(has(again.out, "up-to-date  greeter")) << again.out;

  // -q: neither summary nor progress.
  ProcResult quiet = torvyn({"build", "--force", "-q"}, p);
  ASSERT_EQ(quiet.exit_code, 0) << describe({"build", "--force", "-q"}, quiet);
  EXPECT_EQ(quiet.err, "");
  EXPECT_EQ(quiet.out, "");

  // --format json: stdout is the JSON document alone, stderr has no plain lines.
  ProcResult json = torvyn({"build", "--force", "--format", "json"}, p);
  ASSERT_EQ(json.exit_code, 0) << describe({"build", "--force", "--format", "json"}, json);
  EXPECT_FALSE(parse_json(json.out).is_discarded()) << json.out;
  EXPECT_EQ(json.err, "");
}

TEST_F(Progress, ColdRunNamesEachCompileWarmRunPrintsNone) {
  const std::vector<std::string> args = {"run", "--output", "-"};
  ProcResult cold = in_cache(args, "cache");
  ASSERT_EQ(cold.exit_code, 0) << describe(args, cold);
  for (const char* c : {"greeter", "console"}) {
    SCOPED_TRACE(c);
    EXPECT_TRUE(matches(cold.err, (std::string("(^|\n)compiling ") + c + "\\.wasm \\(aot, [0-9]+ KiB\\)\\.\\.\\.\n").c_str())) << cold.err;
    EXPECT_TRUE(matches(cold.err, (std::string("(^|\n)compiled ") + c + "\\.wasm in [0-9]+\\.[0-9] s\n").c_str())) << cold.err;
  }
  EXPECT_EQ(cold.out, expected()) << "stdout carries the elements only";
  EXPECT_TRUE(has(cold.err, "flow main: Completed")) << "the summary follows the progress on stderr\n" << cold.err;

  ProcResult warm = in_cache(args, "cache");
  ASSERT_EQ(warm.exit_code, 0) << describe(args, warm);
  EXPECT_FALSE(has(warm.err, "compil")) << "a cached start says nothing\n" << warm.err;
  EXPECT_EQ(warm.out, cold.out) << "progress or not, the same bytes on stdout";
  // Only where the inspection API listens comes before the summary.
  EXPECT_TRUE(matches(warm.err, "^inspection API: unix:[^\n]+\nflow main: Completed")) << warm.err;

  // -v says what needed no compiling.
  ProcResult verbose = in_cache({"run", "-v"}, "cache");
  ASSERT_EQ(verbose.exit_code, 0) << describe({"run", "-v"}, verbose);
  EXPECT_TRUE(has(verbose.err, "greeter.wasm: cached (aot)\n")) << verbose.err;
  EXPECT_TRUE(has(verbose.err, "console.wasm: cached (aot)\n")) << verbose.err;
}

TEST_F(Progress, QuietColdRunPrintsNoProgress) {
  const std::vector<std::string> args = {"run", "--output", "-", "-q"};
  ProcResult r = in_cache(args, "cache");
  ASSERT_EQ(r.exit_code, 0) << describe(args, r);
  EXPECT_EQ(r.err, "") << describe(args, r);
  EXPECT_EQ(r.out, expected());
}

// --format json without a terminal: no plain lines anywhere; with --output - the JSON summary is
// stderr's only content, so stderr must stay parseable too.
TEST_F(Progress, JsonColdRunKeepsBothStreamsMachineReadable) {
  std::vector<std::string> args = {"run", "--format", "json"};
  ProcResult r = in_cache(args, "cache1");
  ASSERT_EQ(r.exit_code, 0) << describe(args, r);
  EXPECT_TRUE(parse_json(r.out).is_array()) << r.out;
  EXPECT_EQ(r.err, "") << describe(args, r);

  args = {"run", "--format", "json", "--output", "-"};
  r = in_cache(args, "cache2");
  ASSERT_EQ(r.exit_code, 0) << describe(args, r);
  EXPECT_EQ(r.out, expected());
  EXPECT_TRUE(parse_json(r.err).is_array()) << r.err;
}

TEST_F(Progress, TraceAndBenchShowColdCompilesToo) {
  std::vector<std::string> args = {"trace", "--limit", "2"};
  ProcResult t = in_cache(args, "trace-cache");
  ASSERT_EQ(t.exit_code, 0) << describe(args, t);
  EXPECT_TRUE(matches(t.err, "(^|\n)compiled greeter\\.wasm in [0-9]+\\.[0-9] s\n")) << t.err;
  EXPECT_FALSE(has(t.out, "compil")) << t.out;

  args = {"bench", "-d", "200ms", "-w", "0s", "--report", "json"};
  ProcResult b = in_cache(args, "bench-cache");
  ASSERT_EQ(b.exit_code, 0) << describe(args, b);
  EXPECT_TRUE(matches(b.err, "(^|\n)compiled console\\.wasm in [0-9]+\\.[0-9] s\n")) << b.err;
  EXPECT_FALSE(parse_json(b.out).is_discarded()) << "the report alone on stdout\n" << b.out;
}

// On a terminal: a status line redrawn in place (carriage return, erase line), then the final
// line per component. `script` (bsdutils) gives torvyn a pseudo-terminal.
TEST_F(Progress, TerminalGetsAStatusLineAndFinalLines) {
  if (!fs::exists("/usr/bin/script")) GTEST_SKIP() << "no /usr/bin/script";
  torvyn::test::ProcOptions o;
  o.cwd = project_;
  o.env = torvyn::test::child_environment({{"XDG_CACHE_HOME", (tmp_.path() / "tty-cache").string()}, {"TERM", "xterm"}});
  o.timeout = std::chrono::minutes(5);
  const std::string cmd = std::string("'") + TORVYN_EXE + "' run --output /dev/null";
  ProcResult r = torvyn::test::run("/usr/bin/script", {"-qec", cmd, "/dev/null"}, o);
  ASSERT_EQ(r.exit_code, 0) << describe({"script", "-qec", cmd}, r);
  EXPECT_TRUE(has(r.out, "\r\033[K")) << r.out;
  EXPECT_TRUE(matches(r.out, "compiling greeter\\.wasm \\(aot, [0-9]+ KiB\\) [0-9]+\\.[0-9] s")) << r.out;
  EXPECT_TRUE(matches(r.out, "compiled greeter\\.wasm in [0-9]+\\.[0-9] s\r?\n")) << r.out;
  EXPECT_FALSE(matches(r.out, "compiling greeter\\.wasm \\(aot, [0-9]+ KiB\\)\\.\\.\\.")) << "no plain lines on a terminal";
}

}  // namespace

// What `run`, `check` and `link` say about a project that is wrong (issue 13): the same located
// diagnostics from all three, a pinned .wasm used exactly as written, a warning for a build older
// than its sources, the exit codes of DESIGN.md §9, and help for a mistyped command.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "example_project.h"

namespace {

namespace fs = std::filesystem;
using torvyn::test::describe;
using torvyn::test::read_file;
using torvyn::test::torvyn;
using torvyn::test::write_file;
using Proc = torvyn::test::ProcResult;

// hello-world (greeter -> console), built once; each test edits a copy of its manifest.
class FlowDiagnostics : public torvyn::test::BuiltHelloWorld {
 protected:
  FlowDiagnostics() : built_(project()) {}

  // The built project with its manifest's text replaced: `from` -> `to` (which must be there).
  void edit(const std::string& from, const std::string& to) {
    std::string m = read_file(built_ / "Torvyn.toml");
    size_t at = m.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    m.replace(at, from.size(), to);
    write_file(built_ / "Torvyn.toml", m);
  }
  void SetUp() override { original_ = read_file(built_ / "Torvyn.toml"); }
  void TearDown() override { write_file(built_ / "Torvyn.toml", original_); }

  const fs::path built_;
  std::string original_;
};

// An interface typo: link, check and run all point at the line and suggest the right name; run
// refuses it as a configuration error (2) without running anything.
TEST_F(FlowDiagnostics, RunAndCheckReportWhatLinkReports) {
  edit("interface = \"torvyn:streaming/sink\"", "interface = \"torvyn:streaming/snik\"");
  for (const char* cmd : {"link", "check", "run", "trace", "bench"}) {
    std::vector<std::string> args = {cmd};
    Proc r = torvyn(args, built_, std::chrono::seconds(120));
    EXPECT_EQ(r.exit_code, std::string(cmd) == "link" || std::string(cmd) == "check" ? 1 : 2) << describe(args, r);
    EXPECT_NE(r.err.find("error[E0413]"), std::string::npos) << describe(args, r);
    EXPECT_NE(r.err.find("Torvyn.toml:"), std::string::npos) << describe(args, r);
    EXPECT_NE(r.err.find("did you mean `torvyn:streaming/sink`?"), std::string::npos) << describe(args, r);
  }
}

// A cycle is found by check too (it used to say "0 errors").
TEST_F(FlowDiagnostics, CheckFindsACycle) {
  edit("edges = [\n", "edges = [\n  { from = { node = \"console\" }, to = { node = \"greeter\" } },\n");
  std::vector<std::string> args = {"check"};
  Proc r = torvyn(args, built_);
  EXPECT_EQ(r.exit_code, 1) << describe(args, r);
  EXPECT_NE(r.err.find("error[E04"), std::string::npos) << describe(args, r);
  args = {"run", "--format", "json"};
  r = torvyn(args, built_);
  EXPECT_EQ(r.exit_code, 2) << describe(args, r);
  nlohmann::json j = torvyn::test::parse_json(r.out);
  ASSERT_TRUE(j.is_array() && !j.empty()) << describe(args, r);
  EXPECT_EQ(j[0].value("severity", ""), "error") << describe(args, r);
}

// `path = "nothere.wasm"` is that file or an error naming it, never the build output in its place.
TEST_F(FlowDiagnostics, APinnedWasmPathIsUsedExactlyAsWritten) {
  std::string m = read_file(built_ / "Torvyn.toml");
  size_t at = m.find("name = \"greeter\"");
  ASSERT_NE(at, std::string::npos);
  size_t path = m.find("path = ", at);
  size_t eol = m.find('\n', path);
  m.replace(path, eol - path, "path = \"nothere.wasm\"");
  write_file(built_ / "Torvyn.toml", m);
  for (const char* cmd : {"run", "check", "link"}) {
    std::vector<std::string> args = {cmd};
    Proc r = torvyn(args, built_);
    EXPECT_NE(r.exit_code, 0) << describe(args, r);
    EXPECT_NE(r.err.find("nothere.wasm"), std::string::npos) << describe(args, r);
    EXPECT_EQ(r.out.find("Completed"), std::string::npos) << "ran another file\n" << describe(args, r);
  }
}

// Sources edited after `torvyn build`: run warns (and runs the older build), check says so too.
TEST_F(FlowDiagnostics, ABuildOlderThanItsSourcesIsWarned) {
  fs::path wasm = built_ / "target" / "components" / "console.wasm";
  fs::path source;
  for (const auto& e : fs::recursive_directory_iterator(built_ / "components" / "console"))
    if (e.is_regular_file()) source = e.path();
  ASSERT_FALSE(source.empty());
  auto was = fs::last_write_time(wasm);
  fs::last_write_time(source, was + std::chrono::seconds(10));
  for (const char* cmd : {"run", "check"}) {
    std::vector<std::string> args = {cmd};
    Proc r = torvyn(args, built_);
    EXPECT_EQ(r.exit_code, 0) << describe(args, r);
    EXPECT_NE(r.err.find("warning[E0427]"), std::string::npos) << describe(args, r);
    EXPECT_NE(r.err.find("torvyn build"), std::string::npos) << describe(args, r);
  }
  fs::last_write_time(source, was - std::chrono::seconds(10));
}

// The first core module of a component, with one `i32.add` in its code turned into `i64.add`:
// still well formed, no longer valid.
std::string with_an_invalid_core_module(std::string wasm) {
  auto leb = [&](size_t& i) {
    uint64_t r = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t b = static_cast<uint8_t>(wasm.at(i++));
      r |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return r;
    }
  };
  for (size_t i = 8; i < wasm.size();) {
    uint8_t id = static_cast<uint8_t>(wasm[i++]);
    size_t size = leb(i);
    if (id == 1) {  // core module: its sections, after its 8-byte header
      for (size_t k = i + 8; k < i + size;) {
        uint8_t sid = static_cast<uint8_t>(wasm[k++]);
        size_t ssize = leb(k);
        if (sid == 10) {  // code
          size_t at = wasm.find('\x6a', k);
          EXPECT_LT(at, k + ssize);
          wasm[at] = '\x7c';
          return wasm;
        }
        k += ssize;
      }
    }
    i += size;
  }
  ADD_FAILURE() << "no code section";
  return wasm;
}

// An invalid core module: link says which and where; run (which leaves core modules to the engine
// that loads them) fails before any element with the same finding, on both engines.
TEST_F(FlowDiagnostics, AnInvalidCoreModuleIsNamedByLinkAndByRun) {
  fs::path wasm = built_ / "target" / "components" / "greeter.wasm";
  const std::string good = read_file(wasm);
  write_file(wasm, with_an_invalid_core_module(good));
  std::vector<std::string> args = {"link"};
  Proc r = torvyn(args, built_);
  EXPECT_EQ(r.exit_code, 1) << describe(args, r);
  EXPECT_NE(r.err.find("invalid module"), std::string::npos) << describe(args, r);
  EXPECT_NE(r.err.find("type mismatch in i64.add"), std::string::npos) << describe(args, r);
  for (auto engine : {"runtime.engine=interp", "runtime.engine=aot"}) {
    args = {"run", "--output", "-", "--config", engine};
    r = torvyn(args, built_);
    EXPECT_EQ(r.exit_code, 1) << describe(args, r);
    EXPECT_NE(r.err.find("greeter"), std::string::npos) << describe(args, r);
    EXPECT_NE(r.err.find("type mismatch in i64.add"), std::string::npos) << describe(args, r);
    EXPECT_EQ(r.out, "") << describe(args, r);
  }
  write_file(wasm, good);
}

TEST(CliUsage, NoArgumentsPrintsUsage) {
  torvyn::test::ExampleDir tmp;
  Proc r = torvyn({}, tmp.path());
  EXPECT_EQ(r.exit_code, 0) << describe({}, r);
  EXPECT_NE(r.out.find("Usage"), std::string::npos) << describe({}, r);
  EXPECT_NE(r.out.find("build"), std::string::npos) << describe({}, r);
}

TEST(CliUsage, AnUnknownCommandSuggestsTheNearest) {
  torvyn::test::ExampleDir tmp;
  std::vector<std::string> args = {"buidl"};
  Proc r = torvyn(args, tmp.path());
  EXPECT_EQ(r.exit_code, 2) << describe(args, r);
  EXPECT_NE(r.err.find("unknown command `buidl`; did you mean `build`?"), std::string::npos) << describe(args, r);
}

// A missing guest compiler (build) or C compiler (run, aot) is the machine's problem: exit 3.
TEST(CliUsage, AMissingToolchainIsAnEnvironmentError) {
  torvyn::test::ExampleDir tmp;
  torvyn::test::copy_project(fs::path(TORVYN_EXAMPLES_DIR) / "hello-world", tmp.path());
  std::vector<std::string> args = {"build"};
  Proc r = torvyn(args, tmp.path(), std::chrono::seconds(120), {{"TORVYN_CLANG", "/nonexistent/clang-19"}});
  EXPECT_EQ(r.exit_code, 3) << describe(args, r);
  EXPECT_NE(r.err.find("clang-19"), std::string::npos) << describe(args, r);

  r = torvyn(args, tmp.path());
  ASSERT_EQ(r.exit_code, 0) << describe(args, r);
  args = {"run"};
  fs::create_directories(tmp.path() / "empty-cache");
  r = torvyn(args, tmp.path(), std::chrono::seconds(120),
             {{"PATH", (tmp.path() / "no-bin").string()}, {"XDG_CACHE_HOME", (tmp.path() / "empty-cache").string()}});
  EXPECT_EQ(r.exit_code, 3) << describe(args, r);
  EXPECT_NE(r.err.find("C compiler"), std::string::npos) << describe(args, r);
}

}  // namespace

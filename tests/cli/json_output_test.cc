// `--format json` prints names that come from outside — file names, manifest text — and those need
// not be UTF-8. nlohmann's strict dump() used to throw on them and abort the process (exit 134);
// every JSON document must be printed, with invalid bytes replaced, and exit as usual.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "torvyn_test/process.h"

namespace torvyn::test {
namespace {

ProcResult torvyn(const std::filesystem::path& cwd, const std::vector<std::string>& args) {
  ProcOptions o;
  o.cwd = cwd;
  o.env = child_environment({{"XDG_CONFIG_HOME", (cwd / ".config").string()}});
  o.timeout = std::chrono::seconds(60);
  return run(TORVYN_EXE, args, o);
}

void expect_json_document(const ProcResult& r, const std::vector<std::string>& args) {
  EXPECT_NE(r.exit_code, -1) << describe(args, r);
  EXPECT_NE(r.signal, SIGABRT) << describe(args, r);
  EXPECT_FALSE(nlohmann::json::parse(r.out, nullptr, false).is_discarded()) << describe(args, r);
}

TEST(JsonOutput, ANonUtf8FileNameIsPrintedNotThrownOn) {
  TempDir dir("torvyn-json-name");
  write_file(dir.path() / "\xff\xfe.wasm", "not a component");
  std::vector<std::string> args = {"--format", "json", "inspect", "\xff\xfe.wasm"};
  ProcResult r = torvyn(dir.path(), args);
  expect_json_document(r, args);
  EXPECT_NE(r.exit_code, 0);
}

TEST(JsonOutput, ArtifactCommandsPrintNonUtf8NamesAsJson) {
  TempDir dir("torvyn-json-artifact");
  write_file(dir.path() / "\xff\xfe.wasm", "not a component");
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--format", "json", "pack", "\xff\xfe.wasm", "--tag", "1.0.0", "-o", "out"},
           {"--format", "json", "inspect", "\xff\xfe.tar"},
           {"--format", "json", "sign", "\xff\xfe", "--key", "\xff.key"},
           {"--format", "json", "verify", "\xff\xfe", "--key", "\xff.pub"}}) {
    ProcResult r = torvyn(dir.path(), args);
    expect_json_document(r, args);
    EXPECT_NE(r.exit_code, 0) << describe(args, r);
  }
}

TEST(JsonOutput, ANonUtf8ManifestIsDiagnosedNotThrownOn) {
  TempDir dir("torvyn-json-manifest");
  write_file(dir.path() / "Torvyn.toml", "[torvyn]\nname = \"caf\xe9\"\nversion = \"0.1.0\"\n\xff = 1\n");
  for (const char* cmd : {"check", "link", "run"}) {
    std::vector<std::string> args = {"--format", "json", cmd};
    ProcResult r = torvyn(dir.path(), args);
    expect_json_document(r, args);
    EXPECT_EQ(r.exit_code, 2) << describe(args, r);
  }
}

}  // namespace
}  // namespace torvyn::test

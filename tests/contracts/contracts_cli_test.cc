// `torvyn check` and `torvyn link` end to end: each test copies a fixture project from
// tests/contracts/fixtures into a fresh temporary directory and runs the real binary on it, checking
// what a user sees — exit codes (DESIGN.md §9), rustc-style diagnostics with file:line:column and
// help lines, and the `--format json` diagnostics. Components are the SDK's prebuilt test
// components (no guest toolchain needed at test time), named in the fixtures through
// ${CONTRACTS_TEST_COMPONENTS}.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "torvyn_test/process.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using torvyn::test::describe;
using torvyn::test::read_file;
using Proc = torvyn::test::ProcResult;

fs::path components_dir() {
  if (const char* d = std::getenv("TORVYN_TEST_SDK_COMPONENTS"); d && *d) return d;
  return TORVYN_SDK_COMPONENTS;
}

// Runs `torvyn args...` in `cwd` with a clean TORVYN_* environment and no user configuration.
Proc torvyn(const std::vector<std::string>& args, const fs::path& cwd) {
  torvyn::test::ProcOptions o;
  o.cwd = cwd;
  o.env = torvyn::test::child_environment({{"CONTRACTS_TEST_COMPONENTS", components_dir().string()},
                                           {"XDG_CONFIG_HOME", (cwd / ".no-user-config").string()}},
                                          {});
  o.timeout = std::chrono::minutes(2);
  return torvyn::test::run(TORVYN_EXE, args, o);
}

class ContractsCli : public ::testing::Test {
 protected:
  std::unique_ptr<torvyn::test::TempDir> tmp_;
  fs::path dir;

  // Copies fixtures/<name> into a fresh temporary directory (kept when the test fails).
  void project(const std::string& name) {
    tmp_ = std::make_unique<torvyn::test::TempDir>("torvyn-contracts-cli");
    dir = tmp_->path();
    fs::copy(fs::path(TORVYN_FIXTURES_DIR) / name, dir, fs::copy_options::recursive);
  }

  static bool have_components() { return fs::exists(components_dir() / "uppercase.wasm"); }

  Proc run(const std::vector<std::string>& args) { return torvyn(args, dir); }

  static json parse_json(const Proc& p) {
    json j = json::parse(p.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << p.out;
    return j;
  }
  static const json* find_code(const json& arr, const std::string& code) {
    for (const auto& d : arr)
      if (d.value("code", "") == code) return &d;
    return nullptr;
  }
};

#define NEED_COMPONENTS() \
  if (!have_components()) GTEST_SKIP() << "SDK test components not built (" << components_dir() << ")"

TEST_F(ContractsCli, GoodProjectChecksAndLinks) {
  NEED_COMPONENTS();
  project("good");
  Proc c = run({"check"});
  EXPECT_EQ(c.exit_code, 0) << describe({"check"}, c);
  EXPECT_NE(c.out.find("check: 0 errors, 0 warnings (3 components, 1 flow)"), std::string::npos) << c.out;
  EXPECT_EQ(c.err, "");
  Proc s = run({"check", "--strict"});
  EXPECT_EQ(s.exit_code, 0) << describe({"check", "--strict"}, s);
  Proc l = run({"link"});
  EXPECT_EQ(l.exit_code, 0) << describe({"link"}, l);
  EXPECT_NE(l.out.find("link: 0 errors, 0 warnings (1 flow)"), std::string::npos) << l.out;
  Proc j = run({"link", "--format", "json"});
  EXPECT_EQ(j.exit_code, 0);
  EXPECT_EQ(parse_json(j), json::array());
}

TEST_F(ContractsCli, BatchWorldsCheckAndLink) {
  NEED_COMPONENTS();
  project("batch-worlds");
  Proc c = run({"check", "--strict"});
  EXPECT_EQ(c.exit_code, 0) << describe({"check", "--strict"}, c);
  EXPECT_NE(c.out.find("check: 0 errors, 0 warnings (3 components, 1 flow)"), std::string::npos) << c.out;
  Proc l = run({"link"});
  EXPECT_EQ(l.exit_code, 0) << describe({"link"}, l);
  EXPECT_NE(l.out.find("link: 0 errors, 0 warnings (1 flow)"), std::string::npos) << l.out;
  // Two builds of a component compare interface by interface, the batch form included.
  std::string up = (components_dir() / "uppercase.wasm").string();
  Proc same = run({"link", "--compat", up, up});
  EXPECT_EQ(same.exit_code, 0) << describe({"link", "--compat", up, up}, same);
  EXPECT_NE(same.out.find("compatible"), std::string::npos) << same.out;

  // A component without the batch form (raw C, `process` only) is not a batch-transform.
  std::ofstream(dir / "Torvyn.toml", std::ios::app) << "\n[[component]]\nname = \"plain\"\n"
                                                    << "path = \"${CONTRACTS_TEST_COMPONENTS}/broken_trap.wasm\"\n"
                                                    << "world = \"batch-transform\"\n";
  Proc bad = run({"check"});
  EXPECT_EQ(bad.exit_code, 1) << describe({"check"}, bad);
  EXPECT_NE(bad.err.find("component `plain` does not export `torvyn:batching/processor@0.1.0`, which world "
                         "`torvyn:batching/batch-transform@0.1.0` requires"),
            std::string::npos)
      << bad.err;
}

TEST_F(ContractsCli, MisspeltWorldIsAnErrorWithLocationAndHelp) {
  NEED_COMPONENTS();
  project("bad-world");
  Proc c = run({"check"});
  EXPECT_EQ(c.exit_code, 1) << describe({"check"}, c);
  EXPECT_NE(c.err.find("error[E0409]: component `upper` is built for world `transfrom`"), std::string::npos) << c.err;
  EXPECT_NE(c.err.find("--> Torvyn.toml:8:9"), std::string::npos) << c.err;
  EXPECT_NE(c.err.find("8 | world = \"transfrom\""), std::string::npos) << c.err;
  EXPECT_NE(c.err.find("= help: did you mean `transform`?"), std::string::npos) << c.err;

  Proc j = run({"check", "--format", "json"});
  EXPECT_EQ(j.exit_code, 1);
  json arr = parse_json(j);
  const json* d = find_code(arr, "E0409");
  ASSERT_NE(d, nullptr) << j.out;
  EXPECT_EQ((*d)["file"], "Torvyn.toml");
  EXPECT_EQ((*d)["line"], 8);
  EXPECT_EQ((*d)["column"], 9);
  EXPECT_EQ((*d)["severity"], "error");
  EXPECT_EQ((*d)["key"], "component.upper.world");
  EXPECT_EQ((*d)["help"], "did you mean `transform`?");
}

TEST_F(ContractsCli, WitSyntaxErrorIsReportedAtItsLine) {
  NEED_COMPONENTS();
  project("wit-syntax");
  Proc c = run({"check"});
  EXPECT_EQ(c.exit_code, 1) << describe({"check"}, c);
  EXPECT_NE(c.err.find("error[E0400]"), std::string::npos) << c.err;
  EXPECT_NE(c.err.find("wit/app.wit:5:"), std::string::npos) << c.err;
  EXPECT_NE(c.err.find("checksum: func(data: list<u8> -> u32;"), std::string::npos) << c.err;
  EXPECT_EQ(c.err.find("no .wit files"), std::string::npos) << c.err;
}

TEST_F(ContractsCli, TopologyErrors) {
  project("topology");
  Proc l = run({"link"});
  EXPECT_EQ(l.exit_code, 1) << describe({"link"}, l);
  EXPECT_NE(l.err.find("error[E0418]: flow `main` has a cycle: a -> b -> a"), std::string::npos) << l.err;
  EXPECT_NE(l.err.find("--> Torvyn.toml:30:3"), std::string::npos) << l.err;  // the edge closing the cycle
  EXPECT_NE(l.err.find("error[E0419]: edge b -> source goes into source `source`"), std::string::npos) << l.err;
  EXPECT_NE(l.err.find("error[E0419]: processor `lonely` has no incoming edge"), std::string::npos) << l.err;
  EXPECT_NE(l.err.find("--> Torvyn.toml:25:16"), std::string::npos) << l.err;  // nodes.lonely's table
  Proc j = run({"link", "--format", "json"});
  json arr = parse_json(j);
  ASSERT_TRUE(arr.is_array());
  for (const auto& d : arr) {
    EXPECT_TRUE(d.contains("code") && d.contains("message") && d.contains("severity")) << d.dump();
    if (d["severity"] == "error" && d["code"] != "E0900") {
      EXPECT_TRUE(d.contains("line") && d.contains("column") && d.contains("help")) << d.dump();
    }
  }
  EXPECT_NE(find_code(arr, "E0418"), nullptr);
}

TEST_F(ContractsCli, RouterPorts) {
  NEED_COMPONENTS();
  project("router");
  Proc l = run({"link"});
  EXPECT_EQ(l.exit_code, 0) << describe({"link"}, l);
  EXPECT_NE(l.err.find("warning[E0421]: edge route -> other leaves router `route` without a port"), std::string::npos) << l.err;
  EXPECT_NE(l.out.find("link: 0 errors, 1 warning"), std::string::npos) << l.out;
  Proc q = run({"link", "-q"});
  EXPECT_EQ(q.exit_code, 0);
  EXPECT_EQ(q.err, "");  // -q: errors only
  Proc c = run({"check"});
  EXPECT_EQ(c.exit_code, 0) << describe({"check"}, c);
}

TEST_F(ContractsCli, WasiCapabilitiesUnderDenyAll) {
  if (!fs::exists(components_dir() / "wasi_stamp.wasm")) GTEST_SKIP() << "WASI test component not built";
  project("wasi-grants");
  Proc l = run({"link"});
  EXPECT_EQ(l.exit_code, 1) << describe({"link"}, l);
  EXPECT_NE(l.err.find("error[E0414]: component `stamp` imports `wasi:filesystem/types@"), std::string::npos) << l.err;
  EXPECT_NE(l.err.find("= help: grant it: [security.grants.stamp] capabilities = [\"wasi:filesystem\"]"), std::string::npos) << l.err;
  Proc c = run({"check"});
  EXPECT_EQ(c.exit_code, 1) << describe({"check"}, c);
  // Granting it (here through an override) fixes both.
  std::vector<std::string> grant = {"--config", "security.grants.stamp.capabilities=wasi:filesystem"};
  std::vector<std::string> args = {"link"};
  args.insert(args.end(), grant.begin(), grant.end());
  Proc ok = run(args);
  EXPECT_EQ(ok.exit_code, 0) << describe(args, ok);
  args[0] = "check";
  ok = run(args);
  EXPECT_EQ(ok.exit_code, 0) << describe(args, ok);
}

TEST_F(ContractsCli, StrictFailsOnWarnings) {
  NEED_COMPONENTS();
  project("unused-grant");
  Proc c = run({"check"});
  EXPECT_EQ(c.exit_code, 0) << describe({"check"}, c);
  EXPECT_NE(c.err.find("warning[E0416]"), std::string::npos) << c.err;
  EXPECT_NE(c.err.find("--> Torvyn.toml:10:1"), std::string::npos) << c.err;
  Proc s = run({"check", "--strict"});
  EXPECT_EQ(s.exit_code, 1) << describe({"check", "--strict"}, s);
  EXPECT_NE(s.out.find("--strict fails on warnings"), std::string::npos) << s.out;
}

TEST_F(ContractsCli, NotBuiltIsANoteAndWrongWorldAnError) {
  project("not-built");
  Proc c = run({"check"});
  EXPECT_EQ(c.exit_code, 0) << describe({"check"}, c);
  EXPECT_NE(c.err.find("note[E0423]: component `gen` is not built yet"), std::string::npos) << c.err;
  Proc s = run({"check", "--strict"});
  EXPECT_EQ(s.exit_code, 0) << "a note is not a warning\n" << describe({"check", "--strict"}, s);

  NEED_COMPONENTS();
  TearDown();
  project("wrong-world");
  fs::create_directories(dir / "target/components");
  fs::copy_file(components_dir() / "uppercase.wasm", dir / "target/components/upper.wasm");
  c = run({"check"});
  EXPECT_EQ(c.exit_code, 1) << describe({"check"}, c);
  EXPECT_NE(c.err.find("error[E0411]: component `upper` does not export `torvyn:streaming/sink@0.1.0`, which world "
                       "`torvyn:streaming/data-sink@0.1.0` requires"),
            std::string::npos)
      << c.err;
  EXPECT_NE(c.err.find("target/components/upper.wasm"), std::string::npos) << c.err;
}

TEST_F(ContractsCli, EdgeBetweenContractVersions) {
  NEED_COMPONENTS();
  project("edge-versions");
  std::string bytes = read_file(components_dir() / "collect_sink.wasm");
  size_t n = 0;
  for (size_t at; (at = bytes.find("@0.1.0")) != std::string::npos; ++n) bytes.replace(at, 6, "@0.2.0");
  ASSERT_GT(n, 0u);
  std::ofstream(dir / "sink-v2.wasm", std::ios::binary) << bytes;
  Proc l = run({"link"});
  EXPECT_EQ(l.exit_code, 1) << describe({"link"}, l);
  EXPECT_NE(l.err.find("error[E0412]: `source` uses torvyn:streaming@0.1.0 but `sink` uses torvyn:streaming@0.2.0"), std::string::npos)
      << l.err;
  EXPECT_NE(l.err.find("`sink` runs file://sink-v2.wasm"), std::string::npos) << l.err;
  EXPECT_NE(l.err.find("for 0.x versions the minor version must match"), std::string::npos) << l.err;
  // ... and the host implements 0.1.0.
  EXPECT_NE(l.err.find("imports `torvyn:streaming/types@0.2.0`, but the host provides `torvyn:streaming/types@0.1.0`"), std::string::npos)
      << l.err;
}

TEST_F(ContractsCli, CompatClassifiesWitVersions) {
  project("compat");
  Proc same = run({"link", "--compat", "v1", "v1"});
  EXPECT_EQ(same.exit_code, 0) << describe({"link", "--compat", "v1", "v1"}, same);
  EXPECT_NE(same.out.find("acme:events@1.0.0 -> acme:events@1.0.0: compatible"), std::string::npos) << same.out;

  Proc add = run({"link", "--compat", "v1", "v2-additions"});
  EXPECT_EQ(add.exit_code, 0) << describe({"link", "--compat", "v1", "v2-additions"}, add);
  EXPECT_NE(add.out.find("compatible-with-additions"), std::string::npos) << add.out;
  EXPECT_NE(add.out.find("acme:events/types.render: function `render` added"), std::string::npos) << add.out;

  Proc brk = run({"link", "--compat", "v1", "v2-breaking"});
  EXPECT_EQ(brk.exit_code, 1) << describe({"link", "--compat", "v1", "v2-breaking"}, brk);
  EXPECT_NE(brk.out.find(": breaking"), std::string::npos) << brk.out;
  EXPECT_NE(brk.out.find("acme:events/types.event.id: type changed: `u64` -> `u32`"), std::string::npos) << brk.out;

  Proc j = run({"link", "--compat", "v1/events.wit", "v2-breaking/events.wit", "--format", "json"});
  EXPECT_EQ(j.exit_code, 1) << describe({"link", "--compat", "...", "--format", "json"}, j);
  json r = parse_json(j);
  EXPECT_EQ(r["classification"], "breaking");
  EXPECT_EQ(r["old"], "acme:events@1.0.0");
  EXPECT_EQ(r["new"], "acme:events@2.0.0");
  ASSERT_TRUE(r["changes"].is_array());
  bool found = false;
  for (const auto& c : r["changes"]) found = found || (c["severity"] == "breaking" && c["path"] == "acme:events/types.event.id");
  EXPECT_TRUE(found) << r.dump(2);

  Proc bad = run({"link", "--compat", "v1", "v2-syntax"});
  EXPECT_EQ(bad.exit_code, 2) << describe({"link", "--compat", "v1", "v2-syntax"}, bad);
  EXPECT_NE(bad.err.find("error[E0400]"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("v2-syntax/events.wit:4:"), std::string::npos) << bad.err;

  Proc usage = run({"link", "--compat", "v1"});
  EXPECT_EQ(usage.exit_code, 2) << describe({"link", "--compat", "v1"}, usage);
}

TEST_F(ContractsCli, CompatOnComponents) {
  NEED_COMPONENTS();
  project("compat");
  fs::copy_file(components_dir() / "uppercase.wasm", dir / "a.wasm");
  std::string bytes = read_file(components_dir() / "uppercase.wasm");
  bytes.replace(bytes.find("timestamp-ns"), 12, "timestamp-xx");
  std::ofstream(dir / "b.wasm", std::ios::binary) << bytes;
  Proc same = run({"link", "--compat", "a.wasm", "a.wasm"});
  EXPECT_EQ(same.exit_code, 0) << describe({"link", "--compat", "a.wasm", "a.wasm"}, same);
  Proc brk = run({"link", "--compat", "a.wasm", "b.wasm"});
  EXPECT_EQ(brk.exit_code, 1) << describe({"link", "--compat", "a.wasm", "b.wasm"}, brk);
}

TEST_F(ContractsCli, MissingManifestIsAUsageError) {
  project("compat");  // no Torvyn.toml there
  Proc c = run({"check"});
  EXPECT_EQ(c.exit_code, 2) << describe({"check"}, c);
  EXPECT_NE(c.err.find("error[E0900]: no manifest at Torvyn.toml"), std::string::npos) << c.err;
  Proc l = run({"link", "--manifest", "nope.toml"});
  EXPECT_EQ(l.exit_code, 2) << describe({"link", "--manifest", "nope.toml"}, l);
  Proc j = run({"check", "--format", "json"});
  EXPECT_EQ(j.exit_code, 2);
  json e = parse_json(j);
  EXPECT_EQ(e["error"]["code"], "E0900");
}

TEST_F(ContractsCli, ConfigErrorsAreReportedByCheck) {
  project("good");
  std::ofstream(dir / "Torvyn.toml", std::ios::app) << "\n[runtime]\nworker_threads = \"four\"\n";
  Proc c = run({"check"});
  EXPECT_EQ(c.exit_code, 2) << describe({"check"}, c);  // a configuration error (DESIGN.md §9)
  EXPECT_NE(c.err.find("error[E0502]"), std::string::npos) << c.err;
  EXPECT_NE(c.err.find("worker_threads"), std::string::npos) << c.err;
  Proc l = run({"link"});
  EXPECT_EQ(l.exit_code, 2) << describe({"link"}, l);  // link needs a valid manifest: a config error
  Proc j = run({"check", "--format", "json"});
  EXPECT_EQ(j.exit_code, 2);
  json arr = parse_json(j);
  ASSERT_NE(find_code(arr, "E0502"), nullptr) << j.out;
  EXPECT_EQ((*find_code(arr, "E0502"))["key"], "runtime.worker_threads");
}

TEST_F(ContractsCli, MalformedOverrideIsAUsageError) {
  project("good");
  for (const char* cmd : {"check", "link"}) {
    Proc p = run({cmd, "--config", "worker_threads"});
    EXPECT_EQ(p.exit_code, 2) << describe({cmd, "--config", "worker_threads"}, p);
    EXPECT_NE(p.err.find("--config expects KEY=VALUE"), std::string::npos) << p.err;
  }
}

TEST_F(ContractsCli, UnknownFlow) {
  project("topology");
  Proc l = run({"link", "--flow", "mian"});
  EXPECT_EQ(l.exit_code, 2) << describe({"link", "--flow", "mian"}, l);  // a usage error
  EXPECT_NE(l.err.find("no flow named `mian`"), std::string::npos) << l.err;
  EXPECT_NE(l.err.find("did you mean `main`?"), std::string::npos) << l.err;
}

}  // namespace

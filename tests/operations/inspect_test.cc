// The "Security Hardening Checklist" of the operator's guide: "Verify component artifacts are
// signed before deploying (torvyn inspect --show capabilities on every artifact)" and "Grant each
// component the minimum required capabilities. Review grants against component manifests."
// `torvyn inspect` on real components: what it reports (size, sha256, signature state, roles,
// capabilities against the project's grants, interfaces), in human and JSON form, and its errors
// and exit codes (DESIGN.md §9).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "ops_harness.h"

namespace torvyn::ops_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path wasi_probe() { return fs::path(TORVYN_SDK_COMPONENTS) / "wasi_probe.wasm"; }

class Inspect : public ::testing::Test {
 protected:
  test::TempDir dir{"torvyn-inspect"};

  test::ProcResult torvyn(const std::vector<std::string>& args) {
    test::ProcOptions o;
    o.cwd = dir.path();
    o.env = test::child_environment({{"XDG_CONFIG_HOME", (dir.path() / ".config").string()}});
    o.timeout = std::chrono::seconds(60);
    return test::run(TORVYN_EXE, args, o);
  }
  json run_json(const std::vector<std::string>& args, int want_exit) {
    std::vector<std::string> a = args;
    a.push_back("--format");
    a.push_back("json");
    test::ProcResult r = torvyn(a);
    EXPECT_EQ(r.exit_code, want_exit) << test::describe(a, r);
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << test::describe(a, r);
    return j;
  }
  void manifest(const std::string& text) { test::write_file(dir.path() / "Torvyn.toml", text); }
};

TEST_F(Inspect, ReportsSizeDigestSignatureAndRoleOfAFile) {
  fs::path f = component("ops_processor");
  std::vector<std::string> args = {"inspect", f.string()};
  test::ProcResult r = torvyn(args);
  ASSERT_EQ(r.exit_code, 0) << test::describe(args, r);
  EXPECT_NE(r.out.find(std::to_string(fs::file_size(f)) + " bytes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(sha256_of(f)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("unsigned (a bare .wasm file carries no signature"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("processor (torvyn:streaming/processor@0.1.0; batch form torvyn:batching/processor@0.1.0)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("needs no capability grant"), std::string::npos) << r.out;
  // --show all (the default) lists the interfaces too.
  EXPECT_NE(r.out.find("torvyn:streaming/lifecycle@0.1.0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[method]buffer.read-all"), std::string::npos) << r.out;

  json j = run_json({"inspect", f.string(), "--show", "capabilities"}, 0);
  EXPECT_EQ(j["size"], fs::file_size(f));
  EXPECT_EQ(j["sha256"], sha256_of(f));
  EXPECT_EQ(j["signature"]["signed"], false);
  ASSERT_EQ(j["roles"].size(), 1u) << j;
  EXPECT_EQ(j["roles"][0]["role"], "processor");
  EXPECT_EQ(j["roles"][0]["batch"], "torvyn:batching/processor@0.1.0");
  EXPECT_EQ(j["streaming_version"], "0.1.0");
  EXPECT_EQ(j["capabilities"]["policy"], "deny-all");
  EXPECT_TRUE(j["capabilities"]["required"].empty()) << j;
  EXPECT_TRUE(j["capabilities"]["unavailable"].empty()) << j;
  EXPECT_NE(j["capabilities"]["host_contracts"].dump().find("torvyn:streaming/types@0.1.0"), std::string::npos) << j;
  EXPECT_FALSE(j.contains("imports")) << "--show capabilities leaves the interfaces out";

  json i = run_json({"inspect", f.string(), "--show", "interfaces"}, 0);
  EXPECT_FALSE(i.contains("capabilities"));
  std::vector<std::string> exports;
  for (const json& e : i["exports"]) exports.push_back(e["name"]);
  EXPECT_EQ(exports, (std::vector<std::string>{"torvyn:batching/processor@0.1.0", "torvyn:streaming/processor@0.1.0",
                                               "torvyn:streaming/lifecycle@0.1.0"}));
}

// Every WASI interface a component imports maps to the capability `[security.grants.<name>]`
// uses; under deny-all only what is granted is; the JSON says which are required.
TEST_F(Inspect, CapabilitiesOfAWasiComponentAgainstTheProjectsGrants) {
  if (!fs::exists(wasi_probe())) GTEST_SKIP() << "the SDK's WASI test component is not built (needs wasi-libc): " << wasi_probe();
  // Without a manifest: the default deny-all, nothing granted.
  json none = run_json({"inspect", wasi_probe().string(), "--show", "capabilities"}, 0);
  std::map<std::string, json> caps;
  for (const json& c : none["capabilities"]["required"]) caps[c["capability"]] = c;
  ASSERT_TRUE(caps.count("wasi:random")) << none;
  ASSERT_TRUE(caps.count("wasi:filesystem")) << none;
  ASSERT_TRUE(caps.count("wasi:cli/environment")) << none;
  for (const auto& [name, c] : caps) EXPECT_EQ(c["granted"], false) << name;
  EXPECT_EQ(caps["wasi:random"]["required"], true);
  EXPECT_EQ(caps["wasi:cli/environment"]["required"], false);  // degrades to an empty environment
  EXPECT_TRUE(none["capabilities"]["manifest"].is_null());

  // A project that grants the component wasi:random (and something it does not use).
  manifest("[torvyn]\nname = \"grants\"\n\n[[component]]\nname = \"probe\"\npath = \"" + wasi_probe().string() +
           "\"\n\n[security]\ndefault_capability_policy = \"deny-all\"\n\n[security.grants.probe]\ncapabilities = [\"wasi:random\"]\n");
  for (const std::string& target : {std::string("probe"), wasi_probe().string()}) {
    json j = run_json({"inspect", target}, 0);
    std::map<std::string, json> g;
    for (const json& c : j["capabilities"]["required"]) g[c["capability"]] = c;
    EXPECT_EQ(g["wasi:random"]["granted"], true) << target << "\n" << j["capabilities"];
    EXPECT_EQ(g["wasi:filesystem"]["granted"], false) << target;
    EXPECT_EQ(g["wasi:cli/environment"]["granted"], false) << target;
    EXPECT_EQ(j["capabilities"]["grants_key"], "security.grants.probe") << target;
  }
  // Human form: the missing grants stand out.
  test::ProcResult r = torvyn({"inspect", "probe", "--show", "capabilities"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wasi:filesystem"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("NOT GRANTED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[security.grants.probe]"), std::string::npos) << r.out;

  // allow-all grants everything.
  manifest("[torvyn]\nname = \"grants\"\n\n[[component]]\nname = \"probe\"\npath = \"" + wasi_probe().string() +
           "\"\n\n[security]\ndefault_capability_policy = \"allow-all\"\n");
  json all = run_json({"inspect", "probe"}, 0);
  EXPECT_EQ(all["capabilities"]["policy"], "allow-all");
  for (const json& c : all["capabilities"]["required"]) EXPECT_EQ(c["granted"], true) << c;
}

// A [[component]] name resolves like `torvyn run` resolves it: a .wasm `path`, or the build
// output target/components/<name>.wasm of a source folder.
TEST_F(Inspect, ProjectComponentNames) {
  fs::create_directories(dir.path() / "components" / "up");
  fs::create_directories(dir.path() / "target" / "components");
  fs::copy_file(component("ops_sink"), dir.path() / "target" / "components" / "built.wasm");
  manifest("[torvyn]\nname = \"names\"\n\n[[component]]\nname = \"prebuilt\"\npath = \"" + component("ops_source").string() +
           "\"\n\n[[component]]\nname = \"built\"\npath = \"components/up\"\nworld = \"data-sink\"\n\n"
           "[[component]]\nname = \"unbuilt\"\npath = \"components/up\"\nworld = \"transform\"\n\n"
           "[security.grants.prebuilt]\ncapabilities = [\"wasi:filesystem\"]\n");
  json pre = run_json({"inspect", "prebuilt"}, 0);
  EXPECT_EQ(pre["component"], "prebuilt");
  EXPECT_EQ(pre["roles"][0]["role"], "source");
  // "Grant each component the minimum required capabilities": a grant it does not need is flagged.
  ASSERT_EQ(pre["capabilities"]["grant_notes"].size(), 1u) << pre;
  EXPECT_EQ(pre["capabilities"]["grant_notes"][0]["code"], "E0416");
  EXPECT_EQ(pre["capabilities"]["grants"], json::array({"wasi:filesystem"}));
  json built = run_json({"inspect", "built"}, 0);
  EXPECT_EQ(built["roles"][0]["role"], "sink");
  EXPECT_EQ(built["sha256"], sha256_of(component("ops_sink")));

  json unbuilt = run_json({"inspect", "unbuilt"}, 2);
  EXPECT_EQ(unbuilt["error"]["code"], "E0900") << unbuilt;
  EXPECT_NE(unbuilt["error"]["message"].get<std::string>().find("torvyn build"), std::string::npos) << unbuilt;
  json unknown = run_json({"inspect", "nope"}, 2);
  EXPECT_EQ(unknown["error"]["code"], "E0505") << unknown;
  // --manifest from elsewhere.
  fs::create_directories(dir.path() / "elsewhere");
  test::ProcOptions o;
  o.cwd = dir.path() / "elsewhere";
  o.env = test::child_environment({{"XDG_CONFIG_HOME", (dir.path() / ".config").string()}});
  test::ProcResult r = test::run(TORVYN_EXE, {"inspect", "prebuilt", "--manifest", (dir.path() / "Torvyn.toml").string()}, o);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("source (torvyn:streaming/source@0.1.0; batch form torvyn:batching/source@0.1.0)"), std::string::npos) << r.out;
}

TEST_F(Inspect, ErrorsAndExitCodes) {
  // Missing file and a directory: I/O, exit 2.
  json missing = run_json({"inspect", "no/such.wasm"}, 2);
  EXPECT_EQ(missing["error"]["code"], "E0900");
  json directory = run_json({"inspect", dir.path().string()}, 2);
  EXPECT_EQ(directory["error"]["code"], "E0900");
  // A core module, not a component: E0200, exit 1, with the way out.
  test::write_file(dir.path() / "core.wasm", std::string("\0asm\x01\0\0\0", 8));
  json core = run_json({"inspect", (dir.path() / "core.wasm").string()}, 1);
  EXPECT_EQ(core["error"]["code"], "E0200");
  EXPECT_NE(core["error"]["message"].get<std::string>().find("core WebAssembly module"), std::string::npos) << core;
  // Not WebAssembly at all, and a truncated component: component-binary errors (02xx), exit 1.
  test::write_file(dir.path() / "text.wasm", "hello, world\n");
  json text = run_json({"inspect", (dir.path() / "text.wasm").string()}, 1);
  EXPECT_EQ(text["error"]["code"].get<std::string>().substr(0, 3), "E02") << text;
  std::string bytes = test::read_file(component("ops_processor"));
  test::write_file(dir.path() / "cut.wasm", bytes.substr(0, bytes.size() / 2));
  json cut = run_json({"inspect", (dir.path() / "cut.wasm").string()}, 1);
  EXPECT_EQ(cut["error"]["code"].get<std::string>().substr(0, 3), "E02") << cut;
  // Human form: rustc-style on stderr.
  test::ProcResult r = torvyn({"inspect", (dir.path() / "core.wasm").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("error[E0200]"), std::string::npos) << r.err;
  // A bad --show is a usage error.
  EXPECT_EQ(torvyn({"inspect", component("ops_sink").string(), "--show", "everything"}).exit_code, 2);
}

}  // namespace
}  // namespace torvyn::ops_test

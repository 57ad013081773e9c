// torvyn doctor: is this machine ready to build and run Torvyn components?
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "component_build.h"
#include "torvyn/base/find_program.h"
#include "torvyn/base/json_text.h"

namespace torvyn::cli {

namespace fs = std::filesystem;

namespace {

struct Check {
  std::string name;
  bool ok;
  std::string detail;
  bool required;  // for running (aot); others are needed to build components
};

int doctor(const Globals& g) {
  std::vector<Check> checks;
  std::string cc = find_program("cc");
  checks.push_back({"C compiler (aot engine)", !cc.empty(), cc.empty() ? "`cc` not on PATH: only engine = \"interp\" works" : cc, false});
  std::string clang = find_program(std::getenv("TORVYN_CLANG") ? std::getenv("TORVYN_CLANG") : "clang-19");
  checks.push_back({"clang-19 (guest toolchain)", !clang.empty(), clang.empty() ? "apt-get install clang-19 lld-19" : clang, false});
  std::string node = find_program("node");
  checks.push_back({"node (jco)", !node.empty(), node.empty() ? "Node.js 20 is needed by `torvyn build`" : node, false});
  fs::path sdk = sdk_dir();
  bool has_sdk = fs::is_regular_file(sdk / "tools" / "torvyn-component-build");
  checks.push_back({"Torvyn SDK", has_sdk, has_sdk ? sdk.string() : sdk.string() + " not found (set TORVYN_SDK_DIR)", false});
  // The npm packages of package-lock.json: jco, and componentize-js for language = "js" components.
  const fs::path npm = sdk.parent_path() / "node_modules" / "@bytecodealliance";
  const std::string npm_ci = "run `npm ci` in " + sdk.parent_path().string();
  fs::path jco = npm / "jco";
  bool has_jco = fs::is_directory(jco);
  checks.push_back({"jco (npm ci)", has_jco, has_jco ? jco.string() : npm_ci, false});
  fs::path componentize = npm / "componentize-js";
  bool has_componentize = fs::is_regular_file(componentize / "src" / "cli.js");
  checks.push_back({"componentize-js (language = \"js\")", has_componentize, has_componentize ? componentize.string() : npm_ci, false});
  bool wasi = fs::is_directory("/usr/include/wasm32-wasi") || fs::is_directory("/usr/share/wasi-sysroot");
  checks.push_back({"wasi-libc (WASI components)", wasi, wasi ? "found" : "apt-get install wasi-libc libclang-rt-19-dev-wasm32", false});

  bool all = true;
  for (const auto& c : checks) all = all && c.ok;
  if (g.json()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& c : checks) j.push_back({{"check", c.name}, {"ok", c.ok}, {"detail", c.detail}});
    std::cout << torvyn::json_text(j, 2) << "\n";
  } else {
    for (const auto& c : checks) std::cout << (c.ok ? "  ok    " : "  MISSING ") << c.name << ": " << c.detail << "\n";
  }
  return all ? kOk : kEnvironment;
}

}  // namespace

void add_doctor(CLI::App& app, const Globals& g, int& exit_code) {
  CLI::App* c = app.add_subcommand("doctor", "Check that this machine can build and run Torvyn components");
  c->callback([&g, &exit_code] { exit_code = doctor(g); });
}

}  // namespace torvyn::cli

// `torvyn doctor` reports every part of the toolchain a project can need, with the fix for a
// missing one, and exits 3 (environment) when something is missing.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "torvyn_test/process.h"

namespace torvyn::test {
namespace {

ProcResult doctor(const std::map<std::string, std::optional<std::string>>& env) {
  TempDir cwd;
  ProcOptions o;
  o.cwd = cwd.path();
  o.env = child_environment(env);
  o.timeout = std::chrono::seconds(60);
  return run(TORVYN_EXE, {"doctor", "--format", "json"}, o);
}

const nlohmann::json* find_check(const nlohmann::json& checks, const std::string& prefix) {
  for (const auto& c : checks)
    if (c.value("check", "").rfind(prefix, 0) == 0) return &c;
  return nullptr;
}

TEST(Doctor, ChecksTheJavaScriptToolchainToo) {
  ProcResult r = doctor({});
  auto checks = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(checks.is_array()) << r.out << r.err;
  for (const char* name : {"C compiler", "clang-19", "node", "Torvyn SDK", "jco", "componentize-js", "wasi-libc"})
    EXPECT_NE(find_check(checks, name), nullptr) << name;
  // scripts/setup.sh installs all of it.
  const nlohmann::json* js = find_check(checks, "componentize-js");
  ASSERT_NE(js, nullptr);
  EXPECT_TRUE(js->value("ok", false)) << js->dump();
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(Doctor, AMissingNpmToolchainNamesItsFixAndExitsThree) {
  TempDir dir;
  // An SDK checkout whose npm packages were never installed.
  std::filesystem::create_directories(dir.path() / "sdk" / "tools");
  std::ofstream(dir.path() / "sdk" / "tools" / "torvyn-component-build") << "#!/bin/sh\n";
  ProcResult r = doctor({{"TORVYN_SDK_DIR", (dir.path() / "sdk").string()}});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  auto checks = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(checks.is_array()) << r.out;
  for (const char* name : {"jco", "componentize-js"}) {
    const nlohmann::json* c = find_check(checks, name);
    ASSERT_NE(c, nullptr) << name;
    EXPECT_FALSE(c->value("ok", true)) << name;
    EXPECT_NE(c->value("detail", "").find("npm ci"), std::string::npos) << c->dump();
  }
}

}  // namespace
}  // namespace torvyn::test

// A flow that fails on a limit the host enforces says so once, with one code, and names the
// setting to raise (issue 13 item 8): fuel (E0305), the invocation timeout (E0306) and the memory
// cap (E0307), each driven through the real `torvyn run` with a deliberately broken guest.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "torvyn_test/process.h"

namespace torvyn::test {
namespace {

namespace fs = std::filesystem;

fs::path sdk_component(const std::string& name) { return fs::path(TORVYN_SDK_COMPONENTS) / (name + ".wasm"); }

// source -> `broken` -> sink, with `runtime` lines in [runtime] and `node_keys` on the broken node.
ProcResult run_broken(const TempDir& dir, const std::string& broken, const std::string& runtime, const std::string& node_keys,
                      const std::vector<std::string>& extra_args = {}) {
  std::string m = "[torvyn]\nname = \"limits\"\nversion = \"0.1.0\"\ncontract_version = \"0.1.0\"\n\n[runtime]\n" + runtime + "\n";
  for (auto [name, file] : {std::pair{"src", "counter_source"}, std::pair{"broken", broken.c_str()}, std::pair{"sink", "collect_sink"}})
    m += "[[component]]\nname = \"" + std::string(name) + "\"\npath = \"" + sdk_component(file).string() + "\"\n\n";
  m += "[flow.main]\nnodes.s = { component = \"src\", config = \"count=3\" }\nnodes.p = { component = \"broken\"" + node_keys +
       " }\nnodes.k = { component = \"sink\" }\n"
       "edges = [ { from = { node = \"s\" }, to = { node = \"p\" } }, { from = { node = \"p\" }, to = { node = \"k\" } } ]\n";
  write_file(dir.path() / "Torvyn.toml", m);
  ProcOptions o;
  o.cwd = dir.path();
  o.env = child_environment({{"XDG_CACHE_HOME", std::string(TORVYN_OPS_CACHE_HOME)}, {"TORVYN_STATE_DIR", (dir.path() / "state").string()}});
  o.timeout = std::chrono::seconds(120);
  std::vector<std::string> args = {"run"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return run(TORVYN_EXE, args, o);
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(LimitErrors, FuelExhaustionHasOneCodeAndNamesTheSettingToRaise) {
  TempDir dir("torvyn-limit-fuel");
  ProcResult r = run_broken(dir, "broken_infinite_loop", "fuel_per_invocation = 1000000\ninvocation_timeout = 0", "");
  const std::string all = r.out + r.err;
  EXPECT_EQ(r.exit_code, 1) << all;
  EXPECT_NE(all.find("error[E0305]: node `p` failed in process: fuel exhausted: the invocation used its budget of 1,000,000 fuel"),
            std::string::npos)
      << all;
  EXPECT_EQ(count(all, "fuel exhausted"), 1u) << all;
  EXPECT_EQ(count(all, "error["), 1u) << "one code, not nested ones\n" << all;
  EXPECT_NE(all.find("help       each call of `p` may use 1,000,000 fuel per element (`runtime.fuel_per_invocation`)"), std::string::npos)
      << all;
  EXPECT_NE(all.find("--config flow.main.nodes.p.fuel_budget=10000000"), std::string::npos) << all;
}

TEST(LimitErrors, TheHelpFollowsANodesOwnFuelBudgetAndIsInTheJsonReport) {
  TempDir dir("torvyn-limit-fuel-node");
  ProcResult r = run_broken(dir, "broken_infinite_loop", "invocation_timeout = 0", ", fuel_budget = 50000", {"--format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_array()) << r.out << r.err;
  EXPECT_EQ(j[0]["error"].get<std::string>().rfind("error[E0305]: ", 0), 0u) << j[0];
  EXPECT_NE(j[0]["help"].get<std::string>().find("50,000 fuel per element (the node's `fuel_budget`)"), std::string::npos) << j[0];
}

TEST(LimitErrors, ATimeoutNamesTheTimeoutSetting) {
  TempDir dir("torvyn-limit-timeout");
  ProcResult r = run_broken(dir, "broken_infinite_loop", "fuel_per_invocation = 9223372036854775807\ninvocation_timeout = \"200ms\"", "");
  const std::string all = r.out + r.err;
  EXPECT_EQ(r.exit_code, 1) << all;
  EXPECT_NE(all.find("error[E0306]: node `p` failed in process: invocation timed out after 200 ms"), std::string::npos) << all;
  EXPECT_EQ(count(all, "error["), 1u) << all;
  EXPECT_NE(all.find("(`runtime.invocation_timeout`)"), std::string::npos) << all;
  EXPECT_NE(all.find("--config flow.main.invocation_timeout=2000ms"), std::string::npos) << all;
}

// On both engines: aot marks the refused memory.grow exactly; the interpreter sees the memory at the cap.
class LimitErrorsOnEngine : public ::testing::TestWithParam<const char*> {};

TEST_P(LimitErrorsOnEngine, AGuestThatTrapsAtTheMemoryCapIsToldWhichCapToRaise) {
  TempDir dir("torvyn-limit-memory");
  ProcResult r = run_broken(dir, "broken_memory_bomb", std::string("engine = \"") + GetParam() + "\"\nmax_memory_per_component = \"16MiB\"", "");
  const std::string all = r.out + r.err;
  EXPECT_EQ(r.exit_code, 1) << all;
  EXPECT_NE(all.find("error[E0307]: node `p` failed in process: "), std::string::npos) << all;
  EXPECT_NE(all.find(", with the component's memory at the cap of 16 MiB (memory.grow past it returns -1)"), std::string::npos) << all;
  EXPECT_EQ(count(all, "error["), 1u) << all;
  EXPECT_NE(all.find("`p` may use 16.0 MiB of linear memory (`runtime.max_memory_per_component`)"), std::string::npos) << all;
  EXPECT_NE(all.find("--config flow.main.nodes.p.max_memory=64MiB"), std::string::npos) << all;
}

INSTANTIATE_TEST_SUITE_P(Engines, LimitErrorsOnEngine, ::testing::Values("aot", "interp"));

}  // namespace
}  // namespace torvyn::test

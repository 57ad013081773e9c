// deploy/systemd/torvyn@.service: systemd itself must accept it (`systemd-analyze verify`, on an
// instance of the template whose ExecStart is the torvyn just built), and it must say what a
// drain-on-stop deployment needs: SIGTERM to stop (torvyn drains on it), a stop timeout, the
// runtime directory that holds the inspection socket, and the state directory pointing there.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <string>

#include "torvyn_test/process.h"

namespace torvyn::deploy_test {
namespace {

namespace fs = std::filesystem;
const fs::path kUnit = fs::path(TORVYN_DEPLOY_DIR) / "systemd" / "torvyn@.service";
constexpr const char* kAnalyze = "/usr/bin/systemd-analyze";

TEST(SystemdUnit, SaysWhatADrainingStopNeeds) {
  const std::string unit = test::read_file(kUnit);
  for (const char* line : {"KillSignal=SIGTERM", "RuntimeDirectory=torvyn/%i", "Environment=TORVYN_STATE_DIR=/run/torvyn/%i", "NoNewPrivileges=yes",
                           "ProtectSystem=strict"})
    EXPECT_NE(unit.find(std::string("\n") + line + "\n"), std::string::npos) << line;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(unit, m, std::regex("\\nTimeoutStopSec=([0-9]+)\\n")));
  EXPECT_GE(std::stoi(m[1].str()), 10) << "a drain needs time: finish in-flight elements, acknowledge, complete sinks";
}

TEST(SystemdUnit, SystemdAnalyzeVerifyAcceptsIt) {
  if (access(kAnalyze, X_OK) != 0) GTEST_SKIP() << kAnalyze << " is not installed (Debian package systemd)";
  test::TempDir dir("torvyn-systemd");
  std::string unit = test::read_file(kUnit);
  // An instance of the template, run by the torvyn just built (verify checks ExecStart exists).
  unit = std::regex_replace(unit, std::regex("/usr/local/bin/torvyn"), std::string(TORVYN_EXE));
  test::write_file(dir.path() / "torvyn@verify.service", unit);
  test::ProcOptions o;
  o.cwd = dir.path();
  o.env = test::child_environment({});
  o.timeout = std::chrono::seconds(60);
  test::ProcResult r = test::run(kAnalyze, {"verify", (dir.path() / "torvyn@verify.service").string()}, o);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err.find("torvyn@verify.service"), std::string::npos) << "systemd-analyze complained:\n" << r.err;
}

}  // namespace
}  // namespace torvyn::deploy_test

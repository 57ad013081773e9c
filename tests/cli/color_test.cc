// `--color auto|always|never`: severity labels, help lines and a flow's state in colour when asked
// (or on a terminal), never in files and pipes unless asked, never with NO_COLOR under auto.
#include <gtest/gtest.h>

#include <cstdlib>

#include "torvyn_test/process.h"

namespace torvyn::test {
namespace {

ProcResult torvyn(const TempDir& dir, const std::vector<std::string>& args, std::map<std::string, std::optional<std::string>> env = {}) {
  env["XDG_CONFIG_HOME"] = (dir.path() / ".config").string();
  ProcOptions o;
  o.cwd = dir.path();
  o.env = child_environment(env);
  o.timeout = std::chrono::seconds(60);
  return run(TORVYN_EXE, args, o);
}

constexpr const char* kRedError = "\x1b[1;31merror[E0500]\x1b[0m";

TEST(Color, AlwaysPaintsTheSeverityOfADiagnostic) {
  TempDir dir("torvyn-color");
  write_file(dir.path() / "Torvyn.toml", "[torvyn\n");
  ProcResult r = torvyn(dir, {"--color", "always", "check"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(kRedError), std::string::npos) << r.err;
}

TEST(Color, NeverAndAutoIntoAFileStayPlain) {
  TempDir dir("torvyn-color-plain");
  write_file(dir.path() / "Torvyn.toml", "[torvyn\n");
  for (const char* mode : {"never", "auto"}) {
    ProcResult r = torvyn(dir, {"--color", mode, "check"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("error[E0500]"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("\x1b["), std::string::npos) << mode << ": " << r.err;
  }
  // The default is auto: stderr is a file here, so no colour either.
  ProcResult r = torvyn(dir, {"check"});
  EXPECT_EQ(r.err.find("\x1b["), std::string::npos) << r.err;
}

TEST(Color, AutoOnATerminalHonoursNoColor) {
  // Under `script` stderr is a terminal: auto paints, unless NO_COLOR is set.
  if (::system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "util-linux `script` not installed";
  TempDir dir("torvyn-color-tty");
  write_file(dir.path() / "Torvyn.toml", "[torvyn\n");
  const std::string cmd = std::string("'") + TORVYN_EXE + "' check";
  ProcOptions o;
  o.cwd = dir.path();
  o.timeout = std::chrono::seconds(60);
  o.env = child_environment({{"TERM", "xterm"}, {"NO_COLOR", std::nullopt}});
  ProcResult tty = run("/usr/bin/script", {"-qec", cmd, "/dev/null"}, o);
  EXPECT_NE(tty.out.find(kRedError), std::string::npos) << tty.out;
  o.env = child_environment({{"TERM", "xterm"}, {"NO_COLOR", "1"}});
  ProcResult no_color = run("/usr/bin/script", {"-qec", cmd, "/dev/null"}, o);
  EXPECT_NE(no_color.out.find("error[E0500]"), std::string::npos) << no_color.out;
  EXPECT_EQ(no_color.out.find("\x1b[1;31m"), std::string::npos) << no_color.out;
}

TEST(Color, AnUnknownModeIsAUsageError) {
  TempDir dir("torvyn-color-bad");
  ProcResult r = torvyn(dir, {"--color", "sometimes", "check"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace
}  // namespace torvyn::test

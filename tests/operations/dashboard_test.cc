// The inspection API's web dashboard (GET /) in a real headless Chromium against a live
// `torvyn run` on loopback TCP with a bearer token: two flows in one process, `healthy` running
// for ever and `broken`, whose processor is slow and fails with a fatal error after 1,500
// elements (a few seconds in). dashboard_check.js (playwright-core driving Debian's chromium)
// checks the headers, the graph's nodes and edges, that the numbers move between two reads, that
// `broken` turns red once Failed, and the token handling (fragment, login form, 401 without it).
// The screenshot is kept at <build>/tests/operations/dashboard.png.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <random>
#include <thread>

#include "ops_harness.h"

namespace torvyn::ops_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string random_token() {
  std::random_device rd;
  std::string t;
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) t.push_back(hex[rd() % 16]);
  return t;
}

TEST(Dashboard, LiveFlowGraphInHeadlessChromiumAndAFailedFlowTurnsRed) {
  if (!fs::exists("/usr/bin/chromium")) GTEST_SKIP() << "Debian chromium is not installed (scripts/setup.sh installs it)";
  if (!fs::exists(fs::path(TORVYN_SOURCE_DIR) / "node_modules/playwright-core/package.json"))
    GTEST_SKIP() << "npm playwright-core is not installed (run `npm ci`)";
  const std::string token = random_token();
  RunbookProject p("dashboard",
                   pipeline("healthy", "count=0", {{"proc", ""}}, "pause_every=1", 8) +
                       pipeline("broken", "count=0", {{"proc", "work=3000000,fatal_after=1500"}}, "pause_every=1", 8));
  const int port = free_loopback_port();
  ASSERT_GT(port, 0);
  p.serve_tcp(port, token);
  START_OR_FAIL(p);

  const fs::path screenshot = fs::path(TORVYN_BINARY_DIR) / "dashboard.png";
  fs::remove(screenshot);
  test::ProcOptions o;
  o.cwd = fs::path(TORVYN_SOURCE_DIR) / "tests/operations";
  o.env = test::child_environment({{"HOME", p.dir().string()}});
  o.timeout = 180s;
  std::vector<std::string> args = {"dashboard_check.js", "http://127.0.0.1:" + std::to_string(port), token,
                                   screenshot.string(), "healthy", "broken"};
  test::ProcResult r = test::run(TORVYN_NODE_EXE, args, o);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << "\n" << p.output();
  EXPECT_NE(r.out.find("\"ok\":true"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(fs::exists(screenshot) && fs::file_size(screenshot) > 1000) << "no screenshot at " << screenshot;
  std::cout << "dashboard screenshot: " << screenshot << "\n" << r.out;

  test::ProcResult run = p.stop();
  EXPECT_EQ(run.exit_code, 1) << "a failed flow makes `torvyn run` exit 1\n" << run.out << run.err;
}

}  // namespace
}  // namespace torvyn::ops_test

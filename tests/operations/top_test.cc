// `torvyn top` against a live `torvyn run`: in a real terminal (tmux: send-keys, capture-pane),
// as a script (--once --format json, stdout not a terminal), over TCP with the token from the
// environment, and the ways it ends (q, the instance going away, nothing there, a wrong token).
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <thread>

#include "ops_harness.h"

namespace torvyn::ops_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

const char* kTmux = "/usr/bin/tmux";

// A tmux server of the test's own (its socket in the project's temp dir), one detached session.
class Tmux {
 public:
  Tmux(const fs::path& dir) : socket_((dir / "tmux.sock").string()), cwd_(dir) {}
  ~Tmux() { run({"kill-server"}); }

  test::ProcResult run(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-S", socket_});
    test::ProcOptions o;
    o.cwd = cwd_;
    o.env = test::child_environment({{"TMUX", std::nullopt}, {"TERM", "xterm-256color"}});
    o.timeout = 20s;
    return test::run(kTmux, args, o);
  }
  // Starts `command` (one shell word list) in a detached session of width x height.
  bool start(const std::string& command, int width, int height) {
    test::ProcResult r = run({"-f", "/dev/null", "new-session", "-d", "-s", "top", "-x", std::to_string(width), "-y",
                              std::to_string(height), command});
    if (r.exit_code != 0) return false;
    // Keep the pane after the command exits, to read its exit status and last words.
    return run({"set-option", "-t", "top", "remain-on-exit", "on"}).exit_code == 0;
  }
  std::string screen() const { return run({"capture-pane", "-p", "-t", "top"}).out; }
  void keys(const std::string& k) const { run({"send-keys", "-t", "top", k}); }
  bool wait_screen(const std::function<bool(const std::string&)>& pred, std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred(screen())) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

 private:
  std::string socket_;
  fs::path cwd_;
};

// Waits until the file exists and holds a line.
bool wait_file(const fs::path& f, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(f) && test::read_file(f).find('\n') != std::string::npos) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string running_pipeline() { return pipeline("main", "count=0", {{"proc", ""}}, "pause_every=1", 8); }

TEST(Top, TerminalShowsStagesRefreshesAndQuitsOnQ) {
  if (!fs::exists(kTmux)) GTEST_SKIP() << "tmux is not installed (scripts/setup.sh installs it)";
  RunbookProject p("top-tmux", running_pipeline());
  START_OR_FAIL(p);
  Tmux tmux(p.dir());
  // The shell writes top's exit status to a file after it (tmux's own #{pane_dead_status} and the
  // dead pane's last screen are not always kept).
  const fs::path rc = p.dir() / "top.rc";
  ASSERT_TRUE(tmux.start(shell_quote(TORVYN_EXE) + " top --socket " + shell_quote(p.socket()) + "; echo $? > " +
                         shell_quote(rc.string()), 150, 45));
  // The stages of the running flow, and rates once two polls have been made.
  std::string screen;
  ASSERT_TRUE(tmux.wait_screen([&](const std::string& s) {
    screen = s;
    return has(s, "main/src") && has(s, "main/proc") && has(s, "main/sink") && has(s, "rates over");
  }, 30s)) << screen;
  EXPECT_TRUE(has(screen, "Running")) << screen;
  EXPECT_TRUE(has(screen, "main/proc->sink")) << screen;  // a stream row
  EXPECT_TRUE(has(screen, "STAGE")) << screen;
  EXPECT_TRUE(has(screen, "q quit")) << screen;
  std::smatch m;
  EXPECT_TRUE(std::regex_search(screen, m, std::regex(R"(main/sink\s+ops-sink\s+sink\s+[0-9.]+k?/s)"))) << screen;

  // It refreshes in place: the delivered count moves on the same screen.
  std::regex delivered_re(R"(main\s+Running\s+[0-9,]+\s+([0-9,]+))");
  std::smatch a, b;
  ASSERT_TRUE(std::regex_search(screen, a, delivered_re)) << screen;
  std::string first = a[1].str();
  ASSERT_TRUE(tmux.wait_screen([&](const std::string& s) {
    screen = s;
    return std::regex_search(s, b, delivered_re) && b[1].str() != first;
  }, 15s)) << "the delivered count stayed at " << first << "\n" << screen;

  // A smaller terminal: redrawn to fit, with the rows that do not fit counted on the last line.
  tmux.run({"resize-window", "-t", "top", "-x", "70", "-y", "12"});
  EXPECT_TRUE(tmux.wait_screen([&](const std::string& s) {
    screen = s;
    return has(s, "more line");
  }, 10s)) << screen;

  tmux.keys("q");
  ASSERT_TRUE(wait_file(rc, 10s)) << "q did not quit\n" << tmux.screen();
  EXPECT_EQ(test::read_file(rc), "0\n");
  // The alternate screen is left: the table is gone from the terminal.
  EXPECT_FALSE(has(tmux.screen(), "STAGE")) << tmux.screen();
  EXPECT_EQ(p.stop().exit_code, 0);
}

TEST(Top, SaysSoWhenTheInstanceGoesAway) {
  if (!fs::exists(kTmux)) GTEST_SKIP() << "tmux is not installed (scripts/setup.sh installs it)";
  RunbookProject p("top-gone", running_pipeline());
  START_OR_FAIL(p);
  Tmux tmux(p.dir());
  const fs::path rc = p.dir() / "top.rc", err = p.dir() / "top.err";
  ASSERT_TRUE(tmux.start(shell_quote(TORVYN_EXE) + " top --interval 0.2 --socket " + shell_quote(p.socket()) + " 2> " +
                         shell_quote(err.string()) + "; echo $? > " + shell_quote(rc.string()), 120, 40));
  ASSERT_TRUE(tmux.wait_screen([](const std::string& s) { return has(s, "main/sink"); }, 30s)) << tmux.screen();
  EXPECT_EQ(p.stop().exit_code, 0);
  ASSERT_TRUE(wait_file(rc, 15s)) << tmux.screen();
  EXPECT_EQ(test::read_file(rc), "2\n");
  std::string screen = test::read_file(err);  // what top said on its way out
  EXPECT_TRUE(has(screen, "E0900")) << screen;
  EXPECT_TRUE(has(screen, "stopped answering")) << screen;
}

TEST(Top, OnceJsonForScripts) {
  RunbookProject p("top-json", running_pipeline());
  START_OR_FAIL(p);
  test::ProcOptions o;
  o.cwd = p.dir();
  o.env = test::child_environment({{"TORVYN_STATE_DIR", p.state_dir().string()}});
  o.timeout = 60s;
  // The default socket: the one `torvyn run` uses for the same TORVYN_STATE_DIR.
  test::ProcResult r = test::run(TORVYN_EXE, {"top", "--once", "--format", "json", "--interval", "0.5"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json j = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["source"], "unix:" + p.socket());
  EXPECT_GT(j["interval_seconds"].get<double>(), 0.4);
  ASSERT_EQ(j["flows"].size(), 1u) << j;
  const json& f = j["flows"][0];
  EXPECT_EQ(f["name"], "main");
  EXPECT_EQ(f["state"], "Running");
  EXPECT_GT(f["delivered_per_second"].get<double>(), 0) << f;
  ASSERT_EQ(f["stages"].size(), 3u) << f;
  for (const json& s : f["stages"]) EXPECT_TRUE(s["calls_per_second"].is_number()) << s;
  ASSERT_EQ(f["streams"].size(), 2u) << f;
  EXPECT_TRUE(f["streams"][0]["backpressure_fraction"].is_number()) << f;
  EXPECT_EQ(f["streams"][0]["capacity"], 8);
  EXPECT_FALSE(j["pools"].empty()) << j;

  // stdout not a terminal and no --format json: one plain frame, no escape sequences.
  test::ProcResult plain = test::run(TORVYN_EXE, {"top", "--interval", "0.2"}, o);
  ASSERT_EQ(plain.exit_code, 0) << plain.out << plain.err;
  EXPECT_TRUE(has(plain.out, "main/proc")) << plain.out;
  EXPECT_FALSE(has(plain.out, "\x1b")) << plain.out;
  EXPECT_EQ(p.stop().exit_code, 0);
}

TEST(Top, TcpWithTheTokenFromTheEnvironment) {
  const std::string token = "top-test-token-0123456789";
  RunbookProject p("top-tcp", running_pipeline());
  const int port = free_loopback_port();
  ASSERT_GT(port, 0);
  p.serve_tcp(port, token);
  START_OR_FAIL(p);
  const std::string addr = "127.0.0.1:" + std::to_string(port);
  test::ProcOptions o;
  o.cwd = p.dir();
  o.timeout = 60s;
  o.env = test::child_environment({{"TORVYN_INSPECTION_TOKEN", token}}, {"TORVYN_INSPECTION_TOKEN"});
  test::ProcResult r = test::run(TORVYN_EXE, {"top", "--once", "--format", "json", "--interval", "0.2", "--tcp", addr}, o);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "\"name\":\"main\"")) << r.out;

  o.env = test::child_environment({{"TORVYN_INSPECTION_TOKEN", "wrong"}}, {"TORVYN_INSPECTION_TOKEN"});
  test::ProcResult wrong = test::run(TORVYN_EXE, {"top", "--once", "--tcp", addr}, o);
  EXPECT_EQ(wrong.exit_code, 2) << wrong.out << wrong.err;
  EXPECT_TRUE(has(wrong.err, "E0953")) << wrong.err;
  EXPECT_FALSE(has(wrong.err, "wrong")) << "the token must not be echoed: " << wrong.err;

  o.env = test::child_environment({});
  test::ProcResult none = test::run(TORVYN_EXE, {"top", "--once", "--tcp", addr}, o);
  EXPECT_EQ(none.exit_code, 2) << none.out << none.err;
  EXPECT_TRUE(has(none.err, "E0953")) << none.err;
  EXPECT_EQ(p.stop().exit_code, 0);
}

TEST(Top, NothingListeningIsAClearError) {
  test::TempDir tmp("torvyn-top");
  test::ProcOptions o;
  o.cwd = tmp.path();
  o.env = test::child_environment({});
  o.timeout = 30s;
  test::ProcResult r = test::run(TORVYN_EXE, {"top", "--once", "--socket", (tmp.path() / "none.sock").string()}, o);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(has(r.err, "E0900")) << r.err;
  EXPECT_TRUE(has(r.err, "none.sock")) << r.err;
}

}  // namespace
}  // namespace torvyn::ops_test

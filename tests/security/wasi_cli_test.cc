// WASI grants from Torvyn.toml, end to end: a project whose flow runs the SDK's payload-driven WASI
// probe (sdk/tests/components/wasi_probe.c), fed one command per line by the real `torvyn run
// --input`, with [security.grants.probe] dirs and env. Escapes from the preopened directories
// (`..`, absolute host paths, symbolic links, including one the guest creates while it runs) fail;
// reads and writes inside work per mode; the environment holds exactly the listed variables; every
// grant and denial is audited (wasi:random's too); bad grants are config errors (exit 2). And guest
// output to a host stderr pipe that nobody reads does not stop the run.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "torvyn_test/process.h"

namespace torvyn {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path wasi_probe() { return fs::path(TORVYN_SDK_COMPONENTS) / "wasi_probe.wasm"; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class WasiCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(wasi_probe())) GTEST_SKIP() << "the SDK's WASI probe is not built (needs wasi-libc): " << wasi_probe();
    root = dir.path();
    proj = root / "proj";
    fs::create_directories(proj / "data");
    fs::create_directories(proj / "out");
    test::write_file(root / "secret.txt", "top secret");          // outside the project
    test::write_file(proj / "project-secret.txt", "not for you");  // beside the preopen
    test::write_file(proj / "data" / "hello.txt", "hello");
    fs::create_symlink(root / "secret.txt", proj / "data" / "escape");  // absolute, out of the preopen
  }

  void manifest(const std::string& grants, const std::string& extra = "") {
    test::write_file(proj / "Torvyn.toml", "[torvyn]\nname = \"wasi-grants\"\n\n[[component]]\nname = \"probe\"\npath = \"" +
                                               wasi_probe().string() +
                                               "\"\n\n[flow.main]\nnodes.p = { component = \"probe\" }\n\n"
                                               "[runtime]\nengine = \"interp\"\nfuel_per_invocation = 1000000000\n\n[security]\naudit_enabled = true\n" +
                                               extra + "\n[security.grants.probe]\n" + grants);
  }

  std::vector<std::string> env() {
    return test::child_environment({{"XDG_CONFIG_HOME", (root / ".config").string()},
                                    {"TORVYN_STATE_DIR", (root / "state").string()},
                                    {"GREETING", "hello"},
                                    {"SECRET", "hunter2"},
                                    {"NOT_SET_ANYWHERE", std::nullopt}});
  }

  test::ProcResult torvyn(const std::vector<std::string>& args) {
    test::ProcOptions o;
    o.cwd = proj;
    o.env = env();
    o.timeout = std::chrono::seconds(120);
    return test::run(TORVYN_EXE, args, o);
  }

  // Runs the flow on `commands` (one element each); the probe's answers, one per command.
  std::vector<std::string> run_commands(const std::vector<std::string>& commands, test::ProcResult& r) {
    std::string input;
    for (const auto& c : commands) input += c + "\n";
    test::write_file(proj / "commands.txt", input);
    fs::remove(proj / "results.txt");
    std::vector<std::string> args = {"run", "--input", "commands.txt", "--output", "results.txt", "-q"};
    r = torvyn(args);
    EXPECT_EQ(r.exit_code, 0) << test::describe(args, r);
    if (!fs::exists(proj / "results.txt")) return {};
    return lines_of(test::read_file(proj / "results.txt"));
  }

  // The audit log's records with this event.
  std::vector<json> audited(const std::string& event) {
    std::vector<json> out;
    fs::path log = root / "state" / "audit.log";
    if (!fs::exists(log)) return out;
    for (const std::string& line : lines_of(test::read_file(log))) {
      json j = json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.value("event", "") == event) out.push_back(j);
    }
    return out;
  }

  test::TempDir dir{"torvyn-wasi-cli"};
  fs::path root, proj;
};

constexpr const char* kGrants =
    "capabilities = [\"wasi:filesystem\", \"wasi:cli/environment\"]\n"
    "dirs = [{ host = \"data\", guest = \"/data\", mode = \"ro\" }, { host = \"out\", guest = \"/out\", mode = \"rw\" }]\n"
    "env = [\"GREETING\", \"NOT_SET_ANYWHERE\"]\n";

TEST_F(WasiCli, PreopensConfineTheGuestAndHonourTheirMode) {
  manifest(kGrants);
  struct Case {
    std::string command, want;  // `want`: the whole answer, or "~text": the answer contains text
  };
  const std::string denied = "~Operation not permitted", read_only = "~Read-only file system";
  const std::vector<Case> cases = {
      {"open:/data/hello.txt", "read 5: hello"},
      {"list:/data", "escape,hello.txt"},
      // Escapes: `..`, absolute host paths, a symlink that was there and one made while running.
      {"open:/data/../project-secret.txt", denied},
      {"open:/data/../../secret.txt", denied},
      {"open:/out/../data/hello.txt", denied},
      {"open:" + (root / "secret.txt").string(), "~Capabilities insufficient"},
      {"open:" + (proj / "data" / "hello.txt").string(), "~Capabilities insufficient"},
      {"open:/data/escape", denied},
      {"symlink:../../secret.txt=/out/made-at-run-time", "linked"},
      {"open:/out/made-at-run-time", denied},
      {"symlink:/etc/passwd=/out/absolute-link", denied},
      // Read-only: no write, create, unlink or symlink below /data.
      {"write:/data/new.txt=x", read_only},
      {"write:/data/hello.txt=overwritten", read_only},
      {"rm:/data/hello.txt", read_only},
      {"symlink:hello.txt=/data/link", read_only},
      // Read-write: all of it below /out.
      {"write:/out/result.txt=streamed", "wrote"},
      {"open:/out/result.txt", "read 8: streamed"},
      {"rm:/out/result.txt", "removed"},
      {"write:/out/kept.txt=kept", "wrote"},
      // The environment: the listed variables that are set, nothing else.
      {"env:GREETING", "GREETING=hello count=1"},
      {"env:SECRET", "SECRET unset count=1"},
      {"env:NOT_SET_ANYWHERE", "NOT_SET_ANYWHERE unset count=1"},
  };
  std::vector<std::string> commands;
  for (const auto& c : cases) commands.push_back(c.command);
  test::ProcResult r;
  std::vector<std::string> answers = run_commands(commands, r);
  ASSERT_EQ(answers.size(), cases.size()) << r.err;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    if (c.want.rfind("~", 0) == 0) {
      EXPECT_EQ(answers[i].rfind("errno=", 0), 0u) << c.command << " -> " << answers[i];
      EXPECT_NE(answers[i].find(c.want.substr(1)), std::string::npos) << c.command << " -> " << answers[i];
    } else {
      EXPECT_EQ(answers[i], c.want) << c.command;
    }
  }
  // The host side: the read-only directory is untouched, the writable one has what was written.
  EXPECT_EQ(test::read_file(proj / "data" / "hello.txt"), "hello");
  EXPECT_FALSE(fs::exists(proj / "data" / "new.txt"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(proj / "data" / "link")));
  EXPECT_EQ(test::read_file(proj / "out" / "kept.txt"), "kept");
  EXPECT_FALSE(fs::exists(proj / "out" / "result.txt"));
  EXPECT_EQ(test::read_file(root / "secret.txt"), "top secret");
  // A listed variable that is not set is a warning, not an error.
  EXPECT_NE(r.err.find("NOT_SET_ANYWHERE is not set"), std::string::npos) << r.err;

  // Every grant is audited: the directories with their modes, the variables passed and missing.
  std::vector<json> preopens = audited("wasi.preopen");
  ASSERT_EQ(preopens.size(), 2u) << test::read_file(root / "state" / "audit.log");
  std::map<std::string, json> by_guest;
  for (const json& p : preopens) by_guest[p.value("guest", "")] = p;
  ASSERT_TRUE(by_guest.count("/data") && by_guest.count("/out"));
  EXPECT_EQ(by_guest["/data"]["mode"], "ro");
  EXPECT_EQ(by_guest["/data"]["host"], (proj / "data").string());
  EXPECT_EQ(by_guest["/data"]["component"], "probe");
  EXPECT_EQ(by_guest["/data"]["node"], "p");
  EXPECT_EQ(by_guest["/out"]["mode"], "rw");
  std::vector<json> env = audited("wasi.env");
  ASSERT_EQ(env.size(), 1u);
  EXPECT_EQ(env[0]["names"], "GREETING");
  EXPECT_EQ(env[0]["unset"], "NOT_SET_ANYWHERE");
  EXPECT_EQ(env[0]["component"], "probe");
  bool fs_granted = false;
  for (const json& g : audited("capability.granted")) fs_granted |= g.value("capability", "") == "wasi:filesystem";
  EXPECT_TRUE(fs_granted);
}

// env alone: the listed variable and nothing else; no dirs and no wasi:filesystem, so no files.
TEST_F(WasiCli, EnvWithoutDirsShowsNoFiles) {
  manifest("capabilities = [\"wasi:cli/environment\"]\nenv = [\"GREETING\"]\n");
  test::ProcResult r;
  std::vector<std::string> answers = run_commands({"env:GREETING", "env:SECRET", "open:/data/hello.txt"}, r);
  ASSERT_EQ(answers.size(), 3u) << r.err;
  EXPECT_EQ(answers[0], "GREETING=hello count=1");
  EXPECT_EQ(answers[1], "SECRET unset count=1");
  EXPECT_NE(answers[2].find("Capabilities insufficient"), std::string::npos) << answers[2];
  ASSERT_EQ(audited("wasi.env").size(), 1u);
  EXPECT_TRUE(audited("wasi.preopen").empty());
}

// wasi:random through the real binary and its audit log file: a grant and a denial are each
// written once, on first use, with the [[component]] and the node, like wasi:filesystem's and
// wasi:cli/environment's (the same CapabilityGate audits all of them); repeated use adds nothing.
TEST_F(WasiCli, RandomGrantAndDenialAreInTheAuditLog) {
  auto random_events = [&](const std::string& event) {
    std::vector<json> out;
    for (const json& e : audited(event))
      if (e.value("capability", "") == "wasi:random") out.push_back(e);
    return out;
  };
  manifest("capabilities = [\"wasi:random\"]\n");
  test::ProcResult r;
  std::vector<std::string> answers = run_commands({"random", "random", "random"}, r);
  ASSERT_EQ(answers.size(), 3u) << r.err;
  for (const std::string& a : answers) EXPECT_EQ(a.rfind("random ", 0), 0u) << a;
  std::vector<json> granted = random_events("capability.granted");
  ASSERT_EQ(granted.size(), 1u) << test::read_file(root / "state" / "audit.log");
  EXPECT_EQ(granted[0]["component"], "probe");
  EXPECT_EQ(granted[0]["node"], "p");
  EXPECT_TRUE(granted[0].contains("ts"));
  EXPECT_TRUE(random_events("capability.denied").empty());

  // Not granted: the call traps (a random source cannot fail in WASI 0.2), the flow fails, and the
  // denial is in the log. The fix it names is the component's grants table, not the node's.
  fs::remove(root / "state" / "audit.log");
  manifest("capabilities = []\n");
  test::write_file(proj / "commands.txt", "random\nrandom\n");
  std::vector<std::string> args = {"run", "--input", "commands.txt", "--output", "results.txt", "-q"};
  r = torvyn(args);
  EXPECT_EQ(r.exit_code, 1) << test::describe(args, r);
  EXPECT_NE(r.err.find("E0700"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(add it to [security.grants.probe] capabilities)"), std::string::npos) << r.err;
  std::vector<json> denied = random_events("capability.denied");
  ASSERT_EQ(denied.size(), 1u) << test::read_file(root / "state" / "audit.log");
  EXPECT_EQ(denied[0]["component"], "probe");
  EXPECT_EQ(denied[0]["node"], "p");
  EXPECT_TRUE(random_events("capability.granted").empty());
}

// Grants the host could not apply are configuration errors: located, with the fix, exit 2.
TEST_F(WasiCli, BadGrantsAreConfigErrors) {
  struct Bad {
    std::string grants, key, text;
  };
  const std::vector<Bad> bad = {
      {"capabilities = [\"wasi:filesystem\"]\ndirs = [{ host = \"missing\", guest = \"/data\" }]\n",
       "security.grants.probe.dirs[0].host", "does not exist"},
      {"capabilities = [\"wasi:filesystem\"]\ndirs = [{ host = \"project-secret.txt\", guest = \"/data\" }]\n",
       "security.grants.probe.dirs[0].host", "is not a directory"},
      {"capabilities = [\"wasi:filesystem\"]\ndirs = [{ host = \"data\", guest = \"data\" }]\n",
       "security.grants.probe.dirs[0].guest", "not an absolute path"},
      {"capabilities = [\"wasi:filesystem\"]\ndirs = [{ host = \"data\", guest = \"/d\" }, { host = \"out\", guest = \"/d\" }]\n",
       "security.grants.probe.dirs[1].guest", "preopened twice"},
      {"capabilities = [\"wasi:filesystem\"]\ndirs = [{ host = \"data\", guest = \"/data\", mode = \"write\" }]\n",
       "security.grants.probe.dirs[0].mode", "unknown value"},
      {"dirs = [{ host = \"data\", guest = \"/data\" }]\n", "security.grants.probe.dirs", "does not grant \"wasi:filesystem\""},
      {"capabilities = [\"wasi:random\"]\nenv = [\"GREETING\"]\n", "security.grants.probe.env",
       "does not grant \"wasi:cli/environment\""},
  };
  for (const Bad& b : bad) {
    manifest(b.grants);
    std::vector<std::string> args = {"run", "--input", "commands.txt"};
    test::write_file(proj / "commands.txt", "env:GREETING\n");
    test::ProcResult r = torvyn(args);
    EXPECT_EQ(r.exit_code, 2) << b.grants << test::describe(args, r);
    EXPECT_NE(r.err.find(b.key), std::string::npos) << b.grants << "\n" << r.err;
    EXPECT_NE(r.err.find(b.text), std::string::npos) << b.grants << "\n" << r.err;
    EXPECT_NE(r.err.find("Torvyn.toml"), std::string::npos) << r.err;
  }
}

// torvyn's stderr is a pipe that nobody reads; the guest writes far more than a pipe holds. The
// run must still complete (the excess is dropped), not hang on a blocked write.
TEST_F(WasiCli, GuestOutputToAnUnreadStderrPipeDoesNotBlockTheRun) {
  manifest("capabilities = []\n");
  // 20 elements of 300 lines of ~100 bytes: ~600 KB (a pipe holds 64 KiB; the output cap of an
  // instance is 1 MiB).
  std::string commands;
  for (int i = 0; i < 20; ++i) commands += "lines:300\n";
  test::write_file(proj / "commands.txt", commands + "print:still going\n");
  int err_pipe[2];
  ASSERT_EQ(::pipe2(err_pipe, O_CLOEXEC), 0);
  std::vector<std::string> args = {TORVYN_EXE, "run", "--input", "commands.txt", "--output", "results.txt"};
  std::vector<std::string> envv = env();
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : envv) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string out_path = (root / "stdout.txt").string();
  std::string cwd = proj.string();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || ::dup2(out, 1) < 0 || ::dup2(err_pipe[1], 2) < 0 || ::chdir(cwd.c_str()) != 0) _exit(127);
    ::execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  ::close(err_pipe[1]);  // the read end stays open and unread: writes fill the pipe, then would block
  int status = 0;
  bool exited = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  ::close(err_pipe[0]);
  ASSERT_TRUE(exited) << "torvyn run hung writing guest output to a stderr pipe nobody reads";
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << test::read_file(root / "stdout.txt");
  std::vector<std::string> want(20, "wrote 300 lines");
  want.push_back("printed");
  EXPECT_EQ(lines_of(test::read_file(proj / "results.txt")), want);
}

}  // namespace
}  // namespace torvyn

// Running the real `torvyn` binary from tests: to completion (output captured), or in the
// background while the test talks to it (the inspection API of a `torvyn run`), then stopped with
// a signal like an operator would. Shared by the end-to-end test directories under tests/.
//
// Output goes through files, not pipes, so a chatty child can never block on a full pipe while
// the test waits for something else.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "torvyn_test/files.h"  // read_file / write_file, which process tests use on what a run wrote

namespace torvyn::test {

struct ProcResult {
  int exit_code = -1;     // -1: killed by a signal, timed out or could not start
  int signal = 0;         // the signal that ended it, if any
  std::string out, err;
};

// The environment for a child: this process's, minus every TORVYN_* variable except those named in
// `keep_torvyn` (a developer's TORVYN_RUNTIME_ENGINE must not change what a test runs), with
// `set` applied on top (a value of std::nullopt removes the variable). TORVYN_STATE_DIR, unless
// `set` names it, is a private directory of this test process, so parallel tests never share an
// inspection socket.
std::vector<std::string> child_environment(const std::map<std::string, std::optional<std::string>>& set,
                                           const std::vector<std::string>& keep_torvyn = {"TORVYN_SDK_DIR"});

struct ProcOptions {
  std::filesystem::path cwd;           // where the child runs (required)
  std::vector<std::string> env;        // the whole environment (child_environment(...))
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};  // run(): SIGKILL after this
  std::filesystem::path stdin_file{};  // the child's stdin ("" = /dev/null; promtool reads stdin only)
};

// Starts `exe args...` in the background. The destructor kills a child that is still running
// (SIGKILL) and reaps it, so a failing test never leaves a `torvyn run` behind.
class Process {
 public:
  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process(Process&& o) noexcept;
  Process& operator=(Process&& o) noexcept;
  ~Process();

  // False when fork/exec failed (then err() says why once waited for).
  bool start(const std::string& exe, const std::vector<std::string>& args, const ProcOptions& options);
  pid_t pid() const { return pid_; }
  bool running();                        // not exited yet (reaps it if it has)
  void signal(int sig);                  // to this child only
  // Waits up to `timeout` for the child to exit; on timeout it is killed (SIGKILL) and exit_code
  // is -1. Output is read once the child has gone.
  ProcResult wait(std::chrono::milliseconds timeout);
  // What the child has written to stdout/stderr so far (for failure messages).
  std::string stdout_so_far() const;
  std::string stderr_so_far() const;

 private:
  void collect(ProcResult& r);
  void cleanup();
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::filesystem::path out_file_, err_file_;
};

// Runs `exe args...` to completion (or `options.timeout`, then SIGKILL).
ProcResult run(const std::string& exe, const std::vector<std::string>& args, const ProcOptions& options);

// "torvyn a b c\n  exit N\n  stdout:\n...\n  stderr:\n..." for assertion messages.
std::string describe(const std::vector<std::string>& args, const ProcResult& r);

// A fresh directory under the system temp dir, removed at the end of the test unless the test
// failed (then kept and its path printed, for a look at what happened).
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "torvyn-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace torvyn::test

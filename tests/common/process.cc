#include "torvyn_test/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace torvyn::test {

namespace fs = std::filesystem;

namespace {

// A state directory of this test process's own (mode 0700, removed at exit). Without it every
// `torvyn run` of a parallel ctest shares /tmp/torvyn-<uid>/torvyn.sock: the second one warns that
// another inspection server holds the socket, and a test reading stderr as JSON reads the warning.
const std::string& private_state_dir() {
  // Never destroyed: the atexit hand below reads it after static destructors may have run.
  static const std::string* dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "torvyn-test-state-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp " + tmpl + " failed");
    return new std::string(tmpl);
  }();
  static const bool removed_at_exit = std::atexit([] {
                                        std::error_code ec;
                                        fs::remove_all(*dir, ec);
                                      }) == 0;
  (void)removed_at_exit;
  return *dir;
}

}  // namespace

std::vector<std::string> child_environment(const std::map<std::string, std::optional<std::string>>& set,
                                           const std::vector<std::string>& keep_torvyn) {
  std::vector<std::string> env;
  if (!set.count("TORVYN_STATE_DIR")) env.push_back("TORVYN_STATE_DIR=" + private_state_dir());
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    std::string name = kv.substr(0, kv.find('='));
    if (set.count(name)) continue;
    if (name.rfind("TORVYN_", 0) == 0 && std::find(keep_torvyn.begin(), keep_torvyn.end(), name) == keep_torvyn.end()) continue;
    env.push_back(std::move(kv));
  }
  for (const auto& [name, value] : set)
    if (value) env.push_back(name + "=" + *value);
  return env;
}

Process::Process(Process&& o) noexcept { *this = std::move(o); }

Process& Process::operator=(Process&& o) noexcept {
  if (this != &o) {
    cleanup();
    pid_ = o.pid_;
    reaped_ = o.reaped_;
    status_ = o.status_;
    out_file_ = std::move(o.out_file_);
    err_file_ = std::move(o.err_file_);
    o.pid_ = -1;
  }
  return *this;
}

Process::~Process() { cleanup(); }

void Process::cleanup() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  std::error_code ec;
  if (!out_file_.empty()) fs::remove(out_file_, ec);
  if (!err_file_.empty()) fs::remove(err_file_, ec);
  pid_ = -1;
}

bool Process::start(const std::string& exe, const std::vector<std::string>& args, const ProcOptions& options) {
  cleanup();
  static std::atomic<int> counter{0};
  std::string stem = "torvyn-proc-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  out_file_ = fs::temp_directory_path() / (stem + ".out");
  err_file_ = fs::temp_directory_path() / (stem + ".err");
  std::vector<std::string> argv_s = {exe};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s = options.env;
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  // Opened before fork: the child only dup2()s and execs (async-signal-safe work only).
  int out = ::open(out_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err = ::open(err_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int in = ::open(options.stdin_file.empty() ? "/dev/null" : options.stdin_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (out < 0 || err < 0 || in < 0) {
    if (out >= 0) ::close(out);
    if (err >= 0) ::close(err);
    if (in >= 0) ::close(in);
    return false;
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(options.cwd.c_str()) != 0) _exit(127);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  ::close(out);
  ::close(err);
  ::close(in);
  if (pid < 0) return false;
  pid_ = pid;
  reaped_ = false;
  return true;
}

bool Process::running() {
  if (pid_ <= 0 || reaped_) return false;
  pid_t w = ::waitpid(pid_, &status_, WNOHANG);
  if (w == pid_) reaped_ = true;
  return !reaped_;
}

void Process::signal(int sig) {
  if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

std::string Process::stdout_so_far() const { return out_file_.empty() ? "" : read_file(out_file_); }
std::string Process::stderr_so_far() const { return err_file_.empty() ? "" : read_file(err_file_); }

void Process::collect(ProcResult& r) {
  if (WIFEXITED(status_)) r.exit_code = WEXITSTATUS(status_);
  else if (WIFSIGNALED(status_)) r.signal = WTERMSIG(status_);
  r.out = stdout_so_far();
  r.err += stderr_so_far();
}

ProcResult Process::wait(std::chrono::milliseconds timeout) {
  ProcResult r;
  if (pid_ <= 0) return r;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status_, 0);
      reaped_ = true;
      r.err = "(killed after " + std::to_string(timeout.count()) + " ms)\n";
      collect(r);
      r.exit_code = -1;
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  collect(r);
  return r;
}

ProcResult run(const std::string& exe, const std::vector<std::string>& args, const ProcOptions& options) {
  Process p;
  if (!p.start(exe, args, options)) {
    ProcResult r;
    r.err = "could not start " + exe;
    return r;
  }
  return p.wait(options.timeout);
}

std::string describe(const std::vector<std::string>& args, const ProcResult& r) {
  std::string cmd = "torvyn";
  for (const auto& a : args) cmd += " " + a;
  std::string how = r.signal ? "signal " + std::to_string(r.signal) : "exit " + std::to_string(r.exit_code);
  return cmd + "\n  " + how + "\n  stdout:\n" + r.out + "\n  stderr:\n" + r.err;
}

TempDir::TempDir(const std::string& prefix) {
  std::string tmpl = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr, "(kept %s)\n", path_.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace torvyn::test

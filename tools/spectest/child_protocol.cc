#include "child_protocol.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <sstream>

extern char** environ;

namespace torvyn::spectest {

namespace {

// Unbuffered on purpose: stdio buffers would be lost if the child crashes.
void write_all(const std::string& s) {
  const char* p = s.data();
  size_t left = s.size();
  while (left > 0) {
    ssize_t n = ::write(STDOUT_FILENO, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // the parent went away; nothing useful left to do with the output
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

std::string counts_str(const FileResult& r) {
  return std::to_string(r.passed) + " " + std::to_string(r.failed) + " " + std::to_string(r.skipped);
}

std::string describe_status(int status, bool timed_out, std::chrono::seconds limit) {
  if (timed_out) return "did not finish within " + std::to_string(limit.count()) + " s and was killed";
  if (WIFSIGNALED(status))
    return "crashed with signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status)) + " without a result";
  return "ended abnormally";
}

}  // namespace

void child_report_progress(int line, FileResult& so_far) {
  std::string out = std::move(so_far.log);
  so_far.log.clear();
  out += "@@at " + std::to_string(line) + " " + counts_str(so_far) + "\n";
  write_all(out);
}

void child_report_done(FileResult& result) {
  std::string out = std::move(result.log);
  result.log.clear();
  for (const auto& [reason, n] : result.skip_reasons) out += "@@skip " + std::to_string(n) + " " + reason + "\n";
  out += "@@done " + counts_str(result) + "\n";
  write_all(out);
}

FileResult run_child(const std::vector<std::string>& argv, const std::string& display, std::chrono::seconds limit) {
  FileResult res;
  auto setup_error = [&](const std::string& what) {
    ++res.failed;
    res.log += display + ": cannot run the child process: " + what + "\n";
    return res;
  };

  // O_CLOEXEC: with --jobs, children spawned concurrently must not inherit each other's pipes, or a
  // pipe would not reach EOF until an unrelated child exits.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return setup_error(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return setup_error(std::string("posix_spawn: ") + std::strerror(rc));
  }

  // Read until EOF; kill the child if it outlives the limit.
  std::string out;
  bool timed_out = false;
  auto deadline = std::chrono::steady_clock::now() + limit;
  char buf[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    ssize_t got = read(fds[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    out.append(buf, static_cast<size_t>(got));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  // Rebuild the result from the records; everything else is the file's log.
  bool done = false;
  long last_line = -1;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    unsigned long long p = 0, f = 0, s = 0, n = 0;
    long at = 0;
    int reason_at = 0;
    if (std::sscanf(line.c_str(), "@@at %ld %llu %llu %llu", &at, &p, &f, &s) == 4) {
      last_line = at;
      res.passed = p, res.failed = f, res.skipped = s;
    } else if (std::sscanf(line.c_str(), "@@skip %llu %n", &n, &reason_at) == 1 && reason_at > 0) {
      res.skip_reasons[line.substr(static_cast<size_t>(reason_at))] += n;
    } else if (std::sscanf(line.c_str(), "@@done %llu %llu %llu", &p, &f, &s) == 3) {
      done = true;
      res.passed = p, res.failed = f, res.skipped = s;
    } else {
      res.log += line + "\n";
    }
  }
  if (done && !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0) return res;

  ++res.failed;
  std::string where = last_line >= 0 ? display + ":" + std::to_string(last_line) : display;
  res.log += where + ": " + describe_status(status, timed_out, limit) + "; the rest of the file was not run\n";
  return res;
}

}  // namespace torvyn::spectest

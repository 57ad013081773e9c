#include "wast2json.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace torvyn::spectest {

namespace fs = std::filesystem;

Result<ScratchDir> ScratchDir::create(const fs::path& root) {
  std::error_code ec;
  fs::path base = root.empty() ? fs::temp_directory_path(ec) : root;
  if (ec) base = "/tmp";
  std::string tmpl = (base / "torvyn-spectest-XXXXXX").string();
  if (!mkdtemp(tmpl.data()))
    return Error(ErrorCode::IoError, "cannot create a temporary directory in " + base.string() + ": " +
                                         std::strerror(errno));
  return ScratchDir(fs::path(tmpl));
}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  std::error_code ec;  // best effort: a leftover temp dir must not turn into a failure
  fs::remove_all(path_, ec);
}

namespace {

std::string read_head(const fs::path& p, size_t max_bytes) {
  std::ifstream in(p, std::ios::binary);
  std::string s(max_bytes, '\0');
  in.read(s.data(), static_cast<std::streamsize>(max_bytes));
  s.resize(static_cast<size_t>(in.gcount()));
  return s;
}

}  // namespace

Result<nlohmann::json> wast_to_json(const fs::path& wast, const fs::path& out_dir) {
  fs::path json_path = out_dir / "script.json";
  fs::path log_path = out_dir / "wast2json.log";
  std::string wast_s = wast.string(), json_s = json_path.string(), log_s = log_path.string();
  std::vector<char*> argv = {const_cast<char*>("wast2json"), wast_s.data(), const_cast<char*>("-o"),
                             json_s.data(), nullptr};

  // Its diagnostics go to a file so that a script wabt rejects is reported with the reason,
  // in this file's output, instead of interleaving with the runner's stdout.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_s.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, "wast2json", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    return Error(ErrorCode::EnvironmentError,
                 std::string("cannot run wast2json (install the wabt package): ") + std::strerror(rc));

  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Error(ErrorCode::Internal, std::string("waitpid: ") + std::strerror(errno));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Error(ErrorCode::IoError, "wast2json failed on " + wast_s + ": " + read_head(log_path, 2000));

  std::ifstream in(json_path);
  if (!in) return Error(ErrorCode::IoError, "wast2json wrote no " + json_s);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    return Error(ErrorCode::IoError, "cannot parse " + json_s + ": " + e.what());
  }
}

}  // namespace torvyn::spectest

#include "compile_cache.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "glue_abi.h"

extern char** environ;

namespace torvyn::wasm::aot {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCacheFormat = "torvyn-aot-4";

struct RunResult {
  bool timed_out = false;
  int status = -1;  // exit status, or -1 when it could not run / was killed
  std::string output;
};

// Runs argv with stdout+stderr to `log`, in its own process group (the compiler driver spawns
// children; a timeout kills them all).
RunResult run_process(const std::vector<std::string>& argv, const std::string& log, std::chrono::seconds timeout) {
  RunResult rr;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  int err = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (err != 0) {
    rr.output = std::string("cannot run ") + argv[0] + ": " + std::strerror(err);
    return rr;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  auto sleep = std::chrono::milliseconds(1);
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      rr.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(sleep);
    if (sleep < std::chrono::milliseconds(20)) sleep *= 2;
  }
  if (!rr.timed_out && WIFEXITED(status)) rr.status = WEXITSTATUS(status);
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  rr.output = ss.str();
  return rr;
}

std::string default_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/torvyn/aot";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/torvyn/aot";
  return "/tmp/torvyn-aot-cache";
}

bool write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

std::string tail(const std::string& s, size_t max) { return s.size() <= max ? s : "..." + s.substr(s.size() - max); }

}  // namespace

std::string sha256_hex(std::span<const uint8_t> data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

Result<CompileCache> CompileCache::open(const Options& options) {
  CompileCache c;
  c.dir_ = options.dir.empty() ? default_cache_dir() : options.dir;
  c.cc_ = options.cc;
  c.timeout_ = options.timeout;
  c.flags_ = {"-shared", "-fPIC", options.opt_level,
              // what wasm2c documents for correct float and call semantics
              "-fno-optimize-sibling-calls", "-frounding-math", "-fsignaling-nans",
              // big guest frames must touch the guard page, not jump over it
              "-fstack-clash-protection", "-w"};
  std::error_code ec;
  fs::create_directories(c.dir_, ec);
  if (ec) return Error(ErrorCode::IoError, "cannot create the compilation cache " + c.dir_ + ": " + ec.message());

  // The compiler's identity goes into every key, so an upgraded compiler never reuses old objects.
  // A private log file: several engines (threads or processes) may probe at the same time.
  std::string probe_tmpl = (fs::path(c.dir_) / "cc-version-XXXXXX").string();
  std::vector<char> probe_buf(probe_tmpl.begin(), probe_tmpl.end());
  probe_buf.push_back('\0');
  int probe_fd = mkstemp(probe_buf.data());
  if (probe_fd < 0) return Error(ErrorCode::IoError, "cannot create a file in the compilation cache " + c.dir_);
  close(probe_fd);
  fs::path probe_log(probe_buf.data());
  RunResult rr = run_process({c.cc_, "--version"}, probe_log.string(), std::chrono::seconds(30));
  fs::remove(probe_log, ec);
  if (rr.status != 0)
    return Error(ErrorCode::EnvironmentError, "the aot engine needs a C compiler, but `" + c.cc_ + " --version` failed: " + tail(rr.output, 400) +
                                                  " (install gcc, or use engine = \"interp\")");
  c.cc_identity_ = rr.output.substr(0, rr.output.find('\n'));
  return c;
}

std::string CompileCache::key_for(std::span<const uint8_t> module_bytes, bool metered) const {
  std::string salt = std::string(kCacheFormat) + (metered ? " metered" : " unmetered") + "\n" + std::to_string(TORVYN_GLUE_ABI_VERSION) + "\n" + cc_identity_ + "\n";
  for (const auto& f : flags_) salt += f + " ";
  salt += "\n";
  std::vector<uint8_t> buf(salt.begin(), salt.end());
  buf.insert(buf.end(), module_bytes.begin(), module_bytes.end());
  return sha256_hex(buf);
}

std::string CompileCache::path_for(const std::string& key) const {
  return (fs::path(dir_) / key.substr(0, 2) / (key + ".so")).string();
}

Result<std::string> CompileCache::get_or_compile(const std::string& key, const std::function<Result<Translation>()>& translate) const {
  std::string final_path = path_for(key);
  std::error_code ec;
  if (fs::exists(final_path, ec)) return final_path;

  auto tr = translate();
  if (!tr) return tr.take_error();

  fs::create_directories(fs::path(final_path).parent_path(), ec);
  std::string tmpl = (fs::path(dir_) / "tmp-XXXXXX").string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) return Error(ErrorCode::IoError, "cannot create a temporary directory in " + dir_);
  fs::path work(buf.data());
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(p, e);
    }
  } cleanup{work};

  if (!write_file(work / "module.c", tr->module_c) || !write_file(work / "module.h", tr->module_h) ||
      !write_file(work / "glue.c", tr->glue_c))
    return Error(ErrorCode::IoError, "cannot write generated C to " + work.string());

  std::vector<std::string> argv{cc_};
  argv.insert(argv.end(), flags_.begin(), flags_.end());
  argv.insert(argv.end(), {"-I", work.string(), "-o", (work / "module.so").string(), (work / "module.c").string(), (work / "glue.c").string()});
  RunResult rr = run_process(argv, (work / "cc.log").string(), timeout_);
  if (rr.timed_out)
    return Error(ErrorCode::WasmCompileFailed, "compiling the module took longer than " + std::to_string(timeout_.count()) + " s and was stopped");
  if (rr.status != 0) return Error(ErrorCode::WasmCompileFailed, "the C compiler failed: " + tail(rr.output, 2000));

  // Atomic publish: a concurrent process compiling the same key renames an identical file.
  fs::rename(work / "module.so", final_path, ec);
  if (ec) return Error(ErrorCode::IoError, "cannot store the compiled module in " + final_path + ": " + ec.message());
  return final_path;
}

}  // namespace torvyn::wasm::aot

#include "compile_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "glue_abi.h"
#include "split_units.h"
#include "torvyn/base/find_program.h"
#include "torvyn/base/private_dir.h"
#include "torvyn/base/sha256.h"

extern char** environ;

namespace torvyn::wasm::aot {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCacheFormat = "torvyn-aot-9";  // 6: split into units; 7: state exports (tiering); 8: fuel charges read the counter once; 9: memory bases read once per function
constexpr const char* kObjectName = "module.so";
constexpr const char* kDigestName = "module.sha256";
constexpr const char* kDescriptionName = "module.desc";
constexpr uint64_t kMaxDescriptionBytes = 64ull << 20;
constexpr uint64_t kMaxObjectBytes = 1ull << 30;  // a cached object larger than this is not trusted

std::string errno_text(int e) { return std::strerror(e); }

std::string octal_mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

void warn(ErrorCode code, const std::string& message) {
  std::string line = "warning[" + std::string(error_code_id(code)) + "]: " + message + "\n";
  (void)!::write(2, line.data(), line.size());
}

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

// ---- running the compiler --------------------------------------------------------------------

Error cancelled() { return Error(ErrorCode::WasmCompileLimit, "the compile was stopped before it finished (its run ended first)"); }

struct RunLimits {
  uint64_t address_space = 0;  // RLIMIT_AS; 0 = none
  uint64_t cpu_seconds = 0;    // RLIMIT_CPU; 0 = none
  const std::atomic<bool>* cancel = nullptr;  // reads true: kill it (CompileCache::Options::cancel)
};

struct RunResult {
  bool timed_out = false;
  bool cancelled = false;
  int status = -1;  // exit status, or -1 when it could not run / was killed
  int signal = 0;   // the signal that killed it, if one did
  std::string output;
};


// Runs argv with stdout+stderr to `log` and the working directory `cwd` (if not empty), in its own
// process group (the compiler driver spawns children; a timeout kills them all), killed if this
// thread's process dies, with `limits` applied to it alone.
RunResult run_process(const std::vector<std::string>& argv, const std::string& log, const std::string& cwd, std::chrono::seconds timeout,
                      RunLimits limits = {}) {
  RunResult rr;
  std::string program = find_program(argv[0]);
  if (program.empty()) {
    rr.output = "cannot run " + argv[0] + ": not found";
    return rr;
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::string exec_failed = "cannot run " + argv[0];
  const pid_t parent = ::getpid();

  // Between fork and exec only async-signal-safe calls: everything is prepared above.
  pid_t pid = ::fork();
  if (pid < 0) {
    rr.output = "cannot run " + argv[0] + ": fork: " + errno_text(errno);
    return rr;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || in < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) ::_exit(127);
    ::close_range(3, ~0u, 0);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(127);
    if (limits.address_space) {
      struct rlimit rl{static_cast<rlim_t>(limits.address_space), static_cast<rlim_t>(limits.address_space)};
      ::setrlimit(RLIMIT_AS, &rl);
    }
    if (limits.cpu_seconds) {
      struct rlimit rl{static_cast<rlim_t>(limits.cpu_seconds), static_cast<rlim_t>(limits.cpu_seconds + 5)};
      ::setrlimit(RLIMIT_CPU, &rl);
    }
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::signal(SIGXCPU, SIG_DFL);
    ::execve(program.c_str(), args.data(), environ);
    const char* why = errno == ENOMEM ? ": Cannot allocate memory\n" : ": exec failed\n";
    (void)!::write(2, exec_failed.data(), exec_failed.size());
    (void)!::write(2, why, std::strlen(why));
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so the group exists before any kill(-pid) below

  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  auto sleep = std::chrono::milliseconds(1);
  // Wait without reaping: while the driver is an unreaped zombie its pid (= the group id) cannot be
  // reused, so killing the group below reaches only what the driver left behind.
  for (;;) {
    siginfo_t info{};
    int r = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if (r == 0 && info.si_pid == pid) break;
    if (r < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      rr.timed_out = true;
      break;
    }
    if (limits.cancel && limits.cancel->load(std::memory_order_relaxed)) {
      rr.cancelled = true;
      break;
    }
    std::this_thread::sleep_for(sleep);
    if (sleep < std::chrono::milliseconds(20)) sleep *= 2;
  }
  ::kill(-pid, SIGKILL);  // on a timeout the whole compile; else whatever the driver left running
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (rr.cancelled) return rr;
  if (!rr.timed_out && WIFEXITED(status)) rr.status = WEXITSTATUS(status);
  if (!rr.timed_out && WIFSIGNALED(status)) rr.signal = WTERMSIG(status);
  // The log is ours (0600 in our directory); read at most its last 64 KiB.
  std::ifstream in(log, std::ios::binary);
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size > 0) {
    std::streamoff from = std::max<std::streamoff>(0, size - 65536);
    in.seekg(from);
    rr.output.resize(static_cast<size_t>(size - from));
    in.read(rr.output.data(), static_cast<std::streamsize>(rr.output.size()));
    rr.output.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
  }
  return rr;
}

// Whether a failed compile ran into its limits rather than into a compiler error.
bool hit_limit(const RunResult& rr) {
  if (rr.timed_out || rr.signal == SIGXCPU || rr.signal == SIGKILL || rr.signal == SIGSEGV) return true;
  for (const char* s : {"out of memory", "Cannot allocate memory", "memory exhausted", "failed to map segment", "signal terminated program",
                        "CPU time limit", "std::bad_alloc"})
    if (rr.output.find(s) != std::string::npos) return true;
  return false;
}

std::string default_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/torvyn/aot";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/torvyn/aot";
  return "/tmp/torvyn-aot-cache";
}

bool write_file(const fs::path& p, const std::string& text) {
  Fd fd(::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.fd < 0) return false;
  const char* d = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd.fd, d, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    d += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}

std::string tail(const std::string& s, size_t max) { return s.size() <= max ? s : "..." + s.substr(s.size() - max); }

// ---- digests ---------------------------------------------------------------------------------

std::string digest_record(const std::string& digest, const std::string& key) { return "sha256 " + digest + "\nkey " + key + "\n"; }

// module.desc: the digest record of the text (its SHA-256 and the key), then the text.
std::string description_record(const std::string& text, const std::string& key) {
  return digest_record(sha256_hex(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())), key) + text;
}

// Whether `st` is something only we can have written.
std::string ownership_problem(const struct stat& st) {
  if (st.st_uid != ::geteuid())
    return "is owned by uid " + std::to_string(st.st_uid) + ", not by this user (uid " + std::to_string(::geteuid()) + ")";
  if (st.st_mode & (S_IWGRP | S_IWOTH)) return "is writable by other users (mode " + octal_mode(st.st_mode) + ")";
  return "";
}

enum class EntryState { Ok, Missing, Rejected };
struct EntryCheck {
  EntryState state = EntryState::Missing;
  std::string reason;
  Fd object;
};

EntryCheck rejected(std::string why) {
  EntryCheck c;
  c.state = EntryState::Rejected;
  c.reason = std::move(why);
  return c;
}

// Opens the entry directory `entry` through its shard, following a symbolic link at neither level.
// On failure: -1 with errno set, and `shard_failed` saying which level failed.
Fd open_entry_dir(const fs::path& entry, bool& shard_failed) {
  Fd shard(::open(entry.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  shard_failed = shard.fd < 0;
  if (shard_failed) return Fd(-1);
  Fd dir(::openat(shard.fd, entry.filename().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  const int e = errno;
  shard = Fd();  // closed here, so that its close cannot touch errno after this
  errno = e;
  return dir;
}

// Opens and checks the entry in directory `entry`: both files reached without following symbolic
// links, ours and not writable by others, the object's SHA-256 and the key as recorded.
EntryCheck check_entry(const fs::path& entry, const std::string& key) {
  bool shard_failed = false;
  Fd dir = open_entry_dir(entry, shard_failed);
  if (dir.fd < 0) {
    if (errno == ENOENT) return {};
    return rejected(shard_failed ? "cannot open " + entry.parent_path().string() + ": " + errno_text(errno) : "cannot open it: " + errno_text(errno));
  }
  struct stat st{};
  if (::fstat(dir.fd, &st) != 0) return rejected("cannot stat it: " + errno_text(errno));
  if (auto p = ownership_problem(st); !p.empty()) return rejected("it " + p);

  Fd record(::openat(dir.fd, kDigestName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (record.fd < 0) return rejected(std::string("its digest record ") + kDigestName + " cannot be opened: " + errno_text(errno));
  if (::fstat(record.fd, &st) != 0 || !S_ISREG(st.st_mode)) return rejected("its digest record is not a regular file");
  char text[512];
  ssize_t n = ::pread(record.fd, text, sizeof text, 0);
  if (n < 0) return rejected("its digest record cannot be read: " + errno_text(errno));
  std::string recorded(text, static_cast<size_t>(n));

  Fd object(::openat(dir.fd, kObjectName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (object.fd < 0) return rejected(std::string(kObjectName) + " cannot be opened: " + errno_text(errno));
  if (::fstat(object.fd, &st) != 0 || !S_ISREG(st.st_mode)) return rejected(std::string(kObjectName) + " is not a regular file");
  if (auto p = ownership_problem(st); !p.empty()) return rejected(std::string(kObjectName) + " " + p);
  if (static_cast<uint64_t>(st.st_size) > kMaxObjectBytes) return rejected(std::string(kObjectName) + " is implausibly large");
  std::string digest = sha256_hex_of_fd(object.fd);
  if (digest.empty()) return rejected(std::string(kObjectName) + " cannot be read: " + errno_text(errno));
  if (recorded != digest_record(digest, key))
    return rejected(std::string(kObjectName) + " does not match the digest recorded when it was compiled (truncated, replaced or corrupted)");
  EntryCheck ok;
  ok.state = EntryState::Ok;
  ok.object = std::move(object);
  return ok;
}

// ---- orphans ---------------------------------------------------------------------------------

// The inode of our pid namespace: pids recorded in names are only comparable within one.
std::string pid_namespace() {
  char buf[64];
  ssize_t n = ::readlink("/proc/self/ns/pid", buf, sizeof buf - 1);
  if (n <= 0) return "0";
  std::string s(buf, static_cast<size_t>(n));
  std::string digits;
  for (char c : s)
    if (c >= '0' && c <= '9') digits += c;
  return digits.empty() ? "0" : digits;
}

bool process_alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

// Kills our processes whose working directory is `dir` (compilers orphaned by a killed Torvyn run
// there; their driver died with it, but cc1/as/ld do not).
void kill_processes_in(const fs::path& dir) {
  std::error_code ec;
  fs::path target = fs::canonical(dir, ec);
  if (ec) return;
  DIR* proc = ::opendir("/proc");
  if (!proc) return;
  while (dirent* d = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(d->d_name, &end, 10);
    if (pid <= 0 || *end != '\0' || pid == ::getpid()) continue;
    char buf[4096];
    std::string link = std::string("/proc/") + d->d_name + "/cwd";
    ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
    if (n <= 0) continue;
    std::string cwd(buf, static_cast<size_t>(n));
    if (cwd == target.string() || cwd.rfind(target.string() + "/", 0) == 0) ::kill(static_cast<pid_t>(pid), SIGKILL);
  }
  ::closedir(proc);
}

// Removes work directories and probe logs left behind by processes that died mid-compile:
// tmp-<pidns>-<pid>-XXXXXX whose pid (in our namespace) is gone; anything older than a day; names
// from older versions (no pid) after an hour.
void clean_orphans(const fs::path& dir) {
  const std::string ns = pid_namespace();
  const auto now = fs::file_time_type::clock::now();
  std::error_code ec;
  std::vector<fs::path> doomed;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    bool tmp = name.rfind("tmp-", 0) == 0, probe = name.rfind("cc-version-", 0) == 0;
    if (!tmp && !probe) continue;
    std::error_code e2;
    auto mtime = fs::symlink_status(it->path(), e2).type() == fs::file_type::symlink ? now - std::chrono::hours(48)
                                                                                       : fs::last_write_time(it->path(), e2);
    if (e2) continue;
    auto age = now - mtime;
    bool orphan = age > std::chrono::hours(24);
    if (!orphan) {
      // tmp-<ns>-<pid>-XXXXXX / cc-version-<ns>-<pid>-XXXXXX
      std::string rest = name.substr(tmp ? 4 : 11);
      size_t a = rest.find('-'), b = a == std::string::npos ? a : rest.find('-', a + 1);
      if (b == std::string::npos) {
        orphan = age > std::chrono::hours(1);
      } else if (rest.substr(0, a) == ns) {
        char* endp = nullptr;
        std::string pid_text = rest.substr(a + 1, b - a - 1);
        long pid = std::strtol(pid_text.c_str(), &endp, 10);
        orphan = !pid_text.empty() && *endp == '\0' && !process_alive(static_cast<pid_t>(pid));
      }
    }
    if (orphan) doomed.push_back(it->path());
  }
  for (const auto& p : doomed) {
    if (fs::is_directory(fs::symlink_status(p, ec))) kill_processes_in(p);
    fs::remove_all(p, ec);
  }
}

// A fresh private directory <dir>/<prefix><pidns>-<pid>-XXXXXX (mode 0700).
Result<fs::path> make_work_dir(const std::string& dir, const char* prefix) {
  std::string tmpl = (fs::path(dir) / (std::string(prefix) + pid_namespace() + "-" + std::to_string(::getpid()) + "-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) return Error(ErrorCode::IoError, "cannot create a temporary directory in " + dir + ": " + errno_text(errno));
  return fs::path(buf.data());
}

std::atomic<uint64_t> g_load_counter{0};

}  // namespace

// ---- CompiledObject --------------------------------------------------------------------------

CompiledObject& CompiledObject::operator=(CompiledObject&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    path_ = std::move(o.path_);
  }
  return *this;
}

CompiledObject::~CompiledObject() {
  if (fd_ >= 0) ::close(fd_);
}

std::string CompiledObject::loadable_path() const {
  // Each call gets a distinct spelling of the same path: the bits of a counter as "/" or "./" steps.
  std::string p = "/proc/self/fd/";
  for (uint64_t n = g_load_counter.fetch_add(1, std::memory_order_relaxed); n != 0; n >>= 1) p += (n & 1) ? "./" : "/";
  return p + std::to_string(fd_);
}

// ---- directories -----------------------------------------------------------------------------

unsigned default_compile_jobs(uint64_t memory_limit_each) {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0 || memory_limit_each == 0) return cores;
  uint64_t budget = static_cast<uint64_t>(pages) / 4 * 3 * static_cast<uint64_t>(page);
  return static_cast<unsigned>(std::clamp<uint64_t>(budget / memory_limit_each, 1, cores));
}

uint64_t default_compile_memory_limit() {
  constexpr uint64_t kDefault = 4ull << 30, kFloor = 512ull << 20;
  long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return kDefault;
  uint64_t three_quarters = static_cast<uint64_t>(pages) / 4 * 3 * static_cast<uint64_t>(page);
  return std::max(kFloor, std::min(kDefault, three_quarters));
}

static Status check_cache_directory(const std::string& dir) {
  const std::string what = "compilation cache directory";
  if (Status s = ensure_private_dir(dir, DirTrust::NotWritableByOthers, what); !s) {
    Error e = s.take_error();
    if (e.code == ErrorCode::UnsafeDirectory) e.message += "; or set compilation_cache_dir to a directory only you can write";
    return e;
  }
  // Whoever can rename entries of a parent can swap the directory: every parent must belong to root
  // or to us, and be writable by all users only when sticky (like /tmp).
  std::error_code ec;
  fs::path abs = fs::absolute(fs::path(dir).lexically_normal(), ec);
  if (ec) return {};
  if (!abs.has_filename()) abs = abs.parent_path();
  for (fs::path p = abs.parent_path();; p = p.parent_path()) {
    struct stat ps{};
    if (::stat(p.c_str(), &ps) == 0) {
      std::string problem;
      if (ps.st_uid != 0 && ps.st_uid != ::geteuid()) problem = "belongs to another user (uid " + std::to_string(ps.st_uid) + ")";
      else if ((ps.st_mode & S_IWOTH) && !(ps.st_mode & S_ISVTX)) problem = "is writable by all users (mode " + octal_mode(ps.st_mode) + ")";
      if (!problem.empty())
        return Error(ErrorCode::UnsafeDirectory, "the " + what + " " + dir + " is inside " + p.string() + ", which " + problem +
                                                     ", so another user could replace it; set compilation_cache_dir to a directory only you can write");
    }
    if (p == p.parent_path()) break;
  }
  return {};
}

// ---- the cache -------------------------------------------------------------------------------

Result<CompileCache> CompileCache::open(const Options& options) {
  CompileCache c;
  c.dir_ = options.dir.empty() ? default_cache_dir() : options.dir;
  c.timeout_ = options.timeout;
  c.memory_limit_ = options.memory_limit ? options.memory_limit : default_compile_memory_limit();
  c.opt_level_ = options.opt_level;
  c.unit_bytes_ = options.unit_bytes;
  c.max_units_ = std::max<size_t>(1, options.max_units);
  c.huge_function_bytes_ = options.huge_function_bytes;
  c.jobs_ = options.jobs ? options.jobs : default_compile_jobs(c.memory_limit_);
  c.cancel_ = options.cancel;
  c.flags_ = {"-shared", "-fPIC", options.opt_level,
              // what wasm2c documents for correct float and call semantics
              "-fno-optimize-sibling-calls", "-frounding-math", "-fsignaling-nans",
              // big guest frames must touch the guard page, not jump over it
              "-fstack-clash-protection", "-w"};
#if TORVYN_AOT_GUEST_DEBUG
  // A profiling build (cmake -DTORVYN_AOT_GUEST_DEBUG=ON): guest code with line tables, and its C
  // kept beside the object, so callgrind can say which generated lines a guest's cost is on
  // (bench/guest_costs.py). Part of every key, like every flag.
  c.flags_.push_back("-g");
#endif
  if (auto st = check_cache_directory(c.dir_); !st) return st.take_error();
  clean_orphans(c.dir_);

  c.cc_ = find_program(options.cc);
  if (c.cc_.empty())
    return Error(ErrorCode::EnvironmentError, "the aot engine needs a C compiler, but `" + options.cc + "` was not found (install gcc, or use engine = \"interp\")");

  // The compiler's identity goes into every key, so an upgraded compiler never reuses old objects.
  // A private log file: several engines (threads or processes) may probe at the same time.
  std::string probe_tmpl = (fs::path(c.dir_) / ("cc-version-" + pid_namespace() + "-" + std::to_string(::getpid()) + "-XXXXXX")).string();
  std::vector<char> probe_buf(probe_tmpl.begin(), probe_tmpl.end());
  probe_buf.push_back('\0');
  int probe_fd = ::mkstemp(probe_buf.data());
  if (probe_fd < 0) return Error(ErrorCode::IoError, "cannot create a file in the compilation cache " + c.dir_);
  ::close(probe_fd);
  fs::path probe_log(probe_buf.data());
  RunResult rr = run_process({c.cc_, "--version"}, probe_log.string(), "", std::chrono::seconds(30));
  std::error_code ec;
  fs::remove(probe_log, ec);
  if (rr.status != 0)
    return Error(ErrorCode::EnvironmentError, "the aot engine needs a C compiler, but `" + options.cc + " --version` failed: " + tail(rr.output, 400) +
                                                  " (install gcc, or use engine = \"interp\")");
  c.cc_identity_ = rr.output.substr(0, rr.output.find('\n'));
  return c;
}

std::string CompileCache::key_for(std::span<const uint8_t> module_bytes, bool metered) const {
  std::string salt = std::string(kCacheFormat) + (metered ? " metered" : " unmetered") + "\n" + std::to_string(TORVYN_GLUE_ABI_VERSION) + "\n" + cc_identity_ + "\n";
  for (const auto& f : flags_) salt += f + " ";
  // How the module is split decides which units get -O1: part of what was compiled.
  salt += "\nunits " + std::to_string(unit_bytes_) + " " + std::to_string(max_units_) + " " + std::to_string(huge_function_bytes_) + "\n";
  std::vector<uint8_t> buf(salt.begin(), salt.end());
  buf.insert(buf.end(), module_bytes.begin(), module_bytes.end());
  return sha256_hex(buf);
}

bool CompileCache::has_entry(const std::string& key) const {
  struct stat st{};
  return ::lstat((fs::path(entry_dir(key)) / kObjectName).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string CompileCache::entry_dir(const std::string& key) const { return (fs::path(dir_) / key.substr(0, 2) / key).string(); }

Status CompileCache::run_jobs(const std::filesystem::path& work, const std::vector<CompileJob>& jobs, const UnitObserver& on_unit) const {
  // A bounded pool: at most jobs_ compiler processes at once, each under its own limits. The first
  // failure stops the pool from starting more; the ones running finish (they are bounded too).
  // Progress is told on the calling thread (the one Engine::load runs on), which only waits.
  std::mutex mu;
  std::condition_variable changed;
  size_t next = 0, done = 0, finished_workers = 0;
  std::optional<Error> failure;
  RunLimits limits{memory_limit_, static_cast<uint64_t>(std::max<int64_t>(1, timeout_.count())), cancel_.get()};
  const std::string interp_hint = "; run this component with engine = \"interp\", which does not compile it";
  auto worker = [&]() noexcept {
    for (;;) {
      size_t j;
      {
        std::lock_guard lock(mu);
        if (failure || next == jobs.size()) return;
        j = next++;
      }
      const CompileJob& job = jobs[j];
      const std::string log = (work / ("cc-" + std::to_string(j) + ".log")).string();
      RunResult rr = run_process(job.argv, log, work.string(), timeout_, limits);
      std::optional<Error> e;
      if (rr.cancelled) {
        e = cancelled();
      } else if (rr.timed_out) {
        e = Error(ErrorCode::WasmCompileLimit, "compiling " + job.what + " took longer than " + std::to_string(timeout_.count()) + " s and was stopped" + interp_hint);
      } else if (rr.status != 0) {
        if (hit_limit(rr))
          e = Error(ErrorCode::WasmCompileLimit, "compiling " + job.what + " exceeded the compiler's limits (" + std::to_string(memory_limit_ >> 20) +
                                                     " MiB of memory, " + std::to_string(timeout_.count()) + " s of CPU time)" + interp_hint + " [" +
                                                     tail(rr.output, 300) + "]");
        else
          e = Error(ErrorCode::WasmCompileFailed, "the C compiler failed on " + job.what + ": " + tail(rr.output, 2000));
      }
      std::lock_guard lock(mu);
      if (e && !failure) failure = std::move(e);
      if (!e) ++done;
      changed.notify_all();
    }
  };
  size_t n = std::min<size_t>(jobs_, jobs.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i)
    threads.emplace_back([&] {
      worker();
      std::lock_guard lock(mu);
      ++finished_workers;
      changed.notify_all();
    });
  {
    std::unique_lock lock(mu);
    size_t told = 0;
    while (finished_workers < n) {
      changed.wait(lock);
      if (done != told && on_unit) {
        told = done;
        lock.unlock();
        try {
          on_unit(told, jobs.size());
        } catch (...) {  // progress is best effort
        }
        lock.lock();
      }
    }
  }
  for (auto& t : threads) t.join();
  if (failure) return std::move(*failure);
  return {};
}

std::string CompileCache::description(const std::string& key) const {
  bool shard_failed = false;
  Fd dir = open_entry_dir(entry_dir(key), shard_failed);
  if (dir.fd < 0) return {};
  struct stat st{};
  if (::fstat(dir.fd, &st) != 0 || !ownership_problem(st).empty()) return {};
  Fd file(::openat(dir.fd, kDescriptionName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (file.fd < 0) return {};
  if (::fstat(file.fd, &st) != 0 || !S_ISREG(st.st_mode) || !ownership_problem(st).empty()) return {};
  if (static_cast<uint64_t>(st.st_size) > kMaxDescriptionBytes) return {};
  std::string record(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < record.size()) {
    ssize_t n = ::pread(file.fd, record.data() + got, record.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return {};
    got += static_cast<size_t>(n);
  }
  // "sha256 <hex>\nkey <key>\n" then the text.
  size_t first = record.find('\n');
  size_t second = first == std::string::npos ? first : record.find('\n', first + 1);
  if (second == std::string::npos) return {};
  std::string text = record.substr(second + 1);
  if (record.compare(0, second + 1, digest_record(sha256_hex(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())), key)) != 0)
    return {};
  return text;
}

void CompileCache::store_description(const std::string& key, const std::string& text) const {
  const fs::path entry = entry_dir(key);
  struct stat st{};
  if (::lstat(entry.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || !ownership_problem(st).empty()) return;
  const fs::path tmp = entry / ("desc-" + pid_namespace() + "-" + std::to_string(::getpid()) + ".tmp");
  std::error_code ec;
  if (!write_file(tmp, description_record(text, key))) {
    fs::remove(tmp, ec);
    return;
  }
  if (::rename(tmp.c_str(), (entry / kDescriptionName).c_str()) != 0) fs::remove(tmp, ec);
}

Result<CompiledObject> CompileCache::get_or_compile(const std::string& key, const std::function<Result<Translation>()>& translate,
                                                    const std::string& module_name, const UnitObserver& on_unit) const {
  const fs::path entry = entry_dir(key);
  const fs::path object_path = entry / kObjectName;
  std::error_code ec;
  {
    EntryCheck found = check_entry(entry, key);
    if (found.state == EntryState::Ok) return CompiledObject(found.object.release(), object_path.string());
    if (found.state == EntryState::Rejected) {
      warn(ErrorCode::WasmCacheEntryRejected, (module_name.empty() ? std::string() : module_name + ": ") + "the cached compiled module " +
                                                  entry.string() + " was not loaded: " + found.reason + "; compiling it again");
      fs::remove_all(entry, ec);  // removes a symbolic link itself, never its target
    }
  }

  if (cancel_ && cancel_->load()) return cancelled();
  auto tr = translate();
  if (!tr) return tr.take_error();
  if (cancel_ && cancel_->load()) return cancelled();

  const fs::path shard = entry.parent_path();
  if (::mkdir(shard.c_str(), 0700) != 0 && errno != EEXIST)
    return Error(ErrorCode::IoError, "cannot create " + shard.string() + ": " + errno_text(errno));
  auto made = make_work_dir(dir_, "tmp-");
  if (!made) return made.take_error();
  const fs::path work = *made;
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(p, e);
    }
  } cleanup{work};

  SplitCode split = split_units(tr->module_c, unit_bytes_, max_units_);
  tr->module_c.clear();
  tr->module_c.shrink_to_fit();
  if (!write_file(work / "module.c", split.main) || !write_file(work / "module.h", tr->module_h) || !write_file(work / "glue.c", tr->glue_c))
    return Error(ErrorCode::IoError, "cannot write generated C to " + work.string());
  std::vector<CompileJob> jobs;
  if (split.units.empty()) {
    // One compile and link, as for every small module.
    std::vector<std::string> argv{cc_};
    argv.insert(argv.end(), flags_.begin(), flags_.end());
    argv.insert(argv.end(), {"-I", ".", "-o", kObjectName, "module.c", "glue.c"});
    jobs.push_back({"the module", std::move(argv)});
  } else {
    // Relative names, run inside the work directory: the objects do not depend on where they were built.
    auto unit_argv = [&](const std::string& source, bool huge) {
      std::vector<std::string> argv{cc_, "-c"};
      for (const auto& f : flags_) {
        if (f == "-shared") continue;
        argv.push_back(f == opt_level_ && huge ? "-O1" : f);
      }
      argv.insert(argv.end(), {"-I", ".", "-o", source.substr(0, source.size() - 2) + ".o", source});
      return argv;
    };
    jobs.push_back({"the module's main unit (data, tables, exports)", unit_argv("module.c", false)});
    jobs.push_back({"the glue unit", unit_argv("glue.c", false)});
    size_t first_function = 0;
    for (size_t k = 0; k < split.units.size(); ++k) {
      const CodeUnit& u = split.units[k];
      std::string name = "unit" + std::to_string(k) + ".c";
      if (!write_file(work / name, u.text)) return Error(ErrorCode::IoError, "cannot write generated C to " + work.string());
      bool huge = u.largest_function > huge_function_bytes_;
      jobs.push_back({"unit " + std::to_string(k + 1) + " of " + std::to_string(split.units.size()) + " (functions " +
                          std::to_string(first_function) + "-" + std::to_string(first_function + u.functions - 1) + " in definition order, " +
                          std::to_string(u.text.size() >> 20) + " MiB of C" + (huge ? ", at -O1" : "") + ")",
                      unit_argv(name, huge)});
      first_function += u.functions;
    }
    split.units.clear();
    split.units.shrink_to_fit();
  }
  // Units are news only when there are several (a small module is one compile, said by Started/Finished).
  if (auto st = run_jobs(work, jobs, jobs.size() > 1 ? on_unit : UnitObserver{}); !st) return st.take_error();
  if (jobs.size() > 1) {
    std::vector<std::string> argv{cc_, "-shared", "-o", kObjectName};
    for (const auto& j : jobs) argv.push_back(j.argv[j.argv.size() - 2]);  // the object each wrote
    std::vector<CompileJob> link{{"linking the module", std::move(argv)}};
    if (auto st = run_jobs(work, link, {}); !st) return st.take_error();
  }

  // The entry is the work directory itself, reduced to the object and its digest record, renamed
  // into place in one step.
  // Keep only the object: sources, unit objects and logs go (a profiling build keeps the C).
  for (fs::directory_iterator it(work, ec), end; !ec && it != end; it.increment(ec)) {
    const bool keep = it->path().filename() == kObjectName ||
                      (TORVYN_AOT_GUEST_DEBUG && (it->path().extension() == ".c" || it->path().extension() == ".h"));
    if (!keep) fs::remove(it->path(), ec);
  }
  Fd object(::open((work / kObjectName).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (object.fd < 0) return Error(ErrorCode::WasmCompileFailed, "the C compiler produced no " + std::string(kObjectName) + " in " + work.string());
  std::string digest = sha256_hex_of_fd(object.fd);
  if (digest.empty() || !write_file(work / kDigestName, digest_record(digest, key)))
    return Error(ErrorCode::IoError, "cannot record the digest of the compiled module in " + work.string());
  if (!tr->description.empty() && !write_file(work / kDescriptionName, description_record(tr->description, key)))
    return Error(ErrorCode::IoError, "cannot record the description of the compiled module in " + work.string());
  if (::rename(work.c_str(), entry.c_str()) == 0) {
    cleanup.p.clear();
    return CompiledObject(object.release(), object_path.string());
  }
  int e = errno;
  // A concurrent process published the same key first: ours is just as good, and already open.
  if (e == EEXIST || e == ENOTEMPTY || e == ENOTDIR) return CompiledObject(object.release(), (work / kObjectName).string());
  return Error(ErrorCode::IoError, "cannot store the compiled module in " + entry.string() + ": " + errno_text(e));
}

}  // namespace torvyn::wasm::aot

#include "socket_path.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace torvyn::observability::detail {
namespace {

constexpr size_t kMaxSunPath = sizeof(sockaddr_un::sun_path) - 1;

Error path_error(std::string message) { return Error(ErrorCode::InspectionSocketPath, std::move(message)); }

std::string errno_text(int err) { return std::strerror(err); }

std::string parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// mkdir -p with mode 0700 for every directory it creates.
Status make_dirs(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) return {};
  std::string parent = parent_of(dir);
  if (parent != dir && parent != "." && parent != "/") {
    if (Status s = make_dirs(parent); !s) return s;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return path_error("cannot create directory " + dir + " for the inspection socket: " + errno_text(errno));
  return {};
}

// The directory holding the socket decides who can replace it: it must be ours (or root's) and not
// writable by others, except a sticky directory like /tmp where nobody can remove our file.
Status check_parent(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return path_error("cannot inspect " + dir + ": " + errno_text(errno));
  if (!S_ISDIR(st.st_mode)) return path_error(dir + " is not a directory");
  if (st.st_uid != ::geteuid() && st.st_uid != 0)
    return path_error("the inspection socket's directory " + dir + " belongs to another user (uid " +
                      std::to_string(st.st_uid) + "); use a directory you own (TORVYN_STATE_DIR)");
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
    return path_error("the inspection socket's directory " + dir +
                      " is writable by other users; chmod go-w it or use another directory (TORVYN_STATE_DIR)");
  return {};
}

std::string read_pid(int fd) {
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string s(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "unknown" : s;
}

// Is something accepting connections on the socket file at `path`?
// 1: yes, 0: no (stale), -1: cannot tell (errno set).
int probe(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  int err = errno;
  ::close(fd);
  if (rc == 0) return 1;
  if (err == ECONNREFUSED || err == ENOENT) return 0;
  errno = err;
  return -1;
}

}  // namespace

SocketPathClaim::~SocketPathClaim() { release(); }

SocketPathClaim::SocketPathClaim(SocketPathClaim&& o) noexcept
    : path_(std::move(o.path_)), lock_fd_(std::exchange(o.lock_fd_, -1)), bound_(std::exchange(o.bound_, false)),
      dev_(o.dev_), ino_(o.ino_) {}

SocketPathClaim& SocketPathClaim::operator=(SocketPathClaim&& o) noexcept {
  if (this != &o) {
    release();
    path_ = std::move(o.path_);
    lock_fd_ = std::exchange(o.lock_fd_, -1);
    bound_ = std::exchange(o.bound_, false);
    dev_ = o.dev_;
    ino_ = o.ino_;
  }
  return *this;
}

Result<SocketPathClaim> SocketPathClaim::claim(const std::string& path) {
  if (path.empty()) return path_error("the inspection socket path is empty");
  if (path.size() > kMaxSunPath)
    return path_error("the inspection socket path " + path + " is " + std::to_string(path.size()) +
                      " bytes; Unix sockets allow at most " + std::to_string(kMaxSunPath) +
                      " (set TORVYN_STATE_DIR to a shorter directory)");
  std::string dir = parent_of(path);
  if (Status s = make_dirs(dir); !s) return s.take_error();
  if (Status s = check_parent(dir); !s) return s.take_error();

  SocketPathClaim claim;
  claim.path_ = path;
  std::string lock_path = path + ".lock";
  claim.lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (claim.lock_fd_ < 0) return path_error("cannot open the lock file " + lock_path + ": " + errno_text(errno));
  if (::flock(claim.lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      return Error(ErrorCode::InspectionSocketBusy, "another Torvyn inspection server (pid " + read_pid(claim.lock_fd_) +
                                                        ") is serving " + path);
    return path_error("cannot lock " + lock_path + ": " + errno_text(errno));
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(claim.lock_fd_, 0) != 0 || ::pwrite(claim.lock_fd_, pid.data(), pid.size(), 0) < 0) {
    // The pid is only for the message another server prints; the lock is what counts.
  }

  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return path_error(path + " exists and is not a socket; remove it or choose another socket path");
    int live = probe(path);
    if (live == 1)
      return Error(ErrorCode::InspectionSocketBusy, "a server is already accepting connections on " + path);
    if (live < 0) return path_error("cannot tell whether " + path + " is in use: " + errno_text(errno));
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      return path_error("cannot remove the stale socket " + path + ": " + errno_text(errno));
  } else if (errno != ENOENT) {
    return path_error("cannot inspect " + path + ": " + errno_text(errno));
  }
  return Result<SocketPathClaim>(std::move(claim));
}

Status SocketPathClaim::bind(const std::function<bool(const std::string&)>& bind_at) {
  std::string dir = parent_of(path_);
  std::string tmpl = dir + "/.torvyn-sock-XXXXXX";
  bool staged = tmpl.size() + 2 <= kMaxSunPath;
  std::string tmp_dir;
  if (staged) {
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) return path_error("cannot create a directory in " + dir + ": " + errno_text(errno));
    tmp_dir = buf.data();
  }
  std::string at = staged ? tmp_dir + "/s" : path_;
  auto cleanup = [&] {
    if (staged) {
      ::unlink(at.c_str());
      ::rmdir(tmp_dir.c_str());
    }
  };
  if (!bind_at(at)) {
    int err = errno;
    cleanup();
    if (!staged) ::unlink(path_.c_str());
    return Error(ErrorCode::InspectionListenFailed,
                 "cannot listen on the Unix socket " + path_ + (err ? ": " + errno_text(err) : std::string()));
  }
  if (::chmod(at.c_str(), 0600) != 0) {
    int err = errno;
    cleanup();
    return path_error("cannot chmod the inspection socket " + at + ": " + errno_text(err));
  }
  if (staged && ::rename(at.c_str(), path_.c_str()) != 0) {
    int err = errno;
    cleanup();
    return path_error("cannot move the inspection socket into place at " + path_ + ": " + errno_text(err));
  }
  if (staged) ::rmdir(tmp_dir.c_str());
  struct stat st;
  if (::lstat(path_.c_str(), &st) != 0) return path_error("the inspection socket " + path_ + " vanished");
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  bound_ = true;
  return {};
}

void SocketPathClaim::release() {
  if (bound_) {
    struct stat st;
    if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) ::unlink(path_.c_str());
    bound_ = false;
  }
  if (lock_fd_ >= 0) {
    ::close(lock_fd_);  // releases the flock; the file stays (see inspection_server.h)
    lock_fd_ = -1;
  }
}

}  // namespace torvyn::observability::detail

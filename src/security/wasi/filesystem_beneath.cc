#include "filesystem_beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace torvyn::security::wasi {

std::optional<FsError> check_path(const std::string& p) {
  if (p.empty()) return FsError::NoEntry;
  if (p[0] == '/') return FsError::NotPermitted;
  if (p.find('\0') != std::string::npos) return FsError::Invalid;
  if (p.size() > kMaxPathBytes) return FsError::NameTooLong;
  return std::nullopt;
}

int open_beneath(int base, const std::string& path, int flags, bool follow, mode_t mode) {
  open_how how{};
  how.flags = uint64_t(flags | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  // EAGAIN: the kernel saw a concurrent rename or mount during a RESOLVE_BENEATH lookup and asks
  // for a retry; a few are enough (a persistent EAGAIN, e.g. a locked file, is returned).
  long fd = -1;
  for (int attempt = 0; attempt < 8; ++attempt) {
    fd = syscall(SYS_openat2, base, path.c_str(), &how, sizeof how);
    if (fd >= 0 || (errno != EINTR && errno != EAGAIN)) break;
  }
  if (fd >= 0) return int(fd);
  return errno == EXDEV ? -EPERM : -errno;
}

std::variant<Parent, FsError> open_parent(int base, std::string path) {
  if (auto e = check_path(path)) return *e;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string leaf = slash == std::string::npos ? path : path.substr(slash + 1);
  if (leaf == "." || leaf == ".." || leaf.empty()) return FsError::Invalid;
  int fd = open_beneath(base, dir, O_PATH | O_DIRECTORY, true);
  if (fd < 0) return fs_error_from_errno(-fd);
  return Parent{std::make_unique<HostFd>(fd), std::move(leaf)};
}

}  // namespace torvyn::security::wasi

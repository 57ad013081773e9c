#include "torvyn/base/private_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace torvyn {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

std::string octal_mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

Error unsafe(std::string_view what, const std::string& dir, const std::string& why, const std::string& fix) {
  return Error(ErrorCode::UnsafeDirectory, std::string(what) + " " + dir + " " + why + "; " + fix);
}

std::string parent_of(const std::string& path) {
  size_t end = path.find_last_not_of('/');
  if (end == std::string::npos) return "/";
  size_t slash = path.rfind('/', end);
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// mkdir -p, 0700 for every directory it creates. Iterative: a path's depth comes from outside.
Status make_missing_dirs(const std::string& dir, std::string_view what) {
  std::vector<std::string> missing;
  for (std::string d = dir; d != "/" && d != "."; d = parent_of(d)) {
    struct stat st;
    if (::lstat(d.c_str(), &st) == 0) break;
    if (errno != ENOENT) return Error(ErrorCode::IoError, "cannot inspect " + d + ": " + errno_text(errno));
    missing.push_back(d);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it)
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST)
      return Error(ErrorCode::IoError,
                   "cannot create the " + std::string(what) + " " + *it + ": " + errno_text(errno));
  return {};
}

}  // namespace

Status ensure_private_dir(const std::string& dir, DirTrust trust, std::string_view what) {
  if (dir.empty()) return Error(ErrorCode::IoError, "the " + std::string(what) + " path is empty");
  if (Status s = make_missing_dirs(dir, what); !s) return s;
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0)
    return Error(ErrorCode::IoError, "cannot inspect the " + std::string(what) + " " + dir + ": " + errno_text(errno));
  const std::string remove = "remove it (Torvyn creates it again, mode 0700)";
  if (S_ISLNK(st.st_mode))
    return unsafe(what, dir, "is a symbolic link, which whoever controls its target could redirect",
                  remove + " or point Torvyn at the real directory");
  if (!S_ISDIR(st.st_mode)) return unsafe(what, dir, "exists and is not a directory", remove);
  uid_t me = ::geteuid();
  if (st.st_uid != me)
    return unsafe(what, dir,
                  "belongs to another user (uid " + std::to_string(st.st_uid) + ", you are " + std::to_string(me) + ")",
                  remove + ", or use a directory you own");
  mode_t forbidden = trust == DirTrust::OwnerOnly ? mode_t{077} : mode_t{022};
  if (st.st_mode & forbidden)
    return unsafe(what, dir,
                  "has mode " + octal_mode(st.st_mode) +
                      (trust == DirTrust::OwnerOnly ? ", which lets other users in" : ", which lets other users write into it"),
                  std::string("run `chmod ") + (trust == DirTrust::OwnerOnly ? "700" : "go-w") + " " + dir + "`, or " + remove);
  return {};
}

Status check_parent_dir(const std::string& dir, std::string_view what) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0)
    return Error(ErrorCode::IoError, "cannot inspect " + dir + " (for the " + std::string(what) + "): " + errno_text(errno));
  if (!S_ISDIR(st.st_mode)) return unsafe(what, dir, "is not a directory", "choose another path");
  if (st.st_uid != ::geteuid() && st.st_uid != 0)
    return unsafe(std::string("directory of the ") + std::string(what), dir,
                  "belongs to another user (uid " + std::to_string(st.st_uid) + ")", "use a directory you own");
  if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))
    return unsafe(std::string("directory of the ") + std::string(what), dir,
                  "is writable by other users (mode " + octal_mode(st.st_mode) + ")",
                  "run `chmod go-w " + dir + "` or use a directory you own");
  return {};
}

Result<int> open_private_append(const std::string& path, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, mode);
  if (fd < 0) {
    int err = errno;
    if (err == ELOOP)
      return unsafe("file", path, "is a symbolic link; Torvyn does not follow links where it writes",
                    "remove the link");
    return Error(ErrorCode::IoError, "cannot open " + path + " for appending: " + errno_text(err));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Error(ErrorCode::IoError, "cannot inspect " + path + ": " + errno_text(err));
  }
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) {
    bool regular = S_ISREG(st.st_mode);
    ::close(fd);
    return unsafe("file", path,
                  regular ? "belongs to another user (uid " + std::to_string(st.st_uid) + ")" : "is not a regular file",
                  "remove it, or choose another path");
  }
  // O_NONBLOCK only kept open() from hanging on a FIFO planted there; writes to a regular file
  // should block normally.
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

}  // namespace torvyn

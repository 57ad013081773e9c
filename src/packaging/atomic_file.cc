#include "torvyn/packaging/atomic_file.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "torvyn/base/fd_write.h"

namespace torvyn::packaging {

namespace {

std::string errno_text(int e) { return std::strerror(e); }

std::string random_suffix() {
  unsigned char r[6];
  if (RAND_bytes(r, sizeof r) != 1) {
    // Fall back to the pid and a counter: O_EXCL still guarantees we never reuse a file.
    static unsigned counter = 0;
    return std::to_string(::getpid()) + "-" + std::to_string(++counter);
  }
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (unsigned char c : r) {
    s += digits[c >> 4];
    s += digits[c & 15];
  }
  return s;
}

}  // namespace

FdGuard::~FdGuard() {
  if (fd_ >= 0) ::close(fd_);
}

Status write_file_atomic_at(int dirfd, const std::string& name, std::span<const uint8_t> bytes, mode_t mode, Replace replace,
                            std::string_view shown) {
  return write_file_atomic_with(dirfd, name, mode, replace, shown, [&](int fd, std::string& why) {
    if (write_all(fd, bytes.data(), bytes.size())) return true;
    why = errno_text(errno);
    return false;
  });
}

Status write_file_atomic_with(int dirfd, const std::string& name, mode_t mode, Replace replace, std::string_view shown,
                              const std::function<bool(int fd, std::string& why)>& fill) {
  const std::string exists_msg = std::string(shown) + " already exists; remove it or choose another name (Torvyn does not overwrite it)";
  if (replace == Replace::No) {
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return Error(ErrorCode::IoError, exists_msg);
  }
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 8 && fd < 0; ++attempt) {
    tmp = "." + name + ".tmp-" + random_suffix();
    fd = ::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) return Error(ErrorCode::IoError, "cannot create a temporary file beside " + std::string(shown) + ": " + errno_text(errno));
  FdGuard guard(fd);
  auto fail = [&](const std::string& what, const std::string& why) -> Status {
    ::unlinkat(dirfd, tmp.c_str(), 0);
    return Error(ErrorCode::IoError, what + " " + std::string(shown) + ": " + why + " (nothing was changed)");
  };
  if (::fchmod(fd, mode & 0777) != 0) return fail("cannot set the mode of", errno_text(errno));
  std::string why;
  if (!fill(fd, why)) return fail("cannot write", why);
  if (::fsync(fd) != 0) return fail("cannot flush", errno_text(errno));
  if (replace == Replace::No) {
    if (::renameat2(dirfd, tmp.c_str(), dirfd, name.c_str(), RENAME_NOREPLACE) != 0) {
      if (errno == EEXIST) {
        ::unlinkat(dirfd, tmp.c_str(), 0);
        return Error(ErrorCode::IoError, exists_msg);
      }
      return fail("cannot create", errno_text(errno));
    }
  } else if (::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) != 0) {
    return fail("cannot replace", errno_text(errno));
  }
  return {};
}

Status write_file_atomic(const std::filesystem::path& path, std::span<const uint8_t> bytes, mode_t mode, Replace replace) {
  std::filesystem::path parent = path.parent_path();
  if (parent.empty()) parent = ".";
  int dfd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Error(ErrorCode::IoError, "cannot open the directory " + parent.string() + " to write " + path.string() + ": " + errno_text(errno));
  FdGuard guard(dfd);
  return write_file_atomic_at(dfd, path.filename().string(), bytes, mode, replace, path.string());
}

Result<int> open_dir_nofollow(int dirfd, const std::string& name, bool create, std::string_view shown) {
  if (create && ::mkdirat(dirfd, name.c_str(), 0755) != 0 && errno != EEXIST)
    return Error(ErrorCode::IoError, "cannot create the directory " + std::string(shown) + ": " + errno_text(errno));
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    struct stat st;
    if ((e == ELOOP || e == ENOTDIR) && ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
      return Error(ErrorCode::IoError, std::string(shown) + " is a symbolic link; Torvyn reads and writes artifact layouts only through real directories (replace the link by the directory)");
    if (e == ENOTDIR) return Error(ErrorCode::IoError, std::string(shown) + " is not a directory");
    return Error(ErrorCode::IoError, "cannot open the directory " + std::string(shown) + ": " + errno_text(e));
  }
  return fd;
}

Result<std::vector<uint8_t>> read_file_nofollow(int dirfd, const std::string& name, uint64_t max_bytes, std::string_view shown, bool* exists) {
  *exists = false;
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT) return std::vector<uint8_t>{};
    if (e == ELOOP) return Error(ErrorCode::IoError, std::string(shown) + " is a symbolic link; an artifact layout holds only regular files");
    return Error(ErrorCode::IoError, "cannot read " + std::string(shown) + ": " + errno_text(e));
  }
  FdGuard guard(fd);
  *exists = true;
  struct stat st;
  if (::fstat(fd, &st) != 0) return Error(ErrorCode::IoError, "cannot read " + std::string(shown) + ": " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) return Error(ErrorCode::IoError, std::string(shown) + " is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    return Error(ErrorCode::WasmResourceLimit, std::string(shown) + " is " + std::to_string(st.st_size) + " bytes, more than the " +
                                                   std::to_string(max_bytes) + " Torvyn reads for it");
  std::vector<uint8_t> out(static_cast<size_t>(st.st_size));
  size_t off = 0;
  while (off < out.size()) {
    ssize_t n = ::read(fd, out.data() + off, out.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(ErrorCode::IoError, "cannot read " + std::string(shown) + ": " + errno_text(errno));
    if (n == 0) break;
    off += static_cast<size_t>(n);
  }
  out.resize(off);
  return out;
}

}  // namespace torvyn::packaging

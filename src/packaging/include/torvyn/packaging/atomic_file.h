// Writing files so that a reader never sees half of one, and never through a symbolic link: the
// bytes go to a new temporary file beside the target (O_CREAT|O_EXCL|O_NOFOLLOW, so an existing
// file or link with that name is never opened), are flushed, and the file is renamed over the
// target (rename replaces a link itself, never what it points to). A failure leaves the target as
// it was and removes the temporary file.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/base/result.h"

namespace torvyn::packaging {

enum class Replace { Yes, No };  // No: fail (IoError) when the target exists, even as a link

// In the directory open at `dirfd`; `name` is one path component. `shown` names the file in
// messages. `mode` is applied exactly (fchmod; the umask does not widen or narrow it).
Status write_file_atomic_at(int dirfd, const std::string& name, std::span<const uint8_t> bytes, mode_t mode, Replace replace,
                            std::string_view shown);

// The same with the content written by `fill` to the temporary file's descriptor (false, with
// `why` set, aborts: the temporary file is removed and the target left alone).
Status write_file_atomic_with(int dirfd, const std::string& name, mode_t mode, Replace replace, std::string_view shown,
                              const std::function<bool(int fd, std::string& why)>& fill);

// The same for a path: its parent directory must exist.
Status write_file_atomic(const std::filesystem::path& path, std::span<const uint8_t> bytes, mode_t mode, Replace replace);

// Opens a directory below `dirfd` (or the path itself when dirfd is AT_FDCWD) without following a
// link in its last component, creating it (0755) when `create`. Returns the descriptor.
Result<int> open_dir_nofollow(int dirfd, const std::string& name, bool create, std::string_view shown);

// Reads a regular file below `dirfd` without following a link in its last component. `exists` is
// set false (and an empty vector returned) when there is no such file. Larger than `max_bytes`:
// an error naming the file.
Result<std::vector<uint8_t>> read_file_nofollow(int dirfd, const std::string& name, uint64_t max_bytes, std::string_view shown,
                                                bool* exists);

// Closes a descriptor at scope exit.
class FdGuard {
 public:
  explicit FdGuard(int fd = -1) : fd_(fd) {}
  ~FdGuard();
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

}  // namespace torvyn::packaging

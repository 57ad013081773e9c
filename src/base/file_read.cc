#include "torvyn/base/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace torvyn {
namespace {

std::string mib(uint64_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB"; }

// `size` empty: not known in advance (a pipe, or a file that grew while read).
Error too_large(std::string_view what, const std::string& path, const std::string& size, uint64_t max_bytes) {
  return Error(ErrorCode::WasmResourceLimit, "the " + std::string(what) + " " + path + " is " + (size.empty() ? "" : size + ", ") +
                                                 "larger than the " + mib(max_bytes) + " Torvyn reads; it is not one Torvyn can run");
}

}  // namespace

Result<std::vector<uint8_t>> read_file_capped(const std::string& path, uint64_t max_bytes, std::string_view what) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error(ErrorCode::IoError, "cannot read the " + std::string(what) + " " + path + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st{};
  if (::fstat(fd, &st) != 0) return Error(ErrorCode::IoError, "cannot read the " + std::string(what) + " " + path + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return Error(ErrorCode::IoError, "the " + std::string(what) + " " + path + " is a directory");
  std::vector<uint8_t> out;
  if (S_ISREG(st.st_mode)) {
    if (static_cast<uint64_t>(st.st_size) > max_bytes) return too_large(what, path, mib(static_cast<uint64_t>(st.st_size)), max_bytes);
    out.reserve(static_cast<size_t>(st.st_size));
  }
  uint8_t buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(ErrorCode::IoError, "cannot read the " + std::string(what) + " " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    if (out.size() + static_cast<uint64_t>(n) > max_bytes) return too_large(what, path, "", max_bytes);  // grew, or a pipe
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

}  // namespace torvyn

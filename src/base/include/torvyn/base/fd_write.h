// Writing a whole buffer to a file descriptor.
#pragma once

#include <cstddef>

namespace torvyn {

// Writes all `len` bytes of `data` to `fd`, retrying after EINTR and short writes. False on any
// other error (errno says which) or a write that makes no progress.
bool write_all(int fd, const void* data, size_t len);

}  // namespace torvyn

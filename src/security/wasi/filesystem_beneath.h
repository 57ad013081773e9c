// Paths a guest names, confined to a preopened directory. Every lookup below a base descriptor goes
// through openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), so "..", absolute paths and symbolic
// links cannot leave it (such attempts fail with not-permitted); operations that name a leaf act on
// that name inside its parent, itself opened beneath the base, so they never follow a final
// symbolic link out. The filesystem's security rests here, so it is tested alone
// (tests/filesystem_beneath_test.cc).
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "state.h"

namespace torvyn::security::wasi {

inline constexpr size_t kMaxPathBytes = 4096;

// A guest path must be relative, without NUL, and of sane length.
std::optional<FsError> check_path(const std::string& p);

// Opens `path` beneath `base`; returns the fd or -errno. Escapes report EPERM (not-permitted).
int open_beneath(int base, const std::string& path, int flags, bool follow, mode_t mode = 0);

// The parent directory of `path` (opened beneath `base`) and the last component's name.
struct Parent {
  std::unique_ptr<HostFd> fd;
  std::string leaf;
};
std::variant<Parent, FsError> open_parent(int base, std::string path);

}  // namespace torvyn::security::wasi

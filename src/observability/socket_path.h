// Claiming a filesystem path for the inspection API's Unix socket (private to the layer):
// the parent directory, the ownership lock, stale sockets, and binding with 0600 from the start.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "torvyn/base/result.h"

namespace torvyn::observability::detail {

// The path is ours while this is alive: it holds an exclusive flock on "<path>.lock".
class SocketPathClaim {
 public:
  SocketPathClaim() = default;
  ~SocketPathClaim();
  SocketPathClaim(SocketPathClaim&& other) noexcept;
  SocketPathClaim& operator=(SocketPathClaim&& other) noexcept;

  // Checks the path's length, creates a missing parent directory 0700 (or checks an existing one
  // is not writable by others), takes the lock, and removes a stale socket file left by a server
  // that is gone. Fails if another server is live or the path is some other kind of file.
  static Result<SocketPathClaim> claim(const std::string& path);

  // Binds the socket so that it exists only with mode 0600: `bind(p)` (which must create a
  // listening Unix socket at p) is called on a path inside a fresh 0700 directory next to the final
  // path, which is then chmod'ed and renamed into place. When that temporary path would not fit in
  // sun_path, binds in place and chmods at once (the parent directory's permissions then guard
  // the instant in between).
  Status bind(const std::function<bool(const std::string&)>& bind);

  // Removes the socket file if it is still the one bind() created, and releases the lock.
  void release();

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int lock_fd_ = -1;
  bool bound_ = false;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace torvyn::observability::detail

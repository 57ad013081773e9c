// The audit log ([security] audit_enabled): one JSON object per line — capability grants and
// denials, inspection API access — appended to a file shared by every thread.
//
// What it records can come from outside (an unauthenticated request's path), so every value is
// made printable UTF-8 (invalid bytes as \xNN) and capped in length, and the file is bounded: past
// `max_bytes` it is rotated to audit.log.1 … audit.log.<keep>, the oldest dropped. The file is opened
// without following symbolic links and created 0600; its directory must be one only we control.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "torvyn/base/result.h"

namespace torvyn::security {

struct AuditLogLimits {
  uint64_t max_bytes = 16ull << 20;  // one file; the whole log stays under (keep + 1) × this
  unsigned keep = 4;                 // rotated files kept beside the current one
  size_t max_field_bytes = 1024;     // each recorded value (a request path, a component name)
};

class AuditLog {
 public:
  // Opens (creating) `path`. When it lies in the state directory, that directory is created or
  // checked as ensure_private_dir(OwnerOnly) does; elsewhere its parent must be ours and not
  // writable by others. Errors name the path and the fix (E0902 for an unsafe place).
  static Result<std::shared_ptr<AuditLog>> open(const std::string& path, const std::string& state_dir,
                                                AuditLogLimits limits = {});
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  const std::string& path() const { return path_; }
  // {"ts":"2026-11-29T08:00:00.123Z","event":"capability.denied","component":...,...}
  // Never throws: an entry that cannot be written is counted and reported once on stderr.
  void record(const std::string& event, const std::map<std::string, std::string>& fields) noexcept;

 private:
  AuditLog(std::string path, int fd, uint64_t size, AuditLogLimits limits);
  void rotate_locked();

  std::string path_;
  AuditLogLimits limits_;
  std::mutex mu_;
  int fd_ = -1;        // guarded by mu_
  uint64_t size_ = 0;  // bytes in the current file; guarded by mu_
  bool warned_ = false;
};

}  // namespace torvyn::security

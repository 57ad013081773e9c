// The audit log ([security] audit_enabled): one JSON object per line — capability grants and
// denials, inspection API access — appended to a file shared by every thread.
#pragma once

#include <cstdio>
#include <map>
#include <mutex>
#include <string>

namespace torvyn::host {

class AuditLog {
 public:
  explicit AuditLog(std::string path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  const std::string& path() const { return path_; }
  bool ok() const { return file_ != nullptr; }
  // {"ts":"2026-11-29T08:00:00.123Z","event":"capability.denied","component":...,...}
  void record(const std::string& event, const std::map<std::string, std::string>& fields);

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::mutex mu_;
};

}  // namespace torvyn::host

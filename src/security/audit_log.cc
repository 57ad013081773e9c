#include "torvyn/security/audit_log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "torvyn/base/fd_write.h"
#include "torvyn/base/json_text.h"
#include "torvyn/base/private_dir.h"
#include "torvyn/base/text.h"

namespace torvyn::security {
namespace {

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[96];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return ts;
}

}  // namespace

Result<std::shared_ptr<AuditLog>> AuditLog::open(const std::string& path, const std::string& state_dir, AuditLogLimits limits) {
  std::filesystem::path p(path);
  std::string dir = p.has_parent_path() ? p.parent_path().string() : std::string(".");
  Status where = std::filesystem::path(dir).lexically_normal() == std::filesystem::path(state_dir).lexically_normal()
                     ? ensure_private_dir(dir, DirTrust::OwnerOnly, "state directory")
                     : check_parent_dir(dir, "audit log");
  if (!where) return where.take_error();
  Result<int> fd = open_private_append(path, 0600);
  if (!fd) return fd.take_error();
  struct stat st{};
  ::fstat(*fd, &st);
  return std::shared_ptr<AuditLog>(new AuditLog(path, *fd, static_cast<uint64_t>(st.st_size), limits));
}

AuditLog::AuditLog(std::string path, int fd, uint64_t size, AuditLogLimits limits)
    : path_(std::move(path)), limits_(limits), fd_(fd), size_(size) {}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

// audit.log.<keep> is dropped, each audit.log.<k> becomes .<k+1>, audit.log becomes .1, and a new
// audit.log is opened the same careful way as the first.
void AuditLog::rotate_locked() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (limits_.keep == 0) {
    ::unlink(path_.c_str());
  } else {
    ::unlink((path_ + "." + std::to_string(limits_.keep)).c_str());
    for (unsigned k = limits_.keep; k > 1; --k)
      ::rename((path_ + "." + std::to_string(k - 1)).c_str(), (path_ + "." + std::to_string(k)).c_str());
    ::rename(path_.c_str(), (path_ + ".1").c_str());
  }
  size_ = 0;
  if (Result<int> fd = open_private_append(path_, 0600)) fd_ = *fd;
}

void AuditLog::record(const std::string& event, const std::map<std::string, std::string>& fields) noexcept {
  try {
    nlohmann::json j{{"ts", timestamp()}, {"event", event}};
    for (const auto& [k, v] : fields) j[k] = printable_utf8(v, limits_.max_field_bytes);
    std::string line = json_text(j) + "\n";
    std::lock_guard<std::mutex> lock(mu_);
    if (fd_ >= 0 && size_ > 0 && size_ + line.size() > limits_.max_bytes) rotate_locked();
    if (fd_ >= 0 && write_all(fd_, line.data(), line.size())) {
      size_ += line.size();
      return;
    }
    if (!warned_) {
      warned_ = true;
      std::fprintf(stderr, "warning: cannot write the audit log %s (%s); audit events go to stderr\n", path_.c_str(),
                   std::strerror(errno));
    }
    std::fwrite(line.data(), 1, line.size(), stderr);
  } catch (...) {
    // Out of memory while formatting: drop this entry rather than take the process down from
    // whichever thread (HTTP, worker) is recording.
  }
}

}  // namespace torvyn::security

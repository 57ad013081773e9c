#include "torvyn/host/audit_log.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace torvyn::host {

AuditLog::AuditLog(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  file_ = std::fopen(path_.c_str(), "a");
  if (!file_) std::fprintf(stderr, "warning: cannot open the audit log %s; audit events go to stderr\n", path_.c_str());
}

AuditLog::~AuditLog() {
  if (file_) std::fclose(file_);
}

void AuditLog::record(const std::string& event, const std::map<std::string, std::string>& fields) {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[96];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                tm.tm_sec, static_cast<int>(ms));
  nlohmann::json j{{"ts", ts}, {"event", event}};
  for (const auto& [k, v] : fields) j[k] = v;
  std::string line = j.dump() + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  std::FILE* out = file_ ? file_ : stderr;
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

}  // namespace torvyn::host

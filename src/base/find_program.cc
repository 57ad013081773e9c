#include "torvyn/base/find_program.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace torvyn {

std::string find_program(const std::string& name) {
  if (name.empty()) return "";
  auto runnable = [](const std::string& f) {
    struct stat st {};
    return ::stat(f.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(f.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) return runnable(name) ? name : "";
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  for (size_t start = 0; start <= p.size();) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string d = p.substr(start, end - start);
    std::string candidate = (d.empty() ? std::string(".") : d) + "/" + name;
    if (runnable(candidate)) return candidate;
    start = end + 1;
  }
  return "";
}

}  // namespace torvyn

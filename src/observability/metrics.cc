#include "torvyn/observability/metrics.h"

#include <cstdio>
#include <cstring>

namespace torvyn::observability {

std::string_view metrics_level_name(MetricsLevel level) {
  switch (level) {
    case MetricsLevel::Off: return "off";
    case MetricsLevel::Production: return "production";
    case MetricsLevel::Diagnostic: return "diagnostic";
  }
  return "off";
}

std::optional<MetricsLevel> parse_metrics_level(std::string_view text) {
  if (text == "off") return MetricsLevel::Off;
  if (text == "production") return MetricsLevel::Production;
  if (text == "diagnostic") return MetricsLevel::Diagnostic;
  return std::nullopt;
}

ProcessMemory read_process_memory() {
  // /proc/self/status rather than statm: it states its unit (kB) instead of relying on the page
  // size, and has the peak (VmHWM) too.
  ProcessMemory m;
  std::FILE* f = std::fopen("/proc/self/status", "re");
  if (!f) return m;
  char line[256];
  while (std::fgets(line, sizeof line, f)) {
    unsigned long long kib = 0;
    if (std::sscanf(line, "VmRSS: %llu kB", &kib) == 1) m.resident = kib * 1024;
    else if (std::sscanf(line, "VmHWM: %llu kB", &kib) == 1) m.peak_resident = kib * 1024;
    else if (std::sscanf(line, "VmSize: %llu kB", &kib) == 1) m.virtual_size = kib * 1024;
  }
  std::fclose(f);
  return m;
}

}  // namespace torvyn::observability

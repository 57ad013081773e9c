#include "torvyn/host/report.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include "torvyn/base/json_text.h"

namespace torvyn::host {

std::string human_duration(uint64_t ns) {
  char buf[32];
  if (ns < 1000) std::snprintf(buf, sizeof buf, "%llu ns", static_cast<unsigned long long>(ns));
  else if (ns < 1000000) std::snprintf(buf, sizeof buf, "%.1f µs", ns / 1e3);
  else if (ns < 1000000000) std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
  else std::snprintf(buf, sizeof buf, "%.2f s", ns / 1e9);
  return buf;
}

std::string human_bytes(uint64_t n) {
  char buf[32];
  if (n < 1024) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  else if (n < (1u << 20)) std::snprintf(buf, sizeof buf, "%.1f KiB", n / 1024.0);
  else std::snprintf(buf, sizeof buf, "%.1f MiB", n / 1048576.0);
  return buf;
}

std::string human_count(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  std::string s = buf, out;
  int n = 0;
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    if (n && n % 3 == 0 && *it != '-') out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
    ++n;
  }
  return out;
}

std::string render_human(const std::vector<FlowReport>& reports) {
  std::string out;
  char line[512];
  for (const FlowReport& r : reports) {
    std::snprintf(line, sizeof line, "flow %s: %s in %.3f s\n", r.name.c_str(), r.state.c_str(), r.seconds);
    out += line;
    if (!r.error.empty()) out += "  error      " + r.error + "\n";
    std::snprintf(line, sizeof line, "  elements   %llu produced, %llu delivered, %llu dropped, %llu errors\n",
                  static_cast<unsigned long long>(r.produced), static_cast<unsigned long long>(r.delivered),
                  static_cast<unsigned long long>(r.dropped), static_cast<unsigned long long>(r.errors));
    out += line;
    out += "  throughput " + human_count(r.throughput) + " elements/s\n";
    out += "  latency    p50 " + human_duration(r.latency_p50_ns) + ", p99 " + human_duration(r.latency_p99_ns) + ", max " + human_duration(r.latency_max_ns) + "\n";
    double per = r.produced ? static_cast<double>(r.copies) / static_cast<double>(r.produced) : 0;
    std::snprintf(line, sizeof line, "  copies     %llu (%.2f per element, %s)\n", static_cast<unsigned long long>(r.copies), per,
                  human_bytes(r.copy_bytes).c_str());
    out += line;
    std::snprintf(line, sizeof line, "  queues     peak depth %llu, %llu backpressure events (%s backpressured)\n",
                  static_cast<unsigned long long>(r.peak_queue_depth), static_cast<unsigned long long>(r.backpressure_events),
                  human_duration(r.backpressure_ns).c_str());
    out += line;
    if (const TracingReport* t = r.tracing ? &*r.tracing : nullptr) {
      std::snprintf(line, sizeof line, "  tracing    %s: %s elements kept (%s promoted), %s spans exported, %s dropped (%s traces)",
                    t->exporter.c_str(), human_count(static_cast<double>(t->elements_kept)).c_str(),
                    human_count(static_cast<double>(t->elements_promoted)).c_str(), human_count(static_cast<double>(t->spans_exported)).c_str(),
                    human_count(static_cast<double>(t->spans_dropped)).c_str(), human_count(static_cast<double>(t->traces_dropped)).c_str());
      out += line;
      if (t->spans_failed) out += ", " + human_count(static_cast<double>(t->spans_failed)) + " failed to send";
      out += "\n";
    }
    if (r.reclaimed_buffers) out += "  reclaimed  " + std::to_string(r.reclaimed_buffers) + " buffers components still held at teardown\n";
    for (const StageReport& s : r.stages) {
      std::snprintf(line, sizeof line, "  stage %-12s %-10s %8llu calls, p50 %s, p99 %s, %llu errors\n", s.node.c_str(), s.role.c_str(),
                    static_cast<unsigned long long>(s.invocations), human_duration(s.p50_ns).c_str(), human_duration(s.p99_ns).c_str(),
                    static_cast<unsigned long long>(s.errors));
      out += line;
    }
  }
  return out;
}

nlohmann::json to_json(const FlowReport& r) {
  nlohmann::json j{{"flow", r.name},
                   {"state", r.state},
                   {"seconds", r.seconds},
                   {"elements", {{"produced", r.produced}, {"delivered", r.delivered}, {"dropped", r.dropped}}},
                   {"errors", r.errors},
                   {"retries", r.retries},
                   {"throughput", r.throughput},
                   {"latency_ns",
                    {{"p50", r.latency_p50_ns}, {"p90", r.latency_p90_ns}, {"p99", r.latency_p99_ns}, {"p999", r.latency_p999_ns}, {"max", r.latency_max_ns}}},
                   {"copies", {{"total", r.copies}, {"bytes", r.copy_bytes}}},
                   {"peak_queue_depth", r.peak_queue_depth},
                   {"backpressure", {{"events", r.backpressure_events}, {"duration_ns", r.backpressure_ns}}},
                   {"reclaimed_buffers", r.reclaimed_buffers}};
  if (!r.error.empty()) j["error"] = r.error;
  if (r.tracing)
    j["tracing"] = {{"exporter", r.tracing->exporter},
                    {"elements_kept", r.tracing->elements_kept},
                    {"elements_promoted", r.tracing->elements_promoted},
                    {"spans_exported", r.tracing->spans_exported},
                    {"spans_failed", r.tracing->spans_failed},
                    {"spans_dropped", r.tracing->spans_dropped},
                    {"traces_dropped", r.tracing->traces_dropped}};
  if (r.warmup_seconds > 0) j["warmup_seconds"] = r.warmup_seconds;
  for (const StageReport& s : r.stages)
    j["stages"].push_back({{"node", s.node},
                           {"component", s.component},
                           {"role", s.role},
                           {"invocations", s.invocations},
                           {"errors", s.errors},
                           {"elements_in", s.elements_in},
                           {"elements_out", s.elements_out},
                           {"dropped", s.dropped},
                           {"processing_ns", {{"p50", s.p50_ns}, {"p99", s.p99_ns}}},
                           {"copies", {{"total", s.copies}, {"bytes", s.copy_bytes}}}});
  for (const QueueReport& q : r.queues)
    j["queues"].push_back({{"from", q.from},
                           {"to", q.to},
                           {"capacity", q.capacity},
                           {"peak_depth", q.peak_depth},
                           {"backpressure_events", q.backpressure_events},
                           {"backpressure_ns", q.backpressure_ns},
                           {"dropped", q.dropped}});
  return j;
}

std::string render_json(const std::vector<FlowReport>& reports) {
  nlohmann::json arr = nlohmann::json::array();
  for (const FlowReport& r : reports) arr.push_back(to_json(r));
  return json_text(arr, 2);
}

}  // namespace torvyn::host

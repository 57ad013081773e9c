#include "torvyn/host/report.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include "torvyn/base/counts.h"
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
  const double rounded = std::llround(std::fabs(v));
  return (v <= -0.5 ? "-" : "") + with_thousands(static_cast<uint64_t>(rounded));
}

// "4.21 ms", "12.345 s": a run's length, readable however short it was.
std::string run_length(double seconds) {
  if (seconds >= 1) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f s", seconds);
    return buf;
  }
  return human_duration(static_cast<uint64_t>(seconds * 1e9));
}

std::string render_human(const std::vector<FlowReport>& reports) {
  std::string out;
  char line[512];
  for (const FlowReport& r : reports) {
    out += "flow " + r.name + ": " + r.state + " in " + run_length(r.seconds) + "\n";
    if (!r.error.empty()) out += "  error      " + r.error + "\n";
    if (!r.help.empty()) out += "  help       " + r.help + "\n";
    out += "  elements   " + with_thousands(r.produced) + " produced, " + with_thousands(r.delivered) + " delivered, " +
           with_thousands(r.dropped) + " dropped, " + count_of(r.errors, "error", "errors") + "\n";
    if (r.output_discarded)
      out += "  output     closed by its reader; " + count_of(r.output_discarded, "element", "elements") + " not written (counted as dropped)\n";
    out += "  throughput " + human_count(r.throughput) + " elements/s\n";
    out += "  latency    p50 " + human_duration(r.latency_p50_ns) + ", p99 " + human_duration(r.latency_p99_ns) + ", max " + human_duration(r.latency_max_ns) + "\n";
    double per = r.produced ? static_cast<double>(r.copies) / static_cast<double>(r.produced) : 0;
    std::snprintf(line, sizeof line, "  copies     %s (%.2f per element, %s)\n", with_thousands(r.copies).c_str(), per,
                  human_bytes(r.copy_bytes).c_str());
    out += line;
    std::snprintf(line, sizeof line, "  queues     peak depth %s, %s (%s backpressured)\n", with_thousands(r.peak_queue_depth).c_str(),
                  count_of(r.backpressure_events, "backpressure event", "backpressure events").c_str(), human_duration(r.backpressure_ns).c_str());
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
    if (r.reclaimed_buffers)
      out += "  reclaimed  " + count_of(r.reclaimed_buffers, "buffer", "buffers") + " components still held at teardown\n";
    for (const StageReport& s : r.stages) {
      std::snprintf(line, sizeof line, "  stage %-12s %-10s %14s, p50 %s, p99 %s, %s\n", s.node.c_str(), s.role.c_str(),
                    count_of(s.invocations, "call", "calls").c_str(), human_duration(s.p50_ns).c_str(), human_duration(s.p99_ns).c_str(),
                    count_of(s.errors, "error", "errors").c_str());
      out += line;
    }
    for (const StageReport& s : r.stages) {
      if (!s.tiering) continue;
      const TieringReport& t = *s.tiering;
      out += "  tiering    " + s.node + ": " +
             (t.moved ? "moved to aot after " + count_of(t.calls_before, "call", "calls") + " on interp (the move took " + human_duration(t.move_ns) + ")"
                      : "ran on interp (" + count_of(t.calls_before, "call", "calls") + "): " + t.why_not) +
             "\n";
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
  if (!r.help.empty()) j["help"] = r.help;
  if (r.output_discarded) j["elements"]["output_discarded"] = r.output_discarded;
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
  for (size_t i = 0; i < r.stages.size(); ++i) {
    const StageReport& s = r.stages[i];
    if (!s.engine.empty()) j["stages"][i]["engine"] = s.engine;
    if (s.tiering) {
      j["stages"][i]["tiering"] = {{"moved", s.tiering->moved}, {"calls_before", s.tiering->calls_before}, {"move_ns", s.tiering->move_ns}};
      if (!s.tiering->moved) j["stages"][i]["tiering"]["why_not"] = s.tiering->why_not;
    }
  }
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

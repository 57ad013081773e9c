#include "bench_report.h"

#include <cmath>
#include <cstdio>
#include "torvyn/base/json_text.h"

namespace torvyn::cli {

using nlohmann::json;

namespace {

constexpr double kNoiseBandPct = 5.0;

double per_element(const json& flow) {
  double produced = flow["elements"]["produced"].get<double>();
  return produced > 0 ? flow["copies"]["total"].get<double>() / produced : 0;
}

// One comparison row. `higher_is_better`: throughput; latencies and copies want to go down.
json row(const std::string& metric, double before, double now, bool higher_is_better) {
  json r{{"metric", metric}, {"before", before}, {"now", now}};
  if (before == 0) {
    r["change_pct"] = nullptr;
    r["verdict"] = now == 0 ? "same" : (higher_is_better ? "better" : "worse");
    return r;
  }
  double pct = (now - before) / before * 100.0;
  r["change_pct"] = pct;
  if (std::fabs(pct) <= kNoiseBandPct) r["verdict"] = "same";
  else r["verdict"] = (pct > 0) == higher_is_better ? "better" : "worse";
  return r;
}

const json* find_by(const json& arr, const char* key, const std::string& value) {
  if (!arr.is_array()) return nullptr;
  for (const json& e : arr)
    if (e.value(key, "") == value) return &e;
  return nullptr;
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string change_text(const json& r) {
  if (r["change_pct"].is_null()) return r["verdict"].get<std::string>();
  return fmt("%+.1f%%", r["change_pct"].get<double>()) + ", " + r["verdict"].get<std::string>();
}

// A comparison value as the human report shows it: durations for *_ns metrics.
std::string value_text(const std::string& metric, double v) {
  if (metric.find("_ns") != std::string::npos) return host::human_duration(static_cast<uint64_t>(v));
  if (metric == "throughput") return host::human_count(v) + "/s";
  return fmt("%.2f", v);
}

uint64_t u(const json& j) { return j.get<uint64_t>(); }

}  // namespace

double BenchRun::measured_s() const {
  double s = 0;
  for (const host::FlowReport& r : flows) s = std::max(s, r.seconds);
  return s;
}

json bench_document(const BenchRun& run, const resources::BufferPool& pool) {
  json doc{{"torvyn_bench", kBenchFormatVersion},
           {"created", run.created},
           {"manifest", run.manifest},
           {"engine", run.engine},
           {"duration_s", run.measured_s()},
           {"requested_duration_s", run.requested_duration_s},
           {"ended", run.ended},
           {"warmup_s", run.warmup_s}};
  doc["flows"] = json::array();
  for (const host::FlowReport& r : run.flows) {
    json f = host::to_json(r);
    f["copies"]["per_element"] = r.produced ? static_cast<double>(r.copies) / static_cast<double>(r.produced) : 0.0;
    doc["flows"].push_back(std::move(f));
  }
  for (resources::Tier t : {resources::Tier::Small, resources::Tier::Medium, resources::Tier::Large, resources::Tier::Huge}) {
    resources::TierStats s = pool.stats(t);
    double reuse = s.allocations ? 100.0 * static_cast<double>(s.reuses) / static_cast<double>(s.allocations) : 0.0;
    doc["pool"][std::string(resources::tier_name(t))] = {
        {"allocations", s.allocations}, {"reuses", s.reuses}, {"reuse_pct", reuse}, {"exhaustion_events", s.exhaustion_events}};
  }
  return doc;
}

json compare_documents(const json& before, const json& now) {
  json out = json::array();
  for (const json& f : now["flows"]) {
    std::string name = f["flow"];
    const json* b = find_by(before["flows"], "flow", name);
    if (!b) continue;
    json rows = json::array();
    rows.push_back(row("throughput", (*b)["throughput"].get<double>(), f["throughput"].get<double>(), true));
    rows.push_back(row("latency_p50_ns", (*b)["latency_ns"]["p50"].get<double>(), f["latency_ns"]["p50"].get<double>(), false));
    rows.push_back(row("latency_p99_ns", (*b)["latency_ns"]["p99"].get<double>(), f["latency_ns"]["p99"].get<double>(), false));
    rows.push_back(row("copies_per_element", per_element(*b), per_element(f), false));
    if (f.contains("stages"))
      for (const json& s : f["stages"]) {
        const json* bs = b->contains("stages") ? find_by((*b)["stages"], "node", s["node"]) : nullptr;
        if (!bs) continue;
        rows.push_back(row("stage." + s["node"].get<std::string>() + ".p50_ns", (*bs)["processing_ns"]["p50"].get<double>(),
                           s["processing_ns"]["p50"].get<double>(), false));
      }
    out.push_back({{"flow", name}, {"rows", std::move(rows)}});
  }
  return out;
}

std::string render_bench_human(const json& doc, const json* comparison, const std::string& compared_with) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "bench: %.2f s measured after a %.1f s warm-up (engine %s)", doc["duration_s"].get<double>(),
                doc["warmup_s"].get<double>(), doc["engine"].get<std::string>().c_str());
  out += line;
  // Say why the window is not the one asked for (older reports carry neither field).
  const std::string ended = doc.value("ended", std::string("window"));
  if (ended != "window" && doc.contains("requested_duration_s")) {
    std::snprintf(line, sizeof line, "; %s before the %.1f s asked for", ended == "interrupted" ? "interrupted" : "the flows finished",
                  doc["requested_duration_s"].get<double>());
    out += line;
  }
  out += "\n";
  for (const json& f : doc["flows"]) {
    // Cancelled is how a bench normally ends: its sources were stopped when the window closed.
    std::string state = f["state"] == "Cancelled" ? (ended == "interrupted" ? "stopped by the interrupt" : "stopped when the window closed")
                                                  : f["state"].get<std::string>();
    std::snprintf(line, sizeof line, "flow %s: %s, %.2f s measured", f["flow"].get<std::string>().c_str(), state.c_str(),
                  f["seconds"].get<double>());
    out += line;
    if (!f.contains("warmup_seconds") && doc["warmup_s"].get<double>() > 0) out += " (it ended during the warm-up: the whole run is reported)";
    out += "\n";
    if (f.contains("error")) out += "  error       " + f["error"].get<std::string>() + "\n";
    out += "  throughput  " + host::human_count(f["throughput"].get<double>()) + " elements/s (" +
           host::human_count(f["elements"]["delivered"].get<double>()) + " delivered, " + std::to_string(u(f["elements"]["dropped"])) +
           " dropped, " + std::to_string(u(f["errors"])) + " errors)\n";
    const json& l = f["latency_ns"];
    out += "  latency     p50 " + host::human_duration(u(l["p50"])) + ", p90 " + host::human_duration(u(l["p90"])) + ", p99 " +
           host::human_duration(u(l["p99"])) + ", p99.9 " + host::human_duration(u(l["p999"])) + ", max " + host::human_duration(u(l["max"])) + "\n";
    std::snprintf(line, sizeof line, "  copies      %.2f per element (%s)\n", f["copies"]["per_element"].get<double>(),
                  host::human_bytes(u(f["copies"]["bytes"])).c_str());
    out += line;
    out += "  queues      peak depth " + std::to_string(u(f["peak_queue_depth"])) + ", " + std::to_string(u(f["backpressure"]["events"])) +
           " backpressure events, " + host::human_duration(u(f["backpressure"]["duration_ns"])) + " backpressured\n";
    if (f.contains("stages")) {
      std::snprintf(line, sizeof line, "  %-14s %-10s %12s %10s %10s %7s\n", "stage", "role", "calls", "p50", "p99", "errors");
      out += line;
      for (const json& s : f["stages"]) {
        std::snprintf(line, sizeof line, "  %-14s %-10s %12s %10s %10s %7llu\n", s["node"].get<std::string>().c_str(),
                      s["role"].get<std::string>().c_str(), host::human_count(s["invocations"].get<double>()).c_str(),
                      host::human_duration(u(s["processing_ns"]["p50"])).c_str(), host::human_duration(u(s["processing_ns"]["p99"])).c_str(),
                      static_cast<unsigned long long>(u(s["errors"])));
        out += line;
      }
    }
  }
  out += "pool (whole run)";
  for (const auto& [tier, t] : doc["pool"].items()) {
    if (u(t["allocations"]) == 0) continue;
    std::snprintf(line, sizeof line, "  %s: %.1f%% reuse of %s allocations, %llu exhaustion events;", tier.c_str(), t["reuse_pct"].get<double>(),
                  host::human_count(t["allocations"].get<double>()).c_str(), static_cast<unsigned long long>(u(t["exhaustion_events"])));
    out += line;
  }
  out += "\n";
  if (comparison) {
    out += "compared with " + compared_with + ":\n";
    if (comparison->empty()) out += "  no flow of this run is in it\n";
    for (const json& c : *comparison) {
      out += "  flow " + c["flow"].get<std::string>() + "\n";
      for (const json& r : c["rows"]) {
        std::string m = r["metric"];
        std::snprintf(line, sizeof line, "    %-24s %14s -> %-14s (%s)\n", m.c_str(), value_text(m, r["before"].get<double>()).c_str(),
                      value_text(m, r["now"].get<double>()).c_str(), change_text(r).c_str());
        out += line;
      }
    }
  }
  return out;
}

std::string render_bench_csv(const json& doc, const json* comparison) {
  std::string out = "flow,scope,name,metric,value\n";
  auto add = [&](const std::string& flow, const char* scope, const std::string& name, const std::string& metric, const json& v) {
    // Node and flow names are identifiers (letters, digits, '-', '_'): no quoting needed.
    out += flow + "," + scope + "," + name + "," + metric + "," + (v.is_string() ? v.get<std::string>() : torvyn::json_text(v)) + "\n";
  };
  for (const json& f : doc["flows"]) {
    std::string name = f["flow"];
    add(name, "flow", "", "state", f["state"]);
    add(name, "flow", "", "seconds", f["seconds"]);
    add(name, "flow", "", "delivered", f["elements"]["delivered"]);
    add(name, "flow", "", "dropped", f["elements"]["dropped"]);
    add(name, "flow", "", "errors", f["errors"]);
    add(name, "flow", "", "throughput", f["throughput"]);
    for (const char* q : {"p50", "p90", "p99", "p999", "max"}) add(name, "flow", "", std::string("latency_") + q + "_ns", f["latency_ns"][q]);
    add(name, "flow", "", "copies_per_element", f["copies"]["per_element"]);
    add(name, "flow", "", "copy_bytes", f["copies"]["bytes"]);
    add(name, "flow", "", "peak_queue_depth", f["peak_queue_depth"]);
    add(name, "flow", "", "backpressure_events", f["backpressure"]["events"]);
    add(name, "flow", "", "backpressure_ns", f["backpressure"]["duration_ns"]);
    if (f.contains("stages"))
      for (const json& s : f["stages"]) {
        std::string node = s["node"];
        add(name, "stage", node, "invocations", s["invocations"]);
        add(name, "stage", node, "p50_ns", s["processing_ns"]["p50"]);
        add(name, "stage", node, "p99_ns", s["processing_ns"]["p99"]);
        add(name, "stage", node, "errors", s["errors"]);
      }
    if (f.contains("queues"))
      for (const json& q : f["queues"]) {
        std::string edge = q["from"].get<std::string>() + "->" + q["to"].get<std::string>();
        add(name, "queue", edge, "peak_depth", q["peak_depth"]);
        add(name, "queue", edge, "backpressure_events", q["backpressure_events"]);
      }
  }
  for (const auto& [tier, t] : doc["pool"].items()) {
    add("", "pool", tier, "allocations", t["allocations"]);
    add("", "pool", tier, "reuse_pct", t["reuse_pct"]);
    add("", "pool", tier, "exhaustion_events", t["exhaustion_events"]);
  }
  if (comparison)
    for (const json& c : *comparison)
      for (const json& r : c["rows"]) {
        add(c["flow"], "compare", r["metric"], "before", r["before"]);
        add(c["flow"], "compare", r["metric"], "now", r["now"]);
        add(c["flow"], "compare", r["metric"], "change_pct", r["change_pct"]);
        add(c["flow"], "compare", r["metric"], "verdict", r["verdict"]);
      }
  return out;
}

std::string render_bench_markdown(const json& doc, const json* comparison, const std::string& compared_with) {
  std::string out;
  out += "**torvyn bench** — " + fmt("%.1f", doc["duration_s"].get<double>()) + " s measured after a " +
         fmt("%.1f", doc["warmup_s"].get<double>()) + " s warm-up, engine " + doc["engine"].get<std::string>() + ", " + doc["created"].get<std::string>() + "\n\n";
  out += "| flow | state | throughput (elements/s) | p50 | p90 | p99 | p99.9 | max | copies/element | peak queue | backpressure events |\n";
  out += "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const json& f : doc["flows"]) {
    const json& l = f["latency_ns"];
    out += "| " + f["flow"].get<std::string>() + " | " + f["state"].get<std::string>() + " | " + host::human_count(f["throughput"].get<double>()) +
           " | " + host::human_duration(u(l["p50"])) + " | " + host::human_duration(u(l["p90"])) + " | " + host::human_duration(u(l["p99"])) +
           " | " + host::human_duration(u(l["p999"])) + " | " + host::human_duration(u(l["max"])) + " | " +
           fmt("%.2f", f["copies"]["per_element"].get<double>()) + " | " + std::to_string(u(f["peak_queue_depth"])) + " | " +
           std::to_string(u(f["backpressure"]["events"])) + " |\n";
  }
  out += "\n| flow | stage | role | calls | p50 | p99 | errors |\n|---|---|---|---|---|---|---|\n";
  for (const json& f : doc["flows"])
    if (f.contains("stages"))
      for (const json& s : f["stages"])
        out += "| " + f["flow"].get<std::string>() + " | " + s["node"].get<std::string>() + " | " + s["role"].get<std::string>() + " | " +
               host::human_count(s["invocations"].get<double>()) + " | " + host::human_duration(u(s["processing_ns"]["p50"])) + " | " +
               host::human_duration(u(s["processing_ns"]["p99"])) + " | " + std::to_string(u(s["errors"])) + " |\n";
  if (comparison) {
    out += "\nCompared with " + compared_with + ":\n\n| flow | metric | before | now | change |\n|---|---|---|---|---|\n";
    for (const json& c : *comparison)
      for (const json& r : c["rows"]) {
        std::string m = r["metric"];
        out += "| " + c["flow"].get<std::string>() + " | " + m + " | " + value_text(m, r["before"].get<double>()) + " | " +
               value_text(m, r["now"].get<double>()) + " | " + change_text(r) + " |\n";
      }
  }
  return out;
}

}  // namespace torvyn::cli

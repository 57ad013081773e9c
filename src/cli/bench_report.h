// torvyn bench's report: the measured flows as one JSON document (what is saved under
// .torvyn/bench/ and what --compare reads back), its comparison with an earlier one, and its
// human, CSV and Markdown renderings.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "torvyn/host/report.h"
#include "torvyn/resources/buffer_pool.h"

namespace torvyn::cli {

// Bumped when a field changes meaning; --compare refuses documents of another version.
inline constexpr int kBenchFormatVersion = 1;

struct BenchRun {
  std::string created;  // UTC, ISO 8601
  std::string manifest, engine;
  double requested_duration_s = 0, warmup_s = 0;  // what --duration / --warmup asked for
  // How the run ended: "window" (the measured window closed), "interrupted" (Ctrl-C/SIGTERM) or
  // "finished" (every flow ended on its own first: a finite source, --limit, a failure).
  std::string ended = "window";
  std::vector<host::FlowReport> flows;
  // The window actually measured: the longest flow's, never the one asked for.
  double measured_s() const;
};

// The saved document: {"torvyn_bench": 1, "created", "manifest", "engine", "duration_s" (measured),
// "requested_duration_s", "ended", "warmup_s", "flows": [per flow: seconds, elements, throughput, latency_ns {p50 p90 p99 p999
// max}, copies {total, bytes, per_element}, queues, stages], "pool": {per tier: allocations,
// reuses, reuse_pct, exhaustion_events}}.
nlohmann::json bench_document(const BenchRun& run, const resources::BufferPool& pool);

// The change from `before` to `now`, per flow present in both: throughput, latency p50/p99,
// copies per element and each stage's p50, as {metric, before, now, change_pct, verdict} rows
// (verdict: "better", "worse" or "same" — within ±5 %, which this kind of machine's noise
// easily reaches).
nlohmann::json compare_documents(const nlohmann::json& before, const nlohmann::json& now);

std::string render_bench_human(const nlohmann::json& doc, const nlohmann::json* comparison, const std::string& compared_with);
// One row per value: flow,scope,name,metric,value (scope: flow | stage | queue | pool | compare).
std::string render_bench_csv(const nlohmann::json& doc, const nlohmann::json* comparison);
std::string render_bench_markdown(const nlohmann::json& doc, const nlohmann::json* comparison, const std::string& compared_with);

}  // namespace torvyn::cli

// What a flow did, for `torvyn run`'s summary (human or JSON) and for tests.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace torvyn::host {

// A node that started on the interpreter while its component compiled (runtime.tiering).
struct TieringReport {
  bool moved = false;       // it runs compiled code now
  uint64_t calls_before = 0;  // calls it made on the interpreter (before the move, or all of them)
  uint64_t move_ns = 0;       // how long the move held the node
  std::string why_not;      // when it did not move
};

struct StageReport {
  std::string node, component, role;
  std::string engine;  // a component's: "aot" | "interp" (where it ran last); "" for built-in stages
  std::optional<TieringReport> tiering;
  uint64_t invocations = 0, errors = 0, elements_in = 0, elements_out = 0, dropped = 0;
  uint64_t p50_ns = 0, p99_ns = 0;  // processing time per invocation
  uint64_t copies = 0, copy_bytes = 0;
};

struct QueueReport {
  std::string from, to;
  uint32_t capacity = 0;
  uint64_t peak_depth = 0, backpressure_events = 0, backpressure_ns = 0, dropped = 0;
};

// What the tracer did with the flow's elements ([observability.tracing] level other than "off"),
// over the whole run (a warm-up included): every span recorded is exported or failed by then.
struct TracingReport {
  std::string exporter;
  uint64_t elements_kept = 0, elements_promoted = 0;
  uint64_t spans_exported = 0, spans_failed = 0;  // failed: in batches the exporter could not send
  uint64_t spans_dropped = 0, traces_dropped = 0;  // no room in the flow's span ring
};

struct FlowReport {
  std::string name, state;  // Completed | Cancelled | Failed
  std::string error;        // the failure, when Failed
  std::string help;         // what to change, when the failure was a limit the host enforces
  double seconds = 0;          // of the measured window
  double warmup_seconds = 0;   // run before the window and left out of every number but peaks (0 = none)
  uint64_t produced = 0, delivered = 0, dropped = 0, errors = 0, retries = 0, reclaimed_buffers = 0;
  uint64_t output_discarded = 0;  // of `dropped`: taken by the --output sink after its reader closed the pipe
  double throughput = 0;    // delivered elements per second
  uint64_t latency_p50_ns = 0, latency_p90_ns = 0, latency_p99_ns = 0, latency_p999_ns = 0, latency_max_ns = 0;
  uint64_t copies = 0, copy_bytes = 0;
  uint64_t peak_queue_depth = 0;  // over the whole run, warm-up included
  uint64_t backpressure_events = 0, backpressure_ns = 0;
  std::vector<StageReport> stages;
  std::vector<QueueReport> queues;
  std::optional<TracingReport> tracing;
  bool failed() const { return state == "Failed"; }
};

std::string render_human(const std::vector<FlowReport>& reports);
// The JSON array of the reports (the document of `torvyn run --format json`), and one report.
std::string render_json(const std::vector<FlowReport>& reports);
nlohmann::json to_json(const FlowReport& report);

// Formatting shared by the summaries: "850 ns", "12.3 µs", "4.56 ms", "1.20 s"; "512 B",
// "3.0 KiB", "1.2 MiB"; 1234567 -> "1,234,567".
std::string human_duration(uint64_t ns);
std::string human_bytes(uint64_t n);
std::string human_count(double v);

}  // namespace torvyn::host

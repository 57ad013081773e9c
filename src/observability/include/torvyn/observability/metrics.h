// The read side of Torvyn's metrics: a snapshot model the host fills from its running flows,
// pools and copy ledger, and that the Prometheus exposition and the inspection API render.
//
// The observability layer depends on nothing but torvyn_base: the host (which owns reactor flows,
// buffer pools and component instances) implements MetricsSource, or registers providers with a
// MetricsRegistry (registry.h). Counters and histograms are read with relaxed atomic loads while
// the flow threads keep writing them, so a snapshot is recent, not a consistent cut.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/base/stats.h"

namespace torvyn::observability {

// DESIGN.md §8 levels. Off: nothing is recorded or exposed (the exposition is empty).
// Production: the metrics the operator's guide names. Diagnostic: Production plus per-stage
// invocation and copy counts, queue capacity/peak depth/backpressure events, pool occupancy.
enum class MetricsLevel : uint8_t { Off, Production, Diagnostic };

// "off" | "production" | "diagnostic" (the spelling of `[observability.tracing] level`).
std::string_view metrics_level_name(MetricsLevel level);
std::optional<MetricsLevel> parse_metrics_level(std::string_view text);

// One stage (node) of a flow: a component instance in a role.
struct StageSnapshot {
  std::string node;       // node id in the flow
  std::string component;  // component name ([[component]] name, or the file it came from)
  std::string role;       // source | processor | filter | router | aggregator | sink
  std::string engine;     // a component's engine now: "aot" | "interp" (it changes once under runtime.tiering); "" for built-in stages
  uint64_t invocations = 0;
  uint64_t elements_in = 0, elements_out = 0, dropped = 0;
  uint64_t batch = 1;                        // elements per call now: > 1 when the batch contract is in use
  uint64_t errors = 0;                       // component.errors
  const Histogram* processing_ns = nullptr;  // component.processing_time, per invocation (null: not measured)
  uint64_t memory_bytes = 0;                 // component.memory_current: the instance's linear memory
  uint64_t fuel_consumed = 0;                // component.fuel_consumed
  uint64_t copies = 0, copy_bytes = 0;       // payload copies between the host and this component
  // Pool buffers the instance holds now (allocated, not yet handed on or dropped), its budget
  // (max_buffer_bytes; 0 = unlimited) and the allocations its budget refused.
  uint64_t buffer_bytes = 0, buffer_budget_bytes = 0, budget_exceeded = 0;
  bool has_buffer_budget = false;  // a component instance (built-in stages have no budget line)
};

// One stream (edge) of a flow. `from`/`to` name the endpoints; the host may include ports
// ("split.even"). The Prometheus `stream` label is "<from>-><to>".
struct StreamSnapshot {
  std::string from, to;
  uint32_t capacity = 0;
  uint64_t depth = 0;                // stream.queue.current_depth
  uint64_t peak_depth = 0;
  uint64_t backpressure_events = 0;  // times the queue became full
  uint64_t backpressure_ns = 0;      // stream.backpressure.duration_ns (including an open episode)
  uint64_t dropped = 0;              // elements a drop policy discarded here
};

// A built-in connector node (nodes.<id> = { connector = "nats-jetstream", ... }): what it exchanged
// with its external system. Sources count acknowledgements, sinks publications.
struct ConnectorSnapshot {
  std::string node;
  std::string connector;  // "nats-jetstream"
  std::string role;       // "source" | "sink"
  uint64_t fetched = 0, acked = 0, failed_acked = 0, redelivered = 0, pending_acks = 0, in_progress = 0, ack_errors = 0,
           fetch_errors = 0;
  const Histogram* fetch_latency_ns = nullptr;  // per fetch that returned messages (sources)
  uint64_t published = 0, duplicates = 0, publish_errors = 0;
};

struct FlowSnapshot {
  std::string id;     // unique among the host's flows (the key of /flows/{id})
  std::string name;   // [flow.<name>]; the Prometheus `flow` label (the id when the name is empty)
  std::string state;  // Created | Validated | Instantiated | Running | Draining | Completed | Cancelled | Failed
  uint64_t elements_total = 0;      // flow.elements.total: elements produced by the flow's sources
  uint64_t elements_delivered = 0;  // elements that reached a sink
  uint64_t dropped = 0;
  uint64_t errors = 0;
  uint64_t retries = 0;
  double throughput = 0;                  // elements per second (the host's choice of window)
  const Histogram* latency_ns = nullptr;  // flow.latency: source -> sink per delivered element
  std::vector<StageSnapshot> stages;
  std::vector<StreamSnapshot> streams;
  std::vector<ConnectorSnapshot> connectors;
  // Keeps whatever the histogram pointers point into alive while the snapshot exists (a flow that
  // ends while a scrape is rendering it). Optional when the source guarantees it otherwise.
  std::shared_ptr<const void> keep_alive;
};

// One buffer-pool tier (small | medium | large | huge).
struct PoolSnapshot {
  std::string tier;
  uint64_t total = 0;              // blocks in the tier
  uint64_t available = 0;          // pool.available
  uint64_t in_use = 0;             // blocks held by live buffers
  uint64_t exhaustion_events = 0;  // pool.exhaustion_events
  uint64_t buffer_bytes = 0;       // block size
  uint64_t bytes_in_use = 0;
  uint64_t reserved = 0;           // blocks set aside for per-flow reservations
};

// A component as the host loaded it (for GET /components).
struct ComponentSnapshot {
  std::string name;
  std::string source;     // path or oci:// reference it was loaded from
  std::string interface;  // e.g. torvyn:streaming/processor
  std::string digest;     // "sha256:<64 lowercase hex>" of the .wasm bytes loaded; "" if not loaded
  std::vector<std::string> instances;  // "<flow>/<node>" for every instance
  std::vector<std::string> capabilities;
  uint64_t invocations = 0, errors = 0;
  uint64_t memory_bytes = 0, fuel_consumed = 0;
  // Summed over the instances: pool buffer bytes held, their budgets, refusals by the budgets.
  uint64_t buffer_bytes = 0, buffer_budget_bytes = 0, budget_exceeded = 0;
};

// The tracer's counters ([observability.tracing] level other than "off").
struct TracingSnapshot {
  std::string exporter;
  uint64_t elements_traced = 0, elements_kept = 0, elements_promoted = 0;
  uint64_t spans_recorded = 0, spans_dropped = 0, spans_exported = 0, spans_failed = 0;
  uint64_t traces_dropped = 0;  // kept elements dropped whole (their spans are in spans_dropped)
};

// Implemented by the host. Every method may be called from the inspection server's threads while
// flows run, and concurrently with itself: implementations read atomics and take their own locks.
class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  virtual std::vector<FlowSnapshot> flows() const = 0;
  virtual std::vector<PoolSnapshot> pools() const = 0;
  virtual uint64_t copies_total() const = 0;  // copies.total
  virtual uint64_t copies_bytes() const = 0;  // copies.bytes
  virtual std::vector<ComponentSnapshot> components() const = 0;
  // nullopt when tracing is off.
  virtual std::optional<TracingSnapshot> tracing() const { return std::nullopt; }
};

// The process's own memory from /proc/self/status (bytes; 0 where unavailable).
// system.memory.total is `resident`: what the operator's memory budget (host overhead + pool
// reservation + component memory) adds up to in practice.
struct ProcessMemory {
  uint64_t resident = 0;       // VmRSS
  uint64_t peak_resident = 0;  // VmHWM
  uint64_t virtual_size = 0;   // VmSize
};
ProcessMemory read_process_memory();

}  // namespace torvyn::observability

// Tracing (DESIGN.md §8, `[observability.tracing]`): W3C trace and span ids per element and per
// flow, a span per component invocation, head sampling at `sample_rate` with error and latency
// promotion, and export through a SpanExporter on a background thread.
//
// How it stays off the hot path:
// - A flow records compact SpanEvents (no strings, no allocation in steady state) into the
//   element's in-flight trace while the element travels. Only when its last copy is delivered,
//   dropped or failed is the keep decision made: head-sampled, or promoted because an invocation
//   failed (error_promote) or the element took longer than latency_promote_threshold_ms.
// - A kept element's spans go into the flow's single-producer ring, all of them or none: when the
//   ring has no room for the whole trace, the trace is dropped and counted (traces_dropped and
//   its spans in spans_dropped), so a collector never receives half a trace. A flow never waits
//   for the exporter.
// - The flow's lifecycle spans (the `flow` root, init, flush, complete, teardown) do not use the
//   ring: they go through a small reserved queue that is never full, so they are never dropped
//   and an `init` span never loses its parent. There are at most four per node and one per flow.
//   notify-backpressure spans, which a flow may record once per backpressure episode (millions
//   on a long run), share the ring and its accounting; their parent is the flow root, which
//   always arrives.
// - The export thread drains every ring to empty each time it runs, in batches of max_batch, and
//   runs every export_interval or as soon as a flow has pushed a quarter of its ring since it
//   last asked, whichever comes first. The ring is sized (span_ring_capacity) for what a flow
//   keeps in one export interval at the traced peak rate, with headroom for promotions; see
//   there for the arithmetic.
// - Elements that can never be kept (not sampled, no promotion configured) record nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/base/stats.h"
#include "torvyn/observability/span_exporter.h"
#include "torvyn/observability/trace_ids.h"

namespace torvyn::observability {

enum class TraceLevel : uint8_t { Off, Production, Diagnostic };

struct TracerOptions {
  TraceLevel level = TraceLevel::Off;
  double sample_rate = 1.0;                 // head sampling, per element; diagnostic keeps all
  bool error_promote = true;                // keep every element whose invocations failed
  double latency_promote_threshold_ms = 0;  // keep elements slower than this end to end; 0 = off
  size_t ring_capacity = 0;                 // per flow: spans waiting for the export thread;
                                            // 0 = span_ring_capacity(options, the flow's nodes)
  std::chrono::milliseconds export_interval{200};  // the longest the export thread sleeps
  size_t max_batch = 2048;                  // spans per export call
  // Export failures are reported here once per distinct message (default: stderr).
  std::function<void(std::string_view)> log = nullptr;
};

// Ring sizing. A traced flow calls its components once per element (it never batches). The
// `torvyn init --template transform` pipeline (source -> transform -> sink, `aot`) at the
// operator guide's setting ran at 0.75-0.83 M elements/s on the reference machine (2 vCPU, idle;
// 0.36-0.5 M/s when shared); kTracedPeakElementsPerSecond rounds that up.
constexpr double kTracedPeakElementsPerSecond = 1'000'000;
constexpr size_t kMinSpanRing = 4096, kMaxSpanRing = 65536;
// The per-flow ring capacity for `options` on a flow of `nodes` nodes: what the flow keeps in one
// export_interval at kTracedPeakElementsPerSecond — spans per element (the root plus one per
// node), times the kept fraction (sample_rate, or 1 at diagnostic level), doubled for promoted
// elements and for the export that may be running when the interval ends — rounded up to a power
// of two within [kMinSpanRing, kMaxSpanRing]. The operator guide's setting (sample_rate 0.01,
// promotions) on a 3-node flow: 1 M/s x 0.01 x 4 spans x 0.2 s x 2 = 16,000 -> 16,384 spans
// (~2.6 MiB). The export thread is also woken every quarter ring, so in practice the ring is
// far from full; at rates no exporter keeps up with (sample_rate 1 on a fast flow: millions of
// spans/s) the cap bounds the memory and whole traces are dropped and counted instead.
size_t span_ring_capacity(const TracerOptions& options, size_t nodes);

// What a span stands for. Element: the root span of one element, from its source pull to its
// last delivery or drop. Flow: the root span of a flow's lifecycle trace.
enum class SpanOp : uint8_t {
  Element, Flow, Pull, Process, Evaluate, Route, Ingest, Flush, Push, Complete, Init, Teardown, NotifyBackpressure
};
std::string_view span_op_name(SpanOp op);

// How an element's journey ended (root span attribute torvyn.element.outcome).
enum class ElementOutcome : uint8_t { Delivered, Dropped, Filtered, Unrouted, Aggregated, Overflow, Failed, Cancelled };
std::string_view element_outcome_name(ElementOutcome o);

constexpr uint32_t kNoNode = UINT32_MAX;

// One span as a flow records it. Times are steady-clock ns since the flow's time base.
// The plain fields of a span (trivially copyable, so a reused span is reset with one assignment).
struct SpanFields {
  TraceId trace;
  SpanId span, parent;
  uint64_t start_ns = 0, end_ns = 0;
  uint64_t sequence = 0;
  uint64_t buffer_in = 0, buffer_out = 0;  // raw buffer ids (slot + generation), 0 = none
  uint64_t copies = 0, bytes_copied = 0;   // diagnostic level: payload copies during the call
  uint64_t queue_wait_ns = 0;              // element's wait from its producer's output to this call
  uint64_t backpressure_wait_ns = 0;       // of which, waiting for room in a full queue
  uint64_t fuel = 0;                       // diagnostic level
  uint32_t node = kNoNode;
  SpanOp op = SpanOp::Process;
  bool error = false;
  ElementOutcome outcome = ElementOutcome::Delivered;  // Element spans
  uint8_t kept_by = 0;                                 // Element spans: KeptBy bits
};

struct SpanEvent : SpanFields {
  std::string message;        // failure text (empty otherwise)
  std::string_view state;     // Flow spans: final state (a static string)
};

enum KeptBy : uint8_t { kKeptHead = 1, kKeptError = 2, kKeptLatency = 4 };

// What the export thread needs to name a flow's spans. Immutable once the flow runs.
struct FlowTraceInfo {
  std::string flow;
  struct Node {
    std::string id, component, role;
  };
  std::vector<Node> nodes;
  uint64_t epoch_base_ns = 0;  // Unix time (ns) of the flow's steady-clock time base
};

// Single-producer single-consumer ring of span events (flow thread -> export thread).
class SpanRing {
 public:
  explicit SpanRing(size_t capacity);  // rounded up to a power of two
  bool push(SpanEvent&& e);            // false when full
  bool pop(SpanEvent& e);
  // Free slots as the producer sees them (the consumer only ever adds room): a producer that
  // sees n free slots can push n events.
  size_t free_slots() const {
    return slots_.size() - (tail_.load(std::memory_order_relaxed) - head_.load(std::memory_order_acquire));
  }
  uint64_t pushed() const { return tail_.load(std::memory_order_relaxed); }  // producer side
  bool empty() const { return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire); }
  size_t capacity() const { return slots_.size(); }

 private:
  std::vector<SpanEvent> slots_;
  size_t mask_;
  alignas(64) std::atomic<uint64_t> head_{0};  // next to pop (consumer)
  alignas(64) std::atomic<uint64_t> tail_{0};  // next to push (producer)
};

struct TracerStats {
  uint64_t elements_traced = 0;    // elements that got a trace id
  uint64_t elements_kept = 0;      // of those, to be exported (sampled or promoted)
  uint64_t elements_promoted = 0;  // kept only because of an error or latency
  uint64_t spans_recorded = 0;     // spans queued for export (ring or lifecycle queue)
  uint64_t spans_dropped = 0;      // no room in the ring (the spans of dropped traces included)
  uint64_t traces_dropped = 0;     // kept elements dropped whole for want of room in the ring
  uint64_t spans_exported = 0;
  uint64_t spans_failed = 0;       // in batches the exporter rejected
};

class Tracer;

// The per-flow side: used only on the flow's thread (it is the ring's one producer).
class FlowTrace {
 public:
  FlowTrace(std::shared_ptr<Tracer> tracer, std::shared_ptr<const FlowTraceInfo> info);
  ~FlowTrace();
  FlowTrace(const FlowTrace&) = delete;
  FlowTrace& operator=(const FlowTrace&) = delete;

  bool diagnostic() const { return diagnostic_; }
  SpanId new_span_id() { return ids_.span_id(); }

  // Element traces live in slots (never 0) reused from a free list.
  uint32_t begin_element(uint64_t now_ns);
  // Drops an element that was never produced (the pull returned nothing).
  void abandon_element(uint32_t slot);
  const TraceId& trace_id(uint32_t slot) const { return slots_[slot].trace; }
  void set_sequence(uint32_t slot, uint64_t sequence) { slots_[slot].sequence = sequence; }
  void add_refs(uint32_t slot, uint32_t n) { slots_[slot].refs += n; }
  // False when nothing recorded for the element can be exported (not sampled, no promotion):
  // callers skip building its spans; a failure still marks it (mark_error).
  bool collecting(uint32_t slot) const { return slots_[slot].collect; }
  void mark_error(uint32_t slot) { slots_[slot].error = true; }
  // Records an invocation span of the element (trace, parent and sequence filled in here).
  void record(uint32_t slot, SpanEvent&& e);
  // The same, built in place: a new span of the element with trace, parent and sequence set,
  // for the caller to fill in (valid until the next call on this FlowTrace); nullptr when the
  // element is not collecting.
  SpanEvent* add_span(uint32_t slot);
  // Drops one reference; the last one closes the root span and exports the trace if kept.
  void end_element(uint32_t slot, uint64_t now_ns, ElementOutcome outcome);

  // The flow's lifecycle trace (init, flush, complete, teardown, notify-backpressure): always kept.
  const TraceId& flow_trace_id() const { return flow_trace_; }
  void record_lifecycle(SpanEvent&& e);
  // `state` must be a string with static lifetime (the flow-state names); `failure` is the
  // flow's error when it failed.
  void finish_flow(uint64_t start_ns, uint64_t end_ns, std::string_view state, bool failed, std::string failure);

  // This flow's counts (spans_exported / spans_failed: of this flow's spans). Any thread.
  TracerStats stats() const;
  size_t ring_capacity() const;

 private:
  struct Slot {
    TraceId trace;
    SpanId root;
    uint64_t start_ns = 0, sequence = 0;
    uint32_t refs = 0;
    bool sampled = false, collect = false, error = false;
    // The element's spans so far: the first `used` entries. Entries past it are kept from
    // earlier elements of this slot and reused, so collecting allocates nothing in steady state.
    std::vector<SpanEvent> spans;
    uint32_t used = 0;
  };
  SpanEvent& next_span(Slot& s);
  void publish(SpanEvent&& e);          // into the ring (the caller checked free_slots)
  void publish_reserved(SpanEvent&& e); // into the lifecycle queue: never dropped
  void pushed_to_ring();                // wakes the export thread every quarter ring

  std::shared_ptr<Tracer> tracer_;
  struct Channel;
  std::shared_ptr<Channel> channel_;
  IdGenerator ids_;
  bool diagnostic_;
  double sample_rate_;
  bool error_promote_;
  uint64_t latency_threshold_ns_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  TraceId flow_trace_;
  SpanId flow_span_;
  uint64_t next_wake_ = 0;  // ring pushes after which the export thread is woken
  friend class Tracer;
};

class Tracer : public std::enable_shared_from_this<Tracer> {
 public:
  // Starts the export thread. Level Off is not a tracer: callers simply do not create one.
  static std::shared_ptr<Tracer> create(TracerOptions options, std::unique_ptr<SpanExporter> exporter, TraceResource resource);
  ~Tracer();

  const TracerOptions& options() const { return options_; }
  std::string_view exporter_name() const { return exporter_->name(); }
  std::unique_ptr<FlowTrace> open_flow(std::shared_ptr<const FlowTraceInfo> info);

  // Exports everything recorded so far and flushes the exporter; then stops the thread.
  // Idempotent. Flows must be finished (their FlowTraces may still exist).
  void shutdown();
  TracerStats stats() const;

 private:
  friend class FlowTrace;
  Tracer(TracerOptions options, std::unique_ptr<SpanExporter> exporter, TraceResource resource);
  void export_loop();
  void request_drain();  // from a flow thread: run the export thread now
  size_t drain();
  SpanRecord materialize(const FlowTraceInfo& info, const SpanEvent& e) const;
  void report(const Status& s, size_t spans);

  TracerOptions options_;
  std::unique_ptr<SpanExporter> exporter_;
  TraceResource resource_;
  mutable std::mutex mu_;  // channels_ and the wakeup
  std::condition_variable wake_;
  std::vector<std::shared_ptr<FlowTrace::Channel>> channels_;
  bool stopping_ = false;
  bool drain_requested_ = false;
  std::thread thread_;
  std::vector<SpanRecord> batch_;  // export thread only
  std::vector<FlowTrace::Channel*> batch_owners_;  // export thread only: whose each span in batch_ is
  std::string last_error_;         // export thread only
  TracerStats retired_;  // counts of channels already removed (under mu_)
  std::atomic<uint64_t> exported_{0}, failed_{0};
};

}  // namespace torvyn::observability

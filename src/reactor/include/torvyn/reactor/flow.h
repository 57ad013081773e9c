// A flow: stages connected by bounded queues, driven by one driver on one thread (DESIGN.md §7).
//
// Scheduling is consumer-first: each round runs the stages nearest the sinks first, draining
// their inputs while their outputs have room, and only then pulls from sources (at most half a
// queue per round). A stage whose output queue is full is not run, so a full queue stops its
// producer, whose own input then fills, and so on up to the sources (cascading backpressure);
// sources are told with notify-backpressure. Sinks that answer `pause` are not pushed to again
// for `sink_pause`. Drop policies (drop-oldest, drop-newest, error) make an edge non-blocking.
//
// A stage runs a run of elements per turn, never more than its outputs have credit for, so no
// element it hands on has to wait beside a full queue. Sources, processors and sinks whose stage
// has batch forms (Stage::max_batch() > 1) get up to min(max_batch(), FlowOptions::max_batch)
// elements per call; other stages and roles get per-element calls (DESIGN.md §2a).
//
// Clock reads are what an element costs most on a virtual machine, so the driver reads the clock
// once per run of calls, not per call: a batch call is one run; per-element calls are grouped
// into runs short enough (pacing.h) that a run's end is a fair time for each of its elements.
// Times per call (component.processing_time) are a run's time shared by its calls; an element's
// timestamp is the end of the source run that made it, its delivery time the end of the sink run
// that took it. Traced flows time every call exactly (their spans need it).
//
// Lifecycle: start() runs `init(config)` on every stage in topological order; run rounds with
// step(); when the sources are exhausted (or stop/limit/timeout), the flow drains: aggregators
// flush, sinks complete, then finish() tears stages down in reverse topological order and
// returns every buffer to the pool. Executor (executor.h) is the loop that does this, for one
// flow or many.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/base/stats.h"
#include "torvyn/observability/tracer.h"
#include "torvyn/reactor/element_queue.h"
#include "torvyn/reactor/flow_context.h"
#include "torvyn/reactor/stage.h"
#include "torvyn/resources/buffer_pool.h"
#include "torvyn/resources/copy_ledger.h"

namespace torvyn::reactor {

enum class BackpressurePolicy : uint8_t { BlockProducer, DropOldest, DropNewest, Error };
enum class ErrorPolicy : uint8_t { FailFast, Skip, Retry };
enum class FlowState : uint8_t { Created, Validated, Instantiated, Running, Draining, Completed, Cancelled, Failed };
std::string_view flow_state_name(FlowState s);

struct FlowOptions {
  std::string name;
  ErrorPolicy error_policy = ErrorPolicy::FailFast;
  uint32_t max_retries = 3;
  std::chrono::milliseconds retry_backoff{10};  // doubled per attempt
  double low_watermark_ratio = 0.5;
  uint64_t limit = 0;                            // elements to pull from sources in total; 0 = all
  std::chrono::nanoseconds sink_pause{std::chrono::milliseconds(1)};
  uint32_t yield_every = 1024;                   // stage invocations per step() (fairness between flows)
  // Most elements per batch call (processors, sinks and sources with batch forms); 1 = every
  // stage gets per-element calls. The stage's own max_batch() and its outputs' credit bound it too.
  uint32_t max_batch = 64;
  // A stage whose elements take longer than this each falls back to per-element calls. Batching
  // saves the crossings (well under a microsecond per element); for a stage this slow that is under
  // 2 % of its time, while a batch holds the flow's thread for the whole batch: a slow sink taking
  // 64 elements at once would starve its source (which then never looks backpressured), and every
  // element would wait for the batch's last. Production keeps the default; the instruction-count
  // benchmarks raise it, since under callgrind every stage runs ~50x slower than it does natively
  // and would fall back where the real one does not.
  std::chrono::nanoseconds batch_slow{50'000};
  // Per-element calls between clock reads (pacing.h): 0, production's setting, derives each
  // stage's stride from its calls' measured times; n pins every stage's runs to n calls (at most
  // pacing::kMaxStride). The instruction-count benchmarks pin it to the stride the same stages get
  // natively, for the reason given above: under callgrind calls slow down far more than clock
  // reads, and measured strides would come out short runs that production never makes.
  uint32_t pacing_stride = 0;
  // The longest a stage keeps running in one round (checked between runs of calls, when stage
  // time is measured). A stage slower than its producers therefore lets its input queue fill, and the
  // backpressure shows on that stream, as an operator expects of a slow consumer.
  std::chrono::nanoseconds stage_slice{std::chrono::milliseconds(1)};
  bool measure_stage_time = true;                // component.processing_time
  // The flow-context components see; the driver sets its trace/span ids and deadline before
  // every invocation. Null: no component reads one (host stages only, benchmarks).
  FlowContextState* context = nullptr;
  std::chrono::nanoseconds invocation_timeout{0};  // reported as deadline-ns(); 0 = none
};

struct EdgeOptions {
  uint32_t queue_depth = 64;
  BackpressurePolicy policy = BackpressurePolicy::BlockProducer;
};

struct StageStats {
  Counter invocations, errors, elements_in, elements_out, dropped;
  // Sources: since when (steady-clock ns) backpressure has held it paused, 0 while it may produce;
  // and 1 once it produces no more. Read by the inspection API (Flow::paused).
  Counter paused_since_ns, source_done;
  Counter batch;          // elements per call now (1: per-element calls; see Flow::start)
  Counter runs;           // runs of calls that ended with a clock read: invocations / runs = calls per read
  Counter memory_bytes;   // linear memory, sampled after every scheduling round
  Counter fuel_consumed;  // total over every pull/process/push/... invocation
  Histogram processing_ns;  // per invocation
};

struct FlowStats {
  Counter elements_produced;   // by sources
  Counter elements_delivered;  // to sinks
  Counter elements_dropped;    // filters, processors answering drop, router with no port, drop policies
  Counter errors;              // invocations that failed (skipped, retried or fatal)
  Counter retries;
  Counter reclaimed_buffers;   // buffers components still held at teardown
  Histogram latency_ns;        // source -> sink, per delivered element (flow.latency)
  std::chrono::steady_clock::time_point started, finished;
};

class Flow {
 public:
  Flow(FlowOptions options, resources::BufferPool& pool, resources::CopyLedger& ledger);
  ~Flow();

  // Building (state Created). Node ids must be unique; edges name nodes by index.
  size_t add_node(std::string id, std::unique_ptr<Stage> stage, std::string config);
  void add_edge(size_t from, std::string from_port, size_t to, std::string to_port, EdgeOptions options);
  // Topology checks (roles vs edges, cycles) -> Validated.
  Status validate();

  // init() every stage -> Running. On failure the flow is Failed (already-initialised stages are
  // torn down by finish()).
  Status start();
  // One scheduling round. Returns false once the flow has finished draining (or failed); then
  // call finish().
  bool step();
  // When step() made no progress because every runnable stage waits for a timer (a paused sink):
  // the time to wake up. steady_clock::time_point::max() when not waiting.
  std::chrono::steady_clock::time_point idle_until() const { return idle_until_; }
  bool progressed() const { return progressed_; }
  // Teardown in reverse topological order and release of every buffer. Idempotent.
  void finish();

  // Traces this flow's elements and lifecycle with `tracer` (before start()). `components` names
  // each node's component (by node id) for span attributes; nodes not listed are built-in.
  void enable_tracing(const std::shared_ptr<observability::Tracer>& tracer, const std::map<std::string, std::string>& components);
  // This flow's tracing counts (kept, exported, dropped); nullopt when it is not traced.
  std::optional<observability::TracerStats> trace_stats() const;

  // Runs this flow alone on the calling thread with an Executor (start, steps, finish) until done
  // or `stop` becomes true (then drains). Returns the flow's failure, if any.
  Status run(const std::atomic<bool>* stop = nullptr);

  // Thread-safe: sources stop being pulled; queued elements still reach the sinks.
  void request_stop() { stop_requested_.store(true, std::memory_order_relaxed); }

  FlowState state() const { return state_.load(std::memory_order_relaxed); }
  // Running, but stalled by backpressure: every source still producing has been held paused for
  // at least `at_least` (the operator guide's `Paused` flow state; a flow whose sink only slows
  // it down keeps pausing and resuming its sources and stays Running). Any thread.
  bool paused(std::chrono::steady_clock::time_point now, std::chrono::nanoseconds at_least) const;
  const std::string& name() const { return options_.name; }
  const Error* failure() const { return failure_ ? &*failure_ : nullptr; }
  // The node whose call failed the flow (empty when the failure was not a call's).
  const std::string& failed_node() const { return failed_node_; }
  const FlowStats& stats() const { return stats_; }

  // Introspection for summaries and the inspection API (read-only; counters are safe to read
  // from other threads, the structure is fixed once the flow is Running).
  struct NodeView {
    std::string id;
    const Stage* stage;
    const StageStats* stats;
  };
  struct EdgeView {
    std::string from, from_port, to, to_port;
    const ElementQueue* queue;
    BackpressurePolicy policy;
  };
  std::vector<NodeView> nodes() const;
  std::vector<EdgeView> edges() const;

 private:
  struct Node;
  struct Edge;
  struct Reply;
  // Diagnostic tracing: the stage's copy-ledger counts before a call, or what a call spent
  // (copies, bytes, fuel) for its span.
  struct CallCost {
    uint64_t copies = 0, bytes = 0, fuel = 0;
  };

  // Running stages (flow_run.cc: consumers; flow_source.cc: sources; flow_settle.cc: calls,
  // retries, outcomes).
  void run_consumer(Node& n, uint32_t& budget);
  uint32_t run_singles(Node& n, Edge& in, uint32_t k);
  template <Role R>
  uint32_t run_singles_as(Node& n, Edge& in, uint32_t k);
  uint32_t run_traced(Node& n, Edge& in);
  uint32_t run_batch(Node& n, Edge& in, uint32_t k);
  uint32_t run_source(Node& n, uint32_t max);
  uint32_t pull_singles(Node& n, uint32_t k);
  uint32_t pull_traced(Node& n);
  uint32_t pull_batch(Node& n, uint32_t k);
  Edge* next_input(Node& n);
  uint32_t out_credit(const Node& n) const;
  bool timed(const Node& n) const;
  void end_run(Node& n, std::chrono::steady_clock::time_point t0, uint32_t calls);
  void delivered(uint64_t origin_ns) {
    if (origin_ns == latency_origin_) ++latency_count_;
    else delivered_new_origin(origin_ns);
  }
  void delivered_new_origin(uint64_t origin_ns);
  void flush_latency();
  CallStatus invoke(Node& n, const InElement& in, Reply& r);
  void count_fuel(Node& n);
  template <Role R>
  CallStatus invoke_as(Node& n, const InElement& in, Reply& r);
  CallStatus retry(Node& n, const Element& e, const InElement& in, CallStatus st, Reply& r);
  void settle(Node& n, const Element& e, const CallStatus& st, std::optional<OutElement>& out, bool keep);
  void settle_outcome(Node& n, const Element& e, BatchOutcome& o, bool& pause);
  void source_done(Node& n);  // a source produces no more (exhausted, limit, stop)

  // Queues, delivery and buffers (flow_deliver.cc; the per-element fast paths, inline, in
  // flow_internal.h).
  void emit(Node& n, const OutElement& out, uint64_t sequence, uint64_t timestamp_ns, uint64_t origin_ns, uint32_t trace, uint32_t lineage);
  void hand_on(Node& n, const Element& e);
  void forward(Node& n, const Element& e, const std::vector<std::string>* ports);
  void deliver(Node& n, const Element& e, Edge* const* targets, size_t count);
  void push_edge(Edge& edge, const Element& e);
  void drain_backlog(Node& n);
  void release(const Element& e);
  void release_later(resources::BufferId id);
  void release_settled();
  void release_out(const OutElement& out);
  void after_pop(Edge& edge);
  void source_backpressure(Node& n);
  uint32_t intern(std::string_view content_type);
  uint32_t intern_slow(std::string_view content_type);

  // At-least-once lineage (flow_lineage.cc): which acknowledging source elements (OutElement::ack_id)
  // an element in flight derives from. Slot 0 = none; a slot counts the elements holding it; a
  // group slot (an aggregate) holds the slots of the inputs it was made from.
  uint32_t lineage_begin(uint32_t source, uint64_t ack_id);
  void lineage_ref(uint32_t id, uint32_t more) {
    if (id) lineage_[id].refs += more;
  }
  void end_lineage(uint32_t id, bool failed) {
    if (id) end_lineage_now(id, failed);
  }
  void end_lineage_now(uint32_t id, bool failed);
  // The lineage of `refs` outputs made from `inputs` (cleared): one input's own, or a group.
  uint32_t lineage_group(std::vector<uint32_t>& inputs, uint32_t refs);
  void lineage_origin(uint32_t id, InElement& in) const;

  // Tracing and flow-context around invocations (flow_trace.cc; no-ops when neither is configured).
  observability::SpanId enter_call(const observability::TraceId& trace, std::chrono::steady_clock::time_point now);
  observability::SpanId enter_call_now(const observability::TraceId& trace, std::chrono::steady_clock::time_point now);
  void trace_call(const Node& n, uint32_t trace, observability::SpanOp op, observability::SpanId span, std::chrono::steady_clock::time_point t0,
                  std::chrono::steady_clock::time_point t1, const CallStatus& st, const Element* in, resources::BufferId out,
                  const CallCost& spent);
  void trace_lifecycle(const Node& n, observability::SpanOp op, observability::SpanId span, std::chrono::steady_clock::time_point t0,
                       const CallStatus& st);
  void end_trace(uint32_t trace, observability::ElementOutcome outcome) {
    if (trace_ && trace) end_trace_now(trace, outcome);
  }
  void end_trace_now(uint32_t trace, observability::ElementOutcome outcome);
  template <class Call>
  CallStatus lifecycle_call(Node& n, observability::SpanOp op, Call&& call);
  CallCost cost_before(const Node& n) const;
  CallCost cost_since(const Node& n, const CallCost& before) const;

  // Lifecycle and state (flow.cc, flow_step.cc).
  bool handle_failure(Node& n, const CallStatus& st, const char* call);
  void fail(Error e);
  // Fails the flow for node `n`'s failed call: "<who> `id` failed in <call>: ..." with the code of
  // what failed (a trap's own code, else ComponentFailed). Returns the error.
  Error fail_call(const Node& n, const char* call, const CallStatus& st, const char* who = "node");
  void update_completion();
  uint64_t flow_ns(std::chrono::steady_clock::time_point t) const { return static_cast<uint64_t>((t - steady_base_).count()); }
  uint64_t epoch_ns(std::chrono::steady_clock::time_point t) const;
  // Reads the clock and remembers it: the one clock read of a run (untraced elements are never
  // stamped anywhere else).
  std::chrono::steady_clock::time_point stamp() { return now_ = std::chrono::steady_clock::now(); }

  FlowOptions options_;
  resources::BufferPool& pool_;
  resources::CopyLedger& ledger_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Edge>> edges_;
  std::vector<size_t> topo_;  // topological order
  std::vector<std::string> content_types_;
  uint32_t last_interned_ = 0;
  std::string_view last_content_type_;  // content_types_[last_interned_]
  std::atomic<FlowState> state_{FlowState::Created};
  std::atomic<bool> stop_requested_{false};
  bool stopping_ = false, finished_ = false, progressed_ = false;
  uint64_t pulled_ = 0;
  std::optional<Error> failure_;
  std::string failed_node_;
  FlowStats stats_;
  std::chrono::steady_clock::time_point idle_until_ = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point now_{};  // the last clock read (stamp())
  std::chrono::steady_clock::time_point steady_base_;
  uint64_t epoch_base_ns_ = 0;
  // Scratch, reused so that the element path allocates nothing in steady state.
  std::vector<std::string> ports_scratch_;
  std::vector<OutElement> flush_scratch_;
  std::vector<Edge*> targets_scratch_;
  std::vector<InElement> batch_in_;
  std::vector<BatchOutcome> batch_out_;
  std::vector<resources::BufferId> batch_release_;  // inputs a run settled, released together (release_later)
  size_t released_ = 0;
  std::vector<OutElement> pulled_scratch_;
  std::vector<Element> made_scratch_;        // elements a source run made, stamped at its end
  // Elements a sink run delivered, as (origin, count): a source run's elements share their
  // origin, so a sink run's latencies come in runs of equal values, recorded at once.
  std::vector<std::pair<uint64_t, uint32_t>> pending_latency_;
  uint64_t latency_origin_ = UINT64_MAX;  // the run of equal origins being counted
  uint32_t latency_count_ = 0;
  std::unique_ptr<observability::FlowTrace> trace_;
  struct LineageSlot {
    uint32_t refs = 0;
    uint32_t source = 0;  // node index of the acknowledging source
    uint64_t ack_id = 0;  // groups: the ack_id of the input that completed them (their origin)
    bool failed = false;
    std::vector<uint32_t> inputs;  // a group's input lineages
  };
  std::vector<LineageSlot> lineage_{1};  // slot 0 is "none"
  std::vector<uint32_t> lineage_free_;
};

}  // namespace torvyn::reactor

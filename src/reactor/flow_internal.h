// The flow's private pieces, shared by the files that implement Flow (flow.cc: building and
// lifecycle; flow_step.cc: rounds and completion; flow_run.cc: running consumers;
// flow_source.cc: running sources; flow_settle.cc: outcomes and retries; flow_deliver.cc: queues
// and buffers; flow_trace.cc: tracing).
#pragma once

#include <cstring>
#include <deque>

#include "torvyn/base/short_text.h"
#include "torvyn/reactor/flow.h"

namespace torvyn::reactor {

using Clock = std::chrono::steady_clock;

struct Flow::Edge {
  size_t from, to;
  std::string from_port, to_port;
  BackpressurePolicy policy;
  ElementQueue queue;
  Edge(size_t f, std::string fp, size_t t, std::string tp, EdgeOptions o, double low)
      : from(f), to(t), from_port(std::move(fp)), to_port(std::move(tp)), policy(o.policy), queue(o.queue_depth, low) {}
  bool blocking() const { return policy == BackpressurePolicy::BlockProducer; }
};

struct Flow::Node {
  std::string id;
  uint32_t index = 0;  // in nodes_
  std::unique_ptr<Stage> stage;
  std::string config;
  Role role;
  std::vector<Edge*> inputs, outputs;
  Edge* sole_output = nullptr;             // outputs[0] when it is the only one (start())
  size_t next_input = 0;                   // round-robin over inputs (fan-in)
  std::deque<std::pair<Element, Edge*>> backlog;  // outputs waiting for queue space
  bool initialized = false;
  bool exhausted = false;                  // source: no more elements; others: inputs finished
  bool finished = false;                   // flushed/completed and backlog delivered
  bool source_paused = false;              // notify-backpressure(pause) sent
  uint32_t batch = 1;                      // elements per call now: > 1 = batch forms
  uint32_t batch_max = 1;                  // ... as start() set it (the stage, runtime.max_batch, tracing)
  bool batch_only = false;                 // a source always pulled with pull_batch (Stage::batch_only)
  bool metered = false;                    // Stage::meters_fuel(): its fuel is counted after each call
  uint32_t stride = 1;                     // per-element calls per clock read (pacing.h)
  uint64_t aggregate_seq = 0;              // aggregators number their outputs
  uint64_t next_sequence = 0;              // sources number theirs, from 0
  Clock::time_point paused_until{};        // sink answered `pause`
  std::vector<uint32_t> ingested;          // aggregator: lineages of the inputs since its last output
  StageStats stats;
};

// What a per-element call hands back besides its status (a router's ports go to ports_scratch_).
struct Flow::Reply {
  std::optional<OutElement> out;  // processor, aggregator
  bool keep = false;              // filter
  bool pause = false;             // sink
};

// ---- the per-element fast paths (one output, room in it, no backlog, not traced: inline) ----

// A stage almost always emits the content type it emitted last.
inline uint32_t Flow::intern(std::string_view ct) {
  return same_short_text(ct, last_content_type_) ? last_interned_ : intern_slow(ct);
}

// component.fuel_consumed, after an invocation.
inline void Flow::count_fuel(Node& n) {
  if (n.metered) n.stats.fuel_consumed.add(n.stage->fuel_consumed());
}

inline void Flow::release(const Element& e) {
  (void)pool_.release(e.payload);  // a fanned-out payload: the pool counts its holders (share())
}

// The inputs a batch run settles the common way (a processor's result, a sink's delivery) go
// back to the pool together, through its batch release, at the run's end (release_settled).
// (Per-element runs release each at once: they are a few elements long, too short to gain.)
inline void Flow::release_settled() {
  if (!released_) return;
  (void)pool_.release(std::span<const resources::BufferId>(batch_release_.data(), released_));
  released_ = 0;
}
inline void Flow::release_later(resources::BufferId id) { batch_release_[released_++] = id; }

// Sends `e` (this node holds its reference) to every output: one output with room is pushed
// here; fan-out, backlog, full queues, drop policies and traced elements go through forward().
inline void Flow::hand_on(Node& n, const Element& e) {
  Edge* edge = n.sole_output;
  if (edge && !edge->queue.full() && !(e.trace && trace_) && n.backlog.empty()) {
    n.stats.elements_out.add();
    if (edge->queue.push(e)) source_backpressure(n);
    return;
  }
  forward(n, e, nullptr);
}

// An element a stage produced, to every output: built in place in the sole output's queue when
// hand_on() would push it there anyway.
[[gnu::always_inline]] inline void Flow::emit(Node& n, const OutElement& out, uint64_t sequence, uint64_t timestamp_ns, uint64_t origin_ns, uint32_t trace,
                                             uint32_t lineage) {
  Edge* edge = n.sole_output;
  if (edge && !edge->queue.full() && !(trace && trace_) && n.backlog.empty()) {
    Element& e = edge->queue.next_slot();
    e.sequence = sequence;
    e.timestamp_ns = timestamp_ns;
    e.origin_ns = origin_ns;
    e.payload = out.payload;
    e.content_type = intern(out.content_type);
    e.trace = 0;
    e.lineage = lineage;
    e.emitted_ns = e.queued_ns = 0;
    n.stats.elements_out.add();
    if (edge->queue.commit_push()) source_backpressure(n);
    return;
  }
  Element e;
  e.sequence = sequence;
  e.timestamp_ns = timestamp_ns;
  e.origin_ns = origin_ns;
  e.payload = out.payload;
  e.content_type = intern(out.content_type);
  e.trace = trace;
  e.lineage = lineage;
  forward(n, e, nullptr);
}

// Whether a run of `n` ends with a clock read: sources (their elements' timestamps) and sinks
// (delivery time, flow.latency) always; other stages when stage time is measured, when calls
// carry a deadline (so that it stays close to the truth) or when the flow is traced.
inline bool Flow::timed(const Node& n) const {
  return n.role == Role::Source || n.role == Role::Sink || trace_ || options_.measure_stage_time || options_.invocation_timeout.count();
}

// The per-element call of a consumer's role.
[[gnu::always_inline]] inline CallStatus Flow::invoke(Node& n, const InElement& in, Reply& r) {
  switch (n.role) {
    case Role::Processor: return n.stage->process(in, r.out);
    case Role::Filter: return n.stage->evaluate(in, r.keep);
    case Role::Router: return n.stage->route(in, ports_scratch_);
    case Role::Aggregator: return n.stage->ingest(in, r.out);
    case Role::Sink: return n.stage->push(in, r.pause);
    case Role::Source: break;
  }
  return {};
}

// The same, the role known where it is called.
template <Role R>
[[gnu::always_inline]] inline CallStatus Flow::invoke_as(Node& n, const InElement& in, Reply& r) {
  if constexpr (R == Role::Processor) return n.stage->process(in, r.out);
  else if constexpr (R == Role::Filter) return n.stage->evaluate(in, r.keep);
  else if constexpr (R == Role::Router) return n.stage->route(in, ports_scratch_);
  else if constexpr (R == Role::Aggregator) return n.stage->ingest(in, r.out);
  else if constexpr (R == Role::Sink) return n.stage->push(in, r.pause);
  else return {};
}

inline observability::SpanId Flow::enter_call(const observability::TraceId& trace, Clock::time_point now) {
  return trace_ || options_.context ? enter_call_now(trace, now) : observability::SpanId{};
}

inline Flow::CallCost Flow::cost_before(const Node& n) const {
  if (!trace_ || !trace_->diagnostic() || n.stage->owner() == resources::kHostOwner) return {};
  return {ledger_.copies(n.stage->owner()), ledger_.bytes(n.stage->owner()), 0};
}

// A lifecycle call (init, notify-backpressure, flush, complete, teardown): published to
// flow-context and recorded as a span of the flow's lifecycle trace.
template <class Call>
inline CallStatus Flow::lifecycle_call(Node& n, observability::SpanOp op, Call&& call) {
  Clock::time_point t0 = Clock::now();
  observability::SpanId span = enter_call(trace_ ? trace_->flow_trace_id() : observability::TraceId{}, t0);
  CallStatus st = call();
  trace_lifecycle(n, op, span, t0, st);
  return st;
}

}  // namespace torvyn::reactor

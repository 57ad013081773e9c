#include "torvyn/reactor/flow.h"

#include <algorithm>
#include <thread>

namespace torvyn::reactor {

using Clock = std::chrono::steady_clock;
using observability::ElementOutcome;
using observability::SpanEvent;
using observability::SpanId;
using observability::SpanOp;
using observability::TraceId;

std::string_view flow_state_name(FlowState s) {
  switch (s) {
    case FlowState::Created: return "Created";
    case FlowState::Validated: return "Validated";
    case FlowState::Instantiated: return "Instantiated";
    case FlowState::Running: return "Running";
    case FlowState::Draining: return "Draining";
    case FlowState::Completed: return "Completed";
    case FlowState::Cancelled: return "Cancelled";
    case FlowState::Failed: return "Failed";
  }
  return "?";
}

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
  size_t next_input = 0;                   // round-robin over inputs (fan-in)
  std::deque<std::pair<Element, Edge*>> backlog;  // outputs waiting for queue space
  bool initialized = false;
  bool exhausted = false;                  // source: no more elements; others: inputs finished
  bool finished = false;                   // flushed/completed and backlog delivered
  bool source_paused = false;              // notify-backpressure(pause) sent
  uint64_t aggregate_seq = 0;              // aggregators number their outputs
  uint64_t next_sequence = 0;              // sources number theirs, from 0
  Clock::time_point paused_until{};        // sink answered `pause`
  StageStats stats;
};

Flow::Flow(FlowOptions options, resources::BufferPool& pool, resources::CopyLedger& ledger)
    : options_(std::move(options)), pool_(pool), ledger_(ledger) {
  content_types_.push_back("");
  steady_base_ = Clock::now();
  epoch_base_ns_ = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

Flow::~Flow() { finish(); }

size_t Flow::add_node(std::string id, std::unique_ptr<Stage> stage, std::string config) {
  auto n = std::make_unique<Node>();
  n->id = std::move(id);
  n->index = static_cast<uint32_t>(nodes_.size());
  n->role = stage->role();
  n->stage = std::move(stage);
  n->config = std::move(config);
  nodes_.push_back(std::move(n));
  return nodes_.size() - 1;
}

void Flow::add_edge(size_t from, std::string from_port, size_t to, std::string to_port, EdgeOptions options) {
  options.queue_depth = std::max<uint32_t>(1, options.queue_depth);
  auto e = std::make_unique<Edge>(from, std::move(from_port), to, std::move(to_port), options, options_.low_watermark_ratio);
  nodes_[from]->outputs.push_back(e.get());
  nodes_[to]->inputs.push_back(e.get());
  edges_.push_back(std::move(e));
}

Status Flow::validate() {
  auto bad = [&](std::string msg) { return Error(ErrorCode::FlowInvalid, "flow `" + options_.name + "`: " + msg); };
  if (nodes_.empty()) return bad("has no nodes");
  for (const auto& n : nodes_) {
    bool is_source = n->role == Role::Source, is_sink = n->role == Role::Sink;
    if (is_source && !n->inputs.empty()) return bad("source `" + n->id + "` has incoming edges");
    if (is_sink && !n->outputs.empty()) return bad("sink `" + n->id + "` has outgoing edges");
    if (!is_source && n->inputs.empty()) return bad(std::string(role_name(n->role)) + " `" + n->id + "` has no incoming edge");
    if (!is_sink && n->outputs.empty()) return bad(std::string(role_name(n->role)) + " `" + n->id + "` has no outgoing edge");
  }
  for (const auto& e : edges_)
    if (e->from == e->to) return bad("node `" + nodes_[e->from]->id + "` is connected to itself");
  // Kahn's algorithm; what is left over lies on a cycle.
  std::vector<size_t> indegree(nodes_.size(), 0);
  for (const auto& e : edges_) ++indegree[e->to];
  std::vector<size_t> ready;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (indegree[i] == 0) ready.push_back(i);
  topo_.clear();
  while (!ready.empty()) {
    size_t i = ready.front();
    ready.erase(ready.begin());
    topo_.push_back(i);
    for (Edge* e : nodes_[i]->outputs)
      if (--indegree[e->to] == 0) ready.push_back(e->to);
  }
  if (topo_.size() != nodes_.size()) {
    std::string on_cycle;
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (indegree[i] > 0) on_cycle += (on_cycle.empty() ? "" : ", ") + nodes_[i]->id;
    return bad("has a cycle through " + on_cycle);
  }
  state_ = FlowState::Validated;
  return {};
}

Status Flow::start() {
  if (state_ == FlowState::Created)
    if (auto s = validate(); !s) {
      fail(s.error());
      return s;
    }
  state_ = FlowState::Instantiated;
  stats_.started = Clock::now();
  for (size_t i : topo_) {
    Node& n = *nodes_[i];
    CallStatus st = lifecycle_call(n, SpanOp::Init, [&] { return n.stage->init(n.config); });
    n.initialized = true;  // teardown is owed even when init failed but the instance is alive
    if (!st) {
      Error e(ErrorCode::ComponentFailed, "node `" + n.id + "` failed in init: " + st.describe());
      fail(e);
      return e;
    }
  }
  state_ = FlowState::Running;
  return {};
}

uint32_t Flow::intern(std::string_view ct) {
  // A stage almost always emits the content type it emitted last.
  if (content_types_[last_interned_] == ct) return last_interned_;
  for (uint32_t i = 0; i < content_types_.size(); ++i)
    if (content_types_[i] == ct) return last_interned_ = i;
  if (content_types_.size() >= 1024) return 0;  // a component inventing types per element: stop interning
  content_types_.emplace_back(ct);
  return last_interned_ = static_cast<uint32_t>(content_types_.size() - 1);
}

uint64_t Flow::epoch_ns(Clock::time_point t) const {
  return epoch_base_ns_ + static_cast<uint64_t>((t - steady_base_).count());
}

// ---- tracing and flow-context ----

void Flow::enable_tracing(const std::shared_ptr<observability::Tracer>& tracer, const std::map<std::string, std::string>& components) {
  auto info = std::make_shared<observability::FlowTraceInfo>();
  info->flow = options_.name;
  info->epoch_base_ns = epoch_base_ns_;
  for (const auto& n : nodes_) {
    auto it = components.find(n->id);
    info->nodes.push_back({n->id, it != components.end() ? it->second : "(built-in)", std::string(role_name(n->role))});
  }
  trace_ = tracer->open_flow(std::move(info));
}

// Publishes the invocation about to start to flow-context: its trace and a fresh span id (when
// tracing) and its deadline (when an invocation timeout is set). Returns the span id.
SpanId Flow::enter_call(const TraceId& trace, Clock::time_point now) {
  SpanId span = trace_ ? trace_->new_span_id() : SpanId{};
  if (FlowContextState* ctx = options_.context) {
    ctx->trace_id = trace;
    ctx->span_id = span;
    ctx->deadline_ns = options_.invocation_timeout.count()
                           ? static_cast<uint64_t>((now + options_.invocation_timeout).time_since_epoch().count())
                           : 0;
  }
  return span;
}

Flow::CallCost Flow::cost_before(const Node& n) const {
  if (!trace_ || !trace_->diagnostic() || n.stage->owner() == resources::kHostOwner) return {};
  return {ledger_.copies(n.stage->owner()), ledger_.bytes(n.stage->owner())};
}

void Flow::trace_call(const Node& n, uint32_t trace, SpanOp op, SpanId span, Clock::time_point t0, Clock::time_point t1, const CallStatus& st,
                      const Element* in, resources::BufferId out, const CallCost& cost) {
  if (!trace_ || !trace) return;
  if (!st) trace_->mark_error(trace);
  SpanEvent* span_event = trace_->add_span(trace);
  if (!span_event) return;
  SpanEvent& ev = *span_event;
  ev.span = span;
  ev.start_ns = flow_ns(t0);
  ev.end_ns = flow_ns(t1);
  ev.node = n.index;
  ev.op = op;
  if (in) {
    ev.buffer_in = in->payload.raw;
    if (in->emitted_ns && ev.start_ns > in->emitted_ns) {
      ev.queue_wait_ns = ev.start_ns - in->emitted_ns;
      ev.backpressure_wait_ns = in->queued_ns > in->emitted_ns ? in->queued_ns - in->emitted_ns : 0;
    }
  }
  ev.buffer_out = out.raw;
  if (trace_->diagnostic()) {
    if (n.stage->owner() != resources::kHostOwner) {
      ev.copies = ledger_.copies(n.stage->owner()) - cost.copies;
      ev.bytes_copied = ledger_.bytes(n.stage->owner()) - cost.bytes;
    }
    ev.fuel = const_cast<Stage&>(*n.stage).fuel_consumed();
  }
  if (!st) {
    ev.error = true;
    ev.message = st.describe();
  }
}

void Flow::trace_lifecycle(const Node& n, SpanOp op, SpanId span, Clock::time_point t0, const CallStatus& st) {
  if (!trace_) return;
  SpanEvent ev;
  ev.span = span;
  ev.start_ns = flow_ns(t0);
  ev.end_ns = flow_ns(Clock::now());
  ev.node = n.index;
  ev.op = op;
  if (!st) {
    ev.error = true;
    ev.message = st.describe();
  }
  trace_->record_lifecycle(std::move(ev));
}

// A lifecycle call (init, notify-backpressure, flush, complete, teardown): published to
// flow-context and recorded as a span of the flow's lifecycle trace.
template <class Call>
CallStatus Flow::lifecycle_call(Node& n, SpanOp op, Call&& call) {
  Clock::time_point t0 = Clock::now();
  SpanId span = enter_call(trace_ ? trace_->flow_trace_id() : TraceId{}, t0);
  CallStatus st = call();
  trace_lifecycle(n, op, span, t0, st);
  return st;
}

void Flow::end_trace(uint32_t trace, ElementOutcome outcome) {
  if (trace_ && trace) trace_->end_element(trace, flow_ns(Clock::now()), outcome);
}

void Flow::fail(Error e) {
  if (!failure_) failure_ = std::move(e);
  state_ = FlowState::Failed;
}

// ---- buffers ----

void Flow::release(const Element& e) {
  if (!shared_refs_.empty()) {
    auto it = shared_refs_.find(e.payload.raw);
    if (it != shared_refs_.end()) {
      if (--it->second > 0) return;
      shared_refs_.erase(it);
    }
  }
  (void)pool_.release(e.payload);
}

void Flow::release_out(const OutElement& out) {
  if (out.payload) (void)pool_.release(out.payload);
}

// ---- queues and backpressure ----

void Flow::push_edge(Edge& edge, const Element& e) {
  ElementQueue& q = edge.queue;
  if (q.full()) {
    switch (edge.policy) {
      case BackpressurePolicy::BlockProducer:  // the scheduler never lets this happen; be safe
      case BackpressurePolicy::DropNewest:
        q.stats.dropped.add();
        stats_.elements_dropped.add();
        release(e);
        end_trace(e.trace, ElementOutcome::Overflow);
        return;
      case BackpressurePolicy::DropOldest: {
        Element old;
        q.pop(old);
        q.stats.dropped.add();
        stats_.elements_dropped.add();
        release(old);
        end_trace(old.trace, ElementOutcome::Overflow);
        break;
      }
      case BackpressurePolicy::Error:
        release(e);
        end_trace(e.trace, ElementOutcome::Failed);
        fail(Error(ErrorCode::FlowQueueFull, "flow `" + options_.name + "`: the queue from `" + nodes_[edge.from]->id + "` to `" +
                                                 nodes_[edge.to]->id + "` is full and its backpressure_policy is \"error\""));
        return;
    }
  }
  if (q.push(e)) source_backpressure(*nodes_[edge.from]);
}

void Flow::after_pop(Edge& edge) {
  Node& producer = *nodes_[edge.from];
  if (producer.source_paused) source_backpressure(producer);
}

// Tells a source when any of its output queues becomes full, and when all have drained again.
void Flow::source_backpressure(Node& n) {
  if (n.role != Role::Source || n.exhausted) return;
  bool any = false;
  for (Edge* e : n.outputs) any = any || (e->blocking() && e->queue.backpressured());  // drop policies never block it
  if (any == n.source_paused) return;
  n.source_paused = any;
  n.stats.paused_since_ns.set(any ? static_cast<uint64_t>(Clock::now().time_since_epoch().count()) : 0);
  CallStatus st = lifecycle_call(n, SpanOp::NotifyBackpressure, [&] { return n.stage->notify_backpressure(any); });
  if (!st) handle_failure(n, st, "notify-backpressure");
}

void Flow::drain_backlog(Node& n) {
  while (!n.backlog.empty()) {
    auto& [e, edge] = n.backlog.front();
    if (edge->blocking() && edge->queue.full()) return;
    if (e.trace && trace_) e.queued_ns = flow_ns(Clock::now());  // it waited for room: backpressure
    push_edge(*edge, e);
    n.backlog.pop_front();
  }
}

// Sends `e` (which this node holds one reference to) to `targets`. Several receivers share the
// payload by reference count; none means the element is dropped.
void Flow::deliver(Node& n, const Element& in, Edge* const* targets, size_t count) {
  if (count == 0) {
    n.stats.dropped.add();
    stats_.elements_dropped.add();
    release(in);
    end_trace(in.trace, ElementOutcome::Unrouted);
    return;
  }
  if (count > 1) {
    auto [it, inserted] = shared_refs_.try_emplace(in.payload.raw, 1);
    it->second += static_cast<uint32_t>(count - 1);
  }
  Element e = in;
  if (e.trace && trace_) {
    if (count > 1) trace_->add_refs(e.trace, static_cast<uint32_t>(count - 1));
    e.emitted_ns = e.queued_ns = flow_ns(Clock::now());
  }
  n.stats.elements_out.add(count);
  for (size_t i = 0; i < count; ++i) {
    Edge* edge = targets[i];
    if (!n.backlog.empty() || (edge->blocking() && edge->queue.full()))
      n.backlog.emplace_back(e, edge);
    else
      push_edge(*edge, e);
  }
}

// To every output edge (fan-out), or, for a router, to the edges on the ports it named.
void Flow::forward(Node& n, const Element& e, const std::vector<std::string>* ports) {
  if (!ports) {
    deliver(n, e, n.outputs.data(), n.outputs.size());
    return;
  }
  targets_scratch_.clear();
  for (Edge* edge : n.outputs)
    for (const std::string& p : *ports)
      if (edge->from_port == p) {
        targets_scratch_.push_back(edge);
        break;
      }
  deliver(n, e, targets_scratch_.data(), targets_scratch_.size());
}

void Flow::emit(Node& n, const OutElement& out, uint64_t sequence, uint64_t timestamp_ns, uint64_t origin_ns, uint32_t trace) {
  Element e;
  e.trace = trace;
  e.sequence = sequence;
  e.timestamp_ns = timestamp_ns;
  e.origin_ns = origin_ns;
  e.payload = out.payload;
  e.content_type = intern(out.content_type);
  forward(n, e, nullptr);
}

// ---- scheduling ----

bool Flow::take_input(Node& n, Element& e) {
  size_t count = n.inputs.size();
  for (size_t k = 0; k < count; ++k) {
    Edge* edge = n.inputs[(n.next_input + k) % count];
    if (edge->queue.empty()) continue;
    n.next_input = (n.next_input + k + 1) % count;
    if (edge->queue.pop(e)) after_pop(*edge);
    return true;
  }
  return false;
}

bool Flow::runnable(const Node& n, Clock::time_point now) const {
  if (!n.backlog.empty()) return false;
  bool input = false;
  for (const Edge* e : n.inputs) input = input || !e->queue.empty();
  if (!input) return false;
  for (const Edge* e : n.outputs)
    if (e->blocking() && e->queue.full()) return false;
  if (n.role == Role::Sink && n.paused_until > now) return false;
  return true;
}

// Makes one call, retrying per the error policy. Returns true when the element may be considered
// handled (success, or skipped); false when the flow failed.
bool Flow::handle_failure(Node& n, const CallStatus& st, const char* call) {
  n.stats.errors.add();
  stats_.errors.add();
  bool fatal = st.kind == FailKind::Fatal || st.kind == FailKind::Trap || options_.error_policy == ErrorPolicy::FailFast;
  if (fatal) {
    fail(Error(ErrorCode::ComponentFailed, "node `" + n.id + "` failed in " + call + ": " + st.describe()));
    return false;
  }
  return true;  // skip (or retries exhausted under retry, which then skips)
}

void Flow::run_one(Node& n) {
  Element e;
  if (!take_input(n, e)) return;
  n.stats.elements_in.add();
  const std::string& ct = content_types_[e.content_type];
  InElement in{e.sequence, e.timestamp_ns, ct, e.payload};
  std::optional<OutElement> out;
  bool keep = false, pause = false;

  CallStatus st;
  const bool traced = trace_ && e.trace;
  const bool timed = options_.measure_stage_time || traced || options_.invocation_timeout.count();
  static constexpr SpanOp kOps[] = {SpanOp::Pull, SpanOp::Process, SpanOp::Evaluate, SpanOp::Route, SpanOp::Ingest, SpanOp::Push};
  for (uint32_t attempt = 0;; ++attempt) {
    Clock::time_point t0 = timed ? Clock::now() : Clock::time_point{};
    SpanId span = enter_call(traced ? trace_->trace_id(e.trace) : TraceId{}, t0);
    CallCost cost = cost_before(n);
    switch (n.role) {
      case Role::Processor: st = n.stage->process(in, out); break;
      case Role::Filter: st = n.stage->evaluate(in, keep); break;
      case Role::Router: st = n.stage->route(in, ports_scratch_); break;
      case Role::Aggregator: st = n.stage->ingest(in, out); break;
      case Role::Sink: st = n.stage->push(in, pause); break;
      case Role::Source: return;
    }
    n.stats.invocations.add();
    n.stats.fuel_consumed.add(n.stage->fuel_consumed());
    if (timed) {
      Clock::time_point t1 = Clock::now();
      last_call_end_ = t1;
      if (options_.measure_stage_time) n.stats.processing_ns.record(static_cast<uint64_t>((t1 - t0).count()));
      if (traced)
        trace_call(n, e.trace, kOps[static_cast<int>(n.role)], span, t0, t1, st, &e, out ? out->payload : resources::BufferId{}, cost);
    }
    if (st) break;
    if (out) {
      release_out(*out);
      out.reset();
    }
    bool retryable = options_.error_policy == ErrorPolicy::Retry && st.kind != FailKind::Fatal && st.kind != FailKind::Trap &&
                     attempt < options_.max_retries;
    if (!retryable) break;
    n.stats.errors.add();
    stats_.errors.add();
    stats_.retries.add();
    std::this_thread::sleep_for(options_.retry_backoff * (1u << std::min<uint32_t>(attempt, 16)));
  }
  if (!st) {
    release(e);
    end_trace(e.trace, ElementOutcome::Failed);
    if (handle_failure(n, st, n.role == Role::Sink ? "push" : "process")) {
      n.stats.dropped.add();
      stats_.elements_dropped.add();
    }
    return;
  }

  switch (n.role) {
    case Role::Processor:
      release(e);
      if (out) emit(n, *out, e.sequence, e.timestamp_ns, e.origin_ns, e.trace);
      else {
        n.stats.dropped.add();
        stats_.elements_dropped.add();
        end_trace(e.trace, ElementOutcome::Dropped);
      }
      break;
    case Role::Filter:
      if (keep) forward(n, e, nullptr);
      else {
        n.stats.dropped.add();
        stats_.elements_dropped.add();
        release(e);
        end_trace(e.trace, ElementOutcome::Filtered);
      }
      break;
    case Role::Router:
      forward(n, e, &ports_scratch_);  // no port (or no edge on the named ports): dropped
      break;
    case Role::Aggregator:
      release(e);
      // The aggregate continues the trace of the element that completed it.
      if (out) emit(n, *out, n.aggregate_seq++, epoch_ns(Clock::now()), e.origin_ns, e.trace);
      else end_trace(e.trace, ElementOutcome::Aggregated);
      break;
    case Role::Sink: {
      Clock::time_point now = Clock::now();
      stats_.latency_ns.record(static_cast<uint64_t>((now - steady_base_).count()) - e.origin_ns);
      stats_.elements_delivered.add();
      release(e);
      end_trace(e.trace, ElementOutcome::Delivered);
      if (pause) n.paused_until = now + options_.sink_pause;
      break;
    }
    case Role::Source: break;
  }
}

void Flow::source_done(Node& n) {
  n.exhausted = true;
  n.stats.source_done.set(1);
  n.stats.paused_since_ns.set(0);
}

bool Flow::paused(Clock::time_point now, std::chrono::nanoseconds at_least) const {
  if (state() != FlowState::Running) return false;
  bool any = false;
  const uint64_t now_ns = static_cast<uint64_t>(now.time_since_epoch().count());
  for (const auto& n : nodes_) {
    if (n->role != Role::Source || n->stats.source_done.get()) continue;
    uint64_t since = n->stats.paused_since_ns.get();
    if (since == 0 || now_ns < since || now_ns - since < static_cast<uint64_t>(at_least.count())) return false;
    any = true;
  }
  return any;
}

void Flow::run_source(Node& n, uint32_t max) {
  for (uint32_t k = 0; k < max && !n.exhausted && state_ != FlowState::Failed; ++k) {
    if (!n.backlog.empty()) return;
    // Told to pause (notify-backpressure): not pulled until told `ready` at the low watermark.
    if (n.source_paused) return;
    for (const Edge* e : n.outputs)
      if (e->blocking() && e->queue.full()) return;
    if (options_.limit && pulled_ >= options_.limit) {
      source_done(n);
      return;
    }
    std::optional<OutElement> out;
    Clock::time_point t0 = options_.measure_stage_time || trace_ || options_.invocation_timeout.count() ? Clock::now() : Clock::time_point{};
    // The element's trace starts with the pull that produces it.
    uint32_t trace = trace_ ? trace_->begin_element(flow_ns(t0)) : 0;
    SpanId span = enter_call(trace ? trace_->trace_id(trace) : TraceId{}, t0);
    CallCost cost = cost_before(n);
    CallStatus st = n.stage->pull(out);
    Clock::time_point t1 = Clock::now();  // also the element's timestamp
    n.stats.invocations.add();
    n.stats.fuel_consumed.add(n.stage->fuel_consumed());
    if (options_.measure_stage_time) n.stats.processing_ns.record(static_cast<uint64_t>((t1 - t0).count()));
    if (trace) {
      trace_->set_sequence(trace, n.next_sequence);
      trace_call(n, trace, SpanOp::Pull, span, t0, t1, st, nullptr, out ? out->payload : resources::BufferId{}, cost);
    }
    if (!st) {
      if (out) release_out(*out);
      if (trace) trace_->end_element(trace, flow_ns(t1), ElementOutcome::Failed);
      if (!handle_failure(n, st, "pull")) return;
      continue;
    }
    if (!out) {
      if (trace) trace_->abandon_element(trace);
      source_done(n);
      return;
    }
    ++pulled_;
    stats_.elements_produced.add();
    emit(n, *out, n.next_sequence++, epoch_ns(t1), static_cast<uint64_t>((t1 - steady_base_).count()), trace);
  }
}

void Flow::update_completion() {
  for (size_t i : topo_) {
    Node& n = *nodes_[i];
    if (n.finished) continue;
    drain_backlog(n);
    if (n.role != Role::Source && !n.exhausted) {
      bool upstream_done = true, queued = false;
      for (Edge* e : n.inputs) {
        upstream_done = upstream_done && nodes_[e->from]->finished;
        queued = queued || !e->queue.empty();
      }
      if (!upstream_done || queued) continue;
      n.exhausted = true;
      // End of stream for this stage.
      if (n.role == Role::Aggregator) {
        CallStatus st = lifecycle_call(n, SpanOp::Flush, [&] { return n.stage->flush(flush_scratch_); });
        n.stats.invocations.add();
        if (!st) {
          for (const auto& o : flush_scratch_) release_out(o);
          flush_scratch_.clear();
          if (!handle_failure(n, st, "flush")) return;
        }
        Clock::time_point now = Clock::now();
        for (const auto& o : flush_scratch_) {
          // A flushed aggregate starts a trace of its own.
          uint32_t trace = trace_ ? trace_->begin_element(flow_ns(now)) : 0;
          if (trace) trace_->set_sequence(trace, n.aggregate_seq);
          emit(n, o, n.aggregate_seq++, epoch_ns(now), static_cast<uint64_t>((now - steady_base_).count()), trace);
        }
        flush_scratch_.clear();
        drain_backlog(n);
      } else if (n.role == Role::Sink) {
        CallStatus st = lifecycle_call(n, SpanOp::Complete, [&] { return n.stage->complete(); });
        n.stats.invocations.add();
        if (!st) {
          n.stats.errors.add();
          stats_.errors.add();
          fail(Error(ErrorCode::ComponentFailed, "sink `" + n.id + "` failed in complete: " + st.describe()));
          return;
        }
      }
    }
    if (n.exhausted && n.backlog.empty()) n.finished = true;
  }
}

bool Flow::step() {
  if (state_ == FlowState::Failed || finished_) return false;
  if (state_ != FlowState::Running && state_ != FlowState::Draining) return false;
  if (!stopping_ && stop_requested_.load(std::memory_order_relaxed)) {
    stopping_ = true;
    for (auto& n : nodes_)
      if (n->role == Role::Source) source_done(*n);
  }
  progressed_ = false;
  idle_until_ = Clock::time_point::max();
  uint32_t budget = options_.yield_every;
  Clock::time_point now = Clock::now();
  // Consumer-first: the stages nearest the sinks drain first.
  for (auto it = topo_.rbegin(); it != topo_.rend() && budget && state_ != FlowState::Failed; ++it) {
    Node& n = *nodes_[*it];
    if (n.role == Role::Source) continue;
    drain_backlog(n);
    Clock::time_point slice_end = (options_.measure_stage_time ? Clock::now() : now) + options_.stage_slice;
    while (budget && state_ != FlowState::Failed && runnable(n, now)) {
      run_one(n);
      --budget;
      progressed_ = true;
      if (n.role == Role::Sink && n.paused_until > now) break;
      if (options_.measure_stage_time && last_call_end_ >= slice_end) break;  // a slow stage lets its input fill
    }
    if (n.role == Role::Sink && n.paused_until > now) idle_until_ = std::min(idle_until_, n.paused_until);
  }
  // Then the sources, at most half a queue each per round, so a balanced pipeline never fills
  // its queues (a full queue means a stage downstream is really behind).
  for (size_t i : topo_) {
    Node& n = *nodes_[i];
    if (n.role != Role::Source || n.exhausted || state_ == FlowState::Failed || !budget) continue;
    drain_backlog(n);
    uint32_t batch = UINT32_MAX;
    for (Edge* e : n.outputs) batch = std::min(batch, std::max<uint32_t>(1, e->queue.capacity() / 2));
    uint64_t before = n.stats.invocations.get();
    run_source(n, std::min(batch, budget));
    uint64_t ran = n.stats.invocations.get() - before;
    budget -= static_cast<uint32_t>(std::min<uint64_t>(ran, budget));
    progressed_ = progressed_ || ran > 0;
  }
  // Sampled here, on the flow's thread, so readers elsewhere never touch an instance.
  for (auto& n : nodes_) {
    n->stats.memory_bytes.set(n->stage->memory_bytes());
  }
  if (state_ == FlowState::Failed) return false;
  bool sources_done = true;
  for (auto& n : nodes_)
    if (n->role == Role::Source && !n->exhausted) sources_done = false;
  if (sources_done && state_ == FlowState::Running) state_ = FlowState::Draining;
  update_completion();
  if (state_ == FlowState::Failed) return false;
  bool all = true;
  for (auto& n : nodes_) all = all && n->finished;
  if (all) {
    state_ = stopping_ ? FlowState::Cancelled : FlowState::Completed;
    return false;
  }
  if (progressed_) idle_until_ = Clock::time_point::max();
  return true;
}

void Flow::finish() {
  if (finished_) return;
  finished_ = true;
  if (state_ == FlowState::Running || state_ == FlowState::Draining) state_ = FlowState::Cancelled;
  // Nothing queued may outlive the flow.
  for (auto& n : nodes_) {
    for (auto& [e, edge] : n->backlog) {
      release(e);
      end_trace(e.trace, ElementOutcome::Cancelled);
    }
    n->backlog.clear();
  }
  for (auto& edge : edges_) {
    Element e;
    while (!edge->queue.empty()) {
      edge->queue.pop(e);
      release(e);
      end_trace(e.trace, ElementOutcome::Cancelled);
    }
    edge->queue.end_backpressure();
  }
  // Teardown in reverse topological order (every stage whose init ran).
  std::vector<size_t> order = topo_;
  if (order.size() != nodes_.size()) {
    order.clear();
    for (size_t i = 0; i < nodes_.size(); ++i) order.push_back(i);
  }
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node& n = *nodes_[*it];
    if (!n.initialized) continue;
    CallStatus st = lifecycle_call(n, SpanOp::Teardown, [&] { return n.stage->teardown(); });
    // teardown returns nothing, so a failure is a trap or a limit: like a trap anywhere else it
    // fails the flow (after every other stage still got its teardown), never silently.
    if (!st) {
      n.stats.errors.add();
      stats_.errors.add();
      fail(Error(ErrorCode::ComponentFailed, "node `" + n.id + "` failed in teardown: " + st.describe()));
    }
  }
  // Whatever a component still holds (a mutable buffer it never froze, a buffer it never
  // returned) goes back to the pool.
  for (auto& n : nodes_) {
    resources::OwnerId owner = n->stage->owner();
    if (owner == resources::kHostOwner) continue;
    for (resources::BufferId id : pool_.owned_by(owner))
      if (pool_.release(id)) stats_.reclaimed_buffers.add();
  }
  stats_.finished = Clock::now();
  if (trace_)
    trace_->finish_flow(flow_ns(stats_.started), flow_ns(stats_.finished), flow_state_name(state_), state_ == FlowState::Failed,
                        failure_ ? failure_->to_string() : std::string());
}

Status Flow::run(const std::atomic<bool>* stop) {
  if (auto s = start(); !s) {
    finish();
    return s;
  }
  while (true) {
    if (stop && stop->load(std::memory_order_relaxed)) request_stop();
    if (!step()) break;
    if (!progressed_) {
      auto until = idle_until_;
      auto now = Clock::now();
      if (until != Clock::time_point::max() && until > now)
        std::this_thread::sleep_for(std::min<Clock::duration>(until - now, std::chrono::milliseconds(5)));
      else
        std::this_thread::yield();
    }
  }
  finish();
  if (failure_) return *failure_;
  return {};
}

std::vector<Flow::NodeView> Flow::nodes() const {
  std::vector<NodeView> v;
  for (const auto& n : nodes_) v.push_back({n->id, n->stage.get(), &n->stats});
  return v;
}

std::vector<Flow::EdgeView> Flow::edges() const {
  std::vector<EdgeView> v;
  for (const auto& e : edges_) v.push_back({nodes_[e->from]->id, e->from_port, nodes_[e->to]->id, e->to_port, &e->queue, e->policy});
  return v;
}

}  // namespace torvyn::reactor

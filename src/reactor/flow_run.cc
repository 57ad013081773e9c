// Running consumers (every role but sources; sources are in flow_source.cc). A consumer's turn
// is a sequence of runs over its queued input. A run is one batch call (stages with batch forms)
// or a few per-element calls (pacing.h), never more elements than the stage's outputs have
// credit for, and it reads the clock at most once, at its end, when anything about it is timed.
#include <algorithm>

#include "flow_internal.h"
#include "pacing.h"

namespace torvyn::reactor {

using observability::ElementOutcome;
using observability::SpanId;
using observability::SpanOp;
using observability::TraceId;

namespace {

SpanOp op_of(Role r) {
  static constexpr SpanOp kOps[] = {SpanOp::Pull, SpanOp::Process, SpanOp::Evaluate, SpanOp::Route, SpanOp::Ingest, SpanOp::Push};
  return kOps[static_cast<int>(r)];
}

const char* call_name(Role r) { return r == Role::Sink ? "push" : "process"; }

}  // namespace

// How many elements `n` may hand on now without a blocking output overflowing: the least free
// credit of its blocking output queues. Drop policies never block a producer, so they do not
// bound it (a full one drops, as it would per element).
uint32_t Flow::out_credit(const Node& n) const {
  uint32_t credit = UINT32_MAX;
  for (const Edge* e : n.outputs)
    if (e->blocking()) credit = std::min(credit, e->queue.credit());
  return credit;
}

// The next input with something queued, round-robin over a fan-in's inputs (one run each).
Flow::Edge* Flow::next_input(Node& n) {
  const size_t count = n.inputs.size();
  for (size_t k = 0; k < count; ++k) {
    size_t i = n.next_input + k;
    if (i >= count) i -= count;
    if (n.inputs[i]->queue.empty()) continue;
    n.next_input = i + 1 == count ? 0 : i + 1;
    return n.inputs[i];
  }
  return nullptr;
}

// Ends a run of `calls` calls that began at t0: the one clock read, the run's time shared by its
// calls (component.processing_time), and the stride of the stage's next run.
void Flow::end_run(Node& n, Clock::time_point t0, uint32_t calls) {
  if (!calls || !timed(n)) return;
  const Clock::time_point t1 = stamp();
  const uint64_t elapsed = t1 > t0 ? static_cast<uint64_t>((t1 - t0).count()) : 0;
  if (options_.measure_stage_time) n.stats.processing_ns.record_n(elapsed / calls, calls);
  n.stats.runs.add();
  if (!options_.pacing_stride) n.stride = pacing::next_stride(elapsed, calls);
  // Slow elements: per-element calls; fast again (a preempted run, a slow phase that ended): back to
  // batches.
  if (n.batch_max > 1 && !n.batch_only) {
    uint32_t want = n.batch;
    const uint64_t slow = static_cast<uint64_t>(options_.batch_slow.count());
    if (n.batch > 1 && pacing::batch_too_slow(elapsed, calls, slow)) want = 1;
    else if (n.batch == 1 && pacing::batch_fast_again(elapsed, calls, slow)) want = n.batch_max;
    if (want != n.batch) {
      n.batch = want;
      n.stats.batch.set(want);
    }
  }
}

void Flow::delivered_new_origin(uint64_t origin_ns) {
  if (latency_count_) pending_latency_.emplace_back(latency_origin_, latency_count_);
  latency_origin_ = origin_ns;
  latency_count_ = 1;
}

// flow.latency of the elements a sink run delivered, at the run's end.
void Flow::flush_latency() {
  if (latency_count_ == 0) return;
  pending_latency_.emplace_back(latency_origin_, latency_count_);
  latency_origin_ = UINT64_MAX;
  latency_count_ = 0;
  const uint64_t at = flow_ns(now_);
  for (auto [origin, count] : pending_latency_) stats_.latency_ns.record_n(at > origin ? at - origin : 0, count);
  pending_latency_.clear();
}

// A consumer's turn: runs while it has input, its outputs have room and the round's budget
// lasts; a sink's pause, a failure or the end of its stage slice ends it.
void Flow::run_consumer(Node& n, uint32_t& budget) {
  const Clock::time_point slice_end = now_ + options_.stage_slice;
  while (budget && state_ != FlowState::Failed && n.backlog.empty()) {
    if (n.role == Role::Sink && n.paused_until > now_) return;
    Edge* in = next_input(n);
    if (!in) return;
    const uint32_t k = std::min({in->queue.size(), budget, out_credit(n)});
    if (k == 0) return;
    const uint32_t took = n.batch > 1 ? run_batch(n, *in, std::min(k, n.batch)) : run_singles(n, *in, k);
    if (took == 0) return;
    budget -= std::min(took, budget);
    progressed_ = true;
    if (options_.measure_stage_time && now_ >= slice_end) return;  // a slow stage lets its input fill
  }
}

// Up to k per-element calls on the front of `in`, as one run: when timed, at most the stage's
// stride (one call when tracing, run_traced, so that each span has its own times). A failed call
// or a sink's pause ends the run. Each element is read in place and dropped from its queue once
// settled. Returns the elements taken. One body per role (run_singles_as), so that the loop
// tests no role per call.
uint32_t Flow::run_singles(Node& n, Edge& in, uint32_t k) {
  switch (n.role) {
    case Role::Processor: return run_singles_as<Role::Processor>(n, in, k);
    case Role::Filter: return run_singles_as<Role::Filter>(n, in, k);
    case Role::Router: return run_singles_as<Role::Router>(n, in, k);
    case Role::Aggregator: return run_singles_as<Role::Aggregator>(n, in, k);
    case Role::Sink: return run_singles_as<Role::Sink>(n, in, k);
    case Role::Source: break;
  }
  return 0;
}

template <Role R>
uint32_t Flow::run_singles_as(Node& n, Edge& in, uint32_t k) {
  if (trace_) return run_traced(n, in);
  if (timed(n)) k = std::min(k, n.stride);
  const bool spans = options_.context != nullptr;  // calls publish their deadline to flow-context
  const Clock::time_point t0 = now_;
  ElementQueue& q = in.queue;
  uint32_t calls = 0;
  Reply r;
  InElement ie;  // what changes per element is set per element
  while (calls < k) {
    const Element& e = q.front();
    ie.sequence = e.sequence;
    ie.timestamp_ns = e.timestamp_ns;
    ie.content_type = content_types_[e.content_type];
    ie.payload = e.payload;
    if (R == Role::Sink) {
      ie.origin = 0;
      ie.origin_node = {};
      if (e.lineage) lineage_origin(e.lineage, ie);
    }
    if (spans) enter_call(TraceId{}, t0);
    if (R == Role::Filter || R == Role::Sink) r.keep = r.pause = false;
    CallStatus st = invoke_as<R>(n, ie, r);
    ++calls;
    count_fuel(n);
    if (!st || (R == Role::Sink && r.pause)) [[unlikely]] {  // the run ends with this call
      n.stats.elements_in.add(calls);
      n.stats.invocations.add(calls);
      end_run(n, t0, calls);
      if (!st) st = retry(n, e, ie, std::move(st), r);
      settle(n, e, st, r.out, r.keep);
      if (q.drop_front()) after_pop(in);
      if (st && r.pause) n.paused_until = now_ + options_.sink_pause;
      flush_latency();
      return calls;
    }
    // The common outcomes here; the rest in settle(). (Not traced: no element has a trace.)
    if (R == Role::Processor && r.out) {
      release(e);
      emit(n, *r.out, e.sequence, e.timestamp_ns, e.origin_ns, 0, e.lineage);
      r.out.reset();
    } else if (R == Role::Sink && !r.out) {
      delivered(e.origin_ns);
      stats_.elements_delivered.add();
      release(e);
      end_lineage(e.lineage, false);
    } else {
      settle(n, e, st, r.out, r.keep);
    }
    if (q.drop_front()) after_pop(in);
  }
  n.stats.elements_in.add(calls);
  n.stats.invocations.add(calls);
  end_run(n, t0, calls);
  flush_latency();
  return calls;
}

// One per-element call of a traced flow, a run of its own: its span has its own times, the
// element's trace and the copies and fuel the call spent.
uint32_t Flow::run_traced(Node& n, Edge& in) {
  const Clock::time_point t0 = stamp();
  ElementQueue& q = in.queue;
  const Element& e = q.front();
  InElement ie{e.sequence, e.timestamp_ns, content_types_[e.content_type], e.payload, 0, {}};
  if (n.role == Role::Sink) lineage_origin(e.lineage, ie);
  const SpanId span = enter_call(e.trace ? trace_->trace_id(e.trace) : TraceId{}, t0);
  const CallCost before = cost_before(n);
  Reply r;
  CallStatus st = invoke(n, ie, r);
  count_fuel(n);
  n.stats.elements_in.add();
  n.stats.invocations.add();
  end_run(n, t0, 1);
  if (e.trace)
    trace_call(n, e.trace, op_of(n.role), span, t0, now_, st, &e, r.out ? r.out->payload : resources::BufferId{}, cost_since(n, before));
  if (!st) st = retry(n, e, ie, std::move(st), r);
  settle(n, e, st, r.out, r.keep);
  if (q.drop_front()) after_pop(in);
  if (st && r.pause) n.paused_until = now_ + options_.sink_pause;
  flush_latency();
  return 1;
}

// One batch call on the first k elements of `in` (k within the stage's batch and its outputs'
// credit). The elements stay queued during the call and are popped as their outcomes are
// settled, so those the stage did not take (from `completed` on: a paused sink, a failure) are
// still queued, to be handed over again or released by finish(). Never on a traced flow (its
// stages call per element: Flow::start), so nothing here traces.
uint32_t Flow::run_batch(Node& n, Edge& in, uint32_t k) {
  ElementQueue& q = in.queue;
  for (uint32_t i = 0; i < k; ++i) {
    const Element& e = q.at(i);
    batch_in_[i] = InElement{e.sequence, e.timestamp_ns, content_types_[e.content_type], e.payload, 0, {}};
    if (n.role == Role::Sink) lineage_origin(e.lineage, batch_in_[i]);
  }
  const Clock::time_point t0 = now_;
  if (options_.context) enter_call(TraceId{}, t0);
  const std::span<const InElement> ins(batch_in_.data(), k);
  const std::span<BatchOutcome> outs(batch_out_.data(), k);
  size_t completed = 0;
  bool pause = false;
  CallStatus st = n.role == Role::Sink ? n.stage->push_batch(ins, outs, completed, pause) : n.stage->process_batch(ins, outs, completed);
  count_fuel(n);

  if (!st) {
    const bool fatal = st.kind == FailKind::Fatal || st.kind == FailKind::Trap || options_.error_policy == ErrorPolicy::FailFast;
    if (fatal) {
      // The call failed as a whole (a trap): the flow fails and every element of the batch goes
      // back to the pool now; whatever else is queued goes in finish().
      n.stats.invocations.add();
      end_run(n, t0, 1);
      for (uint32_t i = 0; i < k; ++i) {
        Element e;
        if (q.pop(e)) after_pop(in);
        n.stats.elements_in.add();
        release(e);
        end_trace(e.trace, ElementOutcome::Failed);
        if (outs[i].out) {
          release_out(*outs[i].out);
          outs[i].out.reset();
        }
        if (!outs[i].status) outs[i].status = {};
      }
      handle_failure(n, st, call_name(n.role));
      return k;
    }
    // Not fatal and not fail-fast: as if each element had failed so, each under the policy.
    for (uint32_t i = 0; i < k; ++i) outs[i].status = st;
    completed = k;
  }
  completed = std::min<size_t>(completed, k);
  const uint32_t took = static_cast<uint32_t>(completed);
  if (took == 0 && !pause) {
    fail(Error(ErrorCode::ComponentFailed, "node `" + n.id + "` took none of a batch of " + std::to_string(k) + " elements"));
    return 0;
  }
  n.stats.invocations.add(took);
  end_run(n, t0, took);
  // Settled in stream order, each element dropped from the queue once settled. The common
  // outcomes (a processor's result, a sink's delivery) are handled here; errors, drops and the
  // rest go through settle_outcome().
  n.stats.elements_in.add(took);
  uint32_t i = 0;
  if (n.role == Role::Processor) {
    for (; i < took && state_ != FlowState::Failed; ++i) {
      BatchOutcome& o = outs[i];
      const Element& e = q.front();
      if (o.status && o.out) {
        release_later(e.payload);
        emit(n, *o.out, e.sequence, e.timestamp_ns, e.origin_ns, e.trace, e.lineage);
        o.out.reset();
      } else {
        settle_outcome(n, e, o, pause);
      }
      if (q.drop_front()) after_pop(in);
    }
  } else {
    for (; i < took && state_ != FlowState::Failed; ++i) {
      BatchOutcome& o = outs[i];
      const Element& e = q.front();
      if (o.status && !o.out) {
        delivered(e.origin_ns);  // at the run's end (flush_latency)
        stats_.elements_delivered.add();
        release_later(e.payload);
        end_trace(e.trace, ElementOutcome::Delivered);
        end_lineage(e.lineage, false);
      } else {
        settle_outcome(n, e, o, pause);
      }
      if (q.drop_front()) after_pop(in);
    }
  }
  release_settled();
  // Outcomes the flow failed before settling: their outputs go back to the pool (their inputs
  // are still queued, for finish()).
  for (; i < took; ++i) {
    if (outs[i].out) {
      release_out(*outs[i].out);
      outs[i].out.reset();
    }
    if (!outs[i].status) outs[i].status = {};
  }
  // Slots past `completed` hold nothing valid (the contract); they go back clean all the same, so
  // that a stage only ever writes what differs from "ok, no output".
  for (uint32_t j = took; j < k; ++j) {
    outs[j].out.reset();
    if (!outs[j].status) outs[j].status = {};
  }
  if (pause) n.paused_until = (took ? now_ : stamp()) + options_.sink_pause;
  flush_latency();
  return took;
}

}  // namespace torvyn::reactor

// Running sources: a source's turn is a sequence of runs of pulls, each within the credit of its
// outputs, the flow's limit and half a queue per round; a run's elements are stamped with the
// one clock read at its end (their timestamp and the origin of their end-to-end latency).
#include <algorithm>

#include "flow_internal.h"

namespace torvyn::reactor {

using observability::ElementOutcome;
using observability::SpanId;
using observability::SpanOp;
using observability::TraceId;

// A source's turn: runs of pulls until `max` invocations (half a queue), its outputs' credit, the
// flow's limit, a pause (notify-backpressure), nothing now, or the end of its stream. Returns
// the invocations made.
uint32_t Flow::run_source(Node& n, uint32_t max) {
  uint32_t calls = 0;
  while (calls < max && !n.exhausted && state_ != FlowState::Failed) {
    // Told to pause (notify-backpressure): not pulled until told `ready` at the low watermark.
    if (!n.backlog.empty() || n.source_paused) break;
    uint32_t k = std::min(max - calls, out_credit(n));
    if (k == 0) break;
    if (options_.limit) {
      if (pulled_ >= options_.limit) {
        source_done(n);
        break;
      }
      k = static_cast<uint32_t>(std::min<uint64_t>(k, options_.limit - pulled_));
    }
    const uint64_t before = pulled_;
    const bool batched = n.batch > 1 || n.batch_only;
    calls += batched ? pull_batch(n, std::min(k, n.batch)) : pull_singles(n, k);
    if (batched && pulled_ == before) break;  // nothing now: try again next round
  }
  return calls;
}

// Up to k per-element pulls as one run (at most the stage's stride; one when tracing,
// pull_traced). The elements are numbered as they come and stamped at the run's end: one clock
// read for all of them (nothing downstream runs before that anyway). When the source's one output
// blocks, k is within its credit, so the elements go straight into its queue and are stamped
// there; otherwise they wait in made_scratch_ and are handed on at the run's end.
uint32_t Flow::pull_singles(Node& n, uint32_t k) {
  if (trace_) return pull_traced(n);
  k = std::min(k, n.stride);
  const bool spans = options_.context != nullptr;  // calls publish their deadline to flow-context
  const Clock::time_point t0 = now_;
  Edge* direct = n.sole_output && n.sole_output->blocking() && n.backlog.empty() ? n.sole_output : nullptr;
  made_scratch_.clear();
  uint32_t calls = 0, made = 0;
  bool ended = false;
  std::optional<OutElement> out;
  while (calls < k) {
    if (spans) enter_call(TraceId{}, t0);
    out.reset();
    CallStatus st = n.stage->pull(out);
    ++calls;
    count_fuel(n);
    if (!st) [[unlikely]] {
      if (out) release_out(*out);
      if (!handle_failure(n, st, "pull")) break;
      continue;
    }
    if (!out) {
      ended = true;
      break;
    }
    Element& e = direct ? direct->queue.next_slot() : made_scratch_.emplace_back();
    e.sequence = n.next_sequence++;
    e.payload = out->payload;
    e.content_type = intern(out->content_type);
    e.trace = 0;
    e.lineage = out->ack_id ? lineage_begin(n.index, out->ack_id) : 0;
    e.emitted_ns = e.queued_ns = 0;
    ++made;
    if (direct && direct->queue.commit_push()) source_backpressure(n);
  }
  n.stats.invocations.add(calls);
  if (direct) n.stats.elements_out.add(made);
  pulled_ += made;
  stats_.elements_produced.add(made);
  end_run(n, t0, calls);
  // The run's one clock read stamps its elements (their timestamp and the origin of their latency).
  const uint64_t timestamp = epoch_ns(now_), origin = flow_ns(now_);
  if (direct) {
    ElementQueue& q = direct->queue;
    for (uint32_t i = q.size() - made; i < q.size(); ++i) {
      Element& e = q.at(i);
      e.timestamp_ns = timestamp;
      e.origin_ns = origin;
    }
  } else {
    for (Element& e : made_scratch_) {
      e.timestamp_ns = timestamp;
      e.origin_ns = origin;
      hand_on(n, e);
    }
  }
  if (ended) source_done(n);
  return calls;
}

// One pull of a traced flow, a run of its own: the element's trace starts with the pull that
// produces it, and the pull's span has its own times, copies and fuel.
uint32_t Flow::pull_traced(Node& n) {
  const Clock::time_point t0 = stamp();
  const uint32_t trace = trace_->begin_element(flow_ns(t0));
  const SpanId span = enter_call(trace ? trace_->trace_id(trace) : TraceId{}, t0);
  const CallCost before = cost_before(n);
  std::optional<OutElement> out;
  CallStatus st = n.stage->pull(out);
  count_fuel(n);
  n.stats.invocations.add();
  end_run(n, t0, 1);
  trace_->set_sequence(trace, n.next_sequence);
  trace_call(n, trace, SpanOp::Pull, span, t0, now_, st, nullptr, out ? out->payload : resources::BufferId{}, cost_since(n, before));
  if (!st) [[unlikely]] {
    if (out) release_out(*out);
    if (trace) trace_->end_element(trace, flow_ns(now_), ElementOutcome::Failed);
    handle_failure(n, st, "pull");
    return 1;
  }
  if (!out) {
    if (trace) trace_->abandon_element(trace);
    source_done(n);
    return 1;
  }
  Element e;
  e.sequence = n.next_sequence++;
  e.timestamp_ns = epoch_ns(now_);
  e.origin_ns = flow_ns(now_);
  e.payload = out->payload;
  e.content_type = intern(out->content_type);
  e.trace = trace;
  e.lineage = out->ack_id ? lineage_begin(n.index, out->ack_id) : 0;
  ++pulled_;
  stats_.elements_produced.add();
  hand_on(n, e);
  return 1;
}

// One batch pull of up to k elements: some, nothing now, or done (exhausted). Counted as one
// invocation per element made (one when it made none). Never on a traced flow (Flow::start).
uint32_t Flow::pull_batch(Node& n, uint32_t k) {
  const Clock::time_point t0 = now_;
  if (options_.context) enter_call(TraceId{}, t0);
  pulled_scratch_.clear();
  bool done = false;
  CallStatus st = n.stage->pull_batch(k, pulled_scratch_, done);
  count_fuel(n);
  // More than asked for would break the limit and the credit: the extra ones go back.
  for (size_t i = k; i < pulled_scratch_.size(); ++i) release_out(pulled_scratch_[i]);
  const uint32_t made = static_cast<uint32_t>(std::min<size_t>(pulled_scratch_.size(), k));
  const uint32_t calls = std::max<uint32_t>(made, 1);
  n.stats.invocations.add(calls);
  end_run(n, t0, calls);
  const uint64_t timestamp = epoch_ns(now_), origin = flow_ns(now_);
  for (uint32_t i = 0; i < made; ++i) {
    const OutElement& o = pulled_scratch_[i];
    emit(n, o, n.next_sequence++, timestamp, origin, 0, o.ack_id ? lineage_begin(n.index, o.ack_id) : 0);
  }
  pulled_ += made;
  stats_.elements_produced.add(made);
  pulled_scratch_.clear();
  if (!st) handle_failure(n, st, "pull");
  else if (done) source_done(n);
  return calls;
}

}  // namespace torvyn::reactor

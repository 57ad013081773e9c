// What becomes of an element once a stage has been called with it: the per-element call of each
// role, retries under the retry policy, and the outcome (handed on, dropped, delivered, failed).
// Shared by per-element runs and batch runs, so both behave the same element by element.
#include <algorithm>
#include <thread>

#include "flow_internal.h"

namespace torvyn::reactor {

using observability::ElementOutcome;
using observability::SpanId;
using observability::SpanOp;
using observability::TraceId;

// A failed call on one element, retried with the per-element call while the policy allows
// (retry, not fatal, not a trap, attempts left), with the backoff doubling per attempt. Every
// attempt is an invocation of its own, timed and traced exactly (an error path has time for
// clock reads). Returns the status of the last attempt; `r` holds its outputs.
CallStatus Flow::retry(Node& n, const Element& e, const InElement& in, CallStatus st, Reply& r) {
  static constexpr SpanOp kOps[] = {SpanOp::Pull, SpanOp::Process, SpanOp::Evaluate, SpanOp::Route, SpanOp::Ingest, SpanOp::Push};
  const bool traced = trace_ && e.trace;
  for (uint32_t attempt = 0;; ++attempt) {
    if (st) return st;
    if (r.out) {
      release_out(*r.out);
      r.out.reset();
    }
    const bool retryable = options_.error_policy == ErrorPolicy::Retry && st.kind != FailKind::Fatal && st.kind != FailKind::Trap &&
                           attempt < options_.max_retries;
    if (!retryable) return st;
    n.stats.errors.add();
    stats_.errors.add();
    stats_.retries.add();
    std::this_thread::sleep_for(options_.retry_backoff * (1u << std::min<uint32_t>(attempt, 16)));
    const Clock::time_point t0 = stamp();
    const SpanId span = enter_call(traced ? trace_->trace_id(e.trace) : TraceId{}, t0);
    const CallCost before = cost_before(n);
    r.keep = r.pause = false;
    st = invoke(n, in, r);
    n.stats.invocations.add();
    count_fuel(n);
    const Clock::time_point t1 = stamp();
    if (options_.measure_stage_time) n.stats.processing_ns.record(static_cast<uint64_t>((t1 - t0).count()));
    if (traced)
      trace_call(n, e.trace, kOps[static_cast<int>(n.role)], span, t0, t1, st, &e, r.out ? r.out->payload : resources::BufferId{},
                 cost_since(n, before));
  }
}

// The outcome of element `e` (taken off its queue; this node holds its reference) after its call
// and any retries: `out` (processor, aggregator) is handed on or released and left empty, `keep`
// is a filter's answer, a router's ports are in ports_scratch_. A sink's delivery time is its
// run's end (flush_latency()).
void Flow::settle(Node& n, const Element& e, const CallStatus& st, std::optional<OutElement>& out, bool keep) {
  if (!st) {
    if (out) {
      release_out(*out);
      out.reset();
    }
    release(e);
    end_trace(e.trace, ElementOutcome::Failed);
    // Skipped: settled as failed (its source acknowledges it and counts it). Fail-fast: left
    // unsettled, so an acknowledging source never acknowledges it and it is delivered again.
    if (handle_failure(n, st, n.role == Role::Sink ? "push" : "process")) {
      n.stats.dropped.add();
      stats_.elements_dropped.add();
      end_lineage(e.lineage, true);
    }
    return;
  }
  switch (n.role) {
    case Role::Processor:
      release(e);
      if (out) {
        emit(n, *out, e.sequence, e.timestamp_ns, e.origin_ns, e.trace, e.lineage);
        out.reset();
      } else {
        n.stats.dropped.add();
        stats_.elements_dropped.add();
        end_trace(e.trace, ElementOutcome::Dropped);
        end_lineage(e.lineage, false);
      }
      break;
    case Role::Filter:
      if (keep) {
        hand_on(n, e);
      } else {
        n.stats.dropped.add();
        stats_.elements_dropped.add();
        release(e);
        end_trace(e.trace, ElementOutcome::Filtered);
        end_lineage(e.lineage, false);
      }
      break;
    case Role::Router:
      forward(n, e, &ports_scratch_);  // no port (or no edge on the named ports): dropped
      break;
    case Role::Aggregator:
      release(e);
      // An aggregate holds the lineage of every input since the aggregator's last output, so
      // their sources acknowledge them once the aggregate is delivered.
      if (e.lineage) n.ingested.push_back(e.lineage);
      // The aggregate continues the trace of the element that completed it.
      if (out) {
        emit(n, *out, n.aggregate_seq++, epoch_ns(stamp()), e.origin_ns, e.trace, lineage_group(n.ingested, 1));
        out.reset();
      } else {
        end_trace(e.trace, ElementOutcome::Aggregated);
      }
      break;
    case Role::Sink:
      if (out) {  // a sink hands nothing on; never leak what one returned anyway
        release_out(*out);
        out.reset();
      }
      delivered(e.origin_ns);
      stats_.elements_delivered.add();
      release(e);
      end_trace(e.trace, ElementOutcome::Delivered);
      end_lineage(e.lineage, false);
      break;
    case Role::Source: break;
  }
}

// A batch outcome off the common path: an error (the element alone retried per the policy, with
// the per-element call), a dropped element, or anything else settle() knows. A sink asked to
// pause by a successful retry pauses after the batch.
void Flow::settle_outcome(Node& n, const Element& e, BatchOutcome& o, bool& pause) {
  if (!o.status) {
    Reply r;
    r.out = std::move(o.out);
    InElement in{e.sequence, e.timestamp_ns, content_types_[e.content_type], e.payload, 0, {}};
    if (n.role == Role::Sink) lineage_origin(e.lineage, in);
    o.status = retry(n, e, in, std::move(o.status), r);
    o.out = std::move(r.out);
    pause = pause || (o.status && r.pause);
  }
  settle(n, e, o.status, o.out, false);
  if (!o.status) o.status = {};  // the slot goes back clean
}

}  // namespace torvyn::reactor

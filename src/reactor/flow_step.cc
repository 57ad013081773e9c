// Scheduling rounds: one step() runs the consumers nearest the sinks first, then the sources,
// then moves the flow through Draining to Completed/Cancelled as its stages finish.
#include <algorithm>

#include "flow_internal.h"

namespace torvyn::reactor {

using observability::SpanOp;

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
          for (uint32_t in : n.ingested) end_lineage(in, true);  // skipped: what it held is lost, counted as failed
          n.ingested.clear();
        }
        Clock::time_point now = Clock::now();
        // The inputs the aggregator still held end with what it flushed (or now, if it flushed nothing).
        const uint32_t lineage = lineage_group(n.ingested, static_cast<uint32_t>(flush_scratch_.size()));
        for (uint32_t in : n.ingested) end_lineage(in, false);
        n.ingested.clear();
        for (const auto& o : flush_scratch_) {
          // A flushed aggregate starts a trace of its own.
          uint32_t trace = trace_ ? trace_->begin_element(flow_ns(now)) : 0;
          if (trace) trace_->set_sequence(trace, n.aggregate_seq);
          emit(n, o, n.aggregate_seq++, epoch_ns(now), static_cast<uint64_t>((now - steady_base_).count()), trace, lineage);
        }
        flush_scratch_.clear();
        drain_backlog(n);
      } else if (n.role == Role::Sink) {
        CallStatus st = lifecycle_call(n, SpanOp::Complete, [&] { return n.stage->complete(); });
        n.stats.invocations.add();
        if (!st) {
          n.stats.errors.add();
          stats_.errors.add();
          fail_call(n, "complete", st, "sink");
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
  stamp();  // the round's time: sink pauses are measured against it
  // Consumer-first: the stages nearest the sinks drain first.
  for (auto it = topo_.rbegin(); it != topo_.rend() && budget && state_ != FlowState::Failed; ++it) {
    Node& n = *nodes_[*it];
    if (n.role == Role::Source) continue;
    drain_backlog(n);
    run_consumer(n, budget);
    if (n.role == Role::Sink && n.paused_until > now_) idle_until_ = std::min(idle_until_, n.paused_until);
  }
  // Whether this round moved any element (consumers took some, sources made some): a source's
  // "nothing now" is a call, and so progress for the executor, but it moves nothing.
  const bool consumers_moved = progressed_;
  const uint64_t pulled_before = pulled_;
  // Then the sources, at most half a queue each per round, so a balanced pipeline never fills
  // its queues (a full queue means a stage downstream is really behind).
  for (size_t i : topo_) {
    Node& n = *nodes_[i];
    if (n.role != Role::Source || n.exhausted || state_ == FlowState::Failed || !budget) continue;
    drain_backlog(n);
    uint32_t half = UINT32_MAX;
    for (Edge* e : n.outputs) half = std::min(half, std::max<uint32_t>(1, e->queue.capacity() / 2));
    uint32_t ran = run_source(n, std::min(half, budget));
    budget -= std::min(ran, budget);
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
  if (!consumers_moved && pulled_ == pulled_before)
    for (auto& n : nodes_) n->stage->idle();
  return true;
}

}  // namespace torvyn::reactor

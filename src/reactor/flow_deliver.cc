// Queues, delivery and buffers: how an element a stage handed back reaches the next queues
// (fan-out by reference count, routing by port, backlog when a queue is full, drop policies),
// how backpressure reaches sources, and how payloads go back to the pool.
#include "flow_internal.h"

namespace torvyn::reactor {

using observability::ElementOutcome;
using observability::SpanOp;

uint32_t Flow::intern_slow(std::string_view ct) {
  uint32_t found = UINT32_MAX;
  for (uint32_t i = 0; i < content_types_.size() && found == UINT32_MAX; ++i)
    if (content_types_[i] == ct) found = i;
  if (found == UINT32_MAX) {
    if (content_types_.size() >= 1024) return 0;  // a component inventing types per element: stop interning
    content_types_.emplace_back(ct);
    found = static_cast<uint32_t>(content_types_.size() - 1);
  }
  last_interned_ = found;
  last_content_type_ = content_types_[found];  // (re)pointed: the vector may have moved its strings
  return found;
}

void Flow::release_out(const OutElement& out) {
  if (out.payload) (void)pool_.release(out.payload);
}

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
        end_lineage(e.lineage, false);  // the edge's policy drops it: as settled as a filter's drop
        return;
      case BackpressurePolicy::DropOldest: {
        Element old;
        q.pop(old);
        q.stats.dropped.add();
        stats_.elements_dropped.add();
        release(old);
        end_trace(old.trace, ElementOutcome::Overflow);
        end_lineage(old.lineage, false);
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
    end_lineage(in.lineage, false);
    return;
  }
  if (count > 1) {
    (void)pool_.share(in.payload, static_cast<uint32_t>(count - 1));  // each queue's holder releases it once
    lineage_ref(in.lineage, static_cast<uint32_t>(count - 1));
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

}  // namespace torvyn::reactor

// Tracing (DESIGN.md §8) and the flow-context components read: what the driver records around
// each invocation. Nothing here runs when the flow is neither traced nor has a context.
#include "flow_internal.h"

namespace torvyn::reactor {

using observability::ElementOutcome;
using observability::SpanEvent;
using observability::SpanId;
using observability::SpanOp;
using observability::TraceId;

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

std::optional<observability::TracerStats> Flow::trace_stats() const {
  if (!trace_) return std::nullopt;
  return trace_->stats();
}

// Publishes the invocation about to start to flow-context: its trace and a fresh span id (when
// tracing) and its deadline (when an invocation timeout is set). Returns the span id.
SpanId Flow::enter_call_now(const TraceId& trace, Clock::time_point now) {
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

Flow::CallCost Flow::cost_since(const Node& n, const CallCost& before) const {
  if (!trace_ || !trace_->diagnostic()) return {};
  CallCost spent;
  if (n.stage->owner() != resources::kHostOwner) {
    spent.copies = ledger_.copies(n.stage->owner()) - before.copies;
    spent.bytes = ledger_.bytes(n.stage->owner()) - before.bytes;
  }
  spent.fuel = n.stage->fuel_consumed();
  return spent;
}

void Flow::trace_call(const Node& n, uint32_t trace, SpanOp op, SpanId span, Clock::time_point t0, Clock::time_point t1, const CallStatus& st,
                      const Element* in, resources::BufferId out, const CallCost& spent) {
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
    ev.copies = spent.copies;
    ev.bytes_copied = spent.bytes;
    ev.fuel = spent.fuel;
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

void Flow::end_trace_now(uint32_t trace, ElementOutcome outcome) { trace_->end_element(trace, flow_ns(Clock::now()), outcome); }

}  // namespace torvyn::reactor

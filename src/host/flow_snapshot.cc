#include "flow_snapshot.h"

#include "torvyn/streaming/component_node.h"

namespace torvyn::host {

namespace obs = observability;

namespace {
constexpr std::chrono::seconds kPausedAfter{1};
}  // namespace

obs::FlowSnapshot snapshot_flow(const Runtime::RunningFlow& rf, const resources::CopyLedger& ledger, const resources::BufferPool& pool) {
  const reactor::Flow& flow = *rf.flow;
  const reactor::FlowStats& s = flow.stats();
  obs::FlowSnapshot f;
  f.id = rf.name;
  f.name = rf.name;
  // `Paused` (the operator's guide): a Running flow whose sources backpressure has held for a
  // second or more — stalled on a slow or blocked sink, not merely slowed down by it.
  f.state = flow.paused(std::chrono::steady_clock::now(), kPausedAfter) ? "Paused" : std::string(reactor::flow_state_name(flow.state()));
  f.elements_total = s.elements_produced.get();
  f.elements_delivered = s.elements_delivered.get();
  f.dropped = s.elements_dropped.get();
  f.errors = s.errors.get();
  f.retries = s.retries.get();
  if (rf.started && s.started.time_since_epoch().count() != 0) {
    auto end = flow.state() == reactor::FlowState::Completed || flow.state() == reactor::FlowState::Failed ||
                       flow.state() == reactor::FlowState::Cancelled
                   ? s.finished
                   : std::chrono::steady_clock::now();
    double secs = std::chrono::duration<double>(end - s.started).count();
    if (secs > 0) f.throughput = static_cast<double>(f.elements_delivered) / secs;
  }
  f.latency_ns = &s.latency_ns;
  for (const auto& n : flow.nodes()) {
    obs::StageSnapshot st;
    st.node = n.id;
    auto it = rf.component_of.find(n.id);
    auto conn = rf.connectors.find(n.id);
    st.component = it != rf.component_of.end() ? it->second : conn != rf.connectors.end() ? "(" + conn->second->connector + ")" : "(built-in)";
    st.role = std::string(reactor::role_name(n.stage->role()));
    if (const auto* cn = dynamic_cast<const streaming::ComponentNode*>(n.stage)) st.engine = wasm::to_string(cn->engine_kind());
    st.invocations = n.stats->invocations.get();
    st.elements_in = n.stats->elements_in.get();
    st.elements_out = n.stats->elements_out.get();
    st.dropped = n.stats->dropped.get();
    st.batch = n.stats->batch.get();
    st.errors = n.stats->errors.get();
    st.processing_ns = &n.stats->processing_ns;
    st.memory_bytes = n.stats->memory_bytes.get();
    st.fuel_consumed = n.stats->fuel_consumed.get();
    if (n.stage->owner() != resources::kHostOwner) {
      st.copies = ledger.copies(n.stage->owner());
      st.copy_bytes = ledger.bytes(n.stage->owner());
    }
    if (it != rf.component_of.end()) {  // a component instance: its buffers against its budget
      st.has_buffer_budget = true;
      st.buffer_bytes = pool.owner_bytes(n.stage->owner());
      st.buffer_budget_bytes = pool.owner_budget(n.stage->owner());
      st.budget_exceeded = pool.owner_budget_exceeded(n.stage->owner());
    }
    f.stages.push_back(std::move(st));
  }
  for (const auto& e : flow.edges()) {
    obs::StreamSnapshot q;
    q.from = e.from + (e.from_port.empty() ? "" : "." + e.from_port);
    q.to = e.to;
    q.capacity = e.queue->capacity();
    q.depth = e.queue->stats.depth.get();
    q.peak_depth = e.queue->stats.peak_depth.get();
    q.backpressure_events = e.queue->stats.backpressure_events.get();
    q.backpressure_ns = e.queue->backpressure_ns_now();
    q.dropped = e.queue->stats.dropped.get();
    f.streams.push_back(std::move(q));
  }
  for (const auto& [node, c] : rf.connectors) {
    obs::ConnectorSnapshot cs;
    cs.node = node;
    cs.connector = c->connector;
    cs.role = c->role;
    cs.fetched = c->fetched.get();
    cs.acked = c->acked.get();
    cs.failed_acked = c->failed_acked.get();
    cs.redelivered = c->redelivered.get();
    cs.pending_acks = c->pending_acks.get();
    cs.in_progress = c->in_progress.get();
    cs.ack_errors = c->ack_errors.get();
    cs.fetch_errors = c->fetch_errors.get() + c->too_large.get();
    cs.fetch_latency_ns = c->role == "source" ? &c->fetch_latency_ns : nullptr;
    cs.published = c->published.get();
    cs.duplicates = c->duplicates.get();
    cs.publish_errors = c->publish_errors.get();
    f.connectors.push_back(std::move(cs));
  }
  return f;
}

FlowCounters freeze(const obs::FlowSnapshot& s, std::chrono::steady_clock::time_point at) {
  FlowCounters c;
  c.at = at;
  c.produced = s.elements_total;
  c.delivered = s.elements_delivered;
  c.dropped = s.dropped;
  c.errors = s.errors;
  c.retries = s.retries;
  if (s.latency_ns) c.latency = s.latency_ns->counts();
  for (const obs::StageSnapshot& st : s.stages) {
    FlowCounters::Stage x;
    x.invocations = st.invocations;
    x.errors = st.errors;
    x.elements_in = st.elements_in;
    x.elements_out = st.elements_out;
    x.dropped = st.dropped;
    x.copies = st.copies;
    x.copy_bytes = st.copy_bytes;
    if (st.processing_ns) x.processing = st.processing_ns->counts();
    c.stages.push_back(std::move(x));
  }
  for (const obs::StreamSnapshot& q : s.streams) c.queues.push_back({q.backpressure_events, q.backpressure_ns, q.dropped});
  return c;
}

}  // namespace torvyn::host

// Building a flow, its lifecycle (start, finish) and the read-only views of it. Running it is in
// flow_step.cc and flow_run.cc; Executor (executor.cc) is the loop.
#include "torvyn/reactor/flow.h"

#include <algorithm>

#include "flow_internal.h"
#include "pacing.h"
#include "torvyn/reactor/executor.h"

namespace torvyn::reactor {

using observability::ElementOutcome;
using observability::SpanOp;

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

Flow::Flow(FlowOptions options, resources::BufferPool& pool, resources::CopyLedger& ledger)
    : options_(std::move(options)), pool_(pool), ledger_(ledger) {
  content_types_.push_back("");
  last_content_type_ = content_types_[0];
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
      return fail_call(n, "init", st);
    }
  }
  // Calls per element or per batch, and scratch sized for the largest batch, so that running
  // allocates nothing. Filters, routers and aggregators keep per-element calls. So does a traced
  // flow: a batch crosses once for all its elements and lends one flow-context, which can name
  // only one element's trace, while each element's span must cover its own call and the ids a
  // component reads must be that element's (docs/batching.md).
  uint32_t largest = 1;
  for (auto& n : nodes_) {
    bool batchable = !trace_ && (n->role == Role::Source || n->role == Role::Processor || n->role == Role::Sink);
    n->batch_only = n->role == Role::Source && n->stage->batch_only();
    batchable = batchable || n->batch_only;
    // A batch-only source is the host's own (a connector): its batch is its own setting, not the
    // components' max_batch (which the interp engine sets to 1).
    n->batch = n->batch_only  ? std::max<uint32_t>(1, n->stage->max_batch())
               : batchable    ? std::max<uint32_t>(1, std::min(n->stage->max_batch(), options_.max_batch))
                              : 1;
    n->batch_max = n->batch;
    n->metered = n->stage->meters_fuel();
    if (options_.pacing_stride) n->stride = std::min(options_.pacing_stride, pacing::kMaxStride);
    largest = std::max(largest, n->batch);
    n->stats.batch.set(n->batch);
    n->sole_output = n->outputs.size() == 1 ? n->outputs[0] : nullptr;
  }
  batch_in_.resize(largest);
  batch_out_.resize(largest);
  batch_release_.resize(largest);
  pulled_scratch_.reserve(largest);
  made_scratch_.reserve(std::max(largest, pacing::kMaxStride));
  pending_latency_.reserve(std::max(largest, pacing::kMaxStride));
  now_ = Clock::now();
  state_ = FlowState::Running;
  return {};
}

uint64_t Flow::epoch_ns(Clock::time_point t) const {
  return epoch_base_ns_ + static_cast<uint64_t>((t - steady_base_).count());
}

void Flow::fail(Error e) {
  if (!failure_) failure_ = std::move(e);
  state_ = FlowState::Failed;
}

Error Flow::fail_call(const Node& n, const char* call, const CallStatus& st, const char* who) {
  Error e(st.failure_code(), std::string(who) + " `" + n.id + "` failed in " + call + ": " + st.describe());
  if (!failure_) failed_node_ = n.id;
  fail(e);
  return e;
}

// Counts a failed call (after its retries) and applies the error policy: true when the flow goes
// on (the element is skipped); false when it failed (fatal, trap, or fail-fast).
bool Flow::handle_failure(Node& n, const CallStatus& st, const char* call) {
  n.stats.errors.add();
  stats_.errors.add();
  bool fatal = st.kind == FailKind::Fatal || st.kind == FailKind::Trap || options_.error_policy == ErrorPolicy::FailFast;
  if (fatal) {
    fail_call(n, call, st);
    return false;
  }
  return true;  // skip (or retries exhausted under retry, which then skips)
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
  // What was still in flight is never acknowledged: its sources' messages are delivered again.
  lineage_.resize(1);
  lineage_free_.clear();
  for (auto& n : nodes_) n->ingested.clear();
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
      fail_call(n, "teardown", st);
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
  Executor executor;
  executor.add(*this);
  executor.run(stop);
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

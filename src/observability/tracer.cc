#include "torvyn/observability/tracer.h"

#include <algorithm>
#include <cstdio>
#include <mutex>

namespace torvyn::observability {

std::string_view span_op_name(SpanOp op) {
  switch (op) {
    case SpanOp::Element: return "element";
    case SpanOp::Flow: return "flow";
    case SpanOp::Pull: return "pull";
    case SpanOp::Process: return "process";
    case SpanOp::Evaluate: return "evaluate";
    case SpanOp::Route: return "route";
    case SpanOp::Ingest: return "ingest";
    case SpanOp::Flush: return "flush";
    case SpanOp::Push: return "push";
    case SpanOp::Complete: return "complete";
    case SpanOp::Init: return "init";
    case SpanOp::Teardown: return "teardown";
    case SpanOp::NotifyBackpressure: return "notify-backpressure";
  }
  return "?";
}

std::string_view element_outcome_name(ElementOutcome o) {
  switch (o) {
    case ElementOutcome::Delivered: return "delivered";
    case ElementOutcome::Dropped: return "dropped";
    case ElementOutcome::Filtered: return "filtered";
    case ElementOutcome::Unrouted: return "unrouted";
    case ElementOutcome::Aggregated: return "aggregated";
    case ElementOutcome::Overflow: return "overflow";
    case ElementOutcome::Failed: return "failed";
    case ElementOutcome::Cancelled: return "cancelled";
  }
  return "?";
}

size_t span_ring_capacity(const TracerOptions& o, size_t nodes) {
  double kept = o.level == TraceLevel::Diagnostic ? 1.0 : std::clamp(o.sample_rate, 0.0, 1.0);
  double interval_s = std::chrono::duration<double>(o.export_interval).count();
  double spans = kTracedPeakElementsPerSecond * kept * static_cast<double>(nodes + 1) * interval_s * 2;
  size_t want = spans >= static_cast<double>(kMaxSpanRing) ? kMaxSpanRing : static_cast<size_t>(spans);
  size_t n = kMinSpanRing;
  while (n < want) n <<= 1;
  return std::min(n, kMaxSpanRing);
}

// ---- SpanRing ----

SpanRing::SpanRing(size_t capacity) {
  size_t n = 2;
  while (n < capacity) n <<= 1;
  slots_.resize(n);
  mask_ = n - 1;
}

bool SpanRing::push(SpanEvent&& e) {
  uint64_t tail = tail_.load(std::memory_order_relaxed);
  if (tail - head_.load(std::memory_order_acquire) >= slots_.size()) return false;
  slots_[tail & mask_] = std::move(e);
  tail_.store(tail + 1, std::memory_order_release);
  return true;
}

bool SpanRing::pop(SpanEvent& e) {
  uint64_t head = head_.load(std::memory_order_relaxed);
  if (head == tail_.load(std::memory_order_acquire)) return false;
  e = std::move(slots_[head & mask_]);
  head_.store(head + 1, std::memory_order_release);
  return true;
}

// ---- FlowTrace ----

// What a flow shares with the export thread: its ring, its lifecycle queue, its names and its
// single-writer counters (traced..dropped written by the flow, exported/failed by the export
// thread).
struct FlowTrace::Channel {
  std::shared_ptr<const FlowTraceInfo> info;
  SpanRing ring;
  // Lifecycle spans (flow root, init, flush, complete, teardown): a handful per node, so an
  // unbounded queue is bounded in practice, and the flow takes the lock only for those calls.
  std::mutex lifecycle_mu;
  std::vector<SpanEvent> lifecycle;
  Counter traced, kept, promoted, recorded, dropped, traces_dropped;
  Counter exported, failed;
  std::atomic<bool> closed{false};
  Channel(std::shared_ptr<const FlowTraceInfo> i, size_t cap) : info(std::move(i)), ring(cap) {}
  bool lifecycle_empty() {
    std::lock_guard lock(lifecycle_mu);
    return lifecycle.empty();
  }
};

namespace {
size_t ring_capacity_for(const TracerOptions& o, const FlowTraceInfo& info) {
  return o.ring_capacity ? o.ring_capacity : span_ring_capacity(o, info.nodes.size());
}
}  // namespace

FlowTrace::FlowTrace(std::shared_ptr<Tracer> tracer, std::shared_ptr<const FlowTraceInfo> info)
    : tracer_(std::move(tracer)),
      channel_(std::make_shared<Channel>(info, ring_capacity_for(tracer_->options_, *info))),
      diagnostic_(tracer_->options_.level == TraceLevel::Diagnostic),
      sample_rate_(diagnostic_ ? 1.0 : std::clamp(tracer_->options_.sample_rate, 0.0, 1.0)),
      error_promote_(tracer_->options_.error_promote),
      latency_threshold_ns_(static_cast<uint64_t>(std::max(0.0, tracer_->options_.latency_promote_threshold_ms) * 1e6)) {
  slots_.emplace_back();  // slot 0 = "not traced"
  flow_trace_ = ids_.trace_id();
  flow_span_ = ids_.span_id();
  next_wake_ = std::max<size_t>(1, channel_->ring.capacity() / 4);
}

FlowTrace::~FlowTrace() { channel_->closed.store(true, std::memory_order_release); }

uint32_t FlowTrace::begin_element(uint64_t now_ns) {
  uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.trace = ids_.trace_id();
  s.root = ids_.span_id();
  s.start_ns = now_ns;
  s.sequence = 0;
  s.refs = 1;
  s.sampled = sample_rate_ >= 1.0 || (sample_rate_ > 0 && sampling_draw(s.trace) < sample_rate_);
  s.collect = s.sampled || error_promote_ || latency_threshold_ns_ > 0;
  s.error = false;
  s.used = 0;
  return slot;
}

void FlowTrace::abandon_element(uint32_t slot) {
  slots_[slot].refs = 0;
  slots_[slot].used = 0;
  free_.push_back(slot);
}

// The next span of the slot: a reused entry reset to defaults (its message keeps its capacity).
SpanEvent& FlowTrace::next_span(Slot& s) {
  if (s.used == s.spans.size()) {
    ++s.used;
    return s.spans.emplace_back();
  }
  SpanEvent& e = s.spans[s.used++];
  static_cast<SpanFields&>(e) = SpanFields{};
  e.message.clear();
  e.state = {};
  return e;
}

void FlowTrace::record(uint32_t slot, SpanEvent&& e) {
  Slot& s = slots_[slot];
  if (e.error) s.error = true;
  if (!s.collect) return;
  e.trace = s.trace;
  e.parent = s.root;
  e.sequence = s.sequence;
  next_span(s) = std::move(e);
}

SpanEvent* FlowTrace::add_span(uint32_t slot) {
  Slot& s = slots_[slot];
  if (!s.collect) return nullptr;
  SpanEvent& e = next_span(s);
  e.trace = s.trace;
  e.parent = s.root;
  e.sequence = s.sequence;
  return &e;
}

void FlowTrace::end_element(uint32_t slot, uint64_t now_ns, ElementOutcome outcome) {
  Slot& s = slots_[slot];
  if (s.refs > 1) {
    --s.refs;
    return;
  }
  channel_->traced.add();  // counted when it ends: a pull that produced nothing is not an element
  uint8_t kept = 0;
  if (s.sampled) kept |= kKeptHead;
  if (error_promote_ && (s.error || outcome == ElementOutcome::Failed)) kept |= kKeptError;
  if (latency_threshold_ns_ && now_ns - s.start_ns >= latency_threshold_ns_) kept |= kKeptLatency;
  if (kept && channel_->ring.free_slots() < size_t{s.used} + 1) {
    // No room for the whole trace: drop all of it (a trace without its root, or a root without
    // some of its children, would mislead whoever reads it) and count it.
    channel_->traces_dropped.add();
    channel_->dropped.add(size_t{s.used} + 1);  // (the export thread was woken as the ring filled)
  } else if (kept) {
    channel_->kept.add();
    if (!(kept & kKeptHead)) channel_->promoted.add();
    SpanEvent root;
    root.trace = s.trace;
    root.span = s.root;
    root.start_ns = s.start_ns;
    root.end_ns = now_ns;
    root.sequence = s.sequence;
    root.op = SpanOp::Element;
    root.error = s.error || outcome == ElementOutcome::Failed;
    root.outcome = outcome;
    root.kept_by = kept;
    publish(std::move(root));
    for (uint32_t i = 0; i < s.used; ++i) publish(std::move(s.spans[i]));
    pushed_to_ring();
  }
  s.refs = 0;
  s.used = 0;
  free_.push_back(slot);
}

void FlowTrace::record_lifecycle(SpanEvent&& e) {
  e.trace = flow_trace_;
  e.parent = flow_span_;
  if (e.op != SpanOp::NotifyBackpressure) return publish_reserved(std::move(e));
  // One per backpressure episode: the ring, or dropped and counted (its parent, the flow root,
  // is reserved and always exported).
  if (channel_->ring.free_slots() == 0) {
    channel_->dropped.add();
    return;
  }
  publish(std::move(e));
  pushed_to_ring();
}

void FlowTrace::finish_flow(uint64_t start_ns, uint64_t end_ns, std::string_view state, bool failed, std::string failure) {
  SpanEvent root;
  root.trace = flow_trace_;
  root.span = flow_span_;
  root.start_ns = start_ns;
  root.end_ns = end_ns;
  root.op = SpanOp::Flow;
  root.error = failed;
  root.message = std::move(failure);
  root.state = state;
  publish_reserved(std::move(root));
  tracer_->request_drain();
}

void FlowTrace::publish(SpanEvent&& e) {
  channel_->ring.push(std::move(e));  // cannot fail: the caller saw the room
  channel_->recorded.add();
}

void FlowTrace::publish_reserved(SpanEvent&& e) {
  {
    std::lock_guard lock(channel_->lifecycle_mu);
    channel_->lifecycle.push_back(std::move(e));
  }
  channel_->recorded.add();
}

// Every quarter ring pushed, the export thread is asked to drain now rather than at the end of
// its interval: the ring then rarely holds more than a quarter of its capacity, whatever the
// rate, as long as the exporter keeps up. Costs a lock and a wakeup per quarter ring.
void FlowTrace::pushed_to_ring() {
  if (channel_->ring.pushed() < next_wake_) return;
  next_wake_ = channel_->ring.pushed() + std::max<size_t>(1, channel_->ring.capacity() / 4);
  tracer_->request_drain();
}

TracerStats FlowTrace::stats() const {
  const Channel& c = *channel_;
  return TracerStats{c.traced.get(),   c.kept.get(),           c.promoted.get(), c.recorded.get(),
                     c.dropped.get(),  c.traces_dropped.get(), c.exported.get(), c.failed.get()};
}

size_t FlowTrace::ring_capacity() const { return channel_->ring.capacity(); }

// ---- Tracer ----

std::shared_ptr<Tracer> Tracer::create(TracerOptions options, std::unique_ptr<SpanExporter> exporter, TraceResource resource) {
  std::shared_ptr<Tracer> t(new Tracer(std::move(options), std::move(exporter), std::move(resource)));
  t->thread_ = std::thread([raw = t.get()] { raw->export_loop(); });
  return t;
}

Tracer::Tracer(TracerOptions options, std::unique_ptr<SpanExporter> exporter, TraceResource resource)
    : options_(std::move(options)), exporter_(std::move(exporter)), resource_(std::move(resource)) {
  if (!options_.log)
    options_.log = [](std::string_view m) { std::fprintf(stderr, "torvyn: %.*s\n", static_cast<int>(m.size()), m.data()); };
}

Tracer::~Tracer() { shutdown(); }

std::unique_ptr<FlowTrace> Tracer::open_flow(std::shared_ptr<const FlowTraceInfo> info) {
  auto ft = std::make_unique<FlowTrace>(shared_from_this(), std::move(info));
  std::lock_guard lock(mu_);
  channels_.push_back(ft->channel_);
  return ft;
}

void Tracer::request_drain() {
  {
    std::lock_guard lock(mu_);
    drain_requested_ = true;
  }
  wake_.notify_one();
}

void Tracer::export_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.export_interval, [this] { return stopping_ || drain_requested_; });
    if (stopping_) break;
    drain_requested_ = false;
    lock.unlock();
    drain();
    lock.lock();
  }
}

// Moves what the lifecycle queues and rings hold into batches of max_batch for the exporter,
// until every ring is empty: a drain that stopped after one batch per wakeup would cap the
// export rate at max_batch per export_interval (2048 per 200 ms, ~10 k spans/s) whatever the
// exporter could do. Closed channels that are empty are retired (their counts kept). Runs on the
// export thread, or on the caller of shutdown() after the thread has stopped.
size_t Tracer::drain() {
  std::vector<std::shared_ptr<FlowTrace::Channel>> channels;
  {
    std::lock_guard lock(mu_);
    channels = channels_;
  }
  size_t total = 0;
  SpanEvent e;
  std::vector<SpanEvent> lifecycle;
  auto flush_batch = [&] {
    report(exporter_->export_spans(resource_, batch_), batch_.size());
    batch_.clear();
    batch_owners_.clear();
  };
  auto add = [&](FlowTrace::Channel& c, const SpanEvent& ev) {
    batch_.push_back(materialize(*c.info, ev));
    batch_owners_.push_back(&c);
    if (batch_.size() >= options_.max_batch) flush_batch();
  };
  for (;;) {
    size_t round = 0;
    for (auto& c : channels) {
      {
        std::lock_guard lock(c->lifecycle_mu);
        lifecycle.swap(c->lifecycle);
      }
      for (const SpanEvent& ev : lifecycle) add(*c, ev);
      round += lifecycle.size();
      lifecycle.clear();
      // At most max_batch from each ring per round, so one busy flow does not hold up the others.
      for (size_t n = 0; n < options_.max_batch && c->ring.pop(e); ++n, ++round) add(*c, e);
    }
    if (!batch_.empty()) flush_batch();
    total += round;
    if (round == 0) break;
  }
  std::lock_guard lock(mu_);
  for (auto it = channels_.begin(); it != channels_.end();) {
    FlowTrace::Channel& c = **it;
    if (c.closed.load(std::memory_order_acquire) && c.ring.empty() && c.lifecycle_empty()) {
      retired_.elements_traced += c.traced.get();
      retired_.elements_kept += c.kept.get();
      retired_.elements_promoted += c.promoted.get();
      retired_.spans_recorded += c.recorded.get();
      retired_.spans_dropped += c.dropped.get();
      retired_.traces_dropped += c.traces_dropped.get();
      it = channels_.erase(it);
    } else {
      ++it;
    }
  }
  return total;
}

void Tracer::report(const Status& s, size_t spans) {
  for (FlowTrace::Channel* c : batch_owners_) (s ? c->exported : c->failed).add();
  if (s) {
    exported_.fetch_add(spans, std::memory_order_relaxed);
    return;
  }
  failed_.fetch_add(spans, std::memory_order_relaxed);
  std::string msg = "trace export (" + std::string(exporter_->name()) + ") failed: " + s.error().to_string();
  if (msg != last_error_) {
    last_error_ = msg;
    options_.log(msg);
  }
}

void Tracer::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  drain();
  if (auto s = exporter_->flush(); !s) report(s, 0);
}

TracerStats Tracer::stats() const {
  std::lock_guard lock(mu_);
  TracerStats s = retired_;
  for (const auto& c : channels_) {
    s.elements_traced += c->traced.get();
    s.elements_kept += c->kept.get();
    s.elements_promoted += c->promoted.get();
    s.spans_recorded += c->recorded.get();
    s.spans_dropped += c->dropped.get();
    s.traces_dropped += c->traces_dropped.get();
  }
  s.spans_exported = exported_.load(std::memory_order_relaxed);
  s.spans_failed = failed_.load(std::memory_order_relaxed);
  return s;
}

SpanRecord Tracer::materialize(const FlowTraceInfo& info, const SpanEvent& e) const {
  SpanRecord r;
  r.trace_id = e.trace;
  r.span_id = e.span;
  r.parent_span_id = e.parent;
  r.start_unix_ns = info.epoch_base_ns + e.start_ns;
  r.end_unix_ns = info.epoch_base_ns + std::max(e.end_ns, e.start_ns);
  r.status = e.error ? SpanStatus::Error : SpanStatus::Unset;
  r.status_message = e.message;
  auto attr = [&](const char* k, auto v) { r.attributes.push_back({k, v}); };
  attr("torvyn.flow", info.flow);
  std::string_view op = span_op_name(e.op);
  if (e.op == SpanOp::Flow) {
    r.name = "flow " + info.flow;
    attr("torvyn.flow.state", std::string(e.state));
    return r;
  }
  if (e.op == SpanOp::Element) {
    r.name = "element";
    attr("torvyn.sequence", static_cast<int64_t>(e.sequence));
    attr("torvyn.element.outcome", std::string(element_outcome_name(e.outcome)));
    std::string by;
    if (e.kept_by & kKeptHead) by = "sampled";
    if (e.kept_by & kKeptError) by += by.empty() ? "error" : ",error";
    if (e.kept_by & kKeptLatency) by += by.empty() ? "latency" : ",latency";
    attr("torvyn.trace.kept_by", by);
    return r;
  }
  const FlowTraceInfo::Node* node = e.node < info.nodes.size() ? &info.nodes[e.node] : nullptr;
  r.name = std::string(op) + " " + (node ? node->id : "?");
  attr("torvyn.operation", std::string(op));
  if (node) {
    attr("torvyn.node", node->id);
    attr("torvyn.component", node->component);
    attr("torvyn.role", node->role);
  }
  bool element_span = e.parent.valid() && e.op != SpanOp::Init && e.op != SpanOp::Teardown && e.op != SpanOp::Complete &&
                      e.op != SpanOp::Flush && e.op != SpanOp::NotifyBackpressure;
  if (element_span) attr("torvyn.sequence", static_cast<int64_t>(e.sequence));
  if (e.buffer_in) attr("torvyn.buffer.in", static_cast<int64_t>(e.buffer_in));
  if (e.buffer_out) attr("torvyn.buffer.out", static_cast<int64_t>(e.buffer_out));
  if (element_span && e.op != SpanOp::Pull) {
    attr("torvyn.queue_wait_ns", static_cast<int64_t>(e.queue_wait_ns));
    attr("torvyn.backpressure_wait_ns", static_cast<int64_t>(e.backpressure_wait_ns));
  }
  if (e.copies || e.bytes_copied) {
    attr("torvyn.copies", static_cast<int64_t>(e.copies));
    attr("torvyn.bytes_copied", static_cast<int64_t>(e.bytes_copied));
  }
  if (e.fuel) attr("torvyn.fuel", static_cast<int64_t>(e.fuel));
  return r;
}

}  // namespace torvyn::observability

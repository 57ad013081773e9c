// The tracer on its own: W3C ids, the span ring and its sizing, sampling and promotion decisions,
// reference counting of fanned-out elements, whole-trace drops when a ring is full, lifecycle
// spans that are never dropped, the export thread draining whole rings when a flow wakes it, and
// shutdown draining everything.
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "torvyn/observability/memory_exporter.h"
#include "torvyn/observability/tracer.h"

namespace torvyn::observability {
namespace {

TEST(TraceIds, HexRoundTripsAndRejectsMalformedOrZero) {
  TraceId t{0x0af7651916cd43ddull, 0x8448eb211c80319cull};
  EXPECT_EQ(to_hex(t), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(parse_trace_id("0AF7651916CD43DD8448EB211C80319C"), t);
  EXPECT_EQ(to_hex(SpanId{0xb7ad6b7169203331ull}), "b7ad6b7169203331");
  EXPECT_FALSE(parse_trace_id("00000000000000000000000000000000"));
  EXPECT_FALSE(parse_trace_id("0af7651916cd43dd8448eb211c80319"));
  EXPECT_FALSE(parse_trace_id("0af7651916cd43dd8448eb211c80319g"));
  EXPECT_FALSE(parse_span_id("0000000000000000"));
  EXPECT_EQ(parse_span_id("00f067aa0ba902b7")->value, 0x00f067aa0ba902b7ull);
}

TEST(TraceIds, GeneratorNeverMakesZeroOrRepeats) {
  IdGenerator g(42);
  std::set<std::pair<uint64_t, uint64_t>> seen;
  for (int i = 0; i < 10000; ++i) {
    TraceId t = g.trace_id();
    ASSERT_TRUE(t.valid());
    ASSERT_TRUE(seen.insert({t.hi, t.lo}).second);
    ASSERT_TRUE(g.span_id().valid());
    double u = g.unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(SpanRing, FifoAndBounded) {
  SpanRing r(3);  // rounded up to 4
  EXPECT_EQ(r.capacity(), 4u);
  for (uint64_t i = 0; i < 4; ++i) {
    SpanEvent e;
    e.sequence = i;
    EXPECT_TRUE(r.push(std::move(e)));
  }
  SpanEvent extra;
  EXPECT_FALSE(r.push(std::move(extra)));
  SpanEvent out;
  for (uint64_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(r.pop(out));
    EXPECT_EQ(out.sequence, i);
  }
  EXPECT_FALSE(r.pop(out));
  EXPECT_TRUE(r.empty());
}

struct Rig {
  MemoryExporter* memory = nullptr;
  std::shared_ptr<Tracer> tracer;
  std::unique_ptr<FlowTrace> flow;
  explicit Rig(TracerOptions o, std::unique_ptr<MemoryExporter> m = std::make_unique<MemoryExporter>()) {
    memory = m.get();
    tracer = Tracer::create(std::move(o), std::move(m), {});
    auto info = std::make_shared<FlowTraceInfo>();
    info->flow = "f";
    info->nodes = {{"src", "gen", "source"}, {"snk", "printer", "sink"}};
    info->epoch_base_ns = 1'000'000'000;
    flow = tracer->open_flow(info);
  }
  // One element: a pull and a push span, optionally failing.
  void element(uint64_t t0, uint64_t t1, bool error, uint32_t fan = 1) {
    uint32_t slot = flow->begin_element(t0);
    SpanEvent pull;
    pull.span = flow->new_span_id();
    pull.node = 0;
    pull.op = SpanOp::Pull;
    pull.start_ns = t0;
    pull.end_ns = t0 + 10;
    flow->record(slot, std::move(pull));
    if (fan > 1) flow->add_refs(slot, fan - 1);
    for (uint32_t i = 0; i < fan; ++i) {
      SpanEvent push;
      push.span = flow->new_span_id();
      push.node = 1;
      push.op = SpanOp::Push;
      push.start_ns = t1 - 10;
      push.end_ns = t1;
      push.error = error;
      flow->record(slot, std::move(push));
      flow->end_element(slot, t1, error ? ElementOutcome::Failed : ElementOutcome::Delivered);
    }
  }
  std::vector<SpanRecord> finish() {
    flow.reset();
    tracer->shutdown();
    return memory->take();
  }
};

TEST(Tracer, SampledElementsExportARootAndChildrenWithNamesAndTimes) {
  Rig rig({.level = TraceLevel::Production, .sample_rate = 1.0});
  rig.element(100, 500, false);
  auto spans = rig.finish();
  ASSERT_EQ(spans.size(), 3u);
  const SpanRecord& root = spans[0];
  EXPECT_EQ(root.name, "element");
  EXPECT_FALSE(root.parent_span_id.valid());
  EXPECT_EQ(root.start_unix_ns, 1'000'000'100u);
  EXPECT_EQ(root.end_unix_ns, 1'000'000'500u);
  EXPECT_EQ(spans[1].name, "pull src");
  EXPECT_EQ(spans[2].name, "push snk");
  for (int i = 1; i < 3; ++i) {
    EXPECT_EQ(spans[i].trace_id, root.trace_id);
    EXPECT_EQ(spans[i].parent_span_id, root.span_id);
  }
  EXPECT_EQ(rig.tracer->stats().spans_exported, 3u);
}

TEST(Tracer, FannedOutElementsCloseAfterTheLastCopy) {
  Rig rig({.level = TraceLevel::Production, .sample_rate = 1.0});
  rig.element(0, 100, false, 3);
  auto spans = rig.finish();
  size_t roots = 0, pushes = 0;
  for (const auto& s : spans) {
    roots += s.name == "element";
    pushes += s.name == "push snk";
  }
  EXPECT_EQ(roots, 1u);
  EXPECT_EQ(pushes, 3u);
}

TEST(Tracer, PromotionDecidesForUnsampledElements) {
  Rig rig({.level = TraceLevel::Production, .sample_rate = 0.0, .error_promote = true, .latency_promote_threshold_ms = 1.0});
  rig.element(0, 100, false);         // fast, fine: not kept
  rig.element(0, 100, true);          // error: kept
  rig.element(0, 2'000'000, false);   // 2 ms > 1 ms: kept
  auto spans = rig.finish();
  std::vector<std::string> kept_by;
  for (const auto& s : spans)
    if (s.name == "element")
      for (const auto& a : s.attributes)
        if (a.key == "torvyn.trace.kept_by") kept_by.push_back(std::get<std::string>(a.value));
  EXPECT_EQ(kept_by, (std::vector<std::string>{"error", "latency"}));
  TracerStats st = rig.tracer->stats();
  EXPECT_EQ(st.elements_traced, 3u);
  EXPECT_EQ(st.elements_kept, 2u);
  EXPECT_EQ(st.elements_promoted, 2u);
}

// A memory exporter whose first export blocks until release(): while it is held, nothing leaves
// the rings, so what fits and what is dropped does not depend on the export thread's timing.
class GateExporter : public MemoryExporter {
 public:
  Status export_spans(const TraceResource& resource, const std::vector<SpanRecord>& spans) override {
    {
      std::unique_lock lock(mu_);
      if (!passed_) {
        entered_ = true;
        cv_.notify_all();
        cv_.wait(lock, [&] { return released_; });
        passed_ = true;
      }
    }
    return MemoryExporter::export_spans(resource, spans);
  }
  void wait_entered() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return entered_; });
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false, released_ = false, passed_ = false;
};

struct GatedRig : Rig {
  GateExporter* gate;
  explicit GatedRig(TracerOptions o) : GatedRig(std::move(o), std::make_unique<GateExporter>()) {}
  GatedRig(TracerOptions o, std::unique_ptr<GateExporter> g) : Rig(std::move(o), std::move(g)), gate(static_cast<GateExporter*>(memory)) {}
  // A kept element with a pull and a push span: 3 spans with its root.
  void element() { Rig::element(0, 10, false); }
  void lifecycle(SpanOp op) {
    SpanEvent e;
    e.span = flow->new_span_id();
    e.op = op;
    flow->record_lifecycle(std::move(e));
  }
  // Holds the export thread in the exporter with the ring empty: the first element is woken out
  // at once (a quarter of a 4-span ring is one span) and its batch blocks.
  void hold_exporter() {
    element();
    gate->wait_entered();
  }
  std::vector<SpanRecord> finish() {
    gate->release();
    return Rig::finish();
  }
};

TEST(Tracer, AFullRingDropsWholeTracesAndCountsThemInsteadOfBlocking) {
  GatedRig rig({.level = TraceLevel::Production, .sample_rate = 1.0, .ring_capacity = 4, .export_interval = std::chrono::seconds(60)});
  rig.hold_exporter();
  for (int i = 0; i < 10; ++i) rig.element();  // 3 spans each: the first fits, the other 9 do not
  auto spans = rig.finish();
  TracerStats st = rig.tracer->stats();
  EXPECT_EQ(spans.size(), 6u);
  EXPECT_EQ(st.spans_recorded, 6u);
  EXPECT_EQ(st.traces_dropped, 9u);
  EXPECT_EQ(st.spans_dropped, 27u) << "a dropped trace counts all its spans";
  EXPECT_EQ(st.spans_exported, 6u);
  EXPECT_EQ(st.elements_kept, 2u) << "only exported traces count as kept";
  // No fragments: every exported trace has its root and both children.
  std::map<std::pair<uint64_t, uint64_t>, int> per_trace;
  for (const auto& s : spans) ++per_trace[{s.trace_id.hi, s.trace_id.lo}];
  for (const auto& [trace, n] : per_trace) EXPECT_EQ(n, 3);
}

TEST(Tracer, LifecycleSpansAreNeverDroppedEvenWhenTheRingIsFull) {
  GatedRig rig({.level = TraceLevel::Production, .sample_rate = 1.0, .ring_capacity = 4, .export_interval = std::chrono::seconds(60)});
  rig.hold_exporter();
  for (int i = 0; i < 3; ++i) rig.element();  // fills the ring (3 of 4) and drops 2 traces
  rig.lifecycle(SpanOp::Init);
  rig.lifecycle(SpanOp::NotifyBackpressure);  // the ring's last slot
  rig.lifecycle(SpanOp::NotifyBackpressure);  // no room: dropped and counted
  rig.lifecycle(SpanOp::Complete);
  rig.lifecycle(SpanOp::Teardown);
  rig.flow->finish_flow(0, 100, "Completed", false, "");
  auto spans = rig.finish();
  std::multiset<std::string> names;
  SpanId flow_root;
  for (const auto& s : spans) {
    names.insert(s.name.substr(0, s.name.find(' ')));
    if (s.name == "flow f") flow_root = s.span_id;
  }
  ASSERT_TRUE(flow_root.valid());
  for (const char* op : {"init", "complete", "teardown", "notify-backpressure"}) EXPECT_EQ(names.count(op), 1u) << op;
  for (const auto& s : spans) {
    if (s.name != "element" && s.name != "flow f" && s.name.rfind("pull", 0) != 0 && s.name.rfind("push", 0) != 0) {
      EXPECT_EQ(s.parent_span_id, flow_root) << s.name;
    }
  }
  TracerStats st = rig.tracer->stats();
  EXPECT_EQ(st.traces_dropped, 2u);
  EXPECT_EQ(st.spans_dropped, 2u * 3u + 1u);
}

// The export thread drains every ring to empty when it runs (not one batch per flow per
// interval), and a flow wakes it every quarter ring instead of waiting for the interval: with a
// one-minute interval and 4-span batches, the wakeup after 64 of a 256-span ring's spans exports
// them all while the flow is still open (one batch per wakeup would export 4).
TEST(Tracer, TheExportThreadDrainsWholeRingsAndIsWokenByTheFlow) {
  auto m = std::make_unique<MemoryExporter>();
  MemoryExporter* memory = m.get();
  TracerOptions o{.level = TraceLevel::Production, .sample_rate = 1.0, .ring_capacity = 256, .export_interval = std::chrono::seconds(60)};
  o.max_batch = 4;
  auto tracer = Tracer::create(std::move(o), std::move(m), {});
  auto flow = tracer->open_flow(std::make_shared<FlowTraceInfo>());
  for (int i = 0; i < 40; ++i) {  // 120 spans; the wakeup comes after the 22nd element (66 spans)
    uint32_t slot = flow->begin_element(0);
    for (int k = 0; k < 2; ++k) {
      SpanEvent e;
      e.span = flow->new_span_id();
      flow->record(slot, std::move(e));
    }
    flow->end_element(slot, 1, ElementOutcome::Delivered);
  }
  // Not a timing assertion: the bound only keeps a regression from hanging the suite.
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (tracer->stats().spans_exported < 66 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_GE(tracer->stats().spans_exported, 66u);
  EXPECT_EQ(flow->stats().spans_dropped, 0u);
  flow.reset();
  tracer->shutdown();
  EXPECT_EQ(memory->take().size(), 120u);
}

TEST(Tracer, RingCapacityFollowsTheSampleRate) {
  TracerOptions guide{.level = TraceLevel::Production, .sample_rate = 0.01};
  EXPECT_EQ(span_ring_capacity(guide, 3), 16384u) << "1 M/s x 1 % x 4 spans x 0.2 s x 2 = 16,000";
  TracerOptions none{.level = TraceLevel::Production, .sample_rate = 0.0};
  EXPECT_EQ(span_ring_capacity(none, 3), kMinSpanRing);
  TracerOptions all{.level = TraceLevel::Production, .sample_rate = 1.0};
  EXPECT_EQ(span_ring_capacity(all, 3), kMaxSpanRing);
  TracerOptions diag{.level = TraceLevel::Diagnostic, .sample_rate = 0.0};
  EXPECT_EQ(span_ring_capacity(diag, 3), kMaxSpanRing) << "diagnostic keeps every element";
  TracerOptions tenth{.level = TraceLevel::Production, .sample_rate = 0.1};
  EXPECT_EQ(span_ring_capacity(tenth, 3), kMaxSpanRing);
  TracerOptions wide = guide;
  EXPECT_EQ(span_ring_capacity(wide, 5), 32768u) << "more nodes, more spans per element: 24,000";
  // A tracer with ring_capacity 0 sizes each flow's ring this way.
  auto tracer = Tracer::create(guide, std::make_unique<MemoryExporter>(), {});
  auto info = std::make_shared<FlowTraceInfo>();
  info->nodes = {{"a", "", "source"}, {"b", "", "processor"}, {"c", "", "sink"}};
  EXPECT_EQ(tracer->open_flow(info)->ring_capacity(), 16384u);
  tracer->shutdown();
}

TEST(Tracer, ExportFailuresAreCountedAndLoggedOnce) {
  struct Failing : SpanExporter {
    std::string_view name() const override { return "failing"; }
    Status export_spans(const TraceResource&, const std::vector<SpanRecord>&) override {
      return Error(ErrorCode::IoError, "collector unreachable");
    }
  };
  std::vector<std::string> logs;
  TracerOptions o{.level = TraceLevel::Production, .sample_rate = 1.0};
  o.max_batch = 3;
  o.log = [&](std::string_view m) { logs.emplace_back(m); };
  auto tracer = Tracer::create(std::move(o), std::make_unique<Failing>(), {});
  auto info = std::make_shared<FlowTraceInfo>();
  auto flow = tracer->open_flow(info);
  for (int i = 0; i < 5; ++i) {
    uint32_t slot = flow->begin_element(0);
    flow->end_element(slot, 1, ElementOutcome::Delivered);
  }
  flow.reset();
  tracer->shutdown();
  EXPECT_EQ(tracer->stats().spans_failed, 5u);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_NE(logs[0].find("collector unreachable"), std::string::npos);
}

TEST(Tracer, FlowLifecycleTraceIsAlwaysKept) {
  Rig rig({.level = TraceLevel::Production, .sample_rate = 0.0, .error_promote = false});
  SpanEvent init;
  init.span = rig.flow->new_span_id();
  init.node = 0;
  init.op = SpanOp::Init;
  rig.flow->record_lifecycle(std::move(init));
  rig.flow->finish_flow(0, 100, "Completed", false, "");
  auto spans = rig.finish();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].name, "init src");
  EXPECT_EQ(spans[1].name, "flow f");
  EXPECT_EQ(spans[0].parent_span_id, spans[1].span_id);
}

}  // namespace
}  // namespace torvyn::observability

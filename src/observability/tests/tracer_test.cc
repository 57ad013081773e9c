// The tracer on its own: W3C ids, the span ring, sampling and promotion decisions, reference
// counting of fanned-out elements, drops when a ring is full, and shutdown draining everything.
#include <gtest/gtest.h>

#include <set>

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
  explicit Rig(TracerOptions o) {
    auto m = std::make_unique<MemoryExporter>();
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

TEST(Tracer, AFullRingDropsAndCountsInsteadOfBlocking) {
  // The export thread sleeps for a minute between drains: the ring (4 spans) overflows.
  Rig rig({.level = TraceLevel::Production, .sample_rate = 1.0, .ring_capacity = 4, .export_interval = std::chrono::seconds(60)});
  for (int i = 0; i < 10; ++i) rig.element(0, 10, false);  // 30 spans
  auto spans = rig.finish();
  TracerStats st = rig.tracer->stats();
  EXPECT_EQ(spans.size(), 4u);
  EXPECT_EQ(st.spans_recorded, 4u);
  EXPECT_EQ(st.spans_dropped, 26u);
  EXPECT_EQ(st.spans_exported, 4u);
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

// At-least-once lineage (flow_lineage.cc): an acknowledging source learns that an element is
// settled only once everything derived from it was delivered by every sink it reached, dropped on
// the way, or failed and skipped; never for what a failed flow still held.
#include <gtest/gtest.h>

#include <map>

#include "fake_stages.h"
#include "torvyn/reactor/flow.h"

namespace torvyn::reactor {
namespace {

using namespace testing;

// A source like a broker consumer: elements carry ack_id = index + 1, pull_batch only.
class AckingSource : public FakeStage {
 public:
  AckingSource(resources::BufferPool& pool, uint64_t count, std::function<size_t()> delivered_now)
      : FakeStage(Role::Source, "src", pool), count_(count), delivered_now_(std::move(delivered_now)) {}
  uint32_t max_batch() const override { return 4; }
  bool batch_only() const override { return true; }
  CallStatus pull_batch(uint32_t max, std::vector<OutElement>& out, bool& done) override {
    for (uint32_t k = 0; k < max && next_ < count_; ++k, ++next_) {
      out.push_back(make("e" + std::to_string(next_)));
      out.back().ack_id = next_ + 1;
    }
    done = next_ >= count_;
    return {};
  }
  void settled(uint64_t ack_id, bool failed) override {
    EXPECT_FALSE(acks.count(ack_id)) << "settled twice: " << ack_id;
    acks[ack_id] = failed;
    delivered_at_settle[ack_id] = delivered_now_ ? delivered_now_() : 0;
  }
  std::map<uint64_t, bool> acks;                    // ack_id -> failed
  std::map<uint64_t, size_t> delivered_at_settle;   // what the watched sink had when it settled

 private:
  uint64_t count_, next_ = 0;
  std::function<size_t()> delivered_now_;
};

// A sink that records the origin each element names.
class OriginSink : public FakeSink {
 public:
  using FakeSink::FakeSink;
  CallStatus push(const InElement& in, bool& pause) override {
    origins.push_back(std::string(in.origin_node) + ":" + std::to_string(in.origin));
    if (fail_on && text(in.payload) == *fail_on) return {FailKind::InvalidInput, "no"};
    return FakeSink::push(in, pause);
  }
  std::vector<std::string> origins;
  std::optional<std::string> fail_on;
};

class LineageTest : public ::testing::Test {
 protected:
  resources::BufferPool pool{resources::PoolSizes{64, 4, 1, 8u << 20, false}};
  resources::CopyLedger ledger;
  std::map<std::string, size_t> ids;
  template <typename T, typename... A>
  T* add(Flow& f, const std::string& id, A&&... a) {
    auto s = std::make_unique<T>(pool, std::forward<A>(a)...);
    T* raw = s.get();
    ids[id] = f.add_node(id, std::move(s), "");
    return raw;
  }
  void connect(Flow& f, const std::string& a, const std::string& b, std::string port = "") { f.add_edge(ids.at(a), port, ids.at(b), "", {8, {}}); }
};

TEST_F(LineageTest, DeliveredAndDroppedElementsSettleOnceAndSinksSeeTheirOrigin) {
  Flow f({.name = "lin"}, pool, ledger);
  auto* src = add<AckingSource>(f, "src", 20, nullptr);
  add<FakeProcessor>(f, "drop-odd", [](const std::string& in, std::optional<std::string>& out) {
    if ((in.back() - '0') % 2 == 0) out = in + "!";
    return CallStatus{};
  });
  auto* sink = add<OriginSink>(f, "sink");
  connect(f, "src", "drop-odd");
  connect(f, "drop-odd", "sink");
  ASSERT_TRUE(f.run().ok());
  EXPECT_EQ(src->acks.size(), 20u);
  for (auto& [id, failed] : src->acks) EXPECT_FALSE(failed);
  ASSERT_EQ(sink->origins.size(), 10u);
  EXPECT_EQ(sink->origins[0], "src:1");
  EXPECT_EQ(sink->origins[1], "src:3");
}

TEST_F(LineageTest, FanOutSettlesAfterEverySinkAndSkippedFailuresSettleAsFailed) {
  Flow f({.name = "fan", .error_policy = ErrorPolicy::Skip}, pool, ledger);
  OriginSink* b = nullptr;
  auto* src = add<AckingSource>(f, "src", 12, [&] { return b ? b->got.size() : 0; });
  auto* a = add<OriginSink>(f, "a", "a");
  b = add<OriginSink>(f, "b", "b");
  b->fail_on = "e5";
  connect(f, "src", "a");
  connect(f, "src", "b");
  ASSERT_TRUE(f.run().ok());
  EXPECT_EQ(a->got.size(), 12u);
  EXPECT_EQ(b->got.size(), 11u);
  ASSERT_EQ(src->acks.size(), 12u);
  for (auto& [id, failed] : src->acks) EXPECT_EQ(failed, id == 6) << id;
  // Element i settled only once sink b (the later of the two) had taken it.
  for (auto& [id, seen] : src->delivered_at_settle)
    if (id != 6) {
      EXPECT_GE(seen, id <= 6 ? id : id - 1) << id;
    }
}

TEST_F(LineageTest, AggregatesSettleTheirInputsWhenDelivered) {
  Flow f({.name = "agg"}, pool, ledger);
  FakeSink* sink = nullptr;
  auto* src = add<AckingSource>(f, "src", 10, [&] { return sink ? sink->got.size() : 0; });
  add<FakeAggregator>(f, "agg", size_t{3});
  sink = add<FakeSink>(f, "sink");
  connect(f, "src", "agg");
  connect(f, "agg", "sink");
  ASSERT_TRUE(f.run().ok());
  // e0+e1+e2, e3+e4+e5, e6+e7+e8, then the flush: e9 and "end".
  ASSERT_EQ(sink->got.size(), 5u);
  ASSERT_EQ(src->acks.size(), 10u);
  for (uint64_t i = 0; i < 10; ++i) EXPECT_GE(src->delivered_at_settle[i + 1], i / 3 + 1) << "element " << i << " settled before its aggregate";
}

TEST_F(LineageTest, RouterDropsSettleAndFailFastLeavesTheFailedElementUnsettled) {
  {
    Flow f({.name = "route"}, pool, ledger);
    auto* src = add<AckingSource>(f, "src", 6, nullptr);
    add<FakeRouter>(f, "r", [](const std::string& in) {
      return in == "e2" ? std::vector<std::string>{} : std::vector<std::string>{"out"};
    });
    add<FakeSink>(f, "sink");
    connect(f, "src", "r");
    connect(f, "r", "sink", "out");
    ASSERT_TRUE(f.run().ok());
    EXPECT_EQ(src->acks.size(), 6u);
  }
  ids.clear();
  Flow f({.name = "ff"}, pool, ledger);
  auto* src = add<AckingSource>(f, "src", 6, nullptr);
  add<FakeProcessor>(f, "p", [](const std::string& in, std::optional<std::string>& out) {
    if (in == "e2") return CallStatus{FailKind::InvalidInput, "bad"};
    out = in;
    return CallStatus{};
  });
  add<FakeSink>(f, "sink");
  connect(f, "src", "p");
  connect(f, "p", "sink");
  EXPECT_FALSE(f.run().ok());
  EXPECT_EQ(f.state(), FlowState::Failed);
  EXPECT_FALSE(src->acks.count(3)) << "a failed element is never acknowledged under fail-fast";
  for (auto& [id, failed] : src->acks) EXPECT_FALSE(failed);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

}  // namespace
}  // namespace torvyn::reactor

// Tiering at the binding level (runtime.tiering): a ComponentNode whose instance runs on one engine
// moves, between two calls, to the same component loaded by the other engine, and goes on exactly
// where it was. juggler keeps a buffer handle in its globals across calls, so a move that lost the
// handle table, the memory or the globals would change its output; the outputs must match a node
// that never moved, per element and in batches. A move that cannot happen leaves the node running.
#include <gtest/gtest.h>

#include "node_fixture.h"

namespace torvyn::streaming {
namespace {

using namespace test_fixture;

// The fixture's engine (the parameter) is where the node moves to; it starts on the other one.
class Tiering : public Batch {
 public:
  void SetUp() override {
    Batch::SetUp();
    first = test::make_test_engine(GetParam() == wasm::EngineKind::Aot ? wasm::EngineKind::Interp : wasm::EngineKind::Aot, TORVYN_TEST_CACHE_DIR);
  }

  // A node on the first engine, with a pending move to the fixture's engine.
  std::unique_ptr<ComponentNode> moving(const std::string& path, const std::string& id, std::shared_ptr<TierUp>& up) {
    auto on_first = load(path)->load_on(first);
    EXPECT_TRUE(on_first.ok()) << on_first.error().to_string();
    auto inst = component::Instance::instantiate(**on_first, linker);
    EXPECT_TRUE(inst.ok()) << inst.error().to_string();
    if (!inst) return nullptr;
    EXPECT_EQ((*inst)->engine_kind(), first->kind());
    owners[id] = pool.register_owner(id, 0);
    auto n = ComponentNode::bind(std::move(*inst), host, InstanceAccount{owners[id], id}, std::nullopt);
    EXPECT_TRUE(n.ok()) << n.error().to_string();
    if (!n) return nullptr;
    up = std::make_shared<TierUp>();
    (*n)->move_when_ready(up);
    return std::move(*n);
  }
  void compiled(TierUp& up, const std::string& path) {
    up.target = load(path);
    up.ready.store(true, std::memory_order_release);
  }

  std::shared_ptr<wasm::Engine> first;
};

TEST_P(Tiering, AMovedNodeKeepsItsHandlesMemoryAndGlobals) {
  auto still = node(own("juggler"), "still");
  std::shared_ptr<TierUp> up;
  auto mover = moving(own("juggler"), "mover", up);
  ASSERT_TRUE(still && mover);
  std::vector<std::string> texts, types;
  mixed(texts, types);
  auto in = inputs(texts, types);
  auto want = process_each(*still, in);

  std::span<const reactor::InElement> all(in);
  auto got = process_each(*mover, all.subspan(0, 41));  // 41: the guest keeps a buffer now
  EXPECT_FALSE(mover->tier_move().done);
  compiled(*up, own("juggler"));
  auto rest = process_each(*mover, all.subspan(41));
  got.insert(got.end(), rest.begin(), rest.end());

  EXPECT_TRUE(mover->tier_move().moved) << mover->tier_move().error;
  EXPECT_EQ(mover->tier_move().calls_before, 41u);
  EXPECT_EQ(mover->instance().engine_kind(), GetParam());
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i]) << "element " << i;
  EXPECT_EQ(pool.live_buffers(), in.size() + 2);  // the inputs, and the buffer each instance keeps
}

TEST_P(Tiering, AMovedNodeUsesItsBatchFormOnTheNewEngine) {
  auto still = node(own("juggler"), "still");
  std::shared_ptr<TierUp> up;
  auto mover = moving(own("juggler"), "mover", up);
  ASSERT_TRUE(still && mover && mover->has_batch_form());
  mover->set_batch_limits({64, 0, {}});
  std::vector<std::string> texts, types;
  mixed(texts, types);
  auto in = inputs(texts, types);
  auto want = process_each(*still, in);
  std::span<const reactor::InElement> all(in);
  auto got = process_batched(*mover, all.subspan(0, 20), 7);
  compiled(*up, own("juggler"));
  auto rest = process_batched(*mover, all.subspan(20), 7);
  got.insert(got.end(), rest.begin(), rest.end());
  EXPECT_TRUE(mover->tier_move().moved) << mover->tier_move().error;
  EXPECT_EQ(mover->tier_move().calls_before, 3u);  // 7 + 7 + 6
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i]) << "element " << i;
}

TEST_P(Tiering, ACompileThatFailedLeavesTheNodeWhereItIs) {
  std::shared_ptr<TierUp> up;
  auto mover = moving(sdk("uppercase"), "mover", up);
  ASSERT_TRUE(mover);
  up->failure = "the C compiler ran out of time";
  up->ready.store(true, std::memory_order_release);
  auto in = inputs({"a", "b"}, {"text/plain", "text/plain"});
  auto got = process_each(*mover, in);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].out->bytes, "B");
  EXPECT_TRUE(mover->tier_move().done);
  EXPECT_FALSE(mover->tier_move().moved);
  EXPECT_EQ(mover->tier_move().error, "the C compiler ran out of time");
  EXPECT_EQ(mover->instance().engine_kind(), first->kind());
}

TEST_P(Tiering, APoisonedInstanceIsNotMovedAndStaysPoisoned) {
  std::shared_ptr<TierUp> up;
  auto mover = moving(own("hostile_processor"), "mover", up);
  ASSERT_TRUE(mover);
  mover->set_batch_limits({64, 0, {}});
  auto in = inputs({"ends-out-of-range"}, {"text/plain"});  // a malformed batch result: the instance is poisoned
  std::vector<reactor::BatchOutcome> outcomes(1);
  size_t completed = 0;
  EXPECT_FALSE(mover->process_batch(in, outcomes, completed));
  compiled(*up, own("hostile_processor"));
  EXPECT_FALSE(mover->process_batch(in, outcomes, completed));
  EXPECT_TRUE(mover->tier_move().done);
  EXPECT_FALSE(mover->tier_move().moved);
  EXPECT_NE(mover->tier_move().error.find("poisoned"), std::string::npos) << mover->tier_move().error;
  EXPECT_TRUE(mover->instance().poisoned());
}

TORVYN_INSTANTIATE_ON_ENGINES(Tiering);

}  // namespace
}  // namespace torvyn::streaming

// Pipelines of real components (built by the SDK from sdk/tests/components) through the reactor,
// on both engines: every role, the exact copy count, backpressure, error policies, broken guests.
#include <gtest/gtest.h>


#include "torvyn/streaming/component_node.h"
#include "torvyn/reactor/flow.h"
#include "torvyn/streaming/streaming_host.h"
#include "torvyn_test/engines.h"
#include "torvyn_test/files.h"

namespace torvyn::reactor {
namespace {

using streaming::ComponentNode;
using streaming::InstanceAccount;
using streaming::StreamingHost;

class Pipeline : public ::testing::TestWithParam<wasm::EngineKind> {
 public:
  void SetUp() override {
    engine = test::make_test_engine(GetParam(), TORVYN_TEST_CACHE_DIR);
    host.define(linker);
  }

  std::shared_ptr<component::LoadedComponent> load(const std::string& name) {
    auto& c = loaded[name];
    if (!c) {
      std::vector<uint8_t> bytes = test::read_bytes(std::string(TORVYN_SDK_COMPONENTS) + "/" + name + ".wasm");
      auto r = component::LoadedComponent::load(engine, std::move(bytes), name);
      EXPECT_TRUE(r.ok()) << r.error().to_string();
      if (r) c = *r;
    }
    return c;
  }

  std::unique_ptr<ComponentNode> node(const std::string& component, const std::string& id, std::optional<Role> role = std::nullopt) {
    auto inst = component::Instance::instantiate(*load(component), linker);
    EXPECT_TRUE(inst.ok()) << inst.error().to_string();
    if (!inst) return nullptr;
    auto n = ComponentNode::bind(std::move(*inst), host, InstanceAccount{pool.register_owner(id, 0), id}, role);
    EXPECT_TRUE(n.ok()) << n.error().to_string();
    return n ? std::move(*n) : nullptr;
  }

  size_t add(Flow& f, const std::string& component, const std::string& id, std::string config = "") {
    ids[id] = f.add_node(id, node(component, id), std::move(config));
    return ids[id];
  }
  void connect(Flow& f, const std::string& a, const std::string& b, std::string port = "", uint32_t depth = 64) {
    f.add_edge(ids.at(a), std::move(port), ids.at(b), "", {depth, BackpressurePolicy::BlockProducer});
  }

  std::shared_ptr<wasm::Engine> engine;
  resources::BufferPool pool{resources::PoolSizes{256, 8, 2, 32u << 20, false}};
  resources::CopyLedger ledger;
  StreamingHost host{pool, ledger};
  component::Linker linker;
  std::map<std::string, std::shared_ptr<component::LoadedComponent>> loaded;
  std::map<std::string, size_t> ids;
};

TEST_P(Pipeline, SourceProcessorSinkWithExactlyFourCopiesPerElement) {
  Flow f({.name = "main"}, pool, ledger);
  add(f, "counter_source", "source", "count=1000");
  add(f, "uppercase", "upper");
  add(f, "collect_sink", "sink", "expect=1000");
  connect(f, "source", "upper");
  connect(f, "upper", "sink");
  Status s = f.run();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(f.state(), FlowState::Completed);
  EXPECT_EQ(f.stats().elements_produced.get(), 1000u);
  EXPECT_EQ(f.stats().elements_delivered.get(), 1000u);
  // source write, processor read, processor write, sink read.
  EXPECT_EQ(ledger.copies(), 4000u);
  EXPECT_EQ(ledger.copies(resources::CopyKind::GuestToHost), 2000u);
  EXPECT_EQ(ledger.copies(resources::CopyKind::HostToGuest), 2000u);
  EXPECT_EQ(pool.live_buffers(), 0u);
  EXPECT_EQ(f.stats().reclaimed_buffers.get(), 0u);
}

TEST_P(Pipeline, FilterRouterAndAggregator) {
  // source -> filter(keep "1") -> router(prefix) ... the SDK components work on "element-N"
  // payloads: the filter keeps those containing "7", the aggregator batches them by 3.
  Flow f({.name = "mixed"}, pool, ledger);
  add(f, "counter_source", "source", "count=100");
  add(f, "contains_filter", "filter", "7");
  add(f, "line_aggregator", "agg", "batch=3");
  add(f, "collect_sink", "sink");
  connect(f, "source", "filter");
  connect(f, "filter", "agg");
  connect(f, "agg", "sink");
  Status s = f.run();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  // 19 numbers in 0..99 contain a 7: 6 full batches + 1 partial + the summary.
  EXPECT_EQ(f.stats().elements_delivered.get(), 8u);
  EXPECT_EQ(f.stats().elements_dropped.get(), 81u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_P(Pipeline, RouterSendsToNamedPorts) {
  // counter_source payloads start with "el", so prefix_router routes none of them: all dropped.
  Flow f({.name = "router"}, pool, ledger);
  add(f, "counter_source", "source", "count=10");
  add(f, "prefix_router", "router");
  add(f, "collect_sink", "a");
  add(f, "collect_sink", "b");
  connect(f, "source", "router");
  connect(f, "router", "a", "alpha");
  connect(f, "router", "b", "beta");
  Status s = f.run();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(f.stats().elements_dropped.get(), 10u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_P(Pipeline, SinkPauseBackpressuresTheSource) {
  FlowOptions o{.name = "bp"};
  o.sink_pause = std::chrono::microseconds(300);
  Flow f(o, pool, ledger);
  add(f, "counter_source", "source", "count=200");
  add(f, "collect_sink", "sink", "pause-every=5");
  connect(f, "source", "sink", "", 8);
  Status s = f.run();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(f.stats().elements_delivered.get(), 200u);
  EXPECT_GT(f.edges()[0].queue->stats.backpressure_events.get(), 0u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

TEST_P(Pipeline, ComponentErrorsFollowThePolicy) {
  // collect_sink rejects non-text content types with invalid-input... all SDK sources produce
  // text/plain, so use its init error instead: a bad config fails the flow before any element.
  Flow f({.name = "init-error"}, pool, ledger);
  add(f, "counter_source", "source", "count=5");
  add(f, "collect_sink", "sink", "bogus=1");
  connect(f, "source", "sink");
  Status s = f.run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(f.state(), FlowState::Failed);
  EXPECT_NE(s.error().message.find("invalid-input: unknown config key"), std::string::npos) << s.error().message;
  EXPECT_EQ(pool.live_buffers(), 0u);
}

// Each broken guest through the production host functions (on aot, the compiled crossings called
// straight from guest code): a trap inside cabi_realloc while a host function lowers its result, an
// import called from that realloc, wild pointers, forged and stale handles.
TEST_P(Pipeline, TrappingGuestFailsTheFlowNotTheHost) {
  for (const char* broken : {"broken_trap", "broken_wild_pointer", "broken_leak_borrow", "broken_double_drop", "broken_use_after_drop",
                             "broken_forged_handle", "broken_realloc_traps", "broken_realloc_calls_import"}) {
    SCOPED_TRACE(broken);
    Flow f({.name = broken, .error_policy = ErrorPolicy::Skip}, pool, ledger);
    add(f, "counter_source", "source", "count=3");
    add(f, broken, "broken");
    add(f, "collect_sink", "sink");
    connect(f, "source", "broken");
    connect(f, "broken", "sink");
    Status s = f.run();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(f.state(), FlowState::Failed);
    // The flow fails with the code of what the host stopped (one code, not ComponentFailed around it).
    const ErrorCode c = s.error().code;
    EXPECT_TRUE(c == ErrorCode::GuestTrap || c == ErrorCode::AbiTrap || c == ErrorCode::ResourceHandleError) << s.error().to_string();
    EXPECT_EQ(s.error().message.find("error["), std::string::npos) << "no nested code: " << s.error().message;
    EXPECT_NE(s.error().message.find("trap"), std::string::npos) << s.error().message;
    EXPECT_EQ(pool.live_buffers(), 0u);
  }
}

// The trap from inside cabi_realloc, called by the host's read-all on behalf of the guest: the
// instance is poisoned, the element's buffer goes back to the pool, the next call is refused.
TEST_P(Pipeline, TrapInsideReallocCalledFromAHostFunction) {
  auto n = node("broken_realloc_traps", "p");
  ASSERT_TRUE(n);
  auto in = *pool.allocate(resources::kHostOwner, 8);
  ASSERT_TRUE(pool.append(in, "abcdefgh", 8).ok());
  ASSERT_TRUE(pool.freeze(in).ok());
  InElement e{0, 0, "text/plain", in, 0, {}};
  std::optional<OutElement> out;
  CallStatus st = n->process(e, out);
  EXPECT_EQ(st.kind, FailKind::Trap) << st.describe();
  EXPECT_NE(st.message.find("unreachable"), std::string::npos) << st.message;
  EXPECT_FALSE(out.has_value());
  EXPECT_TRUE(n->instance().poisoned());
  CallStatus again = n->process(e, out);
  EXPECT_EQ(again.kind, FailKind::Trap);
  EXPECT_NE(again.message.find("poisoned"), std::string::npos) << again.message;
  EXPECT_TRUE(pool.release(in).ok());
  EXPECT_EQ(pool.live_buffers(), 0u);
  EXPECT_EQ(n->instance().handles().live_count(), 2u);  // the two borrows lent to the trapped call: the instance is dead
}

TEST_P(Pipeline, WrongRoleIsRejectedAtBind) {
  auto inst = component::Instance::instantiate(*load("uppercase"), linker);
  ASSERT_TRUE(inst.ok());
  auto n = ComponentNode::bind(std::move(*inst), host, InstanceAccount{0, "upper"}, Role::Sink);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("does not export the sink interface"), std::string::npos) << n.error().message;
}

TORVYN_INSTANTIATE_ON_ENGINES(Pipeline);

}  // namespace
}  // namespace torvyn::reactor

// The Component Model host on real components: the SDK's examples and its deliberately broken
// guests, on both engines.
#include <gtest/gtest.h>


#include "streaming_test_host.h"
#include "torvyn/component/runtime.h"
#include "torvyn_test/engines.h"
#include "torvyn_test/files.h"

namespace torvyn::component {
namespace {

using testing::StreamingTestHost;

std::vector<uint8_t> read_component(const std::string& name) {
  return test::read_bytes(std::string(TORVYN_SDK_COMPONENTS) + "/" + name + ".wasm");
}

class ComponentRuntime : public ::testing::TestWithParam<wasm::EngineKind> {
 public:
  void SetUp() override {
    engine = test::make_test_engine(GetParam(), TORVYN_TEST_CACHE_DIR);
  }

  std::unique_ptr<Instance> instantiate(const std::string& name) {
    auto bytes = read_component(name);
    EXPECT_FALSE(bytes.empty()) << name;
    auto comp = LoadedComponent::load(engine, bytes, name);
    EXPECT_TRUE(comp.ok()) << comp.error().to_string();
    if (!comp.ok()) return nullptr;
    auto inst = Instance::instantiate(**comp, host.linker);
    EXPECT_TRUE(inst.ok()) << inst.error().to_string();
    return inst.ok() ? std::move(*inst) : nullptr;
  }

  // Calls process() on a fresh payload; returns the result value.
  Result<std::vector<Value>> process(Instance& inst, const std::string& payload, uint64_t seq = 1) {
    uint64_t p = host.add({payload, "text/plain", 0, true});
    uint64_t ctx = host.add({});
    return inst.call(inst.find_function("torvyn:streaming/processor@0.1.0", "process"), {host.stream_element(seq, p, ctx, "text/plain")});
  }

  std::shared_ptr<wasm::Engine> engine;
  StreamingTestHost host;
};

TEST_P(ComponentRuntime, UppercaseTransform) {
  auto inst = instantiate("uppercase");
  ASSERT_TRUE(inst);
  for (int i = 0; i < 3; ++i) {
    auto r = process(*inst, "hello, stream " + std::to_string(i), i);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    const Value& res = (*r)[0];
    ASSERT_EQ(res.case_index, 0u);                 // ok
    ASSERT_EQ(res.items[0].case_index, 0u);        // emit
    const Value& out = res.items[0].items[0];      // output-element
    EXPECT_EQ(out.items[0].items[0].u, uint64_t(i));  // meta.sequence kept
    EXPECT_EQ(host.buffers.at(out.items[1].u).bytes, "HELLO, STREAM " + std::to_string(i));
    EXPECT_EQ(host.buffers.at(out.items[1].u).content_type, "text/plain");
  }
  // The guest released every handle it was lent or created; nothing leaks between calls.
  EXPECT_EQ(inst->handles().live_count(), 0u);
  EXPECT_FALSE(inst->poisoned());
}

// A source -> filter -> sink chain driven by the host, each stage its own component instance.
TEST_P(ComponentRuntime, SourceFilterSinkWorlds) {
  auto source = instantiate("counter_source");
  auto filter = instantiate("contains_filter");
  auto sink = instantiate("collect_sink");
  ASSERT_TRUE(source && filter && sink);
  const char* lifecycle = "torvyn:streaming/lifecycle@0.1.0";
  auto init = [&](Instance& i, const std::string& config) {
    auto r = i.call(i.find_function(lifecycle, "init"), {Value::string(config)});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ((*r)[0].case_index, 0u) << (*r)[0].to_string();
  };
  init(*source, "count=5");
  init(*filter, "element-");  // every element passes
  init(*sink, "expect=5");
  auto pull = source->find_function("torvyn:streaming/source@0.1.0", "pull");
  auto evaluate = filter->find_function("torvyn:filtering/filter@0.1.0", "evaluate");
  auto push = sink->find_function("torvyn:streaming/sink@0.1.0", "push");
  ASSERT_TRUE(pull && evaluate && push);
  uint64_t ctx = host.add({});
  int delivered = 0;
  for (;;) {
    auto r = source->call(pull, {});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    const Value& res = (*r)[0];
    ASSERT_EQ(res.case_index, 0u) << res.to_string();
    if (res.items[0].case_index == 0) break;  // none: exhausted
    const Value& out = res.items[0].items[0];
    uint64_t payload = out.items[1].u;  // the source gave the host an owned buffer
    EXPECT_EQ(host.buffers.at(payload).bytes, "element-" + std::to_string(delivered));
    Value element = host.stream_element(out.items[0].items[0].u, payload, ctx, "text/plain");
    auto keep = filter->call(evaluate, {element});
    ASSERT_TRUE(keep.ok()) << keep.error().to_string();
    ASSERT_EQ((*keep)[0].case_index, 0u);
    EXPECT_TRUE((*keep)[0].items[0].b);
    auto pushed = sink->call(push, {element});
    ASSERT_TRUE(pushed.ok()) << pushed.error().to_string();
    ASSERT_EQ((*pushed)[0].case_index, 0u);
    host.drop(payload);
    ++delivered;
  }
  EXPECT_EQ(delivered, 5);
  auto done = sink->call(sink->find_function("torvyn:streaming/sink@0.1.0", "complete"), {});
  ASSERT_TRUE(done.ok()) << done.error().to_string();
  EXPECT_EQ((*done)[0].case_index, 0u) << (*done)[0].to_string();
  for (Instance* i : {source.get(), filter.get(), sink.get()}) EXPECT_EQ(i->handles().live_count(), 0u);
  // A filter that rejects: the needle is absent.
  auto picky = instantiate("contains_filter");
  ASSERT_TRUE(picky);
  init(*picky, "nope");
  uint64_t p = host.add({"element-0", "text/plain", 0, true});
  auto no = picky->call(picky->find_function("torvyn:filtering/filter@0.1.0", "evaluate"), {host.stream_element(0, p, ctx, "text/plain")});
  ASSERT_TRUE(no.ok());
  EXPECT_FALSE((*no)[0].items[0].b);
}

TEST_P(ComponentRuntime, MissingHostFunctionIsAPreciseLinkError) {
  StreamingTestHost partial;
  Linker only_types;
  only_types.define(partial.types);  // no buffer-allocator
  auto comp = LoadedComponent::load(engine, read_component("uppercase"), "uppercase");
  ASSERT_TRUE(comp.ok());
  auto inst = Instance::instantiate(**comp, only_types);
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.error().code, ErrorCode::ComponentUnlinkable);
  EXPECT_NE(inst.error().message.find("torvyn:streaming/buffer-allocator@0.1.0"), std::string::npos) << inst.error().message;
}

// A guest that breaks a rule traps; the instance is poisoned; the host carries on.
void expect_contained(ComponentRuntime& t, const std::string& name, ErrorCode code) {
  auto inst = t.instantiate(name);
  ASSERT_TRUE(inst) << name;
  auto r = t.process(*inst, "abc");
  ASSERT_FALSE(r.ok()) << name << " should have failed";
  EXPECT_EQ(r.error().code, code) << name << ": " << r.error().to_string();
  EXPECT_TRUE(inst->poisoned()) << name;
  auto again = t.process(*inst, "abc");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::GuestTrap) << name;
}

TEST_P(ComponentRuntime, BrokenGuestsAreContained) {
  expect_contained(*this, "broken_trap", ErrorCode::GuestTrap);
  expect_contained(*this, "broken_double_drop", ErrorCode::ResourceHandleError);
  expect_contained(*this, "broken_use_after_drop", ErrorCode::ResourceHandleError);
  expect_contained(*this, "broken_forged_handle", ErrorCode::ResourceHandleError);
  expect_contained(*this, "broken_wild_pointer", ErrorCode::AbiTrap);
  expect_contained(*this, "broken_leak_borrow", ErrorCode::ResourceHandleError);
  expect_contained(*this, "broken_realloc_calls_import", ErrorCode::AbiTrap);
}

TEST_P(ComponentRuntime, InfiniteLoopIsStoppedByTheWatchdog) {
  auto inst = instantiate("broken_infinite_loop");
  ASSERT_TRUE(inst);
  inst->store().set_timeout(std::chrono::milliseconds(100));
  auto r = process(*inst, "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::InvocationTimeout);
  EXPECT_NE(r.error().message.find("timed out"), std::string::npos) << r.error().message;
}

TORVYN_INSTANTIATE_ON_ENGINES(ComponentRuntime);

}  // namespace
}  // namespace torvyn::component

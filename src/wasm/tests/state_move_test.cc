// Tiering at the engine level: an instance running on the interpreter is moved to compiled code
// (and back) mid-way, and goes on from exactly where it was: memory contents and size, mutable
// globals, tables. Modules whose state cannot be moved exactly say why.
#include <gtest/gtest.h>

#include "test_support.h"
#include "torvyn/wasm/engine.h"
#include "wat.h"

namespace torvyn::wasm {
namespace {

using testing::wat;

// A counter kept in a non-exported mutable global, a log written into memory that grows past its
// initial size, and an indirect call through a table filled by an element segment.
constexpr const char* kCounter = R"((module
  (memory 1)
  (global $n (mut i32) (i32.const 0))
  (global $seed (mut i64) (i64.const 7))
  (table 2 funcref)
  (elem (i32.const 0) $double $triple)
  (type $un (func (param i32) (result i32)))
  (func $double (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
  (func $triple (param i32) (result i32) local.get 0 i32.const 3 i32.mul)
  (func (export "step") (result i32)
    global.get $n i32.const 1 i32.add global.set $n
    global.get $seed i64.const 3 i64.mul global.set $seed
    ;; grow by a page every third step, and write n at the start of the newest page
    global.get $n i32.const 3 i32.rem_u i32.eqz
    if i32.const 1 memory.grow drop end
    memory.size i32.const 1 i32.sub i32.const 65536 i32.mul global.get $n i32.store
    global.get $n (call_indirect (type $un) (i32.const 1)))
  (func (export "pages") (result i32) memory.size)
  (func (export "seed") (result i64) global.get $seed)
  (func (export "at") (param i32) (result i32) local.get 0 i32.load))
)";

struct Running {
  std::shared_ptr<Engine> engine;
  std::shared_ptr<Module> module;
  std::unique_ptr<Store> store;
  Instance* instance = nullptr;

  explicit Running(EngineKind kind, const std::vector<uint8_t>& bytes) : engine(testing::make_engine(kind)) {
    auto m = engine->load(bytes, "counter");
    EXPECT_TRUE(m.ok()) << m.error().to_string();
    module = *m;
    store = engine->new_store();
    auto i = store->instantiate(*module, {});
    EXPECT_TRUE(i.ok()) << i.error().to_string();
    instance = *i;
  }
  uint64_t call(const char* name, uint32_t arg = 0) {
    Slot s[1] = {slot_i32(arg)};
    Trap t = store->call(*instance->find_export(name), s, s);
    EXPECT_TRUE(t.ok()) << t.message;
    return s[0];
  }
};

class StateMove : public ::testing::TestWithParam<std::pair<EngineKind, EngineKind>> {};

TEST_P(StateMove, AMovedInstanceGoesOnWhereItWas) {
  auto bytes = wat(kCounter);
  Running a(GetParam().first, bytes);
  for (uint32_t i = 1; i <= 7; ++i) EXPECT_EQ(as_i32(a.call("step")), i * 3);
  ASSERT_EQ(as_i32(a.call("pages")), 3u);
  EXPECT_TRUE(a.module->state_layout().not_movable.empty());
  EXPECT_EQ(a.module->state_layout().items.size(), 4u);  // the memory, two globals, the table

  Running b(GetParam().second, bytes);
  ASSERT_TRUE(move_instance_state(*a.store, *a.instance, *b.store, *b.instance).ok());
  EXPECT_EQ(as_i32(b.call("pages")), 3u);
  EXPECT_EQ(as_i32(b.call("at", 65536)), 5u);  // written by steps on the old engine, in grown pages
  EXPECT_EQ(as_i32(b.call("at", 2 * 65536)), 7u);
  EXPECT_EQ(as_i64(b.call("seed")), as_i64(a.call("seed")));
  EXPECT_EQ(as_i32(b.call("step")), 8u * 3);
  EXPECT_EQ(as_i32(b.call("step")), 9u * 3);
  EXPECT_EQ(as_i32(b.call("pages")), 4u);
}

TEST_P(StateMove, ModulesThatCannotBeMovedExactlySayWhy) {
  struct Case {
    const char* wat;
    const char* why;
  } cases[] = {
      {R"((module (table 1 funcref) (func $f) (func (export "g") i32.const 0 ref.func $f table.set 0) (elem declare func $f)))", "table.set"},
      {R"((module (table 1 funcref) (func (export "g") (drop (table.grow 0 (ref.null func) (i32.const 1))))))", "table.grow"},
      {R"((module (memory 1) (data "x") (func (export "g") data.drop 0)))", "data.drop"},
      {R"((module (func $s) (start $s)))", "start function"},
      {R"((module (global (mut funcref) (ref.null func))))", "reference"},
      {R"((module (func (export "torvyn.state.m0"))))", "reserves"},
  };
  for (const Case& c : cases) {
    Running a(GetParam().first, wat(c.wat));
    ASSERT_TRUE(a.module);
    EXPECT_NE(a.module->state_layout().not_movable.find(c.why), std::string::npos) << c.wat << ": " << a.module->state_layout().not_movable;
    EXPECT_TRUE(a.instance->state().empty());
    Running b(GetParam().second, wat(c.wat));
    Status s = move_instance_state(*a.store, *a.instance, *b.store, *b.instance);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("cannot move"), std::string::npos) << s.error().message;
  }
}

TEST_P(StateMove, TheStateExportsAreNotTheGuests) {
  Running a(GetParam().first, wat(kCounter));
  for (const auto& e : a.module->exports()) EXPECT_EQ(e.name.find("torvyn.state"), std::string::npos) << e.name;
  EXPECT_FALSE(a.instance->find_export("torvyn.state.m0").has_value());
}

INSTANTIATE_TEST_SUITE_P(Engines, StateMove,
                         ::testing::Values(std::pair{EngineKind::Interp, EngineKind::Aot}, std::pair{EngineKind::Aot, EngineKind::Interp},
                                           std::pair{EngineKind::Interp, EngineKind::Interp}),
                         [](const auto& info) {
                           return std::string(to_string(info.param.first)) + "To" + (info.param.second == EngineKind::Aot ? "Aot" : "Interp");
                         });

}  // namespace
}  // namespace torvyn::wasm

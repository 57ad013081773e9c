// Behaviour every backend must share: calls, imports, memory, traps, fuel, limits, timeouts.
// Each test runs on both engines (value-parameterised).
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "torvyn/wasm/engine.h"
#include "test_support.h"
#include "wat.h"

namespace torvyn::wasm {
namespace {

using testing::wat;

class EngineTest : public ::testing::TestWithParam<EngineKind> {
 protected:
  void SetUp() override {
    engine = testing::make_engine(GetParam());
    ASSERT_TRUE(engine);
    store = engine->new_store();
  }

  Instance* instantiate(const std::string& text, std::vector<Extern> imports = {}) {
    auto m = engine->load(wat(text), "test");
    EXPECT_TRUE(m.ok()) << m.error().to_string();
    if (!m.ok()) return nullptr;
    modules.push_back(*m);
    auto inst = store->instantiate(**m, imports);
    EXPECT_TRUE(inst.ok()) << inst.error().to_string();
    return inst.ok() ? *inst : nullptr;
  }

  Extern fn(Instance* i, const char* name) {
    auto e = i->find_export(name);
    EXPECT_TRUE(e.has_value()) << name;
    return *e;
  }

  std::shared_ptr<Engine> engine;
  std::unique_ptr<Store> store;
  std::vector<std::shared_ptr<Module>> modules;
};

TEST_P(EngineTest, CallsAnExport) {
  auto* i = instantiate(R"((module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)))");
  ASSERT_TRUE(i);
  Slot args[2] = {slot_i32(40), slot_i32(2)}, res[1] = {0};
  Trap t = store->call(fn(i, "add"), args, res);
  ASSERT_TRUE(t.ok()) << t.message;
  EXPECT_EQ(as_i32(res[0]), 42u);
}

TEST_P(EngineTest, FloatsAndMultiValue) {
  auto* i = instantiate(R"((module (func (export "f") (param f32 f64) (result f64 f32 i64)
      local.get 1 f64.const 0.5 f64.add local.get 0 f32.const 2 f32.mul i64.const -1)))");
  ASSERT_TRUE(i);
  Slot args[2] = {slot_f32(1.5f), slot_f64(2.0)}, res[3] = {};
  ASSERT_TRUE(store->call(fn(i, "f"), args, res).ok());
  EXPECT_EQ(as_f64(res[0]), 2.5);
  EXPECT_EQ(as_f32(res[1]), 3.0f);
  EXPECT_EQ(as_i64(res[2]), ~uint64_t{0});
}

TrapKind double_it(void* env, HostContext& ctx, Slot* s) {
  ++*static_cast<int*>(env);
  if (as_i32(s[0]) == 13) {
    ctx.store.set_trap_message("unlucky");
    return TrapKind::HostError;
  }
  s[0] = slot_i32(as_i32(s[0]) * 2);
  return TrapKind::None;
}

TEST_P(EngineTest, HostFunctionsAndHostTraps) {
  int calls = 0;
  Extern host = store->new_host_func(FuncType{{ValType::I32}, {ValType::I32}}, double_it, &calls);
  auto* i = instantiate(R"((module (import "env" "double" (func $d (param i32) (result i32)))
      (func (export "f") (param i32) (result i32) local.get 0 call $d i32.const 1 i32.add)))",
                        {host});
  ASSERT_TRUE(i);
  Slot a[1] = {slot_i32(20)}, r[1] = {};
  ASSERT_TRUE(store->call(fn(i, "f"), a, r).ok());
  EXPECT_EQ(as_i32(r[0]), 41u);
  a[0] = slot_i32(13);
  Trap t = store->call(fn(i, "f"), a, r);
  EXPECT_EQ(t.kind, TrapKind::HostError);
  EXPECT_EQ(t.message, "unlucky");
  EXPECT_EQ(calls, 2);
  // The instance stays usable after a trap.
  a[0] = slot_i32(1);
  ASSERT_TRUE(store->call(fn(i, "f"), a, r).ok());
  EXPECT_EQ(as_i32(r[0]), 3u);
}

TEST_P(EngineTest, LinksInstancesTogether) {
  auto* a = instantiate(R"((module (memory (export "mem") 1) (func (export "get") (param i32) (result i32) local.get 0 i32.load)
      (global (export "g") (mut i32) (i32.const 5))))");
  ASSERT_TRUE(a);
  auto* b = instantiate(R"((module (import "a" "mem" (memory 1)) (import "a" "get" (func $get (param i32) (result i32)))
      (import "a" "g" (global $g (mut i32)))
      (func (export "put") (param i32 i32) (result i32) local.get 0 local.get 1 i32.store global.get $g local.get 0 call $get i32.add)))",
                        {fn(a, "mem"), fn(a, "get"), fn(a, "g")});
  ASSERT_TRUE(b);
  Slot args[2] = {slot_i32(8), slot_i32(100)}, r[1] = {};
  ASSERT_TRUE(store->call(fn(b, "put"), args, r).ok());
  EXPECT_EQ(as_i32(r[0]), 105u);
  MemoryView v = store->memory(fn(a, "mem"));
  EXPECT_EQ(v.size, 65536u);
  EXPECT_EQ(v.data[8], 100);
  store->global_set(fn(a, "g"), slot_i32(7));
  ASSERT_TRUE(store->call(fn(b, "put"), args, r).ok());
  EXPECT_EQ(as_i32(r[0]), 107u);
}

TEST_P(EngineTest, RejectsLinkTypeMismatch) {
  Extern host = store->new_host_func(FuncType{{ValType::I64}, {}}, double_it, nullptr);
  auto m = engine->load(wat(R"((module (import "env" "f" (func (param i32)))))"), "t");
  ASSERT_TRUE(m.ok());
  auto inst = store->instantiate(**m, std::vector<Extern>{host});
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.error().code, ErrorCode::WasmUnlinkable);
}

struct TrapCase {
  const char* body;
  TrapKind kind;
};

TEST_P(EngineTest, EveryTrapIsAValue) {
  auto* i = instantiate(R"((module (memory 1) (table 2 funcref) (type $v (func)) (type $i (func (result i32)))
      (func $nop) (elem (i32.const 0) $nop)
      (func (export "oob") (drop (i32.load (i32.const 70000))))
      (func (export "unreachable") unreachable)
      (func (export "div0") (drop (i32.div_s (i32.const 1) (i32.const 0))))
      (func (export "overflow") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
      (func (export "conv") (drop (i32.trunc_f32_s (f32.const nan))))
      (func (export "sig") (drop (call_indirect (type $i) (i32.const 0))))
      (func (export "undef") (call_indirect (type $v) (i32.const 1)))
      (func $rec (export "recurse") (call $rec))))");
  ASSERT_TRUE(i);
  std::vector<std::pair<const char*, std::vector<TrapKind>>> cases = {
      {"oob", {TrapKind::OutOfBounds}},
      {"unreachable", {TrapKind::Unreachable}},
      {"div0", {TrapKind::DivByZero}},
      {"overflow", {TrapKind::IntOverflow}},
      {"conv", {TrapKind::InvalidConversion}},
      {"sig", {TrapKind::IndirectCallTypeMismatch}},
      {"undef", {TrapKind::UndefinedElement, TrapKind::IndirectCallTypeMismatch}},
      {"recurse", {TrapKind::StackExhausted}},
  };
  for (int round = 0; round < 2; ++round) {  // traps leave the store usable: do it all twice
    for (auto& [name, kinds] : cases) {
      Trap t = store->call(fn(i, name), nullptr, nullptr);
      EXPECT_TRUE(std::find(kinds.begin(), kinds.end(), t.kind) != kinds.end()) << name << ": got " << to_string(t.kind) << " / " << t.message;
    }
  }
}

TEST_P(EngineTest, MemoryCapLimitsGrowth) {
  auto* i = instantiate(R"((module (memory 1) (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)))");
  ASSERT_TRUE(i);
  Slot a[1] = {slot_i32(15)}, r[1] = {};
  ASSERT_TRUE(store->call(fn(i, "grow"), a, r).ok());
  EXPECT_EQ(as_i32(r[0]), 1u);  // now 16 pages: the cap
  a[0] = slot_i32(1);
  ASSERT_TRUE(store->call(fn(i, "grow"), a, r).ok());
  EXPECT_EQ(as_i32(r[0]), 0xFFFFFFFFu);
  a[0] = slot_i32(0x10000);  // a memory bomb: 4 GiB
  ASSERT_TRUE(store->call(fn(i, "grow"), a, r).ok());
  EXPECT_EQ(as_i32(r[0]), 0xFFFFFFFFu);
}

TEST_P(EngineTest, InitialMemoryOverCapFailsToInstantiate) {
  auto m = engine->load(wat(R"((module (memory 17)))"), "big");
  ASSERT_TRUE(m.ok());
  auto inst = store->instantiate(**m, {});
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.error().code, ErrorCode::WasmResourceLimit) << inst.error().to_string();
}

// A module over a MiB (here a passive data segment) instantiated three times, in one store and in
// another: each instance runs and keeps its own state. (Handing the interpreter's description to
// the first instance instead of copying it was tried for the 12 MB JS guest: 8 MB less RSS, no
// measurable time, and a later instance would have to read the module again; not kept.)
TEST_P(EngineTest, ALargeModuleInstantiatesAgainAndAgain) {
  std::string zeros;  // a little over 1 MiB of data, as WAT escapes
  for (size_t k = 0; k < (size_t{1} << 20) + 4096; ++k) zeros += "\\00";
  const std::string text = "(module (memory 1) (global $n (mut i32) (i32.const 0))"
                           " (func (export \"bump\") (result i32) global.get $n i32.const 1 i32.add global.set $n global.get $n)"
                           " (data \"" + zeros + "\"))";
  auto m = engine->load(wat(text), "large");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  auto other = engine->new_store();
  std::vector<std::pair<Store*, Instance*>> made;
  for (Store* s : {store.get(), other.get(), store.get()}) {
    auto inst = s->instantiate(**m, {});
    ASSERT_TRUE(inst.ok()) << inst.error().to_string();
    made.emplace_back(s, *inst);
  }
  for (int round = 1; round <= 2; ++round)
    for (auto [s, i] : made) {
      Slot res[1] = {0};
      Trap t = s->call(*i->find_export("bump"), {}, res);
      ASSERT_TRUE(t.ok()) << t.message;
      EXPECT_EQ(as_i32(res[0]), static_cast<uint32_t>(round));
    }
}

TEST_P(EngineTest, FuelIsChargedAndExhausts) {
  auto* i = instantiate(R"((module (func (export "loop") (param i32) (local i32)
      (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if $l (i32.lt_u (local.get 1) (local.get 0)))))))");
  ASSERT_TRUE(i);
  store->set_fuel_per_invocation(1'000'000);
  Slot a[1] = {slot_i32(10)};
  ASSERT_TRUE(store->call(fn(i, "loop"), a, nullptr).ok());
  uint64_t ten = store->fuel_consumed();
  a[0] = slot_i32(20);
  ASSERT_TRUE(store->call(fn(i, "loop"), a, nullptr).ok());
  uint64_t twenty = store->fuel_consumed();
  EXPECT_GT(ten, 10u);
  EXPECT_EQ(twenty - ten, (twenty - ten) / 10 * 10);  // linear in iterations
  EXPECT_GT(twenty, ten);
  a[0] = slot_i32(100'000'000);
  Trap t = store->call(fn(i, "loop"), a, nullptr);
  EXPECT_EQ(t.kind, TrapKind::FuelExhausted) << t.message;
  EXPECT_EQ(store->fuel_consumed(), 1'000'000u);
  // Refilled per invocation.
  a[0] = slot_i32(10);
  ASSERT_TRUE(store->call(fn(i, "loop"), a, nullptr).ok());
  EXPECT_EQ(store->fuel_consumed(), ten);
}

TEST_P(EngineTest, WatchdogStopsAnInfiniteLoop) {
  auto* i = instantiate(R"((module (func (export "spin") (loop $l (br $l)))))");
  ASSERT_TRUE(i);
  store->set_timeout(std::chrono::milliseconds(50));
  auto start = std::chrono::steady_clock::now();
  Trap t = store->call(fn(i, "spin"), nullptr, nullptr);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(t.kind, TrapKind::Timeout) << t.message;
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_P(EngineTest, MalformedAndInvalidModulesAreErrors) {
  std::vector<uint8_t> garbage = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff};
  auto m = engine->load(garbage, "garbage");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::WasmMalformed);
  EXPECT_NE(m.error().message.find("offset"), std::string::npos) << m.error().message;
  auto bytes = wat(R"((module (func (export "f") (result i32) i32.const 1)))");
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    // A cut at a section boundary can leave a smaller valid module; any other cut must be an error.
    auto r = engine->load(std::span(bytes.data(), cut), "truncated");
    EXPECT_TRUE(!r.ok() || (*r)->exports().empty()) << cut;
  }
}

TEST_P(EngineTest, DeepRecursionOnAWorkerThread) {
  auto* i = instantiate(R"((module (func $rec (export "recurse") (param i32) (result i32)
      (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0)) (else (i32.add (i32.const 1) (call $rec (i32.sub (local.get 0) (i32.const 1)))))))))");
  ASSERT_TRUE(i);
  Extern f = fn(i, "recurse");
  Trap shallow, deep;
  Slot r[1] = {};
  std::thread worker([&] {
    Slot a[1] = {slot_i32(100)};
    shallow = store->call(f, a, r);
    a[0] = slot_i32(100'000'000);
    deep = store->call(f, a, nullptr);
  });
  worker.join();
  EXPECT_TRUE(shallow.ok()) << shallow.message;
  EXPECT_EQ(as_i32(r[0]), 100u);
  EXPECT_EQ(deep.kind, TrapKind::StackExhausted) << deep.message;
}

INSTANTIATE_TEST_SUITE_P(Backends, EngineTest, ::testing::Values(EngineKind::Interp, EngineKind::Aot),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace torvyn::wasm

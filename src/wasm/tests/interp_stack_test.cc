// The interpreter's value stack is bounded by the frames actually live (interp_stack_pass): modules
// with huge frames load and run, deep recursion traps at the configured limit, and every way out
// of a function (end, return, a branch to its label, br_table) gives its frame back.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "torvyn/wasm/engine.h"
#include "test_support.h"
#include "wat.h"

namespace torvyn::wasm {
namespace {

using testing::wat;

std::shared_ptr<Engine> interp(uint64_t stack_bytes) {
  EngineConfig cfg;
  cfg.kind = EngineKind::Interp;
  cfg.max_memory_pages = 16;
  cfg.fuel_metering = false;  // these tests count frames, not instructions (hostile_test runs both passes)
  cfg.interp_max_value_stack_bytes = stack_bytes;
  auto e = Engine::create(cfg);
  EXPECT_TRUE(e.ok()) << e.error().to_string();
  return e.ok() ? *e : nullptr;
}

// (func $r (param n) (local i64 x locals) ...) recursing n times.
std::string recursing(uint32_t locals) {
  return "(module (func $r (export \"r\") (param i32) (result i32) (local " + [&] {
    std::string l;
    for (uint32_t i = 0; i < locals; ++i) l += "i64 ";
    return l;
  }() + ") (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0)) (else (call $r (i32.sub (local.get 0) (i32.const 1)))))))";
}

int64_t peak_rss_kib() {
  struct rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

TEST(InterpStack, HugeFramesLoadAndRecursionTrapsAtTheLimitNotBefore) {
  // 40,000 locals: 640 KB per frame. The old load-time bound (every frame at the deepest call
  // depth, ~1 GB) refused this module; now it runs, ~100 frames deep within 64 MiB.
  auto engine = interp(64ull << 20);
  auto m = engine->load(wat(recursing(40'000)), "huge-frames");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  auto store = engine->new_store();
  auto inst = store->instantiate(**m, {});
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  Extern r = *(*inst)->find_export("r");
  Slot a[1] = {slot_i32(50)}, res[1];
  Trap t = store->call(r, a, res);
  EXPECT_TRUE(t.ok()) << t.message;
  int64_t before = peak_rss_kib();
  a[0] = slot_i32(1'000'000);
  t = store->call(r, a, res);
  EXPECT_EQ(t.kind, TrapKind::StackExhausted) << t.message;
  EXPECT_NE(t.message.find("64 MiB"), std::string::npos) << t.message;
  // The host grew the stack to about the limit (a vector may double: 2 x 64 MiB), not to gigabytes.
  EXPECT_LT(peak_rss_kib() - before, 160 * 1024);
  // The store stays usable, with the whole budget back.
  a[0] = slot_i32(50);
  t = store->call(r, a, res);
  EXPECT_TRUE(t.ok()) << t.message;
}

TEST(InterpStack, SmallFramesStillStopAtTheInterpretersCallDepth) {
  auto engine = interp(256ull << 20);
  auto m = engine->load(wat(recursing(4)), "small-frames");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  auto store = engine->new_store();
  auto inst = store->instantiate(**m, {});
  ASSERT_TRUE(inst.ok());
  Slot a[1] = {slot_i32(1'000'000)}, res[1];
  EXPECT_EQ(store->call(*(*inst)->find_export("r"), a, res).kind, TrapKind::StackExhausted);
}

TEST(InterpStack, EveryWayOutOfAFunctionGivesItsFrameBack) {
  // 2,000 locals (32 KB a frame) and a 1 MiB budget: 32 frames fit, so if any exit leaked its
  // charge, 100,000 calls in one invocation would exhaust the stack.
  auto engine = interp(1ull << 20);
  std::string locals;
  for (int i = 0; i < 2000; ++i) locals += "i64 ";
  auto m = engine->load(wat(R"((module
    (func $ret (param i32) (result i32 i32) (local )" + locals + R"()
      (block (br_if 0 (local.get 0)) (return (i32.const 1) (i32.const 2)))
      (block (result i32 i32) (i32.const 3) (i32.const 4) (br 1)))
    (func $brtable (param i32) (result i32) (local )" + locals + R"()
      block (result i32)
        block (result i32)
          i32.const 5
          local.get 0
          br_table 0 1 2
        end
        drop
        i32.const 6
      end)
    (func (export "loop") (param i32) (result i32) (local i32)
      loop $l
        local.get 0
        i32.const 1
        i32.and
        call $ret
        i32.add
        local.get 1
        i32.add
        local.set 1
        local.get 0
        i32.const 3
        i32.rem_u
        call $brtable
        local.get 1
        i32.add
        local.set 1
        local.get 0
        i32.const 1
        i32.sub
        local.tee 0
        br_if $l
      end
      local.get 1))
  )"), "exits");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  auto store = engine->new_store();
  auto inst = store->instantiate(**m, {});
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  Slot a[1] = {slot_i32(100'000)}, res[1];
  Trap t = store->call(*(*inst)->find_export("loop"), a, res);
  EXPECT_TRUE(t.ok()) << to_string(t.kind) << ": " << t.message;
}

}  // namespace
}  // namespace torvyn::wasm

#include "common/fuel_pass.h"
#include "common/global_import.h"
#include "common/module_ir.h"
#include "interp/interp_stack_pass.h"
#include "reference/stack_pass_reference.h"

namespace torvyn::wasm {
namespace {

// The interpreter adds the fuel and stack imports in one move of the module's globals
// (add_i64_global_imports); the module must be byte for byte what the two passes made one after
// the other, with defined globals read and written in code, initialisers, segments and exports.
TEST(InterpStackPass, BothImportsAtOnceGiveTheSameModuleAsOneAfterTheOther) {
  auto bytes = testing::wat(R"((module
    (import "env" "g0" (global $g0 i32))
    (global $a (mut i32) (i32.const 1))
    (global $b i32 (global.get $g0))
    (global $c (export "c") (mut i64) (i64.const 7))
    (memory 1)
    (table 1 funcref)
    (elem (global.get $g0) func $f)
    (data (global.get $g0) "x")
    (func $f (export "f") (param i32) (result i32)
      (global.set $a (i32.add (global.get $a) (global.get $b)))
      (loop $l (br_if $l (i32.eqz (global.get $a))))
      (block (result i32) (if (result i32) (local.get 0) (then (global.get $b)) (else (global.get $g0)))))))");
  auto two = decode_module(bytes, "m");
  auto one = decode_module(bytes, "m");
  ASSERT_TRUE(two.ok() && one.ok());
  instrument_fuel(**two);
  instrument_stack(**two);
  wabt::Index first = add_i64_global_imports(**one, {{kFuelModule, kFuelField}, {kStackModule, kStackField}});
  instrument_fuel_with(**one, first);
  instrument_stack_with(**one, first + 1);
  auto a = encode_module(**two);
  auto b = encode_module(**one);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(first, 1u);  // after the module's own global import
}

}  // namespace
}  // namespace torvyn::wasm

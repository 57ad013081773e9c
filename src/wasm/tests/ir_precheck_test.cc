// What a module must satisfy before wabt builds its IR (ir_precheck.h).
//
// Deeply nested control flow is guest-controlled structure: a module nesting `block` 20,000 deep
// (60 KB) used to overflow the host's stack in the fuel pass on aot, 300,000 deep in the
// interpreter's frame bound. Now it is refused with E0110 before any recursive pass runs, and
// nesting up to the limit still loads and runs on both engines.
//
// A block ending inside a constant expression made wabt's IR reader abort the host process (an
// assertion; component_load_fuzz found it, `torvyn inspect` aborted on it). Now such a module is refused as
// invalid, naming the expression and the instruction, on every path that reads a module.
#include <gtest/gtest.h>

#include "../common/module_ir.h"
#include "../common/ir_precheck.h"
#include "test_support.h"
#include "torvyn/wasm/engine.h"
#include "torvyn/wasm/validate.h"
#include "wat.h"
#include "torvyn_test/engines.h"

namespace torvyn::wasm {
namespace {

using testing::append_section;
using testing::leb;

// (func (export "f") (result i32) block block ... i32.const 7 ... end end), `depth` blocks deep,
// each of the opcode `op` (0x02 block, 0x03 loop; 0x04 if takes a condition first).
std::vector<uint8_t> nested_module(uint32_t depth, uint8_t op = 0x02) {
  std::vector<uint8_t> m = {0, 'a', 's', 'm', 1, 0, 0, 0};
  append_section(m, 1, {1, 0x60, 0, 1, 0x7f});
  append_section(m, 3, {1, 0});
  append_section(m, 7, {1, 1, 'f', 0, 0});
  std::vector<uint8_t> body = {0};  // no locals
  for (uint32_t i = 0; i < depth; ++i) {
    if (op == 0x04) body.insert(body.end(), {0x41, 1});  // i32.const 1 (the condition)
    body.insert(body.end(), {op, 0x40});                 // blocktype: empty
  }
  for (uint32_t i = 0; i < depth; ++i) body.push_back(0x0b);
  body.insert(body.end(), {0x41, 7, 0x0b});  // i32.const 7, end of the function
  std::vector<uint8_t> code = {1};
  auto bl = leb(body.size());
  code.insert(code.end(), bl.begin(), bl.end());
  code.insert(code.end(), body.begin(), body.end());
  append_section(m, 10, code);
  return m;
}

TEST(Nesting, CheckCountsOnlyControlDepth) {
  EXPECT_TRUE(precheck_module(nested_module(50), "m", 50));
  Status s = precheck_module(nested_module(51), "m", 50);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::WasmNestingTooDeep);
  EXPECT_NE(s.error().message.find("function 0"), std::string::npos) << s.error().message;
  EXPECT_TRUE(precheck_module(nested_module(40, 0x03), "m", 50));
  EXPECT_FALSE(precheck_module(nested_module(60, 0x04), "m", 50));
  // Garbage is the decoder's business: the check itself never fails on it.
  std::vector<uint8_t> junk = {0, 'a', 's', 'm', 1, 0, 0, 0, 10, 0xff, 0xff};
  EXPECT_TRUE(precheck_module(junk, "junk"));
}

// A module whose only content is section `id` with one entry: `entry_head` then the constant
// expression `expr` (which ends with its own `end`), after a memory and a table to point at.
std::vector<uint8_t> module_with_constant(uint8_t id, std::vector<uint8_t> entry_head, const std::vector<uint8_t>& expr) {
  std::vector<uint8_t> m = {0, 'a', 's', 'm', 1, 0, 0, 0};
  append_section(m, 4, {1, 0x70, 0, 1});  // table: funcref, min 1
  append_section(m, 5, {1, 0, 1});        // memory: min 1
  std::vector<uint8_t> body = {1};
  body.insert(body.end(), entry_head.begin(), entry_head.end());
  body.insert(body.end(), expr.begin(), expr.end());
  if (id == 9) body.push_back(0);   // an element segment's (empty) vector of function indices
  if (id == 11) body.push_back(0);  // a data segment's (empty) bytes
  append_section(m, id, body);
  return m;
}

TEST(ConstantExpressions, ABlockInOneIsRefusedAsInvalidNotACrash) {
  const std::vector<uint8_t> block = {0x02, 0x40, 0x0b, 0x0b};  // block (empty) end, end
  const std::vector<uint8_t> call = {0x10, 0x00, 0x0b};          // call 0, end
  struct Case {
    const char* what;
    std::vector<uint8_t> bytes;
    const char* names;
  } cases[] = {
      {"global", module_with_constant(6, {0x7f, 1}, block), "global 0's initializer contains `block`"},
      // The fuzzer's find: one byte turned `i32.const` into f64.eq, whose "immediates" then read as
      // f64.add and an `if` that ends inside the initializer.
      {"global after a number", module_with_constant(6, {0x7f, 1}, {0x61, 0xa0, 0x04, 0x40, 0x0b, 0x0b}), "contains `f64.eq`"},
      {"if in a global", module_with_constant(6, {0x7f, 1}, {0x41, 1, 0x04, 0x40, 0x0b, 0x0b}), "global 0's initializer contains `if`"},
      {"element offset", module_with_constant(9, {0}, block), "element segment 0's offset contains `block`"},
      {"data offset", module_with_constant(11, {0}, block), "data segment 0's offset contains `block`"},
      {"call in a global", module_with_constant(6, {0x7f, 0}, call), "global 0's initializer contains `call`"},
  };
  for (const auto& c : cases) {
    Status pre = precheck_module(c.bytes, "m");
    ASSERT_FALSE(pre) << c.what;
    EXPECT_EQ(pre.error().code, ErrorCode::WasmInvalid) << c.what;
    EXPECT_NE(pre.error().message.find(c.names), std::string::npos) << c.what << ": " << pre.error().message;
    // Every path that reads a module refuses it the same way (none reaches wabt's IR reader).
    auto ir = decode_module(c.bytes, "m");
    ASSERT_FALSE(ir.ok()) << c.what;
    EXPECT_EQ(ir.error().code, ErrorCode::WasmInvalid) << c.what;
    Status v = validate_module(c.bytes, "m");
    ASSERT_FALSE(v) << c.what;
    EXPECT_EQ(v.error().message, pre.error().message) << c.what;
  }
}

TEST(ConstantExpressions, EveryConstantInstructionStillPasses) {
  const std::vector<uint8_t> valid = testing::wat(R"((module
    (import "env" "base" (global $base i32))
    (memory 1) (table 2 funcref)
    (global i32 (i32.const 7)) (global i64 (i64.const -1)) (global f32 (f32.const 1.5)) (global f64 (f64.const 2.5))
    (global v128 (v128.const i32x4 1 2 3 4)) (global funcref (ref.null func)) (global funcref (ref.func $f))
    (global i32 (global.get $base))
    (func $f)
    (elem (global.get $base) $f)
    (data (i32.const 8) "hi")))");
  EXPECT_TRUE(precheck_module(valid, "m"));
  EXPECT_TRUE(validate_module(valid, "m"));
  // The extended-const arithmetic passes the precheck; the validator decides on the feature.
  EXPECT_TRUE(precheck_module(module_with_constant(6, {0x7f, 0}, {0x41, 1, 0x41, 2, 0x6a, 0x0b}), "m"));
}

class NestingOnEngine : public ::testing::TestWithParam<EngineKind> {};

TEST_P(NestingOnEngine, HostileDepthIsRefusedNotACrash) {
  auto engine = testing::make_engine(GetParam());
  for (uint32_t depth : {kMaxControlNesting + 1, 20'000u, 300'000u}) {
    auto m = engine->load(nested_module(depth), "deep");
    ASSERT_FALSE(m.ok()) << depth;
    EXPECT_EQ(m.error().code, ErrorCode::WasmNestingTooDeep) << m.error().to_string();
  }
}

TEST_P(NestingOnEngine, DeepButAllowedNestingRuns) {
  // Deep enough that a recursion of a few hundred bytes a level would need megabytes of stack.
  uint32_t depth = GetParam() == EngineKind::Interp ? kMaxControlNesting : 2'000;
  auto engine = testing::make_engine(GetParam());
  auto m = engine->load(nested_module(depth), "deep-ok");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  auto store = engine->new_store();
  auto inst = store->instantiate(**m, {});
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  Slot r[1] = {0};
  Trap t = store->call(*(*inst)->find_export("f"), nullptr, r);
  ASSERT_EQ(t.kind, TrapKind::None) << t.message;
  EXPECT_EQ(as_i32(r[0]), 7u);
}

TORVYN_INSTANTIATE_ON_ENGINES(NestingOnEngine);

}  // namespace
}  // namespace torvyn::wasm

namespace torvyn::wasm {
namespace {

// decode_module remembers the bytes it validated, so that `link` and a load (or two loads, on two
// engines) do not validate the same module twice: an invalid module must stay invalid however
// often it is decoded, and a valid one valid.
TEST(ValidatedModules, AVerdictIsTheSameEveryTime) {
  const std::vector<uint8_t> invalid = testing::wat(R"((module (func (result i32))))");  // nothing on the stack
  const std::vector<uint8_t> valid = testing::wat(R"((module (func (result i32) i32.const 1)))");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(validate_module(invalid, "invalid").error().code, ErrorCode::WasmInvalid) << i;
    EXPECT_TRUE(validate_module(valid, "valid").ok()) << i;
    auto ir = decode_module(valid, "valid");
    ASSERT_TRUE(ir.ok());
    EXPECT_EQ((*ir)->funcs.size(), 1u);
  }
}

// validate_module checks without building the IR (wabt's interpreter reader); decode_module at
// another nesting limit still runs the IR reader and ValidateModule without the memo. Both must
// give every module the same verdict, with the same code and message for a bad one.
TEST(ValidatedModules, ValidationWithoutTheIrAgreesWithTheIrValidator) {
  const char* valid[] = {
      "(module (func (param i32) (result i32 i32) local.get 0 local.get 0))",                       // multi-value
      "(module (memory 1) (func (memory.copy (i32.const 0) (i32.const 8) (i32.const 4))))",     // bulk memory
      "(module (table 2 funcref) (func (result funcref) (table.get 0 (i32.const 0))))",            // reference types
      "(module (func (result v128) (i32x4.splat (i32.const 3))))",                                 // simd
      "(module (global (export \"g\") (mut i64) (i64.const 5)) (func (result i32) (i32.extend8_s (i32.const 200))))",
      "(module (func (result i32) (i32.trunc_sat_f32_s (f32.const 1e30))))",                       // saturating
  };
  const char* invalid[] = {
      "(module (func (result i32)))",                                  // nothing on the stack
      "(module (func (result i32) (f32.const 1)))",                    // wrong type
      "(module (func (local.get 3) drop))",                            // no such local
      "(module (func (i32.load (i32.const 0)) drop))",                 // no memory
      "(module (func $f (param i32)) (start $f))",                     // start with a parameter
      "(module (func) (export \"x\" (func 0)) (export \"x\" (func 0)))",  // duplicate export
  };
  for (const char* text : valid) {
    auto bytes = testing::wat(text);
    Status fast = validate_module(bytes, "m");
    auto ir = decode_module(bytes, "m", kMaxControlNesting - 1);
    EXPECT_TRUE(fast.ok()) << text << ": " << fast.error().to_string();
    EXPECT_TRUE(ir.ok()) << text;
  }
  std::vector<std::vector<uint8_t>> bad;
  for (const char* text : invalid) bad.push_back(testing::wat(text));
  bad.push_back({0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00});                    // truncated header
  bad.push_back({0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00});              // bad magic
  bad.push_back({0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x2a, 0x00});  // unknown section
  auto cut = testing::wat(valid[0]);
  cut.resize(cut.size() - 3);
  bad.push_back(cut);  // a function body cut short
  for (size_t i = 0; i < bad.size(); ++i) {
    Status fast = validate_module(bad[i], "m");
    auto ir = decode_module(bad[i], "m", kMaxControlNesting - 1);
    ASSERT_FALSE(fast.ok()) << i;
    ASSERT_FALSE(ir.ok()) << i;
    EXPECT_EQ(fast.error().code, ir.error().code) << i;
    EXPECT_EQ(fast.error().message, ir.error().message) << i;
  }
}

}  // namespace
}  // namespace torvyn::wasm

// instrument_for_interp does in one walk what add_i64_global_imports, instrument_fuel_with and
// instrument_stack_with do one after the other: the encoded modules must be byte for byte the
// same, with and without fuel metering, on hand-made modules that reach every case of the walk and
// on every core module of the SDK's test components (real compiler output).
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/fuel_pass.h"
#include "common/global_import.h"
#include "common/module_ir.h"
#include "common/state_exports.h"
#include "interp/interp_binary_instrument.h"
#include "interp/interp_instrument.h"
#include "interp/interp_stack_pass.h"
#include "reference/stack_pass_reference.h"
#include "test_support.h"
#include "torvyn_test/files.h"
#include "wat.h"

namespace torvyn::wasm {
namespace {

std::vector<uint8_t> by_passes(std::span<const uint8_t> bytes, bool fuel) {
  auto m = decode_module(bytes, "m");
  EXPECT_TRUE(m.ok()) << m.error().to_string();
  if (!m.ok()) return {};
  if (fuel) {
    wabt::Index first = add_i64_global_imports(**m, {{kFuelModule, kFuelField}, {kStackModule, kStackField}});
    instrument_fuel_with(**m, first);
    instrument_stack_with(**m, first + 1);
  } else {
    instrument_stack(**m);
  }
  auto out = encode_module(**m);
  EXPECT_TRUE(out.ok());
  return out.ok() ? *out : std::vector<uint8_t>{};
}

std::vector<uint8_t> in_one_walk(std::span<const uint8_t> bytes, bool fuel) {
  auto m = decode_module(bytes, "m");
  EXPECT_TRUE(m.ok()) << m.error().to_string();
  if (!m.ok()) return {};
  instrument_for_interp(**m, fuel);
  auto out = encode_module(**m);
  EXPECT_TRUE(out.ok());
  return out.ok() ? *out : std::vector<uint8_t>{};
}

std::string show(const ExternType& t) {
  std::string s = to_string(t.kind);
  auto lim = [](const Limits& l) { return " " + std::to_string(l.min) + (l.max ? ".." + std::to_string(*l.max) : ""); };
  switch (t.kind) {
    case ExternKind::Func:
      s += " (";
      for (ValType v : t.func.params) s += std::to_string(int(v)) + ",";
      s += ") -> (";
      for (ValType v : t.func.results) s += std::to_string(int(v)) + ",";
      s += ")";
      break;
    case ExternKind::Table: s += " " + std::to_string(int(t.table.elem)) + lim(t.table.limits); break;
    case ExternKind::Memory: s += lim(t.memory.limits); break;
    case ExternKind::Global: s += " " + std::to_string(int(t.global.type)) + (t.global.is_mutable ? " mut" : ""); break;
    case ExternKind::Tag: break;
  }
  return s;
}

// What the interpreter's load makes of `bytes` through the IR (describe, then the one walk) and
// from the bytes alone: the same module once decoded again, and the same description.
void expect_binary_path_same(std::span<const uint8_t> bytes, bool fuel, const std::string& what) {
  auto ir = decode_module(bytes, "m");
  ASSERT_TRUE(ir.ok()) << what;
  std::vector<std::string> want;
  for (const ImportDesc& d : describe_imports(**ir)) want.push_back("import " + d.module + "." + d.name + ": " + show(d.type));
  for (const ExportDesc& d : describe_exports(**ir)) want.push_back("export " + d.name + ": " + show(d.type));
  StateExports state = add_state_exports(**ir);
  for (const ExternType& t : state.items) want.push_back("state " + show(t));
  want.push_back("not movable: " + state.not_movable);
  want.push_back("first state export " + std::to_string(state.first_export));
  instrument_for_interp(**ir, fuel);
  auto a = encode_module(**ir);
  ASSERT_TRUE(a.ok());

  auto bin = instrument_binary_for_interp(bytes, fuel, kMaxControlNesting);
  ASSERT_TRUE(bin.has_value()) << what << ": the binary path refused it";
  std::vector<std::string> got;
  for (const ImportDesc& d : bin->imports) got.push_back("import " + d.module + "." + d.name + ": " + show(d.type));
  for (const ExportDesc& d : bin->exports) got.push_back("export " + d.name + ": " + show(d.type));
  for (const ExternType& t : bin->state.items) got.push_back("state " + show(t));
  got.push_back("not movable: " + bin->state.not_movable);
  got.push_back("first state export " + std::to_string(bin->state.not_movable.empty() ? bin->state_first_export : 0));
  EXPECT_EQ(got, want) << what;
  auto again = decode_module(bin->bytes, "instrumented", kMaxControlNesting + kStackPassExtraNesting + kFuelPassExtraNesting);
  ASSERT_TRUE(again.ok()) << what << ": " << again.error().to_string();
  auto b = encode_module(**again);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(*a == *b) << what << (fuel ? " with fuel" : " without fuel") << ": " << a->size() << " vs " << b->size() << " bytes";
}

void expect_same(std::span<const uint8_t> bytes, const std::string& what) {
  for (bool fuel : {true, false}) {
    auto a = by_passes(bytes, fuel);
    auto b = in_one_walk(bytes, fuel);
    ASSERT_FALSE(a.empty()) << what;
    EXPECT_TRUE(a == b) << what << (fuel ? " with fuel" : " without fuel") << ": " << a.size() << " vs " << b.size() << " bytes";
    expect_binary_path_same(bytes, fuel, what);
  }
}

TEST(InterpInstrument, OneWalkGivesTheModuleOfThePassesOneAfterTheOther) {
  expect_same(testing::wat(R"((module
    (import "env" "g0" (global $g0 i32))
    (import "env" "h" (func $h (param i32) (result i32 i32)))
    (global $a (mut i32) (i32.const 1))
    (global $b i32 (global.get $g0))
    (global $c (export "c") (mut i64) (i64.const 7))
    (memory 1)
    (table 2 funcref)
    (type $t (func (param i32) (result i32)))
    (elem (global.get $g0) func $f $pair)
    (data (global.get $g0) "x")
    (func $f (export "f") (param i32) (result i32) (local i64 f64)
      (global.set $a (i32.add (global.get $a) (global.get $b)))
      (loop $l (br_if $l (i32.eqz (global.get $a)))
        (block $inner (loop $deep (br_if $inner (local.get 0)) (br $deep))))
      (if (local.get 0) (then (return (i32.const 3))))
      (block $out (result i32)
        (if (result i32) (local.get 0)
          (then (loop (result i32) (if (i32.const 0) (then (return (global.get $b)))) (i32.const 5)))
          (else (block (result i32) (br_table 0 1 (global.get $g0) (local.get 0))))))
      (drop (call_indirect (type $t) (i32.const 1) (i32.const 0)))
      (drop (drop (call $h (i32.const 2))))
      (return))
    (func $pair (param i32) (result i32) (call $h (local.get 0)) (drop))
    (func $two (export "two") (result i32 i64) (i32.const 1) (i64.const 2) (return))
    (func $empty)
    (func $deep_return (param i32) (result i32)
      (block (block (block (if (local.get 0) (then (return (i32.const 9)))))))
      (i32.const 0))))"),
              "hand-made module");
}

// The sections the pass writes itself (imports, exports) when the module has none, and the reasons
// a module cannot move, in add_state_exports' order.
TEST(InterpInstrument, ModulesWithoutImportsOrExportsAndUnmovableOnesAreTheSameToo) {
  expect_same(testing::wat(R"((module
    (memory 1)
    (global $g (mut i32) (i32.const 0))
    (data $d "abc")
    (func (param i32) (result i32)
      (memory.init $d (i32.const 0) (i32.const 0) (i32.const 3))
      (data.drop $d)
      (loop $l (if (local.get 0) (then (return (global.get $g)))) (br_if $l (i32.const 0)))
      (i32.const 1))))"),
              "no imports or exports, data.drop");
  expect_same(testing::wat(R"((module
    (global $g (mut i32) (i32.const 0))
    (func $s (global.set $g (i32.const 1)))
    (start $s)))"),
              "start function");
  expect_same(testing::wat(R"((module
    (table $t 2 funcref)
    (func $f (export "f") (table.set $t (i32.const 0) (ref.func $f)))
    (elem declare func $f)))"),
              "table.set");
  expect_same(testing::wat(R"((module
    (global $r (mut externref) (ref.null extern))
    (func (export "torvyn.state.x"))))"),
              "a reserved export name and a mutable reference global");
}

TEST(InterpInstrument, AModuleWithoutGlobalsOrLoopsIsTheSameToo) {
  expect_same(testing::wat("(module (func (export \"f\") (result i32) (i32.const 1)))"), "tiny module");
}

// What the pass over the bytes leaves to the IR path still loads (or is refused) as before.
TEST(InterpBinaryInstrument, ModulesItDoesNotTakeGoThroughTheIrPath) {
  auto engine = testing::make_engine(EngineKind::Interp);
  // Several results and no declared `() -> (i32 i32)` for the wrapping block: the IR path adds it.
  auto pair = testing::wat("(module (func (export \"f\") (param i32) (result i32 i32) (local.get 0) (local.get 0)))");
  EXPECT_FALSE(instrument_binary_for_interp(pair, true, kMaxControlNesting).has_value());
  EXPECT_TRUE(engine->load(pair, "pair").ok());
  // A branch past the function's own label is invalid; the wrapping block would make it valid.
  std::vector<uint8_t> past = {0, 'a', 's', 'm', 1, 0, 0, 0};
  testing::append_section(past, 1, {1, 0x60, 0, 0});
  testing::append_section(past, 3, {1, 0});
  testing::append_section(past, 10, {1, 4, 0, 0x0c, 1, 0x0b});  // br 1
  EXPECT_FALSE(instrument_binary_for_interp(past, true, kMaxControlNesting).has_value());
  auto refused = engine->load(past, "past");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::WasmInvalid) << refused.error().to_string();
  // Malformed bytes: no module from the pass, the decoder's verdict from the engine.
  std::vector<uint8_t> cut(past.begin(), past.end() - 2);
  EXPECT_FALSE(instrument_binary_for_interp(cut, true, kMaxControlNesting).has_value());
  auto malformed = engine->load(cut, "cut");
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().code, ErrorCode::WasmMalformed) << malformed.error().to_string();
}

// Core modules of components, from the component binary's sections (id 1: a core module; id 4: a
// nested component).
void core_modules(std::span<const uint8_t> d, std::vector<std::vector<uint8_t>>& out) {
  size_t i = 8;
  auto leb = [&](size_t& at) {
    uint64_t r = 0;
    for (int shift = 0; at < d.size() && shift < 35; shift += 7) {
      uint8_t b = d[at++];
      r |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    return r;
  };
  while (i < d.size()) {
    uint8_t id = d[i++];
    uint64_t size = leb(i);
    if (size > d.size() - i) return;
    auto body = d.subspan(i, size);
    if (id == 1) out.emplace_back(body.begin(), body.end());
    if (id == 4) core_modules(body, out);
    i += size;
  }
}

TEST(InterpInstrument, EveryCoreModuleOfTheSdkTestComponentsIsTheSame) {
  namespace fs = std::filesystem;
  size_t modules = 0;
  for (const auto& entry : fs::directory_iterator(TORVYN_SDK_COMPONENTS)) {
    if (entry.path().extension() != ".wasm") continue;
    auto bytes = test::read_bytes(entry.path());
    std::vector<std::vector<uint8_t>> cores;
    core_modules(bytes, cores);
    for (size_t k = 0; k < cores.size(); ++k) {
      if (!decode_module(cores[k], "m").ok()) continue;  // the broken corpus: not instrumented
      expect_same(cores[k], entry.path().filename().string() + " core module " + std::to_string(k));
      ++modules;
    }
  }
  EXPECT_GT(modules, 20u);
}

}  // namespace
}  // namespace torvyn::wasm

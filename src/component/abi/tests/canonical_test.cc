// Canonical ABI layout, round trips, and every trap a hostile guest can provoke.
#include <gtest/gtest.h>

#include <cstring>

#include "torvyn/component/canonical.h"

namespace torvyn::component {
namespace {

using namespace abi;

// A guest stand-in: a byte vector as linear memory and a bump allocator as cabi_realloc.
class FakeGuest : public AbiContext {
 public:
  explicit FakeGuest(size_t size = 65536) : mem(size) {}
  wasm::MemoryView memory() override { return {mem.data(), mem.size()}; }
  Result<uint32_t> realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) override {
    ++realloc_calls;
    next = (next + align - 1) / align * align;
    uint32_t p = next;
    next += new_size;
    if (next > mem.size()) return Error(ErrorCode::AbiTrap, "out of guest memory");
    return p;
  }
  Result<uint64_t> lift_handle(const AbiType& t, uint32_t index) override {
    if (index == 0) return Error(ErrorCode::ResourceHandleError, "handle 0");
    return uint64_t{index} + 1000;
  }
  Result<uint32_t> lower_handle(const AbiType& t, uint64_t value) override { return static_cast<uint32_t>(value - 1000); }

  std::vector<uint8_t> mem;
  uint32_t next = 1024;
  int realloc_calls = 0;
};

TEST(AbiLayout, SizesAlignmentsAndFlattening) {
  auto r = record({"a", "b"}, {prim(AbiKind::U8), prim(AbiKind::U32)});
  EXPECT_EQ(r->size, 8u);
  EXPECT_EQ(r->align, 4u);
  auto v = variant({"a", "b"}, {prim(AbiKind::U8), prim(AbiKind::U64)});
  EXPECT_EQ(v->size, 16u);
  EXPECT_EQ(v->align, 8u);
  EXPECT_EQ(v->flat, (std::vector<FlatType>{FlatType::I32, FlatType::I64}));
  auto res = result(prim(AbiKind::U32), prim(AbiKind::String));
  EXPECT_EQ(res->flat, (std::vector<FlatType>{FlatType::I32, FlatType::I32, FlatType::I32}));
  EXPECT_EQ(res->size, 12u);
  auto opt = option(prim(AbiKind::F32));
  EXPECT_EQ(opt->flat, (std::vector<FlatType>{FlatType::I32, FlatType::F32}));
  auto mixed = variant({"f", "i"}, {prim(AbiKind::F32), prim(AbiKind::U64)});
  EXPECT_EQ(mixed->flat, (std::vector<FlatType>{FlatType::I32, FlatType::I64}));
  std::vector<std::string> many;
  for (int i = 0; i < 300; ++i) many.push_back("c" + std::to_string(i));
  auto big_enum = enumeration(many);
  EXPECT_EQ(big_enum->size, 2u);  // 300 cases need a u16 discriminant
  auto f = flags({"a", "b", "c", "d", "e", "f", "g", "h", "i"});
  EXPECT_EQ(f->size, 2u);
  std::vector<std::string> f40;
  for (int i = 0; i < 40; ++i) f40.push_back("f" + std::to_string(i));
  EXPECT_EQ(flags(f40)->size, 8u);
  EXPECT_EQ(flags(f40)->flat.size(), 2u);
  auto t = tuple({prim(AbiKind::U8), prim(AbiKind::U16), prim(AbiKind::U64)});
  EXPECT_EQ(t->size, 16u);
  EXPECT_EQ(field_offsets(*t), (std::vector<uint32_t>{0, 2, 8}));
}

// A type exercising every kind, and a value of it.
AbiTypePtr everything() {
  return record({"b", "s8", "u16", "s32", "u64", "f32", "f64", "c", "s", "bytes", "nums", "opt", "res", "e", "fl", "v", "h"},
                {prim(AbiKind::Bool), prim(AbiKind::S8), prim(AbiKind::U16), prim(AbiKind::S32), prim(AbiKind::U64),
                 prim(AbiKind::F32), prim(AbiKind::F64), prim(AbiKind::Char), prim(AbiKind::String), list(prim(AbiKind::U8)),
                 list(prim(AbiKind::S16)), option(prim(AbiKind::String)), result(nullptr, prim(AbiKind::String)),
                 enumeration({"x", "y", "z"}), flags({"r", "w", "x"}),
                 variant({"none", "num", "text"}, {nullptr, prim(AbiKind::F64), prim(AbiKind::String)}), own(7)});
}

Value everything_value() {
  Value bytes = Value::list({});
  bytes.str = std::string("\x00\x01\xff", 3);
  return Value::record({Value::boolean(true), Value::s64(AbiKind::S8, -5), Value::u64(AbiKind::U16, 65000),
                        Value::s64(AbiKind::S32, -123456), Value::u64(AbiKind::U64, 1ull << 60), Value::f32v(1.5f),
                        Value::f64v(-2.25), Value::character(0x1F600), Value::string("héllo"), bytes,
                        Value::list({Value::s64(AbiKind::S16, -1), Value::s64(AbiKind::S16, 300)}),
                        Value::variant(AbiKind::Option, 1, {Value::string("some")}),
                        Value::variant(AbiKind::Result, 1, {Value::string("bad")}), Value::variant(AbiKind::Enum, 2),
                        Value::flags({true, false, true}), Value::variant(AbiKind::Variant, 1, {Value::f64v(3.5)}),
                        Value::handle(AbiKind::Own, 1042)});
}

TEST(AbiRoundTrip, MemoryAndFlat) {
  FakeGuest g;
  auto t = everything();
  Value v = everything_value();
  ASSERT_TRUE(store(g, v, *t, 64).ok());
  auto back = load(g, *t, 64);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, v) << back->to_string() << "\n" << v.to_string();

  std::vector<wasm::Slot> flat;
  ASSERT_TRUE(lower_flat(g, v, *t, flat).ok());
  EXPECT_EQ(flat.size(), t->flat.size());
  FlatReader in(flat.data(), flat.size());
  auto lifted = lift_flat(g, *t, in);
  ASSERT_TRUE(lifted.ok()) << lifted.error().to_string();
  EXPECT_EQ(*lifted, v);
  EXPECT_EQ(in.position(), flat.size());
}

TEST(AbiFunctions, ManyParamsGoThroughMemoryAndResultsThroughARetptr) {
  AbiFuncType f;
  for (int i = 0; i < 17; ++i) f.params.push_back(prim(AbiKind::U32));
  f.results = {tuple({prim(AbiKind::U32), prim(AbiKind::String)})};
  CoreSignature lifted = lifted_signature(f);
  EXPECT_TRUE(lifted.params_in_memory);
  EXPECT_TRUE(lifted.results_in_memory);
  EXPECT_EQ(lifted.params.size(), 1u);
  CoreSignature lowered = lowered_signature(f);
  EXPECT_EQ(lowered.params.size(), 2u);  // pointer to args + return area
  EXPECT_TRUE(lowered.results.empty());

  FakeGuest g;
  std::vector<Value> args;
  for (int i = 0; i < 17; ++i) args.push_back(Value::u64(AbiKind::U32, i * 3));
  std::vector<wasm::Slot> core;
  ASSERT_TRUE(lower_call_args(g, f, args, core).ok());
  ASSERT_EQ(core.size(), 1u);
  auto lifted_args = lift_call_args(g, f, core.data());
  ASSERT_TRUE(lifted_args.ok());
  EXPECT_EQ(*lifted_args, args);

  // Guest -> host with a return area, then host reads it back as a lifted export would.
  wasm::Slot import_args[2] = {core[0], 4096};
  std::vector<Value> results = {Value::tuple({Value::u64(AbiKind::U32, 9), Value::string("ok")})};
  ASSERT_TRUE(lower_call_results(g, f, results, import_args, nullptr).ok());
  wasm::Slot ret[1] = {4096};
  auto back = lift_call_results(g, f, ret);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, results);
}

TEST(AbiTraps, HostileGuestValues) {
  FakeGuest g(4096);
  auto expect_trap = [&](Result<Value> r, const char* what) {
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code, ErrorCode::AbiTrap) << what << ": " << r.error().to_string();
  };
  auto str = prim(AbiKind::String);
  auto lst = list(prim(AbiKind::U32));
  auto flat = [&](const AbiType& t, std::vector<wasm::Slot> s) {
    FlatReader in(s.data(), s.size());
    return lift_flat(g, t, in);
  };
  expect_trap(flat(*str, {4000, 200}), "string past the end of memory");
  expect_trap(flat(*str, {0xFFFFFFF0u, 0x20}), "string whose end wraps");
  std::memcpy(g.mem.data() + 100, "\xc3\x28", 2);
  expect_trap(flat(*str, {100, 2}), "invalid UTF-8");
  std::memcpy(g.mem.data() + 100, "\xed\xa0\x80", 3);
  expect_trap(flat(*str, {100, 3}), "UTF-8 surrogate");
  expect_trap(flat(*lst, {2, 1}), "misaligned list");
  expect_trap(flat(*lst, {0, 0x40000000}), "list longer than memory");
  expect_trap(flat(*prim(AbiKind::Char), {0xD800}), "surrogate char");
  expect_trap(flat(*prim(AbiKind::Char), {0x110000}), "char past U+10FFFF");
  expect_trap(flat(*option(prim(AbiKind::U8)), {2, 0}), "discriminant out of range");
  g.mem[200] = 7;
  expect_trap(load(g, *result(nullptr, nullptr), 200), "bad discriminant in memory");
  expect_trap(load(g, *prim(AbiKind::U64), 4092), "value straddling the end");
  // Empty strings and lists may come as a dummy pointer without any allocation.
  auto empty = flat(*str, {1, 0});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->str, "");
}

TEST(AbiTraps, ExpansionBombIsBounded) {
  // 1000 strings, all pointing at the same 3000 bytes: 3 MB of host memory from 12 KB of guest.
  FakeGuest g(65536);
  for (uint32_t i = 0; i < 1000; ++i) {
    uint32_t at = 8192 + i * 8, p = 0, n = 3000;
    std::memcpy(g.mem.data() + at, &p, 4);
    std::memcpy(g.mem.data() + at + 4, &n, 4);
  }
  auto t = list(prim(AbiKind::String));
  g.lift_budget = 1 << 20;
  wasm::Slot s[2] = {8192, 1000};
  FlatReader in(s, 2);
  auto r = lift_flat(g, *t, in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::AbiTrap);
}

TEST(AbiLowering, ReallocIsCalledAndItsResultChecked) {
  class BadRealloc : public FakeGuest {
   public:
    Result<uint32_t> realloc(uint32_t, uint32_t, uint32_t, uint32_t) override { return 65530; }  // too close to the end
  } g;
  std::vector<wasm::Slot> out;
  Status st = lower_flat(g, Value::string("0123456789"), *prim(AbiKind::String), out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::AbiTrap);
}

}  // namespace
}  // namespace torvyn::component

// Malformed, unsupported and hostile binaries: clear errors, never a crash, hang or blow-up.
#include <set>

#include "realistic.h"
#include "test_util.h"

namespace torvyn::component {
namespace {

using namespace testenc;

std::string decode_msg(const Bytes& b, const DecodeLimits& limits = {}) {
  auto r = decode_component(b, limits);
  return r.ok() ? "" : r.error().to_string();
}

TEST(DecodeErrors, MessageNamesSectionOffsetExpectedAndFound) {
  // Type section at offset 8; its body starts at 10; the count at 10; the bad byte at 11.
  Bytes b = component({section(kType, {0x01, 0x4f})});
  EXPECT_EQ(decode_msg(b),
            "error[E0200]: component binary malformed at offset 0xb (type section): expected a type definition, "
            "found byte 0x4f");
  Bytes v = component({section(kType, vec({list({0x4f})}))});
  EXPECT_EQ(decode_msg(v),
            "error[E0200]: component binary malformed at offset 0xc (type section): expected a value type, found "
            "byte 0x4f");
}

TEST(DecodeErrors, CoreModuleInsteadOfComponent) {
  auto r = decode_component(core_module_bytes());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::ComponentMalformed);
  EXPECT_NE(r.error().message.find("this is a core module, not a component"), std::string::npos) << r.error().message;
}

TEST(DecodeErrors, WrongLayerVersionMagicAndLength) {
  EXPECT_NE(decode_msg({0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x02, 0x00}).find("expected layer 0x01 0x00"), std::string::npos);
  auto old = decode_component({0x00, 0x61, 0x73, 0x6d, 0x0a, 0x00, 0x01, 0x00});
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, ErrorCode::ComponentUnsupported);
  EXPECT_NE(old.error().message.find("version 0x0a 0x00 is not supported"), std::string::npos);
  EXPECT_NE(decode_msg({0x7f, 'E', 'L', 'F', 0, 0, 0, 0}).find("not a WebAssembly binary"), std::string::npos);
  EXPECT_NE(decode_msg({}).find("found no bytes"), std::string::npos);
  EXPECT_NE(decode_msg({0x00, 0x61, 0x73}).find("found 3 bytes"), std::string::npos);
  // A core module of an unknown version is still not a component.
  EXPECT_EQ(decode_code({0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00}), ErrorCode::ComponentMalformed);
}

TEST(DecodeErrors, NestedComponentMustBeAComponent) {
  auto msg = decode_msg(component({section(kComponent, core_module_bytes())}));
  EXPECT_NE(msg.find("this is a core module, not a component"), std::string::npos) << msg;
  EXPECT_NE(msg.find("at offset 0xe"), std::string::npos) << msg;  // the version bytes of the nested preamble
  auto msg2 = decode_msg(component({section(kCoreModule, component({}))}));
  EXPECT_NE(msg2.find("expected a core module, found a component"), std::string::npos) << msg2;
  auto msg3 = decode_msg(component({section(kCoreModule, {1, 2, 3})}));
  EXPECT_NE(msg3.find("expected a core module"), std::string::npos) << msg3;
}

TEST(DecodeErrors, ErrorsInsideNestedComponentsUseOuterOffsets) {
  Bytes inner = component({section(kType, {0x01, 0x4f})});
  Bytes b = component({section(kCustom, str("pad")), section(kComponent, inner)});
  // Outer: custom at 8 (6 bytes), component section header at 14-15, inner preamble at 16.
  EXPECT_EQ(decode_msg(b),
            "error[E0200]: component binary malformed at offset 0x1b (type section of the nested component at 0x10): "
            "expected a type definition, found byte 0x4f");
}

TEST(DecodeErrors, BadLeb) {
  // Overlong: 6 bytes for a u32 section size.
  auto m1 = decode_msg(cat({preamble(), {kType, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00}}));
  EXPECT_NE(m1.find("longer than 5 bytes"), std::string::npos) << m1;
  // Overflow: the fifth byte carries bits beyond 32.
  auto m2 = decode_msg(cat({preamble(), {kType, 0x80, 0x80, 0x80, 0x80, 0x10}}));
  EXPECT_NE(m2.find("does not fit in 32 bits"), std::string::npos) << m2;
  // A type index that overflows s33.
  auto m3 = decode_msg(component({section(kType, cat({{0x01, 0x70}, {0x80, 0x80, 0x80, 0x80, 0x40}}))}));
  EXPECT_NE(m3.find("33 bits"), std::string::npos) << m3;
  // Truncated in the middle of a LEB.
  auto m4 = decode_msg(component({section(kType, {0x01, 0x69, 0x80})}));
  EXPECT_NE(m4.find("inside the LEB128 encoding"), std::string::npos) << m4;
  // A negative multi-byte s33 is neither an opcode nor an index.
  auto m5 = decode_msg(component({section(kType, {0x01, 0x70, 0xff, 0x7f})}));
  EXPECT_NE(m5.find("expected a value type"), std::string::npos) << m5;
}

TEST(DecodeErrors, BadUtf8) {
  for (Bytes bad : {Bytes{0xff}, Bytes{0xc0, 0x80}, Bytes{0xed, 0xa0, 0x80}, Bytes{0xf4, 0x90, 0x80, 0x80},
                    Bytes{0xe2, 0x82}, Bytes{'a', 0x80}}) {
    Bytes name = cat({leb(bad.size()), bad});
    auto msg = decode_msg(component({section(kImport, cat({{0x01, 0x00}, name, ed_func(0)}))}));
    EXPECT_NE(msg.find("is not valid UTF-8"), std::string::npos) << msg;
  }
  // Valid multi-byte UTF-8 is fine.
  EXPECT_TRUE(decode_component(component({section(kCustom, str("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"))})).ok());
}

TEST(DecodeErrors, CountsAndSizesBoundedByRemainingBytes) {
  auto m1 = decode_msg(component({section(kType, {0xff, 0xff, 0xff, 0xff, 0x0f})}));
  EXPECT_NE(m1.find("the number of types is 4294967295 but only 0 bytes remain"), std::string::npos) << m1;
  auto m2 = decode_msg(cat({preamble(), {kType, 0x10, 0x01}}));
  EXPECT_NE(m2.find("claims 16 bytes but only 1 remain"), std::string::npos) << m2;
  auto m3 = decode_msg(component({section(kType, {0x01, kU32, 0x00})}));
  EXPECT_NE(m3.find("1 bytes left over"), std::string::npos) << m3;
  auto m4 = decode_msg(component({section(kCustom, {0x09, 'a'})}));
  EXPECT_NE(m4.find("needs 9 bytes but only 1 remain"), std::string::npos) << m4;
}

TEST(DecodeErrors, UnknownSectionAndBadDiscriminants) {
  EXPECT_NE(decode_msg(cat({preamble(), {13, 0}})).find("expected a section id (0 to 12), found byte 0x0d"), std::string::npos);
  struct Case {
    Bytes b;
    const char* want;
  } cases[] = {
      {component({section(kCoreInstance, {0x01, 0x02})}), "expected a core instance kind"},
      {component({section(kCoreInstance, cat({{0x01, 0x00, 0x00}, vec({cat({str("a"), {0x11}, leb(0)})})}))}), "expected 0x12"},
      {component({section(kInstance, {0x01, 0x07})}), "expected an instance kind"},
      {component({section(kAlias, {0x01, 0x01, 0x05})}), "expected an alias target"},
      {component({section(kAlias, {0x01, 0x09})}), "expected a sort"},
      {component({section(kAlias, {0x01, 0x00, 0x13})}), "expected a core sort"},
      {component({section(kCanon, {0x01, 0x00, 0x01})}), "expected 0x00 (the core func sort) after canon lift"},
      {component({section(kCanon, cat({{0x01}, lower(0, {{0x33}})}))}), "expected a canon option"},
      {component({section(kImport, cat({{0x01}, ename("a"), {0x09}}))}), "expected an extern descriptor"},
      {component({section(kImport, cat({{0x01, 0x02}, str("a"), ed_func(0)}))}), "expected a name prefix"},
      {component({section(kImport, cat({{0x01}, ename("a"), {0x03, 0x02}}))}), "expected a type bound"},
      {component({section(kImport, cat({{0x01}, ename("a"), {0x00, 0x10, 0x00}}))}), "expected 0x11"},
      {component({section(kExport, cat({{0x01}, ename("a"), kSortFunc, {0x00, 0x02}}))}), "optional export type"},
      {component({section(kType, {0x01, 0x6a, 0x02})}), "optional value type"},
      {component({section(kType, cat({{0x01}, variant({cat({str("a"), {0x00, 0x02}})})}))}), "expected 0x00 (the end of a variant case)"},
      {component({section(kType, {0x01, 0x40, 0x00, 0x02})}), "expected a result list"},
      {component({section(kType, {0x01, 0x3f, 0x7e})}), "expected 0x7f (a resource's rep i32)"},
      {component({section(kType, {0x01, 0x3f, 0x7f, 0x02})}), "optional destructor"},
      {component({section(kType, {0x01, 0x42, 0x01, 0x03})}), "expected an instance type declaration"},
      {component({section(kType, {0x01, 0x41, 0x01, 0x05})}), "expected a component type declaration"},
      {component({section(kCoreType, {0x01, 0x61})}), "expected a core type"},
      {component({section(kCoreType, {0x01, 0x60, 0x01, 0x40, 0x00})}), "expected a core value type"},
      {component({section(kCoreType, {0x01, 0x50, 0x01, 0x07})}), "expected a module type declaration"},
      {component({section(kCoreType, cat({{0x01, 0x50, 0x01, 0x00}, str("a"), str("b"), {0x09}}))}), "expected a core import kind"},
      {component({section(kCoreType, cat({{0x01, 0x50, 0x01, 0x00}, str("a"), str("b"), {0x02, 0x10}}))}), "memory limits flags"},
      {component({section(kCoreType, cat({{0x01, 0x50, 0x01, 0x00}, str("a"), str("b"), {0x03, 0x7f, 0x02}}))}), "global mutability"},
  };
  for (const auto& c : cases) {
    auto r = decode_component(c.b);
    ASSERT_FALSE(r.ok()) << c.want;
    EXPECT_EQ(r.error().code, ErrorCode::ComponentMalformed) << r.error().message;
    EXPECT_NE(r.error().message.find(c.want), std::string::npos) << r.error().message;
  }
}

TEST(DecodeErrors, UnsupportedFeaturesAreNamed) {
  struct Case {
    Bytes b;
    const char* want;
  } cases[] = {
      {component({section(kValue, {0x00})}), "value definitions (section 12)"},
      {component({section(kCanon, {0x01, 0x06})}), "canon built-in 0x06 is not supported"},
      {component({section(kCanon, {0x01, 0x09, 0x00})}), "async, stream, future, error-context and thread"},
      {component({section(kCanon, {0x01, 0x07, 0x00})}), "resource.drop async"},
      {component({section(kCanon, cat({{0x01}, lower(0, {{0x06}})}))}), "async canon option"},
      {component({section(kCanon, cat({{0x01}, lower(0, {{0x07, 0x00}})}))}), "callback canon option"},
      {component({section(kType, {0x01, 0x66, 0x00})}), "stream types"},
      {component({section(kType, {0x01, 0x65, 0x00})}), "future types"},
      {component({section(kType, {0x01, 0x64})}), "error-context types"},
      {component({section(kType, {0x01, 0x6c, 0x00})}), "union types"},
      {component({section(kType, {0x01, 0x67, 0x79, 0x04})}), "fixed-length list"},
      {component({section(kType, {0x01, 0x43, 0x00, 0x01, 0x00})}), "async function types"},
      {component({section(kType, {0x01, 0x3e, 0x7f, 0x00})}), "async destructor"},
      {component({section(kType, cat({{0x01, 0x71, 0x01}, str("a"), {0x00, 0x01, 0x00}}))}), "refines"},
      {component({section(kImport, cat({{0x01}, ename("v"), {0x02, 0x01, kU32}}))}), "value imports and exports"},
      {component({section(kAlias, {0x01, 0x00, 0x04, 0x01, 0x00, 0x00})}), "tag"},
      {component({section(kCoreType, {0x01, 0x5f, 0x00})}), "core GC types"},
      {component({section(kCoreType, {0x01, 0x60, 0x01, 0x64, 0x00})}), "core GC reference type"},
  };
  for (const auto& c : cases) {
    auto r = decode_component(c.b);
    ASSERT_FALSE(r.ok()) << c.want;
    EXPECT_EQ(r.error().code, ErrorCode::ComponentUnsupported) << r.error().message;
    EXPECT_NE(r.error().message.find(c.want), std::string::npos) << r.error().message;
  }
}

TEST(DecodeErrors, DuplicateOrConflictingCanonOptionsAreInvalid) {
  for (const Bytes& opts : {cat({{0x02}, kUtf8, kUtf16}), cat({{0x02}, opt_memory(0), opt_memory(1)}),
                            cat({{0x02}, opt_realloc(0), opt_realloc(0)}), cat({{0x02}, opt_post_return(0), opt_post_return(1)})}) {
    auto r = decode_component(component({section(kCanon, cat({{0x01, 0x01, 0x00, 0x00}, opts}))}));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::ComponentInvalid) << r.error().message;
  }
}

TEST(DecodeErrors, NestingDepthIsLimited) {
  auto nest = [](int levels) {
    Bytes b = component({});
    for (int i = 0; i < levels; ++i) b = component({section(kComponent, b)});
    return b;
  };
  EXPECT_EQ(load_error(nest(100)), "");  // the validator accepts whatever depth the decoder does
  auto r = decode_component(nest(101));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::ComponentUnsupported);
  EXPECT_NE(r.error().message.find("nesting deeper than 100"), std::string::npos) << r.error().message;

  auto nest_types = [](int levels) {
    Bytes t = instance_type({});
    for (int i = 1; i < levels; ++i) t = instance_type({decl_type(t)});
    return component({section(kType, cat({{0x01}, t}))});
  };
  EXPECT_EQ(load_error(nest_types(100)), "");
  EXPECT_EQ(decode_code(nest_types(101)), ErrorCode::ComponentUnsupported);
  // Types nested inside nested components count towards the same limit.
  Bytes deep = nest_types(60);
  for (int i = 0; i < 45; ++i) deep = component({section(kComponent, deep)});
  EXPECT_EQ(decode_code(deep), ErrorCode::ComponentUnsupported);
}

TEST(DecodeErrors, ItemBudget) {
  Bytes types = leb(1000);
  for (int i = 0; i < 1000; ++i) types.push_back(kU8);
  Bytes b = component({section(kType, types)});
  EXPECT_TRUE(decode_component(b).ok());
  DecodeLimits tight;
  tight.max_items = 999;
  auto msg = decode_msg(b, tight);
  EXPECT_NE(msg.find("more than 999 items"), std::string::npos) << msg;
}

// Every proper prefix of a valid component either is itself a valid component (it ends exactly at
// a section boundary) or fails to decode with a malformed error; nothing crashes.
TEST(DecodeErrors, TruncatedAtEveryByte) {
  Bytes full = realistic_component();
  ASSERT_TRUE(decode_component(full).ok());
  std::set<size_t> boundaries = {8};
  size_t pos = 8;
  while (pos < full.size()) {  // walk the outermost section headers
    size_t p = pos + 1;
    uint64_t size = 0;
    for (unsigned shift = 0;; shift += 7) {
      uint8_t b = full[p++];
      size |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) break;
    }
    pos = p + size;
    boundaries.insert(pos);
  }
  for (size_t n = 0; n < full.size(); ++n) {
    Bytes prefix(full.begin(), full.begin() + n);
    auto r = decode_component(prefix);
    if (boundaries.count(n)) {
      EXPECT_TRUE(r.ok()) << n;
    } else {
      ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
      EXPECT_EQ(r.error().code, ErrorCode::ComponentMalformed) << r.error().message;
    }
  }
}

// Flipping any single byte of a valid component to a few interesting values never crashes the
// decoder or the validator.
TEST(DecodeErrors, MutatedBytesNeverCrash) {
  Bytes full = realistic_component();
  size_t decoded = 0;
  for (size_t i = 0; i < full.size(); ++i) {
    for (uint8_t v : {uint8_t{0x00}, uint8_t{0x01}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xff}, uint8_t(full[i] ^ 0x01)}) {
      Bytes m = full;
      m[i] = v;
      auto r = load_component(m);
      if (r.ok()) ++decoded;
      else EXPECT_FALSE(r.error().message.empty());
    }
  }
  EXPECT_GT(decoded, 0u);
}

}  // namespace
}  // namespace torvyn::component

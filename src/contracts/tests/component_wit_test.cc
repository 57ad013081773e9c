// Components built by the SDK, read back as WIT and compared with the contracts they were built for.
#include "torvyn/contracts/component_wit.h"

#include <gtest/gtest.h>

#include "contracts_test_util.h"
#include "encoder.h"
#include "torvyn/component/validate.h"
#include "torvyn/contracts/contracts.h"
#include "torvyn/wasm/validate.h"
#include "torvyn/wit/compat.h"
#include "torvyn/wit/print.h"

namespace torvyn::contracts {
namespace {

std::string print_all(const ComponentWit& c) {
  std::string out;
  for (const auto& p : c.resolve->packages) out += wit::print_package(*p) + "\n";
  return out;
}

TEST(InterfaceNameTest, Parses) {
  InterfaceName n;
  ASSERT_TRUE(parse_interface_name("torvyn:streaming/types@0.1.0", &n));
  EXPECT_EQ(n.ns, "torvyn");
  EXPECT_EQ(n.package, "streaming");
  EXPECT_EQ(n.name, "types");
  EXPECT_EQ(n.version, "0.1.0");
  EXPECT_EQ(n.unversioned(), "torvyn:streaming/types");
  ASSERT_TRUE(parse_interface_name("wasi:io/streams", &n));
  EXPECT_EQ(n.version, "");
  EXPECT_FALSE(parse_interface_name("run", &n));
  EXPECT_FALSE(parse_interface_name("a/b", &n));
  EXPECT_FALSE(parse_interface_name(":b/c", &n));
}

TEST(ComponentWitTest, UppercaseIsATransform) {
  auto bytes = sdk_component("uppercase");
  if (bytes.empty()) GTEST_SKIP() << "SDK test components not built";
  auto c = component_wit_from_bytes(bytes);
  ASSERT_TRUE(c) << c.error().to_string();
  SCOPED_TRACE(print_all(*c));
  ASSERT_EQ(c->world->imports.size(), 2u);
  EXPECT_EQ(c->world->imports[0].name, "torvyn:streaming/types@0.1.0");
  EXPECT_EQ(c->world->imports[1].name, "torvyn:streaming/buffer-allocator@0.1.0");
  // The SDK exports the role's batch form too (torvyn:batching, docs/batching.md).
  ASSERT_EQ(c->world->exports.size(), 2u);
  EXPECT_NE(c->find_export("torvyn:streaming/processor@0.1.0"), nullptr);
  EXPECT_NE(c->find_export("torvyn:batching/processor@0.1.0"), nullptr);

  const wit::Interface* types = c->find_import("torvyn:streaming/types")->interface;
  ASSERT_NE(types, nullptr);
  const wit::TypeDef* meta = types->type("element-meta");
  ASSERT_NE(meta, nullptr);
  EXPECT_EQ(meta->kind, wit::TypeDefKind::Record);
  ASSERT_EQ(meta->fields.size(), 3u);
  EXPECT_EQ(meta->fields[1].name, "timestamp-ns");
  const wit::Function* read_all = types->function("[method]buffer.read-all");
  ASSERT_NE(read_all, nullptr);
  EXPECT_EQ(wit::print_function(*read_all), "read-all: func() -> list<u8>");

  const wit::Interface* processor = c->find_export("torvyn:streaming/processor")->interface;
  const wit::Function* process = processor->function("process");
  ASSERT_NE(process, nullptr);
  EXPECT_EQ(wit::print_function(*process), "process: func(input: stream-element) -> result<process-result, process-error>");
  const wit::TypeDef* se = processor->type("stream-element");
  ASSERT_NE(se, nullptr);
  EXPECT_TRUE(se->from_use);
  EXPECT_EQ(wit::dealias(se), types->type("stream-element"));
}

// What a component imports is a subset of the contract, and what it exports is the contract.
TEST(ComponentWitTest, EveryWorkingSdkComponentMatchesTheContracts) {
  const auto& contracts = torvyn_contracts();
  ASSERT_TRUE(contracts.ok()) << contracts.render();
  int seen = 0;
  for (const char* name : {"uppercase", "counter_source", "collect_sink", "contains_filter", "prefix_router", "line_aggregator",
                           "retag_c", "wasi_stamp", "wasi_probe"}) {
    auto bytes = sdk_component(name);
    if (bytes.empty()) continue;
    ++seen;
    SCOPED_TRACE(name);
    auto c = component_wit_from_bytes(bytes);
    ASSERT_TRUE(c) << c.error().to_string();
    for (const auto& e : c->world->exports) {
      const wit::Interface* contract = contract_interface(e.interface->id());
      ASSERT_NE(contract, nullptr) << e.name;
      wit::CompatReport r = wit::diff(*contract, *e.interface);
      EXPECT_NE(r.overall, wit::Compat::Breaking) << e.name << "\n" << wit::render(r) << print_all(*c);
    }
    for (const auto& i : c->world->imports) {
      if (i.name.rfind("torvyn:", 0) != 0) continue;
      const wit::Interface* contract = contract_interface(i.interface->id());
      ASSERT_NE(contract, nullptr) << i.name;
      wit::CompatReport r = wit::diff(*i.interface, *contract);
      EXPECT_NE(r.overall, wit::Compat::Breaking) << i.name << "\n" << wit::render(r) << print_all(*c);
    }
  }
  if (!seen) GTEST_SKIP() << "SDK test components not built";
}

TEST(ComponentWitTest, WasiImportsKeepTheirVersions) {
  auto bytes = sdk_component("wasi_stamp");
  if (bytes.empty()) GTEST_SKIP() << "WASI test component not built";
  auto c = component_wit_from_bytes(bytes);
  ASSERT_TRUE(c) << c.error().to_string();
  const wit::WorldItem* fs_types = c->find_import("wasi:filesystem/types");
  ASSERT_NE(fs_types, nullptr);
  EXPECT_EQ(fs_types->interface->package->name.to_string().rfind("wasi:filesystem@0.2.", 0), 0u);
}

TEST(ComponentWitTest, CoreModuleIsNotAComponent) {
  std::vector<uint8_t> core = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  auto c = component_wit_from_bytes(core);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::ComponentMalformed);
  EXPECT_NE(c.error().message.find("core WebAssembly module"), std::string::npos);
}

TEST(ComponentWitTest, GarbageIsMalformed) {
  auto c = component_wit_from_bytes({1, 2, 3, 4, 5, 6, 7, 8, 9});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::ComponentMalformed);
}


// ---- hand-made components: type constructs the SDK components do not use -------------------

namespace enc = torvyn::component::testenc;

enc::Bytes api_instance_type() {
  using namespace enc;
  return instance_type({
      decl_export("res", ed_type_sub_resource()),                                    // 0
      decl_type(own(0)),                                                             // 1
      decl_type(func({}, idx(1))),                                                   // 2
      decl_export("[constructor]res", ed_func(2)),
      decl_type(borrow(0)),                                                          // 3
      decl_type(func({labeled("self", idx(3))}, Bytes{kU32})),                       // 4
      decl_export("[method]res.get", ed_func(4)),
      decl_type(enum_({str("a"), str("b")})),                                        // 5
      decl_export("e", ed_type_eq(5)),                                               // 6
      decl_type(flags({str("x"), str("y")})),                                        // 7
      decl_export("fl", ed_type_eq(7)),                                              // 8
      decl_type(tuple({idx(6), Bytes{kString}})),                                    // 9
      decl_type(option(idx(9))),                                                     // 10
      decl_type(list(idx(8))),                                                       // 11
      decl_type(func({labeled("o", idx(10))}, idx(11))),                             // 12
      decl_export("[static]res.make", ed_func(12)),
      decl_type(list(Bytes{kU8})),                                                   // 13
      decl_export("bytes", ed_type_eq(13)),                                          // 14
      decl_type(result(idx(14), Bytes{})),                                           // 15
      decl_type(func({labeled("b", idx(14))}, idx(15))),                             // 16
      decl_export("check", ed_func(16)),
  });
}

TEST(ComponentWitTest, HandMadeTypesBecomeWit) {
  using namespace enc;
  Bytes bin = enc::component({
      section(kType, vec({api_instance_type()})),
      section(kImport, vec({import("acme:x/api@1.0.0", ed_instance(0))})),
      section(kType, vec({func({labeled("n", Bytes{kString})}, Bytes{})})),
      section(kImport, vec({import("log", ed_func(1))})),
      section(kExport, vec({export_("acme:x/again@1.0.0", kSortInstance, 0)})),
  });
  auto c = component_wit_from_bytes(bin);
  ASSERT_TRUE(c) << c.error().to_string();
  SCOPED_TRACE(print_all(*c));
  ASSERT_EQ(c->world->imports.size(), 2u);
  const wit::Interface* api = c->world->imports[0].interface;
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->id(), "acme:x/api@1.0.0");
  EXPECT_EQ(api->type("res")->kind, wit::TypeDefKind::Resource);
  EXPECT_EQ(api->type("e")->kind, wit::TypeDefKind::Enum);
  EXPECT_EQ(api->type("fl")->kind, wit::TypeDefKind::Flags);
  ASSERT_EQ(api->type("bytes")->kind, wit::TypeDefKind::Alias);
  EXPECT_EQ(wit::print_type(*api->type("bytes")->target), "list<u8>");
  EXPECT_EQ(api->function("[constructor]res")->kind, wit::FunctionKind::Constructor);
  EXPECT_EQ(api->function("[method]res.get")->kind, wit::FunctionKind::Method);
  EXPECT_EQ(wit::print_function(*api->function("res.get")), "get: func() -> u32");
  EXPECT_EQ(wit::print_function(*api->function("res.make")), "make: static func(o: option<tuple<e, string>>) -> list<fl>");
  EXPECT_EQ(wit::print_function(*api->function("check")), "check: func(b: bytes) -> result<bytes>");
  // A world-level function import.
  EXPECT_EQ(c->world->imports[1].kind, wit::WorldItemKind::Function);
  EXPECT_EQ(wit::print_function(*c->world->imports[1].function), "log: func(n: string)");
  // The imported instance exported again under another name: its types are `use`d from `api`.
  ASSERT_EQ(c->world->exports.size(), 1u);
  const wit::Interface* again = c->world->exports[0].interface;
  EXPECT_TRUE(again->type("e")->from_use);
  EXPECT_EQ(wit::dealias(again->type("e")), api->type("e"));
  EXPECT_EQ(again->functions.size(), 4u);
  // The printed package parses back (the synthesized model is well-formed WIT).
  std::string text = wit::print_package(*api->package);
  auto back = wit::parse_source(text, "api.wit");
  EXPECT_TRUE(back.ok()) << back.render() << "\n" << text;
  if (back.ok()) {
    wit::CompatReport r = wit::diff(*back.resolve->root->interface("api"), *api);
    EXPECT_EQ(r.overall, wit::Compat::Compatible) << wit::render(r);
  }
}

TEST(ComponentWitTest, BrokenTypeReferencesAreErrorsNotCrashes) {
  using namespace enc;
  // An import whose instance type refers to a type that is not a resource.
  Bytes bin = enc::component({
      section(kType, vec({instance_type({decl_type(Bytes{kU8}), decl_type(own(0))})})),
      section(kImport, vec({import("acme:x/api@1.0.0", ed_instance(0))})),
  });
  auto c = component_wit_from_bytes(bin);
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().code == ErrorCode::ComponentInvalid || c.error().code == ErrorCode::ComponentMalformed) << c.error().to_string();
}

// Each level instantiates the previous one twice: 2^40 walks unless the work is capped.
TEST(ComponentWitTest, ExponentialInstantiationIsCapped) {
  using namespace enc;
  Bytes body = section(kComponent, enc::component({}));
  Bytes all = preamble();
  all.insert(all.end(), body.begin(), body.end());
  for (uint32_t k = 1; k <= 40; ++k) {
    Bytes level = enc::component({
        section(kAlias, vec({alias_outer(kSortComponent, 1, k - 1)})),
        section(kInstance, vec({instantiate(0, {}), instantiate(0, {})})),
    });
    Bytes sec = section(kComponent, level);
    all.insert(all.end(), sec.begin(), sec.end());
  }
  Bytes inst = section(kInstance, vec({instantiate(40, {})}));
  all.insert(all.end(), inst.begin(), inst.end());
  auto c = component_wit_from_bytes(all);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::ComponentUnsupported) << c.error().to_string();
}

// Corrupted components (random bytes overwritten) are rejected or read, never crash the reader:
// the decoder and validator reject most; what passes them is walked with bounds checks.
TEST(ComponentWitTest, CorruptedComponentsNeverCrash) {
  int tried = 0, read = 0;
  uint64_t rng = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
  };
  for (const char* name : {"uppercase", "prefix_router", "wasi_stamp"}) {
    auto base = sdk_component(name);
    if (base.empty()) continue;
    for (int i = 0; i < 300; ++i, ++tried) {
      auto bytes = base;
      for (int k = 0, n = 1 + static_cast<int>(next() % 4); k < n; ++k) bytes[8 + next() % (bytes.size() - 8)] = static_cast<uint8_t>(next());
      auto c = component_wit_from_bytes(std::move(bytes));
      read += c.ok();
    }
  }
  if (!tried) GTEST_SKIP() << "SDK test components not built";
  EXPECT_GT(read, 0);  // some survive (e.g. a changed name), and are read without trouble
}

// Flipped bits inside a component's core module: whatever the engines' validator refuses, reading
// the component (what check, inspect and link do) must refuse too, naming the core module.
TEST(ComponentWitTest, AnInvalidCoreModuleIsFoundWithoutRunning) {
  auto base = sdk_component("uppercase");
  if (base.empty()) GTEST_SKIP() << "SDK test components not built";
  auto decoded = component::load_component(base);
  ASSERT_TRUE(decoded.ok());
  size_t module_at = 0, module_size = 0;
  for (const auto& d : (*decoded)->component.definitions)
    if (const auto* m = std::get_if<component::CoreModule>(&d); m && m->bytes.size() > module_size) {
      module_at = static_cast<size_t>(m->bytes.data() - (*decoded)->bytes.data());
      module_size = m->bytes.size();
    }
  ASSERT_GT(module_size, 16u);
  uint64_t rng = 0x2545f4914f6cdd1dull;
  int invalid = 0;
  for (int i = 0; i < 200; ++i) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    auto bytes = base;
    size_t at = module_at + 8 + rng % (module_size - 8);
    bytes[at] ^= static_cast<uint8_t>(1u << (rng >> 40) % 8);
    std::span<const uint8_t> module(bytes.data() + module_at, module_size);
    if (wasm::validate_module(module, "m")) continue;
    ++invalid;
    auto c = component_wit_from_bytes(std::move(bytes));
    ASSERT_FALSE(c.ok()) << "bit flip at byte " << at << " makes the core module invalid but the component was accepted";
  }
  EXPECT_GT(invalid, 10);
}

}  // namespace
}  // namespace torvyn::contracts

namespace torvyn::contracts {
namespace {

// A few hundred bytes that instantiate a component 10^12 times (encoder.h): `check` and `inspect`
// read a component's type by walking its instantiations, and must refuse this one, quickly and in
// bounded memory, rather than walk it; a modest fan of the same shape still reads.
TEST(ComponentWitTest, AnInstantiationBombIsRefusedNotWalked) {
  auto modest = component_wit_from_bytes(enc::instantiation_fan(3, 10));  // 1,111 instances
  EXPECT_TRUE(modest.ok()) << modest.error().to_string();
  auto bomb = component_wit_from_bytes(enc::instantiation_fan(12, 10));
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.error().code, ErrorCode::ComponentUnsupported) << bomb.error().to_string();
  EXPECT_NE(bomb.error().message.find("too large to read"), std::string::npos) << bomb.error().message;
}

}  // namespace
}  // namespace torvyn::contracts

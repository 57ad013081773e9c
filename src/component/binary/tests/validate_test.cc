// Index-space validation: each reference in bounds and of the right sort, types well formed.
#include "test_util.h"

namespace torvyn::component {
namespace {

using namespace testenc;

// Expects load_component to fail with E0201 and a message containing `want`.
void expect_invalid(const Bytes& b, const std::string& want) {
  auto r = load_component(b);
  ASSERT_FALSE(r.ok()) << "expected: " << want;
  EXPECT_EQ(r.error().code, ErrorCode::ComponentInvalid) << r.error().message;
  EXPECT_NE(r.error().message.find(want), std::string::npos) << r.error().message;
}

Bytes one(uint8_t id, const Bytes& item) { return section(id, cat({{0x01}, item})); }

// Scaffolding that defines one item of most sorts: core module 0, core instance 0 (exports f, t,
// m, g), core func 0, core table 0, core memory 0, core global 0, core type 0 (func) and 1
// (module), type 0 (func () -> u32), func 0 (imported), instance 0 (imported), component 0.
Bytes scaffold() {
  return cat({
      section(kCoreModule, core_module_bytes()),
      one(kCoreInstance, core_instantiate(0, {})),
      section(kAlias, vec({alias_core_export(kSortCoreFunc, 0, "f"), alias_core_export(kSortCoreTable, 0, "t"),
                           alias_core_export(kSortCoreMemory, 0, "m"), alias_core_export(kSortCoreGlobal, 0, "g")})),
      section(kCoreType, vec({core_func_type({0x7f}, {}), {0x50, 0x00}})),
      section(kType, vec({func({}, {kU32}), instance_type({decl_type(func({}, {kU32})), decl_export("h", ed_func(0))})})),
      section(kImport, vec({import("f", ed_func(0)), import("i", ed_instance(1))})),
      section(kComponent, component({})),
  });
}
Bytes with_scaffold(std::initializer_list<Bytes> sections) {
  Bytes b = cat({preamble(), scaffold()});
  for (const auto& s : sections) b = cat({b, s});
  return b;
}

TEST(Validate, ScaffoldIsValid) { EXPECT_EQ(load_error(with_scaffold({})), ""); }

TEST(Validate, MessageNamesDefinitionAndOffset) {
  Bytes b = component({one(kCanon, lift(3, {}, 0))});
  auto r = load_component(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(),
            "error[E0201]: component invalid at offset 0xb (canon definition): canon lift refers to core func 3, but "
            "only 0 core funcs are defined at that point");
}

TEST(Validate, OutOfBoundsForEverySort) {
  expect_invalid(with_scaffold({one(kCanon, lift(1, {}, 0))}), "canon lift refers to core func 1, but only 1 core func is");
  expect_invalid(with_scaffold({one(kCoreInstance, core_exports({core_export("t", 0x01, 1)}))}), "refers to core table 1");
  expect_invalid(with_scaffold({one(kCanon, lower(0, {opt_memory(1)}))}), "memory option refers to core memory 1");
  expect_invalid(with_scaffold({one(kCoreInstance, core_exports({core_export("g", 0x03, 5)}))}), "refers to core global 5");
  expect_invalid(with_scaffold({one(kImport, import("m", ed_core_module(2)))}), "refers to core type 2");
  expect_invalid(with_scaffold({one(kCoreInstance, core_instantiate(1, {}))}), "core instantiation refers to core module 1");
  expect_invalid(with_scaffold({one(kCoreInstance, core_instantiate(0, {core_arg("x", 1)}))}), "refers to core instance 1");
  expect_invalid(with_scaffold({one(kAlias, alias_core_export(kSortCoreFunc, 4, "f"))}), "refers to core instance 4");
  expect_invalid(with_scaffold({one(kCanon, lower(1, {}))}), "canon lower refers to func 1");
  expect_invalid(with_scaffold({one(kExport, export_("x", kSortFunc, 9))}), "refers to func 9");
  expect_invalid(with_scaffold({section(kStart, cat({leb(0), vec({leb(0)}), leb(1)}))}), "start argument refers to value 0");
  expect_invalid(with_scaffold({one(kType, list(idx(7)))}), "value type refers to type 7");
  expect_invalid(with_scaffold({one(kImport, import("g", ed_func(5)))}), "func type refers to type 5");
  expect_invalid(with_scaffold({one(kInstance, instantiate(1, {}))}), "instantiation refers to component 1");
  expect_invalid(with_scaffold({one(kAlias, alias_export(kSortFunc, 1, "h"))}), "alias export refers to instance 1");
  expect_invalid(with_scaffold({one(kExport, export_("x", kSortType, 2))}), "refers to type 2");
  expect_invalid(with_scaffold({one(kExport, export_("x", kSortComponent, 1))}), "refers to component 1");
  expect_invalid(with_scaffold({one(kExport, export_("x", kSortCoreModule, 1))}), "refers to core module 1");
  expect_invalid(with_scaffold({one(kInstance, inline_exports({inline_export("v", kSortValue, 0)}))}), "refers to value 0");
}

TEST(Validate, AliasExportsCheckNameAndSort) {
  EXPECT_EQ(load_error(with_scaffold({one(kAlias, alias_export(kSortFunc, 0, "h"))})), "");
  expect_invalid(with_scaffold({one(kAlias, alias_export(kSortFunc, 0, "nope"))}), "instance 0 has no export named \"nope\"");
  expect_invalid(with_scaffold({one(kAlias, alias_export(kSortType, 0, "h"))}), "the export is a func, not a type");
  expect_invalid(with_scaffold({one(kAlias, alias_export(kSortCoreFunc, 0, "h"))}), "components can only pass core modules");
  // Core instances built from inline exports know their exports; instantiated ones do not.
  Bytes b = with_scaffold({one(kCoreInstance, core_exports({core_export("run", 0x00, 0)}))});
  EXPECT_EQ(load_error(cat({b, one(kAlias, alias_core_export(kSortCoreFunc, 1, "run"))})), "");
  expect_invalid(cat({b, one(kAlias, alias_core_export(kSortCoreFunc, 1, "walk"))}), "has no export named \"walk\"");
  expect_invalid(cat({b, one(kAlias, alias_core_export(kSortCoreMemory, 1, "run"))}), "another sort");
  expect_invalid(with_scaffold({one(kAlias, alias_core_export(kSortCoreModule, 0, "x"))}), "core instances export only");
  expect_invalid(with_scaffold({one(kCoreInstance, core_exports({core_export("x", 0x11, 0)}))}), "core instances export only");
}

TEST(Validate, OuterAliases) {
  Bytes inner_ok = component({one(kAlias, alias_outer(kSortType, 1, 0)), one(kAlias, alias_outer(kSortCoreModule, 1, 0)),
                              one(kAlias, alias_outer(kSortComponent, 1, 0)), one(kAlias, alias_outer(kSortCoreType, 1, 1))});
  EXPECT_EQ(load_error(with_scaffold({section(kComponent, inner_ok)})), "");
  expect_invalid(with_scaffold({section(kComponent, component({one(kAlias, alias_outer(kSortType, 2, 0))}))}),
                 "outer alias count 2 exceeds the 1 enclosing");
  expect_invalid(with_scaffold({one(kAlias, alias_outer(kSortType, 1, 0))}), "outer alias count 1 exceeds the 0");
  expect_invalid(with_scaffold({section(kComponent, component({one(kAlias, alias_outer(kSortFunc, 1, 0))}))}),
                 "outer aliases may only alias types, components, core types and core modules, not funcs");
  expect_invalid(with_scaffold({section(kComponent, component({one(kAlias, alias_outer(kSortType, 1, 9))}))}),
                 "outer alias refers to type 9");
  // Resource types are generative: a nested component may not alias its parent's.
  expect_invalid(component({one(kType, resource()), section(kComponent, component({one(kAlias, alias_outer(kSortType, 1, 0))}))}),
                 "resource types are generative");
  // Inside types, outer aliases reach the enclosing component's types.
  EXPECT_EQ(load_error(component({one(kType, {kU32}), one(kType, instance_type({decl_alias(alias_outer(kSortType, 1, 0)),
                                                                                 decl_type(list(idx(0)))}))})),
            "");
  expect_invalid(component({one(kType, instance_type({decl_alias(alias_outer(kSortType, 1, 0))}))}), "outer alias refers to type 0");
}

TEST(Validate, ErrorsInNestedComponentsNameThem) {
  Bytes b = component({section(kComponent, component({one(kCanon, lower(0, {}))}))});
  auto r = load_component(b);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("(canon definition in the nested component at 0xa)"), std::string::npos)
      << r.error().message;
}

TEST(Validate, TypeWellFormedness) {
  expect_invalid(component({one(kType, {0x72, 0x00})}), "a record type must have at least one field");
  expect_invalid(component({one(kType, {0x71, 0x00})}), "a variant type must have at least one case");
  expect_invalid(component({one(kType, {0x6f, 0x00})}), "a tuple type must have at least one element");
  expect_invalid(component({one(kType, {0x6e, 0x00})}), "a flags type must have at least one flag");
  expect_invalid(component({one(kType, {0x6d, 0x00})}), "an enum type must have at least one case");
  expect_invalid(component({one(kType, record({labeled("a", {kU8}), labeled("A", {kU8})}))}), "duplicate record field \"A\"");
  expect_invalid(component({one(kType, variant({vcase("x"), vcase("x")}))}), "duplicate variant case \"x\"");
  expect_invalid(component({one(kType, flags({str("r"), str("r")}))}), "duplicate flag");
  expect_invalid(component({one(kType, enum_({str("a"), str("b"), str("a")}))}), "duplicate enum case");
  expect_invalid(component({one(kType, func({labeled("p", {kU8}), labeled("p", {kU8})}, {}))}), "duplicate parameter");
  expect_invalid(component({one(kType, func_named({}, {labeled("r", {kU8}), labeled("R", {kU8})}))}), "duplicate result");
  for (const char* bad : {"", "a_b", "a--b", "-a", "a-", "Ab", "1a", "a b"})
    expect_invalid(component({one(kType, enum_({str(bad)}))}), "is not a kebab-case label");
  EXPECT_EQ(load_error(component({one(kType, enum_({str("utf-8"), str("HTTP-ok"), str("a1-b2")}))})), "");
  // A value type must name a value type.
  expect_invalid(component({one(kType, func({}, {})), one(kType, list(idx(0)))}), "type 0 is used as a value type, but it is a func type");
  // own/borrow must name resources.
  expect_invalid(component({one(kType, {kU32}), one(kType, own(0))}), "own refers to type 0, which is a value type");
  expect_invalid(component({one(kType, func({}, {})), one(kType, borrow(0))}), "borrow refers to type 0, which is a func type");
  // No borrow in results, even transitively.
  expect_invalid(component({one(kType, resource()), one(kType, borrow(0)), one(kType, option(idx(1))), one(kType, func({}, idx(2)))}),
                 "result contains a borrow handle");
  EXPECT_EQ(load_error(component({one(kType, resource()), one(kType, borrow(0)), one(kType, func({labeled("x", idx(1))}, {}))})), "");
  // Resources cannot be defined inside component or instance types.
  expect_invalid(component({one(kType, instance_type({decl_type(resource())}))}), "resource types cannot be defined inside");
  expect_invalid(component({one(kType, resource(true, 0))}), "resource destructor refers to core func 0");
  // Extern descriptors must match the sort.
  expect_invalid(component({one(kType, {kU32}), one(kImport, import("f", ed_func(0)))}), "which is a value type, not a func type");
  expect_invalid(component({one(kType, func({}, {})), one(kImport, import("i", ed_instance(0)))}), "not an instance type");
  expect_invalid(component({one(kType, func({}, {})), one(kImport, import("c", ed_component(0)))}), "not a component type");
  expect_invalid(component({one(kCoreType, core_func_type({}, {})), one(kImport, import("m", ed_core_module(0)))}),
                 "which is a core func type");
  // Instance types: unique export names.
  expect_invalid(component({one(kType, instance_type({decl_export("a", ed_type_sub_resource()), decl_export("a", ed_type_sub_resource())}))}),
                 "duplicate export name \"a\"");
}

TEST(Validate, ModuleTypes) {
  Bytes good = cat({{0x50}, vec({cat({{0x01}, core_func_type({}, {})}), cat({{0x00}, str("a"), str("b"), {0x00, 0x00}}),
                                  cat({{0x03}, str("e"), {0x00, 0x00}})})});
  EXPECT_EQ(load_error(component({one(kCoreType, good)})), "");
  expect_invalid(component({one(kCoreType, cat({{0x50}, vec({cat({{0x00}, str("a"), str("b"), {0x00, 0x03}})})}))}),
                 "module type refers to core type 3");
  expect_invalid(component({one(kCoreType, cat({{0x50}, vec({cat({{0x02, 0x10, 0x01, 0x02, 0x00}})})}))}), "at most 1 is allowed");
  expect_invalid(component({one(kCoreType, cat({{0x50}, vec({cat({{0x02, 0x10, 0x01, 0x01, 0x00}})})}))}), "outer alias of core type 0");
  expect_invalid(component({one(kCoreType, {0x50, 0x00}), one(kCoreType, cat({{0x50}, vec({cat({{0x02, 0x10, 0x01, 0x01, 0x00}})})}))}),
                 "module types cannot alias module types");
  expect_invalid(component({one(kCoreType, cat({{0x50}, vec({cat({{0x03}, str("e"), {0x02, 0x00, 0x01}}),
                                                              cat({{0x03}, str("e"), {0x02, 0x00, 0x01}})})}))}),
                 "duplicate export name \"e\" in a module type");
  // A module type inside a module type is rejected while decoding.
  auto r = decode_component(component({one(kCoreType, cat({{0x50}, vec({cat({{0x01, 0x50, 0x00}})})}))}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::ComponentInvalid);
}

TEST(Validate, CanonOptionsMatchTheAbi) {
  // core func 0 (from the scaffold's core instance), memory 0; a func taking a string.
  Bytes str_param = one(kType, func({labeled("s", {kString})}, {}));   // type 2
  Bytes str_result = one(kType, func({}, {kString}));                  // type 2
  expect_invalid(with_scaffold({str_param, one(kCanon, lift(0, {}, 2))}), "canon lift needs the memory option");
  expect_invalid(with_scaffold({str_param, one(kCanon, lift(0, {opt_memory(0)}, 2))}), "canon lift needs the realloc option");
  EXPECT_EQ(load_error(with_scaffold({str_param, one(kCanon, lift(0, {opt_memory(0), opt_realloc(0)}, 2))})), "");
  EXPECT_EQ(load_error(with_scaffold({str_result, one(kCanon, lift(0, {opt_memory(0), opt_post_return(0)}, 2))})), "");
  // Lowering: results with strings need realloc; params only memory.
  Bytes lower_str_result = cat({str_result, one(kAlias, alias_export(kSortFunc, 0, "h")), one(kImport, import("g", ed_func(2)))});
  expect_invalid(with_scaffold({lower_str_result, one(kCanon, lower(2, {opt_memory(0)}))}), "canon lower needs the realloc option");
  EXPECT_EQ(load_error(with_scaffold({lower_str_result, one(kCanon, lower(2, {opt_memory(0), opt_realloc(0)}))})), "");
  Bytes lower_str_param = cat({str_param, one(kImport, import("g", ed_func(2)))});
  expect_invalid(with_scaffold({lower_str_param, one(kCanon, lower(1, {}))}), "canon lower needs the memory option");
  EXPECT_EQ(load_error(with_scaffold({lower_str_param, one(kCanon, lower(1, {opt_memory(0)}))})), "");
  // More than 16 flat params, or more than one flat result, go through memory.
  Bytes many = cat({one(kType, tuple({{kU32}, {kU32}, {kU32}, {kU32}, {kU32}, {kU32}, {kU32}, {kU32}, {kU32}, {kU32},
                                       {kU32}, {kU32}, {kU32}, {kU32}, {kU32}, {kU32}, {kU32}})),
                     one(kType, func({labeled("a", idx(2))}, {}))});  // type 3
  expect_invalid(with_scaffold({many, one(kCanon, lift(0, {opt_memory(0)}, 3))}), "needs the realloc option");
  EXPECT_EQ(load_error(with_scaffold({many, one(kCanon, lift(0, {opt_memory(0), opt_realloc(0)}, 3))})), "");
  Bytes pair = cat({one(kType, tuple({{kU32}, {kU32}})), one(kType, func({}, idx(2)))});
  expect_invalid(with_scaffold({pair, one(kCanon, lift(0, {}, 3))}), "needs the memory option");
  // post-return belongs to lift only; lift's type must be a func type.
  expect_invalid(with_scaffold({one(kCanon, lower(0, {opt_post_return(0)}))}), "post-return option is only allowed on canon lift");
  expect_invalid(with_scaffold({one(kCanon, lift(0, {}, 1))}), "canon lift type 1 is not a func type");
}

TEST(Validate, ResourceCanons) {
  Bytes local = component({one(kType, resource()),
                           section(kCanon, vec({resource_new(0), resource_rep(0), resource_drop(0)}))});
  EXPECT_EQ(load_error(local), "");
  Bytes imported = component({one(kImport, import("r", ed_type_sub_resource())), one(kCanon, resource_drop(0))});
  EXPECT_EQ(load_error(imported), "");
  expect_invalid(component({one(kImport, import("r", ed_type_sub_resource())), one(kCanon, resource_new(0))}),
                 "resource.new needs a resource type defined by this component");
  expect_invalid(component({one(kImport, import("r", ed_type_sub_resource())), one(kCanon, resource_rep(0))}),
                 "resource.rep needs a resource type defined by this component");
  expect_invalid(component({one(kType, {kU8}), one(kCanon, resource_drop(0))}), "which is not a resource type");
}

TEST(Validate, InstantiationArguments) {
  Bytes child = component({one(kImport, import("f", ed_type_sub_resource())), one(kExport, export_("g", kSortType, 0))});
  Bytes base = component({section(kComponent, child), one(kImport, import("r", ed_type_sub_resource()))});
  EXPECT_EQ(load_error(cat({base, one(kInstance, instantiate(0, {arg("f", kSortType, 0)})),
                            one(kAlias, alias_export(kSortType, 0, "g"))})),
            "");
  expect_invalid(cat({base, one(kInstance, instantiate(0, {}))}), "does not supply its import \"f\"");
  expect_invalid(cat({base, one(kImport, import("h", ed_func(0))), one(kInstance, instantiate(0, {arg("f", kSortFunc, 0)}))}),
                 "refers to type 0");  // ed_func(0) names a resource, caught at the import
  expect_invalid(cat({base, one(kType, func({}, {})), one(kImport, import("h", ed_func(1))),
                      one(kInstance, instantiate(0, {arg("f", kSortFunc, 0)}))}),
                 "instantiation argument \"f\" is a func, but the component imports a type");
  expect_invalid(cat({base, one(kInstance, instantiate(0, {arg("f", kSortType, 0), arg("f", kSortType, 0)}))}),
                 "duplicate instantiation argument");
  expect_invalid(cat({base, one(kInstance, instantiate(0, {arg("f", kSortType, 0)})), one(kAlias, alias_export(kSortType, 0, "zz"))}),
                 "has no export named \"zz\"");
  expect_invalid(with_scaffold({one(kInstance, instantiate(0, {arg("x", kSortCoreFunc, 0)}))}), "components can only pass core modules");
  expect_invalid(with_scaffold({one(kCoreInstance, core_instantiate(0, {core_arg("a", 0), core_arg("a", 0)}))}),
                 "duplicate instantiation argument \"a\"");
}

TEST(Validate, ImportsExportsAndStart) {
  expect_invalid(component({section(kImport, vec({import("a", ed_type_sub_resource()), import("a", ed_type_sub_resource())}))}),
                 "duplicate import name \"a\"");
  expect_invalid(with_scaffold({section(kExport, vec({export_("a", kSortFunc, 0), export_("a", kSortFunc, 0)}))}),
                 "duplicate export name \"a\"");
  expect_invalid(with_scaffold({one(kExport, export_("x", kSortCoreFunc, 0))}), "components can only pass core modules");
  expect_invalid(with_scaffold({one(kExport, export_typed("x", kSortFunc, 0, ed_instance(1)))}), "ascribed the type of a instance");
  EXPECT_EQ(load_error(with_scaffold({one(kExport, export_typed("x", kSortFunc, 0, ed_func(0)))})), "");
  // Exports add an index: the exported func is func 1.
  EXPECT_EQ(load_error(with_scaffold({one(kExport, export_("x", kSortFunc, 0)), one(kExport, export_("y", kSortFunc, 1))})), "");
  // start: func 0 is () -> u32.
  EXPECT_EQ(load_error(with_scaffold({section(kStart, cat({leb(0), vec({}), leb(1)})), one(kExport, export_("v", kSortValue, 0))})), "");
  expect_invalid(with_scaffold({section(kStart, cat({leb(0), vec({}), leb(2)}))}), "start function returns 1 results, 2 declared");
}

TEST(Validate, HandBuiltAstsAreCheckedToo) {
  Component c;  // no offsets: errors fall back to the component's offset
  c.definitions.emplace_back(Canon{Canon::Kind::Lower, 0, 4, 0, {}});
  auto st = validate_component(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("canon lower refers to func 4"), std::string::npos) << st.error().message;
  // Deeper than the decoder would ever produce.
  auto deep = std::make_shared<Component>();
  for (int i = 0; i < 150; ++i) {
    auto outer = std::make_shared<Component>();
    outer->definitions.emplace_back(deep);
    deep = outer;
  }
  auto st2 = validate_component(*deep);
  ASSERT_FALSE(st2.ok());
  EXPECT_NE(st2.error().message.find("nested more than 100 levels"), std::string::npos);
}

}  // namespace
}  // namespace torvyn::component

// Every section and every type form decodes into the expected AST.
#include "test_util.h"

namespace torvyn::component {
namespace {

using namespace testenc;

TEST(Decode, EmptyComponent) {
  auto d = decode_ok(component({}));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->component.definitions.empty());
  EXPECT_EQ(d->component.offset, 0u);
}

TEST(Decode, SniffBinaryKind) {
  EXPECT_EQ(sniff_binary_kind(component({})), BinaryKind::Component);
  EXPECT_EQ(sniff_binary_kind(core_module_bytes()), BinaryKind::CoreModule);
  EXPECT_EQ(sniff_binary_kind(Bytes{1, 2, 3}), BinaryKind::Unknown);
}

TEST(Decode, CustomSection) {
  auto d = decode_ok(component({section(kCustom, cat({str("producers"), {1, 2, 3}}))}));
  ASSERT_TRUE(d);
  const auto& cs = def<CustomSection>(d->component, 0);
  EXPECT_EQ(cs.name, "producers");
  ASSERT_EQ(cs.data.size(), 3u);
  EXPECT_EQ(cs.data[2], 3);
  // The span points into the decoded component's own buffer.
  EXPECT_EQ(cs.data.data(), d->bytes.data() + d->bytes.size() - 3);
}

TEST(Decode, CoreModuleKeepsBytesAndOffset) {
  Bytes module = cat({core_module_bytes(), section(0, str("x"))});
  auto d = decode_ok(component({section(kCustom, str("a")), section(kCoreModule, module)}));
  ASSERT_TRUE(d);
  const auto& m = def<CoreModule>(d->component, 1);
  EXPECT_EQ(m.offset, 8u + 4u + 2u);  // after the custom section and this section's header
  ASSERT_EQ(m.bytes.size(), module.size());
  EXPECT_TRUE(std::equal(module.begin(), module.end(), m.bytes.begin()));
  EXPECT_EQ(d->component.offsets, (std::vector<uint64_t>{10, 14}));
}

TEST(Decode, CoreInstances) {
  auto d = decode_ok(component({section(
      kCoreInstance, vec({core_instantiate(0, {core_arg("env", 1), core_arg("wasi", 2)}),
                          core_exports({core_export("f", 0x00, 1), core_export("t", 0x01, 2), core_export("m", 0x02, 3),
                                        core_export("g", 0x03, 4)})}))}));
  ASSERT_TRUE(d);
  const auto& a = def<CoreInstance>(d->component, 0);
  EXPECT_EQ(a.kind, CoreInstance::Kind::Instantiate);
  EXPECT_EQ(a.module, 0u);
  ASSERT_EQ(a.args.size(), 2u);
  EXPECT_EQ(a.args[1].name, "wasi");
  EXPECT_EQ(a.args[1].instance, 2u);
  const auto& b = def<CoreInstance>(d->component, 1);
  EXPECT_EQ(b.kind, CoreInstance::Kind::FromExports);
  ASSERT_EQ(b.exports.size(), 4u);
  EXPECT_EQ(b.exports[0].sort, CoreSort::Func);
  EXPECT_EQ(b.exports[1].sort, CoreSort::Table);
  EXPECT_EQ(b.exports[2].sort, CoreSort::Memory);
  EXPECT_EQ(b.exports[3].sort, CoreSort::Global);
  EXPECT_EQ(b.exports[3].index, 4u);
}

TEST(Decode, CoreTypes) {
  Bytes ft = core_func_type({0x7f, 0x7e}, {0x7d});
  Bytes mt = cat({{0x50}, vec({
      cat({{0x01}, core_func_type({0x7f}, {})}),                          // type
      cat({{0x00}, str("env"), str("f"), {0x00, 0x00}}),                   // import func type 0
      cat({{0x00}, str("env"), str("t"), {0x01, 0x70, 0x01, 0x01, 0x02}}), // table funcref 1..2
      cat({{0x00}, str("env"), str("m"), {0x02, 0x05, 0x01, 0x80, 0x01}}), // memory64 1..128
      cat({{0x00}, str("env"), str("g"), {0x03, 0x7f, 0x01}}),             // global mut i32
      cat({{0x00}, str("env"), str("e"), {0x04, 0x00, 0x00}}),             // tag
      cat({{0x02, 0x10, 0x01, 0x01, 0x00}}),                               // alias outer 1 0 (type)
      cat({{0x03}, str("run"), {0x00, 0x01}}),                             // export func type 1
  })});
  auto d = decode_ok(component({section(kCoreType, vec({ft, mt}))}));
  ASSERT_TRUE(d);
  const auto& f = std::get<CoreFuncType>(def<std::shared_ptr<CoreType>>(d->component, 0)->def);
  EXPECT_EQ(f.params, (std::vector<uint8_t>{0x7f, 0x7e}));
  EXPECT_EQ(f.results, (std::vector<uint8_t>{0x7d}));
  const auto& m = std::get<CoreModuleType>(def<std::shared_ptr<CoreType>>(d->component, 1)->def);
  ASSERT_EQ(m.decls.size(), 8u);
  EXPECT_EQ(m.decls[0].kind, CoreModuleDecl::Kind::Type);
  EXPECT_EQ(m.decls[1].kind, CoreModuleDecl::Kind::Import);
  EXPECT_EQ(m.decls[1].module, "env");
  EXPECT_EQ(m.decls[1].desc_bytes, (std::vector<uint8_t>{0x00, 0x00}));
  EXPECT_EQ(m.decls[3].desc_bytes, (std::vector<uint8_t>{0x02, 0x05, 0x01, 0x80, 0x01}));
  EXPECT_EQ(m.decls[6].kind, CoreModuleDecl::Kind::Alias);
  EXPECT_EQ(m.decls[6].outer_count, 1u);
  EXPECT_EQ(m.decls[7].kind, CoreModuleDecl::Kind::Export);
  EXPECT_EQ(m.decls[7].name, "run");
  EXPECT_EQ(load_error(component({section(kCoreType, vec({ft, mt}))})), "");
}

TEST(Decode, NestedComponentsRecordOuterOffsets) {
  Bytes inner = component({section(kType, vec({func({}, {})}))});
  Bytes middle = component({section(kComponent, inner)});
  auto d = decode_ok(component({section(kCustom, str("pad")), section(kComponent, middle)}));
  ASSERT_TRUE(d);
  const auto& m = *def<std::shared_ptr<Component>>(d->component, 1);
  EXPECT_EQ(m.offset, 8u + 6u + 2u);
  const auto& i = *def<std::shared_ptr<Component>>(m, 0);
  EXPECT_EQ(i.offset, m.offset + 8 + 2);
  EXPECT_EQ(i.offsets.at(0), i.offset + 8 + 2 + 1);  // past the preamble, section header and count
  EXPECT_TRUE(std::holds_alternative<FuncType>(def<std::shared_ptr<Type>>(i, 0)->def));
}

TEST(Decode, Instances) {
  auto d = decode_ok(component({section(
      kInstance,
      vec({instantiate(3, {arg("a", kSortFunc, 1), arg("b", kSortCoreModule, 2), arg("c", kSortType, 4)}),
           inline_exports({inline_export("f", kSortFunc, 0), cat({ename_v("g", "1.2.3"), kSortInstance, leb(7)})})}))}));
  ASSERT_TRUE(d);
  const auto& a = def<ComponentInstance>(d->component, 0);
  EXPECT_EQ(a.kind, ComponentInstance::Kind::Instantiate);
  EXPECT_EQ(a.component, 3u);
  ASSERT_EQ(a.args.size(), 3u);
  EXPECT_EQ(a.args[1].sort, Sort::CoreModule);
  EXPECT_EQ(a.args[2].sort, Sort::Type);
  EXPECT_EQ(a.args[2].index, 4u);
  const auto& b = def<ComponentInstance>(d->component, 1);
  ASSERT_EQ(b.exports.size(), 2u);
  EXPECT_EQ(b.exports[0].name, "f");
  EXPECT_EQ(b.exports[1].name, "g");
  EXPECT_EQ(b.exports[1].version_suffix, "1.2.3");
  EXPECT_EQ(b.exports[1].sort, Sort::Instance);
}

TEST(Decode, Aliases) {
  auto d = decode_ok(component({section(
      kAlias, vec({alias_export(kSortFunc, 2, "f"), alias_core_export(kSortCoreMemory, 1, "memory"),
                   alias_outer(kSortType, 1, 5), alias_outer(kSortCoreModule, 2, 0)}))}));
  ASSERT_TRUE(d);
  const auto& a = def<Alias>(d->component, 0);
  EXPECT_EQ(a.target, Alias::Target::Export);
  EXPECT_EQ(a.sort, Sort::Func);
  EXPECT_EQ(a.instance, 2u);
  EXPECT_EQ(a.name, "f");
  const auto& b = def<Alias>(d->component, 1);
  EXPECT_EQ(b.target, Alias::Target::CoreExport);
  EXPECT_EQ(b.sort, Sort::CoreMemory);
  EXPECT_EQ(b.name, "memory");
  const auto& c = def<Alias>(d->component, 2);
  EXPECT_EQ(c.target, Alias::Target::Outer);
  EXPECT_EQ(c.outer_count, 1u);
  EXPECT_EQ(c.outer_index, 5u);
  EXPECT_EQ(def<Alias>(d->component, 3).sort, Sort::CoreModule);
}

const DefValType& dvt(const Component& c, size_t i) { return std::get<DefValType>(def<std::shared_ptr<Type>>(c, i)->def); }

TEST(Decode, EveryPrimitiveValueType) {
  const uint8_t prims[] = {kBool, kS8, kU8, kS16, kU16, kS32, kU32, kS64, kU64, kF32, kF64, kChar, kString};
  Bytes types = leb(std::size(prims));
  for (uint8_t p : prims) types.push_back(p);
  auto d = decode_ok(component({section(kType, types)}));
  ASSERT_TRUE(d);
  for (size_t i = 0; i < std::size(prims); ++i)
    EXPECT_EQ(std::get<PrimValType>(dvt(d->component, i)), static_cast<PrimValType>(i));
  EXPECT_EQ(std::get<PrimValType>(dvt(d->component, 12)), PrimValType::String);
}

TEST(Decode, EveryCompoundValueType) {
  auto d = decode_ok(component({section(
      kType, vec({
                 record({labeled("a", {kU32}), labeled("b", {kString})}),    // 0
                 variant({vcase("none"), vcase("some", idx(0))}),              // 1
                 list({kU8}),                                                  // 2
                 tuple({{kU32}, idx(2)}),                                      // 3
                 flags({str("read"), str("write")}),                           // 4
                 enum_({str("ready"), str("pause")}),                          // 5
                 option(idx(1)),                                               // 6
                 result({kU32}, {kString}),                                    // 7
                 result({}, {}),                                               // 8
                 result({}, idx(5)),                                           // 9
                 resource(),                                                   // 10
                 own(10),                                                      // 11
                 borrow(10),                                                   // 12
             }))}));
  ASSERT_TRUE(d);
  const Component& c = d->component;
  const auto& rec = std::get<RecordType>(dvt(c, 0));
  ASSERT_EQ(rec.fields.size(), 2u);
  EXPECT_EQ(rec.fields[1].label, "b");
  EXPECT_EQ(rec.fields[1].type.prim, PrimValType::String);
  const auto& var = std::get<VariantType>(dvt(c, 1));
  ASSERT_EQ(var.cases.size(), 2u);
  EXPECT_FALSE(var.cases[0].type.has_value());
  ASSERT_TRUE(var.cases[1].type.has_value());
  EXPECT_FALSE(var.cases[1].type->is_primitive);
  EXPECT_EQ(var.cases[1].type->type_index, 0u);
  EXPECT_EQ(std::get<ListType>(dvt(c, 2)).element.prim, PrimValType::U8);
  EXPECT_EQ(std::get<TupleType>(dvt(c, 3)).elements.size(), 2u);
  EXPECT_EQ(std::get<FlagsType>(dvt(c, 4)).labels, (std::vector<std::string>{"read", "write"}));
  EXPECT_EQ(std::get<EnumType>(dvt(c, 5)).labels.at(1), "pause");
  EXPECT_EQ(std::get<OptionType>(dvt(c, 6)).type.type_index, 1u);
  const auto& r7 = std::get<ResultType>(dvt(c, 7));
  EXPECT_TRUE(r7.ok && r7.err);
  const auto& r8 = std::get<ResultType>(dvt(c, 8));
  EXPECT_FALSE(r8.ok || r8.err);
  const auto& r9 = std::get<ResultType>(dvt(c, 9));
  EXPECT_TRUE(!r9.ok && r9.err);
  EXPECT_FALSE(std::get<ResourceType>(def<std::shared_ptr<Type>>(c, 10)->def).dtor_core_func);
  EXPECT_EQ(std::get<OwnType>(dvt(c, 11)).resource_type, 10u);
  EXPECT_EQ(std::get<BorrowType>(dvt(c, 12)).resource_type, 10u);
  EXPECT_EQ(load_error(component({section(
                kType, vec({record({labeled("a", {kU32}), labeled("b", {kString})}),
                            variant({vcase("none"), vcase("some", idx(0))}), list({kU8}), tuple({{kU32}, idx(2)}),
                            flags({str("read"), str("write")}), enum_({str("ready"), str("pause")}), option(idx(1)),
                            result({kU32}, {kString}), result({}, {}), result({}, idx(5)), resource(), own(10),
                            borrow(10)}))})),
            "");
}

// Type indices are s33: 64..127 need two bytes (one byte would read as a negative opcode).
TEST(Decode, TypeIndexIsSignedLeb) {
  EXPECT_EQ(idx(64), (Bytes{0xc0, 0x00}));
  Bytes types = leb(66);
  for (int i = 0; i < 65; ++i) types.push_back(kU8);
  types = cat({types, list(idx(64))});
  auto d = decode_ok(component({section(kType, types)}));
  ASSERT_TRUE(d);
  EXPECT_EQ(std::get<ListType>(dvt(d->component, 65)).element.type_index, 64u);
}

TEST(Decode, FuncTypesAllResultForms) {
  auto d = decode_ok(component({section(
      kType, vec({func({labeled("x", {kU32}), labeled("y", {kString})}, {kU64}),  // one result
                  func({}, {}),                                                   // 0x01 0x00: none
                  func_named({}, {labeled("a", {kU32}), labeled("b", {kBool})})}))}));  // older named form
  ASSERT_TRUE(d);
  const auto& f0 = std::get<FuncType>(def<std::shared_ptr<Type>>(d->component, 0)->def);
  ASSERT_EQ(f0.params.size(), 2u);
  EXPECT_EQ(f0.params[1].label, "y");
  ASSERT_TRUE(f0.result);
  EXPECT_EQ(f0.result->prim, PrimValType::U64);
  const auto& f1 = std::get<FuncType>(def<std::shared_ptr<Type>>(d->component, 1)->def);
  EXPECT_FALSE(f1.result);
  EXPECT_TRUE(f1.named_results.empty());
  const auto& f2 = std::get<FuncType>(def<std::shared_ptr<Type>>(d->component, 2)->def);
  ASSERT_EQ(f2.named_results.size(), 2u);
  EXPECT_EQ(f2.named_results[1].label, "b");
}

TEST(Decode, ComponentAndInstanceTypes) {
  Bytes inst = instance_type({
      decl_export("buffer", ed_type_sub_resource()),                      // type 0
      decl_type(borrow(0)),                                               // type 1
      decl_type(func({labeled("self", idx(1))}, {kU64})),                 // type 2
      decl_export("[method]buffer.size", ed_func(2)),
      decl_core_type(core_func_type({0x7f}, {})),
      decl_alias(alias_outer(kSortType, 1, 0)),                           // type 3
  });
  Bytes comp = component_type({
      decl_import("env", ed_instance(0)),                                 // instance 0 (type 0 outer)
      decl_alias(alias_outer(kSortType, 1, 1)),                           // type 0: the instance type
      decl_import("dep", ed_instance(0)),
      decl_alias(alias_export(kSortType, 1, "buffer")),                   // type 1
      decl_type(own(1)),
      decl_import("cfg", ed_type_eq(2)),
      decl_export("run", ed_func(0)),
  });
  auto d = decode_ok(component({section(kType, vec({{kU32}, inst, comp}))}));
  ASSERT_TRUE(d);
  const auto& it = std::get<InstanceType>(def<std::shared_ptr<Type>>(d->component, 1)->def);
  ASSERT_EQ(it.decls.size(), 6u);
  EXPECT_EQ(it.decls[0].kind, ComponentDecl::Kind::Export);
  EXPECT_EQ(it.decls[0].desc.kind, ExternDesc::Kind::Type);
  EXPECT_EQ(it.decls[0].desc.bound.kind, TypeBoundKind::SubResource);
  EXPECT_EQ(it.decls[3].name, "[method]buffer.size");
  EXPECT_EQ(it.decls[4].kind, ComponentDecl::Kind::CoreType);
  EXPECT_EQ(it.decls[5].alias.target, Alias::Target::Outer);
  const auto& ct = std::get<ComponentType>(def<std::shared_ptr<Type>>(d->component, 2)->def);
  ASSERT_EQ(ct.decls.size(), 7u);
  EXPECT_EQ(ct.decls[0].kind, ComponentDecl::Kind::Import);
  EXPECT_EQ(ct.decls[0].desc.kind, ExternDesc::Kind::Instance);
  EXPECT_EQ(ct.decls[5].desc.bound.kind, TypeBoundKind::Eq);
  EXPECT_EQ(ct.decls[5].desc.bound.type_index, 2u);
  EXPECT_EQ(ct.decls[6].kind, ComponentDecl::Kind::Export);
}

TEST(Decode, ResourceWithDestructor) {
  auto d = decode_ok(component({section(kType, vec({resource(true, 9)}))}));
  ASSERT_TRUE(d);
  EXPECT_EQ(std::get<ResourceType>(def<std::shared_ptr<Type>>(d->component, 0)->def).dtor_core_func, 9u);
}

TEST(Decode, Canons) {
  auto d = decode_ok(component({section(
      kCanon, vec({lift(1, {kUtf16, opt_memory(0), opt_realloc(2), opt_post_return(3)}, 4), lower(5, {kLatin1Utf16}),
                   lower(6, {}), resource_new(7), resource_drop(8), resource_rep(9)}))}));
  ASSERT_TRUE(d);
  const auto& l = def<Canon>(d->component, 0);
  EXPECT_EQ(l.kind, Canon::Kind::Lift);
  EXPECT_EQ(l.core_func, 1u);
  EXPECT_EQ(l.type_index, 4u);
  EXPECT_EQ(l.options.encoding, CanonOptions::Encoding::Utf16);
  EXPECT_EQ(l.options.memory, 0u);
  EXPECT_EQ(l.options.realloc, 2u);
  EXPECT_EQ(l.options.post_return, 3u);
  const auto& lo = def<Canon>(d->component, 1);
  EXPECT_EQ(lo.kind, Canon::Kind::Lower);
  EXPECT_EQ(lo.func, 5u);
  EXPECT_EQ(lo.options.encoding, CanonOptions::Encoding::Latin1Utf16);
  EXPECT_EQ(def<Canon>(d->component, 2).options.encoding, CanonOptions::Encoding::Utf8);
  EXPECT_FALSE(def<Canon>(d->component, 2).options.memory);
  EXPECT_EQ(def<Canon>(d->component, 3).kind, Canon::Kind::ResourceNew);
  EXPECT_EQ(def<Canon>(d->component, 4).kind, Canon::Kind::ResourceDrop);
  EXPECT_EQ(def<Canon>(d->component, 5).kind, Canon::Kind::ResourceRep);
  EXPECT_EQ(def<Canon>(d->component, 5).type_index, 9u);
}

TEST(Decode, Start) {
  auto d = decode_ok(component({section(kStart, cat({leb(2), vec({leb(0), leb(1)}), leb(1)}))}));
  ASSERT_TRUE(d);
  const auto& s = def<Start>(d->component, 0);
  EXPECT_EQ(s.func, 2u);
  EXPECT_EQ(s.args, (std::vector<Index>{0, 1}));
  EXPECT_EQ(s.results, 1u);
}

TEST(Decode, ImportsOfEveryKind) {
  auto d = decode_ok(component({section(
      kImport, vec({import("m", ed_core_module(0)), import("f", ed_func(1)), import("t", ed_type_eq(2)),
                    import("r", ed_type_sub_resource()), import("c", ed_component(3)), import("i", ed_instance(4)),
                    cat({ename_v("wasi:io/streams@0.2", ".3"), ed_instance(5)})}))}));
  ASSERT_TRUE(d);
  const Component& c = d->component;
  EXPECT_EQ(def<Import>(c, 0).desc.kind, ExternDesc::Kind::CoreModule);
  EXPECT_EQ(def<Import>(c, 1).desc.kind, ExternDesc::Kind::Func);
  EXPECT_EQ(def<Import>(c, 1).desc.type_index, 1u);
  EXPECT_EQ(def<Import>(c, 2).desc.kind, ExternDesc::Kind::Type);
  EXPECT_EQ(def<Import>(c, 3).desc.bound.kind, TypeBoundKind::SubResource);
  EXPECT_EQ(def<Import>(c, 4).desc.kind, ExternDesc::Kind::Component);
  EXPECT_EQ(def<Import>(c, 5).desc.kind, ExternDesc::Kind::Instance);
  EXPECT_EQ(def<Import>(c, 5).name, "i");
  EXPECT_EQ(def<Import>(c, 6).name, "wasi:io/streams@0.2");
  EXPECT_EQ(def<Import>(c, 6).version_suffix, ".3");
}

TEST(Decode, ExportsWithAndWithoutType) {
  auto d = decode_ok(component({section(
      kExport, vec({export_("a", kSortFunc, 1), export_typed("b", kSortInstance, 2, ed_instance(3)),
                    export_("m", kSortCoreModule, 0), cat({ename_v("x:y/z@1.0", "-rc"), kSortComponent, leb(0), {0x00}})}))}));
  ASSERT_TRUE(d);
  const Component& c = d->component;
  EXPECT_EQ(def<Export>(c, 0).sort, Sort::Func);
  EXPECT_FALSE(def<Export>(c, 0).desc);
  EXPECT_EQ(def<Export>(c, 1).sort, Sort::Instance);
  ASSERT_TRUE(def<Export>(c, 1).desc);
  EXPECT_EQ(def<Export>(c, 1).desc->type_index, 3u);
  EXPECT_EQ(def<Export>(c, 2).sort, Sort::CoreModule);
  EXPECT_EQ(def<Export>(c, 3).version_suffix, "-rc");
}

TEST(Decode, SectionsRepeatAndInterleaveInOrder) {
  auto d = decode_ok(component({section(kType, vec({{kU32}})), section(kImport, vec({import("a", ed_type_eq(0))})),
                                section(kType, vec({list(idx(1))})), section(kCustom, str("z")),
                                section(kImport, vec({import("b", ed_type_eq(2))}))}));
  ASSERT_TRUE(d);
  const Component& c = d->component;
  ASSERT_EQ(c.definitions.size(), 5u);
  EXPECT_TRUE(std::holds_alternative<std::shared_ptr<Type>>(c.definitions[0]));
  EXPECT_TRUE(std::holds_alternative<Import>(c.definitions[1]));
  EXPECT_TRUE(std::holds_alternative<std::shared_ptr<Type>>(c.definitions[2]));
  EXPECT_TRUE(std::holds_alternative<CustomSection>(c.definitions[3]));
  EXPECT_EQ(def<Import>(c, 4).name, "b");
  ASSERT_EQ(c.offsets.size(), 5u);
  for (size_t i = 1; i < c.offsets.size(); ++i) EXPECT_LT(c.offsets[i - 1], c.offsets[i]);
}

// LEB128 need not be minimal as long as it fits in ceil(N/7) bytes (linkers pad section sizes).
TEST(Decode, PaddedLebAccepted) {
  Bytes body = vec({{kU32}});
  Bytes padded = cat({{kType, static_cast<uint8_t>(0x80 | body.size()), 0x80, 0x80, 0x80, 0x00}, body});
  auto d = decode_ok(cat({preamble(), padded}));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->component.definitions.size(), 1u);
}

}  // namespace
}  // namespace torvyn::component

// Resolution: names, scopes, packages and deps, resources, worlds and includes; and every kind of
// semantic error with its code, message, location and help.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "wit_test_util.h"

namespace torvyn::wit {
namespace {

using testing::first_error;
using testing::resolve_ok;
using testing::resolve_text;

struct SemanticCase {
  const char* name;
  std::string text;
  ErrorCode code;
  uint32_t line, column;
  std::string message;
  std::string help_contains;  // "" = no check
};

void PrintTo(const SemanticCase& c, std::ostream* os) { *os << c.name; }

class SemanticErrors : public ::testing::TestWithParam<SemanticCase> {};

TEST_P(SemanticErrors, Reported) {
  const SemanticCase& c = GetParam();
  ResolveResult r = resolve_text(c.text);
  ASSERT_FALSE(r.ok()) << c.text;
  ASSERT_FALSE(r.diagnostics.empty());
  const Diagnostic& d = r.diagnostics[0];
  EXPECT_EQ(d.code, c.code) << r.render();
  EXPECT_EQ(d.message, c.message) << r.render();
  EXPECT_EQ(d.location.line, c.line) << r.render();
  EXPECT_EQ(d.location.column, c.column) << r.render();
  if (!c.help_contains.empty()) {
    EXPECT_NE(d.help.find(c.help_contains), std::string::npos) << r.render();
  }
  EXPECT_EQ(r.sources.count("test.wit"), 1u);
}

const char* kTypes = "package a:b;\ninterface types {\n  record r { x: u32 }\n  resource res;\n  f: func();\n}\n";

INSTANTIATE_TEST_SUITE_P(
    Wit, SemanticErrors,
    ::testing::Values(
        SemanticCase{"UnresolvedUsedType", std::string(kTypes) + "interface user {\n  use types.{rr};\n}\n",
                     ErrorCode::WitUnresolvedName, 8, 14, "`a:b/types` has no type `rr`", "did you mean `r`?"},
        SemanticCase{"UnresolvedUsedInterface", std::string(kTypes) + "interface user {\n  use typez.{r};\n}\n",
                     ErrorCode::WitUnresolvedName, 8, 7, "interface `typez` is not defined in package `a:b`",
                     "did you mean `types`?"},
        SemanticCase{"UseOfAFunction", std::string(kTypes) + "interface user {\n  use types.{f};\n}\n",
                     ErrorCode::WitInvalidType, 8, 14, "`f` is a function of `a:b/types`; `use` brings in types only", ""},
        SemanticCase{"TypeNotInScope", std::string(kTypes) + "interface user {\n  g: func(x: r);\n}\n",
                     ErrorCode::WitUnresolvedName, 8, 14, "type `r` is not defined in interface `user`",
                     "bring it into scope with `use types.{r};`"},
        SemanticCase{"TypeTypo", "package a:b;\ninterface i {\n  record point { x: u32 }\n  f: func(p: pont);\n}\n",
                     ErrorCode::WitUnresolvedName, 4, 14, "type `pont` is not defined in interface `i`",
                     "did you mean `point`?"},
        SemanticCase{"CaseMismatchedReference", "package a:b;\ninterface i {\n  record abc { x: u32 }\n  f: func(p: ABC);\n}\n",
                     ErrorCode::WitUnresolvedName, 4, 14, "type `ABC` is not defined in interface `i`", "write `abc`"},
        SemanticCase{"DuplicateType", "package a:b;\ninterface i {\n  record r { x: u32 }\n  enum r { a }\n}\n",
                     ErrorCode::WitDuplicateDefinition, 4, 8, "type `r` is defined twice in interface `i`", ""},
        SemanticCase{"DuplicateFunctionCaseInsensitive", "package a:b;\ninterface i {\n  f: func();\n  F: func();\n}\n",
                     ErrorCode::WitDuplicateDefinition, 4, 3, "function `F` is defined twice in interface `i`", ""},
        SemanticCase{"TypeAndFunctionShareANamespace", "package a:b;\ninterface i {\n  type x = u32;\n  x: func();\n}\n",
                     ErrorCode::WitDuplicateDefinition, 4, 3, "function `x` is defined twice in interface `i`",
                     "share one namespace"},
        SemanticCase{"DuplicateField", "package a:b;\ninterface i {\n  record r { x: u32, x: u64 }\n}\n",
                     ErrorCode::WitDuplicateDefinition, 3, 22, "field `x` is defined twice in record `r`", ""},
        SemanticCase{"DuplicateCase", "package a:b;\ninterface i {\n  variant v { a, b(u32), a }\n}\n",
                     ErrorCode::WitDuplicateDefinition, 3, 26, "case `a` is defined twice in variant `v`", ""},
        SemanticCase{"DuplicateParameter", "package a:b;\ninterface i {\n  f: func(a: u32, a: u32);\n}\n",
                     ErrorCode::WitDuplicateDefinition, 3, 19, "parameter `a` is defined twice in the parameters of `f`", ""},
        SemanticCase{"DuplicateInterface", "package a:b;\ninterface i {}\nworld i {}\n", ErrorCode::WitDuplicateDefinition,
                     3, 7, "world `i` is defined twice in package `a:b`", ""},
        SemanticCase{"DuplicateMethod", "package a:b;\ninterface i {\n  resource r {\n    m: func();\n    m: static func();\n  }\n}\n",
                     ErrorCode::WitDuplicateDefinition, 5, 5, "function `m` is defined twice in resource `r`", ""},
        SemanticCase{"SelfParameterOnMethod", "package a:b;\ninterface i {\n  resource r {\n    m: func(self: u32);\n  }\n}\n",
                     ErrorCode::WitDuplicateDefinition, 4, 13, "method `m` already has an implicit `self` parameter",
                     "borrow<r>"},
        SemanticCase{"UseCycle",
                     "package a:b;\ninterface a {\n  use b.{x};\n  type y = u32;\n}\ninterface b {\n  use a.{y};\n  type x = u32;\n}\n",
                     ErrorCode::WitCycle, 7, 7, "interfaces `use` each other in a cycle: `a` -> `b` -> `a`",
                     "interface of their own"},
        SemanticCase{"UseOfItself", "package a:b;\ninterface a {\n  use a.{y};\n  type y = u32;\n}\n", ErrorCode::WitCycle, 3, 7,
                     "interface `a` uses itself", ""},
        SemanticCase{"RecursiveType", "package a:b;\ninterface i {\n  type foo = foo;\n}\n", ErrorCode::WitCycle, 3, 14,
                     "type `foo` refers to itself", "cannot be recursive"},
        SemanticCase{"MutuallyRecursiveRecords",
                     "package a:b;\ninterface i {\n  record a { x: list<b> }\n  record b { y: option<a> }\n}\n",
                     ErrorCode::WitCycle, 4, 24, "types refer to each other in a cycle: `a` -> `b` -> `a`", ""},
        SemanticCase{"MissingDepsPackage", "package a:b;\ninterface i {\n  use wasi:io/poll@0.2.0.{pollable};\n}\n",
                     ErrorCode::WitPackageNotFound, 3, 7, "package `wasi:io@0.2.0` not found", "deps/"},
        SemanticCase{"BorrowOfRecord", std::string(kTypes) + "interface user {\n  use types.{r};\n  g: func(x: borrow<r>);\n}\n",
                     ErrorCode::WitInvalidType, 9, 21, "`r` is a record, not a resource", "takes a resource"},
        SemanticCase{"OwnOfPrimitiveAlias", "package a:b;\ninterface i {\n  type t = u32;\n  f: func(x: own<t>);\n}\n",
                     ErrorCode::WitInvalidType, 4, 18, "`t` is a type alias, not a resource", ""},
        SemanticCase{"BorrowInResult", "package a:b;\ninterface i {\n  resource res;\n  f: func() -> borrow<res>;\n}\n",
                     ErrorCode::WitInvalidType, 4, 16, "the result of `f` contains a borrow handle", "owned handle"},
        SemanticCase{"BorrowInResultThroughRecord",
                     "package a:b;\ninterface i {\n  resource res;\n  record rec { h: borrow<res> }\n  f: func() -> option<rec>;\n}\n",
                     ErrorCode::WitInvalidType, 5, 16, "the result of `f` contains a borrow handle", ""},
        SemanticCase{"EmptyRecord", "package a:b;\ninterface i {\n  record r {}\n}\n", ErrorCode::WitInvalidType, 3, 10,
                     "record `r` has no fields", "at least one field"},
        SemanticCase{"EmptyVariant", "package a:b;\ninterface i {\n  variant v {}\n}\n", ErrorCode::WitInvalidType, 3, 11,
                     "variant `v` has no cases", ""},
        SemanticCase{"EmptyFlags", "package a:b;\ninterface i {\n  flags f {}\n}\n", ErrorCode::WitInvalidType, 3, 9,
                     "flags `f` has no flags", "at least one flag"},
        SemanticCase{"EmptyTuple", "package a:b;\ninterface i {\n  type t = tuple<>;\n}\n", ErrorCode::WitInvalidType, 3, 12,
                     "a tuple needs at least one type", ""},
        SemanticCase{"TooManyFlags",
                     [] {
                       std::string s = "package a:b;\ninterface i {\n  flags f {";
                       for (int k = 0; k < 33; ++k) s += " flag" + std::to_string(k) + ",";
                       return s + " }\n}\n";
                     }(),
                     ErrorCode::WitInvalidType, 3, 9, "flags `f` has 33 flags; at most 32 are allowed", "split"},
        SemanticCase{"FloatMapKey", "package a:b;\ninterface i {\n  type m = map<f32, u8>;\n}\n", ErrorCode::WitInvalidType, 3,
                     16, "this type cannot be a map key", "`string`"},
        SemanticCase{"ConstructorReturnsSomethingElse",
                     "package a:b;\ninterface i {\n  resource r {\n    constructor() -> u32;\n  }\n}\n", ErrorCode::WitInvalidType,
                     4, 22, "a constructor of `r` must return `r` or `result<r, error>`", "result<r, e>"},
        SemanticCase{"TwoConstructors",
                     "package a:b;\ninterface i {\n  resource r {\n    constructor();\n    constructor(x: u32);\n  }\n}\n",
                     ErrorCode::WitDuplicateDefinition, 5, 5, "resource `r` has two constructors", "static"},
        SemanticCase{"FunctionUsedAsType", "package a:b;\ninterface i {\n  f: func();\n  type t = f;\n}\n",
                     ErrorCode::WitInvalidType, 4, 12, "`f` is a function, not a type", ""},
        SemanticCase{"WorldUsedAsInterface", "package a:b;\nworld w1 {}\nworld w2 {\n  import w1;\n}\n",
                     ErrorCode::WitUnresolvedName, 4, 10, "`w1` is a world, not an interface", "include"},
        SemanticCase{"IncludeMissingWorld", "package a:b;\nworld w {\n  include other;\n}\n", ErrorCode::WitUnresolvedName, 3,
                     11, "world `other` is not defined in package `a:b`", ""},
        SemanticCase{"IncludeCycle", "package a:b;\nworld w1 {\n  include w2;\n}\nworld w2 {\n  include w1;\n}\n",
                     ErrorCode::WitCycle, 6, 11, "worlds include each other in a cycle: `w1` -> `w2` -> `w1`", ""},
        SemanticCase{"IncludeItself", "package a:b;\nworld w1 {\n  include w1;\n}\n", ErrorCode::WitCycle, 3, 11,
                     "world `w1` includes itself", ""},
        SemanticCase{"IncludeConflict",
                     "package a:b;\nworld one { import a: func(); }\nworld two { import a: func(); }\nworld u {\n  include one;\n  include two;\n}\n",
                     ErrorCode::WitInvalidWorld, 6, 11,
                     "`include two` brings import `a`, which world `u` already has", "include two with { a as other-name }"},
        SemanticCase{"WithRenamesAnInterfaceName",
                     "package a:b;\ninterface a {}\nworld one { import a; }\nworld u {\n  include one with { a as b }\n}\n",
                     ErrorCode::WitInvalidWorld, 5, 22, "`with` cannot rename `a`: it is an interface name, not a plain name",
                     "de-duplicated"},
        SemanticCase{"WithUnknownName", "package a:b;\nworld one { import x: func(); }\nworld u {\n  include one with { y as z }\n}\n",
                     ErrorCode::WitInvalidWorld, 4, 22, "world `one` has no import or export named `y`", ""},
        SemanticCase{"ExportNeedsItsUses",
                     "package a:b;\ninterface t { type x = u32; }\ninterface e {\n  use t.{x};\n  f: func() -> x;\n}\nworld w {\n  export e;\n}\n",
                     ErrorCode::WitInvalidWorld, 8, 10, "exported interface `e` uses `a:b/t`, which world `w` neither imports nor exports",
                     "add `import t;`"},
        SemanticCase{"DuplicateImportName", "package a:b;\nworld w {\n  import f: func();\n  import f: func(x: u32);\n}\n",
                     ErrorCode::WitDuplicateDefinition, 4, 10, "import `f` is defined twice in world `w`", ""},
        SemanticCase{"InterfaceImportedTwice", "package a:b;\ninterface i {}\nworld w {\n  import i;\n  import i;\n}\n",
                     ErrorCode::WitDuplicateDefinition, 5, 10, "interface `a:b/i` is imported twice by world `w`", ""},
        SemanticCase{"SinceAndUnstable",
                     "package a:b@1.0.0;\ninterface i {\n  @since(version = 1.0.0)\n  @unstable(feature = x)\n  f: func();\n}\n",
                     ErrorCode::WitInvalidGate, 3, 3, "`@since` and `@unstable` cannot gate the same item", ""},
        SemanticCase{"DeprecatedWithoutSince", "package a:b@1.0.0;\ninterface i {\n  @deprecated(version = 1.0.0)\n  f: func();\n}\n",
                     ErrorCode::WitInvalidGate, 3, 3, "`@deprecated` needs a `@since` on the same item", ""},
        SemanticCase{"GateInUnversionedPackage", "package a:b;\n@since(version = 1.0.0)\ninterface i {}\n", ErrorCode::WitInvalidGate,
                     2, 1, "feature gates need a versioned package", "package a:b@0.1.0;"},
        SemanticCase{"NoPackageDeclaration", "// no package\ninterface i {}\n", ErrorCode::WitPackageName, 2, 1,
                     "no `package` declaration for `test.wit`", "package torvyn:example@0.1.0;"},
        SemanticCase{"TopLevelUseClashesWithInterface", "package a:b;\nuse c:d/i@1.0.0 as i;\ninterface i {}\n",
                     ErrorCode::WitPackageNotFound, 2, 5, "package `c:d@1.0.0` not found", ""}),
    [](const ::testing::TestParamInfo<SemanticCase>& info) { return std::string(info.param.name); });

TEST(Resolve, ResourcesWithConstructorsStaticsAndMethods) {
  auto r = resolve_ok(R"(package local:demo;
interface blobs {
  resource blob {
    constructor(init: list<u8>);
    write: func(bytes: list<u8>);
    read: func(n: u32) -> list<u8>;
    merge: static func(lhs: borrow<blob>, rhs: borrow<blob>) -> blob;
  }
  resource blob2 {
    constructor(init: list<u8>) -> result<blob2, string>;
  }
  resource plain;
  take: func(b: blob, p: own<plain>) -> plain;
}
)");
  ASSERT_TRUE(r);
  const Interface* i = r->root->interface("blobs");
  ASSERT_NE(i, nullptr);
  const TypeDef* blob = i->type("blob");
  ASSERT_EQ(blob->kind, TypeDefKind::Resource);
  auto fns = i->resource_functions(blob);
  ASSERT_EQ(fns.size(), 4u);
  EXPECT_EQ(fns[0]->component_name(), "[constructor]blob");
  EXPECT_EQ(fns[1]->component_name(), "[method]blob.write");
  EXPECT_EQ(fns[2]->component_name(), "[method]blob.read");
  EXPECT_EQ(fns[3]->component_name(), "[static]blob.merge");
  // Constructor: implicit own result. Method: implicit self borrow. Static: no self.
  EXPECT_EQ(print_type(*fns[0]->result), "blob");
  EXPECT_EQ(fns[0]->result->def->handle, HandleKind::Own);
  ASSERT_EQ(fns[1]->params.size(), 2u);
  EXPECT_EQ(fns[1]->params[0].name, "self");
  EXPECT_EQ(fns[1]->params[0].type.def->handle, HandleKind::Borrow);
  EXPECT_EQ(handle_resource(fns[1]->params[0].type.def), blob);
  EXPECT_EQ(fns[3]->params.size(), 2u);
  EXPECT_EQ(fns[3]->params[0].name, "lhs");
  // A fallible constructor keeps its written result.
  const Function* c2 = i->function("[constructor]blob2");
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(print_type(*c2->result), "result<blob2, string>");
  EXPECT_EQ(print_function(*c2), "constructor(init: list<u8>) -> result<blob2, string>");
  // Named resources in type position are owned handles; own<..> is the same thing spelled out.
  const Function* take = i->function("take");
  EXPECT_EQ(take->params[0].type.def->kind, TypeDefKind::Handle);
  EXPECT_EQ(take->params[0].type.def->handle, HandleKind::Own);
  EXPECT_EQ(print_type(take->params[1].type), "plain");
  EXPECT_TRUE(i->resource_functions(i->type("plain")).empty());
  // Functions: resource functions follow their resource, in source order.
  std::vector<std::string> order;
  for (const Function* f : i->functions) order.push_back(f->component_name());
  EXPECT_EQ(order, (std::vector<std::string>{"[constructor]blob", "[method]blob.write", "[method]blob.read",
                                             "[static]blob.merge", "[constructor]blob2", "take"}));
}

TEST(Resolve, ForwardReferencesAndAliases) {
  auto r = resolve_ok(R"(package a:b;
interface i {
  type foo = bar;
  record bar { age: u32 }
  type n = u64;
  f: func(x: foo) -> n;
}
interface j {
  use i.{foo as renamed, bar};
  g: func(x: renamed) -> bar;
}
)");
  ASSERT_TRUE(r);
  const Interface* i = r->root->interface("i");
  const Interface* j = r->root->interface("j");
  EXPECT_EQ(dealias(i->type("foo")), i->type("bar"));
  EXPECT_EQ(dealias(*i->function("f")->result).kind, TypeKind::U64);
  const TypeDef* renamed = j->type("renamed");
  ASSERT_NE(renamed, nullptr);
  EXPECT_TRUE(renamed->from_use);
  EXPECT_EQ(renamed->target->def, i->type("foo"));
  EXPECT_EQ(dealias(renamed), i->type("bar"));
  EXPECT_EQ(print_function(*j->function("g")), "g: func(x: renamed) -> bar");
  // Interfaces are ordered in the package as written, even though j is resolved after i anyway.
  EXPECT_EQ(r->root->interfaces[0], i);
}

TEST(Resolve, WorldIncludesDeduplicateAndRename) {
  auto r = resolve_ok(R"(package local:demo;
interface a { f: func(); }
interface b { g: func(); }
interface c { h: func(); }
world my-world-a {
  import a;
  import b;
  export c;
  import log: func(msg: string);
}
world my-world-b {
  import a;
  import log: func(msg: string);
}
world union-world {
  include my-world-a;
  include my-world-b with { log as log2 }
  export run: func();
}
)");
  ASSERT_TRUE(r);
  const World* u = r->root->world("union-world");
  ASSERT_NE(u, nullptr);
  std::vector<std::string> imports, exports;
  for (const auto& i : u->imports) imports.push_back(i.name);
  for (const auto& e : u->exports) exports.push_back(e.name);
  EXPECT_EQ(imports, (std::vector<std::string>{"local:demo/a", "local:demo/b", "log", "log2"}));
  EXPECT_EQ(exports, (std::vector<std::string>{"local:demo/c", "run"}));
  ASSERT_EQ(u->includes.size(), 2u);
  EXPECT_EQ(u->includes[1].world, r->root->world("my-world-b"));
  EXPECT_EQ(u->includes[1].with, (std::vector<std::pair<std::string, std::string>>{{"log", "log2"}}));
  EXPECT_EQ(u->find_import("log2")->function->name, "log");
  // A world can import and export the same interface.
  EXPECT_TRUE(resolve_ok("package a:b;\ninterface p { f: func(); }\nworld layer { import p; export p; }\n"));
}

TEST(Resolve, WorldItemsOfEveryForm) {
  auto r = resolve_ok(R"(package local:demo;
interface shared {
  record metadata { name: string }
}
interface store { get: func(key: string) -> option<string>; }
world w {
  import host: interface {
    use shared.{metadata};
    get: func() -> metadata;
  }
  use shared.{metadata};
  record local-rec { m: metadata }
  import one: store;
  import two: store;
  @external-id("slugify@1.6.6")
  import slugify: func(text: string) -> string;
  export run: func(r: local-rec) -> metadata;
}
)");
  ASSERT_TRUE(r);
  const World* w = r->root->world("w");
  std::vector<std::string> imports;
  for (const auto& i : w->imports) imports.push_back(i.name + (i.implicit ? "*" : ""));
  // `shared` is used by the inline interface and the world: an implicit import placed first.
  EXPECT_EQ(imports, (std::vector<std::string>{"local:demo/shared*", "host", "metadata", "local-rec", "one", "two", "slugify"}));
  const WorldItem* host = w->find_import("host");
  ASSERT_EQ(host->kind, WorldItemKind::Interface);
  EXPECT_TRUE(host->interface->name.empty());
  EXPECT_EQ(host->interface->world, w);
  EXPECT_EQ(host->interface->uses[0], r->root->interface("shared"));
  const WorldItem* one = w->find_import("one");
  EXPECT_FALSE(one->interface_name);
  EXPECT_EQ(one->interface, r->root->interface("store"));
  EXPECT_EQ(w->find_import("slugify")->external_id, "slugify@1.6.6");
  EXPECT_EQ(w->find_import("local-rec")->type->world, w);
  EXPECT_EQ(print_function(*w->find_export("run")->function), "run: func(r: local-rec) -> metadata");
}

TEST(Resolve, NestedPackagesAreDependencies) {
  auto r = resolve_ok(R"(package local:root;

interface user {
  use local:dep/api@1.0.0.{thing};
  f: func() -> thing;
}

package local:dep@1.0.0 {
  interface api {
    record thing { x: u32 }
  }
  world w { import api; }
}
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->packages.size(), 2u);
  EXPECT_EQ(r->packages[0]->name.to_string(), "local:dep@1.0.0");
  EXPECT_EQ(r->root->name.to_string(), "local:root");
  EXPECT_EQ(r->interface("local:dep/api@1.0.0"), r->packages[0]->interfaces[0]);
  EXPECT_EQ(r->interface("local:dep/api"), r->packages[0]->interfaces[0]);
  EXPECT_EQ(r->world("local:dep/w@1.0.0")->imports.size(), 1u);
  EXPECT_EQ(r->select_world("local:dep/w@1.0.0").value()->name, "w");
}

TEST(Resolve, VersionedPackageNeedsItsVersion) {
  ResolveResult r = parse_sources(
      {{"root.wit", "package a:root;\ninterface i {\n  use dep:pkg/api.{t};\n}\n"}},
      {{{"api.wit", "package dep:pkg@0.3.1;\ninterface api { type t = u8; }\n"}}});
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u) << r.render();
  EXPECT_EQ(r.diagnostics[0].code, ErrorCode::WitPackageNotFound);
  EXPECT_EQ(r.diagnostics[0].message, "package `dep:pkg` not found");
  EXPECT_EQ(r.diagnostics[0].help, "the package is versioned: write `dep:pkg/api@0.3.1`");

  ResolveResult v = parse_sources(
      {{"root.wit", "package a:root;\ninterface i {\n  use dep:pkg/api@0.4.0.{t};\n}\n"}},
      {{{"api.wit", "package dep:pkg@0.3.1;\ninterface api { type t = u8; }\n"}}});
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.diagnostics[0].help.find("available: `dep:pkg@0.3.1`"), std::string::npos) << v.render();
}

TEST(Resolve, PackageFilesMustAgree) {
  ResolveResult r = parse_sources({{"a.wit", "package a:b@1.0.0;\ninterface x {}\n"},
                                   {"b.wit", "package a:c@1.0.0;\ninterface y {}\n"},
                                   {"c.wit", "interface z {}\n"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].code, ErrorCode::WitPackageName);
  EXPECT_EQ(r.diagnostics[0].location.file, "b.wit");
  EXPECT_EQ(r.diagnostics[0].location.line, 1u);
  EXPECT_EQ(r.diagnostics[0].location.column, 9u);
  // A file without a declaration joins its folder's package.
  ResolveResult ok = parse_sources({{"a.wit", "package a:b@1.0.0;\ninterface x {}\n"}, {"c.wit", "interface z { use x.{}; }\n"}});
  EXPECT_FALSE(ok.ok());  // `use x.{}` is a syntax error: at least one name
  ResolveResult ok2 = parse_sources({{"a.wit", "package a:b@1.0.0;\ninterface x { type t = u8; }\n"},
                                     {"c.wit", "interface z { use x.{t}; }\n"}});
  EXPECT_TRUE(ok2.ok()) << ok2.render();
  EXPECT_EQ(ok2.resolve->root->interfaces.size(), 2u);
}

TEST(Resolve, DuplicatePackagesMustBeIdentical) {
  std::string dep = "package d:e@1.0.0;\ninterface api { type t = u8; }\n";
  ResolveResult same = parse_sources({{"root.wit", "package a:b;\ninterface i { use d:e/api@1.0.0.{t}; }\n"}},
                                     {{{"one.wit", dep}}, {{"two.wit", dep}}});
  EXPECT_TRUE(same.ok()) << same.render();
  ResolveResult differ = parse_sources({{"root.wit", "package a:b;\ninterface i { use d:e/api@1.0.0.{t}; }\n"}},
                                       {{{"one.wit", dep}}, {{"two.wit", dep + "interface more {}\n"}}});
  ASSERT_FALSE(differ.ok());
  EXPECT_EQ(differ.diagnostics[0].code, ErrorCode::WitDuplicateDefinition);
  EXPECT_EQ(differ.diagnostics[0].message, "package `d:e@1.0.0` is defined twice with different contents");
}

TEST(Resolve, PackageCycle) {
  ResolveResult r = parse_sources({{"root.wit", "package a:b@1.0.0;\ninterface i { use c:d/j@1.0.0.{t}; type u = u8; }\n"}},
                                  {{{"dep.wit", "package c:d@1.0.0;\ninterface j { use a:b/i@1.0.0.{u}; type t = u8; }\n"}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].code, ErrorCode::WitCycle);
  EXPECT_NE(r.diagnostics[0].message.find("packages depend on each other in a cycle"), std::string::npos);
}

TEST(Resolve, DirectoryWithDepsFolderAndFile) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("wit-resolve-test-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir / "deps" / "folder-dep");
  auto write = [](const fs::path& p, const std::string& text) { std::ofstream(p) << text; };
  write(dir / "main.wit", "package app:main;\nworld w {\n  import dep:folder/api@1.0.0;\n  import dep:file/api;\n}\n");
  write(dir / "notes.txt", "ignored");
  write(dir / "deps" / "folder-dep" / "api.wit", "package dep:folder@1.0.0;\ninterface api { f: func(); }\n");
  write(dir / "deps" / "single.wit", "package dep:file;\ninterface api { use dep:folder/api@1.0.0.{}; }\n");
  ResolveResult bad = parse_directory(dir);
  ASSERT_FALSE(bad.ok());  // `.{}` is a syntax error...
  EXPECT_EQ(bad.diagnostics[0].location.file, (dir / "deps" / "single.wit").string());
  EXPECT_EQ(bad.diagnostics[0].location.line, 2u);
  write(dir / "deps" / "single.wit", "package dep:file;\ninterface api { g: func(); }\n");
  ResolveResult r = parse_directory(dir);
  ASSERT_TRUE(r.ok()) << r.render();
  EXPECT_EQ(r.resolve->packages.size(), 3u);
  EXPECT_EQ(r.resolve->root->name.to_string(), "app:main");
  EXPECT_EQ(r.resolve->root->world("w")->imports.size(), 2u);
  EXPECT_EQ(r.sources.size(), 3u);
  fs::remove_all(dir);

  ResolveResult missing = parse_directory(dir);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.diagnostics[0].code, ErrorCode::IoError);
}

TEST(Resolve, DiagnosticsRenderWithCarets) {
  ResolveResult r = resolve_text("package a:b;\ninterface i {\n  f: func(p: pont);\n  record point { x: u32 }\n}\n");
  ASSERT_FALSE(r.ok());
  std::string out = r.render();
  EXPECT_NE(out.find("error[E0401]: type `pont` is not defined in interface `i`"), std::string::npos) << out;
  EXPECT_NE(out.find("--> test.wit:3:14"), std::string::npos) << out;
  EXPECT_NE(out.find("3 |   f: func(p: pont);\n  |              ^^^^"), std::string::npos) << out;
  EXPECT_NE(out.find("= help: did you mean `point`?"), std::string::npos) << out;
}

TEST(Resolve, SeveralErrorsAreAllReported) {
  ResolveResult r = resolve_text(
      "package a:b;\ninterface i {\n  f: func(p: nope);\n  g: func() -> nada;\n  record r { x: u32, x: u32 }\n}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics.size(), 3u) << r.render();
}

TEST(Resolve, GatesAreKept) {
  auto r = resolve_ok(R"(package a:b@1.2.0;
@since(version = 1.0.0)
interface i {
  @since(version = 1.1.0)
  @deprecated(version = 1.2.0)
  old: func();
  @unstable(feature = shiny)
  new: func();
  @since(version = 1.0.0)
  record r { x: u32 }
}
@unstable(feature = shiny)
world w { import i; }
)");
  ASSERT_TRUE(r);
  const Interface* i = r->root->interface("i");
  EXPECT_EQ(i->gate.since->to_string(), "1.0.0");
  EXPECT_EQ(i->function("old")->gate.since->to_string(), "1.1.0");
  EXPECT_EQ(i->function("old")->gate.deprecated->to_string(), "1.2.0");
  EXPECT_EQ(*i->function("new")->gate.unstable, "shiny");
  EXPECT_EQ(i->type("r")->gate.since->to_string(), "1.0.0");
  EXPECT_EQ(*r->root->world("w")->gate.unstable, "shiny");
}

}  // namespace
}  // namespace torvyn::wit

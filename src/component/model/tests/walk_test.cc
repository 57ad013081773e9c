// The model's walk over hand-built components: which definition each index, alias, argument and
// export resolves to, and the faults it reports (each walk words them itself).
#include <gtest/gtest.h>

#include "namer.h"

namespace torvyn::component::model::test {
namespace {

InstantiateArg arg(std::string name, Sort sort, Index index) { return InstantiateArg{std::move(name), sort, index}; }

TEST(IndexModel, AnExportAliasReadsTheInstancesExport) {
  Namer n;
  auto s = n.root(comp({
      instance_type({decl_export("f", desc(ExternDesc::Kind::Func))}),  // type 0
      import_("host", desc(ExternDesc::Kind::Instance, 0)),              // instance 0
      export_alias(Sort::Func, 0, "f"),                                   // func 0
      export_("g", Sort::Func, 0),                                        // func 1
  }));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)->funcs, (std::vector<std::string>{"host.f", "host.f"}));  // an export is a new index too
  ASSERT_NE((*s)->exports->find("g"), nullptr);
  EXPECT_EQ((*s)->exports->find("g")->func, "host.f");
}

TEST(IndexModel, ANestedInstantiationBindsItsArguments) {
  Namer n;
  auto s = n.root(comp({
      nested({import_("x", desc(ExternDesc::Kind::Func)), export_("y", Sort::Func, 0)}),  // component 0
      lift(),                                                                              // func 0
      lift(),                                                                              // func 1
      instantiate(0, {arg("x", Sort::Func, 0)}),                                           // instance 0
      instantiate(0, {arg("x", Sort::Func, 1)}),                                           // instance 1
      export_alias(Sort::Func, 0, "y"),                                                    // func 2
      export_alias(Sort::Func, 1, "y"),                                                    // func 3
  }));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)->funcs, (std::vector<std::string>{"lift#0", "lift#1", "lift#0", "lift#1"}));
}

// Component 1 aliases component 0 from the root and instantiates it: component 0's outer alias
// still reads the root's type, where it was defined, not component 1's.
TEST(IndexModel, OuterAliasesResolveWhereTheComponentWasDefined) {
  Namer n;
  auto s = n.root(comp({
      value_type(),                                                            // type 0: type#0
      nested({outer_alias(Sort::Type, 1, 0), export_("t", Sort::Type, 0)}),   // component 0
      nested({
          value_type(),                           // its own type 0: type#1
          outer_alias(Sort::Component, 1, 0),     // component 0 = the root's component 0
          instantiate(0),
          export_alias(Sort::Type, 0, "t"),       // type 1
          export_("t", Sort::Type, 1),
      }),                                         // component 1
      instantiate(1),                             // instance 0
      export_alias(Sort::Type, 0, "t"),           // type 1
  }));
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ((*s)->types.size(), 2u);
  EXPECT_EQ((*s)->types[1].info, "type#0");
}

TEST(IndexModel, AnInstanceTypeSeesTheScopeItWasDefinedIn) {
  ExternDesc eq0 = desc(ExternDesc::Kind::Type);
  eq0.bound = TypeBound{TypeBoundKind::Eq, 0};
  Namer n;
  auto s = n.root(comp({
      value_type(),                                                                         // type 0: type#0
      instance_type({decl_alias(outer_alias(Sort::Type, 1, 0)), decl_export("t", eq0)}),   // type 1
      import_("i", desc(ExternDesc::Kind::Instance, 1)),                                    // instance 0
      export_alias(Sort::Type, 0, "t"),                                                     // type 2
  }));
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ((*s)->types.size(), 3u);
  EXPECT_NE((*s)->types[1].instance, nullptr);  // the model's: walked where it is imported
  EXPECT_EQ((*s)->types[1].defined_in, *s);
  EXPECT_EQ((*s)->types[2].info, "type#0");
}

TEST(IndexModel, AnExportTableKeepsDefinitionOrder) {
  Namer n;
  auto s = n.root(comp({lift(), lift(), lift(), export_("b", Sort::Func, 0), export_("a", Sort::Func, 1), export_("c", Sort::Func, 2)}));
  ASSERT_TRUE(s.ok()) << s.error().message;
  std::vector<std::string> names;
  for (const auto& [name, item] : (*s)->exports->items()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ((*s)->exports->find("a")->func, "lift#1");
  EXPECT_EQ((*s)->exports->find("d"), nullptr);
}

TEST(IndexModel, CoreExportsComeFromModuleInstancesAndBags) {
  CoreInstance made;
  made.kind = CoreInstance::Kind::Instantiate;
  CoreInstance bag;
  bag.kind = CoreInstance::Kind::FromExports;
  bag.exports = {CoreInlineExport{"mem", CoreSort::Memory, 0}};
  Namer n;
  auto s = n.root(comp({
      CoreModule{},                                     // core module 0
      made,                                             // core instance 0: inst#0
      core_export_alias(Sort::CoreMemory, 0, "memory"), // core memory 0
      bag,                                              // core instance 1
      core_export_alias(Sort::CoreMemory, 1, "mem"),    // core memory 1
      lower(),                                          // core func 0
  }));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)->core_modules, (std::vector<std::string>{"module#0"}));
  EXPECT_EQ((*s)->core_memories, (std::vector<std::string>{"inst#0.memory", "inst#0.memory"}));
  EXPECT_EQ((*s)->core_funcs, (std::vector<std::string>{"lower#0"}));

  for (Alias a : {core_export_alias(Sort::CoreMemory, 0, "missing"), core_export_alias(Sort::CoreMemory, 1, "memory")}) {
    Namer m;
    auto bad = m.root(comp({CoreModule{}, made, core_export_alias(Sort::CoreMemory, 0, "memory"), bag, a}));
    ASSERT_FALSE(bad.ok());
    ASSERT_EQ(m.faults.size(), 1u);
    EXPECT_EQ(m.faults[0].kind, Fault::Kind::NoCoreExport);
    EXPECT_EQ(m.faults[0].name, a.name);
  }
}

// What the model finds wrong, and where: each walk words it.
TEST(IndexModel, FaultsSayWhatIsWrongAndWhere) {
  struct Case {
    const char* what;
    std::vector<Definition> defs;
    Fault::Kind kind;
    Fault::Use use;
    Sort sort;
    uint64_t index;
    std::string name;
  };
  auto imports_x = [] { return nested({import_("x", desc(ExternDesc::Kind::Func)), export_("y", Sort::Func, 0)}); };
  std::vector<Case> cases;
  cases.push_back({"export of an undefined func", {export_("e", Sort::Func, 3)}, Fault::Kind::OutOfRange, Fault::Use::Item, Sort::Func, 3, ""});
  cases.push_back({"alias of an undefined instance", {export_alias(Sort::Func, 0, "f")}, Fault::Kind::OutOfRange, Fault::Use::AliasedInstance,
                   Sort::Instance, 0, ""});
  cases.push_back({"instantiation of an undefined component", {instantiate(2)}, Fault::Kind::OutOfRange, Fault::Use::Instantiated, Sort::Component, 2, ""});
  cases.push_back({"outer alias of an undefined type", {nested({outer_alias(Sort::Type, 1, 4)}), instantiate(0)}, Fault::Kind::OutOfRange,
                   Fault::Use::OuterItem, Sort::Type, 4, ""});
  cases.push_back({"outer alias past the root", {outer_alias(Sort::Type, 1, 0)}, Fault::Kind::OuterTooFar, Fault::Use::Item, Sort::Type, 1, ""});
  cases.push_back({"outer alias of a func", {nested({outer_alias(Sort::Func, 1, 0)}), instantiate(0)}, Fault::Kind::OuterSort, Fault::Use::Item,
                   Sort::Func, 1, ""});
  cases.push_back({"import without an argument", {imports_x(), instantiate(0)}, Fault::Kind::NoArgument, Fault::Use::Item, Sort::Func, 0, "x"});
  cases.push_back({"alias of an absent export", {imports_x(), lift(), instantiate(0, {arg("x", Sort::Func, 0)}), export_alias(Sort::Func, 0, "z")},
                   Fault::Kind::NoExport, Fault::Use::Item, Sort::Func, 0, "z"});
  cases.push_back({"alias of an export as another sort", {imports_x(), lift(), instantiate(0, {arg("x", Sort::Func, 0)}), export_alias(Sort::Type, 0, "y")},
                   Fault::Kind::WrongSort, Fault::Use::Item, Sort::Type, 0, "y"});
  for (const Case& c : cases) {
    Namer n;
    auto s = n.root(comp(c.defs));
    ASSERT_FALSE(s.ok()) << c.what;
    ASSERT_EQ(n.faults.size(), 1u) << c.what;
    const Fault& f = n.faults[0];
    EXPECT_EQ(f.kind, c.kind) << c.what;
    EXPECT_EQ(f.use, c.use) << c.what;
    EXPECT_EQ(f.sort, c.sort) << c.what;
    EXPECT_EQ(f.index, c.index) << c.what;
    EXPECT_EQ(f.name, c.name) << c.what;
  }
}

}  // namespace
}  // namespace torvyn::component::model::test

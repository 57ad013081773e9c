// The compatibility diff: a table of changes to a contract with the class each must get (the rule
// table of compat.h), plus package/interface/world entry points and the shipped contracts.
#include "torvyn/wit/compat.h"

#include <gtest/gtest.h>

#include "wit_test_util.h"

namespace torvyn::wit {
namespace {

const char* kBase = R"(package torvyn:streaming@0.1.0;

interface types {
    resource buffer {
        size: func() -> u64;
        read: func(offset: u64, len: u64) -> list<u8>;
        freeze: func() -> buffer;
    }
    record element-meta {
        sequence: u64,
        content-type: string,
    }
    variant process-error {
        invalid-input(string),
        fatal(string),
    }
    enum backpressure-signal { ready, pause }
    flags caps { read, write }
    type size = u64;
    @unstable(feature = preview)
    peek: func() -> u8;
}

interface processor {
    use types.{element-meta, process-error, buffer};
    process: func(meta: element-meta, payload: borrow<buffer>) -> result<buffer, process-error>;
}

interface logging {
    log: func(msg: string);
}

world transform {
    import types;
    import logging;
    export processor;
}
)";

struct Edit {
  std::string from, to;
};

struct CompatCase {
  const char* name;
  std::vector<Edit> new_edits;  // applied to the old version to get the new one
  Compat expected;
  std::string path;         // a change with exactly this path must be reported ("" = no changes at all)
  std::string description;  // ... whose description contains this
  std::vector<Edit> old_edits = {};  // applied to the base to get the old version
};

void PrintTo(const CompatCase& c, std::ostream* os) { *os << c.name; }

std::string edited(std::string text, const std::vector<Edit>& edits) {
  for (const auto& e : edits) {
    size_t at = text.find(e.from);
    EXPECT_NE(at, std::string::npos) << "edit not applicable: " << e.from;
    if (at != std::string::npos) text.replace(at, e.from.size(), e.to);
  }
  return text;
}

class CompatTable : public ::testing::TestWithParam<CompatCase> {};

TEST_P(CompatTable, Classifies) {
  const CompatCase& c = GetParam();
  std::string old_text = edited(kBase, c.old_edits);
  ResolveResult a = parse_source(old_text, "old.wit");
  ResolveResult b = parse_source(edited(old_text, c.new_edits), "new.wit");
  ASSERT_TRUE(a.ok()) << a.render();
  ASSERT_TRUE(b.ok()) << b.render();
  CompatReport r = diff(*a.resolve->root, *b.resolve->root);
  EXPECT_EQ(r.overall, c.expected) << render(r);
  if (c.path.empty()) {
    EXPECT_TRUE(r.changes.empty()) << render(r);
    return;
  }
  bool found = false;
  for (const auto& ch : r.changes)
    if (ch.path == c.path && ch.description.find(c.description) != std::string::npos) found = true;
  EXPECT_TRUE(found) << "no change at " << c.path << " mentioning \"" << c.description << "\":\n" << render(r);
}

using C = Compat;

INSTANTIATE_TEST_SUITE_P(
    Wit, CompatTable,
    ::testing::Values(
        CompatCase{"Identical", {}, C::Compatible, "", ""},
        CompatCase{"VersionBump", {{"@0.1.0;", "@0.1.1;"}}, C::Compatible, "torvyn:streaming", "version 0.1.0 -> 0.1.1"},
        CompatCase{"DocsChanged", {{"interface logging {", "/// Logs.\ninterface logging {"}}, C::Compatible,
                   "torvyn:streaming/logging", "documentation changed"},
        CompatCase{"ItemsReordered",
                   {{"    log: func(msg: string);\n", "    log: func(msg: string);\n    flush: func();\n"}},
                   C::CompatibleWithAdditions, "torvyn:streaming/logging.flush", "function `flush` added"},
        CompatCase{"FunctionAdded", {{"    process: func(", "    describe: func() -> string;\n    process: func("}},
                   C::CompatibleWithAdditions, "torvyn:streaming/processor.describe", "added"},
        CompatCase{"MethodAdded", {{"size: func() -> u64;", "size: func() -> u64;\n        content-type: func() -> string;"}},
                   C::CompatibleWithAdditions, "torvyn:streaming/types.buffer.content-type", "method `buffer.content-type` added"},
        CompatCase{"ConstructorAdded", {{"size: func() -> u64;", "constructor();\n        size: func() -> u64;"}},
                   C::CompatibleWithAdditions, "torvyn:streaming/types.buffer.constructor", "constructor"},
        CompatCase{"MethodRemoved", {{"        read: func(offset: u64, len: u64) -> list<u8>;\n", ""}}, C::Breaking,
                   "torvyn:streaming/types.buffer.read", "method `buffer.read` removed"},
        CompatCase{"InterfaceAdded", {{"world transform", "interface metrics { count: func() -> u64; }\n\nworld transform"}},
                   C::CompatibleWithAdditions, "torvyn:streaming/metrics", "interface `metrics` added"},
        CompatCase{"InterfaceRemoved", {{"interface extra { f: func(); }\n", ""}}, C::Breaking, "torvyn:streaming/extra",
                   "interface `extra` removed", {{"world transform", "interface extra { f: func(); }\nworld transform"}}},
        CompatCase{"TypeAdded", {{"    type size = u64;", "    type size = u64;\n    type offset = u64;"}},
                   C::CompatibleWithAdditions, "torvyn:streaming/types.offset", "added"},
        CompatCase{"TypeRemoved", {{"    type size = u64;\n", ""}}, C::Breaking, "torvyn:streaming/types.size", "removed"},
        CompatCase{"RecordFieldAdded", {{"sequence: u64,", "sequence: u64,\n        timestamp-ns: u64,"}}, C::Breaking,
                   "torvyn:streaming/types.element-meta.timestamp-ns", "field `timestamp-ns` added"},
        CompatCase{"RecordFieldRemoved", {{"        content-type: string,\n", ""}}, C::Breaking,
                   "torvyn:streaming/types.element-meta.content-type", "removed"},
        CompatCase{"RecordFieldsReordered",
                   {{"        sequence: u64,\n        content-type: string,", "        content-type: string,\n        sequence: u64,"}},
                   C::Breaking, "torvyn:streaming/types.element-meta", "fields reordered"},
        CompatCase{"RecordFieldRetyped", {{"sequence: u64,", "sequence: u32,"}}, C::Breaking,
                   "torvyn:streaming/types.element-meta.sequence", "`u64` -> `u32`"},
        CompatCase{"VariantCaseAdded", {{"fatal(string),", "fatal(string),\n        unavailable(string),"}}, C::Breaking,
                   "torvyn:streaming/types.process-error.unavailable", "case `unavailable` added"},
        CompatCase{"VariantPayloadChanged", {{"fatal(string),", "fatal,"}}, C::Breaking,
                   "torvyn:streaming/types.process-error.fatal", "payload changed: `string` -> nothing"},
        CompatCase{"EnumCaseAdded", {{"{ ready, pause }", "{ ready, pause, stop }"}}, C::Breaking,
                   "torvyn:streaming/types.backpressure-signal.stop", "added"},
        CompatCase{"EnumCasesReordered", {{"{ ready, pause }", "{ pause, ready }"}}, C::Breaking,
                   "torvyn:streaming/types.backpressure-signal", "reordered"},
        CompatCase{"FlagAdded", {{"{ read, write }", "{ read, write, exec }"}}, C::Breaking, "torvyn:streaming/types.caps.exec",
                   "flag `exec` added"},
        CompatCase{"ParameterRetyped", {{"len: u64)", "len: u32)"}}, C::Breaking, "torvyn:streaming/types.buffer.read",
                   "parameter `len` type changed: `u64` -> `u32`"},
        CompatCase{"ParameterRenamed", {{"len: u64)", "length: u64)"}}, C::Breaking, "torvyn:streaming/types.buffer.read",
                   "parameter `len` renamed to `length`"},
        CompatCase{"ParameterAdded", {{"log: func(msg: string)", "log: func(msg: string, level: u8)"}}, C::Breaking,
                   "torvyn:streaming/logging.log", "parameters changed"},
        CompatCase{"ResultChanged", {{"size: func() -> u64;", "size: func() -> u32;"}}, C::Breaking,
                   "torvyn:streaming/types.buffer.size", "result changed: `u64` -> `u32`"},
        CompatCase{"BorrowBecomesOwn", {{"payload: borrow<buffer>", "payload: buffer"}}, C::Breaking,
                   "torvyn:streaming/processor.process", "`borrow<buffer>` -> `buffer`"},
        CompatCase{"AliasRetargeted", {{"type size = u64;", "type size = u32;"}}, C::Breaking, "torvyn:streaming/types.size",
                   "alias changed: `u64` -> `u32`"},
        CompatCase{"MethodBecomesStatic", {{"size: func() -> u64;", "size: static func() -> u64;"}}, C::Breaking,
                   "torvyn:streaming/types.buffer.size", "changed from method to static function"},
        CompatCase{"BecomesAsync", {{"log: func(msg: string)", "log: async func(msg: string)"}}, C::Breaking,
                   "torvyn:streaming/logging.log", "became `async`"},
        CompatCase{"SinceGateAdded", {{"    log: func(", "    @since(version = 0.1.0)\n    log: func("}}, C::Compatible,
                   "torvyn:streaming/logging.log", "@since(version = 0.1.0)"},
        CompatCase{"UnstableStabilized", {{"@unstable(feature = preview)", "@since(version = 0.1.0)"}}, C::CompatibleWithAdditions,
                   "torvyn:streaming/types.peek", "stabilized"},
        CompatCase{"UnstableRemoved", {{"    @unstable(feature = preview)\n    peek: func() -> u8;\n", ""}}, C::Compatible,
                   "torvyn:streaming/types.peek", "removed"},
        CompatCase{"UnstableChanged", {{"peek: func() -> u8;", "peek: func() -> u16;"}}, C::Compatible,
                   "torvyn:streaming/types.peek", "result changed"},
        CompatCase{"UnstableAdded", {{"    log: func(", "    @unstable(feature = x)\n    trace: func();\n    log: func("}},
                   C::Compatible, "torvyn:streaming/logging.trace", "added"},
        CompatCase{"WorldImportAdded",
                   {{"world transform {", "interface clock { now: func() -> u64; }\nworld transform {\n    import clock;"}},
                   C::CompatibleWithAdditions, "torvyn:streaming/transform.import.torvyn:streaming/clock", "import"},
        CompatCase{"WorldImportRemoved", {{"    import logging;\n", ""}}, C::Breaking,
                   "torvyn:streaming/transform.import.torvyn:streaming/logging", "removed"},
        CompatCase{"WorldExportAdded", {{"    export processor;", "    export processor;\n    export logging;"}}, C::Breaking,
                   "torvyn:streaming/transform.export.torvyn:streaming/logging", "do not provide it"},
        CompatCase{"WorldExportRemoved", {{"    export logging;\n", ""}}, C::Compatible,
                   "torvyn:streaming/transform.export.torvyn:streaming/logging", "still provide it",
                   {{"    export processor;", "    export processor;\n    export logging;"}}},
        CompatCase{"WorldFunctionExportChanged", {{"export run: func();", "export run: func() -> u32;"}}, C::Breaking,
                   "torvyn:streaming/transform.export.run", "result changed",
                   {{"    export processor;", "    export processor;\n    export run: func();"}}},
        CompatCase{"WorldAdded", {{"world transform", "world empty {}\nworld transform"}}, C::CompatibleWithAdditions,
                   "torvyn:streaming/empty", "world `empty` added"},
        CompatCase{"PackageRenamed", {{"package torvyn:streaming@", "package torvyn:pipes@"}}, C::Breaking, "torvyn:streaming",
                   "package renamed"},
        CompatCase{"KindChanged", {{"enum backpressure-signal { ready, pause }", "variant backpressure-signal { ready, pause }"}},
                   C::Breaking, "torvyn:streaming/types.backpressure-signal", "changed from enum to variant"}),
    [](const ::testing::TestParamInfo<CompatCase>& info) { return std::string(info.param.name); });

TEST(Compat, ForeignTypesAreComparedStructurally) {
  auto dep = [](const char* field) {
    return std::vector<SourceText>{{"dep.wit", std::string("package d:e@1.0.0;\ninterface t { record r { ") + field + " } }\n"}};
  };
  const char* root = "package a:b@1.0.0;\ninterface i {\n  use d:e/t@1.0.0.{r};\n  f: func(x: r);\n}\n";
  ResolveResult a = parse_sources({{"root.wit", root}}, {dep("x: u32")});
  ResolveResult b = parse_sources({{"root.wit", root}}, {dep("x: u64")});
  ASSERT_TRUE(a.ok() && b.ok());
  CompatReport r = diff(*a.resolve->root, *b.resolve->root);
  EXPECT_EQ(r.overall, Compat::Breaking) << render(r);
  ASSERT_FALSE(r.changes.empty());
  EXPECT_EQ(r.changes[0].path, "a:b/i.r");
}

TEST(Compat, ForeignInterfaceVersionsInWorlds) {
  auto pkg = [](const char* version, const char* import_version) {
    std::string dep = std::string("package wasi:io@") + version + ";\ninterface streams { f: func(); }\n";
    std::string root = std::string("package a:b@1.0.0;\nworld w { import wasi:io/streams@") + import_version + "; }\n";
    return parse_sources({{"root.wit", root}}, {{{"io.wit", dep}}});
  };
  ResolveResult a = pkg("0.2.0", "0.2.0");
  ResolveResult b = pkg("0.2.1", "0.2.1");
  ResolveResult c = pkg("0.3.0", "0.3.0");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  CompatReport minor = diff(*a.resolve->root, *b.resolve->root);
  EXPECT_EQ(minor.overall, Compat::CompatibleWithAdditions) << render(minor);
  EXPECT_EQ(minor.changes.at(0).path, "a:b/w.import.wasi:io/streams");
  EXPECT_EQ(diff(*a.resolve->root, *c.resolve->root).overall, Compat::Breaking);
}

TEST(Compat, InterfaceAndWorldEntryPoints) {
  ResolveResult a = parse_source(kBase, "old.wit");
  ResolveResult b = parse_source(edited(kBase, {{"log: func(msg: string);", "log: func(msg: string);\n    flush: func();"}}), "new.wit");
  ASSERT_TRUE(a.ok() && b.ok());
  CompatReport i = diff(*a.resolve->root->interface("logging"), *b.resolve->root->interface("logging"));
  EXPECT_EQ(i.overall, Compat::CompatibleWithAdditions);
  ASSERT_EQ(i.changes.size(), 1u);
  EXPECT_EQ(i.changes[0].path, "torvyn:streaming/logging.flush");
  // A world diffed on its own also shows the contents of the interfaces it names.
  CompatReport w = diff(*a.resolve->root->world("transform"), *b.resolve->root->world("transform"));
  EXPECT_EQ(w.overall, Compat::CompatibleWithAdditions) << render(w);
  EXPECT_NE(render(w).find("torvyn:streaming/transform.import.torvyn:streaming/logging.flush"), std::string::npos) << render(w);
  EXPECT_NE(render(w).find("overall: compatible-with-additions"), std::string::npos);
}

TEST(Compat, ShippedContractsAgainstThemselves) {
  for (const char* pkg : {"streaming", "filtering", "aggregation", "capabilities"}) {
    ResolveResult a = parse_directory(testing::shipped_wit() / pkg);
    ResolveResult b = parse_directory(testing::shipped_wit() / pkg);
    ASSERT_TRUE(a.ok() && b.ok()) << pkg;
    CompatReport r = diff(*a.resolve->root, *b.resolve->root);
    EXPECT_EQ(r.overall, Compat::Compatible) << pkg;
    EXPECT_TRUE(r.changes.empty()) << render(r);
  }
}

}  // namespace
}  // namespace torvyn::wit

// Syntax: what the parser accepts (every construct of WIT.md) and where it reports what it rejects.
// Syntax errors must point at the right line and column, render a caret under the spot, come with
// a help line, and be the only diagnostic (never a follow-on "no package"/"not found").
#include "torvyn/wit/parser.h"

#include <gtest/gtest.h>

#include "wit_test_util.h"

namespace torvyn::wit {
namespace {

using testing::resolve_text;

ast::File parse_ok(std::string_view text) {
  ParseOutput p = parse_file(text, "test.wit");
  EXPECT_TRUE(p.file.has_value());
  for (const auto& d : p.diagnostics) ADD_FAILURE() << render_human(d, std::string(text));
  return p.file ? *p.file : ast::File{};
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

struct SyntaxCase {
  const char* name;
  std::string text;
  uint32_t line, column;
  std::string message;        // exact message
  std::string help_contains;  // "" = any (but a help must exist)
};

void PrintTo(const SyntaxCase& c, std::ostream* os) { *os << c.name; }

class SyntaxErrors : public ::testing::TestWithParam<SyntaxCase> {};

TEST_P(SyntaxErrors, ReportsLineColumnCaretAndHelp) {
  const SyntaxCase& c = GetParam();
  ResolveResult r = resolve_text(c.text);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u) << r.render();
  const Diagnostic& d = r.diagnostics[0];
  EXPECT_EQ(d.code, ErrorCode::WitSyntax);
  EXPECT_EQ(d.message, c.message);
  EXPECT_EQ(d.location.file, "test.wit");
  EXPECT_EQ(d.location.line, c.line) << r.render();
  EXPECT_EQ(d.location.column, c.column) << r.render();
  EXPECT_FALSE(d.help.empty());
  if (!c.help_contains.empty()) {
    EXPECT_NE(d.help.find(c.help_contains), std::string::npos) << d.help;
  }
  // The caret line sits under the reported column.
  std::string out = render_human(d, c.text);
  std::string caret = "| " + std::string(c.column - 1, ' ') + "^";
  EXPECT_NE(out.find(caret), std::string::npos) << out;
  EXPECT_NE(out.find("--> test.wit:" + std::to_string(c.line) + ":" + std::to_string(c.column)), std::string::npos) << out;
  EXPECT_EQ(out.find("no package"), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(
    Wit, SyntaxErrors,
    ::testing::Values(
        SyntaxCase{"MissingSemicolon",
                   "package a:b;\n\ninterface i {\n    f: func() -> u32\n    g: func();\n}\n", 4, 21,
                   "expected `;`, found identifier `g`", "end the function with `;`"},
        SyntaxCase{"MissingSemicolonAfterPackage", "package a:b\ninterface i {}\n", 1, 12,
                   "expected `;` or `{`, found keyword `interface`", ""},
        SyntaxCase{"BadCharacter", "package a:b;\ninterface i {\n  record r { a: u32, b: $ }\n}\n", 3, 25,
                   "unexpected character `$`", ""},
        SyntaxCase{"UnterminatedComment", "package a:b;\n\n  /* started\n interface i {}\n", 3, 3,
                   "unterminated block comment", "`*/`"},
        SyntaxCase{"UnterminatedNestedComment", "package a:b;\n/* a /* b */\ninterface i {}\n", 2, 1,
                   "unterminated block comment", "nest"},
        SyntaxCase{"InvalidIdentifier", "package a:b;\ninterface i {\n  readAll: func();\n}\n", 3, 3,
                   "`readAll` is not a valid WIT identifier", "`read-all`"},
        SyntaxCase{"KeywordAsFieldName", "package a:b;\ninterface i {\n  record r { type: u32 }\n}\n", 3, 14,
                   "expected a field name, found keyword `type`", "`%type`"},
        SyntaxCase{"UnclosedInterface", "package a:b;\ninterface i {\n  f: func();\n", 3, 13,
                   "expected `}`, found end of file", "close the interface"},
        SyntaxCase{"MissingComma", "package a:b;\ninterface i {\n  record r {\n    a: u32\n    b: u32,\n  }\n}\n", 4, 11,
                   "expected `}`, found identifier `b`", "separate fields with `,`"},
        SyntaxCase{"BadVersion", "package a:b@1.0;\n", 1, 13,
                   "invalid version `1.0`: a version needs three numbers, major.minor.patch", "0.1.0"},
        SyntaxCase{"PackageNotFirst", "interface i {}\npackage a:b;\n", 2, 1,
                   "the `package` declaration must come first in the file", "move"},
        SyntaxCase{"NamedResults", "package a:b;\ninterface i {\n  f: func() -> (a: u32);\n}\n", 3, 16,
                   "named results are not supported", "tuple"},
        SyntaxCase{"FunctionAtTopLevel", "package a:b;\nf: func();\n", 2, 1,
                   "expected `interface`, `world`, `use` or `package`, found identifier `f`", "inside an `interface`"},
        SyntaxCase{"ImportInInterface", "package a:b;\ninterface i {\n  import x;\n}\n", 3, 3,
                   "expected a type, function or `use`, found keyword `import`", "belong in a `world`"},
        SyntaxCase{"UnknownAnnotation", "package a:b@1.0.0;\ninterface i {\n  @sinse(version = 1.0.0)\n  f: func();\n}\n", 3, 3,
                   "unknown annotation `@sinse`", "@since"},
        SyntaxCase{"UseWithoutNames", "package a:b;\ninterface i {\n  use types;\n}\n", 3, 12,
                   "expected `.`, found `;`", "use types.{name, ...}"},
        SyntaxCase{"ImportPackage", "package a:b;\nworld w {\n  import c:d;\n}\n", 3, 13,
                   "expected `/`, found `;`", "c:d/interface-name"},
        SyntaxCase{"EnumPayload", "package a:b;\ninterface i {\n  enum e { a(u32) }\n}\n", 3, 13,
                   "enum cases cannot carry a payload", "variant"},
        SyntaxCase{"NonAsciiColumn", "package a:b;\n// héllo\ninterface i { f: func() -> ü8; }\n", 3, 28,
                   "unexpected character `ü`", ""},
        // The 102nd nested `list<` (column 11 + 101 * 5 + 1) is one level too deep.
        SyntaxCase{"TypeNestingLimit", "package a:b;\ninterface i {\n  type t = " + repeat("list<", 120) + "u8;\n}\n",
                   3, 517, "type nested too deeply", "name the inner types"}),
    [](const ::testing::TestParamInfo<SyntaxCase>& info) { return std::string(info.param.name); });

TEST(Parser, EveryConstruct) {
  ast::File f = parse_ok(R"(/// Package docs.
package local:demo@1.2.3-rc.1;

use wasi:http/types@1.0.0 as http-types;

/** Block doc
 * on two lines. */
@since(version = 1.0.0)
interface all {
  use types.{a, b as c,};
  use ns:pkg/iface@0.1.0.{d};

  record r { x: u32, y: list<u8, 4>, }
  variant v { none, some(tuple<u32, string>), }
  enum e { one, two }
  flags f { read, write }
  type t = result<_, e>;
  type u = result;
  type w = result<u32>;
  type m = map<string, u64>;
  type fut = future<u32>;
  type st = stream;
  resource blob {
    constructor(init: list<u8>);
    write: func(bytes: list<u8>);
    read: func(n: u32) -> list<u8>;
    merge: static func(lhs: borrow<blob>, rhs: own<blob>) -> blob;
    fetch: async func() -> string;
  }
  resource empty;
  @unstable(feature = fancy)
  %variant: func(%enum: s32) -> option<r>;
  @since(version = 1.0.0)
  @deprecated(version = 1.2.0)
  old: func();
  @external-id("DB.Bar")
  ext: func();
}

world w {
  import all;
  import wasi:io/streams@0.2.0;
  import host: interface { log: func(msg: string); }
  import one: wasi:keyvalue/store;
  export run: async func() -> result;
  use all.{r};
  type alias = r;
  include other with { a as b, c as d }
  include ns:pkg/the-world@1.0.0;
}

package local:nested {
  interface x {}
}
)");
  ASSERT_TRUE(f.package);
  EXPECT_EQ(f.package->docs, "Package docs.");
  EXPECT_EQ(f.package->name.version->to_string(), "1.2.3-rc.1");
  ASSERT_EQ(f.items.uses.size(), 1u);
  EXPECT_EQ(f.items.uses[0].as->name, "http-types");
  EXPECT_EQ(f.items.uses[0].path.package->version->to_string(), "1.0.0");
  ASSERT_EQ(f.items.interfaces.size(), 1u);
  const ast::Interface& i = f.items.interfaces[0];
  EXPECT_EQ(i.attrs.docs, "Block doc\non two lines.");
  EXPECT_EQ(i.attrs.gate.since->to_string(), "1.0.0");
  ASSERT_EQ(i.items.size(), 17u);
  EXPECT_EQ(i.items[0].use.names.size(), 2u);
  EXPECT_EQ(i.items[0].use.names[1].as->name, "c");
  EXPECT_EQ(i.items[1].use.path.package->namespaces[0].name, "ns");
  const ast::TypeDecl& rec = i.items[2].type;
  EXPECT_EQ(rec.fields[1].type.kind, ast::TyKind::List);
  EXPECT_EQ(rec.fields[1].type.length, 4u);
  const ast::TypeDecl& blob = i.items[12].type;
  ASSERT_EQ(blob.functions.size(), 5u);
  EXPECT_EQ(blob.functions[0].kind, ast::ResourceFuncKind::Constructor);
  EXPECT_EQ(blob.functions[3].kind, ast::ResourceFuncKind::Static);
  EXPECT_EQ(blob.functions[3].type.params[1].type.kind, ast::TyKind::Own);
  EXPECT_TRUE(blob.functions[4].type.is_async);
  const ast::Func& escaped = i.items[14].func;
  EXPECT_EQ(escaped.name.name, "variant");
  EXPECT_EQ(*escaped.attrs.gate.unstable, "fancy");
  EXPECT_EQ(escaped.type.params[0].name.name, "enum");
  EXPECT_EQ(i.items[15].func.attrs.gate.deprecated->to_string(), "1.2.0");
  EXPECT_EQ(*i.items[16].func.attrs.external_id, "DB.Bar");

  const ast::World& w = f.items.worlds[0];
  ASSERT_EQ(w.items.size(), 9u);
  EXPECT_EQ(w.items[0].ext.kind, ast::Extern::Kind::Path);
  EXPECT_EQ(w.items[1].ext.path.package->name.name, "io");
  EXPECT_EQ(w.items[2].ext.kind, ast::Extern::Kind::Interface);
  EXPECT_EQ(w.items[3].ext.kind, ast::Extern::Kind::NamedPath);
  EXPECT_EQ(w.items[3].ext.name.name, "one");
  EXPECT_EQ(w.items[4].kind, ast::WorldItem::Kind::Export);
  EXPECT_TRUE(w.items[4].ext.func.is_async);
  EXPECT_EQ(w.items[7].include.with.size(), 2u);
  EXPECT_EQ(w.items[8].include.world.package->version->to_string(), "1.0.0");
  ASSERT_EQ(f.nested.size(), 1u);
  EXPECT_EQ(f.nested[0].decl.name.name.name, "nested");
}

TEST(Parser, ColonSpacingDecidesPathOrPlainName) {
  ast::File f = parse_ok("package a:b;\nworld w {\n  import c:d/e;\n  import x: e;\n  import y:func();\n}\n");
  const ast::World& w = f.items.worlds[0];
  EXPECT_EQ(w.items[0].ext.kind, ast::Extern::Kind::Path);
  EXPECT_EQ(w.items[1].ext.kind, ast::Extern::Kind::NamedPath);
  EXPECT_EQ(w.items[2].ext.kind, ast::Extern::Kind::Func);
}

TEST(Parser, CrlfLineEndingsAndByteOrderMark) {
  std::string text = "\xEF\xBB\xBFpackage a:b;\r\n/// Docs.\r\ninterface i {\r\n  f: func() -> u32\r\n}\r\n";
  ResolveResult r = resolve_text(text);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].location.line, 4u);
  EXPECT_EQ(r.diagnostics[0].location.column, 19u);
  std::string fixed = text;
  fixed.replace(fixed.find("u32\r\n"), 3, "u32;");
  ResolveResult ok = resolve_text(fixed);
  ASSERT_TRUE(ok.ok()) << ok.render();
  EXPECT_EQ(ok.resolve->root->interface("i")->docs, "Docs.");
}

TEST(Parser, SpansPointIntoTheSource) {
  std::string text = "package a:b;\ninterface types {\n  record r { x: u32 }\n}\n";
  ast::File f = parse_ok(text);
  const ast::Id& n = f.items.interfaces[0].items[0].type.fields[0].name;
  EXPECT_EQ(text.substr(n.span.begin, n.span.end - n.span.begin), "x");
  SourceLocation l = locate(text, "t.wit", n.span.begin, n.span.end);
  EXPECT_EQ(l.line, 3u);
  EXPECT_EQ(l.column, 14u);
}

}  // namespace
}  // namespace torvyn::wit

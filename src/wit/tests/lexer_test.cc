#include "torvyn/wit/lexer.h"

#include <gtest/gtest.h>

#include <vector>

#include "torvyn/wit/version.h"

namespace torvyn::wit {
namespace {

std::vector<Token> lex_all(std::string_view src) {
  Lexer l(src);
  std::vector<Token> out;
  while (true) {
    Token t = l.next();
    out.push_back(t);
    if (t.kind == Tok::Eof || t.kind == Tok::Error) return out;
  }
}

std::vector<Tok> kinds(std::string_view src) {
  std::vector<Tok> out;
  for (const auto& t : lex_all(src)) out.push_back(t.kind);
  return out;
}

TEST(Lexer, OperatorsKeywordsAndIdentifiers) {
  EXPECT_EQ(kinds("interface foo { f: func(a: u32) -> list<u8>; }"),
            (std::vector<Tok>{Tok::KwInterface, Tok::Id, Tok::LBrace, Tok::Id, Tok::Colon, Tok::KwFunc, Tok::LParen,
                              Tok::Id, Tok::Colon, Tok::KwU32, Tok::RParen, Tok::Arrow, Tok::KwList, Tok::Less,
                              Tok::KwU8, Tok::Greater, Tok::Semicolon, Tok::RBrace, Tok::Eof}));
  EXPECT_EQ(kinds("= , : ; ( ) { } < > * -> / . @ _"),
            (std::vector<Tok>{Tok::Equals, Tok::Comma, Tok::Colon, Tok::Semicolon, Tok::LParen, Tok::RParen,
                              Tok::LBrace, Tok::RBrace, Tok::Less, Tok::Greater, Tok::Star, Tok::Arrow, Tok::Slash,
                              Tok::Dot, Tok::At, Tok::Underscore, Tok::Eof}));
  // Every keyword of WIT.md is a keyword; `%` makes it an identifier.
  for (const char* kw : {"as", "async", "bool", "borrow", "char", "constructor", "enum", "export", "f32", "f64",
                         "flags", "from", "func", "future", "import", "include", "interface", "list", "map",
                         "option", "own", "package", "record", "resource", "result", "s16", "s32", "s64", "s8",
                         "static", "stream", "string", "tuple", "type", "u16", "u32", "u64", "u8", "use", "variant",
                         "with", "world"}) {
    auto toks = lex_all(kw);
    EXPECT_TRUE(is_keyword(toks[0].kind)) << kw;
    auto esc = lex_all(std::string("%") + kw);
    EXPECT_EQ(esc[0].kind, Tok::Id) << kw;
    EXPECT_EQ(esc[0].text, kw);
    EXPECT_TRUE(esc[0].escaped);
  }
  auto t = lex_all("stream-element HTTP-request-URI DNS a1-b2");
  EXPECT_EQ(t[0].text, "stream-element");
  EXPECT_EQ(t[1].text, "HTTP-request-URI");
  EXPECT_EQ(t[2].text, "DNS");
  EXPECT_EQ(t[3].text, "a1-b2");
}

TEST(Lexer, KebabCase) {
  for (const char* ok : {"a", "foo", "foo-bar", "XML", "parse-XML-document", "a1", "v2-beta3"})
    EXPECT_TRUE(is_kebab_label(ok)) << ok;
  for (const char* bad : {"", "fooBar", "Foo", "foo_bar", "foo--bar", "-foo", "foo-", "1abc", "a-1", "xML", "HTTP-200-ok"})
    EXPECT_FALSE(is_kebab_label(bad)) << bad;
  EXPECT_EQ(suggest_kebab("fooBar"), "foo-bar");
  EXPECT_EQ(suggest_kebab("foo_bar"), "foo-bar");
  EXPECT_EQ(suggest_kebab("readAll2"), "read-all2");

  auto t = lex_all("record fooBar");
  ASSERT_EQ(t[1].kind, Tok::Error);
  EXPECT_EQ(t[1].error, "`fooBar` is not a valid WIT identifier");
  EXPECT_NE(t[1].help.find("`foo-bar`"), std::string::npos);
  EXPECT_EQ(t[1].error_begin, 7u);
  EXPECT_EQ(t[1].error_end, 13u);
}

TEST(Lexer, CommentsAndDocs) {
  auto t = lex_all("// plain\n/// first line\n///   indented\n//// not a doc\nfoo /* a /* nested */ comment */ bar");
  ASSERT_EQ(t[0].kind, Tok::Id);
  EXPECT_EQ(t[0].docs, "first line\n  indented");
  EXPECT_EQ(t[1].text, "bar");
  EXPECT_EQ(t[1].docs, "");

  auto b = lex_all("/**\n * Block docs.\n * Second line.\n */\nitem");
  EXPECT_EQ(b[0].docs, "Block docs.\nSecond line.");
  auto not_doc = lex_all("/***/ /**/ item");
  EXPECT_EQ(not_doc[0].docs, "");

  auto u = lex_all("foo\n/* open /* nested */ never closed");
  ASSERT_EQ(u[1].kind, Tok::Error);
  EXPECT_EQ(u[1].error, "unterminated block comment");
  EXPECT_EQ(u[1].error_begin, 4u);
}

TEST(Lexer, StringsIntegersAndBadCharacters) {
  auto s = lex_all(R"("a\n\u{2603}\41" 42)");
  ASSERT_EQ(s[0].kind, Tok::String);
  EXPECT_EQ(s[0].text, "a\n\xE2\x98\x83" "A");
  EXPECT_EQ(s[1].kind, Tok::Integer);
  EXPECT_EQ(s[1].text, "42");
  EXPECT_EQ(lex_all("\"open")[0].error, "unterminated string literal");
  auto bad = lex_all("a $");
  ASSERT_EQ(bad[1].kind, Tok::Error);
  EXPECT_EQ(bad[1].error, "unexpected character `$`");
  EXPECT_EQ(bad[1].error_begin, 2u);
  EXPECT_EQ(lex_all("# x")[0].help, "comments start with `//` or `/*`");
}

TEST(Lexer, Encoding) {
  EXPECT_EQ(Lexer("ok // caf\xC3\xA9").check_encoding().kind, Tok::Eof);
  Token t = Lexer("ab\xFF").check_encoding();
  EXPECT_EQ(t.kind, Tok::Error);
  EXPECT_EQ(t.error_begin, 2u);
  EXPECT_EQ(Lexer("a\x01").check_encoding().kind, Tok::Error);
  EXPECT_NE(Lexer("x \xE2\x80\xAE y").check_encoding().error.find("bidirectional"), std::string::npos);
}

TEST(Lexer, Versions) {
  Version v;
  Lexer l("1.0.0.{a}");
  Token t = l.scan_version(0, &v);
  ASSERT_EQ(t.kind, Tok::Integer) << t.error;
  EXPECT_EQ(t.end, 5u);
  EXPECT_EQ(v.to_string(), "1.0.0");
  EXPECT_EQ(l.next().kind, Tok::Dot);

  Lexer pre("0.2.0-rc.1+build.5;");
  ASSERT_EQ(pre.scan_version(0, &v).kind, Tok::Integer);
  EXPECT_EQ(v.pre, "rc.1");
  EXPECT_EQ(v.build, "build.5");
  EXPECT_EQ(pre.next().kind, Tok::Semicolon);

  Token bad = Lexer("1.0;").scan_version(0, &v);
  EXPECT_EQ(bad.kind, Tok::Error);
  EXPECT_NE(bad.error.find("major.minor.patch"), std::string::npos);
  EXPECT_NE(Lexer("01.0.0").scan_version(0, &v).error.find("leading zero"), std::string::npos);
}

TEST(Version, OrderingAndCompatibility) {
  auto V = [](const char* s) { return *Version::parse(s); };
  EXPECT_LT(V("0.1.0"), V("0.2.0"));
  EXPECT_LT(V("1.0.0-alpha"), V("1.0.0"));
  EXPECT_LT(V("1.0.0-alpha"), V("1.0.0-alpha.1"));
  EXPECT_LT(V("1.0.0-alpha.1"), V("1.0.0-alpha.beta"));
  EXPECT_LT(V("1.0.0-beta.2"), V("1.0.0-beta.11"));
  EXPECT_EQ(V("1.0.0+a"), V("1.0.0+b"));
  EXPECT_FALSE(Version::parse("1.0"));
  EXPECT_FALSE(Version::parse("1.0.0-"));
  EXPECT_FALSE(Version::parse("1.0.0-01"));
  EXPECT_TRUE(semver_compatible(V("0.2.0"), V("0.2.3")));
  EXPECT_FALSE(semver_compatible(V("0.2.3"), V("0.2.0")));
  EXPECT_FALSE(semver_compatible(V("0.1.0"), V("0.2.0")));
  EXPECT_TRUE(semver_compatible(V("1.2.0"), V("1.9.0")));
  EXPECT_FALSE(semver_compatible(V("1.2.0"), V("2.0.0")));
  EXPECT_FALSE(semver_compatible(V("0.0.1"), V("0.0.2")));
  EXPECT_FALSE(semver_compatible(V("0.2.0-rc.1"), V("0.2.0")));
}

}  // namespace
}  // namespace torvyn::wit

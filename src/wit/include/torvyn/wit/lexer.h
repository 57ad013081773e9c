// The WIT lexer (WIT.md "Lexical structure"): whitespace and comments (`//`, nested `/* */`), the
// operators, the keywords, integers, string literals (`@external-id("...")`), and identifiers with
// their kebab-case rule and `%` escape.
//
// Tokens are produced on demand rather than all at once because one production is context
// sensitive: a semantic version after `@` (`wasi:io/poll@0.2.0-rc.1.{pollable}`) is not a sequence of
// ordinary tokens, so the parser asks for it explicitly with scan_version().
//
// Doc comments (`/// ...` and `/** ... */`, but not `////` or `/***`) are not discarded: the text of
// those directly before a token is attached to it, and the parser hands it to the item that token
// starts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "torvyn/wit/version.h"

namespace torvyn::wit {

enum class Tok : uint8_t {
  Eof,
  Error,       // lexing failed; Token::error says why
  Id,          // kebab-case identifier, or a `%`-escaped one (Token::escaped)
  Integer,     // [0-9]+
  String,      // "..." (Token::text holds the decoded value)
  Underscore,  // `_` in result<_, e>
  // Operators.
  Equals, Comma, Colon, Semicolon, LParen, RParen, LBrace, RBrace, Less, Greater, Star, Arrow,
  Slash, Dot, At,
  // Keywords.
  KwAs, KwAsync, KwBool, KwBorrow, KwChar, KwConstructor, KwEnum, KwExport, KwF32, KwF64,
  KwFlags, KwFrom, KwFunc, KwFuture, KwImport, KwInclude, KwInterface, KwList, KwMap, KwOption,
  KwOwn, KwPackage, KwRecord, KwResource, KwResult, KwS16, KwS32, KwS64, KwS8, KwStatic,
  KwStream, KwString, KwTuple, KwType, KwU16, KwU32, KwU64, KwU8, KwUse, KwVariant, KwWith,
  KwWorld,
};

// How a token kind is shown in messages: "`;`", "keyword `interface`", "an identifier", ...
std::string_view describe(Tok kind);
// The keyword spelled `text`, if it is one.
std::optional<Tok> keyword(std::string_view text);
bool is_keyword(Tok kind);

struct Token {
  Tok kind = Tok::Eof;
  uint32_t begin = 0;    // byte offsets into the source
  uint32_t end = 0;
  std::string text;      // identifier (without `%`), integer digits, decoded string, or keyword
  bool escaped = false;  // identifier written with `%`
  std::string docs;      // doc comments directly before this token, markers stripped, one per line
  std::string error;     // Tok::Error: what is wrong
  std::string help;      // Tok::Error: how to fix it
  uint32_t error_begin = 0;  // Tok::Error: the offending range (may differ from begin/end)
  uint32_t error_end = 0;
};

// True for a valid WIT identifier: kebab-case fragments, each all-lowercase `[a-z][0-9a-z]*` or an
// all-uppercase acronym `[A-Z][0-9A-Z]*`, joined by single `-` (Explainer.md `label`).
bool is_kebab_label(std::string_view id);
// A best-effort kebab-case spelling of an invalid identifier, for help text ("fooBar" -> "foo-bar").
std::string suggest_kebab(std::string_view id);

class Lexer {
 public:
  explicit Lexer(std::string_view source);

  // The next token from the current position (Tok::Eof at the end, forever).
  Token next();
  // Continues lexing at byte offset `pos`.
  void reset(uint32_t pos) { pos_ = pos; }
  uint32_t position() const { return pos_; }

  // Scans a semantic version starting exactly at `pos` (no whitespace skipped) and moves the lexer
  // past it. Stops before a `.` that does not continue the version, so `1.0.0.{a}` yields 1.0.0.
  // On failure returns a Tok::Error token describing the problem.
  Token scan_version(uint32_t pos, Version* out);

  // Checks the whole source for bytes WIT forbids (invalid UTF-8, control codes other than
  // \t \n \r, bidirectional overrides). Returns a Tok::Error token for the first one, or Eof.
  Token check_encoding() const;

 private:
  static Token error_token(uint32_t begin, uint32_t end, std::string message, std::string help = "");
  // Skips whitespace and comments, collecting doc comments into `docs`; returns an error token
  // for an unterminated block comment.
  std::optional<Token> skip_trivia(std::string* docs);
  Token identifier(uint32_t begin, bool escaped);
  Token string_literal(uint32_t begin);

  std::string_view src_;
  uint32_t pos_ = 0;
};

}  // namespace torvyn::wit

#include "torvyn/wit/lexer.h"

#include <array>
#include <cstdio>
#include <utility>

namespace torvyn::wit {

namespace {

struct KeywordEntry {
  std::string_view text;
  Tok kind;
};

// WIT.md "Keywords".
constexpr std::array<KeywordEntry, 43> kKeywords{{
    {"as", Tok::KwAs},           {"async", Tok::KwAsync},     {"bool", Tok::KwBool},
    {"borrow", Tok::KwBorrow},   {"char", Tok::KwChar},       {"constructor", Tok::KwConstructor},
    {"enum", Tok::KwEnum},       {"export", Tok::KwExport},   {"f32", Tok::KwF32},
    {"f64", Tok::KwF64},         {"flags", Tok::KwFlags},     {"from", Tok::KwFrom},
    {"func", Tok::KwFunc},       {"future", Tok::KwFuture},   {"import", Tok::KwImport},
    {"include", Tok::KwInclude}, {"interface", Tok::KwInterface}, {"list", Tok::KwList},
    {"map", Tok::KwMap},         {"option", Tok::KwOption},   {"own", Tok::KwOwn},
    {"package", Tok::KwPackage}, {"record", Tok::KwRecord},   {"resource", Tok::KwResource},
    {"result", Tok::KwResult},   {"s16", Tok::KwS16},         {"s32", Tok::KwS32},
    {"s64", Tok::KwS64},         {"s8", Tok::KwS8},           {"static", Tok::KwStatic},
    {"stream", Tok::KwStream},   {"string", Tok::KwString},   {"tuple", Tok::KwTuple},
    {"type", Tok::KwType},       {"u16", Tok::KwU16},         {"u32", Tok::KwU32},
    {"u64", Tok::KwU64},         {"u8", Tok::KwU8},           {"use", Tok::KwUse},
    {"variant", Tok::KwVariant}, {"with", Tok::KwWith},       {"world", Tok::KwWorld},
    {"_", Tok::Underscore},
}};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

// Decodes one UTF-8 scalar at `i`; returns its length (0 when malformed).
uint32_t decode_utf8(std::string_view s, size_t i, uint32_t* cp) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(i);
  if (c < 0x80) { *cp = c; return 1; }
  uint32_t len = 0, v = 0, min = 0;
  if ((c & 0xE0) == 0xC0) { len = 2; v = c & 0x1F; min = 0x80; }
  else if ((c & 0xF0) == 0xE0) { len = 3; v = c & 0x0F; min = 0x800; }
  else if ((c & 0xF8) == 0xF0) { len = 4; v = c & 0x07; min = 0x10000; }
  else return 0;
  if (i + len > s.size()) return 0;
  for (uint32_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(i + k) & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

std::string hex_cp(uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", cp);
  return buf;
}

// The characters of a doc comment line after its marker, with one leading space removed.
std::string doc_line(std::string_view s) {
  if (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

void append_doc(std::string* docs, std::string line) {
  if (!docs) return;
  if (!docs->empty()) *docs += '\n';
  *docs += line;
}

}  // namespace

std::string_view describe(Tok kind) {
  switch (kind) {
    case Tok::Eof: return "end of file";
    case Tok::Error: return "an invalid token";
    case Tok::Id: return "an identifier";
    case Tok::Integer: return "an integer";
    case Tok::String: return "a string literal";
    case Tok::Underscore: return "`_`";
    case Tok::Equals: return "`=`";
    case Tok::Comma: return "`,`";
    case Tok::Colon: return "`:`";
    case Tok::Semicolon: return "`;`";
    case Tok::LParen: return "`(`";
    case Tok::RParen: return "`)`";
    case Tok::LBrace: return "`{`";
    case Tok::RBrace: return "`}`";
    case Tok::Less: return "`<`";
    case Tok::Greater: return "`>`";
    case Tok::Star: return "`*`";
    case Tok::Arrow: return "`->`";
    case Tok::Slash: return "`/`";
    case Tok::Dot: return "`.`";
    case Tok::At: return "`@`";
    default: break;
  }
  // Keywords: "keyword `interface`" — built once into static storage.
  static const auto names = [] {
    std::array<std::string, 256> n{};
    for (const auto& k : kKeywords)
      n[static_cast<size_t>(k.kind)] = "keyword `" + std::string(k.text) + "`";
    return n;
  }();
  const std::string& s = names[static_cast<size_t>(kind)];
  return s.empty() ? std::string_view("a token") : std::string_view(s);
}

std::optional<Tok> keyword(std::string_view text) {
  for (const auto& k : kKeywords)
    if (k.text == text && k.kind != Tok::Underscore) return k.kind;
  return std::nullopt;
}

bool is_keyword(Tok kind) { return kind >= Tok::KwAs; }

bool is_kebab_label(std::string_view id) {
  if (id.empty()) return false;
  size_t start = 0;
  while (start <= id.size()) {
    size_t end = id.find('-', start);
    if (end == std::string_view::npos) end = id.size();
    std::string_view frag = id.substr(start, end - start);
    if (frag.empty()) return false;
    bool lower = is_lower(frag[0]);
    if (!lower && !is_upper(frag[0])) return false;
    for (char c : frag.substr(1)) {
      if (is_digit(c)) continue;
      if (lower ? !is_lower(c) : !is_upper(c)) return false;
    }
    start = end + 1;
    if (end == id.size()) break;
  }
  return true;
}

std::string suggest_kebab(std::string_view id) {
  std::string out;
  char prev = 0;
  for (char c : id) {
    if (c == '_' || c == '-' || c == ' ') {
      if (!out.empty() && out.back() != '-') out += '-';
    } else if (is_upper(c)) {
      if (prev && (is_lower(prev) || is_digit(prev)) && out.back() != '-') out += '-';
      out += static_cast<char>(c - 'A' + 'a');
    } else if (is_lower(c) || is_digit(c)) {
      if (out.empty() && is_digit(c)) out += "n";
      out += c;
    }
    prev = c;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  // Fragments must start with a letter: "v-2" becomes "v2".
  std::string fixed;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '-' && i + 1 < out.size() && is_digit(out[i + 1])) continue;
    fixed += out[i];
  }
  return fixed.empty() ? "name" : fixed;
}

Lexer::Lexer(std::string_view source) : src_(source) {
  // A UTF-8 byte order mark (as some Windows editors write) is not part of the text.
  if (src_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

Token Lexer::error_token(uint32_t begin, uint32_t end, std::string message, std::string help) {
  Token t;
  t.kind = Tok::Error;
  t.begin = t.error_begin = begin;
  t.end = t.error_end = end;
  t.error = std::move(message);
  t.help = std::move(help);
  return t;
}

std::optional<Token> Lexer::skip_trivia(std::string* docs) {
  const uint32_t n = static_cast<uint32_t>(src_.size());
  while (pos_ < n) {
    char c = src_[pos_];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++pos_;
      continue;
    }
    if (c == '/' && pos_ + 1 < n && src_[pos_ + 1] == '/') {
      uint32_t start = pos_;
      uint32_t end = pos_;
      while (end < n && src_[end] != '\n') ++end;
      std::string_view text = src_.substr(start, end - start);
      // `///` is a doc comment, `////...` is an ordinary one.
      if (text.size() >= 3 && text[2] == '/' && (text.size() == 3 || text[3] != '/'))
        append_doc(docs, doc_line(text.substr(3)));
      pos_ = end;
      continue;
    }
    if (c == '/' && pos_ + 1 < n && src_[pos_ + 1] == '*') {
      uint32_t start = pos_;
      bool doc = pos_ + 2 < n && src_[pos_ + 2] == '*' &&
                 !(pos_ + 3 < n && (src_[pos_ + 3] == '*' || src_[pos_ + 3] == '/'));
      uint32_t depth = 1;
      pos_ += 2;
      while (pos_ < n && depth > 0) {
        if (src_[pos_] == '/' && pos_ + 1 < n && src_[pos_ + 1] == '*') {
          ++depth;
          pos_ += 2;
        } else if (src_[pos_] == '*' && pos_ + 1 < n && src_[pos_ + 1] == '/') {
          --depth;
          pos_ += 2;
        } else {
          ++pos_;
        }
      }
      if (depth > 0)
        return error_token(start, start + 2, "unterminated block comment",
                           "close it with `*/`; block comments nest, so every `/*` inside it needs "
                           "its own `*/` too");
      if (doc) {
        // /** ... */: one doc line per source line, without a leading `*` gutter.
        std::string_view body = src_.substr(start + 3, pos_ - 2 - (start + 3));
        size_t line_start = 0;
        std::string collected;
        while (line_start <= body.size()) {
          size_t nl = body.find('\n', line_start);
          std::string_view line =
              body.substr(line_start, nl == std::string_view::npos ? std::string_view::npos : nl - line_start);
          size_t k = 0;
          while (k < line.size() && (line[k] == ' ' || line[k] == '\t')) ++k;
          line.remove_prefix(k);
          if (!line.empty() && line.front() == '*') line.remove_prefix(1);
          std::string l = doc_line(line);
          if (!collected.empty() || !l.empty()) {
            if (!collected.empty()) collected += '\n';
            collected += l;
          }
          if (nl == std::string_view::npos) break;
          line_start = nl + 1;
        }
        while (!collected.empty() && collected.back() == '\n') collected.pop_back();
        if (!collected.empty()) append_doc(docs, collected);
      }
      continue;
    }
    break;
  }
  return std::nullopt;
}

Token Lexer::identifier(uint32_t begin, bool escaped) {
  const uint32_t n = static_cast<uint32_t>(src_.size());
  uint32_t start = escaped ? begin + 1 : begin;
  uint32_t p = start;
  while (p < n) {
    char c = src_[p];
    if (is_alpha(c) || is_digit(c) || c == '_') {
      ++p;
    } else if (c == '-' && !(p + 1 < n && src_[p + 1] == '>')) {
      ++p;
    } else {
      break;
    }
  }
  pos_ = p;
  std::string_view text = src_.substr(start, p - start);
  if (escaped && text.empty())
    return error_token(begin, begin + 1, "`%` must be followed by an identifier",
                       "`%name` writes an identifier that would otherwise be a keyword, e.g. `%type`");
  if (!escaped) {
    if (text == "_") {
      Token t;
      t.kind = Tok::Underscore;
      t.begin = begin;
      t.end = p;
      t.text = "_";
      return t;
    }
    if (auto kw = keyword(text)) {
      Token t;
      t.kind = *kw;
      t.begin = begin;
      t.end = p;
      t.text = std::string(text);
      return t;
    }
  }
  if (!is_kebab_label(text)) {
    std::string shown = (escaped ? "%" : "") + std::string(text);
    return error_token(begin, p, "`" + shown + "` is not a valid WIT identifier",
                       "identifiers are kebab-case: lowercase words or all-caps acronyms joined by "
                       "single `-` (try `" + std::string(escaped ? "%" : "") + suggest_kebab(text) +
                           "`)");
  }
  Token t;
  t.kind = Tok::Id;
  t.begin = begin;
  t.end = p;
  t.text = std::string(text);
  t.escaped = escaped;
  return t;
}

Token Lexer::string_literal(uint32_t begin) {
  const uint32_t n = static_cast<uint32_t>(src_.size());
  std::string value;
  uint32_t p = begin + 1;
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  while (true) {
    if (p >= n || src_[p] == '\n') {
      pos_ = p;
      return error_token(begin, begin + 1, "unterminated string literal", "close the string with `\"`");
    }
    char c = src_[p];
    if (c == '"') break;
    if (c != '\\') {
      value += c;
      ++p;
      continue;
    }
    uint32_t esc = p;
    if (p + 1 >= n) {
      pos_ = n;
      return error_token(begin, begin + 1, "unterminated string literal", "close the string with `\"`");
    }
    char e = src_[p + 1];
    p += 2;
    switch (e) {
      case 't': value += '\t'; break;
      case 'n': value += '\n'; break;
      case 'r': value += '\r'; break;
      case '"': value += '"'; break;
      case '\'': value += '\''; break;
      case '\\': value += '\\'; break;
      case 'u': {
        if (p >= n || src_[p] != '{') {
          pos_ = p;
          return error_token(esc, p, "malformed `\\u{...}` escape", "write a code point as `\\u{7fff}`");
        }
        ++p;
        uint32_t cp = 0;
        uint32_t digits = 0;
        while (p < n && hexval(src_[p]) >= 0 && digits < 7) {
          cp = cp * 16 + static_cast<uint32_t>(hexval(src_[p]));
          ++p;
          ++digits;
        }
        if (digits == 0 || p >= n || src_[p] != '}' || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          pos_ = p;
          return error_token(esc, p, "malformed `\\u{...}` escape",
                             "write a Unicode scalar value in hex, e.g. `\\u{2603}`");
        }
        ++p;
        if (cp < 0x80) {
          value += static_cast<char>(cp);
        } else if (cp < 0x800) {
          value += static_cast<char>(0xC0 | (cp >> 6));
          value += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
          value += static_cast<char>(0xE0 | (cp >> 12));
          value += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          value += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          value += static_cast<char>(0xF0 | (cp >> 18));
          value += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
          value += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          value += static_cast<char>(0x80 | (cp & 0x3F));
        }
        break;
      }
      default: {
        int h1 = hexval(e), h2 = p < n ? hexval(src_[p]) : -1;
        if (h1 < 0 || h2 < 0) {
          pos_ = p;
          return error_token(esc, p, "unknown escape in string literal",
                             "valid escapes: \\t \\n \\r \\\" \\' \\\\ \\hh \\u{...}");
        }
        value += static_cast<char>(h1 * 16 + h2);
        ++p;
      }
    }
  }
  pos_ = p + 1;
  Token t;
  t.kind = Tok::String;
  t.begin = begin;
  t.end = pos_;
  t.text = std::move(value);
  return t;
}

Token Lexer::next() {
  std::string docs;
  if (auto err = skip_trivia(&docs)) return *err;
  const uint32_t n = static_cast<uint32_t>(src_.size());
  Token t;
  if (pos_ >= n) {
    t.kind = Tok::Eof;
    t.begin = t.end = n;
    t.docs = std::move(docs);
    return t;
  }
  uint32_t begin = pos_;
  char c = src_[pos_];
  auto op = [&](Tok kind, uint32_t len) {
    pos_ += len;
    t.kind = kind;
    t.begin = begin;
    t.end = pos_;
    return t;
  };
  if (is_alpha(c) || c == '_') {
    t = identifier(begin, false);
  } else if (c == '%') {
    t = identifier(begin, true);
  } else if (is_digit(c)) {
    uint32_t p = pos_;
    while (p < n && is_digit(src_[p])) ++p;
    t.kind = Tok::Integer;
    t.begin = begin;
    t.end = p;
    t.text = std::string(src_.substr(begin, p - begin));
    pos_ = p;
  } else if (c == '"') {
    t = string_literal(begin);
  } else {
    switch (c) {
      case '=': op(Tok::Equals, 1); break;
      case ',': op(Tok::Comma, 1); break;
      case ':': op(Tok::Colon, 1); break;
      case ';': op(Tok::Semicolon, 1); break;
      case '(': op(Tok::LParen, 1); break;
      case ')': op(Tok::RParen, 1); break;
      case '{': op(Tok::LBrace, 1); break;
      case '}': op(Tok::RBrace, 1); break;
      case '<': op(Tok::Less, 1); break;
      case '>': op(Tok::Greater, 1); break;
      case '*': op(Tok::Star, 1); break;
      case '/': op(Tok::Slash, 1); break;
      case '.': op(Tok::Dot, 1); break;
      case '@': op(Tok::At, 1); break;
      case '-':
        if (pos_ + 1 < n && src_[pos_ + 1] == '>') {
          op(Tok::Arrow, 2);
          break;
        }
        [[fallthrough]];
      default: {
        uint32_t cp = 0;
        uint32_t len = decode_utf8(src_, pos_, &cp);
        if (len == 0) len = 1;
        pos_ += len;
        std::string shown = cp >= 0x20 && cp != 0x7F ? std::string(src_.substr(begin, len)) : hex_cp(cp);
        std::string help = "WIT text is made of kebab-case identifiers, keywords, the operators "
                           "`= , : ; ( ) { } < > * -> / . @`, and `//` or `/* */` comments";
        if (c == '-')
          help = "`-` joins the words of an identifier (`stream-element`); it cannot stand alone";
        else if (c == '#')
          help = "comments start with `//` or `/*`";
        else if (c == '[' || c == ']')
          help = "type parameters use angle brackets, e.g. `list<u8>`";
        return error_token(begin, pos_, "unexpected character `" + shown + "`", help);
      }
    }
  }
  t.docs = std::move(docs);
  return t;
}

Token Lexer::scan_version(uint32_t pos, Version* out) {
  const uint32_t n = static_cast<uint32_t>(src_.size());
  uint32_t p = pos;
  auto ok = [](char c) { return is_alpha(c) || is_digit(c) || c == '.' || c == '-' || c == '+'; };
  while (p < n && ok(src_[p])) ++p;
  // A trailing `.` belongs to what follows (`@1.0.0.{name}`), never to the version.
  while (p > pos && src_[p - 1] == '.') --p;
  std::string_view text = src_.substr(pos, p - pos);
  pos_ = p;
  if (text.empty())
    return error_token(pos, pos + (pos < n ? 1 : 0), "expected a version after `@`",
                       "write a semantic version such as `@0.1.0`");
  std::string why = Version::why_invalid(text);
  if (!why.empty())
    return error_token(pos, p, "invalid version `" + std::string(text) + "`: " + why,
                       "write a full semantic version: major.minor.patch, e.g. `0.1.0` or `1.0.0-rc.1`");
  *out = *Version::parse(text);
  Token t;
  t.kind = Tok::Integer;  // the caller only looks at begin/end
  t.begin = pos;
  t.end = p;
  t.text = std::string(text);
  return t;
}

Token Lexer::check_encoding() const {
  size_t i = src_.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  while (i < src_.size()) {
    uint8_t b = static_cast<uint8_t>(src_[i]);
    if (b >= 0x20 && b < 0x7F) {  // printable ASCII: the common case
      ++i;
      continue;
    }
    uint32_t cp = 0;
    uint32_t len = decode_utf8(src_, i, &cp);
    uint32_t at = static_cast<uint32_t>(i);
    if (len == 0)
      return error_token(at, at + 1, "the file is not valid UTF-8",
                               "WIT files must be UTF-8 encoded; re-save the file as UTF-8");
    bool control = (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F ||
                   (cp >= 0x80 && cp <= 0x9F);
    bool bidi = (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    bool deprecated = cp == 0x0149 || cp == 0x0673 || cp == 0x0F77 || cp == 0x0F79 || cp == 0x17A3 ||
                      cp == 0x17A4 || (cp >= 0x206A && cp <= 0x206F) || cp == 0x2329 || cp == 0x232A ||
                      cp == 0xE0001;
    if (control)
      return error_token(at, at + len, "control character " + hex_cp(cp) + " in WIT source",
                               "only tab, newline and carriage return may appear; remove the character");
    if (bidi)
      return error_token(at, at + len, "bidirectional override " + hex_cp(cp) + " in WIT source",
                               "WIT forbids bidirectional override characters; remove it");
    if (deprecated)
      return error_token(at, at + len, "deprecated code point " + hex_cp(cp) + " in WIT source",
                               "WIT forbids code points Unicode deprecates; remove it");
    i += len;
  }
  Token t;
  t.kind = Tok::Eof;
  return t;
}

}  // namespace torvyn::wit

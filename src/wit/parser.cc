#include "torvyn/wit/parser.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "torvyn/wit/lexer.h"

namespace torvyn::wit {

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts_.push_back(static_cast<uint32_t>(i + 1));
}

SourceLocation LineIndex::locate(const std::string& file_name, uint32_t begin, uint32_t end) const {
  SourceLocation loc;
  loc.file = file_name;
  if (begin > text_.size()) begin = static_cast<uint32_t>(text_.size());
  if (end < begin) end = begin;
  // The last line start at or before `begin`.
  size_t line = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), begin) - starts_.begin()) - 1;
  size_t line_start = starts_[line];
  size_t line_end = line + 1 < starts_.size() ? starts_[line + 1] - 1 : text_.size();
  auto scalars = [&](size_t from, size_t to) {
    uint32_t n = 0;
    for (size_t i = from; i < to && i < text_.size(); ++i)
      if ((static_cast<uint8_t>(text_[i]) & 0xC0) != 0x80) ++n;
    return n;
  };
  loc.line = static_cast<uint32_t>(line + 1);
  loc.column = scalars(line_start, begin) + 1;
  uint32_t len = scalars(begin, std::min<size_t>(end, line_end));
  loc.length = len == 0 ? 1 : len;
  return loc;
}

SourceLocation locate(std::string_view text, const std::string& file_name, uint32_t begin, uint32_t end) {
  return LineIndex(text).locate(file_name, begin, end);
}

namespace {

// Thrown after the one syntax diagnostic of a file has been recorded; parse_file() catches it.
struct ParseAbort {};

constexpr uint32_t kMaxTypeDepth = 100;

class Parser {
 public:
  Parser(std::string_view text, const std::string& file_name, uint32_t file_index,
         std::vector<Diagnostic>* diags)
      : text_(text), file_name_(file_name), file_index_(file_index), lex_(text), diags_(diags) {}

  ast::File parse_file();

 private:
  // ---- tokens ----
  const Token& peek(size_t k = 0) {
    while (la_.size() <= k) la_.push_back(lex_.next());
    if (k == 0 && la_[0].kind == Tok::Error) fail_lex(la_[0]);
    return la_[k];
  }
  Tok kind(size_t k = 0) { return peek(k).kind; }
  bool at(Tok k) { return kind() == k; }
  const Token& take() {
    peek();
    prev_ = std::move(la_.front());
    la_.pop_front();
    return prev_;
  }
  bool eat(Tok k) {
    if (!at(k)) return false;
    take();
    return true;
  }
  const Token& expect(Tok k, std::string_view help = "") {
    if (!at(k)) unexpected(std::string(describe(k)), help);
    return take();
  }
  ast::Span span(uint32_t begin, uint32_t end) const { return {file_index_, begin, end}; }
  ast::Span span_from(uint32_t begin) const { return {file_index_, begin, prev_.end}; }

  // ---- errors ----
  std::string found_text(const Token& t) const {
    if (t.kind == Tok::Id) return "identifier `" + std::string(t.escaped ? "%" : "") + t.text + "`";
    if (t.kind == Tok::Integer) return "integer `" + t.text + "`";
    return std::string(describe(t.kind));
  }
  [[noreturn]] void fail(uint32_t begin, uint32_t end, std::string message, std::string help,
                         std::string expected = "", std::string found = "") {
    Diagnostic d;
    d.code = ErrorCode::WitSyntax;
    d.message = std::move(message);
    d.location = locate(text_, file_name_, begin, end);
    d.help = std::move(help);
    d.expected = std::move(expected);
    d.found = std::move(found);
    diags_->push_back(std::move(d));
    throw ParseAbort{};
  }
  [[noreturn]] void fail_lex(const Token& t) { fail(t.error_begin, t.error_end, t.error, t.help); }
  // "expected X, found Y". A missing terminator is reported right after the previous token when
  // what follows is on a later line (or is the end of the file): that is where it is missing.
  [[noreturn]] void unexpected(const std::string& expected, std::string_view help = "") {
    const Token& t = peek();
    std::string found = found_text(t);
    bool gap = prev_.end > 0 && (t.kind == Tok::Eof ||
                                 text_.substr(prev_.end, t.begin - prev_.end).find('\n') != std::string_view::npos);
    bool terminator = expected == "`;`" || expected == "`,`" || expected == "`}`" || expected == "`>`" ||
                      expected == "`)`" || expected.find("`}`") != std::string::npos ||
                      expected.find("`;`") != std::string::npos;
    uint32_t b = t.begin, e = t.end;
    if (gap && (terminator || t.kind == Tok::Eof)) b = e = prev_.end;
    std::string h(help);
    if (h.empty() && t.kind == Tok::Eof) h = "the file ends too early; is a closing `}` or `;` missing?";
    if (h.empty()) h = "WIT needs " + expected + " here; look for a missing or extra token just before this point";
    fail(b, e == b ? b + 1 : e, "expected " + expected + ", found " + found, h, expected, found);
  }

  // ---- grammar ----
  std::string docs_here() { return peek().docs; }
  ast::Attributes attributes();
  ast::Id id(std::string_view what);
  ast::PackageRef package_ref();
  ast::UsePath use_path();
  uint32_t next_token_begin();
  Version version_after(uint32_t at);
  void package_items(ast::PackageItems* items, bool nested);
  ast::Interface interface(ast::Attributes attrs, uint32_t begin);
  void interface_body(ast::Interface* iface);
  ast::World world(ast::Attributes attrs, uint32_t begin);
  ast::Use use_item(ast::Attributes attrs, uint32_t begin);
  ast::TypeDecl type_decl(ast::Attributes attrs, uint32_t begin);
  ast::Func func_item(ast::Attributes attrs, uint32_t begin);
  ast::FuncType func_type();
  std::vector<ast::Param> param_list();
  ast::Ty ty(uint32_t depth = 0);
  ast::Ty angle_one(ast::TyKind kind, uint32_t begin, uint32_t depth);
  ast::Extern extern_item(bool import);
  ast::Include include_item(ast::Attributes attrs, uint32_t begin);

  std::string_view text_;
  const std::string& file_name_;
  uint32_t file_index_;
  Lexer lex_;
  std::deque<Token> la_;
  Token prev_;
  std::vector<Diagnostic>* diags_;
};

uint32_t Parser::next_token_begin() {
  while (la_.empty()) la_.push_back(lex_.next());
  return la_[0].kind == Tok::Error ? la_[0].error_begin : la_[0].begin;
}

// Reads the version that starts at the next token (after `@` or `version =`).
Version Parser::version_after(uint32_t at) {
  uint32_t begin = next_token_begin();
  if (begin != at && text_.substr(at, begin - at).find_first_not_of(" \t\r\n") != std::string_view::npos)
    begin = at;  // a comment sits in between; let the scanner complain at `at`
  la_.clear();
  Version v;
  Token t = lex_.scan_version(begin, &v);
  if (t.kind == Tok::Error) fail_lex(t);
  prev_.end = t.end;
  return v;
}

ast::Id Parser::id(std::string_view what) {
  const Token& t = peek();
  if (t.kind == Tok::Id) {
    Token tok = take();
    return {tok.text, span(tok.begin, tok.end)};
  }
  if (is_keyword(t.kind))
    fail(t.begin, t.end, "expected " + std::string(what) + ", found " + found_text(t),
         "`" + t.text + "` is a keyword; write `%" + t.text + "` to use it as a name",
         std::string(what), found_text(t));
  unexpected(std::string(what), "names are kebab-case identifiers, e.g. `stream-element`");
}

ast::Attributes Parser::attributes() {
  ast::Attributes a;
  a.docs = docs_here();
  if (!at(Tok::At)) return a;
  uint32_t begin = peek().begin;
  bool any_gate = false;
  while (at(Tok::At)) {
    Token at_tok = take();
    if (kind() != Tok::Id)
      unexpected("an annotation name", "annotations are `@since`, `@unstable`, `@deprecated` and `@external-id`");
    Token name = take();
    if (name.begin != at_tok.end)
      fail(at_tok.begin, name.end, "unexpected space after `@`", "write the annotation as `@" + name.text + "`");
    expect(Tok::LParen);
    auto key_value = [&](std::string_view key) {
      if (kind() != Tok::Id || peek().text != key)
        unexpected("`" + std::string(key) + "`", "write `@" + name.text + "(" + std::string(key) + " = ...)`");
      take();
      expect(Tok::Equals);
    };
    auto dup = [&](bool present) {
      if (present)
        fail(at_tok.begin, name.end, "`@" + name.text + "` is given twice", "keep one of the annotations");
    };
    if (name.text == "since") {
      dup(a.gate.since.has_value());
      key_value("version");
      a.gate.since = version_after(prev_.end);
      any_gate = true;
    } else if (name.text == "deprecated") {
      dup(a.gate.deprecated.has_value());
      key_value("version");
      a.gate.deprecated = version_after(prev_.end);
      any_gate = true;
    } else if (name.text == "unstable") {
      dup(a.gate.unstable.has_value());
      key_value("feature");
      a.gate.unstable = id("a feature name").name;
      any_gate = true;
    } else if (name.text == "external-id") {
      dup(a.external_id.has_value());
      if (!at(Tok::String)) unexpected("a string literal", "write `@external-id(\"...\")`");
      a.external_id = take().text;
    } else {
      fail(at_tok.begin, name.end, "unknown annotation `@" + name.text + "`",
           "annotations are `@since(version = x.y.z)`, `@unstable(feature = name)`, "
           "`@deprecated(version = x.y.z)` and `@external-id(\"...\")`");
    }
    expect(Tok::RParen, "close the annotation with `)`");
  }
  if (any_gate) a.gate.span = span_from(begin);
  // Doc comments may also sit between the annotations and the item.
  const std::string& more = docs_here();
  if (!more.empty()) a.docs = a.docs.empty() ? more : a.docs + "\n" + more;
  return a;
}

ast::PackageRef Parser::package_ref() {
  ast::PackageRef ref;
  uint32_t begin = peek().begin;
  std::vector<ast::Id> ids;
  ids.push_back(id("a package namespace"));
  if (!at(Tok::Colon)) unexpected("`:`", "a package name has a namespace: `namespace:name`, e.g. `torvyn:streaming`");
  while (eat(Tok::Colon)) ids.push_back(id("a package name"));
  ref.name = ids.back();
  ids.pop_back();
  ref.namespaces = std::move(ids);
  // Nested packages (🪺): `a:b/c` names package `c` nested in `b`.
  while (at(Tok::Slash)) {
    take();
    ast::Id seg = id("a nested package name");
    ref.name.name += "/" + seg.name;
    ref.name.span.end = seg.span.end;
  }
  if (at(Tok::At)) {
    Token a = take();
    ref.version = version_after(a.end);
  }
  ref.span = span_from(begin);
  return ref;
}

ast::UsePath Parser::use_path() {
  ast::UsePath p;
  uint32_t begin = peek().begin;
  ast::Id first = id("an interface name");
  if (!at(Tok::Colon)) {
    p.name = first;
    p.span = first.span;
    return p;
  }
  ast::PackageRef pkg;
  std::vector<ast::Id> ids{first};
  while (eat(Tok::Colon)) ids.push_back(id("a package name"));
  if (!at(Tok::Slash))
    unexpected("`/`", "refer to an interface of a package as `" + ids.front().name + ":" + ids.back().name +
                          "/interface-name`; a package itself cannot be used here");
  std::vector<ast::Id> segs;
  while (eat(Tok::Slash)) segs.push_back(id("an interface name"));
  p.name = segs.back();
  segs.pop_back();
  pkg.name = ids.back();
  ids.pop_back();
  pkg.namespaces = std::move(ids);
  for (const auto& s : segs) {
    pkg.name.name += "/" + s.name;
    pkg.name.span.end = s.span.end;
  }
  pkg.span = span(begin, p.name.span.begin > 0 ? p.name.span.begin - 1 : begin);
  if (at(Tok::At)) {
    Token a = take();
    pkg.version = version_after(a.end);
    pkg.span.end = prev_.end;
  }
  p.package = std::move(pkg);
  p.span = span_from(begin);
  return p;
}

ast::File Parser::parse_file() {
  ast::File f;
  f.file = file_index_;
  Token enc = lex_.check_encoding();
  if (enc.kind == Tok::Error) fail_lex(enc);
  bool first = true;
  while (!at(Tok::Eof)) {
    if (at(Tok::KwPackage)) {
      std::string docs = docs_here();
      Token kw = take();
      ast::PackageDecl decl;
      decl.docs = std::move(docs);
      decl.name = package_ref();
      if (at(Tok::LBrace)) {
        take();
        ast::NestedPackage nested;
        decl.span = span_from(kw.begin);
        nested.decl = std::move(decl);
        package_items(&nested.items, true);
        expect(Tok::RBrace, "close the nested package with `}`");
        nested.span = span_from(kw.begin);
        f.nested.push_back(std::move(nested));
      } else if (at(Tok::Semicolon)) {
        take();
        decl.span = span_from(kw.begin);
        if (!first)
          fail(kw.begin, prev_.end,
               f.package ? "a file declares its package only once" : "the `package` declaration must come first in the file",
               f.package ? "remove this declaration, or use `package name { ... }` to define another package inline"
                         : "move `" + std::string(text_.substr(kw.begin, prev_.end - kw.begin)) + "` to the top of the file");
        f.package = std::move(decl);
      } else {
        unexpected("`;` or `{`", "end the package declaration with `;`, or define a nested package with `{ ... }`");
      }
    } else {
      package_items(&f.items, false);
    }
    first = false;
  }
  return f;
}

// Top-level items until `}` (nested) or the end of the file or a `package` keyword.
void Parser::package_items(ast::PackageItems* items, bool nested) {
  while (true) {
    if (at(Tok::Eof) || (nested && at(Tok::RBrace)) || (!nested && at(Tok::KwPackage))) return;
    if (nested && at(Tok::KwPackage)) {
      const Token& t = peek();
      fail(t.begin, t.end, "packages cannot be nested inside a nested package",
           "close this package with `}` before starting the next one");
    }
    uint32_t begin = peek().begin;
    ast::Attributes attrs = attributes();
    switch (kind()) {
      case Tok::KwInterface: items->interfaces.push_back(interface(std::move(attrs), begin)); break;
      case Tok::KwWorld: items->worlds.push_back(world(std::move(attrs), begin)); break;
      case Tok::KwUse: {
        take();
        ast::TopUse u;
        u.attrs = std::move(attrs);
        u.path = use_path();
        if (at(Tok::Dot))
          fail(peek().begin, peek().end, "`use path.{...}` is only allowed inside an interface or world",
               "at the top level write `use " + u.path.name.name + ";` (or `use ... as name;`) to bring an interface into scope");
        if (eat(Tok::KwAs)) u.as = id("a name after `as`");
        expect(Tok::Semicolon, "end the `use` with `;`");
        u.span = span_from(begin);
        items->uses.push_back(std::move(u));
        break;
      }
      default: {
        std::string help = "a WIT file holds `package`, `interface`, `world` and `use` items";
        Tok k = kind();
        if (k == Tok::Id && (kind(1) == Tok::Colon))
          help = "functions must be declared inside an `interface` (or imported/exported by a `world`)";
        else if (k == Tok::KwRecord || k == Tok::KwVariant || k == Tok::KwEnum || k == Tok::KwFlags ||
                 k == Tok::KwResource || k == Tok::KwType)
          help = "types must be declared inside an `interface` or a `world`";
        else if (k == Tok::KwImport || k == Tok::KwExport || k == Tok::KwInclude)
          help = "imports, exports and includes belong inside a `world { ... }`";
        unexpected("`interface`, `world`, `use` or `package`", help);
      }
    }
  }
}

ast::Interface Parser::interface(ast::Attributes attrs, uint32_t begin) {
  take();  // `interface`
  ast::Interface iface;
  iface.attrs = std::move(attrs);
  iface.name = id("an interface name");
  interface_body(&iface);
  iface.span = span_from(begin);
  return iface;
}

void Parser::interface_body(ast::Interface* iface) {
  expect(Tok::LBrace, "the interface's items go between `{` and `}`");
  while (!at(Tok::RBrace)) {
    if (at(Tok::Eof)) unexpected("`}`", "close the interface with `}`");
    uint32_t begin = peek().begin;
    ast::Attributes attrs = attributes();
    ast::InterfaceItem item;
    switch (kind()) {
      case Tok::KwUse:
        item.kind = ast::InterfaceItem::Kind::Use;
        item.use = use_item(std::move(attrs), begin);
        break;
      case Tok::KwResource: case Tok::KwRecord: case Tok::KwVariant: case Tok::KwEnum:
      case Tok::KwFlags: case Tok::KwType:
        item.kind = ast::InterfaceItem::Kind::Type;
        item.type = type_decl(std::move(attrs), begin);
        break;
      case Tok::Id:
        item.kind = ast::InterfaceItem::Kind::Func;
        item.func = func_item(std::move(attrs), begin);
        break;
      default: {
        Tok k = kind();
        std::string help = "an interface holds `use`, type definitions and functions (`name: func(...);`)";
        if (k == Tok::KwImport || k == Tok::KwExport || k == Tok::KwInclude)
          help = "imports, exports and includes belong in a `world`, not an `interface`";
        else if (k == Tok::KwFunc)
          help = "a function needs a name: `name: func(...);`";
        else if (is_keyword(k))
          help = "`" + peek().text + "` is a keyword; write `%" + peek().text + "` to use it as a function name";
        unexpected("a type, function or `use`", help);
      }
    }
    iface->items.push_back(std::move(item));
  }
  take();  // `}`
}

ast::World Parser::world(ast::Attributes attrs, uint32_t begin) {
  take();  // `world`
  ast::World w;
  w.attrs = std::move(attrs);
  w.name = id("a world name");
  expect(Tok::LBrace, "the world's items go between `{` and `}`");
  while (!at(Tok::RBrace)) {
    if (at(Tok::Eof)) unexpected("`}`", "close the world with `}`");
    uint32_t item_begin = peek().begin;
    ast::Attributes item_attrs = attributes();
    ast::WorldItem item;
    switch (kind()) {
      case Tok::KwImport:
      case Tok::KwExport: {
        bool import = take().kind == Tok::KwImport;
        item.kind = import ? ast::WorldItem::Kind::Import : ast::WorldItem::Kind::Export;
        item.attrs = std::move(item_attrs);
        item.ext = extern_item(import);
        break;
      }
      case Tok::KwUse:
        item.kind = ast::WorldItem::Kind::Use;
        item.use = use_item(std::move(item_attrs), item_begin);
        break;
      case Tok::KwInclude:
        item.kind = ast::WorldItem::Kind::Include;
        item.include = include_item(std::move(item_attrs), item_begin);
        break;
      case Tok::KwResource: case Tok::KwRecord: case Tok::KwVariant: case Tok::KwEnum:
      case Tok::KwFlags: case Tok::KwType:
        item.kind = ast::WorldItem::Kind::Type;
        item.type = type_decl(std::move(item_attrs), item_begin);
        break;
      default: {
        std::string help = "a world holds `import`, `export`, `include`, `use` and type definitions";
        if (kind() == Tok::Id && kind(1) == Tok::Colon)
          help = "a function in a world is imported or exported: `export " + peek().text + ": func(...);`";
        unexpected("`import`, `export`, `include`, `use` or a type", help);
      }
    }
    item.span = span_from(item_begin);
    w.items.push_back(std::move(item));
  }
  take();  // `}`
  w.span = span_from(begin);
  return w;
}

ast::Extern Parser::extern_item(bool import) {
  ast::Extern e;
  const char* verb = import ? "import" : "export";
  // `import a:b/c;` names an interface of a package; `import a: b;` gives the plain name `a` to
  // interface `b`. WIT lexes `a:b` without spaces as one path (WIT.md), so adjacency decides.
  if (kind() != Tok::Id) {
    if (is_keyword(kind())) id("a name");  // reports the `%` hint
    unexpected("a name or an interface path",
               std::string("write `") + verb + " iface;`, `" + verb + " ns:pkg/iface;` or `" + verb + " name: func(...);`");
  }
  const Token& first = peek(0);
  const Token& colon = peek(1);
  bool plain = colon.kind == Tok::Colon &&
               !(colon.begin == first.end && peek(2).kind == Tok::Id && peek(2).begin == colon.end);
  if (!plain) {
    e.kind = ast::Extern::Kind::Path;
    e.path = use_path();
    expect(Tok::Semicolon, std::string("end the ") + verb + " with `;`");
    return e;
  }
  e.name = id("a name");
  take();  // `:`
  switch (kind()) {
    case Tok::KwFunc:
    case Tok::KwAsync:
      e.kind = ast::Extern::Kind::Func;
      e.func = func_type();
      expect(Tok::Semicolon, "end the function type with `;`");
      break;
    case Tok::KwInterface: {
      e.kind = ast::Extern::Kind::Interface;
      uint32_t begin = take().begin;
      e.interface.name = ast::Id{"", e.name.span};
      interface_body(&e.interface);
      e.interface.span = span_from(begin);
      break;
    }
    case Tok::Id:
      e.kind = ast::Extern::Kind::NamedPath;
      e.path = use_path();
      expect(Tok::Semicolon, std::string("end the ") + verb + " with `;`");
      break;
    default:
      unexpected("`func`, `interface` or an interface path",
                 std::string("after `") + verb + " " + e.name.name +
                     ":` write a function type, `interface { ... }` or the interface it implements");
  }
  return e;
}

ast::Include Parser::include_item(ast::Attributes attrs, uint32_t begin) {
  take();  // `include`
  ast::Include inc;
  inc.attrs = std::move(attrs);
  inc.world = use_path();
  if (eat(Tok::KwWith)) {
    expect(Tok::LBrace, "list the renames as `with { a as b }`");
    while (!at(Tok::RBrace)) {
      ast::Id from = id("a name to rename");
      expect(Tok::KwAs, "rename with `name as new-name`");
      ast::Id to = id("the new name");
      inc.with.emplace_back(std::move(from), std::move(to));
      if (!eat(Tok::Comma)) break;
    }
    expect(Tok::RBrace, "close the renames with `}`");
    eat(Tok::Semicolon);
  } else {
    expect(Tok::Semicolon, "end the include with `;` (or rename with `with { a as b }`)");
  }
  inc.span = span_from(begin);
  return inc;
}

ast::Use Parser::use_item(ast::Attributes attrs, uint32_t begin) {
  take();  // `use`
  ast::Use u;
  u.attrs = std::move(attrs);
  u.path = use_path();
  if (!at(Tok::Dot))
    unexpected("`.`", "inside an interface or world, name the types to use: `use " + u.path.name.name + ".{name, ...};`");
  take();
  expect(Tok::LBrace, "list the names to use between `{` and `}`");
  do {
    if (at(Tok::RBrace) && !u.names.empty()) break;
    ast::UseName n;
    n.name = id("a type name");
    if (eat(Tok::KwAs)) n.as = id("a name after `as`");
    u.names.push_back(std::move(n));
  } while (eat(Tok::Comma));
  expect(Tok::RBrace, "close the list with `}`");
  expect(Tok::Semicolon, "end the `use` with `;`");
  u.span = span_from(begin);
  return u;
}

ast::TypeDecl Parser::type_decl(ast::Attributes attrs, uint32_t begin) {
  ast::TypeDecl d;
  d.attrs = std::move(attrs);
  Token kw = take();
  switch (kw.kind) {
    case Tok::KwResource: d.kind = ast::TypeDeclKind::Resource; break;
    case Tok::KwRecord: d.kind = ast::TypeDeclKind::Record; break;
    case Tok::KwVariant: d.kind = ast::TypeDeclKind::Variant; break;
    case Tok::KwEnum: d.kind = ast::TypeDeclKind::Enum; break;
    case Tok::KwFlags: d.kind = ast::TypeDeclKind::Flags; break;
    default: d.kind = ast::TypeDeclKind::Alias; break;
  }
  d.name = id("a type name");
  switch (d.kind) {
    case ast::TypeDeclKind::Alias:
      expect(Tok::Equals, "a type alias is written `type name = type;`");
      d.target = ty();
      expect(Tok::Semicolon, "end the type alias with `;`");
      break;
    case ast::TypeDeclKind::Resource:
      if (eat(Tok::Semicolon)) break;
      expect(Tok::LBrace, "end the resource with `;`, or list its methods between `{` and `}`");
      while (!at(Tok::RBrace)) {
        if (at(Tok::Eof)) unexpected("`}`", "close the resource with `}`");
        uint32_t fbegin = peek().begin;
        ast::ResourceFunc f;
        f.attrs = attributes();
        if (at(Tok::KwConstructor)) {
          Token c = take();
          f.kind = ast::ResourceFuncKind::Constructor;
          f.name = {"constructor", span(c.begin, c.end)};
          uint32_t tbegin = peek().begin;
          f.type.params = param_list();
          if (eat(Tok::Arrow)) f.type.result = ty();
          f.type.span = span_from(tbegin);
        } else {
          if (kind() != Tok::Id && !is_keyword(kind()))
            unexpected("a method, `static` function or `constructor`",
                       "resource members are `name: func(...);`, `name: static func(...);` or `constructor(...);`");
          f.name = id("a method name");
          expect(Tok::Colon, "a method is written `name: func(...);`");
          if (eat(Tok::KwStatic)) f.kind = ast::ResourceFuncKind::Static;
          f.type = func_type();
        }
        expect(Tok::Semicolon, "end the resource function with `;`");
        f.span = span_from(fbegin);
        d.functions.push_back(std::move(f));
      }
      take();
      break;
    case ast::TypeDeclKind::Record:
      expect(Tok::LBrace, "a record lists its fields: `record name { field: type, ... }`");
      while (!at(Tok::RBrace)) {
        ast::Field f;
        f.docs = docs_here();
        f.name = id("a field name");
        expect(Tok::Colon, "a field is written `name: type`");
        f.type = ty();
        d.fields.push_back(std::move(f));
        if (!eat(Tok::Comma)) break;
      }
      expect(Tok::RBrace, "separate fields with `,` and close the record with `}`");
      break;
    case ast::TypeDeclKind::Variant:
    case ast::TypeDeclKind::Enum:
    case ast::TypeDeclKind::Flags: {
      const char* what = d.kind == ast::TypeDeclKind::Variant ? "a case name"
                         : d.kind == ast::TypeDeclKind::Enum  ? "an enum case name"
                                                               : "a flag name";
      expect(Tok::LBrace, "list the cases between `{` and `}`");
      while (!at(Tok::RBrace)) {
        ast::Case c;
        c.docs = docs_here();
        c.name = id(what);
        if (at(Tok::LParen)) {
          if (d.kind != ast::TypeDeclKind::Variant) {
            const Token& t = peek();
            fail(t.begin, t.end, std::string(d.kind == ast::TypeDeclKind::Enum ? "enum" : "flags") +
                                     " cases cannot carry a payload",
                 "use a `variant` for cases with payloads");
          }
          take();
          c.type = ty();
          expect(Tok::RParen, "close the payload type with `)`");
        }
        d.cases.push_back(std::move(c));
        if (!eat(Tok::Comma)) break;
      }
      expect(Tok::RBrace, "separate cases with `,` and close the list with `}`");
      break;
    }
  }
  d.span = span_from(begin);
  return d;
}

ast::Func Parser::func_item(ast::Attributes attrs, uint32_t begin) {
  ast::Func f;
  f.attrs = std::move(attrs);
  f.name = id("a function name");
  expect(Tok::Colon, "a function is written `name: func(params) -> result;`");
  if (at(Tok::KwStatic)) {
    const Token& t = peek();
    fail(t.begin, t.end, "`static` functions belong inside a `resource`",
         "move the function into the resource's `{ ... }`, or drop `static`");
  }
  f.type = func_type();
  expect(Tok::Semicolon, "end the function with `;`");
  f.span = span_from(begin);
  return f;
}

ast::FuncType Parser::func_type() {
  ast::FuncType t;
  uint32_t begin = peek().begin;
  t.is_async = eat(Tok::KwAsync);
  expect(Tok::KwFunc, "a function type is written `func(params) -> result`");
  t.params = param_list();
  if (eat(Tok::Arrow)) {
    if (at(Tok::LParen)) {
      const Token& p = peek();
      fail(p.begin, p.end, "named results are not supported",
           "return one type: a `tuple<...>` or a `record` for several values");
    }
    t.result = ty();
  }
  t.span = span_from(begin);
  return t;
}

std::vector<ast::Param> Parser::param_list() {
  std::vector<ast::Param> params;
  expect(Tok::LParen, "parameters go between `(` and `)`");
  while (!at(Tok::RParen)) {
    ast::Param p;
    p.name = id("a parameter name");
    expect(Tok::Colon, "a parameter is written `name: type`");
    p.type = ty();
    params.push_back(std::move(p));
    if (!eat(Tok::Comma)) break;
  }
  expect(Tok::RParen, "separate parameters with `,` and close the list with `)`");
  return params;
}

ast::Ty Parser::angle_one(ast::TyKind kind, uint32_t begin, uint32_t depth) {
  ast::Ty t;
  t.kind = kind;
  expect(Tok::Less);
  t.args.push_back(ty(depth + 1));
  expect(Tok::Greater);
  t.span = span_from(begin);
  return t;
}

ast::Ty Parser::ty(uint32_t depth) {
  const Token& tok = peek();
  uint32_t begin = tok.begin;
  if (depth > kMaxTypeDepth)
    fail(tok.begin, tok.end, "type nested too deeply", "types may nest at most 100 levels; name the inner types");
  ast::Ty t;
  auto prim = [&](ast::TyKind k) {
    take();
    t.kind = k;
    t.span = span_from(begin);
    return t;
  };
  switch (tok.kind) {
    case Tok::KwBool: return prim(ast::TyKind::Bool);
    case Tok::KwU8: return prim(ast::TyKind::U8);
    case Tok::KwU16: return prim(ast::TyKind::U16);
    case Tok::KwU32: return prim(ast::TyKind::U32);
    case Tok::KwU64: return prim(ast::TyKind::U64);
    case Tok::KwS8: return prim(ast::TyKind::S8);
    case Tok::KwS16: return prim(ast::TyKind::S16);
    case Tok::KwS32: return prim(ast::TyKind::S32);
    case Tok::KwS64: return prim(ast::TyKind::S64);
    case Tok::KwF32: return prim(ast::TyKind::F32);
    case Tok::KwF64: return prim(ast::TyKind::F64);
    case Tok::KwChar: return prim(ast::TyKind::Char);
    case Tok::KwString: return prim(ast::TyKind::String);
    case Tok::Id: {
      Token n = take();
      t.kind = ast::TyKind::Named;
      t.name = {n.text, span(n.begin, n.end)};
      t.span = t.name.span;
      return t;
    }
    case Tok::KwList: {
      take();
      t.kind = ast::TyKind::List;
      expect(Tok::Less, "write `list<type>`");
      t.args.push_back(ty(depth + 1));
      if (eat(Tok::Comma)) {
        Token n = peek();
        if (n.kind != Tok::Integer) unexpected("a length", "a fixed-length list is written `list<type, N>`");
        take();
        uint64_t v = 0;
        bool ok = !n.text.empty() && n.text[0] != '0' && n.text.size() <= 10;
        for (char c : n.text) v = v * 10 + static_cast<uint64_t>(c - '0');
        if (!ok || v > 0xFFFFFFFFull)
          fail(n.begin, n.end, "invalid list length `" + n.text + "`",
               "a fixed list length is a positive integer without leading zeros, below 2^32");
        t.length = static_cast<uint32_t>(v);
      }
      expect(Tok::Greater, "close the list type with `>`");
      t.span = span_from(begin);
      return t;
    }
    case Tok::KwOption: take(); return angle_one(ast::TyKind::Option, begin, depth);
    case Tok::KwOwn:
    case Tok::KwBorrow: {
      bool own = take().kind == Tok::KwOwn;
      t.kind = own ? ast::TyKind::Own : ast::TyKind::Borrow;
      expect(Tok::Less, own ? "write `own<resource>`" : "write `borrow<resource>`");
      t.name = id("a resource name");
      expect(Tok::Greater, "close the handle type with `>`");
      t.span = span_from(begin);
      return t;
    }
    case Tok::KwFuture:
    case Tok::KwStream: {
      t.kind = take().kind == Tok::KwFuture ? ast::TyKind::Future : ast::TyKind::Stream;
      if (eat(Tok::Less)) {
        t.args.push_back(ty(depth + 1));
        expect(Tok::Greater);
      }
      t.span = span_from(begin);
      return t;
    }
    case Tok::KwResult: {
      take();
      t.kind = ast::TyKind::Result;
      if (eat(Tok::Less)) {
        if (at(Tok::Underscore)) {
          Token u = take();
          if (!at(Tok::Comma))
            fail(u.begin, u.end, "`result<_>` names no types",
                 "write `result` for neither type, or `result<_, error-type>` for only an error type");
        } else {
          t.args.push_back(ty(depth + 1));
          t.has_ok = true;
        }
        if (eat(Tok::Comma)) {
          t.args.push_back(ty(depth + 1));
          t.has_err = true;
        }
        expect(Tok::Greater, "close the result type with `>`");
      }
      t.span = span_from(begin);
      return t;
    }
    case Tok::KwTuple: {
      take();
      t.kind = ast::TyKind::Tuple;
      expect(Tok::Less, "write `tuple<type, ...>`");
      while (!at(Tok::Greater)) {
        t.args.push_back(ty(depth + 1));
        if (!eat(Tok::Comma)) break;
      }
      expect(Tok::Greater, "separate tuple types with `,` and close with `>`");
      t.span = span_from(begin);
      return t;
    }
    case Tok::KwMap: {
      take();
      t.kind = ast::TyKind::Map;
      expect(Tok::Less, "write `map<key-type, value-type>`");
      t.args.push_back(ty(depth + 1));
      expect(Tok::Comma, "a map has a key and a value type: `map<K, V>`");
      t.args.push_back(ty(depth + 1));
      expect(Tok::Greater, "close the map type with `>`");
      t.span = span_from(begin);
      return t;
    }
    default: break;
  }
  std::string help;
  if (tok.kind == Tok::Underscore) help = "`_` only stands for a missing ok type in `result<_, error>`";
  else if (is_keyword(tok.kind)) help = "`" + tok.text + "` is a keyword; write `%" + tok.text + "` to refer to a type of that name";
  unexpected("a type", help);
}

}  // namespace

ParseOutput parse_file(std::string_view text, const std::string& file_name, uint32_t file_index) {
  ParseOutput out;
  Parser p(text, file_name, file_index, &out.diagnostics);
  try {
    out.file = p.parse_file();
  } catch (const ParseAbort&) {
    out.file.reset();
  }
  return out;
}

}  // namespace torvyn::wit

// The syntax tree of one WIT file, as the parser produces it: names are still unresolved text, and
// every node keeps the byte span it came from so the resolver can point its diagnostics at it.
// Follows the grammar of WIT.md; see parser.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "torvyn/wit/version.h"

namespace torvyn::wit::ast {

// A byte range [begin, end) in source file number `file` (an index the caller assigns).
struct Span {
  uint32_t file = 0;
  uint32_t begin = 0;
  uint32_t end = 0;
};

struct Id {
  std::string name;  // without the `%` escape
  Span span;
};

// `@since(version = ..)`, `@unstable(feature = ..)`, `@deprecated(version = ..)`.
struct Gate {
  std::optional<Version> since;
  std::optional<std::string> unstable;  // the feature name
  std::optional<Version> deprecated;
  Span span;  // all annotations together; empty when there are none
  bool empty() const { return !since && !unstable && !deprecated; }
};

// `ns:name@1.0.0`; with nested namespaces (WIT.md 🪺) `a:b:c` has namespaces {a, b} and name c.
struct PackageRef {
  std::vector<Id> namespaces;  // at least one
  Id name;
  std::optional<Version> version;
  Span span;
};

// An interface reference: `types` (the current package) or `wasi:io/streams@0.2.0`.
struct UsePath {
  std::optional<PackageRef> package;  // absent for a bare interface name
  Id name;                            // the interface
  Span span;
};

enum class TyKind {
  Bool, U8, U16, U32, U64, S8, S16, S32, S64, F32, F64, Char, String,
  Named,   // `name`
  List,    // list<T> or list<T, N>
  Option,  // option<T>
  Result,  // result, result<T>, result<_, E>, result<T, E>
  Tuple,   // tuple<T, ...>
  Map,     // map<K, V>
  Future,  // future, future<T>
  Stream,  // stream, stream<T>
  Own,     // own<name>
  Borrow,  // borrow<name>
};

struct Ty {
  TyKind kind = TyKind::Bool;
  Id name;               // Named, Own, Borrow
  std::vector<Ty> args;  // List/Option/Future/Stream: 0..1; Tuple: n; Map: 2; Result: see below
  bool has_ok = false;   // Result: args holds ok (if has_ok) then err (if has_err)
  bool has_err = false;
  uint32_t length = 0;   // List: 0 = variable length, N = list<T, N>
  Span span;
};

struct Param {
  Id name;
  Ty type;
};

struct FuncType {
  bool is_async = false;
  std::vector<Param> params;
  std::optional<Ty> result;
  Span span;
};

struct Attributes {
  std::string docs;
  Gate gate;
  std::optional<std::string> external_id;  // `@external-id("...")`
};

struct Func {
  Id name;
  FuncType type;
  Attributes attrs;
  Span span;
};

enum class ResourceFuncKind { Method, Static, Constructor };

struct ResourceFunc {
  ResourceFuncKind kind = ResourceFuncKind::Method;
  Id name;  // for a constructor: "constructor" at the keyword
  FuncType type;
  Attributes attrs;
  Span span;
};

struct Field {
  Id name;
  Ty type;
  std::string docs;
};

struct Case {
  Id name;
  std::optional<Ty> type;  // variants only
  std::string docs;
};

enum class TypeDeclKind { Resource, Record, Variant, Enum, Flags, Alias };

struct TypeDecl {
  TypeDeclKind kind = TypeDeclKind::Record;
  Id name;
  std::vector<Field> fields;            // Record
  std::vector<Case> cases;              // Variant, Enum, Flags
  std::vector<ResourceFunc> functions;  // Resource
  std::optional<Ty> target;             // Alias
  Attributes attrs;
  Span span;
};

struct UseName {
  Id name;
  std::optional<Id> as;
};

// `use path.{a, b as c};` inside an interface or world.
struct Use {
  UsePath path;
  std::vector<UseName> names;
  Attributes attrs;
  Span span;
};

struct InterfaceItem {
  enum class Kind { Use, Type, Func } kind = Kind::Func;
  Use use;
  TypeDecl type;
  Func func;
};

struct Interface {
  Id name;  // empty name for an inline `import x: interface { ... }`
  std::vector<InterfaceItem> items;
  Attributes attrs;
  Span span;
};

// What an import or export names.
struct Extern {
  enum class Kind {
    Path,       // import wasi:io/streams;  import types;
    Func,       // import name: func(...);
    Interface,  // import name: interface { ... }
    NamedPath,  // import name: wasi:keyvalue/store;   (plain name implementing an interface)
  } kind = Kind::Path;
  Id name;  // plain name (not for Path)
  UsePath path;
  FuncType func;
  Interface interface;
};

struct Include {
  UsePath world;
  std::vector<std::pair<Id, Id>> with;  // `with { a as b }`
  Attributes attrs;
  Span span;
};

struct WorldItem {
  enum class Kind { Import, Export, Use, Type, Include } kind = Kind::Import;
  Extern ext;  // Import, Export
  Use use;
  TypeDecl type;
  Include include;
  Attributes attrs;  // Import, Export (Use/Type/Include carry their own)
  Span span;
};

struct World {
  Id name;
  std::vector<WorldItem> items;
  Attributes attrs;
  Span span;
};

// `use wasi:http/types@1.0.0 as http-types;` at the top level of a file.
struct TopUse {
  UsePath path;
  std::optional<Id> as;
  Attributes attrs;
  Span span;
};

struct PackageItems {
  std::vector<TopUse> uses;
  std::vector<Interface> interfaces;
  std::vector<World> worlds;
};

struct PackageDecl {
  PackageRef name;
  std::string docs;
  Span span;
};

// `package a:b { ... }` inside a file.
struct NestedPackage {
  PackageDecl decl;
  PackageItems items;
  Span span;
};

struct File {
  uint32_t file = 0;
  std::optional<PackageDecl> package;  // the leading `package ...;`
  PackageItems items;                  // items outside nested packages
  std::vector<NestedPackage> nested;
};

}  // namespace torvyn::wit::ast

// The resolved WIT model: packages, interfaces, worlds, types and functions with every name
// resolved to the definition it denotes.
//
// Ownership: a Resolve owns every object in arenas (stable addresses); the objects point at each
// other with plain `const T*`, valid for as long as the Resolve lives (ResolveResult hands it out
// as a shared_ptr). The model is immutable once resolution has finished.
//
// Conventions worth knowing:
//  - Anonymous types (`list<u8>`, `option<T>`, `result<..>`, `tuple<..>`, `own<r>`/`borrow<r>`,
//    `future`, `stream`, `map`) are TypeDefs with an empty name, one per occurrence.
//  - A named reference to a resource in type position (`payload: buffer`) is an own handle: an
//    anonymous TypeDef of kind Handle/Own pointing at the resource.
//  - `use types.{buffer}` creates a TypeDef of kind Alias (from_use = true) in the using interface or
//    world, pointing at the original definition; dealias() follows such chains.
//  - Methods take the implicit `self: borrow<resource>` as their first parameter; constructors have
//    the implicit result `own<resource>` (or the `result<resource, e>` written for a fallible one).
//  - Worlds are elaborated: `include`s are merged into imports/exports (interface-named items
//    de-duplicated, `with` renames applied); interfaces that an imported item transitively `use`s
//    and that the world does not import are added as implicit imports (WorldItem::implicit). Imports
//    are ordered so every interface comes after the interfaces it uses (an explicit import of a
//    dependency written further down moves up), which is the order a component type needs.
//  - Gates (`@since`, `@unstable`, `@deprecated`) are kept on every item; nothing is filtered out.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/base/diagnostic.h"
#include "torvyn/base/result.h"
#include "torvyn/wit/version.h"

namespace torvyn::wit {

struct TypeDef;
struct Interface;
struct World;
struct Package;
struct Function;

enum class TypeKind {
  Bool, U8, U16, U32, U64, S8, S16, S32, S64, F32, F64, Char, String,
  Def,  // any other type: see Type::def
};

// A use of a type: a primitive, or a reference to a TypeDef (named or anonymous).
struct Type {
  TypeKind kind = TypeKind::Bool;
  const TypeDef* def = nullptr;  // non-null iff kind == Def

  static Type of(const TypeDef* d) { return Type{TypeKind::Def, d}; }
  bool is_primitive() const { return kind != TypeKind::Def; }
};

enum class TypeDefKind {
  Record, Variant, Enum, Flags, Resource, Handle, Tuple, List, Option, Result, Map, Future, Stream,
  Alias,  // `type a = b;` or a `use`d name
};
enum class HandleKind { Own, Borrow };

// `@since(version = ..)`, `@unstable(feature = ..)`, `@deprecated(version = ..)`.
struct Gate {
  std::optional<Version> since;
  std::optional<std::string> unstable;  // feature name
  std::optional<Version> deprecated;
  bool empty() const { return !since && !unstable && !deprecated; }
};

struct Field {
  std::string name;
  Type type;
  std::string docs;
  SourceLocation location;
};

struct Case {
  std::string name;
  std::optional<Type> type;  // variant payload; always empty for enum and flags
  std::string docs;
  SourceLocation location;
};

struct TypeDef {
  std::string name;  // "" for anonymous types
  TypeDefKind kind = TypeDefKind::Record;
  const Interface* interface = nullptr;  // the owner: an interface...
  const World* world = nullptr;          // ...or a world (world-level `use`/typedefs); both null for anonymous types

  std::vector<Field> fields;      // Record
  std::vector<Case> cases;        // Variant, Enum, Flags
  std::vector<Type> tuple;        // Tuple
  std::optional<Type> element;    // List, Option; Future/Stream when they carry a type
  uint32_t list_length = 0;       // List: 0 = variable length, N = list<T, N>
  std::optional<Type> ok, err;    // Result
  std::optional<Type> key, value; // Map
  HandleKind handle = HandleKind::Own;  // Handle
  const TypeDef* resource = nullptr;    // Handle: the resource as named (may be a `use` alias; see dealias)
  std::optional<Type> target;     // Alias
  bool from_use = false;          // Alias created by `use iface.{name}`

  std::string docs;
  Gate gate;
  std::string external_id;
  SourceLocation location;
};

// Follows Alias chains to the definition (for `use`d and `type a = b` names). Never null for non-null input.
const TypeDef* dealias(const TypeDef* def);
// The Type an alias chain finally denotes (a primitive or a non-alias TypeDef).
Type dealias(Type t);
// The resource a Handle refers to, through aliases.
const TypeDef* handle_resource(const TypeDef* handle);
bool is_resource(const TypeDef* def);  // after dealias

enum class FunctionKind { Freestanding, Method, Static, Constructor };

struct Param {
  std::string name;
  Type type;
};

struct Function {
  std::string name;  // as written: "read-all"; "constructor" for constructors
  FunctionKind kind = FunctionKind::Freestanding;
  const TypeDef* resource = nullptr;  // Method/Static/Constructor
  const Interface* interface = nullptr;  // null for a function imported/exported by a world
  std::vector<Param> params;  // methods: `self: borrow<resource>` first
  std::optional<Type> result;
  bool is_async = false;
  std::string docs;
  Gate gate;
  std::string external_id;
  SourceLocation location;

  // The Component Model name: "read", "[method]buffer.read", "[static]blob.merge", "[constructor]blob".
  std::string component_name() const;
  // "buffer.read" for resource functions, "buffer.constructor" for constructors, else the name.
  std::string qualified_name() const;
};

struct Interface {
  std::string name;  // "" for an inline interface in a world (`import x: interface { .. }`)
  const Package* package = nullptr;
  const World* world = nullptr;  // inline interfaces: the world they appear in
  std::vector<const TypeDef*> types;      // named types in source order, `use` aliases included
  std::vector<const Function*> functions; // source order; resource functions follow their resource
  std::vector<const Interface*> uses;     // interfaces this one `use`s, deduplicated
  std::string docs;
  Gate gate;
  SourceLocation location;

  // "torvyn:streaming/types@0.1.0"; "" for inline interfaces.
  std::string id() const;
  const TypeDef* type(std::string_view name) const;
  // A freestanding function by name, or a resource function by "resource.name" / component name.
  const Function* function(std::string_view name) const;
  std::vector<const Function*> resource_functions(const TypeDef* resource) const;
};

enum class WorldItemKind { Interface, Function, Type };

struct WorldItem {
  WorldItemKind kind = WorldItemKind::Interface;
  // The import/export name: the interface id ("torvyn:streaming/types@0.1.0") for items named by
  // interface, the plain name otherwise ("run", "my-handler").
  std::string name;
  bool interface_name = false;  // named by interface (`import types;`), not by a plain name
  const Interface* interface = nullptr;  // Interface: referenced, or inline (empty name)
  const Function* function = nullptr;    // Function
  const TypeDef* type = nullptr;         // Type (world-level `use` or typedef; imports only)
  bool implicit = false;  // an interface import added because an item `use`s it
  std::string docs;
  Gate gate;
  std::string external_id;
  SourceLocation location;
};

struct Include {
  const World* world = nullptr;
  std::vector<std::pair<std::string, std::string>> with;  // renames: from, to
  Gate gate;
  SourceLocation location;
};

struct World {
  std::string name;
  const Package* package = nullptr;
  std::vector<WorldItem> imports;  // elaborated (includes merged, implicit imports added)
  std::vector<WorldItem> exports;
  std::vector<Include> includes;   // as written
  std::string docs;
  Gate gate;
  SourceLocation location;

  std::string id() const;  // "torvyn:streaming/transform@0.1.0"
  // By exact name, or an interface id without its version ("torvyn:streaming/types"), or the bare
  // interface name when exactly one item has it ("types").
  const WorldItem* find_import(std::string_view name) const;
  const WorldItem* find_export(std::string_view name) const;
};

struct PackageName {
  std::string ns;    // "torvyn"; nested namespaces joined with ':' ("a:b")
  std::string name;  // "streaming"; nested packages joined with '/'
  std::optional<Version> version;

  std::string to_string() const;    // "torvyn:streaming@0.1.0"
  std::string unversioned() const;  // "torvyn:streaming"
  bool operator==(const PackageName& o) const {
    return ns == o.ns && name == o.name && version == o.version;
  }
};

struct Package {
  PackageName name;
  std::vector<const Interface*> interfaces;  // source order
  std::vector<const World*> worlds;
  std::string docs;
  SourceLocation location;          // the (first) package declaration
  std::vector<std::string> files;   // the files it was read from

  const Interface* interface(std::string_view name) const;
  const World* world(std::string_view name) const;
};

struct Resolve {
  // Packages in dependency order: every package comes after the packages it uses.
  std::vector<std::unique_ptr<Package>> packages;
  const Package* root = nullptr;  // the package that was asked for (directory or first source)

  // Arenas; everything above points into these.
  std::vector<std::unique_ptr<Interface>> interfaces;
  std::vector<std::unique_ptr<World>> worlds;
  std::vector<std::unique_ptr<TypeDef>> types;
  std::vector<std::unique_ptr<Function>> functions;

  // "ns:name@1.0.0", or "ns:name" when exactly one version is present.
  const Package* package(std::string_view name) const;
  // "ns:name/iface@1.0.0" (or without the version when unambiguous).
  const Interface* interface(std::string_view id) const;
  const World* world(std::string_view id) const;
  // World selection as WIT.md "Specifying a World" describes: "" = the root package's only world;
  // a plain name = that world of the root package; "ns:pkg/world[@v]" = a world of any package.
  Result<const World*> select_world(std::string_view spec = "") const;
};

std::string_view kind_name(TypeDefKind k);
std::string_view primitive_name(TypeKind k);  // "u32", ...; "" for Def

}  // namespace torvyn::wit

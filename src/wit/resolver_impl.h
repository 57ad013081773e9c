// Internal: the resolver's shared state and helpers, split over resolve_packages.cc (grouping
// files into packages, their order, names at package level), resolve_types.cc (interfaces, types,
// functions) and resolve_worlds.cc (worlds, includes, implicit imports).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "resolver.h"
#include "torvyn/wit/ast.h"
#include "torvyn/wit/parser.h"

namespace torvyn::wit::detail {

std::string lower(std::string_view s);
// The candidate closest to `name`, if it is close enough to be a likely typo.
std::optional<std::string> closest(std::string_view name, const std::vector<std::string>& candidates);
// "`a`, `b`, ..." (at most `max` names).
std::string quoted_list(const std::vector<std::string>& names, size_t max = 8);
Gate to_gate(const ast::Gate& g);
PackageName to_name(const ast::PackageRef& r);

// ---- topological sort ----

struct Edge {
  size_t to;
  ast::Span span;
};

struct Topo {
  std::vector<size_t> order;        // nodes whose dependencies all come first
  std::vector<size_t> cycle;        // one cycle among the rest (empty if none)
  ast::Span cycle_span;             // the reference that closes it
};

// deps[i]: the nodes node i depends on. Kahn's algorithm, smallest index first (so source order
// is kept where dependencies allow). Nodes on or behind a cycle are left out of `order`.
Topo topo_sort(const std::vector<std::vector<Edge>>& deps);

// ---- units: one package to resolve, from one or more file bodies ----

struct Unit {
  PackageName name;
  std::string full;  // name.to_string()
  std::vector<const ast::PackageItems*> bodies;
  std::vector<uint32_t> body_file;
  std::vector<uint32_t> files;
  ast::Span decl_span;
  std::string docs;
  std::string fingerprint;
  bool is_root = false;
  Package* pkg = nullptr;
};

struct ScopeEntry {
  enum class Kind { Type, Func } kind = Kind::Type;
  TypeDef* type = nullptr;
  std::string name;
  ast::Span span;
};

struct Scope {
  std::string what;  // "interface `types`", "world `transform`"
  std::map<std::string, ScopeEntry> names;  // lower-cased
};

class Resolver {
 public:
  explicit Resolver(Input in) : in_(std::move(in)), out_(std::make_shared<Resolve>()) {}
  ResolveResult run();

 private:
  // ---- diagnostics ----
  SourceLocation loc(ast::Span s) const {
    if (s.file >= lines_.size()) return {};
    return lines_[s.file].locate(in_.files[s.file].name, s.begin, s.end);
  }
  std::string where(ast::Span s) const {
    SourceLocation l = loc(s);
    return l.file + ":" + std::to_string(l.line) + ":" + std::to_string(l.column);
  }
  Diagnostic& error(ErrorCode code, ast::Span s, std::string message, std::string help = "") {
    Diagnostic d;
    d.code = code;
    d.message = std::move(message);
    d.location = loc(s);
    d.help = std::move(help);
    diags_.push_back(std::move(d));
    return diags_.back();
  }
  // Registers `name` in a case-insensitive scope; reports a duplicate and returns false.
  bool declare(std::map<std::string, ast::Span>& seen, const ast::Id& id, std::string_view what,
               std::string_view scope) {
    auto [it, fresh] = seen.emplace(lower(id.name), id.span);
    if (fresh) return true;
    std::string first = std::string(in_.files[it->second.file].text.substr(it->second.begin,
                                                                             it->second.end - it->second.begin));
    auto& d = error(ErrorCode::WitDuplicateDefinition, id.span,
                    std::string(what) + " `" + id.name + "` is defined twice in " + std::string(scope),
                    "rename one of them or remove the duplicate");
    if (first != id.name) d.notes.push_back("names are case-insensitive: `" + id.name + "` clashes with `" + first + "`");
    d.notes.push_back("first defined at " + where(it->second));
    return false;
  }

  // ---- arenas ----
  TypeDef* new_type() {
    out_->types.push_back(std::make_unique<TypeDef>());
    return out_->types.back().get();
  }
  Function* new_function() {
    out_->functions.push_back(std::make_unique<Function>());
    return out_->functions.back().get();
  }
  Interface* new_interface() {
    out_->interfaces.push_back(std::make_unique<Interface>());
    return out_->interfaces.back().get();
  }

  // ---- phases ----
  bool build_units();
  bool order_units(std::vector<Unit*>* order);
  void resolve_unit(Unit* u);

  // ---- per package ----
  Interface* resolve_iface_path(const ast::UsePath& p, size_t body, bool file_scope = true);
  World* resolve_world_path(const ast::UsePath& p, size_t body);
  void resolve_interface(const ast::Interface& a, Interface* iface, size_t body);
  std::vector<TypeDef*> handle_use(const ast::Use& u, Scope& scope, Interface* owner_i, World* owner_w,
                                   size_t body, std::vector<const Interface*>* uses);
  TypeDef* declare_type(const ast::TypeDecl& d, Scope& scope, Interface* owner_i, World* owner_w);
  bool declare_name(Scope& scope, const ast::Id& id, ScopeEntry::Kind kind, TypeDef* def, std::string_view what);
  void resolve_type_bodies(const std::vector<std::pair<TypeDef*, const ast::TypeDecl*>>& decls, Scope& scope);
  void resolve_type_body(TypeDef* def, const ast::TypeDecl& d, Scope& scope);
  Type resolve_ty(const ast::Ty& t, Scope& scope, bool alias_target = false);
  TypeDef* make_handle(HandleKind kind, const TypeDef* resource);
  Type placeholder() { return Type{TypeKind::Bool, nullptr}; }
  void unknown_type(const ast::Id& name, Scope& scope);
  Function* make_function(const ast::Id& name, const ast::FuncType& ft, const ast::Attributes& attrs,
                          Scope& scope, FunctionKind kind, const TypeDef* resource, ast::Span result_span);
  void resource_functions(const ast::TypeDecl& d, TypeDef* res, Scope& scope,
                          std::vector<const Function*>* out);
  // Worlds (resolve_worlds.cc): resolve_world runs one pass per step below.
  struct WorldParts;  // the imports and exports being gathered, with their names
  void resolve_world(const ast::World& a, World* w, size_t body);
  std::map<const ast::WorldItem*, std::vector<TypeDef*>> resolve_world_types(const ast::World& a, World* w, size_t body, Scope& scope);
  void add_world_item(WorldParts& parts, const World* w, WorldItem item, bool is_import, ast::Span span, bool included,
                      const std::string& include_name);
  void add_world_types(WorldParts& parts, const World* w, const ast::WorldItem& it, const std::vector<TypeDef*>& types, Scope& scope);
  void add_world_extern(WorldParts& parts, World* w, const ast::WorldItem& it, size_t body, Scope& scope);
  void add_world_include(WorldParts& parts, World* w, const ast::Include& inc, size_t body);
  std::vector<WorldItem> order_imports(std::vector<WorldItem> imports, std::set<const Interface*>& present);
  void check_export_uses(const World* w, const std::vector<WorldItem>& exports, std::set<const Interface*> present);
  void check_gate(const ast::Attributes& a);

  Input in_;
  std::vector<LineIndex> lines_;  // per file, for locations
  std::vector<std::optional<ast::File>> asts_;
  std::vector<Diagnostic> diags_;
  std::shared_ptr<Resolve> out_;
  std::vector<std::unique_ptr<Unit>> units_;
  std::map<std::string, Unit*> unit_by_name_;
  std::map<std::string, Package*> packages_;

  // State of the package being resolved.
  Unit* cur_ = nullptr;
  std::map<std::string, Interface*> ifaces_;
  std::map<std::string, std::pair<const ast::Interface*, size_t>> iface_ast_;
  std::map<std::string, World*> worlds_;
  std::map<std::string, std::pair<const ast::World*, size_t>> world_ast_;
  std::vector<std::map<std::string, const ast::TopUse*>> file_uses_;
  std::map<const ast::UsePath*, Interface*> path_cache_;
  std::set<const Interface*> failed_ifaces_;
  std::set<const World*> failed_worlds_;
  bool gate_version_reported_ = false;
};

// Calls f(path, body) for every package-qualified reference in a package's bodies.
template <typename F>
void for_each_path(const Unit& u, F f) {
  for (size_t b = 0; b < u.bodies.size(); ++b) {
    const ast::PackageItems& items = *u.bodies[b];
    auto iface_paths = [&](const ast::Interface& i) {
      for (const auto& it : i.items)
        if (it.kind == ast::InterfaceItem::Kind::Use) f(it.use.path);
    };
    for (const auto& tu : items.uses) f(tu.path);
    for (const auto& i : items.interfaces) iface_paths(i);
    for (const auto& w : items.worlds)
      for (const auto& it : w.items) {
        switch (it.kind) {
          case ast::WorldItem::Kind::Import:
          case ast::WorldItem::Kind::Export:
            if (it.ext.kind == ast::Extern::Kind::Path || it.ext.kind == ast::Extern::Kind::NamedPath)
              f(it.ext.path);
            else if (it.ext.kind == ast::Extern::Kind::Interface)
              iface_paths(it.ext.interface);
            break;
          case ast::WorldItem::Kind::Use: f(it.use.path); break;
          case ast::WorldItem::Kind::Include: f(it.include.world); break;
          case ast::WorldItem::Kind::Type: break;
        }
      }
  }
}

// Names referred to by a type expression (Named, own<..>, borrow<..>), for dependency ordering.
void collect_refs(const ast::Ty& t, std::vector<const ast::Id*>* out);
// Whether a value of type `t` can hold a borrow handle (through named types too).
bool contains_borrow(Type t);
// Interfaces `iface` uses, directly or not, dependencies first (post-order), without `iface`.
std::vector<const Interface*> transitive_uses(const Interface* iface);

}  // namespace torvyn::wit::detail

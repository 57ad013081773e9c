// Worlds: imports and exports, includes (with renames), implicit imports, export dependencies.
#include <algorithm>

#include "resolver_impl.h"

namespace torvyn::wit::detail {

// Interfaces `iface` uses, directly or not, dependencies first (post-order), without `iface`.
std::vector<const Interface*> transitive_uses(const Interface* iface) {
  std::vector<const Interface*> out;
  std::set<const Interface*> seen{iface};
  std::vector<std::pair<const Interface*, size_t>> stack{{iface, 0}};
  while (!stack.empty()) {
    auto& [cur, next] = stack.back();
    if (next < cur->uses.size()) {
      const Interface* d = cur->uses[next++];
      if (seen.insert(d).second) stack.push_back({d, 0});
    } else {
      if (cur != iface) out.push_back(cur);
      stack.pop_back();
    }
  }
  return out;
}

struct Resolver::WorldParts {
  struct NameInfo {
    ast::Span span;
    const Interface* iface = nullptr;  // interface-named items
    bool included = false;
  };
  std::map<std::string, NameInfo> import_names, export_names;
  std::vector<WorldItem> imports, exports;
};

void Resolver::resolve_world(const ast::World& a, World* w, size_t body) {
  Scope scope;
  scope.what = "world `" + w->name + "`";
  auto item_types = resolve_world_types(a, w, body, scope);
  WorldParts parts;
  for (const auto& it : a.items) {
    switch (it.kind) {
      case ast::WorldItem::Kind::Use:
      case ast::WorldItem::Kind::Type: add_world_types(parts, w, it, item_types[&it], scope); break;
      case ast::WorldItem::Kind::Import:
      case ast::WorldItem::Kind::Export: add_world_extern(parts, w, it, body, scope); break;
      case ast::WorldItem::Kind::Include: add_world_include(parts, w, it.include, body); break;
    }
  }
  std::set<const Interface*> present;
  for (const auto& i : parts.imports)
    if (i.kind == WorldItemKind::Interface && i.interface_name) present.insert(i.interface);
  w->imports = order_imports(std::move(parts.imports), present);
  check_export_uses(w, parts.exports, std::move(present));
  w->exports = std::move(parts.exports);
}

// Pass 1: world-level types (`use` and typedefs), so that functions can refer to them.
std::map<const ast::WorldItem*, std::vector<TypeDef*>> Resolver::resolve_world_types(const ast::World& a, World* w, size_t body,
                                                                                      Scope& scope) {
  std::vector<std::pair<TypeDef*, const ast::TypeDecl*>> decls;
  std::map<const ast::WorldItem*, std::vector<TypeDef*>> item_types;
  std::vector<const Interface*> world_uses;
  for (const auto& it : a.items) {
    if (it.kind == ast::WorldItem::Kind::Use) {
      item_types[&it] = handle_use(it.use, scope, nullptr, w, body, &world_uses);
    } else if (it.kind == ast::WorldItem::Kind::Type) {
      TypeDef* t = declare_type(it.type, scope, nullptr, w);
      decls.emplace_back(t, &it.type);
      item_types[&it] = {t};
    }
  }
  resolve_type_bodies(decls, scope);
  return item_types;
}

// Adds an item; interface-named duplicates merge (includes de-duplicate), plain names conflict.
void Resolver::add_world_item(WorldParts& parts, const World* w, WorldItem item, bool is_import, ast::Span span, bool included,
                              const std::string& include_name) {
  auto& names = is_import ? parts.import_names : parts.export_names;
  auto& list = is_import ? parts.imports : parts.exports;
  std::string key = lower(item.name);
  auto it = names.find(key);
  if (it != names.end()) {
    if (item.interface_name && it->second.iface == item.interface) {
      if (!included && !it->second.included) {
        auto& d = error(ErrorCode::WitDuplicateDefinition, span,
                        "interface `" + item.name + "` is " + (is_import ? "imported" : "exported") + " twice by world `" + w->name + "`",
                        "remove one of the two");
        d.notes.push_back("first at " + where(it->second.span));
      }
      return;
    }
    if (included) {
      auto& d = error(ErrorCode::WitInvalidWorld, span,
                      "`include " + include_name + "` brings " + (is_import ? "import" : "export") + " `" + item.name +
                          "`, which world `" + w->name + "` already has",
                      "rename the included item: `include " + include_name + " with { " + item.name + " as other-name }`");
      d.notes.push_back("the existing `" + item.name + "` is at " + where(it->second.span));
    } else {
      auto& d = error(ErrorCode::WitDuplicateDefinition, span,
                      std::string(is_import ? "import" : "export") + " `" + item.name + "` is defined twice in world `" + w->name + "`",
                      std::string("each ") + (is_import ? "import" : "export") + " name must be unique (case-insensitively) within a world");
      d.notes.push_back("first defined at " + where(it->second.span));
    }
    return;
  }
  names[key] = WorldParts::NameInfo{span, item.interface_name ? item.interface : nullptr, included};
  list.push_back(std::move(item));
}

// A `use` or typedef: its types are imports of the world (a resource's functions too).
void Resolver::add_world_types(WorldParts& parts, const World* w, const ast::WorldItem& it, const std::vector<TypeDef*>& types,
                               Scope& scope) {
  ast::Span span = it.kind == ast::WorldItem::Kind::Use ? it.use.span : it.type.name.span;
  for (TypeDef* t : types) {
    WorldItem wi;
    wi.kind = WorldItemKind::Type;
    wi.name = t->name;
    wi.type = t;
    wi.docs = t->docs;
    wi.gate = t->gate;
    wi.location = t->location;
    add_world_item(parts, w, wi, true, span, false, "");
    if (t->kind == TypeDefKind::Resource) {
      std::vector<const Function*> fns;
      resource_functions(it.type, t, scope, &fns);
      for (const Function* f : fns) {
        WorldItem fi;
        fi.kind = WorldItemKind::Function;
        fi.name = f->component_name();
        fi.function = f;
        fi.docs = f->docs;
        fi.gate = f->gate;
        fi.location = f->location;
        add_world_item(parts, w, fi, true, span, false, "");
      }
    }
  }
}

// `import` / `export` of an interface (by path or inline), or of a function.
void Resolver::add_world_extern(WorldParts& parts, World* w, const ast::WorldItem& it, size_t body, Scope& scope) {
  check_gate(it.attrs);
  bool is_import = it.kind == ast::WorldItem::Kind::Import;
  WorldItem wi;
  wi.docs = it.attrs.docs;
  wi.gate = to_gate(it.attrs.gate);
  wi.external_id = it.attrs.external_id.value_or("");
  const ast::Extern& e = it.ext;
  ast::Span span = e.kind == ast::Extern::Kind::Path ? e.path.span : e.name.span;
  wi.location = loc(span);
  switch (e.kind) {
    case ast::Extern::Kind::Path:
    case ast::Extern::Kind::NamedPath: {
      Interface* iface = resolve_iface_path(e.path, body);
      if (!iface) return;
      wi.kind = WorldItemKind::Interface;
      wi.interface = iface;
      wi.interface_name = e.kind == ast::Extern::Kind::Path;
      wi.name = wi.interface_name ? iface->id() : e.name.name;
      break;
    }
    case ast::Extern::Kind::Func: {
      wi.kind = WorldItemKind::Function;
      wi.name = e.name.name;
      Function* f = make_function(e.name, e.func, it.attrs, scope, FunctionKind::Freestanding, nullptr,
                                  e.func.result ? e.func.result->span : e.name.span);
      wi.function = f;
      break;
    }
    case ast::Extern::Kind::Interface: {
      Interface* iface = new_interface();
      iface->package = cur_->pkg;
      iface->world = w;
      iface->docs = it.attrs.docs;
      iface->gate = wi.gate;
      iface->location = wi.location;
      resolve_interface(e.interface, iface, body);
      wi.kind = WorldItemKind::Interface;
      wi.interface = iface;
      wi.name = e.name.name;
      break;
    }
  }
  add_world_item(parts, w, std::move(wi), is_import, span, false, "");
}

// `include other-world [with { a as b }]`: its explicit imports and exports, renamed.
void Resolver::add_world_include(WorldParts& parts, World* w, const ast::Include& inc, size_t body) {
  check_gate(inc.attrs);
  World* src = resolve_world_path(inc.world, body);
  if (!src || failed_worlds_.count(src)) return;
  Include record;
  record.world = src;
  record.gate = to_gate(inc.attrs.gate);
  record.location = loc(inc.world.span);
  std::map<std::string, std::string> renames;
  for (const auto& [from, to] : inc.with) {
    record.with.emplace_back(from.name, to.name);
    bool plain = false, iface_named = false;
    for (const auto* list : {&src->imports, &src->exports})
      for (const auto& item : *list) {
        if (item.implicit) continue;
        if (!item.interface_name && item.name == from.name) plain = true;
        if (item.interface_name && item.interface && item.interface->name == from.name) iface_named = true;
      }
    if (!plain) {
      error(ErrorCode::WitInvalidWorld, from.span,
            iface_named ? "`with` cannot rename `" + from.name + "`: it is an interface name, not a plain name"
                        : "world `" + src->name + "` has no import or export named `" + from.name + "`",
            iface_named ? "interface imports are de-duplicated automatically; only plain names (`import x: ...`) can be renamed"
                        : "`with { a as b }` renames a plain-named import or export of the included world");
      continue;
    }
    if (!renames.emplace(from.name, to.name).second)
      error(ErrorCode::WitDuplicateDefinition, from.span, "`" + from.name + "` is renamed twice", "rename each name once");
  }
  std::string inc_name = inc.world.package ? src->id() : src->name;
  for (int pass = 0; pass < 2; ++pass) {
    const auto& list = pass == 0 ? src->imports : src->exports;
    for (WorldItem item : list) {
      if (item.implicit) continue;  // recomputed for this world (order_imports)
      if (!item.interface_name) {
        if (auto r = renames.find(item.name); r != renames.end()) item.name = r->second;
      }
      add_world_item(parts, w, std::move(item), pass == 0, inc.world.span, true, inc_name);
    }
  }
  w->includes.push_back(std::move(record));
}

// Orders imports so every interface comes after the interfaces it uses: a dependency imported
// explicitly further down moves up; one not imported at all is added as an implicit import.
// `present` gains every interface the result imports.
std::vector<WorldItem> Resolver::order_imports(std::vector<WorldItem> imports, std::set<const Interface*>& present) {
  auto item_deps = [&](const WorldItem& i) {
    std::vector<const Interface*> deps;
    auto add_with_uses = [&](const Interface* x) {
      for (const Interface* d : transitive_uses(x)) deps.push_back(d);
      deps.push_back(x);
    };
    if (i.kind == WorldItemKind::Interface && i.interface) {
      deps = transitive_uses(i.interface);
    } else if (i.kind == WorldItemKind::Type && i.type && i.type->from_use && i.type->target && i.type->target->def &&
               i.type->target->def->interface) {
      add_with_uses(i.type->target->def->interface);
    }
    return deps;
  };
  std::map<const Interface*, size_t> explicit_at;
  for (size_t k = 0; k < imports.size(); ++k)
    if (imports[k].kind == WorldItemKind::Interface && imports[k].interface_name)
      explicit_at.emplace(imports[k].interface, k);
  std::vector<bool> emitted(imports.size(), false);
  std::set<const Interface*> placed;
  std::vector<WorldItem> final_imports;
  for (size_t k = 0; k < imports.size(); ++k) {
    if (emitted[k]) continue;
    for (const Interface* d : item_deps(imports[k])) {
      if (!placed.insert(d).second) continue;
      if (auto e = explicit_at.find(d); e != explicit_at.end()) {
        if (!emitted[e->second]) {
          emitted[e->second] = true;
          final_imports.push_back(std::move(imports[e->second]));
        }
        continue;
      }
      WorldItem imp;
      imp.kind = WorldItemKind::Interface;
      imp.name = d->id();
      imp.interface_name = true;
      imp.interface = d;
      imp.implicit = true;
      imp.location = imports[k].location;
      final_imports.push_back(std::move(imp));
    }
    emitted[k] = true;
    if (imports[k].kind == WorldItemKind::Interface && imports[k].interface_name) placed.insert(imports[k].interface);
    final_imports.push_back(std::move(imports[k]));
  }
  present.insert(placed.begin(), placed.end());
  return final_imports;
}

// Exported interfaces may only use interfaces the world imports or exports (WIT.md "Transitive
// imports and worlds"): otherwise it is ambiguous which instance the `use` refers to.
void Resolver::check_export_uses(const World* w, const std::vector<WorldItem>& exports, std::set<const Interface*> present) {
  std::set<const Interface*> exported;
  for (const auto& e : exports)
    if (e.kind == WorldItemKind::Interface && e.interface_name) exported.insert(e.interface);
  for (const auto& e : exports) {
    if (e.kind != WorldItemKind::Interface || !e.interface) continue;
    for (const Interface* d : transitive_uses(e.interface)) {
      if (present.count(d) || exported.count(d)) continue;
      Diagnostic diag;
      diag.code = ErrorCode::WitInvalidWorld;
      diag.message = "exported interface `" + (e.interface->name.empty() ? e.name : e.interface->name) + "` uses `" +
                     d->id() + "`, which world `" + w->name + "` neither imports nor exports";
      diag.location = e.location;
      diag.help = "add `import " + (d->package == cur_->pkg ? d->name : d->id()) + ";` (or export it) to world `" + w->name + "`";
      diags_.push_back(std::move(diag));
      present.insert(d);  // one report per missing interface
    }
  }
}

}  // namespace torvyn::wit::detail

// Files to packages: grouping, package order, package-level names; then each package in turn.
#include <algorithm>

#include "resolver_impl.h"

namespace torvyn::wit::detail {

namespace {

ast::Span first_item_span(const ast::PackageItems& items) {
  std::optional<ast::Span> best;
  auto consider = [&](ast::Span s) {
    if (!best || s.begin < best->begin) best = s;
  };
  for (const auto& u : items.uses) consider(u.span);
  for (const auto& i : items.interfaces) consider(i.span);
  for (const auto& w : items.worlds) consider(w.span);
  return best.value_or(ast::Span{});
}

}  // namespace

bool Resolver::build_units() {
  for (size_t g = 0; g < in_.groups.size(); ++g) {
    const auto& group = in_.groups[g];
    const ast::PackageDecl* decl = nullptr;
    bool has_items = false;
    std::optional<ast::Span> first_items;
    for (uint32_t fi : group) {
      const ast::File& f = *asts_[fi];
      bool items = !f.items.uses.empty() || !f.items.interfaces.empty() || !f.items.worlds.empty();
      if (items && !first_items) first_items = first_item_span(f.items);
      has_items |= items;
      if (!f.package) continue;
      if (!decl) {
        decl = &*f.package;
      } else if (!(to_name(f.package->name) == to_name(decl->name))) {
        auto& d = error(ErrorCode::WitPackageName, f.package->name.span,
                        "package declaration `" + to_name(f.package->name).to_string() + "` disagrees with `" +
                            to_name(decl->name).to_string() + "`",
                        "all files of one package folder must declare the same package; move the other "
                        "package to its own folder (under deps/) or into a `package ... { }` block");
        d.notes.push_back("`" + to_name(decl->name).to_string() + "` is declared at " + where(decl->name.span));
      }
    }
    bool has_nested = false;
    for (uint32_t fi : group) has_nested |= !asts_[fi]->nested.empty();
    if (g == 0 && !decl && !has_items && !has_nested && !group.empty()) {
      ast::Span start{group[0], 0, 0};
      error(ErrorCode::WitPackageName, start,
            "no `package` declaration in " +
                (group.size() == 1 ? "`" + in_.files[group[0]].name + "`" : std::string("the root package's files")),
            "a WIT file starts with a package declaration, e.g. `package torvyn:example@0.1.0;`");
    }
    if (!decl && has_items) {
      error(ErrorCode::WitPackageName, *first_items,
            "no `package` declaration for " +
                (group.size() == 1 ? "`" + in_.files[group[0]].name + "`" : std::string("this package folder")),
            "start the file with a package declaration, e.g. `package torvyn:example@0.1.0;`");
    }
    if (decl) {
      auto u = std::make_unique<Unit>();
      u->name = to_name(decl->name);
      u->full = u->name.to_string();
      u->decl_span = decl->name.span;
      u->is_root = g == 0;
      std::vector<std::string> texts;
      for (uint32_t fi : group) {
        const ast::File& f = *asts_[fi];
        u->bodies.push_back(&f.items);
        u->body_file.push_back(fi);
        u->files.push_back(fi);
        if (f.package && !f.package->docs.empty())
          u->docs += (u->docs.empty() ? "" : "\n") + f.package->docs;
        texts.push_back(in_.files[fi].text);
      }
      std::sort(texts.begin(), texts.end());
      for (auto& t : texts) u->fingerprint += t + '\0';
      units_.push_back(std::move(u));
    }
    for (uint32_t fi : group) {
      const ast::File& f = *asts_[fi];
      for (const auto& n : f.nested) {
        auto u = std::make_unique<Unit>();
        u->name = to_name(n.decl.name);
        u->full = u->name.to_string();
        u->decl_span = n.decl.name.span;
        u->docs = n.decl.docs;
        u->bodies.push_back(&n.items);
        u->body_file.push_back(fi);
        u->files.push_back(fi);
        u->fingerprint = in_.files[fi].text.substr(n.span.begin, n.span.end - n.span.begin);
        units_.push_back(std::move(u));
      }
    }
  }
  // The same package twice is fine when its sources are identical (a dependency vendored twice).
  std::vector<std::unique_ptr<Unit>> kept;
  for (auto& u : units_) {
    auto it = unit_by_name_.find(u->full);
    if (it == unit_by_name_.end()) {
      unit_by_name_[u->full] = u.get();
      kept.push_back(std::move(u));
      continue;
    }
    if (it->second->fingerprint == u->fingerprint) continue;
    auto& d = error(ErrorCode::WitDuplicateDefinition, u->decl_span,
                    "package `" + u->full + "` is defined twice with different contents",
                    "keep one copy of the package (a package may appear twice only if both copies are identical)");
    d.notes.push_back("also defined at " + where(it->second->decl_span));
  }
  units_ = std::move(kept);
  return !has_errors(diags_);
}

bool Resolver::order_units(std::vector<Unit*>* order) {
  std::map<Unit*, size_t> index;
  for (size_t i = 0; i < units_.size(); ++i) index[units_[i].get()] = i;
  std::vector<std::vector<Edge>> deps(units_.size());
  for (size_t i = 0; i < units_.size(); ++i) {
    Unit& u = *units_[i];
    std::set<std::string> reported, linked;
    for_each_path(u, [&](const ast::UsePath& p) {
      if (!p.package) return;
      PackageName n = to_name(*p.package);
      std::string full = n.to_string();
      if (full == u.full) return;
      auto it = unit_by_name_.find(full);
      if (it != unit_by_name_.end()) {
        if (linked.insert(full).second) deps[i].push_back({index[it->second], p.package->span});
        return;
      }
      if (!reported.insert(full).second) return;
      std::vector<const Unit*> same;
      for (const auto& other : units_)
        if (other->name.ns == n.ns && other->name.name == n.name) same.push_back(other.get());
      std::string help;
      if (same.size() == 1 && !n.version && same[0]->name.version) {
        help = "the package is versioned: write `" + n.unversioned() + "/" + p.name.name + "@" +
               same[0]->name.version->to_string() + "`";
      } else if (!same.empty()) {
        std::vector<std::string> versions;
        for (const Unit* o : same) versions.push_back(o->full);
        help = "available: " + quoted_list(versions) + "; refer to one of those versions";
      } else {
        help = "add the package to the `deps/` folder beside the root package's files (e.g. `deps/" +
               n.name + "/`), or define it inline with `package " + n.to_string() + " { ... }`";
      }
      auto& d = error(ErrorCode::WitPackageNotFound, p.package->span, "package `" + full + "` not found", help);
      std::vector<std::string> known;
      for (const auto& other : units_) known.push_back(other->full);
      if (!known.empty()) d.notes.push_back("known packages: " + quoted_list(known, 12));
    });
  }
  if (has_errors(diags_)) return false;
  Topo t = topo_sort(deps);
  if (!t.cycle.empty()) {
    std::string chain;
    for (size_t n : t.cycle) chain += "`" + units_[n]->full + "` -> ";
    chain += "`" + units_[t.cycle.front()]->full + "`";
    error(ErrorCode::WitCycle, t.cycle_span, "packages depend on each other in a cycle: " + chain,
          "WIT packages must form a directed acyclic graph; move the shared definitions into one package");
    return false;
  }
  for (size_t i : t.order) order->push_back(units_[i].get());
  return true;
}

void Resolver::check_gate(const ast::Attributes& a) {
  const ast::Gate& g = a.gate;
  if (g.empty()) return;
  if (g.since && g.unstable)
    error(ErrorCode::WitInvalidGate, g.span, "`@since` and `@unstable` cannot gate the same item",
          "keep `@unstable(feature = ..)` while the feature is in development, then replace it with `@since`");
  if (g.deprecated && !g.since)
    error(ErrorCode::WitInvalidGate, g.span, "`@deprecated` needs a `@since` on the same item",
          "add `@since(version = ..)` naming the version that introduced the item");
  if (!cur_->name.version && !gate_version_reported_) {
    gate_version_reported_ = true;
    error(ErrorCode::WitInvalidGate, g.span, "feature gates need a versioned package",
          "give the package a version: `package " + cur_->full + "@0.1.0;`");
  }
}

Interface* Resolver::resolve_iface_path(const ast::UsePath& p, size_t body, bool file_scope) {
  if (auto it = path_cache_.find(&p); it != path_cache_.end()) return it->second;
  Interface* found = nullptr;
  const std::string& name = p.name.name;
  auto local = [&](bool report) -> Interface* {
    if (auto it = ifaces_.find(name); it != ifaces_.end()) return it->second;
    if (!report) return nullptr;
    if (worlds_.count(name)) {
      error(ErrorCode::WitUnresolvedName, p.name.span, "`" + name + "` is a world, not an interface",
            "`use`, `import` and `export` refer to interfaces; a world is combined with `include`");
      return nullptr;
    }
    std::vector<std::string> names;
    for (const auto& [n, _] : ifaces_) names.push_back(n);
    std::string help;
    if (auto c = closest(name, names)) help = "did you mean `" + *c + "`?";
    else if (!names.empty()) help = "interfaces of `" + cur_->full + "`: " + quoted_list(names);
    else help = "define `interface " + name + " { ... }` in this package, or name an interface of another package as `ns:pkg/" + name + "@version`";
    error(ErrorCode::WitUnresolvedName, p.name.span, "interface `" + name + "` is not defined in package `" + cur_->full + "`", help);
    return nullptr;
  };
  if (p.package) {
    PackageName n = to_name(*p.package);
    std::string full = n.to_string();
    if (full == cur_->full) {
      found = local(true);
    } else if (auto pit = packages_.find(full); pit != packages_.end()) {
      found = const_cast<Interface*>(pit->second->interface(name));
      if (!found) {
        std::vector<std::string> names;
        for (const Interface* i : pit->second->interfaces) names.push_back(i->name);
        std::string help;
        if (auto c = closest(name, names)) help = "did you mean `" + *c + "`?";
        else help = "interfaces of `" + full + "`: " + quoted_list(names);
        if (pit->second->world(name)) help = "`" + name + "` is a world of `" + full + "`; worlds are combined with `include`";
        error(ErrorCode::WitUnresolvedName, p.name.span, "package `" + full + "` has no interface `" + name + "`", help);
      }
    } else {
      // order_units() reported every missing package already; nothing more to say here.
    }
  } else {
    const ast::TopUse* tu = nullptr;
    if (file_scope && body < file_uses_.size()) {
      auto it = file_uses_[body].find(name);
      if (it != file_uses_[body].end()) tu = it->second;
    }
    if (tu) found = resolve_iface_path(tu->path, body, false);
    else found = local(true);
  }
  path_cache_[&p] = found;
  return found;
}

World* Resolver::resolve_world_path(const ast::UsePath& p, size_t body) {
  (void)body;
  const std::string& name = p.name.name;
  if (p.package && to_name(*p.package).to_string() != cur_->full) {
    std::string full = to_name(*p.package).to_string();
    auto pit = packages_.find(full);
    if (pit == packages_.end()) return nullptr;  // reported by order_units()
    if (const World* w = pit->second->world(name)) return const_cast<World*>(w);
    std::vector<std::string> names;
    for (const World* w : pit->second->worlds) names.push_back(w->name);
    error(ErrorCode::WitUnresolvedName, p.name.span, "package `" + full + "` has no world `" + name + "`",
          names.empty() ? "the package defines no worlds" : "worlds of `" + full + "`: " + quoted_list(names));
    return nullptr;
  }
  if (auto it = worlds_.find(name); it != worlds_.end()) return it->second;
  std::vector<std::string> names;
  for (const auto& [n, _] : worlds_) names.push_back(n);
  std::string help;
  if (ifaces_.count(name)) help = "`" + name + "` is an interface; `include` takes a world (import the interface instead)";
  else if (auto c = closest(name, names)) help = "did you mean `" + *c + "`?";
  else if (!names.empty()) help = "worlds of `" + cur_->full + "`: " + quoted_list(names);
  error(ErrorCode::WitUnresolvedName, p.name.span, "world `" + name + "` is not defined in package `" + cur_->full + "`", help);
  return nullptr;
}

void Resolver::resolve_unit(Unit* u) {
  cur_ = u;
  ifaces_.clear();
  iface_ast_.clear();
  worlds_.clear();
  world_ast_.clear();
  file_uses_.assign(u->bodies.size(), {});
  path_cache_.clear();
  failed_ifaces_.clear();
  failed_worlds_.clear();
  gate_version_reported_ = false;

  out_->packages.push_back(std::make_unique<Package>());
  Package* pkg = out_->packages.back().get();
  u->pkg = pkg;
  pkg->name = u->name;
  pkg->docs = u->docs;
  pkg->location = loc(u->decl_span);
  for (uint32_t fi : u->files) pkg->files.push_back(in_.files[fi].name);
  if (u->is_root) out_->root = pkg;
  packages_[u->full] = pkg;

  // Names of the package: interfaces and worlds share one namespace.
  std::map<std::string, ast::Span> names;
  std::string pkg_scope = "package `" + u->full + "`";
  std::vector<std::pair<const ast::Interface*, size_t>> iface_list;
  std::vector<std::pair<const ast::World*, size_t>> world_list;
  for (size_t b = 0; b < u->bodies.size(); ++b) {
    for (const auto& i : u->bodies[b]->interfaces) {
      if (!declare(names, i.name, "interface", pkg_scope)) continue;
      iface_list.emplace_back(&i, b);
    }
    for (const auto& w : u->bodies[b]->worlds) {
      if (!declare(names, w.name, "world", pkg_scope)) continue;
      world_list.emplace_back(&w, b);
    }
  }
  for (size_t b = 0; b < u->bodies.size(); ++b) {
    std::map<std::string, ast::Span> file_names;
    for (const auto& tu : u->bodies[b]->uses) {
      check_gate(tu.attrs);
      const ast::Id& n = tu.as ? *tu.as : tu.path.name;
      if (!declare(file_names, n, "name", "this file's top-level `use`s")) continue;
      bool same_local = !tu.path.package && !tu.as;  // `use types;` re-states a local name
      if (names.count(lower(n.name)) && !same_local) {
        auto& d = error(ErrorCode::WitDuplicateDefinition, n.span,
                        "`use` brings `" + n.name + "` into scope, but the package already defines `" + n.name + "`",
                        "pick another local name: `use ... as other-name;`");
        d.notes.push_back("defined at " + where(names[lower(n.name)]));
        continue;
      }
      file_uses_[b][n.name] = &tu;
    }
  }
  for (const auto& [a, b] : iface_list) {
    Interface* iface = new_interface();
    iface->name = a->name.name;
    iface->package = pkg;
    iface->docs = a->attrs.docs;
    iface->gate = to_gate(a->attrs.gate);
    iface->location = loc(a->name.span);
    check_gate(a->attrs);
    ifaces_[iface->name] = iface;
    iface_ast_[iface->name] = {a, b};
    pkg->interfaces.push_back(iface);
  }
  for (const auto& [a, b] : world_list) {
    out_->worlds.push_back(std::make_unique<World>());
    World* w = out_->worlds.back().get();
    w->name = a->name.name;
    w->package = pkg;
    w->docs = a->attrs.docs;
    w->gate = to_gate(a->attrs.gate);
    w->location = loc(a->name.span);
    check_gate(a->attrs);
    worlds_[w->name] = w;
    world_ast_[w->name] = {a, b};
    pkg->worlds.push_back(w);
  }
  // Top-level `use`s must name something, even if nothing refers to them.
  for (size_t b = 0; b < u->bodies.size(); ++b)
    for (const auto& [_, tu] : file_uses_[b]) resolve_iface_path(tu->path, b, false);

  // Interfaces in `use` order.
  std::map<const Interface*, size_t> iface_index;
  for (size_t i = 0; i < iface_list.size(); ++i) iface_index[pkg->interfaces[i]] = i;
  std::vector<std::vector<Edge>> deps(iface_list.size());
  for (size_t i = 0; i < iface_list.size(); ++i) {
    for (const auto& it : iface_list[i].first->items) {
      if (it.kind != ast::InterfaceItem::Kind::Use) continue;
      Interface* t = resolve_iface_path(it.use.path, iface_list[i].second);
      if (!t) continue;
      if (auto x = iface_index.find(t); x != iface_index.end() && x->second != i)
        deps[i].push_back({x->second, it.use.path.span});
    }
  }
  Topo t = topo_sort(deps);
  if (!t.cycle.empty()) {
    std::string chain;
    for (size_t n : t.cycle) chain += "`" + pkg->interfaces[n]->name + "` -> ";
    chain += "`" + pkg->interfaces[t.cycle.front()]->name + "`";
    error(ErrorCode::WitCycle, t.cycle_span, "interfaces `use` each other in a cycle: " + chain,
          "move the shared types into an interface of their own that both can `use`");
  }
  std::vector<bool> done(iface_list.size(), false);
  for (size_t i : t.order) done[i] = true;
  for (size_t i = 0; i < iface_list.size(); ++i)
    if (!done[i]) failed_ifaces_.insert(pkg->interfaces[i]);
  for (size_t i : t.order)
    resolve_interface(*iface_list[i].first, const_cast<Interface*>(pkg->interfaces[i]), iface_list[i].second);

  // Worlds in `include` order.
  std::map<const World*, size_t> world_index;
  for (size_t i = 0; i < world_list.size(); ++i) world_index[pkg->worlds[i]] = i;
  std::vector<std::vector<Edge>> wdeps(world_list.size());
  for (size_t i = 0; i < world_list.size(); ++i) {
    for (const auto& it : world_list[i].first->items) {
      if (it.kind != ast::WorldItem::Kind::Include) continue;
      const ast::UsePath& p = it.include.world;
      if (p.package && to_name(*p.package).to_string() != u->full) continue;
      auto wi = worlds_.find(p.name.name);
      if (wi == worlds_.end()) continue;  // reported when the world is resolved
      wdeps[i].push_back({world_index[wi->second], p.span});
    }
  }
  Topo wt = topo_sort(wdeps);
  if (!wt.cycle.empty()) {
    std::string chain;
    for (size_t n : wt.cycle) chain += "`" + pkg->worlds[n]->name + "` -> ";
    chain += "`" + pkg->worlds[wt.cycle.front()]->name + "`";
    error(ErrorCode::WitCycle, wt.cycle_span,
          wt.cycle.size() == 1 ? "world `" + pkg->worlds[wt.cycle[0]]->name + "` includes itself"
                               : "worlds include each other in a cycle: " + chain,
          "a world cannot include itself, directly or through other worlds");
  }
  std::vector<bool> wdone(world_list.size(), false);
  for (size_t i : wt.order) wdone[i] = true;
  for (size_t i = 0; i < world_list.size(); ++i)
    if (!wdone[i]) failed_worlds_.insert(pkg->worlds[i]);
  for (size_t i : wt.order)
    resolve_world(*world_list[i].first, const_cast<World*>(pkg->worlds[i]), world_list[i].second);
}

ResolveResult Resolver::run() {
  ResolveResult r;
  for (const auto& f : in_.files) r.sources[f.name] = f.text;
  diags_ = std::move(in_.diagnostics);
  asts_.resize(in_.files.size());
  for (const auto& f : in_.files) lines_.emplace_back(f.text);
  bool syntax_ok = true;
  for (uint32_t i = 0; i < in_.files.size(); ++i) {
    ParseOutput p = parse_file(in_.files[i].text, in_.files[i].name, i);
    for (auto& d : p.diagnostics) diags_.push_back(std::move(d));
    if (!p.file) syntax_ok = false;
    asts_[i] = std::move(p.file);
  }
  std::vector<Unit*> order;
  if (syntax_ok && !has_errors(diags_) && build_units() && order_units(&order)) {
    for (Unit* u : order) resolve_unit(u);
  }
  r.diagnostics = std::move(diags_);
  if (!has_errors(r.diagnostics)) r.resolve = std::move(out_);
  return r;
}

ResolveResult resolve(Input input) { return Resolver(std::move(input)).run(); }

}  // namespace torvyn::wit::detail

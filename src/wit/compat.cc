#include "torvyn/wit/compat.h"

#include <map>
#include <set>

#include "torvyn/wit/print.h"

namespace torvyn::wit {

namespace {

bool unstable(const Gate& g) { return g.unstable.has_value(); }

std::string unversioned_id(const Interface* i) {
  if (!i) return "";
  if (i->name.empty() || !i->package) return i->name;
  return i->package->name.unversioned() + "/" + i->name;
}

class Differ {
 public:
  Differ(const Package* old_pkg, const Package* new_pkg) : old_pkg_(old_pkg), new_pkg_(new_pkg) {}

  CompatReport report;
  bool deep_worlds = false;  // diff(World, World): also compare the world's own interfaces

  void add(Compat c, const std::string& path, std::string description) {
    report.changes.push_back(Change{c, path, std::move(description)});
    if (c > report.overall) report.overall = c;
  }

  // Severity for removing or changing an item: nothing was promised for @unstable ones.
  Compat removal(const Gate& old_gate) { return unstable(old_gate) ? Compat::Compatible : Compat::Breaking; }
  Compat addition(const Gate& new_gate) { return unstable(new_gate) ? Compat::Compatible : Compat::CompatibleWithAdditions; }

  void attributes(const std::string& path, const std::string& old_docs, const std::string& new_docs,
                  const Gate& a, const Gate& b) {
    if (old_docs != new_docs) add(Compat::Compatible, path, "documentation changed");
    if (unstable(a) && !unstable(b)) {
      add(Compat::CompatibleWithAdditions, path, "stabilized (was @unstable(feature = " + *a.unstable + "))");
    } else if (!unstable(a) && unstable(b)) {
      add(Compat::Breaking, path, "moved behind @unstable(feature = " + *b.unstable + ")");
    }
    if (a.since != b.since && b.since)
      add(Compat::Compatible, path, "@since(version = " + b.since->to_string() + ")" +
                                        (a.since ? " (was " + a.since->to_string() + ")" : ""));
    if (a.deprecated != b.deprecated && b.deprecated)
      add(Compat::Compatible, path, "deprecated since " + b.deprecated->to_string());
  }

  // ---- types ----

  bool local(const TypeDef* d, bool is_old) const {
    const Package* p = is_old ? old_pkg_ : new_pkg_;
    if (!p) return false;
    if (d->interface) return d->interface->package == p && !d->interface->name.empty();
    if (d->world) return d->world->package == p;
    return false;
  }

  static std::string owner_name(const TypeDef* d) {
    if (d->interface) return unversioned_id(d->interface);
    if (d->world) return d->world->package ? d->world->package->name.unversioned() + "/" + d->world->name : d->world->name;
    return "";
  }

  bool same_resource(const TypeDef* a, const TypeDef* b) const {
    a = dealias(a);
    b = dealias(b);
    if (!a || !b) return a == b;
    return a->name == b->name && owner_name(a) == owner_name(b);
  }

  bool same(Type a, Type b) {
    a = dealias(a);
    b = dealias(b);
    if (a.kind != b.kind) return false;
    if (a.kind != TypeKind::Def) return true;
    const TypeDef* x = a.def;
    const TypeDef* y = b.def;
    if (!x || !y) return x == y;
    auto key = std::make_pair(x, y);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    memo_[key] = true;  // types are acyclic; this only short-cuts shared sub-terms
    bool r = same_def(x, y);
    memo_[key] = r;
    return r;
  }

  bool same_def(const TypeDef* x, const TypeDef* y) {
    if (x->kind != y->kind) return false;
    // Named types of the diffed package: compared by name here, their contents where they are defined.
    if (!x->name.empty() && !y->name.empty() && local(x, true) && local(y, false))
      return x->name == y->name && owner_name(x) == owner_name(y);
    auto same_opt = [&](const std::optional<Type>& p, const std::optional<Type>& q) {
      if (p.has_value() != q.has_value()) return false;
      return !p || same(*p, *q);
    };
    switch (x->kind) {
      case TypeDefKind::Resource: return same_resource(x, y);
      case TypeDefKind::Handle: return x->handle == y->handle && same_resource(x->resource, y->resource);
      case TypeDefKind::Record:
        if (x->fields.size() != y->fields.size()) return false;
        for (size_t i = 0; i < x->fields.size(); ++i)
          if (x->fields[i].name != y->fields[i].name || !same(x->fields[i].type, y->fields[i].type)) return false;
        return true;
      case TypeDefKind::Variant:
      case TypeDefKind::Enum:
      case TypeDefKind::Flags:
        if (x->cases.size() != y->cases.size()) return false;
        for (size_t i = 0; i < x->cases.size(); ++i)
          if (x->cases[i].name != y->cases[i].name || !same_opt(x->cases[i].type, y->cases[i].type)) return false;
        return true;
      case TypeDefKind::Tuple:
        if (x->tuple.size() != y->tuple.size()) return false;
        for (size_t i = 0; i < x->tuple.size(); ++i)
          if (!same(x->tuple[i], y->tuple[i])) return false;
        return true;
      case TypeDefKind::List: return x->list_length == y->list_length && same_opt(x->element, y->element);
      case TypeDefKind::Option:
      case TypeDefKind::Future:
      case TypeDefKind::Stream: return same_opt(x->element, y->element);
      case TypeDefKind::Result: return same_opt(x->ok, y->ok) && same_opt(x->err, y->err);
      case TypeDefKind::Map: return same_opt(x->key, y->key) && same_opt(x->value, y->value);
      case TypeDefKind::Alias: return same_opt(x->target, y->target);
    }
    return false;
  }

  static std::string show(const std::optional<Type>& t) { return t ? "`" + print_type(*t) + "`" : "nothing"; }

  void diff_cases(const std::string& path, const TypeDef* a, const TypeDef* b, const char* what) {
    std::map<std::string, size_t> in_b;
    for (size_t i = 0; i < b->cases.size(); ++i) in_b[b->cases[i].name] = i;
    std::set<std::string> in_a;
    for (size_t i = 0; i < a->cases.size(); ++i) {
      const Case& c = a->cases[i];
      in_a.insert(c.name);
      auto it = in_b.find(c.name);
      std::string p = path + "." + c.name;
      if (it == in_b.end()) {
        add(Compat::Breaking, p, std::string(what) + " `" + c.name + "` removed");
        continue;
      }
      const Case& d = b->cases[it->second];
      if (a->kind == TypeDefKind::Variant && (c.type.has_value() != d.type.has_value() || (c.type && !same(*c.type, *d.type))))
        add(Compat::Breaking, p, "payload changed: " + show(c.type) + " -> " + show(d.type));
      if (c.docs != d.docs) add(Compat::Compatible, p, "documentation changed");
    }
    for (const auto& c : b->cases)
      if (!in_a.count(c.name))
        add(Compat::Breaking, path + "." + c.name,
            std::string(what) + " `" + c.name + "` added (no subtyping in the Component Model: a consumer built "
                                                 "against the old type cannot receive it)");
    // Same names, different order: discriminants / bit positions move.
    std::vector<std::string> common_a, common_b;
    for (const auto& c : a->cases)
      if (in_b.count(c.name)) common_a.push_back(c.name);
    for (const auto& c : b->cases)
      if (in_a.count(c.name)) common_b.push_back(c.name);
    if (common_a != common_b)
      add(Compat::Breaking, path, std::string(what) + "s reordered (their encoding depends on the order)");
  }

  void diff_typedef(const std::string& path, const TypeDef* a, const TypeDef* b) {
    attributes(path, a->docs, b->docs, a->gate, b->gate);
    if (a->from_use || b->from_use) {
      const TypeDef* oa = a->from_use && a->target && a->target->def ? a->target->def : nullptr;
      const TypeDef* ob = b->from_use && b->target && b->target->def ? b->target->def : nullptr;
      if (oa && ob && oa->name == ob->name && owner_name(oa) == owner_name(ob)) {
        // Same origin; a foreign origin may still have changed underneath.
        if (!local(dealias(oa), true) && !same(Type::of(a), Type::of(b)))
          add(removal(a->gate), path, "`" + owner_name(oa) + "." + oa->name + "` changed");
        return;
      }
      std::string was = oa ? "`use`d from `" + owner_name(oa) + "`" : "defined here";
      std::string now = ob ? "`use`d from `" + owner_name(ob) + "`" : "defined here";
      bool resource = is_resource(a) || is_resource(b);
      bool equal = !resource && same_structure(Type::of(a), Type::of(b));
      add(equal ? Compat::Compatible : removal(a->gate), path,
          "was " + was + ", now " + now + (equal ? " (same structure)" : ""));
      return;
    }
    if (a->kind != b->kind) {
      add(removal(a->gate), path, "changed from " + std::string(kind_name(a->kind)) + " to " + std::string(kind_name(b->kind)));
      return;
    }
    switch (a->kind) {
      case TypeDefKind::Record: {
        std::map<std::string, const Field*> fb;
        for (const auto& f : b->fields) fb[f.name] = &f;
        std::set<std::string> fa;
        for (const auto& f : a->fields) {
          fa.insert(f.name);
          auto it = fb.find(f.name);
          if (it == fb.end()) {
            add(Compat::Breaking, path + "." + f.name, "field `" + f.name + "` removed");
            continue;
          }
          if (!same(f.type, it->second->type))
            add(Compat::Breaking, path + "." + f.name,
                "type changed: `" + print_type(f.type) + "` -> `" + print_type(it->second->type) + "`");
          if (f.docs != it->second->docs) add(Compat::Compatible, path + "." + f.name, "documentation changed");
        }
        for (const auto& f : b->fields)
          if (!fa.count(f.name))
            add(Compat::Breaking, path + "." + f.name,
                "field `" + f.name + "` added (records have no subtyping in the Component Model: the value's "
                                     "layout changes)");
        std::vector<std::string> oa, ob;
        for (const auto& f : a->fields)
          if (fb.count(f.name)) oa.push_back(f.name);
        for (const auto& f : b->fields)
          if (fa.count(f.name)) ob.push_back(f.name);
        if (oa != ob) add(Compat::Breaking, path, "fields reordered (the value's layout depends on the order)");
        break;
      }
      case TypeDefKind::Variant: diff_cases(path, a, b, "case"); break;
      case TypeDefKind::Enum: diff_cases(path, a, b, "case"); break;
      case TypeDefKind::Flags: diff_cases(path, a, b, "flag"); break;
      case TypeDefKind::Alias:
        if (!same(Type::of(a), Type::of(b)))
          add(removal(a->gate), path,
              "alias changed: `" + (a->target ? print_type(*a->target) : "?") + "` -> `" +
                  (b->target ? print_type(*b->target) : "?") + "`");
        break;
      default: break;  // resources: their functions are diffed with the interface's functions
    }
  }

  // Structural equality that looks through names of the diffed package too (for "moved" types).
  bool same_structure(Type a, Type b) {
    const Package* op = old_pkg_;
    const Package* np = new_pkg_;
    old_pkg_ = new_pkg_ = nullptr;
    auto saved = std::move(memo_);
    memo_.clear();
    bool r = same(a, b);
    memo_ = std::move(saved);
    old_pkg_ = op;
    new_pkg_ = np;
    return r;
  }

  // ---- functions ----

  static std::string signature(const Function& f) {
    std::string s = "(";
    for (size_t i = 0; i < f.params.size(); ++i) {
      if (f.kind == FunctionKind::Method && i == 0) continue;
      if (s.size() > 1) s += ", ";
      s += f.params[i].name + ": " + print_type(f.params[i].type);
    }
    s += ")";
    if (f.result) s += " -> " + print_type(*f.result);
    return s;
  }

  static std::string_view fn_kind(FunctionKind k) {
    switch (k) {
      case FunctionKind::Freestanding: return "function";
      case FunctionKind::Method: return "method";
      case FunctionKind::Static: return "static function";
      case FunctionKind::Constructor: return "constructor";
    }
    return "function";
  }

  void diff_function(const std::string& path, const Function* a, const Function* b) {
    attributes(path, a->docs, b->docs, a->gate, b->gate);
    Compat c = removal(a->gate);
    if (a->kind != b->kind) {
      add(c, path, "changed from " + std::string(fn_kind(a->kind)) + " to " + std::string(fn_kind(b->kind)));
      return;
    }
    if (a->is_async != b->is_async) add(c, path, b->is_async ? "became `async`" : "is no longer `async`");
    if (a->params.size() != b->params.size()) {
      add(c, path, "parameters changed: " + signature(*a) + " -> " + signature(*b));
    } else {
      for (size_t i = 0; i < a->params.size(); ++i) {
        const Param& p = a->params[i];
        const Param& q = b->params[i];
        if (p.name != q.name)
          add(c, path, "parameter `" + p.name + "` renamed to `" + q.name +
                           "` (parameter names are part of the component function type)");
        if (!same(p.type, q.type))
          add(c, path, "parameter `" + q.name + "` type changed: `" + print_type(p.type) + "` -> `" +
                           print_type(q.type) + "`");
      }
    }
    if (a->result.has_value() != b->result.has_value() || (a->result && !same(*a->result, *b->result)))
      add(c, path, "result changed: " + show(a->result) + " -> " + show(b->result));
  }

  // ---- interfaces ----

  void diff_interface(const std::string& path, const Interface* a, const Interface* b) {
    attributes(path, a->docs, b->docs, a->gate, b->gate);
    std::map<std::string, const TypeDef*> tb;
    for (const TypeDef* t : b->types) tb[t->name] = t;
    std::set<std::string> ta;
    for (const TypeDef* t : a->types) {
      ta.insert(t->name);
      auto it = tb.find(t->name);
      if (it == tb.end()) add(removal(t->gate), path + "." + t->name, std::string(kind_name(t->kind)) + " `" + t->name + "` removed");
      else diff_typedef(path + "." + t->name, t, it->second);
    }
    for (const TypeDef* t : b->types)
      if (!ta.count(t->name))
        add(addition(t->gate), path + "." + t->name, std::string(kind_name(t->kind)) + " `" + t->name + "` added");
    std::map<std::string, const Function*> fb;
    for (const Function* f : b->functions) fb[f->qualified_name()] = f;
    std::set<std::string> fa;
    for (const Function* f : a->functions) {
      std::string q = f->qualified_name();
      fa.insert(q);
      auto it = fb.find(q);
      if (it == fb.end()) add(removal(f->gate), path + "." + q, std::string(fn_kind(f->kind)) + " `" + q + "` removed");
      else diff_function(path + "." + q, f, it->second);
    }
    for (const Function* f : b->functions) {
      std::string q = f->qualified_name();
      if (!fa.count(q)) add(addition(f->gate), path + "." + q, std::string(fn_kind(f->kind)) + " `" + q + "` added");
    }
  }

  // ---- worlds ----

  static std::string item_key(const WorldItem& i) {
    if (i.kind == WorldItemKind::Interface && i.interface_name) return unversioned_id(i.interface);
    return i.name;
  }

  static std::string_view item_kind(const WorldItem& i) {
    switch (i.kind) {
      case WorldItemKind::Interface: return "interface";
      case WorldItemKind::Function: return "function";
      case WorldItemKind::Type: return "type";
    }
    return "item";
  }

  bool is_local_iface(const Interface* i, bool is_old) const {
    const Package* p = is_old ? old_pkg_ : new_pkg_;
    return p && i && i->package == p && !i->name.empty();
  }

  void diff_items(const std::string& path, const std::vector<WorldItem>& a, const std::vector<WorldItem>& b, bool imports) {
    const char* verb = imports ? "import" : "export";
    std::map<std::string, const WorldItem*> mb;
    for (const auto& i : b) mb[item_key(i)] = &i;
    std::set<std::string> ma;
    for (const auto& i : a) {
      std::string key = item_key(i);
      ma.insert(key);
      std::string p = path + "." + verb + "." + key;
      auto it = mb.find(key);
      if (it == mb.end()) {
        if (i.implicit) continue;
        if (imports)
          add(removal(i.gate), p, std::string(verb) + " `" + key + "` removed");
        else
          add(Compat::Compatible, p, "export `" + key + "` removed (components built against the old world still provide it)");
        continue;
      }
      const WorldItem& j = *it->second;
      if (i.implicit || j.implicit) continue;
      attributes(p, i.docs, j.docs, i.gate, j.gate);
      if (i.kind != j.kind) {
        add(Compat::Breaking, p, "changed from " + std::string(item_kind(i)) + " to " + std::string(item_kind(j)));
        continue;
      }
      switch (i.kind) {
        case WorldItemKind::Function: diff_function(p, i.function, j.function); break;
        case WorldItemKind::Type: diff_typedef(p, i.type, j.type); break;
        case WorldItemKind::Interface: {
          const Interface* x = i.interface;
          const Interface* y = j.interface;
          if (x->name.empty() || y->name.empty()) {
            if (x->name.empty() && y->name.empty()) diff_interface(p, x, y);
            else add(Compat::Breaking, p, "changed between an inline interface and a named one");
            break;
          }
          if (unversioned_id(x) != unversioned_id(y)) {
            add(Compat::Breaking, p, "now refers to `" + y->id() + "` (was `" + x->id() + "`)");
            break;
          }
          if (is_local_iface(x, true) && is_local_iface(y, false)) {
            // Diffed with the package; a world diffed on its own shows their contents here.
            if (deep_worlds) diff_interface(p, x, y);
            break;
          }
          const auto& vx = x->package->name.version;
          const auto& vy = y->package->name.version;
          if (vx != vy) {
            bool ok = vx && vy && semver_compatible(*vx, *vy);
            add(ok ? Compat::CompatibleWithAdditions : Compat::Breaking, p,
                "now " + std::string(verb) + "s `" + y->id() + "` (was `" + x->id() + "`)");
          }
          break;
        }
      }
    }
    for (const auto& j : b) {
      std::string key = item_key(j);
      if (ma.count(key) || j.implicit) continue;
      std::string p = path + "." + verb + "." + key;
      if (imports)
        add(addition(j.gate), p, "import `" + key + "` added");
      else
        add(unstable(j.gate) ? Compat::Compatible : Compat::Breaking, p,
            "export `" + key + "` added (components built against the old world do not provide it)");
    }
  }

  void diff_world(const std::string& path, const World* a, const World* b) {
    attributes(path, a->docs, b->docs, a->gate, b->gate);
    diff_items(path, a->imports, b->imports, true);
    diff_items(path, a->exports, b->exports, false);
  }

  void diff_package(const Package* a, const Package* b) {
    std::string path = a->name.unversioned();
    if (a->name.unversioned() != b->name.unversioned())
      add(Compat::Breaking, path, "package renamed to `" + b->name.unversioned() + "`");
    if (a->name.version != b->name.version)
      add(Compat::Compatible, path,
          "version " + (a->name.version ? a->name.version->to_string() : std::string("(none)")) + " -> " +
              (b->name.version ? b->name.version->to_string() : std::string("(none)")));
    std::set<std::string> seen;
    for (const Interface* i : a->interfaces) {
      seen.insert(i->name);
      const Interface* j = b->interface(i->name);
      std::string p = path + "/" + i->name;
      if (!j) add(removal(i->gate), p, "interface `" + i->name + "` removed");
      else diff_interface(p, i, j);
    }
    for (const Interface* j : b->interfaces)
      if (!seen.count(j->name)) add(addition(j->gate), path + "/" + j->name, "interface `" + j->name + "` added");
    seen.clear();
    for (const World* w : a->worlds) {
      seen.insert(w->name);
      const World* v = b->world(w->name);
      std::string p = path + "/" + w->name;
      if (!v) add(removal(w->gate), p, "world `" + w->name + "` removed");
      else diff_world(p, w, v);
    }
    for (const World* v : b->worlds)
      if (!seen.count(v->name)) add(addition(v->gate), path + "/" + v->name, "world `" + v->name + "` added");
  }

 private:
  const Package* old_pkg_;
  const Package* new_pkg_;
  std::map<std::pair<const TypeDef*, const TypeDef*>, bool> memo_;
};

}  // namespace

CompatReport diff(const Package& old_pkg, const Package& new_pkg) {
  Differ d(&old_pkg, &new_pkg);
  d.diff_package(&old_pkg, &new_pkg);
  return d.report;
}

CompatReport diff(const Interface& old_iface, const Interface& new_iface) {
  Differ d(old_iface.package, new_iface.package);
  std::string path = old_iface.name.empty() ? "(inline interface)" : unversioned_id(&old_iface);
  d.diff_interface(path, &old_iface, &new_iface);
  return d.report;
}

CompatReport diff(const World& old_world, const World& new_world) {
  Differ d(old_world.package, new_world.package);
  d.deep_worlds = true;
  std::string path = old_world.package ? old_world.package->name.unversioned() + "/" + old_world.name : old_world.name;
  d.diff_world(path, &old_world, &new_world);
  return d.report;
}

std::string_view to_string(Compat c) {
  switch (c) {
    case Compat::Compatible: return "compatible";
    case Compat::CompatibleWithAdditions: return "compatible-with-additions";
    case Compat::Breaking: return "breaking";
  }
  return "breaking";
}

std::string render(const CompatReport& report) {
  std::string out;
  for (const auto& c : report.changes)
    out += std::string(to_string(c.severity)) + "  " + c.path + ": " + c.description + "\n";
  out += "overall: " + std::string(to_string(report.overall)) + "\n";
  return out;
}

}  // namespace torvyn::wit

#include "torvyn/wit/print.h"

#include <set>

#include "torvyn/wit/lexer.h"

namespace torvyn::wit {

namespace {

class Printer {
 public:
  Printer(const PrintOptions& o) : o_(o) {}

  std::string out;

  void line(int depth, const std::string& text) {
    if (text.empty()) {
      out += '\n';
      return;
    }
    for (int i = 0; i < depth; ++i) out += o_.indent;
    out += text;
    out += '\n';
  }

  void docs(int depth, const std::string& text) {
    if (!o_.docs || text.empty()) return;
    size_t start = 0;
    while (start <= text.size()) {
      size_t nl = text.find('\n', start);
      std::string l = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      line(depth, l.empty() ? "///" : "/// " + l);
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }

  void gate(int depth, const Gate& g, const std::string& external_id = "") {
    if (!o_.gates) return;
    if (g.since) line(depth, "@since(version = " + g.since->to_string() + ")");
    if (g.unstable) line(depth, "@unstable(feature = " + print_id(*g.unstable) + ")");
    if (g.deprecated) line(depth, "@deprecated(version = " + g.deprecated->to_string() + ")");
    if (!external_id.empty()) {
      std::string s;
      for (char c : external_id) {
        if (c == '"' || c == '\\') s += '\\';
        if (c == '\n') { s += "\\n"; continue; }
        s += c;
      }
      line(depth, "@external-id(\"" + s + "\")");
    }
  }

  // How `from` refers to interface `i` in a `use` or `import`.
  static std::string path_to(const Interface* i, const Package* from) {
    if (i->package == from) return print_id(i->name);
    return i->id();
  }

  void type_def(int depth, const TypeDef& t, const std::vector<const Function*>& resource_fns) {
    docs(depth, t.docs);
    gate(depth, t.gate, t.external_id);
    std::string name = print_id(t.name);
    switch (t.kind) {
      case TypeDefKind::Record:
        line(depth, "record " + name + " {");
        for (const auto& f : t.fields) {
          docs(depth + 1, f.docs);
          line(depth + 1, print_id(f.name) + ": " + print_type(f.type) + ",");
        }
        line(depth, "}");
        break;
      case TypeDefKind::Variant:
      case TypeDefKind::Enum:
      case TypeDefKind::Flags: {
        const char* kw = t.kind == TypeDefKind::Variant ? "variant " : t.kind == TypeDefKind::Enum ? "enum " : "flags ";
        line(depth, kw + name + " {");
        for (const auto& c : t.cases) {
          docs(depth + 1, c.docs);
          line(depth + 1, print_id(c.name) + (c.type ? "(" + print_type(*c.type) + ")" : "") + ",");
        }
        line(depth, "}");
        break;
      }
      case TypeDefKind::Resource:
        if (resource_fns.empty()) {
          line(depth, "resource " + name + ";");
          break;
        }
        line(depth, "resource " + name + " {");
        for (const Function* f : resource_fns) {
          docs(depth + 1, f->docs);
          gate(depth + 1, f->gate, f->external_id);
          line(depth + 1, print_function(*f) + ";");
        }
        line(depth, "}");
        break;
      case TypeDefKind::Alias:
        line(depth, "type " + name + " = " + (t.target ? print_type(*t.target) : "_") + ";");
        break;
      default:
        // Anonymous kinds are never named items.
        line(depth, "type " + name + " = " + print_type(Type::of(&t)) + ";");
        break;
    }
  }

  // `use` aliases, grouped while consecutive ones share a target, docs and gate.
  void uses(int depth, const std::vector<const TypeDef*>& aliases, const Package* from) {
    size_t i = 0;
    while (i < aliases.size()) {
      const TypeDef* first = aliases[i];
      const Interface* target = first->target->def->interface;
      std::string path = target ? path_to(target, from) : "?";
      std::string names;
      size_t j = i;
      while (j < aliases.size()) {
        const TypeDef* a = aliases[j];
        const TypeDef* orig = a->target->def;
        if (j > i && (orig->interface != target || a->docs != first->docs || !same_gate(a->gate, first->gate))) break;
        if (!names.empty()) names += ", ";
        names += print_id(orig->name);
        if (orig->name != a->name) names += " as " + print_id(a->name);
        ++j;
      }
      docs(depth, first->docs);
      gate(depth, first->gate);
      line(depth, "use " + path + ".{" + names + "};");
      i = j;
    }
  }

  static bool same_gate(const Gate& a, const Gate& b) {
    return a.since == b.since && a.unstable == b.unstable && a.deprecated == b.deprecated;
  }

  void interface_body(int depth, const Interface& i) {
    std::vector<const TypeDef*> pending_uses;
    auto flush = [&] {
      uses(depth, pending_uses, i.package);
      pending_uses.clear();
    };
    bool first = true;
    auto separate = [&] {
      if (!first) line(depth, "");
      first = false;
    };
    for (const TypeDef* t : i.types) {
      if (t->from_use && t->target && t->target->def) {
        pending_uses.push_back(t);
        continue;
      }
      if (!pending_uses.empty()) {
        separate();
        flush();
      }
      separate();
      type_def(depth, *t, i.resource_functions(t));
    }
    if (!pending_uses.empty()) {
      separate();
      flush();
    }
    for (const Function* f : i.functions) {
      if (f->kind != FunctionKind::Freestanding) continue;
      separate();
      docs(depth, f->docs);
      gate(depth, f->gate, f->external_id);
      line(depth, print_function(*f) + ";");
    }
  }

  void world_items(int depth, const World& w, const std::vector<WorldItem>& items, const char* verb) {
    std::set<const Function*> in_resources;
    for (const auto& it : items)
      if (it.kind == WorldItemKind::Function && it.function && it.function->resource) in_resources.insert(it.function);
    std::vector<const TypeDef*> pending_uses;
    auto flush = [&] {
      uses(depth, pending_uses, w.package);
      pending_uses.clear();
    };
    for (const auto& it : items) {
      if (it.kind == WorldItemKind::Type && it.type && it.type->from_use && it.type->target && it.type->target->def) {
        pending_uses.push_back(it.type);
        continue;
      }
      flush();
      switch (it.kind) {
        case WorldItemKind::Type: {
          std::vector<const Function*> fns;
          for (const auto& f : items)
            if (f.kind == WorldItemKind::Function && f.function && f.function->resource == it.type) fns.push_back(f.function);
          type_def(depth, *it.type, fns);
          break;
        }
        case WorldItemKind::Function:
          if (in_resources.count(it.function)) break;
          docs(depth, it.docs);
          gate(depth, it.gate, it.external_id);
          {
            // The item's name, which an include's `with` may have changed, replaces the function's.
            std::string sig = print_function(*it.function);
            sig = print_id(it.name) + sig.substr(print_id(it.function->name).size());
            line(depth, std::string(verb) + " " + sig + ";");
          }
          break;
        case WorldItemKind::Interface:
          docs(depth, it.docs);
          gate(depth, it.gate, it.external_id);
          if (it.interface_name) {
            line(depth, std::string(verb) + " " + path_to(it.interface, w.package) + ";" +
                            (it.implicit ? "  // implicit: used by another import" : ""));
          } else if (it.interface->name.empty()) {
            line(depth, std::string(verb) + " " + print_id(it.name) + ": interface {");
            interface_body(depth + 1, *it.interface);
            line(depth, "}");
          } else {
            line(depth, std::string(verb) + " " + print_id(it.name) + ": " + path_to(it.interface, w.package) + ";");
          }
          break;
      }
    }
    flush();
  }

 private:
  const PrintOptions& o_;
};

std::string params(const Function& f) {
  std::string s = "(";
  bool first = true;
  for (size_t i = 0; i < f.params.size(); ++i) {
    if (f.kind == FunctionKind::Method && i == 0) continue;  // implicit self
    if (!first) s += ", ";
    first = false;
    s += print_id(f.params[i].name) + ": " + print_type(f.params[i].type);
  }
  return s + ")";
}

}  // namespace

std::string print_id(const std::string& name) {
  if (keyword(name)) return "%" + name;
  return name;
}

std::string print_type(const Type& t) {
  if (t.kind != TypeKind::Def) return std::string(primitive_name(t.kind));
  const TypeDef* d = t.def;
  if (!d) return "_";
  if (!d->name.empty()) return print_id(d->name);
  auto opt = [](const std::optional<Type>& x) { return x ? print_type(*x) : std::string("_"); };
  switch (d->kind) {
    case TypeDefKind::Handle: {
      std::string r = d->resource ? print_id(d->resource->name) : "_";
      return d->handle == HandleKind::Borrow ? "borrow<" + r + ">" : r;
    }
    case TypeDefKind::List:
      return "list<" + opt(d->element) + (d->list_length ? ", " + std::to_string(d->list_length) : "") + ">";
    case TypeDefKind::Option: return "option<" + opt(d->element) + ">";
    case TypeDefKind::Result:
      if (!d->ok && !d->err) return "result";
      if (!d->err) return "result<" + opt(d->ok) + ">";
      return "result<" + opt(d->ok) + ", " + opt(d->err) + ">";
    case TypeDefKind::Tuple: {
      std::string s = "tuple<";
      for (size_t i = 0; i < d->tuple.size(); ++i) s += (i ? ", " : "") + print_type(d->tuple[i]);
      return s + ">";
    }
    case TypeDefKind::Map: return "map<" + opt(d->key) + ", " + opt(d->value) + ">";
    case TypeDefKind::Future: return d->element ? "future<" + print_type(*d->element) + ">" : "future";
    case TypeDefKind::Stream: return d->element ? "stream<" + print_type(*d->element) + ">" : "stream";
    case TypeDefKind::Alias: return d->target ? print_type(*d->target) : "_";
    default: return "_";
  }
}

std::string print_function(const Function& f) {
  std::string async = f.is_async ? "async " : "";
  if (f.kind == FunctionKind::Constructor) {
    std::string s = "constructor" + params(f);
    // The implicit result is own<resource>; only a fallible constructor writes one.
    bool implicit = f.result && f.result->def && f.result->def->kind == TypeDefKind::Handle &&
                    f.result->def->handle == HandleKind::Own && f.result->def->resource == f.resource;
    if (f.result && !implicit) s += " -> " + print_type(*f.result);
    return s;
  }
  std::string s = print_id(f.name) + ": " + (f.kind == FunctionKind::Static ? "static " : "") + async + "func" + params(f);
  if (f.result) s += " -> " + print_type(*f.result);
  return s;
}

std::string print_interface(const Interface& i, const PrintOptions& options) {
  Printer p(options);
  p.docs(0, i.docs);
  p.gate(0, i.gate);
  p.line(0, "interface " + print_id(i.name) + " {");
  p.interface_body(1, i);
  p.line(0, "}");
  return p.out;
}

std::string print_world(const World& w, const PrintOptions& options) {
  Printer p(options);
  p.docs(0, w.docs);
  p.gate(0, w.gate);
  p.line(0, "world " + print_id(w.name) + " {");
  p.world_items(1, w, w.imports, "import");
  p.world_items(1, w, w.exports, "export");
  p.line(0, "}");
  return p.out;
}

std::string print_package(const Package& pkg, const PrintOptions& options) {
  Printer p(options);
  p.docs(0, pkg.docs);
  p.line(0, "package " + pkg.name.to_string() + ";");
  std::string out = p.out;
  for (const Interface* i : pkg.interfaces) out += "\n" + print_interface(*i, options);
  for (const World* w : pkg.worlds) out += "\n" + print_world(*w, options);
  return out;
}

}  // namespace torvyn::wit

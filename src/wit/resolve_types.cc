// Interfaces: `use`, type definitions (in dependency order), type expressions, functions.
#include <algorithm>

#include "resolver_impl.h"

namespace torvyn::wit::detail {

bool Resolver::declare_name(Scope& scope, const ast::Id& id, ScopeEntry::Kind kind, TypeDef* def,
                            std::string_view what) {
  std::string key = lower(id.name);
  auto it = scope.names.find(key);
  if (it == scope.names.end()) {
    scope.names[key] = ScopeEntry{kind, def, id.name, id.span};
    return true;
  }
  auto& d = error(ErrorCode::WitDuplicateDefinition, id.span,
                  std::string(what) + " `" + id.name + "` is defined twice in " + scope.what,
                  it->second.kind != kind
                      ? "types and functions share one namespace; rename or remove one of them"
                      : "rename or remove one of them");
  if (it->second.name != id.name)
    d.notes.push_back("names are case-insensitive: `" + id.name + "` clashes with `" + it->second.name + "`");
  d.notes.push_back("first defined at " + where(it->second.span));
  return false;
}

TypeDef* Resolver::declare_type(const ast::TypeDecl& d, Scope& scope, Interface* owner_i, World* owner_w) {
  check_gate(d.attrs);
  TypeDef* t = new_type();
  t->name = d.name.name;
  switch (d.kind) {
    case ast::TypeDeclKind::Resource: t->kind = TypeDefKind::Resource; break;
    case ast::TypeDeclKind::Record: t->kind = TypeDefKind::Record; break;
    case ast::TypeDeclKind::Variant: t->kind = TypeDefKind::Variant; break;
    case ast::TypeDeclKind::Enum: t->kind = TypeDefKind::Enum; break;
    case ast::TypeDeclKind::Flags: t->kind = TypeDefKind::Flags; break;
    case ast::TypeDeclKind::Alias: t->kind = TypeDefKind::Alias; break;
  }
  t->interface = owner_i;
  t->world = owner_w;
  t->docs = d.attrs.docs;
  t->gate = to_gate(d.attrs.gate);
  t->external_id = d.attrs.external_id.value_or("");
  t->location = loc(d.name.span);
  declare_name(scope, d.name, ScopeEntry::Kind::Type, t, "type");
  return t;
}

std::vector<TypeDef*> Resolver::handle_use(const ast::Use& u, Scope& scope, Interface* owner_i, World* owner_w,
                                           size_t body, std::vector<const Interface*>* uses) {
  check_gate(u.attrs);
  std::vector<TypeDef*> made;
  Interface* target = resolve_iface_path(u.path, body);
  if (!target || failed_ifaces_.count(target)) return made;
  if (target == owner_i) {
    error(ErrorCode::WitCycle, u.path.span, "interface `" + target->name + "` uses itself",
          "refer to the interface's own types directly, without `use`");
    return made;
  }
  if (uses && std::find(uses->begin(), uses->end(), target) == uses->end()) uses->push_back(target);
  std::string tname = target->name.empty() ? "the interface" : "`" + target->id() + "`";
  for (const auto& n : u.names) {
    const TypeDef* orig = target->type(n.name.name);
    if (!orig) {
      if (target->function(n.name.name)) {
        error(ErrorCode::WitInvalidType, n.name.span,
              "`" + n.name.name + "` is a function of " + tname + "; `use` brings in types only",
              "call the function through the interface that defines it");
        continue;
      }
      std::vector<std::string> names;
      for (const TypeDef* t : target->types) names.push_back(t->name);
      std::string help;
      if (auto c = closest(n.name.name, names)) help = "did you mean `" + *c + "`?";
      else if (!names.empty()) help = "types of " + tname + ": " + quoted_list(names);
      else help = tname + " defines no types";
      error(ErrorCode::WitUnresolvedName, n.name.span, tname + " has no type `" + n.name.name + "`", help);
      continue;
    }
    const ast::Id& local = n.as ? *n.as : n.name;
    TypeDef* t = new_type();
    t->name = local.name;
    t->kind = TypeDefKind::Alias;
    t->from_use = true;
    t->target = Type::of(orig);
    t->interface = owner_i;
    t->world = owner_w;
    t->docs = u.attrs.docs;
    t->gate = to_gate(u.attrs.gate);
    t->location = loc(local.span);
    if (declare_name(scope, local, ScopeEntry::Kind::Type, t, "type")) made.push_back(t);
  }
  return made;
}

void collect_refs(const ast::Ty& t, std::vector<const ast::Id*>* out) {
  if (t.kind == ast::TyKind::Named || t.kind == ast::TyKind::Own || t.kind == ast::TyKind::Borrow) out->push_back(&t.name);
  for (const auto& a : t.args) collect_refs(a, out);
}

void Resolver::resolve_type_bodies(const std::vector<std::pair<TypeDef*, const ast::TypeDecl*>>& decls,
                                   Scope& scope) {
  std::map<const TypeDef*, size_t> index;
  for (size_t i = 0; i < decls.size(); ++i) index[decls[i].first] = i;
  std::vector<std::vector<Edge>> deps(decls.size());
  for (size_t i = 0; i < decls.size(); ++i) {
    const ast::TypeDecl& d = *decls[i].second;
    std::vector<const ast::Id*> refs;
    for (const auto& f : d.fields) collect_refs(f.type, &refs);
    for (const auto& c : d.cases)
      if (c.type) collect_refs(*c.type, &refs);
    if (d.target) collect_refs(*d.target, &refs);
    for (const ast::Id* r : refs) {
      auto it = scope.names.find(lower(r->name));
      if (it == scope.names.end() || !it->second.type) continue;
      auto di = index.find(it->second.type);
      if (di != index.end()) deps[i].push_back({di->second, r->span});
    }
  }
  Topo t = topo_sort(deps);
  if (!t.cycle.empty()) {
    std::string chain;
    for (size_t n : t.cycle) chain += "`" + decls[n].first->name + "` -> ";
    chain += "`" + decls[t.cycle.front()].first->name + "`";
    std::string msg = t.cycle.size() == 1 ? "type `" + decls[t.cycle[0]].first->name + "` refers to itself"
                                          : "types refer to each other in a cycle: " + chain;
    error(ErrorCode::WitCycle, t.cycle_span, msg,
          "WIT types cannot be recursive; refer to the other value through a resource handle or an index instead");
  }
  for (size_t i : t.order) resolve_type_body(decls[i].first, *decls[i].second, scope);
}

void Resolver::resolve_type_body(TypeDef* def, const ast::TypeDecl& d, Scope& scope) {
  std::map<std::string, ast::Span> seen;
  std::string scope_name = std::string(kind_name(def->kind)) + " `" + def->name + "`";
  auto need_one = [&](bool empty, std::string_view what) {
    if (empty)
      error(ErrorCode::WitInvalidType, d.name.span, scope_name + " has no " + std::string(what),
            "a " + std::string(kind_name(def->kind)) + " needs at least one " +
                std::string(what == "fields" ? "field" : what == "flags" ? "flag" : "case"));
  };
  switch (d.kind) {
    case ast::TypeDeclKind::Record:
      need_one(d.fields.empty(), "fields");
      for (const auto& f : d.fields) {
        declare(seen, f.name, "field", scope_name);
        def->fields.push_back(Field{f.name.name, resolve_ty(f.type, scope), f.docs, loc(f.name.span)});
      }
      break;
    case ast::TypeDeclKind::Variant:
    case ast::TypeDeclKind::Enum:
    case ast::TypeDeclKind::Flags:
      need_one(d.cases.empty(), d.kind == ast::TypeDeclKind::Flags ? "flags" : "cases");
      if (d.kind == ast::TypeDeclKind::Flags && d.cases.size() > 32)
        error(ErrorCode::WitInvalidType, d.name.span,
              scope_name + " has " + std::to_string(d.cases.size()) + " flags; at most 32 are allowed",
              "split the flags into several `flags` types");
      for (const auto& c : d.cases) {
        declare(seen, c.name, d.kind == ast::TypeDeclKind::Flags ? "flag" : "case", scope_name);
        Case out{c.name.name, std::nullopt, c.docs, loc(c.name.span)};
        if (c.type) out.type = resolve_ty(*c.type, scope);
        def->cases.push_back(std::move(out));
      }
      break;
    case ast::TypeDeclKind::Alias:
      if (d.target) def->target = resolve_ty(*d.target, scope, true);
      break;
    case ast::TypeDeclKind::Resource:
      break;
  }
}

TypeDef* Resolver::make_handle(HandleKind kind, const TypeDef* resource) {
  TypeDef* h = new_type();
  h->kind = TypeDefKind::Handle;
  h->handle = kind;
  h->resource = resource;
  return h;
}

void Resolver::unknown_type(const ast::Id& name, Scope& scope) {
  std::vector<std::string> names;
  for (const auto& [_, e] : scope.names)
    if (e.kind == ScopeEntry::Kind::Type) names.push_back(e.name);
  std::string help;
  if (auto c = closest(name.name, names)) {
    help = "did you mean `" + *c + "`?";
  } else {
    // Defined elsewhere? Suggest the `use` that brings it in.
    for (const auto& [iname, entry] : iface_ast_) {
      for (const auto& it : entry.first->items)
        if (it.kind == ast::InterfaceItem::Kind::Type && it.type.name.name == name.name) {
          help = "`" + name.name + "` is defined in interface `" + iname + "`; bring it into scope with `use " +
                 iname + ".{" + name.name + "};`";
          break;
        }
      if (!help.empty()) break;
    }
    if (help.empty())
      for (const auto& [pname, pkg] : packages_)
        for (const Interface* i : pkg->interfaces)
          if (help.empty() && i->type(name.name))
            help = "`" + name.name + "` is defined in `" + i->id() + "`; bring it into scope with `use " + i->id() +
                   ".{" + name.name + "};`";
  }
  if (help.empty()) help = "define the type in " + scope.what + ", or bring it in with `use iface.{" + name.name + "};`";
  error(ErrorCode::WitUnresolvedName, name.span, "type `" + name.name + "` is not defined in " + scope.what, help);
}

Type Resolver::resolve_ty(const ast::Ty& t, Scope& scope, bool alias_target) {
  auto anon = [&](TypeDefKind k) {
    TypeDef* d = new_type();
    d->kind = k;
    return d;
  };
  auto lookup = [&](const ast::Id& name) -> const TypeDef* {
    auto it = scope.names.find(lower(name.name));
    if (it == scope.names.end() || it->second.name != name.name) {
      if (it != scope.names.end()) {
        error(ErrorCode::WitUnresolvedName, name.span,
              "type `" + name.name + "` is not defined in " + scope.what,
              "names are case-sensitive when referred to: write `" + it->second.name + "`");
        return nullptr;
      }
      unknown_type(name, scope);
      return nullptr;
    }
    if (it->second.kind == ScopeEntry::Kind::Func) {
      error(ErrorCode::WitInvalidType, name.span, "`" + name.name + "` is a function, not a type",
            "only types (records, variants, resources, aliases, ...) can be used as a type");
      return nullptr;
    }
    return it->second.type;
  };
  switch (t.kind) {
    case ast::TyKind::Bool: return Type{TypeKind::Bool, nullptr};
    case ast::TyKind::U8: return Type{TypeKind::U8, nullptr};
    case ast::TyKind::U16: return Type{TypeKind::U16, nullptr};
    case ast::TyKind::U32: return Type{TypeKind::U32, nullptr};
    case ast::TyKind::U64: return Type{TypeKind::U64, nullptr};
    case ast::TyKind::S8: return Type{TypeKind::S8, nullptr};
    case ast::TyKind::S16: return Type{TypeKind::S16, nullptr};
    case ast::TyKind::S32: return Type{TypeKind::S32, nullptr};
    case ast::TyKind::S64: return Type{TypeKind::S64, nullptr};
    case ast::TyKind::F32: return Type{TypeKind::F32, nullptr};
    case ast::TyKind::F64: return Type{TypeKind::F64, nullptr};
    case ast::TyKind::Char: return Type{TypeKind::Char, nullptr};
    case ast::TyKind::String: return Type{TypeKind::String, nullptr};
    case ast::TyKind::Named: {
      const TypeDef* def = lookup(t.name);
      if (!def) return placeholder();
      if (!alias_target && is_resource(def)) return Type::of(make_handle(HandleKind::Own, def));
      return Type::of(def);
    }
    case ast::TyKind::Own:
    case ast::TyKind::Borrow: {
      const TypeDef* def = lookup(t.name);
      if (!def) return placeholder();
      bool own = t.kind == ast::TyKind::Own;
      if (!is_resource(def)) {
        error(ErrorCode::WitInvalidType, t.name.span,
              "`" + t.name.name + "` is a " + std::string(kind_name(dealias(def)->kind)) + ", not a resource",
              std::string("`") + (own ? "own" : "borrow") + "<..>` takes a resource type");
        return placeholder();
      }
      return Type::of(make_handle(own ? HandleKind::Own : HandleKind::Borrow, def));
    }
    case ast::TyKind::List:
    case ast::TyKind::Option: {
      TypeDef* d = anon(t.kind == ast::TyKind::List ? TypeDefKind::List : TypeDefKind::Option);
      d->element = resolve_ty(t.args.at(0), scope);
      d->list_length = t.length;
      return Type::of(d);
    }
    case ast::TyKind::Future:
    case ast::TyKind::Stream: {
      TypeDef* d = anon(t.kind == ast::TyKind::Future ? TypeDefKind::Future : TypeDefKind::Stream);
      if (!t.args.empty()) d->element = resolve_ty(t.args[0], scope);
      return Type::of(d);
    }
    case ast::TyKind::Result: {
      TypeDef* d = anon(TypeDefKind::Result);
      size_t i = 0;
      if (t.has_ok) d->ok = resolve_ty(t.args.at(i++), scope);
      if (t.has_err) d->err = resolve_ty(t.args.at(i), scope);
      return Type::of(d);
    }
    case ast::TyKind::Tuple: {
      TypeDef* d = anon(TypeDefKind::Tuple);
      if (t.args.empty())
        error(ErrorCode::WitInvalidType, t.span, "a tuple needs at least one type", "write `tuple<a, b>`, or drop the tuple");
      for (const auto& a : t.args) d->tuple.push_back(resolve_ty(a, scope));
      return Type::of(d);
    }
    case ast::TyKind::Map: {
      TypeDef* d = anon(TypeDefKind::Map);
      d->key = resolve_ty(t.args.at(0), scope);
      d->value = resolve_ty(t.args.at(1), scope);
      Type k = dealias(*d->key);
      if (k.kind == TypeKind::Def || k.kind == TypeKind::F32 || k.kind == TypeKind::F64)
        error(ErrorCode::WitInvalidType, t.args[0].span, "this type cannot be a map key",
              "map keys are integers, `char`, `bool` or `string`");
      return Type::of(d);
    }
  }
  return placeholder();
}

// Whether a value of type `t` can hold a borrow handle (through named types too).
bool contains_borrow(Type t) {
  std::vector<const TypeDef*> stack;
  std::set<const TypeDef*> seen;
  if (t.def) stack.push_back(t.def);
  auto push = [&](const std::optional<Type>& x) {
    if (x && x->def && seen.insert(x->def).second) stack.push_back(x->def);
  };
  while (!stack.empty()) {
    const TypeDef* d = stack.back();
    stack.pop_back();
    if (d->kind == TypeDefKind::Handle) {
      if (d->handle == HandleKind::Borrow) return true;
      continue;
    }
    for (const auto& f : d->fields) push(f.type);
    for (const auto& c : d->cases) push(c.type);
    for (const auto& x : d->tuple) push(x);
    push(d->element);
    push(d->ok);
    push(d->err);
    push(d->key);
    push(d->value);
    push(d->target);
  }
  return false;
}

Function* Resolver::make_function(const ast::Id& name, const ast::FuncType& ft, const ast::Attributes& attrs,
                                  Scope& scope, FunctionKind kind, const TypeDef* resource, ast::Span result_span) {
  check_gate(attrs);
  Function* f = new_function();
  f->name = name.name;
  f->kind = kind;
  f->resource = resource;
  f->is_async = ft.is_async;
  f->docs = attrs.docs;
  f->gate = to_gate(attrs.gate);
  f->external_id = attrs.external_id.value_or("");
  f->location = loc(name.span);
  std::map<std::string, ast::Span> seen;
  std::string what = "the parameters of `" + name.name + "`";
  if (kind == FunctionKind::Method) {
    seen["self"] = name.span;
    f->params.push_back(Param{"self", Type::of(make_handle(HandleKind::Borrow, resource))});
  }
  for (const auto& p : ft.params) {
    if (kind == FunctionKind::Method && lower(p.name.name) == "self") {
      error(ErrorCode::WitDuplicateDefinition, p.name.span, "method `" + name.name + "` already has an implicit `self` parameter",
            "rename the parameter; methods receive `self: borrow<" + resource->name + ">` automatically");
    } else {
      declare(seen, p.name, "parameter", what);
    }
    f->params.push_back(Param{p.name.name, resolve_ty(p.type, scope)});
  }
  if (ft.result) f->result = resolve_ty(*ft.result, scope);
  if (kind == FunctionKind::Constructor) {
    if (!ft.result) {
      f->result = Type::of(make_handle(HandleKind::Own, resource));
    } else {
      const TypeDef* r = f->result->def ? dealias(f->result->def) : nullptr;
      bool ok = r && r->kind == TypeDefKind::Result && r->ok && r->ok->def &&
                r->ok->def->kind == TypeDefKind::Handle && r->ok->def->handle == HandleKind::Own &&
                handle_resource(r->ok->def) == dealias(resource);
      if (!ok)
        error(ErrorCode::WitInvalidType, result_span,
              "a constructor of `" + resource->name + "` must return `" + resource->name + "` or `result<" +
                  resource->name + ", error>`",
              "drop the result for an infallible constructor, or write `-> result<" + resource->name + ", e>`");
    }
  }
  if (f->result && contains_borrow(*f->result))
    error(ErrorCode::WitInvalidType, result_span, "the result of `" + name.name + "` contains a borrow handle",
          "borrows are lent for the duration of a call and can only be parameters; return an owned handle instead");
  return f;
}

void Resolver::resource_functions(const ast::TypeDecl& d, TypeDef* res, Scope& scope, std::vector<const Function*>* out) {
  std::map<std::string, ast::Span> seen;
  const ast::ResourceFunc* ctor = nullptr;
  for (const auto& rf : d.functions) {
    FunctionKind kind = rf.kind == ast::ResourceFuncKind::Method   ? FunctionKind::Method
                        : rf.kind == ast::ResourceFuncKind::Static ? FunctionKind::Static
                                                                   : FunctionKind::Constructor;
    if (kind == FunctionKind::Constructor) {
      if (ctor) {
        auto& e = error(ErrorCode::WitDuplicateDefinition, rf.name.span, "resource `" + res->name + "` has two constructors",
                        "a resource has at most one constructor; add a `static` function for other ways to create one");
        e.notes.push_back("first constructor at " + where(ctor->name.span));
        continue;
      }
      ctor = &rf;
    } else {
      declare(seen, rf.name, "function", "resource `" + res->name + "`");
    }
    ast::Span result_span = rf.type.result ? rf.type.result->span : rf.name.span;
    out->push_back(make_function(rf.name, rf.type, rf.attrs, scope, kind, res, result_span));
  }
}

void Resolver::resolve_interface(const ast::Interface& a, Interface* iface, size_t body) {
  Scope scope;
  scope.what = iface->name.empty() ? "the inline interface" : "interface `" + iface->name + "`";
  std::vector<std::pair<TypeDef*, const ast::TypeDecl*>> decls;
  std::vector<const TypeDef*> types;
  std::vector<TypeDef*> resources;  // parallel to resource decls
  for (const auto& it : a.items) {
    switch (it.kind) {
      case ast::InterfaceItem::Kind::Use:
        for (TypeDef* t : handle_use(it.use, scope, iface, nullptr, body, &iface->uses)) types.push_back(t);
        break;
      case ast::InterfaceItem::Kind::Type: {
        TypeDef* t = declare_type(it.type, scope, iface, nullptr);
        decls.emplace_back(t, &it.type);
        types.push_back(t);
        break;
      }
      case ast::InterfaceItem::Kind::Func:
        declare_name(scope, it.func.name, ScopeEntry::Kind::Func, nullptr, "function");
        break;
    }
  }
  iface->types = types;
  resolve_type_bodies(decls, scope);
  size_t di = 0;
  for (const auto& it : a.items) {
    if (it.kind == ast::InterfaceItem::Kind::Type) {
      TypeDef* t = decls[di++].first;
      if (t->kind == TypeDefKind::Resource) resource_functions(it.type, t, scope, &iface->functions);
    } else if (it.kind == ast::InterfaceItem::Kind::Func) {
      const ast::Func& fn = it.func;
      Function* f = make_function(fn.name, fn.type, fn.attrs, scope, FunctionKind::Freestanding, nullptr,
                                  fn.type.result ? fn.type.result->span : fn.name.span);
      iface->functions.push_back(f);
    }
  }
  for (const Function* f : iface->functions) const_cast<Function*>(f)->interface = iface;
}

}  // namespace torvyn::wit::detail

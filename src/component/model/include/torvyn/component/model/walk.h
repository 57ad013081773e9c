// The walk of a component over its index spaces (index_spaces.h): its definitions in order, each
// one filling the index space of its sort. The walk does what every reader of a component does
// alike: it resolves aliases (of an instance's export, of a core instance's export, of an outer
// scope's item), binds a nested component's instantiation arguments and walks the component in
// place with them, builds instances and export tables, and opens a scope for an instance or
// component type's declarations. What a walk attaches to an item it learns from `Derived` (CRTP),
// which is called for the definitions that make a payload:
//
//   Error refuse(const Fault&)                  words a fault (fault.h) as the walk reports it
//   Status enter(Nest) / void leave(Nest)       a scope opens / closes: the walk's depth bound
//   Status step(Nest)                           one definition or declaration: its work bound
//   Result<P::Type> type(Scope&, const Type&)   a value, function or resource type definition
//   Result<P::Func> lift(Scope&, const Canon&)  canon lift
//   Result<Item> root_import(Scope&, const Import&)            an import of the outermost component
//   Result<InstancePtr> instantiate_type(Scope&, const ComponentRef&)  of an imported component
//
// and, where the walk cares (the defaults attach nothing):
//
//   Result<P::Module> core_module(Scope&, const CoreModule&)
//   Result<P::CoreInstance> instantiate_core(Scope&, const CoreInstance&)   a module instantiation
//   std::optional<P::Core> read_core_export(const P::CoreInstance&, const std::string& name)
//   Result<P::Core> lower(Scope&, const Canon&)  canon lower and the resource built-ins
//   Status start(Scope&, const Start&)
//   Status exporting(Scope&, const Export&, Item&)  an export, before it is recorded
//   void indexed_core(Sort, const P::Core&)         a core item entered a core index space
//
// The declarations of an instance or component type are walked by `declarations`, with a visitor
// of their own (the same walk reads a type differently where it is imported and where it is
// exported); see there.
//
// Errors are values (Result), never exceptions. The walk recurses only through `component` and
// `declarations`, each of which asks `Derived::enter` first, so the walk's depth bound is the
// recursion's bound.
#pragma once

#include <deque>
#include <utility>
#include <variant>

#include "torvyn/base/result.h"
#include "torvyn/component/model/fault.h"
#include "torvyn/component/model/index_spaces.h"

namespace torvyn::component::model {

// The kind of scope a walk opens.
enum class Nest : uint8_t { Component, Type };

inline Sort sort_of(const ExternDesc& d) {
  switch (d.kind) {
    case ExternDesc::Kind::CoreModule: return Sort::CoreModule;
    case ExternDesc::Kind::Func: return Sort::Func;
    case ExternDesc::Kind::Value: return Sort::Value;
    case ExternDesc::Kind::Type: return Sort::Type;
    case ExternDesc::Kind::Component: return Sort::Component;
    case ExternDesc::Kind::Instance: return Sort::Instance;
  }
  return Sort::Instance;
}

// CoreSort and the core half of Sort list the same sorts in the same order (Binary.md).
inline Sort sort_of(CoreSort s) { return static_cast<Sort>(static_cast<uint8_t>(s)); }

template <class Derived, class P>
class Walk {
 public:
  using Scope = model::Scope<P>;
  using Item = model::Item<P>;
  using TypeEntry = model::TypeEntry<P>;
  using ComponentRef = model::ComponentRef<P>;
  using Instance = model::Instance<P>;
  using InstancePtr = model::InstancePtr<P>;
  using Args = model::Args<P>;
  using Core = typename P::Core;

  // Walks component `c`'s definitions in a new scope inside `outer`. `args` are a nested
  // component's instantiation arguments; the root's imports go to Derived::root_import instead.
  // The scope lives as long as the walk: later scopes' outer aliases and types point into it.
  Result<Scope*> component(const Component& c, const Scope* outer, Args args, bool root) {
    if (auto s = self().enter(Nest::Component); !s) return s.take_error();
    Scope& scope = new_scope(outer);
    scope.root = root;
    scope.args = std::move(args);
    for (const Definition& d : c.definitions) {
      if (auto s = self().step(Nest::Component); !s) return s.take_error();
      if (auto s = std::visit([&](const auto& x) { return this->definition(scope, x); }, d); !s) return s.take_error();
    }
    self().leave(Nest::Component);
    return &scope;
  }

  // Walks the declarations of an instance or component type in a new scope inside `outer` (where
  // the type was defined). `visit` reads what the walk attaches to them:
  //   Result<P::Type> type(Scope&, const Type&)   a value, function or resource type declaration
  //   Status alias(Scope&, const Alias&)          an alias (Walk::alias, or a narrower reading)
  //   Result<std::optional<Item>> declare(Scope&, const ComponentDecl&)  an import or export: the
  //       item it declares, or none when the walk leaves it out of the index spaces
  // Exports go into the scope's export table, which is the instance such a type describes.
  template <class Visit>
  Result<Scope*> declarations(const std::vector<ComponentDecl>& decls, const Scope* outer, Visit& visit) {
    if (auto s = self().enter(Nest::Type); !s) return s.take_error();
    Scope& scope = new_scope(outer);
    for (const ComponentDecl& d : decls) {
      if (auto s = self().step(Nest::Type); !s) return s.take_error();
      switch (d.kind) {
        case ComponentDecl::Kind::CoreType: break;
        case ComponentDecl::Kind::Type: {
          if (!d.type) return fault({Fault::Kind::Empty, {}, Sort::Type, Sort::Type, 0, "type declaration"});
          auto e = type_entry(scope, *d.type, [&](const Type& t) { return visit.type(scope, t); });
          if (!e) return e.take_error();
          scope.types.push_back(std::move(*e));
          break;
        }
        case ComponentDecl::Kind::Alias:
          if (auto s = visit.alias(scope, d.alias); !s) return s.take_error();
          break;
        case ComponentDecl::Kind::Import:
        case ComponentDecl::Kind::Export: {
          auto item = visit.declare(scope, d);
          if (!item) return item.take_error();
          if (!*item) break;
          if (auto s = push(scope, (*item)->sort, **item); !s) return s.take_error();
          if (d.kind == ComponentDecl::Kind::Export) scope.exports->add(d.name, std::move(**item));
          break;
        }
      }
    }
    self().leave(Nest::Type);
    return &scope;
  }

  // ---- index spaces ----------------------------------------------------------------------------

  // Entry `i` of `space`, whose items are of `sort`.
  template <class T>
  Result<const T*> at(const std::vector<T>& space, Sort sort, uint64_t i, Fault::Use use = Fault::Use::Item) {
    if (i >= space.size()) return fault({Fault::Kind::OutOfRange, use, sort, sort, i, {}});
    return &space[i];
  }

  // Item `i` of `sort`, as an export, an instantiation argument or an outer alias names it.
  Result<Item> item_of(const Scope& s, Sort sort, Index i, Fault::Use use = Fault::Use::Item) {
    Item item;
    item.sort = sort;
    auto take = [&](const auto& space, auto& field) -> Status {
      auto e = at(space, sort, i, use);
      if (!e) return e.take_error();
      field = **e;
      return {};
    };
    Status st;
    switch (sort) {
      case Sort::Func: st = take(s.funcs, item.func); break;
      case Sort::Type: st = take(s.types, item.type); break;
      case Sort::Instance: st = take(s.instances, item.instance); break;
      case Sort::Component: st = take(s.components, item.component); break;
      case Sort::CoreModule: st = take(s.core_modules, item.module); break;
      case Sort::Value:
        if (!P::kValues) return fault({Fault::Kind::NotPassable, use, sort, sort, i, {}});
        if (i >= s.values) return fault({Fault::Kind::OutOfRange, use, sort, sort, i, {}});
        break;
      default: return fault({Fault::Kind::NotPassable, use, sort, sort, i, {}});
    }
    if (!st) return st.take_error();
    return item;
  }

  // Appends `item` to the index space of `sort` (an import, alias or export defines a new index).
  Status push(Scope& s, Sort sort, const Item& item) {
    if (item.sort != sort) return fault({Fault::Kind::WrongSort, {}, sort, item.sort, 0, {}});
    switch (sort) {
      case Sort::Func: s.funcs.push_back(item.func); return {};
      case Sort::Type: s.types.push_back(item.type); return {};
      case Sort::Instance: s.instances.push_back(item.instance); return {};
      case Sort::Component: s.components.push_back(item.component); return {};
      case Sort::CoreModule: s.core_modules.push_back(item.module); return {};
      case Sort::Value:
        if (!P::kValues) break;
        ++s.values;
        return {};
      default: break;
    }
    return fault({Fault::Kind::Unindexed, {}, sort, sort, 0, {}});
  }

  // Appends core item `c` to the core index space of `sort`.
  Status push_core(Scope& s, Sort sort, const Core& c) {
    switch (sort) {
      case Sort::CoreFunc: s.core_funcs.push_back(c); break;
      case Sort::CoreTable: s.core_tables.push_back(c); break;
      case Sort::CoreMemory: s.core_memories.push_back(c); break;
      case Sort::CoreGlobal: s.core_globals.push_back(c); break;
      default: return fault({Fault::Kind::CoreAliasSort, {}, sort, sort, 0, {}});
    }
    self().indexed_core(sort, c);
    return {};
  }

  Result<Core> core_item(const Scope& s, CoreSort sort, Index i) {
    const std::vector<Core>* space = nullptr;
    switch (sort) {
      case CoreSort::Func: space = &s.core_funcs; break;
      case CoreSort::Table: space = &s.core_tables; break;
      case CoreSort::Memory: space = &s.core_memories; break;
      case CoreSort::Global: space = &s.core_globals; break;
      default: return fault({Fault::Kind::NotCoreItem, {}, sort_of(sort), sort_of(sort), i, {}});
    }
    auto e = at(*space, sort_of(sort), i);
    if (!e) return e.take_error();
    return **e;
  }

  // Export `name` of core instance `i`; none when it has no such export.
  Result<std::optional<Core>> core_export(const Scope& s, Index i, const std::string& name) {
    auto inst = at(s.core_instances, Sort::CoreInstance, i);
    if (!inst) return inst.take_error();
    const CoreInstanceEntry<P>& e = **inst;
    if (e.made) return self().read_core_export(*e.made, name);
    auto it = e.bag.find(name);
    if (it == e.bag.end()) return std::optional<Core>{};
    return std::optional<Core>{it->second};
  }

  // ---- aliases ---------------------------------------------------------------------------------

  Status alias(Scope& s, const Alias& a) {
    switch (a.target) {
      case Alias::Target::Export: {
        auto inst = at(s.instances, Sort::Instance, a.instance, Fault::Use::AliasedInstance);
        if (!inst) return inst.take_error();
        const Item* item = (**inst)->find(a.name);
        if (!item) return fault({Fault::Kind::NoExport, {}, a.sort, a.sort, a.instance, a.name});
        if (item->sort != a.sort) return fault({Fault::Kind::WrongSort, {}, a.sort, item->sort, a.instance, a.name});
        return push(s, a.sort, *item);
      }
      case Alias::Target::CoreExport: {
        auto e = core_export(s, a.instance, a.name);
        if (!e) return e.take_error();
        if (!*e) return fault({Fault::Kind::NoCoreExport, {}, a.sort, a.sort, a.instance, a.name});
        return push_core(s, a.sort, **e);
      }
      case Alias::Target::Outer: {
        const Scope* o = outer_scope(s, a.outer_count);
        if (!o) return fault({Fault::Kind::OuterTooFar, {}, a.sort, a.sort, a.outer_count, {}});
        if (a.sort == Sort::CoreType) return {};  // core types are not indexed
        if (a.sort != Sort::Type && a.sort != Sort::Component && a.sort != Sort::CoreModule)
          return fault({Fault::Kind::OuterSort, {}, a.sort, a.sort, a.outer_count, {}});
        auto item = item_of(*o, a.sort, a.outer_index, Fault::Use::OuterItem);  // the outer item, as an export names it
        if (!item) return item.take_error();
        return push(s, a.sort, *item);
      }
    }
    return {};
  }

  // ---- the hooks Derived may leave out ---------------------------------------------------------

  Result<typename P::Module> core_module(Scope&, const CoreModule&) { return typename P::Module{}; }
  Result<typename P::CoreInstance> instantiate_core(Scope&, const CoreInstance&) { return typename P::CoreInstance{}; }
  std::optional<Core> read_core_export(const typename P::CoreInstance&, const std::string&) { return Core{}; }
  Result<Core> lower(Scope&, const Canon&) { return Core{}; }
  Status start(Scope&, const Start&) { return {}; }
  Status exporting(Scope&, const Export&, Item&) { return {}; }
  void indexed_core(Sort, const Core&) {}

 protected:
  Error fault(Fault f) { return self().refuse(f); }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }

  Scope& new_scope(const Scope* outer) {
    scopes_.emplace_back();
    scopes_.back().outer = outer;
    return scopes_.back();
  }

  // A type's entry: instance and component types are the model's (their declarations are walked
  // where they are used, in a scope inside this one); the rest are `make`'s.
  template <class Make>
  Result<TypeEntry> type_entry(const Scope& scope, const Type& t, Make&& make) {
    TypeEntry e;
    if (const auto* it = std::get_if<InstanceType>(&t.def)) {
      e.instance = it;
      e.defined_in = &scope;
    } else if (const auto* ct = std::get_if<ComponentType>(&t.def)) {
      e.component = ct;
      e.defined_in = &scope;
    } else {
      auto info = make(t);
      if (!info) return info.take_error();
      e.info = std::move(*info);
    }
    return e;
  }

  // ---- definitions -----------------------------------------------------------------------------

  Status definition(Scope&, const CustomSection&) { return {}; }
  Status definition(Scope&, const std::shared_ptr<CoreType>&) { return {}; }  // core types are not indexed

  Status definition(Scope& s, const CoreModule& m) {
    auto r = self().core_module(s, m);
    if (!r) return r.take_error();
    s.core_modules.push_back(std::move(*r));
    return {};
  }

  Status definition(Scope& s, const CoreInstance& ci) {
    CoreInstanceEntry<P> entry;
    if (ci.kind == CoreInstance::Kind::FromExports) {
      for (const auto& e : ci.exports) {
        auto x = core_item(s, e.sort, e.index);
        if (!x) return x.take_error();
        entry.bag[e.name] = std::move(*x);
      }
    } else {
      auto made = self().instantiate_core(s, ci);
      if (!made) return made.take_error();
      entry.made = std::move(*made);
    }
    s.core_instances.push_back(std::move(entry));
    return {};
  }

  Status definition(Scope& s, const std::shared_ptr<Component>& c) {
    if (!c) return fault({Fault::Kind::Empty, {}, Sort::Component, Sort::Component, 0, "nested component"});
    s.components.push_back(ComponentRef{c.get(), nullptr, &s});
    return {};
  }

  Status definition(Scope& s, const ComponentInstance& ci) {
    auto inst = instance(s, ci);
    if (!inst) return inst.take_error();
    s.instances.push_back(std::move(*inst));
    return {};
  }

  Status definition(Scope& s, const Alias& a) { return alias(s, a); }

  Status definition(Scope& s, const std::shared_ptr<Type>& t) {
    if (!t) return fault({Fault::Kind::Empty, {}, Sort::Type, Sort::Type, 0, "type definition"});
    auto e = type_entry(s, *t, [&](const Type& x) { return self().type(s, x); });
    if (!e) return e.take_error();
    s.types.push_back(std::move(*e));
    return {};
  }

  Status definition(Scope& s, const Canon& c) {
    if (c.kind == Canon::Kind::Lift) {
      auto f = self().lift(s, c);
      if (!f) return f.take_error();
      s.funcs.push_back(std::move(*f));
      return {};
    }
    auto f = self().lower(s, c);  // lower and the resource built-ins make a core function
    if (!f) return f.take_error();
    return push_core(s, Sort::CoreFunc, *f);
  }

  Status definition(Scope& s, const Start& st) {
    if (auto r = self().start(s, st); !r) return r;
    s.values += st.results;  // its results are values
    return {};
  }

  Status definition(Scope& s, const Import& imp) {
    Result<Item> item = s.root ? self().root_import(s, imp) : argument(s, imp.name);
    if (!item) return item.take_error();
    return push(s, sort_of(imp.desc), *item);
  }

  Status definition(Scope& s, const Export& e) {
    auto item = item_of(s, e.sort, e.index);
    if (!item) return item.take_error();
    if (auto st = self().exporting(s, e, *item); !st) return st;
    s.exports->add(e.name, *item);
    return push(s, e.sort, *item);  // an export also defines a new index in its sort's space (Explainer.md)
  }

  // ---- instances -------------------------------------------------------------------------------

  // The instance a definition makes: a bundle of the scope's items, or an instantiation of a
  // component, walked in place with its arguments (an imported component's type is Derived's).
  Result<InstancePtr> instance(Scope& s, const ComponentInstance& ci) {
    if (ci.kind == ComponentInstance::Kind::FromExports) {
      auto inst = std::make_shared<Instance>();
      for (const auto& e : ci.exports) {
        auto item = item_of(s, e.sort, e.index);
        if (!item) return item.take_error();
        inst->add(e.name, std::move(*item));
      }
      return InstancePtr(std::move(inst));
    }
    auto ref = at(s.components, Sort::Component, ci.component, Fault::Use::Instantiated);
    if (!ref) return ref.take_error();
    const ComponentRef c = **ref;
    Args args;
    for (const auto& a : ci.args) {
      auto item = item_of(s, a.sort, a.index);
      if (!item) return item.take_error();
      args[a.name] = std::move(*item);
    }
    if (!c.ast) return self().instantiate_type(s, c);
    auto child = component(*c.ast, c.defined_in, std::move(args), false);
    if (!child) return child.take_error();
    return InstancePtr((*child)->exports);
  }

  // A nested component's import: the instantiation argument of that name.
  Result<Item> argument(const Scope& s, const std::string& name) {
    auto it = s.args.find(name);
    if (it == s.args.end()) return fault({Fault::Kind::NoArgument, {}, Sort::Func, Sort::Func, 0, name});
    return it->second;
  }

  std::deque<Scope> scopes_;  // every scope walked, at stable addresses
};

}  // namespace torvyn::component::model

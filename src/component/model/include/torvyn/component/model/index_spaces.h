// The index spaces of one component, or of one instance or component type's declarations
// (Explainer.md, "Index spaces"), as every walk of a component keeps them: the instantiation plan
// (runtime/plan_builder.cc) and the component's type read back as WIT (contracts/component_wit.cc).
//
// What a walk knows of an item is its own business, so the spaces are parameterised by a payload
// `P` naming one type per space:
//   P::Type          what the walk knows of a type (instance and component types aside: below)
//   P::Func          of a component function
//   P::Core          of a core function, table, memory or global
//   P::Module        of a core module
//   P::CoreInstance  of a core instance that a module instantiation made
//   P::kValues       true: component values are items like any other; false: the walk refuses them
// Core types are not indexed: no walk reads them (the validator checks them).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "torvyn/component/ast.h"

namespace torvyn::component::model {

template <class P>
struct Scope;

// An entry of the type index space. Instance and component types are the model's: their
// declarations are walked where they are used (an import, an instantiation of an imported
// component), in a scope inside the one they were defined in, which is where their outer aliases
// resolve.
template <class P>
struct TypeEntry {
  typename P::Type info{};
  const InstanceType* instance = nullptr;
  const ComponentType* component = nullptr;
  const Scope<P>* defined_in = nullptr;  // instance / component types
};

// A component in the component index space: one defined here (its definitions), or one imported
// (only its type). Either way, the scope its outer aliases see.
template <class P>
struct ComponentRef {
  const Component* ast = nullptr;
  const ComponentType* type = nullptr;
  const Scope<P>* defined_in = nullptr;
};

template <class P>
class Instance;

// One export of an instance, or one instantiation argument: `sort` says which field holds it.
template <class P>
struct Item {
  Sort sort = Sort::Func;
  typename P::Func func{};
  TypeEntry<P> type;
  std::shared_ptr<const Instance<P>> instance;
  ComponentRef<P> component;
  typename P::Module module{};
};

// A component instance as its exports: a name table kept in definition order (the order a WIT
// world lists them in), with a lookup that stays fast however many exports a hostile binary has.
template <class P>
class Instance {
 public:
  const Item<P>* find(std::string_view name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  // A second item of the same name replaces the first in its place (the validator refuses
  // duplicate export names before any walk sees them).
  void add(std::string name, Item<P> item) {
    auto [it, fresh] = index_.emplace(name, items_.size());
    if (fresh) items_.emplace_back(std::move(name), std::move(item));
    else items_[it->second].second = std::move(item);
  }
  const std::vector<std::pair<std::string, Item<P>>>& items() const { return items_; }
  size_t size() const { return items_.size(); }

 private:
  std::vector<std::pair<std::string, Item<P>>> items_;
  std::map<std::string, size_t, std::less<>> index_;
};

template <class P>
using InstancePtr = std::shared_ptr<const Instance<P>>;

// The instantiation arguments of a nested component, by import name.
template <class P>
using Args = std::map<std::string, Item<P>, std::less<>>;

// A core instance: one a module instantiation made (the walk's payload), or a bag of core items
// named by a `from-exports` definition, whose exports the model resolves itself.
template <class P>
struct CoreInstanceEntry {
  std::optional<typename P::CoreInstance> made;
  std::map<std::string, typename P::Core, std::less<>> bag;
};

template <class P>
struct Scope {
  const Scope* outer = nullptr;  // the enclosing scope, for outer aliases
  bool root = false;             // the outermost component: its imports are the walk's to resolve
  Args<P> args;                  // a nested component's instantiation arguments

  std::vector<TypeEntry<P>> types;
  std::vector<typename P::Func> funcs;
  std::vector<InstancePtr<P>> instances;
  std::vector<ComponentRef<P>> components;
  uint64_t values = 0;  // counted only: no walk attaches anything to a value

  std::vector<typename P::Module> core_modules;
  std::vector<CoreInstanceEntry<P>> core_instances;
  std::vector<typename P::Core> core_funcs, core_tables, core_memories, core_globals;

  // What it exports: once the walk of a nested component ends, the instance its instantiation made.
  std::shared_ptr<Instance<P>> exports = std::make_shared<Instance<P>>();
};

// The scope `count` levels out of `scope` (outer aliases); nullptr when there is none.
template <class P>
const Scope<P>* outer_scope(const Scope<P>& scope, uint32_t count) {
  const Scope<P>* s = &scope;
  for (uint32_t i = 0; i < count && s; ++i) s = s->outer;
  return s;
}

}  // namespace torvyn::component::model

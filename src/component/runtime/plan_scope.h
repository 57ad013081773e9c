// The index spaces of one component (or of one instance type's declarations) while its plan is
// built (plan_builder.cc): each entry says which slot of an instantiation will hold the item, and
// what is known of it at load (types, the core types of core items).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plan.h"

namespace torvyn::component::detail {

struct Scope;

// A type index-space entry. Resources are resource slots (see PlanFuncType).
struct TypeEntry {
  AbiTypePtr value;                         // a value type
  std::shared_ptr<const AbiFuncType> func;  // a function type
  bool has_resources = false;               // value / func: mentions own/borrow
  std::optional<Slot> resource;             // a resource type
  const InstanceType* instance_type = nullptr;
  const ComponentType* component_type = nullptr;
  const Scope* defined_in = nullptr;  // instance/component types: where their outer aliases resolve
};

struct ComponentDef {
  const Component* ast = nullptr;
  const Scope* outer = nullptr;  // the scope it was defined in, for outer aliases
};

struct InstanceEntry;

// One export of a component instance, or one instantiation argument.
struct ItemRef {
  Sort sort = Sort::Func;
  std::optional<Slot> func;
  TypeEntry type;
  std::shared_ptr<const InstanceEntry> instance;
  ComponentDef component;
  std::shared_ptr<wasm::Module> core_module;
};

struct InstanceEntry {
  std::map<std::string, ItemRef, std::less<>> items;
};

// A core instance: a module instance (its slot and module), or a bag of core slots (`from-exports`).
struct CoreInstanceEntry {
  std::optional<Slot> instance;
  std::shared_ptr<wasm::Module> module;
  std::map<std::string, Slot, std::less<>> bag;
};

struct Scope {
  const Scope* outer = nullptr;
  std::map<std::string, ItemRef, std::less<>> args;  // instantiation arguments (nested components)
  bool top_level = false;                            // the root component: imports come from the Linker

  std::vector<std::shared_ptr<wasm::Module>> core_modules;
  std::vector<CoreInstanceEntry> core_instances;
  std::vector<Slot> core_funcs, core_tables, core_memories, core_globals;

  std::vector<TypeEntry> types;
  std::vector<Slot> funcs;
  std::vector<std::shared_ptr<const InstanceEntry>> instances;
  std::vector<ComponentDef> components;

  std::map<std::string, ItemRef, std::less<>> exports;
};

}  // namespace torvyn::component::detail

// What the plan builder (plan_builder.cc) attaches to the index spaces of the component model
// (torvyn/component/model): each entry says which slot of an instantiation will hold the item,
// and what is known of it at load (types, the core types of core items).
#pragma once

#include <memory>
#include <optional>

#include "plan.h"
#include "torvyn/component/model/index_spaces.h"

namespace torvyn::component::detail {

// What the plan knows of a type. Resources are resource slots (see PlanFuncType).
struct PlanType {
  AbiTypePtr value;                         // a value type
  std::shared_ptr<const AbiFuncType> func;  // a function type
  bool has_resources = false;               // value / func: mentions own/borrow
  std::optional<Slot> resource;             // a resource type
};

// A core instance that a module instantiation makes: its slot, and its module (for its exports).
struct PlanCoreInstance {
  Slot instance = 0;
  std::shared_ptr<wasm::Module> module;
};

struct PlanPayload {
  using Type = PlanType;
  using Func = Slot;  // function slot
  using Core = Slot;  // core slot
  using Module = std::shared_ptr<wasm::Module>;
  using CoreInstance = PlanCoreInstance;
  static constexpr bool kValues = false;  // component values are not supported
};

using Scope = model::Scope<PlanPayload>;
using TypeEntry = model::TypeEntry<PlanPayload>;
using ItemRef = model::Item<PlanPayload>;

}  // namespace torvyn::component::detail

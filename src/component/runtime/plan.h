// A component's instantiation plan: everything about instantiating it that depends neither on the
// Linker nor on a particular instance, worked out once when the component is loaded
// (plan_builder.cc) and then only executed by each instantiation (instantiate.cc).
//
// The plan flattens the component, its nested component instantiations included, into one list of
// steps over "slots": the values an instantiation makes (core instances, core functions, memories,
// tables and globals, component functions, resource type identities). Aliases, index spaces,
// instantiation arguments and outer scopes are resolved away at load: a step names the slots it
// reads and the slot it fills.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "torvyn/component/abi_types.h"
#include "torvyn/component/ast.h"
#include "torvyn/component/canonical.h"
#include "torvyn/wasm/engine.h"

namespace torvyn::component::detail {

using Slot = uint32_t;

// A component function type as the component declares it. Its own/borrow resources are resource
// slots, not identities: each instantiation turns them into its identities (with_resources).
struct PlanFuncType {
  std::shared_ptr<const AbiFuncType> type;
  bool has_resources = false;  // false: the type is used as is
};

// Canon options with their core items as core slots.
struct PlanCanonOpts {
  std::optional<Slot> memory, realloc, post_return;
};

// A top-level interface import: found in the Linker by name, then checked against what the
// component expects of it, in declaration order.
struct ImportStep {
  std::string name;
  struct Expect {
    enum class Kind : uint8_t { Resource, Function } kind = Kind::Resource;
    std::string name;
    Slot slot = 0;      // Resource: the resource slot it fills; Function: the function slot
    PlanFuncType type;  // Function: the type the component expects
  };
  std::vector<Expect> expects;
};

// A resource type the component defines: a fresh identity per instantiation.
struct GuestResourceStep {
  Slot resource = 0;
  std::optional<Slot> dtor;  // core slot of its destructor
};

struct CoreInstantiateStep {
  std::shared_ptr<wasm::Module> module;
  std::vector<Slot> imports;  // core slots, in the order of module->imports()
  Slot instance = 0;          // core instance slot
};

// A core instance's export, read once it exists (a checked name: the module exports it).
struct CoreExportStep {
  Slot instance = 0;
  std::string name;
  Slot core = 0;
};

struct LowerStep {
  Slot func = 0;  // the component function lowered
  PlanCanonOpts opts;
  CoreSignature sig;    // its lowered signature (resource identities do not change it)
  wasm::FuncType core;  // = core_func_type(sig)
  Slot out = 0;         // core slot
};

struct LiftStep {
  Slot core = 0;
  PlanFuncType type;
  PlanCanonOpts opts;
  Slot out = 0;  // function slot
};

struct ResourceBuiltinStep {
  Canon::Kind kind = Canon::Kind::ResourceNew;
  Slot resource = 0;
  Slot out = 0;  // core slot
};

using PlanStep = std::variant<ImportStep, GuestResourceStep, CoreInstantiateStep, CoreExportStep, LowerStep, LiftStep, ResourceBuiltinStep>;

// What the component exports, as far as Instance::find_function and export_names look: a
// function, or an instance whose items are functions (or other items, listed by name only).
struct PlanExportItem {
  Sort sort = Sort::Func;
  std::optional<Slot> func;  // a function's slot
};
struct PlanExport {
  Sort sort = Sort::Func;
  std::optional<Slot> func;
  std::map<std::string, PlanExportItem, std::less<>> items;  // an instance's items
};

struct InstantiationPlan {
  std::vector<PlanStep> steps;
  // How many slots of each kind an instantiation fills.
  size_t core_instances = 0, cores = 0, funcs = 0, resources = 0;
  std::vector<Slot> memories;  // the core slots in a core memory index space, for memory_bytes
  std::map<std::string, PlanExport, std::less<>> exports;
};

// The plan of `component`, whose core modules `modules` holds by byte offset.
Result<std::shared_ptr<const InstantiationPlan>> build_plan(const Component& component,
                                                            const std::map<uint64_t, std::shared_ptr<wasm::Module>>& modules);

}  // namespace torvyn::component::detail

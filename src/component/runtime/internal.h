// Internal state of a loaded component (its instantiation plan) and of its instances (the values
// each instantiation makes, and the per-instance runtime state).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "plan.h"
#include "torvyn/component/ast.h"
#include "torvyn/component/runtime.h"

namespace torvyn::component::detail {

// The resource types a component defines itself: each instantiation gives them fresh identities,
// except a move to another engine (Instance::move_to), which gives the new core instances the
// identities the guest's live handles already carry.
struct GuestResources {
  std::map<uint32_t, wasm::Extern> dtors;  // id -> its destructor core function
  std::vector<uint32_t> ids;               // every one, in definition order
  std::vector<uint32_t> reuse;             // move_to: the moved instance's ids, handed out again in order
  uint32_t take_id();
};

// How a lifted function reaches its core code.
struct CanonOpts {
  std::optional<wasm::Extern> memory;
  std::optional<wasm::Extern> realloc;
  std::optional<wasm::Extern> post_return;
  wasm::LiveMemory live;  // the memory's live bounds (when the engine offers them)
  // What a GuestAbi needs of these options (pointers into this object).
  CanonMemory canon() const { return CanonMemory{memory ? &*memory : nullptr, realloc ? &*realloc : nullptr, live}; }
};

// A component-level function: host-provided, or core code lifted by `canon lift`.
struct FuncVal {
  AbiFuncType type;
  const HostInstance::Function* host = nullptr;  // host function
  std::shared_ptr<HostInstance> host_owner;      // keeps `host` alive
  wasm::Extern core;                             // lifted: the core function
  CanonOpts opts;                                // lifted
  CanonMemory canon;                             // lifted: opts.canon(), kept for GuestAbi (points into opts)
  // Lifted, on engines with raw entries (aot): the compiled export call (Instance::call_fast runs
  // lowering, the call, lifting and post-return under one trap guard). Empty raw_core: not compiled.
  wasm::RawInvoke raw_core, raw_post;
  wasm::RawFunc raw_realloc;
};
using FuncPtr = std::shared_ptr<const FuncVal>;

}  // namespace torvyn::component::detail

namespace torvyn::component {

struct LoadedComponent::Impl {
  std::shared_ptr<wasm::Engine> engine;
  std::shared_ptr<const DecodedComponent> decoded;
  std::map<uint64_t, std::shared_ptr<wasm::Module>> core_modules;  // by byte offset
  std::shared_ptr<const detail::InstantiationPlan> plan;            // built from both at load
};

// A lowered import's trampoline environment, and resource built-ins'.
struct LoweredImport;
struct ResourceBuiltin;

struct BorrowScope {
  uint32_t id = 0;
  uint32_t outstanding = 0;  // borrows lowered into the guest and not yet dropped
};

struct Instance::State {
  std::shared_ptr<LoadedComponent::Impl> component;
  const Linker* linker = nullptr;
  std::unique_ptr<wasm::Store> store;
  HandleTable handles;
  // The plan's slots, as this instantiation filled them.
  std::vector<wasm::Instance*> core_instances;
  std::vector<wasm::Extern> cores;
  std::vector<detail::FuncPtr> funcs;
  std::vector<uint32_t> resources;  // resource type identities
  std::vector<wasm::Extern> memories;  // the distinct core memories (memory_bytes)
  std::vector<std::unique_ptr<LoweredImport>> lowered;
  std::vector<std::unique_ptr<ResourceBuiltin>> builtins;
  detail::GuestResources guest;  // the component's own resource types
  // The export call running, when on_stack (id 0 otherwise). One is enough: an instance is never
  // re-entered (an export call while one runs fails), so export calls do not nest.
  BorrowScope scope;
  uint32_t next_scope = 1;
  bool on_stack = false;
  bool poisoned = false;
  wasm::Trap trap;  // where a failing export call's trap is written (not built per call: it holds a string)
};

}  // namespace torvyn::component

namespace torvyn::component::detail {

// A state ready to instantiate `component` into: a new store of its engine and the linker.
std::unique_ptr<Instance::State> new_state(std::shared_ptr<LoadedComponent::Impl> component, const Linker& linker);

// Runs the plan of the component of `st` (from new_state) and fills `st` for `ci`: its core
// instances, lowered imports, lifted exports (instantiate.cc).
Status instantiate_into(Instance& ci, Instance::State& st);

// The runtime's own access to what Instance and LoadedComponent keep private (runtime.h).
struct RuntimeAccess {
  static Instance::State& state(Instance& i) { return *i.state_; }
  static const std::shared_ptr<LoadedComponent::Impl>& impl(const LoadedComponent& c) { return c.impl_; }
};

}  // namespace torvyn::component::detail

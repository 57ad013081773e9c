// Running components: the host defines interfaces (functions and resource types) in a Linker,
// a Component is loaded once (decoded, validated, core modules compiled), and each
// Instance instantiates it in a Store of its own and calls its exports.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/component/abi_types.h"
#include "torvyn/component/direct_function.h"
#include "torvyn/component/guest_abi.h"
#include "torvyn/component/handle_table.h"
#include "torvyn/component/value.h"
#include "torvyn/wasm/engine.h"

namespace torvyn::component {

class Instance;

// Structural equality of two function types (kinds, labels, resource identities): how a host
// checks that an export has the signature its fast-path code assumes.
bool same_signature(const AbiFuncType& a, const AbiFuncType& b);

// A fresh, process-unique resource type identity.
uint32_t new_resource_type_id();

struct HostCall {
  Instance& instance;  // the component instance whose guest code made the call
};

// Host function: args are lifted values (own/borrow arrive as the host's rep); fill `results`.
// A returned error traps the calling guest with that message.
using HostFunction = std::function<Status(HostCall& call, const std::vector<Value>& args, std::vector<Value>& results)>;

// A host-provided interface instance, e.g. "torvyn:streaming/types@0.1.0".
class HostInstance {
 public:
  explicit HostInstance(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }

  // A resource type; `destructor` runs when a guest drops the last owned handle.
  uint32_t add_resource(const std::string& name, std::function<void(uint64_t rep)> destructor = {});
  void add_function(const std::string& name, AbiFuncType type, HostFunction fn);
  // The fast path (guest_abi.h): no Value trees; the function works on the flat core values.
  void add_fast_function(const std::string& name, AbiFuncType type, FastHostFunction fn);
  // The compiled crossing (direct_host.h): a typed body called straight from guest code on aot.
  void add_direct_function(const std::string& name, AbiFuncType type, DirectHostFunction fn);

  struct Resource {
    uint32_t id;
    std::function<void(uint64_t)> destructor;
  };
  struct Function {
    AbiFuncType type;
    HostFunction fn;         // generic
    FastHostFunction fast;   // or fast
    DirectHostFunction direct;  // or direct (exactly one is set)
  };
  const Resource* resource(std::string_view name) const;
  const Function* function(std::string_view name) const;
  const std::map<std::string, Resource, std::less<>>& resources() const { return resources_; }
  const std::map<std::string, Function, std::less<>>& functions() const { return functions_; }

 private:
  std::string name_;
  std::map<std::string, Resource, std::less<>> resources_;
  std::map<std::string, Function, std::less<>> functions_;
};

// The host's interfaces by name. Lookup accepts semver-compatible versions: an import of
// "wasi:io/streams@0.2.12" is satisfied by a host "wasi:io/streams@0.2.0" (same major, or for 0.x
// the same minor).
class Linker {
 public:
  void define(std::shared_ptr<HostInstance> instance);
  std::shared_ptr<HostInstance> find(std::string_view import_name) const;
  // The resource destructor for a host resource id (used by resource.drop).
  const HostInstance::Resource* resource_by_id(uint32_t id) const;

 private:
  std::vector<std::shared_ptr<HostInstance>> instances_;
};

struct DecodedComponent;
namespace detail {
struct RuntimeAccess;  // runtime/internal.h: the runtime's own access to the members kept private below
}

// A loaded component: decoded, validated, and its core modules compiled (aot: cached).
class LoadedComponent {
 public:
  static Result<std::shared_ptr<LoadedComponent>> load(std::shared_ptr<wasm::Engine> engine, std::vector<uint8_t> bytes, std::string name);
  const std::string& name() const { return name_; }
  // Tiering: loads on `preferred` when every core module is ready there without compiling
  // (wasm::Engine::is_ready), else on `meanwhile` (null: always `preferred`, as load() does). The
  // caller then compiles it on `preferred` in the background (load_on) and moves its instances.
  static Result<std::shared_ptr<LoadedComponent>> load_preferring(std::shared_ptr<wasm::Engine> preferred, std::shared_ptr<wasm::Engine> meanwhile,
                                                                  std::vector<uint8_t> bytes, std::string name);
  wasm::EngineKind engine_kind() const;

  // Tiering: the same component with its core modules loaded by `engine` (for aot: compiled), sharing
  // the decoded component. Its instances' state can take over a running instance's (Instance::move_to).
  Result<std::shared_ptr<LoadedComponent>> load_on(std::shared_ptr<wasm::Engine> engine) const;
  // Why a running instance of this component cannot be moved to another engine (a core module's
  // wasm::StateLayout::not_movable, named); empty when it can.
  std::string not_movable() const;

  struct Impl;

 private:
  friend struct detail::RuntimeAccess;
  // `decoded` with its core modules loaded (compiled) by `engine`: what load and load_on make.
  static Result<std::shared_ptr<LoadedComponent>> compiled(std::string name, std::shared_ptr<wasm::Engine> engine,
                                                           std::shared_ptr<const DecodedComponent> decoded);
  std::shared_ptr<Impl> impl_;
  std::string name_;
};

// A function exported by an instance (lifted from core code).
struct ExportedFunc {
  const void* handle = nullptr;  // internal
  const AbiFuncType* type = nullptr;
  explicit operator bool() const { return handle != nullptr; }
};

class Instance {
 public:
  static Result<std::unique_ptr<Instance>> instantiate(const LoadedComponent& component, const Linker& linker);
  ~Instance();

  // An exported function: `instance_name` is the exported interface (e.g.
  // "torvyn:streaming/processor@0.1.0") or empty for a function exported at the top level.
  ExportedFunc find_function(std::string_view instance_name, std::string_view function) const;
  std::vector<std::string> export_names() const;

  // Calls an export. A trap poisons the instance (GuestTrap); later calls fail.
  Result<std::vector<Value>> call(ExportedFunc f, const std::vector<Value>& args);

  // The fast path (guest_abi.h): `lower` writes the core arguments (lifted_signature(type).params;
  // lower strings/lists with abi.lower_bytes, handles with abi.lower_borrow/lower_own) and returns
  // how many it wrote; `lift` reads the core results (for a result that does not flatten to one
  // value, results[0] is the guest's pointer to it) before post-return runs. Same rules and
  // poisoning as call(). Check the export's type with same_signature() once, when binding to it.
  using LowerArgs = FunctionRef<Result<size_t>(GuestAbi& abi, wasm::Slot* args)>;
  using LiftResults = FunctionRef<Status(GuestAbi& abi, const wasm::Slot* results)>;
  Status call_fast(ExportedFunc f, LowerArgs lower, LiftResults lift);

  bool poisoned() const;
  wasm::EngineKind engine_kind() const;

  // Tiering: moves this instance onto `target` (this instance's component loaded by another engine,
  // LoadedComponent::load_on) between calls. New core instances are made there and every core
  // instance's memories and mutable globals are copied into them; the resource handles, the host
  // data and the store's fuel budget and timeout stay as they were, so the guest goes on exactly
  // where it was. Every ExportedFunc found before is invalid afterwards: find them again. On an
  // error (not movable, inside a call, poisoned) the instance is unchanged and goes on where it is.
  Status move_to(const LoadedComponent& target);

  // Bytes of linear memory the instance's core modules hold (component.memory_current). Call it
  // from the thread that runs the instance.
  uint64_t memory_bytes();
  // An opaque pointer the embedding host attaches to the instance (e.g. its accounting identity),
  // read back in host functions through GuestAbi::instance().
  void set_host_data(void* p) { host_data_ = p; }
  void* host_data() const { return host_data_; }
  wasm::Store& store();
  HandleTable& handles();
  const Linker& linker() const;
  // The Canonical ABI's may_leave: false while the host runs the guest's cabi_realloc to lower a
  // value into it; an import called then traps (the host is in the middle of a crossing).
  bool may_leave() const { return may_leave_; }
  void set_may_leave(bool v) { may_leave_ = v; }

  struct State;

 private:
  friend struct detail::RuntimeAccess;
  std::unique_ptr<State> state_;
  // The one call bracket both call() and call_fast() run: poison and re-entry checks, the borrow
  // scope, lowering, the call, lifting, post-return and the held-borrow check. `compiled`: on an
  // engine with raw entries, lowering and lifting may run under the export call's one trap guard,
  // which requires that their frames hold nothing with a destructor while guest code (cabi_realloc)
  // runs; the generic value path does hold such (vectors, strings), so it passes false.
  Status call_lifted(ExportedFunc f, LowerArgs lower, LiftResults lift, bool compiled);

  void* host_data_ = nullptr;  // read on every host call: kept out of State, inline
  bool may_leave_ = true;
};

}  // namespace torvyn::component

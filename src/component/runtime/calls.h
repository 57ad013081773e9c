// Crossing between host and guest at run time: lowered imports (guest -> host), lifted exports
// (host -> guest) and the resource built-ins, each with the Canonical ABI checks.
#pragma once

#include <optional>

#include "internal.h"
#include "torvyn/component/direct_host.h"
#include "torvyn/component/canonical.h"

namespace torvyn::component {

struct LoweredImport {
  Instance* owner = nullptr;
  detail::FuncPtr target;
  detail::CanonOpts opts;
  AbiFuncType type;
  CoreSignature sig;
  // Resolved at instantiation for the fast path: the host function and what its GuestAbi needs.
  const FastHostFunction* fast = nullptr;
  CanonMemory canon;
  HandleTable* handles = nullptr;
  wasm::Store* store = nullptr;
  // A direct host function's caller (its env): set when the target has one.
  std::optional<Caller> caller;
};

struct ResourceBuiltin {
  enum class Kind { New, Drop, Rep } kind = Kind::New;
  Instance* owner = nullptr;
  HandleTable* handles = nullptr;
  wasm::Store* store = nullptr;
  uint32_t resource = 0;
  // resource.drop of a host resource: its destructor, looked up once.
  const HostInstance::Resource* host = nullptr;
  bool host_resolved = false;
};

namespace detail {
wasm::FuncType core_func_type(const std::vector<FlatType>& params, const std::vector<FlatType>& results);
// A lowered import of a fast-path host function (LoweredImport::fast set).
wasm::TrapKind lowered_fast_trampoline(void* env, wasm::HostContext& ctx, wasm::Slot* slots);
// Any other lowered import: lifts Values, calls the generic host function, lowers its results.
wasm::TrapKind lowered_trampoline(void* env, wasm::HostContext& ctx, wasm::Slot* slots);
wasm::TrapKind resource_builtin(void* env, wasm::HostContext& ctx, wasm::Slot* slots);
// resource.drop with a C signature, for the aot glue to call directly (env: the ResourceBuiltin).
void resource_drop_typed(void* env, uint32_t handle);
}  // namespace detail

}  // namespace torvyn::component

// The out-of-line half of direct host functions (direct_host.h): realloc, and failures.
#include "torvyn/component/direct_host.h"

#include <string>

#include "realloc_call.h"

namespace torvyn::component {

namespace {

Error abi_trap(std::string what) { return Error(ErrorCode::AbiTrap, std::move(what)); }

}  // namespace

wasm::MemoryView Caller::fetch_memory() { return canon_.memory ? store_.memory(*canon_.memory) : wasm::MemoryView{}; }

bool Caller::allocate(uint64_t len, uint32_t align, uint32_t& p) {
  if (len > kMaxStringBytes) [[unlikely]] {
    fail(abi_trap("list or string too long to lower (" + std::to_string(len) + " bytes)"));
    return false;
  }
  if (!canon_.realloc) [[unlikely]] {
    fail(abi_trap("the component needs memory allocated but gave no realloc function"));
    return false;
  }
  // aot: straight into the guest's cabi_realloc, inside the guard of the export call that is
  // running (a trap there unwinds past this frame, which holds nothing with a destructor).
  if (!detail::call_realloc(instance_, store_, realloc_raw_, *canon_.realloc, 0, 0, align, static_cast<uint32_t>(len), p, failure_)) return false;
  return span(p, len, align) != nullptr;
}

void Caller::fail(Error e) {
  if (!failure_) failure_ = std::move(e);
}

void Caller::fail_span(uint32_t ptr, uint64_t len, uint32_t align) {
  wasm::MemoryView m = memory();
  if (!m.data) return fail(abi_trap("the component passed a pointer but its canon options name no memory"));
  if (align > 1 && (ptr & (align - 1)) != 0) return fail(abi_trap("pointer " + std::to_string(ptr) + " is not aligned to " + std::to_string(align)));
  fail(abi_trap("pointer range [" + std::to_string(ptr) + ", +" + std::to_string(len) + ") is outside linear memory of " +
                std::to_string(m.size) + " bytes"));
}

void Caller::fail_handle(uint32_t handle, uint32_t resource) { fail(handles_.not_found(handle, resource)); }

void Caller::refuse_leave() {
  fail(abi_trap("the component called an import from cabi_realloc while the host was lowering a value into it"));
}

namespace {
// Moves the failure's text into the store, in a frame of its own that returns before the longjmp.
[[gnu::noinline]] void hand_over(wasm::Store& store, std::optional<Error>& failure) {
  store.set_trap_message(failure ? failure->to_string() : std::string("host function failed"));
  failure.reset();
}
}  // namespace

void Caller::raise() {
  hand_over(store_, failure_);
  wasm::raise_host_trap(wasm::TrapKind::HostError);
}

wasm::TrapKind Caller::report(wasm::HostContext& ctx) {
  hand_over(ctx.store, failure_);
  return wasm::TrapKind::HostError;
}

}  // namespace torvyn::component

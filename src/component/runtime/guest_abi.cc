#include "torvyn/component/guest_abi.h"

#include <string>

#include "realloc_call.h"
#include "trap_error.h"
#include "torvyn/component/runtime.h"

namespace torvyn::component {

namespace {

Error abi_trap(std::string what) { return Error(ErrorCode::AbiTrap, std::move(what)); }

}  // namespace

wasm::MemoryView GuestAbi::fetched_view() {
  if (!canon_.memory) return {};
  if (!have_view_) {
    view_ = store_.memory(*canon_.memory);
    have_view_ = true;
  }
  return view_;
}

Error GuestAbi::span_error(uint32_t ptr, uint64_t len, uint32_t align) {
  wasm::MemoryView m = memory();
  if (!m.data) return abi_trap("the component passed a pointer but its canon options name no memory");
  if (align > 1 && (ptr & (align - 1)) != 0) return abi_trap("pointer " + std::to_string(ptr) + " is not aligned to " + std::to_string(align));
  return abi_trap("pointer range [" + std::to_string(ptr) + ", +" + std::to_string(len) + ") is outside linear memory of " +
                  std::to_string(m.size) + " bytes");
}

void GuestAbi::lend_more(uint32_t handle) {
  if (!lent_more_) lent_more_ = std::make_unique<std::vector<uint32_t>>();
  lent_more_->push_back(handle);
}

Error GuestAbi::no_scope() { return Error(ErrorCode::Internal, "a borrow can only be lent into an export call"); }

namespace detail {
bool realloc_through_store(Instance& inst, wasm::Store& store, wasm::Extern realloc, wasm::Slot* slots, std::optional<Error>& failure) {
  wasm::Trap t;
  bool was = inst.may_leave();
  inst.set_may_leave(false);
  bool ok = store.call_inplace(realloc, slots, &t);
  inst.set_may_leave(was);
  if (!ok) failure = trap_error(t);
  return ok;
}
}  // namespace detail

Result<uint32_t> GuestAbi::realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) {
  if (!canon_.realloc) return abi_trap("the component needs memory allocated but gave no realloc function");
  have_view_ = false;  // the guest may grow its memory
  // Inside a compiled export call: a direct call under its guard (nothing with a destructor is
  // alive in this frame during it).
  if (raw_realloc_) return detail::raw_realloc(inst_, raw_realloc_, old_ptr, old_size, align, new_size);
  uint32_t p = 0;
  std::optional<Error> failure;
  if (!detail::call_realloc(inst_, store_, {}, *canon_.realloc, old_ptr, old_size, align, new_size, p, failure)) return std::move(*failure);
  return p;
}

Result<uint64_t> GuestAbi::lift_handle(const AbiType& t, uint32_t index) {
  return t.kind == AbiKind::Own ? lift_own(index, t.resource) : lift_borrow(index, t.resource);
}

Result<uint32_t> GuestAbi::lower_handle(const AbiType& t, uint64_t rep) {
  return t.kind == AbiKind::Own ? lower_own(t.resource, rep) : lower_borrow(t.resource, rep);
}

Result<uint32_t> GuestAbi::lower_bytes(uint64_t len, FunctionRef<void(uint8_t*)> fill) {
  if (len > kMaxStringBytes) return abi_trap("list or string too long to lower (" + std::to_string(len) + " bytes)");
  auto p = realloc(0, 0, 1, static_cast<uint32_t>(len));
  if (!p) return p.take_error();
  uint8_t* dst = try_span(*p, len);
  if (!dst) return span_error(*p, len, 1);
  fill(dst);
  return *p;
}

}  // namespace torvyn::component

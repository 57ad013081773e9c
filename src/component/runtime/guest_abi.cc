#include "torvyn/component/guest_abi.h"

#include "torvyn/component/runtime.h"

namespace torvyn::component {

namespace {

Error abi_trap(std::string what) { return Error(ErrorCode::AbiTrap, std::move(what)); }

}  // namespace

GuestAbi::GuestAbi(Instance& inst, const wasm::Extern* memory, const wasm::Extern* realloc, Scope scope)
    : inst_(inst), handles_(inst.handles()), store_(inst.store()), memory_(memory), realloc_(realloc), scope_(scope) {}

wasm::MemoryView GuestAbi::memory() {
  if (!memory_) return {};
  if (!have_view_) {
    view_ = store_.memory(*memory_);
    have_view_ = true;
  }
  return view_;
}

Result<uint32_t> GuestAbi::realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) {
  if (!realloc_) return abi_trap("the component needs memory allocated but gave no realloc function");
  wasm::Slot args[4] = {old_ptr, old_size, align, new_size}, result[1] = {0};
  have_view_ = false;  // the guest may grow its memory
  wasm::Trap t = store_.call(*realloc_, args, result);
  if (t) return Error(ErrorCode::GuestTrap, std::string(wasm::to_string(t.kind)) + ": " + t.message);
  return static_cast<uint32_t>(result[0]);
}

Result<uint64_t> GuestAbi::lift_handle(const AbiType& t, uint32_t index) {
  return t.kind == AbiKind::Own ? lift_own(index, t.resource) : lift_borrow(index, t.resource);
}

Result<uint32_t> GuestAbi::lower_handle(const AbiType& t, uint64_t rep) {
  return t.kind == AbiKind::Own ? lower_own(t.resource, rep) : lower_borrow(t.resource, rep);
}

Result<uint8_t*> GuestAbi::span(uint32_t ptr, uint64_t len, uint32_t align) {
  wasm::MemoryView m = memory();
  if (!m.data) return abi_trap("the component passed a pointer but its canon options name no memory");
  if (align > 1 && (ptr & (align - 1)) != 0)
    return abi_trap("pointer " + std::to_string(ptr) + " is not aligned to " + std::to_string(align));
  if (uint64_t{ptr} + len > m.size)
    return abi_trap("pointer range [" + std::to_string(ptr) + ", +" + std::to_string(len) + ") is outside linear memory of " +
                    std::to_string(m.size) + " bytes");
  return m.data + ptr;
}

Result<uint32_t> GuestAbi::lower_bytes(uint64_t len, FunctionRef<void(uint8_t*)> fill) {
  if (len > kMaxStringBytes) return abi_trap("list or string too long to lower (" + std::to_string(len) + " bytes)");
  auto p = realloc(0, 0, 1, static_cast<uint32_t>(len));
  if (!p) return p.take_error();
  auto dst = span(*p, len);
  if (!dst) return dst.take_error();
  fill(*dst);
  return *p;
}

Result<uint64_t> GuestAbi::lift_borrow(uint32_t handle, uint32_t resource) {
  auto rep = handles_.lift_borrow(handle, resource);
  if (!rep) return rep;
  if (lent_count_ < std::size(lent_small_))
    lent_small_[lent_count_] = handle;
  else
    lent_more_.push_back(handle);
  ++lent_count_;
  return rep;
}

Result<uint64_t> GuestAbi::lift_own(uint32_t handle, uint32_t resource) { return handles_.lift_own(handle, resource); }

Result<uint32_t> GuestAbi::lower_own(uint32_t resource, uint64_t rep) {
  HandleEntry e;
  e.resource = resource;
  e.rep = rep;
  e.own = true;
  return handles_.add(e);
}

Result<uint32_t> GuestAbi::lower_borrow(uint32_t resource, uint64_t rep) {
  if (!scope_.outstanding) return Error(ErrorCode::Internal, "a borrow can only be lent into an export call");
  HandleEntry e;
  e.resource = resource;
  e.rep = rep;
  e.own = false;
  e.borrow_scope = scope_.id;
  ++*scope_.outstanding;
  return handles_.add(e);
}

void GuestAbi::end_lends() {
  for (uint32_t i = 0; i < lent_count_ && i < std::size(lent_small_); ++i) handles_.end_lend(lent_small_[i]);
  for (uint32_t h : lent_more_) handles_.end_lend(h);
  lent_count_ = 0;
  lent_more_.clear();
}

}  // namespace torvyn::component

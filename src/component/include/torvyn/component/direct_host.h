// Direct host functions: the compiled crossing of DESIGN.md §2a.
//
// A direct host function is a plain C++ function over the import's flat core values,
//
//     uint64_t buffer_size(Caller& c, uint32_t handle);
//
// and DirectHostFunction::of<&buffer_size>() derives everything else from that signature: its core
// wasm type (checked against the import's lowered signature at instantiation), a typed entry that
// the aot glue calls straight from guest code (one indirect call, no slot array, no std::function,
// no Result, no per-call GuestAbi), and a slot entry for the interp engine. Both entries run the
// same body, so the engines cannot disagree about what a crossing does.
//
// Failures: the body calls Caller::fail (or a check that fails) and returns any value; the entry
// then traps the guest with the recorded error. On aot that trap unwinds with longjmp from the
// entry, through the guest, to the landing pad of the export call that is running. That is why
// nothing between that landing pad and here may have a destructor: the entry and every body hold
// only trivially destructible locals (ints, pointers, views), and the error text lives in the
// Caller, not in a frame. The same holds for a trap inside a cabi_realloc a body calls: the
// guest's realloc runs inside the export call's guard, and the longjmp skips the body's frame.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <type_traits>

#include "torvyn/base/result.h"
#include "torvyn/component/guest_abi.h"
#include "torvyn/component/handle_table.h"
#include "torvyn/component/runtime.h"

namespace torvyn::component {

// The caller of a direct host function: one per lowered import, filled at instantiation. Every
// check is inline and allocation-free; error text is built out of line once a check has failed.
class Caller {
 public:
  Caller(Instance& instance, HandleTable& handles, wasm::Store& store, const CanonMemory& canon, void* env)
      : instance_(instance), handles_(handles), store_(store), canon_(canon), env_(env) {
    if (canon.realloc) realloc_raw_ = store.raw_func(*canon.realloc);
  }
  Caller(const Caller&) = delete;
  Caller& operator=(const Caller&) = delete;

  Instance& instance() { return instance_; }
  // The host function's own state (what it was registered with).
  template <typename T>
  T& env() const {
    return *static_cast<T*>(env_);
  }

  // [ptr, ptr + len) inside linear memory and ptr aligned (align a power of two), or null after
  // recording the failure. Valid until the guest runs again (a realloc may move memory).
  uint8_t* span(uint32_t ptr, uint64_t len, uint32_t align = 1) {
    wasm::MemoryView m = memory();
    if (m.data && (ptr & (align - 1)) == 0 && uint64_t{ptr} + len <= m.size) [[likely]]
      return m.data + ptr;
    fail_span(ptr, len, align);
    return nullptr;
  }
  template <typename T>
  bool store(uint32_t ptr, T v) {
    uint8_t* p = span(ptr, sizeof(T), alignof(T));
    if (p) std::memcpy(p, &v, sizeof(T));
    return p != nullptr;
  }

  // The rep behind a handle of `resource` the guest passed as borrow<resource>. No lend is
  // recorded: a direct body never runs guest code while it holds the handle's entry (it reads the
  // rep first, and a realloc it makes later cannot reach the entry through the host), so nothing
  // can drop the handle in between; the rep itself is a generation-checked id where it matters.
  bool borrow(uint32_t handle, uint32_t resource, uint64_t& rep) {
    if (HandleEntry* e = handles_.find(handle, resource)) [[likely]] {
      rep = e->rep;
      return true;
    }
    fail_handle(handle, resource);
    return false;
  }
  // A new own handle for `rep` in the caller's table.
  uint32_t lower_own(uint32_t resource, uint64_t rep) { return handles_.add(resource, rep, true); }

  // cabi_realloc(0, 0, align, len) in the caller, run with may_leave false. Returns the guest
  // pointer of a checked [p, p + len) range, or false after recording the failure.
  bool allocate(uint64_t len, uint32_t align, uint32_t& p);
  // allocate() and copy `len` bytes from `data` into it.
  bool lower_bytes(const void* data, uint64_t len, uint32_t& p) {
    if (!allocate(len, 1, p)) return false;
    if (len) std::memcpy(memory().data + p, data, len);
    return true;
  }

  // Records why the call fails; the entry traps the guest with it once the body returns.
  void fail(Error e);
  bool failed() const { return failure_.has_value(); }

  // For the entries (below).
  [[noreturn]] void raise();                 // aot: trap now (longjmp)
  wasm::TrapKind report(wasm::HostContext& ctx);  // interp: hand the error to the engine
  bool may_leave() const { return instance_.may_leave(); }
  void refuse_leave();

 private:
  wasm::MemoryView memory() { return canon_.live ? canon_.live.view() : fetch_memory(); }
  wasm::MemoryView fetch_memory();
  [[gnu::cold]] void fail_span(uint32_t ptr, uint64_t len, uint32_t align);
  [[gnu::cold]] void fail_handle(uint32_t handle, uint32_t resource);

  Instance& instance_;
  HandleTable& handles_;
  wasm::Store& store_;
  const CanonMemory& canon_;
  void* env_;
  wasm::RawFunc realloc_raw_;
  std::optional<Error> failure_;
};

namespace detail {

template <typename T>
constexpr wasm::ValType core_val() {
  static_assert(std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t>, "direct host functions take and return uint32_t/uint64_t");
  return std::is_same_v<T, uint32_t> ? wasm::ValType::I32 : wasm::ValType::I64;
}

template <auto Body>
struct DirectEntries;

template <typename R, typename... A, R (*Body)(Caller&, A...)>
struct DirectEntries<Body> {
  // Called by the aot glue from guest code with the import's C signature.
  static R typed(void* env, A... a) {
    Caller& c = *static_cast<Caller*>(env);
    if (!c.may_leave()) [[unlikely]] {
      c.refuse_leave();
      c.raise();
    }
    if constexpr (std::is_void_v<R>) {
      Body(c, a...);
      if (c.failed()) [[unlikely]] c.raise();
    } else {
      R r = Body(c, a...);
      if (c.failed()) [[unlikely]] c.raise();
      return r;
    }
  }
  // Called by engines without typed entries (interp): arguments and the result in slots.
  static wasm::TrapKind slots(void* env, wasm::HostContext& ctx, wasm::Slot* s) {
    Caller& c = *static_cast<Caller*>(env);
    if (!c.may_leave()) [[unlikely]] {
      c.refuse_leave();
      return c.report(ctx);
    }
    call(c, s, std::index_sequence_for<A...>{});
    return c.failed() ? c.report(ctx) : wasm::TrapKind::None;
  }
  template <size_t... I>
  static void call(Caller& c, wasm::Slot* s, std::index_sequence<I...>) {
    if constexpr (std::is_void_v<R>) Body(c, static_cast<A>(s[I])...);
    else s[0] = static_cast<wasm::Slot>(Body(c, static_cast<A>(s[I])...));
  }
  static wasm::FuncType core_type() {
    wasm::FuncType f;
    (f.params.push_back(core_val<A>()), ...);
    if constexpr (!std::is_void_v<R>) f.results.push_back(core_val<R>());
    return f;
  }
};

}  // namespace detail

// The direct host function for `Body`, registered with HostInstance::add_direct_function.
template <auto Body>
DirectHostFunction direct_function(void* env) {
  using E = detail::DirectEntries<Body>;
  return DirectHostFunction{reinterpret_cast<void*>(&E::typed), &E::slots, E::core_type(), env};
}

}  // namespace torvyn::component

// The fast path across the component boundary. Hot interfaces (torvyn:streaming) do not build
// generic Value trees: a host function receives the guest's flat core arguments and lifts/lowers
// exactly what it needs through GuestAbi, and the host calls an export by lowering its own
// arguments into core slots and reading the results straight out of linear memory. Every check of
// the generic path still applies: bounds and alignment of every guest pointer, handle types,
// borrow lending and the return-with-borrow rule.
//
// Cost model: one GuestAbi per crossing, so constructing it, checking a pointer and lifting a
// borrow are inline and allocation-free; error text is only built (out of line) once a check
// has failed.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/component/canonical.h"
#include "torvyn/component/handle_table.h"

namespace torvyn::component {

class Instance;

// A non-owning reference to a callable (no allocation, one indirect call).
template <typename Sig>
class FunctionRef;
template <typename R, typename... A>
class FunctionRef<R(A...)> {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& f) : obj_(const_cast<void*>(static_cast<const void*>(&f))), call_([](void* o, A... a) -> R {
                         return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<A>(a)...);
                       }) {}
  R operator()(A... a) const { return call_(obj_, std::forward<A>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

// The export call that borrows lowered into the guest are counted against.
struct BorrowScopeRef {
  uint32_t id = 0;
  uint32_t* outstanding = nullptr;
};

// The linear memory and realloc of one set of canon options, resolved once (at instantiation)
// for every crossing that uses them.
struct CanonMemory {
  const wasm::Extern* memory = nullptr;
  const wasm::Extern* realloc = nullptr;
  wasm::LiveMemory live;  // the memory's live bounds, when the engine offers them
};

// One crossing into or out of one instance, with the canon options (memory, realloc) of the
// function being crossed. Also the AbiContext of the generic path.
class GuestAbi final : public AbiContext {
 public:
  using Scope = BorrowScopeRef;
  // Everything resolved in advance; `canon` must outlive the GuestAbi (it lives with the function).
  GuestAbi(Instance& inst, HandleTable& handles, wasm::Store& store, const CanonMemory& canon, Scope scope = {})
      : inst_(inst), handles_(handles), store_(store), canon_(canon), scope_(scope) {}
  ~GuestAbi() override { end_lends(); }
  GuestAbi(const GuestAbi&) = delete;
  GuestAbi& operator=(const GuestAbi&) = delete;

  Instance& instance() { return inst_; }

  // AbiContext (generic path).
  wasm::MemoryView memory() override {
    if (canon_.live) return canon_.live.view();
    return fetched_view();
  }
  Result<uint32_t> realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) override;
  Result<uint64_t> lift_handle(const AbiType& t, uint32_t index) override;
  Result<uint32_t> lower_handle(const AbiType& t, uint64_t value) override;

  // Linear memory, bounds-checked: [ptr, ptr+len) must lie inside memory and ptr be aligned
  // (align is a power of two). try_span answers null where span() would give the error.
  uint8_t* try_span(uint32_t ptr, uint64_t len, uint32_t align = 1) {
    wasm::MemoryView m = memory();
    if (!m.data || (ptr & (align - 1)) != 0 || uint64_t{ptr} + len > m.size) return nullptr;
    return m.data + ptr;
  }
  Result<uint8_t*> span(uint32_t ptr, uint64_t len, uint32_t align = 1) {
    if (uint8_t* p = try_span(ptr, len, align)) return p;
    return span_error(ptr, len, align);
  }
  template <typename T>
  Result<T> load(uint32_t ptr) {
    const uint8_t* p = try_span(ptr, sizeof(T), alignof(T));
    if (!p) return span_error(ptr, sizeof(T), alignof(T));
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
  }
  template <typename T>
  Status store(uint32_t ptr, T v) {
    uint8_t* p = try_span(ptr, sizeof(T), alignof(T));
    if (!p) return span_error(ptr, sizeof(T), alignof(T));
    std::memcpy(p, &v, sizeof(T));
    return {};
  }
  // A string or list<u8> the guest passed as (ptr, len): a view valid until the guest runs again.
  Result<const uint8_t*> bytes(uint32_t ptr, uint32_t len) {
    if (const uint8_t* p = try_span(ptr, len)) return p;
    return span_error(ptr, len, 1);
  }
  // Lowers `len` bytes into the guest: cabi_realloc(0, 0, 1, len), then `fill` writes them straight
  // into linear memory (`fill(dst)`; dst valid only inside fill). Returns the guest pointer.
  Result<uint32_t> lower_bytes(uint64_t len, FunctionRef<void(uint8_t*)> fill);
  Result<uint32_t> lower_bytes(const void* data, uint64_t len) {
    return lower_bytes(len, [&](uint8_t* dst) {
      if (len) std::memcpy(dst, data, len);
    });
  }

  // Handles of this instance's table (the rep is the host's id for host resources).
  Result<uint64_t> lift_borrow(uint32_t handle, uint32_t resource) {  // lent until this crossing ends
    HandleEntry* e = handles_.find(handle, resource);
    if (!e) return handles_.not_found(handle, resource);
    ++e->lends;
    if (lent_count_ < std::size(lent_small_))
      lent_small_[lent_count_] = handle;
    else
      lend_more(handle);
    ++lent_count_;
    return e->rep;
  }
  Result<uint64_t> lift_own(uint32_t handle, uint32_t resource) {  // the guest gives it up
    HandleEntry* e = handles_.find(handle, resource);
    if (!e) return handles_.not_found(handle, resource);
    if (!e->own) return HandleTable::not_owned(handle);
    if (e->lends != 0) return HandleTable::lent_out(handle);
    uint64_t rep = e->rep;
    handles_.erase(handle);
    return rep;
  }
  Result<uint32_t> lower_own(uint32_t resource, uint64_t rep) { return handles_.add(resource, rep, true); }
  Result<uint32_t> lower_borrow(uint32_t resource, uint64_t rep) {  // only when calling an export
    if (!scope_.outstanding) return no_scope();
    ++*scope_.outstanding;
    return handles_.add(resource, rep, false, scope_.id);
  }

  // Ends the borrows lifted from the guest (also done by the destructor).
  void end_lends() {
    uint32_t n = lent_count_ < std::size(lent_small_) ? lent_count_ : static_cast<uint32_t>(std::size(lent_small_));
    for (uint32_t i = 0; i < n; ++i) handles_.end_lend(lent_small_[i]);
    if (lent_more_) {
      for (uint32_t h : *lent_more_) handles_.end_lend(h);
      lent_more_->clear();
    }
    lent_count_ = 0;
  }
  // Guest code ran (it may have grown its memory): views must be fetched again.
  void guest_ran() { have_view_ = false; }
  // Inside a compiled export call (Store::run_guarded): realloc calls the guest's cabi_realloc
  // straight through its raw entry, under the call's guard.
  void use_raw_realloc(wasm::RawFunc r) { raw_realloc_ = r; }

 private:
  wasm::MemoryView fetched_view();
  Error span_error(uint32_t ptr, uint64_t len, uint32_t align);
  void lend_more(uint32_t handle);
  static Error no_scope();

  Instance& inst_;
  HandleTable& handles_;
  wasm::Store& store_;
  const CanonMemory& canon_;
  Scope scope_;
  wasm::RawFunc raw_realloc_;
  wasm::MemoryView view_;  // engines without LiveMemory: fetched once per guest run (have_view_)
  bool have_view_ = false;
  uint32_t lent_count_ = 0;
  uint32_t lent_small_[8];
  std::unique_ptr<std::vector<uint32_t>> lent_more_;  // a call that lifts more than 8 borrows (rare)
};

// A host function on the fast path: `slots` holds the lowered core arguments (per
// lowered_signature(type)); the function writes its core result, if any, to slots[0] — or into the
// guest's return area, whose pointer is the last argument, when the result does not flatten to one
// value. An error traps the calling guest.
using FastHostFunction = std::function<Status(GuestAbi& abi, wasm::Slot* slots)>;

}  // namespace torvyn::component

// The fast path across the component boundary. Hot interfaces (torvyn:streaming) do not build
// generic Value trees: a host function receives the guest's flat core arguments and lifts/lowers
// exactly what it needs through GuestAbi, and the host calls an export by lowering its own
// arguments into core slots and reading the results straight out of linear memory. Every check of
// the generic path still applies: bounds and alignment of every guest pointer, handle types,
// borrow lending and the return-with-borrow rule.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <type_traits>
#include <utility>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/component/canonical.h"

namespace torvyn::component {

class Instance;
class HandleTable;

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

// One crossing into or out of one instance, with the canon options (memory, realloc) of the
// function being crossed. Also the AbiContext of the generic path.
// The export call that borrows lowered into the guest are counted against.
struct BorrowScopeRef {
  uint32_t id = 0;
  uint32_t* outstanding = nullptr;
};

class GuestAbi final : public AbiContext {
 public:
  using Scope = BorrowScopeRef;
  GuestAbi(Instance& inst, const wasm::Extern* memory, const wasm::Extern* realloc, Scope scope = {});
  ~GuestAbi() override { end_lends(); }
  GuestAbi(const GuestAbi&) = delete;
  GuestAbi& operator=(const GuestAbi&) = delete;

  Instance& instance() { return inst_; }

  // AbiContext (generic path).
  wasm::MemoryView memory() override;
  Result<uint32_t> realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) override;
  Result<uint64_t> lift_handle(const AbiType& t, uint32_t index) override;
  Result<uint32_t> lower_handle(const AbiType& t, uint64_t value) override;

  // Linear memory, bounds-checked: [ptr, ptr+len) must lie inside memory and ptr be aligned.
  Result<uint8_t*> span(uint32_t ptr, uint64_t len, uint32_t align = 1);
  template <typename T>
  Result<T> load(uint32_t ptr) {
    auto p = span(ptr, sizeof(T), alignof(T));
    if (!p) return p.take_error();
    T v;
    std::memcpy(&v, *p, sizeof(T));
    return v;
  }
  template <typename T>
  Status store(uint32_t ptr, T v) {
    auto p = span(ptr, sizeof(T), alignof(T));
    if (!p) return p.take_error();
    std::memcpy(*p, &v, sizeof(T));
    return {};
  }
  // A string or list<u8> the guest passed as (ptr, len): a view valid until the guest runs again.
  Result<const uint8_t*> bytes(uint32_t ptr, uint32_t len) {
    auto p = span(ptr, len);
    if (!p) return p.take_error();
    return static_cast<const uint8_t*>(*p);
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
  Result<uint64_t> lift_borrow(uint32_t handle, uint32_t resource);  // lent until this crossing ends
  Result<uint64_t> lift_own(uint32_t handle, uint32_t resource);     // the guest gives it up
  Result<uint32_t> lower_own(uint32_t resource, uint64_t rep);
  Result<uint32_t> lower_borrow(uint32_t resource, uint64_t rep);    // only when calling an export

  // Ends the borrows lifted from the guest (also done by the destructor).
  void end_lends();
  // Guest code ran (it may have grown its memory): views must be fetched again.
  void guest_ran() { have_view_ = false; }

 private:
  Instance& inst_;
  HandleTable& handles_;
  wasm::Store& store_;
  const wasm::Extern* memory_;
  const wasm::Extern* realloc_;
  Scope scope_;
  wasm::MemoryView view_{};
  bool have_view_ = false;
  uint32_t lent_small_[8];
  uint32_t lent_count_ = 0;
  std::vector<uint32_t> lent_more_;
};

// A host function on the fast path: `slots` holds the lowered core arguments (per
// lowered_signature(type)); the function writes its core result, if any, to slots[0] — or into the
// guest's return area, whose pointer is the last argument, when the result does not flatten to one
// value. An error traps the calling guest.
using FastHostFunction = std::function<Status(GuestAbi& abi, wasm::Slot* slots)>;

}  // namespace torvyn::component

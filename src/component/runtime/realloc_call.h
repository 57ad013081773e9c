// The guest's cabi_realloc as the host calls it while lowering a value (GuestAbi::realloc,
// Caller::allocate): may_leave is false for its duration (an import it calls traps).
#pragma once

#include <optional>

#include "torvyn/base/result.h"
#include "torvyn/component/runtime.h"

namespace torvyn::component::detail {

// Through the Store, with its own guard: a frame of its own, so the Trap it holds never lives
// across the raw path's call.
bool realloc_through_store(Instance& inst, wasm::Store& store, wasm::Extern realloc, wasm::Slot* slots, std::optional<Error>& failure);

// A direct call through the raw entry (aot). It must run under the guard of the export call in
// progress: a trap unwinds past the caller's frame, which must hold nothing with a destructor.
inline uint32_t raw_realloc(Instance& inst, wasm::RawFunc raw, uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) {
  using Realloc = uint32_t (*)(void*, uint32_t, uint32_t, uint32_t, uint32_t);
  bool was = inst.may_leave();
  inst.set_may_leave(false);
  uint32_t p = reinterpret_cast<Realloc>(raw.fn)(raw.instance, old_ptr, old_size, align, new_size);
  inst.set_may_leave(was);
  return p;
}

// cabi_realloc(old_ptr, old_size, align, new_size) into `p`: raw_realloc when `raw` is set, else
// through the Store; false (the trap in `failure`) when it trapped.
inline bool call_realloc(Instance& inst, wasm::Store& store, wasm::RawFunc raw, wasm::Extern realloc, uint32_t old_ptr, uint32_t old_size,
                         uint32_t align, uint32_t new_size, uint32_t& p, std::optional<Error>& failure) {
  if (raw) {
    p = raw_realloc(inst, raw, old_ptr, old_size, align, new_size);
    return true;
  }
  wasm::Slot slots[4] = {old_ptr, old_size, align, new_size};
  if (!realloc_through_store(inst, store, realloc, slots, failure)) return false;
  p = static_cast<uint32_t>(slots[0]);
  return true;
}

}  // namespace torvyn::component::detail

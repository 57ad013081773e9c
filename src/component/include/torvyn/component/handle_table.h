// Per-instance resource handle tables (CanonicalABI.md "Handles"): the i32 a guest holds is an index
// into its own instance's table; the table entry knows the resource type, the representation, whether
// it is owned or borrowed, and how many borrows of it are currently lent out.
//
// Every crossing of the component boundary touches this table, so the checks are inline and
// allocation-free (a flat array; freed slots are chained through their entries, no side list) (find() answers with a pointer or null); the error text is only built, out of
// line, once a check has failed.
#pragma once

#include <cstdint>
#include <vector>

#include "torvyn/base/result.h"

namespace torvyn::component {

struct HandleEntry {
  uint32_t resource = 0;  // resource type identity
  uint64_t rep = 0;       // the representation (host object id, or the guest's i32 rep)
  bool own = false;
  uint32_t lends = 0;            // borrows of this handle currently lent into calls
  uint32_t borrow_scope = 0;     // for borrowed handles: the call (scope id) that lent it
  bool live = false;
};

class HandleTable {
 public:
  // Index 0 is never used: the spec reserves it so that 0 can mean "no handle".
  // The fields come in registers and are stored one by one: copying a HandleEntry that the caller
  // had just built on its stack made the compiler reload it with 16-byte loads over those narrow
  // stores, a store-forwarding stall (~14 % of a per-element pipeline's cycles over the four
  // handles an element's calls make, by perf).
  uint32_t add(uint32_t resource, uint64_t rep, bool own, uint32_t borrow_scope = 0) {
    uint32_t i = free_head_;
    if (i) {  // a freed slot: the free list runs through the dead entries' reps
      free_head_ = static_cast<uint32_t>(entries_[i].rep);
    } else {
      i = static_cast<uint32_t>(entries_.size());
      entries_.emplace_back();
    }
    HandleEntry& e = entries_[i];
    e.resource = resource;
    e.rep = rep;
    e.own = own;
    e.lends = 0;
    e.borrow_scope = borrow_scope;
    e.live = true;
    ++live_;
    return i;
  }
  uint32_t add(const HandleEntry& e) { return add(e.resource, e.rep, e.own, e.borrow_scope); }

  // The live entry `index` of resource type `resource`, or null (index 0 is never live).
  HandleEntry* find(uint32_t index, uint32_t resource) {
    if (index >= entries_.size()) return nullptr;
    HandleEntry& e = entries_[index];
    return e.live && e.resource == resource ? &e : nullptr;
  }
  // Why find(index, resource) came back empty: a ResourceHandleError naming the reason.
  Error not_found(uint32_t index, uint32_t resource) const;

  // Frees the slot of an entry find() returned (the caller has checked the rules).
  void erase(uint32_t index) {
    HandleEntry& e = entries_[index];
    e.live = false;  // add() rewrites the whole entry when the slot is reused
    e.lends = 0;
    e.rep = free_head_;
    free_head_ = index;
    --live_;
  }

  // Checks for the operations; errors are ResourceHandleError with the reason.
  Result<HandleEntry*> get(uint32_t index, uint32_t resource);
  Result<HandleEntry> remove(uint32_t index, uint32_t resource);

  // lift_own: the guest gives up ownership (trap if it is lent out or only borrowed).
  Result<uint64_t> lift_own(uint32_t index, uint32_t resource);
  // lift_borrow: lent for the duration of a call; release with end_lend.
  Result<uint64_t> lift_borrow(uint32_t index, uint32_t resource);
  void end_lend(uint32_t index) {
    if (index < entries_.size() && entries_[index].live && entries_[index].lends > 0) --entries_[index].lends;
  }

  // The errors of the operations above, for callers that use find() on their fast path.
  static Error lent_out(uint32_t index);
  static Error not_owned(uint32_t index);

  size_t live_count() const { return live_; }

 private:
  std::vector<HandleEntry> entries_{HandleEntry{}};
  uint32_t free_head_ = 0;  // 0: none (index 0 is never used)
  size_t live_ = 0;
};

}  // namespace torvyn::component

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
  uint32_t add(HandleEntry e) {
    e.live = true;
    ++live_;
    if (free_head_) {  // a freed slot: the free list runs through the dead entries' reps
      uint32_t i = free_head_;
      free_head_ = static_cast<uint32_t>(entries_[i].rep);
      entries_[i] = e;
      return i;
    }
    entries_.push_back(e);
    return static_cast<uint32_t>(entries_.size() - 1);
  }

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

#include "owner_table.h"

#include <stdexcept>

namespace torvyn::resources::detail {

OwnerTable::OwnerTable() : records_(kMaxOwners) { add("host", 0); }

OwnerId OwnerTable::add(std::string name, uint64_t budget) {
  std::lock_guard lock(mu_);
  uint32_t id = count_.load(std::memory_order_relaxed);
  OwnerRecord* r = id < kMaxOwners ? records_.ensure(id) : nullptr;
  if (!r) throw std::length_error("torvyn: more than " + std::to_string(kMaxOwners) + " buffer owners registered");
  r->budget = budget;
  r->name = std::move(name);
  count_.store(id + 1, std::memory_order_release);
  return id;
}

}  // namespace torvyn::resources::detail

#include "owner_table.h"

#include <stdexcept>

namespace torvyn::resources::detail {

ReservationTable::ReservationTable() : records_(kMaxReservations) {
  const uint32_t none[kFixedTierCount] = {};
  add("shared", none);
}

ReservationId ReservationTable::add(std::string name, const uint32_t (&reserved)[kFixedTierCount]) {
  std::lock_guard lock(mu_);
  uint32_t id = count_.load(std::memory_order_relaxed);
  Reservation* r = id < kMaxReservations ? records_.ensure(id) : nullptr;
  if (!r) return kNoReservation;
  for (int t = 0; t < kFixedTierCount; ++t) r->reserved[t] = reserved[t];
  r->name = std::move(name);
  count_.store(id + 1, std::memory_order_release);
  return id;
}

OwnerTable::OwnerTable(Reservation* shared) : records_(kMaxOwners) { add("host", 0, shared); }

OwnerId OwnerTable::add(std::string name, uint64_t budget, Reservation* reservation) {
  std::lock_guard lock(mu_);
  uint32_t id = count_.load(std::memory_order_relaxed);
  OwnerRecord* r = id < kMaxOwners ? records_.ensure(id) : nullptr;
  if (!r) throw std::length_error("torvyn: more than " + std::to_string(kMaxOwners) + " buffer owners registered");
  r->budget = budget;
  r->reservation = reservation;
  r->name = std::move(name);
  count_.store(id + 1, std::memory_order_release);
  return id;
}

}  // namespace torvyn::resources::detail

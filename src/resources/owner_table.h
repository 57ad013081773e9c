// Owners of buffers (the host and each component instance) with their byte budgets. Looked up on
// every allocate/release, so lookup is lock-free; registration is rare and takes a mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "torvyn/resources/detail/chunked_array.h"
#include "torvyn/resources/types.h"

namespace torvyn::resources::detail {

// One flow's share of the pre-allocated tiers (BufferPool::add_reservation). `used` counts the
// blocks its owners' buffers occupy; the blocks beyond `reserved` are charged to the tier's shared
// part. Record 0 reserves nothing (owners without a flow).
struct alignas(64) Reservation {
  std::atomic<uint32_t> used[kFixedTierCount] = {};
  uint32_t reserved[kFixedTierCount] = {};  // immutable once published
  std::string name;
};

class ReservationTable {
 public:
  ReservationTable();  // registers record 0 ("shared", nothing reserved)
  // Returns the new id, or kNoReservation when the table is full.
  ReservationId add(std::string name, const uint32_t (&reserved)[kFixedTierCount]);
  Reservation* find(ReservationId id) const {
    return id < count_.load(std::memory_order_acquire) ? records_.find(id) : nullptr;
  }

 private:
  std::mutex mu_;
  std::atomic<uint32_t> count_{0};
  ChunkedArray<Reservation, 6> records_;
};

// Own cache line: owners on different flow threads must not contend on their byte counters.
struct alignas(64) OwnerRecord {
  std::atomic<uint64_t> bytes{0};  // capacity of every buffer the owner holds
  std::atomic<uint64_t> exceeded{0};  // operations refused by the budget
  uint64_t budget = 0;             // 0 = unlimited; immutable once the owner is published
  Reservation* reservation = nullptr;  // where its allocations count; immutable once published
  std::string name;

  // Adds n bytes unless that would pass the budget (checked and added in one CAS, so concurrent
  // allocations by one owner cannot overshoot together).
  bool try_charge(uint64_t n) {
    if (budget == 0) {
      bytes.fetch_add(n, std::memory_order_relaxed);
      return true;
    }
    uint64_t cur = bytes.load(std::memory_order_relaxed);
    do {
      if (!room(cur, n)) return false;
    } while (!bytes.compare_exchange_weak(cur, cur + n, std::memory_order_relaxed));
    return true;
  }
  void credit(uint64_t n) { bytes.fetch_sub(n, std::memory_order_relaxed); }
  // Whether n more bytes would stay within the budget (nothing is charged).
  bool fits(uint64_t n) const { return budget == 0 || room(bytes.load(std::memory_order_relaxed), n); }

 private:
  // n more bytes on top of `cur` stay within a set budget (written so that nothing overflows).
  bool room(uint64_t cur, uint64_t n) const { return n <= budget && cur <= budget - n; }
};

class OwnerTable {
 public:
  explicit OwnerTable(Reservation* shared);  // registers the host as owner 0 (in `shared`)
  // Throws std::length_error past kMaxOwners.
  OwnerId add(std::string name, uint64_t budget, Reservation* reservation);

  OwnerRecord* find(OwnerId id) const {
    return id < count_.load(std::memory_order_acquire) ? records_.find(id) : nullptr;
  }
  uint32_t count() const { return count_.load(std::memory_order_acquire); }

 private:
  std::mutex mu_;
  std::atomic<uint32_t> count_{0};  // published after the record is complete
  ChunkedArray<OwnerRecord, 8> records_;
};

}  // namespace torvyn::resources::detail

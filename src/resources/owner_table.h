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

// Own cache line: owners on different flow threads must not contend on their byte counters.
struct alignas(64) OwnerRecord {
  std::atomic<uint64_t> bytes{0};  // capacity of every buffer the owner holds
  uint64_t budget = 0;             // 0 = unlimited; immutable once the owner is published
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
      if (n > budget || cur > budget - n) return false;
    } while (!bytes.compare_exchange_weak(cur, cur + n, std::memory_order_relaxed));
    return true;
  }
  void credit(uint64_t n) { bytes.fetch_sub(n, std::memory_order_relaxed); }
};

class OwnerTable {
 public:
  OwnerTable();  // registers the host as owner 0
  OwnerId add(std::string name, uint64_t budget);  // throws std::length_error past kMaxOwners

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

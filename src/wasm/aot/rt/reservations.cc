#include "reservations.h"

#include <atomic>
#include <mutex>

namespace torvyn::wasm::rt {
namespace {

// 16384 live memories x 8 GiB = 128 TiB, the whole user address space of x86-64: more can never
// be live at once, so a fixed table suffices and the signal handler never sees it reallocate.
constexpr int kSlots = 16384;
std::atomic<uintptr_t> g_bases[kSlots];
std::atomic<int> g_high_water{0};  // slots at or above this index are all empty
std::atomic<uint64_t> g_count{0};
std::mutex g_mutex;  // serialises writers; readers (the fault handler) are lock-free

}  // namespace

bool register_reservation(uintptr_t base) {
  std::lock_guard lock(g_mutex);
  int hw = g_high_water.load(std::memory_order_relaxed);
  for (int i = 0; i < kSlots; ++i) {
    if (g_bases[i].load(std::memory_order_relaxed) == 0) {
      g_bases[i].store(base, std::memory_order_release);
      if (i >= hw) g_high_water.store(i + 1, std::memory_order_release);
      g_count.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

void unregister_reservation(uintptr_t base) {
  std::lock_guard lock(g_mutex);
  int hw = g_high_water.load(std::memory_order_relaxed);
  for (int i = 0; i < hw; ++i) {
    if (g_bases[i].load(std::memory_order_relaxed) == base) {
      g_bases[i].store(0, std::memory_order_release);
      g_count.fetch_sub(1, std::memory_order_relaxed);
      break;
    }
  }
  while (hw > 0 && g_bases[hw - 1].load(std::memory_order_relaxed) == 0) --hw;
  g_high_water.store(hw, std::memory_order_release);
}

bool address_in_reservation(uintptr_t addr) {
  int hw = g_high_water.load(std::memory_order_acquire);
  for (int i = 0; i < hw; ++i) {
    uintptr_t b = g_bases[i].load(std::memory_order_acquire);
    if (b != 0 && addr >= b && addr - b < kReservationBytes) return true;
  }
  return false;
}

uint64_t reservation_count() { return g_count.load(std::memory_order_relaxed); }

}  // namespace torvyn::wasm::rt

// Registry of live guest linear-memory reservations, readable from a signal handler.
#pragma once

#include <cstdint>

namespace torvyn::wasm::rt {

// Every linear memory reserves this much address space so that any u32 address plus any u32 offset
// lands inside the reservation: an out-of-bounds access hits PROT_NONE pages and faults.
constexpr uint64_t kReservationBytes = 8ull << 30;

bool register_reservation(uintptr_t base);    // false when the registry is full
void unregister_reservation(uintptr_t base);
bool address_in_reservation(uintptr_t addr);  // async-signal-safe
uint64_t reservation_count();

}  // namespace torvyn::wasm::rt

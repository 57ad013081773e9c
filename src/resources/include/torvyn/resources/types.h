// Vocabulary shared by the buffer pool and the copy ledger: tiers, ownership states, owner ids and
// buffer ids (slot + generation, so an id that outlives its buffer is recognisably stale).
#pragma once

#include <cstdint>
#include <string_view>

namespace torvyn::resources {

// Pool tiers by buffer capacity: <= 4 KiB, <= 64 KiB, <= 1 MiB, > 1 MiB (on demand).
enum class Tier : uint8_t { Small, Medium, Large, Huge };
inline constexpr int kTierCount = 4;
inline constexpr int kFixedTierCount = 3;  // Small, Medium, Large are pre-allocated

inline constexpr uint64_t kSmallBytes = 4ull << 10;
inline constexpr uint64_t kMediumBytes = 64ull << 10;
inline constexpr uint64_t kLargeBytes = 1ull << 20;
inline constexpr uint64_t kMaxBufferBytes = 16ull << 20;  // 16 MiB cap per buffer

// Block size of a pre-allocated tier; 0 for Huge (sized per buffer).
constexpr uint64_t tier_bytes(Tier t) {
  switch (t) {
    case Tier::Small: return kSmallBytes;
    case Tier::Medium: return kMediumBytes;
    case Tier::Large: return kLargeBytes;
    case Tier::Huge: return 0;
  }
  return 0;
}

// The smallest tier whose blocks hold `bytes` (0 -> Small).
constexpr Tier tier_for(uint64_t bytes) {
  if (bytes <= kSmallBytes) return Tier::Small;
  if (bytes <= kMediumBytes) return Tier::Medium;
  if (bytes <= kLargeBytes) return Tier::Large;
  return Tier::Huge;
}

// Lower-case label for metrics and the inspection API ("small", "medium", "large", "huge").
constexpr std::string_view tier_name(Tier t) {
  switch (t) {
    case Tier::Small: return "small";
    case Tier::Medium: return "medium";
    case Tier::Large: return "large";
    case Tier::Huge: return "huge";
  }
  return "?";
}

// Pooled: free in a pool. Owned: held by one owner. Transit: in a queue between components.
// Freed: on-demand memory given back (a released huge buffer). A buffer lent to a component for a
// call stays Transit: the lend is the instance's (its handle table counts it and the call's borrow
// scope ends it), so the pool has no Borrowed state to keep in step.
enum class BufferState : uint8_t { Pooled, Owned, Transit, Freed };

constexpr std::string_view state_name(BufferState s) {
  switch (s) {
    case BufferState::Pooled: return "pooled";
    case BufferState::Owned: return "owned";
    case BufferState::Transit: return "transit";
    case BufferState::Freed: return "freed";
  }
  return "?";
}

// 0 is the host; components get ids from BufferPool::register_owner (dense, never reused).
using OwnerId = uint32_t;
inline constexpr OwnerId kHostOwner = 0;
inline constexpr uint32_t kMaxOwners = 1u << 20;

// Per-flow shares of the pool tiers (BufferPool::add_reservation); 0 reserves nothing.
using ReservationId = uint32_t;
inline constexpr ReservationId kNoReservation = 0;
inline constexpr uint32_t kMaxReservations = 1u << 16;

// Low 32 bits: slot index. High 32 bits: generation (starts at 1), so raw 0 is never valid.
struct BufferId {
  uint64_t raw = 0;

  constexpr uint32_t slot() const { return static_cast<uint32_t>(raw); }
  constexpr uint32_t generation() const { return static_cast<uint32_t>(raw >> 32); }
  static constexpr BufferId make(uint32_t slot, uint32_t gen) {
    return BufferId{(static_cast<uint64_t>(gen) << 32) | slot};
  }
  explicit constexpr operator bool() const { return raw != 0; }
  friend constexpr bool operator==(BufferId, BufferId) = default;
};

}  // namespace torvyn::resources

// The pool's inside, shared by its translation units (buffer_pool.cc: one buffer at a time;
// buffer_pool_batch.cc: many at once). Not part of the public API.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "torvyn/resources/buffer_pool.h"

#include "owner_table.h"
#include "slot_table.h"

namespace torvyn::resources {

namespace detail {

inline constexpr uint64_t kPage = 4096;
// Slot-count limits keep indices (and index + 1 in free-list links) inside 32 bits.
inline constexpr uint64_t kMaxFixedSlots = 1ull << 30;
inline constexpr uint64_t kMaxOnDemandSlots = 1ull << 22;

inline uint64_t round_up(uint64_t n, uint64_t to) { return (n + to - 1) / to * to; }

// The pool's errors (buffer_pool.cc).
std::string describe(BufferId id);
Error stale(BufferId id);
Error unknown_owner(OwnerId o);
Error too_big(uint64_t bytes);
Error frozen(BufferId id);
Error over_budget(OwnerId id, const OwnerRecord& o, uint64_t more);
Error exhausted(uint64_t bytes, const char* why);

}  // namespace detail

using detail::kNoSlot;
using detail::OwnerRecord;
using detail::Reservation;
using detail::Slot;
using detail::kPage;
using detail::kMaxFixedSlots;
using detail::kMaxOnDemandSlots;
using detail::round_up;
using detail::describe;
using detail::stale;
using detail::unknown_owner;
using detail::too_big;
using detail::frozen;
using detail::over_budget;
using detail::exhausted;

// Free list and counters of one pre-allocated tier, on their own cache line(s).
struct alignas(64) TierState {
  detail::FreeList free;
  // Reservations: `reserved` blocks are set aside for them; the others are shared, and
  // `shared_used` counts the shared blocks held (Impl::admit keeps it <= total - reserved).
  std::atomic<uint32_t> reserved{0};
  std::atomic<uint32_t> shared_used{0};
  std::atomic<uint64_t> acquired{0};  // blocks handed out (allocate, reserve moves)
  std::atomic<uint64_t> returned{0};  // blocks given back
  std::atomic<uint64_t> first_uses{0};
  std::atomic<uint64_t> exhaustion{0};
  uint8_t* base = nullptr;  // the tier's one mapping, owned (unmapped even if a later tier fails)
  uint64_t map_bytes = 0;
  uint32_t total = 0;

  TierState() = default;
  TierState(const TierState&) = delete;
  TierState& operator=(const TierState&) = delete;
  ~TierState() {
    if (base) munmap(base, map_bytes);
  }
};

// On-demand memory: buffers over 1 MiB and fallbacks when every tier is empty. Rare, so a mutex
// guards the budget and the list of slots that hold no block; the counters are atomics so stats
// can read them without the lock.
struct OnDemand {
  std::mutex mu;
  uint32_t blockless_head = 0;  // index + 1 of the first slot without a block (links: Slot::next)
  std::atomic<uint64_t> bytes_used{0};
  std::atomic<uint64_t> acquired{0}, returned{0}, exhaustion{0};
};

struct BufferPool::Impl {
  PoolSizes sizes;
  detail::ReservationTable reservations;  // before owners: the host owner points into it
  detail::OwnerTable owners;
  OwnerRecord* host;  // owners.find(kHostOwner): registered first, never removed, never moves
  detail::SlotTable slots;
  TierState tiers[kFixedTierCount];
  OnDemand huge;
  uint64_t reserved = 0;
  std::mutex setup_mu;  // add_reservation

  // Counts a refused operation against the owner it would have charged (owner_budget_exceeded):
  // once per public call, however many attempts it made inside.
  template <class R>
  R counted(OwnerId owner, R r) {
    if (!r.ok() && r.error().code == ErrorCode::BudgetExceeded)
      if (OwnerRecord* o = owners.find(owner)) o->exceeded.fetch_add(1, std::memory_order_relaxed);
    return r;
  }

  explicit Impl(PoolSizes s);
  ~Impl();

  Slot* live(BufferId id) const {
    uint32_t g = id.generation();
    if (g == 0) return nullptr;
    Slot* s = slots.find(id.slot());
    return s && s->live_gen.load(std::memory_order_acquire) == g ? s : nullptr;
  }

  // Admission of one more block of tier t for reservation r: from its reserved blocks while it
  // holds fewer than those, else from the tier's shared part. Every block off a free list has been
  // admitted first and is discharged only after it is back on its list, so a reservation below
  // its reserve always finds a free block (sum of admissions <= total). acq_rel pairs a discharge
  // with the push before it.
  bool admit(Reservation& r, int t) {
    TierState& ts = tiers[t];
    uint32_t u = r.used[t].load(std::memory_order_acquire);
    for (;;) {
      if (u < r.reserved[t]) {
        if (r.used[t].compare_exchange_weak(u, u + 1, std::memory_order_acq_rel, std::memory_order_acquire)) return true;
        continue;
      }
      uint32_t cap = ts.total - ts.reserved.load(std::memory_order_relaxed);
      uint32_t shared = ts.shared_used.load(std::memory_order_acquire);
      do {
        if (shared >= cap) return false;
      } while (!ts.shared_used.compare_exchange_weak(shared, shared + 1, std::memory_order_acq_rel, std::memory_order_acquire));
      if (r.used[t].compare_exchange_strong(u, u + 1, std::memory_order_acq_rel, std::memory_order_acquire)) return true;
      ts.shared_used.fetch_sub(1, std::memory_order_acq_rel);  // `u` moved (a concurrent release): retry
    }
  }
  // admit() of n blocks at once, all or none; false also when the n would straddle the end of
  // r's reserved blocks (the caller then admits one at a time, as before).
  bool admit_n(Reservation& r, int t, uint32_t n) {
    TierState& ts = tiers[t];
    uint32_t u = r.used[t].load(std::memory_order_acquire);
    for (;;) {
      if (u + n <= r.reserved[t]) {
        if (r.used[t].compare_exchange_weak(u, u + n, std::memory_order_acq_rel, std::memory_order_acquire)) return true;
        continue;
      }
      if (u < r.reserved[t]) return false;
      uint32_t cap = ts.total - ts.reserved.load(std::memory_order_relaxed);
      uint32_t shared = ts.shared_used.load(std::memory_order_acquire);
      do {
        if (shared > cap || cap - shared < n) return false;
      } while (!ts.shared_used.compare_exchange_weak(shared, shared + n, std::memory_order_acq_rel, std::memory_order_acquire));
      if (r.used[t].compare_exchange_strong(u, u + n, std::memory_order_acq_rel, std::memory_order_acquire)) return true;
      ts.shared_used.fetch_sub(n, std::memory_order_acq_rel);  // `u` moved: retry
    }
  }
  // n discharges: of the values used[t] steps down through, those above reserved[t] were blocks
  // of the shared part.
  void discharge_n(Reservation& r, int t, uint32_t n) {
    uint32_t was = r.used[t].fetch_sub(n, std::memory_order_acq_rel);
    uint32_t over = was > r.reserved[t] ? std::min(n, was - r.reserved[t]) : 0;
    if (over) tiers[t].shared_used.fetch_sub(over, std::memory_order_acq_rel);
  }
  void discharge(Reservation& r, int t) {
    if (r.used[t].fetch_sub(1, std::memory_order_acq_rel) > r.reserved[t]) tiers[t].shared_used.fetch_sub(1, std::memory_order_acq_rel);
  }

  // Pops a free block, admitted for `r`, from `from` or the next larger pre-allocated tier; each
  // tier found empty (or whose share for `r` is spent) counts an exhaustion event. kNoSlot when
  // all are.
  [[gnu::always_inline]] uint32_t pop_fixed(Tier from, Reservation& r, Tier* got) {
    for (int t = static_cast<int>(from); t < kFixedTierCount; ++t) {
      TierState& ts = tiers[t];
      if (ts.total == 0) continue;  // tier configured off: not an exhaustion
      if (admit(r, t)) {
        uint32_t idx = ts.free.pop(slots);
        if (idx != kNoSlot) {
          *got = static_cast<Tier>(t);
          return idx;
        }
        discharge(r, t);
      }
      ts.exhaustion.fetch_add(1, std::memory_order_relaxed);
    }
    return kNoSlot;
  }
  // Undoes pop_fixed (the block was not used after all).
  void unpop(Tier t, uint32_t idx, Reservation& r) {
    tiers[static_cast<int>(t)].free.push(slots, idx);
    discharge(r, static_cast<int>(t));
  }

  void note_acquired(Tier t, Slot& s) {
    TierState& ts = tiers[static_cast<int>(t)];
    ts.acquired.fetch_add(1, std::memory_order_relaxed);
    if (!s.used) {
      s.used = true;
      ts.first_uses.fetch_add(1, std::memory_order_relaxed);
    }
  }

  // Back on its free list, then discharged from `r` (the slot may be reused at once: the caller
  // reads what it needs first).
  void push_fixed(Tier t, uint32_t idx, Reservation& r) {
    TierState& ts = tiers[static_cast<int>(t)];
    ts.returned.fetch_add(1, std::memory_order_relaxed);
    ts.free.push(slots, idx);
    discharge(r, static_cast<int>(t));
  }

  BufferId hand_out(Slot& s, uint32_t idx, OwnerId owner, Reservation* r) {
    uint32_t g = s.next_gen;
    s.buf.size = 0;
    s.buf.state = BufferState::Owned;
    s.buf.frozen = false;
    s.buf.owner = owner;
    s.buf.generation = g;
    s.reservation = r;
    s.owner.store(owner, std::memory_order_relaxed);
    s.extra_holders.store(0, std::memory_order_relaxed);  // always 0 here unless share() was misused
    s.live_gen.store(g, std::memory_order_release);
    return BufferId::make(idx, g);
  }

  // --- on-demand memory (callers hold huge.mu for the *_locked helpers) ---
  uint32_t take_blockless_locked() {
    if (uint32_t head = huge.blockless_head) {
      huge.blockless_head = slots.at(head - 1).next.load(std::memory_order_relaxed);
      return head - 1;
    }
    return slots.grow();
  }
  void give_blockless_locked(uint32_t idx) {
    slots.at(idx).next.store(huge.blockless_head, std::memory_order_relaxed);
    huge.blockless_head = idx + 1;
  }
  // Books `bytes` of on-demand budget and a slot without a block for them; kNoSlot if either is
  // spent (an exhaustion event of the Huge tier).
  uint32_t book_on_demand(uint64_t bytes) {
    std::lock_guard lock(huge.mu);
    uint64_t used = huge.bytes_used.load(std::memory_order_relaxed);
    uint32_t idx = bytes <= sizes.huge_bytes - used ? take_blockless_locked() : kNoSlot;
    if (idx == kNoSlot) {
      huge.exhaustion.fetch_add(1, std::memory_order_relaxed);
      return kNoSlot;
    }
    huge.bytes_used.store(used + bytes, std::memory_order_relaxed);
    return idx;
  }
  void unbook_on_demand(uint32_t idx, uint64_t bytes) {
    std::lock_guard lock(huge.mu);
    huge.bytes_used.fetch_sub(bytes, std::memory_order_relaxed);
    if (idx != kNoSlot) give_blockless_locked(idx);
  }

  // kForHost: the host holds (and is charged for) the buffer, not `owner` (create_in_transit).
  // Inlined into its callers: it is most of create_in_transit's per-element cost, which a call
  // frame and a second slot lookup would add to. `slot_out`: the slot handed out.
  template <bool kForHost>
  [[gnu::always_inline]] inline Result<BufferId> allocate(OwnerId owner, uint64_t capacity_hint, Slot** slot_out = nullptr);
  Result<BufferId> allocate_on_demand(uint64_t bytes, OwnerId owner, Reservation* r);
  void release_on_demand(uint32_t idx, Slot& s);
  Status grow(Slot& s, uint64_t need);
  Status grow_on_demand(Slot& s, uint64_t need, OwnerRecord& o);
  Status move_on_demand(Slot& s, uint64_t bytes);
  Status write(Slot& s, BufferId id, uint64_t offset, const void* bytes, uint64_t len);
  // take_in_transit on a live slot: charged to the host, credited to its owner, state Transit.
  Status to_transit(Slot& s);
};

}  // namespace torvyn::resources

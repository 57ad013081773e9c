// Host-managed buffer pools: the memory behind every `buffer` / `mutable-buffer` a component sees.
//
// Three pre-allocated tiers (one mmap each: Small 4 KiB, Medium 64 KiB, Large 1 MiB blocks) and an
// on-demand region for anything bigger (heap memory up to PoolSizes::huge_bytes). Buffers are named
// by BufferId = slot + generation: releasing a buffer bumps its slot's generation so every old id
// goes stale and is rejected instead of aliasing the next user of the slot.
//
// Concurrency: one pool is shared by every flow thread. allocate/release/get take no lock on the
// pooled tiers (a Treiber stack per tier with an ABA tag) and never allocate heap memory; only the
// rare on-demand path (huge buffers, or every tier empty) takes a mutex. A live buffer is touched by
// one flow thread at a time (the one holding its id); the pool's statistics, owner_bytes and
// owned_by may be read from any thread at any time (all counters are atomics).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/resources/types.h"

namespace torvyn::resources {

// Buffers per pre-allocated tier and the on-demand byte budget ([runtime.pools] in Torvyn.toml).
// The defaults reserve 1 + 4 + 16 MiB and allow 32 MiB on demand.
struct PoolSizes {
  uint32_t small = 256, medium = 64, large = 16;
  uint64_t huge_bytes = 32ull << 20;
  // Fault the tiers' pages in at start-up (MAP_POPULATE) so the hot path never takes a page fault
  // on first use of a block. Tests that build many pools may turn it off.
  bool prefault = true;
};

// A buffer's metadata. Read it through BufferPool::get; change data/size/capacity/state/owner only
// through the pool's operations (content_type may be set directly by the buffer's holder).
struct Buffer {
  uint8_t* data = nullptr;
  uint64_t size = 0;       // bytes written (readable range is [0, size))
  uint64_t capacity = 0;   // bytes available without growing
  Tier tier = Tier::Small; // where the memory comes from (Huge: on-demand heap memory)
  BufferState state = BufferState::Pooled;
  bool frozen = false;     // immutable: writes, appends and growth are rejected
  OwnerId owner = kHostOwner;
  uint32_t generation = 0;
  std::string content_type;  // empty when allocated; kept while pooled (never observable then)
};

// A snapshot of one tier. For the pre-allocated tiers counts are in buffers and
// total == available + in_use. For Huge nothing is pre-allocated: buffer_bytes is 0 (sizes vary),
// in_use counts live on-demand buffers (including fallbacks from exhausted tiers), total == in_use,
// available == 0, and bytes_in_use / bytes_limit give the on-demand memory against huge_bytes.
struct TierStats {
  uint64_t buffer_bytes = 0;       // block size
  uint64_t total = 0;              // blocks in the tier
  uint64_t available = 0;          // free blocks (metric pool.available)
  uint64_t in_use = 0;             // blocks held by live buffers
  uint64_t exhaustion_events = 0;  // times an allocation found this tier empty, or its flow's share of it
                                   // spent (metric pool.exhaustion_events)
  uint64_t allocations = 0;        // blocks handed out from this tier (allocate, and reserve moving a buffer here)
  uint64_t reuses = 0;             // of those, blocks that had been handed out before
  uint64_t bytes_in_use = 0;       // memory held by live buffers
  uint64_t bytes_limit = 0;        // memory the tier may hold (pre-allocated bytes, or huge_bytes)
  uint64_t reserved = 0;           // blocks set aside for reservations (add_reservation); 0 for Huge
};

// Buffers per pre-allocated tier (Small, Medium, Large).
using TierCounts = std::array<uint32_t, kFixedTierCount>;

// A reservation's share of the pre-allocated tiers: what it is guaranteed and what its owners'
// buffers occupy now (a buffer counts against the reservation of the owner that allocated it until
// it is released, wherever it has been handed on to).
struct ReservationStats {
  std::string name;
  TierCounts reserved{};  // blocks of each tier no other reservation can take
  TierCounts in_use{};    // blocks held now (beyond `reserved`, they come from the shared part)
};

class BufferPool {
 public:
  // Maps the three tiers (throws std::bad_alloc if the memory cannot be mapped) and registers the
  // host as owner 0 ("host", unlimited).
  explicit BufferPool(PoolSizes sizes = {});
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // A new owner (a component instance) with a byte budget (0 = unlimited). An owner is charged the
  // capacity of every buffer it holds (allocated and not yet released or handed on); an operation
  // that would take it past its budget fails with BudgetExceeded and counts in
  // owner_budget_exceeded. Buffers it allocates count against `reservation` (kNoReservation: only
  // the shared part of each tier). Ids are dense and never reused; at most kMaxOwners (throws
  // std::length_error beyond that).
  OwnerId register_owner(std::string name, uint64_t byte_budget, ReservationId reservation = kNoReservation);

  // Per-flow reservations. Sets aside `buffers` blocks of each pre-allocated tier for the owners
  // registered with the returned id (one flow's components): other owners can never take them.
  // Each request is clamped to what is not reserved yet. The rest of a tier is shared: an owner
  // whose reservation's blocks of a tier are all held takes from the shared part, and when that is
  // spent too the tier counts as exhausted for it (the allocation falls back to the next tier, as
  // when a tier is empty). Rare (flow set-up); at most kMaxReservations.
  ReservationId add_reservation(std::string name, TierCounts buffers);
  ReservationStats reservation_stats(ReservationId id) const;

  // A new empty buffer (size 0, state Owned) for `owner`, from the smallest tier that fits
  // `capacity_hint` (0 -> Small). A tier found empty counts an exhaustion event and the next
  // larger tier is tried, then on-demand memory within huge_bytes (PoolExhausted if that is spent
  // too). Hints above 1 MiB always use on-demand memory (rounded up to 4 KiB).
  // A tier counts as empty for an owner whose reservation and the tier's shared part are spent.
  // Errors: BufferCapacityExceeded (hint > 16 MiB), BudgetExceeded, PoolExhausted, BufferOwnership
  // (unknown owner).
  Result<BufferId> allocate(OwnerId owner, uint64_t capacity_hint);

  // The live buffer, or nullptr if the id is stale, unknown or released. Read-only: a buffer
  // changes only through the pool's own calls, which keep its accounting.
  const Buffer* get(BufferId id) const;

  // Back to its tier (on-demand memory is freed); the slot's generation moves on so `id` and every
  // copy of it go stale. Allowed in any live state (teardown must always be able to reclaim).
  // A second release of the same id is BufferStale. A shared buffer (share()) only counts one of
  // its holders off, until the last.
  Status release(BufferId id);

  // Gives a live buffer `extra` more holders (fan-out: several queues carry one payload). Each
  // holder calls release() once; the buffer goes back to its tier on the last of them. While a
  // buffer has other holders, a holder's second release cannot be told from another holder's.
  Status share(BufferId id, uint32_t extra);
  // Holders beyond the first that a live buffer still has (0 when unshared or stale).
  uint32_t extra_holders(BufferId id) const;

  // Hands the buffer to another owner: `to` is charged its capacity (BudgetExceeded leaves
  // everything unchanged) and the previous owner is credited.
  Status transfer(BufferId id, OwnerId to);

  // transfer(id, kHostOwner) then set_state(id, Transit) in one lookup: the runtime takes a
  // buffer a stage handed back, to move it to the next stage.
  Status take_in_transit(BufferId id);

  // What the runtime makes of an element's bytes handed back by a component, in one call: a buffer
  // allocated for `owner` (its reservation and budget admit it, as allocate), holding a copy of
  // `len` bytes with `content_type`, frozen, then taken in transit by the host (as
  // take_in_transit). The same result, errors and final accounting as those five calls, with one
  // slot lookup and without charging `owner` only to credit it again; on an error nothing is left
  // allocated.
  Result<BufferId> create_in_transit(OwnerId owner, const void* bytes, uint64_t len, std::string_view content_type);

  // One element's bytes for the batch form of create_in_transit.
  struct TransitPiece {
    const void* bytes = nullptr;
    uint64_t len = 0;
    std::string_view content_type;
  };
  // create_in_transit of each piece in order, stopping at the first the pool refuses: returns how
  // many it made (their ids in ids[0..count)); when that is fewer than pieces.size(), `refused`
  // holds the error of piece `count` and no piece after it was tried. The buffers, errors and
  // accounting are those of the calls one by one; a run of pieces of one tier takes its budget,
  // its admissions and its blocks from the free list in one step each (a batch call's outputs).
  size_t create_in_transit(OwnerId owner, std::span<const TransitPiece> pieces, BufferId* ids, Error& refused);
  // release() of each id in order, with the same effects; a run of buffers going back to one
  // tier and reservation goes back in one step. Returns how many ids were stale.
  size_t release(std::span<const BufferId> ids);

  // Owned or Transit; Pooled and Freed belong to the pool (BufferOwnership).
  Status set_state(BufferId id, BufferState s);

  // Capacity >= new_capacity, keeping the contents and the id: grows on-demand memory in place when
  // it can, otherwise moves the bytes into a block of the tier that fits (a host-internal copy, not
  // a ledger copy). Errors: BufferFrozen, BufferCapacityExceeded (> 16 MiB), BudgetExceeded,
  // PoolExhausted.
  Status reserve(BufferId id, uint64_t new_capacity);

  // Writes bytes at offset (offset <= size; growing the buffer through reserve as needed, size
  // becomes max(size, offset + len)). Errors: BufferStale, BufferFrozen, BufferOutOfBounds
  // (offset > size), BufferCapacityExceeded, and reserve's.
  Status write(BufferId id, uint64_t offset, const void* bytes, uint64_t len);
  Status append(BufferId id, const void* bytes, uint64_t len);
  // Copies up to len bytes from offset into out; returns the count (short past the end, 0 when
  // offset >= size, as the WIT `read` contract says). Error: BufferStale.
  Result<uint64_t> read(BufferId id, uint64_t offset, void* out, uint64_t len) const;
  Status set_content_type(BufferId id, std::string_view content_type);
  // Marks the buffer immutable (idempotent).
  Status freeze(BufferId id);

  TierStats stats(Tier t) const;
  uint64_t live_buffers() const;   // buffers not Pooled (for leak checks)
  uint64_t owner_bytes(OwnerId owner) const;
  uint64_t owner_budget(OwnerId owner) const;  // 0 = unlimited (or unknown owner)
  // Operations refused because they would have passed the owner's budget (0 for an unknown owner).
  uint64_t owner_budget_exceeded(OwnerId owner) const;
  std::string_view owner_name(OwnerId owner) const;  // "" for an unknown owner
  uint32_t owner_count() const;
  // Live buffers held by `owner` (to reclaim what a torn-down component still holds). A snapshot:
  // an id released concurrently by another thread is stale by the time it is used.
  std::vector<BufferId> owned_by(OwnerId owner) const;
  uint64_t reserved_bytes() const;  // pre-allocated bytes (21 MiB with the defaults)
  const PoolSizes& sizes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace torvyn::resources

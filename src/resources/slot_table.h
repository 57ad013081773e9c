// Buffer slots and the lock-free free lists that hand them out.
//
// A slot is the metadata of one buffer plus the memory block it currently holds. Slots for the
// pre-allocated tiers live in one fixed array; slots for on-demand memory are added in chunks and
// never move. Blocks are not tied to slots: reserve() swaps blocks between a live slot and a free
// one, so a buffer keeps its id when it moves to a bigger tier, and each tier's free list simply
// holds the slots that currently carry a free block of that tier.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "torvyn/resources/buffer_pool.h"
#include "torvyn/resources/detail/chunked_array.h"

namespace torvyn::resources::detail {

inline constexpr uint32_t kNoSlot = UINT32_MAX;

struct Reservation;  // owner_table.h

// One cache line or two, never shared by two slots: neighbouring buffers are often live on
// different flow threads.
struct alignas(64) Slot {
  std::atomic<uint32_t> live_gen{0};  // the generation while live, 0 while free: the stale-id check
  std::atomic<uint32_t> next{0};      // free-list link, index + 1 (0 = end); atomic because a
                                      // popping thread may read it while another thread wins the pop
  std::atomic<OwnerId> owner{kHostOwner};  // mirrors buf.owner for owned_by() scans from any thread
  std::atomic<uint32_t> extra_holders{0};  // share(): releases still owed before the block goes back
  uint32_t next_gen = 1;   // generation of the next allocation (written before the slot is pushed)
  bool heap = false;       // buf.data is on-demand heap memory (nullptr: a slot without a block)
  bool used = false;       // the block has been handed out before (TierStats::reuses)
  Reservation* reservation = nullptr;  // while live with a pooled block: where that block is counted
  Buffer buf;
};

class SlotTable {
 public:
  SlotTable(uint32_t fixed, size_t max_extra)
      : nfixed_(fixed), fixed_(std::make_unique<Slot[]>(fixed)), extra_(max_extra) {}

  // The slot with index i, or nullptr if no such slot exists (yet).
  Slot* find(uint32_t i) const { return i < nfixed_ ? &fixed_[i] : extra_.find(i - nfixed_); }
  // A slot known to exist (came from a free list or a validated id).
  Slot& at(uint32_t i) const { return i < nfixed_ ? fixed_[i] : *extra_.find(i - nfixed_); }

  uint32_t fixed_count() const { return nfixed_; }
  uint32_t size() const { return nfixed_ + extra_count_.load(std::memory_order_acquire); }

  // Adds one slot for on-demand memory; kNoSlot when the table is full. Callers serialise.
  uint32_t grow() {
    uint32_t n = extra_count_.load(std::memory_order_relaxed);
    if (n >= extra_.capacity() || !extra_.ensure(n)) return kNoSlot;
    extra_count_.store(n + 1, std::memory_order_release);
    return nfixed_ + n;
  }

 private:
  uint32_t nfixed_;
  std::unique_ptr<Slot[]> fixed_;
  ChunkedArray<Slot, 8> extra_;
  std::atomic<uint32_t> extra_count_{0};
};

// A Treiber stack of slot indices. The head word is [tag:32][index+1:32]; every successful pop or
// push bumps the tag, so a pop that read a stale `next` (the top was popped and pushed back in the
// meantime: ABA) fails its CAS instead of corrupting the list.
class FreeList {
 public:
  uint32_t pop(const SlotTable& slots) {
    uint64_t head = head_.load(std::memory_order_acquire);
    for (;;) {
      auto top = static_cast<uint32_t>(head);
      if (top == 0) return kNoSlot;
      uint32_t next = slots.at(top - 1).next.load(std::memory_order_relaxed);
      uint64_t want = (((head >> 32) + 1) << 32) | next;
      if (head_.compare_exchange_weak(head, want, std::memory_order_acquire, std::memory_order_acquire))
        return top - 1;
    }
  }

  // Pops exactly `n` slots (out[0] the top) in one CAS, or none (returns false) when the list
  // holds fewer. The walk may read links of slots another thread is popping or pushing at the
  // same time: every slot stays in the table, so the reads are safe, and any change to the list
  // moves the head's tag, so such a walk fails its CAS and starts again. At most n links are read
  // per attempt, so a link changed under the walk cannot make it loop.
  bool pop_n(const SlotTable& slots, uint32_t n, uint32_t* out) {
    uint64_t head = head_.load(std::memory_order_acquire);
    for (;;) {
      uint32_t link = static_cast<uint32_t>(head);
      uint32_t k = 0;
      for (; k < n && link != 0; ++k) {
        out[k] = link - 1;
        link = slots.at(link - 1).next.load(std::memory_order_relaxed);
      }
      if (k < n) return false;
      uint64_t want = (((head >> 32) + 1) << 32) | link;
      if (head_.compare_exchange_weak(head, want, std::memory_order_acquire, std::memory_order_acquire)) return true;
    }
  }

  // Pushes first..last, already linked to each other through `next` (last's link is set here),
  // in one CAS: `first` becomes the top.
  void push_chain(const SlotTable& slots, uint32_t first, uint32_t last) {
    Slot& tail = slots.at(last);
    uint64_t head = head_.load(std::memory_order_relaxed);
    uint64_t want;
    do {
      tail.next.store(static_cast<uint32_t>(head), std::memory_order_relaxed);
      want = (((head >> 32) + 1) << 32) | (first + 1);
    } while (!head_.compare_exchange_weak(head, want, std::memory_order_release, std::memory_order_relaxed));
  }

  // Release: whatever the pusher wrote into the slot is visible to the thread that pops it.
  void push(const SlotTable& slots, uint32_t index) {
    Slot& s = slots.at(index);
    uint64_t head = head_.load(std::memory_order_relaxed);
    uint64_t want;
    do {
      s.next.store(static_cast<uint32_t>(head), std::memory_order_relaxed);
      want = (((head >> 32) + 1) << 32) | (index + 1);
    } while (!head_.compare_exchange_weak(head, want, std::memory_order_release, std::memory_order_relaxed));
  }

 private:
  std::atomic<uint64_t> head_{0};
};

}  // namespace torvyn::resources::detail

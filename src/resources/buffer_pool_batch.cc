// The pool's batch operations: what a batch call's outputs and inputs need, many buffers at once.
//
// One by one, each buffer pays for the owner lookup, two budget updates, an admission, a free-list
// CAS, the statistics and a Result; a run of buffers of one tier pays for each of those once. The
// outcome is the same as calling the single-buffer operation for each in order: a run that cannot
// be taken whole (a budget, a reservation's reserve or a tier running out within it) is left to
// the single-buffer operation, which then finds the limit exactly where it would have.
#include <algorithm>
#include <cstring>

#include "torvyn/base/short_text.h"
#include "torvyn/resources/buffer_pool.h"

#include "pool_impl.h"

namespace torvyn::resources {

namespace {
constexpr uint32_t kRun = 64;  // pieces taken from a free list in one step
}  // namespace

size_t BufferPool::create_in_transit(OwnerId owner, std::span<const TransitPiece> pieces, BufferId* ids, Error& refused) {
  Impl& p = *impl_;
  const size_t n = pieces.size();
  size_t done = 0;
  if (OwnerRecord* o = p.owners.find(owner)) {
    Reservation& res = *o->reservation;
    uint32_t idx[kRun];
    while (done < n) {
      const Tier t = tier_for(pieces[done].len);
      if (t == Tier::Huge) break;
      uint32_t m = 1;
      while (done + m < n && m < kRun && tier_for(pieces[done + m].len) == t) ++m;
      const int ti = static_cast<int>(t);
      const uint64_t want = tier_bytes(t);
      // As create_in_transit: the owner's budget is checked (not charged), the host is charged.
      if (!o->fits(want) || !p.host->try_charge(want * m)) break;
      if (!p.admit_n(res, ti, m)) {
        p.host->credit(want * m);
        break;
      }
      TierState& ts = p.tiers[ti];
      if (!ts.free.pop_n(p.slots, m, idx)) {
        p.discharge_n(res, ti, m);
        p.host->credit(want * m);
        break;
      }
      uint32_t first_uses = 0;
      for (uint32_t k = 0; k < m; ++k) {
        Slot& s = p.slots.at(idx[k]);
        first_uses += !s.used;
        s.used = true;
        const TransitPiece& piece = pieces[done + k];
        ids[done + k] = p.hand_out(s, idx[k], kHostOwner, &res);
        Buffer& b = s.buf;
        if (piece.len) std::memcpy(b.data, piece.bytes, piece.len);
        b.size = piece.len;
        if (!same_short_text(b.content_type, piece.content_type)) b.content_type.assign(piece.content_type);
        b.frozen = true;
        b.state = BufferState::Transit;
      }
      ts.acquired.fetch_add(m, std::memory_order_relaxed);
      if (first_uses) ts.first_uses.fetch_add(first_uses, std::memory_order_relaxed);
      done += m;
    }
  }
  // What a run could not take (and an unknown owner) goes one by one, with each one's own error.
  for (; done < n; ++done) {
    const TransitPiece& piece = pieces[done];
    auto id = create_in_transit(owner, piece.bytes, piece.len, piece.content_type);
    if (!id) {
      refused = id.take_error();
      return done;
    }
    ids[done] = *id;
  }
  return done;
}

size_t BufferPool::release(std::span<const BufferId> ids) {
  Impl& p = *impl_;
  size_t stale_ids = 0;
  // The run being gathered: slots going back to one tier of one reservation, linked from first
  // (the last released) to last through their free-list links, and the bytes the host is to be
  // credited for them.
  uint32_t first = kNoSlot, last = kNoSlot, count = 0;
  int tier = 0;
  Reservation* res = nullptr;
  uint64_t host_bytes = 0;
  auto put_back = [&] {
    if (host_bytes) p.host->credit(host_bytes);
    host_bytes = 0;
    if (!count) return;
    TierState& ts = p.tiers[tier];
    ts.returned.fetch_add(count, std::memory_order_relaxed);
    ts.free.push_chain(p.slots, first, last);
    p.discharge_n(*res, tier, count);  // after the push, as push_fixed
    count = 0;
  };
  for (BufferId id : ids) {
    uint32_t g = id.generation();
    Slot* s = p.slots.find(id.slot());
    // As release(): a shared buffer's other holders count off first; the CAS makes the slot ours.
    if (s && g != 0) {
      uint32_t h = s->extra_holders.load(std::memory_order_acquire);
      bool counted_off = false;
      if (h != 0 && s->live_gen.load(std::memory_order_acquire) == g)
        while (h != 0 && !counted_off)
          counted_off = s->extra_holders.compare_exchange_weak(h, h - 1, std::memory_order_acq_rel, std::memory_order_acquire);
      if (counted_off) continue;
    }
    if (g == 0 || !s || !s->live_gen.compare_exchange_strong(g, 0, std::memory_order_acquire, std::memory_order_relaxed)) {
      ++stale_ids;
      continue;
    }
    Buffer& b = s->buf;
    if (b.owner == kHostOwner)
      host_bytes += b.capacity;
    else if (OwnerRecord* o = p.owners.find(b.owner))
      o->credit(b.capacity);
    uint32_t next = id.generation() + 1;
    s->next_gen = next ? next : 1;
    b.size = 0;
    b.frozen = false;
    b.state = BufferState::Pooled;
    if (s->heap) {
      p.release_on_demand(id.slot(), *s);
      continue;
    }
    const int t = static_cast<int>(b.tier);
    if (count && (t != tier || s->reservation != res)) put_back();
    // Each slot goes on top of the run, so the free list ends up in the order releases one by one
    // leave it (the last released is handed out first: its block is the warmest).
    if (count == 0) {
      last = id.slot();
      tier = t;
      res = s->reservation;
    } else {
      s->next.store(first + 1, std::memory_order_relaxed);
    }
    first = id.slot();
    ++count;
  }
  put_back();
  return stale_ids;
}

}  // namespace torvyn::resources

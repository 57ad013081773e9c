#include "torvyn/resources/buffer_pool.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

#include "torvyn/base/short_text.h"

#include "pool_impl.h"

namespace torvyn::resources {

namespace detail {

std::string describe(BufferId id) {
  return "#" + std::to_string(id.slot()) + "/g" + std::to_string(id.generation());
}
Error stale(BufferId id) {
  return Error(ErrorCode::BufferStale, "buffer " + describe(id) + " is unknown or was already released");
}
Error unknown_owner(OwnerId o) {
  return Error(ErrorCode::BufferOwnership, "owner " + std::to_string(o) + " was never registered");
}
Error too_big(uint64_t bytes) {
  return Error(ErrorCode::BufferCapacityExceeded,
               "a buffer of " + std::to_string(bytes) + " bytes exceeds the 16 MiB per-buffer cap");
}
Error frozen(BufferId id) {
  return Error(ErrorCode::BufferFrozen, "buffer " + describe(id) + " is frozen and cannot be changed");
}
Error over_budget(OwnerId id, const OwnerRecord& o, uint64_t more) {
  return Error(ErrorCode::BudgetExceeded,
               "buffer budget of " + std::to_string(o.budget) + " bytes exceeded: '" + o.name + "' (owner " +
                   std::to_string(id) + ") holds " + std::to_string(o.bytes.load(std::memory_order_relaxed)) +
                   " bytes of buffers and needs " + std::to_string(more) + " more");
}
Error exhausted(uint64_t bytes, const char* why) {
  return Error(ErrorCode::PoolExhausted, "cannot allocate a " + std::to_string(bytes) + "-byte buffer: " + why);
}

}  // namespace detail

BufferPool::Impl::Impl(PoolSizes s)
    : sizes(s),
      owners(reservations.find(kNoReservation)),
      host(owners.find(kHostOwner)),
      slots([&] {
        uint64_t n = uint64_t{s.small} + s.medium + s.large;
        if (n > kMaxFixedSlots) throw std::length_error("torvyn: too many pooled buffers configured");
        return static_cast<uint32_t>(n);
      }(),
            std::min<uint64_t>(s.huge_bytes / kPage, kMaxOnDemandSlots)) {
  const uint32_t counts[kFixedTierCount] = {s.small, s.medium, s.large};
  uint32_t first = 0;
  for (int t = 0; t < kFixedTierCount; ++t) {
    TierState& ts = tiers[t];
    ts.total = counts[t];
    uint64_t block = tier_bytes(static_cast<Tier>(t));
    if (ts.total) {
      ts.map_bytes = block * ts.total;
      int flags = MAP_PRIVATE | MAP_ANONYMOUS | (s.prefault ? MAP_POPULATE : 0);
      void* mem = mmap(nullptr, ts.map_bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
      if (mem == MAP_FAILED) throw std::bad_alloc();  // tiers mapped so far unmap themselves
      ts.base = static_cast<uint8_t*>(mem);
      reserved += ts.map_bytes;
    }
    // Push in reverse so the lowest addresses are handed out first.
    for (uint32_t k = ts.total; k-- > 0;) {
      Slot& slot = slots.at(first + k);
      slot.buf.data = ts.base + k * block;
      slot.buf.capacity = block;
      slot.buf.tier = static_cast<Tier>(t);
      ts.free.push(slots, first + k);
    }
    first += ts.total;
  }
}

BufferPool::Impl::~Impl() {
  for (uint32_t i = 0, n = slots.size(); i < n; ++i) {
    Slot& s = slots.at(i);
    if (s.heap) std::free(s.buf.data);  // on-demand buffers still live at teardown
  }
}

BufferPool::BufferPool(PoolSizes sizes) : impl_(std::make_unique<Impl>(sizes)) {}
BufferPool::~BufferPool() = default;

OwnerId BufferPool::register_owner(std::string name, uint64_t byte_budget, ReservationId reservation) {
  Impl& p = *impl_;
  Reservation* r = p.reservations.find(reservation);
  if (!r) r = p.reservations.find(kNoReservation);
  return p.owners.add(std::move(name), byte_budget, r);
}

ReservationId BufferPool::add_reservation(std::string name, TierCounts buffers) {
  Impl& p = *impl_;
  std::lock_guard lock(p.setup_mu);  // serialises the clamping below
  uint32_t granted[kFixedTierCount];
  for (int t = 0; t < kFixedTierCount; ++t) {
    TierState& ts = p.tiers[t];
    uint32_t left = ts.total - ts.reserved.load(std::memory_order_relaxed);
    granted[t] = std::min(buffers[static_cast<size_t>(t)], left);
  }
  ReservationId id = p.reservations.add(std::move(name), granted);
  if (id == kNoReservation) return id;
  for (int t = 0; t < kFixedTierCount; ++t) p.tiers[t].reserved.fetch_add(granted[t], std::memory_order_relaxed);
  return id;
}

ReservationStats BufferPool::reservation_stats(ReservationId id) const {
  ReservationStats st;
  const Reservation* r = impl_->reservations.find(id);
  if (!r) return st;
  st.name = r->name;
  for (size_t t = 0; t < kFixedTierCount; ++t) {
    st.reserved[t] = r->reserved[t];
    st.in_use[t] = r->used[t].load(std::memory_order_relaxed);
  }
  return st;
}

Result<BufferId> BufferPool::allocate(OwnerId owner, uint64_t capacity_hint) {
  auto id = impl_->counted(owner, impl_->allocate<false>(owner, capacity_hint));
  if (id) impl_->slots.at(id->slot()).buf.content_type.clear();  // (release keeps the last one: see there)
  return id;
}

// `owner`'s reservation admits the block and its budget must allow it; `holder` is charged for it
// and holds it: the owner itself (allocate), or the host for a buffer created in transit, which
// then skips charging the component and crediting it again a moment later (create_in_transit).
template <bool kForHost>
inline Result<BufferId> BufferPool::Impl::allocate(OwnerId owner, uint64_t capacity_hint, Slot** slot_out) {
  Impl& p = *this;
  OwnerRecord* o = p.owners.find(owner);
  if (!o) return unknown_owner(owner);
  const OwnerId holder = kForHost ? kHostOwner : owner;
  OwnerRecord* h = kForHost ? p.host : o;
  if (capacity_hint > kMaxBufferBytes) return too_big(capacity_hint);
  Tier t = tier_for(capacity_hint);
  uint64_t want = t == Tier::Huge ? round_up(capacity_hint, kPage) : tier_bytes(t);
  // The owner's budget must allow the block (when the host holds it, the owner's budget is only
  // checked, not charged); the holder is charged.
  constexpr bool checked_only = kForHost;
  if (checked_only && !o->fits(want)) return over_budget(owner, *o, want);
  if (!h->try_charge(want)) return over_budget(holder, *h, want);
  Reservation& res = *o->reservation;
  if (t != Tier::Huge) {
    Tier got;
    uint32_t idx = p.pop_fixed(t, res, &got);
    if (idx != kNoSlot) {
      Slot& s = p.slots.at(idx);
      uint64_t extra = s.buf.capacity - want;  // a larger tier's block stood in
      if (extra) {
        const bool owner_refuses = checked_only && !o->fits(want + extra);
        if (owner_refuses || !h->try_charge(extra)) {
          p.unpop(got, idx, res);
          h->credit(want);
          return owner_refuses ? over_budget(owner, *o, want + extra) : over_budget(holder, *h, want + extra);
        }
      }
      p.note_acquired(got, s);
      if (slot_out) *slot_out = &s;
      return p.hand_out(s, idx, holder, &res);
    }
  }
  auto r = p.allocate_on_demand(want, holder, &res);
  if (!r.ok()) h->credit(want);
  else if (slot_out) *slot_out = &p.slots.at(r->slot());
  return r;
}

Result<BufferId> BufferPool::Impl::allocate_on_demand(uint64_t bytes, OwnerId owner, Reservation* r) {
  uint32_t idx = book_on_demand(bytes);
  if (idx == kNoSlot) return exhausted(bytes, "every pool tier and the on-demand budget (huge_bytes) are spent");
  void* mem = std::malloc(bytes);
  if (!mem) {
    unbook_on_demand(idx, bytes);
    return exhausted(bytes, "the system is out of memory");
  }
  Slot& s = slots.at(idx);  // ours: off every list and not live
  s.buf.data = static_cast<uint8_t*>(mem);
  s.buf.capacity = bytes;
  s.buf.tier = Tier::Huge;
  s.heap = true;
  huge.acquired.fetch_add(1, std::memory_order_relaxed);
  return hand_out(s, idx, owner, r);
}

void BufferPool::Impl::release_on_demand(uint32_t idx, Slot& s) {
  std::free(s.buf.data);
  uint64_t bytes = s.buf.capacity;
  s.buf.data = nullptr;
  s.buf.capacity = 0;
  s.buf.state = BufferState::Freed;
  s.heap = false;
  huge.returned.fetch_add(1, std::memory_order_relaxed);
  unbook_on_demand(idx, bytes);
}

const Buffer* BufferPool::get(BufferId id) const {
  Slot* s = impl_->live(id);
  return s ? &s->buf : nullptr;
}

Status BufferPool::release(BufferId id) {
  Impl& p = *impl_;
  uint32_t g = id.generation();
  Slot* s = p.slots.find(id.slot());
  // Another holder of a shared buffer remains: count this one off. The last holder finds 0.
  if (s && g != 0) {
    uint32_t h = s->extra_holders.load(std::memory_order_acquire);  // 0 unless shared: one load
    if (h != 0 && s->live_gen.load(std::memory_order_acquire) == g)
      while (h != 0)
        if (s->extra_holders.compare_exchange_weak(h, h - 1, std::memory_order_acq_rel, std::memory_order_acquire)) return {};
  }
  // The CAS makes the slot ours: of two racing releases of one id exactly one wins.
  if (g == 0 || !s || !s->live_gen.compare_exchange_strong(g, 0, std::memory_order_acquire, std::memory_order_relaxed))
    return stale(id);
  Buffer& b = s->buf;
  // Buffers in flight between stages are the host's: its record needs no lookup.
  if (OwnerRecord* o = b.owner == kHostOwner ? p.host : p.owners.find(b.owner)) o->credit(b.capacity);
  uint32_t next = id.generation() + 1;
  s->next_gen = next ? next : 1;  // generation 0 is never handed out
  b.size = 0;
  b.frozen = false;
  b.state = BufferState::Pooled;
  // content_type stays: create_in_transit (a flow's outputs, mostly of the type the slot carried
  // last) then only compares; allocate clears it. Not observable: get() refuses a pooled buffer.
  if (s->heap)
    p.release_on_demand(id.slot(), *s);
  else
    p.push_fixed(b.tier, id.slot(), *s->reservation);
  return {};
}

Status BufferPool::share(BufferId id, uint32_t extra) {
  Slot* s = impl_->live(id);
  if (!s) return stale(id);
  uint32_t h = s->extra_holders.load(std::memory_order_relaxed);
  do {
    if (extra > UINT32_MAX - h)
      return Error(ErrorCode::BufferOwnership, "buffer " + describe(id) + " cannot be shared by more than 2^32 holders");
  } while (!s->extra_holders.compare_exchange_weak(h, h + extra, std::memory_order_acq_rel, std::memory_order_relaxed));
  return {};
}

uint32_t BufferPool::extra_holders(BufferId id) const {
  Slot* s = impl_->live(id);
  return s ? s->extra_holders.load(std::memory_order_acquire) : 0;
}

Status BufferPool::transfer(BufferId id, OwnerId to) {
  Impl& p = *impl_;
  Slot* s = p.live(id);
  if (!s) return stale(id);
  OwnerRecord* dst = p.owners.find(to);
  if (!dst) return unknown_owner(to);
  Buffer& b = s->buf;
  if (b.owner == to) return {};
  if (!dst->try_charge(b.capacity)) {
    dst->exceeded.fetch_add(1, std::memory_order_relaxed);
    return over_budget(to, *dst, b.capacity);
  }
  if (OwnerRecord* src = p.owners.find(b.owner)) src->credit(b.capacity);
  b.owner = to;
  s->owner.store(to, std::memory_order_relaxed);
  return {};
}

Status BufferPool::take_in_transit(BufferId id) {
  Slot* s = impl_->live(id);
  if (!s) return stale(id);
  return impl_->to_transit(*s);
}

Result<BufferId> BufferPool::create_in_transit(OwnerId owner, const void* bytes, uint64_t len, std::string_view content_type) {
  Impl& p = *impl_;
  Slot* slot = nullptr;
  auto id = p.counted(owner, p.allocate<true>(owner, len, &slot));  // held (and charged) by the host at once
  if (!id) return id;
  Buffer& b = slot->buf;  // just handed out: live, ours alone, and capacity >= len (allocate sized it)
  if (len) std::memcpy(b.data, bytes, len);
  b.size = len;
  if (!same_short_text(b.content_type, content_type)) b.content_type.assign(content_type);
  b.frozen = true;
  b.state = BufferState::Transit;  // already the host's (allocate<true>): what to_transit would do
  return id;
}

Status BufferPool::Impl::to_transit(Slot& s) {
  Buffer& b = s.buf;
  if (b.owner != kHostOwner) {
    if (!host->try_charge(b.capacity)) {
      host->exceeded.fetch_add(1, std::memory_order_relaxed);
      return over_budget(kHostOwner, *host, b.capacity);
    }
    if (OwnerRecord* src = owners.find(b.owner)) src->credit(b.capacity);
    b.owner = kHostOwner;
    s.owner.store(kHostOwner, std::memory_order_relaxed);
  }
  b.state = BufferState::Transit;
  return {};
}

Status BufferPool::set_state(BufferId id, BufferState state) {
  Slot* s = impl_->live(id);
  if (!s) return stale(id);
  if (state != BufferState::Owned && state != BufferState::Transit)
    return Error(ErrorCode::BufferOwnership, "buffer state '" + std::string(state_name(state)) +
                                                 "' is set by the pool itself (use release)");
  s->buf.state = state;
  return {};
}

Status BufferPool::reserve(BufferId id, uint64_t new_capacity) {
  Slot* s = impl_->live(id);
  if (!s) return stale(id);
  if (s->buf.frozen) return frozen(id);
  if (new_capacity <= s->buf.capacity) return {};
  if (new_capacity > kMaxBufferBytes) return too_big(new_capacity);
  return impl_->counted(s->buf.owner, impl_->grow(*s, new_capacity));
}

// need > capacity, need <= kMaxBufferBytes, the buffer is live, unfrozen and ours.
Status BufferPool::Impl::grow(Slot& s, uint64_t need) {
  Buffer& b = s.buf;
  OwnerRecord& o = *owners.find(b.owner);
  if (s.heap) return grow_on_demand(s, need, o);
  Tier t = tier_for(need);
  uint64_t want = t == Tier::Huge ? round_up(need, kPage) : tier_bytes(t);
  uint64_t cap = b.capacity;
  if (!o.try_charge(want - cap)) return over_budget(b.owner, o, want - cap);
  Reservation& res = *s.reservation;
  if (t != Tier::Huge) {
    Tier got;
    uint32_t idx = pop_fixed(t, res, &got);
    if (idx != kNoSlot) {
      Slot& m = slots.at(idx);  // a free slot: swap its block with ours, then it goes back free
      uint64_t extra = m.buf.capacity - want;
      if (extra && !o.try_charge(extra)) {
        unpop(got, idx, res);
        o.credit(want - cap);
        return over_budget(b.owner, o, want + extra - cap);
      }
      note_acquired(got, m);
      if (b.size) std::memcpy(m.buf.data, b.data, b.size);
      Tier old = b.tier;
      std::swap(b.data, m.buf.data);
      std::swap(b.capacity, m.buf.capacity);
      std::swap(b.tier, m.buf.tier);
      std::swap(s.used, m.used);
      push_fixed(old, idx, res);  // the old block leaves the reservation's count of its tier
      return {};
    }
  }
  Status st = move_on_demand(s, want);
  if (!st.ok()) o.credit(want - cap);
  return st;
}

// Moves a pooled buffer's bytes into `bytes` of on-demand memory; its old block is parked in a
// slot without a block, which then joins the old tier's free list.
Status BufferPool::Impl::move_on_demand(Slot& s, uint64_t bytes) {
  uint32_t idx = book_on_demand(bytes);
  if (idx == kNoSlot) return exhausted(bytes, "every larger pool tier and the on-demand budget (huge_bytes) are spent");
  auto* mem = static_cast<uint8_t*>(std::malloc(bytes));
  if (!mem) {
    unbook_on_demand(idx, bytes);
    return exhausted(bytes, "the system is out of memory");
  }
  Buffer& b = s.buf;
  if (b.size) std::memcpy(mem, b.data, b.size);
  Slot& park = slots.at(idx);
  Tier old = b.tier;
  park.buf.data = b.data;
  park.buf.capacity = b.capacity;
  park.buf.tier = old;
  park.buf.state = BufferState::Pooled;
  park.used = s.used;
  park.heap = false;
  b.data = mem;
  b.capacity = bytes;
  b.tier = Tier::Huge;
  s.heap = true;
  huge.acquired.fetch_add(1, std::memory_order_relaxed);
  push_fixed(old, idx, *s.reservation);
  return {};
}

// On-demand memory grows with realloc: in place when the allocator can (mremap for big blocks).
Status BufferPool::Impl::grow_on_demand(Slot& s, uint64_t need, OwnerRecord& o) {
  Buffer& b = s.buf;
  uint64_t bytes = round_up(need, kPage);
  uint64_t delta = bytes - b.capacity;
  if (!o.try_charge(delta)) return over_budget(b.owner, o, delta);
  {
    std::lock_guard lock(huge.mu);
    uint64_t used = huge.bytes_used.load(std::memory_order_relaxed);
    if (delta > sizes.huge_bytes - used) {
      huge.exhaustion.fetch_add(1, std::memory_order_relaxed);
      o.credit(delta);
      return exhausted(bytes, "the on-demand budget (huge_bytes) is spent");
    }
    huge.bytes_used.store(used + delta, std::memory_order_relaxed);
  }
  void* mem = std::realloc(b.data, bytes);
  if (!mem) {
    unbook_on_demand(kNoSlot, delta);
    o.credit(delta);
    return exhausted(bytes, "the system is out of memory");
  }
  b.data = static_cast<uint8_t*>(mem);
  b.capacity = bytes;
  return {};
}

Status BufferPool::write(BufferId id, uint64_t offset, const void* bytes, uint64_t len) {
  Slot* s = impl_->live(id);
  if (!s) return stale(id);
  return impl_->counted(s->buf.owner, impl_->write(*s, id, offset, bytes, len));
}

Status BufferPool::append(BufferId id, const void* bytes, uint64_t len) {
  Slot* s = impl_->live(id);
  if (!s) return stale(id);
  // The common case, a component filling the buffer it allocated for its output (one append per
  // element): room in the block and not frozen, so none of write()'s growth or errors apply.
  // (size <= capacity <= kMaxBufferBytes, so the room test also bounds the end.)
  Buffer& b = s->buf;
  if (!b.frozen && len <= b.capacity - b.size) [[likely]] {
    if (len) std::memcpy(b.data + b.size, bytes, len);
    b.size += len;
    return {};
  }
  return impl_->counted(b.owner, impl_->write(*s, id, b.size, bytes, len));
}

Status BufferPool::Impl::write(Slot& s, BufferId id, uint64_t offset, const void* bytes, uint64_t len) {
  Buffer& b = s.buf;
  if (b.frozen) return frozen(id);
  if (offset > b.size)
    return Error(ErrorCode::BufferOutOfBounds, "write at offset " + std::to_string(offset) + " of buffer " +
                                                   describe(id) + " starts past its size " + std::to_string(b.size));
  if (len > kMaxBufferBytes - offset) return too_big(offset + len);  // offset <= size <= cap
  uint64_t end = offset + len;
  if (end > b.capacity) {
    // Grow geometrically so appends stay amortised O(1); settle for the exact size if the
    // doubled one does not fit the budgets.
    uint64_t target = std::max(end, std::min(b.capacity * 2, kMaxBufferBytes));
    Status st = grow(s, target);
    if (!st.ok() && target > end &&
        (st.error().code == ErrorCode::PoolExhausted || st.error().code == ErrorCode::BudgetExceeded))
      st = grow(s, end);
    if (!st.ok()) return st;
  }
  if (len) std::memcpy(b.data + offset, bytes, len);
  if (end > b.size) b.size = end;
  return {};
}

Result<uint64_t> BufferPool::read(BufferId id, uint64_t offset, void* out, uint64_t len) const {
  const Slot* s = impl_->live(id);
  if (!s) return stale(id);
  const Buffer& b = s->buf;
  if (offset >= b.size) return uint64_t{0};
  uint64_t n = std::min(len, b.size - offset);
  if (n) std::memcpy(out, b.data + offset, n);
  return n;
}

Status BufferPool::set_content_type(BufferId id, std::string_view content_type) {
  Slot* s = impl_->live(id);
  if (!s) return stale(id);
  if (s->buf.frozen) return frozen(id);
  s->buf.content_type.assign(content_type);
  return {};
}

Status BufferPool::freeze(BufferId id) {
  Slot* s = impl_->live(id);
  if (!s) return stale(id);
  s->buf.frozen = true;
  return {};
}

TierStats BufferPool::stats(Tier t) const {
  const Impl& p = *impl_;
  TierStats st;
  if (t == Tier::Huge) {
    // Read `returned` first: a buffer counted as returned was acquired earlier, so in_use >= 0.
    uint64_t returned = p.huge.returned.load(std::memory_order_relaxed);
    uint64_t acquired = p.huge.acquired.load(std::memory_order_relaxed);
    st.in_use = acquired > returned ? acquired - returned : 0;
    st.total = st.in_use;
    st.exhaustion_events = p.huge.exhaustion.load(std::memory_order_relaxed);
    st.allocations = acquired;
    st.bytes_in_use = p.huge.bytes_used.load(std::memory_order_relaxed);
    st.bytes_limit = p.sizes.huge_bytes;
    return st;
  }
  const TierState& ts = p.tiers[static_cast<int>(t)];
  uint64_t returned = ts.returned.load(std::memory_order_relaxed);
  uint64_t acquired = ts.acquired.load(std::memory_order_relaxed);
  uint64_t first = ts.first_uses.load(std::memory_order_relaxed);
  st.buffer_bytes = tier_bytes(t);
  st.total = ts.total;
  st.in_use = std::min<uint64_t>(acquired > returned ? acquired - returned : 0, ts.total);
  st.available = st.total - st.in_use;
  st.exhaustion_events = ts.exhaustion.load(std::memory_order_relaxed);
  st.allocations = acquired;
  st.reuses = acquired > first ? acquired - first : 0;
  st.bytes_in_use = st.in_use * st.buffer_bytes;
  st.bytes_limit = ts.map_bytes;
  st.reserved = ts.reserved.load(std::memory_order_relaxed);
  return st;
}

uint64_t BufferPool::live_buffers() const {
  uint64_t n = 0;
  for (Tier t : {Tier::Small, Tier::Medium, Tier::Large, Tier::Huge}) n += stats(t).in_use;
  return n;
}

uint64_t BufferPool::owner_bytes(OwnerId owner) const {
  const OwnerRecord* o = impl_->owners.find(owner);
  return o ? o->bytes.load(std::memory_order_relaxed) : 0;
}

uint64_t BufferPool::owner_budget(OwnerId owner) const {
  const OwnerRecord* o = impl_->owners.find(owner);
  return o ? o->budget : 0;
}

uint64_t BufferPool::owner_budget_exceeded(OwnerId owner) const {
  const OwnerRecord* o = impl_->owners.find(owner);
  return o ? o->exceeded.load(std::memory_order_relaxed) : 0;
}

std::string_view BufferPool::owner_name(OwnerId owner) const {
  const OwnerRecord* o = impl_->owners.find(owner);
  return o ? std::string_view(o->name) : std::string_view();
}

uint32_t BufferPool::owner_count() const { return impl_->owners.count(); }

std::vector<BufferId> BufferPool::owned_by(OwnerId owner) const {
  const Impl& p = *impl_;
  std::vector<BufferId> out;
  for (uint32_t i = 0, n = p.slots.size(); i < n; ++i) {
    const Slot& s = p.slots.at(i);
    uint32_t g = s.live_gen.load(std::memory_order_acquire);
    if (g && s.owner.load(std::memory_order_relaxed) == owner) out.push_back(BufferId::make(i, g));
  }
  return out;
}

uint64_t BufferPool::reserved_bytes() const { return impl_->reserved; }

const PoolSizes& BufferPool::sizes() const { return impl_->sizes; }

}  // namespace torvyn::resources

#include "torvyn/resources/copy_ledger.h"

namespace torvyn::resources {

CopyLedger::CopyLedger() : per_owner_(kMaxOwners) {}

void CopyLedger::record(OwnerId component, CopyKind kind, uint64_t bytes, uint64_t copies) {
  const auto k = static_cast<size_t>(kind);
  Counters* c = per_owner_.find(component);
  if (!c) c = per_owner_.ensure(component);  // first record in this owner's chunk
  if (c && component != kHostOwner) [[likely]] {
    // A component's one writer (see the header): a load and a store, no locked instruction.
    c->copies[k].store(c->copies[k].load(std::memory_order_relaxed) + copies, std::memory_order_relaxed);
    c->bytes[k].store(c->bytes[k].load(std::memory_order_relaxed) + bytes, std::memory_order_relaxed);
    return;
  }
  // The host's own copies and owners past the table: any thread may record these.
  if (!c) c = &overflow_;
  c->copies[k].fetch_add(copies, std::memory_order_relaxed);
  c->bytes[k].fetch_add(bytes, std::memory_order_relaxed);
}

CopyLedger::Account CopyLedger::account(OwnerId component) {
  Account a;
  a.ledger_ = this;
  a.owner_ = component;
  if (component != kHostOwner) a.row_ = per_owner_.ensure(component);  // null past the table
  return a;
}

// f(const Counters&) -> uint64_t, summed over every allocated chunk and the overflow bucket.
template <typename F>
uint64_t CopyLedger::sum(F&& f) const {
  uint64_t total = f(overflow_);
  for (size_t c = 0; c < per_owner_.chunk_count(); ++c) {
    const Counters* chunk = per_owner_.chunk(c);
    if (!chunk) continue;
    for (size_t i = 0; i < per_owner_.kChunk; ++i) total += f(chunk[i]);
  }
  return total;
}

namespace {
uint64_t all(const std::atomic<uint64_t> (&a)[kCopyKindCount]) {
  uint64_t s = 0;
  for (const auto& v : a) s += v.load(std::memory_order_relaxed);
  return s;
}
}  // namespace

uint64_t CopyLedger::copies() const {
  return sum([](const Counters& c) { return all(c.copies); });
}
uint64_t CopyLedger::bytes() const {
  return sum([](const Counters& c) { return all(c.bytes); });
}
uint64_t CopyLedger::copies(OwnerId component) const {
  const Counters* c = per_owner_.find(component);
  return c ? all(c->copies) : 0;
}
uint64_t CopyLedger::bytes(OwnerId component) const {
  const Counters* c = per_owner_.find(component);
  return c ? all(c->bytes) : 0;
}
uint64_t CopyLedger::copies(CopyKind kind) const {
  auto k = static_cast<size_t>(kind);
  return sum([k](const Counters& c) { return c.copies[k].load(std::memory_order_relaxed); });
}
uint64_t CopyLedger::bytes(CopyKind kind) const {
  auto k = static_cast<size_t>(kind);
  return sum([k](const Counters& c) { return c.bytes[k].load(std::memory_order_relaxed); });
}

}  // namespace torvyn::resources

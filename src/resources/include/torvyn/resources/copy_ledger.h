// The copy ledger: every payload copy between the host and a component is counted, per component
// and per direction, so `torvyn bench` can show copies per element (source -> processor -> sink is
// exactly 4: source write, processor read, processor write, sink read).
//
// record() is lock-free and allocation-free after a component's first record, on that component's
// own cache line (so flows on different threads never contend). A component's copies are recorded
// only by the thread running it (its host calls and its flow's binding; one thread at a time), so
// its counters take a relaxed load and store, not a locked add: at four copies per element the
// locked adds were ~4 % of a per-element pipeline's time. The host's own copies (kHostOwner) and
// owners past the table may come from any thread and are added atomically. Totals are summed when
// read, which is rare (metrics scrapes, reports), with relaxed loads.
#pragma once

#include <atomic>
#include <cstdint>

#include "torvyn/resources/detail/chunked_array.h"
#include "torvyn/resources/types.h"

namespace torvyn::resources {

// HostToGuest: the host writes payload into guest memory (a component reads a buffer).
// GuestToHost: the host copies guest memory into a buffer (a component writes a buffer).
// HostToHost: a copy inside the host on a component's behalf (clone-into-mutable).
enum class CopyKind : uint8_t { HostToGuest, GuestToHost, HostToHost };
inline constexpr int kCopyKindCount = 3;

class CopyLedger {
  struct Counters;

 public:
  CopyLedger();

  // One component's place in the ledger, found once (when its instance is bound) so that its host
  // calls record a copy with a load and a store each, with no directory lookup and no call: a
  // copy is recorded on every payload crossing, four per element of a source -> processor -> sink.
  // Same rules as record(): the host's own owner and owners past the table go through record().
  class Account {
   public:
    Account() = default;
    void record(CopyKind kind, uint64_t bytes, uint64_t copies = 1) const {
      if (row_) [[likely]] {
        const auto k = static_cast<size_t>(kind);
        row_->copies[k].store(row_->copies[k].load(std::memory_order_relaxed) + copies, std::memory_order_relaxed);
        row_->bytes[k].store(row_->bytes[k].load(std::memory_order_relaxed) + bytes, std::memory_order_relaxed);
      } else if (ledger_) {
        ledger_->record(owner_, kind, bytes, copies);
      }
    }

   private:
    friend class CopyLedger;
    Counters* row_ = nullptr;  // the owner's own counters (one writer); null: through record()
    CopyLedger* ledger_ = nullptr;
    OwnerId owner_ = kHostOwner;
  };
  Account account(OwnerId component);

  // Owners >= kMaxOwners are counted in the totals only. The second form records `copies` copies
  // of `bytes` bytes in all (a batch's, at once: CopyTally).
  void record(OwnerId component, CopyKind kind, uint64_t bytes) { record(component, kind, bytes, 1); }
  void record(OwnerId component, CopyKind kind, uint64_t bytes, uint64_t copies);

  uint64_t copies() const;
  uint64_t bytes() const;
  uint64_t copies(OwnerId component) const;
  uint64_t bytes(OwnerId component) const;
  uint64_t copies(CopyKind kind) const;
  uint64_t bytes(CopyKind kind) const;

 private:
  struct alignas(64) Counters {
    std::atomic<uint64_t> copies[kCopyKindCount];
    std::atomic<uint64_t> bytes[kCopyKindCount];
  };
  template <typename F>
  uint64_t sum(F&& f) const;

  detail::ChunkedArray<Counters, 8> per_owner_;
  Counters overflow_{};  // owners beyond kMaxOwners
};

// The copies of one batch, counted locally and recorded in the ledger in one update when the
// tally goes out of scope (on every path out, so a batch cut short still counts what it copied).
class CopyTally {
 public:
  CopyTally(CopyLedger& ledger, OwnerId component, CopyKind kind) : ledger_(ledger), component_(component), kind_(kind) {}
  CopyTally(const CopyTally&) = delete;
  CopyTally& operator=(const CopyTally&) = delete;
  ~CopyTally() {
    if (copies_) ledger_.record(component_, kind_, bytes_, copies_);
  }
  void add(uint64_t bytes) {
    ++copies_;
    bytes_ += bytes;
  }

 private:
  CopyLedger& ledger_;
  OwnerId component_;
  CopyKind kind_;
  uint64_t copies_ = 0, bytes_ = 0;
};

}  // namespace torvyn::resources

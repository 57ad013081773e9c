#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "torvyn/resources/copy_ledger.h"

namespace torvyn::resources {
namespace {

TEST(CopyLedger, StartsEmpty) {
  CopyLedger ledger;
  EXPECT_EQ(ledger.copies(), 0u);
  EXPECT_EQ(ledger.bytes(), 0u);
  EXPECT_EQ(ledger.copies(OwnerId{3}), 0u);
  EXPECT_EQ(ledger.copies(CopyKind::HostToGuest), 0u);
}

// source -> processor -> sink, 64-byte payload: exactly 4 copies per element.
TEST(CopyLedger, CountsThePipelineCopies) {
  CopyLedger ledger;
  const OwnerId source = 1, processor = 2, sink = 3;
  for (int i = 0; i < 10; ++i) {
    ledger.record(source, CopyKind::GuestToHost, 64);     // source writes its output buffer
    ledger.record(processor, CopyKind::HostToGuest, 64);  // processor reads the input
    ledger.record(processor, CopyKind::GuestToHost, 64);  // processor writes its output
    ledger.record(sink, CopyKind::HostToGuest, 64);       // sink reads
  }
  EXPECT_EQ(ledger.copies(), 40u);
  EXPECT_EQ(ledger.bytes(), 40u * 64);
  EXPECT_EQ(ledger.copies(source), 10u);
  EXPECT_EQ(ledger.copies(processor), 20u);
  EXPECT_EQ(ledger.bytes(processor), 20u * 64);
  EXPECT_EQ(ledger.copies(sink), 10u);
  EXPECT_EQ(ledger.copies(CopyKind::HostToGuest), 20u);
  EXPECT_EQ(ledger.copies(CopyKind::GuestToHost), 20u);
  EXPECT_EQ(ledger.copies(CopyKind::HostToHost), 0u);
  EXPECT_EQ(ledger.bytes(CopyKind::GuestToHost), 20u * 64);
  EXPECT_EQ(ledger.copies(OwnerId{4}), 0u);
}

TEST(CopyLedger, FarApartAndOutOfRangeOwners) {
  CopyLedger ledger;
  ledger.record(kHostOwner, CopyKind::HostToHost, 5);
  ledger.record(kMaxOwners - 1, CopyKind::HostToGuest, 7);
  ledger.record(kMaxOwners + 5, CopyKind::GuestToHost, 11);  // beyond the table: totals only
  EXPECT_EQ(ledger.copies(kHostOwner), 1u);
  EXPECT_EQ(ledger.bytes(kMaxOwners - 1), 7u);
  EXPECT_EQ(ledger.copies(kMaxOwners + 5), 0u);
  EXPECT_EQ(ledger.copies(), 3u);
  EXPECT_EQ(ledger.bytes(), 23u);
  EXPECT_EQ(ledger.copies(CopyKind::GuestToHost), 1u);
}

TEST(CopyLedger, ConcurrentRecordsAreAllCounted) {
  CopyLedger ledger;
  constexpr int kThreads = 4, kIters = 100000;
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < kIters; ++i) {
        ledger.record(static_cast<OwnerId>(t * 300 + (i % 3)), static_cast<CopyKind>(i % 3), 2);
        ledger.record(kHostOwner, CopyKind::HostToHost, 1);  // shared by every thread
      }
    });
  std::thread reader([&] {
    for (int i = 0; i < 50; ++i) (void)ledger.copies();
  });
  for (auto& t : ts) t.join();
  reader.join();
  EXPECT_EQ(ledger.copies(), 2u * kThreads * kIters);
  EXPECT_EQ(ledger.bytes(), 3u * kThreads * kIters);
  EXPECT_EQ(ledger.copies(kHostOwner), uint64_t{kThreads} * kIters + (kIters + 2) / 3);  // thread 0 also uses owner 0
  EXPECT_EQ(ledger.copies(OwnerId{301}), (kIters + 1) / 3);
}

// A batch's copies: one ledger update when the tally ends, the same totals as one record each.
TEST(CopyLedger, TallyRecordsABatchAtOnce) {
  CopyLedger ledger;
  {
    CopyTally tally(ledger, 3, CopyKind::GuestToHost);
    tally.add(64);
    tally.add(10);
    EXPECT_EQ(ledger.copies(), 0u);  // not yet
  }
  EXPECT_EQ(ledger.copies(3), 2u);
  EXPECT_EQ(ledger.bytes(3), 74u);
  EXPECT_EQ(ledger.copies(CopyKind::GuestToHost), 2u);
  { CopyTally empty(ledger, 3, CopyKind::HostToGuest); }  // nothing added: nothing recorded
  EXPECT_EQ(ledger.copies(CopyKind::HostToGuest), 0u);
}

// An account records what record() would, for every kind of owner: a component's own row, the
// host's shared counters (any thread may add to them) and an owner past the table (totals only).
TEST(CopyLedger, AnAccountRecordsWhatRecordWould) {
  CopyLedger by_account, by_record;
  for (OwnerId owner : {OwnerId{7}, kHostOwner, OwnerId{kMaxOwners + 2}}) {
    CopyLedger::Account a = by_account.account(owner);
    a.record(CopyKind::HostToGuest, 64);
    a.record(CopyKind::GuestToHost, 10, 3);
    by_record.record(owner, CopyKind::HostToGuest, 64);
    by_record.record(owner, CopyKind::GuestToHost, 10, 3);
    EXPECT_EQ(by_account.copies(owner), by_record.copies(owner));
    EXPECT_EQ(by_account.bytes(owner), by_record.bytes(owner));
  }
  EXPECT_EQ(by_account.copies(OwnerId{7}), 4u);
  EXPECT_EQ(by_account.copies(), 12u);
  EXPECT_EQ(by_account.bytes(), 3u * 74);
  EXPECT_EQ(by_account.copies(CopyKind::GuestToHost), by_record.copies(CopyKind::GuestToHost));
  CopyLedger::Account unset;  // belongs to no ledger: records nothing, and does not crash
  unset.record(CopyKind::HostToHost, 1);
}

}  // namespace
}  // namespace torvyn::resources

// The batch forms (torvyn:batching, docs/batching.md) on real components built by the SDK, on both
// engines: ComponentNode's batch calls give the same output bytes, sequences, content types,
// per-element errors and copy counts as its per-element calls on the same inputs; large batches
// are cut; fuel is scaled; the pool refusing a source's output loses nothing; and a hostile guest's
// malformed batch result fails the call like a trap, never the host, never leaking a buffer.
#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "node_fixture.h"

namespace torvyn::streaming {
namespace {

using namespace test_fixture;

TEST_P(Batch, ProcessorGivesTheSameOutputAndCopiesAsPerElement) {
  auto single = node(sdk("uppercase"), "single");
  auto batched = node(sdk("uppercase"), "batched");
  ASSERT_TRUE(single && batched);
  ASSERT_TRUE(batched->has_batch_form());
  EXPECT_EQ(batched->max_batch(), 64u);
  std::vector<std::string> texts, types;
  mixed(texts, types);
  auto in = inputs(texts, types);
  size_t calls = 0;
  auto a = process_each(*single, in);
  auto b = process_batched(*batched, in, 64, &calls);
  ASSERT_EQ(a.size(), in.size());
  EXPECT_EQ(a, b);
  EXPECT_EQ(b[1].out->bytes, "ABC-1");
  EXPECT_EQ(calls, 3u);  // 64 + 64 + 22
  // One read into the guest and one write out of it per non-empty element, in both forms.
  uint64_t non_empty = 0, bytes = 0;
  for (const auto& t : texts) non_empty += !t.empty(), bytes += 2 * t.size();
  EXPECT_EQ(ledger.copies(owners["single"]), 2 * non_empty);
  EXPECT_EQ(ledger.copies(owners["batched"]), 2 * non_empty);
  EXPECT_EQ(ledger.bytes(owners["single"]), bytes);
  EXPECT_EQ(ledger.bytes(owners["batched"]), bytes);
  EXPECT_EQ(pool.live_buffers(), in.size());  // the inputs only: every output was taken and released
}

// The SDK builds each output batch in the blocks of the one before (they are the guest's again once
// the export is entered anew). Batches that grow, shrink to a few bytes, carry only empty payloads
// and grow past the kept size again must each come out exactly as per element.
TEST_P(Batch, OutputBatchesOfChangingShapeReuseNothingStale) {
  auto single = node(sdk("uppercase"), "single");
  auto batched = node(sdk("uppercase"), "batched");
  ASSERT_TRUE(single && batched);
  std::vector<std::string> texts, types;
  auto add = [&](size_t n, size_t len, char c, const char* type) {
    for (size_t i = 0; i < n; ++i) {
      texts.push_back(std::string(len, c) + std::to_string(texts.size()));
      if (len == 0) texts.back().clear();
      types.push_back(type);
    }
  };
  add(64, 300, 'a', "text/plain");      // grows the payload block to ~20 KiB
  add(3, 2, 'b', "text/x-small");        // a short batch in the big block
  add(64, 0, 'c', "");                   // metas but no payload bytes
  add(64, 20000, 'd', "text/plain");    // > 1 MiB: not kept for the next batch
  add(5, 7, 'e', "text/x-after");
  auto in = inputs(texts, types);
  auto a = process_each(*single, in);
  std::vector<Result1> b;
  size_t at = 0;
  for (size_t n : {64, 3, 64, 64, 5}) {
    auto part = process_batched(*batched, std::span(in).subspan(at, n), n);
    b.insert(b.end(), part.begin(), part.end());
    at += n;
  }
  ASSERT_EQ(a.size(), in.size());
  ASSERT_EQ(b.size(), in.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << "element " << i;
  EXPECT_EQ(pool.live_buffers(), in.size());
}

// The SDK interns the content types it copies (torvyn_intern: 32 texts in 2 KiB). More distinct
// types than that, and long ones, fall back to owned copies: every element must still carry its
// own type out, in both forms.
TEST_P(Batch, ContentTypesPastTheSdksInternTableStayExact) {
  auto single = node(sdk("uppercase"), "single");
  auto batched = node(sdk("uppercase"), "batched");
  ASSERT_TRUE(single && batched);
  std::vector<std::string> texts, types;
  for (int i = 0; i < 200; ++i) {
    texts.push_back("t" + std::to_string(i));
    // 60 distinct types, some 600 bytes long, each coming back now and then
    std::string t = "application/x-kind-" + std::to_string(i % 60);
    if (i % 60 % 7 == 0) t += "+" + std::string(600, char('a' + i % 26));
    types.push_back(t);
  }
  auto in = inputs(texts, types);
  auto a = process_each(*single, in);
  auto b = process_batched(*batched, in, 64);
  ASSERT_EQ(a.size(), in.size());
  ASSERT_EQ(b.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    ASSERT_TRUE(a[i].out && b[i].out) << "element " << i;
    EXPECT_EQ(a[i].out->content_type, types[i]) << "element " << i;
    EXPECT_EQ(b[i], a[i]) << "element " << i;
  }
}

// make_buffer in a batch writes the bytes straight into the output batch (staging). juggler keeps
// buffers across elements and batches, drops some unused and emits others out of the order it
// made them: every such order must give the per-element form's outputs.
TEST_P(Batch, BuffersKeptAndEmittedOutOfOrderGiveTheSameOutput) {
  auto single = node(own("juggler"), "single");
  auto batched = node(own("juggler"), "batched");
  ASSERT_TRUE(single && batched);
  ASSERT_TRUE(batched->has_batch_form());
  std::vector<std::string> texts, types;
  mixed(texts, types);
  auto in = inputs(texts, types);
  for (size_t max : {size_t{64}, size_t{5}}) {  // batch ends land on every phase of the pattern
    auto a = process_each(*single, in);
    auto b = process_batched(*batched, in, max);
    ASSERT_EQ(a.size(), in.size());
    ASSERT_EQ(b.size(), in.size()) << "max_batch " << max;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i] != b[i]) {
        ADD_FAILURE() << "max_batch " << max << ", element " << i << ": " << a[i] << " per element, " << b[i] << " batched";
        break;
      }
    size_t emitted = 0;
    for (const auto& r : b) emitted += r.out.has_value();
    EXPECT_GT(emitted, in.size() / 2);
  }
  // (Copy counts differ here by design: per element, the dropped scratch buffers were host
  // buffers, written by a copy; in a batch they never leave the guest.)
  // The inputs, and the one buffer the per-element instance keeps in the pool (the batched one
  // keeps its in its own memory).
  EXPECT_EQ(pool.live_buffers(), in.size() + 1);
}

// build_buffer writes each output in place: straight into the output batch in a batch, through a
// scratch block per element; both give the same outputs, also when built buffers are kept past
// younger ones and mixed with make_buffer's staged ones.
TEST_P(Batch, BuffersBuiltInPlaceGiveTheSameOutput) {
  auto single = node(own("builder"), "single");
  auto batched = node(own("builder"), "batched");
  ASSERT_TRUE(single && batched);
  std::vector<std::string> texts, types;
  for (int i = 0; i < 150; ++i) {
    texts.push_back(i % 7 == 3 ? "keep" : i % 11 == 5 ? "both" : i % 13 == 0 ? "" : "line " + std::to_string(i) + " of the stream");
    types.push_back(i % 5 == 2 ? "application/x-odd" : "text/plain");
  }
  auto in = inputs(texts, types);
  for (size_t max : {size_t{64}, size_t{6}}) {
    auto a = process_each(*single, in);
    auto b = process_batched(*batched, in, max);
    ASSERT_EQ(a.size(), in.size());
    ASSERT_EQ(b.size(), in.size()) << "max_batch " << max;
    EXPECT_EQ(a, b) << "max_batch " << max;
  }
  auto sample = process_each(*single, std::span(in).subspan(1, 1));
  ASSERT_TRUE(sample[0].out.has_value());
  EXPECT_EQ(sample[0].out->bytes, "LINE 1 OF THE STREAM");
}

// Making another buffer while one is being built traps, in both forms (in a batch it would stage
// over the bytes being written).
TEST_P(Batch, MakingABufferWhileOneIsBuiltTraps) {
  auto single = node(own("builder"), "single");
  auto batched = node(own("builder"), "batched");
  ASSERT_TRUE(single && batched);
  auto in = inputs({"fine", "make-inside", "fine"}, {"text/plain", "text/plain", "text/plain"});
  auto a = process_each(*single, std::span(in).subspan(0, 2));
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].status, "");
  EXPECT_NE(a[1].status.find("trap"), std::string::npos) << a[1].status;
  std::vector<reactor::BatchOutcome> outcomes(in.size());
  size_t completed = 0;
  reactor::CallStatus st = batched->process_batch(in, outcomes, completed);
  EXPECT_FALSE(st);
  EXPECT_NE(st.describe().find("trap"), std::string::npos) << st.describe();
  EXPECT_EQ(completed, 0u);
}

// A payload kept past its element's call is stale in both forms: the host ends the borrow after
// a per-element call; in a batch the SDK's input handle changes with every element.
TEST_P(Batch, AnEarlierElementsPayloadIsStale) {
  auto single = node(own("builder"), "single");
  auto batched = node(own("builder"), "batched");
  ASSERT_TRUE(single && batched);
  auto in = inputs({"fine", "stale", "fine"}, {"text/plain", "text/plain", "text/plain"});
  auto a = process_each(*single, std::span(in).subspan(0, 2));
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].status, "");
  EXPECT_NE(a[1].status.find("trap"), std::string::npos) << a[1].status;
  std::vector<reactor::BatchOutcome> outcomes(in.size());
  size_t completed = 0;
  reactor::CallStatus st = batched->process_batch(in, outcomes, completed);
  EXPECT_FALSE(st);
  EXPECT_NE(st.describe().find("trap"), std::string::npos) << st.describe();
  EXPECT_EQ(completed, 0u);
}

TEST_P(Batch, CApiProcessorWithCloneIntoMutableGivesTheSameOutput) {
  // retag_c clones the input (clone-into-mutable), re-tags it and drops empty payloads. In a batch
  // the clone is served from the batch's bytes (no host copy); the output is the same.
  auto single = node(sdk("retag_c"), "single");
  auto batched = node(sdk("retag_c"), "batched");
  ASSERT_TRUE(single && batched);
  ASSERT_TRUE(bool(single->init("application/x-retagged")) && bool(batched->init("application/x-retagged")));
  std::vector<std::string> texts, types;
  mixed(texts, types);
  auto in = inputs(texts, types);
  EXPECT_EQ(process_each(*single, in), process_batched(*batched, in));
}

TEST_P(Batch, ErrorsBelongToTheirElementAndAFatalOneEndsTheBatch) {
  auto single = node(own("picky"), "single");
  auto batched = node(own("picky"), "batched");
  ASSERT_TRUE(single && batched);
  std::vector<std::string> texts = {"a", "drop", "err-x", "b", "fatal", "c"};
  auto in = inputs(texts, std::vector<std::string>(texts.size(), "text/plain"));
  auto a = process_each(*single, std::span(in).first(5));
  std::vector<reactor::BatchOutcome> outcomes(in.size());
  size_t completed = 0;
  reactor::CallStatus st = batched->process_batch(in, outcomes, completed);
  ASSERT_TRUE(st) << st.describe();
  ASSERT_EQ(completed, 5u);  // "c" was not processed: it is still the driver's
  std::vector<Result1> b;
  for (size_t i = 0; i < completed; ++i)
    b.push_back({describe(outcomes[i].status), outcomes[i].out ? std::optional<Out>(take(*outcomes[i].out)) : std::nullopt});
  EXPECT_EQ(a, b);
  EXPECT_EQ(b[2].status, "invalid-input: rejected err-x");
  EXPECT_EQ(b[4].status, "fatal: stop");
  EXPECT_EQ(b[3].out->bytes, "B");
  EXPECT_EQ(b[3].out->content_type, "text/upper");
  EXPECT_FALSE(b[1].out);
  EXPECT_EQ(pool.live_buffers(), in.size());
}

TEST_P(Batch, AnOutputTheBudgetRefusesFailsThatElementLikePerElement) {
  auto single = node(own("picky"), "single", 8192);
  auto batched = node(own("picky"), "batched", 8192);
  ASSERT_TRUE(single && batched);
  std::vector<std::string> texts = {"a", std::string(10000, 'b'), "c"};
  auto in = inputs(texts, std::vector<std::string>(texts.size(), "text/plain"));
  auto a = process_each(*single, in);
  auto b = process_batched(*batched, in);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].out->bytes, "A");
  EXPECT_EQ(b[2].out->bytes, "C");
  EXPECT_EQ(b[1].status.rfind("unavailable: ", 0), 0u) << b[1].status;
  EXPECT_NE(b[1].status.find("budget"), std::string::npos) << b[1].status;
  EXPECT_EQ(a[1].status.rfind("unavailable: ", 0), 0u) << a[1].status;
  a[1].status = b[1].status = "";  // the messages name the owner, which differs
  EXPECT_EQ(a, b);
}

TEST_P(Batch, LargePayloadsCutTheBatch) {
  auto batched = node(own("picky"), "batched");
  ASSERT_TRUE(batched);
  std::vector<std::string> texts(3, std::string(600000, 'z'));
  auto in = inputs(texts, std::vector<std::string>(3, "text/plain"));
  size_t calls = 0;
  auto b = process_batched(*batched, in, 64, &calls);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(calls, 3u);  // 1.2 MB would pass kMaxBatchPayloadBytes: one element per call
  for (const auto& r : b) EXPECT_EQ(r.out->bytes, std::string(600000, 'Z'));
}

TEST_P(Batch, MaxBatchOneMeansPerElement) {
  auto batched = node(sdk("uppercase"), "batched");
  ASSERT_TRUE(batched);
  batched->set_batch_limits({1, 0, {}});
  EXPECT_EQ(batched->max_batch(), 1u);
  auto in = inputs({"x", "y"}, {"text/plain", "text/plain"});
  auto b = process_batched(*batched, in);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1].out->bytes, "Y");
  batched->set_batch_limits({100000, 0, {}});
  EXPECT_EQ(batched->max_batch(), kMaxBatch);
}

TEST_P(Batch, FuelIsScaledToTheBatch) {
  auto n = node(sdk("uppercase"), "batched");
  ASSERT_TRUE(n);
  std::vector<std::string> texts(64, "payload of a few bytes");
  auto in = inputs(texts, std::vector<std::string>(64, "text/plain"));
  wasm::Store& store = n->instance().store();
  store.set_fuel_per_invocation(1'000'000'000);
  std::optional<reactor::OutElement> one;
  for (int warm = 0; warm < 2; ++warm) {  // the first call also runs the guest's static constructors
    ASSERT_TRUE(bool(n->process(in[0], one)));
    (void)take(*one);
  }
  const uint64_t per_element = store.fuel_consumed();
  ASSERT_GT(per_element, 0u);
  // Per element: twice what one element needs. A batch of 64 gets 64 times that.
  store.set_fuel_per_invocation(2 * per_element);
  n->set_batch_limits({64, 2 * per_element, {}});
  auto b = process_batched(*n, std::span(in).subspan(1));
  ASSERT_EQ(b.size(), 63u);
  EXPECT_GT(store.fuel_consumed(), 2 * per_element);  // the batch needed more than one element's budget
  ASSERT_TRUE(bool(n->process(in[0], one)));  // and the per-element budget is back
  (void)take(*one);
}

TEST_P(Batch, SourceGivesTheSameElementsAsPerElement) {
  auto single = node(sdk("counter_source"), "single");
  auto batched = node(sdk("counter_source"), "batched");
  ASSERT_TRUE(single && batched);
  ASSERT_TRUE(bool(single->init("count=150")) && bool(batched->init("count=150")));
  std::vector<Out> a, b;
  for (;;) {
    std::optional<reactor::OutElement> o;
    ASSERT_TRUE(bool(single->pull(o)));
    if (!o) break;
    a.push_back(take(*o));
  }
  size_t calls = 0;
  for (bool done = false; !done;) {
    std::vector<reactor::OutElement> out;
    reactor::CallStatus st = batched->pull_batch(64, out, done);
    ASSERT_TRUE(st) << st.describe();
    ASSERT_LE(out.size(), 64u);
    ++calls;
    for (auto& o : out) b.push_back(take(o));
  }
  EXPECT_EQ(a.size(), 150u);
  EXPECT_EQ(a, b);
  EXPECT_EQ(calls, 3u);
  EXPECT_EQ(ledger.copies(owners["single"]), 150u);
  EXPECT_EQ(ledger.copies(owners["batched"]), 150u);
  EXPECT_EQ(ledger.bytes(owners["single"]), ledger.bytes(owners["batched"]));
}

TEST_P(Batch, SourceTellsNothingNowFromDone) {
  auto batched = node(sdk("counter_source"), "batched");
  ASSERT_TRUE(batched && bool(batched->init("count=3")));
  std::vector<reactor::OutElement> out;
  bool done = true;
  ASSERT_TRUE(bool(batched->notify_backpressure(true)));
  reactor::CallStatus st = batched->pull_batch(64, out, done);  // a paused source: nothing now, and why
  EXPECT_EQ(st.describe(), "unavailable: paused");
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(done);
  ASSERT_TRUE(bool(batched->notify_backpressure(false)));
  ASSERT_TRUE(bool(batched->pull_batch(2, out, done)));
  EXPECT_EQ(out.size(), 2u);
  EXPECT_FALSE(done);
  ASSERT_TRUE(bool(batched->pull_batch(2, out, done)));
  EXPECT_EQ(out.size(), 3u);
  EXPECT_TRUE(done);
  for (auto& o : out) (void)take(o);
}

TEST_P(Batch, ASourceOutputThePoolRefusesIsKeptForTheNextCall) {
  // A pool of two buffers: the guest produces six elements in one call; the host hands over what
  // the pool takes and keeps the rest until there is room, in order, none lost.
  resources::BufferPool tiny{resources::PoolSizes{2, 0, 0, 0, false}};
  resources::CopyLedger tiny_ledger;
  StreamingHost tiny_host{tiny, tiny_ledger};
  component::Linker tiny_linker;
  tiny_host.define(tiny_linker);
  auto n = node(sdk("counter_source"), "batched", 0, &tiny_host, &tiny_linker, &tiny);
  ASSERT_TRUE(n && bool(n->init("count=6")));
  std::vector<uint64_t> seen;
  bool done = false;
  int failures = 0;
  for (int call = 0; call < 10 && !done; ++call) {
    std::vector<reactor::OutElement> out;
    reactor::CallStatus st = n->pull_batch(64, out, done);
    if (!st) {
      ++failures;
      EXPECT_EQ(st.kind, reactor::FailKind::Unavailable) << st.describe();
    }
    for (auto& o : out) seen.push_back(take(o, &tiny).sequence);
  }
  EXPECT_TRUE(done);
  EXPECT_EQ(seen, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(failures, 2);
  EXPECT_EQ(tiny_ledger.copies(), 6u);  // each element's copy out of the guest, counted once
  EXPECT_EQ(tiny.live_buffers(), 0u);
}

TEST_P(Batch, SinkConsumesTheSameAsPerElement) {
  auto single = node(sdk("collect_sink"), "single");
  auto batched = node(sdk("collect_sink"), "batched");
  ASSERT_TRUE(single && batched);
  std::vector<std::string> texts, types;
  for (int i = 0; i < 150; ++i) {
    texts.push_back(i % 13 == 0 ? "" : "line " + std::to_string(i));
    types.push_back(i % 9 == 4 ? "application/json" : "text/plain");  // rejected by the sink
  }
  size_t accepted = 0;
  for (const auto& t : types) accepted += t == "text/plain";
  std::string config = "expect=" + std::to_string(accepted) + ",pause-every=7";
  ASSERT_TRUE(bool(single->init(config)) && bool(batched->init(config)));
  auto in = inputs(texts, types);
  size_t pauses = 0, batch_pauses = 0;
  std::vector<std::string> a = push_each(*single, in, &pauses);
  std::vector<std::string> b = push_batched(*batched, in, &batch_pauses);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a[4], "invalid-input: sink accepts text/* only");
  EXPECT_GT(pauses, 0u);
  EXPECT_EQ(batch_pauses, 3u);  // each batch asked for a pause after it
  EXPECT_TRUE(bool(single->complete()));
  EXPECT_TRUE(bool(batched->complete()));  // expect= matched: every accepted element arrived
  // Every element the sink read cost one copy in both forms. The sink rejects JSON before reading
  // it, so per element those payloads never crossed; in a batch every payload crosses once, read
  // or not, and the ledger counts what really crossed (docs/batching.md, "Copies").
  uint64_t unread = 0, unread_bytes = 0;
  for (size_t i = 0; i < texts.size(); ++i)
    if (types[i] != "text/plain" && !texts[i].empty()) ++unread, unread_bytes += texts[i].size();
  EXPECT_EQ(ledger.copies(owners["batched"]), ledger.copies(owners["single"]) + unread);
  EXPECT_EQ(ledger.bytes(owners["batched"]), ledger.bytes(owners["single"]) + unread_bytes);
}

// BufferRef::view() reads a batch's payload where the batch brought it (no copy) and per element
// through read-all; the sink checks each view against a read-all and fails the element otherwise.
TEST_P(Batch, ASinkReadingThroughViewsSeesTheSameBytesBothWays) {
  auto single = node(sdk("collect_sink"), "single");
  auto batched = node(sdk("collect_sink"), "batched");
  ASSERT_TRUE(single && batched);
  std::vector<std::string> texts, types;
  for (int i = 0; i < 200; ++i) {
    texts.push_back(i % 17 == 0 ? "" : "line " + std::to_string(i) + std::string(size_t(i % 50), char('a' + i % 26)));
    types.push_back("text/plain");
  }
  std::string config = "view,expect=" + std::to_string(texts.size());
  ASSERT_TRUE(bool(single->init(config)) && bool(batched->init(config)));
  auto in = inputs(texts, types);
  const std::vector<std::string> ok(in.size(), "");
  EXPECT_EQ(push_each(*single, in), ok);  // "" is ok; a mismatch names the element's failure
  EXPECT_EQ(push_batched(*batched, in), ok);
  EXPECT_TRUE(bool(single->complete()));
  EXPECT_TRUE(bool(batched->complete()));
}

TEST_P(Batch, SourceProcessorSinkInBatchesCopiesFourTimesPerElement) {
  // The driver's part, by hand: every stage called through its batch form, 64 at a time.
  auto src = node(sdk("counter_source"), "source");
  auto proc = node(sdk("uppercase"), "upper");
  auto sink = node(sdk("collect_sink"), "sink");
  ASSERT_TRUE(src && proc && sink);
  ASSERT_TRUE(bool(src->init("count=200")) && bool(sink->init("expect=200")));
  size_t delivered = 0;
  for (bool done = false; !done;) {
    std::vector<reactor::OutElement> pulled;
    ASSERT_TRUE(bool(src->pull_batch(64, pulled, done)));
    std::vector<reactor::InElement> in;
    for (const auto& o : pulled) in.push_back({o.sequence, o.timestamp_ns, o.content_type.view(), o.payload, 0, {}});
    std::vector<reactor::BatchOutcome> processed(in.size());
    size_t completed = 0;
    ASSERT_TRUE(bool(proc->process_batch(in, processed, completed)));
    ASSERT_EQ(completed, in.size());
    for (const auto& o : pulled) (void)pool.release(o.payload);
    std::vector<reactor::InElement> next;
    for (const auto& o : processed) next.push_back({o.out->sequence, o.out->timestamp_ns, o.out->content_type.view(), o.out->payload, 0, {}});
    std::vector<reactor::BatchOutcome> pushed(next.size());
    bool pause = false;
    ASSERT_TRUE(bool(sink->push_batch(next, pushed, completed, pause)));
    ASSERT_EQ(completed, next.size());
    for (const auto& o : processed) (void)pool.release(o.out->payload);
    delivered += completed;
  }
  EXPECT_EQ(delivered, 200u);
  EXPECT_TRUE(bool(sink->complete()));
  // source write, processor read, processor write, sink read.
  EXPECT_EQ(ledger.copies(), 800u);
  EXPECT_EQ(ledger.copies(resources::CopyKind::GuestToHost), 400u);
  EXPECT_EQ(ledger.copies(resources::CopyKind::HostToGuest), 400u);
  EXPECT_EQ(pool.live_buffers(), 0u);
}

// ---- hostile guests ----

struct Hostile {
  const char* mode;
  const char* message;  // part of the trap's message
};

TEST_P(Batch, HostileProcessorResultsFailTheCallAndLeakNothing) {
  const Hostile cases[] = {
      {"ends-out-of-range", "batch element 0 ends at byte 5, outside [0, 2]"},
      {"ends-decreasing", "batch element 1 ends at byte 1, outside [3, 3]"},
      {"more-emits", "the output batch has 1 elements but the outcomes emit 2"},
      {"fewer-emits", "the output batch has 0 elements but the outcomes emit 1"},
      {"ct-index", "batch element 0 names content type 5 of 1"},
      {"huge-outcomes", "process-batch's outcomes has 1000000 entries; at most 3 are allowed here"},
      {"bad-outcome-tag", "element-outcome discriminant 7 is out of range"},
      {"payload-mismatch", "the batch's payloads hold 10 bytes but its elements end at 2"},
      {"bad-utf8-ct", "not valid UTF-8"},
      {"too-long-ct", "content type of 2000 bytes is longer than the limit of 1024 bytes"},
      {"wild-outcomes", "outside linear memory"},
      {"bad-result-tag", "result discriminant 9 is out of range"},
      {"keep-context", "still holding 1 borrowed handle"},  // after the outputs were made: released
  };
  for (const Hostile& h : cases) {
    SCOPED_TRACE(h.mode);
    auto n = node(own("hostile_processor"), std::string("hostile-") + h.mode);
    ASSERT_TRUE(n && n->has_batch_form());
    auto in = inputs({h.mode, "x", "y"}, {"text/plain", "text/plain", "text/plain"});
    const uint64_t live = pool.live_buffers();
    std::vector<reactor::BatchOutcome> outcomes(in.size());
    size_t completed = 7;
    reactor::CallStatus st = n->process_batch(in, outcomes, completed);
    EXPECT_EQ(st.kind, reactor::FailKind::Trap) << st.describe();
    EXPECT_NE(st.message.find(h.message), std::string::npos) << st.message;
    EXPECT_EQ(completed, 0u);
    for (const auto& o : outcomes) EXPECT_FALSE(o.out);
    EXPECT_EQ(pool.live_buffers(), live);
    EXPECT_TRUE(n->instance().poisoned());
  }
}

TEST_P(Batch, AGuestsWholeCallErrorIsNotATrap) {
  auto n = node(own("hostile_processor"), "hostile");
  ASSERT_TRUE(n);
  auto in = inputs({"result-err", "x"}, {"text/plain", "text/plain"});
  std::vector<reactor::BatchOutcome> outcomes(in.size());
  size_t completed = 7;
  reactor::CallStatus st = n->process_batch(in, outcomes, completed);
  EXPECT_EQ(st.describe(), "unavailable: whole batch");
  EXPECT_EQ(completed, 0u);
  EXPECT_FALSE(n->instance().poisoned());
}

TEST_P(Batch, HostileSourceAndSinkResultsFailTheCall) {
  for (const Hostile& h : {Hostile{"too-many", "the batch's metas has 4 entries; at most 3 are allowed here"},
                           Hostile{"bad-end", "pull-end discriminant 5 is out of range"}}) {
    SCOPED_TRACE(h.mode);
    auto n = node(own("hostile_source"), std::string("src-") + h.mode);
    ASSERT_TRUE(n && n->has_batch_form() && bool(n->init(h.mode)));
    std::vector<reactor::OutElement> out;
    bool done = false;
    reactor::CallStatus st = n->pull_batch(3, out, done);
    EXPECT_EQ(st.kind, reactor::FailKind::Trap) << st.describe();
    EXPECT_NE(st.message.find(h.message), std::string::npos) << st.message;
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(pool.live_buffers(), 0u);
  }
  {
    // Valid: two elements, then the failure that followed them (the driver gets both).
    auto n = node(own("hostile_source"), "src-then-failed");
    ASSERT_TRUE(n && bool(n->init("then-failed")));
    std::vector<reactor::OutElement> out;
    bool done = false;
    reactor::CallStatus st = n->pull_batch(3, out, done);
    EXPECT_EQ(st.describe(), "unavailable: later");
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(take(out[0]).sequence, 100u);
    EXPECT_EQ(take(out[1]).bytes, "b");
    EXPECT_FALSE(done);
  }
  for (const Hostile& h : {Hostile{"too-many-results", "push-batch's outcomes has 4 entries; at most 3 are allowed here"},
                           Hostile{"bad-signal", "backpressure-signal discriminant out of range"},
                           Hostile{"bad-result-tag", "result discriminant 4 is out of range"}}) {
    SCOPED_TRACE(h.mode);
    auto n = node(own("hostile_sink"), std::string("sink-") + h.mode);
    ASSERT_TRUE(n && n->has_batch_form() && bool(n->init(h.mode)));
    auto in = inputs({"a", "b", "c"}, {"text/plain", "text/plain", "text/plain"});
    std::vector<reactor::BatchOutcome> outcomes(in.size());
    size_t completed = 7;
    bool pause = true;
    reactor::CallStatus st = n->push_batch(in, outcomes, completed, pause);
    EXPECT_EQ(st.kind, reactor::FailKind::Trap) << st.describe();
    EXPECT_NE(st.message.find(h.message), std::string::npos) << st.message;
    EXPECT_EQ(completed, 0u);
    EXPECT_FALSE(pause);
  }
}

TEST_P(Batch, ComponentsWithoutABatchFormUsePerElementCalls) {
  auto n = node(sdk("broken_trap"), "per-element-only");  // raw C: exports `process` only
  ASSERT_TRUE(n);
  EXPECT_FALSE(n->has_batch_form());
  EXPECT_EQ(n->max_batch(), 1u);
  auto f = node(sdk("contains_filter"), "filter");  // filters have no batch form
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->has_batch_form());
}

TORVYN_INSTANTIATE_ON_ENGINES(Batch);

}  // namespace
}  // namespace torvyn::streaming

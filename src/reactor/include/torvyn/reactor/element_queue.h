// A bounded queue of elements on one stream (edge) of a flow. A flow runs on one thread, so the
// queue is a plain ring; what makes it a stream is its accounting: credit (free slots),
// backpressure on at 100 % and off at the low watermark, and the statistics operators read.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <vector>

#include "torvyn/base/stats.h"
#include "torvyn/resources/types.h"

namespace torvyn::reactor {

// An element in flight between two stages. Queues hold handles, never payload bytes.
struct Element {
  uint64_t sequence = 0;
  uint64_t timestamp_ns = 0;  // assigned by the runtime at the source (Unix epoch ns)
  uint64_t origin_ns = 0;     // monotonic time it left its source (end-to-end latency)
  resources::BufferId payload;
  uint32_t content_type = 0;  // interned in the flow's content-type table
  uint32_t trace = 0;         // the element's in-flight trace (FlowTrace slot); 0 = not traced
  uint32_t lineage = 0;       // the acknowledging source messages it derives from (Flow lineage slot); 0 = none
  uint64_t emitted_ns = 0;    // tracing only: when its producer handed it on (flow time base)
  uint64_t queued_ns = 0;     // tracing only: when it entered its queue (later when backpressured)
};

struct QueueStats {
  Counter depth;                  // stream.queue.current_depth
  Counter peak_depth;
  Counter dropped;
  Counter backpressure_events;    // times the queue became full
  Counter backpressure_ns;        // stream.backpressure.duration_ns (completed episodes)
};

// Every operation is a handful of instructions (issue 12: <= 10 ns): the capacity is kept as a
// number rather than derived from the ring (a vector's size() divides by the element size), and
// a batch is read in place (at()) and then dropped from the front, not copied out.
class ElementQueue {
 public:
  ElementQueue(uint32_t capacity, double low_watermark_ratio)
      : ring_(std::bit_ceil(std::max<uint32_t>(capacity, 1))),
        mask_(static_cast<uint32_t>(ring_.size()) - 1),
        cap_(capacity),
        low_mark_(static_cast<uint32_t>(capacity * low_watermark_ratio)) {}

  uint32_t capacity() const { return cap_; }
  uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == cap_; }
  uint32_t credit() const { return cap_ - size_; }
  bool backpressured() const { return backpressure_; }

  // Returns true when this push turned backpressure on.
  bool push(const Element& e) {
    next_slot() = e;
    return commit_push();
  }
  // Pushing in place, for a producer that builds the element where it will sit: the slot the
  // next push fills (only while !full()), then commit_push(), which push() is.
  Element& next_slot() { return ring_[(head_ + size_) & mask_]; }
  bool commit_push() {
    ++size_;
    stats.depth.set(size_);
    stats.peak_depth.max(size_);
    if (size_ == cap_ && !backpressure_) return begin_backpressure();
    return false;
  }
  const Element& front() const { return ring_[head_]; }
  // The i-th element from the front (i < size()): a batch is handed over in place and dropped
  // only once the stage took it.
  const Element& at(uint32_t i) const { return ring_[(head_ + i) & mask_]; }
  // The same, to complete an element in place (a source stamps its run's elements at the run's end).
  Element& at(uint32_t i) { return const_cast<Element&>(static_cast<const ElementQueue&>(*this).at(i)); }
  // Removes the front element. Returns true when this turned backpressure off (the low
  // watermark was reached).
  bool drop_front() {
    head_ = (head_ + 1) & mask_;
    --size_;
    stats.depth.set(size_);
    if (backpressure_ && size_ <= low_mark_) {
      end_backpressure();
      return true;
    }
    return false;
  }
  // The front element into `out`, then drop_front().
  bool pop(Element& out) {
    out = ring_[head_];
    return drop_front();
  }
  // Ends an open backpressure episode (also at shutdown, so its time is counted).
  void end_backpressure() {
    if (!backpressure_) return;
    backpressure_ = false;
    uint64_t since = open_since_ns_.load(std::memory_order_relaxed);
    stats.backpressure_ns.add(steady_ns() - since);
    open_since_ns_.store(0, std::memory_order_release);
  }
  // Time spent backpressured including an episode still open, so a stream that stays stalled
  // shows its stall growing. Safe from any thread: the episode start is re-read after the total
  // and the pair retried if an episode began or ended in between.
  uint64_t backpressure_ns_now() const {
    for (;;) {
      uint64_t since = open_since_ns_.load(std::memory_order_seq_cst);
      uint64_t done = stats.backpressure_ns.get();
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (open_since_ns_.load(std::memory_order_seq_cst) != since) continue;
      uint64_t now = steady_ns();
      return done + (since && now > since ? now - since : 0);
    }
  }

  QueueStats stats;

 private:
  bool begin_backpressure() {
    backpressure_ = true;
    uint64_t now = steady_ns();
    open_since_ns_.store(now ? now : 1, std::memory_order_release);
    stats.backpressure_events.add();
    return true;
  }
  static uint64_t steady_ns() {
    return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }

  // The ring is the capacity rounded up to a power of two, so that a position wraps with a mask;
  // the queue never holds more than cap_.
  std::vector<Element> ring_;
  uint32_t mask_, cap_, head_ = 0, size_ = 0, low_mark_;
  bool backpressure_ = false;
  std::atomic<uint64_t> open_since_ns_{0};  // steady-clock ns the open episode began; 0 = none
};

}  // namespace torvyn::reactor

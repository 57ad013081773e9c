// A bounded queue of elements on one stream (edge) of a flow. A flow runs on one thread, so the
// queue is a plain ring; what makes it a stream is its accounting: credit (free slots),
// backpressure on at 100 % and off at the low watermark, and the statistics operators read.
#pragma once

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
};

struct QueueStats {
  Counter depth;                  // stream.queue.current_depth
  Counter peak_depth;
  Counter enqueued, dropped;
  Counter backpressure_events;    // times the queue became full
  Counter backpressure_ns;        // stream.backpressure.duration_ns (completed episodes)
};

class ElementQueue {
 public:
  ElementQueue(uint32_t capacity, double low_watermark_ratio)
      : ring_(capacity), low_mark_(static_cast<uint32_t>(capacity * low_watermark_ratio)) {}

  uint32_t capacity() const { return static_cast<uint32_t>(ring_.size()); }
  uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == ring_.size(); }
  uint32_t credit() const { return capacity() - size_; }
  bool backpressured() const { return backpressure_; }

  // Returns true when this push turned backpressure on.
  bool push(const Element& e) {
    uint32_t i = head_ + size_;
    if (i >= ring_.size()) i -= static_cast<uint32_t>(ring_.size());
    ring_[i] = e;
    ++size_;
    stats.enqueued.add();
    stats.depth.set(size_);
    stats.peak_depth.max(size_);
    if (size_ == ring_.size() && !backpressure_) {
      backpressure_ = true;
      since_ = std::chrono::steady_clock::now();
      stats.backpressure_events.add();
      return true;
    }
    return false;
  }
  const Element& front() const { return ring_[head_]; }
  // Returns true when this pop turned backpressure off (the low watermark was reached).
  bool pop(Element& out) {
    out = ring_[head_];
    if (++head_ == ring_.size()) head_ = 0;
    --size_;
    stats.depth.set(size_);
    if (backpressure_ && size_ <= low_mark_) {
      end_backpressure();
      return true;
    }
    return false;
  }
  // Ends an open backpressure episode (also at shutdown, so its time is counted).
  void end_backpressure() {
    if (!backpressure_) return;
    backpressure_ = false;
    stats.backpressure_ns.add(static_cast<uint64_t>((std::chrono::steady_clock::now() - since_).count()));
  }
  // Time spent backpressured including an episode still open.
  uint64_t backpressure_ns_now() const {
    uint64_t ns = stats.backpressure_ns.get();
    if (backpressure_) ns += static_cast<uint64_t>((std::chrono::steady_clock::now() - since_).count());
    return ns;
  }

  QueueStats stats;

 private:
  std::vector<Element> ring_;
  uint32_t head_ = 0, size_ = 0, low_mark_;
  bool backpressure_ = false;
  std::chrono::steady_clock::time_point since_;
};

}  // namespace torvyn::reactor

// Counters and histograms written by one thread (a flow's driver) and read by others (the
// inspection API, the run summary) without locks: relaxed atomic loads and stores, no
// read-modify-write instructions on the hot path.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>

namespace torvyn {

// A counter with a single writer. add() is a plain load + store (no lock prefix); readers on
// other threads see a recent value.
class Counter {
 public:
  void add(uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void set(uint64_t n) { v_.store(n, std::memory_order_relaxed); }
  void max(uint64_t n) {
    if (n > v_.load(std::memory_order_relaxed)) v_.store(n, std::memory_order_relaxed);
  }
  uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Histogram;

// A histogram's counts at one moment, as plain numbers: to report a window of a running histogram
// (the counts now, since() the counts at the window's start).
struct HistogramCounts {
  std::array<uint64_t, 496> buckets{};  // Histogram::kBuckets (checked there)
  uint64_t count = 0, sum = 0, max = 0;

  // The value at quantile q in [0, 1] (upper bound of its bucket, capped at max).
  uint64_t quantile(double q) const;
  // What was recorded after `earlier` (counts of the same histogram, taken before). The window's
  // max is its highest bucket's upper bound, capped at the overall max.
  HistogramCounts since(const HistogramCounts& earlier) const;
};

// A log-linear histogram of non-negative integers (nanoseconds, bytes): 8 sub-buckets per power
// of two, so any recorded value is reported within 12.5 %. Single writer, lock-free readers.
class Histogram {
 public:
  static constexpr int kSubBits = 3;
  static constexpr int kBuckets = (64 - kSubBits + 1) << kSubBits;

  void record(uint64_t v) {
    Counter& c = buckets_[index(v)];
    c.add();
    count_.add();
    sum_.add(v);
    max_.max(v);
  }
  // `n` values equal to `v` at once (a batch's time shared by its elements): as n record(v).
  void record_n(uint64_t v, uint64_t n) {
    if (n == 0) return;
    buckets_[index(v)].add(n);
    count_.add(n);
    sum_.add(v * n);
    max_.max(v);
  }
  uint64_t count() const { return count_.get(); }
  uint64_t sum() const { return sum_.get(); }
  uint64_t max() const { return max_.get(); }
  // The value at quantile q in [0, 1] (upper bound of its bucket, capped at the max seen).
  uint64_t quantile(double q) const {
    uint64_t n = count();
    if (n == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(n - 1)) + 1, seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += buckets_[i].get();
      if (seen >= rank) return std::min(upper(i), max());
    }
    return max();
  }
  // Cumulative count of values <= bound (for Prometheus `le` buckets; exact at bucket edges).
  uint64_t count_at_most(uint64_t bound) const {
    uint64_t c = 0;
    for (int i = 0; i < kBuckets && upper(i) <= bound; ++i) c += buckets_[i].get();
    return c;
  }

  HistogramCounts counts() const {
    static_assert(std::tuple_size_v<decltype(HistogramCounts::buckets)> == kBuckets);
    HistogramCounts c;
    for (int i = 0; i < kBuckets; ++i) c.buckets[i] = buckets_[i].get();
    c.count = count();
    c.sum = sum();
    c.max = max();
    return c;
  }

  static int index(uint64_t v) {
    if (v < (1u << kSubBits)) return static_cast<int>(v);
    int msb = 63 - std::countl_zero(v);
    int shift = msb - kSubBits;
    return ((shift + 1) << kSubBits) + static_cast<int>((v >> shift) & ((1u << kSubBits) - 1));
  }
  static uint64_t upper(int i) {
    if (i < (1 << kSubBits)) return static_cast<uint64_t>(i);
    int shift = (i >> kSubBits) - 1;
    uint64_t base = (uint64_t{1} << kSubBits) | static_cast<uint64_t>(i & ((1 << kSubBits) - 1));
    return ((base + 1) << shift) - 1;
  }

 private:
  std::array<Counter, kBuckets> buckets_{};
  Counter count_, sum_, max_;
};

inline uint64_t HistogramCounts::quantile(double q) const {
  if (count == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(count - 1)) + 1, seen = 0;
  for (int i = 0; i < Histogram::kBuckets; ++i) {
    seen += buckets[i];
    if (seen >= rank) return std::min(Histogram::upper(i), max);
  }
  return max;
}

inline HistogramCounts HistogramCounts::since(const HistogramCounts& earlier) const {
  HistogramCounts d;
  int top = -1;
  for (int i = 0; i < Histogram::kBuckets; ++i) {
    // Readers see each counter at a slightly different moment: never below zero.
    d.buckets[i] = buckets[i] >= earlier.buckets[i] ? buckets[i] - earlier.buckets[i] : 0;
    d.count += d.buckets[i];
    if (d.buckets[i]) top = i;
  }
  d.sum = sum >= earlier.sum ? sum - earlier.sum : 0;
  d.max = top < 0 ? 0 : std::min(Histogram::upper(top), max);
  return d;
}

}  // namespace torvyn

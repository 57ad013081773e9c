// A growable array whose elements never move: a fixed directory of lazily allocated chunks. Readers
// find an element with one acquire load and no lock, so it backs tables that are read on the hot path
// (owners, copy counters, on-demand buffer slots) but grow only rarely.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

namespace torvyn::resources::detail {

template <typename T, unsigned ChunkBits>
class ChunkedArray {
 public:
  static constexpr size_t kChunk = size_t{1} << ChunkBits;

  explicit ChunkedArray(size_t max_elements)
      : nchunks_((max_elements + kChunk - 1) / kChunk), dir_(new std::atomic<T*>[nchunks_]) {
    for (size_t i = 0; i < nchunks_; ++i) dir_[i].store(nullptr, std::memory_order_relaxed);
  }
  ~ChunkedArray() {
    for (size_t i = 0; i < nchunks_; ++i) delete[] dir_[i].load(std::memory_order_relaxed);
  }
  ChunkedArray(const ChunkedArray&) = delete;
  ChunkedArray& operator=(const ChunkedArray&) = delete;

  size_t capacity() const { return nchunks_ * kChunk; }
  size_t chunk_count() const { return nchunks_; }

  // The element, or nullptr when its chunk was never allocated (or i is beyond capacity).
  T* find(size_t i) const {
    size_t c = i >> ChunkBits;
    if (c >= nchunks_) return nullptr;
    T* chunk = dir_[c].load(std::memory_order_acquire);
    return chunk ? chunk + (i & (kChunk - 1)) : nullptr;
  }

  // The whole chunk c (nullptr if not allocated): for scans.
  T* chunk(size_t c) const { return c < nchunks_ ? dir_[c].load(std::memory_order_acquire) : nullptr; }

  // The element, allocating (value-initialising) its chunk on first use. Lock-free: racing
  // allocators agree through one CAS and the loser frees its copy. nullptr if i >= capacity().
  T* ensure(size_t i) {
    if (T* p = find(i)) return p;
    size_t c = i >> ChunkBits;
    if (c >= nchunks_) return nullptr;
    T* fresh = new T[kChunk]();
    T* expected = nullptr;
    if (!dir_[c].compare_exchange_strong(expected, fresh, std::memory_order_acq_rel, std::memory_order_acquire)) {
      delete[] fresh;
      return expected + (i & (kChunk - 1));
    }
    return fresh + (i & (kChunk - 1));
  }

 private:
  size_t nchunks_;
  std::unique_ptr<std::atomic<T*>[]> dir_;
};

}  // namespace torvyn::resources::detail

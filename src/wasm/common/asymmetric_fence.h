// A Dekker handshake between a thread on a hot path and one that rarely acts on it, where the hot
// side pays almost nothing: the rare side issues membarrier(2), which makes every running thread of
// the process pass a full memory barrier, so the hot side needs only a compiler barrier. Where the
// kernel does not offer membarrier, both sides use full fences.
//
//   hot thread:   store A; light_fence(); load B
//   rare thread:  store B; heavy_fence(); load A
// Then at least one of the loads sees the other thread's store.
#pragma once

#include <atomic>

namespace torvyn::wasm::detail {

// True until register_heavy_fence() finds membarrier (then false for good).
extern std::atomic<bool> g_light_fence_is_full;

// Registers the process for membarrier's private expedited command (once; idempotent). Must
// happen before the first light_fence() that pairs with a heavy_fence().
void register_heavy_fence();

inline void light_fence() {
  if (g_light_fence_is_full.load(std::memory_order_relaxed)) [[unlikely]]
    std::atomic_thread_fence(std::memory_order_seq_cst);
  else
    std::atomic_signal_fence(std::memory_order_seq_cst);
}

void heavy_fence();

}  // namespace torvyn::wasm::detail

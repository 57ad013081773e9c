#include "asymmetric_fence.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mutex>

namespace torvyn::wasm::detail {

// Full fences until registration finds membarrier: correct before it, whatever it finds. (The
// watchdog registers when it is made, before any entry exists, so no hot-side fence runs first.)
std::atomic<bool> g_light_fence_is_full{true};

namespace {
bool membarrier_ok = false;

long membarrier(int cmd) { return syscall(__NR_membarrier, cmd, 0, 0); }
}  // namespace

void register_heavy_fence() {
  static std::once_flag once;
  std::call_once(once, [] {
    const long supported = membarrier(MEMBARRIER_CMD_QUERY);
    membarrier_ok = supported > 0 && (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
                    membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
    // (heavy_fence runs on the watchdog's thread, started after this: it reads membarrier_ok.)
    if (membarrier_ok) g_light_fence_is_full.store(false, std::memory_order_seq_cst);
  });
}

void heavy_fence() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  // Once registered it cannot fail (membarrier(2) fails only for a command the process did not
  // register). Were it to, the handshake is as weak as a plain fence on this side: the watchdog
  // then lands an interrupt as it did before the handshake existed, rather than not at all.
  if (membarrier_ok) (void)membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
}

}  // namespace torvyn::wasm::detail

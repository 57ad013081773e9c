// Large allocations of the `torvyn` process on transparent huge pages.
//
// Why: a large guest's cold start is dominated by first touches of freshly mapped memory. Loading a
// 12 MB componentize-js module on the interpreter grows wabt's compiled code stream (a
// std::vector, doubled ~25 times to tens of MB: every doubling maps new pages and copies), copies
// module descriptions and reads the component twice. With 4 KiB pages that run took ~63,000 page
// faults, and on this VM (a paravirtualised guest, where each fault is a trip through the
// hypervisor) those faults and the TLB misses behind them were a third of the run: 1.5–1.7 s of
// CPU to the end of a 5-element interp run, 1.07 s with this file (~16,000 faults); measured in
// README "Large guests".
//
// How: the process replaces the global `operator new` (a replaceable function: [new.delete]) with
// one that allocates from malloc, as the default does, and asks the kernel for huge pages
// (madvise(MADV_HUGEPAGE)) over the 2 MiB-aligned interior of any block of 4 MiB or more before it
// is touched. The host's default THP mode is usually `madvise`, which honours exactly that. Smaller
// blocks, and memory the process maps itself (the aot engine's linear memories), are untouched; a
// refused madvise (THP off, an old kernel) changes nothing. `operator delete` stays the default
// (free), which is right for memory malloc gave.
//
// Only in the CLI binary, and not in sanitizer builds: ASan replaces operator new itself and would
// see our malloc'd blocks freed by its operator delete as an allocation/deallocation mismatch
// (src/cli/CMakeLists.txt leaves this file out of those builds).

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <new>

namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kAdviseFrom = std::size_t{4} << 20;

void advise_huge(void* p, std::size_t n) {
  const auto begin = (reinterpret_cast<std::uintptr_t>(p) + kHugePage - 1) & ~std::uintptr_t{kHugePage - 1};
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + n) & ~std::uintptr_t{kHugePage - 1};
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace

void* operator new(std::size_t n) {
  if (n == 0) n = 1;
  for (;;) {
    if (void* p = std::malloc(n)) {
      if (n >= kAdviseFrom) advise_huge(p, n);
      return p;
    }
    std::new_handler handler = std::get_new_handler();
    if (!handler) throw std::bad_alloc();
    handler();
  }
}

void* operator new[](std::size_t n) { return ::operator new(n); }

// Fault handling for guest code: the SIGSEGV/SIGBUS handler, per-thread alternate signal stacks and
// stack bounds. A fault is claimed as a guest trap only when this thread is inside a guarded call
// and the faulting address lies in a guest memory reservation (out-of-bounds access) or just below
// this thread's stack (guest recursion overflowed). Anything else is a host bug and is passed on to
// the previous handler, or re-raised with the default action, so it still crashes loudly.
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <wasm-rt.h>

#include "reservations.h"
#include "trap_guard.h"

namespace torvyn::wasm::rt {

constinit thread_local TrapLanding* tl_landing = nullptr;
constinit thread_local bool tl_thread_ready = false;

namespace {

thread_local uintptr_t tl_stack_lo = 0;     // lowest usable address of this thread's stack
thread_local uintptr_t tl_guard_bytes = 0;  // how far below tl_stack_lo a fault still counts

constexpr size_t kAltStackBytes = 64 * 1024;

struct sigaction g_prev_segv;
struct sigaction g_prev_bus;

// Frees this thread's alternate signal stack when the thread exits.
struct AltStack {
  void* mem = nullptr;
  ~AltStack() {
    if (!mem) return;
    stack_t ss{};
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, nullptr);
    munmap(mem, kAltStackBytes);
  }
};
thread_local AltStack tl_alt_stack;

void pass_on(int sig, siginfo_t* info, void* uctx) {
  const struct sigaction& prev = sig == SIGBUS ? g_prev_bus : g_prev_segv;
  if (prev.sa_flags & SA_SIGINFO) {
    if (prev.sa_sigaction) return prev.sa_sigaction(sig, info, uctx);
  } else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
    return prev.sa_handler(sig);
  }
  // Default action: restore it and return; the faulting instruction re-executes and the process
  // dies with the original signal (core dump and all), as it would without us.
  signal(sig, SIG_DFL);
}

void on_fault(int sig, siginfo_t* info, void* uctx) {
  TrapLanding* landing = tl_landing;
  if (landing) {
    auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
    if (address_in_reservation(addr)) siglongjmp(landing->buf, WASM_RT_TRAP_OOB);
    if (tl_stack_lo != 0 && addr < tl_stack_lo + 16 * 4096 && addr + tl_guard_bytes >= tl_stack_lo)
      siglongjmp(landing->buf, WASM_RT_TRAP_EXHAUSTION);
  }
  pass_on(sig, info, uctx);
}

void install_handlers() {
  struct sigaction sa{};
  sa.sa_sigaction = on_fault;
  sigemptyset(&sa.sa_mask);
  // SA_NODEFER: we leave the handler with siglongjmp to a sigsetjmp(buf, 0) that did not save the
  // signal mask, so the signal must not be blocked while the handler runs.
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  if (sigaction(SIGSEGV, &sa, &g_prev_segv) != 0 || sigaction(SIGBUS, &sa, &g_prev_bus) != 0) {
    std::perror("torvyn: cannot install the guest fault handler");
    std::abort();  // without it no guest code may run at all; this happens once, at start-up
  }
}

}  // namespace

void init_process() {
  static std::once_flag once;
  std::call_once(once, [] {
    install_handlers();
    wasm_rt_init();
  });
}

void prepare_thread() {
  init_process();
  stack_t current{};
  if (sigaltstack(nullptr, &current) == 0 && (current.ss_flags & SS_DISABLE)) {
    void* mem = mmap(nullptr, kAltStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem != MAP_FAILED) {
      stack_t ss{};
      ss.ss_sp = mem;
      ss.ss_size = kAltStackBytes;
      if (sigaltstack(&ss, nullptr) == 0) tl_alt_stack.mem = mem;
      else munmap(mem, kAltStackBytes);
    }
  }
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* addr = nullptr;
    size_t size = 0, guard = 0;
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_getguardsize(&attr, &guard);
    pthread_attr_destroy(&attr);
    tl_stack_lo = reinterpret_cast<uintptr_t>(addr);
    // The main thread's stack is followed by the kernel's 1 MiB stack guard gap.
    tl_guard_bytes = (guard > (1u << 20) ? guard : (1u << 20)) + 4096;
  }
  tl_thread_ready = true;
}

}  // namespace torvyn::wasm::rt

// Host-side API of Torvyn's own wasm-rt runtime (wasm_rt.cc implements wasm-rt.h for wasm2c code).
//
// Why our own runtime: the stock wasm-rt-impl keeps its trap jmp_buf in a process global, sets up the
// alternate signal stack only on the thread that called wasm_rt_init, leaks most of each 8 GiB
// reservation, aborts on mmap failure and turns *any* SIGSEGV into a guest trap. Here trap state is
// thread-local, every thread gets its own signal stack, reservations are unmapped whole, failures are
// errors, and the fault handler claims only faults inside guest memory or a guest stack overflow.
#pragma once

#include <setjmp.h>

#include <cstdint>
#include <string>

namespace torvyn::wasm::rt {

// Trap codes beyond wasm_rt_trap_t. A host function that fails traps with kHostTrapBase + TrapKind.
constexpr int kHostTrapBase = 128;
// Instantiation could not allocate a memory/table within the configured caps.
constexpr int kResourceLimitTrap = 250;

// One landing pad per guarded call; nested guarded calls (host -> guest -> host -> guest) chain.
struct TrapLanding {
  sigjmp_buf buf;
  TrapLanding* prev;
};

// Top of this thread's landing chain. Defined in the executable so access is a plain TLS load;
// constinit tells every user that no dynamic initialisation can be pending, so the compiler
// drops the TLS wrapper call it would otherwise check before each access.
extern thread_local constinit TrapLanding* tl_landing;
extern thread_local constinit bool tl_thread_ready;

// Installs the process-wide fault handler (once) and calls wasm_rt_init. Thread-safe.
void init_process();
// Gives this thread an alternate signal stack and records its stack bounds (done lazily by the guard).
void prepare_thread();

// Caps applied by wasm_rt_allocate_memory / wasm_rt_allocate_*_table on this thread: generated
// instantiate code allocates a module's own memories, so the host sets these around instantiation.
void set_allocation_caps(uint32_t max_memory_pages, uint32_t max_table_elements);
// The most pages a memory can have here (wasm_rt_memory_t::size is 32-bit: 65536 pages would overflow it).
inline constexpr uint32_t kMaxMemoryPages = 65535;
uint32_t memory_cap_pages();
// The maximum (in pages) of a memory whose memory.grow was refused on this thread since the last
// call, 0 when none was; clears the mark. A guest whose allocator gets -1 usually traps right
// after: when that maximum is the host's cap, the trap then says which limit to raise.
extern thread_local constinit uint32_t tl_refused_max;  // what take_refused_grow_max answers
inline uint32_t take_refused_grow_max() {  // inline: every export call clears it
  uint32_t m = tl_refused_max;
  tl_refused_max = 0;
  return m;
}

// A message explaining the most recent trap raised by the runtime itself (resource limits).
std::string take_trap_message();
void set_trap_message(std::string message);

// Number of live linear-memory reservations (for tests: nothing may leak).
uint64_t live_reservations();


}  // namespace torvyn::wasm::rt

// Run `stmt` with guest traps caught: `code_var` becomes 0, or the wasm_rt_trap_t / extended code.
// A macro, not a function, because sigsetjmp must live in the frame that stays active during the
// call; sigsetjmp(buf, 0) skips saving the signal mask (the handler uses SA_NODEFER instead), which
// is what makes a guarded call cost a few nanoseconds.
#define TORVYN_RT_GUARDED(code_var, stmt)                                                  \
  do {                                                                                     \
    if (!::torvyn::wasm::rt::tl_thread_ready) ::torvyn::wasm::rt::prepare_thread();        \
    ::torvyn::wasm::rt::TrapLanding torvyn_landing_;                                       \
    torvyn_landing_.prev = ::torvyn::wasm::rt::tl_landing;                                 \
    int torvyn_code_ = sigsetjmp(torvyn_landing_.buf, 0);                                  \
    if (torvyn_code_ == 0) {                                                               \
      ::torvyn::wasm::rt::tl_landing = &torvyn_landing_;                                   \
      stmt;                                                                                \
    }                                                                                      \
    ::torvyn::wasm::rt::tl_landing = torvyn_landing_.prev;                                 \
    (code_var) = torvyn_code_;                                                             \
  } while (0)

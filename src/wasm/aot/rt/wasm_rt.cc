// Torvyn's implementation of the wasm-rt.h interface used by wasm2c 1.0.32 generated code, in
// guard-page mode (WASM_RT_MEMCHECK_SIGNAL_HANDLER). These C symbols are exported from the host
// executable (see CMakeLists.txt) so that dlopen'ed modules bind to them.
#include <sys/mman.h>

#include <atomic>
#include <cstdarg>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <wasm-rt.h>

#include "reservations.h"
#include "torvyn/wasm/engine.h"
#include "trap_guard.h"

namespace torvyn::wasm::rt {

constinit thread_local uint32_t tl_refused_max = 0;

namespace {

constexpr uint64_t kPageBytes = 65536;
constexpr uint32_t kMaxPages = kMaxMemoryPages;

thread_local uint32_t tl_memory_cap = kMaxPages;
thread_local uint32_t tl_table_cap = 10'000'000;
thread_local std::string tl_message;
bool g_initialized = false;

struct Signature {
  std::vector<wasm_rt_type_t> types;
  uint32_t params;
};
std::mutex g_types_mutex;
std::vector<Signature> g_types;

[[noreturn]] void resource_trap(std::string message) {
  tl_message = std::move(message);
  wasm_rt_trap(static_cast<wasm_rt_trap_t>(kResourceLimitTrap));
}

template <typename Table, typename Elem>
void allocate_table(Table* table, uint32_t elements, uint32_t max_elements) {
  uint32_t cap = tl_table_cap;
  if (elements > cap)
    resource_trap("table of " + std::to_string(elements) + " elements exceeds the limit of " + std::to_string(cap));
  table->size = elements;
  table->max_size = max_elements < cap ? max_elements : cap;
  table->data = nullptr;
  if (elements) {
    table->data = static_cast<Elem*>(std::calloc(elements, sizeof(Elem)));
    if (!table->data) resource_trap("out of host memory allocating a table");
  }
}

template <typename Table, typename Elem>
uint32_t grow_table(Table* table, uint32_t delta, Elem init) {
  uint32_t old = table->size;
  uint64_t want = uint64_t{old} + delta;
  if (want > table->max_size) return UINT32_MAX;
  if (delta == 0) return old;
  auto* data = static_cast<Elem*>(std::realloc(table->data, want * sizeof(Elem)));
  if (!data) return UINT32_MAX;
  for (uint64_t i = old; i < want; ++i) data[i] = init;
  table->data = data;
  table->size = static_cast<uint32_t>(want);
  return old;
}

// Exceptions (the proposal): kept per thread, like traps.
thread_local uint32_t tl_exception_tag = 0;
thread_local uint32_t tl_exception_size = 0;
thread_local unsigned char tl_exception_data[256];
thread_local WASM_RT_UNWIND_TARGET* tl_unwind_target = nullptr;
std::atomic<uint32_t> g_next_tag{0};

}  // namespace

void set_allocation_caps(uint32_t max_memory_pages, uint32_t max_table_elements) {
  tl_memory_cap = max_memory_pages < kMaxPages ? max_memory_pages : kMaxPages;
  tl_table_cap = max_table_elements;
}
uint32_t memory_cap_pages() { return tl_memory_cap; }

std::string take_trap_message() { return std::move(tl_message); }
void set_trap_message(std::string message) { tl_message = std::move(message); }
uint64_t live_reservations() { return reservation_count(); }

}  // namespace torvyn::wasm::rt

namespace torvyn::wasm {
void raise_host_trap(TrapKind kind) { wasm_rt_trap(static_cast<wasm_rt_trap_t>(rt::kHostTrapBase + static_cast<int>(kind))); }
}  // namespace torvyn::wasm

using namespace torvyn::wasm::rt;

extern "C" {

void wasm_rt_init(void) { g_initialized = true; }
bool wasm_rt_is_initialized(void) { return g_initialized; }
void wasm_rt_free(void) {}

void wasm_rt_trap(wasm_rt_trap_t code) {
  TrapLanding* landing = tl_landing;
  if (!landing) {
    // Generated code only runs inside TORVYN_RT_GUARDED; reaching here is a host bug.
    std::fprintf(stderr, "torvyn: wasm trap %d outside a guarded call\n", static_cast<int>(code));
    std::abort();
  }
  siglongjmp(landing->buf, code == WASM_RT_TRAP_NONE ? static_cast<int>(WASM_RT_TRAP_UNREACHABLE) : static_cast<int>(code));
}

const char* wasm_rt_strerror(wasm_rt_trap_t trap) {
  switch (trap) {
    case WASM_RT_TRAP_NONE: return "no error";
    case WASM_RT_TRAP_OOB: return "out of bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "invalid call_indirect";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
  }
  return "unknown trap";
}

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  Signature sig;
  sig.params = params;
  va_list ap;
  va_start(ap, results);
  for (uint32_t i = 0; i < params + results; ++i) sig.types.push_back(static_cast<wasm_rt_type_t>(va_arg(ap, int)));
  va_end(ap);
  std::lock_guard lock(g_types_mutex);
  for (size_t i = 0; i < g_types.size(); ++i)
    if (g_types[i].params == sig.params && g_types[i].types == sig.types) return static_cast<uint32_t>(i + 1);
  g_types.push_back(std::move(sig));
  return static_cast<uint32_t>(g_types.size());  // ids start at 1; 0 marks a null funcref
}

uint32_t wasm_rt_register_tag(uint32_t size) {
  (void)size;
  return g_next_tag.fetch_add(1);
}

void wasm_rt_load_exception(uint32_t tag, uint32_t size, const void* values) {
  if (size > sizeof(tl_exception_data)) resource_trap("exception payload too large");
  tl_exception_tag = tag;
  tl_exception_size = size;
  if (size) std::memcpy(tl_exception_data, values, size);
}

void wasm_rt_throw(void) {
  if (tl_unwind_target) siglongjmp(*tl_unwind_target, 1);
  wasm_rt_trap(WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
}

WASM_RT_UNWIND_TARGET* wasm_rt_get_unwind_target(void) { return tl_unwind_target; }
void wasm_rt_set_unwind_target(WASM_RT_UNWIND_TARGET* target) { tl_unwind_target = target; }
uint32_t wasm_rt_exception_tag(void) { return tl_exception_tag; }
uint32_t wasm_rt_exception_size(void) { return tl_exception_size; }
void* wasm_rt_exception(void) { return tl_exception_data; }

void wasm_rt_allocate_memory(wasm_rt_memory_t* memory, uint32_t initial_pages, uint32_t max_pages) {
  uint32_t cap = tl_memory_cap;
  if (initial_pages > cap)
    resource_trap("memory of " + std::to_string(initial_pages) + " pages exceeds the limit of " + std::to_string(cap) + " pages");
  void* base = mmap(nullptr, kReservationBytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) resource_trap("cannot reserve address space for a linear memory");
  uint64_t bytes = uint64_t{initial_pages} * kPageBytes;
  if (bytes && mprotect(base, bytes, PROT_READ | PROT_WRITE) != 0) {
    munmap(base, kReservationBytes);
    resource_trap("cannot commit " + std::to_string(bytes) + " bytes of linear memory");
  }
  if (!register_reservation(reinterpret_cast<uintptr_t>(base))) {
    munmap(base, kReservationBytes);
    resource_trap("too many live linear memories");
  }
  memory->data = static_cast<uint8_t*>(base);
  memory->pages = initial_pages;
  memory->max_pages = max_pages < cap ? max_pages : cap;
  memory->size = static_cast<uint32_t>(bytes);
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* memory, uint32_t delta) {
  uint32_t old = memory->pages;
  uint64_t want = uint64_t{old} + delta;
  if (want > memory->max_pages) {
    tl_refused_max = memory->max_pages;
    return UINT32_MAX;
  }
  if (delta == 0) return old;
  if (mprotect(memory->data + uint64_t{old} * kPageBytes, uint64_t{delta} * kPageBytes, PROT_READ | PROT_WRITE) != 0)
    return UINT32_MAX;
  memory->pages = static_cast<uint32_t>(want);
  memory->size = static_cast<uint32_t>(want * kPageBytes);
  return old;
}

void wasm_rt_free_memory(wasm_rt_memory_t* memory) {
  if (!memory->data) return;
  unregister_reservation(reinterpret_cast<uintptr_t>(memory->data));
  munmap(memory->data, kReservationBytes);  // the whole reservation, not just the used part
  memory->data = nullptr;
  memory->size = memory->pages = 0;
}

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t* table, uint32_t elements, uint32_t max_elements) {
  allocate_table<wasm_rt_funcref_table_t, wasm_rt_funcref_t>(table, elements, max_elements);
}
void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t* table) {
  std::free(table->data);
  table->data = nullptr;
  table->size = 0;
}
void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t* table, uint32_t elements, uint32_t max_elements) {
  allocate_table<wasm_rt_externref_table_t, wasm_rt_externref_t>(table, elements, max_elements);
}
void wasm_rt_free_externref_table(wasm_rt_externref_table_t* table) {
  std::free(table->data);
  table->data = nullptr;
  table->size = 0;
}
uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t* table, uint32_t delta, wasm_rt_funcref_t init) {
  return grow_table(table, delta, init);
}
uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t* table, uint32_t delta, wasm_rt_externref_t init) {
  return grow_table(table, delta, init);
}

}  // extern "C"

// --- funcref values as slots (see glue_abi.h) ---------------------------------------------------
// A funcref is three words; a slot is one. Distinct funcrefs are interned once, process-wide, and
// the slot carries a pointer to the interned copy. Only funcrefs that cross the host boundary as
// values are interned (core components never do), so the table stays small.
#include <map>
#include <memory>
#include <tuple>

namespace {
std::mutex g_funcref_mutex;
std::map<std::tuple<uint32_t, wasm_rt_function_ptr_t, void*>, std::unique_ptr<wasm_rt_funcref_t>> g_funcrefs;
}  // namespace

extern "C" uint64_t torvyn_rt_funcref_to_slot(const void* p) {
  const auto* f = static_cast<const wasm_rt_funcref_t*>(p);
  if (!f->func) return 0;
  std::lock_guard lock(g_funcref_mutex);
  auto& slot = g_funcrefs[{f->func_type, f->func, f->module_instance}];
  if (!slot) slot = std::make_unique<wasm_rt_funcref_t>(*f);
  return reinterpret_cast<uintptr_t>(slot.get());
}

extern "C" void torvyn_rt_slot_to_funcref(uint64_t slot, void* out) {
  auto* f = static_cast<wasm_rt_funcref_t*>(out);
  if (slot == 0) *f = wasm_rt_funcref_null_value;
  else *f = *reinterpret_cast<const wasm_rt_funcref_t*>(static_cast<uintptr_t>(slot));
}

// The core WebAssembly engine interface. Two backends implement it (DESIGN.md §2):
//   interp — the wabt 1.0.32 interpreter: instant start, no C compiler needed, differential tests;
//   aot    — wasm2c translation compiled with the system C compiler and dlopen'ed (default for run/bench).
// Both run the same fuel-instrumented module, so fuel counts and limits are identical on both.
//
// Threading: an Engine is thread-safe (load, new_store). A Store and everything in it is used by one
// thread at a time; different Stores may run concurrently on different threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "torvyn/base/result.h"
#include "torvyn/wasm/types.h"

namespace torvyn::wasm {

enum class EngineKind { Interp, Aot };
const char* to_string(EngineKind k);
std::optional<EngineKind> parse_engine_kind(std::string_view s);  // "interp" | "aot"

// What loading a module costs, for a caller that shows progress: an aot compile takes seconds
// (minutes for a large module), a cache hit microseconds. Only the aot backend reports; it reports
// Started before it translates a module the cache does not hold, then Finished or Failed, or just
// CacheHit when the cache had it. A module compiled as several units also reports Progress as units
// finish (from the compile pool's threads, while the load waits).
struct CompileEvent {
  enum class Kind { Started, CacheHit, Finished, Failed, Progress };
  Kind kind = Kind::Started;
  std::string_view module;  // the name given to Engine::load
  uint64_t bytes = 0;       // the module's size
  std::chrono::nanoseconds elapsed{0};  // Finished, Failed, Progress: translating and compiling it
  size_t units_done = 0, units_total = 0;  // Progress: compiler runs finished, of all (before the link)
};
// Called on the thread that called Engine::load (so possibly on several threads at once), while
// that load waits: keep it short. It must not throw.
using CompileObserver = std::function<void(const CompileEvent&)>;

struct EngineConfig {
  EngineKind kind = EngineKind::Aot;
  // Cap on every linear memory, in 64 KiB pages (default 1024 = 64 MiB, `max_memory_per_component`).
  // memory.grow beyond it returns -1; a module whose initial size exceeds it fails to instantiate.
  uint32_t max_memory_pages = 1024;
  // Cap on every table, in elements; table.grow beyond it returns -1.
  uint32_t max_table_elements = 1'000'000;
  // Fuel metering (and with it the watchdog's way to stop a guest). Off only to measure what
  // metering costs: without it fuel limits and timeouts cannot stop a guest.
  bool fuel_metering = true;
  // aot: where compiled modules are cached (content-addressed). Empty: $XDG_CACHE_HOME/torvyn/aot,
  // else $HOME/.cache/torvyn/aot.
  std::string cache_dir;
  // aot: the C compiler and optimisation level used for generated code.
  std::string cc = "cc";
  std::string opt_level = "-O2";
  // aot: a compile that takes longer than this (wall clock, or CPU time of any compiler process) is
  // killed and reported as WasmCompileLimit.
  std::chrono::seconds compile_timeout{600};
  // aot: the C compiler's address-space limit in bytes (RLIMIT_AS); exceeding it is WasmCompileLimit.
  // 0: 4 GiB, or 3/4 of physical memory when that is less.
  uint64_t compile_memory_limit = 0;
  // aot: a large module is split into translation units of about this much generated C, at most
  // compile_max_units of them (1 = one unit, never split), compiled by at most compile_jobs compiler
  // processes at once (0 = one per core, fewer if their memory limits would not fit in 3/4 of RAM).
  size_t compile_unit_bytes = 4u << 20;
  size_t compile_max_units = 64;
  unsigned compile_jobs = 0;
  // aot: told when a load compiles or finds its module in the cache (see CompileEvent). Optional.
  CompileObserver on_compile;
  // aot: reads true: a compile under way stops (its compiler processes are killed) and its load
  // fails with WasmCompileLimit; later loads that would compile fail at once. Optional. For a
  // compile in the background (tiering) that its run no longer needs.
  std::shared_ptr<const std::atomic<bool>> compile_cancel;
  // interp: upper bound on the interpreter's value stack in bytes. The stack grows with the frames
  // actually live (each charged its own bound); a call that would pass the limit traps with
  // TrapKind::StackExhausted. Any module size loads.
  uint64_t interp_max_value_stack_bytes = 256ull << 20;
};

class Store;
class Instance;

// What an instance holds that its calls can change, for moving it to another engine (tiering,
// move_instance_state below): the memories, mutable globals and tables the module defines, exported
// or not, in the module's order. The same bytes loaded by either engine give the same layout.
struct StateLayout {
  std::vector<ExternType> items;  // memories, then mutable globals, then tables
  std::string not_movable;        // why an instance of this module cannot be moved; empty: it can
};

// A loaded, validated, instrumented and (aot) compiled module. Immutable; shareable across Stores.
class Module {
 public:
  virtual ~Module() = default;
  // Imports as the guest declared them (the engine's own fuel import is not listed).
  virtual const std::vector<ImportDesc>& imports() const = 0;
  // Exports as the guest declared them (the engine's state exports are not listed).
  virtual const std::vector<ExportDesc>& exports() const = 0;
  virtual const std::string& name() const = 0;
  virtual const StateLayout& state_layout() const = 0;
};

// A handle to a function, memory, table or global living in a Store. Only meaningful for the Store
// that created it. `handle` is backend-specific.
struct Extern {
  ExternKind kind = ExternKind::Func;
  uint64_t handle = 0;
};

struct MemoryView {
  uint8_t* data = nullptr;
  uint64_t size = 0;  // bytes
  // The view is invalidated by anything that may grow the memory (any guest call, memory_grow).
};

// A memory's current bounds read through pointers into the engine's own record of that memory:
// always current (also after memory.grow or a guest call), valid as long as the Store. What hot
// paths use to check guest pointers without a virtual call per crossing. Backends that cannot
// offer it return an empty LiveMemory (use Store::memory() then).
struct LiveMemory {
  uint8_t* const* data = nullptr;
  const uint32_t* size = nullptr;  // bytes
  explicit operator bool() const { return data != nullptr; }
  MemoryView view() const { return MemoryView{*data, *size}; }
};

// Passed to host functions.
struct HostContext {
  Store& store;
  Instance* caller;  // instance whose code called the host function; nullptr if unknown
};

// A host function. Arguments arrive in slots[0..params); results are written to slots[0..results).
// The array has max(params, results) slots (counted with slot_count: a v128 takes two). Return TrapKind::None on success; anything else traps
// the guest (set a message with Store::set_trap_message first). Must not throw.
using HostFn = TrapKind (*)(void* env, HostContext& ctx, Slot* slots);

// The C entry point of a compiled wasm function, for typed calls without slot marshalling
// (aot only). `fn` takes (instance, params...) and returns the C result type.
struct RawFunc {
  void* fn = nullptr;
  void* instance = nullptr;
  explicit operator bool() const { return fn != nullptr; }
};

// The slot-array entry of a compiled wasm function (aot): `invoke(instance, slots)` reads the params
// from slots and writes the results back, with no trap guard of its own (see Store::run_guarded).
struct RawInvoke {
  void (*invoke)(void* instance, uint64_t* slots) = nullptr;
  void* instance = nullptr;
  explicit operator bool() const { return invoke != nullptr; }
  void operator()(uint64_t* slots) const { invoke(instance, slots); }
};

// For typed host functions (Store::new_host_func's typed_fn) and direct host entries called from
// compiled guest code on the aot backend: abandons the guest call with a trap of kind `kind`,
// which the innermost Store::run_guarded / call reports. Unwinds with siglongjmp: no destructors
// run in the frames it leaves, so those must hold none.
[[noreturn]] void raise_host_trap(TrapKind kind);

class Instance {
 public:
  virtual ~Instance() = default;
  virtual const Module& module() const = 0;
  virtual std::optional<Extern> find_export(std::string_view name) const = 0;
  // The items of module().state_layout(), in its order (empty when the module is not movable).
  virtual std::vector<Extern> state() const = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Instantiate `module` with imports given in the order of module.imports(). Runs active segments
  // and the start function. The Instance lives as long as the Store.
  virtual Result<Instance*> instantiate(const Module& module, std::span<const Extern> imports) = 0;

  // Host objects that can be passed as imports.
  // `typed_fn`, optional, is the same function with a C signature `R f(void* env, P...)` (i32 ->
  // uint32_t, i64 -> uint64_t, f32 -> float, f64 -> double; at most one result). The aot backend
  // calls it directly from guest code, skipping slot marshalling; it reports a trap by calling
  // Store::set_trap_message and then raise_host_trap (and must hold no objects with
  // destructors at that point). Backends that cannot use it call `fn`.
  virtual Extern new_host_func(const FuncType& type, HostFn fn, void* env, void* typed_fn = nullptr) = 0;
  virtual Result<Extern> new_memory(const MemoryType& type) = 0;
  virtual Result<Extern> new_table(const TableType& type) = 0;
  virtual Result<Extern> new_global(const GlobalType& type, Slot init) = 0;

  // The type of an import/export handle, used to check links and calls.
  virtual ExternType type_of(Extern e) const = 0;

  // Call a function. `args` holds params, `results` receives results (they may be the same
  // array). A top-level call (not from inside a host function) refills the fuel and arms the
  // watchdog.
  virtual Trap call(Extern func, const Slot* args, Slot* results) = 0;

  // Like call(), for hot paths: `slots` holds the params on entry and the results on return, and
  // has room for max(param slots, result slots, 1). Returns true, or false with the trap in *trap.
  virtual bool call_inplace(Extern func, Slot* slots, Trap* trap);

  virtual MemoryView memory(Extern mem) = 0;
  // See LiveMemory; empty when the backend has none.
  virtual LiveMemory live_memory(Extern mem) { return {}; }
  // Bounds-checked copies out of / into linear memory; false (and nothing copied) when
  // [offset, offset + size) is not inside the memory.
  bool read_memory(Extern mem, uint64_t offset, std::span<uint8_t> out);
  bool write_memory(Extern mem, uint64_t offset, std::span<const uint8_t> in);
  // Returns the previous size in pages, or UINT32_MAX when the memory cannot grow that far.
  virtual uint32_t memory_grow(Extern mem, uint32_t delta_pages) = 0;
  virtual Slot global_get(Extern global) = 0;
  virtual void global_set(Extern global, Slot value) = 0;
  virtual uint32_t table_size(Extern table) = 0;

  // Fuel: each top-level call starts with this budget (0 = unlimited, the default).
  virtual void set_fuel_per_invocation(uint64_t fuel) = 0;
  virtual uint64_t fuel_per_invocation() const = 0;
  // Fuel used by the most recent top-level call (including one that trapped).
  virtual uint64_t fuel_consumed() const = 0;
  // Wall-clock limit on each top-level call (0 = none). Stops even a loop that never calls out.
  virtual void set_timeout(std::chrono::nanoseconds timeout) = 0;
  virtual std::chrono::nanoseconds timeout() const = 0;

  // Brackets several top-level calls as one invocation (a component export call with the
  // cabi_realloc calls that lower its arguments and its post-return): fuel is refilled and the
  // watchdog armed once, at begin. Calls inside are not top-level. Must nest properly.
  virtual void begin_invocation() {}
  virtual void end_invocation() {}

  // For host functions: the message that goes with the trap they are about to return.
  virtual void set_trap_message(std::string message) = 0;

  // The C entry of a compiled function, for calls with C arguments made inside run_guarded.
  // Empty on backends without one.
  virtual RawFunc raw_func(Extern func) { return {}; }
  // Slot-array entry of a wasm function; empty on backends without one.
  virtual RawInvoke raw_invoke(Extern func) { return {}; }
  // Runs `region(arg)`, host code that calls guest code through raw entries (raw_func,
  // raw_invoke), under one trap guard: a trap anywhere in that guest code unwinds to here, so the
  // frames of `region` and of what it calls must hold nothing with a destructor while guest code
  // runs. Counts as a call for fuel and the watchdog (top-level unless inside another call or an
  // invocation bracket). Returns true, or false with the trap in *trap. Backends without raw
  // entries never call guest code from `region` that way and just run it.
  virtual bool run_guarded(void (*region)(void*), void* arg, Trap* trap) {
    region(arg);
    return true;
  }
};

// Tiering: copies the state of `from` (an instance in `src`) into `to` (in `dst`), a fresh instance of
// the same module bytes, typically loaded by the other engine: every memory (grown to the same
// size) and mutable global. Tables are checked, not copied (StateLayout). Fails, changing nothing
// the old instance can see, when the module is not movable or the layouts differ.
Status move_instance_state(Store& src, const Instance& from, Store& dst, const Instance& to);

class Engine {
 public:
  static Result<std::shared_ptr<Engine>> create(const EngineConfig& config);
  virtual ~Engine() = default;

  virtual EngineKind kind() const = 0;
  virtual const EngineConfig& config() const = 0;

  // Decode and validate (errors carry the byte offset), instrument for fuel, and for aot translate
  // and compile (or fetch from the cache). Never crashes on hostile bytes.
  virtual Result<std::shared_ptr<Module>> load(std::span<const uint8_t> bytes, std::string_view name = {}) = 0;

  virtual std::unique_ptr<Store> new_store() = 0;

  // Whether load(bytes) would find the module ready, without compiling (aot: its cache holds an
  // entry for it; interp: always). A hint for tiering: the entry is still verified at load.
  virtual bool is_ready(std::span<const uint8_t> bytes) const { return true; }
};

}  // namespace torvyn::wasm

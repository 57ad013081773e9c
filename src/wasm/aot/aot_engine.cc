// The `aot` backend: wasm2c-translated modules compiled to shared objects, run on our own wasm-rt.
#include "aot_engine.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <deque>
#include <mutex>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include <wasm-rt.h>

#include "../common/fuel_pass.h"
#include "../common/described_module.h"
#include "../common/invocation.h"
#include "../common/module_ir.h"
#include "compile_cache.h"
#include "module_description.h"
#include "glue_abi.h"
#include "rt/trap_guard.h"

namespace torvyn::wasm {
namespace {

using aot::CompileCache;

class AotModule final : public DescribedModule, public std::enable_shared_from_this<AotModule> {
 public:
  ~AotModule() override {
    if (dl) dlclose(dl);
  }

  void* dl = nullptr;
  size_t instance_size = 0;
  void (*instantiate_fn)(void*, torvyn_import_ctx*) = nullptr;
  void (*free_fn)(void*) = nullptr;
  const torvyn_export_entry* export_table = nullptr;
};

// Objects living in a store; an Extern's handle is a pointer to one of these.
struct AotFunc {
  FuncType type;
  uint32_t param_slots = 0, result_slots = 0, frame_slots = 1;  // slot counts; frame: max(both, 1). Set by add_func
  void* raw = nullptr;       // wasm: C function taking (instance, params...)
  void* instance = nullptr;  // wasm: its module instance
  torvyn_invoke_fn_t invoke = nullptr;
  torvyn_host_fn_t host = nullptr;  // host functions
  void* host_env = nullptr;
  void* typed_fn = nullptr;  // host functions with a C signature, called straight from the glue
  void* typed_env = nullptr;
};
struct AotMemory {
  wasm_rt_memory_t* mem = nullptr;
  std::optional<uint64_t> declared_max;
  wasm_rt_memory_t storage{};  // for host-created memories
};
struct AotTable {
  void* table = nullptr;  // wasm_rt_funcref_table_t* or wasm_rt_externref_table_t*
  TableType type;
  wasm_rt_funcref_table_t func_storage{};
  wasm_rt_externref_table_t ext_storage{};
};
struct AotGlobal {
  GlobalType type;
  void* cell = nullptr;
  alignas(16) unsigned char storage[32] = {};
};


// Every guarded call lives in a small function of its own: nothing in that frame changes between
// sigsetjmp and a possible siglongjmp, so no local can be clobbered (-Wclobbered stays quiet).
[[gnu::noinline]] int guarded_instantiate(void (*fn)(void*, torvyn_import_ctx*), void* mem, torvyn_import_ctx* ctx) {
  int code;
  TORVYN_RT_GUARDED(code, fn(mem, ctx));
  return code;
}
[[gnu::noinline]] int guarded_free(void (*fn)(void*), void* mem) {
  int code;
  TORVYN_RT_GUARDED(code, fn(mem));
  return code;
}
[[gnu::noinline]] int guarded_invoke(torvyn_invoke_fn_t fn, void* instance, uint64_t* slots) {
  int code;
  TORVYN_RT_GUARDED(code, fn(instance, slots));
  return code;
}
[[gnu::noinline]] int guarded_region(void (*region)(void*), void* arg) {
  int code;
  TORVYN_RT_GUARDED(code, region(arg));
  return code;
}
[[gnu::noinline]] int guarded_allocate_memory(wasm_rt_memory_t* m, uint32_t initial, uint32_t max) {
  int code;
  TORVYN_RT_GUARDED(code, wasm_rt_allocate_memory(m, initial, max));
  return code;
}
[[gnu::noinline]] int guarded_allocate_table(AotTable* t, bool externref, uint32_t initial, uint32_t max) {
  int code;
  if (externref) {
    TORVYN_RT_GUARDED(code, wasm_rt_allocate_externref_table(&t->ext_storage, initial, max));
  } else {
    TORVYN_RT_GUARDED(code, wasm_rt_allocate_funcref_table(&t->func_storage, initial, max));
  }
  return code;
}

class AotStore;

struct HostFuncRecord {
  AotStore* store;
  HostFn fn;
  void* env;
};

// ---- typed entries for host functions -------------------------------------------------------
// A host function whose core type has at most kTypedMaxParams i32/i64 parameters and at most one
// i32/i64 result gets a typed entry: the guest's glue calls it with C arguments straight away (see
// glue_abi.h direct_fn), skipping the slot-array thunk and host_trampoline. The entry builds the
// slots the HostFn expects and, when it reports a trap, unwinds to the guest call's landing pad
// (nothing with a destructor is live in its frame at that point).
constexpr unsigned kTypedMaxParams = 5;

int call_host_record(HostFuncRecord* rec, Slot* slots);

template <typename R, typename... P>
R typed_host_entry(void* rec, P... p) {
  Slot slots[sizeof...(P) > 0 ? sizeof...(P) : 1] = {static_cast<Slot>(p)...};
  if (int code = call_host_record(static_cast<HostFuncRecord*>(rec), slots)) wasm_rt_trap(static_cast<wasm_rt_trap_t>(code));
  if constexpr (!std::is_void_v<R>) return static_cast<R>(slots[0]);
}

using AnyFn = void (*)();
template <typename R, unsigned Mask, size_t... I>
AnyFn typed_entry_of(std::index_sequence<I...>) {
  // Parameter I is i64 when bit I of Mask is set, else i32.
  return reinterpret_cast<AnyFn>(&typed_host_entry<R, std::conditional_t<((Mask >> I) & 1u) != 0, uint64_t, uint32_t>...>);
}
template <typename R, unsigned N, unsigned... M>
void fill_typed_entries(AnyFn* out, std::integer_sequence<unsigned, M...>) {
  ((out[(1u << N) - 1 + M] = typed_entry_of<R, M>(std::make_index_sequence<N>{})), ...);
}
template <typename R, unsigned... N>
void fill_all_typed_entries(AnyFn* out, std::integer_sequence<unsigned, N...>) {
  (fill_typed_entries<R, N>(out, std::make_integer_sequence<unsigned, (1u << N)>{}), ...);
}

// The typed entry for `type`, or null when it has none.
void* typed_entry_for(const FuncType& type) {
  constexpr unsigned kPerResult = (1u << (kTypedMaxParams + 1)) - 1;  // signatures with 0..5 params
  static const auto table = [] {
    std::array<AnyFn, 3 * kPerResult> t{};
    fill_all_typed_entries<void>(t.data(), std::make_integer_sequence<unsigned, kTypedMaxParams + 1>{});
    fill_all_typed_entries<uint32_t>(t.data() + kPerResult, std::make_integer_sequence<unsigned, kTypedMaxParams + 1>{});
    fill_all_typed_entries<uint64_t>(t.data() + 2 * kPerResult, std::make_integer_sequence<unsigned, kTypedMaxParams + 1>{});
    return t;
  }();
  if (type.params.size() > kTypedMaxParams || type.results.size() > 1) return nullptr;
  unsigned mask = 0;
  for (size_t i = 0; i < type.params.size(); ++i) {
    if (type.params[i] == ValType::I64) mask |= 1u << i;
    else if (type.params[i] != ValType::I32) return nullptr;
  }
  unsigned result = 0;
  if (!type.results.empty()) {
    if (type.results[0] == ValType::I32) result = 1;
    else if (type.results[0] == ValType::I64) result = 2;
    else return nullptr;
  }
  unsigned n = static_cast<unsigned>(type.params.size());
  return reinterpret_cast<void*>(table[result * kPerResult + (1u << n) - 1 + mask]);
}

class AotInstance final : public Instance {
 public:
  AotInstance(std::shared_ptr<const AotModule> m) : module_(std::move(m)), exports_(module_->exports().size()) {}
  const Module& module() const override { return *module_; }
  std::optional<Extern> find_export(std::string_view name) const override;
  std::vector<Extern> state() const override;
  // Export k of the compiled module (the guest's, then the state exports), made an Extern.
  std::optional<Extern> export_at(size_t k, const ExternType& type) const;

  std::shared_ptr<const AotModule> module_;
  AotStore* store = nullptr;
  void* mem = nullptr;  // the wasm2c instance struct
  std::vector<torvyn_import_slot> slots;
  torvyn_import_ctx ctx{};
  mutable std::vector<std::optional<Extern>> exports_;
};

TrapKind kind_of(int code) {
  if (code >= rt::kHostTrapBase && code < rt::kHostTrapBase + 32) return static_cast<TrapKind>(code - rt::kHostTrapBase);
  switch (code) {
    case WASM_RT_TRAP_OOB: return TrapKind::OutOfBounds;
    case WASM_RT_TRAP_INT_OVERFLOW: return TrapKind::IntOverflow;
    case WASM_RT_TRAP_DIV_BY_ZERO: return TrapKind::DivByZero;
    case WASM_RT_TRAP_INVALID_CONVERSION: return TrapKind::InvalidConversion;
    case WASM_RT_TRAP_UNREACHABLE: return TrapKind::Unreachable;
    case WASM_RT_TRAP_CALL_INDIRECT: return TrapKind::IndirectCallTypeMismatch;
    case WASM_RT_TRAP_EXHAUSTION: return TrapKind::StackExhausted;
    default: return TrapKind::Other;
  }
}

bool limits_match(const Limits& import, uint64_t actual_min, std::optional<uint64_t> actual_max) {
  if (actual_min < import.min) return false;
  if (import.max) {
    if (!actual_max || *actual_max > *import.max) return false;
  }
  return true;
}

class AotStore final : public Store, private Interruptible {
 public:
  explicit AotStore(const EngineConfig& cfg) : cfg_(cfg), limits_(this) { rt::init_process(); }

  ~AotStore() override {
    for (auto it = instances_.rbegin(); it != instances_.rend(); ++it) {
      AotInstance* inst = it->get();
      guarded_free(inst->module_->free_fn, inst->mem);
      std::free(inst->mem);
    }
    for (auto& m : memories_)
      if (m->mem == &m->storage) wasm_rt_free_memory(&m->storage);
    for (auto& t : tables_) {
      if (t->table == &t->func_storage) wasm_rt_free_funcref_table(&t->func_storage);
      if (t->table == &t->ext_storage) wasm_rt_free_externref_table(&t->ext_storage);
    }
  }

  Result<Instance*> instantiate(const Module& module, std::span<const Extern> imports) override {
    auto* am = dynamic_cast<const AotModule*>(&module);
    if (!am) return Error(ErrorCode::WasmUnlinkable, "module was loaded by another engine");
    const auto& decl = am->imports();
    if (imports.size() != decl.size())
      return Error(ErrorCode::WasmUnlinkable, "expected " + std::to_string(decl.size()) + " imports, got " + std::to_string(imports.size()));
    auto inst = std::make_unique<AotInstance>(am->shared_from_this());
    inst->store = this;
    inst->slots.resize(decl.size() + 1);
    for (size_t k = 0; k < decl.size(); ++k) {
      if (auto st = link(decl[k], imports[k], inst->slots[k]); !st)
        return Error(ErrorCode::WasmUnlinkable, am->name() + ": import " + decl[k].module + "." + decl[k].name + ": " + st.error().message);
    }
    inst->ctx.self = &inst->ctx;
    inst->ctx.owner = static_cast<Instance*>(inst.get());
    inst->ctx.slots = inst->slots.data();
    inst->ctx.fuel = &fuel_;
    inst->mem = std::calloc(1, am->instance_size);
    if (!inst->mem) return Error(ErrorCode::WasmResourceLimit, "out of host memory for an instance");

    rt::set_allocation_caps(cfg_.max_memory_pages, cfg_.max_table_elements);
    begin_top();
    ++depth_;
    int code = guarded_instantiate(am->instantiate_fn, inst->mem, &inst->ctx);
    --depth_;
    int64_t remaining = end_top();
    if (code != 0) {
      std::string msg = code == rt::kResourceLimitTrap ? rt::take_trap_message() : describe(code, remaining).message;
      // Elements written into an imported table before the trap stay there and may call into
      // this instance (spec: segments are not rolled back), so it lives on, unreachable by
      // name, until the store is destroyed.
      instances_.push_back(std::move(inst));
      return Error(code == rt::kResourceLimitTrap ? ErrorCode::WasmResourceLimit : ErrorCode::WasmInstantiateTrap,
                   am->name() + ": instantiation failed: " + msg);
    }
    instances_.push_back(std::move(inst));
    return static_cast<Instance*>(instances_.back().get());
  }

  Extern new_host_func(const FuncType& type, HostFn fn, void* env, void* typed_fn) override {
    host_records_.push_back(std::make_unique<HostFuncRecord>(HostFuncRecord{this, fn, env}));
    auto f = std::make_unique<AotFunc>();
    f->type = type;
    f->host = &AotStore::host_trampoline;
    f->host_env = host_records_.back().get();
    if (typed_fn && type.results.size() <= 1) {
      f->typed_fn = typed_fn;
      f->typed_env = env;
    } else if (void* entry = typed_entry_for(type)) {
      f->typed_fn = entry;
      f->typed_env = host_records_.back().get();
    }
    return add_func(std::move(f));
  }

  RawFunc raw_func(Extern func) override {
    if (func.kind != ExternKind::Func || func.handle == 0) return {};
    auto* f = reinterpret_cast<AotFunc*>(func.handle);
    return f->raw ? RawFunc{f->raw, f->instance} : RawFunc{};
  }

  RawInvoke raw_invoke(Extern func) override {
    if (func.kind != ExternKind::Func || func.handle == 0) return {};
    auto* f = reinterpret_cast<AotFunc*>(func.handle);
    return f->invoke ? RawInvoke{f->invoke, f->instance} : RawInvoke{};
  }

  bool run_guarded(void (*region)(void*), void* arg, Trap* trap) override {
    bool top = depth_ == 0 && bracket_ == 0;
    if (top) begin_top();
    ++depth_;
    int code = guarded_region(region, arg);
    --depth_;
    if (code == 0) [[likely]] {
      if (top) end_top();
      return true;
    }
    int64_t remaining = load_fuel();
    if (top) end_top();
    *trap = describe(code, remaining);
    return false;
  }

  Result<Extern> new_memory(const MemoryType& type) override {
    auto m = std::make_unique<AotMemory>();
    uint32_t max = type.limits.max ? static_cast<uint32_t>(std::min<uint64_t>(*type.limits.max, UINT32_MAX)) : UINT32_MAX;
    if (type.limits.min > UINT32_MAX) return Error(ErrorCode::WasmResourceLimit, "memory too large");
    rt::set_allocation_caps(cfg_.max_memory_pages, cfg_.max_table_elements);
    int code = guarded_allocate_memory(&m->storage, static_cast<uint32_t>(type.limits.min), max);
    if (code) return Error(ErrorCode::WasmResourceLimit, rt::take_trap_message());
    m->mem = &m->storage;
    m->declared_max = type.limits.max;
    return add_memory(std::move(m));
  }

  Result<Extern> new_table(const TableType& type) override {
    auto t = std::make_unique<AotTable>();
    t->type = type;
    uint32_t max = type.limits.max ? static_cast<uint32_t>(std::min<uint64_t>(*type.limits.max, UINT32_MAX)) : UINT32_MAX;
    if (type.limits.min > UINT32_MAX) return Error(ErrorCode::WasmResourceLimit, "table too large");
    rt::set_allocation_caps(cfg_.max_memory_pages, cfg_.max_table_elements);
    bool externref = type.elem == ValType::ExternRef;
    int code = guarded_allocate_table(t.get(), externref, static_cast<uint32_t>(type.limits.min), max);
    t->table = externref ? static_cast<void*>(&t->ext_storage) : static_cast<void*>(&t->func_storage);
    if (code) return Error(ErrorCode::WasmResourceLimit, rt::take_trap_message());
    return add_table(std::move(t));
  }

  Result<Extern> new_global(const GlobalType& type, Slot init) override {
    auto g = std::make_unique<AotGlobal>();
    g->type = type;
    g->cell = g->storage;
    write_global(*g, init);
    return add_global(std::move(g));
  }

  ExternType type_of(Extern e) const override {
    ExternType t;
    t.kind = e.kind;
    switch (e.kind) {
      case ExternKind::Func: t.func = reinterpret_cast<AotFunc*>(e.handle)->type; break;
      case ExternKind::Memory: {
        auto* m = reinterpret_cast<AotMemory*>(e.handle);
        t.memory.limits.min = m->mem->pages;
        t.memory.limits.max = m->declared_max;
        break;
      }
      case ExternKind::Table: {
        auto* tb = reinterpret_cast<AotTable*>(e.handle);
        t.table = tb->type;
        t.table.limits.min = table_size(e);
        break;
      }
      case ExternKind::Global: t.global = reinterpret_cast<AotGlobal*>(e.handle)->type; break;
      case ExternKind::Tag: break;
    }
    return t;
  }

  Trap call(Extern func, const Slot* args, Slot* results) override {
    if (func.kind != ExternKind::Func || func.handle == 0) return Trap{TrapKind::Other, "not a function handle"};
    auto* f = reinterpret_cast<AotFunc*>(func.handle);
    Slot small[16];
    std::unique_ptr<Slot[]> big;
    Slot* slots = small;
    if (f->frame_slots > 16) {
      big = std::make_unique<Slot[]>(f->frame_slots);
      slots = big.get();
    }
    for (uint32_t i = 0; i < f->param_slots; ++i) slots[i] = args[i];
    Trap t;
    if (!run(f, slots, &t)) return t;
    for (uint32_t i = 0; i < f->result_slots; ++i) results[i] = slots[i];
    return t;
  }

  bool call_inplace(Extern func, Slot* slots, Trap* trap) override {
    if (func.kind != ExternKind::Func || func.handle == 0) {
      *trap = Trap{TrapKind::Other, "not a function handle"};
      return false;
    }
    return run(reinterpret_cast<AotFunc*>(func.handle), slots, trap);
  }

  MemoryView memory(Extern mem) override {
    auto* m = reinterpret_cast<AotMemory*>(mem.handle);
    return MemoryView{m->mem->data, m->mem->size};
  }
  // wasm_rt_memory_t lives in the instance struct (or the AotMemory) for the Store's lifetime,
  // and wasm_rt_grow_memory updates its data and size in place.
  LiveMemory live_memory(Extern mem) override {
    auto* m = reinterpret_cast<AotMemory*>(mem.handle);
    return LiveMemory{&m->mem->data, &m->mem->size};
  }
  uint32_t memory_grow(Extern mem, uint32_t delta) override {
    return wasm_rt_grow_memory(reinterpret_cast<AotMemory*>(mem.handle)->mem, delta);
  }
  Slot global_get(Extern g) override {
    auto* gl = reinterpret_cast<AotGlobal*>(g.handle);
    switch (gl->type.type) {
      case ValType::I32:
      case ValType::F32: return *static_cast<uint32_t*>(gl->cell);
      case ValType::I64:
      case ValType::F64: return *static_cast<uint64_t*>(gl->cell);
      case ValType::FuncRef: return torvyn_rt_funcref_to_slot(gl->cell);
      case ValType::ExternRef: return reinterpret_cast<uintptr_t>(*static_cast<void**>(gl->cell));
      case ValType::V128: break;
    }
    return 0;
  }
  void global_set(Extern g, Slot v) override { write_global(*reinterpret_cast<AotGlobal*>(g.handle), v); }
  uint32_t table_size(Extern t) const {
    auto* tb = reinterpret_cast<AotTable*>(t.handle);
    return tb->type.elem == ValType::ExternRef ? static_cast<wasm_rt_externref_table_t*>(tb->table)->size
                                               : static_cast<wasm_rt_funcref_table_t*>(tb->table)->size;
  }
  uint32_t table_size(Extern t) override { return static_cast<const AotStore*>(this)->table_size(t); }

  void set_fuel_per_invocation(uint64_t fuel) override { limits_.set_fuel_per_invocation(fuel); }
  uint64_t fuel_per_invocation() const override { return limits_.fuel_per_invocation(); }
  uint64_t fuel_consumed() const override { return limits_.consumed(); }
  void set_timeout(std::chrono::nanoseconds t) override { limits_.set_timeout(t); }
  std::chrono::nanoseconds timeout() const override { return limits_.timeout(); }
  void set_trap_message(std::string m) override { host_message_ = std::move(m); }

  Extern add_func(std::unique_ptr<AotFunc> f) {
    f->param_slots = static_cast<uint32_t>(slot_count(f->type.params));
    f->result_slots = static_cast<uint32_t>(slot_count(f->type.results));
    f->frame_slots = std::max<uint32_t>(std::max(f->param_slots, f->result_slots), 1);
    funcs_.push_back(std::move(f));
    return Extern{ExternKind::Func, reinterpret_cast<uint64_t>(funcs_.back().get())};
  }
  Extern add_memory(std::unique_ptr<AotMemory> m) {
    memories_.push_back(std::move(m));
    return Extern{ExternKind::Memory, reinterpret_cast<uint64_t>(memories_.back().get())};
  }
  Extern add_table(std::unique_ptr<AotTable> t) {
    tables_.push_back(std::move(t));
    return Extern{ExternKind::Table, reinterpret_cast<uint64_t>(tables_.back().get())};
  }
  Extern add_global(std::unique_ptr<AotGlobal> g) {
    globals_.push_back(std::move(g));
    return Extern{ExternKind::Global, reinterpret_cast<uint64_t>(globals_.back().get())};
  }

 private:
  static int host_trampoline(void* env, void* owner, uint64_t* slots) {
    return invoke_host(static_cast<HostFuncRecord*>(env), static_cast<Instance*>(owner), slots);
  }

 public:
  static int invoke_host(HostFuncRecord* rec, Instance* caller, uint64_t* slots) {
    HostContext ctx{*rec->store, caller};
    TrapKind k = rec->fn(rec->env, ctx, slots);
    if (k == TrapKind::None) return 0;
    rec->store->host_trap_ = k;
    return rt::kHostTrapBase + static_cast<int>(k);
  }

 private:

  // One call with its params in `slots`, results written back to them. Inlined into call() and
  // call_inplace(): it is on the path of every export, post-return and realloc call.
  [[gnu::always_inline]] bool run(AotFunc* f, Slot* slots, Trap* trap) {
    bool top = depth_ == 0 && bracket_ == 0;
    if (top) begin_top();
    ++depth_;
    int code = f->invoke ? guarded_invoke(f->invoke, f->instance, slots) : f->host(f->host_env, nullptr, slots);
    --depth_;
    if (code == 0) [[likely]] {
      if (top) end_top();
      return true;
    }
    int64_t remaining = load_fuel();
    if (top) end_top();
    *trap = describe(code, remaining);
    return false;
  }

  void begin_invocation() override {
    if (depth_ == 0 && bracket_ == 0) begin_top();
    ++bracket_;
  }
  void end_invocation() override {
    if (--bracket_ == 0 && depth_ == 0) end_top();
  }

  void interrupt() override { std::atomic_ref<int64_t>(fuel_).store(InvocationLimits::kInterruptFuel, std::memory_order_relaxed); }
  int64_t load_fuel() { return std::atomic_ref<int64_t>(fuel_).load(std::memory_order_relaxed); }

  void begin_top() {
    if (depth_ != 0) return;
    host_trap_ = TrapKind::None;
    host_message_.clear();
    rt::take_refused_grow_max();
    std::atomic_ref<int64_t>(fuel_).store(limits_.begin(), std::memory_order_relaxed);
  }
  int64_t end_top() {
    int64_t remaining = load_fuel();
    if (depth_ == 0) limits_.end(remaining);
    return remaining;
  }

  Trap describe(int code, int64_t remaining) {
    Trap t = describe_code(code, remaining);
    // Refused at the cap (allocation clamps a memory's maximum to it), not at the module's own maximum.
    const uint32_t cap = std::min<uint32_t>(cfg_.max_memory_pages, rt::kMaxMemoryPages);
    if (rt::take_refused_grow_max() >= cap && !InvocationLimits::is_limit(t.kind)) t.memory_cap_pages = cap;
    return t;
  }
  Trap describe_code(int code, int64_t remaining) {
    Trap t;
    if (code >= rt::kHostTrapBase && code < rt::kHostTrapBase + 32) {
      t.kind = kind_of(code);
      t.message = host_message_.empty() ? to_string(t.kind) : host_message_;
      return t;
    }
    if (code == rt::kResourceLimitTrap) {
      t.kind = TrapKind::Other;
      t.message = rt::take_trap_message();
      return t;
    }
    t.kind = limits_.classify(kind_of(code), remaining);
    if (InvocationLimits::is_limit(t.kind)) t.message = limits_.describe(t.kind);
    else if (code == WASM_RT_TRAP_CALL_INDIRECT) t.message = "indirect call failed: undefined element, null entry or signature mismatch";
    else t.message = to_string(t.kind);
    return t;
  }

  Status link(const ImportDesc& d, Extern e, torvyn_import_slot& slot) {
    if (e.kind != d.type.kind || e.handle == 0)
      return Error(ErrorCode::WasmUnlinkable, std::string("expected a ") + to_string(d.type.kind) + ", got a " + to_string(e.kind));
    switch (e.kind) {
      case ExternKind::Func: {
        auto* f = reinterpret_cast<AotFunc*>(e.handle);
        if (!(f->type == d.type.func))
          return Error(ErrorCode::WasmUnlinkable, "function type mismatch: expected " + d.type.func.to_string() + ", got " + f->type.to_string());
        if (f->raw) {
          slot.direct_fn = f->raw;
          slot.target = f->instance;
        } else if (f->typed_fn) {
          slot.direct_fn = f->typed_fn;
          slot.target = f->typed_env;
        } else {
          slot.host = f->host;
          slot.env = f->host_env;
        }
        return {};
      }
      case ExternKind::Memory: {
        auto* m = reinterpret_cast<AotMemory*>(e.handle);
        if (!limits_match(d.type.memory.limits, m->mem->pages, m->declared_max)) return Error(ErrorCode::WasmUnlinkable, "memory limits mismatch");
        slot.target = m->mem;
        return {};
      }
      case ExternKind::Table: {
        auto* t = reinterpret_cast<AotTable*>(e.handle);
        if (t->type.elem != d.type.table.elem) return Error(ErrorCode::WasmUnlinkable, "table element type mismatch");
        if (!limits_match(d.type.table.limits, table_size(e), t->type.limits.max)) return Error(ErrorCode::WasmUnlinkable, "table limits mismatch");
        slot.target = t->table;
        return {};
      }
      case ExternKind::Global: {
        auto* g = reinterpret_cast<AotGlobal*>(e.handle);
        if (!(g->type == d.type.global)) return Error(ErrorCode::WasmUnlinkable, "global type mismatch");
        slot.target = g->cell;
        return {};
      }
      case ExternKind::Tag: return Error(ErrorCode::WasmUnsupported, "tags are not supported");
    }
    return {};
  }

  void write_global(AotGlobal& g, Slot v) {
    switch (g.type.type) {
      case ValType::I32:
      case ValType::F32: *static_cast<uint32_t*>(g.cell) = static_cast<uint32_t>(v); break;
      case ValType::I64:
      case ValType::F64: *static_cast<uint64_t*>(g.cell) = v; break;
      case ValType::FuncRef: torvyn_rt_slot_to_funcref(v, g.cell); break;
      case ValType::ExternRef: *static_cast<void**>(g.cell) = reinterpret_cast<void*>(static_cast<uintptr_t>(v)); break;
      case ValType::V128: break;
    }
  }

  EngineConfig cfg_;
  InvocationLimits limits_;
  alignas(8) int64_t fuel_ = 0;
  int depth_ = 0;
  int bracket_ = 0;  // open begin_invocation() brackets
  TrapKind host_trap_ = TrapKind::None;
  std::string host_message_;
  std::vector<std::unique_ptr<AotInstance>> instances_;
  std::deque<std::unique_ptr<AotFunc>> funcs_;
  std::deque<std::unique_ptr<AotMemory>> memories_;
  std::deque<std::unique_ptr<AotTable>> tables_;
  std::deque<std::unique_ptr<AotGlobal>> globals_;
  std::deque<std::unique_ptr<HostFuncRecord>> host_records_;
};

// The HostFn behind a typed entry; 0, or the trap code to raise (as host_trampoline returns it).
int call_host_record(HostFuncRecord* rec, Slot* slots) { return AotStore::invoke_host(rec, nullptr, slots); }

std::optional<Extern> AotInstance::find_export(std::string_view name) const {
  const auto& exps = module_->exports();
  for (size_t k = 0; k < exps.size(); ++k) {
    if (exps[k].name != name) continue;
    if (exports_[k]) return exports_[k];
    exports_[k] = export_at(k, exps[k].type);
    return exports_[k];
  }
  return std::nullopt;
}

std::vector<Extern> AotInstance::state() const {
  std::vector<Extern> out;
  const auto& items = module_->state_layout().items;
  for (size_t j = 0; j < items.size(); ++j)
    if (auto e = export_at(module_->state_first_export + j, items[j])) out.push_back(*e);
  return out;
}

std::optional<Extern> AotInstance::export_at(size_t k, const ExternType& type) const {
  const torvyn_export_entry& entry = module_->export_table[k];
  Extern e;
  switch (type.kind) {
    case ExternKind::Func: {
      auto f = std::make_unique<AotFunc>();
      f->type = type.func;
      f->raw = entry.raw;
      f->instance = mem;
      f->invoke = entry.invoke;
      e = store->add_func(std::move(f));
      break;
    }
    case ExternKind::Memory: {
      auto m = std::make_unique<AotMemory>();
      m->mem = static_cast<wasm_rt_memory_t*>(reinterpret_cast<torvyn_export_ptr_fn_t>(entry.raw)(mem));
      m->declared_max = type.memory.limits.max;
      e = store->add_memory(std::move(m));
      break;
    }
    case ExternKind::Table: {
      auto t = std::make_unique<AotTable>();
      t->table = reinterpret_cast<torvyn_export_ptr_fn_t>(entry.raw)(mem);
      t->type = type.table;
      e = store->add_table(std::move(t));
      break;
    }
    case ExternKind::Global: {
      auto g = std::make_unique<AotGlobal>();
      g->type = type.global;
      g->cell = reinterpret_cast<torvyn_export_ptr_fn_t>(entry.raw)(mem);
      e = store->add_global(std::move(g));
      break;
    }
    case ExternKind::Tag: return std::nullopt;
  }
  return e;
}

class AotEngine final : public Engine {
 public:
  AotEngine(const EngineConfig& cfg, CompileCache cache) : cfg_(cfg), cache_(std::move(cache)) {}
  EngineKind kind() const override { return EngineKind::Aot; }
  const EngineConfig& config() const override { return cfg_; }

  Result<std::shared_ptr<Module>> load(std::span<const uint8_t> bytes, std::string_view name) override {
    auto module = std::make_shared<AotModule>();
    std::string key = cache_.key_for(bytes, cfg_.fuel_metering);
    // A cached entry records what describe() would read (aot/module_description.h): a warm load
    // decodes nothing. The entry's existence also means these bytes were validated when they were
    // compiled. Otherwise decode (and validate) as always.
    std::unique_ptr<wabt::Module> ir;
    auto decode = [&]() -> Status {
      auto decoded = decode_module(bytes, name);
      if (!decoded) return decoded.take_error();
      ir = std::move(*decoded);
      module->describe(*ir, name);
      return {};
    };
    const bool described = aot::describe_from_text(*module, cache_.description(key), name);
    if (!described)
      if (Status s = decode(); !s) return s.take_error();

    // The cache calls translate only on a miss: that is when the long wait starts.
    bool compiled = false;
    auto started = std::chrono::steady_clock::now();
    auto tell = [&](CompileEvent::Kind kind, size_t done = 0, size_t total = 0) {
      if (cfg_.on_compile)
        cfg_.on_compile(CompileEvent{kind, module->name_, bytes.size(), std::chrono::steady_clock::now() - started, done, total});
    };
    auto object = cache_.get_or_compile(
        key,
        [&]() -> Result<aot::Translation> {
          compiled = true;
          started = std::chrono::steady_clock::now();
          tell(CompileEvent::Kind::Started);
          if (!ir)  // described from an entry that then failed its check: compile from the bytes
            if (Status s = decode(); !s) return s.take_error();
          std::string description = aot::description_text(*module);
          if (cfg_.fuel_metering) instrument_fuel(*ir);
          auto tr = aot::translate(*ir, cfg_.fuel_metering);
          if (tr) tr->description = std::move(description);
          return tr;
        },
        module->name_, [&](size_t done, size_t total) { tell(CompileEvent::Kind::Progress, done, total); });
    if (object || compiled) tell(!object ? CompileEvent::Kind::Failed : compiled ? CompileEvent::Kind::Finished : CompileEvent::Kind::CacheHit);
    // An entry compiled before descriptions were stored: add one, so the next load skips the decode.
    if (object && !compiled && !described) cache_.store_description(key, aot::description_text(*module));
    if (!object) {
      Error e = object.take_error();
      e.message = module->name_ + ": " + e.message;
      return e;
    }
    rt::init_process();
    // Load the very file the cache verified (held open), not whatever its path names by now.
    const std::string* path = &object->path();
    module->dl = dlopen(object->loadable_path().c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!module->dl && access("/proc/self/fd", F_OK) != 0) module->dl = dlopen(path->c_str(), RTLD_NOW | RTLD_LOCAL);  // no /proc
    if (!module->dl) return Error(ErrorCode::WasmLoadFailed, module->name_ + ": cannot load " + *path + ": " + dlerror());
    auto sym = [&](const char* s) { return dlsym(module->dl, s); };
    auto* abi = static_cast<const uint32_t*>(sym("torvyn_glue_abi_version"));
    auto size_fn = reinterpret_cast<size_t (*)()>(sym("torvyn_instance_size"));
    auto init_fn = reinterpret_cast<void (*)()>(sym("torvyn_init_module"));
    module->instantiate_fn = reinterpret_cast<void (*)(void*, torvyn_import_ctx*)>(sym("torvyn_instantiate"));
    module->free_fn = reinterpret_cast<void (*)(void*)>(sym("torvyn_free"));
    module->export_table = static_cast<const torvyn_export_entry*>(sym("torvyn_exports"));
    if (!abi || *abi != TORVYN_GLUE_ABI_VERSION || !size_fn || !init_fn || !module->instantiate_fn || !module->free_fn || !module->export_table)
      return Error(ErrorCode::WasmLoadFailed, module->name_ + ": " + *path + " is not a Torvyn compiled module of this version (delete it to rebuild)");
    module->instance_size = size_fn();
    {
      std::lock_guard lock(init_mutex_);  // registers function types with the process-wide registry
      init_fn();
    }
    return std::static_pointer_cast<Module>(module);
  }

  std::unique_ptr<Store> new_store() override { return std::make_unique<AotStore>(cfg_); }

  bool is_ready(std::span<const uint8_t> bytes) const override {
    return cache_.has_entry(cache_.key_for(bytes, cfg_.fuel_metering));
  }

 private:
  EngineConfig cfg_;
  CompileCache cache_;
  std::mutex init_mutex_;
};

}  // namespace

Result<std::shared_ptr<Engine>> make_aot_engine(const EngineConfig& config) {
  CompileCache::Options opts;
  opts.dir = config.cache_dir;
  opts.cc = config.cc;
  opts.opt_level = config.opt_level;
  opts.timeout = config.compile_timeout;
  opts.memory_limit = config.compile_memory_limit;
  opts.unit_bytes = config.compile_unit_bytes;
  opts.max_units = config.compile_max_units;
  opts.jobs = config.compile_jobs;
  opts.cancel = config.compile_cancel;
  auto cache = CompileCache::open(opts);
  if (!cache) return cache.take_error();
  return std::static_pointer_cast<Engine>(std::make_shared<AotEngine>(config, std::move(*cache)));
}

}  // namespace torvyn::wasm

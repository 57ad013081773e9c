// The `interp` backend: wabt 1.0.32's interpreter behind the Engine interface.
//
// wabt notes that shape this file: a Thread is reused per Store (creating one per call costs 3x) and
// discarded after a trap; Memory::UnsafeData() is never cached across calls that may grow memory;
// memories and tables get the configured caps written into their limits before instantiation.
#include "interp_engine.h"

#include <array>
#include <cstring>
#include <unordered_map>

#include <wabt/binary-reader.h>
#include <wabt/interp/binary-reader-interp.h>
#include <wabt/interp/interp.h>

#include "../common/fuel_pass.h"
#include "../common/global_import.h"
#include "../common/described_module.h"
#include "../common/invocation.h"
#include "../common/module_ir.h"
#include "interp_frame_bound.h"
#include "interp_binary_instrument.h"
#include "interp_instrument.h"
#include "interp_stack_pass.h"

namespace torvyn::wasm {
namespace {

namespace wi = wabt::interp;
using wi::u32;
using wi::u64;
using wi::f32;
using wi::f64;

wi::ValueType to_wabt(ValType t) {
  switch (t) {
    case ValType::I32: return wabt::Type::I32;
    case ValType::I64: return wabt::Type::I64;
    case ValType::F32: return wabt::Type::F32;
    case ValType::F64: return wabt::Type::F64;
    case ValType::V128: return wabt::Type::V128;
    case ValType::FuncRef: return wabt::Type::FuncRef;
    case ValType::ExternRef: return wabt::Type::ExternRef;
  }
  return wabt::Type::I32;
}

wabt::Limits to_wabt(const Limits& l) {
  return l.max ? wabt::Limits(l.min, *l.max) : wabt::Limits(l.min);
}

Limits from_wabt(const wabt::Limits& l) {
  Limits out;
  out.min = l.initial;
  if (l.has_max) out.max = l.max;
  return out;
}

TrapKind classify_message(const std::string& m) {
  auto has = [&](const char* s) { return m.find(s) != std::string::npos; };
  if (has("out of bounds")) return TrapKind::OutOfBounds;
  if (has("divide by zero")) return TrapKind::DivByZero;
  if (has("integer overflow")) return TrapKind::IntOverflow;
  if (has("invalid conversion")) return TrapKind::InvalidConversion;
  if (has("unreachable")) return TrapKind::Unreachable;
  if (has("indirect call signature mismatch") || has("signature mismatch")) return TrapKind::IndirectCallTypeMismatch;
  if (has("uninitialized") || has("undefined table index") || has("undefined element")) return TrapKind::UndefinedElement;
  if (has("null")) return TrapKind::NullReference;
  if (has("call stack exhausted") || has("stack exhausted")) return TrapKind::StackExhausted;
  return TrapKind::Other;
}

class InterpModule final : public DescribedModule, public std::enable_shared_from_this<InterpModule> {
 public:
  std::string over_cap;  // non-empty: instantiation must fail with this message
  wi::ModuleDesc desc;  // of the instrumented module, with capped memory/table limits
};

class InterpStore;

class InterpInstance final : public Instance {
 public:
  InterpInstance(std::shared_ptr<const InterpModule> m, wi::Instance::Ptr inst) : module_(std::move(m)), inst_(std::move(inst)) {}
  const Module& module() const override { return *module_; }
  std::optional<Extern> find_export(std::string_view name) const override {
    const auto& exps = module_->exports();
    for (size_t i = 0; i < exps.size(); ++i) {
      if (exps[i].name == name) return Extern{exps[i].type.kind, inst_->exports()[i].index};
    }
    return std::nullopt;
  }
  std::vector<Extern> state() const override {
    std::vector<Extern> out;
    const auto& items = module_->state_layout().items;
    for (size_t j = 0; j < items.size(); ++j) out.push_back(Extern{items[j].kind, inst_->exports()[module_->state_first_export + j].index});
    return out;
  }
  // Pages of this instance's largest linear memory.
  uint64_t largest_memory_pages(wi::Store& store) const {
    uint64_t pages = 0;
    for (const wi::Ref& r : inst_->memories()) pages = std::max<uint64_t>(pages, store.UnsafeGet<wi::Memory>(r)->PageSize());
    return pages;
  }

 private:
  std::shared_ptr<const InterpModule> module_;
  wi::Instance::Ptr inst_;
};

class InterpStore final : public Store, private Interruptible {
 public:
  explicit InterpStore(const EngineConfig& cfg) : cfg_(cfg), limits_(this) {
    fuel_ = wi::Global::New(store_, wi::GlobalType(wabt::Type::I64, wi::Mutability::Var), wi::Value::Make(u64{0}));
    stack_ = wi::Global::New(store_, wi::GlobalType(wabt::Type::I64, wi::Mutability::Var), wi::Value::Make(u64{0}));
  }

  ~InterpStore() override {
    // wabt objects die with store_; our instances only hold RefPtrs into it.
    instances_.clear();
    roots_.clear();
  }

  Result<Instance*> instantiate(const Module& module, std::span<const Extern> imports) override {
    auto* im = dynamic_cast<const InterpModule*>(&module);
    if (!im) return Error(ErrorCode::WasmUnlinkable, "module was loaded by another engine");
    if (imports.size() != im->imports().size())
      return Error(ErrorCode::WasmUnlinkable, "expected " + std::to_string(im->imports().size()) + " imports, got " + std::to_string(imports.size()));
    wi::RefVec refs;
    for (const Extern& e : imports) refs.push_back(wi::Ref(e.handle));
    if (cfg_.fuel_metering) refs.push_back(fuel_.ref());
    refs.push_back(stack_.ref());  // the fuel pass's import, then interp_stack_pass's (last)
    for (size_t i = 0; i < imports.size(); ++i) {
      if (!store_.IsValid(refs[i])) return Error(ErrorCode::WasmUnlinkable, "import #" + std::to_string(i) + " is not a live handle");
    }

    if (!im->over_cap.empty()) return Error(ErrorCode::WasmResourceLimit, im->name() + ": " + im->over_cap);
    auto mod = wi::Module::New(store_, im->desc);
    wi::Trap::Ptr trap;
    last_host_trap_ = TrapKind::None;
    wi::Instance::Ptr inst;
    {
      int64_t fuel = limits_.begin();
      fuel_->UnsafeSet(wi::Value::Make(u64(fuel)));
      reset_stack_budget();
      inst = wi::Instance::Instantiate(store_, mod.ref(), refs, &trap);
      if (trap) inst.reset();  // see call(): a set trap means it trapped
      limits_.end(static_cast<int64_t>(fuel_->UnsafeGet<u64>()));
    }
    if (!inst) {
      std::string msg = trap ? trap->message() : "instantiation failed";
      bool link_error = msg.find("import") != std::string::npos || msg.find("type mismatch") != std::string::npos ||
                        msg.find("expected") != std::string::npos;
      if (stack_exhausted()) msg = stack_message();
      return Error(link_error ? ErrorCode::WasmUnlinkable : ErrorCode::WasmInstantiateTrap, im->name() + ": " + msg);
    }
    inst->set_host_info(nullptr);
    auto owned = std::make_unique<InterpInstance>(im->shared_from_this(), inst);
    InterpInstance* raw = owned.get();
    by_wabt_[inst.get()] = raw;
    instances_.push_back(std::move(owned));
    return static_cast<Instance*>(raw);
  }

  Extern new_host_func(const FuncType& type, HostFn fn, void* env, void* /*typed_fn: interp always uses fn*/) override {
    wi::ValueTypes params, results;
    for (auto t : type.params) params.push_back(to_wabt(t));
    for (auto t : type.results) results.push_back(to_wabt(t));
    FuncType ft = type;
    auto f = wi::HostFunc::New(store_, wi::FuncType(params, results),
                               [this, fn, env, ft](wi::Thread& thread, const wi::Values& args, wi::Values& out, wi::Trap::Ptr* trap) -> wabt::Result {
                                 return call_host(thread, ft, fn, env, args, out, trap);
                               });
    roots_.push_back(f);
    return Extern{ExternKind::Func, f.ref().index};
  }

  Result<Extern> new_memory(const MemoryType& type) override {
    MemoryType capped = type;
    if (capped.limits.min > cfg_.max_memory_pages)
      return Error(ErrorCode::WasmResourceLimit, "memory of " + std::to_string(capped.limits.min) + " pages exceeds the limit of " +
                                                     std::to_string(cfg_.max_memory_pages) + " pages");
    auto m = wi::Memory::New(store_, wi::MemoryType(to_wabt(capped.limits)));
    roots_.push_back(m);
    return Extern{ExternKind::Memory, m.ref().index};
  }

  Result<Extern> new_table(const TableType& type) override {
    if (type.limits.min > cfg_.max_table_elements) return Error(ErrorCode::WasmResourceLimit, "table exceeds the element limit");
    auto t = wi::Table::New(store_, wi::TableType(to_wabt(type.elem), to_wabt(type.limits)));
    roots_.push_back(t);
    return Extern{ExternKind::Table, t.ref().index};
  }

  Result<Extern> new_global(const GlobalType& type, Slot init) override {
    auto g = wi::Global::New(store_, wi::GlobalType(to_wabt(type.type), type.is_mutable ? wi::Mutability::Var : wi::Mutability::Const),
                             to_value(type.type, std::array<Slot, 2>{init, 0}.data()));
    roots_.push_back(g);
    return Extern{ExternKind::Global, g.ref().index};
  }

  ExternType type_of(Extern e) const override {
    ExternType t;
    t.kind = e.kind;
    auto& store = const_cast<wi::Store&>(store_);
    wi::Ref ref(e.handle);
    switch (e.kind) {
      case ExternKind::Func: {
        auto f = store.UnsafeGet<wi::Func>(ref);
        for (auto p : f->type().params) t.func.params.push_back(to_val_type(p));
        for (auto r : f->type().results) t.func.results.push_back(to_val_type(r));
        break;
      }
      case ExternKind::Memory: t.memory.limits = from_wabt(store.UnsafeGet<wi::Memory>(ref)->type().limits); break;
      case ExternKind::Table: {
        auto tb = store.UnsafeGet<wi::Table>(ref);
        t.table.elem = to_val_type(tb->type().element);
        t.table.limits = from_wabt(tb->type().limits);
        break;
      }
      case ExternKind::Global: {
        auto g = store.UnsafeGet<wi::Global>(ref);
        t.global.type = to_val_type(g->type().type);
        t.global.is_mutable = g->type().mut == wi::Mutability::Var;
        break;
      }
      case ExternKind::Tag: break;
    }
    return t;
  }

  Trap call(Extern func, const Slot* args, Slot* results) override {
    // Resolving a handle allocates a GC root in wabt; do it once per function, not per call.
    auto cached = funcs_.find(func.handle);
    if (cached == funcs_.end()) {
      wi::Ref ref(func.handle);
      if (func.kind != ExternKind::Func || !store_.Is<wi::Func>(ref)) return Trap{TrapKind::Other, "not a function handle"};
      cached = funcs_.emplace(func.handle, store_.UnsafeGet<wi::Func>(ref)).first;
    }
    wi::Func* f = cached->second.get();
    const wi::FuncType& ft = f->type();
    // The outermost call reuses the store's value vectors; nested calls get their own.
    wi::Values local_params, local_out;
    wi::Values& params = depth_ == 0 ? params_ : local_params;
    wi::Values& out = depth_ == 0 ? out_ : local_out;
    params.resize(ft.params.size());
    out.clear();
    for (size_t i = 0, k = 0; i < ft.params.size(); k += slot_count(to_val_type(ft.params[i])), ++i)
      params[i] = to_value(to_val_type(ft.params[i]), args + k);

    bool top = depth_ == 0 && bracket_ == 0;
    if (top) {
      last_host_trap_ = TrapKind::None;
      fuel_->UnsafeSet(wi::Value::Make(u64(limits_.begin())));
      reset_stack_budget();
    }
    ++depth_;
    if (!thread_) thread_ = std::make_unique<wi::Thread>(store_);
    // Re-entrant calls (guest -> host -> guest) get a thread of their own; the outer one is busy.
    std::unique_ptr<wi::Thread> nested;
    wi::Thread& thread = depth_ > 1 ? *(nested = std::make_unique<wi::Thread>(store_)) : *thread_;
    wi::Trap::Ptr trap;
    // wabt 1.0.32 can return Ok with a trap set (stack exhaustion reached through call_indirect):
    // a trap object means the call trapped, whatever the result says.
    wabt::Result r = f->Call(thread, params, out, &trap);
    if (trap) r = wabt::Result::Error;
    --depth_;
    int64_t remaining = static_cast<int64_t>(fuel_->UnsafeGet<u64>());
    if (top) limits_.end(remaining);

    if (wabt::Failed(r)) {
      if (depth_ == 0) thread_.reset();  // a trapped Thread may hold stale frames
      Trap t;
      std::string msg = trap ? trap->message() : "trap";
      if (last_host_trap_ != TrapKind::None) {
        t.kind = last_host_trap_;
        t.message = host_message_.empty() ? to_string(t.kind) : host_message_;
        if (top) last_host_trap_ = TrapKind::None;
        return t;
      }
      if (stack_exhausted()) {
        t.kind = TrapKind::StackExhausted;
        t.message = stack_message();
        return t;
      }
      t.kind = limits_.classify(classify_message(msg), remaining);
      const bool limit = InvocationLimits::is_limit(t.kind);
      t.message = limit ? limits_.describe(t.kind) : msg;
      if (!limit && memory_at_cap()) t.memory_cap_pages = cfg_.max_memory_pages;
      return t;
    }
    for (size_t i = 0, k = 0; i < ft.results.size(); k += slot_count(to_val_type(ft.results[i])), ++i)
      to_slots(to_val_type(ft.results[i]), out[i], results + k);
    return Trap{};
  }

  MemoryView memory(Extern mem) override {
    auto m = store_.UnsafeGet<wi::Memory>(wi::Ref(mem.handle));
    return MemoryView{m->UnsafeData(), m->ByteSize()};
  }

  // wabt's interpreter runs memory.grow itself (its maximum clamped to the cap at load), so a
  // refusal cannot be seen as it happens: a trap with a memory within an eighth of the cap is
  // reported as likely caused by it (the aot engine sees the refusal exactly).
  bool memory_at_cap() {
    const uint64_t near = cfg_.max_memory_pages - cfg_.max_memory_pages / 8;
    for (const auto& inst : instances_)
      if (inst->largest_memory_pages(store_) >= near) return true;
    return false;
  }

  uint32_t memory_grow(Extern mem, uint32_t delta) override {
    auto m = store_.UnsafeGet<wi::Memory>(wi::Ref(mem.handle));
    u64 old = m->PageSize();
    if (old + delta > cfg_.max_memory_pages) return UINT32_MAX;
    if (wabt::Failed(m->Grow(delta))) return UINT32_MAX;
    return static_cast<uint32_t>(old);
  }

  Slot global_get(Extern g) override {
    auto gl = store_.UnsafeGet<wi::Global>(wi::Ref(g.handle));
    Slot s[2] = {0, 0};
    to_slots(to_val_type(gl->type().type), gl->Get(), s);
    return s[0];  // a v128 global is not readable through one slot
  }
  void global_set(Extern g, Slot v) override {
    auto gl = store_.UnsafeGet<wi::Global>(wi::Ref(g.handle));
    Slot s[2] = {v, 0};
    gl->UnsafeSet(to_value(to_val_type(gl->type().type), s));
  }
  uint32_t table_size(Extern t) override { return store_.UnsafeGet<wi::Table>(wi::Ref(t.handle))->size(); }

  void set_fuel_per_invocation(uint64_t fuel) override { limits_.set_fuel_per_invocation(fuel); }
  uint64_t fuel_per_invocation() const override { return limits_.fuel_per_invocation(); }
  uint64_t fuel_consumed() const override { return limits_.consumed(); }
  void set_timeout(std::chrono::nanoseconds t) override { limits_.set_timeout(t); }
  std::chrono::nanoseconds timeout() const override { return limits_.timeout(); }
  void set_trap_message(std::string m) override { host_message_ = std::move(m); }

 private:
  // Watchdog thread: drive the fuel negative. A racy 8-byte aligned store into the interpreter's
  // global; the interpreter re-reads globals on every global.get, so the guest sees it promptly.
  void begin_invocation() override {
    if (depth_ == 0 && bracket_ == 0) {
      last_host_trap_ = TrapKind::None;
      fuel_->UnsafeSet(wi::Value::Make(u64(limits_.begin())));
      reset_stack_budget();
    }
    ++bracket_;
  }
  void end_invocation() override {
    if (--bracket_ == 0 && depth_ == 0) limits_.end(static_cast<int64_t>(fuel_->UnsafeGet<u64>()));
  }

  // The value-stack budget in slots (interp_stack_pass), refilled before each top-level call: a trap
  // leaves the frames it unwound charged.
  void reset_stack_budget() { stack_->UnsafeSet(wi::Value::Make(u64(cfg_.interp_max_value_stack_bytes / kInterpValueBytes))); }
  bool stack_exhausted() const { return static_cast<int64_t>(stack_->UnsafeGet<u64>()) < 0; }
  std::string stack_message() const {
    return "stack exhausted: the live call frames would need more than the interpreter's value-stack limit of " +
           std::to_string(cfg_.interp_max_value_stack_bytes >> 20) + " MiB";
  }

  void interrupt() override { fuel_->UnsafeSet(wi::Value::Make(u64(InvocationLimits::kInterruptFuel))); }

  wabt::Result call_host(wi::Thread& thread, const FuncType& ft, HostFn fn, void* env, const wi::Values& args, wi::Values& out,
                         wi::Trap::Ptr* trap) {
    size_t n = std::max(slot_count(ft.params), slot_count(ft.results));
    Slot small[16];
    std::vector<Slot> big;
    Slot* slots = small;
    if (n > 16) {
      big.resize(n);
      slots = big.data();
    }
    for (size_t i = 0, k = 0; i < ft.params.size(); k += slot_count(ft.params[i]), ++i) to_slots(ft.params[i], args[i], slots + k);
    InterpInstance* caller = nullptr;
    if (wi::Instance* wc = thread.GetCallerInstance()) {
      auto it = by_wabt_.find(wc);
      if (it != by_wabt_.end()) caller = it->second;
    }
    HostContext ctx{*this, caller};
    host_message_.clear();
    TrapKind k = fn(env, ctx, slots);
    if (k != TrapKind::None) {
      last_host_trap_ = k;
      *trap = wi::Trap::New(store_, host_message_.empty() ? std::string(to_string(k)) : host_message_);
      return wabt::Result::Error;
    }
    out.resize(ft.results.size());
    for (size_t i = 0, k = 0; i < ft.results.size(); k += slot_count(ft.results[i]), ++i) out[i] = to_value(ft.results[i], slots + k);
    return wabt::Result::Ok;
  }

  // Reads slot_count(t) slots.
  wi::Value to_value(ValType t, const Slot* p) {
    Slot s = p[0];
    switch (t) {
      case ValType::I32: return wi::Value::Make(as_i32(s));
      case ValType::I64: return wi::Value::Make(as_i64(s));
      case ValType::F32: return wi::Value::Make(as_f32(s));
      case ValType::F64: return wi::Value::Make(as_f64(s));
      case ValType::FuncRef: return wi::Value::Make(wi::Ref(s));
      case ValType::ExternRef: return wi::Value::Make(extern_ref(s));
      case ValType::V128: {
        ::v128 v;
        std::memcpy(&v, p, 16);
        return wi::Value::Make(v);
      }
    }
    return wi::Value::Make(u64{0});
  }

  // Writes slot_count(t) slots.
  void to_slots(ValType t, const wi::Value& v, Slot* out) {
    switch (t) {
      case ValType::I32: *out = slot_i32(v.Get<u32>()); return;
      case ValType::I64: *out = slot_i64(v.Get<u64>()); return;
      case ValType::F32: *out = slot_f32(v.Get<f32>()); return;
      case ValType::F64: *out = slot_f64(v.Get<f64>()); return;
      case ValType::FuncRef: *out = v.Get<wi::Ref>().index; return;
      case ValType::ExternRef: {
        wi::Ref r = v.Get<wi::Ref>();
        auto it = r == wi::Ref::Null ? extern_values_.end() : extern_values_.find(r.index);
        *out = it == extern_values_.end() ? 0 : it->second;
        return;
      }
      case ValType::V128: {
        ::v128 x = v.Get<::v128>();
        std::memcpy(out, &x, 16);
        return;
      }
    }
  }

  // externref slots carry host values; the interpreter needs an object per distinct value.
  wi::Ref extern_ref(Slot value) {
    if (value == 0) return wi::Ref::Null;
    auto it = extern_refs_.find(value);
    if (it != extern_refs_.end()) return it->second;
    auto obj = wi::Foreign::New(store_, reinterpret_cast<void*>(static_cast<uintptr_t>(value)));
    roots_.push_back(obj);
    extern_refs_[value] = obj.ref();
    extern_values_[obj.ref().index] = value;
    return obj.ref();
  }

  EngineConfig cfg_;
  wi::Store store_;
  InvocationLimits limits_;
  wi::Global::Ptr fuel_;
  wi::Global::Ptr stack_;  // remaining value-stack budget in slots; negative = exhausted
  std::vector<wi::Object::Ptr> roots_;
  std::unique_ptr<wi::Thread> thread_;
  int depth_ = 0;
  int bracket_ = 0;  // open begin_invocation() brackets
  std::unordered_map<uint64_t, wi::Func::Ptr> funcs_;
  wi::Values params_, out_;
  std::vector<std::unique_ptr<InterpInstance>> instances_;
  std::unordered_map<wi::Instance*, InterpInstance*> by_wabt_;
  std::unordered_map<Slot, wi::Ref> extern_refs_;
  std::unordered_map<size_t, Slot> extern_values_;
  TrapKind last_host_trap_ = TrapKind::None;
  std::string host_message_;
};

class InterpEngine final : public Engine {
 public:
  explicit InterpEngine(const EngineConfig& cfg) : cfg_(cfg) {}
  EngineKind kind() const override { return EngineKind::Interp; }
  const EngineConfig& config() const override { return cfg_; }

  Result<std::shared_ptr<Module>> load(std::span<const uint8_t> bytes, std::string_view name) override {
    auto module = std::make_shared<InterpModule>();
    // First straight from the bytes (no IR: for a 12 MB guest ~0.1 s instead of ~2 s); a module
    // that pass does not take, or whose result wabt's reader refuses (an invalid module), goes
    // through the IR, which gives every verdict and message (interp_binary_instrument.h).
    bool loaded = false;
    if (auto bin = instrument_binary_for_interp(bytes, cfg_.fuel_metering, kMaxControlNesting)) {
      module->describe(name, std::move(bin->imports), std::move(bin->exports), std::move(bin->state), bin->state_first_export);
      loaded = read_interp(*module, bin->bytes).ok();
      if (!loaded) module = std::make_shared<InterpModule>();
    }
    if (!loaded) {
      auto ir = decode_module(bytes, name);
      if (!ir) return ir.take_error();
      module->describe(**ir, name);
      // Fuel, then the stack pass, as if one after the other (fuel then charges only the guest's
      // own code, exactly as on aot, which has no stack pass), in one walk over the code.
      instrument_for_interp(**ir, cfg_.fuel_metering);
      auto encoded = encode_module(**ir);
      if (!encoded) return encoded.take_error();
      if (Status s = read_interp(*module, *encoded); !s) return s.take_error();
    }
    for (auto& m : module->desc.memories) {
      auto& l = m.type.limits;
      uint64_t cap = cfg_.max_memory_pages;
      if (l.initial > cap)
        module->over_cap = "memory of " + std::to_string(l.initial) + " pages exceeds the limit of " + std::to_string(cap) + " pages";
      if (!l.has_max || l.max > cap) {
        l.has_max = true;
        l.max = std::max<uint64_t>(cap, l.initial);  // initial above the cap fails at instantiation
      }
    }
    for (auto& t : module->desc.tables) {
      auto& l = t.type.limits;
      uint64_t cap = cfg_.max_table_elements;
      if (l.initial > cap)
        module->over_cap = "table of " + std::to_string(l.initial) + " elements exceeds the limit of " + std::to_string(cap);
      if (!l.has_max || l.max > cap) {
        l.has_max = true;
        l.max = std::max<uint64_t>(cap, l.initial);
      }
    }
    return std::static_pointer_cast<Module>(module);
  }

  std::unique_ptr<Store> new_store() override { return std::make_unique<InterpStore>(cfg_); }

 private:
  // wabt's interpreter reads (and validates) the instrumented module.
  static Status read_interp(InterpModule& module, const std::vector<uint8_t>& instrumented) {
    wabt::Errors errors;
    wabt::Features features;
    wabt::ReadBinaryOptions options(features, nullptr, false, true, false);
    if (wabt::Succeeded(wi::ReadBinaryInterp(module.name_, instrumented.data(), instrumented.size(), options, &errors, &module.desc)))
      return {};
    std::string msg;
    for (auto& e : errors) msg += e.message + "; ";
    return Error(ErrorCode::Internal, module.name_ + ": instrumented module failed to load: " + msg);
  }

  EngineConfig cfg_;
};

}  // namespace

std::shared_ptr<Engine> make_interp_engine(const EngineConfig& config) { return std::make_shared<InterpEngine>(config); }

}  // namespace torvyn::wasm

#include "calls.h"
#include "types.h"

#include <algorithm>

#include "torvyn/component/canonical.h"

namespace torvyn::component {

using namespace detail;

namespace {

wasm::ValType to_wasm(FlatType t) {
  switch (t) {
    case FlatType::I32: return wasm::ValType::I32;
    case FlatType::I64: return wasm::ValType::I64;
    case FlatType::F32: return wasm::ValType::F32;
    case FlatType::F64: return wasm::ValType::F64;
  }
  return wasm::ValType::I32;
}

Error guest_trap(const wasm::Trap& t) { return Error(ErrorCode::GuestTrap, std::string(wasm::to_string(t.kind)) + ": " + t.message); }

const wasm::Extern* opt(const std::optional<wasm::Extern>& e) { return e ? &*e : nullptr; }

}  // namespace

// One export call (argument lowering, the call, post-return) is one invocation for fuel and the
// watchdog, however many core calls it takes.
class InvocationBracket {
 public:
  explicit InvocationBracket(wasm::Store& s) : s_(s) { s_.begin_invocation(); }
  ~InvocationBracket() { s_.end_invocation(); }
  InvocationBracket(const InvocationBracket&) = delete;
  InvocationBracket& operator=(const InvocationBracket&) = delete;

 private:
  wasm::Store& s_;
};

namespace detail {

wasm::FuncType core_func_type(const std::vector<FlatType>& params, const std::vector<FlatType>& results) {
  wasm::FuncType f;
  for (FlatType t : params) f.params.push_back(to_wasm(t));
  for (FlatType t : results) f.results.push_back(to_wasm(t));
  return f;
}

wasm::TrapKind lowered_trampoline(void* env, wasm::HostContext& ctx, wasm::Slot* slots) {
  auto* li = static_cast<LoweredImport*>(env);
  Instance& inst = *li->owner;
  if (li->target->host && li->target->host->fast) {
    Status s;
    {
      GuestAbi abi(inst, opt(li->opts.memory), opt(li->opts.realloc));
      s = li->target->host->fast(abi, slots);
    }
    if (!s) {
      ctx.store.set_trap_message(s.error().to_string());
      return wasm::TrapKind::HostError;
    }
    return wasm::TrapKind::None;
  }
  std::vector<wasm::Slot> args(slots, slots + li->sig.params.size());
  std::vector<Value> results;
  {
    GuestAbi cx(inst, opt(li->opts.memory), opt(li->opts.realloc));
    auto values = lift_call_args(cx, li->type, args.data());
    if (!values) {
      ctx.store.set_trap_message(values.error().to_string());
      return wasm::TrapKind::HostError;
    }
    if (li->target->host) {
      HostCall call{inst};
      if (auto s = li->target->host->fn(call, *values, results); !s) {
        ctx.store.set_trap_message(s.error().to_string());
        return wasm::TrapKind::HostError;
      }
    } else {
      ctx.store.set_trap_message(std::string(error_code_id(ErrorCode::ComponentUnsupportedFeature)) +
                                 std::string(": calling a lifted component function from core code of the same instance"));
      return wasm::TrapKind::HostError;
    }
    if (results.size() != li->type.results.size()) {
      ctx.store.set_trap_message("host function returned the wrong number of results");
      return wasm::TrapKind::HostError;
    }
  }  // borrows lifted from the guest end here, before results go back
  GuestAbi out(inst, opt(li->opts.memory), opt(li->opts.realloc));
  if (auto s = lower_call_results(out, li->type, results, args.data(), slots); !s) {
    ctx.store.set_trap_message(s.error().to_string());
    return wasm::TrapKind::HostError;
  }
  return wasm::TrapKind::None;
}

wasm::TrapKind resource_builtin(void* env, wasm::HostContext& ctx, wasm::Slot* slots) {
  auto* b = static_cast<ResourceBuiltin*>(env);
  Instance& inst = *b->owner;
  uint32_t arg = static_cast<uint32_t>(slots[0]);
  switch (b->kind) {
    case ResourceBuiltin::Kind::New: {
      HandleEntry e;
      e.resource = b->resource;
      e.rep = arg;
      e.own = true;
      slots[0] = inst.handles().add(e);
      return wasm::TrapKind::None;
    }
    case ResourceBuiltin::Kind::Rep: {
      auto e = inst.handles().get(arg, b->resource);
      if (!e) break;
      slots[0] = static_cast<uint32_t>((*e)->rep);
      return wasm::TrapKind::None;
    }
    case ResourceBuiltin::Kind::Drop: {
      auto e = inst.handles().remove(arg, b->resource);
      if (!e) {
        ctx.store.set_trap_message("resource.drop: " + e.error().to_string());
        return wasm::TrapKind::HostError;
      }
      if (!e->own) {
        for (auto& s : inst.state->scopes)
          if (s.id == e->borrow_scope && s.outstanding > 0) --s.outstanding;
        return wasm::TrapKind::None;
      }
      if (!b->host_resolved) {
        b->host = inst.linker().resource_by_id(b->resource);
        b->host_resolved = true;
      }
      if (const auto* host = b->host) {
        if (host->destructor) host->destructor(e->rep);
      } else if (auto d = inst.state->guest_dtors.find(b->resource); d != inst.state->guest_dtors.end()) {
        wasm::Slot rep[1] = {e->rep};
        wasm::Trap t = inst.store().call(d->second, rep, nullptr);
        if (t) {
          ctx.store.set_trap_message("resource destructor trapped: " + t.message);
          return wasm::TrapKind::HostError;
        }
      }
      return wasm::TrapKind::None;
    }
  }
  ctx.store.set_trap_message("resource.rep: unknown handle " + std::to_string(arg));
  return wasm::TrapKind::HostError;
}

}  // namespace detail

Instance::~Instance() = default;

bool Instance::poisoned() const { return state->poisoned; }
void Instance::set_host_data(void* p) { state->host_data = p; }

uint64_t Instance::memory_bytes() {
  uint64_t total = 0;
  std::vector<uint64_t> seen;
  for (const auto& env : state->envs)
    for (const wasm::Extern& m : env->core_memories) {
      if (std::find(seen.begin(), seen.end(), m.handle) != seen.end()) continue;
      seen.push_back(m.handle);
      total += state->store->memory(m).size;
    }
  return total;
}
void* Instance::host_data() const { return state->host_data; }
wasm::Store& Instance::store() { return *state->store; }
HandleTable& Instance::handles() { return state->handles; }
const Linker& Instance::linker() const { return *state->linker; }

ExportedFunc Instance::find_function(std::string_view instance_name, std::string_view function) const {
  const Env& root = *state->envs.front();
  const Item* item = nullptr;
  if (instance_name.empty()) {
    auto it = root.exports.find(function);
    if (it != root.exports.end()) item = &it->second;
  } else {
    auto it = root.exports.find(instance_name);
    if (it != root.exports.end() && it->second.instance) {
      auto f = it->second.instance->items.find(function);
      if (f != it->second.instance->items.end()) item = &f->second;
    }
  }
  if (!item || !item->func) return {};
  return ExportedFunc{item->func.get(), &item->func->type};
}

std::vector<std::string> Instance::export_names() const {
  std::vector<std::string> out;
  for (const auto& [name, item] : state->envs.front()->exports) {
    if (item.instance)
      for (const auto& [f, sub] : item.instance->items) out.push_back(name + "#" + f);
    else
      out.push_back(name);
  }
  return out;
}

Result<std::vector<Value>> Instance::call(ExportedFunc f, const std::vector<Value>& args) {
  if (!f) return Error(ErrorCode::WasmNoSuchExport, "no such exported function");
  if (state->poisoned) return Error(ErrorCode::GuestTrap, "the instance trapped earlier and is poisoned");
  const auto* fv = static_cast<const FuncVal*>(f.handle);
  if (fv->host) {
    if (!fv->host->fn) return Error(ErrorCode::ComponentUnsupportedFeature, "calling a fast-path host function through the generic path");
    std::vector<Value> results;
    HostCall call{*this};
    if (auto s = fv->host->fn(call, args, results); !s) return s.take_error();
    return results;
  }
  if (state->on_stack) return Error(ErrorCode::GuestTrap, "re-entry into a component instance that is already on the stack");
  state->on_stack = true;
  state->scopes.push_back(BorrowScope{state->next_scope++, 0});
  InvocationBracket invocation(*state->store);
  auto fail = [&](Error e) -> Result<std::vector<Value>> {
    state->poisoned = true;
    state->on_stack = false;
    state->scopes.pop_back();
    return e;
  };

  CoreSignature sig = lifted_signature(fv->type);
  std::vector<wasm::Slot> core_args;
  std::vector<wasm::Slot> core_results(std::max<size_t>(1, sig.results.size()), 0);
  std::vector<Value> results;
  {
    GuestAbi cx(*this, opt(fv->opts.memory), opt(fv->opts.realloc), {state->scopes.back().id, &state->scopes.back().outstanding});
    if (auto s = lower_call_args(cx, fv->type, args, core_args); !s) return fail(s.take_error());
    if (core_args.empty()) core_args.push_back(0);
    wasm::Trap t = state->store->call(fv->core, core_args.data(), core_results.data());
    cx.guest_ran();
    if (t) return fail(guest_trap(t));
    auto lifted = lift_call_results(cx, fv->type, core_results.data());
    if (!lifted) return fail(lifted.take_error());
    results = std::move(*lifted);
  }
  if (fv->opts.post_return) {
    wasm::Trap t = state->store->call(*fv->opts.post_return, core_results.data(), nullptr);
    if (t) return fail(guest_trap(t));
  }
  if (uint32_t n = state->scopes.back().outstanding; n != 0)
    return fail(Error(ErrorCode::ResourceHandleError,
                      "the component returned while still holding " + std::to_string(n) + " borrowed handle(s) it was lent for the call"));
  state->scopes.pop_back();
  state->on_stack = false;
  return results;
}

}  // namespace torvyn::component

namespace torvyn::component {

Status Instance::call_fast(ExportedFunc f, LowerArgs lower, LiftResults lift) {
  if (!f) return Error(ErrorCode::WasmNoSuchExport, "no such exported function");
  if (state->poisoned) return Error(ErrorCode::GuestTrap, "the instance trapped earlier and is poisoned");
  const auto* fv = static_cast<const FuncVal*>(f.handle);
  if (fv->host) return Error(ErrorCode::ComponentUnsupportedFeature, "the fast path calls only lifted guest functions");
  if (state->on_stack) return Error(ErrorCode::GuestTrap, "re-entry into a component instance that is already on the stack");
  state->on_stack = true;
  state->scopes.push_back(BorrowScope{state->next_scope++, 0});
  InvocationBracket invocation(*state->store);
  auto fail = [&](Error e) -> Status {
    state->poisoned = true;
    state->on_stack = false;
    state->scopes.pop_back();
    return e;
  };
  // MAX_FLAT_PARAMS arguments (or one pointer), one result (or a return-area pointer).
  wasm::Slot args[kMaxFlatParams + 1] = {};
  wasm::Slot results[kMaxFlatResults + 1] = {};
  {
    BorrowScope& scope = state->scopes.back();
    GuestAbi abi(*this, opt(fv->opts.memory), opt(fv->opts.realloc), {scope.id, &scope.outstanding});
    auto n = lower(abi, args);
    if (!n) return fail(n.take_error());
    wasm::Trap t = state->store->call(fv->core, args, results);
    abi.guest_ran();
    if (t) return fail(guest_trap(t));
    if (auto s = lift(abi, results); !s) return fail(s.take_error());
  }
  if (fv->opts.post_return) {
    wasm::Trap t = state->store->call(*fv->opts.post_return, results, nullptr);
    if (t) return fail(guest_trap(t));
  }
  if (uint32_t n = state->scopes.back().outstanding; n != 0)
    return fail(Error(ErrorCode::ResourceHandleError,
                      "the component returned while still holding " + std::to_string(n) + " borrowed handle(s) it was lent for the call"));
  state->scopes.pop_back();
  state->on_stack = false;
  return {};
}

bool same_signature(const AbiFuncType& a, const AbiFuncType& b) { return detail::same_shape(a, b); }

}  // namespace torvyn::component

#include "calls.h"
#include "trap_error.h"
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

// An import called from cabi_realloc while the host lowers a value (may_leave false) traps.
wasm::TrapKind refuse_leave(wasm::HostContext& ctx) {
  ctx.store.set_trap_message(std::string(error_code_id(ErrorCode::AbiTrap)) +
                             ": the component called an import from cabi_realloc while the host was lowering a value into it");
  return wasm::TrapKind::HostError;
}

wasm::TrapKind lowered_fast_trampoline(void* env, wasm::HostContext& ctx, wasm::Slot* slots) {
  auto* li = static_cast<LoweredImport*>(env);
  if (!li->owner->may_leave()) [[unlikely]]
    return refuse_leave(ctx);
  Status s;
  {
    GuestAbi abi(*li->owner, *li->handles, *li->store, li->canon);
    s = (*li->fast)(abi, slots);
  }  // borrows lifted from the guest end here
  if (s) return wasm::TrapKind::None;
  ctx.store.set_trap_message(s.error().to_string());
  return wasm::TrapKind::HostError;
}

wasm::TrapKind lowered_trampoline(void* env, wasm::HostContext& ctx, wasm::Slot* slots) {
  auto* li = static_cast<LoweredImport*>(env);
  Instance& inst = *li->owner;
  if (li->fast) return lowered_fast_trampoline(env, ctx, slots);
  if (!inst.may_leave()) return refuse_leave(ctx);
  std::vector<wasm::Slot> args(slots, slots + li->sig.params.size());
  std::vector<Value> results;
  {
    GuestAbi cx(inst, *li->handles, *li->store, li->canon);
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
  GuestAbi out(inst, *li->handles, *li->store, li->canon);
  if (auto s = lower_call_results(out, li->type, results, args.data(), slots); !s) {
    ctx.store.set_trap_message(s.error().to_string());
    return wasm::TrapKind::HostError;
  }
  return wasm::TrapKind::None;
}

// A guest-defined resource's destructor (its own core function), run by resource.drop.
[[gnu::noinline]] wasm::TrapKind run_guest_destructor(Instance& inst, wasm::Store& store, uint32_t resource, uint64_t rep) {
  const auto& dtors = detail::RuntimeAccess::state(inst).guest.dtors;
  auto d = dtors.find(resource);
  if (d == dtors.end()) return wasm::TrapKind::None;
  wasm::Slot args[1] = {rep};
  wasm::Trap t = inst.store().call(d->second, args, nullptr);
  if (!t) return wasm::TrapKind::None;
  store.set_trap_message("resource destructor trapped: " + t.message);
  return wasm::TrapKind::HostError;
}

[[gnu::cold, gnu::noinline]] wasm::TrapKind refuse_drop(HandleTable& handles, wasm::Store& store, uint32_t arg, uint32_t resource, bool lent) {
  Error why = lent ? HandleTable::lent_out(arg) : handles.not_found(arg, resource);
  store.set_trap_message("resource.drop: " + why.to_string());
  return wasm::TrapKind::HostError;
}

// resource.drop (CanonicalABI.md canon_resource_drop): an own handle runs the resource's
// destructor, a borrow ends the lend it came from.
// Inlined where it is called (the slot entry, resource_builtin, and the aot entry's out-of-line
// rest, resource_drop_rest): a drop is a crossing of its own, and the call frame was a third of
// its host instructions. The rules here are the reference; resource_drop_typed's short way checks
// a subset of them in the same order.
[[gnu::always_inline]] inline wasm::TrapKind drop_handle(ResourceBuiltin& b, wasm::Store& store, uint32_t arg) {
  Instance& inst = *b.owner;
  HandleTable& handles = *b.handles;
  // A drop runs host destructors; from cabi_realloc, while the host lowers a value, it could free
  // what the host is in the middle of copying.
  if (!inst.may_leave()) [[unlikely]] {
    wasm::HostContext ctx{store, nullptr};
    return refuse_leave(ctx);
  }
  HandleEntry* found = handles.find(arg, b.resource);
  if (!found || found->lends != 0) [[unlikely]]
    return refuse_drop(handles, store, arg, b.resource, found != nullptr);
  const bool own = found->own;
  const uint64_t rep = found->rep;
  const uint32_t borrow_scope = found->borrow_scope;
  handles.erase(arg);
  if (!own) {
    // A borrow the running export call lent counts down what it must see dropped before it returns;
    // one lent by an earlier call (which failed for it) counts nothing.
    auto& st = detail::RuntimeAccess::state(inst);
    if (st.on_stack && st.scope.id == borrow_scope && st.scope.outstanding > 0) --st.scope.outstanding;
    return wasm::TrapKind::None;
  }
  if (!b.host_resolved) [[unlikely]] {
    b.host = inst.linker().resource_by_id(b.resource);
    b.host_resolved = true;
  }
  if (const auto* host = b.host) {
    if (host->destructor) host->destructor(rep);
    return wasm::TrapKind::None;
  }
  return run_guest_destructor(inst, store, b.resource, rep);
}

// Every other drop, and every failure: drop_handle whole. A failure traps from this frame, which
// holds nothing with a destructor (drop_handle's message is already in the store).
[[gnu::noinline]] void resource_drop_rest(ResourceBuiltin& b, uint32_t handle) {
  wasm::TrapKind k = drop_handle(b, *b.store, handle);
  if (k != wasm::TrapKind::None) [[unlikely]]
    wasm::raise_host_trap(k);
}

// resource.drop as the aot glue calls it from guest code: no slot array. The two drops a stream
// element makes by the handful take the short way here, checked as drop_handle checks them: a
// borrow the running export call lent, and an own handle of a host resource (its destructor the
// last call, so that this frame needs no saved registers); the rest go to resource_drop_rest.
void resource_drop_typed(void* env, uint32_t handle) {
  auto* b = static_cast<ResourceBuiltin*>(env);
  Instance& inst = *b->owner;
  HandleTable& handles = *b->handles;
  HandleEntry* found = handles.find(handle, b->resource);
  if (found && found->lends == 0 && inst.may_leave()) [[likely]] {
    if (!found->own) {
      auto& st = detail::RuntimeAccess::state(inst);
      if (st.on_stack && st.scope.id == found->borrow_scope) [[likely]] {
        handles.erase(handle);
        if (st.scope.outstanding > 0) --st.scope.outstanding;
        return;
      }
    } else if (b->host_resolved && b->host && b->host->destructor) [[likely]] {
      const uint64_t rep = found->rep;
      handles.erase(handle);
      return b->host->destructor(rep);
    }
  }
  resource_drop_rest(*b, handle);
}

wasm::TrapKind resource_builtin(void* env, wasm::HostContext& ctx, wasm::Slot* slots) {
  auto* b = static_cast<ResourceBuiltin*>(env);
  HandleTable& handles = *b->handles;
  uint32_t arg = static_cast<uint32_t>(slots[0]);
  switch (b->kind) {
    case ResourceBuiltin::Kind::New: {
      slots[0] = handles.add(b->resource, arg, true);
      return wasm::TrapKind::None;
    }
    case ResourceBuiltin::Kind::Rep: {
      HandleEntry* e = handles.find(arg, b->resource);
      if (!e) break;
      slots[0] = static_cast<uint32_t>(e->rep);
      return wasm::TrapKind::None;
    }
    case ResourceBuiltin::Kind::Drop: return drop_handle(*b, ctx.store, arg);
  }
  ctx.store.set_trap_message("resource.rep: unknown handle " + std::to_string(arg));
  return wasm::TrapKind::HostError;
}

}  // namespace detail

Instance::~Instance() = default;

bool Instance::poisoned() const { return state_->poisoned; }

// Sampled after every scheduling round of a flow: the distinct memories are found once, when the
// instance is made (instantiate_into).
uint64_t Instance::memory_bytes() {
  uint64_t total = 0;
  for (const wasm::Extern& m : state_->memories) total += state_->store->memory(m).size;
  return total;
}
wasm::Store& Instance::store() { return *state_->store; }
HandleTable& Instance::handles() { return state_->handles; }
const Linker& Instance::linker() const { return *state_->linker; }

ExportedFunc Instance::find_function(std::string_view instance_name, std::string_view function) const {
  const auto& exports = state_->component->plan->exports;
  std::optional<Slot> slot;
  if (instance_name.empty()) {
    auto it = exports.find(function);
    if (it != exports.end()) slot = it->second.func;
  } else {
    auto it = exports.find(instance_name);
    if (it != exports.end() && it->second.sort == Sort::Instance) {
      auto f = it->second.items.find(function);
      if (f != it->second.items.end()) slot = f->second.func;
    }
  }
  if (!slot) return {};
  const FuncVal* fv = state_->funcs[*slot].get();
  return ExportedFunc{fv, &fv->type};
}

std::vector<std::string> Instance::export_names() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : state_->component->plan->exports) {
    if (e.sort == Sort::Instance)
      for (const auto& [f, sub] : e.items) out.push_back(name + "#" + f);
    else
      out.push_back(name);
  }
  return out;
}

Result<std::vector<Value>> Instance::call(ExportedFunc f, const std::vector<Value>& args) {
  if (!f) return Error(ErrorCode::WasmNoSuchExport, "no such exported function");
  if (state_->poisoned) return Error(ErrorCode::GuestTrap, "the instance trapped earlier and is poisoned");
  const auto* fv = static_cast<const FuncVal*>(f.handle);
  if (fv->host) {
    if (!fv->host->fn) return Error(ErrorCode::ComponentUnsupportedFeature, "calling a fast-path host function through the generic path");
    std::vector<Value> results;
    HostCall call{*this};
    if (auto s = fv->host->fn(call, args, results); !s) return s.take_error();
    return results;
  }
  // Generic values over the one bracket: lowering spills to memory past MAX_FLAT_PARAMS, so the
  // core arguments always fit the bracket's slots.
  std::vector<Value> results;
  Status s = call_lifted(
      f,
      [&](GuestAbi& cx, wasm::Slot* slots) -> Result<size_t> {
        std::vector<wasm::Slot> core_args;
        if (auto st = lower_call_args(cx, fv->type, args, core_args); !st) return st.take_error();
        if (core_args.size() > kMaxFlatParams) return Error(ErrorCode::Internal, "lowered arguments exceed MAX_FLAT_PARAMS");
        std::copy(core_args.begin(), core_args.end(), slots);
        return core_args.size();
      },
      [&](GuestAbi& cx, const wasm::Slot* slots) -> Status {
        auto lifted = lift_call_results(cx, fv->type, slots);
        if (!lifted) return lifted.take_error();
        results = std::move(*lifted);
        return {};
      },
      /*compiled=*/false);
  if (!s) return s.take_error();
  return results;
}

}  // namespace torvyn::component

namespace torvyn::component {

namespace {

// One compiled export call (Instance::call_fast on engines with raw entries).
struct CompiledCall {
  GuestAbi& abi;
  Instance::LowerArgs& lower;
  Instance::LiftResults& lift;
  const FuncVal& fv;
  wasm::Slot* slots;
  std::optional<Error> failure;  // lowering or lifting failed (no trap): the call fails
};

// Runs under Store::run_guarded. Guest code runs only in the raw calls and in the cabi_realloc of
// lowering; at each of those points every object with a destructor that this frame or `lower`'s
// made is already gone (the blocks below end before the next guest code runs).
void run_compiled_call(void* p) {
  auto& c = *static_cast<CompiledCall*>(p);
  {
    auto n = c.lower(c.abi, c.slots);
    if (!n) {
      c.failure = n.take_error();
      return;
    }
  }
  c.fv.raw_core(c.slots);
  c.abi.guest_ran();
  {
    Status s = c.lift(c.abi, c.slots);
    if (!s) {
      c.failure = s.take_error();
      return;
    }
  }
  if (c.fv.raw_post) c.fv.raw_post(c.slots);
}

// Why a call cannot start (cold: only ever on a failing path).
[[gnu::cold, gnu::noinline]] Status refuse_call(ExportedFunc f, const Instance::State& st) {
  if (!f) return Error(ErrorCode::WasmNoSuchExport, "no such exported function");
  if (st.poisoned) return Error(ErrorCode::GuestTrap, "the instance trapped earlier and is poisoned");
  if (static_cast<const FuncVal*>(f.handle)->host)
    return Error(ErrorCode::ComponentUnsupportedFeature, "the fast path calls only lifted guest functions");
  return Error(ErrorCode::GuestTrap, "re-entry into a component instance that is already on the stack");
}

// A call that failed once it started poisons the instance; its borrow scope ends with it.
[[gnu::cold, gnu::noinline]] Status poison(Instance::State& st, Error e) {
  st.poisoned = true;
  st.on_stack = false;
  return e;
}
[[gnu::cold, gnu::noinline]] Status poison_trapped(Instance::State& st) { return poison(st, trap_error(st.trap)); }
[[gnu::cold, gnu::noinline]] Status poison_held_borrows(Instance::State& st) {
  return poison(st, Error(ErrorCode::ResourceHandleError, "the component returned while still holding " + std::to_string(st.scope.outstanding) +
                                                              " borrowed handle(s) it was lent for the call"));
}

}  // namespace

// Inlined into both callers: the per-element path pays no extra call for sharing the bracket.
// Every failure leaves through a cold helper above, which keeps this frame small: an export call
// is a crossing of its own, once per element and stage under the per-element contract.
[[gnu::always_inline]] inline Status Instance::call_lifted(ExportedFunc f, LowerArgs lower, LiftResults lift, bool compiled) {
  State& st = *state_;
  const auto* fv = static_cast<const FuncVal*>(f.handle);
  if (!fv || st.poisoned || st.on_stack || fv->host) [[unlikely]]
    return refuse_call(f, st);
  st.on_stack = true;
  st.scope = BorrowScope{st.next_scope++, 0};
  // MAX_FLAT_PARAMS arguments (or one pointer) in, then one result (or a return-area pointer) out
  // in the same slots; the result is also post-return's argument.
  wasm::Slot slots[kMaxFlatParams + 1];
  if (compiled && fv->raw_core) [[likely]] {
    // The compiled export call: one guard for lowering (cabi_realloc), the call, lifting and
    // post-return, which is also the one invocation for fuel and the watchdog (run_guarded is a
    // top-level call). The GuestAbi and everything with a destructor live here, above the guard.
    GuestAbi abi(*this, st.handles, *st.store, fv->canon, {st.scope.id, &st.scope.outstanding});
    abi.use_raw_realloc(fv->raw_realloc);
    CompiledCall call{abi, lower, lift, *fv, slots, {}};
    if (!st.store->run_guarded(&run_compiled_call, &call, &st.trap)) [[unlikely]]
      return poison_trapped(st);
    if (call.failure) [[unlikely]]
      return poison(st, std::move(*call.failure));
  } else {
    InvocationBracket invocation(*st.store);
    GuestAbi abi(*this, st.handles, *st.store, fv->canon, {st.scope.id, &st.scope.outstanding});
    auto n = lower(abi, slots);
    if (!n) return poison(st, n.take_error());
    if (!st.store->call_inplace(fv->core, slots, &st.trap)) return poison_trapped(st);
    abi.guest_ran();
    if (auto s = lift(abi, slots); !s) return poison(st, s.take_error());
    abi.end_lends();
    if (fv->opts.post_return && !st.store->call_inplace(*fv->opts.post_return, slots, &st.trap)) return poison_trapped(st);
  }
  if (st.scope.outstanding != 0) [[unlikely]]
    return poison_held_borrows(st);
  st.on_stack = false;
  return {};
}

Status Instance::call_fast(ExportedFunc f, LowerArgs lower, LiftResults lift) { return call_lifted(f, lower, lift, true); }

bool same_signature(const AbiFuncType& a, const AbiFuncType& b) { return detail::same_shape(a, b); }

}  // namespace torvyn::component

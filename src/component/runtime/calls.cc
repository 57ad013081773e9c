#include "calls.h"

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

// The Canonical ABI's view of one instance for one crossing: the canon options' memory and realloc,
// and the instance's handle table. Borrows lifted from the guest are released when it goes away;
// borrows lowered into the guest are counted against `scope`.
class InstanceAbi : public AbiContext {
 public:
  InstanceAbi(Instance& inst, const CanonOpts& opts, BorrowScope* scope) : inst_(inst), opts_(opts), scope_(scope) {}
  ~InstanceAbi() override {
    for (uint32_t i : lent_) inst_.handles().end_lend(i);
  }

  wasm::MemoryView memory() override {
    if (!opts_.memory) return {};
    return inst_.store().memory(*opts_.memory);
  }

  Result<uint32_t> realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) override {
    if (!opts_.realloc) return Error(ErrorCode::AbiTrap, "the component needs memory allocated but gave no realloc function");
    wasm::Slot args[4] = {old_ptr, old_size, align, new_size}, result[1] = {0};
    wasm::Trap t = inst_.store().call(*opts_.realloc, args, result);
    if (t) return guest_trap(t);
    return static_cast<uint32_t>(result[0]);
  }

  Result<uint64_t> lift_handle(const AbiType& t, uint32_t index) override {
    if (t.kind == AbiKind::Own) return inst_.handles().lift_own(index, t.resource);
    auto rep = inst_.handles().lift_borrow(index, t.resource);
    if (rep) lent_.push_back(index);
    return rep;
  }

  Result<uint32_t> lower_handle(const AbiType& t, uint64_t rep) override {
    HandleEntry e;
    e.resource = t.resource;
    e.rep = rep;
    e.own = t.kind == AbiKind::Own;
    if (!e.own) {
      if (!scope_) return Error(ErrorCode::Internal, "a borrow can only be lent into a call");
      e.borrow_scope = scope_->id;
      ++scope_->outstanding;
    }
    return inst_.handles().add(e);
  }

 private:
  Instance& inst_;
  const CanonOpts& opts_;
  BorrowScope* scope_;
  std::vector<uint32_t> lent_;
};

}  // namespace

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
  std::vector<wasm::Slot> args(slots, slots + li->sig.params.size());
  std::vector<Value> results;
  {
    InstanceAbi cx(inst, li->opts, nullptr);
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
  InstanceAbi out(inst, li->opts, nullptr);
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
      if (const auto* host = inst.linker().resource_by_id(b->resource)) {
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
    std::vector<Value> results;
    HostCall call{*this};
    if (auto s = fv->host->fn(call, args, results); !s) return s.take_error();
    return results;
  }
  if (state->on_stack) return Error(ErrorCode::GuestTrap, "re-entry into a component instance that is already on the stack");
  state->on_stack = true;
  state->scopes.push_back(BorrowScope{state->next_scope++, 0});
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
    InstanceAbi cx(*this, fv->opts, &state->scopes.back());
    if (auto s = lower_call_args(cx, fv->type, args, core_args); !s) return fail(s.take_error());
    if (core_args.empty()) core_args.push_back(0);
    wasm::Trap t = state->store->call(fv->core, core_args.data(), core_results.data());
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

// Tiering: moving a running component instance to the same component on another engine
// (runtime.h Instance::move_to). Everything the guest can see stays: its linear memories and
// globals are copied into new core instances, and its handle table, host data and limits are kept.
#include "calls.h"  // the State's members, destroyed here when the old state goes
#include "internal.h"
#include "torvyn/component/validate.h"

namespace torvyn::component {

using namespace detail;

uint32_t GuestResources::take_id() {
  uint32_t id = ids.size() < reuse.size() ? reuse[ids.size()] : new_resource_type_id();
  ids.push_back(id);
  return id;
}

std::string LoadedComponent::not_movable() const {
  for (const auto& [offset, module] : impl_->core_modules)
    if (const std::string& why = module->state_layout().not_movable; !why.empty()) return "core module " + module->name() + ": " + why;
  return {};
}

wasm::EngineKind Instance::engine_kind() const { return state_->component->engine->kind(); }

namespace {
Error cannot_move(const std::string& why) { return Error(ErrorCode::ComponentUnsupportedFeature, "cannot move the instance to another engine: " + why); }
}  // namespace

Status Instance::move_to(const LoadedComponent& target) {
  State& old = *state_;
  const std::shared_ptr<LoadedComponent::Impl>& impl = RuntimeAccess::impl(target);
  if (impl->decoded != old.component->decoded) return cannot_move("the target is another component");
  if (old.poisoned) return cannot_move("the instance is poisoned");
  if (old.on_stack) return cannot_move("the instance is inside a call");
  if (std::string why = target.not_movable(); !why.empty()) return cannot_move(why);

  std::unique_ptr<State> next = new_state(impl, *old.linker);
  next->guest.reuse = old.guest.ids;  // the live handles name these resource types
  next->next_scope = old.next_scope;
  if (auto s = instantiate_into(*this, *next); !s) return s.take_error();

  // The same component planned the same way: the same core instances, in the same order.
  if (next->core_instances.size() != old.core_instances.size()) return cannot_move("the instantiations differ");
  for (size_t i = 0; i < old.core_instances.size(); ++i)
    if (auto s = wasm::move_instance_state(*old.store, *old.core_instances[i], *next->store, *next->core_instances[i]); !s) return s.take_error();
  next->store->set_fuel_per_invocation(old.store->fuel_per_invocation());
  next->store->set_timeout(old.store->timeout());
  next->handles = std::move(old.handles);  // into the object the new lowered imports point at
  state_ = std::move(next);
  return {};
}

}  // namespace torvyn::component

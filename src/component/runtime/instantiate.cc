// Instantiation: running a component's plan (plan.h, made once at load) in a new store. Each step
// makes one value the component wires together: a core instance, a lowered host import, a lifted
// export, a resource type's identity or built-in; what the component imports is looked up in the
// Linker and checked against what the component expects of it. (Explainer.md / Binary.md)
#include <algorithm>

#include "calls.h"
#include "internal.h"
#include "torvyn/component/validate.h"
#include "types.h"

namespace torvyn::component {

using namespace detail;

namespace {

Error unlinkable(std::string m) { return Error(ErrorCode::ComponentUnlinkable, std::move(m)); }

class PlanRunner {
 public:
  // Fills `st` (the instance's state, or the next state of an instance being moved) for `ci`.
  PlanRunner(Instance& ci, Instance::State& st) : ci_(ci), st_(st), plan_(*st.component->plan) {}

  Status run() {
    st_.core_instances.resize(plan_.core_instances);
    st_.cores.resize(plan_.cores);
    st_.funcs.resize(plan_.funcs);
    st_.resources.resize(plan_.resources);
    for (const PlanStep& step : plan_.steps)
      if (auto s = std::visit([&](const auto& x) { return this->on(x); }, step); !s) return s;
    // Core instances share memories by alias: each counts once in memory_bytes.
    for (Slot m : plan_.memories) {
      const wasm::Extern& mem = st_.cores[m];
      if (std::none_of(st_.memories.begin(), st_.memories.end(), [&](const wasm::Extern& k) { return k.handle == mem.handle; }))
        st_.memories.push_back(mem);
    }
    return {};
  }

 private:
  Status on(const ImportStep& imp) {
    auto host = st_.linker->find(imp.name);
    if (!host) return unlinkable("the component imports \"" + imp.name + "\", which this host does not provide");
    // What the component expects of the interface (it lists only what it uses), in its order: a
    // function's type may name the resources listed before it.
    for (const ImportStep::Expect& e : imp.expects) {
      if (e.kind == ImportStep::Expect::Kind::Resource) {
        const auto* r = host->resource(e.name);
        if (!r) return unlinkable(imp.name + ": the component expects a resource \"" + e.name + "\" that the host does not define");
        st_.resources[e.slot] = r->id;
        continue;
      }
      const auto* f = host->function(e.name);
      if (!f) return unlinkable(imp.name + ": the component imports function \"" + e.name + "\", which the host does not provide");
      auto want = with_resources(e.type, st_.resources, memo_);
      if (!same_shape(*want, f->type))
        return unlinkable(imp.name + ": function \"" + e.name + "\": the component expects " + want->to_string() + " but the host provides " +
                          f->type.to_string());
      auto fv = std::make_shared<FuncVal>();
      fv->type = f->type;
      fv->host = f;
      fv->host_owner = host;
      st_.funcs[e.slot] = std::move(fv);
    }
    return {};
  }

  Status on(const GuestResourceStep& r) {
    uint32_t id = st_.guest.take_id();
    st_.resources[r.resource] = id;
    if (r.dtor) st_.guest.dtors[id] = st_.cores[*r.dtor];
    return {};
  }

  Status on(const CoreInstantiateStep& ci) {
    std::vector<wasm::Extern> imports;
    imports.reserve(ci.imports.size());
    for (Slot s : ci.imports) imports.push_back(st_.cores[s]);
    auto instance = st_.store->instantiate(*ci.module, imports);
    if (!instance) return instance.take_error();
    st_.core_instances[ci.instance] = *instance;
    return {};
  }

  Status on(const CoreExportStep& e) {
    auto x = st_.core_instances[e.instance]->find_export(e.name);
    if (!x) return Error(ErrorCode::Internal, "core instance " + std::to_string(e.instance) + " lacks its module's export \"" + e.name + "\"");
    st_.cores[e.core] = *x;
    return {};
  }

  Status on(const LowerStep& l) {
    auto li = std::make_unique<LoweredImport>();
    li->owner = &ci_;
    li->target = st_.funcs[l.func];
    li->type = li->target->type;
    li->sig = l.sig;
    options(l.opts, li->opts);
    li->canon = li->opts.canon();
    li->handles = &st_.handles;
    li->store = st_.store.get();
    wasm::Extern f;
    if (const HostInstance::Function* host = li->target->host; host && host->direct) {
      // The compiled crossing: the body's C signature must be exactly the lowered one.
      if (!(host->direct.core == l.core))
        return Error(ErrorCode::Internal, "direct host function " + host->direct.core.to_string() + " does not match its import's lowered signature " +
                                              l.core.to_string());
      li->caller.emplace(ci_, st_.handles, *st_.store, li->canon, host->direct.env);
      f = st_.store->new_host_func(l.core, host->direct.slots, &*li->caller, host->direct.typed);
    } else {
      if (li->target->host && li->target->host->fast) li->fast = &li->target->host->fast;
      f = st_.store->new_host_func(l.core, li->fast ? lowered_fast_trampoline : lowered_trampoline, li.get());
    }
    st_.lowered.push_back(std::move(li));
    st_.cores[l.out] = f;
    return {};
  }

  Status on(const LiftStep& l) {
    auto f = std::make_shared<FuncVal>();
    f->type = *with_resources(l.type, st_.resources, memo_);
    f->core = st_.cores[l.core];
    options(l.opts, f->opts);
    f->canon = f->opts.canon();
    // Compiled only when every piece of guest code the call may run has a raw entry.
    f->raw_core = st_.store->raw_invoke(f->core);
    if (f->opts.post_return) f->raw_post = st_.store->raw_invoke(*f->opts.post_return);
    if (f->opts.realloc) f->raw_realloc = st_.store->raw_func(*f->opts.realloc);
    if ((f->opts.post_return && !f->raw_post) || (f->opts.realloc && !f->raw_realloc)) f->raw_core = {};
    st_.funcs[l.out] = std::move(f);
    return {};
  }

  Status on(const ResourceBuiltinStep& r) {
    auto b = std::make_unique<ResourceBuiltin>();
    b->owner = &ci_;
    b->handles = &st_.handles;
    b->store = st_.store.get();
    b->resource = st_.resources[r.resource];
    b->kind = r.kind == Canon::Kind::ResourceNew ? ResourceBuiltin::Kind::New
              : r.kind == Canon::Kind::ResourceDrop ? ResourceBuiltin::Kind::Drop
                                                    : ResourceBuiltin::Kind::Rep;
    std::vector<FlatType> results;
    if (b->kind != ResourceBuiltin::Kind::Drop) results.push_back(FlatType::I32);
    void* typed = b->kind == ResourceBuiltin::Kind::Drop ? reinterpret_cast<void*>(&resource_drop_typed) : nullptr;
    wasm::Extern f = st_.store->new_host_func(core_func_type({FlatType::I32}, results), resource_builtin, b.get(), typed);
    st_.builtins.push_back(std::move(b));
    st_.cores[r.out] = f;
    return {};
  }

  void options(const PlanCanonOpts& o, CanonOpts& out) {
    if (o.memory) {
      out.memory = st_.cores[*o.memory];
      out.live = st_.store->live_memory(*out.memory);
    }
    if (o.realloc) out.realloc = st_.cores[*o.realloc];
    if (o.post_return) out.post_return = st_.cores[*o.post_return];
  }

  Instance& ci_;
  Instance::State& st_;
  const InstantiationPlan& plan_;
  ResourceMemo memo_;  // the plan's types with this instantiation's resource identities
};

Status compile_modules(LoadedComponent::Impl& impl, const Component& c, const std::string& name) {
  for (const auto& d : c.definitions) {
    if (const auto* m = std::get_if<CoreModule>(&d)) {
      auto mod = impl.engine->load(m->bytes, name + ":module@" + std::to_string(m->offset));
      if (!mod) return mod.take_error();
      impl.core_modules[m->offset] = *mod;
    } else if (const auto* nested = std::get_if<std::shared_ptr<Component>>(&d)) {
      if (auto s = compile_modules(impl, **nested, name); !s) return s;
    }
  }
  return {};
}

bool ready_on(const wasm::Engine& engine, const Component& c) {
  for (const auto& d : c.definitions) {
    if (const auto* m = std::get_if<CoreModule>(&d)) {
      if (!engine.is_ready(m->bytes)) return false;
    } else if (const auto* nested = std::get_if<std::shared_ptr<Component>>(&d)) {
      if (!ready_on(engine, **nested)) return false;
    }
  }
  return true;
}

}  // namespace

Result<std::shared_ptr<LoadedComponent>> LoadedComponent::load(std::shared_ptr<wasm::Engine> engine, std::vector<uint8_t> bytes, std::string name) {
  return load_preferring(std::move(engine), nullptr, std::move(bytes), std::move(name));
}

Result<std::shared_ptr<LoadedComponent>> LoadedComponent::load_preferring(std::shared_ptr<wasm::Engine> preferred, std::shared_ptr<wasm::Engine> meanwhile,
                                                                          std::vector<uint8_t> bytes, std::string name) {
  auto decoded = load_component(std::move(bytes));
  if (!decoded) {
    Error e = decoded.take_error();
    e.message = name + ": " + e.message;
    return e;
  }
  std::shared_ptr<wasm::Engine> engine = std::move(preferred);
  if (meanwhile && !ready_on(*engine, (*decoded)->component)) engine = std::move(meanwhile);
  return compiled(std::move(name), std::move(engine), *decoded);
}

Result<std::shared_ptr<LoadedComponent>> LoadedComponent::load_on(std::shared_ptr<wasm::Engine> engine) const {
  return compiled(name_, std::move(engine), impl_->decoded);
}

Result<std::shared_ptr<LoadedComponent>> LoadedComponent::compiled(std::string name, std::shared_ptr<wasm::Engine> engine,
                                                                   std::shared_ptr<const DecodedComponent> decoded) {
  auto lc = std::make_shared<LoadedComponent>();
  lc->name_ = std::move(name);
  lc->impl_ = std::make_shared<Impl>();
  lc->impl_->engine = std::move(engine);
  lc->impl_->decoded = std::move(decoded);
  if (auto s = compile_modules(*lc->impl_, lc->impl_->decoded->component, lc->name_); !s) return s.take_error();
  // What does not depend on the Linker is worked out (and checked) once, here.
  auto plan = build_plan(lc->impl_->decoded->component, lc->impl_->core_modules);
  if (!plan) {
    Error e = plan.take_error();
    e.message = lc->name_ + ": " + e.message;
    return e;
  }
  lc->impl_->plan = std::move(*plan);
  return lc;
}

wasm::EngineKind LoadedComponent::engine_kind() const { return impl_->engine->kind(); }

Result<std::unique_ptr<Instance>> Instance::instantiate(const LoadedComponent& component, const Linker& linker) {
  auto ci = std::make_unique<Instance>();
  ci->state_ = detail::new_state(detail::RuntimeAccess::impl(component), linker);
  if (auto s = detail::instantiate_into(*ci, *ci->state_); !s) {
    Error e = s.take_error();
    e.message = component.name() + ": " + e.message;
    return e;
  }
  return ci;
}

std::unique_ptr<Instance::State> detail::new_state(std::shared_ptr<LoadedComponent::Impl> component, const Linker& linker) {
  auto st = std::make_unique<Instance::State>();
  st->store = component->engine->new_store();
  st->component = std::move(component);
  st->linker = &linker;
  return st;
}

Status detail::instantiate_into(Instance& ci, Instance::State& st) { return PlanRunner(ci, st).run(); }

}  // namespace torvyn::component

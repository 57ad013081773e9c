// Instantiation: walk a component's definitions in order, filling each index space, instantiating
// core modules against the core instances the component wires together, lowering host imports
// into core functions and lifting core exports into component functions. Nested components are
// instantiated recursively with their arguments. (Explainer.md / Binary.md)
#include <algorithm>
#include <functional>

#include "calls.h"
#include "internal.h"
#include "torvyn/component/validate.h"
#include "types.h"

namespace torvyn::component {

using namespace detail;

namespace {

Error unlinkable(std::string m) { return Error(ErrorCode::ComponentUnlinkable, std::move(m)); }
Error unsupported(std::string m) { return Error(ErrorCode::ComponentUnsupportedFeature, std::move(m)); }

template <typename V>
Result<typename V::value_type> at(const V& space, Index i, const char* what) {
  if (i >= space.size()) return Error(ErrorCode::ComponentInvalid, std::string(what) + " index " + std::to_string(i) + " out of range");
  return space[i];
}

class Instantiator {
 public:
  // Fills `st` (the instance's state, or the next state of an instance being moved) for `ci`.
  Instantiator(Instance& ci, Instance::State& st) : ci_(ci), st_(st) {}

  Result<Env*> run(const Component& ast, const Env* outer, std::map<std::string, Item, std::less<>> args) {
    st_.envs.push_back(std::make_unique<Env>());
    Env& env = *st_.envs.back();
    env.ast = &ast;
    env.outer = outer;
    env.args = std::move(args);
    for (const Definition& d : ast.definitions)
      if (auto s = define(env, d); !s) return s.take_error();
    return &env;
  }

 private:
  Status define(Env& env, const Definition& d) {
    return std::visit([&](const auto& x) { return this->on(env, x); }, d);
  }

  Status on(Env&, const CustomSection&) { return {}; }

  Status on(Env& env, const CoreModule& m) {
    auto it = st_.component->core_modules.find(m.offset);
    if (it == st_.component->core_modules.end()) return Error(ErrorCode::Internal, "core module was not compiled");
    env.core_modules.push_back(it->second);
    return {};
  }

  Status on(Env& env, const CoreInstance& ci) {
    if (ci.kind == CoreInstance::Kind::FromExports) {
      CoreInstanceVal bag;
      for (const auto& e : ci.exports) {
        auto x = core_item(env, e.sort, e.index);
        if (!x) return x.take_error();
        bag.bag[e.name] = *x;
      }
      env.core_instances.push_back(std::move(bag));
      return {};
    }
    auto module = at(env.core_modules, ci.module, "core module");
    if (!module) return module.take_error();
    std::vector<wasm::Extern> imports;
    for (const auto& imp : (*module)->imports()) {
      const CoreInstantiateArg* arg = nullptr;
      for (const auto& a : ci.args)
        if (a.name == imp.module) arg = &a;
      if (!arg) return unlinkable("core module " + (*module)->name() + " imports \"" + imp.module + "\" but the component passes no such instance");
      auto inst = at(env.core_instances, arg->instance, "core instance");
      if (!inst) return inst.take_error();
      std::optional<wasm::Extern> e;
      if (inst->instance) e = inst->instance->find_export(imp.name);
      else if (auto it = inst->bag.find(imp.name); it != inst->bag.end()) e = it->second;
      if (!e) return unlinkable("core module " + (*module)->name() + " imports \"" + imp.module + "\".\"" + imp.name + "\", which is not provided");
      imports.push_back(*e);
    }
    auto instance = st_.store->instantiate(**module, imports);
    if (!instance) return instance.take_error();
    env.core_instances.push_back(CoreInstanceVal{*instance, {}});
    return {};
  }

  Status on(Env& env, const std::shared_ptr<CoreType>&) {
    ++env.core_types;
    return {};
  }

  Status on(Env& env, const std::shared_ptr<Component>& c) {
    env.components.push_back(ComponentDef{c.get(), &env});
    return {};
  }

  Status on(Env& env, const ComponentInstance& ci) {
    auto inst = std::make_shared<InstanceVal>();
    if (ci.kind == ComponentInstance::Kind::FromExports) {
      for (const auto& e : ci.exports) {
        auto item = item_of(env, e.sort, e.index);
        if (!item) return item.take_error();
        inst->items[e.name] = *item;
      }
      env.instances.push_back(inst);
      return {};
    }
    auto def = at(env.components, ci.component, "component");
    if (!def) return def.take_error();
    std::map<std::string, Item, std::less<>> args;
    for (const auto& a : ci.args) {
      auto item = item_of(env, a.sort, a.index);
      if (!item) return item.take_error();
      args[a.name] = *item;
    }
    auto child = run(*def->ast, def->outer, std::move(args));
    if (!child) return child.take_error();
    inst->items = (*child)->exports;
    env.instances.push_back(inst);
    return {};
  }

  Status on(Env& env, const Alias& a) {
    switch (a.target) {
      case Alias::Target::Export: {
        auto inst = at(env.instances, a.instance, "instance");
        if (!inst) return inst.take_error();
        auto it = (*inst)->items.find(a.name);
        if (it == (*inst)->items.end()) return unlinkable("instance " + std::to_string(a.instance) + " has no export \"" + a.name + "\"");
        return push(env, a.sort, it->second);
      }
      case Alias::Target::CoreExport: {
        auto inst = at(env.core_instances, a.instance, "core instance");
        if (!inst) return inst.take_error();
        std::optional<wasm::Extern> e;
        if (inst->instance) e = inst->instance->find_export(a.name);
        else if (auto it = inst->bag.find(a.name); it != inst->bag.end()) e = it->second;
        if (!e) return unlinkable("core instance " + std::to_string(a.instance) + " has no export \"" + a.name + "\"");
        return push_core(env, a.sort, *e);
      }
      case Alias::Target::Outer: {
        const Env* o = outer_env(env, a.outer_count);
        if (!o) return Error(ErrorCode::ComponentInvalid, "outer alias reaches past the outermost component");
        Item item;
        item.sort = a.sort;
        switch (a.sort) {
          case Sort::Type: {
            auto t = at(o->types, a.outer_index, "type");
            if (!t) return t.take_error();
            item.type = *t;
            break;
          }
          case Sort::Component: {
            auto c = at(o->components, a.outer_index, "component");
            if (!c) return c.take_error();
            item.component = *c;
            break;
          }
          case Sort::CoreModule: {
            auto m = at(o->core_modules, a.outer_index, "core module");
            if (!m) return m.take_error();
            item.core_module = *m;
            break;
          }
          case Sort::CoreType: ++env.core_types; return {};
          default: return Error(ErrorCode::ComponentInvalid, "outer aliases may only name types, components and core modules");
        }
        return push(env, a.sort, item);
      }
    }
    return {};
  }

  Status on(Env& env, const std::shared_ptr<Type>& t) {
    auto tv = resolve_type(env, *t, st_.guest);
    if (!tv) return tv.take_error();
    env.types.push_back(*tv);
    return {};
  }

  Status on(Env& env, const Canon& c) {
    switch (c.kind) {
      case Canon::Kind::Lift: {
        auto core = at(env.core_funcs, c.core_func, "core function");
        if (!core) return core.take_error();
        auto t = at(env.types, c.type_index, "type");
        if (!t) return t.take_error();
        if (!t->func) return Error(ErrorCode::ComponentInvalid, "canon lift names a type that is not a function type");
        auto f = std::make_shared<FuncVal>();
        f->type = *t->func;
        f->core = *core;
        if (auto s = options(env, c.options, f->opts); !s) return s;
        f->canon = f->opts.canon();
        CoreSignature sig = lifted_signature(f->type);
        wasm::FuncType want = core_func_type(sig.params, sig.results);
        wasm::FuncType have = st_.store->type_of(f->core).func;
        if (!(want == have))
          return unlinkable("canon lift: the core function has type " + have.to_string() + " but " + f->type.to_string() + " needs " + want.to_string());
        if (f->opts.post_return) {
          // post-return receives the core results (CanonicalABI.md canon_lift).
          wasm::FuncType want_post = core_func_type(sig.results, {});
          wasm::FuncType have_post = st_.store->type_of(*f->opts.post_return).func;
          if (!(want_post == have_post))
            return unlinkable("canon lift: the post-return function has type " + have_post.to_string() + " but must have type " + want_post.to_string());
        }
        // Compiled only when every piece of guest code the call may run has a raw entry.
        f->raw_core = st_.store->raw_invoke(f->core);
        if (f->opts.post_return) f->raw_post = st_.store->raw_invoke(*f->opts.post_return);
        if (f->opts.realloc) f->raw_realloc = st_.store->raw_func(*f->opts.realloc);
        if ((f->opts.post_return && !f->raw_post) || (f->opts.realloc && !f->raw_realloc)) f->raw_core = {};
        env.funcs.push_back(std::move(f));
        return {};
      }
      case Canon::Kind::Lower: {
        auto target = at(env.funcs, c.func, "function");
        if (!target) return target.take_error();
        auto li = std::make_unique<LoweredImport>();
        li->owner = &ci_;
        li->target = *target;
        li->type = (*target)->type;
        li->sig = lowered_signature(li->type);
        if (auto s = options(env, c.options, li->opts); !s) return s;
        li->canon = li->opts.canon();
        li->handles = &st_.handles;
        li->store = st_.store.get();
        wasm::FuncType core = core_func_type(li->sig.params, li->sig.results);
        wasm::Extern f;
        if (const HostInstance::Function* host = li->target->host; host && host->direct) {
          // The compiled crossing: the body's C signature must be exactly the lowered one.
          if (!(host->direct.core == core))
            return Error(ErrorCode::Internal, "direct host function " + host->direct.core.to_string() + " does not match its import's lowered signature " +
                                                  core.to_string());
          li->caller.emplace(ci_, st_.handles, *st_.store, li->canon, host->direct.env);
          f = st_.store->new_host_func(core, host->direct.slots, &*li->caller, host->direct.typed);
        } else {
          if (li->target->host && li->target->host->fast) li->fast = &li->target->host->fast;
          f = st_.store->new_host_func(core, li->fast ? lowered_fast_trampoline : lowered_trampoline, li.get());
        }
        st_.lowered.push_back(std::move(li));
        env.core_funcs.push_back(f);
        return {};
      }
      case Canon::Kind::ResourceNew:
      case Canon::Kind::ResourceDrop:
      case Canon::Kind::ResourceRep: {
        auto t = at(env.types, c.type_index, "type");
        if (!t) return t.take_error();
        if (!t->resource) return Error(ErrorCode::ComponentInvalid, "resource built-in names a type that is not a resource");
        auto b = std::make_unique<ResourceBuiltin>();
        b->owner = &ci_;
        b->handles = &st_.handles;
        b->store = st_.store.get();
        b->resource = *t->resource;
        b->kind = c.kind == Canon::Kind::ResourceNew ? ResourceBuiltin::Kind::New
                  : c.kind == Canon::Kind::ResourceDrop ? ResourceBuiltin::Kind::Drop
                                                        : ResourceBuiltin::Kind::Rep;
        std::vector<FlatType> results;
        if (b->kind != ResourceBuiltin::Kind::Drop) results.push_back(FlatType::I32);
        void* typed = b->kind == ResourceBuiltin::Kind::Drop ? reinterpret_cast<void*>(&resource_drop_typed) : nullptr;
        wasm::Extern f = st_.store->new_host_func(core_func_type({FlatType::I32}, results), resource_builtin, b.get(), typed);
        st_.builtins.push_back(std::move(b));
        env.core_funcs.push_back(f);
        return {};
      }
    }
    return {};
  }

  Status on(Env&, const Start&) { return unsupported("component start functions are not supported"); }

  Status on(Env& env, const Import& imp) {
    Item item;
    if (env.outer == nullptr && env.args.empty()) {
      auto r = import_from_host(env, imp);
      if (!r) return r.take_error();
      item = *r;
    } else {
      auto it = env.args.find(imp.name);
      if (it == env.args.end()) return unlinkable("nested component import \"" + imp.name + "\" was not given an argument");
      item = it->second;
    }
    return push(env, sort_of(imp.desc), item);
  }

  Status on(Env& env, const Export& e) {
    auto item = item_of(env, e.sort, e.index);
    if (!item) return item.take_error();
    env.exports[e.name] = *item;
    // An export also defines a new index in its sort's space (Explainer.md).
    return push(env, e.sort, *item);
  }

  // ---- helpers ------------------------------------------------------------------------------

  static Sort sort_of(const ExternDesc& d) {
    switch (d.kind) {
      case ExternDesc::Kind::CoreModule: return Sort::CoreModule;
      case ExternDesc::Kind::Func: return Sort::Func;
      case ExternDesc::Kind::Value: return Sort::Value;
      case ExternDesc::Kind::Type: return Sort::Type;
      case ExternDesc::Kind::Component: return Sort::Component;
      case ExternDesc::Kind::Instance: return Sort::Instance;
    }
    return Sort::Instance;
  }

  Result<Item> import_from_host(Env& env, const Import& imp) {
    if (imp.desc.kind != ExternDesc::Kind::Instance)
      return unsupported("top-level import \"" + imp.name + "\" is not an instance; only interface imports are supported");
    auto host = st_.linker->find(imp.name);
    if (!host) return unlinkable("the component imports \"" + imp.name + "\", which this host does not provide");
    auto inst = std::make_shared<InstanceVal>();
    for (const auto& [name, r] : host->resources()) {
      Item it;
      it.sort = Sort::Type;
      it.type.resource = r.id;
      inst->items[name] = it;
    }
    for (const auto& [name, f] : host->functions()) {
      auto fv = std::make_shared<FuncVal>();
      fv->type = f.type;
      fv->host = &f;
      fv->host_owner = host;
      Item it;
      it.sort = Sort::Func;
      it.func = fv;
      inst->items[name] = it;
    }
    // Check what the component expects of the interface (it lists only what it uses).
    auto t = at(env.types, imp.desc.type_index, "type");
    if (!t) return t.take_error();
    if (t->instance_type)
      if (auto s = check_instance_type(*t->instance_type, t->defined_in ? t->defined_in : &env, *host, imp.name, *inst); !s)
        return s.take_error();
    Item item;
    item.sort = Sort::Instance;
    item.instance = inst;
    return item;
  }

  // Checks the functions and resources the component expects of a host interface, and makes every
  // type the interface type exports (including `eq` re-exports of other interfaces' types) an item
  // of the instance, so the component can alias it.
  Status check_instance_type(const InstanceType& it, const Env* defined_in, const HostInstance& host, const std::string& iface,
                             InstanceVal& inst) {
    Env local;  // the instance type's own type index space
    local.outer = defined_in;
    for (const auto& d : it.decls) {
      switch (d.kind) {
        case ComponentDecl::Kind::CoreType: break;
        case ComponentDecl::Kind::Type: {
          auto tv = resolve_type(local, *d.type, st_.guest);
          if (!tv) return Error(ErrorCode::ComponentUnlinkable, iface + ": " + tv.error().message);
          local.types.push_back(*tv);
          break;
        }
        case ComponentDecl::Kind::Alias: {
          if (d.alias.target != Alias::Target::Outer || d.alias.sort != Sort::Type) return unsupported(iface + ": unsupported alias in an instance type");
          const Env* o = outer_env(local, d.alias.outer_count);
          if (!o) return Error(ErrorCode::ComponentInvalid, iface + ": outer alias out of range");
          auto t = at(o->types, d.alias.outer_index, "type");
          if (!t) return t.take_error();
          local.types.push_back(*t);
          break;
        }
        case ComponentDecl::Kind::Import: return Error(ErrorCode::ComponentInvalid, iface + ": an instance type cannot import");
        case ComponentDecl::Kind::Export: {
          if (d.desc.kind == ExternDesc::Kind::Type) {
            TypeVal tv;
            if (d.desc.bound.kind == TypeBoundKind::SubResource) {
              const auto* r = host.resource(d.name);
              if (!r) return unlinkable(iface + ": the component expects a resource \"" + d.name + "\" that the host does not define");
              tv.resource = r->id;
            } else {
              auto t = at(local.types, d.desc.bound.type_index, "type");
              if (!t) return t.take_error();
              tv = *t;
            }
            local.types.push_back(tv);
            Item item;
            item.sort = Sort::Type;
            item.type = tv;
            inst.items[d.name] = item;
          } else if (d.desc.kind == ExternDesc::Kind::Func) {
            auto t = at(local.types, d.desc.type_index, "type");
            if (!t) return t.take_error();
            if (!t->func) return Error(ErrorCode::ComponentInvalid, iface + ": function \"" + d.name + "\" has a non-function type");
            const auto* f = host.function(d.name);
            if (!f) return unlinkable(iface + ": the component imports function \"" + d.name + "\", which the host does not provide");
            if (!same_shape(*t->func, f->type))
              return unlinkable(iface + ": function \"" + d.name + "\": the component expects " + t->func->to_string() + " but the host provides " +
                                f->type.to_string());
          }
          break;
        }
      }
    }
    return {};
  }

  Status options(Env& env, const CanonOptions& o, CanonOpts& out) {
    if (o.encoding != CanonOptions::Encoding::Utf8) return unsupported("only the utf8 string encoding is supported (utf16/latin1 are not)");
    if (o.memory) {
      auto m = at(env.core_memories, *o.memory, "core memory");
      if (!m) return m.take_error();
      out.memory = *m;
      out.live = st_.store->live_memory(*m);
    }
    if (o.realloc) {
      auto f = at(env.core_funcs, *o.realloc, "core function");
      if (!f) return f.take_error();
      // cabi_realloc(old_ptr, old_size, align, new_size) -> ptr (CanonicalABI.md); the host calls
      // it with exactly these four arguments.
      wasm::FuncType want = core_func_type({FlatType::I32, FlatType::I32, FlatType::I32, FlatType::I32}, {FlatType::I32});
      wasm::FuncType have = st_.store->type_of(*f).func;
      if (!(want == have)) return unlinkable("the realloc option names a core function of type " + have.to_string() + ", not " + want.to_string());
      out.realloc = *f;
    }
    if (o.post_return) {
      auto f = at(env.core_funcs, *o.post_return, "core function");
      if (!f) return f.take_error();
      out.post_return = *f;
    }
    return {};
  }

  Result<wasm::Extern> core_item(Env& env, CoreSort sort, Index i) {
    switch (sort) {
      case CoreSort::Func: return at(env.core_funcs, i, "core function");
      case CoreSort::Table: return at(env.core_tables, i, "core table");
      case CoreSort::Memory: return at(env.core_memories, i, "core memory");
      case CoreSort::Global: return at(env.core_globals, i, "core global");
      default: return Error(ErrorCode::ComponentInvalid, "only functions, tables, memories and globals can be exported from a core instance");
    }
  }

  Result<Item> item_of(Env& env, Sort sort, Index i) {
    Item item;
    item.sort = sort;
    switch (sort) {
      case Sort::Func: {
        auto f = at(env.funcs, i, "function");
        if (!f) return f.take_error();
        item.func = *f;
        return item;
      }
      case Sort::Type: {
        auto t = at(env.types, i, "type");
        if (!t) return t.take_error();
        item.type = *t;
        return item;
      }
      case Sort::Instance: {
        auto x = at(env.instances, i, "instance");
        if (!x) return x.take_error();
        item.instance = *x;
        return item;
      }
      case Sort::Component: {
        auto c = at(env.components, i, "component");
        if (!c) return c.take_error();
        item.component = *c;
        return item;
      }
      case Sort::CoreModule: {
        auto m = at(env.core_modules, i, "core module");
        if (!m) return m.take_error();
        item.core_module = *m;
        return item;
      }
      default: return unsupported(std::string("items of this sort cannot be passed between components"));
    }
  }

  Status push(Env& env, Sort sort, const Item& item) {
    switch (sort) {
      case Sort::Func:
        if (!item.func) return unlinkable("expected a function");
        env.funcs.push_back(item.func);
        return {};
      case Sort::Type: env.types.push_back(item.type); return {};
      case Sort::Instance:
        if (!item.instance) return unlinkable("expected an instance");
        env.instances.push_back(item.instance);
        return {};
      case Sort::Component: env.components.push_back(item.component); return {};
      case Sort::CoreModule: env.core_modules.push_back(item.core_module); return {};
      case Sort::Value: return unsupported("component values are not supported");
      default: return unsupported("unsupported sort");
    }
  }

  Status push_core(Env& env, Sort sort, wasm::Extern e) {
    switch (sort) {
      case Sort::CoreFunc: env.core_funcs.push_back(e); return {};
      case Sort::CoreTable: env.core_tables.push_back(e); return {};
      case Sort::CoreMemory: env.core_memories.push_back(e); return {};
      case Sort::CoreGlobal: env.core_globals.push_back(e); return {};
      default: return Error(ErrorCode::ComponentInvalid, "a core export alias must name a function, table, memory or global");
    }
  }

  Instance& ci_;
  Instance::State& st_;
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

Status detail::instantiate_into(Instance& ci, Instance::State& st) {
  Instantiator in(ci, st);
  auto root = in.run(st.component->decoded->component, nullptr, {});
  if (!root) return root.take_error();
  // Core instances share memories by alias: each counts once in memory_bytes.
  for (const auto& env : st.envs)
    for (const wasm::Extern& m : env->core_memories)
      if (std::none_of(st.memories.begin(), st.memories.end(), [&](const wasm::Extern& k) { return k.handle == m.handle; }))
        st.memories.push_back(m);
  return {};
}

}  // namespace torvyn::component

// Building a component's instantiation plan (plan.h): its definitions walked once, in order, at
// load, filling each index space with the slots an instantiation will fill, instantiating nested
// components in place with their arguments, and checking at once everything that depends only on
// the component (aliases, core links, core function types). (Explainer.md / Binary.md)
#include <algorithm>
#include <set>

#include "calls.h"
#include "types.h"

namespace torvyn::component::detail {
namespace {

Error unlinkable(std::string m) { return Error(ErrorCode::ComponentUnlinkable, std::move(m)); }
Error unsupported(std::string m) { return Error(ErrorCode::ComponentUnsupportedFeature, std::move(m)); }

// Nested instantiations inline their component's definitions into the plan. The decoder caps
// how deep components nest, but a component can instantiate one that an outer alias names, so
// instantiations can chain deeper than the nesting: bound them, and bound the definitions walked
// in all (a small binary instantiating its components several times per level would otherwise
// make the plan exponential). Each instantiated component counts as a definition too. A million
// took ~115 MB and 0.2 s to refuse, for a component of ~300 bytes; real components plan a few
// thousand at most.
constexpr unsigned kMaxInstantiationDepth = 100;
constexpr uint64_t kMaxPlannedDefinitions = 100'000;

template <typename V>
Result<typename V::value_type> at(const V& space, Index i, const char* what) {
  if (i >= space.size()) return Error(ErrorCode::ComponentInvalid, std::string(what) + " index " + std::to_string(i) + " out of range");
  return space[i];
}

Sort sort_of(const ExternDesc& d) {
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

class PlanBuilder {
 public:
  explicit PlanBuilder(const std::map<uint64_t, std::shared_ptr<wasm::Module>>& modules) : modules_(modules) {}

  Result<std::shared_ptr<const InstantiationPlan>> build(const Component& root) {
    auto scope = run(root, nullptr, {}, true);
    if (!scope) return scope.take_error();
    for (const auto& [name, item] : (*scope)->exports) plan_->exports[name] = exported(item);
    plan_->core_instances = core_instances_;
    plan_->cores = core_types_.size();
    plan_->funcs = func_types_.size();
    plan_->resources = resources_;
    return std::shared_ptr<const InstantiationPlan>(std::move(plan_));
  }

 private:
  Result<Scope*> run(const Component& ast, const Scope* outer, std::map<std::string, ItemRef, std::less<>> args, bool top_level) {
    if (depth_ >= kMaxInstantiationDepth)
      return unsupported("nested component instantiations chain more than " + std::to_string(kMaxInstantiationDepth) + " levels deep");
    ++depth_;
    if (++definitions_ > kMaxPlannedDefinitions) return too_large();
    scopes_.push_back(std::make_unique<Scope>());
    Scope& scope = *scopes_.back();
    scope.outer = outer;
    scope.args = std::move(args);
    scope.top_level = top_level;
    for (const Definition& d : ast.definitions) {
      if (++definitions_ > kMaxPlannedDefinitions) return too_large();
      if (auto s = std::visit([&](const auto& x) { return this->on(scope, x); }, d); !s) return s.take_error();
    }
    --depth_;
    return &scope;
  }

  static Error too_large() {
    return unsupported("the component's nested instantiations amount to more than " + std::to_string(kMaxPlannedDefinitions) +
                       " components and definitions");
  }

  Status on(Scope&, const CustomSection&) { return {}; }

  Status on(Scope& scope, const CoreModule& m) {
    auto it = modules_.find(m.offset);
    if (it == modules_.end()) return Error(ErrorCode::Internal, "core module was not compiled");
    scope.core_modules.push_back(it->second);
    return {};
  }

  Status on(Scope& scope, const CoreInstance& ci) {
    if (ci.kind == CoreInstance::Kind::FromExports) {
      CoreInstanceEntry bag;
      for (const auto& e : ci.exports) {
        auto x = core_item(scope, e.sort, e.index);
        if (!x) return x.take_error();
        bag.bag[e.name] = *x;
      }
      scope.core_instances.push_back(std::move(bag));
      return {};
    }
    auto module = at(scope.core_modules, ci.module, "core module");
    if (!module) return module.take_error();
    CoreInstantiateStep step;
    step.module = *module;
    for (const auto& imp : (*module)->imports()) {
      const CoreInstantiateArg* arg = nullptr;
      for (const auto& a : ci.args)
        if (a.name == imp.module) arg = &a;
      if (!arg) return unlinkable("core module " + (*module)->name() + " imports \"" + imp.module + "\" but the component passes no such instance");
      auto inst = at(scope.core_instances, arg->instance, "core instance");
      if (!inst) return inst.take_error();
      auto e = core_export(*inst, imp.name);
      if (!e) return unlinkable("core module " + (*module)->name() + " imports \"" + imp.module + "\".\"" + imp.name + "\", which is not provided");
      step.imports.push_back(*e);
    }
    step.instance = core_instances_++;
    scope.core_instances.push_back(CoreInstanceEntry{step.instance, *module, {}});
    plan_->steps.emplace_back(std::move(step));
    return {};
  }

  Status on(Scope&, const std::shared_ptr<CoreType>&) { return {}; }

  Status on(Scope& scope, const std::shared_ptr<Component>& c) {
    scope.components.push_back(ComponentDef{c.get(), &scope});
    return {};
  }

  Status on(Scope& scope, const ComponentInstance& ci) {
    auto inst = std::make_shared<InstanceEntry>();
    if (ci.kind == ComponentInstance::Kind::FromExports) {
      for (const auto& e : ci.exports) {
        auto item = item_of(scope, e.sort, e.index);
        if (!item) return item.take_error();
        inst->items[e.name] = *item;
      }
      scope.instances.push_back(std::move(inst));
      return {};
    }
    auto def = at(scope.components, ci.component, "component");
    if (!def) return def.take_error();
    std::map<std::string, ItemRef, std::less<>> args;
    for (const auto& a : ci.args) {
      auto item = item_of(scope, a.sort, a.index);
      if (!item) return item.take_error();
      args[a.name] = *item;
    }
    auto child = run(*def->ast, def->outer, std::move(args), false);
    if (!child) return child.take_error();
    inst->items = (*child)->exports;
    scope.instances.push_back(std::move(inst));
    return {};
  }

  Status on(Scope& scope, const Alias& a) {
    switch (a.target) {
      case Alias::Target::Export: {
        auto inst = at(scope.instances, a.instance, "instance");
        if (!inst) return inst.take_error();
        auto it = (*inst)->items.find(a.name);
        if (it == (*inst)->items.end()) return unlinkable("instance " + std::to_string(a.instance) + " has no export \"" + a.name + "\"");
        return push(scope, a.sort, it->second);
      }
      case Alias::Target::CoreExport: {
        auto inst = at(scope.core_instances, a.instance, "core instance");
        if (!inst) return inst.take_error();
        auto e = core_export(*inst, a.name);
        if (!e) return unlinkable("core instance " + std::to_string(a.instance) + " has no export \"" + a.name + "\"");
        return push_core(scope, a.sort, *e);
      }
      case Alias::Target::Outer: {
        const Scope* o = outer_scope(scope, a.outer_count);
        if (!o) return Error(ErrorCode::ComponentInvalid, "outer alias reaches past the outermost component");
        if (a.sort == Sort::CoreType) return {};
        if (a.sort != Sort::Type && a.sort != Sort::Component && a.sort != Sort::CoreModule)
          return Error(ErrorCode::ComponentInvalid, "outer aliases may only name types, components and core modules");
        auto item = item_of(*o, a.sort, a.outer_index);  // the outer scope's item, as an export names it
        if (!item) return item.take_error();
        return push(scope, a.sort, *item);
      }
    }
    return {};
  }

  Status on(Scope& scope, const std::shared_ptr<Type>& t) {
    if (const auto* r = std::get_if<ResourceType>(&t->def)) {
      // Generative: each instantiation gives it a fresh identity, in this order.
      GuestResourceStep step;
      step.resource = resources_++;
      if (r->dtor_core_func) {
        if (*r->dtor_core_func >= scope.core_funcs.size()) return unlinkable("resource destructor is not a core function");
        step.dtor = scope.core_funcs[*r->dtor_core_func];
      }
      TypeEntry entry;
      entry.resource = step.resource;
      scope.types.push_back(entry);
      plan_->steps.emplace_back(step);
      return {};
    }
    auto tv = resolve_type(scope, *t);
    if (!tv) return tv.take_error();
    scope.types.push_back(*tv);
    return {};
  }

  Status on(Scope& scope, const Canon& c) {
    switch (c.kind) {
      case Canon::Kind::Lift: {
        auto core = at(scope.core_funcs, c.core_func, "core function");
        if (!core) return core.take_error();
        auto t = at(scope.types, c.type_index, "type");
        if (!t) return t.take_error();
        if (!t->func) return Error(ErrorCode::ComponentInvalid, "canon lift names a type that is not a function type");
        LiftStep step;
        step.core = *core;
        step.type = PlanFuncType{t->func, t->has_resources};
        auto opts = options(scope, c.options);
        if (!opts) return opts.take_error();
        step.opts = *opts;
        CoreSignature sig = lifted_signature(*t->func);
        wasm::FuncType want = core_func_type(sig.params, sig.results);
        const wasm::FuncType& have = core_types_[step.core].func;
        if (!(want == have))
          return unlinkable("canon lift: the core function has type " + have.to_string() + " but " + t->func->to_string() + " needs " + want.to_string());
        if (step.opts.post_return) {
          // post-return receives the core results (CanonicalABI.md canon_lift).
          wasm::FuncType want_post = core_func_type(sig.results, {});
          const wasm::FuncType& have_post = core_types_[*step.opts.post_return].func;
          if (!(want_post == have_post))
            return unlinkable("canon lift: the post-return function has type " + have_post.to_string() + " but must have type " + want_post.to_string());
        }
        step.out = new_func(t->func);
        scope.funcs.push_back(step.out);
        plan_->steps.emplace_back(std::move(step));
        return {};
      }
      case Canon::Kind::Lower: {
        auto target = at(scope.funcs, c.func, "function");
        if (!target) return target.take_error();
        LowerStep step;
        step.func = *target;
        auto opts = options(scope, c.options);
        if (!opts) return opts.take_error();
        step.opts = *opts;
        step.sig = lowered_signature(*func_types_[step.func]);
        step.core = core_func_type(step.sig.params, step.sig.results);
        step.out = new_core(wasm::ExternType{wasm::ExternKind::Func, step.core, {}, {}, {}});
        scope.core_funcs.push_back(step.out);
        plan_->steps.emplace_back(std::move(step));
        return {};
      }
      case Canon::Kind::ResourceNew:
      case Canon::Kind::ResourceDrop:
      case Canon::Kind::ResourceRep: {
        auto t = at(scope.types, c.type_index, "type");
        if (!t) return t.take_error();
        if (!t->resource) return Error(ErrorCode::ComponentInvalid, "resource built-in names a type that is not a resource");
        ResourceBuiltinStep step;
        step.kind = c.kind;
        step.resource = *t->resource;
        std::vector<FlatType> results;
        if (c.kind != Canon::Kind::ResourceDrop) results.push_back(FlatType::I32);
        step.out = new_core(wasm::ExternType{wasm::ExternKind::Func, core_func_type({FlatType::I32}, results), {}, {}, {}});
        scope.core_funcs.push_back(step.out);
        plan_->steps.emplace_back(step);
        return {};
      }
    }
    return {};
  }

  Status on(Scope&, const Start&) { return unsupported("component start functions are not supported"); }

  Status on(Scope& scope, const Import& imp) {
    ItemRef item;
    if (scope.top_level) {
      auto r = import_from_host(scope, imp);
      if (!r) return r.take_error();
      item = *r;
    } else {
      auto it = scope.args.find(imp.name);
      if (it == scope.args.end()) return unlinkable("nested component import \"" + imp.name + "\" was not given an argument");
      item = it->second;
    }
    return push(scope, sort_of(imp.desc), item);
  }

  Status on(Scope& scope, const Export& e) {
    auto item = item_of(scope, e.sort, e.index);
    if (!item) return item.take_error();
    scope.exports[e.name] = *item;
    // An export also defines a new index in its sort's space (Explainer.md).
    return push(scope, e.sort, *item);
  }

  // ---- imports ------------------------------------------------------------------------------

  // A top-level import is an interface the Linker will provide: what the component expects of it
  // (the functions and resources its instance type exports) becomes the step's expectations, and
  // each function and type it exports an item the component can alias.
  Result<ItemRef> import_from_host(const Scope& scope, const Import& imp) {
    if (imp.desc.kind != ExternDesc::Kind::Instance)
      return unsupported("top-level import \"" + imp.name + "\" is not an instance; only interface imports are supported");
    auto t = at(scope.types, imp.desc.type_index, "type");
    if (!t) return t.take_error();
    ImportStep step;
    step.name = imp.name;
    auto inst = std::make_shared<InstanceEntry>();
    if (t->instance_type)
      if (auto s = expect_instance_type(*t->instance_type, t->defined_in ? t->defined_in : &scope, step, *inst); !s) return s.take_error();
    plan_->steps.emplace_back(std::move(step));
    ItemRef item;
    item.sort = Sort::Instance;
    item.instance = std::move(inst);
    return item;
  }

  Status expect_instance_type(const InstanceType& it, const Scope* defined_in, ImportStep& step, InstanceEntry& inst) {
    const std::string& iface = step.name;
    // The instance type's own type index space; kept with the others, as the types it defines
    // point back at it.
    scopes_.push_back(std::make_unique<Scope>());
    Scope& local = *scopes_.back();
    local.outer = defined_in;
    for (const auto& d : it.decls) {
      switch (d.kind) {
        case ComponentDecl::Kind::CoreType: break;
        case ComponentDecl::Kind::Type: {
          if (std::holds_alternative<ResourceType>(d.type->def)) return Error(ErrorCode::ComponentInvalid, iface + ": an instance type cannot define a resource");
          auto tv = resolve_type(local, *d.type);
          if (!tv) return Error(ErrorCode::ComponentUnlinkable, iface + ": " + tv.error().message);
          local.types.push_back(*tv);
          break;
        }
        case ComponentDecl::Kind::Alias: {
          if (d.alias.target != Alias::Target::Outer || d.alias.sort != Sort::Type) return unsupported(iface + ": unsupported alias in an instance type");
          const Scope* o = outer_scope(local, d.alias.outer_count);
          if (!o) return Error(ErrorCode::ComponentInvalid, iface + ": outer alias out of range");
          auto t = at(o->types, d.alias.outer_index, "type");
          if (!t) return t.take_error();
          local.types.push_back(*t);
          break;
        }
        case ComponentDecl::Kind::Import: return Error(ErrorCode::ComponentInvalid, iface + ": an instance type cannot import");
        case ComponentDecl::Kind::Export: {
          ItemRef item;
          if (d.desc.kind == ExternDesc::Kind::Type) {
            TypeEntry tv;
            if (d.desc.bound.kind == TypeBoundKind::SubResource) {
              tv.resource = resources_++;
              step.expects.push_back(ImportStep::Expect{ImportStep::Expect::Kind::Resource, d.name, *tv.resource, {}});
            } else {
              auto t = at(local.types, d.desc.bound.type_index, "type");
              if (!t) return t.take_error();
              tv = *t;
            }
            local.types.push_back(tv);
            item.sort = Sort::Type;
            item.type = tv;
          } else if (d.desc.kind == ExternDesc::Kind::Func) {
            auto t = at(local.types, d.desc.type_index, "type");
            if (!t) return t.take_error();
            if (!t->func) return Error(ErrorCode::ComponentInvalid, iface + ": function \"" + d.name + "\" has a non-function type");
            Slot f = new_func(t->func);
            step.expects.push_back(ImportStep::Expect{ImportStep::Expect::Kind::Function, d.name, f, PlanFuncType{t->func, t->has_resources}});
            item.sort = Sort::Func;
            item.func = f;
          } else {
            break;  // other exports of an interface are not linked (as before: only types and functions are)
          }
          inst.items[d.name] = item;
          break;
        }
      }
    }
    return {};
  }

  // ---- helpers ------------------------------------------------------------------------------

  Result<PlanCanonOpts> options(const Scope& scope, const CanonOptions& o) {
    if (o.encoding != CanonOptions::Encoding::Utf8) return unsupported("only the utf8 string encoding is supported (utf16/latin1 are not)");
    PlanCanonOpts out;
    if (o.memory) {
      auto m = at(scope.core_memories, *o.memory, "core memory");
      if (!m) return m.take_error();
      out.memory = *m;
    }
    if (o.realloc) {
      auto f = at(scope.core_funcs, *o.realloc, "core function");
      if (!f) return f.take_error();
      // cabi_realloc(old_ptr, old_size, align, new_size) -> ptr (CanonicalABI.md); the host calls
      // it with exactly these four arguments.
      wasm::FuncType want = core_func_type({FlatType::I32, FlatType::I32, FlatType::I32, FlatType::I32}, {FlatType::I32});
      const wasm::FuncType& have = core_types_[*f].func;
      if (!(want == have)) return unlinkable("the realloc option names a core function of type " + have.to_string() + ", not " + want.to_string());
      out.realloc = *f;
    }
    if (o.post_return) {
      auto f = at(scope.core_funcs, *o.post_return, "core function");
      if (!f) return f.take_error();
      out.post_return = *f;
    }
    return out;
  }

  // The core slot holding export `name` of a core instance; none when it has no such export.
  // A module instance's export is read once per instantiation however often it is named.
  std::optional<Slot> core_export(const CoreInstanceEntry& inst, const std::string& name) {
    if (!inst.instance) {
      auto it = inst.bag.find(name);
      if (it == inst.bag.end()) return std::nullopt;
      return it->second;
    }
    auto known = exports_read_.find({*inst.instance, name});
    if (known != exports_read_.end()) return known->second;
    const auto& exports = inst.module->exports();
    auto e = std::find_if(exports.begin(), exports.end(), [&](const wasm::ExportDesc& x) { return x.name == name; });
    if (e == exports.end()) return std::nullopt;
    Slot slot = new_core(e->type);
    exports_read_.emplace(std::make_pair(*inst.instance, name), slot);
    plan_->steps.emplace_back(CoreExportStep{*inst.instance, name, slot});
    return slot;
  }

  Result<Slot> core_item(const Scope& scope, CoreSort sort, Index i) {
    switch (sort) {
      case CoreSort::Func: return at(scope.core_funcs, i, "core function");
      case CoreSort::Table: return at(scope.core_tables, i, "core table");
      case CoreSort::Memory: return at(scope.core_memories, i, "core memory");
      case CoreSort::Global: return at(scope.core_globals, i, "core global");
      default: return Error(ErrorCode::ComponentInvalid, "only functions, tables, memories and globals can be exported from a core instance");
    }
  }

  Result<ItemRef> item_of(const Scope& scope, Sort sort, Index i) {
    ItemRef item;
    item.sort = sort;
    switch (sort) {
      case Sort::Func: {
        auto f = at(scope.funcs, i, "function");
        if (!f) return f.take_error();
        item.func = *f;
        return item;
      }
      case Sort::Type: {
        auto t = at(scope.types, i, "type");
        if (!t) return t.take_error();
        item.type = *t;
        return item;
      }
      case Sort::Instance: {
        auto x = at(scope.instances, i, "instance");
        if (!x) return x.take_error();
        item.instance = *x;
        return item;
      }
      case Sort::Component: {
        auto c = at(scope.components, i, "component");
        if (!c) return c.take_error();
        item.component = *c;
        return item;
      }
      case Sort::CoreModule: {
        auto m = at(scope.core_modules, i, "core module");
        if (!m) return m.take_error();
        item.core_module = *m;
        return item;
      }
      default: return unsupported(std::string("items of this sort cannot be passed between components"));
    }
  }

  Status push(Scope& scope, Sort sort, const ItemRef& item) {
    switch (sort) {
      case Sort::Func:
        if (!item.func) return unlinkable("expected a function");
        scope.funcs.push_back(*item.func);
        return {};
      case Sort::Type: scope.types.push_back(item.type); return {};
      case Sort::Instance:
        if (!item.instance) return unlinkable("expected an instance");
        scope.instances.push_back(item.instance);
        return {};
      case Sort::Component: scope.components.push_back(item.component); return {};
      case Sort::CoreModule: scope.core_modules.push_back(item.core_module); return {};
      case Sort::Value: return unsupported("component values are not supported");
      default: return unsupported("unsupported sort");
    }
  }

  Status push_core(Scope& scope, Sort sort, Slot s) {
    switch (sort) {
      case Sort::CoreFunc: scope.core_funcs.push_back(s); return {};
      case Sort::CoreTable: scope.core_tables.push_back(s); return {};
      case Sort::CoreMemory:
        scope.core_memories.push_back(s);
        if (memories_.insert(s).second) plan_->memories.push_back(s);
        return {};
      case Sort::CoreGlobal: scope.core_globals.push_back(s); return {};
      default: return Error(ErrorCode::ComponentInvalid, "a core export alias must name a function, table, memory or global");
    }
  }

  static PlanExport exported(const ItemRef& item) {
    PlanExport e;
    e.sort = item.sort;
    e.func = item.func;
    if (item.instance)
      for (const auto& [name, sub] : item.instance->items) e.items[name] = PlanExportItem{sub.sort, sub.func};
    return e;
  }

  Slot new_core(wasm::ExternType type) {
    core_types_.push_back(std::move(type));
    return Slot(core_types_.size() - 1);
  }
  Slot new_func(std::shared_ptr<const AbiFuncType> type) {
    func_types_.push_back(std::move(type));
    return Slot(func_types_.size() - 1);
  }

  const std::map<uint64_t, std::shared_ptr<wasm::Module>>& modules_;
  std::shared_ptr<InstantiationPlan> plan_ = std::make_shared<InstantiationPlan>();
  std::vector<std::unique_ptr<Scope>> scopes_;  // every scope walked: outer aliases point into them
  unsigned depth_ = 0;
  uint64_t definitions_ = 0;
  Slot core_instances_ = 0, resources_ = 0;
  std::vector<wasm::ExternType> core_types_;                       // by core slot
  std::vector<std::shared_ptr<const AbiFuncType>> func_types_;     // by function slot (resources as slots)
  std::map<std::pair<Slot, std::string>, Slot> exports_read_;      // (core instance, export) -> core slot
  std::set<Slot> memories_;                                        // plan_->memories, to list each once
};

}  // namespace

Result<std::shared_ptr<const InstantiationPlan>> build_plan(const Component& component,
                                                            const std::map<uint64_t, std::shared_ptr<wasm::Module>>& modules) {
  return PlanBuilder(modules).build(component);
}

}  // namespace torvyn::component::detail

// Building a component's instantiation plan (plan.h): its definitions walked once, in order, at
// load over the component model's index spaces (torvyn/component/model/walk.h), which resolves
// aliases, instantiation arguments, nested instantiations and outer scopes; the plan builder gives
// each item the slot an instantiation will fill, and checks at once everything that depends only
// on the component (core links, core function types). (Explainer.md / Binary.md)
#include <algorithm>
#include <set>

#include "calls.h"
#include "torvyn/component/model/budget.h"
#include "torvyn/component/model/walk.h"
#include "types.h"

namespace torvyn::component::detail {
namespace {

using model::Fault;
using model::Nest;

Error unlinkable(std::string m) { return Error(ErrorCode::ComponentUnlinkable, std::move(m)); }
Error unsupported(std::string m) { return Error(ErrorCode::ComponentUnsupportedFeature, std::move(m)); }
Error invalid(std::string m) { return Error(ErrorCode::ComponentInvalid, std::move(m)); }

// Nested instantiations inline their component's definitions into the plan. The decoder caps
// how deep components nest, but a component can instantiate one that an outer alias names, so
// instantiations can chain deeper than the nesting: bound them, and bound the definitions walked
// in all (a small binary instantiating its components several times per level would otherwise
// make the plan exponential). Each instantiated component counts as a definition too. A million
// took ~115 MB and 0.2 s to refuse, for a component of ~300 bytes; real components plan a few
// thousand at most.
constexpr unsigned kMaxInstantiationDepth = 100;
constexpr uint64_t kMaxPlannedDefinitions = 100'000;

// How the plan has always named an index space in its errors.
const char* space_name(Sort s) {
  switch (s) {
    case Sort::CoreFunc: return "core function";
    case Sort::CoreTable: return "core table";
    case Sort::CoreMemory: return "core memory";
    case Sort::CoreGlobal: return "core global";
    case Sort::CoreType: return "core type";
    case Sort::CoreModule: return "core module";
    case Sort::CoreInstance: return "core instance";
    case Sort::Func: return "function";
    case Sort::Value: return "value";
    case Sort::Type: return "type";
    case Sort::Component: return "component";
    case Sort::Instance: return "instance";
  }
  return "item";
}

class PlanBuilder : public model::Walk<PlanBuilder, PlanPayload> {
 public:
  explicit PlanBuilder(const std::map<uint64_t, std::shared_ptr<wasm::Module>>& modules) : modules_(modules) {}

  Result<std::shared_ptr<const InstantiationPlan>> build(const Component& root) {
    auto scope = component(root, nullptr, {}, true);
    if (!scope) return scope.take_error();
    for (const auto& [name, item] : (*scope)->exports->items()) plan_->exports[name] = exported(item);
    plan_->core_instances = core_instances_;
    plan_->cores = core_types_.size();
    plan_->funcs = func_types_.size();
    plan_->resources = resources_;
    return std::shared_ptr<const InstantiationPlan>(std::move(plan_));
  }

 private:
  friend class model::Walk<PlanBuilder, PlanPayload>;

  // ---- the model's hooks: limits and faults ----------------------------------------------------

  // Only component instantiations nest (an interface's instance type is read flat) and only
  // components and their definitions count as work: the plan's bounds, as before the model.
  Status enter(Nest n) {
    if (n != Nest::Component) return {};
    if (!budget_.deeper())
      return unsupported("nested component instantiations chain more than " + std::to_string(kMaxInstantiationDepth) + " levels deep");
    if (!budget_.spend()) return too_large();
    return {};
  }
  void leave(Nest n) {
    if (n == Nest::Component) budget_.shallower();
  }
  Status step(Nest n) {
    if (n == Nest::Component && !budget_.spend()) return too_large();
    return {};
  }

  static Error too_large() {
    return unsupported("the component's nested instantiations amount to more than " + std::to_string(kMaxPlannedDefinitions) +
                       " components and definitions");
  }

  static Error refuse(const Fault& f) {
    switch (f.kind) {
      case Fault::Kind::OutOfRange: return invalid(std::string(space_name(f.sort)) + " index " + std::to_string(f.index) + " out of range");
      case Fault::Kind::NoExport: return unlinkable("instance " + std::to_string(f.index) + " has no export \"" + f.name + "\"");
      case Fault::Kind::NoCoreExport: return unlinkable("core instance " + std::to_string(f.index) + " has no export \"" + f.name + "\"");
      case Fault::Kind::WrongSort:
        if (f.sort == Sort::Instance) return unlinkable("expected an instance");
        return unlinkable(std::string("expected a ") + space_name(f.sort));
      case Fault::Kind::OuterTooFar: return invalid("outer alias reaches past the outermost component");
      case Fault::Kind::OuterSort: return invalid("outer aliases may only name types, components and core modules");
      case Fault::Kind::NotCoreItem: return invalid("only functions, tables, memories and globals can be exported from a core instance");
      case Fault::Kind::CoreAliasSort: return invalid("a core export alias must name a function, table, memory or global");
      case Fault::Kind::NotPassable: return unsupported("items of this sort cannot be passed between components");
      case Fault::Kind::NoArgument: return unlinkable("nested component import \"" + f.name + "\" was not given an argument");
      case Fault::Kind::Unindexed:
        return unsupported(f.sort == Sort::Value ? "component values are not supported" : "unsupported sort");
      case Fault::Kind::Empty: return Error(ErrorCode::Internal, "empty " + f.name);
    }
    return Error(ErrorCode::Internal, "unknown fault");
  }

  // ---- the model's hooks: definitions ----------------------------------------------------------

  Result<std::shared_ptr<wasm::Module>> core_module(Scope&, const CoreModule& m) {
    auto it = modules_.find(m.offset);
    if (it == modules_.end()) return Error(ErrorCode::Internal, "core module was not compiled");
    return it->second;
  }

  // A module instantiation: each of the module's imports is an export of the instance the
  // component passes under the import's module name, checked now.
  Result<PlanCoreInstance> instantiate_core(Scope& scope, const CoreInstance& ci) {
    auto module = at(scope.core_modules, Sort::CoreModule, ci.module);
    if (!module) return module.take_error();
    const std::shared_ptr<wasm::Module>& m = **module;
    CoreInstantiateStep step;
    step.module = m;
    for (const auto& imp : m->imports()) {
      const CoreInstantiateArg* arg = nullptr;
      for (const auto& a : ci.args)
        if (a.name == imp.module) arg = &a;
      if (!arg) return unlinkable("core module " + m->name() + " imports \"" + imp.module + "\" but the component passes no such instance");
      auto e = core_export(scope, arg->instance, imp.name);
      if (!e) return e.take_error();
      if (!*e) return unlinkable("core module " + m->name() + " imports \"" + imp.module + "\".\"" + imp.name + "\", which is not provided");
      step.imports.push_back(**e);
    }
    step.instance = core_instances_++;
    plan_->steps.emplace_back(std::move(step));
    return PlanCoreInstance{core_instances_ - 1, m};
  }

  // A module instance's export, read once per instantiation however often it is named.
  std::optional<Slot> read_core_export(const PlanCoreInstance& inst, const std::string& name) {
    auto known = exports_read_.find({inst.instance, name});
    if (known != exports_read_.end()) return known->second;
    const auto& exports = inst.module->exports();
    auto e = std::find_if(exports.begin(), exports.end(), [&](const wasm::ExportDesc& x) { return x.name == name; });
    if (e == exports.end()) return std::nullopt;
    Slot slot = new_core(e->type);
    exports_read_.emplace(std::make_pair(inst.instance, name), slot);
    plan_->steps.emplace_back(CoreExportStep{inst.instance, name, slot});
    return slot;
  }

  void indexed_core(Sort sort, Slot s) {
    if (sort == Sort::CoreMemory && memories_.insert(s).second) plan_->memories.push_back(s);
  }

  Result<PlanType> type(Scope& scope, const Type& t) {
    const auto* r = std::get_if<ResourceType>(&t.def);
    if (!r) return resolve_type(scope, t);
    // Generative: each instantiation gives it a fresh identity, in this order.
    GuestResourceStep step;
    step.resource = resources_++;
    if (r->dtor_core_func) {
      if (*r->dtor_core_func >= scope.core_funcs.size()) return unlinkable("resource destructor is not a core function");
      step.dtor = scope.core_funcs[*r->dtor_core_func];
    }
    PlanType entry;
    entry.resource = step.resource;
    plan_->steps.emplace_back(step);
    return entry;
  }

  Result<Slot> lift(Scope& scope, const Canon& c) {
    auto core = at(scope.core_funcs, Sort::CoreFunc, c.core_func);
    if (!core) return core.take_error();
    auto t = at(scope.types, Sort::Type, c.type_index);
    if (!t) return t.take_error();
    const PlanType& type = (*t)->info;
    if (!type.func) return invalid("canon lift names a type that is not a function type");
    LiftStep step;
    step.core = **core;
    step.type = PlanFuncType{type.func, type.has_resources};
    auto opts = options(scope, c.options);
    if (!opts) return opts.take_error();
    step.opts = *opts;
    CoreSignature sig = lifted_signature(*type.func);
    wasm::FuncType want = core_func_type(sig.params, sig.results);
    const wasm::FuncType& have = core_types_[step.core].func;
    if (!(want == have))
      return unlinkable("canon lift: the core function has type " + have.to_string() + " but " + type.func->to_string() + " needs " + want.to_string());
    if (step.opts.post_return) {
      // post-return receives the core results (CanonicalABI.md canon_lift).
      wasm::FuncType want_post = core_func_type(sig.results, {});
      const wasm::FuncType& have_post = core_types_[*step.opts.post_return].func;
      if (!(want_post == have_post))
        return unlinkable("canon lift: the post-return function has type " + have_post.to_string() + " but must have type " + want_post.to_string());
    }
    Slot out = step.out = new_func(type.func);
    plan_->steps.emplace_back(std::move(step));
    return out;
  }

  // canon lower, and the resource built-ins: each makes a core function.
  Result<Slot> lower(Scope& scope, const Canon& c) {
    if (c.kind == Canon::Kind::Lower) {
      auto target = at(scope.funcs, Sort::Func, c.func);
      if (!target) return target.take_error();
      LowerStep step;
      step.func = **target;
      auto opts = options(scope, c.options);
      if (!opts) return opts.take_error();
      step.opts = *opts;
      step.sig = lowered_signature(*func_types_[step.func]);
      step.core = core_func_type(step.sig.params, step.sig.results);
      Slot out = step.out = new_core(wasm::ExternType{wasm::ExternKind::Func, step.core, {}, {}, {}});
      plan_->steps.emplace_back(std::move(step));
      return out;
    }
    auto t = at(scope.types, Sort::Type, c.type_index);
    if (!t) return t.take_error();
    if (!(*t)->info.resource) return invalid("resource built-in names a type that is not a resource");
    ResourceBuiltinStep step;
    step.kind = c.kind;
    step.resource = *(*t)->info.resource;
    std::vector<FlatType> results;
    if (c.kind != Canon::Kind::ResourceDrop) results.push_back(FlatType::I32);
    step.out = new_core(wasm::ExternType{wasm::ExternKind::Func, core_func_type({FlatType::I32}, results), {}, {}, {}});
    plan_->steps.emplace_back(step);
    return step.out;
  }

  Status start(Scope&, const Start&) { return unsupported("component start functions are not supported"); }

  // The declarations of an imported interface's instance type, read as what the component expects of
  // the interface: its resources and functions become the import step's expectations (each a fresh
  // resource or function slot), its types are resolved as the component's own. Other exports of an
  // interface are not linked, so they stay out of the index spaces.
  struct Expectations {
    PlanBuilder& b;
    ImportStep& step;

    const std::string& iface() const { return step.name; }

    Result<PlanType> type(Scope& local, const Type& t) {
      if (std::holds_alternative<ResourceType>(t.def)) return invalid(iface() + ": an instance type cannot define a resource");
      auto tv = resolve_type(local, t);
      if (!tv) return Error(ErrorCode::ComponentUnlinkable, iface() + ": " + tv.error().message);
      return tv;
    }

    Status alias(Scope& local, const Alias& a) {
      if (a.target != Alias::Target::Outer || a.sort != Sort::Type) return unsupported(iface() + ": unsupported alias in an instance type");
      const Scope* o = model::outer_scope(local, a.outer_count);
      if (!o) return invalid(iface() + ": outer alias out of range");
      auto t = b.item_of(*o, Sort::Type, a.outer_index);
      if (!t) return t.take_error();
      return b.push(local, Sort::Type, *t);
    }

    Result<std::optional<ItemRef>> declare(Scope& local, const ComponentDecl& d) {
      if (d.kind == ComponentDecl::Kind::Import) return invalid(iface() + ": an instance type cannot import");
      ItemRef item;
      if (d.desc.kind == ExternDesc::Kind::Type) {
        item.sort = Sort::Type;
        if (d.desc.bound.kind == TypeBoundKind::SubResource) {
          item.type.info.resource = b.resources_++;
          step.expects.push_back(ImportStep::Expect{ImportStep::Expect::Kind::Resource, d.name, *item.type.info.resource, {}});
        } else {
          auto t = b.at(local.types, Sort::Type, d.desc.bound.type_index);
          if (!t) return t.take_error();
          item.type = **t;
        }
      } else if (d.desc.kind == ExternDesc::Kind::Func) {
        auto t = b.at(local.types, Sort::Type, d.desc.type_index);
        if (!t) return t.take_error();
        const PlanType& type = (*t)->info;
        if (!type.func) return invalid(iface() + ": function \"" + d.name + "\" has a non-function type");
        item.sort = Sort::Func;
        item.func = b.new_func(type.func);
        step.expects.push_back(ImportStep::Expect{ImportStep::Expect::Kind::Function, d.name, item.func, PlanFuncType{type.func, type.has_resources}});
      } else {
        return std::optional<ItemRef>{};
      }
      return std::optional<ItemRef>{std::move(item)};
    }
  };

  // A top-level import is an interface the Linker will provide: what the component expects of it
  // (the functions and resources its instance type exports) becomes the step's expectations, and
  // each function and type it exports an item the component can alias.
  Result<ItemRef> root_import(Scope& scope, const Import& imp) {
    if (imp.desc.kind != ExternDesc::Kind::Instance)
      return unsupported("top-level import \"" + imp.name + "\" is not an instance; only interface imports are supported");
    auto t = at(scope.types, Sort::Type, imp.desc.type_index);
    if (!t) return t.take_error();
    ImportStep step;
    step.name = imp.name;
    ItemRef item;
    item.sort = Sort::Instance;
    item.instance = std::make_shared<model::Instance<PlanPayload>>();
    if ((*t)->instance) {
      Expectations expect{*this, step};
      auto local = declarations((*t)->instance->decls, (*t)->defined_in, expect);
      if (!local) return local.take_error();
      item.instance = (*local)->exports;
    }
    plan_->steps.emplace_back(std::move(step));
    return item;
  }

  // Only nested components are walked: the root imports interfaces, not components.
  Result<model::InstancePtr<PlanPayload>> instantiate_type(Scope&, const model::ComponentRef<PlanPayload>&) {
    return unsupported("instantiating an imported component is not supported");
  }

  // ---- helpers ---------------------------------------------------------------------------------

  Result<PlanCanonOpts> options(const Scope& scope, const CanonOptions& o) {
    if (o.encoding != CanonOptions::Encoding::Utf8) return unsupported("only the utf8 string encoding is supported (utf16/latin1 are not)");
    PlanCanonOpts out;
    if (o.memory) {
      auto m = at(scope.core_memories, Sort::CoreMemory, *o.memory);
      if (!m) return m.take_error();
      out.memory = **m;
    }
    if (o.realloc) {
      auto f = at(scope.core_funcs, Sort::CoreFunc, *o.realloc);
      if (!f) return f.take_error();
      // cabi_realloc(old_ptr, old_size, align, new_size) -> ptr (CanonicalABI.md); the host calls
      // it with exactly these four arguments.
      wasm::FuncType want = core_func_type({FlatType::I32, FlatType::I32, FlatType::I32, FlatType::I32}, {FlatType::I32});
      const wasm::FuncType& have = core_types_[**f].func;
      if (!(want == have)) return unlinkable("the realloc option names a core function of type " + have.to_string() + ", not " + want.to_string());
      out.realloc = **f;
    }
    if (o.post_return) {
      auto f = at(scope.core_funcs, Sort::CoreFunc, *o.post_return);
      if (!f) return f.take_error();
      out.post_return = **f;
    }
    return out;
  }

  static PlanExport exported(const ItemRef& item) {
    PlanExport e;
    e.sort = item.sort;
    if (item.sort == Sort::Func) e.func = item.func;
    if (item.instance)
      for (const auto& [name, sub] : item.instance->items())
        e.items[name] = PlanExportItem{sub.sort, sub.sort == Sort::Func ? std::optional<Slot>(sub.func) : std::nullopt};
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
  model::Budget budget_{kMaxInstantiationDepth, kMaxPlannedDefinitions};
  Slot core_instances_ = 0, resources_ = 0;
  std::vector<wasm::ExternType> core_types_;                    // by core slot
  std::vector<std::shared_ptr<const AbiFuncType>> func_types_;  // by function slot (resources as slots)
  std::map<std::pair<Slot, std::string>, Slot> exports_read_;   // (core instance, export) -> core slot
  std::set<Slot> memories_;                                     // plan_->memories, to list each once
};

}  // namespace

Result<std::shared_ptr<const InstantiationPlan>> build_plan(const Component& component,
                                                            const std::map<uint64_t, std::shared_ptr<wasm::Module>>& modules) {
  return PlanBuilder(modules).build(component);
}

}  // namespace torvyn::component::detail

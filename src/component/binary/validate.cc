// Index-space validation of a component's definitions, in definition order.
#include "torvyn/component/validate.h"

#include <new>

#include "byte_reader.h"
#include "validator.h"

namespace torvyn::component {
namespace validate_detail {
namespace {

// The root plus the decoder's default nesting limit; enforced again for hand-built ASTs.
constexpr unsigned kMaxDepth = 101;

const InfoPtr& unknown() {
  static const InfoPtr u = std::make_shared<ItemInfo>();
  return u;
}

const char* def_name(const Definition& d) {
  static const char* names[] = {"custom section",   "core module",  "core instance", "core type",
                                "nested component", "instance",     "alias",         "type",
                                "canon",            "start",        "import",        "export"};
  return names[d.index()];
}

bool is_core_sort(Sort s) { return s <= Sort::CoreInstance; }

}  // namespace

const char* sort_name(Sort s) {
  static const char* names[] = {"core func", "core table", "core memory", "core global", "core type", "core module",
                                "core instance", "func", "value", "type", "component", "instance"};
  return names[static_cast<size_t>(s)];
}

const char* plural(Sort s) {
  static const char* names[] = {"core funcs", "core tables", "core memories", "core globals", "core types",
                                "core modules", "core instances", "funcs", "values", "types", "components",
                                "instances"};
  return names[static_cast<size_t>(s)];
}

void Validator::fail(const std::string& msg) const {
  std::string m = "component invalid at offset " + binary_detail::hex(offset_) + " (" + what_ + nest_ + "): " + msg;
  throw ValidationFailure{Error(ErrorCode::ComponentInvalid, std::move(m))};
}

uint64_t Validator::space_size(const Scope& s, Sort sort) const {
  switch (sort) {
    case Sort::CoreFunc: return s.core_funcs;
    case Sort::CoreTable: return s.core_tables;
    case Sort::CoreMemory: return s.core_memories;
    case Sort::CoreGlobal: return s.core_globals;
    case Sort::CoreType: return s.core_types.size();
    case Sort::CoreModule: return s.core_modules;
    case Sort::CoreInstance: return s.core_instances.size();
    case Sort::Func: return s.funcs.size();
    case Sort::Value: return s.values;
    case Sort::Type: return s.types.size();
    case Sort::Component: return s.components.size();
    case Sort::Instance: return s.instances.size();
  }
  return 0;
}

void Validator::check_index(Sort sort, uint64_t index, const char* role) {
  uint64_t n = space_size(cur(), sort);
  if (index >= n)
    fail(std::string(role) + " refers to " + sort_name(sort) + " " + std::to_string(index) + ", but only " +
         std::to_string(n) + " " + (n == 1 ? sort_name(sort) : plural(sort)) + (n == 1 ? " is" : " are") +
         " defined at that point");
}

InfoPtr Validator::info_of(const Scope& s, Sort sort, Index index) const {
  switch (sort) {
    case Sort::Func: return s.funcs[index];
    case Sort::Type: return s.types[index];
    case Sort::Component: return s.components[index];
    case Sort::Instance: return s.instances[index];
    default: return nullptr;
  }
}

void Validator::push(Sort sort, InfoPtr info, CoreTypeKind core_type_kind) {
  Scope& s = cur();
  if (!info) info = unknown();
  switch (sort) {
    case Sort::CoreFunc: ++s.core_funcs; break;
    case Sort::CoreTable: ++s.core_tables; break;
    case Sort::CoreMemory: ++s.core_memories; break;
    case Sort::CoreGlobal: ++s.core_globals; break;
    case Sort::CoreType: s.core_types.push_back(core_type_kind); break;
    case Sort::CoreModule: ++s.core_modules; break;
    case Sort::CoreInstance: s.core_instances.push_back(nullptr); break;
    case Sort::Func: s.funcs.push_back(std::move(info)); break;
    case Sort::Value: ++s.values; break;
    case Sort::Type: s.types.push_back(std::move(info)); break;
    case Sort::Component: s.components.push_back(std::move(info)); break;
    case Sort::Instance: s.instances.push_back(std::move(info)); break;
  }
}

void Validator::enter(Scope& s) {
  if (depth_ >= kMaxDepth)
    fail("components and types are nested more than " + std::to_string(kMaxDepth - 1) + " levels deep");
  ++depth_;
  scopes_.push_back(&s);
}

void Validator::leave() {
  scopes_.pop_back();
  --depth_;
}

InfoPtr Validator::component(const Component& c) {
  Scope scope;
  enter(scope);
  const std::string outer_nest = nest_;
  const uint64_t outer_offset = offset_;
  const std::string outer_what = what_;
  if (scopes_.size() > 1) nest_ = " in the nested component at " + binary_detail::hex(c.offset) + outer_nest;
  for (size_t i = 0; i < c.definitions.size(); ++i) {
    offset_ = i < c.offsets.size() ? c.offsets[i] : c.offset;
    what_ = std::string(def_name(c.definitions[i])) + " definition";
    definition(c.definitions[i]);
  }
  nest_ = outer_nest;
  offset_ = outer_offset;
  what_ = outer_what;
  auto info = std::make_shared<ItemInfo>();
  info->kind = TypeKind::Component;
  info->exports = scope.exports;
  info->imports = scope.imports;
  leave();
  return info;
}

void Validator::definition(const Definition& d) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, CustomSection>) {
          // Custom sections carry no semantics.
        } else if constexpr (std::is_same_v<T, CoreModule>) {
          push(Sort::CoreModule, nullptr);
        } else if constexpr (std::is_same_v<T, CoreInstance>) {
          core_instance(x);
        } else if constexpr (std::is_same_v<T, std::shared_ptr<CoreType>>) {
          if (!x) fail("empty core type");
          push(Sort::CoreType, nullptr, core_type(*x));
        } else if constexpr (std::is_same_v<T, std::shared_ptr<Component>>) {
          if (!x) fail("empty nested component");
          push(Sort::Component, component(*x));
        } else if constexpr (std::is_same_v<T, ComponentInstance>) {
          instance(x);
        } else if constexpr (std::is_same_v<T, Alias>) {
          alias(x);
        } else if constexpr (std::is_same_v<T, std::shared_ptr<Type>>) {
          if (!x) fail("empty type");
          push(Sort::Type, type_def(*x));
        } else if constexpr (std::is_same_v<T, Canon>) {
          canon(x);
        } else if constexpr (std::is_same_v<T, Start>) {
          start(x);
        } else if constexpr (std::is_same_v<T, Import>) {
          import(x.name, x.desc);
        } else if constexpr (std::is_same_v<T, Export>) {
          export_(x);
        }
      },
      d);
}

void Validator::core_instance(const CoreInstance& ci) {
  std::unordered_set<std::string> names;
  if (ci.kind == CoreInstance::Kind::Instantiate) {
    check_index(Sort::CoreModule, ci.module, "core instantiation");
    for (const auto& a : ci.args) {
      if (!names.insert(a.name).second) fail("duplicate instantiation argument \"" + a.name + "\"");
      check_index(Sort::CoreInstance, a.instance, ("instantiation argument \"" + a.name + "\"").c_str());
    }
    cur().core_instances.push_back(nullptr);  // exports known only once the module is decoded
    return;
  }
  auto exports = std::make_shared<CoreExports>();
  for (const auto& e : ci.exports) {
    Sort sort;
    switch (e.sort) {
      case CoreSort::Func: sort = Sort::CoreFunc; break;
      case CoreSort::Table: sort = Sort::CoreTable; break;
      case CoreSort::Memory: sort = Sort::CoreMemory; break;
      case CoreSort::Global: sort = Sort::CoreGlobal; break;
      default: fail("core instance export \"" + e.name + "\": core instances export only funcs, tables, memories and globals");
    }
    if (!exports->emplace(e.name, e.sort).second) fail("duplicate core export name \"" + e.name + "\"");
    check_index(sort, e.index, ("core export \"" + e.name + "\"").c_str());
  }
  cur().core_instances.push_back(std::move(exports));
}

// Items a component can import, export or pass to an instantiation: everything but core items
// other than modules.
void Validator::check_component_item_sort(Sort sort, const char* role) {
  if (is_core_sort(sort) && sort != Sort::CoreModule)
    fail(std::string(role) + " is a " + sort_name(sort) + "; components can only pass core modules among core items");
}

void Validator::instance(const ComponentInstance& ci) {
  auto info = std::make_shared<ItemInfo>();
  info->kind = TypeKind::Instance;
  if (ci.kind == ComponentInstance::Kind::Instantiate) {
    check_index(Sort::Component, ci.component, "instantiation");
    std::unordered_map<std::string, Sort> args;
    for (const auto& a : ci.args) {
      std::string role = "instantiation argument \"" + a.name + "\"";
      if (!args.emplace(a.name, a.sort).second) fail("duplicate " + role);
      check_component_item_sort(a.sort, role.c_str());
      check_index(a.sort, a.index, role.c_str());
    }
    const InfoPtr& c = cur().components[ci.component];
    if (c->imports) {
      for (const auto& [name, sort] : *c->imports) {
        auto it = args.find(name);
        if (it == args.end())
          fail("instantiation of component " + std::to_string(ci.component) + " does not supply its import \"" + name + "\"");
        if (it->second != sort)
          fail("instantiation argument \"" + name + "\" is a " + sort_name(it->second) + ", but the component imports a " +
               sort_name(sort));
      }
    }
    info->exports = c->exports;
  } else {
    auto exports = std::make_shared<ExportTable>();
    for (const auto& e : ci.exports) {
      std::string role = "instance export \"" + e.name + "\"";
      check_component_item_sort(e.sort, role.c_str());
      check_index(e.sort, e.index, role.c_str());
      if (!exports->emplace(e.name, ExportEntry{e.sort, info_of(cur(), e.sort, e.index)}).second)
        fail("duplicate export name \"" + e.name + "\"");
    }
    info->exports = std::move(exports);
  }
  push(Sort::Instance, std::move(info));
}

void Validator::alias(const Alias& a) {
  switch (a.target) {
    case Alias::Target::Export: {
      check_index(Sort::Instance, a.instance, "alias export");
      std::string role = "alias of export \"" + a.name + "\" of instance " + std::to_string(a.instance);
      check_component_item_sort(a.sort, role.c_str());
      const InfoPtr& inst = cur().instances[a.instance];
      InfoPtr info;
      if (inst->exports) {
        auto it = inst->exports->find(a.name);
        if (it == inst->exports->end())
          fail("instance " + std::to_string(a.instance) + " has no export named \"" + a.name + "\"");
        if (it->second.sort != a.sort)
          fail(role + ": the export is a " + sort_name(it->second.sort) + ", not a " + sort_name(a.sort));
        info = it->second.info;
      }
      push(a.sort, info);
      return;
    }
    case Alias::Target::CoreExport: {
      check_index(Sort::CoreInstance, a.instance, "alias core export");
      CoreSort cs;
      switch (a.sort) {
        case Sort::CoreFunc: cs = CoreSort::Func; break;
        case Sort::CoreTable: cs = CoreSort::Table; break;
        case Sort::CoreMemory: cs = CoreSort::Memory; break;
        case Sort::CoreGlobal: cs = CoreSort::Global; break;
        default:
          fail(std::string("alias core export of \"") + a.name + "\" as a " + sort_name(a.sort) +
               ": core instances export only core funcs, tables, memories and globals");
      }
      const auto& exports = cur().core_instances[a.instance];
      if (exports) {
        auto it = exports->find(a.name);
        if (it == exports->end()) fail("core instance " + std::to_string(a.instance) + " has no export named \"" + a.name + "\"");
        if (it->second != cs)
          fail("alias core export \"" + a.name + "\": the export has another sort than " + sort_name(a.sort));
      }
      push(a.sort, nullptr);
      return;
    }
    case Alias::Target::Outer: {
      if (a.sort != Sort::Type && a.sort != Sort::Component && a.sort != Sort::CoreType && a.sort != Sort::CoreModule)
        fail(std::string("outer aliases may only alias types, components, core types and core modules, not ") + plural(a.sort));
      if (a.outer_count >= scopes_.size())
        fail("outer alias count " + std::to_string(a.outer_count) + " exceeds the " + std::to_string(scopes_.size() - 1) +
             " enclosing components and types");
      const Scope& target = *scopes_[scopes_.size() - 1 - a.outer_count];
      uint64_t n = space_size(target, a.sort);
      if (a.outer_index >= n)
        fail("outer alias refers to " + std::string(sort_name(a.sort)) + " " + std::to_string(a.outer_index) + ", but only " +
             std::to_string(n) + " are defined in the enclosing scope " + std::to_string(a.outer_count) + " levels out");
      if (a.sort == Sort::CoreType) {
        push(a.sort, nullptr, target.core_types[a.outer_index]);
        return;
      }
      InfoPtr info = info_of(target, a.sort, a.outer_index);
      if (a.outer_count > 0 && info && info->resource_owner)
        fail("outer alias of type " + std::to_string(a.outer_index) + ": resource types are generative and cannot be outer-aliased");
      push(a.sort, info);
      return;
    }
  }
}

void Validator::canon(const Canon& c) {
  const CanonOptions& o = c.options;
  auto options = [&](const ItemInfo* f, bool lift) {
    if (o.memory) check_index(Sort::CoreMemory, *o.memory, "memory option");
    if (o.realloc) check_index(Sort::CoreFunc, *o.realloc, "realloc option");
    if (o.post_return) {
      if (!lift) fail("the post-return option is only allowed on canon lift");
      check_index(Sort::CoreFunc, *o.post_return, "post-return option");
    }
    if (!f || f->kind != TypeKind::Func || !f->params.known || !f->results.known) return;
    // What the Canonical ABI touches: strings/lists live in linear memory; more than 16 flat
    // parameters or more than 1 flat result travel through memory too; whoever receives
    // strings/lists allocates them with realloc.
    bool memory = f->params.needs_memory || f->results.needs_memory || f->params.flat > 16 || f->results.flat > 1;
    bool realloc = lift ? (f->params.needs_memory || f->params.flat > 16) : f->results.needs_memory;
    const char* what = lift ? "canon lift" : "canon lower";
    if (memory && !o.memory)
      fail(std::string(what) + " needs the memory option: the function passes strings, lists or more flat values "
                               "than fit in registers through linear memory");
    if (realloc && !o.realloc)
      fail(std::string(what) + " needs the realloc option: strings or lists are passed into the " +
           (lift ? "component" : "caller") + " and must be allocated there");
  };
  switch (c.kind) {
    case Canon::Kind::Lift: {
      check_index(Sort::CoreFunc, c.core_func, "canon lift");
      check_index(Sort::Type, c.type_index, "canon lift type");
      const InfoPtr& t = cur().types[c.type_index];
      if (t->kind != TypeKind::Func && t->kind != TypeKind::Unknown)
        fail("canon lift type " + std::to_string(c.type_index) + " is not a func type");
      options(t.get(), true);
      push(Sort::Func, t);
      return;
    }
    case Canon::Kind::Lower: {
      check_index(Sort::Func, c.func, "canon lower");
      options(cur().funcs[c.func].get(), false);
      push(Sort::CoreFunc, nullptr);
      return;
    }
    case Canon::Kind::ResourceNew:
    case Canon::Kind::ResourceDrop:
    case Canon::Kind::ResourceRep: {
      const char* what = c.kind == Canon::Kind::ResourceNew    ? "canon resource.new"
                         : c.kind == Canon::Kind::ResourceDrop ? "canon resource.drop"
                                                               : "canon resource.rep";
      check_index(Sort::Type, c.type_index, what);
      const InfoPtr& t = cur().types[c.type_index];
      if (t->kind != TypeKind::Resource && t->kind != TypeKind::Unknown)
        fail(std::string(what) + " refers to type " + std::to_string(c.type_index) + ", which is not a resource type");
      if (c.kind != Canon::Kind::ResourceDrop && t->kind == TypeKind::Resource && t->resource_owner != &cur())
        fail(std::string(what) + " needs a resource type defined by this component, not an imported one");
      push(Sort::CoreFunc, nullptr);
      return;
    }
  }
}

void Validator::start(const Start& s) {
  check_index(Sort::Func, s.func, "start");
  for (Index v : s.args) check_index(Sort::Value, v, "start argument");
  const InfoPtr& f = cur().funcs[s.func];
  if (f->kind == TypeKind::Func) {
    if (f->param_count != s.args.size())
      fail("start function takes " + std::to_string(f->param_count) + " arguments, " + std::to_string(s.args.size()) + " given");
    if (f->result_count != s.results)
      fail("start function returns " + std::to_string(f->result_count) + " results, " + std::to_string(s.results) +
           " declared");
  }
  // Results become values; count them without materialising anything per value.
  cur().values += s.results;
}

void Validator::import(const std::string& name, const ExternDesc& desc) {
  if (!cur().import_names.insert(name).second) fail("duplicate import name \"" + name + "\"");
  ExportEntry e = externdesc(desc);
  cur().imports->emplace_back(name, e.sort);
  push(e.sort, e.info);
}

void Validator::export_(const Export& e) {
  std::string role = "export \"" + e.name + "\"";
  if (cur().exports->count(e.name)) fail("duplicate export name \"" + e.name + "\"");
  check_component_item_sort(e.sort, role.c_str());
  check_index(e.sort, e.index, role.c_str());
  InfoPtr info = info_of(cur(), e.sort, e.index);
  if (e.desc) {
    ExportEntry ascribed = externdesc(*e.desc);
    if (ascribed.sort != e.sort)
      fail(role + " is a " + sort_name(e.sort) + " but is ascribed the type of a " + sort_name(ascribed.sort));
  }
  (*cur().exports)[e.name] = ExportEntry{e.sort, info};
  push(e.sort, info);  // an export introduces a new index, like an alias
}

}  // namespace validate_detail

Status validate_component(const Component& component) {
  try {
    validate_detail::Validator v;
    v.component(component);
    return {};
  } catch (validate_detail::ValidationFailure& f) {
    return std::move(f.error);
  } catch (const std::bad_alloc&) {
    return Error(ErrorCode::ComponentUnsupported, "component too large to validate: out of memory");
  }
}

Result<std::shared_ptr<const DecodedComponent>> load_component(std::vector<uint8_t> bytes, const DecodeLimits& limits) {
  auto decoded = decode_component(std::move(bytes), limits);
  if (!decoded) return decoded.take_error();
  Status st = validate_component(decoded.value()->component);
  if (!st) return st.take_error();
  return decoded;
}

}  // namespace torvyn::component

// A walk for the model's tests: each item's payload is a name saying where it came from ("lift#0",
// "host.f", "inst#0.memory"), so a test reads off which definition an index resolved to. Its
// components are built by hand as ASTs (the helpers below), without the decoder.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "torvyn/component/model/budget.h"
#include "torvyn/component/model/walk.h"

namespace torvyn::component::model::test {

struct Names {
  using Type = std::string;
  using Func = std::string;
  using Core = std::string;
  using Module = std::string;
  using CoreInstance = std::string;
  static constexpr bool kValues = true;
};

class Namer : public Walk<Namer, Names> {
 public:
  explicit Namer(unsigned max_depth = 100, uint64_t max_work = 100'000) : budget_(max_depth, max_work) {}

  Result<Scope*> root(const Component& c) { return component(c, nullptr, {}, true); }

  std::vector<Fault> faults;  // every fault refused, in order
  unsigned deepest = 0;       // the most scopes open at once

 private:
  friend class Walk<Namer, Names>;

  Error refuse(const Fault& f) {
    faults.push_back(f);
    return Error(ErrorCode::ComponentInvalid, "fault " + std::to_string(static_cast<int>(f.kind)) + ": " + f.name);
  }
  Status enter(Nest) {
    if (!budget_.deeper()) return Error(ErrorCode::ComponentUnsupported, "too deep");
    deepest = std::max(deepest, ++open_);
    return {};
  }
  void leave(Nest) {
    budget_.shallower();
    --open_;
  }
  Status step(Nest) {
    if (!budget_.spend()) return Error(ErrorCode::ComponentUnsupported, "too much work");
    return {};
  }

  Result<std::string> type(Scope&, const Type&) { return "type#" + std::to_string(types_++); }
  Result<std::string> lift(Scope&, const Canon&) { return "lift#" + std::to_string(lifts_++); }
  Result<std::string> lower(Scope&, const Canon&) { return "lower#" + std::to_string(lowers_++); }
  Result<std::string> core_module(Scope&, const CoreModule&) { return "module#" + std::to_string(modules_++); }
  Result<std::string> instantiate_core(Scope&, const CoreInstance&) { return "inst#" + std::to_string(core_instances_++); }
  std::optional<std::string> read_core_export(const std::string& inst, const std::string& name) {
    if (name == "missing") return std::nullopt;
    return inst + "." + name;
  }
  Result<InstancePtr> instantiate_type(Scope&, const ComponentRef& ref) {
    if (!ref.type) return InstancePtr(std::make_shared<Instance>());
    auto s = declarations(ref.type->decls, ref.defined_in, decls_);
    if (!s) return s.take_error();
    return InstancePtr((*s)->exports);
  }

  // An instance import reads its instance type; any other import is an item named after it.
  Result<Item> root_import(Scope& s, const Import& imp) {
    Item item;
    item.sort = sort_of(imp.desc);
    if (imp.desc.kind != ExternDesc::Kind::Instance) {
      item.func = imp.name;
      return item;
    }
    auto t = at(s.types, Sort::Type, imp.desc.type_index);
    if (!t) return t.take_error();
    auto inst = instance_type(**t, imp.name);
    if (!inst) return inst.take_error();
    item.instance = *inst;
    return item;
  }

  Result<InstancePtr> instance_type(const TypeEntry& t, const std::string& name) {
    if (!t.instance) return Error(ErrorCode::ComponentInvalid, "not an instance type");
    Decls visit{*this, name};
    auto s = declarations(t.instance->decls, t.defined_in, visit);
    if (!s) return s.take_error();
    return InstancePtr((*s)->exports);
  }

  // Declarations: a function is named "<instance>.<name>", a resource "resource:<name>"; an
  // exported instance's type is walked in turn.
  struct Decls {
    Namer& n;
    std::string prefix;
    Result<std::string> type(Scope& s, const Type& t) { return n.type(s, t); }
    Status alias(Scope& s, const Alias& a) { return n.alias(s, a); }
    Result<std::optional<Item>> declare(Scope& s, const ComponentDecl& d) {
      Item item;
      item.sort = sort_of(d.desc);
      switch (d.desc.kind) {
        case ExternDesc::Kind::Func: item.func = prefix + "." + d.name; break;
        case ExternDesc::Kind::Type:
          if (d.desc.bound.kind == TypeBoundKind::SubResource) {
            item.type.info = "resource:" + d.name;
          } else {
            auto t = n.at(s.types, Sort::Type, d.desc.bound.type_index);
            if (!t) return t.take_error();
            item.type = **t;
          }
          break;
        case ExternDesc::Kind::Instance: {
          auto t = n.at(s.types, Sort::Type, d.desc.type_index);
          if (!t) return t.take_error();
          auto inst = n.instance_type(**t, prefix + "." + d.name);
          if (!inst) return inst.take_error();
          item.instance = *inst;
          break;
        }
        default: return std::optional<Item>{};  // left out of the index spaces
      }
      return std::optional<Item>{std::move(item)};
    }
  };

  Budget budget_;
  unsigned open_ = 0;
  int types_ = 0, lifts_ = 0, lowers_ = 0, modules_ = 0, core_instances_ = 0;
  Decls decls_{*this, "imported"};
};

// ---- components by hand ----

inline Component comp(std::vector<Definition> defs) {
  Component c;
  c.definitions = std::move(defs);
  return c;
}
inline std::shared_ptr<Component> nested(std::vector<Definition> defs) { return std::make_shared<Component>(comp(std::move(defs))); }

inline std::shared_ptr<Type> value_type() { return std::make_shared<Type>(Type{DefValType{PrimValType::U8}}); }
inline std::shared_ptr<Type> instance_type(std::vector<ComponentDecl> decls) {
  return std::make_shared<Type>(Type{InstanceType{std::move(decls)}});
}

inline Alias export_alias(Sort sort, Index instance, std::string name) {
  Alias a;
  a.sort = sort;
  a.target = Alias::Target::Export;
  a.instance = instance;
  a.name = std::move(name);
  return a;
}
inline Alias core_export_alias(Sort sort, Index instance, std::string name) {
  Alias a = export_alias(sort, instance, std::move(name));
  a.target = Alias::Target::CoreExport;
  return a;
}
inline Alias outer_alias(Sort sort, uint32_t count, Index index) {
  Alias a;
  a.sort = sort;
  a.target = Alias::Target::Outer;
  a.outer_count = count;
  a.outer_index = index;
  return a;
}

inline ComponentInstance instantiate(Index component, std::vector<InstantiateArg> args = {}) {
  ComponentInstance ci;
  ci.kind = ComponentInstance::Kind::Instantiate;
  ci.component = component;
  ci.args = std::move(args);
  return ci;
}

inline Export export_(std::string name, Sort sort, Index index) {
  Export e;
  e.name = std::move(name);
  e.sort = sort;
  e.index = index;
  return e;
}

inline ExternDesc desc(ExternDesc::Kind kind, Index type_index = 0) {
  ExternDesc d;
  d.kind = kind;
  d.type_index = type_index;
  return d;
}
inline Import import_(std::string name, ExternDesc d) { return Import{std::move(name), d, {}}; }

inline Canon lift() {
  Canon c;
  c.kind = Canon::Kind::Lift;
  return c;
}
inline Canon lower() {
  Canon c;
  c.kind = Canon::Kind::Lower;
  return c;
}

inline ComponentDecl decl_export(std::string name, ExternDesc d) {
  ComponentDecl x;
  x.kind = ComponentDecl::Kind::Export;
  x.name = std::move(name);
  x.desc = d;
  return x;
}
inline ComponentDecl decl_type(std::shared_ptr<Type> t) {
  ComponentDecl x;
  x.kind = ComponentDecl::Kind::Type;
  x.type = std::move(t);
  return x;
}
inline ComponentDecl decl_alias(Alias a) {
  ComponentDecl x;
  x.kind = ComponentDecl::Kind::Alias;
  x.alias = std::move(a);
  return x;
}

}  // namespace torvyn::component::model::test

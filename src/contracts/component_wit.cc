// Reading a component's type back as WIT (component_wit.h): a symbolic walk of the component's
// index spaces (torvyn/component/model/walk.h), attaching WIT types and function signatures.
#include "torvyn/contracts/component_wit.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include <cstdio>

#include "torvyn/base/file_read.h"
#include "torvyn/component/binary_reader.h"
#include "torvyn/component/model/budget.h"
#include "torvyn/component/model/walk.h"
#include "torvyn/component/validate.h"
#include "torvyn/wasm/validate.h"

namespace torvyn::contracts {

namespace fs = std::filesystem;
namespace cm = torvyn::component;

namespace {

// Nested components instantiate nested components; the decoder caps nesting at 100 levels, we stop
// a little earlier so a hostile binary cannot make the walk deep.
constexpr int kMaxDepth = 64;
// Each instantiation walks the nested component again, so a small binary instantiating its nested
// components several times per level could make the walk exponential: cap the total work. At
// 1,000,000 a 300-byte bomb (ComponentWitTest.AnInstantiationBombIsRefusedNotWalked) kept `check`
// busy for 1.25 s before the refusal; 100,000, the instantiation plan's cap too, refuses it in a
// tenth of that, and real components walk a few thousand steps (the 12 MB JS one included).
constexpr uint64_t kMaxSteps = 100'000;

struct FuncSig {
  std::vector<std::pair<std::string, wit::Type>> params;
  std::optional<wit::Type> result;
};
using FuncPtr = std::shared_ptr<const FuncSig>;

// What the WIT reading knows of a type: a value type as WIT (a resource is Type::of its Resource
// TypeDef), or a function's signature. Instance and component types are the model's.
struct WitType {
  enum class Kind { Other, Value, Func } kind = Kind::Other;
  wit::Type value;
  FuncPtr func;
};

// Core items and modules carry nothing: WIT has no word for them.
struct WitPayload {
  using Type = WitType;
  using Func = FuncPtr;
  using Core = std::monostate;
  using Module = std::monostate;
  using CoreInstance = std::monostate;
  static constexpr bool kValues = true;  // values are items, though no WIT world lists them
};

using Space = cm::model::Scope<WitPayload>;
using TypeEntry = cm::model::TypeEntry<WitPayload>;
using Item = cm::model::Item<WitPayload>;
using InstSig = cm::model::Instance<WitPayload>;
using InstPtr = cm::model::InstancePtr<WitPayload>;
using ComponentRef = cm::model::ComponentRef<WitPayload>;
using cm::model::Fault;
using cm::model::Nest;

Error invalid(std::string msg) { return Error(ErrorCode::ComponentInvalid, "component type: " + std::move(msg)); }
Error unsupported(std::string msg) { return Error(ErrorCode::ComponentUnsupported, "component type: " + std::move(msg)); }

wit::TypeKind prim(cm::PrimValType p) {
  switch (p) {
    case cm::PrimValType::Bool: return wit::TypeKind::Bool;
    case cm::PrimValType::S8: return wit::TypeKind::S8;
    case cm::PrimValType::U8: return wit::TypeKind::U8;
    case cm::PrimValType::S16: return wit::TypeKind::S16;
    case cm::PrimValType::U16: return wit::TypeKind::U16;
    case cm::PrimValType::S32: return wit::TypeKind::S32;
    case cm::PrimValType::U32: return wit::TypeKind::U32;
    case cm::PrimValType::S64: return wit::TypeKind::S64;
    case cm::PrimValType::U64: return wit::TypeKind::U64;
    case cm::PrimValType::F32: return wit::TypeKind::F32;
    case cm::PrimValType::F64: return wit::TypeKind::F64;
    case cm::PrimValType::Char: return wit::TypeKind::Char;
    case cm::PrimValType::String: return wit::TypeKind::String;
  }
  return wit::TypeKind::Bool;
}

std::string_view sort_name(cm::Sort s) {
  switch (s) {
    case cm::Sort::Func: return "func";
    case cm::Sort::Type: return "type";
    case cm::Sort::Instance: return "instance";
    case cm::Sort::Component: return "component";
    case cm::Sort::Value: return "value";
    default: return "core item";
  }
}

class Builder : public cm::model::Walk<Builder, WitPayload> {
 public:
  explicit Builder(wit::Resolve& r) : r_(r) {
    r_.packages.push_back(std::make_unique<wit::Package>());
    root_pkg_ = r_.packages.back().get();
    root_pkg_->name.ns = "root";
    root_pkg_->name.name = "component";
    r_.worlds.push_back(std::make_unique<wit::World>());
    world_ = r_.worlds.back().get();
    world_->name = "root";
    world_->package = root_pkg_;
    root_pkg_->worlds.push_back(world_);
  }

  const wit::World* world() const { return world_; }

  Status root(const cm::Component& c) {
    auto scope = component(c, nullptr, {}, true);
    if (!scope) return scope.take_error();
    // The root package goes last: packages are in dependency order.
    std::rotate(r_.packages.begin(), r_.packages.begin() + 1, r_.packages.end());
    r_.root = root_pkg_;
    return {};
  }

 private:
  friend class cm::model::Walk<Builder, WitPayload>;

  wit::Resolve& r_;
  wit::Package* root_pkg_ = nullptr;
  wit::World* world_ = nullptr;
  std::map<std::string, wit::Package*> packages_;
  std::set<const wit::TypeDef*> unowned_;  // anonymous nameable types not yet adopted by an export
  std::map<const wit::TypeDef*, wit::TypeDef*> mutable_;
  cm::model::Budget budget_{kMaxDepth, kMaxSteps};

  // ---- the model's hooks: limits and faults ----

  Status enter(Nest n) {
    if (!budget_.deeper())
      return unsupported(std::string(n == Nest::Component ? "components" : "types") + " nested more than " + std::to_string(kMaxDepth) +
                         " levels deep");
    return {};
  }
  void leave(Nest) { budget_.shallower(); }
  Status step(Nest) {
    if (!budget_.spend()) return unsupported("the component's types are too large to read (more than 100,000 definitions to walk)");
    return {};
  }

  static Error refuse(const Fault& f) {
    std::string sort(sort_name(f.sort)), index = std::to_string(f.index);
    switch (f.kind) {
      case Fault::Kind::OutOfRange:
        switch (f.use) {
          case Fault::Use::Item: return invalid(sort + " index " + index + " is out of range");
          case Fault::Use::AliasedInstance: return invalid("alias of instance " + index + ", which is out of range");
          case Fault::Use::Instantiated: return invalid("instantiation of component " + index + ", which is out of range");
          case Fault::Use::OuterItem: return invalid("outer alias of " + sort + " " + index + ", which is out of range");
        }
        break;
      case Fault::Kind::NoExport: return invalid("alias of `" + f.name + "`, which instance " + index + " does not export");
      case Fault::Kind::NoCoreExport: return invalid("alias of `" + f.name + "`, which core instance " + index + " does not export");
      case Fault::Kind::WrongSort:
        if (!f.name.empty()) return invalid("alias of `" + f.name + "` as a " + sort + ", but it is a " + std::string(sort_name(f.found)));
        return invalid("a " + std::string(sort_name(f.found)) + " where a " + sort + " belongs");
      case Fault::Kind::OuterTooFar: return invalid("outer alias " + index + " levels out, beyond the outermost component");
      case Fault::Kind::OuterSort: return invalid("an outer alias of a " + sort);
      case Fault::Kind::NotCoreItem:
      case Fault::Kind::CoreAliasSort: return invalid("a core instance export that is a " + sort);
      case Fault::Kind::NotPassable:
      case Fault::Kind::Unindexed: return invalid("a " + sort + " passed as a component item");
      case Fault::Kind::NoArgument: return invalid("nested component import `" + f.name + "` has no instantiation argument");
      case Fault::Kind::Empty: return invalid("empty " + f.name);
    }
    return invalid("unknown fault");
  }

  wit::TypeDef* new_def(wit::TypeDefKind k) {
    r_.types.push_back(std::make_unique<wit::TypeDef>());
    wit::TypeDef* d = r_.types.back().get();
    d->kind = k;
    mutable_[d] = d;
    return d;
  }

  // ---- value types ----

  Result<wit::Type> valtype(const Space& s, const cm::ValType& v) {
    if (v.is_primitive) return wit::Type{prim(v.prim), nullptr};
    if (v.type_index >= s.types.size()) return invalid("type index " + std::to_string(v.type_index) + " is out of range");
    const WitType& e = s.types[v.type_index].info;
    if (e.kind != WitType::Kind::Value) return invalid("type " + std::to_string(v.type_index) + " is not a value type");
    return e.value;
  }

  Result<std::optional<wit::Type>> opt_valtype(const Space& s, const std::optional<cm::ValType>& v) {
    if (!v) return std::optional<wit::Type>{};
    auto t = valtype(s, *v);
    if (!t) return t.take_error();
    return std::optional<wit::Type>{*t};
  }

  Result<const wit::TypeDef*> resource_at(const Space& s, cm::Index idx) {
    if (idx >= s.types.size()) return invalid("resource type index " + std::to_string(idx) + " is out of range");
    const WitType& e = s.types[idx].info;
    if (e.kind != WitType::Kind::Value || !e.value.def || !wit::is_resource(e.value.def))
      return invalid("type " + std::to_string(idx) + " is not a resource type");
    return e.value.def;
  }

  Result<wit::Type> defval(const Space& s, const cm::DefValType& d) {
    if (const auto* p = std::get_if<cm::PrimValType>(&d)) return wit::Type{prim(*p), nullptr};
    wit::TypeDef* t = nullptr;
    if (const auto* r = std::get_if<cm::RecordType>(&d)) {
      t = new_def(wit::TypeDefKind::Record);
      for (const auto& f : r->fields) {
        auto ft = valtype(s, f.type);
        if (!ft) return ft.take_error();
        t->fields.push_back(wit::Field{f.label, *ft, "", {}});
      }
      unowned_.insert(t);
    } else if (const auto* v = std::get_if<cm::VariantType>(&d)) {
      t = new_def(wit::TypeDefKind::Variant);
      for (const auto& c : v->cases) {
        auto ct = opt_valtype(s, c.type);
        if (!ct) return ct.take_error();
        t->cases.push_back(wit::Case{c.label, *ct, "", {}});
      }
      unowned_.insert(t);
    } else if (const auto* l = std::get_if<cm::ListType>(&d)) {
      t = new_def(wit::TypeDefKind::List);
      auto et = valtype(s, l->element);
      if (!et) return et.take_error();
      t->element = *et;
    } else if (const auto* tu = std::get_if<cm::TupleType>(&d)) {
      t = new_def(wit::TypeDefKind::Tuple);
      for (const auto& e : tu->elements) {
        auto et = valtype(s, e);
        if (!et) return et.take_error();
        t->tuple.push_back(*et);
      }
    } else if (const auto* fl = std::get_if<cm::FlagsType>(&d)) {
      t = new_def(wit::TypeDefKind::Flags);
      for (const auto& n : fl->labels) t->cases.push_back(wit::Case{n, std::nullopt, "", {}});
      unowned_.insert(t);
    } else if (const auto* en = std::get_if<cm::EnumType>(&d)) {
      t = new_def(wit::TypeDefKind::Enum);
      for (const auto& n : en->labels) t->cases.push_back(wit::Case{n, std::nullopt, "", {}});
      unowned_.insert(t);
    } else if (const auto* o = std::get_if<cm::OptionType>(&d)) {
      t = new_def(wit::TypeDefKind::Option);
      auto et = valtype(s, o->type);
      if (!et) return et.take_error();
      t->element = *et;
    } else if (const auto* rs = std::get_if<cm::ResultType>(&d)) {
      t = new_def(wit::TypeDefKind::Result);
      auto ok = opt_valtype(s, rs->ok);
      if (!ok) return ok.take_error();
      auto err = opt_valtype(s, rs->err);
      if (!err) return err.take_error();
      t->ok = *ok;
      t->err = *err;
    } else if (const auto* own = std::get_if<cm::OwnType>(&d)) {
      auto res = resource_at(s, own->resource_type);
      if (!res) return res.take_error();
      t = new_def(wit::TypeDefKind::Handle);
      t->handle = wit::HandleKind::Own;
      t->resource = *res;
    } else if (const auto* b = std::get_if<cm::BorrowType>(&d)) {
      auto res = resource_at(s, b->resource_type);
      if (!res) return res.take_error();
      t = new_def(wit::TypeDefKind::Handle);
      t->handle = wit::HandleKind::Borrow;
      t->resource = *res;
    }
    if (!t) return unsupported("a value type WIT cannot express");
    return wit::Type::of(t);
  }

  // A value, function or resource type (a definition or a declaration).
  Result<WitType> type(const Space& s, const cm::Type& t) {
    WitType e;
    if (const auto* d = std::get_if<cm::DefValType>(&t.def)) {
      auto v = defval(s, *d);
      if (!v) return v.take_error();
      e.kind = WitType::Kind::Value;
      e.value = *v;
    } else if (const auto* f = std::get_if<cm::FuncType>(&t.def)) {
      auto sig = std::make_shared<FuncSig>();
      for (const auto& p : f->params) {
        auto pt = valtype(s, p.type);
        if (!pt) return pt.take_error();
        sig->params.emplace_back(p.label, *pt);
      }
      if (f->result) {
        auto rt = valtype(s, *f->result);
        if (!rt) return rt.take_error();
        sig->result = *rt;
      } else if (!f->named_results.empty()) {
        return unsupported("a function with named results (WIT has no syntax for them)");
      }
      e.kind = WitType::Kind::Func;
      e.func = std::move(sig);
    } else if (std::get_if<cm::ResourceType>(&t.def)) {
      wit::TypeDef* r = new_def(wit::TypeDefKind::Resource);
      unowned_.insert(r);
      e.kind = WitType::Kind::Value;
      e.value = wit::Type::of(r);
    }
    return e;
  }

  // ---- naming: types and functions of interfaces ----

  static bool nameable(wit::TypeDefKind k) {
    return k == wit::TypeDefKind::Record || k == wit::TypeDefKind::Variant || k == wit::TypeDefKind::Enum ||
           k == wit::TypeDefKind::Flags || k == wit::TypeDefKind::Resource;
  }

  // `name` for `t` in `iface` (or at world level when iface is null): adopts an anonymous
  // record/variant/enum/flags/resource defined for this export, else makes an alias.
  const wit::TypeDef* name_type(wit::Interface* iface, const std::string& name, wit::Type t) {
    if (t.def && unowned_.count(t.def) && nameable(t.def->kind)) {
      unowned_.erase(t.def);
      wit::TypeDef* d = mutable_.at(t.def);
      d->name = name;
      if (iface) d->interface = iface;
      else d->world = world_;
      if (iface) iface->types.push_back(d);
      return d;
    }
    wit::TypeDef* a = new_def(wit::TypeDefKind::Alias);
    a->name = name;
    a->target = t;
    if (iface) a->interface = iface;
    else a->world = world_;
    // `use other.{name}`: the target is a named type of another interface.
    a->from_use = t.def && !t.def->name.empty() && t.def->interface && t.def->interface != iface;
    if (iface) iface->types.push_back(a);
    return a;
  }

  Result<const wit::TypeDef*> resource_named(const wit::Interface* iface, std::string_view name, const std::string& fn) {
    if (iface)
      for (const wit::TypeDef* t : iface->types)
        if (t->name == name && wit::is_resource(t)) return t;
    return invalid("function `" + fn + "` belongs to resource `" + std::string(name) + "`, which is not defined beside it");
  }

  Result<const wit::Function*> make_function(wit::Interface* iface, const std::string& name, const FuncSig& sig) {
    r_.functions.push_back(std::make_unique<wit::Function>());
    wit::Function* f = r_.functions.back().get();
    f->interface = iface;
    auto resource_fn = [&](std::string_view prefix, wit::FunctionKind kind) -> Status {
      std::string_view rest = std::string_view(name).substr(prefix.size());
      std::string_view res = rest;
      if (kind != wit::FunctionKind::Constructor) {
        size_t dot = rest.find('.');
        if (dot == std::string_view::npos) return invalid("function name `" + name + "` lacks `.`");
        res = rest.substr(0, dot);
        f->name = std::string(rest.substr(dot + 1));
      } else {
        f->name = "constructor";
      }
      auto r = resource_named(iface, res, name);
      if (!r) return r.take_error();
      f->kind = kind;
      f->resource = *r;
      return {};
    };
    Status st;
    if (name.rfind("[method]", 0) == 0) st = resource_fn("[method]", wit::FunctionKind::Method);
    else if (name.rfind("[static]", 0) == 0) st = resource_fn("[static]", wit::FunctionKind::Static);
    else if (name.rfind("[constructor]", 0) == 0) st = resource_fn("[constructor]", wit::FunctionKind::Constructor);
    else if (name.rfind("[async]", 0) == 0 || name.find('[') == 0) return unsupported("function `" + name + "`: async functions are not supported");
    else f->name = name;
    if (!st) return st.error();
    for (const auto& [pn, pt] : sig.params) f->params.push_back(wit::Param{pn, pt});
    f->result = sig.result;
    if (iface) iface->functions.push_back(f);
    return f;
  }

  Result<wit::Interface*> make_interface(const std::string& import_name) {
    r_.interfaces.push_back(std::make_unique<wit::Interface>());
    wit::Interface* i = r_.interfaces.back().get();
    InterfaceName n;
    if (!parse_interface_name(import_name, &n)) {  // an inline interface: `import x: interface { .. }`
      i->world = world_;
      i->package = root_pkg_;
      return i;
    }
    std::string key = n.package_id() + "@" + n.version;
    wit::Package*& p = packages_[key];
    if (!p) {
      r_.packages.push_back(std::make_unique<wit::Package>());
      p = r_.packages.back().get();
      p->name.ns = n.ns;
      p->name.name = n.package;
      if (!n.version.empty()) {
        auto v = wit::Version::parse(n.version);
        if (!v) return invalid("`" + import_name + "` has an invalid version: " + wit::Version::why_invalid(n.version));
        p->name.version = *v;
      }
    }
    i->name = n.name;
    i->package = p;
    p->interfaces.push_back(i);
    return i;
  }

  // ---- instance and component types ----

  // The declarations of an instance or component type, read for `iface` (when given): its named
  // types and functions go there. Exports (and, for component types, imports) are items.
  struct Declarations {
    Builder& b;
    wit::Interface* iface;
    Result<WitType> type(Space& s, const cm::Type& t) { return b.type(s, t); }
    Status alias(Space& s, const cm::Alias& a) { return b.alias(s, a); }
    Result<std::optional<Item>> declare(Space& s, const cm::ComponentDecl& d) {
      auto item = b.declared_item(s, d.desc, d.name, d.kind == cm::ComponentDecl::Kind::Export ? iface : nullptr);
      if (!item) return item.take_error();
      return std::optional<Item>{std::move(*item)};
    }
  };

  // The instance an instance or component type describes: its exports.
  Result<InstPtr> eval_decls(const std::vector<cm::ComponentDecl>& decls, const Space* outer, wit::Interface* iface) {
    Declarations visit{*this, iface};
    auto s = declarations(decls, outer, visit);
    if (!s) return s.take_error();
    return InstPtr((*s)->exports);
  }

  Result<InstPtr> eval_instance_type(const TypeEntry& e, wit::Interface* iface) {
    if (!e.instance) return invalid("expected an instance type");
    return eval_decls(e.instance->decls, e.defined_in, iface);
  }

  // The item an import/export declaration (in a type) or an import (of a component) introduces.
  Result<Item> declared_item(Space& s, const cm::ExternDesc& desc, const std::string& name, wit::Interface* iface) {
    Item item;
    auto type_at = [&](cm::Index i) -> Result<const TypeEntry*> {
      if (i >= s.types.size()) return invalid("`" + name + "` refers to type " + std::to_string(i) + ", which is out of range");
      return &s.types[i];
    };
    switch (desc.kind) {
      case cm::ExternDesc::Kind::Func: {
        auto t = type_at(desc.type_index);
        if (!t) return t.take_error();
        if ((*t)->info.kind != WitType::Kind::Func) return invalid("`" + name + "` is declared as a function with a type that is not a function type");
        item.sort = cm::Sort::Func;
        item.func = (*t)->info.func;
        if (iface) {
          auto f = make_function(iface, name, *item.func);
          if (!f) return f.take_error();
        }
        return item;
      }
      case cm::ExternDesc::Kind::Type: {
        item.sort = cm::Sort::Type;
        if (desc.bound.kind == cm::TypeBoundKind::SubResource) {
          wit::TypeDef* r = new_def(wit::TypeDefKind::Resource);
          if (iface) {
            r->name = name;
            r->interface = iface;
            iface->types.push_back(r);
          } else {
            unowned_.insert(r);
          }
          item.type.info.kind = WitType::Kind::Value;
          item.type.info.value = wit::Type::of(r);
          return item;
        }
        auto t = type_at(desc.bound.type_index);
        if (!t) return t.take_error();
        item.type = **t;
        if (iface && item.type.info.kind == WitType::Kind::Value) item.type.info.value = wit::Type::of(name_type(iface, name, item.type.info.value));
        return item;
      }
      case cm::ExternDesc::Kind::Instance: {
        auto t = type_at(desc.type_index);
        if (!t) return t.take_error();
        auto sig = eval_instance_type(**t, nullptr);
        if (!sig) return sig.take_error();
        item.sort = cm::Sort::Instance;
        item.instance = *sig;
        return item;
      }
      case cm::ExternDesc::Kind::Component: {
        auto t = type_at(desc.type_index);
        if (!t) return t.take_error();
        if (!(*t)->component) return invalid("`" + name + "` is declared as a component with a type that is not a component type");
        item.sort = cm::Sort::Component;
        item.component = ComponentRef{nullptr, (*t)->component, (*t)->defined_in};
        return item;
      }
      case cm::ExternDesc::Kind::CoreModule: item.sort = cm::Sort::CoreModule; return item;
      case cm::ExternDesc::Kind::Value: item.sort = cm::Sort::Value; return item;
    }
    return item;
  }

  // ---- the model's hooks: definitions ----

  Result<FuncPtr> lift(Space& s, const cm::Canon& cn) {
    if (cn.type_index >= s.types.size() || s.types[cn.type_index].info.kind != WitType::Kind::Func)
      return invalid("canon lift with type " + std::to_string(cn.type_index) + ", which is not a function type");
    return s.types[cn.type_index].info.func;
  }

  // An imported component: its type's exports (without substituting its type imports).
  Result<InstPtr> instantiate_type(Space&, const ComponentRef& ref) {
    if (!ref.type) return InstPtr(std::make_shared<InstSig>());
    return eval_decls(ref.type->decls, ref.defined_in, nullptr);
  }

  // An export's item: an ascribed type replaces the inferred one; the root's exports are the
  // world's.
  Status exporting(Space& s, const cm::Export& ex, Item& item) {
    if (ex.desc) {
      auto asc = declared_item(s, *ex.desc, ex.name, nullptr);
      if (!asc) return asc.take_error();
      if (asc->sort == item.sort) item = std::move(*asc);
    }
    return s.root ? root_export(s, ex, item) : Status{};
  }

  // ---- the root component's imports and exports: the world ----

  Result<Item> root_import(Space& s, const cm::Import& im) {
    InterfaceName n;
    bool by_interface = parse_interface_name(im.name, &n);
    wit::WorldItem w;
    w.name = im.name;
    switch (im.desc.kind) {
      case cm::ExternDesc::Kind::Instance: {
        if (im.desc.type_index >= s.types.size()) return invalid("import `" + im.name + "` has an out-of-range type");
        auto iface = make_interface(im.name);
        if (!iface) return iface.take_error();
        auto sig = eval_instance_type(s.types[im.desc.type_index], *iface);
        if (!sig) return sig.take_error();
        w.kind = wit::WorldItemKind::Interface;
        w.interface_name = by_interface;
        w.interface = *iface;
        world_->imports.push_back(w);
        Item item;
        item.sort = cm::Sort::Instance;
        item.instance = *sig;
        return item;
      }
      case cm::ExternDesc::Kind::Func: {
        auto item = declared_item(s, im.desc, im.name, nullptr);
        if (!item) return item.take_error();
        auto f = make_function(nullptr, im.name, *item->func);
        if (!f) return f.take_error();
        w.kind = wit::WorldItemKind::Function;
        w.function = *f;
        world_->imports.push_back(w);
        return item;
      }
      case cm::ExternDesc::Kind::Type: {
        auto item = declared_item(s, im.desc, im.name, nullptr);
        if (!item) return item.take_error();
        if (item->type.info.kind == WitType::Kind::Value) {
          const wit::TypeDef* d = name_type(nullptr, im.name, item->type.info.value);
          item->type.info.value = wit::Type::of(d);
          w.kind = wit::WorldItemKind::Type;
          w.type = d;
          world_->imports.push_back(w);
        }
        return item;
      }
      default: return declared_item(s, im.desc, im.name, nullptr);  // components, modules, values: not WIT
    }
  }

  Status root_export(Space& s, const cm::Export& ex, const Item& item) {
    InterfaceName n;
    wit::WorldItem w;
    w.name = ex.name;
    if (item.sort == cm::Sort::Instance) {
      auto iface = make_interface(ex.name);
      if (!iface) return iface.error();
      if (ex.desc && ex.desc->kind == cm::ExternDesc::Kind::Instance) {
        if (ex.desc->type_index >= s.types.size()) return invalid("export `" + ex.name + "` has an out-of-range type");
        auto sig = eval_instance_type(s.types[ex.desc->type_index], *iface);
        if (!sig) return sig.error();
      } else if (item.instance) {
        for (const auto& [name, it] : item.instance->items()) {
          if (it.sort == cm::Sort::Type && it.type.info.kind == WitType::Kind::Value) name_type(*iface, name, it.type.info.value);
          if (it.sort == cm::Sort::Func && it.func) {
            auto f = make_function(*iface, name, *it.func);
            if (!f) return f.error();
          }
        }
      }
      w.kind = wit::WorldItemKind::Interface;
      w.interface_name = parse_interface_name(ex.name, &n);
      w.interface = *iface;
      world_->exports.push_back(w);
    } else if (item.sort == cm::Sort::Func && item.func) {
      auto f = make_function(nullptr, ex.name, *item.func);
      if (!f) return f.error();
      w.kind = wit::WorldItemKind::Function;
      w.function = *f;
      world_->exports.push_back(w);
    }
    return {};  // exported types, components, modules and values have no WIT world form
  }
};

}  // namespace

std::string InterfaceName::unversioned() const { return ns + ":" + package + "/" + name; }
std::string InterfaceName::package_id() const { return ns + ":" + package; }

bool parse_interface_name(std::string_view text, InterfaceName* out) {
  std::string_view version;
  if (size_t at = text.find('@'); at != std::string_view::npos) {
    version = text.substr(at + 1);
    text = text.substr(0, at);
  }
  size_t slash = text.rfind('/');
  if (slash == std::string_view::npos) return false;
  std::string_view pkg = text.substr(0, slash);
  size_t colon = pkg.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == pkg.size() || slash + 1 == text.size()) return false;
  out->ns = std::string(pkg.substr(0, colon));
  out->package = std::string(pkg.substr(colon + 1));
  out->name = std::string(text.substr(slash + 1));
  out->version = std::string(version);
  return true;
}

const wit::WorldItem* ComponentWit::find_import(std::string_view id) const { return world ? world->find_import(id) : nullptr; }
const wit::WorldItem* ComponentWit::find_export(std::string_view id) const { return world ? world->find_export(id) : nullptr; }

Result<ComponentWit> component_wit(const cm::Component& c) {
  ComponentWit out;
  out.resolve = std::make_shared<wit::Resolve>();
  Builder b(*out.resolve);
  if (auto st = b.root(c); !st) return st.error();
  out.world = b.world();
  return out;
}

// The component decoder checks the component's own structure; its core modules are only bytes to
// it. Run each through the engines' decoder and validator too, so that `check`, `inspect` and
// `link` refuse what `run` would refuse. Iterative over nested components (the decoder already
// caps their nesting).
static Status validate_core_modules(const cm::Component& root) {
  std::vector<const cm::Component*> todo{&root};
  while (!todo.empty()) {
    const cm::Component* c = todo.back();
    todo.pop_back();
    for (const cm::Definition& d : c->definitions) {
      if (const auto* m = std::get_if<cm::CoreModule>(&d)) {
        char name[64];
        std::snprintf(name, sizeof name, "core module at byte offset 0x%llx", static_cast<unsigned long long>(m->offset));
        if (Status st = wasm::validate_module(m->bytes, name); !st) return st;
      } else if (const auto* nested = std::get_if<std::shared_ptr<cm::Component>>(&d)) {
        if (*nested) todo.push_back(nested->get());
      }
    }
  }
  return {};
}

Result<ComponentWit> component_wit_from_bytes(std::vector<uint8_t> bytes, bool check_core_modules) {
  if (cm::sniff_binary_kind(bytes) == cm::BinaryKind::CoreModule)
    return Error(ErrorCode::ComponentMalformed,
                 "this is a core WebAssembly module, not a component; turn it into one with `torvyn build` (or `jco new`)");
  auto decoded = cm::load_component(std::move(bytes));
  if (!decoded) return decoded.take_error();
  if (check_core_modules)
    if (auto st = validate_core_modules((*decoded)->component); !st) return st.take_error();
  return component_wit((*decoded)->component);
}

Result<ComponentWit> read_component_wit(const fs::path& wasm) {
  auto read = read_file_capped(wasm.string(), kMaxComponentFileBytes, "component");
  if (!read) return read.take_error();
  std::vector<uint8_t> bytes = std::move(*read);
  if (bytes.empty()) return Error(ErrorCode::ComponentMalformed, "`" + wasm.string() + "` is empty");
  return component_wit_from_bytes(std::move(bytes));
}

}  // namespace torvyn::contracts

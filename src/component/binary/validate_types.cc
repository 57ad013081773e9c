// Validation of type definitions, component/instance type declarators and core types.
#include <algorithm>

#include "validator.h"

namespace torvyn::component::validate_detail {
namespace {

constexpr uint32_t kFlatCap = 1u << 20;  // saturate: only "more than 16" and "more than 1" matter

uint32_t sat_add(uint32_t a, uint32_t b) { return std::min<uint64_t>(uint64_t{a} + b, kFlatCap); }

void absorb(ValueFacts& into, const ValueFacts& v) {
  into.known &= v.known;
  into.has_borrow |= v.has_borrow;
  into.needs_memory |= v.needs_memory;
}

InfoPtr value_info(ValueFacts f) {
  auto i = std::make_shared<ItemInfo>();
  i->kind = TypeKind::Value;
  i->value = f;
  return i;
}

// ASCII-only lower-casing: labels that differ only in case are the same label.
std::string fold(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

const char* kind_name(TypeKind k) {
  switch (k) {
    case TypeKind::Unknown: return "an unknown type";
    case TypeKind::Value: return "a value type";
    case TypeKind::Func: return "a func type";
    case TypeKind::Component: return "a component type";
    case TypeKind::Instance: return "an instance type";
    case TypeKind::Resource: return "a resource type";
  }
  return "a type";
}

}  // namespace

// Kebab-case as the spec defines labels: fragments separated by '-', each all-lowercase or all-
// uppercase letters and digits, the first starting with a letter.
void Validator::check_label(const std::string& label, const char* role) {
  bool ok = !label.empty();
  size_t i = 0;
  bool first = true;
  while (ok && i <= label.size()) {
    size_t j = label.find('-', i);
    if (j == std::string::npos) j = label.size();
    if (j == i) {
      ok = false;
      break;
    }
    bool lower = false, upper = false;
    for (size_t k = i; k < j; ++k) {
      char c = label[k];
      if (c >= 'a' && c <= 'z') lower = true;
      else if (c >= 'A' && c <= 'Z') upper = true;
      else if (!(c >= '0' && c <= '9')) ok = false;
    }
    if (lower && upper) ok = false;
    if (first && !((label[i] >= 'a' && label[i] <= 'z') || (label[i] >= 'A' && label[i] <= 'Z'))) ok = false;
    first = false;
    i = j + 1;
  }
  if (!ok) fail(std::string(role) + " \"" + label + "\" is not a kebab-case label");
}

void Validator::check_unique_labels(const std::vector<std::string>& labels, const char* role) {
  std::unordered_set<std::string> seen;
  for (const auto& l : labels) {
    check_label(l, role);
    if (!seen.insert(fold(l)).second) fail("duplicate " + std::string(role) + " \"" + l + "\" (labels are compared ignoring case)");
  }
}

ValueFacts Validator::valtype(const ValType& v) {
  ValueFacts f;
  if (v.is_primitive) {
    f.flat = v.prim == PrimValType::String ? 2 : 1;
    f.needs_memory = v.prim == PrimValType::String;
    return f;
  }
  check_index(Sort::Type, v.type_index, "value type");
  const InfoPtr& t = cur().types[v.type_index];
  if (t->kind == TypeKind::Unknown) {
    f.known = false;
    return f;
  }
  if (t->kind != TypeKind::Value)
    fail("type " + std::to_string(v.type_index) + " is used as a value type, but it is " + kind_name(t->kind));
  return t->value;
}

InfoPtr Validator::defvaltype(const DefValType& t) {
  ValueFacts f;
  auto labels_of = [](const auto& items) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i.label);
    return out;
  };
  auto handle = [&](Index idx, const char* what) {
    check_index(Sort::Type, idx, what);
    auto k = cur().types[idx]->kind;
    if (k != TypeKind::Resource && k != TypeKind::Unknown)
      fail(std::string(what) + " refers to type " + std::to_string(idx) + ", which is " + kind_name(k) +
           ", not a resource type");
    f.flat = 1;
  };
  std::visit(
      [&](const auto& d) {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, PrimValType>) {
          f = valtype(ValType::primitive(d));
        } else if constexpr (std::is_same_v<T, RecordType>) {
          if (d.fields.empty()) fail("a record type must have at least one field");
          check_unique_labels(labels_of(d.fields), "record field");
          for (const auto& fl : d.fields) {
            auto v = valtype(fl.type);
            absorb(f, v);
            f.flat = sat_add(f.flat, v.flat);
          }
        } else if constexpr (std::is_same_v<T, VariantType>) {
          if (d.cases.empty()) fail("a variant type must have at least one case");
          check_unique_labels(labels_of(d.cases), "variant case");
          uint32_t widest = 0;
          for (const auto& c : d.cases) {
            if (!c.type) continue;
            auto v = valtype(*c.type);
            absorb(f, v);
            widest = std::max(widest, v.flat);
          }
          f.flat = sat_add(1, widest);
        } else if constexpr (std::is_same_v<T, ListType>) {
          absorb(f, valtype(d.element));
          f.needs_memory = true;
          f.flat = 2;
        } else if constexpr (std::is_same_v<T, TupleType>) {
          if (d.elements.empty()) fail("a tuple type must have at least one element");
          for (const auto& e : d.elements) {
            auto v = valtype(e);
            absorb(f, v);
            f.flat = sat_add(f.flat, v.flat);
          }
        } else if constexpr (std::is_same_v<T, FlagsType>) {
          if (d.labels.empty()) fail("a flags type must have at least one flag");
          check_unique_labels(d.labels, "flag");
          f.flat = static_cast<uint32_t>(std::min<size_t>((d.labels.size() + 31) / 32, kFlatCap));
        } else if constexpr (std::is_same_v<T, EnumType>) {
          if (d.labels.empty()) fail("an enum type must have at least one case");
          check_unique_labels(d.labels, "enum case");
          f.flat = 1;
        } else if constexpr (std::is_same_v<T, OptionType>) {
          auto v = valtype(d.type);
          absorb(f, v);
          f.flat = sat_add(1, v.flat);
        } else if constexpr (std::is_same_v<T, ResultType>) {
          uint32_t widest = 0;
          for (const auto* o : {&d.ok, &d.err}) {
            if (!*o) continue;
            auto v = valtype(**o);
            absorb(f, v);
            widest = std::max(widest, v.flat);
          }
          f.flat = sat_add(1, widest);
        } else if constexpr (std::is_same_v<T, OwnType>) {
          handle(d.resource_type, "own");
        } else if constexpr (std::is_same_v<T, BorrowType>) {
          handle(d.resource_type, "borrow");
          f.has_borrow = true;
        }
      },
      t);
  return value_info(f);
}

InfoPtr Validator::functype(const FuncType& ft) {
  auto info = std::make_shared<ItemInfo>();
  info->kind = TypeKind::Func;
  std::vector<std::string> names;
  for (const auto& p : ft.params) names.push_back(p.label);
  check_unique_labels(names, "parameter");
  for (const auto& p : ft.params) {
    auto v = valtype(p.type);
    absorb(info->params, v);
    info->params.flat = sat_add(info->params.flat, v.flat);
  }
  info->param_count = ft.params.size();
  if (ft.result && !ft.named_results.empty()) fail("a func type has both an unnamed result and named results");
  std::vector<ValType> results;
  if (ft.result) results.push_back(*ft.result);
  names.clear();
  for (const auto& r : ft.named_results) {
    names.push_back(r.label);
    results.push_back(r.type);
  }
  check_unique_labels(names, "result");
  for (const auto& r : results) {
    auto v = valtype(r);
    if (v.has_borrow) fail("a func type's result contains a borrow handle (borrows may only be passed in)");
    absorb(info->results, v);
    info->results.flat = sat_add(info->results.flat, v.flat);
  }
  info->result_count = results.size();
  return info;
}

InfoPtr Validator::resourcetype(const ResourceType& r) {
  if (cur().kind != Scope::Kind::Component)
    fail("resource types cannot be defined inside a component or instance type (import or export them instead)");
  if (r.dtor_core_func) check_index(Sort::CoreFunc, *r.dtor_core_func, "resource destructor");
  auto info = std::make_shared<ItemInfo>();
  info->kind = TypeKind::Resource;
  info->resource_owner = &cur();
  return info;
}

InfoPtr Validator::type_def(const Type& t) {
  return std::visit(
      [&](const auto& d) -> InfoPtr {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, DefValType>) return defvaltype(d);
        else if constexpr (std::is_same_v<T, FuncType>) return functype(d);
        else if constexpr (std::is_same_v<T, ComponentType>) return decl_scope(d.decls, Scope::Kind::ComponentType);
        else if constexpr (std::is_same_v<T, InstanceType>) return decl_scope(d.decls, Scope::Kind::InstanceType);
        else return resourcetype(d);
      },
      t.def);
}

ExportEntry Validator::externdesc(const ExternDesc& d) {
  auto typed = [&](TypeKind want, Sort sort, const char* what) {
    check_index(Sort::Type, d.type_index, what);
    const InfoPtr& t = cur().types[d.type_index];
    if (t->kind != want && t->kind != TypeKind::Unknown)
      fail(std::string(what) + " refers to type " + std::to_string(d.type_index) + ", which is " + kind_name(t->kind) +
           ", not " + kind_name(want));
    return ExportEntry{sort, t};
  };
  switch (d.kind) {
    case ExternDesc::Kind::CoreModule:
      check_index(Sort::CoreType, d.type_index, "core module type");
      if (cur().core_types[d.type_index] != CoreTypeKind::Module)
        fail("core module type refers to core type " + std::to_string(d.type_index) + ", which is a core func type");
      return {Sort::CoreModule, nullptr};
    case ExternDesc::Kind::Func: return typed(TypeKind::Func, Sort::Func, "func type");
    case ExternDesc::Kind::Value: valtype(d.value); return {Sort::Value, nullptr};
    case ExternDesc::Kind::Type:
      if (d.bound.kind == TypeBoundKind::Eq) {
        check_index(Sort::Type, d.bound.type_index, "type bound (eq)");
        return {Sort::Type, cur().types[d.bound.type_index]};
      } else {
        auto fresh = std::make_shared<ItemInfo>();  // an abstract resource, unequal to all others
        fresh->kind = TypeKind::Resource;
        return {Sort::Type, fresh};
      }
    case ExternDesc::Kind::Component: return typed(TypeKind::Component, Sort::Component, "component type");
    case ExternDesc::Kind::Instance: return typed(TypeKind::Instance, Sort::Instance, "instance type");
  }
  fail("unknown extern descriptor");
}

// A component or instance type: declarators validated in a fresh, initially empty scope.
InfoPtr Validator::decl_scope(const std::vector<ComponentDecl>& decls, Scope::Kind kind) {
  Scope scope;
  scope.kind = kind;
  enter(scope);
  const std::string outer_what = what_;
  for (size_t i = 0; i < decls.size(); ++i) {
    const ComponentDecl& d = decls[i];
    what_ = outer_what + ", declaration " + std::to_string(i);
    switch (d.kind) {
      case ComponentDecl::Kind::CoreType:
        if (!d.core_type) fail("empty core type declaration");
        push(Sort::CoreType, nullptr, core_type(*d.core_type));
        break;
      case ComponentDecl::Kind::Type:
        if (!d.type) fail("empty type declaration");
        push(Sort::Type, type_def(*d.type));
        break;
      case ComponentDecl::Kind::Alias:
        if (d.alias.sort != Sort::Type && d.alias.sort != Sort::Instance && d.alias.sort != Sort::CoreType)
          fail(std::string("aliases inside a type may only alias types and instances, not ") + plural(d.alias.sort));
        alias(d.alias);
        break;
      case ComponentDecl::Kind::Import:
        if (kind == Scope::Kind::InstanceType) fail("an instance type cannot declare imports");
        import(d.name, d.desc);
        break;
      case ComponentDecl::Kind::Export: {
        if (!cur().exports->emplace(d.name, ExportEntry{}).second) fail("duplicate export name \"" + d.name + "\"");
        ExportEntry e = externdesc(d.desc);
        (*cur().exports)[d.name] = e;
        push(e.sort, e.info);
        break;
      }
    }
  }
  what_ = outer_what;
  auto info = std::make_shared<ItemInfo>();
  info->kind = kind == Scope::Kind::ComponentType ? TypeKind::Component : TypeKind::Instance;
  info->exports = scope.exports;
  if (kind == Scope::Kind::ComponentType) info->imports = scope.imports;
  leave();
  return info;
}

CoreTypeKind Validator::core_type(const CoreType& t) {
  if (std::holds_alternative<CoreFuncType>(t.def)) return CoreTypeKind::Func;
  const auto& mt = std::get<CoreModuleType>(t.def);
  // A module type has its own core type space; outer aliases see only the enclosing scope's.
  std::vector<CoreTypeKind> types;
  std::unordered_set<std::string> exports;
  auto check_desc = [&](const std::vector<uint8_t>& desc) {
    // Only func imports/exports (0x00 typeidx) refer to types; the rest are self-contained.
    if (desc.empty() || desc[0] != 0x00) return;
    uint64_t idx = 0;
    for (size_t i = 1, shift = 0; i < desc.size() && shift < 35; ++i, shift += 7) {
      idx |= uint64_t{desc[i] & 0x7fu} << shift;
      if (!(desc[i] & 0x80)) break;
    }
    if (idx >= types.size())
      fail("module type refers to core type " + std::to_string(idx) + ", but only " + std::to_string(types.size()) +
           " are declared in it");
    if (types[idx] != CoreTypeKind::Func) fail("module type import/export of a func refers to a non-func core type");
  };
  for (const auto& d : mt.decls) {
    switch (d.kind) {
      case CoreModuleDecl::Kind::Import: check_desc(d.desc_bytes); break;
      case CoreModuleDecl::Kind::Export:
        if (!exports.insert(d.name).second) fail("duplicate export name \"" + d.name + "\" in a module type");
        check_desc(d.desc_bytes);
        break;
      case CoreModuleDecl::Kind::Type:
        if (!d.type) fail("empty core type declaration");
        if (!std::holds_alternative<CoreFuncType>(d.type->def)) fail("module types cannot declare module types");
        types.push_back(CoreTypeKind::Func);
        break;
      case CoreModuleDecl::Kind::Alias: {
        if (d.outer_count > 1) fail("a module type's outer alias count is " + std::to_string(d.outer_count) + ", at most 1 is allowed");
        const std::vector<CoreTypeKind>& space = d.outer_count == 0 ? types : cur().core_types;
        if (d.outer_index >= space.size())
          fail("outer alias of core type " + std::to_string(d.outer_index) + ", but only " +
               std::to_string(space.size()) + " are defined there");
        if (space[d.outer_index] != CoreTypeKind::Func) fail("module types cannot alias module types");
        types.push_back(CoreTypeKind::Func);
        break;
      }
    }
  }
  return CoreTypeKind::Module;
}

}  // namespace torvyn::component::validate_detail

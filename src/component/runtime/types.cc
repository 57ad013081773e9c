#include "types.h"

namespace torvyn::component::detail {
namespace {

AbiKind prim_kind(PrimValType p) {
  switch (p) {
    case PrimValType::Bool: return AbiKind::Bool;
    case PrimValType::S8: return AbiKind::S8;
    case PrimValType::U8: return AbiKind::U8;
    case PrimValType::S16: return AbiKind::S16;
    case PrimValType::U16: return AbiKind::U16;
    case PrimValType::S32: return AbiKind::S32;
    case PrimValType::U32: return AbiKind::U32;
    case PrimValType::S64: return AbiKind::S64;
    case PrimValType::U64: return AbiKind::U64;
    case PrimValType::F32: return AbiKind::F32;
    case PrimValType::F64: return AbiKind::F64;
    case PrimValType::Char: return AbiKind::Char;
    case PrimValType::String: return AbiKind::String;
  }
  return AbiKind::Bool;
}

Error bad(std::string m) { return Error(ErrorCode::ComponentUnlinkable, std::move(m)); }

Result<Slot> resource_of(const Scope& scope, Index idx) {
  if (idx >= scope.types.size() || !scope.types[idx].info.resource) return bad("type " + std::to_string(idx) + " is not a resource type");
  return *scope.types[idx].info.resource;
}

Result<ResolvedType> resolve_defval(const Scope& scope, const DefValType& d) {
  struct V {
    const Scope& scope;
    bool has_resources = false;
    // The children's types, noting whether any mentions a resource.
    Result<AbiTypePtr> child(const ValType& v) {
      auto t = resolve_valtype(scope, v);
      if (!t) return t.take_error();
      has_resources = has_resources || t->has_resources;
      return t->type;
    }
    Result<AbiTypePtr> child(const std::optional<ValType>& v) {
      if (!v) return AbiTypePtr{};
      return child(*v);
    }
    Result<AbiTypePtr> operator()(PrimValType p) { return abi::prim(prim_kind(p)); }
    Result<AbiTypePtr> operator()(const RecordType& r) {
      std::vector<std::string> names;
      std::vector<AbiTypePtr> fields;
      for (const auto& f : r.fields) {
        auto t = child(f.type);
        if (!t) return t.take_error();
        names.push_back(f.label);
        fields.push_back(*t);
      }
      return abi::record(std::move(names), std::move(fields));
    }
    Result<AbiTypePtr> operator()(const VariantType& v) {
      std::vector<std::string> names;
      std::vector<AbiTypePtr> payloads;
      for (const auto& c : v.cases) {
        auto t = child(c.type);
        if (!t) return t.take_error();
        names.push_back(c.label);
        payloads.push_back(*t);
      }
      return abi::variant(std::move(names), std::move(payloads));
    }
    Result<AbiTypePtr> operator()(const ListType& l) {
      auto t = child(l.element);
      if (!t) return t.take_error();
      return abi::list(*t);
    }
    Result<AbiTypePtr> operator()(const TupleType& tt) {
      std::vector<AbiTypePtr> elems;
      for (const auto& e : tt.elements) {
        auto t = child(e);
        if (!t) return t.take_error();
        elems.push_back(*t);
      }
      return abi::tuple(std::move(elems));
    }
    Result<AbiTypePtr> operator()(const FlagsType& f) { return abi::flags(f.labels); }
    Result<AbiTypePtr> operator()(const EnumType& e) { return abi::enumeration(e.labels); }
    Result<AbiTypePtr> operator()(const OptionType& o) {
      auto t = child(o.type);
      if (!t) return t.take_error();
      return abi::option(*t);
    }
    Result<AbiTypePtr> operator()(const ResultType& r) {
      auto ok = child(r.ok);
      if (!ok) return ok.take_error();
      auto err = child(r.err);
      if (!err) return err.take_error();
      return abi::result(*ok, *err);
    }
    Result<AbiTypePtr> operator()(const OwnType& o) {
      auto r = resource_of(scope, o.resource_type);
      if (!r) return r.take_error();
      has_resources = true;
      return abi::own(*r);
    }
    Result<AbiTypePtr> operator()(const BorrowType& b) {
      auto r = resource_of(scope, b.resource_type);
      if (!r) return r.take_error();
      has_resources = true;
      return abi::borrow(*r);
    }
  };
  V v{scope};
  auto t = std::visit(v, d);
  if (!t) return t.take_error();
  return ResolvedType{*t, v.has_resources};
}

}  // namespace

Result<ResolvedType> resolve_valtype(const Scope& scope, const ValType& v) {
  if (v.is_primitive) return ResolvedType{abi::prim(prim_kind(v.prim)), false};
  if (v.type_index >= scope.types.size() || !scope.types[v.type_index].info.value)
    return bad("type " + std::to_string(v.type_index) + " is not a value type");
  const PlanType& t = scope.types[v.type_index].info;
  return ResolvedType{t.value, t.has_resources};
}

Result<PlanType> resolve_type(const Scope& scope, const Type& t) {
  PlanType out;
  if (const auto* d = std::get_if<DefValType>(&t.def)) {
    auto v = resolve_defval(scope, *d);
    if (!v) return v.take_error();
    out.value = v->type;
    out.has_resources = v->has_resources;
  } else if (const auto* f = std::get_if<FuncType>(&t.def)) {
    auto ft = std::make_shared<AbiFuncType>();
    auto note = [&](const ResolvedType& r) { out.has_resources = out.has_resources || r.has_resources; };
    for (const auto& p : f->params) {
      auto pt = resolve_valtype(scope, p.type);
      if (!pt) return pt.take_error();
      note(*pt);
      ft->param_names.push_back(p.label);
      ft->params.push_back(pt->type);
    }
    if (f->result) {
      auto rt = resolve_valtype(scope, *f->result);
      if (!rt) return rt.take_error();
      note(*rt);
      ft->results.push_back(rt->type);
    } else if (!f->named_results.empty()) {
      std::vector<std::string> names;
      std::vector<AbiTypePtr> types;
      for (const auto& r : f->named_results) {
        auto rt = resolve_valtype(scope, r.type);
        if (!rt) return rt.take_error();
        note(*rt);
        names.push_back(r.label);
        types.push_back(rt->type);
      }
      ft->results.push_back(abi::record(std::move(names), std::move(types)));
    }
    out.func = std::move(ft);
  } else {
    return Error(ErrorCode::Internal, "a resource type definition reached type resolution");
  }
  return out;
}

namespace {

// One type with resource slots replaced, bottom-up without recursion: a hostile component's
// types may nest as deep as it has definitions.
AbiTypePtr replace_resources(const AbiTypePtr& root, std::span<const uint32_t> ids, ResourceMemo& memo) {
  struct Frame {
    const AbiTypePtr* node;
    bool children_done;
  };
  std::vector<Frame> stack{{&root, false}};
  while (!stack.empty()) {
    Frame f = stack.back();
    const AbiType* t = f.node->get();
    if (!t || memo.count(t)) {
      stack.pop_back();
      continue;
    }
    if (!f.children_done) {
      stack.back().children_done = true;
      for (const AbiTypePtr& e : t->elems)
        if (e && !memo.count(e.get())) stack.push_back({&e, false});
      continue;
    }
    stack.pop_back();
    bool changed = t->kind == AbiKind::Own || t->kind == AbiKind::Borrow;
    for (const AbiTypePtr& e : t->elems) changed = changed || (e && memo.at(e.get()) != e);
    if (!changed) {
      memo.emplace(t, *f.node);
      continue;
    }
    auto copy = std::make_shared<AbiType>(*t);  // same layout: identities do not change it
    if (t->kind == AbiKind::Own || t->kind == AbiKind::Borrow) copy->resource = ids[t->resource];
    for (AbiTypePtr& e : copy->elems)
      if (e) e = memo.at(e.get());
    memo.emplace(t, std::move(copy));
  }
  return root ? memo.at(root.get()) : root;
}

}  // namespace

std::shared_ptr<const AbiFuncType> with_resources(const PlanFuncType& t, std::span<const uint32_t> ids, ResourceMemo& memo) {
  if (!t.has_resources) return t.type;
  auto out = std::make_shared<AbiFuncType>(*t.type);
  for (AbiTypePtr& p : out->params) p = replace_resources(p, ids, memo);
  for (AbiTypePtr& r : out->results) r = replace_resources(r, ids, memo);
  return out;
}

bool same_shape(const AbiType& a, const AbiType& b) {
  if (a.kind != b.kind || a.labels != b.labels || a.elems.size() != b.elems.size()) return false;
  if ((a.kind == AbiKind::Own || a.kind == AbiKind::Borrow) && a.resource != b.resource) return false;
  for (size_t i = 0; i < a.elems.size(); ++i) {
    if (!a.elems[i] != !b.elems[i]) return false;
    if (a.elems[i] && !same_shape(*a.elems[i], *b.elems[i])) return false;
  }
  return true;
}

bool same_shape(const AbiFuncType& a, const AbiFuncType& b) {
  if (a.params.size() != b.params.size() || a.results.size() != b.results.size()) return false;
  for (size_t i = 0; i < a.params.size(); ++i)
    if (!same_shape(*a.params[i], *b.params[i])) return false;
  for (size_t i = 0; i < a.results.size(); ++i)
    if (!same_shape(*a.results[i], *b.results[i])) return false;
  return true;
}

}  // namespace torvyn::component::detail

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

Result<AbiTypePtr> opt_valtype(const Env& env, const std::optional<ValType>& v) {
  if (!v) return AbiTypePtr{};
  return resolve_valtype(env, *v);
}

Result<uint32_t> resource_of(const Env& env, Index idx) {
  if (idx >= env.types.size() || !env.types[idx].resource) return bad("type " + std::to_string(idx) + " is not a resource type");
  return *env.types[idx].resource;
}

Result<AbiTypePtr> resolve_defval(const Env& env, const DefValType& d) {
  struct V {
    const Env& env;
    Result<AbiTypePtr> operator()(PrimValType p) { return abi::prim(prim_kind(p)); }
    Result<AbiTypePtr> operator()(const RecordType& r) {
      std::vector<std::string> names;
      std::vector<AbiTypePtr> fields;
      for (const auto& f : r.fields) {
        auto t = resolve_valtype(env, f.type);
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
        auto t = opt_valtype(env, c.type);
        if (!t) return t.take_error();
        names.push_back(c.label);
        payloads.push_back(*t);
      }
      return abi::variant(std::move(names), std::move(payloads));
    }
    Result<AbiTypePtr> operator()(const ListType& l) {
      auto t = resolve_valtype(env, l.element);
      if (!t) return t.take_error();
      return abi::list(*t);
    }
    Result<AbiTypePtr> operator()(const TupleType& tt) {
      std::vector<AbiTypePtr> elems;
      for (const auto& e : tt.elements) {
        auto t = resolve_valtype(env, e);
        if (!t) return t.take_error();
        elems.push_back(*t);
      }
      return abi::tuple(std::move(elems));
    }
    Result<AbiTypePtr> operator()(const FlagsType& f) { return abi::flags(f.labels); }
    Result<AbiTypePtr> operator()(const EnumType& e) { return abi::enumeration(e.labels); }
    Result<AbiTypePtr> operator()(const OptionType& o) {
      auto t = resolve_valtype(env, o.type);
      if (!t) return t.take_error();
      return abi::option(*t);
    }
    Result<AbiTypePtr> operator()(const ResultType& r) {
      auto ok = opt_valtype(env, r.ok);
      if (!ok) return ok.take_error();
      auto err = opt_valtype(env, r.err);
      if (!err) return err.take_error();
      return abi::result(*ok, *err);
    }
    Result<AbiTypePtr> operator()(const OwnType& o) {
      auto r = resource_of(env, o.resource_type);
      if (!r) return r.take_error();
      return abi::own(*r);
    }
    Result<AbiTypePtr> operator()(const BorrowType& b) {
      auto r = resource_of(env, b.resource_type);
      if (!r) return r.take_error();
      return abi::borrow(*r);
    }
  };
  return std::visit(V{env}, d);
}

}  // namespace

const Env* outer_env(const Env& env, uint32_t count) {
  const Env* e = &env;
  for (uint32_t i = 0; i < count && e; ++i) e = e->outer;
  return e;
}

Result<AbiTypePtr> resolve_valtype(const Env& env, const ValType& v) {
  if (v.is_primitive) return abi::prim(prim_kind(v.prim));
  if (v.type_index >= env.types.size() || !env.types[v.type_index].value)
    return bad("type " + std::to_string(v.type_index) + " is not a value type");
  return env.types[v.type_index].value;
}

Result<TypeVal> resolve_type(Env& env, const Type& t, GuestResources& guest) {
  TypeVal out;
  if (const auto* d = std::get_if<DefValType>(&t.def)) {
    auto v = resolve_defval(env, *d);
    if (!v) return v.take_error();
    out.value = *v;
  } else if (const auto* f = std::get_if<FuncType>(&t.def)) {
    auto ft = std::make_shared<AbiFuncType>();
    for (const auto& p : f->params) {
      auto pt = resolve_valtype(env, p.type);
      if (!pt) return pt.take_error();
      ft->param_names.push_back(p.label);
      ft->params.push_back(*pt);
    }
    if (f->result) {
      auto rt = resolve_valtype(env, *f->result);
      if (!rt) return rt.take_error();
      ft->results.push_back(*rt);
    } else if (!f->named_results.empty()) {
      std::vector<std::string> names;
      std::vector<AbiTypePtr> types;
      for (const auto& r : f->named_results) {
        auto rt = resolve_valtype(env, r.type);
        if (!rt) return rt.take_error();
        names.push_back(r.label);
        types.push_back(*rt);
      }
      ft->results.push_back(abi::record(std::move(names), std::move(types)));
    }
    out.func = std::move(ft);
  } else if (const auto* r = std::get_if<ResourceType>(&t.def)) {
    out.resource = guest.take_id();
    if (r->dtor_core_func) {
      if (*r->dtor_core_func >= env.core_funcs.size()) return bad("resource destructor is not a core function");
      guest.dtors[*out.resource] = env.core_funcs[*r->dtor_core_func];
    }
  } else if (const auto* it = std::get_if<InstanceType>(&t.def)) {
    out.instance_type = it;
    out.defined_in = &env;
  } else if (const auto* ct = std::get_if<ComponentType>(&t.def)) {
    out.component_type = ct;
    out.defined_in = &env;
  }
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

// Size, alignment and flattening of component value types, as CanonicalABI.md defines them
// (`alignment`, `elem_size`, `flatten_type`, with enum/option/result/tuple despecialised).
#include "torvyn/component/abi_types.h"

#include <algorithm>

namespace torvyn::component {
namespace {

uint32_t align_to(uint32_t n, uint32_t a) { return (n + a - 1) / a * a; }

FlatType join(FlatType a, FlatType b) {
  if (a == b) return a;
  if ((a == FlatType::I32 && b == FlatType::F32) || (a == FlatType::F32 && b == FlatType::I32)) return FlatType::I32;
  return FlatType::I64;
}

uint32_t max_case_alignment(const AbiType& t) {
  uint32_t a = 1;
  for (size_t i = 0; i < abi::case_count(t); ++i)
    if (const AbiType* p = abi::case_payload(t, i)) a = std::max(a, p->align);
  return a;
}

void finish(AbiType& t) {
  switch (t.kind) {
    case AbiKind::Bool:
    case AbiKind::S8:
    case AbiKind::U8: t.size = t.align = 1; t.flat = {FlatType::I32}; break;
    case AbiKind::S16:
    case AbiKind::U16: t.size = t.align = 2; t.flat = {FlatType::I32}; break;
    case AbiKind::S32:
    case AbiKind::U32:
    case AbiKind::Char:
    case AbiKind::Own:
    case AbiKind::Borrow: t.size = t.align = 4; t.flat = {FlatType::I32}; break;
    case AbiKind::F32: t.size = t.align = 4; t.flat = {FlatType::F32}; break;
    case AbiKind::S64:
    case AbiKind::U64: t.size = t.align = 8; t.flat = {FlatType::I64}; break;
    case AbiKind::F64: t.size = t.align = 8; t.flat = {FlatType::F64}; break;
    case AbiKind::String:
    case AbiKind::List: t.size = 8; t.align = 4; t.flat = {FlatType::I32, FlatType::I32}; break;
    case AbiKind::Record:
    case AbiKind::Tuple: {
      uint32_t s = 0, a = 1;
      t.flat.clear();
      for (const auto& f : t.elems) {
        s = align_to(s, f->align) + f->size;
        a = std::max(a, f->align);
        t.flat.insert(t.flat.end(), f->flat.begin(), f->flat.end());
      }
      t.align = a;
      t.size = align_to(s, a);
      break;
    }
    case AbiKind::Variant:
    case AbiKind::Enum:
    case AbiKind::Option:
    case AbiKind::Result: {
      uint32_t disc = abi::discriminant_size(abi::case_count(t));
      uint32_t mca = max_case_alignment(t);
      uint32_t cs = 0;
      std::vector<FlatType> payload_flat;
      for (size_t i = 0; i < abi::case_count(t); ++i) {
        const AbiType* p = abi::case_payload(t, i);
        if (!p) continue;
        cs = std::max(cs, p->size);
        for (size_t k = 0; k < p->flat.size(); ++k) {
          if (k < payload_flat.size()) payload_flat[k] = join(payload_flat[k], p->flat[k]);
          else payload_flat.push_back(p->flat[k]);
        }
      }
      t.align = std::max(disc, mca);
      t.size = align_to(align_to(disc, mca) + cs, t.align);
      t.flat = {FlatType::I32};
      t.flat.insert(t.flat.end(), payload_flat.begin(), payload_flat.end());
      break;
    }
    case AbiKind::Flags: {
      size_t n = t.labels.size();
      if (n == 0) { t.size = 0; t.align = 1; }
      else if (n <= 8) t.size = t.align = 1;
      else if (n <= 16) t.size = t.align = 2;
      else { t.size = 4 * static_cast<uint32_t>((n + 31) / 32); t.align = 4; }
      t.flat.assign((n + 31) / 32, FlatType::I32);
      break;
    }
  }
}

AbiTypePtr make(AbiType t) {
  finish(t);
  return std::make_shared<const AbiType>(std::move(t));
}

}  // namespace

namespace abi {

AbiTypePtr prim(AbiKind k) {
  AbiType t;
  t.kind = k;
  return make(std::move(t));
}
AbiTypePtr list(AbiTypePtr elem) {
  AbiType t;
  t.kind = AbiKind::List;
  t.elems = {std::move(elem)};
  return make(std::move(t));
}
AbiTypePtr record(std::vector<std::string> names, std::vector<AbiTypePtr> fields) {
  AbiType t;
  t.kind = AbiKind::Record;
  t.labels = std::move(names);
  t.elems = std::move(fields);
  return make(std::move(t));
}
AbiTypePtr tuple(std::vector<AbiTypePtr> elems) {
  AbiType t;
  t.kind = AbiKind::Tuple;
  t.elems = std::move(elems);
  return make(std::move(t));
}
AbiTypePtr variant(std::vector<std::string> names, std::vector<AbiTypePtr> payloads) {
  AbiType t;
  t.kind = AbiKind::Variant;
  t.labels = std::move(names);
  t.elems = std::move(payloads);
  return make(std::move(t));
}
AbiTypePtr enumeration(std::vector<std::string> names) {
  AbiType t;
  t.kind = AbiKind::Enum;
  t.labels = std::move(names);
  return make(std::move(t));
}
AbiTypePtr option(AbiTypePtr inner) {
  AbiType t;
  t.kind = AbiKind::Option;
  t.elems = {std::move(inner)};
  return make(std::move(t));
}
AbiTypePtr result(AbiTypePtr ok, AbiTypePtr err) {
  AbiType t;
  t.kind = AbiKind::Result;
  t.elems = {std::move(ok), std::move(err)};
  return make(std::move(t));
}
AbiTypePtr flags(std::vector<std::string> names) {
  AbiType t;
  t.kind = AbiKind::Flags;
  t.labels = std::move(names);
  return make(std::move(t));
}
AbiTypePtr own(uint32_t resource) {
  AbiType t;
  t.kind = AbiKind::Own;
  t.resource = resource;
  return make(std::move(t));
}
AbiTypePtr borrow(uint32_t resource) {
  AbiType t;
  t.kind = AbiKind::Borrow;
  t.resource = resource;
  return make(std::move(t));
}

size_t case_count(const AbiType& t) {
  switch (t.kind) {
    case AbiKind::Variant: return t.elems.size();
    case AbiKind::Enum: return t.labels.size();
    case AbiKind::Option:
    case AbiKind::Result: return 2;
    default: return 0;
  }
}

uint32_t discriminant_size(size_t cases) { return cases <= 256 ? 1 : cases <= 65536 ? 2 : 4; }

const AbiType* case_payload(const AbiType& t, size_t i) {
  switch (t.kind) {
    case AbiKind::Variant: return i < t.elems.size() ? t.elems[i].get() : nullptr;
    case AbiKind::Option: return i == 1 ? t.elems[0].get() : nullptr;
    case AbiKind::Result: return i < 2 ? t.elems[i].get() : nullptr;
    default: return nullptr;
  }
}

std::vector<uint32_t> field_offsets(const AbiType& t) {
  std::vector<uint32_t> out;
  uint32_t s = 0;
  for (const auto& f : t.elems) {
    s = align_to(s, f->align);
    out.push_back(s);
    s += f->size;
  }
  return out;
}

uint32_t payload_offset(const AbiType& t) { return align_to(discriminant_size(case_count(t)), max_case_alignment(t)); }

}  // namespace abi

const char* to_string(AbiKind k) {
  static const char* names[] = {"bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64", "char", "string",
                                "list", "record", "tuple", "variant", "enum", "option", "result", "flags", "own", "borrow"};
  return names[static_cast<int>(k)];
}

std::string AbiType::to_string() const {
  auto sub = [](const AbiTypePtr& p) { return p ? p->to_string() : std::string("_"); };
  switch (kind) {
    case AbiKind::List: return "list<" + sub(elems[0]) + ">";
    case AbiKind::Option: return "option<" + sub(elems[0]) + ">";
    case AbiKind::Result: return "result<" + sub(elems[0]) + ", " + sub(elems[1]) + ">";
    case AbiKind::Own: return "own<" + std::to_string(resource) + ">";
    case AbiKind::Borrow: return "borrow<" + std::to_string(resource) + ">";
    case AbiKind::Record:
    case AbiKind::Tuple:
    case AbiKind::Variant: {
      std::string s = std::string(component::to_string(kind)) + "{";
      for (size_t i = 0; i < elems.size(); ++i) {
        if (i) s += ", ";
        if (i < labels.size()) s += labels[i] + ": ";
        s += sub(elems[i]);
      }
      return s + "}";
    }
    case AbiKind::Enum:
    case AbiKind::Flags: {
      std::string s = std::string(component::to_string(kind)) + "{";
      for (size_t i = 0; i < labels.size(); ++i) s += (i ? ", " : "") + labels[i];
      return s + "}";
    }
    default: return component::to_string(kind);
  }
}

std::string AbiFuncType::to_string() const {
  std::string s = "func(";
  for (size_t i = 0; i < params.size(); ++i) {
    if (i) s += ", ";
    if (i < param_names.size()) s += param_names[i] + ": ";
    s += params[i]->to_string();
  }
  s += ")";
  if (!results.empty()) s += " -> " + results[0]->to_string();
  return s;
}

}  // namespace torvyn::component

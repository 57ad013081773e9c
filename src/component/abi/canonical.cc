// Canonical ABI lifting and lowering (CanonicalABI.md: load/store, lift_flat/lower_flat, and the
// function-level flattening with MAX_FLAT_PARAMS = 16 and MAX_FLAT_RESULTS = 1).
#include "torvyn/component/canonical.h"

#include <cstring>

namespace torvyn::component {
namespace {

Error trap(std::string message) { return Error(ErrorCode::AbiTrap, std::move(message)); }

Status check_range(AbiContext& cx, uint64_t ptr, uint64_t len, const char* what) {
  uint64_t size = cx.memory().size;
  if (ptr > size || len > size - ptr)
    return trap(std::string(what) + " [" + std::to_string(ptr) + ", +" + std::to_string(len) + ") is outside linear memory of " +
                std::to_string(size) + " bytes");
  return {};
}

Status check_align(uint64_t ptr, uint32_t align, const char* what) {
  if (ptr % align != 0) return trap(std::string(what) + " pointer " + std::to_string(ptr) + " is not " + std::to_string(align) + "-byte aligned");
  return {};
}

Status charge(AbiContext& cx, uint64_t bytes) {
  if (bytes > cx.lift_budget) return trap("the component's values expand to more host memory than one call may use");
  cx.lift_budget -= bytes;
  return {};
}

template <typename T>
T read(AbiContext& cx, uint32_t ptr) {
  T v;
  std::memcpy(&v, cx.memory().data + ptr, sizeof(T));  // caller checked the range; host is little-endian
  return v;
}

template <typename T>
void write(AbiContext& cx, uint32_t ptr, T v) {
  std::memcpy(cx.memory().data + ptr, &v, sizeof(T));
}

uint32_t canon_f32(uint32_t bits) { return (bits & 0x7fffffffu) > 0x7f800000u ? 0x7fc00000u : bits; }
uint64_t canon_f64(uint64_t bits) {
  return (bits & 0x7fffffffffffffffull) > 0x7ff0000000000000ull ? 0x7ff8000000000000ull : bits;
}

Result<uint32_t> to_char(uint32_t i) {
  if (i >= 0x110000 || (i >= 0xD800 && i <= 0xDFFF)) return trap("invalid char code point " + std::to_string(i));
  return i;
}


bool is_byte_list(const AbiType& t) {
  return t.kind == AbiKind::List && (t.elems[0]->kind == AbiKind::U8 || t.elems[0]->kind == AbiKind::S8);
}

Result<Value> load_string(AbiContext& cx, uint32_t ptr, uint32_t len) {
  if (len > kMaxStringBytes) return trap("string of " + std::to_string(len) + " bytes is too long");
  if (auto st = check_range(cx, ptr, len, "string"); !st) return st.take_error();
  if (auto st = charge(cx, len); !st) return st.take_error();
  const uint8_t* p = cx.memory().data + ptr;
  if (!valid_utf8(p, len)) return trap("string at " + std::to_string(ptr) + " is not valid UTF-8");
  return Value::string(std::string(reinterpret_cast<const char*>(p), len));
}

Result<Value> load_list(AbiContext& cx, const AbiType& list, uint32_t ptr, uint32_t len) {
  const AbiType& elem = *list.elems[0];
  if (auto st = check_align(ptr, elem.align, "list"); !st) return st.take_error();
  uint64_t bytes = uint64_t{len} * elem.size;
  if (auto st = check_range(cx, ptr, bytes, "list"); !st) return st.take_error();
  Value v = Value::list({});
  if (is_byte_list(list)) {  // list<u8>: raw bytes in `str` (see value.h)
    if (auto st = charge(cx, len); !st) return st.take_error();
    v.str.assign(reinterpret_cast<const char*>(cx.memory().data + ptr), len);
    return v;
  }
  if (auto st = charge(cx, uint64_t{len} * sizeof(Value)); !st) return st.take_error();
  v.items.reserve(len);
  for (uint32_t i = 0; i < len; ++i) {
    auto e = load(cx, elem, ptr + i * elem.size);
    if (!e) return e.take_error();
    v.items.push_back(std::move(*e));
  }
  return v;
}

Status kind_matches(const Value& v, const AbiType& t) {
  if (v.kind != t.kind)
    return Error(ErrorCode::Internal, std::string("host value of kind ") + to_string(v.kind) + " lowered as " + t.to_string());
  return {};
}

Result<uint32_t> store_string(AbiContext& cx, const std::string& s) {
  if (s.size() > kMaxStringBytes) return trap("string too long to lower");
  auto p = cx.realloc(0, 0, 1, static_cast<uint32_t>(s.size()));
  if (!p) return p.take_error();
  if (auto st = check_range(cx, *p, s.size(), "realloc'd string"); !st) return st.take_error();
  if (!s.empty()) std::memcpy(cx.memory().data + *p, s.data(), s.size());
  return *p;
}

Result<uint32_t> store_list(AbiContext& cx, const Value& v, const AbiType& list, uint32_t& out_len) {
  const AbiType& elem = *list.elems[0];
  bool bytes_repr = is_byte_list(list) && v.items.empty();
  uint64_t n = bytes_repr ? v.str.size() : v.items.size();
  uint64_t bytes = n * elem.size;
  if (bytes >= (1ull << 32)) return trap("list too long to lower");
  auto p = cx.realloc(0, 0, elem.align, static_cast<uint32_t>(bytes));
  if (!p) return p.take_error();
  if (auto st = check_align(*p, elem.align, "realloc'd list"); !st) return st.take_error();
  if (auto st = check_range(cx, *p, bytes, "realloc'd list"); !st) return st.take_error();
  if (bytes_repr) {
    if (n) std::memcpy(cx.memory().data + *p, v.str.data(), n);
  } else {
    for (uint64_t i = 0; i < n; ++i)
      if (auto st = store(cx, v.items[i], elem, static_cast<uint32_t>(*p + i * elem.size)); !st) return st.take_error();
  }
  out_len = static_cast<uint32_t>(n);
  return *p;
}

// Variant payload slots are the joined types; a case's own flat value is the low 32 bits of the
// slot for i32/f32 and all 64 bits for i64/f64 (slots are raw bit patterns).
wasm::Slot coerce(wasm::Slot s, FlatType want) {
  return (want == FlatType::I32 || want == FlatType::F32) ? (s & 0xffffffffu) : s;
}

}  // namespace

Result<wasm::Slot> FlatReader::next() {
  if (pos_ >= count_) return Error(ErrorCode::Internal, "flat value list exhausted");
  return slots_[pos_++];
}

Result<Value> load(AbiContext& cx, const AbiType& t, uint32_t ptr) {
  if (auto st = check_range(cx, ptr, t.size, "value"); !st) return st.take_error();
  switch (t.kind) {
    case AbiKind::Bool: return Value::boolean(read<uint8_t>(cx, ptr) != 0);
    case AbiKind::S8: return Value::s64(t.kind, read<int8_t>(cx, ptr));
    case AbiKind::U8: return Value::u64(t.kind, read<uint8_t>(cx, ptr));
    case AbiKind::S16: return Value::s64(t.kind, read<int16_t>(cx, ptr));
    case AbiKind::U16: return Value::u64(t.kind, read<uint16_t>(cx, ptr));
    case AbiKind::S32: return Value::s64(t.kind, read<int32_t>(cx, ptr));
    case AbiKind::U32: return Value::u64(t.kind, read<uint32_t>(cx, ptr));
    case AbiKind::S64: return Value::s64(t.kind, read<int64_t>(cx, ptr));
    case AbiKind::U64: return Value::u64(t.kind, read<uint64_t>(cx, ptr));
    case AbiKind::F32: {
      uint32_t b = canon_f32(read<uint32_t>(cx, ptr));
      float f;
      std::memcpy(&f, &b, 4);
      return Value::f32v(f);
    }
    case AbiKind::F64: {
      uint64_t b = canon_f64(read<uint64_t>(cx, ptr));
      double d;
      std::memcpy(&d, &b, 8);
      return Value::f64v(d);
    }
    case AbiKind::Char: {
      auto c = to_char(read<uint32_t>(cx, ptr));
      if (!c) return c.take_error();
      return Value::character(*c);
    }
    case AbiKind::String: return load_string(cx, read<uint32_t>(cx, ptr), read<uint32_t>(cx, ptr + 4));
    case AbiKind::List: return load_list(cx, t, read<uint32_t>(cx, ptr), read<uint32_t>(cx, ptr + 4));
    case AbiKind::Record:
    case AbiKind::Tuple: {
      Value v;
      v.kind = t.kind;
      auto offsets = abi::field_offsets(t);
      for (size_t i = 0; i < t.elems.size(); ++i) {
        auto f = load(cx, *t.elems[i], ptr + offsets[i]);
        if (!f) return f.take_error();
        v.items.push_back(std::move(*f));
      }
      return v;
    }
    case AbiKind::Variant:
    case AbiKind::Enum:
    case AbiKind::Option:
    case AbiKind::Result: {
      size_t n = abi::case_count(t);
      uint32_t ds = abi::discriminant_size(n);
      uint32_t c = ds == 1 ? read<uint8_t>(cx, ptr) : ds == 2 ? read<uint16_t>(cx, ptr) : read<uint32_t>(cx, ptr);
      if (c >= n) return trap("variant discriminant " + std::to_string(c) + " out of range for " + t.to_string());
      Value v = Value::variant(t.kind, c);
      if (const AbiType* p = abi::case_payload(t, c)) {
        auto pv = load(cx, *p, ptr + abi::payload_offset(t));
        if (!pv) return pv.take_error();
        v.items.push_back(std::move(*pv));
      }
      return v;
    }
    case AbiKind::Flags: {
      std::vector<bool> set(t.labels.size());
      for (size_t i = 0; i < set.size(); ++i) set[i] = (read<uint8_t>(cx, ptr + static_cast<uint32_t>(i / 8)) >> (i % 8)) & 1;
      return Value::flags(std::move(set));
    }
    case AbiKind::Own:
    case AbiKind::Borrow: {
      auto h = cx.lift_handle(t, read<uint32_t>(cx, ptr));
      if (!h) return h.take_error();
      return Value::handle(t.kind, *h);
    }
  }
  return Error(ErrorCode::Internal, "unknown type");
}

Status store(AbiContext& cx, const Value& v, const AbiType& t, uint32_t ptr) {
  if (auto st = kind_matches(v, t); !st) return st;
  if (auto st = check_range(cx, ptr, t.size, "value"); !st) return st;
  switch (t.kind) {
    case AbiKind::Bool: write<uint8_t>(cx, ptr, v.b ? 1 : 0); return {};
    case AbiKind::S8:
    case AbiKind::U8: write<uint8_t>(cx, ptr, static_cast<uint8_t>(v.u)); return {};
    case AbiKind::S16:
    case AbiKind::U16: write<uint16_t>(cx, ptr, static_cast<uint16_t>(v.u)); return {};
    case AbiKind::S32:
    case AbiKind::U32:
    case AbiKind::Char: write<uint32_t>(cx, ptr, static_cast<uint32_t>(v.u)); return {};
    case AbiKind::S64:
    case AbiKind::U64: write<uint64_t>(cx, ptr, v.u); return {};
    case AbiKind::F32: write<float>(cx, ptr, v.f32); return {};
    case AbiKind::F64: write<double>(cx, ptr, v.f64); return {};
    case AbiKind::String: {
      auto p = store_string(cx, v.str);
      if (!p) return p.take_error();
      write<uint32_t>(cx, ptr, *p);
      write<uint32_t>(cx, ptr + 4, static_cast<uint32_t>(v.str.size()));
      return {};
    }
    case AbiKind::List: {
      uint32_t len = 0;
      auto p = store_list(cx, v, t, len);
      if (!p) return p.take_error();
      write<uint32_t>(cx, ptr, *p);
      write<uint32_t>(cx, ptr + 4, len);
      return {};
    }
    case AbiKind::Record:
    case AbiKind::Tuple: {
      if (v.items.size() != t.elems.size()) return Error(ErrorCode::Internal, "record value has the wrong number of fields");
      auto offsets = abi::field_offsets(t);
      for (size_t i = 0; i < t.elems.size(); ++i)
        if (auto st = store(cx, v.items[i], *t.elems[i], ptr + offsets[i]); !st) return st;
      return {};
    }
    case AbiKind::Variant:
    case AbiKind::Enum:
    case AbiKind::Option:
    case AbiKind::Result: {
      size_t n = abi::case_count(t);
      if (v.case_index >= n) return Error(ErrorCode::Internal, "variant value with an unknown case");
      uint32_t ds = abi::discriminant_size(n);
      if (ds == 1) write<uint8_t>(cx, ptr, static_cast<uint8_t>(v.case_index));
      else if (ds == 2) write<uint16_t>(cx, ptr, static_cast<uint16_t>(v.case_index));
      else write<uint32_t>(cx, ptr, v.case_index);
      const AbiType* p = abi::case_payload(t, v.case_index);
      if (p) {
        if (v.items.size() != 1) return Error(ErrorCode::Internal, "variant case needs a payload");
        return store(cx, v.items[0], *p, ptr + abi::payload_offset(t));
      }
      return {};
    }
    case AbiKind::Flags: {
      for (uint32_t i = 0; i < t.size; ++i) write<uint8_t>(cx, ptr + i, 0);
      for (size_t i = 0; i < t.labels.size() && i < v.flag_set.size(); ++i)
        if (v.flag_set[i]) {
          uint32_t at = ptr + static_cast<uint32_t>(i / 8);
          write<uint8_t>(cx, at, static_cast<uint8_t>(read<uint8_t>(cx, at) | (1u << (i % 8))));
        }
      return {};
    }
    case AbiKind::Own:
    case AbiKind::Borrow: {
      auto h = cx.lower_handle(t, v.u);
      if (!h) return h.take_error();
      write<uint32_t>(cx, ptr, *h);
      return {};
    }
  }
  return Error(ErrorCode::Internal, "unknown type");
}

Result<Value> lift_flat(AbiContext& cx, const AbiType& t, FlatReader& in) {
  auto next32 = [&]() -> Result<uint32_t> {
    auto s = in.next();
    if (!s) return s.take_error();
    return static_cast<uint32_t>(*s);
  };
  switch (t.kind) {
    case AbiKind::Bool:
    case AbiKind::S8:
    case AbiKind::U8:
    case AbiKind::S16:
    case AbiKind::U16:
    case AbiKind::S32:
    case AbiKind::U32: {
      auto i = next32();
      if (!i) return i.take_error();
      switch (t.kind) {  // lift_flat_unsigned / lift_flat_signed: ignore the high bits
        case AbiKind::Bool: return Value::boolean(*i != 0);
        case AbiKind::S8: return Value::s64(t.kind, static_cast<int8_t>(*i));
        case AbiKind::U8: return Value::u64(t.kind, static_cast<uint8_t>(*i));
        case AbiKind::S16: return Value::s64(t.kind, static_cast<int16_t>(*i));
        case AbiKind::U16: return Value::u64(t.kind, static_cast<uint16_t>(*i));
        case AbiKind::S32: return Value::s64(t.kind, static_cast<int32_t>(*i));
        default: return Value::u64(t.kind, *i);
      }
    }
    case AbiKind::S64:
    case AbiKind::U64: {
      auto s = in.next();
      if (!s) return s.take_error();
      return t.kind == AbiKind::S64 ? Value::s64(t.kind, static_cast<int64_t>(*s)) : Value::u64(t.kind, *s);
    }
    case AbiKind::F32: {
      auto i = next32();
      if (!i) return i.take_error();
      uint32_t b = canon_f32(*i);
      float f;
      std::memcpy(&f, &b, 4);
      return Value::f32v(f);
    }
    case AbiKind::F64: {
      auto s = in.next();
      if (!s) return s.take_error();
      uint64_t b = canon_f64(*s);
      double d;
      std::memcpy(&d, &b, 8);
      return Value::f64v(d);
    }
    case AbiKind::Char: {
      auto i = next32();
      if (!i) return i.take_error();
      auto c = to_char(*i);
      if (!c) return c.take_error();
      return Value::character(*c);
    }
    case AbiKind::String:
    case AbiKind::List: {
      auto p = next32();
      if (!p) return p.take_error();
      auto n = next32();
      if (!n) return n.take_error();
      return t.kind == AbiKind::String ? load_string(cx, *p, *n) : load_list(cx, t, *p, *n);
    }
    case AbiKind::Record:
    case AbiKind::Tuple: {
      Value v;
      v.kind = t.kind;
      for (const auto& f : t.elems) {
        auto fv = lift_flat(cx, *f, in);
        if (!fv) return fv.take_error();
        v.items.push_back(std::move(*fv));
      }
      return v;
    }
    case AbiKind::Variant:
    case AbiKind::Enum:
    case AbiKind::Option:
    case AbiKind::Result: {
      auto c = next32();
      if (!c) return c.take_error();
      size_t n = abi::case_count(t);
      if (*c >= n) return trap("variant discriminant " + std::to_string(*c) + " out of range for " + t.to_string());
      std::vector<wasm::Slot> joined(t.flat.size() - 1);
      for (auto& s : joined) {
        auto x = in.next();
        if (!x) return x.take_error();
        s = *x;
      }
      Value v = Value::variant(t.kind, *c);
      if (const AbiType* p = abi::case_payload(t, *c)) {
        std::vector<wasm::Slot> own(p->flat.size());
        for (size_t k = 0; k < own.size(); ++k) own[k] = coerce(joined[k], p->flat[k]);
        FlatReader pr(own.data(), own.size());
        auto pv = lift_flat(cx, *p, pr);
        if (!pv) return pv.take_error();
        v.items.push_back(std::move(*pv));
      }
      return v;
    }
    case AbiKind::Flags: {
      std::vector<bool> set(t.labels.size());
      for (size_t w = 0; w < t.flat.size(); ++w) {
        auto i = next32();
        if (!i) return i.take_error();
        for (size_t b = 0; b < 32 && w * 32 + b < set.size(); ++b) set[w * 32 + b] = (*i >> b) & 1;
      }
      return Value::flags(std::move(set));
    }
    case AbiKind::Own:
    case AbiKind::Borrow: {
      auto i = next32();
      if (!i) return i.take_error();
      auto h = cx.lift_handle(t, *i);
      if (!h) return h.take_error();
      return Value::handle(t.kind, *h);
    }
  }
  return Error(ErrorCode::Internal, "unknown type");
}

Status lower_flat(AbiContext& cx, const Value& v, const AbiType& t, std::vector<wasm::Slot>& out) {
  if (auto st = kind_matches(v, t); !st) return st;
  switch (t.kind) {
    case AbiKind::Bool: out.push_back(v.b ? 1 : 0); return {};
    case AbiKind::S8:
    case AbiKind::U8: out.push_back(static_cast<uint8_t>(v.u)); return {};
    case AbiKind::S16:
    case AbiKind::U16: out.push_back(static_cast<uint16_t>(v.u)); return {};
    case AbiKind::S32:
    case AbiKind::U32:
    case AbiKind::Char: out.push_back(static_cast<uint32_t>(v.u)); return {};
    case AbiKind::S64:
    case AbiKind::U64: out.push_back(v.u); return {};
    case AbiKind::F32: out.push_back(wasm::slot_f32(v.f32)); return {};
    case AbiKind::F64: out.push_back(wasm::slot_f64(v.f64)); return {};
    case AbiKind::String: {
      auto p = store_string(cx, v.str);
      if (!p) return p.take_error();
      out.push_back(*p);
      out.push_back(v.str.size());
      return {};
    }
    case AbiKind::List: {
      uint32_t len = 0;
      auto p = store_list(cx, v, t, len);
      if (!p) return p.take_error();
      out.push_back(*p);
      out.push_back(len);
      return {};
    }
    case AbiKind::Record:
    case AbiKind::Tuple:
      if (v.items.size() != t.elems.size()) return Error(ErrorCode::Internal, "record value has the wrong number of fields");
      for (size_t i = 0; i < t.elems.size(); ++i)
        if (auto st = lower_flat(cx, v.items[i], *t.elems[i], out); !st) return st;
      return {};
    case AbiKind::Variant:
    case AbiKind::Enum:
    case AbiKind::Option:
    case AbiKind::Result: {
      if (v.case_index >= abi::case_count(t)) return Error(ErrorCode::Internal, "variant value with an unknown case");
      out.push_back(v.case_index);
      size_t start = out.size();
      if (const AbiType* p = abi::case_payload(t, v.case_index)) {
        if (v.items.size() != 1) return Error(ErrorCode::Internal, "variant case needs a payload");
        if (auto st = lower_flat(cx, v.items[0], *p, out); !st) return st;
      }
      // Pad to the joined payload width; values are raw bits, so no reinterpretation is needed.
      out.resize(start + t.flat.size() - 1, 0);
      return {};
    }
    case AbiKind::Flags: {
      for (size_t w = 0; w < t.flat.size(); ++w) {
        uint32_t bits = 0;
        for (size_t b = 0; b < 32 && w * 32 + b < v.flag_set.size(); ++b)
          if (v.flag_set[w * 32 + b]) bits |= 1u << b;
        out.push_back(bits);
      }
      return {};
    }
    case AbiKind::Own:
    case AbiKind::Borrow: {
      auto h = cx.lower_handle(t, v.u);
      if (!h) return h.take_error();
      out.push_back(*h);
      return {};
    }
  }
  return Error(ErrorCode::Internal, "unknown type");
}

namespace {

std::vector<FlatType> flatten_all(const std::vector<AbiTypePtr>& types) {
  std::vector<FlatType> out;
  for (const auto& t : types) out.insert(out.end(), t->flat.begin(), t->flat.end());
  return out;
}

}  // namespace

CoreSignature lifted_signature(const AbiFuncType& f) {
  CoreSignature s;
  s.params = flatten_all(f.params);
  if (s.params.size() > kMaxFlatParams) {
    s.params = {FlatType::I32};
    s.params_in_memory = true;
  }
  s.results = flatten_all(f.results);
  if (s.results.size() > kMaxFlatResults) {
    s.results = {FlatType::I32};
    s.results_in_memory = true;
  }
  return s;
}

CoreSignature lowered_signature(const AbiFuncType& f) {
  CoreSignature s;
  s.params = flatten_all(f.params);
  if (s.params.size() > kMaxFlatParams) {
    s.params = {FlatType::I32};
    s.params_in_memory = true;
  }
  s.results = flatten_all(f.results);
  if (s.results.size() > kMaxFlatResults) {
    s.params.push_back(FlatType::I32);  // the caller's return area
    s.results.clear();
    s.results_in_memory = true;
  }
  return s;
}

Status lower_call_args(AbiContext& cx, const AbiFuncType& f, const std::vector<Value>& args, std::vector<wasm::Slot>& core_args) {
  if (args.size() != f.params.size()) return Error(ErrorCode::Internal, "wrong number of arguments for " + f.to_string());
  core_args.clear();
  if (!lifted_signature(f).params_in_memory) {
    for (size_t i = 0; i < args.size(); ++i)
      if (auto st = lower_flat(cx, args[i], *f.params[i], core_args); !st) return st;
    return {};
  }
  AbiTypePtr tuple = abi::tuple(f.params);
  auto p = cx.realloc(0, 0, tuple->align, tuple->size);
  if (!p) return p.take_error();
  if (auto st = check_align(*p, tuple->align, "realloc'd argument area"); !st) return st;
  if (auto st = store(cx, Value::tuple(args), *tuple, *p); !st) return st;
  core_args.push_back(*p);
  return {};
}

Result<std::vector<Value>> lift_call_results(AbiContext& cx, const AbiFuncType& f, const wasm::Slot* core_results) {
  std::vector<Value> out;
  CoreSignature sig = lifted_signature(f);
  if (sig.results_in_memory) {
    AbiTypePtr tuple = abi::tuple(f.results);
    uint32_t ptr = static_cast<uint32_t>(core_results[0]);
    if (auto st = check_align(ptr, tuple->align, "result area"); !st) return st.take_error();
    auto v = load(cx, *tuple, ptr);
    if (!v) return v.take_error();
    return std::move(v->items);
  }
  FlatReader in(core_results, sig.results.size());
  for (const auto& t : f.results) {
    auto v = lift_flat(cx, *t, in);
    if (!v) return v.take_error();
    out.push_back(std::move(*v));
  }
  return out;
}

Result<std::vector<Value>> lift_call_args(AbiContext& cx, const AbiFuncType& f, const wasm::Slot* core_args) {
  CoreSignature sig = lowered_signature(f);
  if (sig.params_in_memory) {
    AbiTypePtr tuple = abi::tuple(f.params);
    uint32_t ptr = static_cast<uint32_t>(core_args[0]);
    if (auto st = check_align(ptr, tuple->align, "argument area"); !st) return st.take_error();
    auto v = load(cx, *tuple, ptr);
    if (!v) return v.take_error();
    return std::move(v->items);
  }
  std::vector<Value> out;
  FlatReader in(core_args, sig.params.size());
  for (const auto& t : f.params) {
    auto v = lift_flat(cx, *t, in);
    if (!v) return v.take_error();
    out.push_back(std::move(*v));
  }
  return out;
}

Status lower_call_results(AbiContext& cx, const AbiFuncType& f, const std::vector<Value>& results, const wasm::Slot* core_args,
                          wasm::Slot* core_result) {
  if (results.size() != f.results.size()) return Error(ErrorCode::Internal, "wrong number of results for " + f.to_string());
  CoreSignature sig = lowered_signature(f);
  if (sig.results_in_memory) {
    AbiTypePtr tuple = abi::tuple(f.results);
    uint32_t retptr = static_cast<uint32_t>(core_args[sig.params.size() - 1]);
    if (auto st = check_align(retptr, tuple->align, "return area"); !st) return st;
    return store(cx, Value::tuple(results), *tuple, retptr);
  }
  std::vector<wasm::Slot> flat;
  for (size_t i = 0; i < results.size(); ++i)
    if (auto st = lower_flat(cx, results[i], *f.results[i], flat); !st) return st;
  for (size_t i = 0; i < flat.size(); ++i) core_result[i] = flat[i];
  return {};
}

bool valid_utf8(const uint8_t* s, size_t n) {
  size_t i = 0;
  // ASCII fast path, eight bytes at a time (content types, port names, most text).
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, s + i, 8);
    if (w & 0x8080808080808080ull) break;
  }
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) { ++i; continue; }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
    else return false;
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

}  // namespace torvyn::component

// A component-level value, as the host sees it through the Canonical ABI: a small tree matching an
// AbiType. Used by the generic lift/lower paths and by tests; hot paths lift and lower directly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "torvyn/component/abi_types.h"

namespace torvyn::component {

struct Value {
  AbiKind kind = AbiKind::Bool;
  union {
    bool b;
    int64_t s;       // S8..S64
    uint64_t u;      // U8..U64, Char (code point), Own/Borrow (handle index or rep, see below)
    float f32;
    double f64;
  };
  uint32_t case_index = 0;     // Variant / Enum / Option (0 none, 1 some) / Result (0 ok, 1 err)
  std::string str;             // String; also the bytes of a list<u8>/list<s8> (with `items` empty)
  std::vector<Value> items;    // List elements, Record/Tuple fields, variant payload (0 or 1 item)
  std::vector<bool> flag_set;  // Flags, one per label

  Value() : u(0) {}
  static Value boolean(bool v) { Value x; x.kind = AbiKind::Bool; x.b = v; return x; }
  static Value s64(AbiKind k, int64_t v) { Value x; x.kind = k; x.s = v; return x; }
  static Value u64(AbiKind k, uint64_t v) { Value x; x.kind = k; x.u = v; return x; }
  static Value f32v(float v) { Value x; x.kind = AbiKind::F32; x.f32 = v; return x; }
  static Value f64v(double v) { Value x; x.kind = AbiKind::F64; x.f64 = v; return x; }
  static Value character(uint32_t cp) { Value x; x.kind = AbiKind::Char; x.u = cp; return x; }
  static Value string(std::string s) { Value x; x.kind = AbiKind::String; x.str = std::move(s); return x; }
  static Value list(std::vector<Value> v) { Value x; x.kind = AbiKind::List; x.items = std::move(v); return x; }
  static Value record(std::vector<Value> v) { Value x; x.kind = AbiKind::Record; x.items = std::move(v); return x; }
  static Value tuple(std::vector<Value> v) { Value x; x.kind = AbiKind::Tuple; x.items = std::move(v); return x; }
  static Value variant(AbiKind k, uint32_t c, std::vector<Value> payload = {}) {
    Value x; x.kind = k; x.case_index = c; x.items = std::move(payload); return x;
  }
  static Value flags(std::vector<bool> set) { Value x; x.kind = AbiKind::Flags; x.flag_set = std::move(set); return x; }
  static Value handle(AbiKind k, uint64_t h) { Value x; x.kind = k; x.u = h; return x; }

  bool operator==(const Value& o) const;
  std::string to_string() const;
};

}  // namespace torvyn::component

#include "torvyn/component/value.h"

#include <cstring>

namespace torvyn::component {

bool Value::operator==(const Value& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case AbiKind::Bool: return b == o.b;
    case AbiKind::F32: return std::memcmp(&f32, &o.f32, 4) == 0;
    case AbiKind::F64: return std::memcmp(&f64, &o.f64, 8) == 0;
    case AbiKind::String: return str == o.str;
    case AbiKind::List:
    case AbiKind::Record:
    case AbiKind::Tuple: return str == o.str && items == o.items;
    case AbiKind::Variant:
    case AbiKind::Enum:
    case AbiKind::Option:
    case AbiKind::Result: return case_index == o.case_index && items == o.items;
    case AbiKind::Flags: return flag_set == o.flag_set;
    default: return u == o.u;
  }
}

std::string Value::to_string() const {
  auto join = [](const std::vector<Value>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i].to_string();
    return s;
  };
  switch (kind) {
    case AbiKind::Bool: return b ? "true" : "false";
    case AbiKind::S8:
    case AbiKind::S16:
    case AbiKind::S32:
    case AbiKind::S64: return std::to_string(s);
    case AbiKind::F32: return std::to_string(f32);
    case AbiKind::F64: return std::to_string(f64);
    case AbiKind::String: return "\"" + str + "\"";
    case AbiKind::List: return items.empty() && !str.empty() ? "bytes[" + std::to_string(str.size()) + "]" : "[" + join(items) + "]";
    case AbiKind::Record:
    case AbiKind::Tuple: return "{" + join(items) + "}";
    case AbiKind::Variant:
    case AbiKind::Enum:
    case AbiKind::Option:
    case AbiKind::Result: return "case" + std::to_string(case_index) + (items.empty() ? "" : "(" + join(items) + ")");
    case AbiKind::Flags: {
      std::string s = "flags(";
      for (bool f : flag_set) s += f ? '1' : '0';
      return s + ")";
    }
    case AbiKind::Own: return "own#" + std::to_string(u);
    case AbiKind::Borrow: return "borrow#" + std::to_string(u);
    default: return std::to_string(u);
  }
}

}  // namespace torvyn::component

#include "torvyn/wasm/types.h"

namespace torvyn::wasm {

const char* to_string(ValType t) {
  switch (t) {
    case ValType::I32: return "i32";
    case ValType::I64: return "i64";
    case ValType::F32: return "f32";
    case ValType::F64: return "f64";
    case ValType::V128: return "v128";
    case ValType::FuncRef: return "funcref";
    case ValType::ExternRef: return "externref";
  }
  return "?";
}

const char* to_string(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return "func";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
    case ExternKind::Tag: return "tag";
  }
  return "?";
}

const char* to_string(TrapKind k) {
  switch (k) {
    case TrapKind::None: return "no trap";
    case TrapKind::OutOfBounds: return "out of bounds memory or table access";
    case TrapKind::Unreachable: return "unreachable executed";
    case TrapKind::DivByZero: return "integer divide by zero";
    case TrapKind::IntOverflow: return "integer overflow";
    case TrapKind::InvalidConversion: return "invalid conversion to integer";
    case TrapKind::IndirectCallTypeMismatch: return "indirect call type mismatch";
    case TrapKind::UndefinedElement: return "undefined or uninitialized table element";
    case TrapKind::NullReference: return "null reference";
    case TrapKind::StackExhausted: return "call stack exhausted";
    case TrapKind::FuelExhausted: return "fuel exhausted";
    case TrapKind::Timeout: return "invocation timed out";
    case TrapKind::Interrupted: return "interrupted";
    case TrapKind::HostError: return "host function failed";
    case TrapKind::Poisoned: return "instance is poisoned by an earlier trap";
    case TrapKind::ReentryDenied: return "re-entry into an instance that is on the stack";
    case TrapKind::Other: return "trap";
  }
  return "trap";
}

size_t slot_count(const std::vector<ValType>& types) {
  size_t n = 0;
  for (ValType t : types) n += slot_count(t);
  return n;
}

std::string FuncType::to_string() const {
  auto list = [](const std::vector<ValType>& v) {
    std::string s = "(";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) s += ", ";
      s += wasm::to_string(v[i]);
    }
    return s + ")";
  };
  return list(params) + " -> " + list(results);
}

}  // namespace torvyn::wasm

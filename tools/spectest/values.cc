#include "values.h"

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace torvyn::spectest {

using namespace wasm;
using nlohmann::json;

namespace {

constexpr uint32_t kF32Exp = 0x7f800000u, kF32Quiet = 0x00400000u, kF32Abs = 0x7fffffffu;
constexpr uint64_t kF64Exp = 0x7ff0000000000000ull, kF64Quiet = 0x0008000000000000ull,
                   kF64Abs = 0x7fffffffffffffffull;

uint64_t parse_u64(std::string_view s, uint64_t max) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v > max)
    throw std::invalid_argument("bad numeric value \"" + std::string(s) + "\"");
  return v;
}

std::string value_string(const json& v) {
  if (!v.contains("value") || !v["value"].is_string()) throw std::invalid_argument("value without a \"value\" string");
  return v["value"].get<std::string>();
}

ValType type_of(const json& v) {
  std::optional<ValType> t = parse_val_type(v.at("type").get<std::string>());
  if (!t) throw std::invalid_argument("unknown value type " + v.at("type").dump());
  return *t;
}

// An expected float (bit pattern or NaN class) against actual bits. canonical: the quiet bit only,
// either sign; arithmetic: any NaN with the quiet bit set.
bool f32_matches(uint32_t bits, const std::string& want) {
  if (want == "nan:canonical") return (bits & kF32Abs) == (kF32Exp | kF32Quiet);
  if (want == "nan:arithmetic") return (bits & (kF32Exp | kF32Quiet)) == (kF32Exp | kF32Quiet);
  return bits == parse_u64(want, UINT32_MAX);
}

bool f64_matches(uint64_t bits, const std::string& want) {
  if (want == "nan:canonical") return (bits & kF64Abs) == (kF64Exp | kF64Quiet);
  if (want == "nan:arithmetic") return (bits & (kF64Exp | kF64Quiet)) == (kF64Exp | kF64Quiet);
  return bits == parse_u64(want, UINT64_MAX);
}

std::string hex(uint64_t bits, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*" PRIx64, digits, bits);
  return buf;
}

}  // namespace

std::optional<ValType> parse_val_type(std::string_view name) {
  if (name == "i32") return ValType::I32;
  if (name == "i64") return ValType::I64;
  if (name == "f32") return ValType::F32;
  if (name == "f64") return ValType::F64;
  if (name == "v128") return ValType::V128;
  if (name == "funcref") return ValType::FuncRef;
  if (name == "externref") return ValType::ExternRef;
  return std::nullopt;
}

std::optional<std::string> unrepresentable(const json& v, bool is_argument) {
  ValType t = type_of(v);
  if (t == ValType::FuncRef && is_argument && value_string(v) != "null") return "non-null funcref argument";
  return std::nullopt;
}

Slot to_slot(const json& v) {
  std::string s = value_string(v);
  switch (type_of(v)) {
    case ValType::I32:
    case ValType::F32:
      return parse_u64(s, UINT32_MAX);
    case ValType::I64:
    case ValType::F64:
      return parse_u64(s, UINT64_MAX);
    case ValType::ExternRef:
      // +1 keeps host value 0 distinct from null; results are compared the same way.
      return s == "null" ? 0 : parse_u64(s, UINT64_MAX - 1) + 1;
    case ValType::FuncRef:
      if (s == "null") return 0;
      break;
    case ValType::V128:
      break;
  }
  throw std::invalid_argument("value cannot be passed as a slot: " + v.dump());
}

namespace {

// Lane width in bytes for a wast2json lane_type.
size_t lane_bytes(const std::string& lane) {
  if (lane == "i8") return 1;
  if (lane == "i16") return 2;
  if (lane == "i32" || lane == "f32") return 4;
  if (lane == "i64" || lane == "f64") return 8;
  throw std::invalid_argument("unknown v128 lane type \"" + lane + "\"");
}

const json& lanes_of(const json& v) {
  const json& lanes = v.at("value");
  if (!lanes.is_array() || lanes.size() * lane_bytes(v.at("lane_type").get<std::string>()) != 16)
    throw std::invalid_argument("bad v128 value " + v.dump());
  return lanes;
}

}  // namespace

void to_slots(const json& v, Slot* out) {
  if (type_of(v) != ValType::V128) {
    out[0] = to_slot(v);
    return;
  }
  std::string lane = v.at("lane_type").get<std::string>();
  size_t w = lane_bytes(lane);
  uint8_t bytes[16] = {};
  const json& lanes = lanes_of(v);
  for (size_t i = 0; i < lanes.size(); ++i) {
    uint64_t bits = parse_u64(lanes[i].get<std::string>(), w == 8 ? UINT64_MAX : (uint64_t{1} << (8 * w)) - 1);
    std::memcpy(bytes + i * w, &bits, w);  // little-endian host
  }
  std::memcpy(out, bytes, 16);
}

std::optional<std::string> result_mismatch(const json& expected, ValType actual_type, const Slot* actual) {
  if (actual_type != ValType::V128 || type_of(expected) != ValType::V128) return result_mismatch(expected, actual_type, actual[0]);
  std::string lane = expected.at("lane_type").get<std::string>();
  size_t w = lane_bytes(lane);
  const json& lanes = lanes_of(expected);
  uint8_t bytes[16];
  std::memcpy(bytes, actual, 16);
  for (size_t i = 0; i < lanes.size(); ++i) {
    uint64_t got = 0;
    std::memcpy(&got, bytes + i * w, w);
    std::string want = lanes[i].get<std::string>();
    bool ok;
    if (lane == "f32") ok = f32_matches(static_cast<uint32_t>(got), want);
    else if (lane == "f64") ok = f64_matches(got, want);
    else ok = got == parse_u64(want, w == 8 ? UINT64_MAX : (uint64_t{1} << (8 * w)) - 1);
    if (!ok)
      return "v128 lane " + std::to_string(i) + " (" + lane + "): got " + hex(got, static_cast<int>(2 * w)) + ", expected " + want;
  }
  return std::nullopt;
}

std::optional<std::string> result_mismatch(const json& expected, ValType actual_type, Slot actual) {
  ValType want = type_of(expected);
  if (want != actual_type)
    return std::string("result type ") + to_string(actual_type) + ", expected " + to_string(want);
  std::string s = value_string(expected);
  bool ok = false;
  switch (want) {
    case ValType::I32:
      ok = as_i32(actual) == parse_u64(s, UINT32_MAX);
      break;
    case ValType::I64:
      ok = as_i64(actual) == parse_u64(s, UINT64_MAX);
      break;
    case ValType::F32:
      ok = f32_matches(as_i32(actual), s);
      break;
    case ValType::F64:
      ok = f64_matches(as_i64(actual), s);
      break;
    case ValType::ExternRef:
      ok = actual == (s == "null" ? 0 : parse_u64(s, UINT64_MAX - 1) + 1);
      break;
    case ValType::FuncRef:
      // A non-null expectation names no particular function; all we can check is non-null.
      ok = s == "null" ? actual == 0 : actual != 0;
      break;
    case ValType::V128:
      throw std::invalid_argument("v128 results cannot be checked through a slot");
  }
  if (ok) return std::nullopt;
  return "got " + format_slot(actual_type, actual) + ", expected " + format_expected(expected);
}

std::string format_slot(ValType type, Slot s) {
  char buf[64];
  switch (type) {
    case ValType::I32:
      return "i32:" + std::to_string(as_i32(s)) + " (" + hex(as_i32(s), 8) + ")";
    case ValType::I64:
      return "i64:" + std::to_string(as_i64(s)) + " (" + hex(as_i64(s), 16) + ")";
    case ValType::F32:
      std::snprintf(buf, sizeof buf, "f32:%.9g", static_cast<double>(as_f32(s)));
      return std::string(buf) + " (" + hex(as_i32(s), 8) + ")";
    case ValType::F64:
      std::snprintf(buf, sizeof buf, "f64:%.17g", as_f64(s));
      return std::string(buf) + " (" + hex(as_i64(s), 16) + ")";
    case ValType::ExternRef:
      return s == 0 ? "externref:null" : "externref:" + std::to_string(s - 1);
    case ValType::FuncRef:
      return s == 0 ? "funcref:null" : "funcref:" + hex(s, 1);
    case ValType::V128:
      break;
  }
  return std::string(to_string(type)) + ":?";
}

std::string format_expected(const json& expected) {
  std::string t = expected.value("type", "?");
  if (!expected.contains("value")) return t;
  const json& v = expected["value"];
  if (!v.is_string()) return t + ":" + v.dump();
  std::string s = v.get<std::string>();
  std::optional<ValType> vt = parse_val_type(t);
  if (!vt || s.rfind("nan:", 0) == 0 || s == "null") return t + ":" + s;
  if (*vt == ValType::FuncRef) return "non-null funcref";
  try {
    return format_slot(*vt, to_slot(expected));
  } catch (const std::exception&) {
    return t + ":" + s;
  }
}

}  // namespace torvyn::spectest

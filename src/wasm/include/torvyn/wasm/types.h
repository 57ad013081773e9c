// Core WebAssembly types shared by both engine backends.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace torvyn::wasm {

enum class ValType : uint8_t { I32, I64, F32, F64, V128, FuncRef, ExternRef };
const char* to_string(ValType t);

// A value crosses the host/guest boundary as one untyped 64-bit slot: i32/f32 in the low 32 bits
// (f32 as its bit pattern), i64/f64 as all 64 bits. References are opaque handles (0 = null):
// an externref slot holds the host's value, a funcref slot holds an engine handle that can be
// passed back into the same Store. Untyped slots keep the call path free of tag checks.
// A v128 value (interp only; wasm2c 1.0.32 has no SIMD) takes two consecutive slots, low 64 bits
// first, so argument and result arrays are indexed by slot, not by parameter.
using Slot = uint64_t;

inline size_t slot_count(ValType t) { return t == ValType::V128 ? 2 : 1; }
size_t slot_count(const std::vector<ValType>& types);

inline Slot slot_i32(uint32_t v) { return v; }
inline Slot slot_i64(uint64_t v) { return v; }
inline Slot slot_f32(float v) { uint32_t b; std::memcpy(&b, &v, 4); return b; }
inline Slot slot_f64(double v) { uint64_t b; std::memcpy(&b, &v, 8); return b; }
inline uint32_t as_i32(Slot s) { return static_cast<uint32_t>(s); }
inline uint64_t as_i64(Slot s) { return s; }
inline float as_f32(Slot s) { uint32_t b = static_cast<uint32_t>(s); float f; std::memcpy(&f, &b, 4); return f; }
inline double as_f64(Slot s) { double d; std::memcpy(&d, &s, 8); return d; }

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
  std::string to_string() const;  // "(i32, i64) -> (f32)"
};

struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
  bool operator==(const Limits&) const = default;
};

struct MemoryType { Limits limits; bool operator==(const MemoryType&) const = default; };
struct TableType { ValType elem = ValType::FuncRef; Limits limits; bool operator==(const TableType&) const = default; };
struct GlobalType { ValType type = ValType::I32; bool is_mutable = false; bool operator==(const GlobalType&) const = default; };

enum class ExternKind : uint8_t { Func, Table, Memory, Global, Tag };
const char* to_string(ExternKind k);

// The type of an import or export; only the member matching `kind` is meaningful.
struct ExternType {
  ExternKind kind = ExternKind::Func;
  FuncType func;
  TableType table;
  MemoryType memory;
  GlobalType global;
};

struct ImportDesc {
  std::string module;
  std::string name;
  ExternType type;
};

struct ExportDesc {
  std::string name;
  ExternType type;
};

// Why a call did not complete.
enum class TrapKind : uint8_t {
  None = 0,
  OutOfBounds,               // linear memory or table access out of bounds
  Unreachable,               // `unreachable` executed
  DivByZero,                 // integer divide by zero
  IntOverflow,               // integer overflow (div, trunc)
  InvalidConversion,         // float-to-int of NaN
  IndirectCallTypeMismatch,  // call_indirect signature mismatch
  UndefinedElement,          // call_indirect on an index past the table or a null entry
  NullReference,             // other null reference use
  StackExhausted,            // call stack exhausted (guest recursion)
  FuelExhausted,             // the invocation used up its fuel budget
  Timeout,                   // the wall-clock watchdog interrupted the invocation
  Interrupted,               // the run was told to stop and the invocation had not returned
  HostError,                 // a host function reported an error
  Poisoned,                  // the store had trapped before and must not be entered again
  ReentryDenied,             // re-entry into an instance that is already on the stack
  Other,
};
const char* to_string(TrapKind k);

struct Trap {
  TrapKind kind = TrapKind::None;
  std::string message;
  // Nonzero when a memory.grow during the call was refused by the host's memory cap (this many
  // pages): the likely cause of the trap, and the limit to raise.
  uint32_t memory_cap_pages = 0;
  bool ok() const { return kind == TrapKind::None; }
  explicit operator bool() const { return kind != TrapKind::None; }  // true when trapped
};

}  // namespace torvyn::wasm

// The Canonical ABI (CanonicalABI.md): moving component values between the host and a guest's
// linear memory and flat core values. Every guest-supplied pointer, length, discriminant, char and
// string is checked; a violation is an AbiTrap error, which callers turn into a guest trap.
#pragma once

#include <cstdint>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/component/abi_types.h"
#include "torvyn/component/value.h"
#include "torvyn/wasm/engine.h"

namespace torvyn::component {

inline constexpr size_t kMaxFlatParams = 16;
inline constexpr size_t kMaxFlatResults = 1;
inline constexpr uint32_t kMaxStringBytes = (1u << 31) - 1;

// What lifting and lowering need from the instance on the other side: its memory and realloc
// (canon options), and its handle table.
class AbiContext {
 public:
  virtual ~AbiContext() = default;
  // The memory of the canon options. Re-fetched after every realloc (which may grow it).
  virtual wasm::MemoryView memory() = 0;
  // Calls the guest's realloc (cabi_realloc). A trap or a missing realloc is an error.
  virtual Result<uint32_t> realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) = 0;
  // own/borrow: from the guest's handle index to the host's view of it, and back.
  virtual Result<uint64_t> lift_handle(const AbiType& t, uint32_t index) = 0;
  virtual Result<uint32_t> lower_handle(const AbiType& t, uint64_t value) = 0;

  // Bytes the host may still copy out of the guest during this call. A guest could otherwise make
  // a small memory expand enormously (a list of a million strings all pointing at the same 64 MiB).
  uint64_t lift_budget = 256ull << 20;
};

// Strict UTF-8 (no surrogates, no overlongs): what every lifted string must be.
bool valid_utf8(const uint8_t* s, size_t n);

// Linear memory.
Result<Value> load(AbiContext& cx, const AbiType& t, uint32_t ptr);
Status store(AbiContext& cx, const Value& v, const AbiType& t, uint32_t ptr);

// Flat core values: `slots` holds them in order (see torvyn/wasm/types.h for slot encoding).
class FlatReader {
 public:
  FlatReader(const wasm::Slot* slots, size_t count) : slots_(slots), count_(count) {}
  Result<wasm::Slot> next();
  size_t position() const { return pos_; }

 private:
  const wasm::Slot* slots_;
  size_t count_;
  size_t pos_ = 0;
};
Result<Value> lift_flat(AbiContext& cx, const AbiType& t, FlatReader& in);
Status lower_flat(AbiContext& cx, const Value& v, const AbiType& t, std::vector<wasm::Slot>& out);

// Core signatures of lifted exports and lowered imports.
struct CoreSignature {
  std::vector<FlatType> params;
  std::vector<FlatType> results;
  bool params_in_memory = false;   // more than kMaxFlatParams: one i32 pointer
  bool results_in_memory = false;  // more than kMaxFlatResults: lift: returned pointer; lower: extra retptr param
};
CoreSignature lifted_signature(const AbiFuncType& f);   // canon lift: the core export's type
CoreSignature lowered_signature(const AbiFuncType& f);  // canon lower: the core import's type

// Host calls a lifted guest export: arguments to core arguments (realloc'd when in memory), then
// core results to values.
Status lower_call_args(AbiContext& cx, const AbiFuncType& f, const std::vector<Value>& args, std::vector<wasm::Slot>& core_args);
Result<std::vector<Value>> lift_call_results(AbiContext& cx, const AbiFuncType& f, const wasm::Slot* core_results);

// A guest calls a lowered host import: core arguments to values, then values to the core result
// (or into the guest's return area, whose pointer is the last core argument).
Result<std::vector<Value>> lift_call_args(AbiContext& cx, const AbiFuncType& f, const wasm::Slot* core_args);
Status lower_call_results(AbiContext& cx, const AbiFuncType& f, const std::vector<Value>& results, const wasm::Slot* core_args,
                          wasm::Slot* core_result);

}  // namespace torvyn::component

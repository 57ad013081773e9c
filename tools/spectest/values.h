// wast2json values <-> engine slots.
//
// wast2json writes a value as {"type": "i32", "value": "4294967295"}: numbers as the decimal unsigned
// bit pattern (floats too), expected NaNs as "nan:canonical" / "nan:arithmetic", references as
// "null" or a decimal host value, v128 as {"lane_type": .., "value": [lanes..]}.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "torvyn/wasm/types.h"

namespace torvyn::spectest {

std::optional<wasm::ValType> parse_val_type(std::string_view name);

// Why `v` cannot cross the slot interface, or nullopt when it can: a non-null funcref argument would
// need a handle the script has no way to name. (A v128 crosses as two slots.)
std::optional<std::string> unrepresentable(const nlohmann::json& v, bool is_argument);

// The slot for an argument. externref N becomes slot N + 1 so that `ref.extern 0` is not null (0).
// Throws std::invalid_argument on a value it cannot parse.
wasm::Slot to_slot(const nlohmann::json& v);
// Writes wasm::slot_count(type) slots (two for a v128, whose lanes are packed little-endian).
void to_slots(const nlohmann::json& v, wasm::Slot* out);

// nullopt when `actual` (of type `actual_type`) satisfies `expected`, else a description of the
// difference. Floats compare by bit pattern except for the two NaN classes.
std::optional<std::string> result_mismatch(const nlohmann::json& expected, wasm::ValType actual_type,
                                           wasm::Slot actual);
// The same for a value given as slot_count(actual_type) slots; v128 results are compared lane by
// lane in the expected lane type (NaN classes per float lane).
std::optional<std::string> result_mismatch(const nlohmann::json& expected, wasm::ValType actual_type,
                                           const wasm::Slot* actual);

// "i32:42", "f32:1.5 (0x3fc00000)", ... for messages.
std::string format_slot(wasm::ValType type, wasm::Slot s);
std::string format_expected(const nlohmann::json& expected);

}  // namespace torvyn::spectest

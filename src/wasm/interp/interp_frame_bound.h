// The value-stack slots one activation of a function can use in wabt's interpreter: its params,
// locals and results plus a bound on its operand stack. interp_stack_pass charges it per live frame.
#pragma once

#include <cstdint>

#include <wabt/ir.h>

namespace torvyn::wasm {

inline constexpr uint64_t kInterpValueBytes = 16;  // sizeof(wabt::interp::Value)

// The operand part of that bound for one expression list (nested lists included).
uint64_t interp_operand_bound(const wabt::Module& m, const wabt::ExprList& exprs);

// Upper bound on the value-stack slots one activation of function `func_index` can use.
uint64_t interp_frame_slots(const wabt::Module& m, wabt::Index func_index);

}  // namespace torvyn::wasm

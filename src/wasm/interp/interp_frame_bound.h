// The value-stack slots one activation of a function can use in wabt's interpreter: its params,
// locals and results plus a bound on its operand stack. The stack pass charges it per live frame
// (interp_instrument, interp_binary_instrument; reference/stack_pass_reference.h spells it out).
#pragma once

#include <cstdint>

#include <wabt/ir.h>

namespace torvyn::wasm {

inline constexpr uint64_t kInterpValueBytes = 16;  // sizeof(wabt::interp::Value)

// The operand part of that bound for one expression list (nested lists included).
uint64_t interp_operand_bound(const wabt::Module& m, const wabt::ExprList& exprs);

}  // namespace torvyn::wasm

// Bounding the interpreter's value stack by what a call actually uses.
//
// wabt 1.0.32's interpreter keeps a fixed call stack (~1636 frames) but grows its value stack
// without limit. Rather than refusing a module whose worst function at the worst depth could need
// gigabytes (a componentize-js guest has frames of ~80,000 slots), we account for the frames that
// are really live: the pass adds a mutable i64 global import `torvyn.stack` (the remaining budget
// in value slots, set by the host before each top-level call) and instruments every defined
// function to subtract its frame bound (interp_frame_slots) on entry, trap with `unreachable` when
// the budget goes negative, and give it back on every way out (falling off the end, `return`,
// a branch to the function's label, before a tail call). The host recognises exhaustion by the
// budget's sign and reports TrapKind::StackExhausted.
//
// So the value stack grows on demand, and the sum of the bounds of the live frames never exceeds
// the limit. An exception that unwinds a frame skips its give-back: the budget then only errs on
// the safe side until the next top-level call resets it.
#pragma once

#include <cstdint>

#include <wabt/ir.h>

namespace torvyn::wasm {

inline constexpr const char* kStackModule = "torvyn";
inline constexpr const char* kStackField = "stack";

// The pass wraps each function body in one block, so an instrumented module nests one level
// deeper than the module it came from (which precheck_module already bounded).
inline constexpr uint32_t kStackPassExtraNesting = 1;

// The pass itself runs in instrument_binary_for_interp (on the bytes) and instrument_for_interp
// (on the IR, the fallback); reference/stack_pass_reference.h keeps it as a pass of its own, which
// the tests and the fuzz target compare both with. The pieces they share:
// `stack += delta`, then, when `check`, `unreachable` if it went negative.
wabt::ExprList stack_adjust(wabt::Index stack, int64_t delta, bool check);
// What a function is charged per call: its frame bound plus this pass's own operands, capped.
int64_t stack_pass_charge(uint64_t frame_slots);
// Wraps `f`'s body, whose exits are already rewritten, in the charge and the give-back.
void wrap_frame(wabt::Module& m, wabt::Func& f, wabt::Index stack, int64_t slots);

}  // namespace torvyn::wasm

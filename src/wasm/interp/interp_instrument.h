// The interpreter's instrumentation in one walk over the code.
//
// A module the interpreter runs gets three rewrites: its defined globals move up for the new
// imports (add_i64_global_imports), fuel charges (fuel_pass.h) and the stack pass
// (interp_stack_pass.h). Each walks every instruction of the module: four walks over the IR of a
// 12 MB guest (~11,000 functions, millions of linked expression nodes) took ~0.6-0.9 s of its
// first element's time. This pass does all three for each function in one walk and gives exactly
// the module the passes give one after the other (InterpInstrument.* compares the encodings).
#pragma once

#include <wabt/ir.h>

namespace torvyn::wasm {

// Adds the fuel import (when `meter_fuel`) and the stack import, in that order, and instruments
// every defined function as instrument_fuel_with (when `meter_fuel`) and instrument_stack_with
// would. `m` must be a validated module decoded from binary (index-based vars).
void instrument_for_interp(wabt::Module& m, bool meter_fuel);

}  // namespace torvyn::wasm

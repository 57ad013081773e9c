// The interpreter's stack pass as a pass of its own over the IR, the reference the production forms
// are checked against (InterpInstrument.*, the fuel-pass fuzz target): add_i64_global_imports +
// instrument_fuel_with + instrument_stack_with, one after the other, give the module that
// instrument_for_interp and instrument_binary_for_interp give. Linked by tests and fuzz targets
// only (torvyn_wasm_reference), not by the runtime.
#pragma once

#include <cstdint>

#include <wabt/ir.h>

namespace torvyn::wasm {

// Instruments `m` in place (a validated module decoded from binary). Run it after instrument_fuel,
// so that fuel is charged for the guest's code alone (the same on both engines); its import is
// then the last one. Returns the index of the stack global in the global index space.
wabt::Index instrument_stack(wabt::Module& m);
// The same with the stack import already added (add_i64_global_imports) as global `stack`.
wabt::Index instrument_stack_with(wabt::Module& m, wabt::Index stack);

// Upper bound on the value-stack slots one activation of function `func_index` can use.
uint64_t interp_frame_slots(const wabt::Module& m, wabt::Index func_index);

}  // namespace torvyn::wasm

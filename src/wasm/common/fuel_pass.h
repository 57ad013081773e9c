// Fuel metering as a Wasm-to-Wasm pass, applied before either backend sees the module, so that the
// same module with the same budget consumes exactly the same fuel on interp and aot.
//
// The pass adds one import, a mutable i64 global `torvyn.fuel`, shared by every instance of a Store.
// At each function entry and each loop header it subtracts the cost of the code that runs until the
// next such point (the instructions of that body, not counting nested loops) and executes
// `unreachable` when the counter goes negative; the host recognises that as fuel exhaustion by the
// counter's sign. A watchdog stops a runaway invocation by driving the counter negative.
#pragma once

#include <wabt/ir.h>

namespace torvyn::wasm {

inline constexpr const char* kFuelModule = "torvyn";
inline constexpr const char* kFuelField = "fuel";

// A charge is `if (fuel < 0) unreachable`, at the start of every loop body too: an instrumented
// module nests one level deeper than the module it came from wherever a loop is at the deepest.
inline constexpr uint32_t kFuelPassExtraNesting = 1;

struct FuelPassStats {
  uint32_t charge_points = 0;  // function entries + loop headers instrumented
};

// Instruments `m` in place. `m` must be a validated module decoded from binary (index-based vars).
FuelPassStats instrument_fuel(wabt::Module& m);
// The same with the fuel import already added (add_i64_global_imports, kFuelModule.kFuelField),
// as global `fuel`.
FuelPassStats instrument_fuel_with(wabt::Module& m, wabt::Index fuel);

// The charge of one region: `fuel -= cost`, then `unreachable` when it went negative. A region
// costs 1 + its instructions (not counting nested loops' bodies, which are regions of their own).
wabt::ExprList fuel_charge(wabt::Index fuel, uint64_t cost);

// Index of the fuel global in an instrumented module's global index space.
wabt::Index fuel_global_index(const wabt::Module& m);

}  // namespace torvyn::wasm

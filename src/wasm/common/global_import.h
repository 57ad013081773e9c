// Adding a global import to a decoded module, for the instrumentation passes (fuel, interp stack).
#pragma once

#include <string_view>

#include <wabt/ir.h>

namespace torvyn::wasm {

// Adds an imported mutable i64 global `module`.`field` after the module's other global imports and
// returns its index. Imports come first in the global index space, so every reference to a
// defined global (in code, initialisers, segment offsets and exports) moves up by one.
wabt::Index add_i64_global_import(wabt::Module& m, std::string_view module, std::string_view field);

}  // namespace torvyn::wasm

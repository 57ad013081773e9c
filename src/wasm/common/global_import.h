// Adding a global import to a decoded module, for the instrumentation passes (fuel, interp stack).
#pragma once

#include <initializer_list>
#include <string_view>

#include <wabt/ir.h>

namespace torvyn::wasm {

// Adds an imported mutable i64 global `module`.`field` after the module's other global imports and
// returns its index. Imports come first in the global index space, so every reference to a
// defined global (in code, initialisers, segment offsets and exports) moves up by one.
wabt::Index add_i64_global_import(wabt::Module& m, std::string_view module, std::string_view field);

// Adds several such imports, in order (consecutive indices from the one returned), moving the
// references to defined globals once: that walk visits every instruction of the module (~0.2 s
// for a 12 MB one), so passes that each need an import add theirs together.
struct GlobalImportName {
  std::string_view module, field;
};
// With `move_in_code` false, references in function bodies are left for the caller to move
// (instrument_for_interp, which walks the code anyway): each by names.size() when at or above the
// module's global import count before the call.
wabt::Index add_i64_global_imports(wabt::Module& m, std::initializer_list<GlobalImportName> names, bool move_in_code = true);

// One reference's move: `var` up by `by` when it names a defined global (index >= first_defined).
void shift_global_var(wabt::Var& var, wabt::Index first_defined, wabt::Index by);

}  // namespace torvyn::wasm

// Tiering (runtime.tiering) moves a running instance from the interpreter to compiled code: a new
// instance of the same module is made on the other engine and the old one's state is copied into it
// (move_instance_state, engine.h). That state is what a call can change: the module's own linear
// memories and mutable globals. Most of it is not exported, so this pass, run by both backends on
// the decoded module before instrumentation, appends an export for each memory, mutable global and
// table the module defines (imports are defined, and moved, elsewhere). Each backend then reaches
// the whole state through the export mechanism it already has.
//
// Tables are not copied: they are moved only when the module cannot change them (no table.set,
// table.grow, table.fill, table.copy or table.init), so the new instance's element segments have
// filled them exactly as the old one's were. A module with a start function is not movable either
// (instantiating the new instance would run guest code, and its host calls, a second time), nor
// one that drops a data segment (the new instance would still have it) or keeps a reference in a
// mutable global (references are engine-specific values).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <wabt/ir.h>

#include "torvyn/wasm/types.h"

namespace torvyn::wasm {

struct StateExports {
  std::vector<ExternType> items;  // memories, then mutable globals, then tables, each in index order
  size_t first_export = 0;        // index of the first appended export in the module's export list
  std::string not_movable;        // why an instance of this module cannot be moved; empty: it can
};

// Appends the exports (named "torvyn.state.<m|g|t><index>") when the module is movable; otherwise
// leaves it unchanged and says why in not_movable.
StateExports add_state_exports(wabt::Module& m);

// What add_state_exports shares with the interpreter's pass over a module's bytes
// (interp_binary_instrument), which decides the same from what it read:
inline constexpr std::string_view kStateExportPrefix = "torvyn.state.";
// The state export of item `index` of `sort`: 'm' a memory, 'g' a global, 't' a table.
std::string state_export_name(char sort, uint32_t index);
bool is_reserved_export_name(std::string_view name);
struct MovabilityFacts {
  bool start_function = false;
  std::string_view reserved_export;  // the first export with a reserved name; empty: none
  bool mutable_reference_global = false;
};
// Why the module cannot move, in add_state_exports' order; empty: it can. `code_change` (the first
// instruction that changes a table or drops a data segment, or null) is asked only when nothing
// before it applies.
std::string not_movable_reason(const MovabilityFacts& facts, const std::function<const char*()>& code_change);

}  // namespace torvyn::wasm

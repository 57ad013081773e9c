// Structural validation of a decoded component (E0201 ComponentInvalid): index spaces are built in
// definition order, as the spec defines them, and every reference is checked to be in bounds and of
// the right sort and kind; type definitions are checked for well-formedness (non-empty records,
// variants, tuples, flags and enums; unique kebab-case labels; value types where a value type is
// needed; own/borrow of resource types; no borrow in results); canon definitions are checked for the
// memory/realloc options their Canonical ABI lifting or lowering needs.
//
// Kept structural on purpose: core modules are not decoded here (contracts::component_wit_from_bytes
// validates them for check/inspect/link; the engines do at load), so whether a core instance really
// exports a name, or whether a core function has the flattened type a lift expects, is checked at
// instantiation. Subtyping of imports/exports is also left to instantiation.
//
// Messages name the definition and its byte offset in the outermost binary, e.g. "component invalid
// at offset 0x1c4 (canon definition): canon lift refers to core func 7, but only 3 core funcs are
// defined at that point".
#pragma once

#include <memory>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/component/ast.h"
#include "torvyn/component/binary_reader.h"

namespace torvyn::component {

Status validate_component(const Component& component);

// Decode, then validate: what a host loading an untrusted .wasm wants.
Result<std::shared_ptr<const DecodedComponent>> load_component(std::vector<uint8_t> bytes,
                                                               const DecodeLimits& limits = {});

}  // namespace torvyn::component

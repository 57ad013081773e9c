// Import matching (spec §4.5.4 "Import Subtyping"): may an external value of type `actual` satisfy
// an import declared with type `wanted`?
#pragma once

#include <optional>
#include <string>

#include "torvyn/wasm/types.h"

namespace torvyn::spectest {

// nullopt when it matches, else why not (for --verbose). For memories and tables `actual.limits.min`
// must be the object's *current* size, not its declared minimum: the spec types a live memory by
// its current size, so importing (memory 2) from a memory grown to 2 pages is fine.
std::optional<std::string> import_mismatch(const wasm::ExternType& wanted, const wasm::ExternType& actual);

}  // namespace torvyn::spectest

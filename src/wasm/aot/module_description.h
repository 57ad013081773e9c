// What the aot engine stores with a compiled module (CompileCache::description) so that a warm
// load need not decode the module again: its imports, exports and state layout as describe() read
// them from the IR. Decoding a 12 MB module only to learn these took ~0.5 s of every warm start.
#pragma once

#include <string>
#include <string_view>

#include "../common/described_module.h"

namespace torvyn::wasm::aot {

// The description of `m` (described) as text.
std::string description_text(const DescribedModule& m);

// Fills `m` from description_text's output and names it `name`; false (and `m` unchanged) when the
// text is not a description this version wrote.
bool describe_from_text(DescribedModule& m, std::string_view text, std::string_view name);

}  // namespace torvyn::wasm::aot

// Validation of a core module without loading it into an engine: what `check`, `inspect` and `link`
// run on every core module inside a component, so that a component whose code is invalid is found
// before `run` (the same decoder and validator the engines use, nesting limit included).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "torvyn/base/result.h"

namespace torvyn::wasm {

// WasmMalformed, WasmInvalid or WasmNestingTooDeep, with the byte offset inside the module.
Status validate_module(std::span<const uint8_t> bytes, std::string_view name);

}  // namespace torvyn::wasm

// Decoding and validating a core module into wabt's IR, and describing its imports and exports in
// Torvyn's own types. Both backends start here.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include <wabt/ir.h>

#include "ir_precheck.h"
#include "torvyn/base/result.h"
#include "torvyn/wasm/types.h"

namespace torvyn::wasm {

// Decode + validate. Errors are WasmNestingTooDeep (control nesting past `nesting_limit`, checked
// before any IR is built), WasmMalformed (binary format, with the byte offset) or WasmInvalid.
Result<std::unique_ptr<wabt::Module>> decode_module(std::span<const uint8_t> bytes, std::string_view name,
                                                    uint32_t nesting_limit = kMaxControlNesting);

ValType to_val_type(wabt::Type t);
FuncType func_type_of(const wabt::FuncSignature& sig);
Limits limits_of(const wabt::Limits& l);

// Imports in declaration order and exports, in Torvyn's types.
std::vector<ImportDesc> describe_imports(const wabt::Module& m);
std::vector<ExportDesc> describe_exports(const wabt::Module& m);

// Re-encode IR (after instrumentation) to a binary.
Result<std::vector<uint8_t>> encode_module(const wabt::Module& m);

}  // namespace torvyn::wasm

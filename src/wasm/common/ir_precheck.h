// What a module's bytes must satisfy before wabt builds its IR from them. Both rules are about
// guest-controlled input that wabt's IR reader and the passes over its IR cannot take safely;
// everything else is left to the decoder and validator, which report it as they always did.
//
// - Control nesting (block, loop, if, try): wabt's IR is a tree that several passes walk
//   recursively (our fuel pass and interpreter frame bound, wabt's binary and C writers, the IR's
//   own destructors). A 60 KB module nesting 20,000 blocks overflowed the host's stack. A function
//   nested beyond the limit is refused.
// - Constant expressions (global initializers, element and data segment offsets): wabt's streaming
//   reader hands every opcode in them to the IR reader, which builds no blocks there and aborts on
//   an assertion when a block, loop, if or try ends inside one (the component fuzzer found it: one
//   byte turned a global's `i32.const` into an instruction followed by `block` ... `end`). Only the
//   constant instructions may appear there (what validation requires anyway), so a module with
//   anything else is refused here as invalid.
//
// The check reads the binary with wabt's streaming reader, which keeps no recursion of its own,
// before any IR exists.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "torvyn/base/result.h"

namespace torvyn::wasm {

// Far beyond what compilers emit (a C switch becomes one block per case: thousands at most), and
// small enough that every recursive walk over the IR stays within a few MiB of stack.
inline constexpr uint32_t kMaxControlNesting = 10000;

// WasmNestingTooDeep naming the function and byte offset when a body nests deeper than `limit`;
// WasmInvalid naming the expression, the instruction and its byte offset when a constant
// expression holds a non-constant instruction. Malformed input is left to the real decoder: this
// check fails only on those two.
Status precheck_module(std::span<const uint8_t> bytes, std::string_view name, uint32_t nesting_limit = kMaxControlNesting);

}  // namespace torvyn::wasm

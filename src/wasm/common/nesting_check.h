// A module's control nesting (block, loop, if, try) is guest-controlled, and wabt's IR is a tree
// that several passes walk recursively: our fuel pass and interpreter frame bound, wabt's binary
// writer, its C writer and the IR's own destructors. A 60 KB module nesting 20,000 blocks
// overflowed the host's stack. This check reads the binary with wabt's streaming reader (which keeps
// no recursion of its own) before any IR exists, and refuses a function nested beyond the limit.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "torvyn/base/result.h"

namespace torvyn::wasm {

// Far beyond what compilers emit (a C switch becomes one block per case: thousands at most), and
// small enough that every recursive walk over the IR stays within a few MiB of stack.
inline constexpr uint32_t kMaxControlNesting = 10000;

// WasmNestingTooDeep naming the function and byte offset when a body nests deeper than `limit`.
// Malformed input is left to the real decoder: this check only fails on depth.
Status check_control_nesting(std::span<const uint8_t> bytes, std::string_view name, uint32_t limit = kMaxControlNesting);

}  // namespace torvyn::wasm

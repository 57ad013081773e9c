// Bounding the wabt interpreter's host memory. Its call stack is fixed (~1636 frames) but its value
// stack grows without limit, so a tiny module with a function of many locals recursing to the
// frame limit could make the host allocate gigabytes. We bound the worst case at load time:
// frames x (params + locals + operand stack) x sizeof(Value); a module over the limit is refused
// with a message pointing at the aot engine (which runs guests on the native stack, guarded).
#pragma once

#include <cstdint>

#include <wabt/ir.h>

#include "torvyn/base/result.h"

namespace torvyn::wasm {

inline constexpr uint64_t kInterpMaxFrames = 64 * 1024 / 40;  // wabt 1.0.32: 64 KiB of 40-byte frames
inline constexpr uint64_t kInterpValueBytes = 16;             // sizeof(wabt::interp::Value)

// Upper bound on the value-stack slots one activation of function `func_index` can use.
uint64_t interp_frame_slots(const wabt::Module& m, wabt::Index func_index);

Status check_interp_frame_bound(const wabt::Module& m, uint64_t max_value_stack_bytes);

}  // namespace torvyn::wasm

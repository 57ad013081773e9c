// The interpreter's instrumentation on the module's bytes, without wabt's IR.
//
// Loading a module on the interpreter used to decode it into wabt's IR (millions of linked nodes
// for a 12 MB guest), instrument the IR (interp_instrument.h), encode it again and free the IR:
// ~2 s of a componentize-js guest's first element, of which the interpreter's own reader, which
// validates, is only ~0.3 s. This pass reads the bytes once with wabt's binary reader (no IR),
// notes where the instrumentation goes, and writes the instrumented module straight from the
// original bytes: the same module instrument_for_interp gives, after add_state_exports, byte for
// byte once both are decoded (InterpBinaryInstrument.* compares them), and the description
// (imports, exports, state layout) describe() would give.
//
// It handles what the guest modules Torvyn meets use (wabt's default features). Anything else —
// a reader error, nesting past the limit, exception handling, a function with several results
// whose block type the module does not declare — returns nullopt, and the caller takes the IR
// path, which gives every verdict and message it always gave. The bytes are not validated here:
// wabt's interpreter reader validates the result, and the instrumentation keeps a module's
// validity (it moves global indices one-to-one, wraps each body in a block of the function's own
// type and adds stack-neutral code where the operand stack is empty), so a result the reader
// refuses means an invalid module, which the caller then reports through the IR path.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "torvyn/wasm/engine.h"

namespace torvyn::wasm {

struct BinaryInstrumented {
  std::vector<uint8_t> bytes;        // the instrumented module
  std::vector<ImportDesc> imports;   // the guest's own, in order
  std::vector<ExportDesc> exports;   // the guest's own; the state exports follow them in `bytes`
  StateLayout state;                 // add_state_exports' items and reason
  size_t state_first_export = 0;
};

std::optional<BinaryInstrumented> instrument_binary_for_interp(std::span<const uint8_t> bytes, bool meter_fuel,
                                                               uint32_t nesting_limit);

}  // namespace torvyn::wasm

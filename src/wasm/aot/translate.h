// wasm2c translation of an instrumented module (in-process, libwabt's C writer) plus the glue unit
// that connects the generated code to the host.
#pragma once

#include <string>

#include <wabt/ir.h>

#include "torvyn/base/result.h"
#include "torvyn/wasm/types.h"

namespace torvyn::wasm::aot {

struct Translation {
  std::string module_c;  // wasm2c output
  std::string module_h;
  std::string glue_c;    // our glue unit
  // Stored with the compiled object (CompileCache::description): what the engine needs to know of
  // the module without decoding it again. Opaque to the cache; empty: nothing stored.
  std::string description;
};

// When `metered`, the module must already carry the fuel import (instrument_fuel). Renames imports to `i.x<k>` and
// exports to `e<k>` so every C symbol is predictable, then writes C. WasmUnsupported when the
// module uses something wasm2c 1.0.32 cannot translate (SIMD).
Result<Translation> translate(wabt::Module& m, bool metered);

// wasm2c's C for a metered module without the second read of the fuel counter in each charge
// (translate applies it; see translate.cc for why that is safe). `dropped`: the reads removed.
std::string drop_fuel_rereads(const std::string& c, size_t* dropped);

// wasm2c's C with each function's loads and stores on an instance memory going through a local
// copy of the memory's data pointer, read once per function (translate applies it; see
// translate.cc for why that is safe). `rewritten`: the accesses rewritten.
std::string cache_memory_bases(const std::string& c, size_t* rewritten);

}  // namespace torvyn::wasm::aot

// Fuzz target: guest-controlled control structure through every pass that walks wabt's IR. The
// input is a recipe: each byte opens a block, loop or if, closes one, or adds a plain instruction
// (global.get/set of a defined global, so the pass's global renumbering is exercised; br to an
// enclosing label), so inputs reach any nesting depth — deep enough to pass the nesting limit. The
// module must either be refused cleanly (WasmNestingTooDeep, or another error with a message) or
// decode, take the fuel instrumentation, re-encode, decode again and have a finite interpreter
// frame bound; the interpreter's one-walk instrumentation, and its pass over the bytes, must give
// what the passes give. Nothing may crash, in particular not by exhausting the stack.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/fuel_pass.h"
#include "common/module_ir.h"
#include "common/global_import.h"
#include "common/state_exports.h"
#include "interp/interp_binary_instrument.h"
#include "interp/interp_instrument.h"
#include "interp/interp_stack_pass.h"
#include "reference/stack_pass_reference.h"

namespace {

void leb(std::vector<uint8_t>& out, uint64_t n) {
  do {
    uint8_t b = n & 0x7f;
    n >>= 7;
    out.push_back(n ? (b | 0x80) : b);
  } while (n);
}

void section(std::vector<uint8_t>& m, uint8_t id, const std::vector<uint8_t>& body) {
  m.push_back(id);
  leb(m, body.size());
  m.insert(m.end(), body.begin(), body.end());
}

// (module (global (mut i32) (i32.const 0)) (func (export "f") <body>))
std::vector<uint8_t> module_from_recipe(const uint8_t* data, size_t size) {
  std::vector<uint8_t> body = {0};  // no locals
  uint32_t depth = 0;
  for (size_t i = 0; i < size; ++i) {
    switch (data[i] % 8) {
      case 0: body.insert(body.end(), {0x02, 0x40}); ++depth; break;              // block
      case 1: body.insert(body.end(), {0x03, 0x40}); ++depth; break;              // loop
      case 2: body.insert(body.end(), {0x41, 0x00, 0x04, 0x40}); ++depth; break;  // i32.const 0; if
      case 3:
        if (depth) {
          body.push_back(0x0b);
          --depth;
        }
        break;
      case 4: body.insert(body.end(), {0x23, 0x00, 0x24, 0x00}); break;  // global.get 0; global.set 0
      case 5:
        if (depth) {  // br_if to an enclosing label
          body.insert(body.end(), {0x41, 0x00, 0x0d});
          leb(body, data[i] / 8 % depth);
        }
        break;
      case 6: body.push_back(0x01); break;  // nop
      default: body.insert(body.end(), {0x41, static_cast<uint8_t>(data[i] & 0x3f), 0x1a}); break;  // i32.const; drop
    }
  }
  while (depth--) body.push_back(0x0b);
  body.push_back(0x0b);
  std::vector<uint8_t> m = {0, 'a', 's', 'm', 1, 0, 0, 0};
  section(m, 1, {1, 0x60, 0, 0});                      // type: [] -> []
  section(m, 3, {1, 0});                               // func 0: type 0
  section(m, 6, {1, 0x7f, 1, 0x41, 0, 0x0b});          // global: mut i32 = 0
  section(m, 7, {1, 1, 'f', 0, 0});                    // export "f"
  std::vector<uint8_t> code = {1};
  leb(code, body.size());
  code.insert(code.end(), body.begin(), body.end());
  section(m, 10, code);
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace torvyn::wasm;
  // The first byte picks the mode: a recipe (structured, always valid until the limit), or the
  // bytes after it as a module of their own (anything at all).
  std::vector<uint8_t> bytes = size && (data[0] & 1) ? std::vector<uint8_t>(data + 1, data + size)
                                                     : module_from_recipe(size ? data + 1 : data, size ? size - 1 : 0);
  // The interpreter's pass over the bytes takes anything without crashing; what it gives for a
  // valid module is compared with the IR path below.
  auto bin = instrument_binary_for_interp(bytes, true, kMaxControlNesting);
  auto ir = decode_module(bytes, "fuzz");
  if (!ir) {
    if (ir.error().message.empty()) __builtin_trap();  // every refusal says why
    return 0;
  }
  (void)instrument_stack(**ir);
  instrument_fuel(**ir);
  auto encoded = encode_module(**ir);
  if (!encoded) __builtin_trap();  // an instrumented valid module always encodes
  auto again = decode_module(*encoded, "fuzz-instrumented", kMaxControlNesting + kStackPassExtraNesting + kFuelPassExtraNesting);
  if (!again) __builtin_trap();  // ... and still validates
  // The interpreter's one-walk instrumentation gives the module of the passes one after the other.
  auto one = decode_module(bytes, "fuzz");
  auto seq = decode_module(bytes, "fuzz");
  if (!one || !seq) __builtin_trap();  // decoded the first time
  instrument_for_interp(**one, true);
  wabt::Index first = add_i64_global_imports(**seq, {{kFuelModule, kFuelField}, {kStackModule, kStackField}});
  instrument_fuel_with(**seq, first);
  instrument_stack_with(**seq, first + 1);
  auto a = encode_module(**one);
  auto b = encode_module(**seq);
  if (!a || !b || *a != *b) __builtin_trap();
  // From the bytes alone: the same module once decoded (it decodes: the instrumentation keeps a
  // module valid), unless the pass left this module to the IR path.
  if (bin) {
    auto from_bytes = decode_module(bin->bytes, "fuzz-binary", kMaxControlNesting + kStackPassExtraNesting + kFuelPassExtraNesting);
    if (!from_bytes) __builtin_trap();
    auto ir2 = decode_module(bytes, "fuzz");
    if (!ir2) __builtin_trap();
    (void)add_state_exports(**ir2);
    instrument_for_interp(**ir2, true);
    auto c = encode_module(**from_bytes);
    auto d = encode_module(**ir2);
    if (!c || !d || *c != *d) __builtin_trap();
  }
  return 0;
}

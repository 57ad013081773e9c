// Splitting wasm2c's one C file into several translation units by function ranges, so that a large
// module compiles in parallel and no single compiler process has to hold all of it.
//
// wabt 1.0.32's C writer (wabt::WriteC) has no multi-output mode (`wasm2c --num-outputs` came later),
// so we split its output ourselves. Its layout is fixed: a prelude of includes, macros and static
// inline helpers; `static u32 func_types[N];`; one `static` forward declaration per function;
// segment tables (`static const ... [] = {`); init functions; the function definitions (`static`
// header line ... a `}` line); export wrappers and instantiate/free. We give the functions, the
// func_types table and the segment tables hidden (module-internal) linkage, keep everything that is
// not a function body in the main unit, and distribute the bodies over the other units, each of
// which starts with the prelude and the declarations it may need.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace torvyn::wasm::aot {

struct CodeUnit {
  std::string text;
  size_t largest_function = 0;  // bytes of C of its largest function (to pick an optimisation level)
  size_t functions = 0;
};

struct SplitCode {
  std::string main;              // everything but the function bodies (compiled as one unit)
  std::vector<CodeUnit> units;   // the function bodies; empty when not split
};

// Splits `module_c` into units of about `target_unit_bytes` of function bodies each, at most
// `max_units` (a function larger than the target gets a unit of its own, within that cap). When
// the text is not laid out as expected, or is small enough for one unit, returns it unsplit.
SplitCode split_units(const std::string& module_c, size_t target_unit_bytes, size_t max_units);

}  // namespace torvyn::wasm::aot

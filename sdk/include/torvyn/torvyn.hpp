// Torvyn guest SDK — C++ API.
//
// Thin RAII wrappers over the C layer (torvyn/torvyn.h) plus export macros. Works without a C++
// standard library (WASI-free guests are freestanding), so it brings its own small owning
// String/Bytes/Vec types backed by the SDK allocator. Build with -fno-exceptions -fno-rtti.
//
//   #include <torvyn/torvyn.hpp>
//   torvyn::ProcessResult my_process(const torvyn::StreamElement& in) { ... }
//   TORVYN_PROCESSOR(my_process)
//
// Ownership, in one place:
//   * StreamElement (the input of process/push/evaluate/route/ingest) holds BORROWED handles
//     (BufferRef, FlowContextRef) and a view of the content type. They are valid only during the
//     call; the SDK ends the borrows when your function returns (the Canonical ABI traps a callee
//     that returns while still holding a borrow). Never keep them.
//   * Buffer and MutableBuffer OWN a handle: the destructor drops it ([resource-drop]...).
//     Putting a Buffer in an OutputElement you return hands it to the host instead.
//   * MutableBuffer::freeze() returns a new owned Buffer; the MutableBuffer is still dropped by
//     its own destructor (the host marks it frozen).
//   * String/Bytes/Vec own guest memory; results are freed when the same export is entered again.
//
// The API is in parts, included here in order: cxx_support.hpp (freestanding support and owning
// types), cxx_results.hpp, cxx_buffers.hpp, cxx_elements.hpp, cxx_exports.hpp (export macros).
#ifndef TORVYN_TORVYN_HPP
#define TORVYN_TORVYN_HPP

#if !defined(__cplusplus) || __cplusplus < 201703L
#error "torvyn/torvyn.hpp needs C++17 or later"
#endif

#include "cxx_support.hpp"
#include "cxx_results.hpp"
#include "cxx_buffers.hpp"
#include "cxx_elements.hpp"
#include "cxx_exports.hpp"

#endif  // TORVYN_TORVYN_HPP

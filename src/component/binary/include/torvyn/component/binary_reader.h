// Decoding a WebAssembly component binary (Component Model `Binary.md`, preamble version 0x0d,
// layer 1) into the AST of ast.h. Core modules inside it are kept as byte spans, not decoded: the
// engine layer does that when it instantiates them.
//
// Errors (torvyn::Error):
//   E0200 ComponentMalformed   the bytes do not follow the grammar (or are a core module)
//   E0201 ComponentInvalid     well-formed but contradictory (duplicate canon options, ...)
//   E0202 ComponentUnsupported well-formed but uses something Torvyn does not run (async, values,
//                              GC core types, other binary versions) or exceeds a limit
// Every message names the section, the byte offset in the outermost binary and what was expected,
// e.g. "component binary malformed at offset 0x1a3 (type section): expected a value type, found
// byte 0x4f".
//
// Decoding is safe on hostile input: no crash, bounded time and memory (see DecodeLimits).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/component/ast.h"

namespace torvyn::component {

struct DecodeLimits {
  // Components nested in components plus types nested in types (component/instance/module types).
  uint32_t max_nesting = 100;
  // Vector elements (definitions, fields, cases, declarations, ...) across the whole binary: caps
  // the memory a small hostile binary can make the decoder allocate.
  uint64_t max_items = 1'000'000;
};

// A decoded component and the bytes it was decoded from. The spans in `component` (core module
// bytes, custom section data) point into `bytes`, so the two live and die together: hold the
// shared_ptr as long as any span is in use.
struct DecodedComponent {
  DecodedComponent() = default;
  DecodedComponent(const DecodedComponent&) = delete;
  DecodedComponent& operator=(const DecodedComponent&) = delete;

  std::vector<uint8_t> bytes;
  Component component;
};

Result<std::shared_ptr<const DecodedComponent>> decode_component(std::vector<uint8_t> bytes,
                                                                 const DecodeLimits& limits = {});

// What an 8-byte preamble says, for callers that accept either kind of .wasm file.
enum class BinaryKind { CoreModule, Component, Unknown };
BinaryKind sniff_binary_kind(std::span<const uint8_t> bytes);

}  // namespace torvyn::component

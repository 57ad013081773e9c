// A direct host function as the linker keeps it (built by direct_function<Body>() in
// direct_host.h, which explains the idea).
#pragma once

#include "torvyn/wasm/engine.h"

namespace torvyn::component {

struct DirectHostFunction {
  void* typed = nullptr;         // R (*)(void* caller, A...): called by the aot glue from guest code
  wasm::HostFn slots = nullptr;  // the same body through a slot array (interp)
  wasm::FuncType core;           // (A...) -> R, checked against the import's lowered signature
  void* env = nullptr;           // Caller::env()
  explicit operator bool() const { return slots != nullptr; }
};

}  // namespace torvyn::component

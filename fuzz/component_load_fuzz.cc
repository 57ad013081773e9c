// Any bytes through what `torvyn check`/`inspect` and `torvyn run` do with a component file before
// any of its code runs: its type read back as WIT (decode, validate, the contracts layer's walk of
// its index spaces) and its load on the interpreter (core modules validated and loaded, the
// instantiation plan built). Neither may crash, hang, leak or allocate without bound, and every
// refusal must say what is wrong. (component_decoder_fuzz covers the decoder and validator alone.)
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "torvyn/component/runtime.h"
#include "torvyn/contracts/component_wit.h"
#include "torvyn/wasm/engine.h"

namespace {

std::shared_ptr<torvyn::wasm::Engine> interpreter() {
  static std::shared_ptr<torvyn::wasm::Engine> engine = [] {
    torvyn::wasm::EngineConfig cfg;
    cfg.kind = torvyn::wasm::EngineKind::Interp;
    auto e = torvyn::wasm::Engine::create(cfg);
    if (!e.ok()) __builtin_trap();
    return *e;
  }();
  return engine;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  auto wit = torvyn::contracts::component_wit_from_bytes(bytes, true);
  if (!wit.ok() && wit.error().message.empty()) __builtin_trap();
  auto loaded = torvyn::component::LoadedComponent::load(interpreter(), std::move(bytes), "fuzz");
  if (!loaded.ok() && loaded.error().message.empty()) __builtin_trap();
  return 0;
}

#include "torvyn/wasm/engine.h"

#include <cstring>

#include "aot/aot_engine.h"
#include "interp/interp_engine.h"

namespace torvyn::wasm {

const char* to_string(EngineKind k) { return k == EngineKind::Interp ? "interp" : "aot"; }

std::optional<EngineKind> parse_engine_kind(std::string_view s) {
  if (s == "interp") return EngineKind::Interp;
  if (s == "aot") return EngineKind::Aot;
  return std::nullopt;
}

// Both backends read every argument before they write a result, so args may alias results.
bool Store::call_inplace(Extern func, Slot* slots, Trap* trap) {
  Trap r = call(func, slots, slots);
  if (!r) return true;
  *trap = std::move(r);
  return false;
}

bool Store::read_memory(Extern mem, uint64_t offset, std::span<uint8_t> out) {
  MemoryView v = memory(mem);
  if (offset > v.size || out.size() > v.size - offset) return false;
  if (!out.empty()) std::memcpy(out.data(), v.data + offset, out.size());
  return true;
}

bool Store::write_memory(Extern mem, uint64_t offset, std::span<const uint8_t> in) {
  MemoryView v = memory(mem);
  if (offset > v.size || in.size() > v.size - offset) return false;
  if (!in.empty()) std::memcpy(v.data + offset, in.data(), in.size());
  return true;
}

Result<std::shared_ptr<Engine>> Engine::create(const EngineConfig& config) {
  if (config.max_memory_pages == 0) return Error(ErrorCode::WasmResourceLimit, "max_memory_pages must be at least 1");
  if (config.kind == EngineKind::Interp) return make_interp_engine(config);
  return make_aot_engine(config);
}

}  // namespace torvyn::wasm

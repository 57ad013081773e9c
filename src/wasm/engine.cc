#include "torvyn/wasm/engine.h"

#include "aot/aot_engine.h"
#include "interp/interp_engine.h"

namespace torvyn::wasm {

const char* to_string(EngineKind k) { return k == EngineKind::Interp ? "interp" : "aot"; }

std::optional<EngineKind> parse_engine_kind(std::string_view s) {
  if (s == "interp") return EngineKind::Interp;
  if (s == "aot") return EngineKind::Aot;
  return std::nullopt;
}

Result<std::shared_ptr<Engine>> Engine::create(const EngineConfig& config) {
  if (config.max_memory_pages == 0) return Error(ErrorCode::WasmResourceLimit, "max_memory_pages must be at least 1");
  if (config.kind == EngineKind::Interp) return make_interp_engine(config);
  return make_aot_engine(config);
}

}  // namespace torvyn::wasm

#pragma once

#include <memory>

#include "torvyn/base/result.h"
#include "torvyn/wasm/engine.h"

namespace torvyn::wasm {
Result<std::shared_ptr<Engine>> make_aot_engine(const EngineConfig& config);
}

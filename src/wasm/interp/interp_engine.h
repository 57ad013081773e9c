#pragma once

#include <memory>

#include "torvyn/wasm/engine.h"

namespace torvyn::wasm {
std::shared_ptr<Engine> make_interp_engine(const EngineConfig& config);
}

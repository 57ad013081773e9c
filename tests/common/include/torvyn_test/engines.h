// Running a value-parameterised test suite once per Wasm engine.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "torvyn/wasm/engine.h"

// Instantiates `suite` (a ::testing::TestWithParam<torvyn::wasm::EngineKind>) for the interpreter
// and the aot engine, named "Engines/<suite>.<test>/interp" and ".../aot".
#define TORVYN_INSTANTIATE_ON_ENGINES(suite)                                                                       \
  INSTANTIATE_TEST_SUITE_P(Engines, suite,                                                                        \
                           ::testing::Values(::torvyn::wasm::EngineKind::Interp, ::torvyn::wasm::EngineKind::Aot), \
                           [](const auto& info) { return std::string(::torvyn::wasm::to_string(info.param)); })

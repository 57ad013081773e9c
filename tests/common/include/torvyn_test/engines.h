// Running a value-parameterised test suite once per Wasm engine.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "torvyn/wasm/engine.h"

namespace torvyn::test {

// An engine as the unit tests use one: compiled modules cached in `cache_dir` (the build tree's
// test cache), at -O1 to keep cold compiles short, memories capped at `max_pages`. Fails the test
// (and returns null) if it cannot be made.
inline std::shared_ptr<wasm::Engine> make_test_engine(wasm::EngineKind kind, const std::string& cache_dir,
                                                      uint32_t max_pages = wasm::EngineConfig{}.max_memory_pages) {
  wasm::EngineConfig cfg;
  cfg.kind = kind;
  cfg.cache_dir = cache_dir;
  cfg.opt_level = "-O1";
  cfg.max_memory_pages = max_pages;
  auto e = wasm::Engine::create(cfg);
  EXPECT_TRUE(e.ok()) << e.error().to_string();
  return e.ok() ? *e : nullptr;
}

}  // namespace torvyn::test

// Instantiates `suite` (a ::testing::TestWithParam<torvyn::wasm::EngineKind>) for the interpreter
// and the aot engine, named "Engines/<suite>.<test>/interp" and ".../aot".
#define TORVYN_INSTANTIATE_ON_ENGINES(suite)                                                                       \
  INSTANTIATE_TEST_SUITE_P(Engines, suite,                                                                        \
                           ::testing::Values(::torvyn::wasm::EngineKind::Interp, ::torvyn::wasm::EngineKind::Aot), \
                           [](const auto& info) { return std::string(::torvyn::wasm::to_string(info.param)); })

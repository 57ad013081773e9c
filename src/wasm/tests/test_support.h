// Shared helpers for the engine tests.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "torvyn/wasm/engine.h"
#include "torvyn_test/engines.h"

namespace torvyn::wasm::testing {

// Where aot tests cache compiled modules (CTest points it into the build tree).
inline std::string cache_dir() {
  const char* d = std::getenv("TORVYN_TEST_CACHE");
  return d ? d : "/tmp/torvyn-test-aot-cache";
}

// An engine with a small memory cap and a quick C optimisation level, as the tests use.
inline std::shared_ptr<Engine> make_engine(EngineKind kind, uint32_t max_pages = 16) {
  return ::torvyn::test::make_test_engine(kind, cache_dir(), max_pages);
}

// Hand-made module binaries: an unsigned LEB128, and a section (id, size, body) appended to `m`.
inline std::vector<uint8_t> leb(uint64_t n) {
  std::vector<uint8_t> out;
  do {
    uint8_t b = n & 0x7f;
    n >>= 7;
    out.push_back(n ? (b | 0x80) : b);
  } while (n);
  return out;
}
inline void append_section(std::vector<uint8_t>& m, uint8_t id, const std::vector<uint8_t>& body) {
  m.push_back(id);
  auto l = leb(body.size());
  m.insert(m.end(), l.begin(), l.end());
  m.insert(m.end(), body.begin(), body.end());
}

}  // namespace torvyn::wasm::testing
